"""The data files the model reads, below everything that uses them (docs/ODD.md §6).

Parameters and levers are read by :mod:`sim.parameters`; this module reads
the province table, the scenarios and the calibrated values
(``calibrated.yaml``, written by ``sim-calibrate``), and puts the files
together into the sets a run starts from. All of it ships inside the package (``sim/data/``) and is read
as package resources, so an installed model reads what a checkout reads.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ConfigError, DataFileError
from sim.parameters import DATA_DIR, ParameterSet, load_levers, load_world_parameters, read_yaml

REGIONS = ("east", "central", "west")
FUNDING = ("transfer", "provincial_budget", "county_budget")
#: Scenario files ship inside the package (``sim/data/scenario/``); the command line's
#: Hydra finds the same folder as its ``scenario`` group through ``pkg://sim.data``.
SCENARIO_DIR = resources.files("sim").joinpath("data", "scenario")
SCENARIO_KEYS = frozenset({"scenario_name", "description", "policy", "param"})


def load_province_table(path: Path | None = None) -> pd.DataFrame:
    """Read ``provinces.csv`` and check it against its provenance file.

    Raises:
        DataFileError: if a column lacks provenance or provenance names a missing column.
    """
    path = Path(path or DATA_DIR / "provinces.csv").resolve()
    return _load_province_table(path, path.stat().st_mtime_ns).copy()


@functools.lru_cache(maxsize=4)
def _load_province_table(path: Path, mtime_ns: int) -> pd.DataFrame:
    table = pd.read_csv(path)
    meta = read_yaml(path.with_name("provinces.meta.yaml"))
    missing = set(table.columns) - set(meta)
    extra = set(meta) - set(table.columns)
    if missing or extra:
        raise DataFileError(f"{path.name}: columns without provenance {sorted(missing)}, "
                            f"provenance without column {sorted(extra)}")
    for column, leaf in meta.items():
        if not leaf.get("unit") or leaf.get("status") not in ("source", "calibrated", "assumed"):
            raise DataFileError(f"{path.name}: column {column} needs unit and status")
        if leaf["status"] == "source" and not leaf.get("reference"):
            raise DataFileError(f"{path.name}: column {column} has status source and no reference")
        if leaf["status"] == "assumed" and not leaf.get("reason"):
            raise DataFileError(f"{path.name}: column {column} has status assumed and no reason")
    if not set(table["region"]) <= set(REGIONS) or not set(table["pay_funding"]) <= set(FUNDING):
        raise DataFileError(f"{path.name}: unknown region or pay_funding value")
    if table["province"].duplicated().any():
        raise DataFileError(f"{path.name}: duplicate province")
    return table


def province_names() -> frozenset[str]:
    """Names of the 31 provinces, as users write them."""
    return frozenset(load_province_table()["province"])


def scenario_names() -> list[str]:
    """Names of the scenarios in ``sim/data/scenario``."""
    return sorted(entry.name.removesuffix(".yaml") for entry in SCENARIO_DIR.iterdir()
                  if entry.name.endswith(".yaml"))


def load_scenario(name: str) -> dict[str, Any]:
    """The lever and parameter changes of scenario ``name``.

    Raises:
        ConfigError: if there is no such scenario or its file has unknown keys.
    """
    names = scenario_names()
    if name not in names:
        raise ConfigError("scenario", f"unknown scenario {name!r}; allowed: {', '.join(names)}")
    data = read_yaml(SCENARIO_DIR.joinpath(f"{name}.yaml")) or {}
    unknown = set(data) - SCENARIO_KEYS
    if unknown:
        raise ConfigError(f"scenario.{sorted(unknown)[0]}",
                          f"unknown key in scenario file; allowed: {', '.join(sorted(SCENARIO_KEYS))}")
    return data


CALIBRATED_FILE = DATA_DIR / "calibrated.yaml"
META_KEYS = frozenset({
    "loss", "start_loss", "date", "commit", "targets_file", "targets_sha256", "seeds", "scale",
    "end", "evaluations", "method", "message", "code_version", "wall_seconds", "jobs",
})
VALUE_KEYS = frozenset({"value", "se", "low", "high", "start", "unit"})


def load_calibrated(path: str | Path | None = None, levers: ParameterSet | None = None,
                    params: ParameterSet | None = None) -> dict[str, float]:
    """Fitted values by dotted key (``param.<...>`` / ``policy.<...>``); empty if no file.

    Raises:
        DataFileError: for an unknown key, a leaf that is not calibrated, or a value
            outside its bounds.
    """
    path = Path(path) if path else CALIBRATED_FILE
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    if set(data) - {"meta", "values"}:
        raise DataFileError(f"{path.name}: top-level keys must be meta and values")
    unknown = set(data.get("meta") or {}) - META_KEYS
    if unknown:
        raise DataFileError(f"{path.name}: unknown meta key(s) {sorted(unknown)}")
    sets = {"policy": levers or load_levers(), "param": params or load_world_parameters()}
    out = {}
    for key, entry in (data.get("values") or {}).items():
        root, _, leaf_path = key.partition(".")
        if root not in sets or leaf_path not in sets[root]:
            raise DataFileError(f"{path.name}: {key}: not a parameter or lever")
        leaf = sets[root][leaf_path]
        if leaf.status != "calibrated":
            raise DataFileError(f"{path.name}: {key}: the leaf's status is {leaf.status}, not calibrated")
        if not isinstance(entry, Mapping) or set(entry) - VALUE_KEYS or "value" not in entry:
            raise DataFileError(f"{path.name}: {key}: needs value (and se, low, high, start, unit)")
        value = float(entry["value"])
        low, high = leaf.bounds
        if not low <= value <= high:
            raise DataFileError(f"{path.name}: {key}: {value} outside its bounds [{low}, {high}]")
        out[key] = value
    return out


def nest(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"param.a.b": 1, "policy.c.d": 2}`` → ``{"param": {"a": {"b": 1}}, "policy": {"c": {"d": 2}}}``."""
    out: dict[str, dict[str, Any]] = {"param": {}, "policy": {}}
    for key, value in values.items():
        root, *parts = key.split(".")
        node = out[root]
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def default_sets(calibration: str | None = "default") -> tuple[ParameterSet, ParameterSet]:
    """The lever and parameter sets a run starts from: the files with the calibrated values.

    Args:
        calibration: ``"default"`` for ``sim/data/calibrated.yaml`` (if present), a path to
            another calibrated file, or None for the files' own values.
    """
    levers, world = load_levers(), load_world_parameters()
    if calibration is None:
        return levers, world
    path = None if calibration == "default" else calibration
    fitted = nest(load_calibrated(path, levers, world))
    provinces = province_names()
    return (levers.with_values(fitted["policy"], "policy", provinces),
            world.with_values(fitted["param"], "param", provinces))
