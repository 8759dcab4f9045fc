"""The factors an analysis varies: levers and parameters with their ranges and reasons.

Ranges come from ``factors.yaml`` beside this module (or a user's file in
the same schema): an explicit ``[low, high]`` with its reason, the
calibration's estimated uncertainty (``calibrated``: value ± 2 standard
errors within the search bounds), or the plausible range declared in the
parameter file itself (``plausible``). Each factor keeps the status of its
leaf in ``sim/data`` (source, calibrated, assumed) so a result can say
which kind of unknown drives it.

:func:`declare` is the one declaration of any key's range, used by the
analyses and by the EMA Workbench adapter (:mod:`lingtouyan.ema`) alike: the
factors file's entry where it has one, else the range the leaf declares
itself (its plausible range, else its calibration search bounds, else its
allowed range). What the data files declare (calibrated estimates and their
standard errors, plausible ranges, bounds) is read by :mod:`lingtouyan.ranges`,
which the sweeper's parameter draws (:mod:`lingtouyan.designs`) read too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lingtouyan.ranges import calibrated_estimate, is_integer, leaf_of, own_range, plausible_range

FACTORS_FILE = Path(__file__).with_name("factors.yaml")


@dataclass(frozen=True)
class Factor:
    """A lever or parameter varied over a range.

    Attributes:
        key: Override key (``policy.<family>.<leaf>`` or ``param.<group>.<leaf>``).
        low: Lowest value.
        high: Highest value.
        status: The leaf's status in ``sim/data`` (source, calibrated, assumed).
        kind: ``lever`` or ``parameter``.
        label: The leaf's label.
        unit: The leaf's unit.
        reason: Why this range.
        integer: The leaf takes whole numbers.
        flag: The leaf is a flag (varied as off/on; ``low`` 0, ``high`` 1).
    """

    key: str
    low: float
    high: float
    status: str
    kind: str
    label: str
    unit: str
    reason: str
    integer: bool = False
    flag: bool = False

    @property
    def short(self) -> str:
        """The key without its root (``pay_floor.multiple``)."""
        return self.key.split(".", 1)[1]

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map values in [0, 1] onto the range (rounded for whole-number leaves, on from 0.5 for flags)."""
        if self.flag:
            return np.asarray(unit, float) >= 0.5
        values = self.low + np.asarray(unit, float) * (self.high - self.low)
        return np.round(values) if self.integer else values


def _calibrated_range(key: str) -> tuple[float, float]:
    estimate = calibrated_estimate(key)
    if estimate is None:
        raise ValueError(f"factor {key!r}: range calibrated, but sim/data/calibrated.yaml has no se for it")
    return estimate.range


def make_factor(key: str, spec: dict) -> Factor:
    """One factor from its entry in the factors file.

    Raises:
        ValueError: naming the key, for an unknown leaf, a range it does not allow, or no reason.
    """
    leaf = leaf_of(key)
    if isinstance(leaf.value, bool) or not isinstance(leaf.value, int | float):
        raise ValueError(f"factor {key!r}: only numeric leaves can be varied, not {type(leaf.value).__name__}")
    reason = str(spec.get("reason") or "").strip()
    if not reason:
        raise ValueError(f"factor {key!r}: needs a reason for its range")
    rng = spec.get("range")
    if rng == "calibrated":
        low, high = _calibrated_range(key)
    elif rng == "plausible":
        declared = plausible_range(key)
        if declared is None:
            raise ValueError(f"factor {key!r}: range plausible, but its leaf declares no plausible range")
        low, high = declared
    elif isinstance(rng, list | tuple) and len(rng) == 2 and all(isinstance(x, int | float) for x in rng):
        low, high = float(rng[0]), float(rng[1])
    else:
        raise ValueError(f"factor {key!r}: range must be [low, high], calibrated or plausible, got {rng!r}")
    if not low < high:
        raise ValueError(f"factor {key!r}: range needs low < high, got [{low}, {high}]")
    allowed = leaf.allowed
    if allowed is not None and (low < allowed[0] or high > allowed[1]):
        raise ValueError(f"factor {key!r}: range [{low}, {high}] outside what the data file allows "
                         f"[{allowed[0]}, {allowed[1]}]")
    return Factor(key=key, low=low, high=high, status=leaf.status,
                  kind="lever" if key.startswith("policy.") else "parameter", label=leaf.label,
                  unit=leaf.unit, reason=reason, integer=is_integer(leaf))


def load_factors(path: str | Path | None = None, keys: Sequence[str] | None = None) -> list[Factor]:
    """The factors of ``path`` (default: the shipped ``factors.yaml``), optionally a subset.

    Without ``keys``: every entry but those marked ``sensitivity: false``
    (declared for the cost curves and the EMA adapter, not varied by default).

    Raises:
        ValueError: for a malformed file or entry, or a requested key the file lacks.
    """
    from sim.parameters import read_yaml

    data = read_yaml(Path(path) if path else FACTORS_FILE) or {}
    entries = data.get("factors")
    if not isinstance(entries, dict) or not entries:
        raise ValueError(f"{path or FACTORS_FILE}: needs a non-empty mapping 'factors'")
    if keys is not None:
        unknown = [k for k in keys if k not in entries]
        if unknown:
            raise ValueError(f"factor {unknown[0]!r} not in {path or FACTORS_FILE.name}; "
                             f"allowed: {', '.join(entries)}")
        entries = {k: entries[k] for k in keys}
    else:
        entries = {k: v for k, v in entries.items() if (v or {}).get("sensitivity", True) is not False}
    return [make_factor(k, v or {}) for k, v in entries.items()]


def declare(key: str, ranges: Mapping[str, Sequence[float]] | None = None,
            path: str | Path | None = None) -> Factor:
    """The factor of any lever or parameter key: the one declaration of its range.

    The range is, in this order: ``ranges[key]`` (the caller's, checked like a
    file entry), the entry of the factors file ``path`` (default: the shipped
    ``factors.yaml``), or what the leaf in ``sim/data`` declares itself — its
    plausible range, else its calibration search bounds, else its allowed
    range. A flag is a factor with ``flag`` set (off/on), whatever the range.

    Raises:
        ValueError: naming the key, for an unknown leaf, one neither a number nor a flag, a range
            outside what the data file allows, or a number without any range.
    """
    from sim.parameters import read_yaml

    leaf = leaf_of(key)
    kind = "lever" if key.startswith("policy.") else "parameter"
    if isinstance(leaf.value, bool):
        return Factor(key=key, low=0.0, high=1.0, status=leaf.status, kind=kind, label=leaf.label,
                      unit=leaf.unit, reason="a flag: off or on", flag=True)
    if not isinstance(leaf.value, int | float):
        raise ValueError(f"factor {key!r}: only numbers and flags can be varied, not {type(leaf.value).__name__}")
    if ranges and key in ranges:
        return make_factor(key, {"range": [float(x) for x in ranges[key]], "reason": "range given by the caller"})
    entry = ((read_yaml(Path(path) if path else FACTORS_FILE) or {}).get("factors") or {}).get(key)
    if entry:
        return make_factor(key, entry)
    declared = own_range(key)
    if declared is None:
        raise ValueError(f"factor {key!r}: no range in the factors file and none in sim/data "
                         "(no plausible range, bounds or allowed range); give one")
    low, high, reason = declared
    return make_factor(key, {"range": [low, high], "reason": reason})


def factor_table(factors: Sequence[Factor]) -> pd.DataFrame:
    """The factors as a table (key, status, range, unit, reason) for reports."""
    return pd.DataFrame([{"factor": f.key, "status": f.status, "low": f.low, "high": f.high,
                          "unit": f.unit, "reason": f.reason} for f in factors])
