"""Village governance (docs/ODD.md §7.22; R10 L839, L847): the adoption rule by hand, its tie to the secretary."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.democracy import VillageGovernance, adoption_probability
from sim.parameters import load_levers, load_world_parameters
from sim.policies import Policy
from sim.timeline import parse_month
from tests.conftest import run_table

PARAMS = load_world_parameters().with_values({"democracy": {
    "four_deliberations_initial_share": 0.0, "open_affairs_initial_share": 0.0,
    "four_deliberations_rate_per_year": 1.0, "open_affairs_rate_per_year": 2.0, "ability_slope": 1.0}}, "param")
POLICY = Policy.from_levers(load_levers().with_values({"democracy": {
    "four_deliberations_start": "2009-01", "open_affairs_start": "2010-07"}}, "policy"))


def test_adoption_probability_by_hand():
    p = adoption_probability(np.array([0.0, 1.0, 2.0]), np.array([True, True, False]), 1.0, 1.0)
    assert p[0] == pytest.approx(1 - math.exp(-1 / 12))
    assert p[1] == pytest.approx(1 - math.exp(-math.e / 12))
    assert p[2] == 0.0                                      # a vacant post adopts nothing


class _Rng:
    """Fixed uniforms for both practices."""

    def __init__(self, u):
        self.u = np.asarray(u, float)

    def random(self, shape):
        return np.broadcast_to(self.u, shape).copy()


def test_a_month_by_hand():
    gov = VillageGovernance(PARAMS, POLICY, 3, np.random.default_rng(0))
    secs = SimpleNamespace(ability=np.array([0.0, 1.0, 0.0]), filled=np.array([True, True, False]))
    u = 1 - math.exp(-1.5 / 12)               # between the chances at ability 0 and 1
    gov.step(parse_month("2008-06"), secs, _Rng([u, u, u]))
    assert not gov.uses["four_deliberations"].any()          # before the promotion
    gov.step(parse_month("2009-06"), secs, _Rng([u, u, u]))
    assert gov.uses["four_deliberations"].tolist() == [False, True, False]
    assert not gov.uses["open_affairs"].any()                # required only from 2010-07
    gov.step(parse_month("2010-07"), secs, _Rng([u, u, u]))
    assert gov.uses["open_affairs"].tolist() == [True, True, False]   # rate 2: both filled posts
    gov.step(parse_month("2010-08"), SimpleNamespace(ability=np.zeros(3), filled=np.zeros(3, bool)),
             _Rng([0.0, 0.0, 0.0]))
    assert gov.uses["four_deliberations"].tolist() == [False, True, False]   # kept, none new


@pytest.fixture(scope="module")
def runs():
    small = {"scale": 0.002, "end": "2012-06", "seed": 4}
    return run_table(**small), run_table(**small, democracy_four_deliberations_promoted=False,
                                         democracy_open_affairs_promoted=False)


def test_governance_changes_no_other_outcome(runs):
    base, off = runs
    mine = ("villages_four", "villages_open", "four_deliberations")
    a = base[~base.measure.str.startswith(mine)]["value"].to_numpy()
    b = off[~off.measure.str.startswith(mine)]["value"].to_numpy()
    np.testing.assert_array_equal(a, b)


def test_abler_secretaries_lead_more_villages_to_the_practice(runs):
    base, off = runs
    last = base[base.date == "2012-06"].set_index("measure")["value"]
    assert last["four_deliberations_share_capable_secretary"] > last["four_deliberations_share_other_secretary"]
    first = base[base.date == "2008-01"].set_index("measure")["value"]["villages_four_deliberations"]
    assert last["villages_four_deliberations"] > first
    unpromoted = off[off.date == "2012-06"].set_index("measure")["value"]["villages_four_deliberations"]
    assert unpromoted == pytest.approx(first)                 # no take-up without the push
