"""Urban communities, 三有一化 (docs/ODD.md §7.20; R9 L702-L740): rules by hand, the post-value reuse, a run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.community import problems_left, roll_out_order, urban_parameters, visited_share
from sim.errors import ConfigError
from sim.model import VillageModel
from sim.parameters import load_levers, load_world_parameters
from sim.policies import Policy
from sim.policies.community import ELEMENTS
from sim.post import forgone_earnings, security_value
from tests.conftest import run_table

SMALL = {"scale": 0.002, "start": "2008-01", "end": "2010-06", "seed": 3}


def test_roll_out_puts_the_richest_first_when_fully_tilted():
    wealth = np.array([1.0, 3.0, 2.0, 0.0])
    noise = np.array([0.0, 0.0, 0.0, 0.0])
    assert roll_out_order(wealth, noise, 1.0).tolist() == [0.5, 0.0, 0.25, 0.75]


def test_roll_out_without_tilt_follows_the_noise():
    wealth = np.array([1.0, 3.0, 2.0])
    noise = np.array([0.3, -1.0, 2.0])
    assert roll_out_order(wealth, noise, 0.0).tolist() == [1 / 3, 0.0, 2 / 3]


def test_reach_gives_the_share_at_any_size():
    rng = np.random.default_rng(0)
    place = roll_out_order(rng.random(200), rng.standard_normal(200), 0.5)
    assert (place < 0.509).mean() == pytest.approx(102 / 200)


@pytest.mark.parametrize(("previous", "visits", "households", "expected"), [
    (0.0, 100.0, 100.0, 1 - math.exp(-1)),
    (0.5, 0.0, 100.0, 0.5),
    (0.5, 200.0, 100.0, 1 - 0.5 * math.exp(-2)),
])
def test_visited_share_by_hand(previous, visits, households, expected):
    assert visited_share(previous, visits, households) == pytest.approx(expected)


@pytest.mark.parametrize(("visit_rate", "tasks", "expected"), [
    (0.5, 20.0, 50.0),   # 100 problems, half met, 60% of those solved: 70 left, 20 tasks: 50
    (0.5, 80.0, 0.0),    # more tasks than problems left
    (2.0, 0.0, 40.0),    # the visit rate is capped at one: 60 solved on the spot
    (0.0, 0.0, 100.0),
])
def test_problems_left_by_hand(visit_rate, tasks, expected):
    assert problems_left(100.0, visit_rate, 0.6, tasks) == pytest.approx(expected)


def _policy(changes):
    return Policy.from_levers(load_levers().with_values({"community": changes}, "policy")).community


def test_reach_series_with_and_without_the_push():
    pol = _policy({"reach": {"pay_floor": {"2009": 0.2, "2012": 0.5}}})
    assert pol.share("pay_floor", 2008, True) == pytest.approx(0.2)
    assert pol.share("pay_floor", 2010, True) == pytest.approx(0.3)
    assert pol.share("pay_floor", 2012, True) == pytest.approx(0.5)
    assert pol.share("pay_floor", 2012, False) == pytest.approx(0.2)   # held at the first level
    assert set(pol.reach) == set(ELEMENTS)


def test_the_pay_rule_is_the_village_rule_at_the_community_floor():
    rule = _policy({"pay_floor_multiple": 1.2}).pay_rule()
    basic, total = rule.apply(np.array([40000.0, 40000.0]), np.array([True, False]), np.zeros(2), 0.6)
    assert basic.tolist() == pytest.approx([48000.0, 24000.0])
    assert total.tolist() == pytest.approx([48000.0, 24000.0])   # no performance pay


def test_urban_parameters_replace_only_the_outside_option_of_the_village_rule():
    world = load_world_parameters()
    urban = urban_parameters(world)
    assert urban.value("secretary.time_share") == world.value("community.post_time_share")
    assert urban.value("secretary.migrant_option_end_age") == world.value("community.formal_job_end_age")
    assert urban.value("secretary.migration_cost_share") == 0.0
    assert urban.value("secretary.college_wage_premium") == world.value("secretary.college_wage_premium")
    assert world.value("secretary.time_share") != urban.value("secretary.time_share")  # the village's is kept


@pytest.fixture(scope="module")
def model():
    return VillageModel(scale=0.002, start="2008-01", end="2008-01", seed=1)


def test_post_value_of_a_community_secretary_by_hand(model):
    """Pay at the floor, forgone earnings, insurance and motivation, summed by the village rule."""
    c = model.communities
    p = model.params
    row = np.array([0])
    c.has["pay_floor"][0] = True
    c.has["insurance"][0] = True
    wage, ref = c.wage[0], c.reference_income[0]
    age, college, motivation = np.array([30.0]), np.array([True]), np.array([0.5])
    value = c.post_value(row, age, np.zeros(1), college, motivation, np.array([False]))
    # forgone: a formal job at age 30 (fully open, 20 years before the end age of 50) at
    # the college premium; the full-time post leaves no informal earnings.
    assert p.value("community.formal_job_end_age") - 30 >= 20
    forgone = wage * (1 + p.value("secretary.college_wage_premium"))
    assert forgone_earnings(age, False, college, wage, 0.5 * wage, urban_parameters(p))[0] == pytest.approx(
        forgone)
    insurance = p.value("community.insurance_share_of_pay") * wage  # paid while in post
    security = security_value(age, np.zeros(1), ref, np.array([wage]), np.array([True]), False,
                              60.0, 0.0, 1.0, 0.0, insurance, urban_parameters(p))
    assert security[0] == pytest.approx(insurance)
    # promotion into an establishment: the yearly chance x applying x the gain (years of the
    # wage) x the share of the coming 10 years in which a holder of 30 with no tenure may
    # apply: from 3 years in post to the age limit of 45, 7 of 10
    pol = model.policy.promotion
    assert (pol.min_tenure_years, pol.max_age, p.value("secretary.promotion_horizon_years")) == (3, 45, 10)
    promotion = (c.establishment_chance * p.value("secretary.apply_probability")
                 * p.value("secretary.promotion_gain_years") * wage * 0.7)
    expected = wage + promotion + insurance + 0.5 * ref - forgone
    assert value[0] == pytest.approx(expected, rel=1e-9)


def test_the_floor_and_insurance_raise_the_value_of_the_post(model):
    c = model.communities
    row, age, ten = np.array([1]), np.array([45.0]), np.array([5.0])
    args = (np.array([False]), np.array([1.0]), np.array([False]))
    c.has["pay_floor"][1] = c.has["insurance"][1] = False
    low = c.post_value(row, age, ten, *args)[0]
    c.has["pay_floor"][1] = True
    mid = c.post_value(row, age, ten, *args)[0]
    c.has["insurance"][1] = True
    high = c.post_value(row, age, ten, *args)[0]
    assert low < mid < high
    pre = model.params.value("community.pre_policy_pay_ratio")
    assert mid - low == pytest.approx((1.0 - pre) * c.wage[1])


@pytest.fixture(scope="module")
def small_runs():
    base = run_table(**SMALL)
    changed = run_table(**SMALL, community_pay_floor_multiple=2.0, community_grid_households=200.0,
                        community_grid_visits_per_month=20.0, community_adopted=False)
    return base, changed


def test_community_levers_change_no_village_outcome(small_runs):
    """The module draws from its own streams: changing it leaves every other measure as it was."""
    base, changed = small_runs
    others = ~base["measure"].str.startswith("community_")
    assert others.sum() > 1000
    a = base[others].sort_values(["date", "measure"])["value"].to_numpy()
    b = changed[~changed["measure"].str.startswith("community_")].sort_values(["date", "measure"])[
        "value"].to_numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(base[~others]["value"].to_numpy(), changed[~others]["value"].to_numpy())


def _at(table, measure, date):
    return float(table[(table.measure == measure) & (table.date == date)]["value"].iloc[0])


def test_the_push_rolls_out_and_its_absence_keeps_the_first_level(small_runs):
    base, changed = small_runs
    assert _at(base, "community_share_pay_floor", "2008-06") < _at(base, "community_share_pay_floor", "2010-06")
    assert _at(changed, "community_share_pay_floor", "2010-06") == pytest.approx(
        _at(base, "community_share_pay_floor", "2008-06"))
    assert _at(base, "community_graduates_in_post", "2010-06") > 0
    assert _at(changed, "community_graduates_in_post", "2010-06") == 0
    assert _at(base, "community_households_visited_share", "2010-06") == 0
    # 20 visits a month per 200 households from 2009-11 (grid_start): 8 months to 2010-06
    assert _at(changed, "community_households_visited_share", "2010-06") == pytest.approx(
        1 - math.exp(-0.1 * 8))
    assert _at(changed, "community_petitions_per_month", "2010-06") < _at(
        base, "community_petitions_per_month", "2010-06")


def test_community_funds_add_up(small_runs):
    base, _ = small_runs
    parts = sum(_at(base, f"community_funds_{f}_yuan_per_year", "2010-06")
                for f in ("budget_line", "dues_support", "fees_follow_tasks", "sponsorship"))
    assert _at(base, "community_funds_yuan_per_year", "2010-06") == pytest.approx(parts)


@pytest.mark.parametrize(("levers", "key"), [
    ({"policy": {"community": {"reach": {"pay_floor": {"2009": 0.2, "2012": 1.5}}}}},
     "policy.community.reach.pay_floor"),
    ({"community_start": "2009-13"}, "policy.community.start"),
    ({"community_grid_households": -1}, "policy.community.grid_households"),
])
def test_bad_community_levers_are_one_clear_error(levers, key):
    with pytest.raises(ConfigError) as err:
        VillageModel(scale=0.002, start="2008-01", end="2008-02", **levers).run()
    assert key in str(err.value)
