"""Durable output: result directories and files are atomic, never replace what we did not write,
and a read-only, forbidden or full location gives one line and nothing half-written."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lingtouyan import _io
from lingtouyan._io import MARKER, atomic_file, check_output_dir, output_directory
from sim.errors import ConfigError

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
COMPARE = [sys.executable, "-c", "from lingtouyan.compare import main; main()"]
CALIBRATE = [sys.executable, "-c", "from lingtouyan.calibrate import main; main()"]


def _write(stage: Path, name: str = "a.txt", text: str = "result\n") -> None:
    (stage / name).write_text(text, encoding="utf-8")


def _entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ---------------------------------------------------------------- the rule for an existing directory
def test_new_directory_appears_complete_with_marker_and_umask_permissions(tmp_path):
    out = tmp_path / "deep" / "out"
    old = os.umask(0o022)
    try:
        with output_directory(out, "--out", "sim-test", {"seed": 1}) as stage:
            assert not out.exists()  # nothing visible until the block succeeds
            assert stage.parent == out.parent and stage.name.startswith(".out.tmp-")
            _write(stage)
    finally:
        os.umask(old)
    assert _entries(out) == [MARKER, "a.txt", "provenance.json"]
    assert (out.stat().st_mode & 0o777) == 0o755  # not owner-only
    assert ((out / "a.txt").stat().st_mode & 0o777) == 0o644
    assert json.loads((out / "provenance.json").read_text())["seed"] == 1
    assert _entries(out.parent) == ["out"]  # no staging directory left
    assert _io.is_ours(out)


def test_a_directory_we_did_not_write_is_refused_and_kept(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(ConfigError) as err, output_directory(out, "--out", "sim-test"):
        pytest.fail("the block must not run")
    assert err.value.key == "--out" and "not written by this program" in str(err.value)
    assert "\n" not in str(err.value)
    assert (out / "thesis.tex").read_text() == "years of work"
    assert _entries(tmp_path) == ["mine"]


@pytest.mark.parametrize("tamper", ["add", "change", "bad_marker"])
def test_our_directory_touched_by_someone_else_is_refused(tmp_path, tamper):
    out = tmp_path / "out"
    with output_directory(out, "--out", "sim-test") as stage:
        _write(stage)
    if tamper == "add":
        (out / "notes.md").write_text("my notes")
    elif tamper == "change":
        (out / "a.txt").write_text("edited by hand")
    else:
        (out / MARKER).write_text("[]")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ConfigError, match="not written by this program"):
        check_output_dir(out, "--out")
    with pytest.raises(ConfigError), output_directory(out, "--out", "sim-test"):
        pass
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_our_directory_is_replaced_as_a_whole(tmp_path):
    out = tmp_path / "out"
    with output_directory(out, "--out", "sim-test") as stage:
        _write(stage, "old.txt")
    with output_directory(out, "--out", "sim-test") as stage:
        _write(stage, "new.txt")
    assert _entries(out) == [MARKER, "new.txt"]
    assert _entries(tmp_path) == ["out"]


def test_replacement_without_the_exchange_call_also_works(tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    for name in ("one.txt", "two.txt"):
        with output_directory(out, "--out", "sim-test") as stage:
            _write(stage, name)
    assert _entries(out) == [MARKER, "two.txt"] and _entries(tmp_path) == ["out"]


def test_an_empty_directory_and_a_file_in_the_way(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with output_directory(empty, "--out", "sim-test") as stage:
        _write(stage)
    assert (empty / "a.txt").exists()
    blocker = tmp_path / "file"
    blocker.write_text("keep")
    with pytest.raises(ConfigError, match="not a directory"):
        check_output_dir(blocker, "--out")
    assert blocker.read_text() == "keep"


@pytest.mark.parametrize("fault", [KeyboardInterrupt, _io.Terminated(15), OSError(errno.ENOSPC, "full")])
def test_a_failure_inside_the_block_leaves_the_previous_result(tmp_path, fault):
    out = tmp_path / "out"
    with output_directory(out, "--out", "sim-test") as stage:
        _write(stage, "good.txt")
    with pytest.raises(type(fault) if isinstance(fault, BaseException) else fault), \
            output_directory(out, "--out", "sim-test") as stage:
        _write(stage, "half.txt")
        raise fault
    assert _entries(out) == [MARKER, "good.txt"] and _entries(tmp_path) == ["out"]


def test_a_staging_directory_left_by_a_killed_process_is_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    stale = tmp_path / ".out.tmp-abc123"
    stale.mkdir()
    (stale / ".owner").write_text(f"{os.uname().nodename} {pid}\n")
    (stale / "part.txt").write_text("half")
    alive = tmp_path / ".out.tmp-live"
    alive.mkdir()
    (alive / ".owner").write_text(f"{os.uname().nodename} {os.getpid()}\n")
    with output_directory(tmp_path / "out", "--out", "sim-test") as stage:
        _write(stage)
    assert not stale.exists()
    assert alive.exists()  # a process still running may be writing it


# ---------------------------------------------------------------- atomic files
def test_atomic_file_replaces_only_when_complete(tmp_path):
    target = tmp_path / "f.yaml"
    target.write_text("# ours\nold\n")
    ours = lambda p: p.read_text().startswith("# ours")  # noqa: E731
    with pytest.raises(OSError), atomic_file(target, "--out", ours) as tmp:
        tmp.write_text("# ours\nhalf")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "# ours\nold\n" and _entries(tmp_path) == ["f.yaml"]
    with atomic_file(target, "--out", ours) as tmp:
        tmp.write_text("# ours\nnew\n")
    assert target.read_text() == "# ours\nnew\n" and _entries(tmp_path) == ["f.yaml"]
    target.write_text("a user's file")
    with pytest.raises(ConfigError, match="not written by this program"), atomic_file(target, "--out", ours):
        pass
    assert target.read_text() == "a user's file"


# ---------------------------------------------------------------- real file systems: full, read-only, forbidden
@contextlib.contextmanager
def _tmpfs(path: Path, options: str):
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


needs_root = pytest.mark.skipif(not ROOT or not shutil.which("mount"), reason="mounting a tmpfs needs root")


def _fake_seeds(targets, seeds, **_):
    return {t.id: np.linspace(0.9, 1.1, len(seeds)) * (t.point or 1.0) for t in targets}


@needs_root
def test_sim_compare_on_a_full_disk_gives_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    """A 16 KiB tmpfs: the figure cannot be written. The simulation is replaced by fixed numbers."""
    from lingtouyan import compare as cli
    from sim.calibration import compare

    monkeypatch.setattr(compare, "run_seeds", _fake_seeds)
    with _tmpfs(tmp_path / "disk", "size=16k") as disk:
        status = _io.run_command("sim-compare", lambda: cli.run(["--out", str(disk / "out"),
                                                                 "--jobs", "1"]))
        err = capsys.readouterr().err
        assert status == 1
        assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
        assert list(disk.iterdir()) == []  # no result, no staging directory, no partial file


@needs_root
def test_sim_compare_on_a_read_only_disk_stops_before_any_seed(tmp_path):
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as disk:
        started = time.monotonic()
        proc = subprocess.run([*COMPARE, "--out", str(disk / "out"), "--scale", "0.002"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Read-only file system" in proc.stderr
        assert "--out" in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stdout == ""  # checked before the seeds: nothing ran
        assert time.monotonic() - started < 60
        assert list(disk.iterdir()) == []


@needs_root
def test_sim_calibrate_on_a_full_disk_keeps_no_partial_file(tmp_path):
    """The report and the calibrated file go to an 8 KiB tmpfs; the cache is elsewhere."""
    with _tmpfs(tmp_path / "disk", "size=8k") as disk:
        proc = subprocess.run([*CALIBRATE, "--seeds", "1", "--scale", "0.002", "--jobs", "1",
                               "--max-evaluations", "1", "--cache", str(tmp_path / "cache"),
                               "--out", str(disk / "cal.yaml"), "--report", str(disk / "report")],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and "No space left on device" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert list(disk.iterdir()) == []
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1  # the evaluation itself is kept


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="POSIX users")
def test_no_permission_is_one_line_before_any_seed():
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="lingtouyan-perm-"))
    try:
        base.chmod(0o755)
        locked = base / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        demote = None
        if ROOT:  # root ignores permissions: run the command without CAP_DAC_OVERRIDE/READ_SEARCH
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2

            def demote():
                for cap in (cap_dac_override, cap_dac_read_search):
                    if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
                        raise OSError(ctypes.get_errno(), "cannot drop a capability")
        try:
            proc = subprocess.run([*COMPARE, "--out", str(locked / "out"), "--scale", "0.002"],
                                  capture_output=True, text=True, timeout=120, preexec_fn=demote,
                                  cwd=base, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        except subprocess.SubprocessError as err:
            pytest.skip(f"cannot run without the permission-override capabilities here: {err}")
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Permission denied" in proc.stderr
        assert proc.stdout == "" and list(locked.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- the commands use the rule
def test_sim_compare_refuses_a_directory_it_did_not_write(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "data.csv").write_text("precious")
    proc = subprocess.run([*COMPARE, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not written by this program" in proc.stderr
    assert proc.stdout == ""
    assert _entries(out) == ["data.csv"] and (out / "data.csv").read_text() == "precious"


def test_sim_calibrate_refuses_a_report_dir_or_file_it_did_not_write(tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    (report / "keep.txt").write_text("keep")
    user_file = tmp_path / "values.yaml"
    user_file.write_text("meta: {}\n")
    base = [*CALIBRATE, "--seeds", "1", "--max-evaluations", "1", "--cache", str(tmp_path / "c")]
    proc = subprocess.run([*base, "--report", str(report), "--out", str(tmp_path / "new.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--report" in proc.stderr and proc.stderr.count("\n") == 1
    proc = subprocess.run([*base, "--report", str(tmp_path / "r2"), "--out", str(user_file)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--out" in proc.stderr and proc.stderr.count("\n") == 1
    assert (report / "keep.txt").read_text() == "keep" and user_file.read_text() == "meta: {}\n"
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())


def test_sim_compare_twice_replaces_its_own_result(tmp_path, monkeypatch, capsys):
    from lingtouyan import compare as cli
    from sim.calibration import compare

    monkeypatch.setattr(compare, "run_seeds", _fake_seeds)
    out = tmp_path / "out"
    old = os.umask(0o002)
    try:
        for _ in range(2):
            assert _io.run_command("sim-compare", lambda: cli.run(["--out", str(out), "--jobs", "1"])) == 0
    finally:
        os.umask(old)
    assert (out.stat().st_mode & 0o777) == 0o775  # the umask's permissions, not owner-only
    assert ((out / "compare.csv").stat().st_mode & 0o777) == 0o664
    assert _entries(out) == [MARKER, "compare.csv", "compare.md", "compare.png", "provenance.json"]
    record = json.loads((out / "provenance.json").read_text())
    assert set(record["files"]) >= {"targets", "levers", "parameters", "calibration"}
    assert record["versions"]["mesa"] and record["commit"] and record["seeds"] == list(range(1, 21))
    assert _entries(tmp_path) == ["out"]


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_a_virtual_environment_in_the_checkout_is_not_tracked():
    root = Path(__file__).resolve().parents[1]
    for path in (".venv/bin/python", "venv/lib/x.py"):
        proc = subprocess.run(["git", "check-ignore", "-q", path], cwd=root)
        if proc.returncode == 128:
            pytest.skip("not a git checkout")
        assert proc.returncode == 0, path
