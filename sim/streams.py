"""Random streams: one generator per random process (common random numbers).

Each process (``"secretary.quit"``, ``"cgvo.selection"``...) draws from its own
generator seeded from the run seed and the process name, so a baseline and a
policy run share every draw except where the policy changes what is drawn.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri


class Streams:
    """Named ``numpy.random.Generator`` streams derived from one seed.

    Attributes:
        seed: The run seed every stream derives from.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator of process ``name`` (created on first use)."""
        stream = self._streams.get(name)
        if stream is None:
            key = zlib.crc32(name.encode("utf-8"))
            stream = np.random.default_rng(np.random.SeedSequence([self.seed, key]))
            self._streams[name] = stream
        return stream


def normal_from_uniform(u: np.ndarray) -> np.ndarray:
    """Standard normal deviates from uniforms.

    Lets a process turn draws it has already taken into normal deviates, so
    the number of draws it takes does not depend on what it does with them.
    """
    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))
