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
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.datafiles import (
    CALIBRATED_FILE,
    META_KEYS,
    VALUE_KEYS,
    CalibratedFileError,
    load_calibrated,
    nest,
)

#: First line of every calibrated file: how a file written by ``sim-calibrate`` is recognised.
HEADER = "# Calibrated parameters, written by sim-calibrate (method of simulated moments).\n"


def is_calibrated_file(path: str | Path) -> bool:
    """Whether ``path`` is a calibrated file written by ``sim-calibrate`` (it starts with :data:`HEADER`)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(HEADER.encode())) == HEADER.encode()
    except OSError:
        return False


def calibrated_text(meta: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]) -> str:
    """The calibrated file's content."""
    header = (HEADER + "# Applied by default on top of sim/data/parameters.yaml and levers.yaml.\n"
              "# Reproduce with the command in meta.method.\n")
    body = yaml.safe_dump({"meta": dict(meta), "values": {k: dict(v) for k, v in values.items()}},
                          sort_keys=False, allow_unicode=True, width=100)
    return header + body


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a unique temporary file, flushed to disk, then renamed.

    A kill or a full disk leaves either the old file or the new one, never a part.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(name, 0o666 & ~mask)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_calibrated(path: str | Path, meta: Mapping[str, Any],
                     values: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the calibrated file atomically."""
    write_text_atomic(path, calibrated_text(meta, values))


__all__ = ["CALIBRATED_FILE", "HEADER", "META_KEYS", "VALUE_KEYS", "CalibratedFileError", "calibrated_text",
           "is_calibrated_file", "load_calibrated", "nest", "write_calibrated", "write_text_atomic"]
