"""Sweep designs, parameter draws, the plausible ranges of assumed leaves, and the sweeper."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from hydra_plugins.lingtouyan_sweeper.sweeper import LingtouyanSweeper
from lingtouyan import designs
from sim.errors import ConfigError, DataFileError
from sim.parameters import ParameterSet, load_world_parameters

PAY = "policy.pay_floor.multiple"


# ---------------------------------------------------------------- space-filling designs
@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_design_points_are_deterministic_and_inside_their_ranges(design):
    ranges = {PAY: [1.0, 2.5], "param.secretary.quit_slope": [0.2, 1.2]}
    a = designs.space_points(design, 16, ranges, seed=3)
    assert a == designs.space_points(design, 16, ranges, seed=3)
    assert a != designs.space_points(design, 16, ranges, seed=4)
    values = np.array([[float(p[k]) for k in ranges] for p in a])
    assert values.shape == (16, 2)
    assert (values[:, 0] >= 1.0).all() and (values[:, 0] <= 2.5).all()
    assert (values[:, 1] >= 0.2).all() and (values[:, 1] <= 1.2).all()


def test_latin_hypercube_puts_one_point_in_every_stratum():
    points = designs.space_points("lhs", 10, {PAY: [1.0, 2.0], "param.secretary.quit_slope": [0, 1]})
    for key, low in ((PAY, 1.0), ("param.secretary.quit_slope", 0.0)):
        strata = sorted(int((float(p[key]) - low) * 10) for p in points)
        assert strata == list(range(10))


def test_nested_ranges_are_the_same_as_dotted_ones():
    nested = {"policy": {"pay_floor": {"multiple": [1.0, 2.5]}}}
    assert designs.space_points("lhs", 4, nested) == designs.space_points("lhs", 4, {PAY: [1.0, 2.5]})


def test_whole_number_leaves_get_whole_numbers():
    points = designs.space_points("lhs", 8, {"policy.retirement.departure_subsidy_min_years": [3, 15]})
    assert all(p["policy.retirement.departure_subsidy_min_years"].isdigit() for p in points)


@pytest.mark.parametrize("ranges, message", [
    ({PAY: [1.0, 11.0]}, r"policy.pay_floor.multiple: must lie in \[0, 10\]"),
    ({PAY: [2.0, 1.0]}, "low must be below high"),
    ({PAY: [1.0]}, "must be two numbers"),
    ({"policy.pay_floor.nope": [0, 1]}, "is not a lever or parameter"),
    ({"policy.yiding_sanyou.adopted": [0, 1]}, "is not a number"),
    ({}, "needs at least one range"),
])
def test_bad_ranges_are_one_clear_error(ranges, message):
    with pytest.raises(ConfigError, match=message):
        designs.space_points("lhs", 4, ranges)


def test_table_points_are_checked(tmp_path):
    good = tmp_path / "points.csv"
    good.write_text(f"{PAY},policy.retirement.departure_subsidy_min_years\n1.2,9\n2.0,12.0\n")
    assert designs.table_points(good) == [
        {PAY: "1.2", "policy.retirement.departure_subsidy_min_years": "9"},
        {PAY: "2.0", "policy.retirement.departure_subsidy_min_years": "12"}]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{PAY}\n1.2\n12\n")
    with pytest.raises(ConfigError, match=r"policy.pay_floor.multiple: must be in \[0, 10\]"):
        designs.table_points(bad)
    with pytest.raises(ConfigError, match="no such file"):
        designs.table_points(tmp_path / "missing.csv")


# ---------------------------------------------------------------- parameter draws
def test_uncertain_parameters_cover_calibrated_and_plausible_assumed_leaves():
    params = {p.key: p for p in designs.uncertain_parameters()}
    assert params["param.secretary.quit_intercept"].kind == "assumed"
    assert params["param.secretary.quit_slope"].kind == "assumed"
    assert params["param.cgvo.application_rate"].kind == "calibrated"
    assert params["param.cgvo.application_rate"].se > 0
    world = load_world_parameters()
    for p in params.values():
        if p.kind == "assumed":
            assert world[p.key.removeprefix("param.")].plausible_reason


def test_draws_stay_in_their_bounds_and_follow_the_standard_error():
    params = {p.key: p for p in designs.uncertain_parameters()}
    draws = designs.draw_points(200, seed=1)
    assert draws == designs.draw_points(200, seed=1)
    for key, p in params.items():
        x = np.array([float(d[key]) for d in draws])
        assert (x >= p.low).all() and (x <= p.high).all(), key
    rate = params["param.county.adoption_rate.pension"]  # bounds far from the estimate
    x = np.array([float(d[rate.key]) for d in draws])
    assert abs(x.mean() - rate.value) < 4 * rate.se / np.sqrt(200)
    assert 0.85 < x.std() / rate.se < 1.15
    slope = np.array([float(d["param.secretary.quit_slope"]) for d in draws])
    assert slope.min() < 0.25 and slope.max() > 1.15  # uniform over the plausible [0.2, 1.2]


def test_draws_can_be_restricted_and_bad_keys_are_named():
    draws = designs.draw_points(5, include=["param.secretary.quit_slope"])
    assert [list(d) for d in draws] == [["param.secretary.quit_slope"]] * 5
    with pytest.raises(ConfigError, match=r"hydra\.sweeper\.uncertain: param\.secretary\.time_sharex"):
        designs.draw_points(5, include=["param.secretary.time_sharex"])


PLAUSIBLE = {"value": 0.5, "unit": "u", "label": "l", "status": "assumed", "reason": "r",
             "allowed": [0, 1], "plausible": {"range": [0.2, 0.8], "reason": "why"}}


@pytest.mark.parametrize("change, message", [
    ({}, None),
    ({"status": "calibrated", "bounds": [0, 1]}, "only an assumed leaf"),
    ({"plausible": {"range": [0.6, 0.8], "reason": "why"}}, "must contain the value"),
    ({"plausible": {"range": [-1, 0.8], "reason": "why"}}, "inside allowed"),
    ({"plausible": {"range": [0.2, 0.8]}}, "must be {range"),
    ({"plausible": {"range": [0.2, 0.8], "reason": " "}}, "needs a reason"),
    ({"plausible": {"range": [0.8, 0.2], "reason": "why"}}, "low < high"),
])
def test_the_loader_checks_plausible_ranges(tmp_path, change, message):
    leaf = {**PLAUSIBLE, **change}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"group": {"leaf": leaf}}))
    if message is None:
        loaded = ParameterSet.load(path)["group.leaf"]
        assert loaded.plausible == (0.2, 0.8) and loaded.plausible_reason == "why"
    else:
        with pytest.raises(DataFileError, match=message):
            ParameterSet.load(path)


# ---------------------------------------------------------------- the sweeper's plan
def _plan(arguments, **options):
    return LingtouyanSweeper(**options).plan(arguments)


def test_plan_crosses_points_draws_and_seeds_with_common_random_numbers():
    plan = _plan(["seed=0,1,2", "scale=0.002"], design="lhs", samples=4, ranges={PAY: [1.0, 2.5]},
                 draws=3)
    assert len(plan.jobs) == 4 * 3 * 3 and plan.summary["jobs"] == 36
    assert plan.jobs == _plan(["seed=0,1,2", "scale=0.002"], design="lhs", samples=4,
                              ranges={PAY: [1.0, 2.5]}, draws=3).jobs
    by_point_draw: dict = {}
    for job in plan.jobs:
        seed = next(o for o in job if o.startswith("seed="))
        rest = tuple(o for o in job if not o.startswith("seed="))
        by_point_draw.setdefault(rest, []).append(seed)
    assert len(by_point_draw) == 12
    assert all(sorted(s) == ["seed=0", "seed=1", "seed=2"] for s in by_point_draw.values())


def test_interval_on_the_command_line_is_a_range():
    plan = _plan([f"{PAY}=interval(1.0,2.0)", "seed=0,1"], design="sobol", samples=4)
    assert plan.summary["ranges"] == {PAY: [1.0, 2.0]}
    assert len(plan.jobs) == 8


def test_grid_design_is_hydras_grid():
    plan = _plan([f"{PAY}=1.0,1.5", "seed=range(0,3)"])
    assert plan.jobs == [[f"{PAY}=1.0", "seed=0"], [f"{PAY}=1.0", "seed=1"], [f"{PAY}=1.0", "seed=2"],
                         [f"{PAY}=1.5", "seed=0"], [f"{PAY}=1.5", "seed=1"], [f"{PAY}=1.5", "seed=2"]]


@pytest.mark.parametrize("arguments, options, message", [
    ([f"{PAY}=1.0,2.0"], {"design": "lhs", "samples": 2, "ranges": {PAY: [1, 2]}}, "set on the command"),
    (["seed=0"], {"design": "grid", "ranges": {PAY: [1, 2]}}, "ranges need design lhs or sobol"),
    (["seed=0"], {"design": "lhs", "samples": 0, "ranges": {PAY: [1, 2]}}, "samples: must be"),
    (["seed=0"], {"design": "latin"}, "design: must be one of grid, lhs, sobol, table"),
    (["param.secretary.quit_slope=0.5"], {"draws": 2}, "set on the command line and by the draws"),
])
def test_bad_sweeper_options_are_one_clear_error(arguments, options, message):
    with pytest.raises(ConfigError, match=message):
        _plan(arguments, **options)


# ---------------------------------------------------------------- through sim-run -m
def _sim_run(*args, cwd):
    exe = Path(sys.executable).with_name("sim-run")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_sim_run_runs_a_design_with_draws_and_records_it(tmp_path):
    result = _sim_run("-m", "hydra/sweeper=lingtouyan", "hydra.sweeper.design=lhs",
                      "hydra.sweeper.samples=2", "hydra.sweeper.ranges={" + PAY + ":[1.0,2.5]}",
                      "hydra.sweeper.draws=2", "hydra.sweeper.uncertain=[param.secretary.quit_slope]",
                      "seed=0", "scale=0.002", "end=2008-03", "results_dir=out",
                      "hydra.sweep.dir=out/sweep", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sweep = tmp_path / "out" / "sweep"
    summary = yaml.safe_load((sweep / "sweep.yaml").read_text())
    assert summary["jobs"] == 4 and summary["draw_keys"] == ["param.secretary.quit_slope"]
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert len(jobs) == 4
    overrides = [yaml.safe_load((j / "config.yaml").read_text())["overrides"] for j in jobs]
    assert all(any(o.startswith("param.secretary.quit_slope=") for o in job) for job in overrides)
    assert (sweep / "draws.csv").read_text().splitlines()[0] == "draw,param.secretary.quit_slope"


def test_sim_run_stops_on_a_bad_range_with_one_line_and_writes_nothing(tmp_path):
    result = _sim_run("-m", "hydra/sweeper=lingtouyan", "hydra.sweeper.design=lhs",
                      "hydra.sweeper.samples=2", "hydra.sweeper.ranges={" + PAY + ":[1.0,12]}",
                      "seed=0", "results_dir=out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sim-run: error: hydra.sweeper.ranges.policy.pay_floor.multiple: must lie in [0, 10] "
        "(ratio to village rural per-capita net income), got [1.0, 12]"]
    assert not (tmp_path / "out").exists()
