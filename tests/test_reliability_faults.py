"""Faults done for real: sim-calibrate, sim-compare, sim-run and its sweeps killed at random
moments, and sim-run on a full disk.

Afterwards no pool worker survives its parent, no partial result is visible, a rerun
resumes from the stored evaluations (or finished jobs), a resumed calibration equals an
uninterrupted one, and a later run removes the staging directories a killed one left,
only those whose owner it can prove gone. A damaged store file is reported in one line
and computed again. The moments are drawn at random; set ``LINGTOUYAN_FAULT_SEED`` to
repeat a draw (it is printed on failure).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from lingtouyan._io import is_ours

CALIBRATE = [sys.executable, "-c", "from lingtouyan.calibrate import main; main()"]
COMPARE = [sys.executable, "-c", "from lingtouyan.compare import main; main()"]
SEED = int(os.environ.get("LINGTOUYAN_FAULT_SEED", time.time_ns() % 1_000_000))
#: Tiny calibrations: one seed, a 0.2% sample of villages, two workers, and targets that end
#: in 2009-06, so that each evaluation simulates 18 months.
SMALL = ["--seeds", "1", "--scale", "0.002", "--jobs", "2"]
EARLY_TARGETS = """targets:
- {id: cgvo_2009, measure: cgvo_in_post, statistic: stock, date: 2009-06, value: 100000,
   tolerance: {rel: 0.1}, role: fit, report: test, reference: {line: L1, quote: q}}
- {id: vacancy_2009, measure: secretary_vacancy_rate, statistic: stock, date: 2009-06, value: 0.05,
   tolerance: {abs: 0.01}, role: fit, report: test, reference: {line: L1, quote: q}}
- {id: pay_floor_2009, measure: county_share_pay_floor, statistic: stock, date: 2009-06, value: 0.3,
   tolerance: {abs: 0.05}, role: fit, report: test, reference: {line: L1, quote: q}}
- {id: quit_2009, measure: secretary_quit_rate_per_year, statistic: mean, start: 2008-06,
   end: 2009-06, value: 0.08, tolerance: {rel: 0.2}, role: fit, report: test,
   reference: {line: L1, quote: q}}
"""


def _calibrate_args(tmp: Path, name: str, budget: int, cache: str = "cache") -> list[str]:
    targets = tmp / "early_targets.yaml"
    if not targets.exists():
        targets.write_text(EARLY_TARGETS, encoding="utf-8")
    return [*CALIBRATE, *SMALL, "--targets", str(targets), "--max-evaluations", str(budget),
            "--cache", str(tmp / cache), "--out", str(tmp / f"{name}.yaml"),
            "--report", str(tmp / f"{name}-report")]


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    # Its own session, like a job under a shell: a group signal reaches it and its workers only.
    return subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _workers(proc: subprocess.Popen, n: int, timeout: float = 60) -> list[psutil.Process]:
    """Wait until ``proc`` has ``n`` child processes; return them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        if len(children) >= n:
            return children
        if proc.poll() is not None:
            return []
        time.sleep(0.05)
    pytest.fail(f"no {n} workers after {timeout} s")


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _assert_gone(processes: list[psutil.Process], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = _alive(processes)
    for p in survivors:
        p.kill()
    assert not survivors, f"workers alive {within} s after their parent stopped (seed {SEED})"


def _signal(proc: subprocess.Popen, how: str) -> None:
    if how == "ctrl-c":  # what a terminal does: SIGINT to the whole foreground group
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(getattr(signal, how))


EXPECTED = {"SIGKILL": (-9,), "SIGTERM": (143, -15), "SIGHUP": (129, -1), "ctrl-c": (130, -2)}


def _check_stopped(proc: subprocess.Popen, how: str, prog: str, progress: bool = False) -> None:
    """The documented status; stopped by our handler: one line (after the progress lines of a sweep)."""
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (*EXPECTED[how], 0), (how, proc.returncode, err)
    if proc.returncode > 0:  # stopped by our handler, not by the default action
        assert "Traceback" not in err, err
        lines = err.strip().splitlines()
        assert (progress or len(lines) == 1) and lines[-1].startswith(f"{prog}: interrupted by "), err


# ---------------------------------------------------------------- no worker outlives its parent
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP", "ctrl-c"])
def test_no_calibration_worker_survives_a_stopped_parent(tmp_path, how):
    proc = _start(_calibrate_args(tmp_path, "cal", 600), tmp_path)
    workers = _workers(proc, 2)
    assert workers, proc.communicate()[1]
    time.sleep(random.Random(SEED).uniform(0, 1.0))
    _signal(proc, how)
    _check_stopped(proc, how, "sim-calibrate")
    _assert_gone(workers)
    assert not (tmp_path / "cal.yaml").exists() and not (tmp_path / "cal-report").exists()


@pytest.mark.parametrize("how", ["SIGKILL", "ctrl-c"])
def test_no_comparison_worker_survives_a_stopped_parent(tmp_path, how):
    proc = _start([*COMPARE, "--scale", "0.002", "--jobs", "2", "--out", str(tmp_path / "out")], tmp_path)
    workers = _workers(proc, 2)
    assert workers, proc.communicate()[1]
    _signal(proc, how)
    _check_stopped(proc, how, "sim-compare")
    _assert_gone(workers)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


def test_no_worker_survives_a_parent_whose_pool_is_not_a_command(tmp_path):
    """The API too: a script calling calibrate() with workers, killed, leaves no worker."""
    script = tmp_path / "fit.py"
    script.write_text(
        "from sim.calibration import msm\n"
        "from sim.calibration.targets import load_targets\n"
        f"problem = msm.default_problem(load_targets({str(tmp_path / 'early_targets.yaml')!r}), "
        "seeds=[1, 2], scale=0.002)\n"
        "msm.calibrate(problem, jobs=2, max_evaluations=600)\n")
    _calibrate_args(tmp_path, "x", 1)  # writes the targets file
    proc = _start([sys.executable, str(script)], tmp_path)
    workers = _workers(proc, 2)
    assert workers, proc.communicate()[1]
    proc.kill()
    proc.wait(timeout=30)
    _assert_gone(workers)


# ---------------------------------------------------------------- kill, resume, same answer
def _result(tmp: Path, name: str) -> dict:
    data = yaml.safe_load((tmp / f"{name}.yaml").read_text(encoding="utf-8"))
    meta = data["meta"]
    report = (tmp / f"{name}-report" / "parameters.csv").read_text()
    return {"values": data["values"], "report": report,
            **{k: meta[k] for k in ("loss", "start_loss", "evaluations", "message", "code_version")}}


def test_a_calibration_killed_at_random_moments_resumes_to_the_uninterrupted_result(tmp_path):
    budget = 26  # the start, a whole Jacobian (22 parameters), a step and part of the next Jacobian
    reference = subprocess.run(_calibrate_args(tmp_path, "ref", budget, cache="ref-cache"), cwd=tmp_path,
                               capture_output=True, text=True, timeout=300)
    assert reference.returncode == 0, reference.stderr
    rng = random.Random(SEED)
    cache = tmp_path / "cache"
    kills = []
    for round_ in range(3):
        proc = _start(_calibrate_args(tmp_path, "cal", budget), tmp_path)
        workers = _workers(proc, 2)
        if round_ == 0:  # at least one kill after some evaluations were stored
            while len(list(cache.glob("*.json"))) < 3 and proc.poll() is None:
                time.sleep(0.05)
        time.sleep(rng.uniform(0, 2.5))
        how = rng.choice(["SIGKILL", "SIGTERM"])
        stored = len(list(cache.glob("*.json"))) if cache.exists() else 0
        kills.append((how, stored))
        _signal(proc, how)
        _check_stopped(proc, how, "sim-calibrate")
        _assert_gone(workers)
        _log(f"sim-calibrate killed by {how}", "finished" if proc.returncode == 0 else "stopped")
        # Nothing partial is visible: either no result or a complete one.
        visible = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
        assert set(visible) <= {"early_targets.yaml", "cache", "ref-cache", "ref.yaml", "ref-report",
                                "cal.yaml", "cal-report"}
        if (tmp_path / "cal-report").exists():
            assert is_ours(tmp_path / "cal-report")
        # Stored evaluations are whole: every file parses.
        for f in cache.glob("*.json"):
            yaml.safe_load(f.read_text())
    resumed = subprocess.run(_calibrate_args(tmp_path, "cal", budget), cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    replayed = [int(n) for n in re.findall(r"\((\d+) replayed\)", resumed.stdout)]
    assert replayed and replayed[-1] >= kills[0][1] > 0, (kills, resumed.stdout, SEED)
    assert _result(tmp_path, "cal") == _result(tmp_path, "ref"), (kills, SEED)
    _log("sim-calibrate resumed after 3 kills", "equal to the uninterrupted calibration")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # stale stages removed


# ---------------------------------------------------------------- the budget and damaged store files
def test_budget_bounds_every_evaluation_and_a_damaged_store_is_recomputed(tmp_path):
    first = subprocess.run(_calibrate_args(tmp_path, "a", 6), cwd=tmp_path, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    stored = sorted((tmp_path / "cache").glob("*.json"))
    meta = yaml.safe_load((tmp_path / "a.yaml").read_text())["meta"]
    assert len(stored) == meta["evaluations"] == 6  # --max-evaluations 6 means six
    shown = float(re.findall(r"best loss\s+([\d.]+)", first.stdout)[-1])
    assert shown == pytest.approx(meta["loss"], abs=5e-5)  # the progress line shows what is written
    stored[0].write_text(stored[0].read_text()[:17])  # cut short, as by a full disk
    stored[1].write_bytes(b"\xff\x00\x81")  # not text
    stored[2].write_text('{"values": {}, "per_seed": {"x": [1]}}')  # not an evaluation of this problem
    second = subprocess.run(_calibrate_args(tmp_path, "b", 6), cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    warnings = [line for line in second.stderr.splitlines() if "damaged" in line]
    assert len(warnings) == 3 and all(str(stored[i]) in second.stderr for i in range(3))
    assert "Traceback" not in second.stderr
    assert "(3 replayed)" in second.stdout.splitlines()[-2]
    assert _result(tmp_path, "a") == _result(tmp_path, "b")
    for f in stored:  # recomputed and stored again, whole
        assert set(yaml.safe_load(f.read_text())) == {"values", "per_seed"}


# ---------------------------------------------------------------- sim-run: runs and sweeps killed at random
def _sim_run() -> str:
    found = shutil.which("sim-run", path=str(Path(sys.executable).parent)) or shutil.which("sim-run")
    assert found, "sim-run is not installed (python -m pip install -e .)"
    return found


def _partials(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(".") and ".partial-" in p.name) \
        if directory.is_dir() else []


def _visible(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if not p.name.startswith(".")) if directory.is_dir() else []


def _complete(run_dir: Path) -> bool:
    names = {p.name for p in run_dir.iterdir()}
    return {"outcomes.parquet", "config.yaml", "seed.txt", ".hydra"} <= names and ".owner" not in names


def _not_ours(directory: Path) -> tuple[Path, Path]:
    """A hidden directory named like a stage but without an owner marker, and one of a live owner."""
    directory.mkdir(parents=True, exist_ok=True)
    foreign = directory / ".somebodys.partial-1-0000"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not the program's\n")
    live = directory / ".live.partial-1-0001"
    live.mkdir()
    (live / ".owner").write_text(f"{socket.gethostname()} {os.getpid()} {psutil.Process().create_time()!r}\n")
    return foreign, live


def _log(kind: str, outcome: str) -> None:
    log = os.environ.get("LINGTOUYAN_RELIABILITY_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "faults", "kind": kind, "outcome": outcome}) + "\n")


def test_a_run_killed_at_random_moments_shows_no_partial_result_and_the_next_run_cleans_up(tmp_path):
    runs = tmp_path / "results" / "runs"
    foreign, live = _not_ours(runs)
    rng = random.Random(SEED)
    for round_ in range(3):
        proc = _start([_sim_run(), "scale=0.002", "end=2010-06", f"seed={round_}",
                       f"results_dir={tmp_path / 'results'}"], tmp_path)
        deadline = time.monotonic() + 120
        while not any(f"-{proc.pid}-" in p.name for p in _partials(runs)) and proc.poll() is None:
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 1.5))
        how = rng.choice(["SIGKILL", "SIGTERM"])
        _signal(proc, how)
        _check_stopped(proc, how, "sim-run")
        _log(f"sim-run killed by {how}", "finished" if proc.returncode == 0 else "stopped")
        assert all(_complete(d) for d in _visible(runs)), (how, _visible(runs), SEED)
        if proc.returncode != -9:  # a clean stop removes its own staging directory
            assert not [p for p in _partials(runs) if f"-{proc.pid}-" in p.name], (how, SEED)
    done = subprocess.run([_sim_run(), "scale=0.002", "end=2008-02", "seed=9",
                           f"results_dir={tmp_path / 'results'}"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # Every staging directory a killed run left and marked is gone; what is not provably dead stays.
    left = [p for p in _partials(runs) if p not in (foreign, live)]
    assert all(not (p / ".owner").exists() for p in left), (left, SEED)
    assert (foreign / "notes.txt").read_text() == "not the program's\n" and (live / ".owner").exists()
    assert all(_complete(d) for d in _visible(runs))
    _log("sim-run after 3 kills", "dead staging directories removed, foreign and live ones kept")
    # The run records what reproduces it: resolved config, seed, versions, commit, data-file hashes.
    from lingtouyan._io import file_sha256
    from sim.parameters import DATA_DIR

    last = next(d for d in _visible(runs) if d.name.endswith("_seed9"))
    record = yaml.safe_load((last / "config.yaml").read_text(encoding="utf-8"))
    assert record["seed"] == 9 and (last / "seed.txt").read_text() == "9\n"
    assert record["param"]["national"]["villages"] > 0 and record["policy"]["pay_floor"]["multiple"] > 0
    assert {"numpy", "pandas", "mesa", "python"} <= set(record["code"]["packages"])
    assert record["code"].get("git_commit") or not shutil.which("git")
    for name in ("parameters.yaml", "levers.yaml", "targets.yaml", "calibrated.yaml", "provinces.csv"):
        assert record["code"]["data_files"][name] == file_sha256(DATA_DIR / name)


def test_a_sweep_killed_at_random_moments_leaves_no_partial_job_no_worker_and_resumes(tmp_path):
    sweep = tmp_path / "sweep"
    foreign, live = _not_ours(sweep)
    args = [_sim_run(), "-m", "scale=0.002", "end=2009-06", "seed=range(0,4)", f"hydra.sweep.dir={sweep}",
            "hydra.launcher.n_jobs=2"]
    rng = random.Random(SEED + 1)
    kills = []
    for round_ in range(3):
        proc = _start(args, tmp_path)
        workers = _workers(proc, 2, timeout=120)
        if round_ == 0:  # at least one kill after a job was published: the rerun must skip it
            deadline = time.monotonic() + 180
            while not [d for d in _visible(sweep) if d.is_dir()] and proc.poll() is None:
                assert time.monotonic() < deadline, "no job finished"
                time.sleep(0.05)
        time.sleep(rng.uniform(0, 3.0))
        how = rng.choice(["SIGKILL", "SIGTERM"])
        workers = _alive(workers) + [p for p in _children(proc) if p not in workers]
        _signal(proc, how)
        _check_stopped(proc, how, "sim-run", progress=True)
        _assert_gone(workers, within=15)
        kills.append((how, proc.returncode, len(_visible(sweep))))
        _log(f"sweep killed by {how}", "finished" if proc.returncode == 0 else "stopped")
        assert all(_complete(d) for d in _visible(sweep) if d.is_dir()), (kills, SEED)
        if proc.returncode > 0:  # a clean stop removes its jobs' staging directories
            assert not [p for p in _partials(sweep) if p not in (foreign, live)], (kills, SEED)
    finished = len([d for d in _visible(sweep) if d.is_dir()])
    assert finished >= 1, kills
    rerun = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"4 jobs checked; {finished} already done" in rerun.stderr or finished == 4, (rerun.stderr, kills)
    assert len([d for d in _visible(sweep) if d.is_dir()]) == 4
    left = [p for p in _partials(sweep) if p not in (foreign, live)]
    assert all(not (p / ".owner").exists() for p in left), (left, kills, SEED)
    assert (foreign / "notes.txt").exists() and (live / ".owner").exists()
    _log("sweep rerun after 3 kills", f"resumed ({finished} of 4 jobs done), every job complete")


def _children(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="mounting a tmpfs needs root")
def test_sim_run_on_a_full_disk_gives_one_line_and_leaves_no_partial_run(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        done = subprocess.run([_sim_run(), "scale=0.002", "end=2009-12", f"results_dir={disk}"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sim-run: error: ") and "No space left" in lines[0], \
            done.stderr
        assert "Traceback" not in done.stderr
        assert [p for p in disk.rglob("*") if p.is_file()] == [], list(disk.rglob("*"))
        _log("sim-run on a full disk (16 KiB tmpfs)", "one line, exit 1, no file left")
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
