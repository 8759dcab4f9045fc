"""The calibrated file records the model version it was fitted with; sim-run warns when it is stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from sim.calibration.calibrated import (
    CALIBRATED_FILE,
    SIM_DIR,
    calibrated_text,
    model_version,
    stale_calibration,
)

VALUES = {"param.cgvo.long_contract_share": {"value": 0.5, "se": 0.1, "low": 0.0, "high": 1.0, "start": 0.5,
                                               "unit": "share of contracts"}}


def _copy_of_sim(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SIM_DIR, tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__")))


def test_the_version_follows_the_model_not_what_is_fitted(tmp_path):
    root = _copy_of_sim(tmp_path)
    before = model_version(root)
    assert before == model_version(SIM_DIR)
    (root / "data" / "targets.yaml").write_text("targets: []\n")       # what is compared
    (root / "calibration" / "msm.py").write_text("# another optimiser\n")  # how it is fitted
    (root / "data" / "calibrated.yaml").write_text("meta: {}\n")        # what was fitted
    assert model_version(root) == before
    elections = root / "elections.py"
    elections.write_text(elections.read_text() + "\n# a change to a rule\n")
    changed = model_version(root)
    assert changed != before
    params = root / "data" / "parameters.yaml"
    params.write_text(params.read_text().replace("value: 0.3,", "value: 0.31,", 1))
    assert model_version(root) not in (before, changed)


def test_a_file_is_stale_until_refitted(tmp_path):
    path = tmp_path / "calibrated.yaml"
    path.write_text(calibrated_text({"loss": 1.0}, VALUES))             # stamped as it is written
    assert yaml.safe_load(path.read_text())["meta"]["model_version"] == model_version()
    assert stale_calibration(path) is None
    message = stale_calibration(path, current="0123456789abcdef")
    assert message and "\n" not in message
    assert model_version() in message and "0123456789abcdef" in message and "sim-calibrate" in message
    path.write_text(calibrated_text({"model_version": "fedcba9876543210"}, VALUES))
    assert "fedcba9876543210" in stale_calibration(path)
    path.write_text(path.read_text().replace("  model_version: fedcba9876543210\n", ""))
    assert "records no model version" in stale_calibration(path)


def test_sim_run_warns_once_in_one_line_and_still_runs(tmp_path):
    sim_run = shutil.which("sim-run", path=str(Path(sys.executable).parent)) or shutil.which("sim-run")
    done = subprocess.run([sim_run, "-m", "scale=0.002", "end=2008-01", "seed=1,2",
                           f"results_dir={tmp_path / 'out'}"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "StaleCalibrationWarning" in line]
    expected = stale_calibration(CALIBRATED_FILE)
    assert len(warned) == (1 if expected else 0), done.stderr
    if expected:
        assert warned[0] == f"sim-run: warning: {expected} (StaleCalibrationWarning)"
    assert len(list((tmp_path / "out").rglob("outcomes.parquet"))) == 2
