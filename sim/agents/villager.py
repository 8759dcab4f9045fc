"""Villagers: representative adults of each village (docs/ODD.md §2.1, §7.14).

Villagers migrate to wage work and return (the outside option that sets the
candidate pool, L59), move through the party pipeline applicant → activist →
member (L893, L921), and stand as candidates when a secretary post falls
vacant: capable earners (致富能手), returned migrants and veterans (L43, L59).

Each village holds ``villagers_per_village`` rows. A row is a representative
group: ``adults / villagers_per_village`` people of its village who share an
age, education, ability, occupation and history, with the shares of them
that are party applicants, activists and members. Rows are laid out village
by village, so row ``r`` belongs to village ``r // k``.
"""

from __future__ import annotations

import numpy as np

from sim.agents.base import RowAgent
from sim.parameters import ParameterSet
from sim.timeline import monthly_probability

#: Party members by age in 2008: ``initial_member_share`` times age / 45, clipped to this range,
#: so the oldest adults hold the largest share (checked in ``sim.config.CROSS_FIELD_RULES``).
MEMBER_AGE_PROFILE = (0.4, 1.6)


class Villagers:
    """All villagers as arrays (one row per representative adult).

    Attributes:
        k: Rows per village.
        village: Village of each row.
        people: People of the village in each row.
        weight: People each row stands for at national scale.
        age: Age in years.
        college: College education (大专 or above).
        ability: Leadership and earning ability (standard normal at entry).
        veteran: Demobilised soldier (复转军人).
        migrant: Working away from the village.
        returned: Has come back from migrant work (返乡).
        applicant: Share of the row who have applied to join the party (not yet activists).
        activist: Share who are activists (入党积极分子).
        member: Share who are party members.
        admitted: People of each row admitted to the party this month.
        earning_lift: Rise of earning ability from the members' skills courses
            (standard deviations; set by :class:`sim.party_education.PartyEducation`).
    """

    def __init__(self, village_adults: np.ndarray, village_weight: float, k: int,
                 params: ParameterSet, year: int, rng: np.random.Generator) -> None:
        self.k = k
        self._p = params
        n_villages = len(village_adults)
        n = n_villages * k
        self.village = np.repeat(np.arange(n_villages, dtype=np.int32), k)
        self.people = np.repeat(village_adults / k, k).astype(np.float32)
        self.weight = (self.people * village_weight).astype(np.float32)
        self.age = rng.uniform(18.0, params.value("villager.max_age"), n).astype(np.float32)
        self.college = np.zeros(n, bool)
        self.ability = np.zeros(n, np.float32)
        self.veteran = np.zeros(n, bool)
        self._draw_traits(np.arange(n), year, rng)
        young = self.age < params.value("villager.migrant_max_age")
        share = np.where(young, params.value("villager.initial_migrant_share_young"),
                         params.value("villager.initial_migrant_share_old"))
        self.migrant = rng.random(n) < share
        self.returned = ~self.migrant & young & (rng.random(n) < params.value("villager.initial_returned_share"))
        older = np.clip(self.age / 45.0, *MEMBER_AGE_PROFILE)
        self.member = (params.value("villager.initial_member_share") * older).astype(np.float32)
        self.activist = np.full(n, params.value("villager.initial_activist_share"), np.float32)
        self.applicant = np.full(n, params.value("villager.initial_applicant_share"), np.float32)
        self.admitted = np.zeros(n, np.float32)
        self.earning_lift = np.zeros(n, np.float32)

    def __len__(self) -> int:
        return len(self.age)

    def _draw_traits(self, rows: np.ndarray, year: int, rng: np.random.Generator) -> None:
        """Draw education, ability and veteran status for new adults in ``rows``."""
        p = self._p
        born = year - self.age[rows]
        college_share = np.clip(
            p.value("villager.college_share_born_1990")
            + p.value("villager.college_share_trend_per_year") * (born - 1990), 0.0, 1.0)
        self.college[rows] = rng.random(len(rows)) < college_share
        self.ability[rows] = rng.standard_normal(len(rows)).astype(np.float32)
        self.ability[rows] += np.where(self.college[rows], p.value("villager.college_ability_gain"), 0.0)
        self.veteran[rows] = rng.random(len(rows)) < p.value("villager.veteran_share")

    def capable_earner(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Capable earners (致富能手) among ``rows``: able villagers working locally (L59).

        Able in earning: ability plus the lift of the members' skills courses (§7.19).
        """
        return ((self.ability[rows] + self.earning_lift[rows]
                 > self._p.value("villager.earner_ability_threshold"))
                & ~self.migrant[rows])

    def age_one_month(self, year: int, rng: np.random.Generator) -> None:
        """Age every row by a month; the oldest are replaced by young adults.

        Replacement keeps the representative population stable: the row now
        stands for a new 18-year-old of the same village.
        """
        self.age += np.float32(1.0 / 12.0)
        old = np.flatnonzero(self.age >= self._p.value("villager.max_age"))
        if old.size:
            self.age[old] = 18.0
            self._draw_traits(old, year, rng)
            self.migrant[old] = False
            self.returned[old] = False
            self.member[old] = 0.0
            self.activist[old] = 0.0
            self.applicant[old] = 0.0

    def migrate(self, migrant_income: float, local_income: np.ndarray,
                rng: np.random.Generator) -> None:
        """Leave for wage work or come back (docs/ODD.md §7.14).

        Young adults leave with a yearly hazard that rises with the ratio of
        the migrant wage to local income per labourer in their village;
        migrants return with a yearly hazard that triples past the migrant
        age. Returners are marked ``returned``.
        """
        p = self._p
        k = self.k
        u = rng.random(len(self), dtype=np.float32).reshape(-1, k)
        ratio = migrant_income / local_income
        out_rate = p.value("villager.out_rate_per_year") * ratio ** p.value("villager.wage_elasticity")
        leave_p = monthly_probability(out_rate).astype(np.float32)[:, None]
        back_young = np.float32(monthly_probability(p.value("villager.return_rate_per_year")))
        back_old = np.float32(monthly_probability(3.0 * p.value("villager.return_rate_per_year")))
        young = (self.age < p.value("villager.migrant_max_age")).reshape(-1, k)
        away = self.migrant.reshape(-1, k)
        leave = young & (u < leave_p)
        leave &= ~away
        back = u < young * (back_young - back_old) + back_old
        back &= away
        away |= leave
        away &= ~back
        self.returned.reshape(-1, k)[...] |= back

    def join_party(self) -> tuple[float, float]:
        """One month of the party pipeline; return people admitted (all, under 35) in simulated villages.

        Within each row a share of non-members applies (more among the young:
        L893's 81.9% of admissions under 35 is a held-out check, not an
        input), applicants become activists, and activists are admitted after
        observation (L893, L921).
        """
        p = self._p
        rate = p.value("villager.apply_rate_per_year")
        young_p = np.float32(monthly_probability(rate * p.value("villager.apply_young_multiple")))
        old_p = np.float32(monthly_probability(rate))
        young = self.age < 35.0
        applied = young * (young_p - old_p) + old_p
        applied *= 1.0 - self.applicant - self.activist - self.member
        promoted = self.applicant * np.float32(
            monthly_probability(p.value("villager.activist_rate_per_year")))
        admitted = self.activist * np.float32(
            monthly_probability(p.value("villager.admission_rate_per_year")))
        self.applicant += applied
        self.applicant -= promoted
        self.activist += promoted
        self.activist -= admitted
        self.member += admitted

        admitted *= self.people
        self.admitted = admitted  # people admitted this month in each row (for outcomes by province)
        return (float(admitted.sum(dtype=np.float64)),
                float(np.multiply(admitted, young).sum(dtype=np.float64)))

    def candidates(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Which of ``rows`` can put up a candidate: at home, of working age, with a party member."""
        p = self._p
        age = self.age[rows]
        return ((self.member[rows] * self.people[rows] >= 1.0) & ~self.migrant[rows]
                & (age >= p.value("villager.candidate_min_age"))
                & (age < p.value("villager.candidate_max_age")))


class Villager(RowAgent):
    """One villager, read from the :class:`Villagers` arrays (inspection, classroom)."""

    population_attr = "villagers"
    fields = ("village", "age", "college", "ability", "veteran", "migrant", "returned", "member")
