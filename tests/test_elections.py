"""Best candidates and the seating of winners (docs/ODD.md §7.12), by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.agents.cgvo import ROLE, Cgvos
from sim.agents.secretary import ORIGIN, Secretaries
from sim.elections import Elections, install_winners
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
