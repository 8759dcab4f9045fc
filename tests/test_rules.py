"""Hand-computed cases for the decision rules and the policy objects."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim import ConfigError
from sim.agents.secretary import (
    forgone_earnings,
    monthly_hazard,
    post_value,
    quit_probability,
    security_value,
)
from sim.parameters import load_levers, load_world_parameters, series_value
from sim.policies import Policy
from sim.policies.enterprise_party_building import EnterprisePartyBuilding
from sim.policies.pay_floor import PayFloor
from sim.timeline import format_month, month_of_year, parse_month, year_of

POLICY = Policy.from_levers(load_levers())
#: World parameters with the values the hand computations below use, set explicitly.
PARAMS = load_world_parameters().with_values({"secretary": {
    "discount_rate": 0.05, "years_receiving_subsidy": 15, "migrant_option_end_age": 60,
    "migration_cost_share": 0.3, "earner_premium": 1.0, "time_share": 0.5,
    "college_wage_premium": 0.5}}, "param")
#: (1 - 1.05**-15) / 0.05: present value of 1 yuan a year for 15 years at 5%.
ANNUITY = 10.3796580381806


def m(text: str) -> int:
    return parse_month(text)


# ---------------------------------------------------------------- stay or quit
@pytest.mark.parametrize(("relative", "intercept", "slope", "expected"), [
    (0.0, 0.0, 0.6, 0.5),
    (2.0, 1.0, 0.5, 0.5),                       # slope x value = intercept
    (0.0, -2.0, 0.6, 1 / (1 + math.e**2)),       # 0.1192
    (1.0, -2.0, 0.6, 1 / (1 + math.e**2.6)),     # 0.0691
    (5.0, -2.0, 0.6, 1 / (1 + math.e**5)),       # 0.0067
    (-5.0, -2.0, 0.6, 1 / (1 + math.e**-1)),     # 0.7311: a post worth less than nothing
    (1.0, -2.0, 0.0, 1 / (1 + math.e**2)),       # no response to value
])
def test_quit_probability(relative, intercept, slope, expected):
    assert quit_probability(relative, intercept, slope) == pytest.approx(expected, rel=1e-12)
    scalar = quit_probability(relative, intercept, slope, math.exp)
    assert scalar == pytest.approx(expected, rel=1e-12)


def test_quit_probability_falls_with_value_on_arrays():
    values = np.linspace(-3, 10, 50)
    p = quit_probability(values, -2.0, 0.6)
    assert p.shape == values.shape
    assert (np.diff(p) < 0).all() and ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize(("yearly", "monthly"), [
    (0.0, 0.0),
    (0.5, 1 - 0.5 ** (1 / 12)),       # 0.05613
    (0.12, 1 - 0.88 ** (1 / 12)),     # 0.01060
    (0.75, 1 - 0.25 ** (1 / 12)),
])
def test_monthly_hazard(yearly, monthly):
    assert monthly_hazard(yearly) == pytest.approx(monthly, rel=1e-12, abs=1e-15)
    scalar = monthly_hazard(yearly, math.log1p, math.expm1)
    assert scalar == pytest.approx(monthly, rel=1e-12, abs=1e-15)
    # Twelve months at the monthly hazard give back the yearly probability.
    assert 1 - (1 - monthly_hazard(yearly)) ** 12 == pytest.approx(yearly, abs=1e-12)


def test_monthly_hazard_of_certain_quitting_is_one():
    with np.errstate(divide="ignore"):
        assert monthly_hazard(np.array([1.0]))[0] == 1.0


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


def test_retirement_lever_switches_off_what_counties_run():
    args = (np.array([58.0]), np.array([10.0]), np.array([8000.0]), np.array([14000.0]),
            np.array([True]), np.array([True]), PARAMS)
    on = POLICY.retirement.apply(*args)[0]
    no_subsidy = dataclasses.replace(POLICY.retirement,
                                     departure_subsidy_enabled=False).apply(*args)[0]
    no_pension = dataclasses.replace(POLICY.retirement, pension_enabled=False).apply(*args)[0]
    pension = POLICY.retirement.pension_subsidy_yuan_per_year
    assert no_subsidy == pytest.approx(pension)
    assert on - no_pension == pytest.approx(pension)
    assert on > no_subsidy > 0


@pytest.mark.parametrize(("tenure", "yearly", "one_off"), [
    (12.0, 0.02 * 12 * 8000, 0.0),    # regular subsidy: 1920 a year
    (9.0, 0.02 * 9 * 8000, 0.0),      # exactly the minimum
    (5.0, 0.0, 6 / 12 * 14000),       # one-off: half a year of basic pay
])
def test_departure_payment(tenure, yearly, one_off):
    retirement = dataclasses.replace(POLICY.retirement, departure_subsidy_per_tenure_year=0.02,
                                     departure_subsidy_min_years=9, one_off_months=6)
    got_yearly, got_one_off = retirement.departure_payment(np.array([tenure]), np.array([8000.0]),
                                                           np.array([14000.0]))
    assert got_yearly[0] == pytest.approx(yearly) and got_one_off[0] == pytest.approx(one_off)


# ---------------------------------------------------------------- pay floor
FLOOR = PayFloor(multiple=2.0, performance_share=0.3)


@pytest.mark.parametrize(("paid", "score", "basic", "total"), [
    (True, 0.0, 10000, 13000),    # 2 x 5000, plus 30% at an average score
    (True, 1.0, 10000, 14500),    # factor 1.5: 10000 x (1 + 0.45)
    (True, 2.0, 10000, 16000),    # factor 2: performance pay doubled
    (True, 4.0, 10000, 16000),    # capped at double
    (True, -2.0, 10000, 10000),   # factor 0: no performance pay
    (True, -5.0, 10000, 10000),   # never negative
    (False, 0.0, 4000, 4000),     # no floor: pre-policy 0.8 x 5000, no performance pay
    (False, 2.0, 4000, 4000),
])
def test_pay_floor(paid, score, basic, total):
    got_basic, got_total = FLOOR.apply(np.array([5000.0]), np.array([paid]), np.array([score]), 0.8)
    assert got_basic[0] == pytest.approx(basic) and got_total[0] == pytest.approx(total)


# ---------------------------------------------------------------- promotion channels
PROMOTION = dataclasses.replace(
    POLICY.promotion, township_leadership_posts_per_1000_villages=1.0,
    civil_service_posts_per_1000_villages=2.0, institution_posts_per_1000_villages=3.0,
    township_election_posts_multiple=4.0, background_share=0.25)
VILLAGES = np.array([1000.0, 500.0, 0.0])


@pytest.mark.parametrize(("year", "in_effect", "leadership", "civil", "institution"), [
    (2010, True, [1, 0.5, 0], [2, 1, 0], [3, 1.5, 0]),
    (2011, True, [4, 2, 0], [2, 1, 0], [3, 1.5, 0]),           # township elections: 4x leadership
    (2016, True, [4, 2, 0], [2, 1, 0], [3, 1.5, 0]),
    (2012, True, [1, 0.5, 0], [2, 1, 0], [3, 1.5, 0]),
    (2010, False, [0.25, 0.125, 0], [0.5, 0.25, 0], [0.75, 0.375, 0]),   # background share
    (2011, False, [1, 0.5, 0], [0.5, 0.25, 0], [0.75, 0.375, 0]),
])
def test_promotion_posts(year, in_effect, leadership, civil, institution):
    posts = PROMOTION.apply(VILLAGES, year, in_effect)
    np.testing.assert_allclose(posts["township_leadership"], leadership)
    np.testing.assert_allclose(posts["civil_service"], civil)
    np.testing.assert_allclose(posts["institution"], institution)


@pytest.mark.parametrize("channel", ["township_leadership", "civil_service", "institution"])
def test_closed_channel_has_no_posts(channel):
    closed = dataclasses.replace(PROMOTION, **{f"{channel}_open": False})
    open_posts = PROMOTION.apply(VILLAGES, 2011, True)
    for year, in_effect in [(2010, True), (2011, True), (2011, False)]:
        posts = closed.apply(VILLAGES, year, in_effect)
        assert (posts[channel] == 0).all()
    for other in open_posts:
        if other != channel:
            np.testing.assert_allclose(closed.apply(VILLAGES, 2011, True)[other], open_posts[other])


def test_exam_bonus_in_standard_deviations():
    names = ("Hebei", "Jilin", "Tibet")
    jilin = dataclasses.replace(PROMOTION, exam_bonus_points_by_province={"Jilin": 20})
    bonus = jilin.exam_bonus(names, 15)
    np.testing.assert_allclose(bonus, [0.0, 20 / 15, 0.0])


# ---------------------------------------------------------------- enterprise party building
ENTERPRISE = EnterprisePartyBuilding(
    instructors=400000, instructors_initial_share=0.3, instructors_by_province={"Anhui": 5000},
    instructors_by_province_start="2011-01", campaign_start="2010-04", campaign_end="2012-12",
    campaign_intensity=1.5, instructor_cost_yuan_per_year=3000)
NAMES = ("Anhui", "Jilin", "Tibet")
SHARE = np.array([0.5, 0.3, 0.2])


@pytest.mark.parametrize(("month", "stock"), [
    ("2007-06", [60000, 36000, 24000]),         # before the ramp: the initial share, 0.3 x 400000
    ("2008-01", [60000, 36000, 24000]),
    # 23 of the 47 months of the ramp: share 0.3 + 0.7 x 23/47
    ("2009-12", [x * (0.3 + 0.7 * 23 / 47) for x in (200000, 120000, 80000)]),
    ("2010-12", [x * (0.3 + 0.7 * 35 / 47) for x in (200000, 120000, 80000)]),
    ("2011-01", [200000 * (0.3 + 0.7 * 36 / 47) + 5000, 120000 * (0.3 + 0.7 * 36 / 47),
                 80000 * (0.3 + 0.7 * 36 / 47)]),     # Anhui's extra instructors arrive
    ("2011-12", [205000, 120000, 80000]),       # the full stock
    ("2014-06", [205000, 120000, 80000]),       # flat afterwards
])
def test_instructor_stock(month, stock):
    got, _ = ENTERPRISE.apply(m(month), SHARE, NAMES)
    np.testing.assert_allclose(got, stock, rtol=1e-12)


def test_extra_instructors_do_not_change_the_shares():
    share = SHARE.copy()
    ENTERPRISE.apply(m("2012-01"), share, NAMES)
    np.testing.assert_array_equal(share, SHARE)


@pytest.mark.parametrize(("month", "multiple"), [
    ("2010-03", 1.0), ("2010-04", 1.5), ("2011-07", 1.5), ("2012-12", 1.5), ("2013-01", 1.0),
])
def test_campaign_window(month, multiple):
    assert ENTERPRISE.apply(m(month), SHARE, NAMES)[1] == multiple


def test_campaign_must_not_end_before_it_starts():
    with pytest.raises(ConfigError, match="campaign_end"):
        dataclasses.replace(ENTERPRISE, campaign_end="2010-03")


# ---------------------------------------------------------------- the package and other levers
@pytest.mark.parametrize(("adopted", "month", "expected"), [
    (True, "2008-12", False), (True, "2009-01", True), (True, "2012-06", True),
    (False, "2012-06", False),
])
def test_package_in_effect(adopted, month, expected):
    package = dataclasses.replace(POLICY.yiding_sanyou, adopted=adopted, start="2009-01")
    assert package.apply(m(month)) is expected


@pytest.mark.parametrize(("month", "guangxi"), [
    ("2011-12", 0), ("2012-01", 3000), ("2013-06", 3000)])
def test_first_secretaries_arrive(month, guangxi):
    first = dataclasses.replace(POLICY.first_secretary, by_province={"Guangxi": 3000},
                                start="2012-01")
    stock = first.apply(m(month), ("Guangxi", "Hebei"))
    np.testing.assert_array_equal(stock, [guangxi, 0])


@pytest.mark.parametrize(("enabled", "threshold", "removed"), [
    (True, -2.0, [True, False, False, False]),
    (True, 0.0, [True, True, False, False]),
    (False, 0.0, [False, False, False, False]),
])
def test_assessment_removal(enabled, threshold, removed):
    assessment = dataclasses.replace(POLICY.assessment, removal_enabled=enabled,
                                     removal_threshold=threshold)
    score = np.array([-2.5, -1.0, 0.5, -3.0])
    filled = np.array([True, True, True, False])   # a vacant post is never "removed"
    np.testing.assert_array_equal(assessment.apply(score, filled), removed)


def test_cgvo_places_follow_the_funded_share():
    cgvo = dataclasses.replace(POLICY.cgvo, annual_plan=1000, recruitment_month=8, start="2008-04",
                               subsidy_east=8000, subsidy_central=15000, subsidy_west=20000)
    share, region = np.array([0.5, 0.3, 0.2]), np.array([0, 1, 2])
    funding = np.array([1.0, 0.6, 0.4])
    places = cgvo.apply(m("2009-08"), share, region, 25000.0, funding)
    # east: (8000 + 25000) / 25000 > 1 -> all 500; central: (15000 + 15000) / 25000 > 1 -> 300;
    # west: (20000 + 10000) / 25000 > 1 -> 200
    np.testing.assert_allclose(places, [500, 300, 200])
    poor = cgvo.apply(m("2009-08"), share, region, 50000.0, funding)
    # east: (8000 + 50000) / 50000 -> 1; central: (15000 + 30000) / 50000 = 0.9; west: 0.8
    np.testing.assert_allclose(poor, [500, 0.9 * 300, 0.8 * 200])
    assert not cgvo.apply(m("2009-07"), share, region, 25000.0, funding).any()
    assert not cgvo.apply(m("2007-08"), share, region, 25000.0, funding).any()
    assert not dataclasses.replace(cgvo, enabled=False).apply(
        m("2009-08"), share, region, 25000.0, funding).any()


# ---------------------------------------------------------------- yearly series
SERIES = {"2008": 100.0, "2010": 200.0}


@pytest.mark.parametrize(("series", "year", "expected"), [
    (SERIES, 2005, 100.0),                   # flat before the first year
    (SERIES, 2008, 100.0),
    (SERIES, 2009, 150.0),                   # linear in between
    (SERIES, 2010, 200.0),
    (SERIES, 2011, 200.0 * 2 ** 0.5),        # last growth: (200/100)**(1/2) a year
    (SERIES, 2012, 400.0),
    ({"2008": 100.0, "2009": 110.0, "2010": 121.0}, 2012, 146.41),   # 10% a year
    ({"2008": 100.0, "2009": 110.0, "2010": 121.0}, 2009, 110.0),
    ({"2010": 5.0}, 2000, 5.0),              # a single year is flat both ways
    ({"2010": 5.0}, 2030, 5.0),
    ({"2012": 40.0, "2008": 20.0}, 2010, 30.0),   # key order does not matter
])
def test_series_value(series, year, expected):
    assert series_value(series, year) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("year", "expected"), [
    (2005, 100.0), (2009, 150.0), (2010, 200.0),   # the listed years are unaffected
    (2011, 216.0),                                  # 200 x 1.08
    (2013, 200.0 * 1.08**3),
])
def test_series_value_with_steady_growth_after(year, expected):
    assert series_value(SERIES, year, 0.08) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- calendar
@pytest.mark.parametrize(("text", "month", "year", "moy"), [
    ("2008-01", 2008 * 12, 2008, 1),
    ("2008-12", 2008 * 12 + 11, 2008, 12),
    ("2009-01", 2009 * 12, 2009, 1),
    ("2050-12", 2050 * 12 + 11, 2050, 12),
])
def test_parse_month(text, month, year, moy):
    assert parse_month(text) == month
    assert year_of(month) == year and month_of_year(month) == moy
    assert format_month(month) == text


def test_month_round_trip():
    for month in range(m("2008-01"), m("2050-12") + 1):
        assert parse_month(format_month(month)) == month
    assert format_month(m("2008-12") + 1) == "2009-01"


@pytest.mark.parametrize("text", ["2008-13", "2008-00", "2008-1", "08-01", "2008/01", "200801",
                                  "", "2008-01-01", " 2008-01", 200801])
def test_parse_month_rejects(text):
    with pytest.raises(ConfigError) as info:
        parse_month(text, "end")
    assert info.value.key == "end"
