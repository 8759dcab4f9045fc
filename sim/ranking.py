"""Choosing the best within each province: the rule of every ranked selection.

CGVO recruitment (docs/ODD.md §7.15.2) and the secretaries' promotion round
(§7.11) both rank candidates by a score within their province and take the
best up to that province's quota; this module writes that rule once.
"""

from __future__ import annotations

import numpy as np


def best_within(group: np.ndarray, score: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Positions of the best candidates of each group, at most ``quota[group]`` of them.

    Candidates are ranked by ``score`` (highest first) within their ``group``
    (e.g. the province); ties keep the candidates' order. The result lists the
    chosen positions group by group, best first.

    Args:
        group: Group code of each candidate (``0 <= group < len(quota)``).
        score: Each candidate's score.
        quota: Places per group (whole numbers).
    """
    order = np.lexsort((-score, group))
    ranked = group[order]
    first = np.searchsorted(ranked, np.arange(len(quota)))
    rank = np.arange(len(order)) - first[ranked]
    return order[rank < quota[ranked]]
