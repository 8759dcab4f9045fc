"""Party-congress delegates and the tenure system (R5, L352-L450; R10 L791; docs/ODD.md §7.21).

Before 2008 delegates "raised a hand once in five years" (L409); the 2008-05
regulation (L357) has them act through the term. This module owns the local
congresses of three levels (provinces, prefectures, counties), their
delegates, the institutions units built on the regulation, and what
delegates do:

- institutions: the number of units of each level with each institution
  grows linearly from the regulation to the count reported at the survey
  (levers); the units that have the liaison office also have the working
  rules (supporting systems), so the institutions are nested;
- activity per delegate a year, the same rule at every level: contacts with
  members and the public and motions between congresses wherever the
  working rules exist, more where a liaison office serves the delegates;
  proposals at a session where a proposal system exists (the 2011-12 round
  of congresses; every year in a standing-congress county);
- the role: at the county congress of the round, a share of the seats goes
  to the most able sitting village secretaries and a share to the most able
  CGVOs in post who are members (四个优先, L298); the rest are other members.
  A secretary stays a delegate while they hold the post they held when
  chosen.

The activity rates are assumed; the comparison with R5's flows (L375-L393)
tests the one rule across the three levels (docs/CASES.md). The module has
no random draws (the choice of CGVO delegates is by ability) and changes no
other outcome: it reads the secretaries' seats, it does not assign them.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ParameterSet
from sim.policies import Policy
from sim.policies.delegates import LEVELS
from sim.political import PoliticalIncentives
from sim.timeline import month_of_year, parse_month

#: What delegates do, in the order of the outcome table.
ACTIVITIES = ("contacts", "motions", "proposals")


def nested_counts(progress: float, supporting: float, proposal: float, liaison: float) -> dict[str, float]:
    """Units with each institution at ``progress`` (0-1) of the way to the reported counts."""
    return {"supporting": progress * supporting, "proposal": progress * proposal,
            "liaison": progress * liaison}


def activity(delegates: float, units: dict[str, float], rate: float, liaison_multiple: float) -> float:
    """Yearly acts of delegates where the working rules exist.

    Each delegate acts ``rate`` times a year, ``liaison_multiple`` × as often where a
    liaison office serves them. ``delegates`` is the number per congress; ``units`` the units with the working
    rules and with a liaison office (a subset of the former).
    """
    plain = max(units["supporting"] - units["liaison"], 0.0)
    return delegates * rate * (plain + liaison_multiple * min(units["liaison"], units["supporting"]))


class Delegates:
    """Local congresses, their institutions, delegates' activity and the delegates among village cadres.

    Attributes:
        units: ``{level: {institution: units that have it}}`` this month.
        flows: ``{f"{activity}_{level}": acts this month}`` (national).
        cgvo_delegate: CGVO rows chosen as county delegates.

    Args:
        params: World parameters (``delegates.*``).
        policy: The levers (``policy.delegates``).
        seats: Who among the village secretaries holds a seat (:class:`sim.political.PoliticalIncentives`).
    """

    def __init__(self, params: ParameterSet, policy: Policy, seats: PoliticalIncentives) -> None:
        self._p = params
        self._policy = policy
        self._seats = seats
        self._month = -1
        self.units: dict[str, dict[str, float]] = {}
        self.flows: dict[str, float] = {}
        self.cgvo_delegate = np.zeros(0, np.int64)
        self._survey = parse_month(params.value("delegates.survey_month"))
        self._congress = {level: parse_month(params.value(f"delegates.congress_month.{level}"))
                          for level in LEVELS}

    def congress_month(self, level: str) -> int:
        """Absolute month of the level's congress of the 2011-12 round."""
        return self._congress[level]

    def step(self, month: int, cgvos, scale: float) -> dict[str, float]:
        """One month: institutions, delegates' acts, and (at the county congress) the seats of CGVOs."""
        p, pol = self._p, self._policy.delegates
        self._month = month
        progress = pol.progress(month, self._survey)
        flows = {}
        for level in LEVELS:
            units = nested_counts(progress, pol.supporting_systems[level], pol.proposal_systems[level],
                                  pol.liaison_offices[level])
            if level == "county":
                units["standing"] = progress * pol.standing_congress_counties
            self.units[level] = units
            seats = p.value(f"delegates.per_congress.{level}")
            multiple = p.value("delegates.liaison_multiple")
            at_congress = month == self.congress_month(level)
            between = 0.0 if at_congress else 1.0 / 12.0
            flows[f"contacts_{level}"] = activity(seats, units, p.value("delegates.contacts_per_year"),
                                                  multiple) * between
            flows[f"motions_{level}"] = activity(seats, units, p.value("delegates.motions_per_year"),
                                                 multiple) * between
            sessions = units["proposal"] if at_congress else 0.0
            if (level == "county" and not at_congress
                    and month_of_year(month) == month_of_year(self.congress_month(level))):
                sessions = min(units["standing"], units["proposal"])  # the yearly session of 常任制
            flows[f"proposals_{level}"] = seats * p.value("delegates.proposals_per_session") * sessions
        if pol.enabled and month == self.congress_month("county"):
            self._choose_cgvos(cgvos, scale)
        self.flows = flows
        return flows

    def _choose_cgvos(self, cgvos, scale: float) -> None:
        """County delegate seats for the most able CGVO members in post.

        Every county elects its delegates, whether or not it has the working rules; the
        national seats × the CGVOs' share × ``scale`` go to the simulated ones.
        """
        p = self._p
        county_seats = p.value("delegates.per_congress.county") * p.value("delegates.county_units")
        k = round(county_seats * p.value("delegates.cgvo_seat_share") * scale)
        members = np.flatnonzero(cgvos.in_post & cgvos.party)
        self.cgvo_delegate = members[np.argsort(-cgvos.ability[members], kind="stable")[:k]]

    def secretaries_as_delegates(self, secretaries) -> int:
        """Sitting secretaries who are county delegates this month: those holding a seat (simulated units)."""
        return int(self._seats.holding(self._month, secretaries).sum())

    def cgvos_as_delegates(self, cgvos) -> int:
        """CGVOs in post who are county delegates (simulated units)."""
        return int(cgvos.in_post[self.cgvo_delegate].sum()) if len(self.cgvo_delegate) else 0
