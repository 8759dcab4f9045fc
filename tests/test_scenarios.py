"""The scenario files: package data, the Hydra group found through the search path."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml

from sim import scenario_names
from sim.config import load_scenario

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "config.yaml"


def test_scenarios_are_package_resources():
    folder = resources.files("sim").joinpath("data", "scenario")
    on_disk = sorted(e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml"))
    assert on_disk == scenario_names() == ["as_reported", "baibuting", "cpa_industry", "no_yiding_sanyou",
                                           "yangpu"]
    for name in on_disk:
        assert load_scenario(name)["scenario_name"] == name


def test_hydra_finds_the_packaged_group_and_the_help_names_every_scenario():
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert "pkg://sim.data" in config["hydra"]["searchpath"]
    assert not (CONFIG.parent / "scenario").exists(), "one home for the scenarios: sim/data/scenario/"
    (line,) = re.findall(r"^scenario: (.*?)\s{2,}", config["hydra"]["help"]["template"], re.M)
    assert line.split(", ") == scenario_names()
