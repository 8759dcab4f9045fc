"""Reasonable pay (工作有合理待遇): the basic-pay floor and performance pay (L16, L20, L31)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.policies.base import Lever


@dataclass(frozen=True)
class PayFloor(Lever):
    """Basic pay at a multiple of local income, plus pay that follows the score.

    Attributes:
        multiple: Basic pay as a multiple of local per-capita net income (L20: 1.5-2).
        performance_share: Performance pay at an average score, as a share of basic pay (L31).
    """

    family = "pay_floor"
    reference = "L16, L20 (floor), L31 (performance pay)"

    multiple: float
    performance_share: float

    def apply(self, income: np.ndarray, floor_paid: np.ndarray, score: np.ndarray,
              pre_policy_ratio: float) -> tuple[np.ndarray, np.ndarray]:
        """Yearly (basic, total) pay of each secretary post.

        Where the county pays the floor, basic pay is ``multiple`` × local
        income — a floor: never less than the pre-policy pay, so a multiple
        below ``pre_policy_ratio`` leaves basic pay where it was — and
        performance pay scales with the last score (from nothing at two
        standard deviations below the mean to double at two above); elsewhere
        pay stays at its pre-policy level.
        """
        basic = np.where(floor_paid, max(self.multiple, pre_policy_ratio), pre_policy_ratio) * income
        factor = np.clip(1.0 + 0.5 * score, 0.0, 2.0)
        total = basic * (1.0 + np.where(floor_paid, self.performance_share * factor, 0.0))
        return basic, total
