"""EMA Workbench drives the model through lingtouyan.ema (a tiny experiment)."""

from __future__ import annotations

import pandas as pd
import pytest

ema = pytest.importorskip("ema_workbench")

from lingtouyan.analysis import evaluate, load_factors  # noqa: E402
from lingtouyan.ema import parameter, village_model  # noqa: E402
from sim import load_world_parameters as world  # noqa: E402

SMALL = {"scale": 0.001, "end": "2009-06", "window": ("2009-01", "2009-06")}
OUT = ["quit_rate_per_year", "fiscal_cost_yuan_per_year"]


def test_parameters_are_declared_once_from_the_data_files():
    # One declaration: every factor of the analyses is the same range in EMA.
    for f in load_factors():
        p = parameter(f.key)
        assert (p.lower_bound, p.upper_bound) == ((int(f.low), int(f.high)) if f.integer else (f.low, f.high))
    slope = parameter("param.secretary.quit_slope")  # assumed: the parameter file's plausible range
    assert (slope.lower_bound, slope.upper_bound) == world()["secretary.quit_slope"].plausible
    spread = parameter("param.secretary.motivation_sd")  # not in the factors file: its own plausible range
    assert (spread.lower_bound, spread.upper_bound) == world()["secretary.motivation_sd"].plausible
    rate = parameter("param.county.adoption_rate.pension")  # calibrated, not in the factors file: bounds
    assert (rate.lower_bound, rate.upper_bound) == (0.05, 5.0)
    given = parameter("param.county.adoption_rate.pension", {"param.county.adoption_rate.pension": (0.2, 0.9)})
    assert (given.lower_bound, given.upper_bound) == (0.2, 0.9)
    with pytest.raises(ValueError, match="outside what the data file allows"):
        parameter("param.county.adoption_rate.pension", {"param.county.adoption_rate.pension": (-1, 0.9)})
    flag = parameter("policy.retirement.pension_enabled")
    assert isinstance(flag, ema.BooleanParameter)
    years = parameter("policy.retirement.departure_subsidy_min_years")
    assert isinstance(years, ema.IntegerParameter) and (years.lower_bound, years.upper_bound) == (0, 40)
    with pytest.raises(ValueError, match="not a lever"):
        parameter("param.secretary.nope")
    with pytest.raises(ValueError, match="a lever is a policy"):
        village_model(levers=["param.secretary.quit_slope"])


def test_a_tiny_ema_experiment_gives_the_models_own_outcomes():
    model = village_model(uncertainties=["param.secretary.quit_slope"],
                          levers=["policy.pay_floor.multiple", "policy.retirement.pension_enabled"],
                          outcomes=OUT, seeds=[0, 1], **SMALL)
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, scenarios=2, policies=2, evaluator=evaluator)
    assert len(experiments) == 4 and set(outcomes) == set(OUT)
    keys = ["param.secretary.quit_slope", "policy.pay_floor.multiple", "policy.retirement.pension_enabled"]
    points = experiments[keys].astype({"policy.retirement.pension_enabled": bool}).reset_index(drop=True)
    # Each experiment's outcome is the mean over the same seeds of the model's own runs.
    want = evaluate(points, [0, 1], OUT, backend="local", jobs=2, **SMALL).groupby("point")[OUT].mean()
    for name in OUT:
        assert outcomes[name] == pytest.approx(want[name].to_numpy(), rel=1e-12)
    assert pd.Series(outcomes["quit_rate_per_year"]).between(0, 1).all()
