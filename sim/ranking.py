"""Scoring and choosing candidates: the rules every ranked selection shares.

A candidate's standing is a base (ability, or a random draw) plus a weight
for each trait that counts in their favour: graduates applying to be CGVOs
(docs/ODD.md §7.15.1) and candidates at village elections (§7.12) are scored
this way, by :func:`merit`. CGVO recruitment (§7.15.2) and the secretaries'
promotion round (§7.11) then rank candidates by a score within their province
and take the best up to that province's quota, by :func:`best_within`.
"""

from __future__ import annotations

import numpy as np


def merit(base: np.ndarray, *terms: tuple[float, np.ndarray]) -> np.ndarray:
    """A candidate's standing: ``base`` plus ``weight × trait`` for each ``(weight, trait)`` term.

    Terms are added in the order given (so a result does not depend on how
    the sum is grouped); a trait may be a flag (counted 0 or 1) or a number,
    such as a noise deviate with its standard deviation as weight.

    Args:
        base: Each candidate's base standing (e.g. ability).
        *terms: ``(weight, trait)`` pairs; each trait has the shape of ``base``.
    """
    total = base
    for weight, trait in terms:
        total = total + weight * trait
    return total


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
