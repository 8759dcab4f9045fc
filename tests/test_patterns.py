"""Patterns the reports state only in words, on the calibrated model against ``no_yiding_sanyou``.

- Quitting fell after 2009 (撂担子的现象大大减少, L43).
- Entrants became younger and better educated (L43; L318 for CGVOs joining the committees).
- Applicants per CGVO post stayed high (two million applicants for 300,000 places, L326).

Each scenario runs over the same seeds; differences are paired by seed and must
exceed three standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import VillageModel

SEEDS = range(1, 9)
SCALE = 0.01

pytestmark = pytest.mark.slow


def _wide(scenario: str, seed: int) -> pd.DataFrame:
    table = VillageModel(scale=SCALE, seed=seed, scenario=scenario).run()
    return table.pivot(index="date", columns="measure", values="value")


@pytest.fixture(scope="module")
def runs() -> dict[str, list[pd.DataFrame]]:
    return {s: [_wide(s, seed) for seed in SEEDS] for s in ("as_reported", "no_yiding_sanyou")}


def _window(wide: pd.DataFrame, measure: str, first: str, last: str) -> float:
    return float(wide.loc[first:last, measure].mean())


def _paired(runs, measure: str, first: str = "2010-01", last: str = "2012-12") -> tuple[float, float]:
    diffs = np.array([_window(a, measure, first, last) - _window(b, measure, first, last)
                      for a, b in zip(runs["as_reported"], runs["no_yiding_sanyou"], strict=True)])
    return float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(len(diffs)))


def test_quitting_fell_after_2009(runs):
    before = np.array([_window(w, "secretary_quit_rate_per_year", "2008-01", "2008-12")
                       for w in runs["as_reported"]])
    after = np.array([_window(w, "secretary_quit_rate_per_year", "2010-01", "2012-12")
                      for w in runs["as_reported"]])
    fall = before - after
    assert fall.mean() > 3 * fall.std(ddof=1) / np.sqrt(len(fall))
    assert after.mean() < 0.7 * before.mean()  # "大大减少": a large fall, not a drift
    diff, se = _paired(runs, "secretary_quit_rate_per_year")
    assert diff < -3 * se, "quitting must fall because of the package, not by itself"


def test_entrants_became_younger(runs):
    diff, se = _paired(runs, "secretary_entrant_age_years")
    assert diff < -3 * se


def test_entrants_became_better_educated(runs):
    diff, se = _paired(runs, "secretary_entrant_college_share")
    assert diff > 3 * se


def test_applicants_per_cgvo_post_stayed_high(runs):
    for wide in runs["as_reported"]:
        year = wide.index.str[:4]
        applicants = wide["cgvo_applicants_per_month"].groupby(year).sum()
        recruits = wide["cgvo_recruits_per_month"].groupby(year).sum()
        ratio = (applicants / recruits).loc["2009":"2012"]
        # Two million applicants for 300,000 places over four years is about 6.7 a post.
        assert (ratio >= 5).all(), ratio.to_dict()
        assert ratio.iloc[-1] >= 0.8 * ratio.iloc[0], "applicants per post must not dwindle"
