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
from sim.timeline import monthly_probability

NONE, JOINT, OWN = 0, 1, 2


class Enterprises:
    """Enterprises as arrays (one row per simulated enterprise).

    Attributes:
        province: Province row.
        employees: Employees.
        members: Party members among the employees.
        org: Party organisation: 0 none, 1 joint (联合), 2 own (单独组建).
        instructor: An instructor is assigned (党建工作指导员).
        size_weight: How strongly instructors are drawn to the firm (size to a power, L142).
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
        u = rng.random((2, n))
        self.org = np.full(n, NONE, np.int8)
        own = (self.members >= p.value("enterprise.own_org_min_members")) & (
            u[0] < p.value("enterprise.initial_own_share_eligible"))
        self.org[own] = OWN
        joint = ~own & (u[1] < p.value("enterprise.initial_joint_share"))
        self.org[joint] = JOINT
        self.instructor = np.zeros(n, bool)
        self._hiring_weight = np.cumsum(self.employees, dtype=np.float64)
        self.province_count = np.bincount(self.province, minlength=len(province_share))
        self._starts = np.minimum(np.concatenate([[0], np.cumsum(self.province_count)[:-1]]), n - 1)
        self.size_weight = (self.employees ** p.value("enterprise.instructor_size_preference")).astype(
            np.float32)

    def __len__(self) -> int:
        return len(self.org)

    def by_province(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each province's enterprises (rows are sorted by province)."""
        totals = np.add.reduceat(values, self._starts, dtype=np.float64)
        totals[self.province_count == 0] = 0.0
        return totals

    def per_row(self, by_province: np.ndarray) -> np.ndarray:
        """Spread a per-province value over that province's rows."""
        return np.repeat(by_province.astype(np.float32), self.province_count)

    def covered(self) -> np.ndarray:
        """Enterprises covered by a party organisation (own or joint)."""
        return self.org != NONE

    def gain_members(self, campaign: float, rng: np.random.Generator) -> float:
        """One month of party members arriving and leaving (L106); return expected admissions.

        Transfers arrive in proportion to employees, more where the firm is
        covered or has an instructor (members are found and registered);
        members are admitted inside covered firms; some leave with turnover.
        Counts stay whole numbers: the month's net change is rounded
        stochastically with one draw per firm.
        """
        p = self._p
        covered = self.org != NONE
        active = covered | self.instructor
        per_employee = np.float32(p.value("enterprise.transfer_rate_per_employee_year") / 12.0)
        found = np.float32(p.value("enterprise.finding_effect") * campaign)
        admission = np.float32(p.value("enterprise.admission_rate_per_employee_year") / 12.0)
        turnover = np.float32(p.value("enterprise.member_turnover_per_year") / 12.0)
        rate = active * (per_employee * found) + per_employee
        rate += covered * admission
        change = self.employees * rate
        change -= self.members * turnover
        change += rng.random(len(self), dtype=np.float32)
        self.members += np.floor(change)
        np.maximum(self.members, 0.0, out=self.members)
        return float(np.multiply(self.employees, covered).sum(dtype=np.float64)) * float(admission)

    def assign_instructors(self, target: np.ndarray, rng: np.random.Generator) -> None:
        """Keep each province's instructors on uncovered enterprises (L102, L142).

        Instructors leave firms that are now covered and go to uncovered
        ones, larger firms first in expectation (规模以上抓巩固, L142), until a
        province's assigned count matches its ``target`` (in simulated rows).
        """
        uncovered = self.org == NONE
        self.instructor &= uncovered
        assigned = self.by_province(self.instructor)
        deficit = np.maximum(target - assigned, 0.0)
        surplus = np.maximum(assigned - target, 0.0)
        u = rng.random(len(self), dtype=np.float32)
        if deficit.any():
            weight = self.size_weight * (uncovered & ~self.instructor)
            total = self.by_province(weight)
            share = np.divide(deficit, total, out=np.zeros_like(deficit), where=total > 0)
            self.instructor |= u < self.per_row(share) * weight
        if surplus.any():
            drop = np.divide(surplus, assigned, out=np.zeros_like(surplus), where=assigned > 0)
            self.instructor &= ~(u < self.per_row(drop))

    def organise(self, campaign: float, rng: np.random.Generator) -> tuple[int, int]:
        """Form party organisations this month (L90, L142); return (own, joint) formed.

        Firms with at least three members form their own organisation; the
        others may join a joint one (with fewer or no members of their own,
        at a lower rate). Instructors and campaigns multiply both hazards; a
        firm in a joint organisation forms its own once it can stand alone.
        """
        p = self._p
        u = rng.random(len(self), dtype=np.float32)
        effect = p.value("enterprise.instructor_effect")

        def monthly(rate: float) -> tuple[np.float32, np.float32]:
            return (np.float32(monthly_probability(rate * campaign)),
                    np.float32(monthly_probability(rate * campaign * effect)))

        own_plain, own_helped = monthly(p.value("enterprise.own_rate_per_year"))
        joint_rate = p.value("enterprise.joint_rate_per_year")
        joint_plain, joint_helped = monthly(joint_rate)
        zero_plain, zero_helped = monthly(joint_rate * p.value("enterprise.joint_without_members_factor"))
        up_plain, up_helped = monthly(p.value("enterprise.own_rate_per_year")
                                      * p.value("enterprise.upgrade_factor"))
        eligible = self.members >= p.value("enterprise.own_org_min_members")
        helped = self.instructor
        uncovered = self.org == NONE
        own = uncovered & eligible & (u < helped * (own_helped - own_plain) + own_plain)
        with_members = self.members > 0
        joint_p = (zero_plain + with_members * (joint_plain - zero_plain)
                   + helped * (zero_helped - zero_plain)
                   + (helped & with_members) * (joint_helped - joint_plain - zero_helped + zero_plain))
        joint = uncovered & ~own & (u > 1.0 - joint_p)
        upgrade = (self.org == JOINT) & eligible & (u < helped * (up_helped - up_plain) + up_plain)
        own |= upgrade
        np.copyto(self.org, OWN, where=own)
        np.copyto(self.org, JOINT, where=joint)
        return int(np.count_nonzero(own)), int(np.count_nonzero(joint))

    def hire(self, rows: np.ndarray, party: np.ndarray, rng: np.random.Generator) -> None:
        """Enterprises hire people (e.g. CGVOs after service, L302) in proportion to their size.

        Size here is the size at the start: hiring a few graduates a year does
        not change which firms hire.
        """
        if rows.size == 0:
            return
        cumulative = self._hiring_weight
        firms = np.searchsorted(cumulative, rng.random(rows.size) * cumulative[-1], side="right")
        firms = np.minimum(firms, len(self) - 1)
        np.add.at(self.employees, firms, 1.0)
        np.add.at(self.members, firms, party.astype(np.float32))


class Enterprise(RowAgent):
    """One enterprise, read from the :class:`Enterprises` arrays (inspection, classroom)."""

    population_attr = "enterprises"
    fields = ("province", "employees", "members", "org", "instructor")
