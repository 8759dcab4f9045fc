"""The CGVO programme (docs/ODD.md §7.15): selection, posting, contract ends and exits, by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.agents.cgvo import CAREER, ROLE, ROUTE, Cgvos
from sim.agents.secretary import Secretaries
from sim.cgvo_programme import Programme
from sim.parameters import load_levers, load_world_parameters
from sim.policies import Policy
from sim.seats import Seats

POLICY = Policy.from_levers(load_levers())
PARAMS = load_world_parameters().with_values({"cgvo": {
    "selection_noise_sd": 0.0, "leader_priority": 0.3, "renewal_probability": 0.5,
    "renewal_probability_seated": 0.8, "exit_seat_multiple": 3.0, "exit_venture_multiple": 4.0,
    "exit_reserved_effect": 2.0,
    "exit_weight": {"village_post": 0.1, "civil_service": 0.2, "own_business": 0.1, "other_job": 0.4,
                    "further_study": 0.2}}}, "param")


class _Draws:
    """A generator stand-in that returns the uniforms it is given, then zeros."""

    def __init__(self, *uniforms):
        self.uniforms = list(uniforms)

    def random(self, shape):
        return np.asarray(self.uniforms.pop(0), float).reshape(shape) if self.uniforms else np.zeros(shape)

    def normal(self, loc, scale, size):
        return np.full(size, loc, float)


# ---------------------------------------------------------------- selection (L286)
def test_selection_by_hand():
    # Score = ability + 1.0 x party + 0.5 x degree + 0.3 x leader (no luck).
    # Province 0 (2 places): a 0.2+1 = 1.2, b 1.0, c 0.5+0.5 = 1.0, d 0.0+0.3 = 0.3 -> a, then b (before c: ties
    # keep the applicants' order). Province 1 (1 place): e 0.1+1 = 1.1 beats f 0.9.
    applicants = {
        "province": np.array([0, 0, 0, 0, 1, 1]), "ability": np.array([0.2, 1.0, 0.5, 0.0, 0.1, 0.9]),
        "party": np.array([True, False, False, False, True, False]),
        "degree": np.array([False, False, True, False, False, False]),
        "leader": np.array([False, False, False, True, False, False])}
    chosen = Cgvos(PARAMS).select(applicants, np.array([2, 1]), 1.0, 0.5, _Draws())
    assert chosen.tolist() == [0, 1, 4]


def test_no_places_no_recruits():
    applicants = {"province": np.array([0, 1]), "ability": np.array([3.0, 3.0]), "party": np.ones(2, bool),
                  "degree": np.ones(2, bool), "leader": np.zeros(2, bool)}
    assert Cgvos(PARAMS).select(applicants, np.array([0, 0]), 1.0, 0.5, _Draws()).size == 0


# ---------------------------------------------------------------- contract ends (L302)
def _population(n: int, month: int):
    secs = Secretaries(4, PARAMS, month, np.random.default_rng(0))
    cg = Cgvos(PARAMS)
    seats = Seats(secs, cg)
    cg.add(province=np.zeros(n, np.int16), cohort=np.full(n, month - 24),
           contract_end=np.full(n, month), term=np.full(n, 2), in_post=np.ones(n, bool))
    return cg, seats


def test_contract_end_renewal_by_hand():
    month = 2011 * 12
    cg, seats = _population(4, month)
    seats.elect(np.array([2, 3]), np.array([ROLE["member"], ROLE["member"]], np.int8))
    # Renewal draws 0.4, 0.6, 0.7, 0.9 against 0.5 (no seat) and 0.8 (seat): rows 0 and 2 renew.
    renew, leave = cg.end_contracts(month, True, 0.0, _Draws([[0.4, 0.6, 0.7, 0.9], [0.0] * 4]))
    assert renew.tolist() == [0, 2] and leave.tolist() == [1, 3]
    assert cg.contract_end[renew].tolist() == [month + 24] * 2
    assert cg.in_post.tolist() == [True, False, True, False] and cg.completed.all()


@pytest.mark.parametrize(("seat", "venture", "reserved", "u", "route"), [
    # weights village 0.1, civil 0.2, business 0.1, other 0.4, study 0.2: cumulative .1 .3 .4 .8 1
    (False, False, 0.0, 0.05, "village_post"),
    (False, False, 0.0, 0.35, "own_business"),
    (False, False, 0.0, 0.79, "other_job"),
    (False, False, 0.0, 0.99, "further_study"),
    # a seat triples the village post: .3 .2 .1 .4 .2 over 1.2 -> cumulative .25 .4167 .5 .8333 1
    (True, False, 0.0, 0.24, "village_post"),
    (True, False, 0.0, 0.45, "own_business"),
    # a venture: .1 .2 .4 .4 .2 over 1.3 -> .0769 .2308 .5385 .8462 1
    (False, True, 0.0, 0.5, "own_business"),
    # reserved share 0.5 doubles the civil service: .1 .4 .1 .4 .2 over 1.2 -> .0833 .4167 .5 .8333 1
    (False, False, 0.5, 0.4, "civil_service"),
])
def test_exit_route_by_hand(seat, venture, reserved, u, route):
    month = 2011 * 12
    cg, seats = _population(1, month)
    if seat:
        seats.elect(np.array([0]), np.array([ROLE["member"]], np.int8))
    cg.venture[0] = venture
    _renew, leave = cg.end_contracts(month, False, reserved, _Draws([[0.0], [u]]))
    assert leave.tolist() == [0]
    assert cg.route[0] == ROUTE[route] and cg.exit_month[0] == month and not cg.in_post[0]
    # The civil-service exit (定向考录) enters the township civil service; other exits no career post.
    assert cg.career[0] == CAREER["township_civil_service" if route == "civil_service" else "none"]


def test_no_renewal_when_the_lever_forbids_it():
    month = 2011 * 12
    cg, _ = _population(3, month)
    renew, leave = cg.end_contracts(month, False, 0.0, _Draws([[0.0, 0.0, 0.0], [0.5] * 3]))
    assert renew.size == 0 and leave.tolist() == [0, 1, 2]


# ---------------------------------------------------------------- posting and exits
class _Sized(SimpleNamespace):
    def __len__(self) -> int:
        return len(self.province if hasattr(self, "province") else self.names)


def _programme(villages_province, month=2010 * 12):
    n = len(villages_province)
    world = SimpleNamespace(villages=_Sized(province=np.array(villages_province, np.int16)),
                            provinces=_Sized(names=("A", "B", "C"), region=np.array([0, 1, 2])),
                            scale=1.0, weight=1.0)
    secs = Secretaries(n, PARAMS, month, np.random.default_rng(0))
    cg = Cgvos(PARAMS)
    seats = Seats(secs, cg)
    return Programme(PARAMS, POLICY, world, cg, seats, enterprises=None), cg, seats, secs


def test_posting_fills_free_villages_of_the_province_first():
    # Villages 0-2 in province 0 (village 1 already has a CGVO), 3-4 in province 1, none in province 2.
    programme, cg, seats, _ = _programme([0, 0, 0, 1, 1])
    old = cg.add(province=np.array([0], np.int16), in_post=np.ones(1, bool))
    seats.post(old, np.array([1]))
    new = cg.add(province=np.array([0, 0, 0, 1, 2], np.int16), in_post=np.ones(5, bool))
    programme.post(new, _Draws())
    # Equal luck: free villages in order (0, 2), then the taken one (1); province 2 has none.
    assert cg.village.tolist() == [1, 0, 2, 1, 3, -1]
    assert seats.village_cgvo.tolist() == [1, 3, 2, 4, -1]


def test_an_exit_during_service_frees_the_village_and_the_seat():
    programme, cg, seats, secs = _programme([0, 0])
    rows = cg.add(province=np.array([0, 0], np.int16), cohort=np.zeros(2, np.int32), in_post=np.ones(2, bool))
    seats.post(rows, np.array([0, 1]))
    seats.seat(np.array([0]), cgvo=np.array([0]), age=25.0, college=True, ability=0.0, earner=False,
               origin=4, month=0, motivation=1.0)
    programme.exit(rows, ROUTE["early_quit"], 100)
    assert (cg.route == ROUTE["early_quit"]).all() and not cg.in_post.any()
    assert seats.village_cgvo.tolist() == [-1, -1]
    assert not secs.filled[0] and secs.cgvo[0] == -1


# ---------------------------------------------------------------- contract terms (2008 opinion: 2-3 years)
@pytest.mark.parametrize(("share", "u", "terms"), [
    (0.0, [0.0, 0.5, 0.99], [2, 2, 2]), (1.0, [0.0, 0.5, 0.99], [3, 3, 3]),
    (0.4, [0.1, 0.39, 0.4, 0.9], [3, 3, 2, 2])])
def test_contract_terms_by_hand(share, u, terms):
    params = PARAMS.with_values({"cgvo": {"long_contract_share": share}}, "param")
    assert Cgvos(params).draw_terms(len(u), 2, _Draws(u)).tolist() == terms


def test_a_renewed_contract_runs_the_cgvos_own_term():
    month = 2011 * 12
    cg, _ = _population(2, month)
    cg.term[1] = 3
    renew, _leave = cg.end_contracts(month, True, 0.0, _Draws([[0.0, 0.0], [0.0, 0.0]]))
    assert renew.tolist() == [0, 1]
    assert cg.contract_end.tolist() == [month + 24, month + 36]


# ---------------------------------------------------------------- careers after the village (L322)
def test_career_steps_by_hand():
    params = PARAMS.with_values({"cgvo": {
        "promotion_ability_effect": 0.0, "reserve_rate_per_year": 0.1,
        "career": {"civil_servant_to_township_rate_per_year": 0.2, "county_department_rate_per_year": 0.3,
                   "county_reserve_rate_per_year": 0.4}}}, "param")
    cg = Cgvos(params)
    Seats(Secretaries(1, params, 0, np.random.default_rng(0)), cg)
    # Rows: 0 civil servant, 1 civil servant, 2 township leader, 3 township leader, 4 in post on the
    # township reserve list, 5 exited with no career post.
    cg.add(province=np.zeros(6, np.int16), in_post=np.array([0, 0, 0, 0, 1, 0], bool),
           career=np.array([1, 1, 2, 2, 0, 0]), reserve=np.array([0, 0, 0, 0, 1, 0], bool))
    steps = cg.advance_careers(_Draws([[0.05, 0.5, 0, 0, 0, 0],       # township reserve (< 0.1)
                                       [0.5, 0.1, 0, 0, 0, 0],        # civil servant -> township (< 0.2)
                                       [0, 0, 0.25, 0.35, 0, 0],      # leader -> county department (< 0.3)
                                       [0.0, 0.0, 0.5, 0.1, 0.3, 0.0]]))  # county reserve (< 0.4)
    assert steps["reserve"].tolist() == [0]
    assert steps["township_leadership"].tolist() == [1]
    assert steps["county_department"].tolist() == [2]
    # Only those on the township list or in township leadership at the start of the year: row 0 is
    # listed in this step, too late; 1 and 5 hold neither; 2 draws 0.5; rows 3 (leader) and 4 (listed).
    assert steps["county_reserve"].tolist() == [3, 4]
    assert cg.career.tolist() == [1, 2, 3, 2, 0, 0]
    assert cg.reserve.tolist() == [True, False, False, False, True, False]
    assert cg.county_reserve.tolist() == [False, False, False, True, True, False]


def test_promotion_out_of_the_village_is_a_township_leadership_career():
    params = PARAMS.with_values({"cgvo": {"promotion_ability_effect": 0.0, "promotion_min_months": 0,
                                          "township_leadership_rate_per_year": 0.5}}, "param")
    cg = Cgvos(params)
    Seats(Secretaries(1, params, 0, np.random.default_rng(0)), cg)
    cg.add(province=np.zeros(2, np.int16), in_post=np.ones(2, bool))
    promoted, _listed = cg.promote(0, _Draws([[0.4, 0.6], [1.0, 1.0]]))
    assert promoted.tolist() == [0] and cg.career.tolist() == [CAREER["township_leadership"], 0]


# ---------------------------------------------------------------- provincial cohorts before 2008-04
@pytest.mark.parametrize(("years", "ratio", "month"), [(3, 0.5, 8), (1, 0.0, 12), (5, 1.0, 1)])
def test_provincial_cohorts_at_the_start(years, ratio, month):
    from sim.model import VillageModel
    from sim.timeline import month_of_year, parse_month, year_of
    model = VillageModel(scale=0.01, seed=3, end="2008-01", params={"cgvo": {
        "initial_stock": 40000.0, "provincial_years": years, "provincial_cohort_ratio": ratio,
        "provincial_recruitment_month": month, "long_contract_share": 0.5}})
    c, start = model.cgvos, model.start
    assert start == parse_month("2008-01") and len(c) > 200 and c.provincial.all() and c.in_post.all()
    back = year_of(start) - c.cohort // 12
    assert set(np.unique(back)) <= set(range(1, years + 1)) and (c.cohort % 12 + 1 == month).all()
    if ratio == 0.0:
        assert (back == 1).all()
    if ratio == 1.0:   # equal cohorts: each year holds about a fifth
        assert np.bincount(back, minlength=years + 1)[1:].min() > 0.1 * len(c)
    assert set(np.unique(c.term)) == {2, 3}
    length = 12 * c.term.astype(int)
    served = c.contract_end - c.cohort
    # Contracts run whole terms from the recruitment month; the current one ends at or after the start,
    # and a CGVO whose first contract ended before the start renewed it and has completed service.
    assert (served % length == 0).all() and (c.contract_end >= start).all()
    assert (c.contract_end - length < start).all()
    assert (c.completed == (served > length)).all()
    assert month_of_year(int(c.cohort.max())) == month


# ---------------------------------------------------------------- the two committees' composition
def _committee_model():
    both = np.array([False, False, True])
    return SimpleNamespace(
        month=2012 * 12, weight=100.0, params=PARAMS,
        provinces=SimpleNamespace(names=("A", "B")),
        villages=SimpleNamespace(province=np.array([0, 0, 1])),
        secretaries=SimpleNamespace(filled=np.array([True, True, True]),
                                    age=np.array([50.0, 30.0, 40.0], np.float32),
                                    college=np.array([False, True, False])),
        elections=SimpleNamespace(directors=SimpleNamespace(filled=np.array([True, False, True]),
                                                            college=np.array([True, False, False])),
                                  both_posts=lambda: both),
        seats=SimpleNamespace(secretary_cgvo=np.array([-1, 0, -1])),
        cgvos=SimpleNamespace(in_post=np.array([True, True, True, False]),
                              role=np.array([ROLE["secretary"], ROLE["member"], ROLE["none"], ROLE["deputy"]]),
                              cohort=np.array([0, 2012 * 12 - 24, 0, 0]),
                              province=np.array([0, 1, 1, 1], np.int16)))


def test_two_committee_sums_by_hand():
    from sim.outcomes import reporters, two_committee_sums
    m = _committee_model()
    # Members: 3 secretaries (one a CGVO), the director of village 0 (village 2's holds both posts),
    # CGVO row 1 (a member, recruited at 23 two years ago: 25); row 0 counts as secretary, row 2 holds
    # no seat, row 3 has left.
    sums = two_committee_sums(m)
    assert sums == {"members": 5.0, "cgvos": 2.0, "college": 3.0, "aged": 4.0,
                    "age": 50.0 + 30.0 + 40.0 + 25.0, "under35": 2.0}
    by = two_committee_sums(m, by_province=True)
    assert by["members"].tolist() == [3.0, 2.0] and by["cgvos"].tolist() == [1.0, 1.0]
    assert by["age"].tolist() == [80.0, 65.0] and by["under35"].tolist() == [1.0, 1.0]
    assert all(np.isclose(by[k].sum(), sums[k]) for k in sums)
    r = reporters()
    assert r["two_committees_members"](m) == 500.0
    assert r["two_committees_cgvo_share"](m) == pytest.approx(0.4)
    assert r["two_committees_college_share"](m) == pytest.approx(0.6)
    assert r["two_committees_mean_age"](m) == pytest.approx(145.0 / 4)
    assert r["two_committees_under35_share"](m) == pytest.approx(0.5)


# ---------------------------------------------------------------- the contract lever
@pytest.mark.parametrize(("years", "share"), [(1, 0.0), (10, 1.0), (2, 0.5)])
def test_every_allowed_contract_length_runs(years, share):
    from sim.model import VillageModel
    model = VillageModel(scale=0.005, seed=2, end="2010-12", policy={"cgvo": {"contract_years": years}},
                         params={"cgvo": {"long_contract_share": share}})
    model.run()
    c = model.cgvos
    assert len(c) and set(np.unique(c.term)) <= {years, years + 1}
    if share in (0.0, 1.0):
        assert (c.term == years + share).all()
    # Contracts end whole terms after recruitment.
    assert ((c.contract_end[c.in_post] - c.cohort[c.in_post]) % (12 * c.term[c.in_post].astype(int)) == 0).all()


@pytest.mark.parametrize("bad", [0, 11, 2.5, "two"])
def test_a_bad_contract_length_is_one_line_naming_the_key(bad):
    from sim.errors import ConfigError
    from sim.model import VillageModel
    with pytest.raises(ConfigError) as err:
        VillageModel(scale=0.005, end="2008-02", policy={"cgvo": {"contract_years": bad}})
    assert "contract_years" in str(err.value) and "\n" not in str(err.value)
