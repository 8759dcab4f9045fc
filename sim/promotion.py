"""The yearly promotion round of village secretaries (L16, L24; docs/ODD.md §7.5, §7.11).

Three channels open once a year: township leadership, civil-service exams
reserved for village cadres and township public institutions. Who may apply
is written once (:meth:`PromotionRound.eligible`): a serving secretary old
enough in post, young enough, with a good enough last score. From the posts
each channel expects and the eligible secretaries, the round gives each
applicant's yearly chance of promotion (pooled over the nation), which the
value of the post reads (:mod:`sim.post`); in the promotion month it holds
the round: applicants sit each channel in turn, each province takes its best
up to its places, and winners leave their village post.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.policies import CHANNELS, Policy
from sim.ranking import best_within
from sim.streams import normal_from_uniform


class PromotionRound:
    """Expected posts, chances and the yearly round of the three channels.

    Attributes:
        expected_posts: ``{channel: expected posts per province this year}`` (simulated units).
        chance_by_channel: ``{channel: yearly chance of promotion for an applicant}``.
        chance: The chances summed over the channels.
        township_pay: Pay of a township post by province (yuan/year).
    """

    def __init__(self, params: ParameterSet, policy: Policy, world) -> None:
        self._p = params
        self._policy = policy
        self._world = world

    def eligible(self, secretaries) -> np.ndarray:
        """Secretaries who may apply (L24): serving, in post long enough, young enough, well scored."""
        pol = self._policy.promotion
        s = secretaries
        return (s.filled & (s.age <= pol.max_age) & (s.tenure >= pol.min_tenure_years)
                & (s.score >= self._p.value("secretary.apply_min_score")))

    def refresh(self, year: int, package_in_effect: bool, secretaries) -> None:
        """This year's expected posts and each applicant's yearly chance of promotion.

        Posts over applicants, pooled over the nation (a province with few
        simulated villages would give a noisy ratio).
        """
        p = self._p
        w = self._world
        self.expected_posts = self._policy.promotion.apply(w.villages_per_province, year, package_in_effect)
        applicants = max(np.count_nonzero(self.eligible(secretaries)) * p.value("secretary.apply_probability"),
                         1.0)
        self.chance_by_channel = {c: min(1.0, float(self.expected_posts[c].sum()) / applicants)
                                  for c in CHANNELS}
        self.chance = sum(self.chance_by_channel.values())
        self.township_pay = w.economy.province_income * p.value("secretary.township_pay_ratio")

    def hold(self, secretaries, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The round (L16, L24): apply, sit each channel, win within the province.

        An eligible secretary applies with ``apply_probability``; in each
        channel the province's places are drawn around the expected posts and
        go to the best applicants by ability plus exam luck (plus the exam
        bonus of the province in the civil-service channel). A winner leaves
        the remaining channels.

        Returns:
            ``{channel: villages whose secretary won a post}`` (the caller vacates them).
        """
        p = self._p
        pol = self._policy.promotion
        provinces = self._world.provinces
        prov = self._world.villages.province
        u = rng.random((1 + len(CHANNELS), len(secretaries)))
        applying = self.eligible(secretaries) & (u[0] < p.value("secretary.apply_probability"))
        bonus = pol.exam_bonus(provinces.names, p.value("secretary.exam_points_per_sd"))
        winners = {}
        for i, channel in enumerate(CHANNELS, start=1):
            places = rng.poisson(self.expected_posts[channel])
            score = secretaries.ability + normal_from_uniform(u[i]) * p.value("secretary.exam_noise_sd")
            if channel == "civil_service":
                score = score + bonus[prov]
            candidates = np.flatnonzero(applying)
            winners[channel] = candidates[best_within(prov[candidates], score[candidates], places)]
            applying[winners[channel]] = False
        return winners
