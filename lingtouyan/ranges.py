"""The ranges the data files declare for a lever or parameter: one home for every user.

A leaf of ``sim/data`` declares its own uncertainty in one of three ways:

* a calibrated leaf: its estimate and standard error in
  ``sim/data/calibrated.yaml`` (:func:`calibrated_estimate`), within the
  leaf's calibration search ``bounds``;
* an assumed number: its ``plausible`` range in the parameter file, with its
  reason (:func:`plausible_range`);
* any number: its calibration search ``bounds`` or the ``allowed`` range a
  user may set.

The sweeper's parameter draws (:func:`lingtouyan.designs.uncertain_parameters`)
and the analyses' factors (:func:`lingtouyan.analysis.factors.declare`, which
adds the analyses' own factors file on top) both read these ranges from here,
so that a key varied by both is varied over the same declared range. This
module imports only :mod:`sim`; :mod:`lingtouyan.designs` and
:mod:`lingtouyan.analysis` both import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: How many standard errors either side of a calibrated estimate its range spans.
CALIBRATED_SPAN_SE = 2.0


@dataclass(frozen=True)
class Estimate:
    """A calibrated value with its standard error and the leaf's search bounds.

    Attributes:
        key: Override key.
        value: The estimate in ``sim/data/calibrated.yaml``.
        se: Its standard error (finite and positive).
        low: Lower search bound of the leaf.
        high: Upper search bound of the leaf.
    """

    key: str
    value: float
    se: float
    low: float
    high: float

    @property
    def range(self) -> tuple[float, float]:
        """The estimate ± :data:`CALIBRATED_SPAN_SE` standard errors, clipped to the search bounds."""
        span = CALIBRATED_SPAN_SE * self.se
        return max(self.low, self.value - span), min(self.high, self.value + span)


def leaf_of(key: str):
    """The leaf of an override key in ``sim/data`` (a lever ``policy.*`` or a world parameter ``param.*``).

    Raises:
        ValueError: naming the key, if it is neither.
    """
    from sim import load_levers, load_world_parameters

    root, _, path = key.partition(".")
    sets = {"policy": load_levers, "param": load_world_parameters}
    leaves = sets[root]() if root in sets else {}
    if path not in leaves:
        raise ValueError(f"factor {key!r}: not a lever (policy.*) or parameter (param.*) of sim/data")
    return leaves[path]


def is_integer(leaf) -> bool:
    """Whether a leaf takes whole numbers (a flag does not)."""
    return isinstance(leaf.value, int) and not isinstance(leaf.value, bool)


def calibrated_estimates() -> dict[str, Estimate]:
    """Every calibrated value with a usable standard error, in the order of ``sim/data/calibrated.yaml``.

    A value without a standard error, or with one that is not a finite positive
    number, has no declared uncertainty and is left out.

    Raises:
        sim.calibration.calibrated.CalibratedFileError: for an invalid file.
    """
    from sim.calibration.calibrated import CALIBRATED_FILE, load_calibrated
    from sim.parameters import read_yaml

    fitted = load_calibrated()  # validates the file
    entries = (read_yaml(CALIBRATED_FILE) or {}).get("values", {}) if CALIBRATED_FILE.exists() else {}
    out = {}
    for key, value in fitted.items():
        se = entries[key].get("se")
        if se is None or not math.isfinite(float(se)) or float(se) <= 0:
            continue
        low, high = leaf_of(key).bounds
        out[key] = Estimate(key, float(value), float(se), float(low), float(high))
    return out


def calibrated_estimate(key: str) -> Estimate | None:
    """The calibrated estimate of ``key`` with its standard error, or None if it has none."""
    return calibrated_estimates().get(key)


def plausible_range(key: str) -> tuple[float, float] | None:
    """The plausible range the leaf of ``key`` declares (an assumed number), or None."""
    declared = getattr(leaf_of(key), "plausible", None)
    return None if declared is None else (float(declared[0]), float(declared[1]))


def plausible_parameters() -> dict[str, tuple[float, float]]:
    """Every world parameter (``param.*``) with a plausible range, in the parameter file's order."""
    from sim.parameters import load_world_parameters

    return {f"param.{path}": (float(p.plausible[0]), float(p.plausible[1]))
            for path, p in load_world_parameters().items() if p.plausible is not None}


def own_range(key: str) -> tuple[float, float, str] | None:
    """The range the leaf of ``key`` declares itself, with why, or None if it declares none.

    In this order: its plausible range (with the parameter file's reason),
    its calibration search bounds, the range the data file allows.
    """
    leaf = leaf_of(key)
    declared = plausible_range(key)
    if declared is not None:
        return (*declared, leaf.plausible_reason or "plausible range")
    for pair, reason in ((leaf.bounds, "the calibration's search bounds"),
                         (leaf.allowed, "the range the data file allows")):
        if pair is not None:
            return float(pair[0]), float(pair[1]), reason
    return None


__all__ = ["CALIBRATED_SPAN_SE", "Estimate", "calibrated_estimate", "calibrated_estimates", "is_integer",
           "leaf_of", "own_range", "plausible_parameters", "plausible_range"]
