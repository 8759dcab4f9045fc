"""Training of secretaries (L31, L63)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.policies.base import Lever


@dataclass(frozen=True)
class Training(Lever):
    """Days of training each serving secretary gets a year.

    Attributes:
        secretary_days_per_year: Training days per secretary per year.
    """

    family = "training"
    reference = "L31 (Shanxi trains newly elected secretaries), L63"

    secretary_days_per_year: float

    def apply(self, secretaries) -> float:
        """Train all serving secretaries; return the training days given (simulated units)."""
        secretaries.train(self.secretary_days_per_year)
        return float(secretaries.filled.sum()) * self.secretary_days_per_year
