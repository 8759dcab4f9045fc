"""Parameters as data with provenance, and a strict loader for them.

Every number the model uses lives in a YAML file under ``sim/data/`` as a
leaf that says what it is and where it comes from::

    multiple:
      value: 2.0
      unit: ratio to rural per-capita net income
      label: Basic-pay floor as a multiple of local income
      status: source            # source | calibrated | assumed
      reference: {line: L20, quote: "农民人均纯收入的1.5至2倍"}
      allowed: [0, 10]          # what a user may set (validation)

``status: source`` needs a ``reference`` (a seed line and its exact quote, or
an ``external`` public statistic); ``calibrated`` needs ``bounds``;
``assumed`` needs a ``reason``. An assumed leaf that matters for the outcomes
may give ``plausible: {range: [low, high], reason: ...}``, the range over
which parameter draws of a sweep vary it (``hydra.sweeper.draws``), with
why that range. The loader rejects unknown and duplicate keys,
a leaf without a unit and a leaf without its provenance, so a file that
breaks the discipline never reaches the model.
"""

from __future__ import annotations

import copy
import functools
import itertools
import numbers
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.errors import ConfigError, DataFileError

DATA_DIR = Path(__file__).parent / "data"

LEAF_KEYS = frozenset(
    {"value", "values", "unit", "label", "status", "reference", "reason", "bounds", "allowed",
     "choices", "keys", "plausible"}
)
REFERENCE_KEYS = frozenset({"line", "quote", "external", "title", "note"})
STATUSES = ("source", "calibrated", "assumed")
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Years a yearly series may list: from a few years before the first month a run can start to the
#: last it can end (a series listed centuries away was extrapolated to overflow).
SERIES_YEARS = (2000, 2050)


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader (libyaml where available) that rejects duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise DataFileError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: str | Path | Traversable) -> Any:
    """Read a YAML file (a path or a package resource), rejecting duplicate keys."""
    with (Path(path) if isinstance(path, str) else path).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_StrictLoader)


@dataclass(frozen=True)
class Parameter:
    """One parameter leaf: its value and where the value comes from.

    Attributes:
        path: Dotted name, e.g. ``secretary.retirement_age``.
        value: The value (number, bool, string, date ``YYYY-MM`` or mapping).
        unit: Unit of the value, in words.
        label: One-line meaning.
        status: ``source``, ``calibrated`` or ``assumed``.
        reference: Seed line and quote, or the external source.
        reason: Why an assumed value was chosen.
        bounds: Search bounds of a calibrated value.
        allowed: Range a user may set, inclusive.
        choices: Allowed strings.
        keys: Allowed keys of a mapping value (``provinces`` = province names); without
            it a mapping must give exactly the keys of its default value.
        plausible: Plausible range ``(low, high)`` of an assumed number (parameter draws).
        plausible_reason: Why that range.
    """

    path: str
    value: Any
    unit: str
    label: str
    status: str
    reference: Mapping[str, Any] | None = None
    reason: str | None = None
    bounds: tuple[float, float] | None = None
    allowed: tuple[float, float] | None = None
    choices: tuple[str, ...] | None = None
    keys: str | None = None
    is_series: bool = field(default=False)
    plausible: tuple[float, float] | None = None
    plausible_reason: str | None = None

    def validate_value(self, value: Any, key: str, province_names: frozenset[str]) -> Any:
        """Return ``value`` checked against this leaf's type and range.

        Raises:
            ConfigError: naming ``key`` and what is allowed.
        """
        default = self.value
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(key, f"must be true or false, got {value!r}")
            return value
        if self.is_series or isinstance(default, Mapping):
            if not isinstance(value, Mapping):
                raise ConfigError(key, f"must be a mapping, got {value!r}")
            if self.is_series and not value:
                raise ConfigError(key, "must give a value for at least one year, e.g. {2008: ...}")
            if not self.is_series and self.keys is None and sorted(map(str, value)) != sorted(default):
                # A mapping over fixed names (the congress levels): every name, and no other.
                raise ConfigError(key, f"must give a value for each of {', '.join(default)}; "
                                  f"got {', '.join(map(str, value)) or 'none'}")
            out = {}
            for k, v in value.items():
                k = str(k)
                if self.is_series and not (re.fullmatch(r"\d{4}", k)
                                           and SERIES_YEARS[0] <= int(k) <= SERIES_YEARS[1]):
                    raise ConfigError(f"{key}.{k}", f"series keys must be years YYYY from "
                                      f"{SERIES_YEARS[0]} to {SERIES_YEARS[1]}")
                if self.keys == "provinces" and k not in province_names:
                    raise ConfigError(
                        f"{key}.{k}", "unknown province; allowed: " + ", ".join(sorted(province_names))
                    )
                out[k] = self._check_number(v, f"{key}.{k}")
            return out
        if isinstance(default, list):
            if not isinstance(value, list | tuple) or len(value) != len(default):
                raise ConfigError(key, f"must be a list of {len(default)} numbers, got {value!r}")
            return [self._check_number(v, f"{key}[{i}]") for i, v in enumerate(value)]
        if isinstance(default, int | float):
            return self._check_number(value, key)
        if isinstance(default, str) and self.unit == "date":
            if not isinstance(value, str) or not _DATE.fullmatch(value):
                raise ConfigError(key, f"must be a date YYYY-MM, got {value!r}")
            return value
        if isinstance(default, str):
            if self.choices is not None and value not in self.choices:
                raise ConfigError(key, f"must be one of {', '.join(self.choices)}; got {value!r}")
            if not isinstance(value, str):
                raise ConfigError(key, f"must be a string, got {value!r}")
            return value
        raise ConfigError(key, f"cannot be overridden (value type {type(default).__name__})")

    def _check_number(self, value: Any, key: str) -> float | int:
        # numpy numbers too (mesa.batch_run passes the elements of the arrays it is given)
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise ConfigError(key, f"must be a number, got {value!r}")
        value = int(value) if isinstance(value, numbers.Integral) else float(value)
        if value != value:  # NaN
            raise ConfigError(key, "must be a number, got NaN")
        lo, hi = self.allowed if self.allowed is not None else (None, None)
        if lo is not None and value < lo:
            raise ConfigError(key, f"must be in [{lo}, {hi}] ({self.unit}), got {value!r}")
        if hi is not None and value > hi:
            raise ConfigError(key, f"must be in [{lo}, {hi}] ({self.unit}), got {value!r}")
        if isinstance(self.value, int) and not isinstance(self.value, bool):
            if float(value) != int(value):
                raise ConfigError(key, f"must be a whole number, got {value!r}")
            return int(value)
        return float(value)


def _is_leaf(node: Any) -> bool:
    return isinstance(node, Mapping) and ("unit" in node or "value" in node or "values" in node)


def _parse_leaf(path: str, node: Mapping[str, Any], where: str) -> Parameter:
    unknown = set(node) - LEAF_KEYS
    if unknown:
        raise DataFileError(
            f"{where}: {path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(LEAF_KEYS)}"
        )
    if "unit" not in node or not str(node["unit"]).strip():
        raise DataFileError(f"{where}: {path}: missing unit")
    if ("value" in node) == ("values" in node):
        raise DataFileError(f"{where}: {path}: give exactly one of value / values")
    status = node.get("status")
    if status not in STATUSES:
        raise DataFileError(f"{where}: {path}: status must be one of {STATUSES}, got {status!r}")
    if not node.get("label"):
        raise DataFileError(f"{where}: {path}: missing label")
    reference = node.get("reference")
    if reference is not None:
        if not isinstance(reference, Mapping):
            raise DataFileError(f"{where}: {path}: reference must be a mapping")
        bad = set(reference) - REFERENCE_KEYS
        if bad:
            raise DataFileError(f"{where}: {path}: unknown reference key(s) {sorted(bad)}")
        if "line" in reference:
            if not re.fullmatch(r"L\d+", str(reference["line"])) or not reference.get("quote"):
                raise DataFileError(f"{where}: {path}: a seed reference needs line 'Lnnn' and quote")
        elif not reference.get("external"):
            raise DataFileError(f"{where}: {path}: reference needs a seed line or an external source")
    if status == "source" and reference is None:
        raise DataFileError(f"{where}: {path}: status source needs a reference")
    if status == "assumed" and not node.get("reason"):
        raise DataFileError(f"{where}: {path}: status assumed needs a reason")
    bounds = node.get("bounds")
    if status == "calibrated":
        if not (isinstance(bounds, list) and len(bounds) == 2
                and all(isinstance(x, int | float) for x in bounds) and bounds[0] < bounds[1]):
            raise DataFileError(f"{where}: {path}: status calibrated needs bounds [low, high]")
    if "values" in node:
        values = node["values"]
        if not isinstance(values, Mapping) or not values:
            raise DataFileError(f"{where}: {path}: values must be a non-empty mapping")
        value = {str(k): v for k, v in values.items()}
        is_series = True
    else:
        value = node["value"]
        is_series = False
        if status == "calibrated" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # a calibrated value varies continuously
    allowed = node.get("allowed")
    for name, pair in (("bounds", bounds), ("allowed", allowed)):
        if pair is not None and not (
                isinstance(pair, list) and len(pair) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)):
            raise DataFileError(f"{where}: {path}: {name} must be two numbers [low, high], got {pair!r}")
    if allowed is None and bounds is not None:
        allowed = bounds
    plausible, plausible_reason = _parse_plausible(node.get("plausible"), path, where, status, value,
                                                   allowed)
    param = Parameter(
        path=path,
        value=value,
        unit=str(node["unit"]),
        label=str(node["label"]),
        status=status,
        reference=reference,
        reason=node.get("reason"),
        bounds=tuple(bounds) if bounds is not None else None,
        allowed=tuple(allowed) if allowed is not None else None,
        choices=tuple(node["choices"]) if node.get("choices") is not None else None,
        keys=node.get("keys"),
        is_series=is_series,
        plausible=plausible,
        plausible_reason=plausible_reason,
    )
    if status == "calibrated" and isinstance(value, int | float) and not isinstance(value, bool):
        lo, hi = param.bounds
        if not lo <= value <= hi:
            raise DataFileError(f"{where}: {path}: value {value} outside its bounds {list(bounds)}")
    return param


def _parse_plausible(node: Any, path: str, where: str, status: str, value: Any,
                     allowed: list | None) -> tuple[tuple[float, float] | None, str | None]:
    """The ``plausible`` block of a leaf: ``{range: [low, high], reason: text}``."""
    if node is None:
        return None, None
    where = f"{where}: {path}: plausible"
    if status != "assumed":
        raise DataFileError(f"{where}: only an assumed leaf has a plausible range (a calibrated one "
                            "is drawn from its standard error)")
    if not isinstance(node, Mapping) or set(node) != {"range", "reason"}:
        raise DataFileError(f"{where}: must be {{range: [low, high], reason: text}}")
    pair, reason = node["range"], node["reason"]
    if not (isinstance(pair, list) and len(pair) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)
            and pair[0] < pair[1]):
        raise DataFileError(f"{where}: range must be two numbers [low, high] with low < high, got {pair!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFileError(f"{where}: only a number can have a plausible range")
    if not pair[0] <= value <= pair[1]:
        raise DataFileError(f"{where}: range {pair} must contain the value {value}")
    if allowed is not None and not (allowed[0] <= pair[0] and pair[1] <= allowed[1]):
        raise DataFileError(f"{where}: range {pair} must lie inside allowed {list(allowed)}")
    if not isinstance(reason, str) or not reason.strip():
        raise DataFileError(f"{where}: needs a reason")
    return (float(pair[0]), float(pair[1])), reason


def _walk(node: Mapping[str, Any], prefix: str, where: str) -> Iterator[Parameter]:
    for key, child in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if _is_leaf(child):
            yield _parse_leaf(path, child, where)
        elif isinstance(child, Mapping):
            yield from _walk(child, path, where)
        else:
            raise DataFileError(f"{where}: {path}: a leaf needs value, unit, label, status")


class ParameterSet(Mapping[str, Parameter]):
    """A validated, read-only set of parameter leaves keyed by dotted path."""

    def __init__(self, leaves: Mapping[str, Parameter], source: str = "") -> None:
        self._leaves = dict(leaves)
        self.source = source

    @classmethod
    def load(cls, path: str | Path) -> ParameterSet:
        """Load and validate a parameter file (cached while the file is unchanged).

        Raises:
            DataFileError: on any breach of the schema.
        """
        path = Path(path).resolve()
        return _load_cached(path, path.stat().st_mtime_ns)

    def __getitem__(self, key: str) -> Parameter:
        return self._leaves[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._leaves)

    def __len__(self) -> int:
        return len(self._leaves)

    def value(self, key: str) -> Any:
        """The value of one leaf (a copy where the value is a mapping or list)."""
        value = self._leaves[key].value
        if isinstance(value, dict | list):
            return copy.deepcopy(value)
        return value

    def nested_values(self) -> dict[str, Any]:
        """All values as a nested dict (the shape of the YAML file, values only)."""
        out: dict[str, Any] = {}
        for path, leaf in self._leaves.items():
            node = out
            *parents, last = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = copy.deepcopy(leaf.value)
        return out

    def with_values(
        self, overrides: Mapping[str, Any], root: str, province_names: frozenset[str] = frozenset()
    ) -> ParameterSet:
        """Return a copy with ``overrides`` (nested mapping) applied and validated.

        Args:
            overrides: Nested mapping of new values, e.g. ``{"pay_floor": {"multiple": 1.2}}``.
            root: Name of the config node the overrides came from (used in messages).
            province_names: Names a province-keyed mapping may use.

        Raises:
            ConfigError: for an unknown key or a value out of its allowed range.
        """
        leaves = dict(self._leaves)
        for path, value in _flatten(overrides, "", self._leaves, root):
            leaf = leaves[path]
            checked = leaf.validate_value(value, f"{root}.{path}", province_names)
            leaves[path] = _replace_value(leaf, checked)
        return ParameterSet(leaves, source=self.source)


@functools.lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int) -> ParameterSet:
    tree = read_yaml(path)
    if not isinstance(tree, Mapping):
        raise DataFileError(f"{path}: top level must be a mapping")
    return ParameterSet({p.path: p for p in _walk(tree, "", path.name)}, source=str(path))


def _replace_value(leaf: Parameter, value: Any) -> Parameter:
    fields = {name: getattr(leaf, name) for name in leaf.__dataclass_fields__}
    fields["value"] = value
    return Parameter(**fields)


def _flatten(
    node: Mapping[str, Any], prefix: str, leaves: Mapping[str, Parameter], root: str
) -> Iterator[tuple[str, Any]]:
    if not isinstance(node, Mapping):
        raise ConfigError(f"{root}.{prefix}" if prefix else root, "must be a mapping")
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in leaves:
            yield path, value
            continue
        children = sorted({p[len(path) + 1 :].split(".")[0] for p in leaves if p.startswith(path + ".")})
        if children and isinstance(value, Mapping):
            yield from _flatten(value, path, leaves, root)
            continue
        siblings = sorted({p[len(prefix) + 1 if prefix else 0 :].split(".")[0]
                           for p in leaves if not prefix or p.startswith(prefix + ".")})
        if children:
            raise ConfigError(f"{root}.{path}", "is a group; set one of: " + ", ".join(children))
        raise ConfigError(f"{root}.{path}", "unknown key; allowed: " + ", ".join(siblings))


def load_world_parameters() -> ParameterSet:
    """The world's and agents' parameters (``sim/data/parameters.yaml``)."""
    return ParameterSet.load(DATA_DIR / "parameters.yaml")


def load_levers() -> ParameterSet:
    """The policy levers with their as-reported values (``sim/data/levers.yaml``)."""
    return ParameterSet.load(DATA_DIR / "levers.yaml")


def series_value(series: Mapping[str, float], year: int, growth_after: float | None = None) -> float:
    """Value of a yearly series at ``year``.

    Keys are years as strings. Before the first year the value is the first
    value; between listed years it is interpolated linearly; beyond the last
    year it grows at ``growth_after`` a year (default: the last listed rate;
    where that rate is undefined, the listed year before the last being 0, the
    value stays at the last one). A key is read as the year it writes
    (``"0900"`` is the year 900).
    """
    points = sorted((int(y), float(v)) for y, v in series.items())
    years = [y for y, _ in points]
    vals = [v for _, v in points]
    if year <= years[0]:
        return vals[0]
    if year >= years[-1]:
        if len(years) == 1:
            return vals[-1]
        if growth_after is not None:
            return vals[-1] * (1.0 + growth_after) ** (year - years[-1])
        if vals[-2] <= 0.0:
            return vals[-1]
        growth = (vals[-1] / vals[-2]) ** (1.0 / (years[-1] - years[-2]))
        return vals[-1] * growth ** (year - years[-1])
    for (y0, v0), (y1, v1) in itertools.pairwise(zip(years, vals, strict=True)):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    raise AssertionError("unreachable")
