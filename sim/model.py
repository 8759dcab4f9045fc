"""The village-cadre incentive model: construct, schedule, collect (DESIGN §3).

One step is one month from ``start``. The order within a month is written
out in :meth:`VillageModel.step`. State lives in the populations of
``sim/agents/`` as arrays; policies come from ``sim/policies/``; outcomes are
computed by the reporters of :mod:`sim.outcomes` and collected by Mesa's
``DataCollector``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import outcomes
from sim.agents.cgvo import ROLE, ROUTE, Cgvo, Cgvos
from sim.agents.enterprise import Enterprise, Enterprises
from sim.agents.secretary import Secretaries, SecretaryView, forgone_earnings, post_value
from sim.agents.structure import (
    ELEMENTS,
    Counties,
    Economy,
    Provinces,
    Villages,
    load_province_table,
)
from sim.agents.villager import Villager, Villagers
from sim.config import RunConfig, resolve
from sim.elections import fill_vacancies, hold_village_elections
from sim.parameters import series_value
from sim.policies import CHANNELS, Policy
from sim.streams import Streams, normal_from_uniform
from sim.timeline import format_month, month_of_year, parse_month, year_of


class VillageModel(mesa.Model):
    """Villagers, secretaries, CGVOs and enterprises under configurable incentive policies.

    Args:
        scale: Share of the nation simulated, in (0, 1] (1 = every village).
        start: First month, ``YYYY-MM``.
        end: Last month, ``YYYY-MM``.
        scenario: Named set of levers (``as_reported``, ``no_yiding_sanyou``...).
        policy: Nested lever changes, e.g. ``{"pay_floor": {"multiple": 1.2}}``.
        params: Nested changes to world parameters, e.g. ``{"secretary": {"quit_slope": 0.5}}``.
        run_id: Label of the run in the outcome table (default: a fresh id).
        calibration: ``"default"`` applies ``sim/data/calibrated.yaml``; None the files'
            own values; or a path to another calibrated file.
        seed: Seed of every random stream.
        **levers: Flat lever changes, e.g. ``pay_floor_multiple=1.2`` (for ``mesa.batch_run``).

    Raises:
        ConfigError: for an unknown key or a value out of range, before anything runs.
    """

    def __init__(self, scale: float = 0.01, start: str = "2008-01", end: str = "2012-12",
                 scenario: str = "as_reported", policy: Mapping[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None, run_id: str | None = None,
                 calibration: str | None = "default", *, seed: int = 0, **levers: Any) -> None:
        config = resolve(scale=scale, start=start, end=end, scenario=scenario, seed=seed,
                         policy=policy, params=params, flat_levers=levers, calibration=calibration)
        super().__init__(seed=config.seed)
        self.config: RunConfig = config
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.params = config.params
        self.policy = Policy.from_levers(config.levers)
        self.streams = Streams(config.seed)
        self.start = parse_month(config.start)
        self.end = parse_month(config.end)
        self.month = self.start
        self._build_world()
        self.flows: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(model_reporters=outcomes.reporters())

    # ----------------------------------------------------------------- construction
    def _build_world(self) -> None:
        p = self.params
        s = self.streams
        self.provinces = Provinces.from_table(load_province_table(),
                                              int(p.value("national.agricultural_counties")))
        self.economy = Economy(p, self.provinces)
        self.economy.update(year_of(self.start))
        self.counties = Counties(self.provinces, p, s("build.counties"))
        n_villages = max(1, round(p.value("national.villages") * self.config.scale))
        self.villages = Villages(n_villages, self.provinces, self.counties, p, s("build.villages"))
        self.scale = n_villages / p.value("national.villages")
        self.weight = self.villages.weight
        self.villages_per_province = np.bincount(self.villages.province, minlength=len(self.provinces))
        self.villagers = Villagers(self.villages.adults, self.weight,
                                   int(p.value("village.villagers_per_village")), p,
                                   year_of(self.start), s("build.villagers"))
        self.secretaries = Secretaries(n_villages, p, self.start, s("build.secretaries"))
        self.cgvos = Cgvos(p)
        self.village_cgvo = np.full(n_villages, -1, np.int32)
        self._seed_initial_cgvos(s("build.cgvos"))
        share = self.provinces.village_share * (
            self.provinces.income_2011 / self.provinces.income_2011.mean()
        ) ** p.value("enterprise.province_income_elasticity")
        self.enterprise_share = share / share.sum()
        n_ent = max(1, round(p.value("enterprise.count_in_scope") * self.config.scale))
        self.enterprises = Enterprises(n_ent, self.enterprise_share,
                                       p.value("enterprise.count_in_scope") / n_ent, p,
                                       s("build.enterprises"))
        others = p.value("village.other_cadres_per_village")
        prov = self.villages.province
        # The director at the provincial parity ratio, the other cadres at theirs (L20).
        self.other_cadre_pay_multiple = (
            self.provinces.director_pay_ratio[prov]
            + max(others - 1, 0) * self.provinces.other_cadre_pay_ratio[prov])
        self.departure_bill = 0.0
        self.package_in_effect = self.policy.yiding_sanyou.apply(self.start)
        self._refresh_village_context()
        self._refresh_promotion_chances()

    def _seed_initial_cgvos(self, rng: np.random.Generator) -> None:
        """Graduates already serving under provincial schemes before the national one."""
        p = self.params
        n = rng.poisson(p.value("cgvo.initial_stock") * self.scale)
        if n == 0:
            return
        applicants = self._draw_applicants(n, self.provinces.village_share, rng)
        cohort = self.start - rng.integers(1, 12 * self.policy.cgvo.contract_years, n)
        rows = self.cgvos.add(**applicants, cohort=cohort,
                              contract_end=cohort + 12 * self.policy.cgvo.contract_years,
                              in_post=np.ones(n, bool))
        self._post_cgvos(rows, rng)

    # ----------------------------------------------------------------- schedule
    def step(self) -> None:
        """Advance one month.

        The order within the month:

        1. incomes move (yearly); counties implement the package's elements;
        2. villagers age, migrate and move through the party pipeline;
        3. secretaries age, retire normally, and decide to stay or quit;
        4. in December, the annual assessment sets scores and removes failures;
           in the training month, serving secretaries are trained;
        5. in the promotion month, the three channels take their winners;
        6. in village election years, committee elections; every month,
           by-elections fill vacancies;
        7. the CGVO programme recruits, CGVOs serve (trained in the training
           month, promoted in the promotion month), and contracts end;
        8. enterprises gain members, receive instructors and organise;
        9. the fiscal cost of each lever is accounted, and the data
           collector records the month.
        """
        s = self.streams
        month, year, moy = self.month, year_of(self.month), month_of_year(self.month)
        self.flows = dict.fromkeys(outcomes.FLOWS, 0.0)
        in_effect = self.policy.yiding_sanyou.apply(month)
        if self.economy.update(year) or in_effect != self.package_in_effect:
            self.package_in_effect = in_effect
            self._refresh_promotion_chances()
        enabled = {"pay_floor": True, "pension": self.policy.retirement.pension_enabled,
                   "departure_subsidy": self.policy.retirement.departure_subsidy_enabled,
                   "other_cadre_pay": True}
        self.counties.implement(self.package_in_effect, enabled, s("county.implement"))
        self._refresh_village_context()

        self.villagers.age_one_month(year, s("villager.ageing"))
        self.villagers.migrate(self.economy.migrant_income, self.labour_income, s("villager.migration"))
        admitted, young = self.villagers.join_party()
        self.flows["party_admissions_rural"] = admitted * self.weight
        self.flows["party_admissions_rural_under35"] = young * self.weight

        self._secretaries_serve(month, moy)
        if moy == int(self.params.value("election.village_month")) and (
                (year - int(self.params.value("election.village_first_year"))) % 3 == 0):
            lost = hold_village_elections(self, s("election.village"))
            self.flows["secretary_lost_elections"] = len(lost) * self.weight
            self.flows["secretary_entrants"] += len(lost) * self.weight
            won = self.cgvos.elect_to_committees(month, s("cgvo.committees"))
            self.flows["cgvo_committee_wins"] = len(won) * self.weight
        filled = fill_vacancies(self, self.first_secretary_present, s("election.vacancy"))
        self.flows["secretary_entrants"] += len(filled) * self.weight

        self._cgvo_programme(month, moy)
        self._enterprises(month)
        self._account_costs()
        self.datacollector.collect(self)
        self.month += 1
        if self.month > self.end:
            self.running = False

    def run(self) -> pd.DataFrame:
        """Run to ``end``; return the tidy outcome table."""
        while self.running:
            self.step()
        return self.outcomes()

    # ----------------------------------------------------------------- secretaries
    def _refresh_village_context(self) -> None:
        """Per-village incomes and the county elements in force there."""
        v = self.villages
        self.village_income = self.economy.province_income[v.province] * v.income_factor
        self.labour_income = self.village_income * self.params.value("village.labour_income_ratio")
        imp = self.counties.implemented
        self.floor_paid = imp["pay_floor"][v.county]
        self.pension_on = imp["pension"][v.county] & self.policy.retirement.pension_enabled
        self.departure_on = (imp["departure_subsidy"][v.county]
                             & self.policy.retirement.departure_subsidy_enabled)
        self.basic_pay, self.pay = self.policy.pay_floor.apply(
            self.village_income, self.floor_paid, self.secretaries.score,
            self.params.value("secretary.pre_policy_pay_ratio"))
        stock = self.policy.first_secretary.apply(self.month, self.provinces.names)
        self.first_secretary_present = self._place_first_secretaries(stock)

    def _place_first_secretaries(self, stock: np.ndarray) -> np.ndarray:
        """First secretaries go to each province's weakest villages (L31)."""
        present = np.zeros(len(self.villages), bool)
        if not stock.any():
            return present
        weakness = np.where(self.secretaries.filled, -self.secretaries.ability, np.inf)
        for prov in np.flatnonzero(stock):
            rows = np.flatnonzero(self.villages.province == prov)
            count = min(len(rows), round(stock[prov] * self.scale))
            if count:
                present[rows[np.argsort(-weakness[rows], kind="stable")[:count]]] = True
        return present

    def _refresh_promotion_chances(self) -> None:
        """Yearly chance of promotion through each channel for a secretary who applies.

        Posts over applicants, pooled over the nation (a province with few
        simulated villages would give a noisy ratio).
        """
        year = year_of(self.month)
        self.expected_posts = self.policy.promotion.apply(self.villages_per_province, year,
                                                          self.package_in_effect)
        secs = self.secretaries
        pol = self.policy.promotion
        eligible = (secs.filled & (secs.age <= pol.max_age) & (secs.tenure >= pol.min_tenure_years)
                    & (secs.score >= self.params.value("secretary.apply_min_score")))
        applicants = max(np.count_nonzero(eligible) * self.params.value("secretary.apply_probability"),
                         1.0)
        self.promotion_chance = {c: min(1.0, float(self.expected_posts[c].sum()) / applicants)
                                 for c in CHANNELS}
        self.township_pay = self.economy.province_income * self.params.value(
            "secretary.township_pay_ratio")

    def promotion_value(self, villages: np.ndarray | slice, age: np.ndarray,
                        tenure: np.ndarray) -> np.ndarray:
        """Option value of promotion (yuan/year) for a holder of ``age`` and ``tenure``.

        The yearly chance of each open channel for an applicant, times the
        chance of applying, times the value of a township post, times the
        share of the coming years (up to ten) in which the holder may apply:
        after ``min_tenure_years`` in post and before ``max_age``.
        """
        pol = self.policy.promotion
        p = self.params
        chance = sum(self.promotion_chance.values())
        gain = p.value("secretary.promotion_gain_years") * self.township_pay[
            self.villages.province[villages]]
        horizon = 10.0
        first = np.maximum(pol.min_tenure_years - tenure, 0.0)
        last = np.minimum(np.maximum(pol.max_age - age, 0.0), horizon)
        share = np.clip(last - first, 0.0, horizon) / horizon
        return chance * p.value("secretary.apply_probability") * gain * share

    def secretary_post_value(self) -> np.ndarray:
        """Yearly value of the post to each sitting secretary (yuan)."""
        secs = self.secretaries
        forgone = forgone_earnings(secs.age, secs.earner, secs.college,
                                   self.economy.migrant_income, self.labour_income, self.params)
        security = self.policy.retirement.apply(
            secs.age, secs.tenure, self.village_income, self.basic_pay, self.pension_on,
            self.departure_on, self.params)
        return post_value(self.pay, self.promotion_value(slice(None), secs.age, secs.tenure), security,
                          secs.motivation * self.village_income, forgone)

    def candidate_post_value(self, villages: np.ndarray, age: np.ndarray, earner: np.ndarray,
                             college: np.ndarray, motivation: np.ndarray) -> np.ndarray:
        """Yearly value of the post to a candidate (new entrant, no tenure, average score).

        ``motivation`` is the candidate's intrinsic value of the post as a multiple of local
        income.
        """
        p = self.params
        income = self.village_income[villages]
        floor = self.floor_paid[villages]
        basic, pay = self.policy.pay_floor.apply(income, floor, np.zeros(len(villages)),
                                                 p.value("secretary.pre_policy_pay_ratio"))
        forgone = forgone_earnings(age, earner, college, self.economy.migrant_income,
                                   self.labour_income[villages], p)
        security = self.policy.retirement.apply(age, np.zeros(len(villages)), income, basic,
                                                self.pension_on[villages],
                                                self.departure_on[villages], p)
        return post_value(pay, self.promotion_value(villages, age, np.zeros(len(villages))),
                          security, motivation * income, forgone)

    def _secretaries_serve(self, month: int, moy: int) -> None:
        s = self.streams
        secs = self.secretaries
        secs.age_one_month()
        leaving = secs.leave_normally(self.policy.retirement.age, s("secretary.retirement"))
        yearly, one_off = self.policy.retirement.departure_payment(
            secs.tenure[leaving], self.village_income[leaving], self.basic_pay[leaving])
        paying = self.departure_on[leaving]
        self.departure_bill += float((yearly * paying).sum()) * self.weight
        self.flows["departure_one_off_yuan"] = float((one_off * paying).sum()) * self.weight
        self.flows["secretary_normal_departures"] = len(leaving) * self.weight
        self._vacate(leaving)

        value = self.secretary_post_value()
        self.post_value = value
        quitting = secs.decide_to_stay(value / self.village_income, s("secretary.quit"),
                                       s("secretary.quit.fine"))
        old = secs.age[quitting] >= 55
        self.flows["secretary_quits"] = len(quitting) * self.weight
        self.flows["secretary_quits_age55plus"] = float(old.sum()) * self.weight
        self._vacate(quitting)

        if moy == int(self.params.value("secretary.assessment_month")):
            support = self.first_secretary_present * self.params.value("first_secretary.support")
            score = secs.assess(self.policy.assessment.weights, support, s("secretary.assessment"))
            removed = np.flatnonzero(self.policy.assessment.apply(score, secs.filled))
            self.flows["secretary_removals"] = len(removed) * self.weight
            self._vacate(removed)
        if moy == int(self.params.value("secretary.training_month")):
            self.policy.training.apply(secs)
        if moy == int(self.params.value("secretary.promotion_month")):
            self._promotion_round(s("secretary.promotion"))

    def _promotion_round(self, rng: np.random.Generator) -> None:
        """The yearly round of the three channels (L16, L24): apply, sit, win, leave."""
        p = self.params
        secs = self.secretaries
        pol = self.policy.promotion
        n = len(secs)
        u = rng.random((1 + len(CHANNELS), n))
        applying = (secs.filled & (secs.age <= pol.max_age) & (secs.tenure >= pol.min_tenure_years)
                    & (secs.score >= p.value("secretary.apply_min_score"))
                    & (u[0] < p.value("secretary.apply_probability")))
        bonus = pol.exam_bonus(self.provinces.names, p.value("secretary.exam_points_per_sd"))
        prov = self.villages.province
        for i, channel in enumerate(CHANNELS, start=1):
            places = rng.poisson(self.expected_posts[channel])
            score = secs.ability + normal_from_uniform(u[i]) * p.value("secretary.exam_noise_sd")
            if channel == "civil_service":
                score = score + bonus[prov]
            candidates = np.flatnonzero(applying)
            order = candidates[np.lexsort((-score[candidates], prov[candidates]))]
            first = np.searchsorted(prov[order], np.arange(len(places)))
            rank = np.arange(len(order)) - first[prov[order]]
            winners = order[rank < places[prov[order]]]
            applying[winners] = False
            self.flows[f"promotions_{channel}"] = len(winners) * self.weight
            self._vacate(winners)

    def _vacate(self, villages: np.ndarray) -> None:
        """Posts fall vacant; a CGVO who held one keeps serving as a CGVO without the seat."""
        held = self.secretaries.cgvo[villages]
        held = held[held >= 0]
        self.cgvos.role[held] = ROLE["none"]
        self.secretaries.vacate(villages)

    # ----------------------------------------------------------------- CGVOs
    def _draw_applicants(self, n: int, province_share: np.ndarray,
                         rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Graduates applying to be CGVOs (L286, L326)."""
        p = self.params
        province = rng.choice(len(province_share), size=n, p=province_share).astype(np.int16)
        degree = rng.random(n) < p.value("cgvo.applicant_degree_share")
        party = rng.random(n) < p.value("cgvo.applicant_party_share")
        elite = rng.random(n) < p.value("cgvo.applicant_elite_share")
        leader = rng.random(n) < p.value("cgvo.applicant_leader_share")
        ability = (rng.standard_normal(n) + p.value("cgvo.elite_ability") * elite
                   + p.value("cgvo.degree_ability") * degree).astype(np.float32)
        return {"province": province, "region": self.provinces.region[province], "degree": degree,
                "party": party, "elite": elite, "ability": ability, "leader": leader}

    def _recruit_cgvos(self, places_national: np.ndarray, rng: np.random.Generator) -> None:
        p = self.params
        year = year_of(self.month)
        places = rng.poisson(places_national * self.scale)
        if places.sum() == 0:
            return
        start_year = year_of(parse_month(self.policy.cgvo.start))
        awareness = -np.expm1(-(year - start_year + 1) / p.value("cgvo.awareness_years"))
        national = (p.value("cgvo.application_rate") * awareness
                    * series_value(p.value("national.graduates"), year))
        n_app = rng.poisson(national * self.scale)
        self.flows["cgvo_applicants"] = n_app * self.weight
        applicants = self._draw_applicants(n_app, places_national / places_national.sum(), rng)
        chosen = self.cgvos.select(applicants, places, self.policy.cgvo.party_member_priority,
                                   self.policy.cgvo.degree_priority, rng)
        picked = {k: v[chosen] for k, v in applicants.items() if k != "leader"}
        n = len(chosen)
        rows = self.cgvos.add(**picked, cohort=np.full(n, self.month),
                              contract_end=np.full(n, self.month + 12 * self.policy.cgvo.contract_years),
                              in_post=np.ones(n, bool))
        self.flows["cgvo_recruits"] = n * self.weight
        self._post_cgvos(rows, rng)

    def _post_cgvos(self, rows: np.ndarray, rng: np.random.Generator) -> None:
        """Send new CGVOs to villages of their province without one, where possible."""
        province = self.cgvos.province[rows]
        free = self.village_cgvo < 0
        keys = rng.random(len(self.villages)) + (~free) * 2.0
        order = np.lexsort((keys, self.villages.province))
        first = np.searchsorted(self.villages.province[order], np.arange(len(self.provinces)))
        counts = np.bincount(self.villages.province, minlength=len(self.provinces))
        for prov in np.unique(province):
            members = rows[province == prov]
            if counts[prov] == 0:
                continue
            slots = order[first[prov] + np.arange(len(members)) % counts[prov]]
            self.cgvos.village[members] = slots
            self.village_cgvo[slots] = members

    def _cgvo_programme(self, month: int, moy: int) -> None:
        s = self.streams
        p = self.params
        cg = self.cgvos
        pay = p.value("cgvo.pay_ratio") * self.economy.national_income
        places = self.policy.cgvo.apply(month, self.provinces.village_share, self.provinces.region,
                                        pay, np.asarray(p.value("cgvo.local_funding_share"), float))
        if places.any():
            self._recruit_cgvos(places, s("cgvo.recruitment"))
        quitting = cg.quit_early(month, p.value("cgvo.pay_to_graduate_wage"), s("cgvo.early_quit"))
        self._cgvo_exit(quitting, ROUTE["early_quit"])
        serving = max(float(cg.in_post.sum()) * self.weight, 1.0)
        started = cg.start_ventures(month, self.policy.cgvo.support_funds(month) / serving,
                                    s("cgvo.ventures"))
        self.flows["cgvo_ventures_started"] = len(started) * self.weight
        if moy == int(p.value("secretary.training_month")):
            cg.train(self.policy.cgvo.training_days_per_year)
        if moy == int(p.value("secretary.promotion_month")):
            promoted, _listed = cg.promote(month, s("cgvo.promotion"))
            self._cgvo_exit(promoted, ROUTE["township_leadership"])
        _renew, leave = cg.end_contracts(month, self.policy.cgvo.renewal_allowed,
                                        self.policy.cgvo.civil_service_reserved_share,
                                        self.policy.cgvo.contract_years, s("cgvo.contracts"))
        self._release_posts(leave, stays=cg.route[leave] == ROUTE["village_post"])
        hired = leave[cg.route[leave] == ROUTE["other_job"]]
        self.enterprises.hire(hired, cg.party[hired], s("enterprise.hiring"))

    def _cgvo_exit(self, rows: np.ndarray, route: int) -> None:
        self.cgvos.exit(rows, route, self.month)
        self._release_posts(rows, stays=np.zeros(len(rows), bool))

    def _release_posts(self, rows: np.ndarray, stays: np.ndarray) -> None:
        """Leaving CGVOs free their village; a secretary's seat is kept only by staying."""
        cg = self.cgvos
        villages = cg.village[rows]
        mine = (villages >= 0) & (self.village_cgvo[np.maximum(villages, 0)] == rows)
        self.village_cgvo[villages[mine]] = -1
        seated = rows[(cg.role[rows] == ROLE["secretary"]) & ~stays]
        self.secretaries.vacate(cg.village[seated])
        # Those who stay in the village post become ordinary cadres: the seat no longer a CGVO's.
        kept = rows[(cg.role[rows] == ROLE["secretary"]) & stays]
        self.secretaries.cgvo[cg.village[kept]] = -1

    # ----------------------------------------------------------------- enterprises
    def _enterprises(self, month: int) -> None:
        s = self.streams
        ent = self.enterprises
        stock, campaign = self.policy.enterprise.apply(month, self.enterprise_share,
                                                       self.provinces.names)
        self.instructor_stock = float(stock.sum())
        target = stock * self.params.value("enterprise.firms_per_instructor") / ent.weight
        ent.assign_instructors(target, s("enterprise.instructors"))
        self.flows["enterprise_admissions"] = ent.gain_members(campaign, s("enterprise.members")) * ent.weight
        own, joint = ent.organise(campaign, s("enterprise.organise"))
        self.flows["enterprise_orgs_formed"] = (own + joint) * ent.weight

    # ----------------------------------------------------------------- costs
    def _account_costs(self) -> None:
        """Fiscal cost of each lever this month, as yuan per year (national)."""
        p = self.params
        secs = self.secretaries
        filled = secs.filled
        pre = p.value("secretary.pre_policy_pay_ratio") * self.village_income
        self.costs = {
            "pay_floor": float(((self.pay - pre) * (filled & self.floor_paid)).sum()) * self.weight,
            "pension": float((filled & self.pension_on).sum()) * self.weight
            * self.policy.retirement.pension_subsidy_yuan_per_year,
            "departure_subsidy": self.departure_bill + 12.0 * self.flows["departure_one_off_yuan"],
            "training": float(filled.sum()) * self.weight * self.policy.training.secretary_days_per_year
            * p.value("secretary.training_cost_per_day"),
            "other_cadre_pay": float((self.other_cadre_pay_multiple * self.basic_pay).sum(
                where=self.counties.implemented["other_cadre_pay"][self.villages.county]))
            * self.weight,
            "cgvo_training": float(self.cgvos.in_post.sum()) * self.weight
            * self.policy.cgvo.training_days_per_year * p.value("secretary.training_cost_per_day"),
            "cgvo_subsidy": float(self.policy.cgvo.subsidy(self.cgvos.region[self.cgvos.in_post]).sum())
            * self.weight,
            "instructors": self.instructor_stock * self.policy.enterprise.instructor_cost_yuan_per_year,
        }
        # Subsidy recipients die off; the bill falls accordingly.
        self.departure_bill *= np.exp(-1.0 / (12.0 * p.value("secretary.years_receiving_subsidy")))

    # ----------------------------------------------------------------- outputs
    def outcomes(self) -> pd.DataFrame:
        """Tidy outcome table: ``run_id, scenario, seed, date, measure, value`` (national totals)."""
        wide = self.datacollector.get_model_vars_dataframe()
        dates = [format_month(m) for m in range(self.start, self.start + len(wide))]
        wide.index = pd.Index(dates, name="date")
        long = wide.reset_index().melt(id_vars="date", var_name="measure", value_name="value")
        long.insert(0, "seed", self.config.seed)
        long.insert(0, "scenario", self.config.scenario)
        long.insert(0, "run_id", self.run_id)
        long["value"] = long["value"].astype(float)
        return long[["run_id", "scenario", "seed", "date", "measure", "value"]]

    def agents_for(self, kind: str, rows: np.ndarray | list[int]) -> list[mesa.Agent]:
        """Mesa agents viewing the given rows of a population (inspection, classroom).

        ``kind`` is one of ``villager``, ``secretary``, ``cgvo``, ``enterprise``.
        """
        cls = {"villager": Villager, "secretary": SecretaryView, "cgvo": Cgvo,
               "enterprise": Enterprise}[kind]
        return [cls(self, int(r)) for r in rows]

    @property
    def date(self) -> str:
        """The month the next step will simulate, ``YYYY-MM``."""
        return format_month(self.month)


__all__ = ["ELEMENTS", "VillageModel"]
