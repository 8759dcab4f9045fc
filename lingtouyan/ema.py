"""EMA Workbench adapter: the village-cadre model as an EMA model object.

::

    from ema_workbench import perform_experiments
    from lingtouyan.ema import village_model

    model = village_model(uncertainties=["param.secretary.quit_slope"],
                          levers=["policy.pay_floor.multiple"], seeds=[0, 1])
    experiments, outcomes = perform_experiments(model, scenarios=8, policies=4)

Uncertainties (EMA's *scenarios*, what the world does) are world parameters
or calibrated values; levers (EMA's *policies*, what the government sets)
are policy levers — both named by their override keys and declared once, by
:func:`lingtouyan.analysis.factors.declare`, the declaration the analyses
use: a number varies over the range of ``lingtouyan/analysis/factors.yaml``
where it has one, else over the plausible range, calibration bounds or
allowed range its leaf in ``sim/data`` declares; a flag is a
``BooleanParameter``. Outcomes are the scalar
outcomes of :mod:`lingtouyan.analysis.outcomes`, read from each run's tidy
table. With several seeds the model is a ``ReplicatorModel`` whose
replications are the same seeds in every experiment (common random numbers)
and each outcome is their mean, so EMA's experiments, PRIM and SALib
wrappers see one value per experiment.

Installed with ``pip install 'lingtouyan[ema]'``: EMA Workbench 2.5.3 on
Python 3.11 (the 3.x line requires Python 3.12 and is untried here; it
changed how seeds are replicated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lingtouyan.analysis.evaluate import run_value, split_point
from lingtouyan.analysis.outcomes import DEFAULT_OUTCOMES, WINDOW, check_outcomes, scalar_outcomes


def parameter(key: str, ranges: Mapping[str, tuple[float, float]] | None = None):
    """The EMA parameter of an override key, from its one declaration in :mod:`~lingtouyan.analysis.factors`.

    A flag is a ``BooleanParameter``, a whole number an ``IntegerParameter``
    and any other number a ``RealParameter`` over the range
    :func:`lingtouyan.analysis.factors.declare` gives it: ``ranges[key]`` if
    given, else the factors file's, else the leaf's own plausible range,
    calibration bounds or allowed range.

    Raises:
        ValueError: for an unknown key, or a numeric leaf without any range.
    """
    from ema_workbench import BooleanParameter, IntegerParameter, RealParameter

    from lingtouyan.analysis.factors import declare

    factor = declare(key, ranges)
    if factor.flag:
        return BooleanParameter(key)
    if factor.integer:
        return IntegerParameter(key, int(np.ceil(factor.low)), int(np.floor(factor.high)))
    return RealParameter(key, factor.low, factor.high)


class _Runner:
    """The callable EMA runs: one model run from an experiment's values (picklable)."""

    def __init__(self, names: Sequence[str], keys: Sequence[str], scale: float, end: str,
                 window: tuple[str, str], scenario: str) -> None:
        self.names, self.keys = tuple(names), tuple(keys)
        self.scale, self.end, self.window, self.scenario = scale, end, tuple(window), scenario

    def __call__(self, seed: int = 0, **values: Any) -> dict[str, float]:
        from sim import VillageModel

        # Numbers as every analysis runs them (6 significant digits, as the sweep launcher carries them).
        point = {k: run_value(values[k]) for k in self.keys if k in values}
        spec = split_point(point)
        table = VillageModel(scale=self.scale, end=self.end, seed=int(seed), scenario=self.scenario,
                             **spec).run()
        return scalar_outcomes(table, self.names, self.window)


def village_model(name: str = "lingtouyan", *, uncertainties: Sequence[str] = (),
                  levers: Sequence[str] = (), outcomes: Sequence[str] = DEFAULT_OUTCOMES,
                  seeds: Sequence[int] = (0,), scale: float = 0.01, end: str = "2012-12",
                  window: tuple[str, str] = WINDOW, scenario: str = "as_reported",
                  ranges: Mapping[str, tuple[float, float]] | None = None):
    """An EMA Workbench model of ``VillageModel``.

    Args:
        name: EMA model name (letters, digits, underscores).
        uncertainties: Override keys of world parameters or calibrated values (``param.*``).
        levers: Override keys of policy levers (``policy.*``).
        outcomes: Scalar outcome names.
        seeds: Seeds of every experiment (replications, averaged per outcome).
        scale: Share of villages simulated.
        end: Last month.
        window: Averaging window of the outcomes.
        scenario: Base scenario the experiments change.
        ranges: Ranges that replace the declared ones, by key.

    Raises:
        ValueError: for an unknown key or outcome, or a key on the wrong side.
    """
    from ema_workbench import Model, ReplicatorModel, ScalarOutcome

    names = check_outcomes(outcomes)
    for key in levers:
        if not key.startswith("policy."):
            raise ValueError(f"{key}: a lever is a policy.* key (parameters are uncertainties)")
    for key in uncertainties:
        if not key.startswith(("param.", "policy.")):
            raise ValueError(f"{key}: an uncertainty is a param.* key (or a calibrated policy.* value)")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    runner = _Runner(names, [*uncertainties, *levers], scale, end, window, scenario)
    if len(seeds) == 1:
        model = Model(name, function=runner)
        from ema_workbench import Constant

        model.constants = [Constant("seed", seeds[0])]
        model.outcomes = [ScalarOutcome(n) for n in names]
    else:
        model = ReplicatorModel(name, function=runner)
        model.replications = [{"seed": s} for s in seeds]
        model.outcomes = [ScalarOutcome(n, function=np.mean) for n in names]
    model.uncertainties = [parameter(k, ranges) for k in uncertainties]
    model.levers = [parameter(k, ranges) for k in levers]
    return model
