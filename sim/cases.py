"""The cases of R6-R8 as presets, each compared with its own report figures (docs/CASES.md).

Also R5's delegate flows, which no preset needs: the as-reported run against them.

A case is a scenario of ``sim/data/scenario/`` that sets one module to the
case's way of working — Wuhan Baibuting's building grid and members'
pledges (R6), Shanghai Yangpu's front-line service teams (R7), the CPA
industry's sector-wide party system (R8) — and a list of figures the case
reports with the model's counterpart. The figures are never inputs of the
preset; where a figure follows from the preset's own inputs the row says so
(``decided_by: input``), so it is read as a check of arithmetic, not as
evidence.

Run ``python -m sim.cases [CASE ...] [--scale S] [--seeds 1-3]`` for the
table in Markdown.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.agents.enterprise import JOINT, OWN
from sim.errors import ConfigError
from sim.model import VillageModel
from sim.timeline import parse_month


@dataclass(frozen=True)
class Figure:
    """One reported figure of a case and how the model's counterpart is read from a run.

    Attributes:
        name: What the figure is.
        line: Report line (``Lnnn``).
        reported: The figure as a number (shares as fractions).
        simulated: ``f(model, table) -> float``, read after the run.
        decided_by: ``mechanism`` (a rule of the module produces it from other inputs),
            ``assumed`` (a hand-set value of the preset decides it) or ``input`` (it follows
            from the preset's inputs by arithmetic: a check only).
    """

    name: str
    line: str
    reported: float
    simulated: Callable[[VillageModel, pd.DataFrame], float]
    decided_by: str


@dataclass(frozen=True)
class Case:
    """A preset scenario and the figures it is compared with, at the end of the case's survey."""

    scenario: str
    report: str
    end: str
    figures: tuple[Figure, ...]


def _stock(measure: str, date: str) -> Callable[[VillageModel, pd.DataFrame], float]:
    def read(model, table):
        return float(table[(table.measure == measure) & (table.date == date)]["value"].iloc[0])
    return read


def _total(table: pd.DataFrame, measure: str, start: str, end: str) -> float:
    rows = table[(table.measure == measure) & (table.date >= start) & (table.date <= end)]
    return float(rows["value"].sum())


def _year_change(measure: str, year: int) -> Callable[[VillageModel, pd.DataFrame], float]:
    """Relative change of a monthly flow's yearly sum from ``year - 1`` to ``year``."""
    def read(model, table):
        now = _total(table, measure, f"{year}-01", f"{year}-12")
        before = _total(table, measure, f"{year - 1}-01", f"{year - 1}-12")
        return now / before - 1.0 if before > 0 else float("nan")
    return read


def _flow_total(measure: str, start: str, end: str) -> Callable[[VillageModel, pd.DataFrame], float]:
    def read(model, table):
        return _total(table, measure, start, end)
    return read


def _level_ratio(activity: str, start: str, end: str) -> Callable[[VillageModel, pd.DataFrame], float]:
    """County over provincial totals of a delegate activity."""
    def read(model, table):
        province = _total(table, f"delegate_{activity}_province_per_month", start, end)
        county = _total(table, f"delegate_{activity}_county_per_month", start, end)
        return county / province if province > 0 else float("nan")
    return read


def _solved_per_household_year(start: str, end: str) -> Callable[[VillageModel, pd.DataFrame], float]:
    def read(model, table):
        c = model.communities
        months = parse_month(end) - parse_month(start) + 1
        households = float(c.households.sum()) * c.weight
        return _total(table, "community_problems_solved_per_month", start, end) / households * 12.0 / months
    return read


def _tasks_per_registered_member(model, table) -> float:
    c, pol = model.communities, model.policy.community
    members = float(c.households.sum()) * model.params.value("community.in_service_members_per_household")
    registered = members * pol.member_registration_share * c.weight
    monthly = _stock("community_pledged_tasks_per_month", model.config.end)(model, table)
    return 12.0 * monthly / registered if registered > 0 else float("nan")


def _orgs(kind: int) -> Callable[[VillageModel, pd.DataFrame], float]:
    def read(model, table):
        e = model.enterprises
        count = float((e.org == kind).sum())
        if kind == JOINT:
            count /= model.params.value("enterprise.firms_per_joint_org")
        return count * e.weight
    return read


def _covered_with_members(model, table) -> float:
    e = model.enterprises
    with_members = e.members > 0
    return float((e.org[with_members] != 0).mean()) if with_members.any() else float("nan")


def _reached_without_members(model, table) -> float:
    e = model.enterprises
    without = e.members == 0
    return float(((e.org != 0) | e.instructor)[without].mean()) if without.any() else float("nan")


CASES: dict[str, Case] = {
    "baibuting": Case("baibuting", "R6 Wuhan Baibuting", "2012-06", (
        Figure("households visited in the last two years (all, 近两年走访了所有家庭)", "L503", 1.0,
               _stock("community_households_visited_share", "2012-06"), "assumed"),
        Figure("residents' problems solved a year per household (120,000 in two years, 120,000 residents)",
               "L503", 120000 / 2 / (120000 / 2.8), _solved_per_household_year("2010-07", "2012-06"),
               "mechanism"),
        Figure("tasks done a year per registered in-service member (11,000 from 2011 to mid-2012, 5,000+)",
               "L475", 11000 / 5000 / 1.5, _tasks_per_registered_member, "input"),
    )),
    "yangpu": Case("yangpu", "R7 Shanghai Yangpu", "2011-12", (
        Figure("households visited by the service teams (83%)", "L551", 0.83,
               _stock("community_households_visited_share", "2011-12"), "assumed"),
        Figure("change of petitions in 2010 (fell 21%)", "L579", -0.21,
               _year_change("community_petitions_per_month", 2010), "mechanism"),
        Figure("change of petition cases in 2011 (fell 27.4%)", "L579", -0.274,
               _year_change("community_petitions_per_month", 2011), "mechanism"),
    )),
    "cpa_industry": Case("cpa_industry", "R8 CPA industry", "2012-07", (
        Figure("party organisations in accounting firms", "L613", 3264,
               _stock("enterprise_party_orgs", "2012-07"), "mechanism"),
        Figure("of which independent (own) organisations", "L613", 2641, _orgs(OWN), "mechanism"),
        Figure("of which joint organisations", "L613", 631, _orgs(JOINT), "mechanism"),
        Figure("party members in the industry", "L613", 34842,
               _stock("enterprise_party_members", "2012-07"), "assumed"),
        Figure("firms with members that have an organisation (all)", "L661", 1.0, _covered_with_members,
               "mechanism"),
        Figure("firms without members with an instructor or organisation (all)", "L661", 1.0,
               _reached_without_members, "mechanism"),
    )),
    # Not a case: R5's delegate flows since the 17th congress (2007-10 to mid-2012) against the
    # as-reported run from 2008-01 (4.5 of the 4.7 years). The per-delegate rates are assumed;
    # the county-to-province ratios test the one rule across levels.
    "delegate_tenure": Case("as_reported", "R5 delegate tenure", "2012-06", (
        *(Figure(f"{what} by {level} delegates since the 17th congress", line, value,
                 _flow_total(f"delegate_{activity}_{level}_per_month", "2008-01", "2012-06"), "assumed")
          for activity, what, line, values in (
              ("contacts", "members and citizens contacted", "L375", (78500, 932000, 3989000)),
              ("proposals", "proposals", "L377", (493, 6391, 60700)),
              ("motions", "motions", "L379", (3256, 94300, 700000)))
          for level, value in zip(("province", "prefecture", "county"), values, strict=True)),
        Figure("contacts: county over provincial delegates", "L375", 3989000 / 78500,
               _level_ratio("contacts", "2008-01", "2012-06"), "mechanism"),
        Figure("proposals: county over provincial delegates", "L377", 60700 / 493,
               _level_ratio("proposals", "2008-01", "2012-06"), "mechanism"),
        Figure("motions: county over provincial delegates", "L379", 700000 / 3256,
               _level_ratio("motions", "2008-01", "2012-06"), "mechanism"),
    )),
}


def compare(name: str, scale: float = 0.01, seeds: Sequence[int] = (1,)) -> pd.DataFrame:
    """Run case ``name`` for each seed to its survey date; one row per figure (mean over seeds).

    Columns: ``case, figure, line, reported, simulated, simulated_min, simulated_max,
    decided_by``.
    """
    if name not in CASES:
        raise ConfigError("case", f"must be one of {sorted(CASES)}, got {name!r}")
    case = CASES[name]
    values = []
    for seed in seeds:
        model = VillageModel(scale=scale, end=case.end, scenario=case.scenario, seed=seed)
        table = model.run()
        values.append([f.simulated(model, table) for f in case.figures])
    sims = np.array(values, float)
    return pd.DataFrame({
        "case": case.report, "figure": [f.name for f in case.figures],
        "line": [f.line for f in case.figures], "reported": [f.reported for f in case.figures],
        "simulated": sims.mean(axis=0), "simulated_min": sims.min(axis=0),
        "simulated_max": sims.max(axis=0), "decided_by": [f.decided_by for f in case.figures],
    })


def markdown(frame: pd.DataFrame) -> str:
    """The comparison as a Markdown table."""
    def fmt(x: float) -> str:
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    lines = ["| case | figure | line | reported | simulated (min–max over seeds) | decided by |",
             "|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        lines.append(f"| {r.case} | {r.figure} | {r.line} | {fmt(r.reported)} | {fmt(r.simulated)} "
                     f"({fmt(r.simulated_min)}–{fmt(r.simulated_max)}) | {r.decided_by} |")
    return "\n".join(lines)


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(x) for x in text.split("-", 1))
        return list(range(first, last + 1))
    return [int(x) for x in text.split(",")]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.cases [CASE ...] [--scale S] [--seeds 1-3]``: print the comparison table."""
    parser = argparse.ArgumentParser(prog="python -m sim.cases", description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"cases (default: all of {list(CASES)})")
    parser.add_argument("--scale", type=float, default=0.01, help="share of villages simulated (default 0.01)")
    parser.add_argument("--seeds", type=_seeds, default=[1, 2, 3], help="seeds, e.g. 1-3 or 1,5 (default 1-3)")
    args = parser.parse_args(argv)
    try:
        frame = pd.concat([compare(name, args.scale, args.seeds) for name in args.cases], ignore_index=True)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(markdown(frame))
    print(f"\n`python -m sim.cases {' '.join(args.cases)} --scale {args.scale:g} "
          f"--seeds {','.join(map(str, args.seeds))}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
