"""Political incentives of the post (docs/ODD.md §7.23, L24): hand-computed honours, seats and values."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.parameters import load_world_parameters
from sim.political import PoliticalIncentives, best_by_province
from sim.post import political_value

PARAMS = load_world_parameters().with_values({"political": {
    "honour_share_per_year": 0.25, "nomination_share_per_year": 0.5, "seat_term_years": 5,
    "seat_value_income_multiple": 0.3}}, "param")


class _Uniforms:
    def __init__(self, rows) -> None:
        self._rows = np.asarray(rows, float)

    def random(self, shape):
        assert tuple(shape) == self._rows.shape
        return self._rows.copy()


def test_best_by_province_takes_the_top_scores_with_ties_to_the_lower_row():
    province = np.array([0, 0, 0, 0, 1, 1, 1])
    score = np.array([0.1, 0.9, 0.5, 0.9, 0.3, 0.2, 0.8])
    eligible = np.array([True, True, True, True, True, False, True])
    # Province 0 takes 2: rows 1 and 3 tie at 0.9 -> both; province 1 takes 1 of rows 4, 6 -> row 6.
    assert best_by_province(province, score, eligible, np.array([2, 1])).tolist() == [1, 3, 6]
    # Province 0 takes 1: of the tie, the lower row (1).
    assert best_by_province(province, score, eligible, np.array([1, 0])).tolist() == [1]
    assert best_by_province(province, score, ~eligible & False, np.array([3, 3])).tolist() == []


def _secretaries():
    # Province 0: villages 0-3 (village 3 vacant); province 1: villages 4-7.
    return SimpleNamespace(
        filled=np.array([True, True, True, False, True, True, True, True]),
        score=np.array([0.2, 0.8, 0.5, 0.0, 0.1, 0.4, 0.9, 0.3], np.float32),
        entered=np.array([100, 100, 100, 0, 100, 100, 100, 100]))


def test_award_counts_round_with_one_uniform_per_province_and_seats_last_a_term():
    politics = PoliticalIncentives(PARAMS, np.array([0, 0, 0, 0, 1, 1, 1, 1]), 2)
    secs = _secretaries()
    # Serving: 3 in province 0, 4 in province 1.
    # Honours 0.25 x (3, 4) = (0.75, 1.0) + u (0.2, 0.0) -> floor (0.95, 1.0) = (0, 1): village 6.
    # Nominations 0.5 x (3, 4) = (1.5, 2.0) + u (0.6, 0.1) -> (2, 2): villages 1, 2 and 6, 5.
    honoured, nominated = politics.award(1000, secs, _Uniforms([[0.2, 0.0], [0.6, 0.1]]))
    assert honoured.tolist() == [6]
    assert nominated.tolist() == [1, 2, 5, 6]
    assert politics.holding(1000, secs).tolist() == [False, True, True, False, False, True, True, False]
    # A year on, those with seats are not nominated again: province 1's two go to villages 7 and 4.
    _, again = politics.award(1012, secs, _Uniforms([[0.0, 0.0], [0.0, 0.0]]))
    assert again.tolist() == [0, 4, 7]
    # The seat ends after five years (60 months) ...
    assert politics.holding(1059, secs)[1] and not politics.holding(1060, secs)[1]
    # ... and does not pass to the next holder of the post.
    secs.entered[2] = 1013
    assert not politics.holding(1014, secs)[2]


def test_political_value_by_hand():
    # 0.01 x 10,000 + 0.02 x 5 x 0.3 x 8,000 = 100 + 240 = 340 yuan a year.
    assert political_value(0.01, np.array([10_000.0, 0.0]), 0.02, 5, 0.3, np.array([8_000.0, 8_000.0])) \
        == pytest.approx([340.0, 240.0])
    assert political_value(0.0, 10_000.0, 0.0, 5, 0.3, 8_000.0) == 0.0


def test_the_post_is_worth_more_with_the_political_incentives():
    from sim.model import VillageModel

    off = {"political": {"honour_share_per_year": 0.0, "nomination_share_per_year": 0.0}}
    on = {"political": {"honour_share_per_year": 0.01, "nomination_share_per_year": 0.02}}
    values = []
    for params in (off, on):
        model = VillageModel(scale=0.001, end="2008-01", params=params, seed=3)
        values.append(model.secretary_post_value())
    income = VillageModel(scale=0.001, end="2008-01", seed=3).village_income
    bonus = np.where(np.array(model.provinces.names)[model.villages.province] == "Hebei", 10_000.0, 0.0)
    assert values[1] - values[0] == pytest.approx(0.01 * bonus + 0.02 * 5 * 0.3 * income, abs=1e-6)
