"""The CGVO programme: recruitment, posting, service and exits (L271-L351; docs/ODD.md §7.15).

Each year the national plan opens places in every province, as far as the
central subsidy and local budgets fund them; graduates apply and provinces
select the best (§7.15.1-2). Recruits are posted to villages of their province
without a CGVO where there are any (§7.15.3). In post, CGVOs may quit early,
start ventures, be trained, win committee seats at village elections and
rise to township posts (§7.15.4-7, §7.15.9); at contract end they renew or
take one of the five exits (§7.15.8); after the village they may rise
through township and county posts and reserve lists (§7.15.11). Leavers free their village (and their
secretary's seat unless they stay in the village post) through
:class:`sim.seats.Seats`; those who take another job may be hired by
enterprises (§7.16.3).
"""

from __future__ import annotations

import numpy as np

from sim.agents.cgvo import ROUTE, Cgvos
from sim.agents.enterprise import Enterprises
from sim.parameters import ParameterSet, series_value
from sim.policies import Policy
from sim.ranking import merit
from sim.seats import Seats
from sim.streams import Streams
from sim.timeline import month_of_year, parse_month, year_of


class Programme:
    """The national CGVO programme acting on the CGVO population each month."""

    def __init__(self, params: ParameterSet, policy: Policy, world, cgvos: Cgvos, seats: Seats,
                 enterprises: Enterprises) -> None:
        self._p = params
        self._policy = policy
        self._world = world
        self.cgvos = cgvos
        self._seats = seats
        self._enterprises = enterprises

    def seed_initial(self, start: int, rng: np.random.Generator) -> None:
        """Graduates serving under provinces' own schemes at the start (§5, §7.15.10).

        The stock in post (``cgvo.initial_stock``) was recruited in yearly
        provincial cohorts, in ``cgvo.provincial_recruitment_month`` of each
        of the ``cgvo.provincial_years`` years before the start year, each
        cohort ``cgvo.provincial_cohort_ratio`` times the size of the next.
        Each serves contracts of its own term (§7.15.8) from its recruitment
        month; those still in post at the start whose first contract has
        ended renewed it and count as having completed service.
        """
        p = self._p
        w = self._world
        n = rng.poisson(p.value("cgvo.initial_stock") * w.scale)
        if n == 0:
            return
        years = int(p.value("cgvo.provincial_years"))
        weights = p.value("cgvo.provincial_cohort_ratio") ** np.arange(years, dtype=float)
        back = 1 + rng.choice(years, size=n, p=weights / weights.sum())   # years before the start year
        cohort = 12 * (year_of(start) - back) + int(p.value("cgvo.provincial_recruitment_month")) - 1
        applicants = self.draw_applicants(n, w.provinces.village_share, rng)
        term = self.cgvos.draw_terms(n, self._policy.cgvo.contract_years, rng)
        months = 12 * term.astype(np.int32)
        served = np.maximum(start - cohort, 0)
        contract_end = cohort + months * np.maximum(1, -(-served // months))   # first end at or after start
        rows = self.cgvos.add(**applicants, cohort=cohort, contract_end=contract_end, term=term,
                              completed=contract_end > cohort + months, provincial=np.ones(n, bool),
                              in_post=np.ones(n, bool))
        self.post(rows, rng)

    def draw_applicants(self, n: int, province_share: np.ndarray,
                        rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Graduates applying to be CGVOs (L286, L326; §7.15.1)."""
        p = self._p
        province = rng.choice(len(province_share), size=n, p=province_share).astype(np.int16)
        degree = rng.random(n) < p.value("cgvo.applicant_degree_share")
        party = rng.random(n) < p.value("cgvo.applicant_party_share")
        elite = rng.random(n) < p.value("cgvo.applicant_elite_share")
        leader = rng.random(n) < p.value("cgvo.applicant_leader_share")
        ability = merit(rng.standard_normal(n), (p.value("cgvo.elite_ability"), elite),
                        (p.value("cgvo.degree_ability"), degree)).astype(np.float32)
        return {"province": province, "region": self._world.provinces.region[province], "degree": degree,
                "party": party, "elite": elite, "ability": ability, "leader": leader}

    def recruit(self, month: int, places_national: np.ndarray, rng: np.random.Generator,
                terms: np.random.Generator) -> tuple[int, int]:
        """One year's recruitment (§7.15.1-2); returns (applicants, recruits) in simulated units.

        ``terms`` draws the recruits' contract terms (§7.15.8).
        """
        p = self._p
        w = self._world
        pol = self._policy.cgvo
        year = year_of(month)
        places = rng.poisson(places_national * w.scale)
        if places.sum() == 0:
            return 0, 0
        start_year = year_of(parse_month(pol.start))
        awareness = -np.expm1(-(year - start_year + 1) / p.value("cgvo.awareness_years"))
        national = (p.value("cgvo.application_rate") * awareness
                    * series_value(p.value("national.graduates"), year))
        n_app = rng.poisson(national * w.scale)
        applicants = self.draw_applicants(n_app, places_national / places_national.sum(), rng)
        chosen = self.cgvos.select(applicants, places, pol.party_member_priority, pol.degree_priority, rng)
        picked = {k: v[chosen] for k, v in applicants.items() if k != "leader"}
        n = len(chosen)
        term = self.cgvos.draw_terms(n, pol.contract_years, terms)
        rows = self.cgvos.add(**picked, cohort=np.full(n, month), term=term,
                              contract_end=month + 12 * term.astype(np.int32),
                              in_post=np.ones(n, bool))
        self.post(rows, rng)
        return n_app, n

    def post(self, rows: np.ndarray, rng: np.random.Generator) -> None:
        """Send new CGVOs to villages of their province without one, where possible (§7.15.3)."""
        w = self._world
        province = self.cgvos.province[rows]
        vprov = w.villages.province
        free = self._seats.village_cgvo < 0
        keys = rng.random(len(w.villages)) + (~free) * 2.0
        order = np.lexsort((keys, vprov))
        first = np.searchsorted(vprov[order], np.arange(len(w.provinces)))
        counts = np.bincount(vprov, minlength=len(w.provinces))
        for prov in np.unique(province):
            members = rows[province == prov]
            if counts[prov] == 0:
                continue
            self._seats.post(members, order[first[prov] + np.arange(len(members)) % counts[prov]])

    def elect_to_committees(self, month: int, rng: np.random.Generator) -> np.ndarray:
        """Village elections: serving CGVOs may win committee seats (§7.15.6); returns the winners."""
        won, roles = self.cgvos.committee_winners(month, rng)
        self._seats.elect(won, roles)
        return won

    def step(self, month: int, streams: Streams) -> dict[str, float]:
        """One month of the programme; returns its flows in simulated units.

        Recruitment (in the recruitment month), early quits, ventures,
        training (training month), promotion (promotion month) and contract ends.
        """
        p = self._p
        w = self._world
        pol = self._policy.cgvo
        cg = self.cgvos
        moy = month_of_year(month)
        flows = {"cgvo_applicants": 0.0, "cgvo_recruits": 0.0}
        pay = p.value("cgvo.pay_ratio") * w.economy.national_income
        places = pol.apply(month, w.provinces.village_share, w.provinces.region, pay,
                           np.asarray(p.value("cgvo.local_funding_share"), float))
        if places.any():
            flows["cgvo_applicants"], flows["cgvo_recruits"] = self.recruit(
                month, places, streams("cgvo.recruitment"), streams("cgvo.contract_terms"))
        quitting = cg.quit_early(month, p.value("cgvo.pay_to_graduate_wage"), streams("cgvo.early_quit"))
        self.exit(quitting, ROUTE["early_quit"], month)
        serving = max(float(cg.in_post.sum()) * w.weight, 1.0)
        started = cg.start_ventures(month, pol.support_funds(month) / serving, streams("cgvo.ventures"))
        flows["cgvo_ventures_started"] = len(started)
        if moy == int(p.value("secretary.training_month")):
            cg.train(pol.training_days_per_year)
        if moy == int(p.value("secretary.promotion_month")):
            steps = cg.advance_careers(streams("cgvo.careers"))
            promoted, listed = cg.promote(month, streams("cgvo.promotion"))
            self.exit(promoted, ROUTE["township_leadership"], month)
            flows["cgvo_township_leadership_entries"] = len(promoted) + len(steps["township_leadership"])
            flows["cgvo_county_department_entries"] = len(steps["county_department"])
            flows["cgvo_reserve_listings"] = len(listed) + len(steps["reserve"])
            flows["cgvo_county_reserve_listings"] = len(steps["county_reserve"])
        _renew, leave = cg.end_contracts(month, pol.renewal_allowed, pol.civil_service_reserved_share,
                                        streams("cgvo.contracts"))
        self._seats.release(leave, stays=cg.route[leave] == ROUTE["village_post"])
        hired = leave[cg.route[leave] == ROUTE["other_job"]]
        self._enterprises.hire(hired, cg.party[hired], streams("enterprise.hiring"))
        return flows

    def exit(self, rows: np.ndarray, route: int, month: int) -> None:
        """CGVOs ``rows`` leave the programme by ``route`` during service and free their posts."""
        self.cgvos.exit(rows, route, month)
        self._seats.release(rows, stays=np.zeros(len(rows), bool))
