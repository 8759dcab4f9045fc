"""Urban community party building, 三有一化 (R9, L696-L775), and the grid work of the cases (R6, R7)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sim.parameters import series_value
from sim.policies.base import Lever
from sim.policies.pay_floor import PayFloor
from sim.timeline import parse_month

#: The elements of 三有一化 a community can have, in the order of the outcome table (L702, L714-L732).
ELEMENTS = ("pay_floor", "insurance", "budget_line", "dues_support", "fees_follow_tasks",
            "sponsorship", "premises", "area_wide")


@dataclass(frozen=True)
class CommunityPartyBuilding(Lever):
    """三有一化: people to run things, money, premises, area-wide party building (L702).

    The reach of each element is a yearly series (the share of communities
    that have it); the communities that have it are the richest first, with
    noise (:mod:`sim.community`). Without the push (``adopted`` false, or
    before ``start``) each element stays at its level of the first listed
    year.

    Attributes:
        adopted: The 2009 push (the Zhengzhou meeting) happens at all.
        start: Month it takes effect (L702: 2009-11).
        reach: ``{element: {year: share of communities}}`` for every element of
            :data:`ELEMENTS`.
        pay_floor_multiple: Secretary's basic pay where the floor is paid, as a
            multiple of the local average wage of the year before (L714).
        budget_yuan_per_year: Yearly budget line of a community that has one
            (L718), a series by year.
        dues_support_yuan_per_year: Yearly dues support of a community that gets it (L720).
        fees_follow_tasks_yuan_per_year: Yearly funds that follow delegated tasks (费随事转, L720).
        graduates_per_1000_communities_per_year: Graduates placed in community posts a year while
            the push is in effect (L710).
        establishment_posts_per_1000_communities: Secretaries entered into an administrative
            or institution establishment (列入编制) a year (L714).
        grid_households: Households per grid of a community's grid work (0: no grid; R6 L464, R7 L551).
        grid_visits_per_month: Households a grid team visits a month (R7 L551).
        grid_start: Month the grid work begins.
        member_registration_share: Share of in-service members who register with their
            community of residence (在职党员报到, L740; R6 L475).
        pledges_per_member_per_year: Tasks a registered in-service member pledges a year (R6 L475).
    """

    family = "community"
    reference = "L702 (Zhengzhou meeting), L710-L740 (三有一化); R6 L464-L475, R7 L551 (grids)"

    adopted: bool
    start: str
    reach: Any
    pay_floor_multiple: float
    budget_yuan_per_year: Any
    dues_support_yuan_per_year: float
    fees_follow_tasks_yuan_per_year: float
    graduates_per_1000_communities_per_year: float
    establishment_posts_per_1000_communities: float
    grid_households: float
    grid_visits_per_month: float
    grid_start: str
    member_registration_share: float
    pledges_per_member_per_year: float

    @classmethod
    def from_levers(cls, levers) -> CommunityPartyBuilding:
        """Build the family: the reach of each element is a leaf of its own (``community.reach.<element>``)."""
        fields = {f.name: levers.value(f"{cls.family}.{f.name}") for f in dataclasses.fields(cls)
                  if f.name != "reach"}
        return cls(reach={e: levers.value(f"{cls.family}.reach.{e}") for e in ELEMENTS}, **fields)

    def in_effect(self, month: int) -> bool:
        """Whether the push is in effect in absolute month ``month``."""
        return self.adopted and month >= parse_month(self.start, "policy.community.start")

    def share(self, element: str, year: int, in_effect: bool) -> float:
        """Share of communities with ``element`` in ``year`` (its first level without the push)."""
        series = self.reach[element]
        if not in_effect:
            year = min(int(y) for y in series)
        return min(max(series_value(series, year), 0.0), 1.0)

    def grid_on(self, month: int) -> bool:
        """Whether grid work runs in absolute month ``month`` (a grid size is set and it has begun)."""
        return self.grid_households > 0 and month >= parse_month(self.grid_start, "policy.community.grid_start")

    def budget(self, year: int) -> float:
        """Yearly budget line of a community that has one (yuan)."""
        return series_value(self.budget_yuan_per_year, year)

    def pay_rule(self) -> PayFloor:
        """The village pay rule with the community's floor: basic pay at a multiple of the wage."""
        return PayFloor(multiple=self.pay_floor_multiple, performance_share=0.0)
