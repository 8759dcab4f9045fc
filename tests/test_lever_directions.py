"""Each lever moves its outcome in the expected direction, over seeds.

Runs are paired by seed: the model draws from one stream per random process
(common random numbers), so a lever's effect is the per-seed difference
between two runs. The mean difference must have the expected sign and be
more than ``K_SE`` standard errors away from zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.agents.structure import ELEMENTS
from sim.policies import CHANNELS

pytestmark = pytest.mark.slow

SCALE = 0.01
SEEDS = range(10)
K_SE = 3.0
CLOSED = {"promotion_township_leadership_open": False, "promotion_civil_service_open": False,
          "promotion_institution_open": False}


@pytest.fixture(scope="module")
def arm(cached_run):
    """``arm(end=..., **levers)``: outcome tables of every seed, concatenated."""

    def get(end: str = "2012-12", **levers) -> pd.DataFrame:
        return pd.concat([cached_run(scale=SCALE, end=end, seed=s, **levers) for s in SEEDS])

    return get


def per_seed(table: pd.DataFrame, measure: str, first: str, last: str,
             how: str = "mean") -> pd.Series:
    """One number per seed: ``how`` of ``measure`` over the months ``first``..``last``."""
    rows = table[(table.measure == measure) & (table.date >= first) & (table.date <= last)]
    assert rows["date"].nunique() >= 1, (measure, first, last)
    return rows.groupby("seed")["value"].agg(how)


def paired(a: pd.DataFrame, b: pd.DataFrame, measure: str, first: str, last: str,
           how: str = "mean") -> tuple[float, float]:
    """(mean, standard error) over seeds of ``a - b``."""
    diff = per_seed(a, measure, first, last, how) - per_seed(b, measure, first, last, how)
    assert len(diff) == len(SEEDS) and diff.notna().all()
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))


def assert_lower(a, b, measure, first, last, how="mean"):
    mean, se = paired(a, b, measure, first, last, how)
    assert mean < -K_SE * se and mean < 0, f"{measure}: mean difference {mean:.4g}, SE {se:.3g}"


def assert_higher(a, b, measure, first, last, how="mean"):
    mean, se = paired(a, b, measure, first, last, how)
    assert mean > K_SE * se and mean > 0, f"{measure}: mean difference {mean:.4g}, SE {se:.3g}"


def test_higher_pay_floor_lowers_quitting(arm):
    high, low = arm(pay_floor_multiple=2.0), arm(pay_floor_multiple=1.2)
    assert_lower(high, low, "secretary_quit_rate_per_year", "2010-01", "2012-12")
    assert_lower(high, low, "secretary_quits_per_month", "2010-01", "2012-12", how="sum")
    assert_higher(high, low, "secretary_pay_to_income_ratio", "2010-01", "2012-12")


def test_closing_promotion_channels_lowers_post_value_and_stops_promotions(arm):
    closed, base = arm(**CLOSED), arm()
    assert_lower(closed, base, "secretary_post_value_yuan_per_year", "2010-01", "2012-12")
    for channel in CHANNELS:
        measure = f"promotions_{channel}_per_month"
        assert (closed.loc[closed.measure == measure, "value"] == 0).all(), measure
        # The comparison is not vacuous: with channels open, every seed promotes someone.
        assert (per_seed(base, measure, "2008-01", "2012-12", "sum") > 0).all(), measure


@pytest.mark.parametrize("channel", CHANNELS)
def test_closing_one_channel_stops_only_that_channel(arm, channel):
    closed, base = arm(**{f"promotion_{channel}_open": False}), arm()
    for other in CHANNELS:
        total = per_seed(closed, f"promotions_{other}_per_month", "2008-01", "2012-12", "sum")
        if other == channel:
            assert (total == 0).all()
        else:
            assert (total > 0).all()
    assert_lower(closed, base, "secretary_post_value_yuan_per_year", "2010-01", "2012-12")


def test_removing_departure_subsidy_raises_quitting_near_retirement(arm):
    none, base = arm(retirement_departure_subsidy_enabled=False), arm()
    assert_higher(none, base, "secretary_quit_rate_age55plus_per_year", "2010-01", "2012-12")
    # Switched off everywhere, and nobody is paid one.
    assert (none.loc[none.measure == "county_share_departure_subsidy", "value"] == 0).all()
    assert (none.loc[none.measure == "cost_departure_subsidy_yuan_per_year", "value"] == 0).all()


def test_more_instructors_raise_enterprise_coverage(arm):
    more, fewer = arm(end="2011-12", enterprise_instructors=800000), arm(
        end="2011-12", enterprise_instructors=100000)
    assert_higher(more, fewer, "enterprise_coverage_share", "2011-12", "2011-12")


def test_earlier_instructors_raise_enterprise_coverage(arm):
    """More instructors through the initial-share lever: the full stock from 2008-01 vs a ramp
    from zero to the same end-2011 stock."""
    early, late = (arm(end="2011-12", enterprise_instructors_initial_share=1.0),
                   arm(end="2011-12", enterprise_instructors_initial_share=0.0))
    assert_higher(early, late, "enterprise_instructors", "2008-01", "2011-11")
    assert_higher(early, late, "enterprise_coverage_share", "2011-12", "2011-12")


def test_without_the_package_fewer_counties_implement_and_more_quit(arm):
    none, base = arm(scenario="no_yiding_sanyou"), arm()
    for element in ELEMENTS:
        assert_lower(none, base, f"county_share_{element}", "2012-06", "2012-06")
    assert_higher(none, base, "secretary_quit_rate_per_year", "2010-01", "2012-12")
    assert_lower(none, base, "secretary_post_value_yuan_per_year", "2010-01", "2012-12")
