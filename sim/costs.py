"""The fiscal cost of each lever family, as yuan per year (docs/ODD.md §7.17).

Each month the cost of every lever is taken from the state it pays for: the
pay above its pre-policy level where the county pays the floor, the pension
contribution of insured secretaries, the departure subsidies owed to those
who left normally (a bill that shrinks as recipients die off) and one-off
compensations, training days, other cadres' pay where the county pays it,
the central CGVO subsidy, CGVO training, and instructors.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.policies import Policy

#: The cost measures, in the order of the outcome table.
COSTS = ("pay_floor", "other_cadre_pay", "pension", "departure_subsidy", "training",
         "cgvo_subsidy", "cgvo_training", "instructors")


class FiscalCosts:
    """What each lever costs the budgets this month (national totals).

    Attributes:
        departure_bill: Yearly departure subsidies owed to those who left (yuan/year).
        other_cadre_pay_multiple: Pay of each village's other cadres, as a multiple of the
            secretary's basic pay (the director at the provincial parity ratio, L20).
        costs: ``{lever: yuan per year}`` of the month just accounted.
    """

    def __init__(self, params: ParameterSet, policy: Policy, world) -> None:
        self._p = params
        self._policy = policy
        self._world = world
        others = params.value("village.other_cadres_per_village")
        prov = world.villages.province
        # The director at the provincial parity ratio, the other cadres at theirs (L20).
        self.other_cadre_pay_multiple = (
            world.provinces.director_pay_ratio[prov]
            + max(others - 1, 0) * world.provinces.other_cadre_pay_ratio[prov])
        self.departure_bill = 0.0
        self.costs: dict[str, float] = dict.fromkeys(COSTS, 0.0)

    def departures(self, leaving: np.ndarray, tenure: np.ndarray) -> float:
        """Secretaries of ``leaving`` leave normally after ``tenure`` years: their subsidy joins the bill.

        Returns the one-off compensations paid this month (yuan, national; §7.8).
        """
        w = self._world
        yearly, one_off = self._policy.retirement.departure_payment(
            tenure, w.village_income[leaving], w.basic_pay[leaving])
        paying = w.departure_on[leaving]
        self.departure_bill += float((yearly * paying).sum()) * w.weight
        return float((one_off * paying).sum()) * w.weight

    def account(self, secretaries, cgvos, instructor_stock: float, one_off_yuan: float) -> dict[str, float]:
        """This month's cost of each lever, as yuan per year; then the bill decays."""
        p = self._p
        w = self._world
        pol = self._policy
        filled = secretaries.filled
        pre = p.value("secretary.pre_policy_pay_ratio") * w.village_income
        self.costs = {
            "pay_floor": float(((w.pay - pre) * (filled & w.floor_paid)).sum()) * w.weight,
            "pension": float((filled & w.pension_on).sum()) * w.weight
            * pol.retirement.pension_subsidy_yuan_per_year,
            "departure_subsidy": self.departure_bill + 12.0 * one_off_yuan,
            "training": float(filled.sum()) * w.weight * pol.training.secretary_days_per_year
            * p.value("secretary.training_cost_per_day"),
            "other_cadre_pay": float((self.other_cadre_pay_multiple * w.basic_pay).sum(
                where=w.counties.implemented["other_cadre_pay"][w.villages.county])) * w.weight,
            "cgvo_training": float(cgvos.in_post.sum()) * w.weight
            * pol.cgvo.training_days_per_year * p.value("secretary.training_cost_per_day"),
            "cgvo_subsidy": float(pol.cgvo.subsidy(cgvos.region[cgvos.in_post]).sum()) * w.weight,
            "instructors": instructor_stock * pol.enterprise.instructor_cost_yuan_per_year,
        }
        # Subsidy recipients die off; the bill falls accordingly.
        self.departure_bill *= np.exp(-1.0 / (12.0 * p.value("secretary.years_receiving_subsidy")))
        return self.costs
