"""Village governance: 四议两公开 and open party affairs, led by the village's secretary (R10; docs/ODD.md §7.22).

R10 counts 575,000 villages using 四议两公开 (L847) and open party affairs in
over 98% of grassroots organisations (L839). Both are decision and
disclosure procedures that a village's party branch runs, so here they are
adopted by villages whose post is held, faster the abler the secretary:
each month a village without the practice takes it up with the yearly rate
``rate × exp(slope × ability)`` while the practice is promoted (before, only
the villages that had it in 2008 use it), and keeps it after. The module
reads the secretaries' ability and whether a post is filled; it changes no
secretary and draws only from the stream ``democracy.village``.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.policies import Policy
from sim.timeline import monthly_probability

#: The practices, in the order of the outcome table.
PRACTICES = ("four_deliberations", "open_affairs")


def adoption_probability(ability, filled, rate: float, slope: float):
    """Monthly probability that a village takes up a practice.

    The yearly rate is ``rate × exp(slope × ability)`` where a secretary sits; none
    where the post is vacant.
    """
    return np.where(filled, monthly_probability(rate * np.exp(slope * ability)), 0.0)


class VillageGovernance:
    """Which villages use 四议两公开 and open party affairs.

    Attributes:
        uses: ``{practice: bool array over villages}``.
    """

    def __init__(self, params: ParameterSet, policy: Policy, n_villages: int,
                 rng: np.random.Generator) -> None:
        self._p = params
        self._policy = policy
        u = rng.random((2, n_villages))
        self.uses = {
            "four_deliberations": u[0] < params.value("democracy.four_deliberations_initial_share"),
            "open_affairs": u[1] < params.value("democracy.open_affairs_initial_share"),
        }

    def step(self, month: int, secretaries, rng: np.random.Generator) -> None:
        """One month of adoption (the same two draws per village every month)."""
        p, pol = self._p, self._policy.democracy
        u = rng.random((2, len(secretaries.filled)))
        slope = p.value("democracy.ability_slope")
        on = {"four_deliberations": pol.four_deliberations_on(month), "open_affairs": pol.open_affairs_on(month)}
        rates = {"four_deliberations": p.value("democracy.four_deliberations_rate_per_year"),
                 "open_affairs": p.value("democracy.open_affairs_rate_per_year")}
        for i, practice in enumerate(PRACTICES):
            if on[practice]:
                chance = adoption_probability(secretaries.ability, secretaries.filled, rates[practice], slope)
                self.uses[practice] |= u[i] < chance
