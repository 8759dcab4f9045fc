"""``sim-run``: outputs of a run, overrides and scenarios, sweeps, and one-line errors.

Every command runs ``sim-run`` in a subprocess with ``results_dir`` in a
temporary directory. The commands are started together, a few at a time, by
one module fixture (each costs about two seconds, mostly imports), and each
test reads the result of its own command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

SMALL = ["scale=0.002", "end=2008-06"]
COLUMNS = ["run_id", "scenario", "seed", "date", "measure", "value"]

#: (overrides, key the one-line error must name) — bad input stops before any step.
BAD_INPUT = {
    "negative_pay_multiple": (["policy.pay_floor.multiple=-1.0"], "policy.pay_floor.multiple"),
    "probability_above_one": (["param.cgvo.secretary_willingness=1.5"],
                              "param.cgvo.secretary_willingness"),
    "scale_zero": (["scale=0"], "scale"),
    "scale_above_one": (["scale=1.5"], "scale"),
    "end_before_start": (["end=2007-12"], "end"),
    "unknown_province_instructors": (["policy.enterprise.instructors_by_province={Atlantis:5}"],
                                     "policy.enterprise.instructors_by_province.Atlantis"),
    "unknown_province_exam_bonus": (["policy.promotion.exam_bonus_points_by_province={Atlantis:5}"],
                                    "policy.promotion.exam_bonus_points_by_province.Atlantis"),
    "unknown_scenario": (["scenario=atlantis"], "scenario"),
    "unknown_lever": (["policy.pay_floor.multipel=1.2"], "policy.pay_floor.multipel"),
    "malformed_override": (["policy.pay_floor.multiple=[1.2"], "policy.pay_floor.multiple"),
    "sweep_without_multirun": (["seed=1,2"], "seed"),
    "bad_value_inside_sweep": (["-m", "seed=1,2", "policy.pay_floor.multiple=1.2,-1"],
                               "policy.pay_floor.multiple"),
    # Checked by the launcher, every job before any runs (a sweep's jobs are Hydra's to form).
    "interval_with_the_basic_sweeper": (["-m", "seed=interval(0,1)"], "seed"),
    "unknown_scenario_inside_sweep": (["-m", "scenario=as_reported,atlantis"], "scenario"),
    "experiment_with_bad_value": (["-m", "experiment=pay_floor_sweep", "policy.pay_floor.multiple=-2"],
                                  "policy.pay_floor.multiple"),
    "duplicate_key": (["seed=1", "seed=2"], "seed"),
    "duplicate_key_in_sweep": (["-m", "policy.pay_floor.multiple=-1", "policy.pay_floor.multiple=1.2"],
                               "policy.pay_floor.multiple"),
    "path_as_scenario": (["scenario=../experiment/pay_floor_sweep"], "scenario"),
    "scenario_name_alone": (["scenario_name=no_yiding_sanyou"], "scenario_name"),
}

#: Sweeps checked and counted but not run (``hydra.launcher.check_only``): (argv, jobs).
COUNTED = {
    "count_grid": (["-m", "seed=1,2", "policy.pay_floor.multiple=1.2,1.5,2.0"], 6),
    "count_experiment": (["-m", "experiment=pay_floor_sweep"], 9),
    "count_experiment_and_seed": (["-m", "experiment=pay_floor_sweep", "seed=4"], 3),
    "count_scenarios": (["-m", "scenario=as_reported,no_yiding_sanyou"], 2),
}


@dataclass
class Result:
    """A finished ``sim-run`` command and the results directory it was given."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    results: Path

    def run_dirs(self) -> list[Path]:
        """Run directories written (single runs and sweep jobs)."""
        return sorted(p.parent for p in self.results.rglob("outcomes.parquet"))


def _sim_run() -> list[str]:
    beside_python = shutil.which("sim-run", path=str(Path(sys.executable).parent))
    found = beside_python or shutil.which("sim-run")
    assert found, "sim-run is not installed (python -m pip install -e .)"
    return [found]


COMMANDS: dict[str, list[str]] = {
    "default": ["seed=3", "scale=0.002", "end=2009-12"],
    "override": [*SMALL, "policy.pay_floor.multiple=1.2", "param.secretary.motivation_mean=0.8",
                 "policy.promotion.exam_bonus_points_by_province={Hebei:10}"],
    "scenario": [*SMALL, "scenario=no_yiding_sanyou"],
    "scenario_and_lever": [*SMALL, "scenario=no_yiding_sanyou",
                           "policy.yiding_sanyou.adopted=true"],
    "multirun": ["-m", *SMALL, "seed=1,2"],
    "experiment": ["-m", "scale=0.002", "end=2008-02", "experiment=pay_floor_sweep"],
    "help": ["--help"],
    "cfg_job": ["--cfg", "job", "policy.pay_floor.multiple=1.2"],
    **{f"bad_{name}": args for name, (args, _) in BAD_INPUT.items()},
    **{name: [*args, "hydra.launcher.check_only=true"] for name, (args, _) in COUNTED.items()},
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """Every command of :data:`COMMANDS`, run to its end."""
    root = tmp_path_factory.mktemp("sim-run")
    command = _sim_run()
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}

    def run(name: str) -> tuple[str, Result]:
        results_dir = root / name / "results"
        args = [*COMMANDS[name], f"results_dir={results_dir}"]
        done = subprocess.run([*command, *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        return name, Result(args, done.returncode, done.stdout, done.stderr, results_dir)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(pool.map(run, COMMANDS))


def _ok(result: Result) -> Result:
    assert result.returncode == 0, f"sim-run {' '.join(result.args)} failed:\n{result.stderr}"
    return result


def _config(run_dir: Path) -> dict:
    return yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ a run and its outputs
def test_run_writes_outcomes_config_seed_and_snapshot(results):
    result = _ok(results["default"])
    (run_dir,) = result.run_dirs()
    assert run_dir.parent == result.results / "runs"
    assert run_dir.name.endswith("_as_reported_seed3")
    names = {p.name for p in run_dir.iterdir()}
    assert {"outcomes.parquet", "config.yaml", "seed.txt", ".hydra"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    assert (run_dir / ".hydra" / "overrides.yaml").is_file()
    assert (run_dir / "seed.txt").read_text() == "3\n"

    table = pd.read_parquet(run_dir / "outcomes.parquet")
    assert list(table.columns) == COLUMNS
    assert not table.duplicated(["date", "measure"]).any()
    assert table["date"].min() == "2008-01" and table["date"].max() == "2009-12"
    assert table.groupby("date")["measure"].nunique().nunique() == 1
    assert set(table["scenario"]) == {"as_reported"} and set(table["seed"]) == {3}
    assert table["run_id"].nunique() == 1
    values = table.set_index(["date", "measure"])["value"]
    # National totals, not counts of the simulated sample (590,000 villages).
    assert 4.0e5 < values[("2009-12", "secretaries_serving")] <= 5.9e5
    assert 1.0e4 < values[("2009-12", "cgvo_in_post")] < 1.0e6
    assert 0.0 <= values[("2009-12", "secretary_vacancy_rate")] < 0.5

    config = _config(run_dir)
    assert config["scale"] == 0.002 and config["seed"] == 3 and config["end"] == "2009-12"
    assert config["scenario"] == "as_reported"
    assert config["overrides"] == result.args
    assert config["policy"]["pay_floor"]["multiple"] == 1.75
    assert "secretary" in config["param"]


def test_run_prints_a_short_summary(results):
    result = _ok(results["default"])
    out = result.stdout
    for words in ("quit rate", "vacancy rate", "pay floor", "township leadership",
                  "civil service", "in post", "further study", "covered by a party organisation",
                  "Secretaries promoted 2009-01..2009-12", "Outputs:"):
        assert words in out
    assert len(out.splitlines()) <= 40
    assert "Traceback" not in result.stderr


def test_overrides_reach_the_model(results):
    (run_dir,) = _ok(results["override"]).run_dirs()
    config = _config(run_dir)
    assert config["policy"]["pay_floor"]["multiple"] == 1.2
    assert config["param"]["secretary"]["motivation_mean"] == 0.8
    # A mapping override adds or changes keys of the file's mapping.
    assert config["policy"]["promotion"]["exam_bonus_points_by_province"] == {"Jilin": 20,
                                                                              "Hebei": 10}
    assert "policy.pay_floor.multiple=1.2" in config["command"]


def test_scenario_is_applied(results):
    (run_dir,) = _ok(results["scenario"]).run_dirs()
    assert run_dir.name.endswith("_no_yiding_sanyou_seed0")
    config = _config(run_dir)
    assert config["scenario"] == "no_yiding_sanyou"
    assert config["policy"]["yiding_sanyou"]["adopted"] is False
    table = pd.read_parquet(run_dir / "outcomes.parquet")
    assert set(table["scenario"]) == {"no_yiding_sanyou"}


def test_command_line_wins_over_the_scenario(results):
    (run_dir,) = _ok(results["scenario_and_lever"]).run_dirs()
    config = _config(run_dir)
    assert config["scenario"] == "no_yiding_sanyou"
    assert config["policy"]["yiding_sanyou"]["adopted"] is True


# ------------------------------------------------------------------ sweeps
def test_multirun_writes_one_directory_per_job(results):
    # A job's directory is named by its digest (resolved config and code), not its number,
    # so that a rerun of the sweep finds and skips it; run_id is the same digest.
    result = _ok(results["multirun"])
    run_dirs = sorted(result.run_dirs(), key=lambda p: _config(p)["seed"])
    assert len(run_dirs) == 2
    (sweep_dir,) = {p.parent for p in run_dirs}
    assert sweep_dir.parent == result.results / "multirun"
    assert (sweep_dir / "multirun.yaml").is_file()
    assert [_config(p)["seed"] for p in run_dirs] == [1, 2]
    assert [(p / "seed.txt").read_text() for p in run_dirs] == ["1\n", "2\n"]
    for run_dir in run_dirs:
        assert len(run_dir.name) == 16 and int(run_dir.name, 16) >= 0
        assert set(pd.read_parquet(run_dir / "outcomes.parquet")["run_id"]) == {run_dir.name}
        assert _config(run_dir)["run_id"] == run_dir.name
    assert not [p for p in sweep_dir.iterdir() if p.name.startswith(".")]


def test_pay_floor_sweep_experiment_runs(results):
    run_dirs = _ok(results["experiment"]).run_dirs()
    assert len(run_dirs) == 9
    jobs = sorted((_config(p)["policy"]["pay_floor"]["multiple"], _config(p)["seed"])
                  for p in run_dirs)
    assert jobs == [(m, s) for m in (1.0, 1.5, 2.0) for s in (0, 1, 2)]


# ------------------------------------------------------------------ help and printing the config
def test_help_and_cfg_write_nothing(results):
    help_text = _ok(results["help"]).stdout
    assert "policy.<family>.<name>" in help_text and "scenario: " in help_text
    printed = yaml.safe_load(_ok(results["cfg_job"]).stdout)
    assert printed["policy"]["pay_floor"]["multiple"] == 1.2
    assert printed["scenario_name"] == "as_reported"
    assert not results["help"].results.exists() and not results["cfg_job"].results.exists()


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input_is_one_line_naming_the_key(results, name):
    result = results[f"bad_{name}"]
    _, key = BAD_INPUT[name]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"sim-run: error: {key}: "), lines[0]
    assert result.stdout == ""
    assert not result.results.exists(), "bad input must not create the results directory"


#: More bad input, checked in this process (the checks ``sim-run`` makes before a single run).
MORE_BAD_INPUT = [
    (["+param.secretary.courage=1"], "param.secretary.courage"),
    (["policy.pay_floor.multiple"], "policy.pay_floor.multiple"),
    (["~seed"], "seed"),
    (["~policy.pay_floor.multiple"], "policy.pay_floor.multiple"),
    (["policy.pay_floor=3"], "policy.pay_floor"),
    (["policy=3"], "policy"),
    (["seed=-1"], "seed"),
    (["seed=1.5"], "seed"),
    (["start=2009-01"], "start"),
    (["end=2051-01"], "end"),
    (["end=2012"], "end"),
    (["policy.yiding_sanyou.adopted=1"], "policy.yiding_sanyou.adopted"),
    (["policy.yiding_sanyou.start=2009-13"], "policy.yiding_sanyou.start"),
    (["policy.promotion.min_tenure_years=2.5"], "policy.promotion.min_tenure_years"),
    (["policy.pay_floor.multiple=nan"], "policy.pay_floor.multiple"),
    # scenario_name is the scenario file's label; set alone it would mislabel a run.
    (["scenario_name=atlantis"], "scenario_name"),
    (["seed=1", "seed=2"], "seed"),
    (["scenario=../experiment/pay_floor_sweep"], "scenario"),
    (["experiment=/etc/passwd"], "experiment"),
    (["objective=no_such_measure"], "objective"),
    (["objective=secretary_quit_rate_per_year@2010-2030"], "objective"),
    (["experiment=atlantis"], "experiment"),
    (["hydra.job.chdir=maybe"], "hydra.job.chdir"),
    (["=3"], "=3"),
]


@pytest.mark.parametrize(("argv", "key"), MORE_BAD_INPUT)
def test_check_names_the_key_in_one_line(argv, key):
    from lingtouyan._config import check_command_line
    from sim import ConfigError

    with pytest.raises(ConfigError) as caught:
        check_command_line(argv)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ") and "\n" not in str(caught.value)


def test_check_accepts_a_good_command_line_and_names_its_objective():
    from lingtouyan._config import check_command_line

    job = check_command_line(["policy.pay_floor.multiple=1.2",
                              "objective=secretary_quit_rate_per_year@2010-2012"])
    assert job.config.levers.value("pay_floor.multiple") == 1.2
    assert (job.objective.measure, job.objective.first, job.objective.last) == (
        "secretary_quit_rate_per_year", "2010-01", "2012-12")
    assert job.digest != check_command_line(["policy.pay_floor.multiple=1.3"]).digest


@pytest.mark.parametrize("name", COUNTED)
def test_check_covers_every_job_of_a_sweep(results, name):
    result = _ok(results[name])
    _, jobs = COUNTED[name]
    assert f"sim-run: {jobs} jobs checked: 0 done" in result.stderr, result.stderr
    assert "none run" in result.stderr
    assert not result.results.exists(), "a checked sweep writes nothing"


# ------------------------------------------------------------------ a run that fails half-way
def test_failed_run_removes_its_directory(tmp_path, monkeypatch):
    from hydra import compose, initialize_config_dir
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    from lingtouyan import run
    from lingtouyan._config import CONFIG_DIR, VERSION_BASE, register_schema

    run_dir = tmp_path / "results" / "runs" / "failing"
    register_schema()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=VERSION_BASE):
        cfg = compose("config", overrides=[*SMALL, f"hydra.run.dir={run_dir}"],
                      return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(run_dir)
    HydraConfig.instance().set_config(cfg)
    job = cfg.copy()
    with open_dict(job):
        del job["hydra"]
    run_dir.mkdir(parents=True)

    step = run.VillageModel.step

    def fail(self):  # sim-run steps the model month by month (to show its progress)
        step(self)
        if self.steps >= 2:
            raise RuntimeError("failed half-way")

    monkeypatch.setattr(run.VillageModel, "step", fail)
    try:
        with pytest.raises(RuntimeError, match="half-way"):
            run.run_job(job)
    finally:
        HydraConfig.instance().cfg = None
    assert not run_dir.exists()
