"""Hand-computed cases for the decision rules and the policy objects."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim import ConfigError
from sim.agents.secretary import monthly_hazard, quit_probability
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
