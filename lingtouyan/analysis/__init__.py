"""Which lever matters, by how much, and at what cost.

One evaluation interface (:func:`evaluate`: points × seeds → scalar
outcomes, on the sweep launcher or a local process pool) under three
analyses: global sensitivity (SALib Morris and Sobol), the Shapley split of
the 一定三有 package's effect among its elements, and cost-effectiveness
curves with a budget frontier. ``sim-analyse`` runs them from the command
line; ``docs/ANALYSIS.md`` reads the results.
"""

from lingtouyan.analysis.evaluate import (
    BACKENDS,
    EvaluationError,
    default_backend,
    evaluate,
    sweep_available,
)
from lingtouyan.analysis.factors import Factor, load_factors
from lingtouyan.analysis.outcomes import DEFAULT_OUTCOMES, OUTCOMES, WINDOW, scalar_outcomes

__all__ = [
    "BACKENDS", "DEFAULT_OUTCOMES", "OUTCOMES", "WINDOW", "EvaluationError", "Factor", "default_backend",
    "evaluate", "load_factors", "scalar_outcomes", "sweep_available",
]
