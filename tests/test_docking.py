"""Docking: the per-agent quit rule and the array quit rule give the same quits.

The stay/quit rule of the secretary (撂担子, L43) exists twice: as a classic
``mesa.Agent`` with its own ``step()`` (:class:`sim.agents.secretary.Secretary`,
the straightforward reference) and over the population's arrays
(:meth:`sim.agents.secretary.Secretaries.draw_quits`, what the model runs).
Both must give the same distribution of quits. Each version runs the same
secretaries, with heterogeneous relative values of the post, for 12 months
under 200 seeds; the tests compare

- the mean number of quits per run, with each other and with the rule's
  expectation (the sum of the yearly quit probabilities), in standard errors;
- the distribution of quits per run (two-sample Kolmogorov-Smirnov);
- the share quitting within bins of relative value (chi-square over bins);
- the month of quitting (chi-square on the 2 x 12 table).

The comparison is shown able to fail: the array rule with a quit slope 0.7
instead of 0.6 is detected. A table of hand-computed values pins
:func:`quit_probability` and :func:`monthly_hazard` themselves.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import mesa
import numpy as np
import pytest
from scipy import stats

from sim.agents.secretary import Secretaries, Secretary, monthly_hazard, quit_probability
from sim.parameters import load_world_parameters

N_SECRETARIES = 2000
MONTHS = 12
SEEDS = 200
#: Two-sided level of every distributional test (strict: the seeds are fixed).
ALPHA = 1e-3
#: Largest allowed gap between means, in standard errors.
MAX_Z = 4.0
BINS = 10
ALTERED_SLOPE = 0.7


# ----------------------------------------------------------------------------- hand-computed table
@pytest.mark.parametrize(
    ("relative_value", "intercept", "slope", "expected"),
    [
        (0.0, -2.0, 0.6, 0.11920292202211756),   # 1 / (1 + e^2)
        (1.0, -2.0, 0.6, 0.06913842034334682),   # 1 / (1 + e^2.6)
        (-3.0, -2.0, 0.6, 0.45016600268752207),  # 1 / (1 + e^0.2)
        (5.0, -2.0, 0.6, 0.006692850924284856),  # 1 / (1 + e^5)
        (0.0, 0.0, 0.6, 0.5),                    # 1 / (1 + e^0)
        (7.0, 0.0, 0.0, 0.5),                    # no slope: value does not matter
        (2.0, 1.0, 0.5, 0.5),                    # slope * value = intercept
    ],
)
def test_quit_probability_table(relative_value, intercept, slope, expected):
    scalar = quit_probability(relative_value, intercept, slope, math.exp)
    array = quit_probability(np.array([relative_value]), intercept, slope)
    assert scalar == pytest.approx(expected, rel=1e-12)
    assert array[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("yearly", "expected"),
    [
        (0.0, 0.0),
        (0.12, 0.010596241035319002),       # 1 - 0.88^(1/12)
        (0.07, 0.006029308066126924),       # 1 - 0.93^(1/12)
        (0.5, 0.056125687318306503),        # 1 - 2^(-1/12)
        (1.0 - 2.0**-12, 0.5),              # 1 - (2^-12)^(1/12)
    ],
)
def test_monthly_hazard_table(yearly, expected):
    scalar = monthly_hazard(yearly, math.log1p, math.expm1)
    array = monthly_hazard(np.array([yearly]))
    assert scalar == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert array[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_monthly_hazard_compounds_back_to_yearly():
    yearly = np.array([1e-6, 0.01, 0.07, 0.12, 0.3, 0.5, 0.9, 0.999])
    monthly = monthly_hazard(yearly)
    assert 1.0 - (1.0 - monthly) ** 12 == pytest.approx(yearly, rel=1e-12)
    assert 1.0 - (1.0 - monthly_hazard(0.12, math.log1p, math.expm1)) ** 12 == pytest.approx(0.12)


def test_quit_probability_falls_with_value():
    values = np.linspace(-5.0, 15.0, 201)
    p = quit_probability(values, -2.0, 0.6)
    assert np.all(np.diff(p) < 0.0)
    assert np.all((p > 0.0) & (p < 1.0))


# ----------------------------------------------------------------------------- the two versions
@dataclass(frozen=True)
class Quits:
    """Quits of many runs of one version of the rule.

    Attributes:
        per_run: Quits in each run (one per seed).
        per_secretary: Runs in which each secretary quit.
        per_month: Quits in each month, summed over runs.
    """

    per_run: np.ndarray
    per_secretary: np.ndarray
    per_month: np.ndarray


def relative_values() -> np.ndarray:
    """Heterogeneous relative values of the post: from yearly quit chance 0.45 to 0.002."""
    return np.linspace(-3.0, 7.0, N_SECRETARIES)


class QuitRuleModel(mesa.Model):
    """One :class:`Secretary` agent per relative value; each month every agent steps."""

    def __init__(self, values: np.ndarray, intercept: float, slope: float, *, seed: int) -> None:
        super().__init__(seed=seed)
        self.secretaries = [Secretary(self, v, intercept, slope) for v in values]

    def step(self) -> None:
        self.agents.do("step")


@functools.cache
def per_agent_quits(slope: float) -> Quits:
    """The reference: ``Secretary`` agents in a ``mesa.Model``, one model per seed."""
    params = load_world_parameters()
    values = relative_values()
    per_run = np.zeros(SEEDS, int)
    per_secretary = np.zeros(N_SECRETARIES, int)
    per_month = np.zeros(MONTHS, int)
    for seed in range(SEEDS):
        model = QuitRuleModel(values, params.value("secretary.quit_intercept"), slope, seed=seed)
        serving = N_SECRETARIES
        for month in range(MONTHS):
            model.step()
            now = sum(agent.filled for agent in model.secretaries)
            per_month[month] += serving - now
            serving = now
        quit_ = np.array([not agent.filled for agent in model.secretaries])
        per_run[seed] = quit_.sum()
        per_secretary += quit_
    return Quits(per_run, per_secretary, per_month)


@functools.cache
def array_quits(slope: float) -> Quits:
    """The model's rule: ``Secretaries.draw_quits`` on arrays, one generator per seed."""
    params = load_world_parameters().with_values({"secretary": {"quit_slope": slope}}, "param")
    values = relative_values()
    per_run = np.zeros(SEEDS, int)
    per_secretary = np.zeros(N_SECRETARIES, int)
    per_month = np.zeros(MONTHS, int)
    for seed in range(SEEDS):
        rng = np.random.default_rng(10_000 + seed)
        secretaries = Secretaries(N_SECRETARIES, params, 0, rng)
        secretaries.filled[:] = True
        for month in range(MONTHS):
            quitting = secretaries.draw_quits(values, rng)
            secretaries.filled[quitting] = False
            per_month[month] += len(quitting)
        per_run[seed] = (~secretaries.filled).sum()
        per_secretary += ~secretaries.filled
    return Quits(per_run, per_secretary, per_month)


def expected_yearly(slope: float) -> np.ndarray:
    """Each secretary's chance of quitting within the 12 months, from the rule itself."""
    intercept = load_world_parameters().value("secretary.quit_intercept")
    return quit_probability(relative_values(), intercept, slope)


# ----------------------------------------------------------------------------- statistics
def mean_gap_z(a: np.ndarray, b: np.ndarray) -> float:
    """Gap between the means of two samples in standard errors."""
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float((a.mean() - b.mean()) / se)


def bins_p_value(a: Quits, b: Quits) -> float:
    """Chi-square test that the share quitting is equal in every value bin."""
    edges = np.array_split(np.arange(N_SECRETARIES), BINS)
    table = np.array([[a.per_secretary[rows].sum(), b.per_secretary[rows].sum()] for rows in edges])
    trials = np.array([len(rows) * SEEDS for rows in edges])
    statistic = 0.0
    for (qa, qb), n in zip(table, trials, strict=True):
        pooled = (qa + qb) / (2 * n)
        statistic += (qa - qb) ** 2 / (n * pooled * (1 - pooled) * 2)
    return float(stats.chi2.sf(statistic, BINS))


def months_p_value(a: Quits, b: Quits) -> float:
    """Chi-square test that quits fall in the same months."""
    return float(stats.chi2_contingency(np.vstack([a.per_month, b.per_month]))[1])


def docking_checks(a: Quits, b: Quits) -> dict[str, bool]:
    """Every comparison of two versions: True where they agree."""
    return {
        "mean": abs(mean_gap_z(a.per_run, b.per_run)) < MAX_Z,
        "ks": stats.ks_2samp(a.per_run, b.per_run).pvalue > ALPHA,
        "bins": bins_p_value(a, b) > ALPHA,
        "months": months_p_value(a, b) > ALPHA,
    }


@pytest.mark.slow
def test_per_agent_and_array_rule_give_same_mean_quits():
    reference, fast = per_agent_quits(0.6), array_quits(0.6)
    assert abs(mean_gap_z(reference.per_run, fast.per_run)) < MAX_Z


@pytest.mark.slow
@pytest.mark.parametrize("version", ["per_agent", "array"])
def test_each_version_matches_the_rule_expectation(version):
    quits = per_agent_quits(0.6) if version == "per_agent" else array_quits(0.6)
    p = expected_yearly(0.6)
    # Quits per run: a sum of independent Bernoulli(p_i) over secretaries.
    mean, sd = p.sum(), math.sqrt((p * (1 - p)).sum())
    z = (quits.per_run.mean() - mean) / (sd / math.sqrt(SEEDS))
    assert abs(z) < MAX_Z
    # The share quitting in each value bin, against the rule.
    statistic = 0.0
    for rows in np.array_split(np.arange(N_SECRETARIES), BINS):
        expected = p[rows].sum() * SEEDS
        variance = (p[rows] * (1 - p[rows])).sum() * SEEDS
        statistic += (quits.per_secretary[rows].sum() - expected) ** 2 / variance
    assert stats.chi2.sf(statistic, BINS) > ALPHA


@pytest.mark.slow
def test_per_agent_and_array_rule_give_same_distribution():
    checks = docking_checks(per_agent_quits(0.6), array_quits(0.6))
    assert all(checks.values()), checks


@pytest.mark.slow
def test_docking_detects_an_altered_slope():
    reference, altered = per_agent_quits(0.6), array_quits(ALTERED_SLOPE)
    checks = docking_checks(reference, altered)
    assert not checks["mean"], "a quit slope of 0.7 instead of 0.6 went unnoticed"
    assert not checks["ks"]
    assert not checks["bins"]
    assert abs(mean_gap_z(reference.per_run, altered.per_run)) > MAX_Z
