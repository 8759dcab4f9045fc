"""Security after leaving (退岗有一定保障): pension insurance and departure subsidy (L16, L27)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.policies.base import Lever


@dataclass(frozen=True)
class Retirement(Lever):
    """Retirement age, pension insurance and the departure subsidy.

    What the security is worth to a secretary who stays is computed in
    :func:`sim.post.security_value` (docs/ODD.md §7.6).

    Attributes:
        age: Normal departure age.
        pension_enabled: Counties may insure serving secretaries.
        pension_subsidy_yuan_per_year: Public and collective contribution per insured secretary.
        departure_subsidy_enabled: Counties may pay departure subsidies.
        departure_subsidy_per_tenure_year: Yearly subsidy per year served, share of local income.
        departure_subsidy_min_years: Tenure for the regular subsidy.
        one_off_months: One-off compensation in months of basic pay below that tenure.
    """

    family = "retirement"
    reference = "L16 (85.7% insure, 92.1% subsidise), L27 (forms of support)"

    age: float
    pension_enabled: bool
    pension_subsidy_yuan_per_year: float
    departure_subsidy_enabled: bool
    departure_subsidy_per_tenure_year: float
    departure_subsidy_min_years: float
    one_off_months: float

    def departure_payment(self, tenure, income, basic) -> tuple[np.ndarray, np.ndarray]:
        """(yearly subsidy, one-off payment) owed on a normal departure with a running system."""
        regular = tenure >= self.departure_subsidy_min_years
        yearly = np.where(regular, self.departure_subsidy_per_tenure_year * tenure * income, 0.0)
        one_off = np.where(regular, 0.0, self.one_off_months / 12.0 * basic)
        return yearly, one_off
