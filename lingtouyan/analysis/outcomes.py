"""Scalar outcomes of one run, read from its tidy outcome table.

An analysis asks for a handful of numbers per run (the quit rate averaged
over 2010-12, the fiscal cost in yuan per year...), not for monthly series.
Each scalar here is a function of the tidy table ``date, measure, value``
(national rows) and an averaging window, so the same definition serves the
local backend (tables straight from ``VillageModel.run``) and the sweep
backend (rows of the aggregated sweep table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Default averaging window: the three years after the package took hold (the reports' 2012 view).
WINDOW = ("2010-01", "2012-12")

#: The fiscal cost measures of ``sim/outcomes.py`` (yuan per year, national), by lever.
COST_MEASURES = {
    "pay_floor": "cost_pay_floor_yuan_per_year",
    "other_cadre_pay": "cost_other_cadre_pay_yuan_per_year",
    "pension": "cost_pension_yuan_per_year",
    "departure_subsidy": "cost_departure_subsidy_yuan_per_year",
    "training": "cost_training_yuan_per_year",
    "cgvo_subsidy": "cost_cgvo_subsidy_yuan_per_year",
    "cgvo_training": "cost_cgvo_training_yuan_per_year",
    "instructors": "cost_instructors_yuan_per_year",
}


@dataclass(frozen=True)
class Outcome:
    """A scalar outcome of a run.

    Attributes:
        name: Column name, with its unit.
        label_en: Axis label in English.
        label_zh: Axis label in Chinese.
        compute: ``compute(wide)`` with ``wide`` the window's months (rows) by measure (columns),
            plus the whole run as ``wide.attrs["full"]``.
    """

    name: str
    label_en: str
    label_zh: str
    compute: Callable[[pd.DataFrame], float]

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``en`` or ``zh``)."""
        return self.label_zh if lang == "zh" else self.label_en


def _mean(measure: str) -> Callable[[pd.DataFrame], float]:
    return lambda wide: float(wide[measure].mean())


def _last(measure: str) -> Callable[[pd.DataFrame], float]:
    return lambda wide: float(wide[measure].iloc[-1])


def _cgvo_exits(wide: pd.DataFrame) -> float:
    cols = [c for c in wide.columns if c.startswith("cgvo_exits_") and c.endswith("_cumulative")]
    return float(wide[cols].iloc[-1].sum())


def _fiscal_cost(wide: pd.DataFrame) -> float:
    return float(wide[list(COST_MEASURES.values())].sum(axis=1).mean())


def _vacancies(wide: pd.DataFrame) -> float:
    serving = wide["secretaries_serving"]
    rate = wide["secretary_vacancy_rate"]
    # Villages = serving / (1 - vacancy rate): the national village count the run represents.
    return float((rate * serving / (1.0 - rate)).mean())


OUTCOMES: dict[str, Outcome] = {o.name: o for o in (
    Outcome("quit_rate_per_year", "Secretary quit rate, 2010-12 (per year)",
            "村党支部书记辞职率，2010–12年（每年）", _mean("secretary_quit_rate_per_year")),
    Outcome("quits_per_year", "Secretaries quitting, 2010-12 (per year)",
            "辞职的村党支部书记，2010–12年（人/年）",
            lambda w: 12.0 * float(w["secretary_quits_per_month"].mean())),
    Outcome("vacancy_rate", "Vacant secretary posts, 2010-12 (share)",
            "书记岗位空缺率，2010–12年", _mean("secretary_vacancy_rate")),
    Outcome("vacancies", "Vacant secretary posts, 2010-12 (posts)",
            "空缺的书记岗位，2010–12年（个）", _vacancies),
    Outcome("entrant_college_share", "Entrants with college education, 2010-12 (share)",
            "新任书记中大专以上学历比例，2010–12年", _mean("secretary_entrant_college_share")),
    Outcome("capable_share", "Villages with a capable secretary, 2010-12 (share)",
            "书记为能人的村比例，2010–12年", _mean("secretary_capable_share")),
    Outcome("cgvo_exits", "CGVO exits by the end (cumulative)",
            "大学生村官累计流动人数（期末）", _cgvo_exits),
    Outcome("enterprise_coverage_share", "Enterprises covered by a party organisation, end (share)",
            "非公企业党组织覆盖率（期末）", _last("enterprise_coverage_share")),
    Outcome("village_income_premium_percent", "Village income above the provincial series, end (percent)",
            "村人均收入高于本省序列（期末，%）", _last("village_development_income_premium_percent")),
    Outcome("fiscal_cost_yuan_per_year", "Fiscal cost of all levers, 2010-12 (yuan/year)",
            "各项政策财政支出合计，2010–12年（元/年）", _fiscal_cost),
    *(Outcome(f"cost_{lever}_yuan_per_year", f"Fiscal cost: {lever.replace('_', ' ')}, 2010-12 (yuan/year)",
              f"财政支出：{lever}，2010–12年（元/年）", _mean(measure))
      for lever, measure in COST_MEASURES.items()),
)}

#: What an analysis reports unless told otherwise.
DEFAULT_OUTCOMES = ("quit_rate_per_year", "vacancy_rate", "entrant_college_share", "cgvo_exits",
                    "enterprise_coverage_share", "village_income_premium_percent", "fiscal_cost_yuan_per_year")


def check_outcomes(names: Sequence[str]) -> tuple[str, ...]:
    """The names, checked.

    Raises:
        ValueError: naming the first unknown outcome and the allowed ones.
    """
    for name in names:
        if name not in OUTCOMES:
            raise ValueError(f"outcome {name!r} unknown; allowed: {', '.join(OUTCOMES)}")
    return tuple(names)


def scalar_outcomes(table: pd.DataFrame, names: Sequence[str],
                    window: tuple[str, str] = WINDOW) -> dict[str, float]:
    """The named scalar outcomes of one run's tidy table.

    Args:
        table: Tidy rows ``date, measure, value`` of one run (a ``region`` column, if any,
            is filtered to ``national``).
        names: Outcome names (keys of :data:`OUTCOMES`).
        window: First and last month (``YYYY-MM``, inclusive) of the averaging window.

    Raises:
        ValueError: if the run has no month in the window.
    """
    check_outcomes(names)
    if "region" in table.columns:
        table = table[table["region"] == "national"]
    wide = table.pivot_table(index="date", columns="measure", values="value", aggfunc="first",
                             dropna=False).sort_index()
    inside = wide.loc[(wide.index >= window[0]) & (wide.index <= window[1])]
    if inside.empty:
        raise ValueError(f"window {window[0]}..{window[1]} holds no month of the run "
                         f"({wide.index[0]}..{wide.index[-1]})")
    return {name: OUTCOMES[name].compute(inside) for name in names}


def seed_summary(results: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per outcome: spread over parameter points against spread over seeds.

    ``results`` has one row per (point, seed). ``between_point_sd`` is the
    standard deviation over points of the seed mean; ``seed_sd`` the pooled
    standard deviation over seeds within a point; ``seed_share`` the share of
    the variance of single runs that is seed noise (population variances, so
    that within + between = total and the share lies in [0, 1]).
    """
    rows = []
    several = results["seed"].nunique() > 1
    for name in names:
        grouped = results.groupby("point")[name]
        within0 = float(np.nanmean(grouped.var(ddof=0))) if several else float("nan")
        total0 = float(results[name].var(ddof=0))
        within = float(np.nanmean(grouped.var(ddof=1))) if several else float("nan")
        rows.append({"outcome": name, "between_point_sd": float(grouped.mean().std(ddof=1)),
                     "seed_sd": within ** 0.5,
                     "seed_share": within0 / total0 if total0 > 0 else float("nan")})
    return pd.DataFrame(rows)
