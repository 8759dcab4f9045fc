"""Defined duties (定权责立规范): the annual assessment and removal (L31, L290)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import ConfigError
from sim.policies.base import Lever


@dataclass(frozen=True)
class Assessment(Lever):
    """Who scores the secretary each year, and when the score removes them.

    Attributes:
        weight_village: Weight of party members' and villagers' evaluation.
        weight_township: Weight of the township's scoring.
        weight_county: Weight of the county's scoring.
        removal_enabled: Unqualified secretaries are removed (L31).
        removal_threshold: Score (standard deviations) below which they are removed.
    """

    family = "assessment"
    reference = "L31 (述职评议, removal), L290 (50/25/25 weights)"

    weight_village: float
    weight_township: float
    weight_county: float
    removal_enabled: bool
    removal_threshold: float

    def __post_init__(self) -> None:
        if self.weight_village + self.weight_township + self.weight_county <= 0:
            raise ConfigError("policy.assessment.weight_village",
                              "the three weights must not all be zero")

    @property
    def weights(self) -> tuple[float, float, float]:
        """(village, township, county) weights."""
        return (self.weight_village, self.weight_township, self.weight_county)

    def apply(self, score, filled):
        """Mask of secretaries removed by this year's ``score``."""
        if not self.removal_enabled:
            return filled & False
        return filled & (score < self.removal_threshold)
