"""The case presets of R6-R8 (sim/cases.py, docs/CASES.md): they run, and their comparison is read honestly."""

from __future__ import annotations

import math

import pytest

from sim.cases import CASES, compare, main, markdown
from sim.errors import ConfigError

SCALE = 0.002


@pytest.fixture(scope="module")
def tables():
    return {name: compare(name, scale=SCALE, seeds=(1,)).set_index("figure") for name in CASES}


def test_every_case_has_its_figures_and_lines(tables):
    for name, case in CASES.items():
        frame = tables[name]
        assert list(frame.index) == [f.name for f in case.figures]
        assert frame["line"].str.fullmatch(r"L\d{3}").all()
        assert set(frame["decided_by"]) <= {"mechanism", "assumed", "input"}
        assert frame["simulated"].map(math.isfinite).all() or name == "cpa_industry"


def test_an_input_row_reproduces_its_input(tables):
    """Baibuting's tasks per registered member are the preset's pledges (1.5): a check, labelled input."""
    row = tables["baibuting"].iloc[2]
    assert row["decided_by"] == "input"
    assert row["simulated"] == pytest.approx(1.5)


def test_yangpu_grid_gives_one_step_not_a_yearly_fall(tables):
    """Petitions fall in the year the teams start (2010) and stay flat after: R7's 2011 fall is not produced."""
    frame = tables["yangpu"]
    first, second = frame["simulated"].iloc[1], frame["simulated"].iloc[2]
    assert first < -0.01
    assert second == pytest.approx(0.0, abs=1e-9)
    assert 0.0 < frame["simulated"].iloc[0] < 1.0


def test_the_cpa_sector_organises_every_firm_with_members(tables):
    frame = tables["cpa_industry"]
    assert frame["simulated"].iloc[4] == 1.0
    assert frame["simulated"].iloc[0] > 0


def test_markdown_has_a_row_per_figure(tables):
    text = markdown(tables["yangpu"].reset_index())
    assert text.count("\n| R7 Shanghai Yangpu |") == len(CASES["yangpu"].figures)


def test_an_unknown_case_is_one_clear_error(capsys):
    with pytest.raises(ConfigError) as err:
        compare("nowhere")
    assert err.value.key == "case"
    assert main(["nowhere", "--seeds", "1"]) == 2
    assert "case" in capsys.readouterr().err
