"""Who holds which post (docs/ODD.md §2.2): the seats' API and its invariant by construction."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.cgvo import ROLE, Cgvos
from sim.agents.secretary import Secretaries
from sim.parameters import load_world_parameters
from sim.seats import Seats

PARAMS = load_world_parameters()
SECRETARY = ROLE["secretary"]
PERSON = {"age": 30.0, "college": True, "ability": 0.5, "earner": False, "origin": 4, "month": 600,
          "motivation": 1.0}


def _seats(villages: int = 4, cgvos: int = 3) -> tuple[Seats, Secretaries, Cgvos]:
    secs = Secretaries(villages, PARAMS, 600, np.random.default_rng(0))
    cg = Cgvos(PARAMS)
    seats = Seats(secs, cg)
    if cgvos:
        cg.add(province=np.zeros(cgvos, np.int16), in_post=np.ones(cgvos, bool))
    return seats, secs, cg


def check(seats: Seats, secs: Secretaries, cg: Cgvos) -> None:
    """The links agree: every CGVO secretary seat is held by an in-post CGVO of that village."""
    slot = np.flatnonzero(secs.cgvo >= 0)
    rows = secs.cgvo[slot]
    assert (cg.role[rows] == SECRETARY).all() and (cg.village[rows] == slot).all()
    assert secs.filled[slot].all() and len(np.unique(rows)) == len(rows)
    linked = np.flatnonzero(seats.village_cgvo >= 0)
    assert (cg.village[seats.village_cgvo[linked]] == linked).all()
    in_post_secretaries = np.flatnonzero(cg.in_post & (cg.role == SECRETARY))
    assert (secs.cgvo[cg.village[in_post_secretaries]] == in_post_secretaries).all()


def test_new_cgvos_have_no_village_and_no_role():
    _, secs, cg = _seats()
    assert cg.village.tolist() == [-1, -1, -1] and cg.role.tolist() == [0, 0, 0]
    assert secs.cgvo.tolist() == [-1] * 4
    cg.add(province=np.zeros(2, np.int16))
    assert len(cg.village) == len(cg.role) == len(cg) == 5


def test_post_links_both_ways_and_the_last_posted_is_the_village_cgvo():
    seats, _secs, cg = _seats()
    seats.post(np.array([0, 1, 2]), np.array([3, 1, 1]))
    assert cg.village.tolist() == [3, 1, 1]
    assert seats.village_cgvo.tolist() == [-1, 2, -1, 0]


def test_seat_vacate_and_release_table():
    seats, secs, cg = _seats()
    secs.filled[:] = False
    seats.post(np.array([0, 1, 2]), np.array([0, 1, 2]))
    seats.seat(np.array([0, 1]), cgvo=np.array([0, 1]), **PERSON)
    seats.seat(np.array([3]), **PERSON)
    seats.elect(np.array([2]), np.array([ROLE["deputy"]], np.int8))
    assert secs.filled.tolist() == [True, True, False, True]
    assert secs.cgvo.tolist() == [0, 1, -1, -1]
    assert cg.role.tolist() == [SECRETARY, SECRETARY, ROLE["deputy"]]
    check(seats, secs, cg)

    # Village 0's seat falls vacant: CGVO 0 keeps serving, without a role.
    seats.vacate(np.array([0]))
    assert secs.filled.tolist() == [False, True, False, True]
    assert secs.cgvo.tolist() == [-1, 1, -1, -1] and cg.role[0] == ROLE["none"]
    check(seats, secs, cg)

    # CGVO 1 stays in the village post: the seat stays filled, no longer a CGVO's.
    cg.in_post[1] = False
    seats.release(np.array([1]), stays=np.array([True]))
    assert secs.filled[1] and secs.cgvo[1] == -1 and seats.village_cgvo[1] == -1
    # CGVO 2 (a deputy) leaves: the village is free, no secretary seat changes.
    cg.in_post[2] = False
    seats.release(np.array([2]), stays=np.array([False]))
    assert seats.village_cgvo.tolist() == [0, -1, -1, -1]
    assert secs.filled.tolist() == [False, True, False, True]
    check(seats, secs, cg)


def test_a_leaving_cgvo_secretary_frees_the_seat():
    seats, secs, cg = _seats()
    seats.post(np.array([0]), np.array([2]))
    seats.seat(np.array([2]), cgvo=np.array([0]), **PERSON)
    cg.in_post[0] = False
    seats.release(np.array([0]), stays=np.array([False]))
    assert not secs.filled[2] and secs.cgvo[2] == -1 and seats.village_cgvo[2] == -1


def test_release_leaves_a_village_reposted_to_another_cgvo_alone():
    seats, _secs, _cg = _seats()
    seats.post(np.array([0]), np.array([1]))
    seats.post(np.array([1]), np.array([1]))  # CGVO 1 is now the village's CGVO
    seats.release(np.array([0]), stays=np.array([False]))
    assert seats.village_cgvo[1] == 1


@pytest.mark.parametrize("name", ["village", "role"])
def test_the_populations_cannot_write_the_links(name):
    _, secs, cg = _seats()
    with pytest.raises(ValueError, match="read-only"):
        getattr(cg, name)[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        secs.cgvo[0] = 1


def test_any_sequence_of_calls_keeps_the_links_consistent():
    rng = np.random.default_rng(5)
    seats, secs, cg = _seats(villages=12, cgvos=0)
    for _ in range(300):
        op = rng.integers(5)
        if op == 0:
            rows = cg.add(province=np.zeros(2, np.int16), in_post=np.ones(2, bool))
            seats.post(rows, rng.integers(0, 12, 2))
        elif op == 1 and len(cg):
            vacant = np.flatnonzero(~secs.filled)
            village = vacant[:1]
            here = seats.village_cgvo[village]
            if village.size and here[0] >= 0 and cg.in_post[here[0]] and cg.role[here[0]] != SECRETARY:
                seats.seat(village, cgvo=here, **PERSON)
            elif village.size:
                seats.seat(village, **PERSON)
        elif op == 2:
            seats.vacate(rng.integers(0, 12, 2))
        elif op == 3 and cg.in_post.any():
            row = rng.choice(np.flatnonzero(cg.in_post), 1)
            cg.in_post[row] = False
            seats.release(row, stays=rng.random(1) < 0.5)
        elif op == 4 and cg.in_post.any():
            row = rng.choice(np.flatnonzero(cg.in_post & (cg.role == ROLE["none"])), 1) \
                if (cg.in_post & (cg.role == ROLE["none"])).any() else np.zeros(0, int)
            seats.elect(row, np.full(len(row), ROLE["member"], np.int8))
        check(seats, secs, cg)
