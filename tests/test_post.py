"""The value of the post (docs/ODD.md §7.3-§7.7): hand-computed cases for each part and the sum.

The holder's and the candidate's value are one rule (:meth:`PostValue.of`): a
candidate is a holder with no tenure and an average score.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from sim.parameters import load_levers, load_world_parameters
from sim.policies import Policy
from sim.post import PostValue, forgone_earnings, post_value, promotion_value, security_value

POLICY = Policy.from_levers(load_levers())
#: World parameters with the values the hand computations below use, set explicitly.
PARAMS = load_world_parameters().with_values({"secretary": {
    "discount_rate": 0.05, "years_receiving_subsidy": 15, "migrant_option_end_age": 60,
    "migration_cost_share": 0.3, "earner_premium": 1.0, "time_share": 0.5,
    "college_wage_premium": 0.5, "promotion_gain_years": 5, "apply_probability": 0.5,
    "promotion_horizon_years": 10, "pre_policy_pay_ratio": 1.0},
    "political": {"honour_share_per_year": 0.0, "nomination_share_per_year": 0.0}}, "param")
#: The same with the political incentives of L24 (§7.23) at the values of the hand computation.
POLITICAL = PARAMS.with_values({"political": {
    "honour_share_per_year": 0.01, "nomination_share_per_year": 0.02, "seat_term_years": 5,
    "seat_value_income_multiple": 0.3, "honour_bonus_yuan_by_province": {"Hebei": 10000}}}, "param",
    frozenset({"Hebei"}))
#: (1 - 1.05**-15) / 0.05: present value of 1 yuan a year for 15 years at 5%.
ANNUITY = 10.3796580381806


@pytest.mark.parametrize(("pay", "promotion", "security", "motivation", "forgone", "expected"), [
    (10000, 2000, 500, 3000, 10000, 5500),   # 10000+2000+500+3000-10000
    (10000, 0, 0, 0, 0, 10000),              # a post that costs no earnings
    (8000, 0, 0, -1000, 30000, -23000),      # negative: worth less than what it costs
])
def test_post_value(pay, promotion, security, motivation, forgone, expected):
    assert post_value(pay, promotion, security, motivation, forgone) == expected


# Local labour income 9000, migrant income 24000, time share 0.5, migration cost 0.3,
# earner premium 1, college premium 0.5: forgone = best alternative - (1 - 0.5) x local.
@pytest.mark.parametrize(("age", "earner", "college", "expected"), [
    (30, False, False, 16800 - 4500),   # migrant 24000 x 0.7 = 16800 > local 9000
    (45, False, False, 12600 - 4500),   # fade (60-45)/20 = 0.75: 12600 > 9000
    (50, False, False, 9000 - 4500),    # fade 0.5: 8400 < local 9000
    (60, False, False, 4500),           # migrant work has faded out
    (75, False, False, 4500),
    (30, True, False, 18000 - 9000),    # a capable earner: local 18000 > 16800
    (50, True, False, 9000),
    (30, False, True, 25200 - 6750),    # college: migrant 16800 x 1.5, local 13500
    (60, False, True, 6750),
])
def test_forgone_earnings(age, earner, college, expected):
    value = forgone_earnings(np.array([age], float), np.array([earner]), np.array([college]),
                             24000.0, np.array([9000.0]), PARAMS)
    assert value[0] == pytest.approx(expected, rel=1e-12)


def test_the_post_costs_the_young_more_than_the_old():
    ages = np.array([25.0, 40.0, 55.0])
    costs = forgone_earnings(ages, np.zeros(3, bool), np.zeros(3, bool), 24000.0,
                             np.full(3, 9000.0), PARAMS)
    assert costs[0] >= costs[1] > costs[2]


# ---------------------------------------------------------------- security after leaving
def _security(age, tenure, pension_on=False, departure_on=True, income=8000.0, basic=14000.0):
    return float(security_value(
        np.array([age], float), np.array([tenure], float), np.array([income]), np.array([basic]),
        np.array([pension_on]), np.array([departure_on]), retirement_age=60, subsidy_rate=0.02,
        min_years=9, one_off_months=6, pension_subsidy=1200.0, params=PARAMS)[0])


@pytest.mark.parametrize(("age", "tenure", "expected"), [
    # 2 years left, 12 years served: 0.02 x 12 x 8000 = 1920 a year, x annuity 10.3797 = 19928.9,
    # discounted 1.05**-2 = 18076.1, spread over 2 years = 9038.07
    (58, 10, 1920 * ANNUITY * 1.05**-2 / 2),
    # 20 years left, 30 served: 4800 a year x annuity x 1.05**-20 / 20 = 938.88
    (40, 10, 4800 * ANNUITY * 1.05**-20 / 20),
    # 10 years left, 10 served (>= 9): 1600 x annuity x 1.05**-10 / 10 = 1019.55
    (50, 0, 1600 * ANNUITY * 1.05**-10 / 10),
    # 5 years left, 5 served (< 9): one-off 6/12 x 14000 = 7000, x 1.05**-5 / 5 = 1096.94
    (55, 0, 7000 * 1.05**-5 / 5),
    # at or past the retirement age half a year is left:
    # 3.5 years served, one-off 7000 x 1.05**-0.5 / 0.5
    (59.5, 3, 7000 * 1.05**-0.5 / 0.5),
    (61, 30, 0.02 * 30.5 * 8000 * ANNUITY * 1.05**-0.5 / 0.5),
])
def test_security_value(age, tenure, expected):
    assert _security(age, tenure) == pytest.approx(expected, rel=1e-12)


def test_departure_subsidy_pulls_hardest_near_retirement():
    assert _security(58, 10) > 5 * _security(40, 10)
    ages = np.arange(30, 60)
    values = [_security(a, 10) for a in ages]
    assert values[-1] == max(values)


@pytest.mark.parametrize(("age", "tenure"), [(58, 10), (40, 10), (55, 0), (61, 30)])
def test_no_departure_subsidy_no_security_but_the_pension(age, tenure):
    assert _security(age, tenure, pension_on=False, departure_on=False) == 0.0
    assert _security(age, tenure, pension_on=True, departure_on=False) == 1200.0
    # The pension adds exactly its subsidy to whatever the departure subsidy is worth.
    with_pension = _security(age, tenure, pension_on=True)
    assert with_pension - _security(age, tenure) == pytest.approx(1200.0, abs=1e-9)


# ---------------------------------------------------------------- promotion option value
# chance 0.1, apply 0.5, gain 5 x 30000 = 150000: 7500 a year at a full share of the horizon.
# min tenure 3, max age 45, horizon 10: share = clip(min(45 - age, 10) - max(3 - tenure, 0), 0, 10) / 10
@pytest.mark.parametrize(("age", "tenure", "horizon", "expected"), [
    (30, 5, 10, 7500.0),             # may apply for all of the next 10 years
    (30, 0, 10, 7500.0 * 0.7),       # must first serve 3 years
    (40, 5, 10, 7500.0 * 0.5),       # 5 years until the age limit
    (44, 1, 10, 0.0),                # the age limit comes before the tenure
    (50, 5, 10, 0.0),                # past the age limit
    (30, 0, 5, 7500.0 * 2 / 5),      # a 5-year horizon: 2 of its years open
])
def test_promotion_value(age, tenure, horizon, expected):
    value = promotion_value(0.1, 0.5, np.array([150000.0]), np.array([age], float),
                            np.array([tenure], float), 3, 45, horizon)
    assert value[0] == pytest.approx(expected, rel=1e-12, abs=1e-9)


def _world(floor_paid=(True, True), pension=(False, False), departure=(False, False)):
    income = np.array([8000.0, 8000.0])
    return SimpleNamespace(
        village_income=income, labour_income=np.array([9000.0, 9000.0]),
        floor_paid=np.array(floor_paid), pension_on=np.array(pension), departure_on=np.array(departure),
        economy=SimpleNamespace(migrant_income=24000.0), villages=SimpleNamespace(province=np.array([0, 0])),
        provinces=SimpleNamespace(names=("Hebei",)))


def _post(world, policy=POLICY, params=PARAMS, chance=0.1):
    return PostValue(params, policy, world, SimpleNamespace(chance=chance, township_pay=np.array([30000.0])))


def test_candidate_is_a_holder_with_no_tenure_and_an_average_score():
    world = _world()
    post = _post(world)
    villages = np.array([0, 1])
    age, earner, college, motivation = (np.array([30.0, 50.0]), np.array([True, False]),
                                        np.array([False, True]), np.array([1.0, 0.5]))
    basic, pay = POLICY.pay_floor.apply(world.village_income, world.floor_paid, np.zeros(2), 1.0)
    as_holder = post.of(villages, age, np.zeros(2), earner, college, motivation, pay, basic)
    assert post.candidates(villages, age, earner, college, motivation) == pytest.approx(as_holder, rel=0)


def test_value_of_the_post_by_hand():
    # Age 30, tenure 5, not an earner, no college, motivation 1, floor paid, no security:
    # pay = 1.75 x 8000 x (1 + 0.3 x clip(1 + 0.5 x 0, 0, 2)) = 14000 x 1.3 = 18200
    # promotion = 0.1 x 0.5 x 150000 x 1 = 7500; motivation = 8000
    # forgone = max(24000 x 1 x 0.7, 9000) - 0.5 x 9000 = 16800 - 4500 = 12300
    world = _world()
    post = _post(world)
    basic, pay = POLICY.pay_floor.apply(world.village_income, world.floor_paid, np.zeros(2), 1.0)
    value = post.of(slice(None), np.array([30.0, 30.0]), np.array([5.0, 5.0]), np.zeros(2, bool),
                    np.zeros(2, bool), np.ones(2), pay, basic)
    assert value == pytest.approx([18200 + 7500 + 8000 - 12300] * 2, rel=1e-12)
    # With the political incentives (§7.23): 0.01 x 10,000 (Hebei) + 0.02 x 5 x 0.3 x 8000 = 100 + 240.
    political = _post(world, params=POLITICAL).of(
        slice(None), np.array([30.0, 30.0]), np.array([5.0, 5.0]), np.zeros(2, bool), np.zeros(2, bool),
        np.ones(2), pay, basic)
    assert political - value == pytest.approx([340.0, 340.0], rel=1e-9)


def test_the_promotion_horizon_is_read_from_the_parameters():
    world = _world()
    short = PARAMS.with_values({"secretary": {"promotion_horizon_years": 5}}, "param")
    args = (np.array([0]), np.array([30.0]), np.array([0.0]))
    assert _post(world).promotion(*args)[0] == pytest.approx(7500.0 * 0.7)
    assert _post(world, params=short).promotion(*args)[0] == pytest.approx(7500.0 * 0.4)


def test_retirement_lever_switches_off_what_counties_run():
    world = _world(pension=(True, True), departure=(True, True))
    args = (np.array([0]), np.array([58.0]), np.array([10.0]), np.array([False]), np.array([False]),
            np.array([0.0]))
    on = _post(world).of(*args)[0]
    no_subsidy = _post(world, dataclasses.replace(
        POLICY, retirement=dataclasses.replace(POLICY.retirement, departure_subsidy_enabled=False))).of(*args)[0]
    no_pension = _post(world, dataclasses.replace(
        POLICY, retirement=dataclasses.replace(POLICY.retirement, pension_enabled=False))).of(*args)[0]
    neither = _post(_world()).of(*args)[0]
    pension = POLICY.retirement.pension_subsidy_yuan_per_year
    assert no_subsidy - neither == pytest.approx(pension)
    assert on - no_pension == pytest.approx(pension)
    assert on > no_subsidy > neither
