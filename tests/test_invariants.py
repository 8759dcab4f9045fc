"""Invariants of a run, checked after every monthly step.

One run (scale 0.005, 2008-01..2012-12) is stepped month by month; after each
step every check below inspects the populations' arrays and the month's
reporter values and records what it finds wrong. The tests then assert that
each check found nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pytest

from sim import VillageModel
from sim.agents.cgvo import CAREER, CAREERS, ROLE, ROLES, ROUTES
from sim.agents.enterprise import JOINT, NONE, OWN
from sim.outcomes import reporters, two_committee_sums
from sim.timeline import format_month, parse_month

SCALE, START, END, SEED = 0.005, "2008-01", "2012-12", 11
SECRETARY = ROLE["secretary"]
#: Float32 state: shares may overshoot their bound by rounding only.
F32_TOL = 1e-5

Check = Callable[[VillageModel, int], list[str]]
CHECKS: dict[str, Check] = {}


def check(fn: Check) -> Check:
    CHECKS[fn.__name__] = fn
    return fn


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask)
    return f"{len(rows)} rows, e.g. {rows[:limit].tolist()}"


# ---------------------------------------------------------------- secretaries and CGVOs
@check
def one_secretary_per_village(m: VillageModel, month: int) -> list[str]:
    secs, cg = m.secretaries, m.cgvos
    out = []
    if len(secs) != len(m.villages):
        out.append(f"{len(secs)} secretary slots for {len(m.villages)} villages")
    seated = np.flatnonzero(cg.in_post & (cg.role == SECRETARY))
    villages, counts = np.unique(cg.village[seated], return_counts=True)
    if (counts > 1).any():
        out.append(f"villages with two CGVO secretaries in post: {villages[counts > 1][:5]}")
    if (cg.village[seated] < 0).any():
        out.append("a CGVO secretary in post without a village")
    slot = np.flatnonzero(secs.cgvo >= 0)
    rows = secs.cgvo[slot]
    if (rows >= len(cg)).any():
        out.append("secretary slot points past the CGVO rows")
        return out
    bad = ~(cg.in_post[rows] & (cg.role[rows] == SECRETARY) & (cg.village[rows] == slot)
            & secs.filled[slot])
    if bad.any():
        out.append(f"slot -> CGVO not an in-post secretary of that village: {slot[bad][:5]}")
    if len(np.unique(rows)) != len(rows):
        out.append("one CGVO holds two secretary slots")
    ok = cg.village[seated] >= 0
    referenced = np.zeros(len(seated), bool)
    referenced[ok] = secs.cgvo[cg.village[seated][ok]] == seated[ok]
    if not referenced.all():
        out.append(f"in-post CGVO secretaries not referenced by their village's slot: "
                   f"{seated[~referenced][:5]}")
    return out


@check
def cgvo_exits_consistent(m: VillageModel, month: int) -> list[str]:
    cg = m.cgvos
    out = []
    exited = cg.route >= 0
    if (cg.in_post == exited).any():
        out.append(f"in_post XOR exited broken: {_rows(cg.in_post == exited)}")
    if ((cg.exit_month >= 0) != exited).any():
        out.append(f"exit_month set iff exited broken: {_rows((cg.exit_month >= 0) != exited)}")
    if ((cg.route < -1) | (cg.route >= len(ROUTES))).any():
        out.append(f"route code out of range: {np.unique(cg.route).tolist()}")
    if (exited & ((cg.exit_month > month) | (cg.exit_month < cg.cohort))).any():
        out.append("exit month outside [cohort, current month]")
    ended = cg.in_post & (cg.contract_end <= month)
    if ended.any():
        out.append(f"in post with a contract that has ended: {_rows(ended)}")
    if ((cg.role < 0) | (cg.role >= len(ROLES))).any():
        out.append("role code out of range")
    if (cg.cohort > month).any():
        out.append("CGVO recruited in the future")
    return out


@check
def cgvo_careers_consistent(m: VillageModel, month: int) -> list[str]:
    """Careers after the village (docs/ODD.md §7.15.8, §7.15.11)."""
    cg = m.cgvos
    out = []
    career = cg.career
    if ((career < 0) | (career >= len(CAREERS))).any():
        out.append("career code out of range")
    if (cg.in_post & (career != CAREER["none"])).any():
        out.append(f"a career post while in the village post: {_rows(cg.in_post & (career != 0))}")
    civil = career == CAREER["township_civil_service"]
    if (civil & (cg.route != ROUTES.index("civil_service"))).any():
        out.append("township civil service without the civil-service exit")
    later = (career == CAREER["township_leadership"]) | (career == CAREER["county_department"])
    if (later & ~np.isin(cg.route, [ROUTES.index("civil_service"), ROUTES.index("township_leadership")])).any():
        out.append("township or county leadership reached by neither the exam nor a promotion")
    if (cg.county_reserve & ~(cg.reserve | later)).any():
        out.append("a county reserve cadre neither on the township list nor in leadership")
    if ((cg.term < 1) | (cg.provincial & (cg.cohort >= m.start))).any():
        out.append("a term under a year, or a provincial cohort after the start")
    return out


@check
def cgvo_village_links(m: VillageModel, month: int) -> list[str]:
    cg = m.cgvos
    out = []
    linked = np.flatnonzero(m.village_cgvo >= 0)
    rows = m.village_cgvo[linked]
    if not (cg.in_post[rows] & (cg.village[rows] == linked)).all():
        out.append("village_cgvo points at a CGVO not in post in that village")
    if (cg.village >= len(m.villages)).any():
        out.append("CGVO village index past the villages")
    has_villages = np.bincount(m.villages.province, minlength=len(m.provinces)) > 0
    unposted = cg.in_post & (cg.village < 0) & has_villages[cg.province]
    if unposted.any():
        out.append(f"in-post CGVOs without a village where the province has some: "
                   f"{_rows(unposted)}")
    if ((cg.jobs < 0) | (~cg.venture & (cg.jobs != 0)) | (~cg.venture & cg.cooperative)).any():
        out.append("venture jobs/cooperative without a venture, or negative jobs")
    return out


# ---------------------------------------------------------------- stocks
@check
def secretaries_nonnegative(m: VillageModel, month: int) -> list[str]:
    s = m.secretaries
    out = []
    if not (s.age > 0).all():
        out.append("secretary age <= 0")
    if not (s.tenure >= 0).all():
        out.append("negative tenure")
    filled = s.filled
    young = filled & ((s.age < 18) | (s.tenure > s.age - 18))
    if young.any():
        out.append(f"serving secretary under 18 or tenure since before 18: {_rows(young)}")
    if (s.entered[filled] > month).any():
        out.append("a secretary entered in the future")
    if not np.isfinite(m.pay).all() or (m.pay < 0).any():
        out.append("pay negative or not finite")
    return out


@check
def villagers_in_range(m: VillageModel, month: int) -> list[str]:
    v = m.villagers
    out = []
    max_age = m.params.value("villager.max_age")
    if ((v.age < 18) | (v.age > max_age)).any():
        out.append(f"villager age outside [18, {max_age}]")
    for name in ("applicant", "activist", "member"):
        share = getattr(v, name)
        if ((share < -F32_TOL) | (share > 1 + F32_TOL) | ~np.isfinite(share)).any():
            out.append(f"villager {name} share outside [0, 1]: {share.min()}..{share.max()}")
    total = v.applicant + v.activist + v.member
    if (total > 1 + F32_TOL).any():
        out.append(f"party shares sum above 1: max {total.max()}")
    if not ((v.people > 0).all() and (v.weight > 0).all()):
        out.append("villager rows with no people or no weight")
    return out


@check
def enterprises_nonnegative(m: VillageModel, month: int) -> list[str]:
    e = m.enterprises
    out = []
    if (e.employees < 1).any():
        out.append("enterprise with fewer than one employee")
    if (e.members < 0).any():
        out.append("negative party members")
    if (e.members != np.floor(e.members)).any():
        out.append("fractional party members")
    if not np.isin(e.org, [NONE, JOINT, OWN]).all():
        out.append("unknown organisation code")
    return out


@check
def costs_and_flows_nonnegative(m: VillageModel, month: int) -> list[str]:
    out = [f"cost {k} = {v}" for k, v in m.costs.items() if not (math.isfinite(v) and v >= 0)]
    out += [f"flow {k} = {v}" for k, v in m.flows.items() if not (math.isfinite(v) and v >= 0)]
    return out


# ---------------------------------------------------------------- weights
@check
def weights_sum_to_national_counts(m: VillageModel, month: int) -> list[str]:
    p = m.params
    out = []
    n_vill = len(m.villages)
    if not math.isclose(m.villages.weight * n_vill, p.value("national.villages"), rel_tol=1e-12):
        out.append(f"village weight x n = {m.villages.weight * n_vill}")
    if m.weight != m.villages.weight:
        out.append("model weight differs from village weight")
    ent = m.enterprises
    if not math.isclose(ent.weight * len(ent), p.value("enterprise.count_in_scope"), rel_tol=1e-12):
        out.append(f"enterprise weight x n = {ent.weight * len(ent)}")
    vill = m.villagers
    expected = m.villages.adults * m.villages.weight
    per_village = np.bincount(vill.village, weights=vill.weight.astype(float), minlength=n_vill)
    if not np.allclose(per_village, expected, rtol=F32_TOL, atol=0):
        out.append("villager weights of a village differ from its adults x village weight")
    total = float(vill.weight.sum(dtype=float))
    if not math.isclose(total, float(expected.sum()), rel_tol=F32_TOL):
        out.append("villager weights do not sum to the villages' adults x weight")
    return out


# ---------------------------------------------------------------- reporters
#: Measures that are a mean over a subset, NaN exactly when the subset is empty
#: (``sim.outcomes._mean``); the function gives the subset.
def _recent(m: VillageModel):
    s = m.secretaries
    return s.filled & (s.entered > m.month - 12)


NAN_WHEN_EMPTY: dict[str, Callable] = {
    **dict.fromkeys(
        ["secretary_mean_tenure_years", "secretary_mean_age_years", "secretary_college_share",
         "secretary_pay_to_income_ratio", "secretary_pay_yuan_per_year",
         "secretary_post_value_yuan_per_year", "secretary_villager_rating_share"],
        lambda m: m.secretaries.filled),
    **dict.fromkeys(
        ["secretary_entrant_age_years", "secretary_entrant_college_share",
         "secretary_entrant_capable_earner_share", "secretary_entrant_returned_migrant_share",
         "secretary_entrant_veteran_share", "secretary_entrant_cgvo_share",
         "secretary_entrant_retired_cadre_share", "secretary_entrant_enterprise_manager_share",
         "secretary_entrant_other_member_share"], _recent),
    **dict.fromkeys(["cgvo_degree_share", "cgvo_party_share", "cgvo_elite_share", "cgvo_long_term_share"],
                    lambda m: m.cgvos.in_post),
    # Over the two committees' members the model holds (sim.outcomes.two_committee_sums).
    **dict.fromkeys(["two_committees_cgvo_share", "two_committees_college_share"],
                    lambda m: np.array([two_committee_sums(m)["members"] > 0])),
    **dict.fromkeys(["two_committees_mean_age", "two_committees_under35_share"],
                    lambda m: np.array([two_committee_sums(m)["aged"] > 0])),
    # Shares of the last committee election: none before the first one.
    **dict.fromkeys(["secretary_reelected_share", "secretary_competitive_election_share"],
                    lambda m: np.array([bool(m.elections.last.get("secretary_standing"))])),
    "director_reelected_share": lambda m: np.array([bool(m.elections.last.get("director_sitting"))]),
    # Means over the serving community secretaries (sim.outcomes: Communities.secretary_mean).
    **dict.fromkeys(
        ["community_secretary_college_share", "community_secretary_under35_share",
         "community_secretary_mean_age_years", "community_secretary_graduate_share",
         "community_secretary_pay_to_wage_ratio", "community_secretary_post_value_yuan_per_year"],
        lambda m: m.communities.filled),
    "four_deliberations_share_capable_secretary": lambda m: m.secretaries.capable(),
    "four_deliberations_share_other_secretary":
        lambda m: m.secretaries.filled & ~m.secretaries.capable(),
    # A share of this month's admissions (NaN in a month without any; docs/ODD.md).
    "party_admissions_rural_under35_share": lambda m: np.asarray(m.flows["party_admissions_rural"] > 0),
}
#: Measures that may be negative (the value of the post net of the outside option; a village's
#: income below its province's series while badly led).
SIGNED = {"secretary_post_value_yuan_per_year", "village_development_income_premium_percent",
          *(f"village_development_income_premium_percent_{r}" for r in ("east", "central", "west")),
          "village_development_income_premium_yuan_per_year",
          "village_development_growth_percent_per_year"}


def _is_share(name: str) -> bool:
    return name.endswith("_share") or name.startswith("county_share_") or name in {
        "secretary_vacancy_rate", "secretary_capable_share", "director_vacancy_rate"}


@check
def reporters_finite_and_in_range(m: VillageModel, month: int) -> list[str]:
    out = []
    for name, values in m.datacollector.model_vars.items():
        value = values[-1]
        if isinstance(value, float) and math.isnan(value):
            subset = NAN_WHEN_EMPTY.get(name)
            # The data collector ran before the model moved to the next month.
            if subset is None or _subset_nonempty(m, subset):
                out.append(f"{name} is NaN")
            continue
        if not math.isfinite(value):
            out.append(f"{name} = {value}")
        elif _is_share(name) and not 0.0 <= value <= 1.0:
            out.append(f"{name} = {value} outside [0, 1]")
        elif name.startswith("secretary_quit_rate") and not 0.0 <= value <= 12.0:
            out.append(f"{name} = {value} outside [0, 12]")
        elif name not in SIGNED and value < 0:
            out.append(f"{name} = {value} < 0")
    return out


def _subset_nonempty(m: VillageModel, subset: Callable) -> bool:
    m.month -= 1
    try:
        return bool(subset(m).any())
    finally:
        m.month += 1


@check
def reporters_match_state(m: VillageModel, month: int) -> list[str]:
    last = {name: values[-1] for name, values in m.datacollector.model_vars.items()}
    cg = m.cgvos
    out = []
    exits = sum(last[f"cgvo_exits_{r}_cumulative"] for r in ROUTES)
    recruited = last["cgvo_recruited_cumulative"]
    if not math.isclose(last["cgvo_in_post"] + exits, recruited, rel_tol=1e-9):
        out.append(f"in post + exits {last['cgvo_in_post'] + exits} != recruited "
                   f"{last['cgvo_recruited_cumulative']}")
    if not math.isclose(last["cgvo_in_post"], cg.in_post.sum() * m.weight, rel_tol=1e-12):
        out.append("cgvo_in_post differs from the CGVO arrays")
    if not math.isclose(last["secretaries_serving"], m.secretaries.filled.sum() * m.weight,
                        rel_tol=1e-12):
        out.append("secretaries_serving differs from the secretary arrays")
    if last["enterprises_covered"] > m.params.value("enterprise.count_in_scope") * (1 + 1e-12):
        out.append("more enterprises covered than in scope")
    if last["secretaries_serving"] > m.params.value("national.villages") * (1 + 1e-12):
        out.append("more secretaries serving than villages")
    return out


# ---------------------------------------------------------------- the run
@pytest.fixture(scope="module")
def stepped():
    """Step one run to the end, applying every check after every step."""
    model = VillageModel(scale=SCALE, start=START, end=END, seed=SEED)
    found: dict[str, list[str]] = defaultdict(list)
    history = []
    route_before = exit_before = None
    months = 0
    while model.running:
        month = model.month
        model.step()
        months += 1
        for name, fn in CHECKS.items():
            found[name] += [f"{format_month(month)}: {msg}" for msg in fn(model, month)]
        cg = model.cgvos
        if route_before is not None:
            n = len(route_before)
            left = route_before >= 0
            changed = left & ((cg.route[:n] != route_before) | (cg.exit_month[:n] != exit_before)
                              | cg.in_post[:n])
            if changed.any():
                found["exit_once"].append(
                    f"{format_month(month)}: exits rewritten: {_rows(changed)}")
        route_before, exit_before = cg.route.copy(), cg.exit_month.copy()
        history.append(dict(months=months, recruited=len(cg),
                            weights=(model.villagers.weight.copy() if months == 1 else None)))
    return model, found, history


@pytest.mark.parametrize("name", [*CHECKS, "exit_once"])
def test_invariant_holds_every_month(stepped, name):
    _, found, _ = stepped
    problems = found.get(name, [])
    assert not problems, f"{len(problems)} violations, first: {problems[:3]}"


def test_run_covered_every_month_and_recruited_cgvos(stepped):
    model, _, history = stepped
    assert len(history) == parse_month(END) - parse_month(START) + 1
    # The checks on CGVOs are not vacuous: some were recruited, some exited, some sit as secretary.
    cg = model.cgvos
    assert len(cg) > 100
    assert (cg.route >= 0).sum() > 10
    assert len(np.unique(cg.route[cg.route >= 0])) >= 4
    assert (model.secretaries.cgvo >= 0).any()
    assert history[-1]["recruited"] >= history[0]["recruited"]


def test_villager_weights_constant_over_the_run(stepped):
    model, _, history = stepped
    np.testing.assert_array_equal(model.villagers.weight, history[0]["weights"])


def test_villager_weights_match_rural_adults_within_sampling_error(stepped):
    model, _, _ = stepped
    p = model.params
    national = p.value("national.rural_population") * p.value("national.adult_share")
    sigma = p.value("village.population_sigma")
    # Village sizes are lognormal with mean 1 and this relative spread.
    se = national * math.sqrt(math.expm1(sigma**2)) / math.sqrt(len(model.villages))
    total = float(model.villagers.weight.sum(dtype=float))
    assert abs(total - national) < 4 * se, (total, national, se)


def test_outcome_table_one_row_per_date_and_measure(stepped):
    model, _, _ = stepped
    table = model.outcomes()
    assert list(table.columns) == ["run_id", "scenario", "seed", "date", "measure", "value"]
    dates = [format_month(m) for m in range(parse_month(START), parse_month(END) + 1)]
    measures = set(reporters())
    assert len(table) == len(dates) * len(measures)
    assert not table.duplicated(["date", "measure"]).any()
    assert sorted(table["date"].unique()) == dates
    assert set(table["measure"]) == measures
    counts = table.groupby("date")["measure"].nunique()
    assert (counts == len(measures)).all()
    assert table["run_id"].nunique() == 1
    assert set(table["scenario"]) == {"as_reported"}
    assert set(table["seed"]) == {SEED}
    assert table["value"].dtype == np.float64


def test_outcome_table_equals_collected_values(stepped):
    model, _, _ = stepped
    table = model.outcomes()
    wide = table.pivot(index="date", columns="measure", values="value")
    collected = model.datacollector.get_model_vars_dataframe()
    for name in ("secretary_quits_per_month", "cgvo_in_post", "enterprise_coverage_share"):
        np.testing.assert_array_equal(wide[name].to_numpy(), collected[name].to_numpy(float))


def test_cgvo_cumulative_measures_never_fall(stepped):
    model, _, _ = stepped
    wide = model.outcomes().pivot(index="date", columns="measure", values="value").sort_index()
    cumulative = [c for c in wide.columns if c.endswith("_cumulative")]
    assert len(cumulative) >= len(ROUTES) + 2
    for name in cumulative:
        assert (wide[name].diff().dropna() >= 0).all(), name
