"""The calibrated parameter file: fitted values with their provenance.

``sim/data/calibrated.yaml`` is written by ``sim-calibrate`` and applied by
default to every run (``VillageModel``, ``sim-run``) on top of the values in
the parameter and lever files. It records the loss, the date, the commit, the
hash of the targets file, the seeds and scale, and each value's standard
error and bounds. Reading the file is on the ground floor
(:func:`sim.datafiles.load_calibrated`, also importable from here); writing it
is calibration's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.datafiles import CALIBRATED_FILE, META_KEYS, VALUE_KEYS, load_calibrated, nest


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


__all__ = ["CALIBRATED_FILE", "META_KEYS", "VALUE_KEYS", "load_calibrated", "nest", "write_calibrated"]
