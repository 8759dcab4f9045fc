"""What the command-line tools share: one-line errors and the ``--seeds`` argument.

Signals, output directories and atomic files are :mod:`lingtouyan._io`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

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
