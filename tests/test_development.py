"""Village development with who leads it (sim/development.py, docs/ODD.md §7.18): hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import VillageModel
from sim.development import VillageDevelopment
from sim.parameters import load_world_parameters

BASE = load_world_parameters()
REF = BASE.value("secretary.initial_ability_mean")


def development(**changes: float) -> VillageDevelopment:
    """A development process for four villages with the given ``development.*`` values."""
    params = BASE.with_values({"development": changes}, "param") if changes else BASE
    return VillageDevelopment(params, 4)


# village: 0 = secretary 1 SD above the 2008 mean, 1 = average secretary, 2 = vacant, 3 = vacant with a
# first secretary
FILLED = np.array([True, True, False, False])
ABILITY = np.array([REF + 1.0, REF, 0.0, 0.0])
FIRST = np.array([False, False, False, True])
NO_JOBS = np.zeros(4)
POP = np.full(4, 1000.0)


@pytest.mark.parametrize(("village", "expected"), [
    (0, 0.01),          # one SD of ability: +1 log point a year
    (1, 0.0),           # the 2008 mean secretary: the provincial series
    (2, -0.01),         # vacant: -1 log point a year
    (3, -0.01 + 0.02),  # vacant, a first secretary: -1 + 2
])
def test_a_year_of_leadership_without_convergence(village, expected):
    dev = development(ability_growth_per_sd=0.01, vacancy_growth_penalty=0.01,
                      first_secretary_growth=0.02, convergence_per_year=0.0)
    for _ in range(12):
        dev.step(FILLED, ABILITY, FIRST, NO_JOBS, POP)
    assert dev.leadership_premium[village] == pytest.approx(expected, abs=1e-12)
    assert dev.growth_last_year[village] == pytest.approx(expected, abs=1e-12)


def test_premium_converges_back_when_leadership_is_neutral():
    dev = development(ability_growth_per_sd=0.01, convergence_per_year=0.12)
    dev.leadership_premium[:] = 0.05
    dev.step(np.ones(4, bool), np.full(4, REF), np.zeros(4, bool), NO_JOBS, POP)
    assert dev.leadership_premium == pytest.approx(np.full(4, 0.05 * (1 - 0.01)))


def test_venture_jobs_add_their_wages_per_head():
    dev = development(venture_wage_gain_ratio=1.5)
    jobs = np.array([0.0, 8.0, 0.0, 20.0])
    dev.step(FILLED, np.full(4, REF), np.zeros(4, bool), jobs, POP)
    assert dev.venture_premium == pytest.approx([0.0, math.log1p(1.5 * 8 / 1000), 0.0,
                                                 math.log1p(1.5 * 20 / 1000)])


def test_rating_rises_with_growth_and_is_the_intercept_at_zero():
    dev = development(rating_intercept=0.84, rating_per_growth=20.0, convergence_per_year=0.0)
    for _ in range(12):
        dev.step(FILLED, ABILITY, FIRST, NO_JOBS, POP)
    rating = dev.rating()
    assert rating[1] == pytest.approx(0.7995, abs=1e-4)  # Φ(0.84)
    assert rating[0] > rating[1] > rating[2]


def test_plausible_range_is_checked_by_the_loader(tmp_path):
    from sim.errors import DataFileError
    from sim.parameters import ParameterSet
    bad = tmp_path / "p.yaml"
    bad.write_text('g:\n  x: {value: 2.0, unit: "u", label: "l", status: assumed, reason: "r", '
                   'plausible: [0, 1]}\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="plausible"):
        ParameterSet.load(bad)


def _last(table: pd.DataFrame, measure: str) -> float:
    rows = table[table["measure"] == measure]
    return float(rows["value"].iloc[-1])


def test_development_is_an_outcome_only():
    """Changing every development size leaves every other outcome of the run identical."""
    kw = {"scale": 0.002, "end": "2010-12", "seed": 3}
    base = VillageModel(**kw).run()
    other = VillageModel(params={"development": {"ability_growth_per_sd": 0.03,
                                                 "vacancy_growth_penalty": 0.0,
                                                 "venture_wage_gain_ratio": 2.0}}, **kw).run()
    dev = base["measure"].str.startswith("village_development") | (
        base["measure"] == "secretary_villager_rating_share")
    pd.testing.assert_series_equal(base.loc[~dev, "value"], other.loc[~dev, "value"])
    assert (_last(base, "village_development_income_premium_percent")
            != _last(other, "village_development_income_premium_percent"))


def test_no_leader_effects_means_no_premium():
    zero = {"ability_growth_per_sd": 0.0, "vacancy_growth_penalty": 0.0,
            "first_secretary_growth": 0.0, "venture_wage_gain_ratio": 0.0}
    table = VillageModel(scale=0.002, end="2009-06", seed=1, params={"development": zero}).run()
    premium = table[table["measure"] == "village_development_income_premium_percent"]["value"]
    assert (premium == 0.0).all()
    regional = [_last(table, f"village_development_income_premium_percent_{r}")
                for r in ("east", "central", "west")]
    assert regional == [0.0, 0.0, 0.0]
