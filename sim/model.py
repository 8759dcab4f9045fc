"""The village-cadre incentive model: construct, schedule, collect (docs/ODD.md §3).

One step is one month from ``start``; the order within a month is written
out once, in :meth:`VillageModel.step`. State lives in the populations of
``sim/agents/`` as arrays, the links between them in :mod:`sim.seats`, and
each process that spans populations in a module of its own: the world and
the village context (:mod:`sim.world`), the value of the post
(:mod:`sim.post`), the promotion round (:mod:`sim.promotion`), elections
(:mod:`sim.elections`), the CGVO programme (:mod:`sim.cgvo_programme`) and
fiscal costs (:mod:`sim.costs`). Policies come from ``sim/policies/``;
outcomes are computed by the reporters of :mod:`sim.outcomes` and collected
by Mesa's ``DataCollector``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import outcomes
from sim.agents.cgvo import Cgvo, Cgvos
from sim.agents.enterprise import Enterprise, Enterprises
from sim.agents.secretary import Secretaries, SecretaryView
from sim.agents.structure import ELEMENTS
from sim.agents.villager import Villager, Villagers
from sim.cgvo_programme import Programme
from sim.community import Communities
from sim.config import RunConfig, resolve
from sim.costs import FiscalCosts
from sim.delegates import Delegates
from sim.democracy import VillageGovernance
from sim.development import VillageDevelopment
from sim.elections import Directors, Elections
from sim.party_education import PartyEducation
from sim.pipeline import Pipeline
from sim.policies import CHANNELS, Policy
from sim.political import PoliticalIncentives
from sim.post import PostValue
from sim.promotion import PromotionRound
from sim.regions import NoRegionalOutcomes, RegionalOutcomes
from sim.seats import Seats
from sim.streams import Streams
from sim.timeline import format_month, month_of_year, parse_month, year_of
from sim.world import World

#: Mesa views of one row of a population, by the ``kind`` of :meth:`VillageModel.agents_for`.
VIEWS = {"villager": Villager, "secretary": SecretaryView, "cgvo": Cgvo, "enterprise": Enterprise}


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
        regions: Also collect the outcomes by region and province (:mod:`sim.regions`) for
            ``outcomes(regions=True)``; off by default (it costs about 2% of a run).
        **levers: Flat lever changes, e.g. ``pay_floor_multiple=1.2`` (for ``mesa.batch_run``).

    Raises:
        ConfigError: for an unknown key or a value out of range, before anything runs.
    """

    def __init__(self, scale: float = 0.01, start: str = "2008-01", end: str = "2012-12",
                 scenario: str = "as_reported", policy: Mapping[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None, run_id: str | None = None,
                 calibration: str | None = "default", *, seed: int = 0, regions: bool = False,
                 **levers: Any) -> None:
        config = resolve(scale=scale, start=start, end=end, scenario=scenario, seed=seed,
                         policy=policy, params=params, flat_levers=levers, calibration=calibration)
        super().__init__(seed=config.seed)
        self.config: RunConfig = config
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.params = p = config.params
        self.policy = Policy.from_levers(config.levers)
        self.streams = s = Streams(config.seed)
        self.start = self.month = parse_month(config.start)
        self.end = parse_month(config.end)
        self.world = w = World(p, self.policy, config.scale, self.start, s)
        self.provinces, self.counties, self.villages, self.economy = (w.provinces, w.counties, w.villages,
                                                                      w.economy)
        self.scale, self.weight = w.scale, w.weight
        self.villagers = Villagers(w.villages.adults, w.weight, int(p.value("village.villagers_per_village")),
                                   p, year_of(self.start), s("build.villagers"))
        self.secretaries = Secretaries(len(w.villages), p, self.start, s("build.secretaries"))
        self.cgvos = Cgvos(p)
        self.seats = Seats(self.secretaries, self.cgvos)
        n_ent = max(1, round(p.value("enterprise.count_in_scope") * config.scale))
        self.enterprises = Enterprises(n_ent, w.enterprise_share, p.value("enterprise.count_in_scope") / n_ent,
                                       p, s("build.enterprises"))
        self.cgvo_programme = Programme(p, self.policy, w, self.cgvos, self.seats, self.enterprises)
        self.cgvo_programme.seed_initial(self.start, s("build.cgvos"))
        self.promotion = PromotionRound(p, self.policy, w)
        self.post = PostValue(p, self.policy, w, self.promotion)
        self.political = PoliticalIncentives(p, w.villages.province, len(w.provinces))
        self.elections = Elections(p, w, self.villagers, self.secretaries, self.cgvos, self.seats, self.post,
                                   Directors.initial(len(w.villages), p, s("build.directors")),
                                   outsider_rng=s("election.outsiders"))
        self.fiscal = FiscalCosts(p, self.policy, w)
        self.development = VillageDevelopment(p, len(w.villages))
        self.party_education = PartyEducation(p, self.policy, len(w.villages), len(self.villagers),
                                              s("build.remote_sites"))
        self.communities = Communities(p, self.policy, w.provinces, config.scale, self.start, s)
        self.delegates = Delegates(p, self.policy, self.political)
        self.governance = VillageGovernance(p, self.policy, len(w.villages), s("build.governance"))
        self.pipeline = Pipeline(p)
        w.refresh(self.start, self.secretaries)
        self.promotion.refresh(year_of(self.start), w.package_in_effect, self.secretaries)
        self.flows: dict[str, float] = {}
        self._views: dict[tuple[str, int], mesa.Agent] = {}
        self.datacollector = mesa.DataCollector(model_reporters=outcomes.reporters())
        self.regional = RegionalOutcomes(w) if regions else NoRegionalOutcomes()

    # ----------------------------------------------------------------- schedule
    def step(self) -> None:
        """Advance one month.

        The order within the month (docs/ODD.md §3):

        1. incomes move (yearly) and, with the package's status, set the year's
           promotion chances; counties implement the package's elements; each
           village's context (incomes, elements in force, pay, first secretaries)
           is refreshed;
        2. villagers age, migrate and move through the party pipeline;
        3. secretaries age, retire normally (departure payments join the fiscal
           bill), and decide to stay or quit on the value of the post;
        4. in the assessment month the annual assessment sets scores and removes
           failures, and provinces honour and nominate the best-scored to
           seats (§7.23); in the training month the serving secretaries the
           party-education programme reaches are trained;
        5. in the promotion month the three channels take their winners;
        6. in village election years, committee elections (secretaries face
           a competitive slate, villagers elect the director, who may be the
           secretary, CGVOs win committee seats); every month, by-elections
           fill vacant posts;
        7. the CGVO programme recruits, CGVOs serve (trained in the training
           month, promoted in the promotion month), and contracts end; the
           party-education programmes count this month's trainees (new
           members every month; secretaries, CGVO members and skills courses
           in the training month) and build remote-education sites; urban
           communities move through their month (§7.20: 三有一化 elements,
           secretaries valued by the village rules, graduates, grid work);
           party-congress delegates act, and the county congress seats CGVOs
           (the secretaries among its delegates are those holding a seat
           from step 4; §7.21); villages take up 四议两公开 and open party
           affairs, faster under abler secretaries (§7.22);
        8. enterprises gain members, receive instructors and organise; the
           national party pipeline counts this month's admissions of every
           channel by age (§7.24; it reads, never writes);
        9. the fiscal cost of each lever is accounted, and the data
           collector records the month.
        """
        s, p, w, secs = self.streams, self.params, self.world, self.secretaries
        month, year, moy = self.month, year_of(self.month), month_of_year(self.month)
        self.flows = flows = dict.fromkeys(outcomes.FLOWS, 0.0)
        self.regional.begin_month()
        if w.begin_month(month, s("county.implement")):                                     # 1
            self.promotion.refresh(year, w.package_in_effect, secs)
        w.refresh(month, secs)

        self.villagers.age_one_month(year, s("villager.ageing"))                             # 2
        self.villagers.migrate(w.economy.migrant_income, w.labour_income, s("villager.migration"))
        admitted, young = self.villagers.join_party()
        flows["party_admissions_rural"] = admitted * self.weight
        flows["party_admissions_rural_under35"] = young * self.weight

        secs.age_one_month()                                                                 # 3
        leaving = secs.leave_normally(self.policy.retirement.age, s("secretary.retirement"))
        flows["departure_one_off_yuan"] = self.fiscal.departures(leaving, secs.tenure[leaving])
        flows["secretary_normal_departures"] = len(leaving) * self.weight
        self.seats.vacate(leaving)
        self.post_value = self.post.holders(secs)
        quitting = secs.draw_quits(self.post_value / w.village_income, s("secretary.quit"),
                                   s("secretary.quit.fine"))
        flows["secretary_quits"] = len(quitting) * self.weight
        self.regional.event("secretary_quits", quitting)
        flows["secretary_quits_age55plus"] = float((secs.age[quitting] >= 55).sum()) * self.weight
        self.seats.vacate(quitting)

        if moy == int(p.value("secretary.assessment_month")):                                # 4
            support = w.first_secretary_present * p.value("first_secretary.support")
            score = secs.assess(self.policy.assessment.weights, support, s("secretary.assessment"))
            removed = np.flatnonzero(self.policy.assessment.apply(score, secs.filled))
            flows["secretary_removals"] = len(removed) * self.weight
            self.seats.vacate(removed)
            honoured, nominated = self.political.award(month, secs, s("secretary.political"))
            flows["secretary_honours"] = len(honoured) * self.weight
            flows["secretary_nominations"] = len(nominated) * self.weight
        if moy == int(p.value("secretary.training_month")):
            self.party_education.train_secretaries(month, secs, s("party_education.secretary_reach"))
        if moy == int(p.value("secretary.promotion_month")):                                 # 5
            for channel, winners in self.promotion.hold(secs, s("secretary.promotion")).items():
                flows[f"promotions_{channel}"] = len(winners) * self.weight
                self.regional.event(f"promotions_{channel}", winners)
                self.seats.vacate(winners)

        if moy == int(p.value("election.village_month")) and (                               # 6
                (year - int(p.value("election.village_first_year"))) % 3 == 0):
            lost = self.elections.hold(month, s("election.village"), s("election.director"))
            flows["secretary_lost_elections"] = len(lost) * self.weight
            flows["secretary_entrants"] += len(lost) * self.weight
            won = self.cgvo_programme.elect_to_committees(month, s("cgvo.committees"))
            flows["cgvo_committee_wins"] = len(won) * self.weight
        filled = self.elections.fill_vacancies(month, s("election.vacancy"), s("election.director"))
        flows["secretary_entrants"] += len(filled) * self.weight

        for name, count in self.cgvo_programme.step(month, s).items():                      # 7
            flows[name] = count * self.weight
        self.party_education.step(month, secs, self.cgvos, self.villagers, admitted)
        self.communities.step(month)
        self.delegates.step(month, self.cgvos, self.scale)
        self.governance.step(month, secs, s("democracy.village"))
        self._enterprises(month)                                                             # 8
        self._develop()
        v = self.villagers                                                           # the national
        self.pipeline.step(v.admitted * self.weight, v.age, self.flows["enterprise_admissions"],  # pipeline
                           float(np.multiply(v.applicant, v.weight).sum(dtype=np.float64)),
                           float(np.multiply(v.activist, v.weight).sum(dtype=np.float64)))
        self.costs = self.fiscal.account(secs, self.cgvos, self.instructor_stock,            # 9
                                         flows["departure_one_off_yuan"])
        self.datacollector.collect(self)
        self.regional.collect(self)
        self.month += 1
        if self.month > self.end:
            self.running = False

    def _enterprises(self, month: int) -> None:
        """Instructors and campaigns of the month (§7.16): members, instructors, organising."""
        s = self.streams
        ent = self.enterprises
        stock, campaign = self.policy.enterprise.apply(month, self.world.enterprise_share,
                                                       self.provinces.names)
        self.instructor_stock = float(stock.sum())
        target = stock * self.params.value("enterprise.firms_per_instructor") / ent.weight
        ent.assign_instructors(target, s("enterprise.instructors"))
        self.flows["enterprise_admissions"] = ent.gain_members(campaign, s("enterprise.members")) * ent.weight
        own, joint = ent.organise(campaign, s("enterprise.organise"))
        self.flows["enterprise_orgs_formed"] = (own + joint) * ent.weight

    def _develop(self) -> None:
        """Village development with its secretary, first secretary and CGVO venture (§7.18)."""
        c, secs = self.cgvos, self.secretaries
        village = self.seats.cgvo_village
        running = c.in_post & c.venture & (village >= 0)
        jobs = np.bincount(village[running], weights=c.jobs[running], minlength=len(self.villages))
        population = self.villages.adults / self.params.value("national.adult_share")
        self.development.step(secs.filled, secs.ability, self.world.first_secretary_present, jobs,
                              population)

    def run(self) -> pd.DataFrame:
        """Run to ``end``; return the tidy outcome table."""
        while self.running:
            self.step()
        return self.outcomes()

    # ----------------------------------------------------------------- outputs
    def outcomes(self, regions: bool = False) -> pd.DataFrame:
        """Tidy outcome table: ``run_id, scenario, seed, date, measure, value`` (national totals).

        With ``regions``, a ``region`` column follows ``measure``: ``national`` for the
        national rows (the same values), then ``east``, ``central``, ``west`` and each
        province for the measures of :data:`sim.regions.MEASURES` (the model must be
        built with ``regions=True``; otherwise a ConfigError says so).
        """
        wide = self.datacollector.get_model_vars_dataframe()
        dates = [format_month(m) for m in range(self.start, self.start + len(wide))]
        wide.index = pd.Index(dates, name="date")
        long = wide.reset_index().melt(id_vars="date", var_name="measure", value_name="value")
        long.insert(0, "seed", self.config.seed)
        long.insert(0, "scenario", self.config.scenario)
        long.insert(0, "run_id", self.run_id)
        long["value"] = long["value"].astype(float)
        long = long[["run_id", "scenario", "seed", "date", "measure", "value"]]
        if not regions:
            return long
        long.insert(5, "region", "national")
        by_region = self.regional.table(self.run_id, self.config.scenario, self.config.seed, self.start)
        return pd.concat([long, by_region], ignore_index=True)

    def agents_for(self, kind: str, rows: np.ndarray | list[int]) -> list[mesa.Agent]:
        """Mesa agents viewing the given rows of a population (inspection, classroom).

        ``kind`` is one of ``villager``, ``secretary``, ``cgvo``, ``enterprise``. A row's
        view is made (and registered with Mesa) once; later calls return the same agent.
        """
        cls = VIEWS[kind]
        views = []
        for row in rows:
            key = (kind, int(row))
            if key not in self._views:
                self._views[key] = cls(self, int(row))
            views.append(self._views[key])
        return views

    def secretary_post_value(self) -> np.ndarray:
        """Yearly value of the post to each sitting secretary now (yuan; see :mod:`sim.post`)."""
        return self.post.holders(self.secretaries)

    @property
    def village_income(self) -> np.ndarray:
        """Rural per-capita net income of each village this month (yuan/year)."""
        return self.world.village_income

    @property
    def pay(self) -> np.ndarray:
        """Total pay of each village's secretary post this month (yuan/year)."""
        return self.world.pay

    @property
    def village_cgvo(self) -> np.ndarray:
        """CGVO row posted in each village, or -1 (read-only; see :mod:`sim.seats`)."""
        return self.seats.village_cgvo

    @property
    def date(self) -> str:
        """The month the next step will simulate, ``YYYY-MM``."""
        return format_month(self.month)


__all__ = ["CHANNELS", "ELEMENTS", "VillageModel"]
