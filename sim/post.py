"""The value of the post to its holder and to a candidate (docs/ODD.md §7.3-§7.7).

A secretary compares, each month, the yearly value of holding the post with
what the same person would earn without it, in the form of dynamic
retention models of military and civil-service careers. The value has the
parts the 一定三有 package changes (L6, L16-L27):

- pay: basic pay at the floor multiple of local income where the county pays
  it, plus performance pay tied to the annual score (L20, L31; §7.3);
- promotion: the chance of leaving upward through each open channel times
  the value of a township post (L24), over the years ahead in which the
  holder may apply (§7.5);
- security: the pension contribution paid while in post and the departure
  subsidy that only a normal departure keeps (L27), spread over the years
  left to serve, so its pull is strongest near retirement (§7.6);
- political incentives: the chance of being honoured (评先奖优, with Hebei's
  bonus) and of being nominated as 两代表一委员, times what each is worth
  (L24; §7.23);
- intrinsic motivation, minus the earnings the post costs: the post keeps its
  holder in the village, so those whose alternative is migrant work forgo
  most (§7.4).

:meth:`PostValue.of` writes the sum once, for a sitting secretary and for a
candidate alike: a candidate is a holder with no tenure and an average score.
The quit rule uses the holder's value (§7.7); a candidate stands for a vacant
post only if it is positive to them (§7.12).
"""

from __future__ import annotations

import math

import numpy as np

from sim.parameters import ParameterSet
from sim.policies import Policy


def post_value(pay, promotion_value, security_value, motivation, forgone, political=0.0):
    """Yearly value of holding the post (yuan): what staying adds to not staying.

    ``pay + promotion_value + security_value + political + motivation - forgone``.
    """
    return pay + promotion_value + security_value + political + motivation - forgone


def political_value(honour_share: float, bonus, nomination_share: float, seat_term_years: float,
                    seat_value_multiple: float, income):
    """Yearly value of the political incentives of the post (yuan; L24, §7.23).

    A year in post brings the chance of an honour, worth the province's bonus
    (``bonus``, yuan), and the chance of a nomination to a seat, worth
    ``seat_value_multiple`` × local income for each year of its term. Both
    chances are the shares of serving secretaries honoured and nominated a
    year; the seat, once held, is kept whether or not one stays, so only the
    chance enters.
    """
    return honour_share * bonus + nomination_share * seat_term_years * seat_value_multiple * income


def forgone_earnings(age, earner, college, migrant_income: float, labour_income,
                     params: ParameterSet):
    """Yearly earnings the post costs its holder (yuan).

    Without the post a person takes the better of migrant wage work, which
    fades with age, and local work, which pays capable earners a premium
    (L43, L59); college education raises both. The post keeps its holder in the village, where they can
    still earn the part of local income the post leaves time for
    (``1 - time_share``); the rest of the best alternative is forgone. So
    the post costs most to the young, whose alternative is migrant work.
    """
    p = params
    fade = np.clip((p.value("secretary.migrant_option_end_age") - age) / 20.0, 0.0, 1.0)
    schooling = 1.0 + p.value("secretary.college_wage_premium") * college
    migrant = migrant_income * fade * (1.0 - p.value("secretary.migration_cost_share")) * schooling
    local = labour_income * (1.0 + p.value("secretary.earner_premium") * earner) * schooling
    return np.maximum(migrant, local) - (1.0 - p.value("secretary.time_share")) * local


def security_value(age, tenure, income, basic, pension_on, departure_on, retirement_age: float,
                   subsidy_rate: float, min_years: float, one_off_months: float,
                   pension_subsidy: float, params: ParameterSet):
    """Yearly value of the security a secretary keeps only by staying (L27).

    The pension contribution is paid while in post. The departure subsidy is
    paid from a normal departure for life, at ``subsidy_rate`` × years served
    × local income a year, or a one-off compensation before ``min_years``.
    Quitting forfeits it; its present value is spread over the years left.
    """
    r = params.value("secretary.discount_rate")
    years_left = np.maximum(retirement_age - age, 0.5)
    final_tenure = tenure + years_left
    n = params.value("secretary.years_receiving_subsidy")
    annuity = (1.0 - (1.0 + r) ** -n) / r
    regular = subsidy_rate * annuity * final_tenure * income
    one_off = one_off_months / 12.0 * basic
    at_exit = np.where(final_tenure >= min_years, regular, one_off)
    spread = np.exp(-math.log1p(r) * years_left) / years_left
    return pension_on * pension_subsidy + departure_on * at_exit * spread


def promotion_value(chance: float, apply_probability: float, gain: np.ndarray, age, tenure,
                    min_tenure_years: float, max_age: float, horizon: float):
    """Option value of promotion (yuan/year) for a holder of ``age`` and ``tenure`` (§7.5).

    The yearly chance of the open channels for an applicant, times the
    chance of applying, times the value of a township post (``gain``), times
    the share of the coming ``horizon`` years in which the holder may apply:
    after ``min_tenure_years`` in post and before ``max_age``.
    """
    first = np.maximum(min_tenure_years - tenure, 0.0)
    last = np.minimum(np.maximum(max_age - age, 0.0), horizon)
    share = np.clip(last - first, 0.0, horizon) / horizon
    return chance * apply_probability * gain * share


class PostValue:
    """The yearly value of each village's post, to whoever holds it or stands for it.

    Reads the month's village context (:class:`sim.world.World`) and the
    promotion chances of the year (:class:`sim.promotion.PromotionRound`).
    """

    def __init__(self, params: ParameterSet, policy: Policy, world, promotion) -> None:
        self._p = params
        self._policy = policy
        self._world = world
        self._promotion = promotion
        bonus = params.value("political.honour_bonus_yuan_by_province")
        self._bonus = np.array([float(bonus.get(name, 0.0)) for name in world.provinces.names])

    def of(self, villages: np.ndarray | slice, age, tenure, earner, college, motivation,
           pay=None, basic=None) -> np.ndarray:
        """Yearly value of the post of ``villages`` to people of the given traits (yuan).

        Args:
            villages: The posts (a slice for every village).
            age: Age in years.
            tenure: Years in post (0 for a candidate).
            earner: A capable earner (higher outside option).
            college: College education.
            motivation: Intrinsic value of the post, as a multiple of local income.
            pay: Total pay of the post (yuan/year); by default what it pays a new
                holder (an average score).
            basic: Basic pay of the post, given with ``pay``.
        """
        p = self._p
        w = self._world
        ret = self._policy.retirement
        income = w.village_income[villages]
        if pay is None:
            basic, pay = self._policy.pay_floor.apply(income, w.floor_paid[villages], np.zeros(len(income)),
                                                      p.value("secretary.pre_policy_pay_ratio"))
        forgone = forgone_earnings(age, earner, college, w.economy.migrant_income,
                                   w.labour_income[villages], p)
        security = security_value(
            age, tenure, income, basic, w.pension_on[villages] & ret.pension_enabled,
            w.departure_on[villages] & ret.departure_subsidy_enabled, ret.age,
            ret.departure_subsidy_per_tenure_year, ret.departure_subsidy_min_years,
            ret.one_off_months, ret.pension_subsidy_yuan_per_year, p)
        political = political_value(
            p.value("political.honour_share_per_year"), self._bonus[w.villages.province[villages]],
            p.value("political.nomination_share_per_year"), p.value("political.seat_term_years"),
            p.value("political.seat_value_income_multiple"), income)
        return post_value(pay, self.promotion(villages, age, tenure), security, motivation * income, forgone,
                          political)

    def promotion(self, villages: np.ndarray | slice, age, tenure) -> np.ndarray:
        """Option value of promotion (yuan/year) for holders of the posts of ``villages``."""
        p = self._p
        pol = self._policy.promotion
        gain = p.value("secretary.promotion_gain_years") * self._promotion.township_pay[
            self._world.villages.province[villages]]
        return promotion_value(self._promotion.chance, p.value("secretary.apply_probability"), gain,
                               age, tenure, pol.min_tenure_years, pol.max_age,
                               p.value("secretary.promotion_horizon_years"))

    def holders(self, secretaries) -> np.ndarray:
        """Yearly value of the post to each sitting secretary, at this month's pay (yuan)."""
        w = self._world
        s = secretaries
        return self.of(slice(None), s.age, s.tenure, s.earner, s.college, s.motivation, w.pay, w.basic_pay)

    def candidates(self, villages: np.ndarray, age, earner, college, motivation) -> np.ndarray:
        """Yearly value of the post to candidates: new entrants, no tenure, an average score."""
        return self.of(villages, age, np.zeros(len(villages)), earner, college, motivation)
