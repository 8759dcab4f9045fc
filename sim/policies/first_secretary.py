"""First secretaries sent to weak villages (第一书记, L31)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.policies.base import Lever
from sim.timeline import parse_month


@dataclass(frozen=True)
class FirstSecretary(Lever):
    """Cadres sent from government offices to lead weak and poor villages.

    Attributes:
        by_province: Stock of first secretaries by province (Guangxi 3,000, L31).
        start: Month they arrive.
    """

    family = "first_secretary"
    reference = "L31 (Guangxi: 3,000 first secretaries to poor and lagging villages)"

    by_province: dict = field(hash=False)
    start: str

    def apply(self, month: int, province_names: tuple[str, ...]) -> np.ndarray:
        """National stock of first secretaries per province in ``month``."""
        stock = np.zeros(len(province_names))
        if month >= parse_month(self.start, "policy.first_secretary.start"):
            for name, count in self.by_province.items():
                stock[province_names.index(name)] = count
        return stock
