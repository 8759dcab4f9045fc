"""Party-member education: the four key training programmes and the remote-education network (R3, L196, L204)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.parameters import series_value
from sim.policies.base import Lever


@dataclass(frozen=True)
class PartyEducation(Lever):
    """The four key training programmes (四项重点培训工程, L196) and the remote-education network (L204).

    Secretaries' training days are the ``training`` family's and CGVOs' the
    ``cgvo`` family's; this family adds what R3 describes beside them.

    Attributes:
        remote_coverage: Share of townships and villages with a remote-education
            terminal site, by year (L204: 99.1% in 2012).
        new_member_courses: Courses each newly admitted member attends in the
            probationary year.
        new_member_days: Days of one new-member course.
        skills_offered_share_per_year: Share of rural party members offered an
            entrepreneurship and employment skills course each year (党员创业就业技能培训).
        skills_days: Days of one skills course.
    """

    family = "party_education"
    reference = "L196 (four key training programmes), L204 (remote-education network), L897"

    remote_coverage: Any
    new_member_courses: float
    new_member_days: float
    skills_offered_share_per_year: float
    skills_days: float

    def coverage(self, year: int) -> float:
        """Share of townships and villages with a remote-education site in ``year`` (in [0, 1])."""
        return min(max(series_value(self.remote_coverage, year), 0.0), 1.0)
