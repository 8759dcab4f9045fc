"""Urban communities and their party organisations, 三有一化 (R9, L696-L775; docs/ODD.md §7.20).

R9 is the urban analogue of the village package of R1: people to run things
(有人管事: secretaries, graduates placed, a pay floor at the local average
wage, a way into the establishment), money (有钱办事: a budget line, dues
support, funds that follow delegated tasks, sponsors), premises (有场所议事)
and area-wide party building (区域化: community party committees that take
in the local units). This module owns a population of urban communities,
each with its party organisation and its secretary:

- the elements: each community has a place in the roll-out of each element,
  drawn once and tilted towards richer communities; it has the element in a
  year once its place falls below the year's reach (a lever series);
- the secretary is valued by the village machinery of :mod:`sim.post`, with
  the city in place of the village: pay from the village pay rule at the
  community's floor (a multiple of the local average wage), forgone earnings
  from the same rule with a formal urban job in place of migrant work,
  security from the same rule (social insurance where paid), promotion from
  the same option value (entry into an administrative or institution
  establishment, 列入编制). The quit rule and the intrinsic motivation are
  the village secretaries' (:mod:`sim.agents.secretary`);
- vacancies are filled by candidates, members drawn from the urban workforce
  R9 names (organs, institutions, community work; their education that of
  urban public administration, ``community.candidate_college_share``), and the
  graduates placed in the community; a candidate stands only if the post is
  worth something to them, and the most able who stands is chosen. The
  secretaries of 2008 are drawn by the same rule at the pay of then, so the
  composition of secretaries is an outcome of the machinery, not an input;
- money: the yearly funds of each community from the elements it has;
- grid work (R6 Baibuting, R7 Yangpu): teams visit households; residents'
  problems are solved on the spot when a visit finds them, by the tasks that
  in-service members pledge, or else some turn into petitions.

Every draw comes from the streams ``build.communities`` and ``community.*``,
so adding this module changes no other outcome.
"""

from __future__ import annotations

import math

import numpy as np

from sim.agents.secretary import monthly_hazard, quit_probability
from sim.parameters import ParameterSet, series_value
from sim.policies import Policy
from sim.policies.community import ELEMENTS
from sim.post import forgone_earnings, post_value, promotion_value, security_value
from sim.streams import Streams, normal_from_uniform
from sim.timeline import month_of_year, monthly_probability, year_of

#: The funds of a community by source, in the order of the outcome table (L718, L720).
FUNDS = ("budget_line", "dues_support", "fees_follow_tasks", "sponsorship")


def urban_parameters(params: ParameterSet) -> ParameterSet:
    """The world parameters with the city's labour market in place of the village's.

    :func:`sim.post.forgone_earnings` reads the outside option of a village
    secretary: migrant work that fades with age, local work that the
    part-time post leaves time for. In a city the first is a formal job
    (no cost of living away; hiring fades past ``community.formal_job_end_age``)
    and the post is a full-time job (``community.post_time_share``).
    """
    p = params
    return p.with_values({"secretary": {
        "migrant_option_end_age": p.value("community.formal_job_end_age"),
        "migration_cost_share": 0.0,
        "time_share": p.value("community.post_time_share"),
    }}, "param")


class FixedParameters:
    """The run's parameters, each read once: they do not change while a run goes on.

    Offers the ``value`` of :class:`sim.parameters.ParameterSet`, memoised; the month's
    rules read some thirty leaves, which would otherwise be looked up every month.
    """

    def __init__(self, params: ParameterSet) -> None:
        self._params = params
        self._cache: dict[str, object] = {}

    def value(self, key: str):
        """The value of leaf ``key`` (read from the parameter set the first time)."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = self._params.value(key)
            return value


def roll_out_order(wealth: np.ndarray, noise: np.ndarray, tilt: float) -> np.ndarray:
    """Place of each community in a roll-out, as a quantile in [0, 1): richer communities first.

    The key is ``-tilt × z(wealth) + sqrt(1 - tilt²) × noise`` (``z`` standardised, noise
    standard normal); its rank over the communities, divided by their number, is the place.
    A community has an element when its place is below the element's reach, so the
    share that has it is the reach, at any scale.
    """
    z = (wealth - wealth.mean()) / max(float(wealth.std()), 1e-12)
    key = -tilt * z + math.sqrt(max(1.0 - tilt * tilt, 0.0)) * noise
    return np.argsort(np.argsort(key, kind="stable"), kind="stable") / len(key)


def visited_share(previous, visits, households):
    """Share of households visited at least once after ``visits`` random visits this month.

    Visits fall on households at random: ``1 - (1 - v) exp(-visits / households)``.
    """
    return 1.0 - (1.0 - previous) * np.exp(-visits / np.maximum(households, 1e-12))


def problems_left(problems, visit_rate, on_site_share, tasks):
    """Residents' problems of the month left unsolved: not met by a visit on the spot, nor by a pledged task.

    A visit this month reaches a problem with probability ``visit_rate`` (capped
    at 1) and solves it on the spot with ``on_site_share``; pledged tasks then
    solve up to their number of the rest.
    """
    rest = problems * (1.0 - np.minimum(visit_rate, 1.0) * on_site_share)
    return np.maximum(rest - tasks, 0.0)


class Communities:
    """Urban communities, their 三有一化 elements, secretaries, funds and grid work, as arrays.

    Attributes:
        province: Province row of each community.
        households: Households of each community.
        has: ``{element: bool array}``, whether each community has the element this year.
        filled, age, tenure, college, ability, motivation, graduate, establishment, entered:
            The secretary of each community (``graduate``: placed as a graduate;
            ``establishment``: entered into an establishment, 列入编制).
        graduates: Graduates placed in each community's staff (people).
        visited: Share of each community's households visited by its grid team.
        flows: This month's flows (simulated units): quits, entrants, retirements,
            establishment entries, graduates placed, pledged tasks, problems, problems solved,
            petitions.
    """

    def __init__(self, params: ParameterSet, policy: Policy, provinces, scale: float,
                 start: int, streams: Streams) -> None:
        p = self._p = FixedParameters(params)
        self._urban = FixedParameters(urban_parameters(params))
        self._policy = policy
        self._streams = streams
        rng = streams("build.communities")
        n = max(1, round(p.value("community.count") * scale))
        self.weight = p.value("community.count") / n
        self.province = rng.choice(len(provinces), n, p=self._province_shares(provinces)).astype(np.int16)
        sigma = p.value("community.wage_sigma")
        relative = (provinces.income_2011 / np.average(provinces.income_2011, weights=provinces.village_share)
                    ) ** p.value("community.province_wage_elasticity")
        self._wage_factor = relative[self.province] * rng.lognormal(-sigma**2 / 2, sigma, n)
        spread = p.value("community.households_sigma")
        self.households = p.value("community.households") * rng.lognormal(-spread**2 / 2, spread, n)
        wealth = np.log(self._wage_factor)
        tilt = p.value("community.roll_out_wealth_tilt")
        self._order = {e: roll_out_order(wealth, rng.standard_normal(n), tilt) for e in ELEMENTS}
        self.has = {e: np.zeros(n, bool) for e in ELEMENTS}
        self.year: int | None = None
        self.update_year(start)
        self.graduates = np.zeros(n)
        self.visited = np.zeros(n)
        self.flows: dict[str, float] = {}
        self._seed_secretaries(start, rng)

    # ----------------------------------------------------------------- structure
    def _province_shares(self, provinces) -> np.ndarray:
        """Each province's share of the communities: its village share tilted towards richer provinces."""
        share = provinces.village_share * (provinces.income_2011 / provinces.income_2011.mean()) ** (
            self._p.value("community.province_income_elasticity"))
        return share / share.sum()

    def __len__(self) -> int:
        return len(self.province)

    def update_year(self, month: int) -> None:
        """Wages and the elements each community has in the year of ``month`` (once a year)."""
        year = year_of(month)
        if year == self.year:
            return
        self.year = year
        p = self._p
        income = series_value(p.value("national.urban_income"), year, p.value("national.growth_after_series"))
        self.reference_income = income * self._wage_factor
        # The floor is the average wage of the year before (上年度当地社会平均工资, L714).
        last = series_value(p.value("national.urban_income"), year - 1, p.value("national.growth_after_series"))
        self.wage = p.value("community.wage_to_income_ratio") * last * self._wage_factor
        pol = self._policy.community
        in_effect = pol.in_effect(month)
        for e in ELEMENTS:
            self.has[e] = self._order[e] < pol.share(e, year, in_effect)

    # ----------------------------------------------------------------- the post
    def pay(self, rows, establishment) -> tuple[np.ndarray, np.ndarray]:
        """Yearly (basic, total) pay of the posts of ``rows`` by the village pay rule (yuan).

        The floor is paid where the community has it or the secretary is in an
        establishment: ``pay_floor_multiple`` × the local average wage; elsewhere
        ``community.pre_policy_pay_ratio`` × the wage. No performance pay.
        """
        wage = self.wage[rows]
        floor = self.has["pay_floor"][rows] | establishment
        return self._policy.community.pay_rule().apply(wage, floor, np.zeros(len(wage)),
                                                       self._p.value("community.pre_policy_pay_ratio"))

    def post_value(self, rows, age, tenure, college, motivation, establishment) -> np.ndarray:
        """Yearly value of the post of ``rows`` to people of these traits (yuan), by :mod:`sim.post`'s rules."""
        p, pol = self._p, self._policy
        wage = self.wage[rows]
        reference = self.reference_income[rows]
        basic, pay = self.pay(rows, establishment)
        forgone = forgone_earnings(age, False, college, wage, wage * p.value("community.informal_income_ratio"),
                                   self._urban)
        insured = self.has["insurance"][rows] | establishment
        security = security_value(age, tenure, reference, basic, insured, False,
                                  p.value("community.retirement_age"), 0.0, 1.0, 0.0,
                                  p.value("community.insurance_share_of_pay") * basic, self._urban)
        promotion = promotion_value(self.establishment_chance, p.value("secretary.apply_probability"),
                                    p.value("secretary.promotion_gain_years") * wage, age, tenure,
                                    pol.promotion.min_tenure_years, pol.promotion.max_age,
                                    p.value("secretary.promotion_horizon_years")) * ~establishment
        return post_value(pay, promotion, security, motivation * reference, forgone)

    @property
    def establishment_chance(self) -> float:
        """Yearly chance that an eligible secretary who applies enters an establishment (this month's)."""
        if self._chance_month != self._month:
            self._chance = self._establishment_chance()
            self._chance_month = self._month
        return self._chance

    def _establishment_chance(self) -> float:
        posts = self._policy.community.establishment_posts_per_1000_communities * len(self) / 1000.0
        eligible = self._eligible().sum() * self._p.value("secretary.apply_probability")
        return min(1.0, posts / eligible) if eligible > 0 else 0.0

    def _eligible(self) -> np.ndarray:
        pol = self._policy.promotion
        return (self.filled & ~self.establishment & (self.tenure >= pol.min_tenure_years)
                & (self.age <= pol.max_age))

    def holders_value(self) -> np.ndarray:
        """Yearly value of the post to each sitting secretary (yuan; 0 where vacant)."""
        value = self.post_value(slice(None), self.age, self.tenure, self.college, self.motivation,
                                self.establishment)
        return np.where(self.filled, value, 0.0)

    # ----------------------------------------------------------------- candidates
    def _candidates(self, rows: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The candidates of ``rows``: ``k`` members (R9's urban pool), then a placed graduate where there is one.

        The same number of draws whatever the state (``len(rows) × (k + 1) × 4``), so runs
        that differ in policy share them.
        """
        p = self._p
        k = int(p.value("community.candidates_per_vacancy"))
        u = rng.random((4, len(rows), k + 1))
        lo, hi = p.value("community.candidate_age_min"), p.value("community.candidate_age_max")
        age = lo + (hi - lo) * u[0]
        college = u[1] < p.value("community.candidate_college_share")
        g_lo, g_hi = p.value("community.graduate_age_min"), p.value("community.graduate_age_max")
        age[:, k] = g_lo + (g_hi - g_lo) * u[0][:, k]
        college[:, k] = True
        present = np.ones((len(rows), k + 1), bool)
        present[:, k] = u[1][:, k] < np.minimum(self.graduates[rows], 1.0)
        ability = normal_from_uniform(u[2]) + p.value("community.college_ability") * college
        motivation = (p.value("secretary.motivation_mean")
                      + p.value("secretary.motivation_sd") * normal_from_uniform(u[3]))
        return {"age": age, "college": college, "present": present, "ability": ability,
                "motivation": motivation, "graduate": np.broadcast_to(np.arange(k + 1) == k, age.shape)}

    def _choose(self, rows: np.ndarray, rng: np.random.Generator, tenure_years=None) -> np.ndarray:
        """Fill the posts of ``rows`` with the most able candidate who stands; return the rows filled.

        ``tenure_years`` (uniforms, one a row) seeds the secretaries of the first month
        with years already served; by default the new secretaries start now.
        """
        c = self._candidates(rows, rng)
        n, m = c["age"].shape
        flat_rows = np.repeat(rows, m)
        no = np.zeros(n * m, bool)
        value = self.post_value(flat_rows, c["age"].ravel(), np.zeros(n * m), c["college"].ravel(),
                                c["motivation"].ravel(), no).reshape(n, m)
        stands = c["present"] & (value > 0.0)
        score = np.where(stands, c["ability"], -np.inf)
        best = np.argmax(score, axis=1)
        ok = stands[np.arange(n), best]
        chosen, pick = rows[ok], best[ok]

        def take(name):
            return c[name][ok, pick]
        if tenure_years is None:
            tenure = np.zeros(len(chosen))
        else:  # exponential years in post, truncated so that nobody has passed the retirement age
            mean = self._p.value("community.initial_tenure_mean")
            room = np.maximum(self._p.value("community.retirement_age") - take("age"), 0.0)
            tenure = -mean * np.log1p(-tenure_years[ok] * -np.expm1(-room / mean))
        self.filled[chosen] = True
        self.age[chosen] = take("age") + tenure
        self.tenure[chosen] = tenure
        self.college[chosen] = take("college")
        self.ability[chosen] = take("ability")
        self.motivation[chosen] = take("motivation")
        self.graduate[chosen] = take("graduate")
        self.establishment[chosen] = False
        self.entered[chosen] = self._month - np.round(tenure * 12).astype(np.int32)
        placed = chosen[take("graduate")]
        self.graduates[placed] = np.maximum(self.graduates[placed] - 1.0, 0.0)
        return chosen

    def _seed_secretaries(self, start: int, rng: np.random.Generator) -> None:
        """The secretaries of ``start``: chosen by the rule of vacancies at the conditions of then.

        Each post was filled some years ago (exponential with mean
        ``community.initial_tenure_mean``, truncated at the years the chosen candidate
        had left before retirement); the candidate has aged since. Posts where
        nobody stands start vacant.
        """
        n = len(self)
        self._month = start
        self.filled = np.zeros(n, bool)
        self.age = np.zeros(n)
        self.tenure = np.zeros(n)
        self.college = np.zeros(n, bool)
        self.ability = np.zeros(n)
        self.motivation = np.zeros(n)
        self.graduate = np.zeros(n, bool)
        self.establishment = np.zeros(n, bool)
        self.entered = np.full(n, start, np.int32)
        self._chance_month = self._funds_month = None
        self._choose(np.arange(n), rng, tenure_years=rng.random(n))

    # ----------------------------------------------------------------- the month
    def step(self, month: int) -> dict[str, float]:
        """One month: the year's elements; ageing, retirement, quits; establishment; graduates; vacancies; grids.

        Returns this month's flows (simulated units).
        """
        p, pol, s = self._p, self._policy.community, self._streams
        self._month = month
        self.update_year(month)
        flows = dict.fromkeys(("quits", "retirements", "entrants", "establishment_entries",
                               "graduates_placed", "pledged_tasks", "problems", "solved", "petitions"), 0.0)
        step = 1.0 / 12.0
        self.age += step * self.filled
        self.tenure += step * self.filled
        self.ability += self.filled * p.value("secretary.learning_per_year") / 12.0

        u = s("community.retirement").random(len(self))
        health = p.value("secretary.health_exit_rate_at_40") * np.exp(
            p.value("secretary.health_exit_age_slope") * (self.age - 40.0))
        leave = self.filled & ((self.age >= p.value("community.retirement_age"))
                               | (u < monthly_probability(health)))
        flows["retirements"] = float(leave.sum())
        self.filled[leave] = False
        self._chance_month = None  # ages, tenures and who serves have changed

        self.value = self.holders_value()
        u = s("community.quit").random(len(self))
        hazard = monthly_hazard(quit_probability(self.value / self.reference_income,
                                                 p.value("secretary.quit_intercept"),
                                                 p.value("secretary.quit_slope")))
        quit = self.filled & (u < hazard)
        flows["quits"] = float(quit.sum())
        self.filled[quit] = False
        self.establishment &= self.filled
        self._chance_month = None  # who is eligible has changed

        rng = s("community.establishment")
        u = rng.random(len(self))
        if month_of_year(month) == int(p.value("secretary.promotion_month")):
            applicants = np.flatnonzero(self._eligible() & (u < p.value("secretary.apply_probability")))
            posts = pol.establishment_posts_per_1000_communities * len(self) / 1000.0
            count = min(len(applicants), int(posts) + int(rng.random() < posts - int(posts)))
            winners = applicants[np.argsort(-self.ability[applicants], kind="stable")[:count]]
            self.establishment[winners] = True
            self._chance_month = None
            flows["establishment_entries"] = float(len(winners))

        rng = s("community.graduates")
        rate = pol.graduates_per_1000_communities_per_year * pol.in_effect(month)
        placed = rng.poisson(rate / 1000.0 / 12.0, len(self))
        leaving = rng.random(len(self)) < monthly_probability(p.value("community.graduate_exit_rate_per_year"))
        self.graduates = np.where(leaving, np.maximum(self.graduates - 1.0, 0.0), self.graduates) + placed
        flows["graduates_placed"] = float(placed.sum())

        vacant = np.flatnonzero(~self.filled)
        entrants = self._choose(vacant, s("community.selection")) if len(vacant) else vacant
        flows["entrants"] = float(len(entrants))

        flows.update(self._grid_month(month))
        self.flows = flows
        return flows

    def _grid_month(self, month: int) -> dict[str, float]:
        """Grid visits, pledged tasks, residents' problems and petitions of the month (R6, R7)."""
        p, pol = self._p, self._policy.community
        households = self.households
        if pol.grid_on(month):
            visits = households / pol.grid_households * pol.grid_visits_per_month
        else:
            visits = np.zeros(len(self))
        self.visited = visited_share(self.visited, visits, households)
        members = households * p.value("community.in_service_members_per_household")
        tasks = members * pol.member_registration_share * pol.pledges_per_member_per_year / 12.0
        problems = households * p.value("community.problems_per_household_per_year") / 12.0
        left = problems_left(problems, visits / np.maximum(households, 1e-12),
                             p.value("community.on_site_solve_share"), tasks)
        petitions = left * p.value("community.petition_share")
        return {"pledged_tasks": float(tasks.sum()), "problems": float(problems.sum()),
                "solved": float((problems - left).sum()), "petitions": float(petitions.sum())}

    # ----------------------------------------------------------------- outputs
    def funds(self) -> dict[str, np.ndarray]:
        """Yearly funds of each community by source (yuan; L718, L720), as of this month."""
        if self._funds_month != self._month:
            self._funds = self._compute_funds()
            self._funds_month = self._month
        return self._funds

    def _compute_funds(self) -> dict[str, np.ndarray]:
        pol, p = self._policy.community, self._p
        return {
            "budget_line": self.has["budget_line"] * pol.budget(self.year),
            "dues_support": self.has["dues_support"] * pol.dues_support_yuan_per_year,
            "fees_follow_tasks": self.has["fees_follow_tasks"] * pol.fees_follow_tasks_yuan_per_year,
            "sponsorship": self.has["sponsorship"] * p.value("community.sponsorship_yuan_per_year"),
        }

    def secretary_mean(self, values) -> float:
        """Mean of ``values`` over sitting secretaries (NaN if none)."""
        return float(np.mean(values[self.filled])) if self.filled.any() else float("nan")
