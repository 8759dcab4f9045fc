"""Sweep designs: Latin-hypercube and Sobol points over named ranges, tables, parameter draws.

These are the pure parts of the ``lingtouyan`` Hydra sweeper
(``hydra_plugins/lingtouyan_sweeper``): each returns the same points for the
same arguments, in any process.

* :func:`space_points`: ``samples`` points of a Latin hypercube or a
  scrambled Sobol sequence (``scipy.stats.qmc``) over named ranges.
* :func:`table_points`: points read from a CSV file, one column per override
  key (for samples made by other tools, e.g. SALib).
* :func:`uncertain_parameters` and :func:`draw_points`: draws of the
  parameters we do not know — every calibrated one from its estimate and
  standard error in ``sim/data/calibrated.yaml`` (a normal truncated to the
  leaf's bounds), every assumed one with a ``plausible`` range in
  ``sim/data/parameters.yaml`` uniformly over that range. The draws are a
  Latin hypercube in the joint space, so a few draws cover every margin;
  calibrated values are drawn independently (the file has no covariances).
  Both come from :mod:`lingtouyan.ranges`, the declaration the analyses'
  factors (:func:`lingtouyan.analysis.factors.declare`) read as well.

A point is a mapping ``{override key: value text}``; :func:`overrides`
turns it into Hydra overrides.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError

DESIGNS = ("grid", "lhs", "sobol", "table")
ROOTS = ("policy", "param")


@dataclass(frozen=True)
class Uncertain:
    """A parameter that parameter draws vary.

    Attributes:
        key: Override key, e.g. ``param.secretary.quit_slope``.
        kind: ``calibrated`` (drawn from its estimate and standard error) or
            ``assumed`` (uniform over its plausible range).
        value: The value runs use when not drawn (the estimate, or the file's value).
        low: Lower bound of the draws (the leaf's bounds, or the plausible range).
        high: Upper bound.
        se: Standard error of a calibrated estimate.
        integer: Whether the leaf takes whole numbers.
    """

    key: str
    kind: str
    value: float
    low: float
    high: float
    se: float | None = None
    integer: bool = False

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Values at quantiles ``u`` in (0, 1) of this parameter's draw distribution."""
        if self.kind == "calibrated" and self.se:
            from scipy.stats import truncnorm

            a, b = (self.low - self.value) / self.se, (self.high - self.value) / self.se
            x = truncnorm.ppf(u, a, b, loc=self.value, scale=self.se)
        else:
            x = self.low + u * (self.high - self.low)
        return np.round(x) if self.integer else x


def leaf(key: str):
    """The lever or parameter leaf of an override key (``policy.…`` / ``param.…``), or None."""
    from sim.parameters import load_levers, load_world_parameters

    root, _, path = key.partition(".")
    if root not in ROOTS:
        return None
    leaves = load_levers() if root == "policy" else load_world_parameters()
    return leaves.get(path)


def format_value(value: float, integer: bool = False) -> str:
    """An override value: whole numbers as such, others to 6 significant digits."""
    if integer:
        return str(round(float(value)))
    return np.format_float_positional(float(value), precision=6, unique=True, fractional=False,
                                      trim="0")


def _numeric_leaf(key: str, where: str):
    found = leaf(key)
    if found is None:
        raise ConfigError(where, f"{key!r} is not a lever or parameter (policy.<family>.<leaf> or "
                          "param.<group>.<leaf>; sim-run --cfg job lists them)")
    if isinstance(found.value, bool) or not isinstance(found.value, int | float):
        raise ConfigError(where, f"{key} is not a number (value {found.value!r}); sweep it as a grid "
                          "instead (key=a,b)")
    return found


def check_ranges(ranges: Mapping[str, Any], where: str = "hydra.sweeper.ranges") -> dict[str, tuple]:
    """Validate ``{key: [low, high]}`` against each leaf's allowed range.

    A nested mapping (``{policy: {pay_floor: {multiple: [1, 2]}}}``) is
    flattened to dotted keys.

    Returns:
        ``{key: (low, high)}`` in the given order.

    Raises:
        ConfigError: naming the range and what is allowed.
    """
    out: dict[str, tuple] = {}
    for key, value in _flatten(ranges):
        here = f"{where}.{key}"
        found = _numeric_leaf(key, here)
        if (not isinstance(value, list | tuple) or len(value) != 2
                or any(isinstance(x, bool) or not isinstance(x, int | float) for x in value)):
            raise ConfigError(here, f"must be two numbers [low, high], got {value!r}")
        low, high = float(value[0]), float(value[1])
        if not low < high:
            raise ConfigError(here, f"low must be below high, got [{value[0]}, {value[1]}]")
        allowed = found.allowed
        if allowed is not None and (low < allowed[0] or high > allowed[1]):
            raise ConfigError(here, f"must lie in [{allowed[0]}, {allowed[1]}] ({found.unit}), "
                              f"got [{value[0]}, {value[1]}]")
        out[key] = (low, high)
    return out


def _flatten(node: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from _flatten(value, path)
        else:
            yield path, value


def _is_integer(key: str) -> bool:
    found = leaf(key)
    return found is not None and isinstance(found.value, int) and not isinstance(found.value, bool)


def unit_points(design: str, samples: int, dims: int, seed: int) -> np.ndarray:
    """``samples`` × ``dims`` points in [0, 1) of a Latin hypercube or a scrambled Sobol sequence."""
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([seed, dims, samples]))
    if design == "lhs":
        engine = qmc.LatinHypercube(d=dims, rng=rng)
    elif design == "sobol":
        engine = qmc.Sobol(d=dims, scramble=True, rng=rng)
        m = int(math.log2(samples))
        if 2 ** m == samples:
            return engine.random_base2(m)
        import warnings

        with warnings.catch_warnings():  # the note is printed by the sweeper
            warnings.simplefilter("ignore")
            return engine.random(samples)
    else:
        raise ConfigError("hydra.sweeper.design", f"must be one of {', '.join(DESIGNS)}, got {design!r}")
    return engine.random(samples)


def space_points(design: str, samples: int, ranges: Mapping[str, Any], seed: int = 0
                 ) -> list[dict[str, str]]:
    """``samples`` points of a Latin hypercube or Sobol design over ``ranges``.

    Raises:
        ConfigError: for a bad range, design or sample count.
    """
    checked = check_ranges(ranges)
    if not checked:
        raise ConfigError("hydra.sweeper.ranges", f"a {design} design needs at least one range, e.g. "
                          "hydra.sweeper.ranges={policy.pay_floor.multiple:[1.0,2.5]}")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError("hydra.sweeper.samples", f"must be a whole number >= 1, got {samples!r}")
    u = unit_points(design, samples, len(checked), seed)
    points = []
    for row in u:
        point = {}
        for (key, (low, high)), x in zip(checked.items(), row, strict=True):
            integer = _is_integer(key)
            point[key] = format_value(low + x * (high - low), integer)
        points.append(point)
    return points


def table_points(path: str | Path) -> list[dict[str, str]]:
    """Points from a CSV file: a header of override keys, one row per point.

    A ``policy.*`` or ``param.*`` column is checked against its leaf; other
    keys (``seed``, ``scale``...) are passed to the job as they are.

    Raises:
        ConfigError: for a missing or empty file, an empty cell or a value a leaf rejects.
    """
    from sim.config import province_names

    where = "hydra.sweeper.table"
    if not path:
        raise ConfigError(where, "the table design needs a CSV file: hydra.sweeper.table=points.csv")
    path = Path(path)
    if not path.is_file():
        raise ConfigError(where, f"no such file: {path}")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not header or not rows:
        raise ConfigError(where, f"{path.name}: needs a header of override keys and at least one row")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header) or not all(header):
        raise ConfigError(where, f"{path.name}: the header must name each key once, got {header}")
    leaves = {key: leaf(key) for key in header}
    for key in header:
        if key.split(".")[0] in ROOTS and leaves[key] is None:
            raise ConfigError(f"{where}.{key}", "not a lever or parameter (sim-run --cfg job lists them)")
    provinces = province_names()
    points = []
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise ConfigError(where, f"{path.name} line {number}: {len(row)} cells for {len(header)} keys")
        point = {}
        for key, cell in zip(header, row, strict=True):
            cell = cell.strip()
            if not cell:
                raise ConfigError(f"{where}.{key}", f"{path.name} line {number}: empty cell")
            found = leaves[key]
            if found is not None and isinstance(found.value, int | float) and not isinstance(
                    found.value, bool):
                try:
                    number_value = float(cell)
                except ValueError:
                    raise ConfigError(f"{where}.{key}", f"{path.name} line {number}: must be a "
                                      f"number, got {cell!r}") from None
                found.validate_value(int(number_value) if _is_integer(key) and number_value.is_integer()
                                     else number_value, key, provinces)
                cell = format_value(number_value, _is_integer(key))
            point[key] = cell
        points.append(point)
    return points


def uncertain_parameters(include: Sequence[str] | None = None) -> list[Uncertain]:
    """The parameters parameter draws vary, calibrated ones first, in file order.

    Args:
        include: Only these keys (default: every calibrated leaf with a standard
            error and every assumed leaf with a plausible range).

    Raises:
        ConfigError: for a key in ``include`` that is neither.
    """
    from lingtouyan.ranges import calibrated_estimates, plausible_parameters

    found: dict[str, Uncertain] = {}
    for key, est in calibrated_estimates().items():
        found[key] = Uncertain(key, "calibrated", est.value, est.low, est.high, est.se, _is_integer(key))
    for key, (low, high) in plausible_parameters().items():
        found[key] = Uncertain(key, "assumed", float(leaf(key).value), low, high, integer=_is_integer(key))
    if include is None:
        return list(found.values())
    missing = [key for key in include if key not in found]
    if missing:
        raise ConfigError("hydra.sweeper.uncertain", f"{missing[0]} is not uncertain: give calibrated "
                          "leaves with a standard error or assumed leaves with a plausible range; "
                          "allowed: " + ", ".join(found))
    return [found[key] for key in include]


def draw_points(draws: int, seed: int = 0, include: Sequence[str] | None = None
                ) -> list[dict[str, str]]:
    """``draws`` joint draws of the uncertain parameters (a Latin hypercube of their quantiles).

    Raises:
        ConfigError: for a bad count or an unknown key in ``include``.
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
        raise ConfigError("hydra.sweeper.draws", f"must be a whole number >= 0, got {draws!r}")
    if draws == 0:
        return []
    params = uncertain_parameters(include)
    if not params:
        raise ConfigError("hydra.sweeper.draws", "no parameter is uncertain")
    # Another stream than the design's: the same seed must not tie draws to design points.
    u = unit_points("lhs", draws, len(params), seed + 1_000_003)
    columns = [p.from_unit(u[:, j]) for j, p in enumerate(params)]
    return [{p.key: format_value(col[i], p.integer) for p, col in zip(params, columns, strict=True)}
            for i in range(draws)]


def overrides(point: Mapping[str, str]) -> list[str]:
    """Hydra overrides of a point."""
    return [f"{key}={value}" for key, value in point.items()]


__all__ = ["DESIGNS", "Uncertain", "check_ranges", "draw_points", "format_value", "overrides",
           "space_points", "table_points", "uncertain_parameters", "unit_points"]
