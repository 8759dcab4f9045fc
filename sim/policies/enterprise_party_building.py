"""Party building in non-public enterprises: instructors and campaigns (L90, L102, L142)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.errors import ConfigError
from sim.policies.base import Lever
from sim.timeline import parse_month

#: The instructor stock grows linearly from 2008-01 to the stock reported for end-2011.
RAMP_START, RAMP_END = "2008-01", "2011-12"


@dataclass(frozen=True)
class EnterprisePartyBuilding(Lever):
    """Instructors for enterprises without an organisation, and organising campaigns.

    Attributes:
        instructors: National instructor stock reached at end-2011 (400,000+, L102).
        instructors_initial_share: Stock in 2008-01 relative to end-2011.
        instructors_by_province: Extra instructors sent in one province (Anhui: ~5,000, L102).
        instructors_by_province_start: Month the extra instructors arrive.
        campaign_start: Start of the campaigns (创先争优, 2010-04, L184).
        campaign_end: End of the campaigns.
        campaign_intensity: Organising hazard multiple during campaigns (L90).
        instructor_cost_yuan_per_year: Cost per instructor.
    """

    family = "enterprise"
    reference = "L90 (campaigns, coverage), L102 (instructors, Anhui), L142 (two coverages)"

    instructors: float
    instructors_initial_share: float
    instructors_by_province: dict = field(hash=False)
    instructors_by_province_start: str
    campaign_start: str
    campaign_end: str
    campaign_intensity: float
    instructor_cost_yuan_per_year: float

    def __post_init__(self) -> None:
        if parse_month(self.campaign_end) < parse_month(self.campaign_start):
            raise ConfigError("policy.enterprise.campaign_end",
                              f"must not be before campaign_start ({self.campaign_start})")

    def apply(self, month: int, enterprise_share: np.ndarray,
              province_names: tuple[str, ...]) -> tuple[np.ndarray, float]:
        """(national instructor stock per province, campaign multiple) in ``month``."""
        start, end = parse_month(RAMP_START), parse_month(RAMP_END)
        progress = min(1.0, max(0.0, (month - start) / (end - start)))
        share = self.instructors_initial_share + (1.0 - self.instructors_initial_share) * progress
        stock = self.instructors * share * enterprise_share
        if month >= parse_month(self.instructors_by_province_start):
            stock = stock.copy()
            for name, count in self.instructors_by_province.items():
                stock[province_names.index(name)] += count
        in_campaign = parse_month(self.campaign_start) <= month <= parse_month(self.campaign_end)
        return stock, (self.campaign_intensity if in_campaign else 1.0)
