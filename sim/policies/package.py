"""The 2009 package 一定三有 as a whole (L6, L12).

Whether the package is adopted, and from when. Without it counties keep
their pre-2009 practice (adoption at the background rate) and the promotion
channels open only at their background share: the ``no_yiding_sanyou``
scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.policies.base import Lever
from sim.timeline import parse_month


@dataclass(frozen=True)
class YidingSanyou(Lever):
    """Adoption of the package: defined duties, reasonable pay, a career, security.

    Attributes:
        adopted: The package is adopted at all.
        start: Month it takes effect (``YYYY-MM``).
    """

    family = "yiding_sanyou"
    reference = "L6, L12 (中组发〔2009〕7号)"

    adopted: bool
    start: str

    def apply(self, month: int) -> bool:
        """Whether the package is in effect in absolute month ``month``."""
        return self.adopted and month >= parse_month(self.start, "policy.yiding_sanyou.start")
