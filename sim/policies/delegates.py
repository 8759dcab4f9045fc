"""The delegate tenure system (党代表任期制, R5 L352-L450; repeated in R10 L791)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.errors import ConfigError
from sim.policies.base import Lever
from sim.timeline import parse_month

#: The levels of local party congresses, in the order of the outcome table.
LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class DelegateTenure(Lever):
    """Delegates act through the five-year term: the 2008-05 regulation and what units built on it.

    Each count is the number of units of a level that have the institution by
    the survey (2012-06); from ``start`` the count grows linearly to it
    (:mod:`sim.delegates`).

    Attributes:
        enabled: The tenure system is in force at all (without it delegates act only at
            their congress).
        start: Month of the interim regulation (L357: 2008-05).
        supporting_systems: Units with the working rules of delegates (motions, research,
            attending meetings, contacting members; L369), by level.
        liaison_offices: Units with a delegate liaison office in the organisation department
            (L369), by level.
        proposal_systems: Units with a proposal system at their congress (L377), by level.
        standing_congress_counties: Counties piloting the standing congress (常任制), with a
            session every year (L377).
    """

    family = "delegates"
    reference = "L357 (regulation), L369 (systems, liaison offices), L377 (proposals, standing congresses)"

    enabled: bool
    start: str
    supporting_systems: dict = field(hash=False)
    liaison_offices: dict = field(hash=False)
    proposal_systems: dict = field(hash=False)
    standing_congress_counties: float

    def __post_init__(self) -> None:
        for name in ("supporting_systems", "liaison_offices", "proposal_systems"):
            if sorted(getattr(self, name)) != sorted(LEVELS):
                given = sorted(getattr(self, name))
                raise ConfigError(f"policy.delegates.{name}",
                                  f"must give a count for each of {list(LEVELS)}, got {given}")

    def progress(self, month: int, survey: int) -> float:
        """Share of each reported count reached in ``month``: 0 before ``start``, 1 from the survey."""
        if not self.enabled:
            return 0.0
        first = parse_month(self.start, "policy.delegates.start")
        if month < first:
            return 0.0
        return min(1.0, (month - first + 1) / max(survey - first + 1, 1))
