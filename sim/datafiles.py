"""The data files the model reads, below everything that uses them (docs/ODD.md §6).

Parameters and levers are read by :mod:`sim.parameters`, the calibrated
values by :mod:`sim.calibration.calibrated`; this module reads the province
table and the scenarios, and puts the files together into the sets a run
starts from. All of it ships inside the package (``sim/data/``) and is read
as package resources, so an installed model reads what a checkout reads.
"""

from __future__ import annotations

import functools
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


def default_sets(calibration: str | None = "default") -> tuple[ParameterSet, ParameterSet]:
    """The lever and parameter sets a run starts from: the files with the calibrated values.

    Args:
        calibration: ``"default"`` for ``sim/data/calibrated.yaml`` (if present), a path to
            another calibrated file, or None for the files' own values.
    """
    from sim.calibration.calibrated import load_calibrated, nest

    levers, world = load_levers(), load_world_parameters()
    if calibration is None:
        return levers, world
    path = None if calibration == "default" else calibration
    fitted = nest(load_calibrated(path, levers, world))
    provinces = province_names()
    return (levers.with_values(fitted["policy"], "policy", provinces),
            world.with_values(fitted["param"], "param", provinces))
