"""Calibration by simulated moments and comparison with the reports (docs/CALIBRATION.md).

- :mod:`sim.calibration.targets`: the reported figures, their windows and roles.
- :mod:`sim.calibration.experiments`: targets that need a dedicated run.
- :mod:`sim.calibration.msm`: the estimator (common random numbers, several seeds,
  bounded parameters, parallel, resumable), uncertainty and identifiability.
- :mod:`sim.calibration.compare`: simulated means and bands beside every target.
"""
