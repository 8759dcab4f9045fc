"""The package as a user installs it: a wheel in a fresh environment, run from elsewhere.

Everything ``sim/`` reads must ship inside the package (the data files, the
scenarios) and the command line must find its Hydra tree: an editable install
hides a missing file, a wheel does not. The wheel is built from a copy of the
source files, installed without its dependencies into a new virtual
environment that borrows this environment's packages (so no network is
needed), and run from a directory outside the checkout.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("sim", "lingtouyan", "configs", "hydra_plugins", "pyproject.toml", "README.md")


def _setuptools_can_build() -> bool:
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return major >= 68


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment holding the wheel; returns its directory."""
    if not _setuptools_can_build():
        pytest.skip("building the wheel offline needs setuptools>=68 (pip install -e '.[test]')")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(tmp / "dist"), str(src)], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("lingtouyan-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).stdout.strip())
    # The dependencies come from this environment, listed after the new site-packages; the
    # .pth files of this environment (an editable install of the checkout) are not read.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
          "-q", str(wheel)], cwd=tmp)
    return venv


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HYDRA_FULL_ERROR"] = "1"
    return env


def test_the_model_runs_from_the_wheel(installed, tmp_path):
    code = ("import sim, sys; t = sim.VillageModel(scale=0.001, end='2008-06').run(); "
            "print(sim.__file__); print(sorted(sim.scenario_names())); print(len(t))")
    out = _run([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path, env=_env()).stdout.split("\n")
    assert Path(out[0]).is_relative_to(installed), f"imported {out[0]}, not the installed wheel"
    assert out[1] == "['as_reported', 'baibuting', 'cpa_industry', 'no_yiding_sanyou', 'yangpu']"
    assert int(out[2]) > 0


def test_sim_run_runs_from_the_wheel(installed, tmp_path):
    # The scenario group is found in the package (pkg://sim.data), not in the checkout.
    scenario = "no_yiding_sanyou"
    results = tmp_path / "r"
    _run([str(installed / "bin" / "sim-run"), "scale=0.001", "end=2008-06", f"scenario={scenario}",
          f"results_dir={results}"], cwd=tmp_path, env=_env())
    (run_dir,) = (results / "runs").iterdir()
    table = pd.read_parquet(run_dir / "outcomes.parquet")
    assert set(table["scenario"]) == {scenario}
    assert table["date"].max() == "2008-06"
