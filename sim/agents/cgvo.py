"""College-graduate village officials (大学生村官, CGVOs), the report of L271-L351 (docs/ODD.md §7.15).

Graduates apply each year; provinces select the best applicants under the
national plan, with priority for party members and degree holders (L286).
In post, a CGVO is trained (L294), may start a venture with support funds
(L294, L310), may be elected to the two committees at village elections
(L318) — even as secretary, through the vacancy election — and may rise to a
township post (L322). At contract end the CGVO renews or takes one of the
five exits (L302): stay in a village post, civil-service exam, own business,
another job, further study.

Rows are appended at each recruitment and never removed, so every CGVO ever
recruited is a row that is either in post or has exactly one exit route.
The CGVO's village and committee role are links between populations, kept
by :class:`sim.seats.Seats`; the programme that recruits, posts and releases
CGVOs is :mod:`sim.cgvo_programme`.
"""

from __future__ import annotations

import numpy as np

from sim.agents.base import RowAgent
from sim.parameters import ParameterSet
from sim.ranking import best_within
from sim.streams import normal_from_uniform
from sim.timeline import monthly_probability

#: Exit routes: the five of L302, then promotion during service (L322) and early quitting.
ROUTES = ("village_post", "civil_service", "own_business", "other_job", "further_study",
          "township_leadership", "early_quit")
ROUTE = {name: code for code, name in enumerate(ROUTES)}
#: Roles in the two committees (L318).
ROLES = ("none", "member", "deputy", "director", "secretary")
ROLE = {name: code for code, name in enumerate(ROLES)}
#: Career posts after the village (L322): none yet, township civil service (定向考录 exit, L302),
#: township leadership (乡镇领导班子), leadership of a county department (县直部门领导班子).
CAREERS = ("none", "township_civil_service", "township_leadership", "county_department")
CAREER = {name: code for code, name in enumerate(CAREERS)}

_FIELDS = {
    "province": np.int16, "region": np.int8, "cohort": np.int32,
    "contract_end": np.int32, "degree": bool, "party": bool, "elite": bool, "ability": np.float32,
    "in_post": bool, "route": np.int8, "exit_month": np.int32, "venture": bool,
    "cooperative": bool, "jobs": np.float32, "completed": bool, "reserve": bool,
    "term": np.int8, "provincial": bool, "career": np.int8, "county_reserve": bool,
}


class Cgvos:
    """Every CGVO ever recruited, as arrays (one row per person).

    Attributes:
        province, region: Where the CGVO serves.
        village: Village of service, or -1 (read-only; kept by :class:`sim.seats.Seats`).
        cohort: Absolute month of recruitment.
        contract_end: Absolute month the current contract ends.
        degree: Bachelor's degree or above (L286).
        party: Party member (L286).
        elite: Graduate of a university under a central ministry (部属院校, L286).
        ability: Ability (standard normal among applicants).
        in_post: Serving now.
        route: Exit route code in :data:`ROUTES` (-1 while in post).
        exit_month: Month of exit (-1 while in post).
        role: Role in the two committees, code in :data:`ROLES` (read-only; kept by the seats).
        venture: Runs a venture (致富项目, L310).
        cooperative: The venture is a specialised cooperative (L310).
        jobs: Villagers employed by the venture (L310).
        completed: Has reached the end of a contract (服务期满, L302).
        reserve: Listed as a reserve cadre for township posts (乡科级后备干部, L322), in post or after.
        term: Years of each of the CGVO's contracts (2 or 3, §7.15.8).
        provincial: Recruited by a province's own scheme before the national programme (§7.15.10).
        career: Career post after the village, a code of :data:`CAREERS` (§7.15.11).
        county_reserve: Listed as a reserve cadre for county posts (县级后备干部, L322).
    """

    def __init__(self, params: ParameterSet) -> None:
        self._p = params
        for name, dtype in _FIELDS.items():
            setattr(self, name, np.zeros(0, dtype))
        self.seats = None  # set by sim.seats.Seats, the one writer of who holds which post

    def __len__(self) -> int:
        return len(self.in_post)

    @property
    def village(self) -> np.ndarray:
        """Village of service of each CGVO, or -1 (read-only)."""
        return self.seats.cgvo_village

    @property
    def role(self) -> np.ndarray:
        """Committee role of each CGVO, a code of :data:`ROLES` (read-only)."""
        return self.seats.cgvo_role

    def served(self, month: int, months: float) -> np.ndarray:
        """Whether each CGVO has been in the programme at least ``months`` by ``month``."""
        return (month - self.cohort) >= months

    def add(self, **columns: np.ndarray) -> np.ndarray:
        """Append new CGVOs (with no village and no committee role yet); return their rows."""
        n = len(next(iter(columns.values())))
        start = len(self)
        self.seats.enrol(n)
        defaults = {"route": -1, "exit_month": -1}
        for name, dtype in _FIELDS.items():
            column = columns.get(name)
            if column is None:
                column = np.full(n, defaults.get(name, 0), dtype)
            setattr(self, name, np.concatenate([getattr(self, name), np.asarray(column, dtype)]))
        return np.arange(start, start + n)

    def select(self, applicants: dict[str, np.ndarray], places: np.ndarray,
               party_priority: float, degree_priority: float, rng: np.random.Generator) -> np.ndarray:
        """Choose recruits among one year's applicants (L286); return chosen applicant rows.

        Each province ranks its applicants by ability plus the priority for
        party members and degree holders plus exam and interview luck, and
        takes the best ``places[province]``.
        """
        p = self._p
        score = (applicants["ability"] + party_priority * applicants["party"]
                 + degree_priority * applicants["degree"]
                 + p.value("cgvo.leader_priority") * applicants["leader"]
                 + rng.normal(0.0, p.value("cgvo.selection_noise_sd"), len(applicants["ability"])))
        return best_within(applicants["province"], score, places)

    def draw_terms(self, n: int, contract_years: int, rng: np.random.Generator) -> np.ndarray:
        """Contract terms of ``n`` recruits: ``contract_years``, or a year longer for a share (§7.15.8).

        The 2008 national opinion sets terms of generally two to three years;
        ``cgvo.long_contract_share`` of contracts take the longer term.
        """
        longer = rng.random(n) < self._p.value("cgvo.long_contract_share")
        return (contract_years + longer).astype(np.int8)

    def train(self, days: float) -> None:
        """Yearly training (at least 7 days, L294) raises serving CGVOs' ability."""
        p = self._p
        gain = p.value("secretary.training_gain_per_day") * days / (
            1.0 + days / p.value("secretary.training_saturation_days"))
        self.ability += self.in_post * np.float32(gain)

    def quit_early(self, month: int, relative_pay: float, rng: np.random.Generator) -> np.ndarray:
        """Leave before the contract ends; return the rows that quit this month.

        The yearly hazard falls as CGVO pay rises relative to what graduates
        earn elsewhere (待得住, L276).
        """
        p = self._p
        u = rng.random(len(self))
        yearly = p.value("cgvo.early_quit_rate_per_year") * relative_pay ** -p.value(
            "cgvo.early_quit_pay_elasticity")
        return np.flatnonzero(self.in_post & (self.contract_end > month)
                              & (u < monthly_probability(yearly)))

    def start_ventures(self, month: int, support_per_cgvo: float,
                       rng: np.random.Generator) -> np.ndarray:
        """Start a venture (创业富民, L294); return the rows that start one this month.

        The hazard rises with support funds per CGVO and with ability; a
        share of ventures are specialised cooperatives, and each employs
        villagers (L310).
        """
        p = self._p
        u = rng.random((3, len(self)))
        served = self.served(month, p.value("cgvo.venture_min_months"))
        scale = (support_per_cgvo / p.value("cgvo.venture_support_reference_yuan")) ** p.value(
            "cgvo.venture_support_elasticity")
        yearly = p.value("cgvo.venture_rate_per_year") * scale * np.exp(
            p.value("cgvo.venture_ability_effect") * self.ability)
        start = np.flatnonzero(self.in_post & ~self.venture & served & (u[0] < monthly_probability(yearly)))
        self.venture[start] = True
        self.cooperative[start] = u[1, start] < p.value("cgvo.cooperative_share")
        sigma = p.value("cgvo.venture_jobs_sigma")
        mean = p.value("cgvo.venture_jobs_mean")
        self.jobs[start] = mean * np.exp(sigma * normal_from_uniform(u[2, start]) - sigma**2 / 2)
        return start

    def committee_winners(self, month: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Village elections (两推, L807): serving CGVOs may win committee seats (L318).

        A CGVO with a year in the village stands with a calibrated chance of
        winning; the seat won (member, deputy) follows electability. The
        director's post is won only in the villagers' director election
        (:func:`sim.elections.elect_directors`).
        Returns (the rows that won a seat, the role each won); the seats record them.
        """
        p = self._p
        u = rng.random((2, len(self)))
        eligible = (self.in_post & (self.role == ROLE["none"])
                    & self.served(month, p.value("cgvo.committee_min_months")))
        won = np.flatnonzero(eligible & (u[0] < p.value("cgvo.committee_win_probability")))
        electability = self.ability[won] + normal_from_uniform(u[1, won])
        role = np.full(len(won), ROLE["member"], np.int8)
        role[electability > p.value("cgvo.deputy_threshold")] = ROLE["deputy"]
        return won, role

    def promote(self, month: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Yearly rise to township leadership or the reserve list (L322).

        Returns (rows promoted out of the post, rows newly listed as reserve).
        """
        p = self._p
        u = rng.random((2, len(self)))
        served = self.served(month, p.value("cgvo.promotion_min_months"))
        bonus = np.exp(p.value("cgvo.promotion_ability_effect") * self.ability)
        rate = p.value("cgvo.township_leadership_rate_per_year") * bonus
        promoted = np.flatnonzero(self.in_post & served & (u[0] < rate))
        reserve_rate = p.value("cgvo.reserve_rate_per_year") * bonus
        listed = np.flatnonzero(self.in_post & served & ~self.reserve & (u[1] < reserve_rate))
        self.reserve[listed] = True
        self.career[promoted] = CAREER["township_leadership"]
        return promoted, listed

    def advance_careers(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Yearly steps after the village (L322; §7.15.11); returns the rows taking each step.

        Former CGVOs in the township civil service are listed as township
        reserve cadres at the in-post rate and rise to township leadership;
        township leaders rise to county departments; township reserve cadres
        and township leaders are listed as county reserve cadres. Each step is
        a yearly chance scaled by ability, as the rise from the village post.
        Steps are taken from the states held at the start of the year.
        """
        p = self._p
        u = rng.random((4, len(self)))
        bonus = np.exp(p.value("cgvo.promotion_ability_effect") * self.ability)
        civil = self.career == CAREER["township_civil_service"]
        leader = self.career == CAREER["township_leadership"]
        steps = {
            "reserve": np.flatnonzero(civil & ~self.reserve
                                      & (u[0] < p.value("cgvo.reserve_rate_per_year") * bonus)),
            "township_leadership": np.flatnonzero(
                civil & (u[1] < p.value("cgvo.career.civil_servant_to_township_rate_per_year") * bonus)),
            "county_department": np.flatnonzero(
                leader & (u[2] < p.value("cgvo.career.county_department_rate_per_year") * bonus)),
            "county_reserve": np.flatnonzero(
                (self.reserve | leader) & ~self.county_reserve
                & (u[3] < p.value("cgvo.career.county_reserve_rate_per_year") * bonus)),
        }
        self.reserve[steps["reserve"]] = True
        self.career[steps["township_leadership"]] = CAREER["township_leadership"]
        self.career[steps["county_department"]] = CAREER["county_department"]
        self.county_reserve[steps["county_reserve"]] = True
        return steps

    def end_contracts(self, month: int, renewal_allowed: bool, reserved_share: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Contract end (服务期满): renew or choose one of the five exits (L302).

        A renewed contract runs the CGVO's own term again (:attr:`term`).
        Renewal is likelier for CGVOs holding a committee seat. Leavers pick
        a route with weights that favour the civil-service exam where posts
        are reserved for CGVOs, their own business where they run a venture,
        and a village post where they hold a committee seat.

        Returns (rows that renew, rows that exit).
        """
        p = self._p
        due = np.flatnonzero(self.in_post & (self.contract_end == month))
        self.completed[due] = True
        u = rng.random((2, len(due)))
        seated = self.role[due] > ROLE["none"]
        renew_p = np.where(seated, p.value("cgvo.renewal_probability_seated"),
                           p.value("cgvo.renewal_probability"))
        renewing = (u[0] < renew_p) & renewal_allowed
        renew, leave = due[renewing], due[~renewing]
        self.contract_end[renew] = month + 12 * self.term[renew].astype(np.int32)
        if leave.size:
            weights = np.empty((leave.size, 5))
            weights[:, 0] = p.value("cgvo.exit_weight.village_post") * np.where(
                self.role[leave] > ROLE["none"], p.value("cgvo.exit_seat_multiple"), 1.0)
            weights[:, 1] = p.value("cgvo.exit_weight.civil_service") * (
                1.0 + p.value("cgvo.exit_reserved_effect") * reserved_share)
            weights[:, 2] = p.value("cgvo.exit_weight.own_business") * np.where(
                self.venture[leave], p.value("cgvo.exit_venture_multiple"), 1.0)
            weights[:, 3] = p.value("cgvo.exit_weight.other_job")
            weights[:, 4] = p.value("cgvo.exit_weight.further_study")
            cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
            choice = (u[1, ~renewing][:, None] > cumulative).sum(axis=1)
            route = np.minimum(choice, 4).astype(np.int8)
            self.exit(leave, route, month)
            self.career[leave[route == ROUTE["civil_service"]]] = CAREER["township_civil_service"]
        return renew, leave

    def exit(self, rows: np.ndarray, route: np.ndarray | int, month: int) -> None:
        """Record that ``rows`` leave the programme by ``route``."""
        self.in_post[rows] = False
        self.route[rows] = route
        self.exit_month[rows] = month


class Cgvo(RowAgent):
    """One CGVO, read from the :class:`Cgvos` arrays (inspection, classroom)."""

    population_attr = "cgvos"
    fields = ("province", "village", "cohort", "degree", "party", "elite", "in_post", "route",
              "role", "venture", "completed", "term", "provincial", "career", "reserve", "county_reserve")
