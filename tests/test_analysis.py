"""The evaluation interface, factors, sensitivity, Shapley attribution and cost-effectiveness."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from lingtouyan.analysis import attribution, cost, evaluate, sensitivity
from lingtouyan.analysis.evaluate import (
    default_backend,
    outcomes_from_sweep_table,
    sweep_command,
    write_design_table,
)
from lingtouyan.analysis.factors import declare, load_factors, make_factor
from lingtouyan.analysis.outcomes import scalar_outcomes
from sim import ConfigError, VillageModel

TINY = {"scale": 0.001, "end": "2009-06", "window": ("2009-01", "2009-06")}
QUIT = "quit_rate_per_year"
COST = "fiscal_cost_yuan_per_year"


@pytest.fixture(scope="module")
def tiny_table():
    return VillageModel(scale=0.001, end="2009-06", seed=3).run()


def test_scalar_outcomes_average_over_the_window(tiny_table):
    got = scalar_outcomes(tiny_table, [QUIT, "enterprise_coverage_share", COST], ("2009-01", "2009-06"))
    measure = tiny_table["measure"]
    rows = tiny_table[(tiny_table["date"] >= "2009-01") & (measure == "secretary_quit_rate_per_year")]
    assert got[QUIT] == pytest.approx(rows["value"].mean())
    last = tiny_table[(tiny_table["date"] == "2009-06") & (tiny_table["measure"] == "enterprise_coverage_share")]
    assert got["enterprise_coverage_share"] == pytest.approx(float(last["value"].iloc[0]))
    costs = tiny_table[tiny_table["measure"].str.startswith("cost_") & (tiny_table["date"] >= "2009-01")]
    assert got[COST] == pytest.approx(costs.groupby("date")["value"].sum().mean())
    with pytest.raises(ValueError, match=r"window 2011-01\.\.2011-12 holds no month"):
        scalar_outcomes(tiny_table, [QUIT], ("2011-01", "2011-12"))
    with pytest.raises(ValueError, match="outcome 'nope' unknown"):
        scalar_outcomes(tiny_table, ["nope"])


def test_local_backend_is_deterministic_and_uses_common_random_numbers():
    points = pd.DataFrame({"policy.pay_floor.multiple": [1.2, 2.0, 1.2]})
    one = evaluate(points, [0, 1], [QUIT, COST], backend="local", jobs=1, **TINY)
    two = evaluate(points, [0, 1], [QUIT, COST], backend="local", jobs=2, **TINY)
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns) == ["point", "seed", QUIT, COST]
    # Points 0 and 2 are the same point: with the same seeds the runs are identical.
    a, c = one[one["point"] == 0].drop(columns="point"), one[one["point"] == 2].drop(columns="point")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), c.reset_index(drop=True))
    # A higher floor costs more, seed by seed.
    b = one[one["point"] == 1]
    assert (b[COST].to_numpy() > a[COST].to_numpy()).all()


def test_bad_points_stop_before_anything_runs():
    with pytest.raises(ConfigError, match=r"policy\.pay_floor\.multiple"):
        evaluate(pd.DataFrame({"policy.pay_floor.multiple": [-1.0]}), [0], [QUIT], backend="local", **TINY)
    with pytest.raises(ValueError, match="not an override key"):
        evaluate(pd.DataFrame({"pay_floor": [1.0]}), [0], [QUIT], backend="local", **TINY)
    with pytest.raises(ValueError, match="backend 'ray' unknown"):
        evaluate(pd.DataFrame({"policy.pay_floor.multiple": [1.0]}), [0], [QUIT], backend="ray", **TINY)


def test_empty_cells_take_the_runs_own_value():
    points = pd.DataFrame([{"policy.pay_floor.multiple": 1.2}, {"param.secretary.quit_slope": 0.9}])
    got = evaluate(points, [0], [QUIT], backend="local", jobs=1, **TINY)
    full = pd.DataFrame([{"policy.pay_floor.multiple": 1.2, "param.secretary.quit_slope": 0.6},
                         {"policy.pay_floor.multiple": 1.75, "param.secretary.quit_slope": 0.9}])
    pd.testing.assert_frame_equal(got, evaluate(full, [0], [QUIT], backend="local", jobs=1, **TINY))


def test_sweep_table_reader_gives_the_local_rows(tmp_path):
    """The sweep backend's reader, on a table shaped as sim-aggregate writes it."""
    points = pd.DataFrame({"policy.pay_floor.multiple": [1.1, 1.0 / 3.0 + 1], "scenario": ["as_reported"] * 2})
    seeds = [0, 2]
    design = write_design_table(points, seeds, tmp_path / "design.csv")
    written = pd.read_csv(tmp_path / "design.csv")
    assert list(written.columns) == ["policy.pay_floor.multiple", "scenario", "seed"]
    # Run at the 6 significant digits the sweeper's table carries, by both backends.
    assert len(written) == 4 and written["policy.pay_floor.multiple"].iloc[2] == 1.33333
    frames = []
    for rec in written.to_dict("records"):
        t = VillageModel(scale=0.001, end="2009-06", seed=int(rec["seed"]),
                         policy={"pay_floor": {"multiple": rec["policy.pay_floor.multiple"]}}).run()
        t = t.assign(**{"policy.pay_floor.multiple": rec["policy.pay_floor.multiple"], "region": "national",
                        "draw": 0})
        noise = t.assign(region="east", value=-1.0)  # other regions must be ignored
        frames += [t, noise]
    table = pd.concat(frames, ignore_index=True)
    got = outcomes_from_sweep_table(table, design, [QUIT, COST], TINY["window"])
    want = evaluate(points, seeds, [QUIT, COST], backend="local", jobs=1, **TINY)
    pd.testing.assert_frame_equal(got, want)


def test_default_backend_follows_the_sweeper_plugin(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    plugin = "hydra_plugins.lingtouyan_sweeper"
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == plugin else real(name, *a))
    assert default_backend() == "sweep"
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == plugin else real(name, *a))
    assert default_backend() == "local"
    cmd = sweep_command("/t/design.csv", "/t/sweep", 0.01, "2012-12")
    assert cmd[1:] == ["-m", "hydra/sweeper=lingtouyan", "hydra.sweeper.design=table",
                       "hydra.sweeper.table=/t/design.csv", "hydra.sweep.dir=/t/sweep", "scale=0.01",
                       "end=2012-12"]


def test_factors_are_declared_inside_what_the_data_allow():
    from sim.calibration.calibrated import CALIBRATED_FILE
    from sim.parameters import read_yaml

    factors = load_factors()
    assert {f.status for f in factors} == {"source", "calibrated", "assumed"}
    fitted = read_yaml(CALIBRATED_FILE)["values"]
    for f in factors:
        assert f.low < f.high and f.reason
        if f.status == "calibrated":
            entry = fitted[f.key]
            assert f.low == pytest.approx(max(entry["low"], entry["value"] - 2 * entry["se"]))
    with pytest.raises(ValueError, match="outside what the data file allows"):
        make_factor("policy.pay_floor.multiple", {"range": [0, 20], "reason": "x"})
    with pytest.raises(ValueError, match="needs a reason"):
        make_factor("policy.pay_floor.multiple", {"range": [1, 2]})
    with pytest.raises(ValueError, match="not a lever"):
        make_factor("policy.pay_floor.nope", {"range": [1, 2], "reason": "x"})


def test_declare_is_the_factors_file_else_the_leafs_own_range():
    """One declaration of a key's range for the analyses and the EMA adapter."""
    for f in load_factors():
        assert declare(f.key) == f
    spread = declare("param.secretary.motivation_sd")  # not in the file: the parameter file's plausible range
    assert (spread.low, spread.high) == (0.5, 1.5) and spread.status == "assumed"
    flag = declare("policy.retirement.pension_enabled")
    assert flag.flag and list(flag.scale(np.array([0.2, 0.7]))) == [False, True]
    years = declare("policy.retirement.departure_subsidy_min_years")  # only an allowed range
    assert years.integer and (years.low, years.high) == (0, 40)
    with pytest.raises(ValueError, match="only numbers and flags"):
        declare("policy.yiding_sanyou.start")


def test_morris_finds_no_effect_of_a_cost_only_factor_on_quitting():
    factors = [make_factor("param.secretary.quit_slope", {"range": [0.3, 1.2], "reason": "test"}),
               make_factor("policy.enterprise.instructor_cost_yuan_per_year",
                           {"range": [0, 6000], "reason": "test"})]
    res = sensitivity.run_sensitivity("morris", factors, [QUIT, COST], n=3, seeds=[0], jobs=2, **TINY)
    assert res.meta["runs"] == 3 * (len(factors) + 1)
    t = res.indices.set_index(["outcome", "factor"])
    # Common random numbers: the instructors' allowance cannot move the quit rate at all.
    assert t.loc[(QUIT, "policy.enterprise.instructor_cost_yuan_per_year"), "mu_star"] == 0.0
    assert t.loc[(QUIT, "param.secretary.quit_slope"), "mu_star"] > 0.0
    assert t.loc[(COST, "policy.enterprise.instructor_cost_yuan_per_year"), "mu_star"] > 0.0
    with pytest.raises(ValueError, match="power of 2"):
        sensitivity.sample("sobol", factors, 6)


def test_sobol_indices_of_a_known_function():
    """SALib wiring: y = x1 + 0 x2 gives S1 = ST = 1 for x1 and 0 for x2."""
    factors = [make_factor("param.secretary.quit_slope", {"range": [0, 1], "reason": "t"}),
               make_factor("param.secretary.motivation_mean", {"range": [0, 1], "reason": "t"})]
    x = sensitivity.sample("sobol", factors, 256)
    runs = pd.DataFrame({"point": np.arange(len(x)), "seed": 0, "y": x[:, 0]})
    t = sensitivity.analyse("sobol", factors, x, runs, ["y"]).set_index("factor")
    assert t.loc["param.secretary.quit_slope", "S1"] == pytest.approx(1.0, abs=0.05)
    assert t.loc["param.secretary.motivation_mean", "ST"] == pytest.approx(0.0, abs=0.01)


def test_shapley_of_a_hand_computed_game():
    players = ("a", "b", "c")

    def v(s):
        return 1.0 * ("a" in s) + 2.0 * ("b" in s) + 3.0 * ("a" in s and "c" in s)

    values = {frozenset(c): v(c) for k in range(4) for c in itertools.combinations(players, k)}
    phi = attribution.shapley(values, players)
    assert phi == pytest.approx({"a": 2.5, "b": 2.0, "c": 1.5})
    assert sum(phi.values()) == pytest.approx(values[frozenset(players)] - values[frozenset()])
    assert attribution.interaction(values, players, "a", "c") == pytest.approx(3.0)
    assert attribution.interaction(values, players, "a", "b") == pytest.approx(0.0)


def test_every_element_off_is_the_run_without_the_package():
    """The adoption rates allow the background rate: the empty coalition is no_yiding_sanyou exactly."""
    off, clamped = attribution.off_settings()
    assert clamped == {}
    points = pd.DataFrame([attribution.coalition_point((), off, {}), {"scenario": "no_yiding_sanyou"}])
    got = evaluate(points, [1], [QUIT, COST, "vacancy_rate", "cgvo_exits"], backend="local", jobs=2, **TINY)
    a, b = got.drop(columns="point").to_dict("records")
    assert a == b


def test_attribution_closes_the_sum_and_pays_no_one_for_nothing():
    res = attribution.run_attribution([QUIT, COST], seeds=[0, 1], jobs=2, **TINY)
    assert res.meta["runs"] == 2 * (2 ** len(attribution.ELEMENTS) + 1)
    for name in (QUIT, COST):
        t = res.split[res.split["outcome"] == name].set_index("element")
        parts = t.loc[[*attribution.ELEMENTS, "residual"], "shapley"].sum()
        assert parts == pytest.approx(t.loc["total", "shapley"], rel=1e-9, abs=1e-12)
    quit_split = res.split[res.split["outcome"] == QUIT].set_index("element")
    # Other cadres' pay is a cost, not an incentive of the secretary: no share of the quit rate.
    assert quit_split.loc["other_cadre_pay", "shapley"] == 0.0
    cost_split = res.split[res.split["outcome"] == COST].set_index("element")
    assert cost_split.loc["pay_floor", "shapley"] > 0.0


def test_frontier_of_hand_computed_curves():
    curves = pd.DataFrame({
        "lever": ["p", "p", "p", "q", "q"], "value": [0, 1, 2, 0, 1],
        "delta_cost": [0.0, 10.0, 30.0, 0.0, 5.0], "quits_per_year_gain": [0.0, 100.0, 150.0, 0.0, 20.0]})
    f = cost.frontier_table(curves, "quits_per_year")
    assert f[["cost", "gain"]].to_numpy().tolist() == [[0, 0], [5, 20], [10, 100], [15, 120], [30, 150],
                                                       [35, 170]]
    best = cost.best_within(f, 12.0)
    assert best["p"] == 1 and best["q"] == 0


def test_cost_curves_start_at_zero_and_price_the_pension():
    res = cost.run_cost(["pension", "instructors"], levels=2, seeds=[0], check_mixes=0, jobs=2, **TINY)
    t = res.curves.set_index(["lever", "value"])
    pension, instructors = (declare(cost.LEVERS[lv]) for lv in ("pension", "instructors"))
    assert res.meta["levers"]["pension"]["high"] == pension.high
    assert t.loc[("pension", pension.low), "delta_cost"] == 0.0
    assert t.loc[("pension", pension.high), "delta_cost"] > 0.0
    assert t.loc[("instructors", instructors.high), "enterprise_coverage_share_gain"] > 0.0
    # A whole-number lever takes whole values at any number of levels.
    values = cost.lever_values(["instructors"], 7)["instructors"]
    assert (values == np.round(values)).all() and values[1] == 216667.0


@pytest.mark.skipif(not __import__("lingtouyan.analysis.evaluate", fromlist=["x"]).sweep_available(),
                    reason="the sweeper plugin (hydra_plugins.lingtouyan_sweeper) is not installed")
def test_sweep_backend_gives_the_local_rows(tmp_path):
    """End to end through sim-run -m and sim-aggregate, once the sweep plugins are installed."""
    # 1.2 + 0.8 / 3 has more digits than the sweeper's table carries: both backends run it at 6.
    points = pd.DataFrame({"policy.pay_floor.multiple": [1.2, 1.2 + 0.8 / 3],
                           "param.secretary.quit_slope": [0.6, 0.9]})
    got = evaluate(points, [0, 1], [QUIT, COST], backend="sweep", sweep_dir=tmp_path, **TINY)
    want = evaluate(points, [0, 1], [QUIT, COST], backend="local", jobs=2, **TINY)
    pd.testing.assert_frame_equal(got, want)
