"""Faults done for real: sim-calibrate and sim-compare killed at random moments.

Afterwards no pool worker survives its parent, no partial result is visible, a rerun
resumes from the stored evaluations, and a resumed calibration equals an uninterrupted
one. A damaged store file is reported in one line and computed again. The moments are
drawn at random; set ``LINGTOUYAN_FAULT_SEED`` to repeat a draw (it is printed on failure).
"""

from __future__ import annotations

import os
import random
import re
import signal
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


def _check_stopped(proc: subprocess.Popen, how: str, prog: str) -> None:
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (*EXPECTED[how], 0), (how, proc.returncode, err)
    if proc.returncode > 0:  # stopped by our handler, not by the default action
        assert "Traceback" not in err, err
        assert err.strip().count("\n") == 0 and err.strip().startswith(f"{prog}:"), err


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
