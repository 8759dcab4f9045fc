"""Non-public enterprises (非公企业) and their party organisations, the report of L75-L163.

Enterprises in the party-statistics scope (NOTES c13) employ workers, some
of them party members who arrive by transfer (hired members, pocket members
found, veterans, graduates: L106) or are admitted inside covered firms. An
enterprise without a party organisation forms its own once it has three
full members (CPC Constitution art. 29), or joins a joint organisation by
area or trade (区域联建、行业统建, L90). Both happen faster where a
party-building instructor is assigned (L102) and during campaigns (L90).
"""

from __future__ import annotations

import numpy as np

from sim.agents.base import RowAgent
from sim.parameters import ParameterSet

NONE, JOINT, OWN = 0, 1, 2


class Enterprises:
    """Enterprises as arrays (one row per simulated enterprise).

    Attributes:
        province: Province row.
        employees: Employees.
        members: Party members among the employees.
        org: Party organisation: 0 none, 1 joint (联合), 2 own (单独组建).
        instructor: An instructor is assigned (党建工作指导员).
        weight: Enterprises each row stands for.
    """

    def __init__(self, n: int, province_share: np.ndarray, weight: float, params: ParameterSet,
                 rng: np.random.Generator) -> None:
        p = self._p = params
        self.weight = weight
        self.province = np.sort(rng.choice(len(province_share), size=n, p=province_share)).astype(np.int16)
        sigma = p.value("enterprise.size_sigma")
        self.employees = np.maximum(
            1.0, p.value("enterprise.mean_employees") * rng.lognormal(-sigma**2 / 2, sigma, n)
        ).astype(np.float32)
        expected = self.employees * p.value("enterprise.initial_member_share")
        self.members = rng.poisson(expected).astype(np.float32)
        u = rng.random(n)
        self.org = np.full(n, NONE, np.int8)
        own = (self.members >= p.value("enterprise.own_org_min_members")) & (
            u < p.value("enterprise.initial_own_share_eligible"))
        self.org[own] = OWN
        joint = ~own & (u < p.value("enterprise.initial_own_share_eligible")
                        + p.value("enterprise.initial_joint_share"))
        self.org[joint] = JOINT
        self.instructor = np.zeros(n, bool)
        self._province_count = np.bincount(self.province, minlength=len(province_share))

    def __len__(self) -> int:
        return len(self.org)

    def covered(self) -> np.ndarray:
        """Enterprises covered by a party organisation (own or joint)."""
        return self.org != NONE

    def gain_members(self, campaign: float, rng: np.random.Generator) -> np.ndarray:
        """One month of party members arriving and leaving (L106); return admissions.

        Transfers arrive in proportion to employees, more where the firm is
        covered or has an instructor (members are found and registered);
        members are admitted inside covered firms; some leave with turnover.
        Counts stay whole numbers by stochastic rounding.
        """
        p = self._p
        u = rng.random((3, len(self)), dtype=np.float32)
        active = self.covered() | self.instructor
        transfer = self.employees * (p.value("enterprise.transfer_rate_per_employee_year") / 12.0) * (
            1.0 + p.value("enterprise.finding_effect") * active * campaign)
        admitted = np.floor(
            self.employees * (p.value("enterprise.admission_rate_per_employee_year") / 12.0)
            * self.covered() + u[0])
        arrived = np.floor(transfer + u[1])
        left = np.floor(self.members * (p.value("enterprise.member_turnover_per_year") / 12.0) + u[2])
        self.members += arrived + admitted - left
        np.maximum(self.members, 0.0, out=self.members)
        return admitted

    def assign_instructors(self, target: np.ndarray, rng: np.random.Generator) -> None:
        """Keep each province's instructors on uncovered enterprises (L102, L142).

        Instructors leave firms that are now covered and go to uncovered
        ones, larger firms first in expectation (规模以上抓巩固, L142), until a
        province's assigned count matches its ``target`` (in simulated rows).
        """
        p = self._p
        u = rng.random(len(self))
        self.instructor &= ~self.covered()
        assigned = np.bincount(self.province[self.instructor], minlength=len(target))
        deficit = np.maximum(target - assigned, 0.0)
        free = ~self.covered() & ~self.instructor
        size_weight = self.employees ** p.value("enterprise.instructor_size_preference") * free
        total = np.bincount(self.province, weights=size_weight, minlength=len(target))
        share = np.divide(deficit, total, out=np.zeros_like(deficit), where=total > 0)
        self.instructor |= free & (u < share[self.province] * size_weight)
        surplus = np.maximum(assigned - target, 0.0)
        if surplus.any():
            count = np.bincount(self.province[self.instructor], minlength=len(target))
            drop = np.divide(surplus, count, out=np.zeros_like(surplus), where=count > 0)
            self.instructor &= ~(u < drop[self.province])

    def organise(self, campaign: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Form party organisations this month (L90, L142); return (own, joint) new rows.

        Firms with at least three members form their own organisation; the
        others may join a joint one (with fewer or no members of their own,
        at a lower rate). Instructors and campaigns multiply both hazards.
        """
        p = self._p
        u = rng.random(len(self))
        multiple = campaign * np.where(self.instructor, p.value("enterprise.instructor_effect"), 1.0)
        uncovered = self.org == NONE
        eligible = self.members >= p.value("enterprise.own_org_min_members")
        own_hazard = -np.expm1(-p.value("enterprise.own_rate_per_year") * multiple / 12.0)
        joint_rate = p.value("enterprise.joint_rate_per_year") * np.where(
            self.members > 0, 1.0, p.value("enterprise.joint_without_members_factor"))
        joint_hazard = -np.expm1(-joint_rate * multiple / 12.0)
        own = uncovered & eligible & (u < own_hazard)
        joint = uncovered & ~own & (u > 1.0 - joint_hazard)
        self.org[own] = OWN
        self.org[joint] = JOINT
        # A joint organisation becomes the firm's own once the firm can stand alone.
        upgrade = (self.org == JOINT) & eligible & (u < own_hazard * p.value(
            "enterprise.upgrade_factor"))
        self.org[upgrade] = OWN
        return np.flatnonzero(own | upgrade), np.flatnonzero(joint)

    def hire(self, rows: np.ndarray, party: np.ndarray, rng: np.random.Generator) -> None:
        """Enterprises hire people (e.g. CGVOs after service, L302); members join their firm."""
        if rows.size == 0:
            return
        firms = rng.choice(len(self), size=rows.size, p=self.employees / self.employees.sum())
        np.add.at(self.employees, firms, 1.0)
        np.add.at(self.members, firms, party.astype(np.float32))


class Enterprise(RowAgent):
    """One enterprise, read from the :class:`Enterprises` arrays (inspection, classroom)."""

    population_attr = "enterprises"
    fields = ("province", "employees", "members", "org", "instructor")
