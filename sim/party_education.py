"""Party-member education and training (R3, L165-L270; volumes also in R11, L897; docs/ODD.md §7.19).

R3 describes training as flows of person-times (人次) of four key
programmes (四项重点培训工程, L196) — rural party-organisation secretaries,
new members, CGVO members, and entrepreneurship and employment skills for
members — delivered partly through the rural remote-education network
(L204: terminal sites in 99.1% of townships and villages by 2012). This
module owns that network and those flows:

- the network: each village gets a remote-education site once the year's
  coverage (a lever series) passes the village's place in the roll-out
  order, drawn once; coverage only grows, so a site once built stays;
- reach: a yearly programme reaches ``reach_with_site`` of a village group
  where the village has a site, ``reach_without_site`` elsewhere; the
  secretaries reached are drawn (stream ``party_education.secretary_reach``)
  and only they gain the training's ability (``Secretaries.train``, L31, L63);
- cost: a share ``remote_day_share`` of a reached trainee's days goes
  through the site at ``remote_cost_share`` of an on-site day;
- flows (person-times = trainees × courses): serving secretaries in the
  training month (their days are the ``training`` lever), CGVO party members
  in post (the ``cgvo`` lever's days; the rule binds every CGVO, L294), new
  rural members each month (courses per new member), rural members offered a
  skills course in the training month;
- skills: the share of each villager row's members who have had a skills
  course, and the extra earnings it brings (``skills_earnings_gain_share`` of
  local labour income a year); the gain, read as a rise of earning ability
  (:func:`earner_lift`), moves members near the bar into the capable earners
  (致富能手) who stand for secretary (L59; L897: the 双育 model's skills
  training makes members earners).

The person-times are outcomes, compared with the R3 and R11 volumes only as
a wide held-out interval (NOTES c11: the two reports differ 3- to 30-fold
over nearly the same window).
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.policies import Policy
from sim.timeline import month_of_year, year_of

#: The four key programmes of L196, in the order of the outcome table.
GROUPS = ("rural_secretaries", "new_members", "cgvo_members", "skills")


def reach_share(has_site, with_site: float, without_site: float):
    """Share of a village group a yearly programme reaches: higher where the village has a site."""
    return np.where(has_site, with_site, without_site)


def earner_lift(gain_share: float, earnings_log_sd: float) -> float:
    """Rise of earning ability (standard deviations) of a member after a skills course.

    Ability is standard normal and log earnings spread ``earnings_log_sd``
    among rural workers, so earnings ``gain_share`` higher are
    ``log(1 + gain_share) / earnings_log_sd`` standard deviations of ability.
    """
    return float(np.log1p(gain_share)) / earnings_log_sd


def cost_per_day(coverage_share: float, on_site_cost: float, remote_day_share: float,
                 remote_cost_share: float) -> float:
    """Average cost of a training day (yuan) when ``coverage_share`` of trainees have a site.

    Where there is a site, ``remote_day_share`` of the days cost ``remote_cost_share`` of
    an on-site day; the rest, and every day of those without a site, cost ``on_site_cost``.
    """
    saving = coverage_share * remote_day_share * (1.0 - remote_cost_share)
    return on_site_cost * (1.0 - saving)


class PartyEducation:
    """The remote-education network and the four training programmes, month by month.

    Attributes:
        site: Whether each village has a remote-education terminal site.
        skills_trained: Share of each villager row's people who are members and have
            had a skills course (at most the row's member share).
        person_times: ``{group: person-times this month}`` in simulated units.
        person_days: Training days given this month in simulated units (all groups).
        cost_yuan: Cost of this month's training days (simulated units, yuan).
    """

    def __init__(self, params: ParameterSet, policy: Policy, n_villages: int, n_villager_rows: int,
                 rng: np.random.Generator) -> None:
        self._p = params
        self._policy = policy
        self._order = rng.random(n_villages)
        self._secretaries_trained = np.zeros(n_villages, bool)
        self.site = np.zeros(n_villages, bool)
        self.skills_trained = np.zeros(n_villager_rows, np.float32)
        self.person_times: dict[str, float] = dict.fromkeys(GROUPS, 0.0)
        self.person_days = 0.0
        self.cost_yuan = 0.0

    def build_sites(self, year: int) -> None:
        """Villages whose place in the roll-out falls below the year's coverage get a site (kept after)."""
        self.site |= self._order < self._policy.party_education.coverage(year)

    def train_secretaries(self, month: int, secretaries, rng: np.random.Generator) -> np.ndarray:
        """The training month's secretaries' programme; return which villages' secretaries were trained.

        Each village draws one uniform (every village, so the draws do not
        depend on who serves): its serving secretary is reached, and trained
        for the ``training`` lever's days (ability gain, L31, L63), when the
        draw falls below the reach of its village (with or without a site).
        :meth:`step` counts these trainees in the same month.
        """
        p = self._p
        self.build_sites(year_of(month))
        reach = reach_share(self.site, p.value("party_education.reach_with_site"),
                            p.value("party_education.reach_without_site"))
        trained = (rng.random(len(self.site)) < reach) & secretaries.filled
        secretaries.train(self._policy.training.secretary_days_per_year, trained)
        self._secretaries_trained = trained
        return trained

    def step(self, month: int, secretaries, cgvos, villagers, admitted: float) -> dict[str, float]:
        """One month of training; return the person-times by group (simulated units).

        Args:
            month: The month simulated.
            secretaries: Not read: the secretaries trained this month are those
                :meth:`train_secretaries` reached (none if it was not called).
            cgvos: CGVO party members in post are trained in the training month.
            villagers: Rural members are offered skills courses in the training month.
            admitted: People admitted to the party in the simulated villages this month.
        """
        p = self._p
        pol = self._policy
        edu = pol.party_education
        self.build_sites(year_of(month))
        with_site = p.value("party_education.reach_with_site")
        without_site = p.value("party_education.reach_without_site")
        course_days = p.value("party_education.course_days")
        times = dict.fromkeys(GROUPS, 0.0)
        trained_secs, self._secretaries_trained = self._secretaries_trained, np.zeros_like(self.site)
        days = sited_days = 0.0
        np.minimum(self.skills_trained, villagers.member, out=self.skills_trained)
        site_share = float(self.site.mean())

        times["new_members"] = admitted * edu.new_member_courses
        days += times["new_members"] * edu.new_member_days
        sited_days += times["new_members"] * edu.new_member_days * site_share
        if month_of_year(month) == int(p.value("secretary.training_month")):
            reach = reach_share(self.site, with_site, without_site)
            sec_days = pol.training.secretary_days_per_year
            secs = float(trained_secs.sum())
            times["rural_secretaries"] = secs * sec_days / course_days
            days += secs * sec_days
            sited_days += float((self.site & trained_secs).sum()) * sec_days

            members = float((cgvos.in_post & cgvos.party).sum())
            cgvo_days = pol.cgvo.training_days_per_year
            times["cgvo_members"] = members * cgvo_days / course_days
            days += members * cgvo_days
            sited_days += members * cgvo_days * site_share

            row_reach = reach[villagers.village].astype(np.float32) * np.float32(
                edu.skills_offered_share_per_year)
            trainees = np.multiply(villagers.people, villagers.member * row_reach, dtype=np.float64)
            self.skills_trained += (villagers.member - self.skills_trained) * row_reach
            times["skills"] = float(trainees.sum())
            days += times["skills"] * edu.skills_days
            sited_days += float(trainees.sum(where=self.site[villagers.village])) * edu.skills_days
        self._lift_earners(villagers)
        self.person_times = times
        self.person_days = days
        self.cost_yuan = days * cost_per_day(
            sited_days / days if days > 0 else 0.0, p.value("secretary.training_cost_per_day"),
            p.value("party_education.remote_day_share"), p.value("party_education.remote_cost_share"))
        return times

    def _lift_earners(self, villagers) -> None:
        """Set each row's rise of earning ability: the lift of a course × the share of its members trained."""
        p = self._p
        lift = np.float32(earner_lift(p.value("party_education.skills_earnings_gain_share"),
                                      p.value("party_education.earnings_log_sd")))
        trained = np.divide(self.skills_trained, villagers.member, out=np.zeros_like(self.skills_trained),
                            where=villagers.member > 0)
        np.multiply(trained, lift, out=villagers.earning_lift)

    def skills_earnings_yuan_per_year(self, villagers, labour_income: np.ndarray) -> float:
        """Extra yearly earnings of the members who have had a skills course (simulated units, yuan)."""
        gain = self._p.value("party_education.skills_earnings_gain_share")
        income = labour_income[villagers.village]
        return float(np.multiply(villagers.people * self.skills_trained, income).sum(dtype=np.float64)) * gain

    def skills_trained_people(self, villagers) -> float:
        """Members who have had a skills course (simulated units)."""
        return float(np.multiply(villagers.people, self.skills_trained).sum(dtype=np.float64))
