"""Village party secretaries (村党支部书记), the report of L1-L73 (docs/ODD.md §7.7-§7.10).

The secretary compares, each month, the yearly value of holding the post
with what the same person would earn without it; that value (pay,
promotion, security, motivation, forgone earnings) is computed in
:mod:`sim.post`. Quitting (撂担子, L43) is a logit in the value of the post
relative to local income (§7.7). Secretaries also retire or leave for health
(§7.8), are assessed each year (§7.9) and gain ability with experience and
training (§7.10). Who holds the seat of each village, a villager or a CGVO,
is recorded by :class:`sim.seats.Seats`.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.agents.base import RowAgent
from sim.parameters import ParameterSet
from sim.timeline import monthly_probability

#: Where a secretary came from (L43, L59).
ORIGINS = ("local_cadre", "capable_earner", "returned_migrant", "veteran", "cgvo", "other_member",
           "retired_cadre", "enterprise_manager")
ORIGIN = {name: code for code, name in enumerate(ORIGINS)}
_COARSE = 1 << 16


def quit_probability(relative_value, intercept: float, slope: float, exp=np.exp):
    """Yearly probability of quitting given the post's value relative to local income.

    ``p = 1 / (1 + exp(-(intercept - slope * relative_value)))``. The array
    version passes ``numpy.exp``, the per-agent version ``math.exp``: the rule
    itself is written once.

    The exponent is capped at :data:`_MAX_EXPONENT` (the probability is then
    below 1e-300, zero for any draw), so an allowed extreme such as a steep
    slope with a valuable post cannot overflow ``math.exp``.
    """
    z = slope * relative_value - intercept
    z = min(z, _MAX_EXPONENT) if exp is math.exp else np.minimum(z, _MAX_EXPONENT)
    return 1.0 / (1.0 + exp(z))


#: Cap of the logistic's exponent (``math.exp`` overflows past about 709).
_MAX_EXPONENT = 700.0


def monthly_hazard(yearly_probability, log1p=np.log1p, expm1=np.expm1):
    """Monthly probability equivalent to a yearly one.

    A yearly probability of 1 (a logistic that rounds to 1) has a monthly
    hazard of 1; it is handled apart because ``log1p(-1)`` is an error in
    :mod:`math` and ``-inf`` in numpy. Below 1 the formula is unchanged.
    """
    if log1p is math.log1p:
        return 1.0 if yearly_probability >= 1.0 else -expm1(log1p(-yearly_probability) / 12.0)
    p = np.asarray(yearly_probability, dtype=float)
    sure = p >= 1.0
    hazard = -expm1(log1p(-np.where(sure, 0.0, p)) / 12.0)
    return np.where(sure, 1.0, hazard) if sure.any() else hazard


class Secretaries:
    """The secretary post of every village, as arrays (one row per village).

    Attributes:
        filled: The post has a secretary.
        age: Age in years.
        tenure: Years in this post.
        college: College education (大专 or above).
        ability: Leadership ability (standard normal among villagers).
        motivation: Intrinsic value of the post, as a multiple of local income.
        earner: A capable earner (致富能手): higher outside option.
        origin: Code in :data:`ORIGINS`.
        score: Last annual assessment score (standardised).
        entered: Absolute month the secretary took the post.
        cgvo: Row of the CGVO holding the post, or -1 (read-only; kept by :class:`sim.seats.Seats`).
    """

    def __init__(self, n: int, params: ParameterSet, month: int, rng: np.random.Generator) -> None:
        p = self._p = params
        self.filled = rng.random(n) >= p.value("secretary.initial_vacancy_share")
        self.age = np.clip(rng.normal(p.value("secretary.initial_age_mean"),
                                      p.value("secretary.initial_age_sd"), n), 22, 59.5).astype(np.float32)
        self.tenure = np.minimum(rng.exponential(p.value("secretary.initial_tenure_mean"), n),
                                 self.age - 20).astype(np.float32)
        self.college = rng.random(n) < p.value("secretary.initial_college_share")
        self.ability = (rng.standard_normal(n) + p.value("secretary.initial_ability_mean")).astype(np.float32)
        self.motivation = self.draw_motivation(n, rng)
        self.earner = rng.random(n) < p.value("secretary.initial_earner_share")
        self.origin = np.full(n, ORIGIN["local_cadre"], np.int8)
        self.score = np.zeros(n, np.float32)
        self.entered = (month - np.round(self.tenure * 12)).astype(np.int32)
        self.seats = None  # set by sim.seats.Seats, the one writer of who holds which post

    @property
    def cgvo(self) -> np.ndarray:
        """Row of the CGVO holding each village's post, or -1 (read-only)."""
        if self.seats is None:
            return np.full(len(self), -1, np.int32)
        return self.seats.secretary_cgvo

    def __len__(self) -> int:
        return len(self.filled)

    def draw_motivation(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Intrinsic motivation of ``n`` new secretaries (multiple of local income)."""
        p = self._p
        return rng.normal(p.value("secretary.motivation_mean"), p.value("secretary.motivation_sd"),
                          n).astype(np.float32)

    def draw_quits(self, relative_value: np.ndarray, rng: np.random.Generator,
                   fine: np.random.Generator | None = None) -> np.ndarray:
        """Quit or stay this month (撂担子, L43, docs/ODD.md §7.7); return the villages whose secretary quits.

        A secretary quits when this month's uniform draw falls below the
        monthly hazard of :func:`quit_probability`. The draw is taken in two
        parts: 16 coarse bits for every secretary from ``rng`` (the same
        number of draws every month, so runs that differ in policy share
        them), and the fine rest from ``fine`` only where the coarse part
        could fall below the hazard at the lowest value of the post. The
        hazard is computed only there: the decisions are exactly those of a
        full uniform draw for everyone. (The bound is the hazard at the lowest
        value for the few posts worth less than where a quarter of holders
        quit a year, and the hazard at that cut for all others.)

        Args:
            relative_value: Yearly value of the post over local per-capita income.
            rng: The quit stream (16 bits per village every month).
            fine: The stream completing the draws that matter (default: ``rng``).
        """
        p = self._p
        intercept, slope = p.value("secretary.quit_intercept"), p.value("secretary.quit_slope")
        coarse = rng.integers(0, _COARSE, len(self), dtype=np.uint16)

        def ceiling(value: float) -> int:  # the hazard at ``value``, in coarse units, rounded up
            return min(_COARSE, math.ceil(monthly_hazard(
                quit_probability(value, intercept, slope, math.exp), math.log1p, math.expm1) * _COARSE))

        lowest = float(relative_value.min())
        # Few posts are worth so little that a quarter of their holders quit in a year:
        # they get the bound of the lowest value, the others the bound at that cut.
        cut = max(lowest, (intercept + math.log(3.0)) / slope) if slope > 0 else lowest
        top, rest = ceiling(lowest), ceiling(cut)
        if top > rest:
            bound = (relative_value < cut) * np.int32(top - rest) + np.int32(rest)
            maybe = np.flatnonzero(coarse < bound)
        else:
            maybe = np.flatnonzero(coarse < rest)
        u = (coarse[maybe] + (fine or rng).random(len(maybe))) / _COARSE
        hazard = monthly_hazard(quit_probability(relative_value[maybe], intercept, slope))
        return maybe[(u < hazard) & self.filled[maybe]]

    def leave_normally(self, retirement_age: float, rng: np.random.Generator) -> np.ndarray:
        """Retire at ``retirement_age`` or leave for health (normal departure, L27).

        Returns the villages whose secretary leaves this month.
        """
        p = self._p
        u = rng.random(len(self))
        yearly = p.value("secretary.health_exit_rate_at_40") * np.exp(
            p.value("secretary.health_exit_age_slope") * (self.age - 40.0))
        leave = self.filled & ((self.age >= retirement_age) | (u < monthly_probability(yearly)))
        return np.flatnonzero(leave)

    def age_one_month(self) -> None:
        """Age and tenure advance by one month; ability grows with experience."""
        step = np.float32(1.0 / 12.0)
        self.age += step
        self.tenure += self.filled * step
        self.ability += self.filled * np.float32(self._p.value("secretary.learning_per_year") / 12.0)

    def assess(self, weights: tuple[float, float, float], support: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
        """Annual assessment (述职评议, L31): a weighted score of three raters.

        Villagers and party members, the township and the county each see the
        secretary's performance (ability plus the year's luck plus ``support``,
        e.g. a first secretary) with their own noise; the weighted sum is
        standardised among serving secretaries and stored in ``score``.
        """
        p = self._p
        n = len(self)
        performance = self.ability + support + rng.normal(0.0, p.value("secretary.performance_sd"), n)
        noise = rng.normal(0.0, 1.0, (3, n)) * np.array(
            [p.value("secretary.rater_noise_village"), p.value("secretary.rater_noise_township"),
             p.value("secretary.rater_noise_county")])[:, None]
        w = np.asarray(weights, float)
        raw = (w[:, None] * (performance[None, :] + noise)).sum(axis=0) / max(w.sum(), 1e-12)
        serving = raw[self.filled]
        if serving.size > 1:
            raw = (raw - serving.mean()) / max(serving.std(), 1e-12)
        self.score = np.where(self.filled, raw, 0.0).astype(np.float32)
        return self.score

    def train(self, days: float, trained: np.ndarray | None = None) -> None:
        """Training raises ability with diminishing returns in days (L31, L63).

        Args:
            days: Training days each trainee gets.
            trained: Which villages' secretaries are trained (all serving ones by default);
                only serving secretaries gain.
        """
        p = self._p
        gain = p.value("secretary.training_gain_per_day") * days / (1.0 + days / p.value(
            "secretary.training_saturation_days"))
        who = self.filled if trained is None else self.filled & trained
        self.ability += who * np.float32(gain)

    def capable(self) -> np.ndarray:
        """Serving secretaries able enough to lead development (带领致富能力强, L43)."""
        return self.filled & (self.ability > self._p.value("secretary.capable_ability_threshold"))

    def vacate(self, villages: np.ndarray) -> None:
        """The posts of ``villages`` fall vacant (called by :meth:`sim.seats.Seats.vacate`)."""
        self.filled[villages] = False
        self.score[villages] = 0.0

    def install(self, villages: np.ndarray, *, age, college, ability, earner, origin, month: int,
                motivation) -> None:
        """Put new secretaries into the posts of ``villages`` (called by :meth:`sim.seats.Seats.seat`)."""
        self.filled[villages] = True
        self.age[villages] = age
        self.tenure[villages] = 0.0
        self.college[villages] = college
        self.ability[villages] = ability
        self.earner[villages] = earner
        self.origin[villages] = origin
        self.motivation[villages] = motivation
        self.score[villages] = 0.0
        self.entered[villages] = month


class SecretaryView(RowAgent):
    """One village's secretary, read from the :class:`Secretaries` arrays."""

    population_attr = "secretaries"
    fields = ("filled", "age", "tenure", "college", "ability", "motivation", "origin", "score")


class Secretary(mesa.Agent):
    """A secretary as a classic per-agent ``mesa.Agent`` with its own ``step()``.

    The straightforward way of writing the stay/quit rule: one object per
    secretary holding its own state. It applies the same
    :func:`quit_probability` as :meth:`Secretaries.draw_quits`; the
    benchmark (``sim-bench``) times both, and a docking test checks that they
    give the same distribution of quits.

    Attributes:
        relative_value: Yearly value of the post over local income.
        filled: Still in post.
    """

    def __init__(self, model: mesa.Model, relative_value: float, intercept: float,
                 slope: float) -> None:
        super().__init__(model)
        self.relative_value = float(relative_value)
        self.intercept = intercept
        self.slope = slope
        self.filled = True

    def step(self) -> None:
        """Quit this month with the monthly hazard of the rule."""
        if self.filled:
            yearly = quit_probability(self.relative_value, self.intercept, self.slope, math.exp)
            if self.model.random.random() < monthly_hazard(yearly, math.log1p, math.expm1):
                self.filled = False
