"""The promotion round (docs/ODD.md §7.5, §7.11): eligibility, chances and a hand-computed round."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from sim.parameters import load_levers, load_world_parameters
from sim.policies import CHANNELS, Policy
from sim.promotion import PromotionRound
from sim.ranking import best_within

BASE = Policy.from_levers(load_levers())
POLICY = dataclasses.replace(BASE, promotion=dataclasses.replace(
    BASE.promotion, min_tenure_years=3, max_age=45, exam_bonus_points_by_province={"B": 15}))
#: Everyone eligible applies, exams have no luck: the round is decided by ability (and the bonus).
PARAMS = load_world_parameters().with_values({"secretary": {
    "apply_probability": 1.0, "exam_noise_sd": 0.0, "apply_min_score": 0.0, "exam_points_per_sd": 15,
    "township_pay_ratio": 3.5}}, "param")
WORLD = SimpleNamespace(
    provinces=SimpleNamespace(names=("A", "B")), villages=SimpleNamespace(province=np.array([0, 0, 0, 1, 1, 1])),
    villages_per_province=np.array([3, 3]), economy=SimpleNamespace(province_income=np.array([8000.0, 9000.0])))


def _secretaries(**change):
    state = {"filled": np.array([True, True, True, True, True, True]),
             "age": np.array([30.0, 40.0, 35.0, 44.0, 45.0, 38.0]),
             "tenure": np.array([5.0, 4.0, 1.0, 3.0, 6.0, 9.0]),
             "score": np.array([0.5, 0.1, 1.0, 0.0, 0.2, 0.3]),
             "ability": np.array([0.5, 1.0, 0.2, 0.9, 0.1, 0.3])}
    state.update(change)
    return _Secs(**state)


class _Secs(SimpleNamespace):
    def __len__(self) -> int:
        return len(self.filled)


class _Draws:
    """A generator stand-in: uniforms of 0.5 (no exam luck), places = the expected posts."""

    def random(self, shape):
        return np.full(shape, 0.5)

    def poisson(self, lam):
        return np.round(np.asarray(lam)).astype(int)


@pytest.mark.parametrize(("change", "eligible"), [
    ({}, [True, True, False, True, True, True]),                               # village 2: 1 year in post
    ({"age": np.array([30.0, 40.0, 35.0, 44.0, 45.5, 38.0])}, [True, True, False, True, False, True]),
    ({"score": np.array([0.5, -0.1, 1.0, 0.0, 0.2, 0.3])}, [True, False, False, True, True, True]),
    ({"filled": np.array([True, True, True, False, True, True])}, [True, True, False, False, True, True]),
])
def test_who_may_apply(change, eligible):
    assert PromotionRound(PARAMS, POLICY, WORLD).eligible(_secretaries(**change)).tolist() == eligible


def test_chances_are_posts_over_applicants_pooled_over_the_nation():
    rnd = PromotionRound(PARAMS, POLICY, WORLD)
    rnd.refresh(2010, True, _secretaries())
    # 5 eligible applicants; posts per 1000 villages x 6 villages, each channel.
    for channel in CHANNELS:
        posts = getattr(POLICY.promotion, f"{channel}_posts_per_1000_villages") / 1000 * 6
        assert rnd.chance_by_channel[channel] == pytest.approx(min(1.0, posts / 5))
    assert rnd.chance == pytest.approx(sum(rnd.chance_by_channel.values()))
    assert rnd.township_pay.tolist() == [8000.0 * 3.5, 9000.0 * 3.5]


def test_a_round_by_hand():
    # Places: township (1, 0), civil service (1, 1), institution (0, 2). Province B's exam bonus
    # is 15 points = 1 sd. Village 2 may not apply.
    # township: A's best is village 1 (ability 1.0).
    # civil service: A: village 0 (0.5); B: village 3 (0.9 + 1) before 5 (1.3) and 4 (1.1).
    # institution: B takes both who are left, best first: 5 (0.3), then 4 (0.1).
    rnd = PromotionRound(PARAMS, POLICY, WORLD)
    rnd.expected_posts = {"township_leadership": np.array([1.0, 0.0]),
                          "civil_service": np.array([1.0, 1.0]), "institution": np.array([0.0, 2.0])}
    winners = rnd.hold(_secretaries(), _Draws())
    assert {c: w.tolist() for c, w in winners.items()} == {
        "township_leadership": [1], "civil_service": [0, 3], "institution": [5, 4]}


def test_no_places_no_winners():
    rnd = PromotionRound(PARAMS, POLICY, WORLD)
    rnd.expected_posts = {c: np.zeros(2) for c in CHANNELS}
    assert all(w.size == 0 for w in rnd.hold(_secretaries(), _Draws()).values())


@pytest.mark.parametrize(("group", "score", "quota", "expected"), [
    ([0, 0, 1, 1, 1], [1.0, 2.0, 0.5, 0.7, 0.6], [1, 2], [1, 3, 4]),
    ([0, 0, 1, 1, 1], [1.0, 2.0, 0.5, 0.7, 0.6], [0, 5], [3, 4, 2]),
    ([1, 0, 1, 0], [1.0, 1.0, 1.0, 1.0], [1, 1], [1, 0]),   # ties keep the candidates' order
    ([], [], [3, 3], []),
])
def test_best_within_province(group, score, quota, expected):
    chosen = best_within(np.array(group, int), np.array(score, float), np.array(quota))
    assert chosen.tolist() == expected
