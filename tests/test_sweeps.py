"""Sweeps through the launchers: resume, failure isolation, kills, Dask, Optuna, experiments.

Every command is a real ``sim-run`` subprocess at a tiny scale (``scale=0.002``,
a few months), writing under a temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import yaml

TINY = ["scale=0.002", "end=2008-03"]
ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = sorted(p.stem for p in (ROOT / "configs" / "experiment").glob("*.yaml"))


def _sim_run() -> str:
    found = shutil.which("sim-run", path=str(Path(sys.executable).parent)) or shutil.which("sim-run")
    assert found, "sim-run is not installed (python -m pip install -e .)"
    return found


def sim_run(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([_sim_run(), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def job_dirs(sweep: Path) -> list[Path]:
    return sorted(p for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("."))


def hidden(path: Path) -> list[Path]:
    return [p for p in path.rglob(".*") if ".partial-" in p.name]


def digest(*overrides: str) -> str:
    from lingtouyan._config import check_command_line

    return check_command_line(list(overrides)).digest


# ------------------------------------------------------------------ resume and failures
def test_a_failing_job_is_reported_the_others_finish_and_a_rerun_resumes(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    # An obstacle where the seed-2 job must publish its directory: that job fails, for real.
    blocked = sweep / digest(*TINY, "seed=2")
    blocked.write_text("not a directory\n")
    args = ["-m", *TINY, "seed=1,2,3", f"hydra.sweep.dir={sweep}"]

    first = sim_run(*args, cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert re.search(r"job #1 failed \(.*seed=2.*\)", first.stderr), first.stderr
    assert "1 of 3 jobs failed: #1" in first.stderr
    done = job_dirs(sweep)
    assert sorted(yaml.safe_load((d / "config.yaml").read_text())["seed"] for d in done) == [1, 3]
    for run_dir in done:
        assert {"outcomes.parquet", "config.yaml", "seed.txt", ".hydra"} <= {p.name for p in run_dir.iterdir()}
    assert not hidden(sweep), "a failed job leaves no partial directory"

    blocked.unlink()
    second = sim_run(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "3 jobs checked; 2 already done" in second.stderr and "running 1 on" in second.stderr
    assert sorted(yaml.safe_load((d / "config.yaml").read_text())["seed"]
                  for d in job_dirs(sweep)) == [1, 2, 3]
    before = {d.name: (d / "outcomes.parquet").stat().st_mtime_ns for d in job_dirs(sweep)}

    third = sim_run("-m", *TINY, "seed=1,2,3,4", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert "4 jobs checked; 3 already done" in third.stderr
    after = {d.name: (d / "outcomes.parquet").stat().st_mtime_ns for d in job_dirs(sweep)}
    assert len(after) == 4 and all(after[name] == mtime for name, mtime in before.items())


def test_a_job_is_named_by_its_config_not_its_number(tmp_path):
    # The same point in two sweeps of different shape has one digest and one directory.
    sweep = tmp_path / "sweep"
    a = sim_run("-m", *TINY, "seed=5", "policy.pay_floor.multiple=1.5,2.0", f"hydra.sweep.dir={sweep}",
                cwd=tmp_path)
    assert a.returncode == 0, a.stderr
    b = sim_run("-m", *TINY, "policy.pay_floor.multiple=2.0", "seed=5,6", f"hydra.sweep.dir={sweep}",
                cwd=tmp_path)
    assert b.returncode == 0, b.stderr
    assert "2 jobs checked; 1 already done" in b.stderr
    names = {d.name for d in job_dirs(sweep)}
    assert digest(*TINY, "seed=5", "policy.pay_floor.multiple=2.0") in names
    assert len(names) == 3


# ------------------------------------------------------------------ kills and concurrent runs
def _wait_for(predicate, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_killed_run_leaves_no_result_directory(tmp_path, signum, status):
    results = tmp_path / "results"
    proc = subprocess.Popen([_sim_run(), "scale=0.01", "end=2030-12", f"results_dir={results}"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: (results / "runs").is_dir() and hidden(results / "runs"))
    time.sleep(1.0)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == status, err
    assert "Traceback" not in err and "interrupted" in err
    assert not list((results / "runs").iterdir()), "nothing is left, visible or hidden"


def test_a_killed_sweep_leaves_no_partial_job_no_worker_and_resumes(tmp_path):
    import psutil

    sweep = tmp_path / "sweep"
    args = ["-m", "scale=0.002", "end=2010-12", "seed=range(0,6)", f"hydra.sweep.dir={sweep}",
            "hydra.launcher.n_jobs=2"]
    proc = subprocess.Popen([_sim_run(), *args], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: sweep.is_dir() and job_dirs(sweep))
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert not hidden(sweep), "no partial job directory is left"
    _gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers outlived the sweep: {alive}"
    finished = len(job_dirs(sweep))
    for run_dir in job_dirs(sweep):
        assert (run_dir / "outcomes.parquet").is_file() and (run_dir / "config.yaml").is_file()

    rerun = sim_run(*args, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert f"6 jobs checked; {finished} already done" in rerun.stderr
    assert len(job_dirs(sweep)) == 6


def test_two_runs_into_the_same_directory_both_keep_their_results(tmp_path):
    run_dir = tmp_path / "runs" / "same"
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda seed: sim_run(*TINY, f"seed={seed}", f"hydra.run.dir={run_dir}",
                                                  cwd=tmp_path), (1, 2)))
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    dirs = sorted((tmp_path / "runs").iterdir())
    assert [d.name for d in dirs] == ["same", "same_2"]
    seeds = sorted(yaml.safe_load((d / "config.yaml").read_text())["seed"] for d in dirs)
    assert seeds == [1, 2]
    for d in dirs:  # each directory agrees with itself
        config = yaml.safe_load((d / "config.yaml").read_text())
        assert (d / "seed.txt").read_text() == f"{config['seed']}\n"
        assert set(pd.read_parquet(d / "outcomes.parquet")["seed"]) == {config["seed"]}


# ------------------------------------------------------------------ progress and the objective
def test_a_long_run_prints_its_progress(monkeypatch, capsys):
    from lingtouyan import run
    from sim import VillageModel

    monkeypatch.setattr(run, "PROGRESS_EVERY", 0.0)
    table = run._run(VillageModel(scale=0.002, end="2008-04"), quiet=False)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == [f"sim-run: month {n}/4" for n in (1, 2, 3)]
    assert "left" in lines[0]
    assert set(table["date"]) == {"2008-01", "2008-02", "2008-03", "2008-04"}


def test_the_objective_is_the_mean_of_its_measure_over_its_months(tmp_path):
    done = sim_run("scale=0.002", "end=2009-06", "objective=secretary_vacancy_rate@2009-01..2009-06",
                   f"results_dir={tmp_path}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    table = pd.read_parquet(run_dir / "outcomes.parquet")
    rows = table[(table["measure"] == "secretary_vacancy_rate") & table["date"].str.startswith("2009")]
    assert len(rows) == 6
    printed = float(re.search(r"Objective secretary_vacancy_rate@2009-01..2009-06: (\S+)", done.stdout).group(1))
    assert printed == pytest.approx(rows["value"].mean(), rel=1e-5)


def test_optuna_optimises_the_objective_through_our_launcher(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    sweep = tmp_path / "optuna"
    done = sim_run("-m", *TINY, "hydra/sweeper=optuna", "hydra.sweeper.n_trials=4",
                   "hydra.sweeper.n_jobs=2", "hydra.sweeper.direction=minimize",
                   "policy.pay_floor.multiple=interval(1.0,2.5)",
                   "objective=secretary_quit_rate_per_year", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    best = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    values = []
    for run_dir in job_dirs(sweep):
        config = yaml.safe_load((run_dir / "config.yaml").read_text())
        assert 1.0 <= config["policy"]["pay_floor"]["multiple"] <= 2.5
        table = pd.read_parquet(run_dir / "outcomes.parquet")
        values.append(table.loc[table["measure"] == "secretary_quit_rate_per_year", "value"].mean())
    assert 1 <= len(values) <= 4
    assert best["best_value"] == pytest.approx(min(values), rel=1e-6)


# ------------------------------------------------------------------ the worker and its kept configs
def test_a_worker_keeps_the_base_config_and_undoes_each_jobs_values(tmp_path):
    # Two jobs in one worker on one kept base: the first sets a lever, the second does not.
    # A value left over would give the second job another digest than its directory's name,
    # and the run would refuse it.
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.utils import setup_globals
    from hydra.types import RunMode
    from omegaconf import OmegaConf, open_dict

    from lingtouyan import _worker
    from lingtouyan._config import CONFIG_DIR, VERSION_BASE, register_schema

    register_schema()
    setup_globals()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=VERSION_BASE,
                               job_name="sim-run"):
        base = compose("config", overrides=TINY, return_hydra_config=True)
    GlobalHydra.instance().clear()
    with open_dict(base):
        base.hydra.mode = RunMode.MULTIRUN
    before = OmegaConf.to_container(base)
    kept = _worker.pickled_base(base)
    callbacks = __import__("hydra._internal.callbacks", fromlist=["Callbacks"]).Callbacks()
    jobs = [[("policy.pay_floor.multiple", 2.0), ("seed", 1)], [("seed", 2)]]
    for n, assignments in enumerate(jobs):
        overrides = [*TINY, *(f"{k}={v}" for k, v in assignments)]
        name = digest(*overrides)
        payload = {"base": kept, "set": assignments, "overrides": overrides, "dirname": "",
                   "num": n, "id": f"sim-run_{n}", "sweep_dir": str(tmp_path),
                   "subdir": f".{name}.partial-test-{n}"}
        result = _worker.execute(payload, ("lingtouyan.run", "_hydra_main"), callbacks)
        assert result["ok"], result
        snapshot = yaml.safe_load((tmp_path / name / ".hydra" / "config.yaml").read_text())
        assert snapshot["seed"] == assignments[-1][1]
        assert snapshot["policy"]["pay_floor"]["multiple"] == (2.0 if n == 0 else
                                                               base.policy.pay_floor.multiple)
        assert yaml.safe_load((tmp_path / name / ".hydra" / "overrides.yaml").read_text()) == overrides
    assert len(_worker._BASES) >= 1
    assert OmegaConf.to_container(_worker._BASES[kept[0]].config.policy) == before["policy"]


# ------------------------------------------------------------------ outcomes by region
def test_a_sweep_with_outcomes_by_region_has_them_for_every_region_and_province(tmp_path):
    from lingtouyan import aggregate
    from lingtouyan._config import Objective, check_command_line
    from sim.regions import MEASURES

    sweep = tmp_path / "sweep"
    done = sim_run("-m", *TINY, "seed=4", "outcomes.regions=false,true", f"hydra.sweep.dir={sweep}",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    plain = check_command_line([*TINY, "seed=4"])
    regional = check_command_line([*TINY, "seed=4", "outcomes.regions=true"])
    assert regional.regions and not plain.regions and regional.digest != plain.digest
    assert {d.name for d in job_dirs(sweep)} == {plain.digest, regional.digest}
    national = pd.read_parquet(sweep / plain.digest / "outcomes.parquet")
    by_region = pd.read_parquet(sweep / regional.digest / "outcomes.parquet")
    assert list(by_region.columns) == ["run_id", "scenario", "seed", "date", "measure", "region", "value"]
    same = by_region[by_region["region"] == "national"].drop(columns="region").reset_index(drop=True)
    pd.testing.assert_frame_equal(same.drop(columns="run_id"), national.drop(columns="run_id"))
    # The objective of a table by region is that of its national rows.
    objective = Objective.parse("secretary_vacancy_rate", plain.config)
    assert objective.value(by_region) == pytest.approx(objective.value(national), rel=1e-12)

    shutil.move(sweep / plain.digest, tmp_path / "national-only")
    aggregate.aggregate(sweep)
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert "outcomes.regions" not in table.columns  # an output setting, not a swept lever
    provinces = set(table.loc[~table["region"].isin(["national", "east", "central", "west"]), "region"])
    assert len(provinces) == 31
    for region in ("east", "central", "west", "Sichuan"):
        rows = table[table["region"] == region]
        assert set(rows["measure"]) == set(MEASURES) and rows["date"].nunique() == 3


# ------------------------------------------------------------------ a real Dask cluster
def test_a_sweep_runs_on_a_dask_cluster_of_worker_processes(tmp_path):
    distributed = pytest.importorskip("distributed")
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--port", "0", "--no-dashboard", "--scheduler-file",
                                  str(scheduler_file)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    worker = None
    try:
        _wait_for(scheduler_file.exists, timeout=120)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                   "--scheduler-file", str(scheduler_file), "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard"], cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        address = json.loads(scheduler_file.read_text())["address"]
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            pids_before = set(client.run(os.getpid).values())
        sweep = tmp_path / "sweep"
        done = sim_run("-m", *TINY, "seed=1,2,3", "hydra/launcher=dask",
                       f"hydra.launcher.address={address}", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"on the Dask cluster at {address}" in done.stderr
        dirs = job_dirs(sweep)
        assert sorted(yaml.safe_load((d / "config.yaml").read_text())["seed"] for d in dirs) == [1, 2, 3]
        with distributed.Client(address, timeout="60s") as client:
            ran = client.run(lambda: ("lingtouyan.run" in sys.modules,
                                      os.environ.get("OPENBLAS_NUM_THREADS")))
            assert set(client.run(os.getpid).values()) == pids_before
        # The jobs ran in the worker processes (which imported the model), one BLAS thread each.
        assert any(imported for imported, _ in ran.values())
        assert {threads for _, threads in ran.values()} == {"1"}
        # The same results as the local launcher gives.
        local = tmp_path / "local"
        again = sim_run("-m", *TINY, "seed=1,2,3", f"hydra.sweep.dir={local}", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        for d in dirs:
            pd.testing.assert_frame_equal(pd.read_parquet(d / "outcomes.parquet"),
                                          pd.read_parquet(local / d.name / "outcomes.parquet"))
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=60)


# ------------------------------------------------------------------ every experiment config
def _first_values(name: str) -> tuple[list[str], int]:
    """One job of the experiment's sweep (each key at its first value) and the number of jobs."""
    data = yaml.safe_load((ROOT / "configs" / "experiment" / f"{name}.yaml").read_text())
    one, jobs = [], 1
    for key, text in data["hydra"]["sweeper"]["params"].items():
        text = str(text)
        if match := re.fullmatch(r"range\((\d+),(\d+)\)", text):
            values = [str(v) for v in range(int(match[1]), int(match[2]))]
        else:
            values = text.split(",")
        one.append(f"{key}={values[0]}")
        jobs *= len(values)
    return one, jobs


@pytest.fixture(scope="module")
def experiments(tmp_path_factory) -> dict[str, tuple]:
    root = tmp_path_factory.mktemp("experiments")

    def both(name: str) -> tuple:
        one, _ = _first_values(name)
        checked = sim_run("-m", f"experiment={name}", "hydra.launcher.check_only=true",
                          f"results_dir={root / name / 'checked'}", cwd=root)
        ran = sim_run(f"experiment={name}", "scale=0.002", "end=2009-12", *one,
                      f"results_dir={root / name / 'one'}", cwd=root)
        return name, (checked, ran, root / name / "one")

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(both, EXPERIMENTS))


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_composes_every_job_and_one_job_runs(experiments, name):
    checked, ran, results = experiments[name]
    one, jobs = _first_values(name)
    assert checked.returncode == 0, checked.stderr
    assert f"{jobs} jobs checked: 0 done" in checked.stderr, checked.stderr
    assert ran.returncode == 0, ran.stderr
    (run_dir,) = (results / "runs").iterdir()
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    for override in one:  # the swept values reached the job
        key, value = override.split("=", 1)
        node = config
        for part in key.split("."):
            node = node[part]
        assert yaml.safe_load(value) == node, override
    table = pd.read_parquet(run_dir / "outcomes.parquet")
    assert table["date"].max() == "2009-12" and table["value"].notna().any()
    # Every measure the file names in its report lines is in the outputs.
    text = (ROOT / "configs" / "experiment" / f"{name}.yaml").read_text()
    lines = text.split("Report lines:", 1)[1].split("sim-run", 1)[0] if "Report lines:" in text else ""
    named = {m for m in re.findall(r"[a-z0-9_<>]+_[a-z0-9_<>]+", lines) if "<" not in m}
    if name != "pay_floor_sweep":
        assert named, "an experiment names the measures that answer its question"
    assert named <= set(table["measure"]), named - set(table["measure"])
