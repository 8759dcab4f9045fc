"""The calibrated parameter file: fitted values with their provenance.

``sim/data/calibrated.yaml`` is written by ``sim-calibrate`` and applied by
default to every run (``VillageModel``, ``sim-run``) on top of the values in
the parameter and lever files. It records the loss, the date, the commit, the
hash of the targets file, the seeds and scale, and each value's standard
error and bounds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.errors import DataFileError
from sim.parameters import DATA_DIR, ParameterSet, read_yaml

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
    from sim.parameters import load_levers, load_world_parameters

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


def write_calibrated(path: str | Path, meta: Mapping[str, Any],
                     values: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the calibrated file atomically."""
    path = Path(path)
    header = ("# Calibrated parameters, written by sim-calibrate (method of simulated moments).\n"
              "# Applied by default on top of sim/data/parameters.yaml and levers.yaml.\n"
              "# Reproduce with the command in meta.method.\n")
    body = yaml.safe_dump({"meta": dict(meta), "values": {k: dict(v) for k, v in values.items()}},
                          sort_keys=False, allow_unicode=True, width=100)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + body, encoding="utf-8")
    os.replace(tmp, path)
