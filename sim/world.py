"""The world the agents live in, and each village's context of the month (docs/ODD.md §7.1-§7.3, §7.13).

Provinces, counties and villages are built once (§5); incomes move along
the public series each year (§7.1) and counties implement the package's
elements month by month (§7.2). From these, every month, each village gets
its context: its income and its labourers' income, which of the county's
elements are in force there, what its secretary post pays (§7.3), and
whether a first secretary has been sent (§7.13).
"""

from __future__ import annotations

import numpy as np

from sim.adoption import ProvinceDocuments, ReportedLists
from sim.agents.structure import Counties, Economy, Provinces, Villages, load_province_table
from sim.parameters import ParameterSet
from sim.policies import Policy
from sim.streams import Streams
from sim.timeline import year_of


class World:
    """Provinces, counties, villages, incomes, and the village context of the month.

    Attributes:
        provinces, economy, counties, villages: The structure (:mod:`sim.agents.structure`).
        scale: Share of the nation's villages simulated (after rounding to whole villages).
        weight: Villages each simulated village stands for.
        villages_per_province: Simulated villages in each province.
        enterprise_share: Each province's share of the enterprises (village share × income).
        package_in_effect: Whether the 2009 package is in effect this month.
        village_income: Rural per-capita net income of each village (yuan/year).
        labour_income: Local income per labourer of each village (yuan/year).
        floor_paid: The village's county pays the pay floor.
        pension_on: The county insures its secretaries (and the lever allows it).
        departure_on: The county runs a departure-subsidy system (and the lever allows it).
        basic_pay: Basic pay of each village's secretary post (yuan/year).
        pay: Total pay of the post at the sitting secretary's last score (yuan/year).
        first_secretary_present: A first secretary serves in the village.
        documents: Each province's document implementing the package (:mod:`sim.adoption`).
        reported_lists: The model's provinces against the lists of L20 and L27 (:mod:`sim.adoption`).
    """

    def __init__(self, params: ParameterSet, policy: Policy, scale: float, start: int,
                 streams: Streams) -> None:
        p = self._p = params
        self._policy = policy
        self.provinces = Provinces.from_table(load_province_table(),
                                              int(p.value("national.agricultural_counties")))
        self.economy = Economy(p, self.provinces)
        self.economy.update(year_of(start))
        self.counties = Counties(self.provinces, p, streams("build.counties"))
        self.documents = ProvinceDocuments(len(self.provinces), p, streams("province.documents"))
        n_villages = max(1, round(p.value("national.villages") * scale))
        self.villages = Villages(n_villages, self.provinces, self.counties, p, streams("build.villages"))
        self.scale = n_villages / p.value("national.villages")
        self.weight = self.villages.weight
        self.villages_per_province = np.bincount(self.villages.province, minlength=len(self.provinces))
        share = self.provinces.village_share * (
            self.provinces.income_2011 / self.provinces.income_2011.mean()
        ) ** p.value("enterprise.province_income_elasticity")
        self.enterprise_share = share / share.sum()
        self.package_in_effect = policy.yiding_sanyou.apply(start)
        self.reported_lists = ReportedLists(self.provinces, self.counties)

    def begin_month(self, month: int, rng: np.random.Generator) -> bool:
        """Move incomes (yearly) and let counties implement the package's elements (§7.1, §7.2).

        Counties implement under their province's document once it is in force
        (:class:`sim.adoption.ProvinceDocuments`), at their province's push.

        Returns whether incomes moved or the package came into or out of effect
        (the promotion chances of the year then change).
        """
        in_effect = self._policy.yiding_sanyou.apply(month)
        changed = self.economy.update(year_of(month)) or in_effect != self.package_in_effect
        self.package_in_effect = in_effect
        retirement = self._policy.retirement
        enabled = {"pay_floor": True, "pension": retirement.pension_enabled,
                   "departure_subsidy": retirement.departure_subsidy_enabled, "other_cadre_pay": True}
        docs = self.documents
        in_force = docs.update(month, self._policy.yiding_sanyou)
        province = self.counties.province
        self.counties.implement(in_force[province], enabled, rng, docs.push[province])
        return changed

    def refresh(self, month: int, secretaries) -> None:
        """Each village's context this month: incomes, county elements in force, pay, first secretaries."""
        v = self.villages
        policy = self._policy
        self.village_income = self.economy.province_income[v.province] * v.income_factor
        self.labour_income = self.village_income * self._p.value("village.labour_income_ratio")
        imp = self.counties.implemented
        self.floor_paid = imp["pay_floor"][v.county]
        self.pension_on = imp["pension"][v.county] & policy.retirement.pension_enabled
        self.departure_on = (imp["departure_subsidy"][v.county]
                             & policy.retirement.departure_subsidy_enabled)
        self.basic_pay, self.pay = policy.pay_floor.apply(
            self.village_income, self.floor_paid, secretaries.score,
            self._p.value("secretary.pre_policy_pay_ratio"))
        stock = policy.first_secretary.apply(month, self.provinces.names)
        self.first_secretary_present = self._place_first_secretaries(stock, secretaries)

    def _place_first_secretaries(self, stock: np.ndarray, secretaries) -> np.ndarray:
        """First secretaries go to each province's weakest villages (L31, §7.13)."""
        present = np.zeros(len(self.villages), bool)
        if not stock.any():
            return present
        weakness = np.where(secretaries.filled, -secretaries.ability, np.inf)
        for prov in np.flatnonzero(stock):
            rows = np.flatnonzero(self.villages.province == prov)
            count = min(len(rows), round(stock[prov] * self.scale))
            if count:
                present[rows[np.argsort(-weakness[rows], kind="stable")[:count]]] = True
        return present
