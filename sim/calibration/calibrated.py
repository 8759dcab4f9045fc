"""The calibrated parameter file: fitted values with their provenance.

``sim/data/calibrated.yaml`` is written by ``sim-calibrate`` and applied by
default to every run (``VillageModel``, ``sim-run``) on top of the values in
the parameter and lever files. It records the loss, the date, the commit, the
hash of the targets file, the seeds and scale, and each value's standard
error and bounds, and the version of the model it was fitted with
(``meta.model_version``, :func:`model_version`): a run whose model has changed
since is warned (:func:`stale_calibration`, :class:`StaleCalibrationWarning`)
until the file is refitted. Reading the file is on the ground floor
(:func:`sim.datafiles.load_calibrated`, also importable from here); writing it
is calibration's.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
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

#: The model package: its sources and data files make the model version.
SIM_DIR = Path(__file__).resolve().parent.parent
#: What the model version leaves out: what is fitted or compared, not what runs.
NOT_MODEL = ("calibration/", "data/calibrated.yaml", "data/targets.yaml")


class StaleCalibrationWarning(UserWarning):
    """The calibrated file was fitted with another version of the model than the one running."""


def model_version(root: str | Path = SIM_DIR, leave_out: tuple[str, ...] = NOT_MODEL) -> str:
    """Hash of the model: every ``.py``, ``.yaml`` and ``.csv`` file of ``sim/`` that a run reads.

    Left out by default (``leave_out``, paths under ``sim/``): the calibration
    code and the targets (they do not change what a run computes) and the
    calibrated file itself. With ``leave_out=()`` it is the hash of every such
    file, the code identity of a sweep's job.
    """
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if (path.is_file() and path.suffix in (".py", ".yaml", ".csv") and "__pycache__" not in name
                and not (leave_out and name.startswith(leave_out))):
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stale_calibration(path: str | Path = CALIBRATED_FILE, current: str | None = None) -> str | None:
    """Why the calibrated file at ``path`` is stale (one line), or None if it fits this model.

    It is stale when its ``meta.model_version`` is missing or differs from the
    running model's (``current``, by default :func:`model_version`). A file that
    cannot be read is left to the loader, which names the problem.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            meta = (yaml.safe_load(fh) or {}).get("meta") or {}
    except (OSError, yaml.YAMLError, AttributeError, UnicodeDecodeError):
        return None
    recorded = meta.get("model_version") if isinstance(meta, Mapping) else None
    current = current or model_version()
    if recorded == current:
        return None
    name = Path(path).name
    if recorded is None:
        return (f"{name} records no model version: it may not fit the model now running "
                f"(version {current}); refit with sim-calibrate")
    return (f"{name} was fitted with model version {recorded}, the model is now {current}; "
            f"refit with sim-calibrate")


def warn_if_stale(path: str | Path = CALIBRATED_FILE) -> str | None:
    """Issue a :class:`StaleCalibrationWarning` if the calibrated file is stale; return its message."""
    message = stale_calibration(path)
    if message:
        warnings.warn(message, StaleCalibrationWarning, stacklevel=2)
    return message


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
    """The calibrated file's content, its meta stamped with the model version it was fitted with.

    ``meta["model_version"]`` is kept if given, else the running model's (:func:`model_version`).
    """
    meta = {**meta, "model_version": meta.get("model_version") or model_version()}
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
    """Write the calibrated file atomically (see :func:`calibrated_text`)."""
    write_text_atomic(path, calibrated_text(meta, values))


__all__ = ["CALIBRATED_FILE", "HEADER", "META_KEYS", "VALUE_KEYS", "CalibratedFileError",
           "StaleCalibrationWarning", "calibrated_text", "is_calibrated_file", "load_calibrated",
           "model_version", "nest", "stale_calibration", "warn_if_stale", "write_calibrated",
           "write_text_atomic"]
