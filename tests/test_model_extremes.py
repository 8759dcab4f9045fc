"""Allowed extremes run, numpy numbers are numbers, and a seed must fit the outcome table."""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest

from sim import ConfigError, VillageModel
from sim.agents.secretary import monthly_hazard, quit_probability


@pytest.mark.parametrize("overrides", [
    {"secretary": {"quit_slope": 20.0}},                      # the probability rounds to 1 for some
    {"secretary": {"quit_slope": 20.0, "quit_intercept": 20.0}},
    {"secretary": {"quit_slope": 0.0, "quit_intercept": 20.0}},
])
def test_extreme_quit_responses_run(overrides):
    table = VillageModel(scale=0.001, end="2008-12", params=overrides).run()
    rate = table.loc[table.measure == "secretary_quit_rate_per_year", "value"]
    assert rate.notna().all() and (rate >= 0).all()


def test_incomes_that_shrink_for_decades_run():
    table = VillageModel(scale=0.001, end="2030-12",
                         params={"national": {"growth_after_series": -0.5}}).run()
    assert table["value"].replace([np.inf, -np.inf], np.nan).notna().any()


def test_the_quit_rule_is_defined_at_its_limits():
    assert monthly_hazard(1.0, math.log1p, math.expm1) == 1.0
    assert np.array_equal(monthly_hazard(np.array([1.0, 0.0])), [1.0, 0.0])
    assert monthly_hazard(0.5) == pytest.approx(1 - 0.5 ** (1 / 12))
    assert quit_probability(1e6, 0.0, 1.0, math.exp) == pytest.approx(0.0, abs=1e-300)


def test_numpy_numbers_are_accepted_and_change_nothing():
    a = VillageModel(scale=0.001, end="2008-06", seed=np.int64(3), pay_floor_multiple=np.float64(1.2)).run()
    b = VillageModel(scale=0.001, end="2008-06", seed=3, pay_floor_multiple=1.2).run()
    assert a.drop(columns="run_id").equals(b.drop(columns="run_id"))


def test_batch_run_takes_numpy_arrays():
    runs = mesa.batch_run(VillageModel, parameters={"scale": 0.001, "end": "2008-03", "seed": np.arange(2),
                                                    "pay_floor_multiple": np.array([1.2, 1.5])},
                          display_progress=False)
    assert len(runs) == 4


@pytest.mark.parametrize("seed", [2**63, 2**64, -1, True, np.bool_(True), 1.5])
def test_a_seed_that_the_table_cannot_hold_is_refused(seed):
    with pytest.raises(ConfigError, match=r"^seed: "):
        VillageModel(scale=0.001, seed=seed)
