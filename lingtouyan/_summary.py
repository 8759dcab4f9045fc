"""The short table ``sim-run`` prints after a run, computed from the tidy outcome table.

Rows are the headline measures of the 2012 reports — secretaries' quitting
and vacancies, counties implementing the 2009 package, promotions by
channel, CGVOs in post and their exits, enterprise coverage — and columns
are calendar years.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: The window over which the reports count promotions of village cadres.
PROMOTION_WINDOW = ("2009-01", "2012-06")
#: At most this many year columns; longer runs show evenly spaced years.
MAX_COLUMNS = 7

_CHANNELS = (("township leadership", "township_leadership"), ("civil service", "civil_service"),
             ("public institutions", "institution"))
_ROUTES = (("village post", "village_post"), ("civil-service exam", "civil_service"),
           ("own business", "own_business"), ("other job", "other_job"),
           ("further study", "further_study"), ("township leadership", "township_leadership"),
           ("quit early", "early_quit"))

#: (label, measure, how a year is summarised, format); a row without a measure is a heading.
ROWS: tuple[tuple[str, str | None, str, str], ...] = (
    ("Village party secretaries", None, "", ""),
    ("  quit rate (per year)", "secretary_quit_rate_per_year", "mean", "pct"),
    ("  vacancy rate (December)", "secretary_vacancy_rate", "last", "pct"),
    ("Counties implementing (share, December)", None, "", ""),
    ("  pay floor", "county_share_pay_floor", "last", "pct"),
    ("  pension insurance", "county_share_pension", "last", "pct"),
    ("  departure subsidy", "county_share_departure_subsidy", "last", "pct"),
    ("  pay of other cadres", "county_share_other_cadre_pay", "last", "pct"),
    ("Secretaries promoted (in the year)", None, "", ""),
    *((f"  {label}", f"promotions_{code}_per_month", "sum", "count") for label, code in _CHANNELS),
    ("College-graduate village officials, CGVOs (December)", None, "", ""),
    ("  in post", "cgvo_in_post", "last", "count"),
    ("  exits so far, by route:", None, "", ""),
    *((f"    {label}", f"cgvo_exits_{code}_cumulative", "last", "count")
      for label, code in _ROUTES),
    ("Non-public enterprises (December)", None, "", ""),
    ("  covered by a party organisation", "enterprise_coverage_share", "last", "pct"),
)


def yearly(table: pd.DataFrame) -> pd.DataFrame:
    """One value per measure of :data:`ROWS` and calendar year (rows: measures, columns: years)."""
    wide = table.pivot(index="date", columns="measure", values="value").sort_index()
    year = wide.index.str.slice(0, 4).astype(int)
    out = {}
    for _, measure, how, _ in ROWS:
        if measure is None or measure not in wide:
            continue
        grouped = wide[measure].groupby(year)
        out[measure] = {"mean": grouped.mean, "last": grouped.last, "sum": grouped.sum}[how]()
    return pd.DataFrame(out).T


def promotions_in_window(table: pd.DataFrame,
                         window: Sequence[str] = PROMOTION_WINDOW) -> dict[str, float]:
    """Promotions of secretaries by channel summed over the months of ``window`` simulated."""
    first, last = window
    months = table[(table["date"] >= first) & (table["date"] <= last)]
    return {label: float(months.loc[months["measure"] == f"promotions_{code}_per_month",
                                     "value"].sum())
            for label, code in _CHANNELS}


def format_summary(table: pd.DataFrame, *, title: str) -> str:
    """The summary as text: a title, the year table, promotions over the reports' window."""
    by_year = yearly(table)
    dates = sorted(table["date"].unique())
    years = _columns(list(by_year.columns))
    last = dates[-1]
    heads = [f"{y}*" if y == int(last[:4]) and not last.endswith("-12") else str(y) for y in years]
    width = max(len(label) for label, measure, *_ in ROWS if measure) + 1
    lines = [title, "", " " * width + "".join(f"{h:>10}" for h in heads)]
    for label, measure, _, fmt in ROWS:
        if measure is None:
            lines.append(label)
            continue
        cells = [_cell(by_year.loc[measure, y] if measure in by_year.index else float("nan"), fmt)
                 for y in years]
        lines.append(f"{label:<{width}}" + "".join(f"{c:>10}" for c in cells))
    if heads[-1].endswith("*"):
        lines.append(f"* to {last}")
    first, end = PROMOTION_WINDOW
    if dates[0] <= end and last >= first:
        window = (max(first, dates[0]), min(end, last))
        counts = promotions_in_window(table, window)
        lines.append("")
        lines.append(f"Secretaries promoted {window[0]}..{window[1]}: "
                     + ", ".join(f"{label} {_cell(v, 'count')}" for label, v in counts.items())
                     + f"; total {_cell(sum(counts.values()), 'count')}")
    return "\n".join(lines)


def _columns(years: list[int]) -> list[int]:
    if len(years) <= MAX_COLUMNS:
        return years
    step = (len(years) - 1) / (MAX_COLUMNS - 1)
    return [years[round(i * step)] for i in range(MAX_COLUMNS)]


def _cell(value: float, fmt: str) -> str:
    if value != value:  # NaN: the measure is undefined that year
        return "-"
    if fmt == "pct":
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}"


__all__ = ["PROMOTION_WINDOW", "ROWS", "format_summary", "promotions_in_window", "yearly"]
