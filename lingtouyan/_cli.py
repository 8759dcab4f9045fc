"""What the command-line tools share: one-line errors, signals, and atomic output directories."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sim.errors import ConfigError, DataFileError


def fail(prog: str, message: str) -> None:
    """Print a one-line error and exit with status 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def guarded(prog: str, main: Callable[[], int]) -> int:
    """Run ``main``, turning a user's mistake into one line and exit status 2."""
    try:
        return main()
    except (ConfigError, DataFileError) as err:
        fail(prog, str(err).splitlines()[0])
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return 130
    return 1


def seeds_arg(text: str) -> list[int]:
    """``"1,2,3"`` or ``"1-20"`` → seeds (raises ConfigError with the key ``--seeds``)."""
    try:
        if "-" in text and "," not in text:
            first, last = (int(x) for x in text.split("-"))
            seeds = list(range(first, last + 1))
        else:
            seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError("--seeds", f"must be whole numbers like 1,2,3 or 1-20, got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise ConfigError("--seeds", f"must be one or more whole numbers >= 0, got {text!r}")
    return seeds


@contextmanager
def staged_directory(target: Path):
    """Write into a temporary sibling of ``target``; move it into place only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(stage, target)


# ------------------------------------------------------------------ signals
class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal: SIGINT (Ctrl-C), SIGTERM or SIGHUP.

    It derives from ``KeyboardInterrupt`` so that every ``except
    BaseException`` cleanup path handles a ``kill`` exactly as a Ctrl-C.

    Attributes:
        status: The exit status that reports the signal (128 + its number).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.status = 128 + signum


def raise_on_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted` in the main thread."""
    def interrupt(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, interrupt)


def exit_status(err: KeyboardInterrupt) -> int:
    """The exit status for an interruption: 130 for Ctrl-C, 128 + the signal otherwise."""
    return err.status if isinstance(err, Interrupted) else 128 + signal.SIGINT


def die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (no orphaned workers)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent is already gone
        os.kill(os.getpid(), signal.SIGTERM)


# ------------------------------------------------------------------ result directories
#: A directory being written is hidden: ``.<final name>.partial-<pid>-<token>``.
PARTIAL = ".partial-"


def staging_dir(final: Path) -> Path:
    """A hidden, unique sibling of ``final`` to write a result into before it is published."""
    return final.parent / f".{final.name}{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}"


def final_path(staging: Path) -> Path | None:
    """The directory a staging directory of :func:`staging_dir` is published as (else None)."""
    name = staging.name
    if not name.startswith(".") or PARTIAL not in name:
        return None
    return staging.with_name(name[1:name.rindex(PARTIAL)])


def publish(staging: Path, final: Path, *, unique: bool) -> Path | None:
    """Rename a complete ``staging`` directory to ``final`` in one step.

    The rename never replaces a directory that holds anything. With ``unique``,
    a taken name gets a suffix (``_2``, ``_3``, ...): two runs started in the same
    second both keep their results. Without it, a taken name means another
    process has published the same result already: ``staging`` is removed and
    None returned.
    """
    candidates = [final] + ([final.with_name(f"{final.name}_{n}") for n in range(2, 1000)]
                            if unique else [])
    for candidate in candidates:
        try:
            os.rename(staging, candidate)
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY) and not candidate.is_dir():
                raise
            continue
        return candidate
    shutil.rmtree(staging, ignore_errors=True)
    return None
