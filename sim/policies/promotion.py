"""A career if good (干好有发展前途): the three promotion channels (L16, L24)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.policies.base import Lever

CHANNELS = ("township_leadership", "civil_service", "institution")


@dataclass(frozen=True)
class Promotion(Lever):
    """Which channels are open to village secretaries, how many posts, and who may apply.

    Attributes:
        township_leadership_open: Township leadership teams select secretaries.
        civil_service_open: Township civil-service exams reserve posts for them.
        institution_open: Township public institutions hire them.
        township_leadership_posts_per_1000_villages: Leadership posts per year, ordinary years.
        civil_service_posts_per_1000_villages: Reserved exam posts per year.
        institution_posts_per_1000_villages: Institution posts per year.
        township_election_posts_multiple: Leadership posts in township election years (×).
        background_share: Share of posts open without the 2009 package.
        exam_bonus_points_by_province: Exam bonus for secretaries by province (Jilin +20, L24).
        min_tenure_years: Tenure needed to apply.
        max_age: Oldest age at which one may apply.
    """

    family = "promotion"
    reference = "L16 (5692 / 5215 / 4399), L24 (channels, 2011 elections, Jilin bonus)"
    #: Township teams are elected every five years; 2011 was an election year (L24).
    first_township_election: ClassVar[int] = 2011

    township_leadership_open: bool
    civil_service_open: bool
    institution_open: bool
    township_leadership_posts_per_1000_villages: float
    civil_service_posts_per_1000_villages: float
    institution_posts_per_1000_villages: float
    township_election_posts_multiple: float
    background_share: float
    exam_bonus_points_by_province: dict = field(hash=False)
    min_tenure_years: int
    max_age: int

    def apply(self, villages: np.ndarray, year: int, package_in_effect: bool) -> dict[str, np.ndarray]:
        """Expected posts per province in ``year`` for each channel.

        Args:
            villages: Villages per province (simulated units: the result is in the same units).
            year: Calendar year (township elections in 2011 and every five years).
            package_in_effect: Whether the 2009 package is in effect.
        """
        share = 1.0 if package_in_effect else self.background_share
        posts = {}
        for channel in CHANNELS:
            if not getattr(self, f"{channel}_open"):
                posts[channel] = np.zeros(len(villages))
                continue
            rate = getattr(self, f"{channel}_posts_per_1000_villages") / 1000.0
            if channel == "township_leadership" and self.township_election_year(year):
                rate *= self.township_election_posts_multiple
            posts[channel] = rate * share * villages
        return posts

    def township_election_year(self, year: int) -> bool:
        """Whether township teams are elected in ``year`` (2011 and every fifth year, L24)."""
        return year >= self.first_township_election and (year - self.first_township_election) % 5 == 0

    def exam_bonus(self, province_names: tuple[str, ...], points_per_sd: float) -> np.ndarray:
        """Exam bonus per province in standard deviations of the exam score."""
        bonus = np.zeros(len(province_names))
        for name, points in self.exam_bonus_points_by_province.items():
            bonus[province_names.index(name)] = points / points_per_sd
        return bonus
