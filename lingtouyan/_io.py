"""Durable output for the commands: atomic files and directories, preflight checks, signals.

Every command that writes results uses these helpers, so that a kill, a full
disk or a read-only directory never leaves a half-written result, and no
command ever deletes or overwrites what it did not create.

API:

- :func:`check_output_dir` (``target, key``): before any work, make sure
  ``target`` can be written: it is absent, an empty directory, or a directory
  this project wrote (it holds :data:`MARKER`); and its nearest existing
  ancestor is a writable directory (tested by creating and removing a probe).
  Raises :class:`~sim.errors.ConfigError` (one line, key ``key``) otherwise.
- :func:`check_writable_dir` (``directory, key``): a directory (existing or to be
  made) that the command adds files to, such as a cache.
- :func:`check_output_file` (``target, key, ours``): the same for one file;
  ``ours(path) -> bool`` says whether an existing file was written by us.
- :func:`output_directory` (context manager, ``target, key, program,
  provenance``): yields a hidden staging directory ``.<name>.tmp-XXXXXX``
  beside ``target``; on success writes :data:`MARKER` (program and time) and,
  if given, ``provenance.json`` (see :func:`provenance`) into it and puts it
  in place in one rename (an existing output of ours is swapped out
  atomically with ``renameat2(RENAME_EXCHANGE)`` where the platform has it,
  else by two renames, and then removed); on any exception, signal or
  ``KeyboardInterrupt`` the staging directory is removed and ``target`` is
  untouched. Staging directories left by a killed process (see
  :func:`remove_dead_stages`) are removed on the next call.
- :func:`staging_dir`, :func:`claim`, :func:`publish` (``sim-run``'s run
  directories): a hidden ``.<name>.partial-<pid>-<token>`` sibling, marked
  with its owner, renamed to its final name in one step when complete.
- :func:`remove_dead_stages` (``directory``): remove the hidden staging
  directories in ``directory`` whose owner marker (host, pid, process start
  time) proves that the process that wrote them is gone; nothing else.
- :func:`atomic_file` (context manager, ``target, key, ours``): yields a hidden
  temporary path beside ``target``; on success the file is flushed to disk and
  renamed over ``target``; on failure it is removed.
- :func:`atomic_write_text` (``target, text, key, ours``): the one-call form.
- :func:`terminate_on_signals` (context manager): SIGTERM and SIGHUP (and
  SIGINT, for the commands) raise :class:`Terminated` in the main thread, so
  ``finally`` blocks (worker pools, staging directories) run; a backstop ends
  the process if Python swallowed the exception. Every command, ``sim-run``
  included, stops through it (by way of :func:`run_command`).
- :func:`provenance` (``command, files``): what a result folder records to be
  reproduced: the command line, package versions, git commit and the SHA-256 of
  the input files.
- :class:`OneLineParser`: an ``argparse.ArgumentParser`` whose errors are one
  line (``<prog>: error: <message>``, exit 2) without the usage block.
- :func:`run_command` (``prog, run``): the entry point of a command: the
  one-line errors of ``lingtouyan._cli.guarded`` (exit 2), Ctrl-C (one line,
  exit 130), SIGTERM/SIGHUP (one line, exit 128 + signal number; the line is
  :func:`stop_message`), and any ``OSError`` while working (one line naming
  the file, exit 1).

Files and directories are created with the permissions of the user's umask
(``tempfile`` would make them owner-only).

The rule for an existing output directory: a directory that holds
:data:`MARKER`, and exactly the files the marker lists with the content it
records (SHA-256), was written by one of our commands and is replaced as a
whole by the new result; an empty directory is used; anything else (no
marker, a file added or changed by someone else) is refused with one line and
left as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.errors import ConfigError

#: Name of the file that marks a directory as written by this project.
MARKER = ".lingtouyan-output"
_STAGE = ".tmp-"
#: A run directory being written is hidden: ``.<final name>.partial-<pid>-<token>``.
PARTIAL = ".partial-"
#: The file in a staging directory that names the process writing it.
OWNER = ".owner"


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM or SIGHUP.

    Attributes:
        signum: The signal received.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(directory: Path, key: str) -> None:
    """Create and remove a file in ``directory``: the real test of writability."""
    if not directory.is_dir():
        raise ConfigError(key, f"cannot write under {directory}: not a directory")
    try:
        fd, name = tempfile.mkstemp(prefix=".write-probe-", dir=directory)
        os.close(fd)
        os.unlink(name)
    except OSError as err:
        raise ConfigError(key, f"cannot write in {directory}: {err.strerror}") from None


def _manifest(directory: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``directory`` except the marker."""
    return {str(path.relative_to(directory)): file_sha256(path)
            for path in sorted(directory.rglob("*")) if path.is_file() and path.name != MARKER}


def foreign_content(directory: str | Path) -> str | None:
    """What in ``directory`` this project did not write, in words; None if all of it is ours.

    A directory is ours when it holds :data:`MARKER` and its files are exactly
    those the marker lists, unchanged (same SHA-256).
    """
    directory = Path(directory)
    try:
        record = json.loads((directory / MARKER).read_text(encoding="utf-8"))
        listed = record["files"]
        if not isinstance(listed, dict):
            raise TypeError
    except FileNotFoundError:
        return f"no {MARKER} file"
    except (OSError, ValueError, KeyError, TypeError):
        return f"its {MARKER} file is not ours"
    found = _manifest(directory)
    added = sorted(set(found) - set(listed))
    if added:
        return f"it holds {added[0]}, which this program did not write"
    changed = sorted(k for k in found if found[k] != listed[k])
    if changed:
        return f"{changed[0]} was changed since this program wrote it"
    return None


def is_ours(directory: str | Path) -> bool:
    """Whether everything in ``directory`` was written, unchanged, by one of our commands."""
    return foreign_content(directory) is None


def check_output_dir(target: str | Path, key: str) -> Path:
    """Check before any work that ``target`` can receive a result directory.

    Raises:
        ConfigError: ``target`` is a file, a directory we did not write, or its
            location cannot be written.
    """
    target = Path(target)
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise ConfigError(key, f"{target} exists and is not a directory; choose another path")
        foreign = foreign_content(target) if any(target.iterdir()) else None
        if foreign:
            raise ConfigError(key, f"{target} exists and was not written by this program "
                              f"({foreign}); choose another directory or empty it")
    _probe(_nearest_existing(target.parent), key)
    return target


def check_writable_dir(directory: str | Path, key: str) -> Path:
    """Check that files can be added to ``directory`` (created if absent).

    Raises:
        ConfigError: ``directory`` is a file or cannot be written.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ConfigError(key, f"{directory} exists and is not a directory")
    _probe(_nearest_existing(directory), key)
    return directory


def check_output_file(target: str | Path, key: str,
                      ours: Callable[[Path], bool] | None = None) -> Path:
    """Check before any work that ``target`` can be written (and, if it exists, is ours).

    Raises:
        ConfigError: ``target`` is a directory, an existing file ``ours`` does not
            recognise, or its location cannot be written.
    """
    target = Path(target)
    if target.exists():
        if not target.is_file():
            raise ConfigError(key, f"{target} exists and is not a file; choose another path")
        if ours is not None and not ours(target):
            raise ConfigError(key, f"{target} exists and was not written by this program; "
                              "choose another path")
    _probe(_nearest_existing(target.parent), key)
    return target


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_file(target: str | Path, key: str = "output",
                ours: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    The caller writes the whole file to the yielded path (any writer that takes
    a path: ``DataFrame.to_csv``, ``Figure.savefig``...). Nothing is visible at
    ``target`` until the file is complete and on disk.
    """
    target = Path(target)
    check_output_file(target, key, ours)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}{_STAGE}", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(target: str | Path, text: str, key: str = "output",
                      ours: Callable[[Path], bool] | None = None) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically (see :func:`atomic_file`)."""
    with atomic_file(target, key, ours) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # the file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch); None if there is no such process."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None
    except psutil.Error:  # it exists, but may not be looked at: alive
        return -1.0


def claim(stage: Path) -> None:
    """Mark ``stage`` as written by this process: host, pid and the process's start time."""
    started = _process_start(os.getpid())
    (stage / OWNER).write_text(f"{socket.gethostname()} {os.getpid()} {started!r}\n", encoding="utf-8")


def _owner_is_gone(stage: Path) -> bool:
    """Whether ``stage``'s owner marker proves that its writer has stopped.

    Proof is: the marker is ours in form, names this host, and either no
    process has that pid or the process with it started at another time (the
    pid was reused). A missing or unreadable marker, another host, or a live
    owner is no proof.
    """
    try:
        host, pid, *started = (stage / OWNER).read_text(encoding="utf-8").split()
        pid = int(pid)
        started = float(started[0]) if started else None
    except (OSError, ValueError, IndexError):
        return False
    if host != socket.gethostname() or pid <= 0:
        return False
    now = _process_start(pid)
    if now is None:
        return True
    return started is not None and now >= 0 and abs(now - started) > 1.0


def remove_dead_stages(directory: Path, prefix: str = ".") -> list[Path]:
    """Remove the staging directories in ``directory`` left by a process that is gone.

    Only hidden directories named like ours (``<prefix>...`` with
    ``.tmp-`` or ``.partial-`` in the name) whose :data:`OWNER` marker proves
    their writer has stopped (:func:`_owner_is_gone`) are removed; anything
    else, including a staging directory without a marker, is left alone.

    Returns:
        The directories removed.
    """
    removed = []
    try:
        entries = list(Path(directory).glob(f"{prefix}*"))
    except OSError:
        return removed
    for stage in entries:
        name = stage.name
        if not name.startswith(".") or (_STAGE not in name and PARTIAL not in name):
            continue
        if stage.is_dir() and not stage.is_symlink() and _owner_is_gone(stage):
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
    return removed


def _remove_stale_stages(target: Path) -> None:
    """Remove staging directories of ``target`` whose process is gone (left by a kill)."""
    remove_dead_stages(target.parent, f".{target.name}{_STAGE}")


def staging_dir(final: Path) -> Path:
    """A hidden, unique sibling of ``final`` to write a run into before it is published."""
    return final.parent / f".{final.name}{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}"


def final_path(staging: Path) -> Path | None:
    """The directory a staging directory of :func:`staging_dir` is published as (else None)."""
    name = staging.name
    if not name.startswith(".") or PARTIAL not in name:
        return None
    return staging.with_name(name[1:name.rindex(PARTIAL)])


def publish(staging: Path, final: Path, *, unique: bool) -> Path | None:
    """Rename a complete ``staging`` directory to ``final`` in one step.

    The owner marker is removed first. The rename never replaces a directory
    that holds anything. With ``unique``, a taken name gets a suffix (``_2``,
    ``_3``, ...): two runs started in the same second both keep their results.
    Without it, a taken name means another process has published the same
    result already: ``staging`` is removed and None returned.
    """
    (staging / OWNER).unlink(missing_ok=True)
    candidates = [final] + ([final.with_name(f"{final.name}_{n}") for n in range(2, 1000)]
                            if unique else [])
    for candidate in candidates:
        try:
            os.rename(staging, candidate)
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY) and not candidate.is_dir():
                raise
            continue
        _fsync_dir(candidate.parent)
        return candidate
    shutil.rmtree(staging, ignore_errors=True)
    return None


def git_commit() -> str:
    """Short commit of the checkout the code runs from (``+modified`` if ``sim/`` has changes)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+modified" if dirty else "")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def provenance(command: list[str], files: Mapping[str, str | Path | None]) -> dict[str, Any]:
    """What reproduces a result: command, Python and package versions, commit, input-file hashes.

    Args:
        command: The command line, program name first.
        files: Input files by role (``targets``, ``calibration``...); None for "none used".
    """
    from importlib import metadata

    versions = {"python": sys.version.split()[0]}
    for package in ("lingtouyan", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    hashes = {role: None if path is None else {"path": str(path), "sha256": file_sha256(path)}
              for role, path in files.items()}
    return {"command": command, "commit": git_commit(), "versions": versions, "files": hashes}


def _marker_text(program: str, stage: Path) -> str:
    record = {"program": program, "written": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "files": _manifest(stage)}
    return json.dumps(record, indent=1) + "\n"


@contextmanager
def output_directory(target: str | Path, key: str, program: str,
                     provenance: Mapping[str, Any] | None = None) -> Iterator[Path]:
    """Yield a staging directory; on success it becomes ``target`` in one rename.

    See the module docstring for the rule on an existing ``target``.

    Raises:
        ConfigError: ``target`` may not or cannot be written (checked first).
    """
    target = Path(target)
    check_output_dir(target, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_stages(target)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGE}", dir=target.parent))
    try:
        os.chmod(stage, 0o777 & ~_umask())
        claim(stage)
        yield stage
        (stage / OWNER).unlink()
        if provenance is not None:
            (stage / "provenance.json").write_text(json.dumps(provenance, indent=2, default=str) + "\n",
                                                   encoding="utf-8")
        (stage / MARKER).write_text(_marker_text(program, stage), encoding="utf-8")
        for path in stage.rglob("*"):
            if path.is_file():
                with open(path, "rb+") as fh:
                    os.fsync(fh.fileno())
        check_output_dir(target, key)  # nothing of the user's appeared meanwhile
        if target.exists() and _exchange(stage, target):
            shutil.rmtree(stage)  # now holds the previous output (ours)
        elif target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(stage, target)
            shutil.rmtree(old)
        else:
            os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _fsync_dir(target.parent)


#: Seconds a signalled process has to stop cleanly before it is ended outright.
STOP_GRACE_SECONDS = 5.0


@contextmanager
def terminate_on_signals(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP),
                         prog: str | None = None) -> Iterator[None]:
    """Within the block, ``signals`` raise :class:`Terminated` (main thread only).

    Python drops an exception raised while it runs a fork hook or a finaliser
    ("Exception ignored in ..."), so a signal that lands there would be lost and
    the command would run on. Each signal therefore also arms a backstop: if
    the process is still alive :data:`STOP_GRACE_SECONDS` later, its children
    are killed and it exits with ``128 + signum`` (printing the one line unless
    the clean path already did). What it leaves is what a kill leaves: hidden
    staging files only, which the next run removes.
    """

    def handler(signum, _frame):
        _arm_backstop(signum, prog)
        raise Terminated(signum)

    def unraisable(info) -> None:
        if not isinstance(info.exc_value, Terminated):  # a lost stop: the backstop ends the run
            previous_hook(info)

    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
        sys.unraisablehook = previous_hook


_stop_reported = threading.Event()


def stop_message(prog: str, signum: int) -> str:
    """The one line a command prints when a signal stops it."""
    how = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    return f"{prog}: interrupted by {how}; no partial output was kept"


def _arm_backstop(signum: int, prog: str | None) -> None:
    def stop() -> None:
        import psutil

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
        if prog and not _stop_reported.is_set():
            os.write(2, (stop_message(prog, signum) + "\n").encode())
        os._exit(128 + signum)

    timer = threading.Timer(STOP_GRACE_SECONDS, stop)
    timer.daemon = True
    timer.start()


class OneLineParser(argparse.ArgumentParser):
    """Command-line parser whose errors are one line naming the option (exit 2)."""

    def error(self, message: str):
        """Print ``<prog>: error: <message>`` on one line and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def run_command(prog: str, run: Callable[[], int]) -> int:
    """Run a command's ``run`` with one-line errors and a clean stop on signals.

    Returns the exit status: ``run``'s, 2 for a user's mistake, 130 for Ctrl-C,
    128 + the signal number for SIGTERM/SIGHUP, 1 for an I/O failure.
    """
    from lingtouyan._cli import guarded

    try:
        with terminate_on_signals((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), prog):
            return guarded(prog, run)
    except Terminated as stop:
        print(stop_message(prog, stop.signum), file=sys.stderr, flush=True)
        _stop_reported.set()
        return 128 + stop.signum
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        print(f"{prog}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 1
