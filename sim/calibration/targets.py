"""Targets: reported figures with their window, interval, tolerance and role.

A target file (``sim/data/targets.yaml`` or a user's own in the same schema)
is validated before any run: an unreadable file, an empty target list, an
unknown measure, a bad window, a missing value, a number that is not finite
(``.inf``, ``.nan``) as a value, interval end, tolerance or weight, or a value
outside its own ``[low, high]`` is a :class:`~sim.errors.ConfigError` whose one
line names the target and the key.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.parameters import DATA_DIR, read_yaml
from sim.timeline import parse_month

STATISTICS = ("stock", "flow", "mean", "growth", "experiment")
ROLES = ("fit", "held_out")
TARGET_KEYS = frozenset({
    "id", "measure", "statistic", "date", "start", "end", "value", "low", "high", "tolerance",
    "weight", "role", "report", "reference", "note", "experiment",
})
DEFAULT_TARGETS = DATA_DIR / "targets.yaml"


@dataclass(frozen=True)
class Target:
    """One reported figure to compare with.

    Attributes:
        id: Unique name.
        measure: Outcome measure compared (a column of the tidy table's ``measure``).
        statistic: ``stock``, ``flow``, ``mean``, ``growth`` or ``experiment``.
        date: Month of a stock.
        start: First month of a flow, mean or growth window.
        end: Last month of a flow, mean or growth window.
        value: Reported point value (may be None for a pure interval).
        low: Lower end of the reported interval (None: no lower end).
        high: Upper end (None: no upper end).
        tolerance: ``("rel" | "abs", amount)``: how far a simulation may fall outside.
        weight: Weight in the calibration loss.
        role: ``fit`` or ``held_out``.
        report: Report the figure comes from.
        reference: Seed line and quote.
        note: Why the window or interval is as it is.
        experiment: Name of the experiment for ``statistic: experiment``.
    """

    id: str
    measure: str
    statistic: str
    role: str
    report: str
    reference: Mapping[str, str]
    tolerance: tuple[str, float]
    weight: float = 1.0
    date: str | None = None
    start: str | None = None
    end: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""
    experiment: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def interval(self) -> tuple[float, float]:
        """Reported interval (value where no end is given; infinite where open)."""
        low = self.low if self.low is not None else self.value
        high = self.high if self.high is not None else self.value
        if self.low is not None and self.high is None and self.value is None:
            high = math.inf
        if self.high is not None and self.low is None and self.value is None:
            low = -math.inf
        return (float(low), float(high))

    @property
    def band(self) -> tuple[float, float]:
        """Acceptance band: the interval widened by the tolerance."""
        low, high = self.interval
        kind, amount = self.tolerance
        if kind == "abs":
            return (low - amount, high + amount)
        return (low - abs(low) * amount if math.isfinite(low) else low,
                high + abs(high) * amount if math.isfinite(high) else high)

    @property
    def scale(self) -> float:
        """Distance counted as one unit of loss.

        The tolerance; for a target with no tolerance, half its interval; else 1% of its value.
        """
        low, high = self.interval
        kind, amount = self.tolerance
        centre = self.point
        unit = amount if kind == "abs" else abs(centre) * amount
        if unit <= 0 and math.isfinite(low) and math.isfinite(high) and high > low:
            unit = (high - low) / 2.0
        return unit if unit > 0 else max(0.01 * abs(centre), 1e-9)

    @property
    def point(self) -> float:
        """The reported value, or the middle (or the open end) of the interval."""
        if self.value is not None:
            return float(self.value)
        low, high = self.interval
        if math.isfinite(low) and math.isfinite(high):
            return (low + high) / 2.0
        return low if math.isfinite(low) else high

    def distance(self, simulated: float) -> float:
        """Distance of ``simulated`` outside the reported interval, in units of ``scale``."""
        low, high = self.interval
        if simulated < low:
            return (low - simulated) / self.scale
        if simulated > high:
            return (simulated - high) / self.scale
        return 0.0

    def inside(self, simulated: float) -> bool:
        """Whether ``simulated`` falls in the acceptance band."""
        low, high = self.band
        return bool(low <= simulated <= high)

    def simulate(self, table: pd.DataFrame) -> float:
        """The target's statistic from one run's tidy outcome table."""
        series = table.loc[table["measure"] == self.measure].set_index("date")["value"]
        return statistic(series, self)


def statistic(series: pd.Series, target: Target) -> float:
    """Compute ``target``'s statistic from a measure's monthly series (index ``YYYY-MM``)."""
    if target.statistic == "stock":
        return float(series.loc[target.date])
    window = series.loc[target.start : target.end]
    if target.statistic == "flow":
        return float(window.sum())
    if target.statistic == "mean":
        return float(window.mean())
    if target.statistic == "growth":
        return float(series.loc[target.end] / series.loc[target.start])
    raise ValueError(f"{target.id}: statistic {target.statistic} needs an experiment run")


def load_targets(path: str | Path | None = None, measures: Iterable[str] | None = None,
                 end: str = "2050-12") -> list[Target]:
    """Load and validate a target file.

    Args:
        path: The file (default: ``sim/data/targets.yaml``).
        measures: Known outcome measures (default: the model's reporters).
        end: Last month a window may reach.

    Raises:
        ConfigError: naming the target and key for the first problem found.
    """
    from sim.calibration.experiments import EXPERIMENTS

    path = Path(path or DEFAULT_TARGETS)
    if not path.exists():
        raise ConfigError("targets", f"no such file: {path}")
    try:
        data = read_yaml(path)
    except UnicodeDecodeError as error:
        raise ConfigError("targets", f"{path.name}: not UTF-8 text (byte {error.start})") from None
    except Exception as error:  # a YAML syntax error, a duplicate key, a directory
        first = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
        raise ConfigError("targets", f"{path.name}: {first}") from None
    if not isinstance(data, Mapping) or set(data) != {"targets"} or not isinstance(
            data["targets"], list):
        raise ConfigError("targets", f"{path.name}: must be a mapping with one key, 'targets', "
                          "holding a list")
    if not data["targets"]:
        raise ConfigError("targets", f"{path.name}: the target list is empty")
    if measures is None:
        from sim.outcomes import reporters

        measures = reporters()
    known = set(measures)
    last = parse_month(end)
    out: list[Target] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["targets"]):
        out.append(_parse(entry, i, known, last, set(EXPERIMENTS)))
        if out[-1].id in seen:
            raise ConfigError(f"targets[{out[-1].id}].id", "duplicate target id")
        seen.add(out[-1].id)
    return out


def _number(entry: Mapping, key: str, where: str, required: bool = False) -> float | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}.{key}", "missing; a number is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}.{key}", f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{where}.{key}", f"must be a finite number (leave an end out to "
                          f"open the interval), got {value!r}")
    return float(value)


def _parse(entry: Any, i: int, known: set[str], last: int, experiments: set[str]) -> Target:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"targets[{i}]", "must be a mapping")
    ident = entry.get("id", i)
    where = f"targets[{ident if isinstance(ident, str | int) and not isinstance(ident, bool) else i}]"
    if any(not isinstance(k, str) for k in entry):
        raise ConfigError(where, "keys must be texts")
    unknown = set(entry) - TARGET_KEYS
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}",
                          "unknown key; allowed: " + ", ".join(sorted(TARGET_KEYS)))
    for key in ("id", "measure", "statistic", "role", "report"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ConfigError(f"{where}.{key}", "missing; a text is required")
    if entry["measure"] not in known:
        raise ConfigError(f"{where}.measure", f"unknown measure {entry['measure']!r}; see "
                          "the measures of sim.outcomes.reporters()")
    if entry["statistic"] not in STATISTICS:
        raise ConfigError(f"{where}.statistic", f"must be one of {', '.join(STATISTICS)}")
    if entry["role"] not in ROLES:
        raise ConfigError(f"{where}.role", f"must be one of {', '.join(ROLES)}")
    stat = entry["statistic"]
    needs = {"stock": ("date",), "experiment": ("experiment",)}.get(stat, ("start", "end"))
    for key in needs:
        if not entry.get(key):
            raise ConfigError(f"{where}.{key}", f"missing; a {stat} target needs {', '.join(needs)}")
    for key in ("date", "start", "end"):
        if entry.get(key) is not None:
            if not isinstance(entry[key], str):
                raise ConfigError(f"{where}.{key}", f"must be a date YYYY-MM in quotes, got {entry[key]!r}")
            month = parse_month(entry[key], f"{where}.{key}")
            if not parse_month("2008-01") <= month <= last:
                raise ConfigError(f"{where}.{key}", f"must lie in 2008-01..{_fmt(last)}")
    if stat in ("flow", "mean", "growth") and parse_month(entry["end"]) < parse_month(entry["start"]):
        raise ConfigError(f"{where}.end", f"must not be before start ({entry['start']})")
    if entry.get("experiment") is not None and not isinstance(entry["experiment"], str):
        raise ConfigError(f"{where}.experiment", "must be a text")
    if stat == "experiment" and entry["experiment"] not in experiments:
        raise ConfigError(f"{where}.experiment", "unknown; allowed: " + ", ".join(sorted(experiments)))
    value = _number(entry, "value", where)
    low = _number(entry, "low", where)
    high = _number(entry, "high", where)
    if value is None and low is None and high is None:
        raise ConfigError(f"{where}.value", "missing; give value, or low and/or high")
    if low is not None and high is not None and low > high:
        raise ConfigError(f"{where}.low", f"must not exceed high ({high})")
    if value is not None and low is not None and value < low:
        raise ConfigError(f"{where}.value", f"{value} lies below its own low ({low})")
    if value is not None and high is not None and value > high:
        raise ConfigError(f"{where}.value", f"{value} lies above its own high ({high})")
    tol = entry.get("tolerance")
    if not (isinstance(tol, Mapping) and len(tol) == 1 and next(iter(tol)) in ("rel", "abs")):
        raise ConfigError(f"{where}.tolerance", "must be {rel: share} or {abs: amount}")
    kind, amount = next(iter(tol.items()))
    if (isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount)
            or amount < 0):
        raise ConfigError(f"{where}.tolerance.{kind}", f"must be a finite number >= 0, got {amount!r}")
    weight = _number(entry, "weight", where)
    if weight is not None and weight < 0:
        raise ConfigError(f"{where}.weight", f"must be >= 0, got {weight}")
    ref = entry.get("reference")
    if (not isinstance(ref, Mapping) or not isinstance(ref.get("line"), str) or not ref["line"]
            or not isinstance(ref.get("quote"), str) or not ref["quote"]):
        raise ConfigError(f"{where}.reference", "must give line (Lnnn) and quote, as texts")
    return Target(
        id=entry["id"], measure=entry["measure"], statistic=stat, role=entry["role"],
        report=entry["report"], reference=dict(ref), tolerance=(kind, float(amount)),
        weight=1.0 if weight is None else weight, date=entry.get("date"),
        start=entry.get("start"), end=entry.get("end"), value=value, low=low, high=high,
        note=str(entry.get("note", "")), experiment=entry.get("experiment"))


def _fmt(month: int) -> str:
    from sim.timeline import format_month

    return format_month(month)


def file_hash(path: str | Path | None = None) -> str:
    """SHA-256 of a target file (recorded with a calibration)."""
    return hashlib.sha256(Path(path or DEFAULT_TARGETS).read_bytes()).hexdigest()


def simulate_all(table: pd.DataFrame, targets: Iterable[Target]) -> dict[str, float]:
    """Statistics of every non-experiment target from one run's table."""
    by_measure = {m: g.set_index("date")["value"] for m, g in table.groupby("measure", sort=False)}
    return {t.id: statistic(by_measure[t.measure], t) for t in targets
            if t.statistic != "experiment"}


def loss(simulated: Mapping[str, float], targets: Iterable[Target]) -> float:
    """Weighted sum of squared distances outside the reported intervals (fit targets)."""
    total = 0.0
    for t in targets:
        value = simulated[t.id]
        total += t.weight * (t.distance(value) ** 2 if np.isfinite(value) else 1e6)
    return total
