"""Intra-party democracy in villages beyond elections: 四议两公开 and open party affairs (R10, L839, L847)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.policies.base import Lever
from sim.timeline import parse_month


@dataclass(frozen=True)
class Democracy(Lever):
    """The national push for two village practices, each from a month on.

    Attributes:
        four_deliberations_promoted: 四议两公开 (branch proposes, two committees discuss,
            members review, villagers decide; decision and result made public, L847) is
            promoted nationally.
        four_deliberations_start: Month the promotion begins.
        open_affairs_promoted: Open party affairs (党务公开) in grassroots organisations
            is required (the 2010 opinion, L839).
        open_affairs_start: Month the requirement takes effect.
    """

    family = "democracy"
    reference = "L839 (open party affairs, 2010), L847 (四议两公开)"

    four_deliberations_promoted: bool
    four_deliberations_start: str
    open_affairs_promoted: bool
    open_affairs_start: str

    def four_deliberations_on(self, month: int) -> bool:
        """Whether 四议两公开 is promoted in absolute month ``month``."""
        return self.four_deliberations_promoted and month >= parse_month(
            self.four_deliberations_start, "policy.democracy.four_deliberations_start")

    def open_affairs_on(self, month: int) -> bool:
        """Whether open party affairs is required in absolute month ``month``."""
        return self.open_affairs_promoted and month >= parse_month(
            self.open_affairs_start, "policy.democracy.open_affairs_start")
