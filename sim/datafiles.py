"""The data files the model reads, below everything that uses them (docs/ODD.md §6).

Parameters and levers are read by :mod:`sim.parameters`; this module reads
the province table, the scenarios and the calibrated values
(``calibrated.yaml``, written by ``sim-calibrate``), and puts the files
together into the sets a run starts from. All of it ships inside the package (``sim/data/``) and is read
as package resources, so an installed model reads what a checkout reads.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import ConfigError, DataFileError
from sim.parameters import DATA_DIR, ParameterSet, load_levers, load_world_parameters, read_yaml

REGIONS = ("east", "central", "west")
FUNDING = ("transfer", "provincial_budget", "county_budget")
#: Who pays the basic pension of secretaries' insurance (L27).
PENSION_FUNDING = ("shared", "provincial_budget")
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
    if not set(table["pension_funding"]) <= set(PENSION_FUNDING):
        raise DataFileError(f"{path.name}: unknown pension_funding value; allowed: "
                            + ", ".join(PENSION_FUNDING))
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
    "end", "evaluations", "max_evaluations", "method", "message", "code_version", "wall_seconds",
    "jobs",
})
VALUE_KEYS = frozenset({"value", "se", "low", "high", "start", "unit"})


class CalibratedFileError(ConfigError, DataFileError):
    """A calibrated file that cannot be used: one line naming the file and the key.

    Both a :class:`~sim.errors.ConfigError` (the file is a user's input, e.g.
    ``sim-compare --calibration FILE``) and a :class:`~sim.errors.DataFileError`
    (the shipped file breaks its schema).
    """

    def __init__(self, path: str | Path, key: str, problem: str) -> None:
        self.path = str(path)
        ConfigError.__init__(self, key, f"{problem} (calibrated file {path})")
        self.problem = problem

    def __reduce__(self):
        return (type(self), (self.path, self.key, self.problem))


def _read(path: Path) -> Any:
    try:
        return read_yaml(path)
    except UnicodeDecodeError as err:
        raise CalibratedFileError(path, "file", f"not UTF-8 text (byte {err.start})") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}" if mark else ""
        raise CalibratedFileError(path, "file", f"not valid YAML{where}: {err.problem or err}") from None
    except yaml.YAMLError as err:
        raise CalibratedFileError(path, "file", f"not valid YAML: {str(err).splitlines()[0]}") from None
    except OSError as err:
        raise CalibratedFileError(path, "file", f"cannot be read: {err.strerror}") from None
    except DataFileError as err:  # a duplicate key
        raise CalibratedFileError(path, "file", str(err).splitlines()[0]) from None


def load_calibrated(path: str | Path | None = None, levers: ParameterSet | None = None,
                    params: ParameterSet | None = None) -> dict[str, float]:
    """Fitted values by dotted key (``param.<...>`` / ``policy.<...>``); empty if no file.

    Raises:
        CalibratedFileError: for a file that is not UTF-8 YAML, an unknown key, a leaf
            that is not calibrated, or a value that is not a finite number within its
            bounds (one line naming the file and the key).
    """
    path = Path(path) if path else CALIBRATED_FILE
    if not path.exists():
        return {}
    if not path.is_file():
        raise CalibratedFileError(path, "file", "not a file")
    data = _read(path)
    if data is None:
        data = {}
    if not isinstance(data, Mapping) or set(data) - {"meta", "values"}:
        raise CalibratedFileError(path, "file", "top-level keys must be meta and values")
    meta = data.get("meta") or {}
    if not isinstance(meta, Mapping):
        raise CalibratedFileError(path, "meta", "must be a mapping")
    unknown = set(meta) - META_KEYS
    if unknown:
        raise CalibratedFileError(path, f"meta.{sorted(map(str, unknown))[0]}",
                                  "unknown key; allowed: " + ", ".join(sorted(META_KEYS)))
    values = data.get("values") or {}
    if not isinstance(values, Mapping):
        raise CalibratedFileError(path, "values", "must be a mapping of dotted keys")
    sets = {"policy": levers or load_levers(), "param": params or load_world_parameters()}
    out = {}
    for key, entry in values.items():
        where = f"values.{key}"
        root, _, leaf_path = str(key).partition(".")
        if root not in sets or leaf_path not in sets[root]:
            raise CalibratedFileError(path, where, "not a parameter or lever")
        leaf = sets[root][leaf_path]
        if leaf.status != "calibrated":
            raise CalibratedFileError(path, where, f"the leaf's status is {leaf.status}, not calibrated")
        if not isinstance(entry, Mapping) or set(entry) - VALUE_KEYS or "value" not in entry:
            raise CalibratedFileError(path, where, "needs value (and se, low, high, start, unit)")
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise CalibratedFileError(path, f"{where}.value", f"must be a finite number, got {value!r}")
        low, high = leaf.bounds
        if not low <= value <= high:
            raise CalibratedFileError(path, f"{where}.value", f"{value} outside its bounds [{low}, {high}]")
        out[key] = float(value)
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
