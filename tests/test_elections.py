"""Best candidates and the seating of winners (docs/ODD.md §7.12), by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.agents.cgvo import ROLE, Cgvos
from sim.agents.secretary import ORIGIN, Secretaries
from sim.elections import OUTSIDERS, Directors, Elections, install_winners
from sim.parameters import load_world_parameters
from sim.seats import Seats

MONTH = 2010 * 12
PARAMS = load_world_parameters().with_values({
    "election": {"noise_sd": 0.0, "college_bonus": 0.3, "earner_bonus": 0.5, "returned_bonus": 0.3,
                 "veteran_bonus": 0.3, "cgvo_bonus": -0.3},
    "secretary": {"motivation_mean": 1.0, "motivation_sd": 0.0},
    "cgvo": {"secretary_min_months": 12, "secretary_willingness": 1.0}}, "param")


class _Draws:
    """Uniforms of 0.5 everywhere: no election luck, every willing CGVO stands."""

    def random(self, shape):
        return np.full(shape, 0.5)

    def normal(self, loc, scale, size):
        return np.full(size, loc, float)


def _elections():
    # Two villages of three villager rows. Village 0: rows 0, 1 may stand (row 2 may not);
    # village 1: all three may. A candidate stands if the post is worth it: here, if older than 40.
    eligible = np.array([True, True, False, True, True, True])
    vill = SimpleNamespace(
        k=3, age=np.array([45.0, 50.0, 30.0, 30.0, 35.0, 45.0]), college=np.array([0, 1, 0, 0, 0, 0], bool),
        ability=np.array([0.2, 0.0, 2.0, 1.5, 1.0, -0.5], np.float32),
        returned=np.zeros(6, bool), veteran=np.array([0, 0, 0, 0, 0, 1], bool),
        candidates=lambda rows: eligible[rows], capable_earner=lambda rows: np.zeros(len(rows), bool))
    secs = Secretaries(2, PARAMS, MONTH, np.random.default_rng(0))
    secs.filled[:] = False
    cg = Cgvos(PARAMS)
    seats = Seats(secs, cg)
    rows = cg.add(province=np.zeros(2, np.int16), cohort=np.array([MONTH - 24, MONTH - 24]),
                  party=np.array([True, True]), ability=np.array([0.4, 0.5], np.float32),
                  in_post=np.ones(2, bool))
    seats.post(rows, np.array([0, 1]))
    post = SimpleNamespace(candidates=lambda home, age, earner, college, motivation: age - 40.0)
    return Elections(PARAMS, SimpleNamespace(), vill, secs, cg, seats, post), secs, cg, seats


def test_best_candidates_by_hand():
    # Village 0: row 0 scores 0.2, row 1 0.0 + 0.3 (college) = 0.3; its CGVO 0.4 - 0.3 = 0.1: row 1 wins.
    # Village 1: only row 5 (45) finds the post worth it: -0.5 + 0.3 (veteran) = -0.2; the CGVO
    # 0.5 - 0.3 = 0.2 wins.
    el, *_ = _elections()
    choice = el.best_candidates(MONTH, np.array([0, 1]), _Draws())
    assert choice.villager.tolist() == [1, -1]
    assert choice.cgvo.tolist() == [-1, 1]
    assert choice.electability == pytest.approx([0.3, 0.2])
    assert choice.found.tolist() == [True, True]


@pytest.mark.parametrize(("change", "cgvo_stands"), [
    ({"party": False}, False),                    # only party members stand
    ({"cohort": MONTH - 6}, False),               # less than 12 months in the village
    ({"role": ROLE["secretary"]}, False),         # already a secretary
    ({}, True),
])
def test_who_of_the_cgvos_stands(change, cgvo_stands):
    el, _secs, cg, seats = _elections()
    if "party" in change:
        cg.party[1] = change["party"]
    if "cohort" in change:
        cg.cohort[1] = change["cohort"]
    if "role" in change:
        seats.elect(np.array([1]), np.array([change["role"]], np.int8))
    choice = el.best_candidates(MONTH, np.array([1]), _Draws())
    assert (choice.cgvo[0] == 1) == cgvo_stands
    if not cgvo_stands:
        assert choice.villager.tolist() == [5]


def test_nobody_willing_nobody_elected():
    el, *_ = _elections()
    el.post = SimpleNamespace(candidates=lambda home, age, earner, college, motivation: age * 0 - 1.0)
    el.cgvos.party[:] = False
    choice = el.best_candidates(MONTH, np.array([0, 1]), _Draws())
    assert not choice.found.any() and (choice.villager == -1).all() and (choice.cgvo == -1).all()


def test_winners_take_the_seats():
    el, secs, cg, _seats = _elections()
    choice = el.best_candidates(MONTH, np.array([0, 1]), _Draws())
    filled = install_winners(el, MONTH, choice, _Draws())
    assert sorted(filled.tolist()) == [0, 1]
    assert secs.filled.all() and secs.cgvo.tolist() == [-1, 1]
    assert secs.origin.tolist() == [ORIGIN["other_member"], ORIGIN["cgvo"]]
    assert cg.role.tolist() == [ROLE["none"], ROLE["secretary"]]
    assert secs.age[0] == 50.0 and secs.entered.tolist() == [MONTH, MONTH]


# ----------------------------------------------------------- committee elections (§7.12.2-3)
def _committee(noise_sd=0.0, stands=1.0, challengers=1):
    """The two villages above, each with a sitting secretary and director."""
    params = PARAMS.with_values({"election": {"noise_sd": noise_sd, "incumbency_bonus": 0.5,
                                              "score_weight": 0.0, "challengers": challengers,
                                              "secretary_stands_for_director": stands}}, "param")
    el, secs, cg, _seats = _elections()
    el.params = params
    el.villagers.migrant = np.zeros(6, bool)
    el.villagers.capable_earner = lambda rows: np.zeros(len(rows), bool)
    cg.party[:] = False                                    # no CGVO stands
    secs.filled[:] = True
    secs.entered[:] = MONTH - 36
    secs.ability[:] = np.array([0.0, 1.5], np.float32)
    el.directors = Directors.vacant(2)
    el.directors.filled[:] = True
    el.directors.ability[:] = np.array([2.0, -1.0], np.float32)
    return el, secs


def test_sitting_secretary_keeps_the_post_unless_a_nominee_outvotes_them():
    # No luck. Village 0: secretary 0.0 + 0.5 (incumbency) = 0.5 against the nominee, row 1
    # (0.0 + 0.3 college = 0.3): re-elected. Village 1: 1.5 + 0.5 = 2.0 against row 5
    # (-0.5 + 0.3 veteran; the only one for whom the post is worth it): re-elected.
    el, secs = _committee()
    lost = el.hold(MONTH, _Draws())
    assert lost.size == 0
    assert el.last["secretary_standing"] == 2 and el.last["secretary_reelected"] == 2
    assert el.last["competitive"] == 2                     # a nominee stood in both villages
    # Lower the incumbency advantage below the nominee's margin: village 0's secretary loses.
    el, secs = _committee()
    el.params = el.params.with_values({"election": {"incumbency_bonus": 0.2}}, "param")
    assert el.hold(MONTH, _Draws()).tolist() == [0]
    assert secs.ability[0] == pytest.approx(0.0) and secs.entered[0] == MONTH  # row 1 took the seat
    assert secs.college[0]


def test_without_challengers_the_election_is_uncontested():
    el, _secs = _committee(challengers=0)
    el.params = el.params.with_values({"election": {"incumbency_bonus": -5.0}}, "param")
    assert el.hold(MONTH, _Draws()).size == 0 and el.last["competitive"] == 0


def test_villagers_elect_the_director_and_the_secretary_may_hold_both():
    # Directors' election, no luck (every villager at home of working age stands, party member
    # or not). Village 0: villagers 0.2, 0.3 (college), 2.0 (row 2, not a party member);
    # sitting director 2.0 + 0.5 = 2.5; secretary 0.0: the director is re-elected.
    # Village 1: villagers 1.5, 1.0, -0.2; director -1.0 + 0.5; secretary 1.5: a tie with row 3
    # goes to the villager column first, so shift the secretary up a little.
    el, secs = _committee()
    secs.ability[1] = 1.6
    el.hold(MONTH, _Draws(), _Draws())
    d = el.directors
    assert d.filled.all()
    assert el.both_posts().tolist() == [False, True]       # 一肩挑 in village 1
    assert d.ability[0] == pytest.approx(2.0)              # the sitting director kept the post
    assert el.last["director_sitting"] == 2 and el.last["director_reelected"] == 1
    # A secretary who does not stand cannot hold both posts.
    el, secs = _committee(stands=0.0)
    secs.ability[1] = 1.6
    el.hold(MONTH, _Draws(), _Draws())
    assert not el.both_posts().any() and el.directors.ability[1] == pytest.approx(1.5)


def test_a_director_holding_both_posts_leaves_with_the_secretary_post():
    el, secs = _committee()
    secs.ability[1] = 1.6
    el.hold(MONTH, _Draws(), _Draws())
    assert el.both_posts()[1]
    el.seats.vacate(np.array([1]))                         # the secretary quits
    el.params = el.params.with_values({"election": {"vacancy_fill_probability": 0.0},
                                       "first_secretary": {"fill_probability": 0.0}}, "param")
    el.world = SimpleNamespace(first_secretary_present=np.zeros(2, bool))
    el.fill_vacancies(MONTH + 1, _Draws(), _Draws())
    assert not el.directors.filled[1] and not el.both_posts().any()
    assert el.directors.filled[0]                          # the other village's director stays


def test_committee_elections_in_a_run_keep_most_incumbents_and_fill_both_posts():
    from sim.model import VillageModel

    model = VillageModel(scale=0.003, start="2008-01", end="2008-03", seed=3)
    table = model.run()
    at = table[table.date == "2008-03"].set_index("measure")["value"]
    assert 0.0 < at["secretary_reelected_share"] < 1.0
    assert 0.0 < at["one_shoulder_share"] < 1.0
    assert at["director_vacancy_rate"] < 0.05
    assert at["secretary_competitive_election_share"] > 0.5
    # Both posts' holders are counted once: at most twice the villages of Shanxi.
    assert 0 < at["secretary_or_director_people_shanxi"] <= 2 * 28226 * 1.1


# ------------------------------------------- CGVOs win the director's post in the villagers' vote
def test_a_cgvo_becomes_director_through_the_villagers_vote_and_can_lose_it():
    # Village 1: the CGVO (0.5 + 2.0 bonus = 2.5) outpolls the villagers (1.5), the sitting
    # director (-1.0 + 0.5) and the secretary (1.5). Village 0: the sitting director
    # (2.0 + 0.5 = 2.5) beats the CGVO (0.4 + 2.0 = 2.4).
    el, _secs = _committee()
    el.params = el.params.with_values({"election": {"cgvo_bonus": 2.0},
                                       "cgvo": {"director_willingness": 1.0}}, "param")
    el.hold(MONTH, _Draws(), _Draws())
    d, cg = el.directors, el.cgvos
    assert d.cgvo.tolist() == [-1, 1]
    assert cg.role.tolist() == [ROLE["none"], ROLE["director"]]
    assert d.ability[1] == pytest.approx(0.5) and d.college[1] and not el.both_posts()[1]
    # Three years on the CGVO stands again (0.5 - 0.3 + 0.5 incumbency = 0.7) and loses.
    el.params = el.params.with_values({"election": {"cgvo_bonus": -0.3}}, "param")
    el.hold(MONTH + 36, _Draws(), _Draws())
    assert d.cgvo.tolist() == [-1, -1] and cg.role[1] == ROLE["none"]
    assert el.last["director_reelected"] == 1             # village 0's director only


def test_a_cgvo_who_does_not_stand_is_never_director():
    el, _secs = _committee()
    el.params = el.params.with_values({"election": {"cgvo_bonus": 5.0},
                                       "cgvo": {"director_willingness": 0.0}}, "param")
    el.hold(MONTH, _Draws(), _Draws())
    assert (el.directors.cgvo == -1).all() and (el.cgvos.role == ROLE["none"]).all()


@pytest.mark.parametrize(("route", "kept"), [("civil_service", False), ("village_post", True)])
def test_a_cgvo_director_who_leaves_the_programme(route, kept):
    from sim.agents.cgvo import ROUTES
    from sim.elections import release_departed

    el, _secs = _committee()
    el.params = el.params.with_values({"election": {"cgvo_bonus": 2.0},
                                       "cgvo": {"director_willingness": 1.0}}, "param")
    el.hold(MONTH, _Draws(), _Draws())
    assert el.directors.cgvo[1] == 1
    cg = el.cgvos
    cg.in_post[1] = False
    cg.route[1] = ROUTES.index(route)
    el.seats.release(np.array([1]), np.array([route == "village_post"]))
    release_departed(el)
    assert el.directors.filled[1] == kept and el.directors.cgvo[1] == -1
    assert el.directors.filled[0]


def test_the_cgvo_committee_rule_gives_no_director_seats():
    # Committee seats outside the two heads' elections are member or deputy only.
    params = PARAMS.with_values({"cgvo": {"committee_win_probability": 1.0, "committee_min_months": 0,
                                          "deputy_threshold": 0.0}}, "param")
    cg = Cgvos(params)
    Seats(Secretaries(1, params, MONTH, np.random.default_rng(0)), cg)
    n = 200
    cg.add(province=np.zeros(n, np.int16), cohort=np.full(n, MONTH - 24),
           party=np.ones(n, bool), ability=np.full(n, 10.0, np.float32), in_post=np.ones(n, bool))
    won, roles = cg.committee_winners(MONTH, np.random.default_rng(0))
    assert len(won) == n and (roles == ROLE["deputy"]).all()


# ------------------------------------------------- retired cadres and enterprise managers (L59)
class _Outsiders(_Draws):
    """Uniforms of 0.5: every outsider whose share is above 0.5 is there, no luck."""


@pytest.mark.parametrize(("retired", "manager", "origin"), [
    (5.0, -5.0, "retired_cadre"), (-5.0, 5.0, "enterprise_manager")])
def test_an_outsider_named_in_l59_stands_and_wins(retired, manager, origin):
    el, secs, _cg, _seats = _elections()
    el.params = el.params.with_values({"election": {
        "retired_cadre_share": 1.0, "enterprise_manager_share": 1.0, "retired_cadre_ability": retired,
        "enterprise_manager_ability": manager, "retired_cadre_college_share": 1.0,
        "enterprise_manager_college_share": 0.0}}, "param")
    el.outsider_rng = _Outsiders()
    choice = el.best_candidates(MONTH, np.array([0, 1]), _Draws())
    assert choice.villager.tolist() == [-1, -1] and choice.cgvo.tolist() == [-1, -1]
    assert choice.outsider.tolist() == [OUTSIDERS.index(origin)] * 2
    install_winners(el, MONTH, choice, _Draws())
    assert (secs.origin == ORIGIN[origin]).all() and secs.filled.all()
    age = el.params.value(f"election.{origin}_age")
    assert secs.age.tolist() == [age, age]
    assert secs.earner.tolist() == [origin == "enterprise_manager"] * 2
    assert secs.college.tolist() == [origin == "retired_cadre"] * 2


def test_outsiders_need_the_post_to_be_worth_it_and_a_stream():
    el, *_ = _elections()
    el.params = el.params.with_values({"election": {
        "retired_cadre_share": 1.0, "enterprise_manager_share": 1.0, "retired_cadre_ability": 5.0,
        "enterprise_manager_ability": 5.0, "retired_cadre_age": 40.0, "enterprise_manager_age": 30.0}},
        "param")
    el.outsider_rng = _Outsiders()                         # the post is worth it only above 40 here
    assert (el.best_candidates(MONTH, np.array([0, 1]), _Draws()).outsider == -1).all()
    el.params = el.params.with_values({"election": {"retired_cadre_age": 62.0}}, "param")
    assert (el.best_candidates(MONTH, np.array([0, 1]), _Draws()).outsider == 0).all()
    el.outsider_rng = None                                 # no stream: no outsider stands
    assert (el.best_candidates(MONTH, np.array([0, 1]), _Draws()).outsider == -1).all()


def test_an_outsider_is_nominated_once_on_a_slate():
    from sim.elections import nominees

    el, *_ = _elections()
    el.params = el.params.with_values({"election": {
        "retired_cadre_share": 1.0, "enterprise_manager_share": 0.0, "retired_cadre_ability": 5.0}},
        "param")
    el.outsider_rng = _Outsiders()
    slate = nominees(el, MONTH, np.array([0, 1]), 2, _Draws())
    assert slate[0].outsider.tolist() == [0, 0]
    assert slate[1].outsider.tolist() == [-1, -1]
    assert slate[1].villager.tolist() == [1, -1] and slate[1].cgvo.tolist() == [-1, 1]
