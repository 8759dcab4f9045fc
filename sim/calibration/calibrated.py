"""The calibrated parameter file: fitted values with their provenance.

``sim/data/calibrated.yaml`` is written by ``sim-calibrate`` and applied by
default to every run (``VillageModel``, ``sim-run``) on top of the values in
the parameter and lever files. It records the loss, the date, the commit, the
hash of the targets file, the seeds and scale, and each value's standard
error and bounds.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ConfigError, DataFileError
from sim.parameters import DATA_DIR, ParameterSet, read_yaml

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
    from sim.parameters import load_levers, load_world_parameters

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
