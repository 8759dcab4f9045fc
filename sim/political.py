"""Political incentives of the post (L24): honours and nomination as 两代表一委员 (docs/ODD.md §7.23).

Besides promotion, R1 lists political incentives that make a good secretary's
post worth more (L24): honours (评先奖优; Hebei pays 10,000 yuan to a
secretary honoured at provincial level or above) and nomination as a
party-congress delegate, people's-congress deputy or CPPCC member
(两代表一委员). Each year, after the annual assessment, every province
honours and nominates its best-scored serving secretaries:

- ``political.honour_share_per_year`` of its serving secretaries are honoured;
- ``political.nomination_share_per_year`` of them are nominated to a seat
  for a term of ``political.seat_term_years``, among those not holding one.

The counts are rounded per province with one uniform each from the stream
``secretary.political`` (so the expected count is the share times the serving
secretaries), and the best scores win (ties to the lower row). A seat stays
with the person: it is no longer counted once the post changes hands. What
the chance of these is worth to a holder enters the value of the post in
:func:`sim.post.political_value`.

:meth:`PoliticalIncentives.holding` is the one record of which secretaries
hold a seat: the village secretaries among the county party-congress
delegates of :mod:`sim.delegates` (R5) are these seat holders.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet

_NONE = np.iinfo(np.int64).min


def best_by_province(province: np.ndarray, score: np.ndarray, eligible: np.ndarray,
                     counts: np.ndarray) -> np.ndarray:
    """Rows of the ``counts[p]`` best-scored eligible rows of each province ``p`` (ties: lower row first)."""
    rows = np.flatnonzero(eligible)
    if not rows.size:
        return rows
    order = rows[np.lexsort((rows, -score[rows].astype(np.float64), province[rows]))]
    group = province[order]
    first = np.searchsorted(group, group)            # first position of each row's province
    rank = np.arange(order.size) - first
    return np.sort(order[rank < counts[group]])


class PoliticalIncentives:
    """Who is honoured and nominated each year, and which serving secretaries hold a seat.

    Args:
        params: World parameters (``political.*``).
        village_province: Province row of each village.
        n_provinces: Number of provinces.
    """

    def __init__(self, params: ParameterSet, village_province: np.ndarray, n_provinces: int) -> None:
        self._p = params
        self._province = village_province.astype(np.int64)
        self._n_provinces = n_provinces
        n = len(village_province)
        self._seat_until = np.full(n, _NONE)    # month the seat's term ends
        self._seat_holder = np.full(n, _NONE)   # entry month of the secretary the seat belongs to

    def _counts(self, serving: np.ndarray, share: float, u: np.ndarray) -> np.ndarray:
        expected = share * np.bincount(self._province[serving], minlength=self._n_provinces)
        return np.floor(expected + u).astype(np.int64)

    def award(self, month: int, secretaries, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The year's honours and nominations among serving secretaries; returns both sets of villages."""
        p, s = self._p, secretaries
        u = rng.random((2, self._n_provinces))
        serving = s.filled
        honoured = best_by_province(self._province, s.score, serving,
                                    self._counts(serving, p.value("political.honour_share_per_year"), u[0]))
        free = serving & ~self.holding(month, secretaries)
        nominated = best_by_province(self._province, s.score, free,
                                     self._counts(serving, p.value("political.nomination_share_per_year"),
                                                  u[1]))
        self._seat_until[nominated] = month + round(12 * p.value("political.seat_term_years"))
        self._seat_holder[nominated] = s.entered[nominated]
        return honoured, nominated

    def holding(self, month: int, secretaries) -> np.ndarray:
        """Whether each village's sitting secretary holds a seat this month."""
        s = secretaries
        return s.filled & (self._seat_until > month) & (self._seat_holder == s.entered)
