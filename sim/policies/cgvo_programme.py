"""The CGVO programme (大学生村官): plan, selection, pay, training, ventures, exits (L276-L302)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.policies.base import Lever
from sim.timeline import month_of_year, parse_month


@dataclass(frozen=True)
class CgvoProgramme(Lever):
    """The national programme's rules and money.

    Attributes:
        enabled: The programme recruits.
        start: First month of the national programme (2008-04, L278).
        annual_plan: National posts in the yearly plan (calibrated: the counts are targets).
        recruitment_month: Month recruits take up their posts.
        contract_years: Contract length.
        subsidy_west: Central subsidy per CGVO per year, west (L298).
        subsidy_central: Same, central provinces.
        subsidy_east: Same, east.
        party_member_priority: Selection advantage of party members (L286).
        degree_priority: Selection advantage of degree holders (L286).
        training_days_per_year: Training per CGVO (L294).
        venture_support_yuan: Venture support funds reached by end-2011 (L294).
        renewal_allowed: Contracts may be renewed.
        civil_service_reserved_share: Civil-service places reserved per finishing CGVO (L302).
    """

    family = "cgvo"
    reference = "L278 (start, stocks), L286 (selection), L294 (training, ventures), L298 (subsidy), L302 (exits)"

    enabled: bool
    start: str
    annual_plan: float
    recruitment_month: int
    contract_years: int
    subsidy_west: float
    subsidy_central: float
    subsidy_east: float
    party_member_priority: float
    degree_priority: float
    training_days_per_year: float
    venture_support_yuan: float
    renewal_allowed: bool
    civil_service_reserved_share: float

    def subsidy(self, region: np.ndarray) -> np.ndarray:
        """Central subsidy per CGVO per year for regions coded 0 east, 1 central, 2 west."""
        return np.array([self.subsidy_east, self.subsidy_central, self.subsidy_west])[region]

    def apply(self, month: int, village_share: np.ndarray, region: np.ndarray, pay: float,
              local_funding_share: np.ndarray) -> np.ndarray:
        """National places per province recruited in ``month`` (zero outside recruitment).

        The plan is shared by villages; a province fills the part of its plan
        that the central subsidy plus what local budgets will pay can fund.
        """
        if (not self.enabled or month < parse_month(self.start, "policy.cgvo.start")
                or month_of_year(month) != self.recruitment_month):
            return np.zeros(len(village_share))
        funded = (self.subsidy(region) + local_funding_share[region] * pay) / pay
        return self.annual_plan * village_share * np.minimum(1.0, funded)

    def support_funds(self, month: int) -> float:
        """Venture support funds in place in ``month``: growing linearly to the end-2011 stock."""
        start = parse_month(self.start, "policy.cgvo.start")
        full = parse_month("2011-12")
        if month < start:
            return 0.0
        return self.venture_support_yuan * min(1.0, (month - start + 1) / (full - start + 1))
