"""Outcome measures (docs/ODD.md §4.11): reporters that compute national aggregates each month.

Every measure is a snake_case name with its unit; counts and money are
weighted to national totals. Flows are what happened during the month
(recorded by the model as it schedules), stocks are read from the
populations' arrays. Agents never keep model-wide counters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.adoption import COMPLETE_LISTS
from sim.agents.cgvo import CAREER, ROLE, ROUTES
from sim.agents.enterprise import JOINT, OWN
from sim.agents.secretary import ORIGIN
from sim.agents.structure import ELEMENTS, REGIONS
from sim.community import FUNDS as COMMUNITY_FUNDS
from sim.delegates import ACTIVITIES as DELEGATE_ACTIVITIES
from sim.party_education import GROUPS as TRAINING_GROUPS
from sim.pipeline import reporters as pipeline_reporters
from sim.policies import CHANNELS
from sim.policies.community import ELEMENTS as COMMUNITY_ELEMENTS
from sim.policies.delegates import LEVELS as CONGRESS_LEVELS

#: Monthly flows the model records while it schedules (national counts unless the name says).
FLOWS = (
    "secretary_quits", "secretary_quits_age55plus", "secretary_normal_departures",
    "secretary_removals", "secretary_lost_elections", "secretary_entrants",
    "secretary_honours", "secretary_nominations",
    *(f"promotions_{c}" for c in CHANNELS),
    "cgvo_applicants", "cgvo_recruits", "cgvo_ventures_started", "cgvo_committee_wins",
    "cgvo_township_leadership_entries", "cgvo_county_department_entries", "cgvo_reserve_listings",
    "cgvo_county_reserve_listings",
    "enterprise_admissions", "enterprise_orgs_formed", "party_admissions_rural",
    "party_admissions_rural_under35",
    "departure_one_off_yuan",
)

#: Flows reported as they are, with their unit in the name.
_REPORTED_FLOWS = {
    "secretary_quits": "secretary_quits_per_month",
    "secretary_normal_departures": "secretary_normal_departures_per_month",
    "secretary_removals": "secretary_removals_per_month",
    "secretary_lost_elections": "secretary_lost_elections_per_month",
    "secretary_entrants": "secretary_entrants_per_month",
    "secretary_honours": "secretary_honours_per_month",
    "secretary_nominations": "secretary_nominations_per_month",
    **{f"promotions_{c}": f"promotions_{c}_per_month" for c in CHANNELS},
    "cgvo_applicants": "cgvo_applicants_per_month",
    "cgvo_recruits": "cgvo_recruits_per_month",
    "cgvo_ventures_started": "cgvo_ventures_started_per_month",
    **{f"cgvo_{f}": f"cgvo_{f}_per_month" for f in (
        "township_leadership_entries", "county_department_entries", "reserve_listings",
        "county_reserve_listings")},
    "enterprise_admissions": "enterprise_admissions_per_month",
    "party_admissions_rural": "party_admissions_rural_per_month",
}


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    """Mean of ``values`` where ``mask`` holds (NaN where it never holds)."""
    count = np.count_nonzero(mask)
    if not count:
        return float("nan")
    return float(np.multiply(values, mask, dtype=np.float32).sum(dtype=np.float64)) / count


def _secretary_reporters() -> dict[str, Callable]:
    def quit_rate(m) -> float:
        serving = m.secretaries.filled.sum() * m.weight + m.flows["secretary_quits"]
        return 12.0 * m.flows["secretary_quits"] / max(serving, 1.0)

    def quit_rate_old(m) -> float:
        serving = (m.secretaries.filled & (m.secretaries.age >= 55)).sum() * m.weight
        serving += m.flows["secretary_quits_age55plus"]
        return 12.0 * m.flows["secretary_quits_age55plus"] / max(serving, 1.0)

    def recent(m):
        s = m.secretaries
        return s.filled & (s.entered > m.month - 12)

    def origin_share(name):
        return lambda m: _mean(m.secretaries.origin == ORIGIN[name], recent(m))

    def origin_count(name):
        return lambda m: float(np.count_nonzero((m.secretaries.origin == ORIGIN[name]) & recent(m))
                               * m.weight)

    return {
        "secretary_quit_rate_per_year": quit_rate,
        "secretary_quit_rate_age55plus_per_year": quit_rate_old,
        "secretary_vacancy_rate": lambda m: float(1.0 - m.secretaries.filled.mean()),
        "secretaries_serving": lambda m: float(m.secretaries.filled.sum() * m.weight),
        "secretary_mean_tenure_years": lambda m: _mean(m.secretaries.tenure, m.secretaries.filled),
        "secretary_mean_age_years": lambda m: _mean(m.secretaries.age, m.secretaries.filled),
        "secretary_college_share": lambda m: _mean(m.secretaries.college, m.secretaries.filled),
        "secretary_capable_share": lambda m: float(m.secretaries.capable().mean()),
        "secretary_pay_to_income_ratio": lambda m: _mean(m.pay / m.village_income,
                                                         m.secretaries.filled),
        "secretary_pay_yuan_per_year": lambda m: _mean(m.pay, m.secretaries.filled),
        "secretary_post_value_yuan_per_year": lambda m: _mean(m.post_value, m.secretaries.filled),
        "secretaries_holding_seats": lambda m: float(m.political.holding(m.month, m.secretaries).sum()
                                                     * m.weight),
        "secretary_entrant_age_years": lambda m: _mean(m.secretaries.age - m.secretaries.tenure,
                                                       recent(m)),
        "secretary_entrant_college_share": lambda m: _mean(m.secretaries.college, recent(m)),
        **{f"secretary_entrant_{o}_share": origin_share(o)
           for o in ("capable_earner", "returned_migrant", "veteran", "cgvo", "retired_cadre",
                     "enterprise_manager", "other_member")},
        **{f"secretary_entrants_{o}": origin_count(o) for o in ("retired_cadre", "enterprise_manager")},
    }


def _county_reporters() -> dict[str, Callable]:
    def share(element):
        return lambda m: float(m.counties.implemented[element].mean())

    def complete(element):
        return lambda m: float(m.counties.provinces_complete(element))

    def listed_complete(element):
        return lambda m: float(m.world.reported_lists.listed_complete(element))

    def other_share(element):
        return lambda m: m.world.reported_lists.other_share(element)

    return {**{f"county_share_{e}": share(e) for e in ELEMENTS},
            **{f"provinces_all_counties_{e}": complete(e) for e in ELEMENTS},
            **{f"provinces_listed_all_counties_{e}": listed_complete(e) for e in COMPLETE_LISTS},
            **{f"county_share_{e}_other_provinces": other_share(e) for e in COMPLETE_LISTS},
            "provinces_documented": lambda m: float(m.world.documents.in_force.sum())}


def _cgvo_reporters() -> dict[str, Callable]:
    def count(mask_fn):
        return lambda m: float(mask_fn(m.cgvos).sum() * m.weight)

    def exits(route):
        code = ROUTES.index(route)
        return count(lambda c: c.route == code)

    def role(name):
        return count(lambda c: c.in_post & (c.role == ROLE[name]))

    def career(name):
        code = CAREER[name]
        return count(lambda c: c.career == code)

    return {
        "cgvo_in_post": count(lambda c: c.in_post),
        "cgvo_recruited_cumulative": lambda m: float(len(m.cgvos) * m.weight),
        "cgvo_completed_service_cumulative": count(lambda c: c.completed),
        **{f"cgvo_exits_{r}_cumulative": exits(r) for r in ROUTES},
        "cgvo_in_two_committees": count(lambda c: c.in_post & (c.role > ROLE["none"])),
        "cgvo_as_secretary": role("secretary"),
        "cgvo_as_director": role("director"),
        "cgvo_as_deputy": role("deputy"),
        "cgvo_venturing": count(lambda c: c.in_post & c.venture),
        "cgvo_cooperatives": count(lambda c: c.in_post & c.cooperative),
        "cgvo_venture_jobs": lambda m: float(m.cgvos.jobs[m.cgvos.in_post].sum() * m.weight),
        "cgvo_reserve_listed": count(lambda c: c.in_post & c.reserve),
        "cgvo_degree_share": lambda m: _mean(m.cgvos.degree, m.cgvos.in_post),
        "cgvo_party_share": lambda m: _mean(m.cgvos.party, m.cgvos.in_post),
        "cgvo_elite_share": lambda m: _mean(m.cgvos.elite, m.cgvos.in_post),
        "cgvo_village_coverage_share": lambda m: float((m.village_cgvo >= 0).mean()),
        "cgvo_provincial_in_post": count(lambda c: c.in_post & c.provincial),
        "cgvo_long_term_share": lambda m: _mean(m.cgvos.term > m.policy.cgvo.contract_years,
                                                m.cgvos.in_post),
        **{f"cgvo_in_{k}": career(k) for k in CAREER if k != "none"},
        "cgvo_on_township_reserve": count(lambda c: c.reserve),
        "cgvo_on_county_reserve": count(lambda c: c.county_reserve),
    }


#: The two committees' shares (§7.15.12): each measure's numerator and denominator among the sums
#: of :func:`two_committee_sums`; national (:mod:`sim.outcomes`) and by province (:mod:`sim.regions`).
COMMITTEE_SHARES = {
    "two_committees_cgvo_share": ("cgvos", "members"),
    "two_committees_college_share": ("college", "members"),
    "two_committees_mean_age": ("age", "aged"),
    "two_committees_under35_share": ("under35", "aged"),
}


def two_committee_sums(m, by_province: bool = False) -> dict[str, np.ndarray | float]:
    """Sums over the village two committees as the model holds them (§7.15.12), unweighted.

    Members are the secretaries, the directors who do not also hold the
    secretary's post, and the serving CGVOs holding another committee seat
    (member, deputy, director); a CGVO secretary counts once, as secretary.
    CGVOs are all college graduates. Ages are held for secretaries and CGVOs
    only, so ``aged``, ``age`` and ``under35`` count those two. With
    ``by_province``, every sum is an array over provinces.
    """
    secs, d, c = m.secretaries, m.elections.directors, m.cgvos
    sec = secs.filled
    dirs = d.filled & ~m.elections.both_posts()
    cgvo = np.flatnonzero(c.in_post & (c.role > ROLE["none"]) & (c.role != ROLE["secretary"]))
    cgvo_age = m.params.value("cgvo.age_at_recruitment") + (m.month - c.cohort[cgvo]) / 12.0
    if by_province:
        n = len(m.provinces.names)
        vprov, cprov = m.villages.province, c.province[cgvo]

        def village(mask, weights=None):
            return np.bincount(vprov, weights=mask if weights is None else mask * weights, minlength=n)

        def cgvos(values=None):
            return np.bincount(cprov, weights=None if values is None else values.astype(np.float64),
                               minlength=n)
    else:
        def village(mask, weights=None):
            return float(np.count_nonzero(mask) if weights is None
                         else np.multiply(weights, mask, dtype=np.float64).sum())

        def cgvos(values=None):
            return float(len(cgvo_age) if values is None else values.sum(dtype=np.float64))
    young = cgvo_age < 35
    return {
        "members": village(sec) + village(dirs) + cgvos(),
        "cgvos": village(sec & (m.seats.secretary_cgvo >= 0)) + cgvos(),
        "college": village(sec & secs.college) + village(dirs & d.college) + cgvos(),
        "aged": village(sec) + cgvos(),
        "age": village(sec, secs.age) + cgvos(cgvo_age),
        "under35": village(sec & (secs.age < 35)) + cgvos(young),
    }


def _committee_reporters() -> dict[str, Callable]:
    """Who sits in the village two committees (§7.15.12).

    The five measures share one pass over the populations a month: the sums
    are kept for the model and month they were taken in (the collector reads
    every measure of a month at once).
    """
    last: dict = {}

    def sums_of(m) -> dict:
        key = (id(m), m.month)
        if last.get("key") != key:
            last["key"], last["sums"] = key, two_committee_sums(m)
        return last["sums"]

    def ratio(numerator: str, denominator: str) -> Callable:
        def share(m) -> float:
            sums = sums_of(m)
            return sums[numerator] / sums[denominator] if sums[denominator] else float("nan")
        return share

    return {
        "two_committees_members": lambda m: sums_of(m)["members"] * m.weight,
        **{name: ratio(*pair) for name, pair in COMMITTEE_SHARES.items()},
    }


def _enterprise_reporters() -> dict[str, Callable]:
    def covered(m):
        return m.enterprises.org != 0

    def orgs(m):
        e = m.enterprises
        joint = (e.org == JOINT).sum() / m.params.value("enterprise.firms_per_joint_org")
        return float(((e.org == OWN).sum() + joint) * e.weight)

    return {
        "enterprise_coverage_share": lambda m: float(covered(m).mean()),
        "enterprises_covered": lambda m: float(covered(m).sum() * m.enterprises.weight),
        "enterprise_party_orgs": orgs,
        "enterprise_party_members": lambda m: float(m.enterprises.members.sum() * m.enterprises.weight),
        "enterprise_member_employee_share": lambda m: float(
            m.enterprises.members.sum() / m.enterprises.employees.sum()),
        "enterprise_instructors": lambda m: float(m.instructor_stock),
    }


def _villager_reporters() -> dict[str, Callable]:
    def weighted(state):
        return lambda m: float(np.multiply(m.villagers.weight, getattr(m.villagers, state)).sum(
            dtype=np.float64))

    return {
        "villager_income_yuan_per_year": lambda m: float(
            (m.village_income * m.villages.adults).sum() / m.villages.adults.sum()),
        "villager_migrant_share": lambda m: float(
            np.multiply(m.villagers.weight, m.villagers.migrant).sum(dtype=np.float64)
            / m.villagers.weight.sum(dtype=np.float64)),
        "party_applicants_rural": weighted("applicant"),
        "party_activists_rural": weighted("activist"),
        "party_members_rural": weighted("member"),
        "party_admissions_rural_under35_share": lambda m: (
            m.flows["party_admissions_rural_under35"] / m.flows["party_admissions_rural"]
            if m.flows["party_admissions_rural"] > 0 else float("nan")),
    }


def _development_reporters() -> dict[str, Callable]:
    def by_adults(values_fn, region=None):
        def reporter(m) -> float:
            adults = m.villages.adults
            if region is not None:
                adults = adults * (m.provinces.region[m.villages.province] == region)
            return float((values_fn(m) * adults).sum() / max(adults.sum(), 1e-12))
        return reporter

    def premium_percent(m):
        return 100.0 * np.expm1(m.development.premium)

    return {
        "village_development_income_premium_percent": by_adults(premium_percent),
        **{f"village_development_income_premium_percent_{name}": by_adults(premium_percent, code)
           for code, name in enumerate(REGIONS)},
        "village_development_income_premium_yuan_per_year": by_adults(
            lambda m: m.village_income * np.expm1(m.development.premium)),
        "village_development_growth_percent_per_year": by_adults(
            lambda m: 100.0 * m.development.growth_last_year),
        "secretary_villager_rating_share": lambda m: _mean(m.development.rating(),
                                                           m.secretaries.filled),
    }


def _cost_reporters() -> dict[str, Callable]:
    def cost(name):
        return lambda m: float(m.costs[name])

    names = ("pay_floor", "other_cadre_pay", "pension", "departure_subsidy", "training",
             "cgvo_subsidy", "cgvo_training", "instructors")
    return {f"cost_{n}_yuan_per_year": cost(n) for n in names}


def _party_education_reporters() -> dict[str, Callable]:
    def times(group):
        return lambda m: float(m.party_education.person_times[group] * m.weight)

    return {
        **{f"training_person_times_{g}_per_month": times(g) for g in TRAINING_GROUPS},
        "training_person_days_per_month": lambda m: float(m.party_education.person_days * m.weight),
        "party_education_cost_yuan_per_month": lambda m: float(m.party_education.cost_yuan * m.weight),
        "remote_education_village_share": lambda m: float(m.party_education.site.mean()),
        "party_members_rural_skills_trained": lambda m: float(
            m.party_education.skills_trained_people(m.villagers) * m.weight),
        "skills_training_extra_earnings_yuan_per_year": lambda m: float(
            m.party_education.skills_earnings_yuan_per_year(m.villagers, m.world.labour_income) * m.weight),
    }


def _community_reporters() -> dict[str, Callable]:
    """Urban communities (§7.20): 三有一化 elements, secretaries, funds, grid work."""
    def c(m):
        return m.communities

    def has(element):
        return lambda m: float(c(m).has[element].mean())

    def flow(name):
        return lambda m: float(c(m).flows[name] * c(m).weight)

    def secretary_mean(values_fn):
        return lambda m: c(m).secretary_mean(values_fn(c(m)))

    def fund(name):
        return lambda m: float(c(m).funds()[name].mean())

    def quit_rate(m) -> float:
        k = c(m)
        return 12.0 * k.flows["quits"] / max(float(k.filled.sum()) + k.flows["quits"], 1.0)

    return {
        **{f"community_share_{e}": has(e) for e in COMMUNITY_ELEMENTS},
        "community_secretaries_serving": lambda m: float(c(m).filled.sum() * c(m).weight),
        "community_secretary_vacancy_rate": lambda m: float(1.0 - c(m).filled.mean()),
        "community_secretary_college_share": secretary_mean(lambda k: k.college),
        "community_secretary_under35_share": secretary_mean(lambda k: k.age < 35),
        "community_secretary_mean_age_years": secretary_mean(lambda k: k.age),
        "community_secretary_graduate_share": secretary_mean(lambda k: k.graduate),
        "community_secretary_pay_to_wage_ratio": secretary_mean(
            lambda k: k.pay(slice(None), k.establishment)[1] / k.wage),
        "community_secretary_post_value_yuan_per_year": secretary_mean(lambda k: k.value),
        "community_secretary_quit_rate_per_year": quit_rate,
        "community_secretaries_in_establishment": lambda m: float(
            (c(m).filled & c(m).establishment).sum() * c(m).weight),
        "community_secretary_entrants_per_month": flow("entrants"),
        "community_graduates_in_post": lambda m: float(c(m).graduates.sum() * c(m).weight),
        **{f"community_funds_{f}_yuan_per_year": fund(f) for f in COMMUNITY_FUNDS},
        "community_funds_yuan_per_year": lambda m: float(sum(c(m).funds().values()).mean()),
        "community_households_visited_share": lambda m: float(
            (c(m).visited * c(m).households).sum() / c(m).households.sum()),
        "community_pledged_tasks_per_month": flow("pledged_tasks"),
        "community_problems_solved_per_month": flow("solved"),
        "community_petitions_per_month": flow("petitions"),
    }


def _delegate_reporters() -> dict[str, Callable]:
    """Party-congress delegates (§7.21): acts by level, liaison offices, village cadres as delegates."""
    def acts(activity, level):
        return lambda m: float(m.delegates.flows[f"{activity}_{level}"])

    def offices(level):
        return lambda m: float(m.delegates.units[level]["liaison"])

    return {
        **{f"delegate_{a}_{lv}_per_month": acts(a, lv) for a in DELEGATE_ACTIVITIES for lv in CONGRESS_LEVELS},
        **{f"delegate_liaison_offices_{lv}": offices(lv) for lv in CONGRESS_LEVELS},
        "delegates_village_secretaries": lambda m: float(
            m.delegates.secretaries_as_delegates(m.secretaries) * m.weight),
        "delegates_cgvos": lambda m: float(m.delegates.cgvos_as_delegates(m.cgvos) * m.weight),
    }


def _governance_reporters() -> dict[str, Callable]:
    """Village governance (§7.22): 四议两公开 and open party affairs, and their tie to the secretary."""
    def count(practice):
        return lambda m: float(m.governance.uses[practice].sum() * m.weight)

    def share_by_capable(capable):
        def reporter(m) -> float:
            secs = m.secretaries.capable() if capable else (m.secretaries.filled & ~m.secretaries.capable())
            return _mean(m.governance.uses["four_deliberations"], secs)
        return reporter

    return {
        "villages_four_deliberations": count("four_deliberations"),
        "villages_open_party_affairs_share": lambda m: float(m.governance.uses["open_affairs"].mean()),
        "four_deliberations_share_capable_secretary": share_by_capable(True),
        "four_deliberations_share_other_secretary": share_by_capable(False),
    }


def _election_reporters() -> dict[str, Callable]:
    """The two posts of the village and the last committee election (§7.12)."""
    def last_share(numerator: str, denominator: str) -> Callable:
        def share(m) -> float:
            last = m.elections.last
            return last[numerator] / last[denominator] if last.get(denominator) else float("nan")
        return share

    def both_posts_people(province: str) -> Callable:
        def people(m) -> float:
            here = m.villages.province == m.provinces.names.index(province)
            secs, d = m.secretaries, m.elections.directors
            holders = secs.filled[here].sum() + d.filled[here].sum() - m.elections.both_posts()[here].sum()
            return float(holders) * m.weight
        return people

    return {
        "director_vacancy_rate": lambda m: float(1.0 - m.elections.directors.filled.mean()),
        "one_shoulder_share": lambda m: float(m.elections.both_posts().mean()),
        "secretary_reelected_share": last_share("secretary_reelected", "secretary_standing"),
        "secretary_competitive_election_share": last_share("competitive", "secretary_standing"),
        "director_reelected_share": last_share("director_reelected", "director_sitting"),
        "secretary_or_director_people_shanxi": both_posts_people("Shanxi"),
    }


def reporters() -> dict[str, Callable]:
    """All model reporters for Mesa's ``DataCollector``, by measure name."""
    def flow(key: str) -> Callable:
        return lambda m: float(m.flows[key])

    flows = {name: flow(key) for key, name in _REPORTED_FLOWS.items()}
    return {
        **_secretary_reporters(), **flows, **_county_reporters(), **_cgvo_reporters(),
        **_enterprise_reporters(), **_villager_reporters(), **_cost_reporters(),
        **_development_reporters(),
        **_party_education_reporters(), **_community_reporters(), **_delegate_reporters(),
        **_governance_reporters(), **pipeline_reporters(),
        **_election_reporters(), **_committee_reporters(),
    }
