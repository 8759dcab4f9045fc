"""Cost-effectiveness: what each lever buys per yuan, and the best mix for a budget.

Each lever is run over its declared range (its entry in ``factors.yaml``, the
range the sensitivity analysis and the EMA adapter use too) with the others
held at a common base (every lever of the study at the low end of its range),
with paired seeds. Its
effect (quits avoided, vacancies filled, points of enterprise coverage) and
its fiscal cost (all of the model's cost measures, ``sim/outcomes.py``,
yuan per year) are differences from that base, seed by seed. The efficient
frontier for a budget picks one value per lever so that the summed effect is
largest within the summed cost — an additive approximation, checked by
running a few of the frontier's mixes jointly.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lingtouyan.analysis.evaluate import evaluate, sweep_options
from lingtouyan.analysis.factors import Factor, declare
from lingtouyan.analysis.outcomes import WINDOW

#: The levers of the study by short name: their override keys. Each lever's range and its reason
#: are its one declaration, :func:`lingtouyan.analysis.factors.declare` (``factors.yaml``).
LEVERS = {
    "pay_floor": "policy.pay_floor.multiple",
    "performance_pay": "policy.pay_floor.performance_share",
    "pension": "policy.retirement.pension_subsidy_yuan_per_year",
    "departure_subsidy": "policy.retirement.departure_subsidy_per_tenure_year",
    "civil_service_posts": "policy.promotion.civil_service_posts_per_1000_villages",
    "instructors": "policy.enterprise.instructors",
}
LEVER_LABELS = {
    "en": {"pay_floor": "Pay floor multiple", "performance_pay": "Performance pay share",
           "pension": "Pension contribution", "departure_subsidy": "Departure subsidy rate",
           "civil_service_posts": "Reserved civil-service posts", "instructors": "Party-building instructors"},
    "zh": {"pay_floor": "报酬底线倍数", "performance_pay": "绩效报酬比例", "pension": "养老保险补贴",
           "departure_subsidy": "离任补助标准", "civil_service_posts": "定向考录公务员岗位",
           "instructors": "党建指导员"},
}
#: Effects: outcome, sign (+1: more is better), scale to the reported unit.
EFFECTS = {"quits_per_year": ("quits_per_year", -1.0, 1.0),
           "vacancies": ("vacancies", -1.0, 1.0),
           "enterprise_coverage_share": ("enterprise_coverage_share", 1.0, 100.0)}
COST = "fiscal_cost_yuan_per_year"


@dataclass
class CostResult:
    """Curves, frontier and its check.

    Attributes:
        runs: One row per (lever, value, seed) with the outcomes.
        curves: One row per (lever, value): cost and effects against the base, bands over seeds,
            cost per unit of each effect.
        frontier: Per budget, the best additive mix for the main effect, and its predicted gain.
        check: A few frontier mixes run jointly: predicted against simulated gain.
        meta: Counts and settings.
    """

    runs: pd.DataFrame
    curves: pd.DataFrame
    frontier: pd.DataFrame
    check: pd.DataFrame
    meta: dict = field(default_factory=dict)


def lever_factors(levers: Sequence[str] = tuple(LEVERS)) -> dict[str, Factor]:
    """Each lever's declared range (:func:`~lingtouyan.analysis.factors.declare`), by short name."""
    return {name: declare(LEVERS[name]) for name in levers}


def lever_values(levers: Sequence[str], levels: int) -> dict[str, np.ndarray]:
    """Evenly spaced values over each lever's declared range (whole numbers for a whole-number lever)."""
    out = {}
    for name, factor in lever_factors(levers).items():
        values = np.linspace(factor.low, factor.high, levels)
        out[name] = np.round(values) if factor.integer else values
    return out


def run_cost(levers: Sequence[str] = tuple(LEVERS), *, levels: int = 6, seeds: Sequence[int],
             effect: str = "quits_per_year", scale: float = 0.01, end: str = "2012-12",
             window: tuple[str, str] = WINDOW, backend: str | None = None, jobs: int | None = None,
             check_mixes: int = 3, progress: bool = False, sweep: dict | None = None) -> CostResult:
    """Run the curves, build the frontier for ``effect``, and check it jointly.

    ``sweep`` holds the sweep backend's options (``sweep_dir``: one sub-directory per stage).
    """
    unknown = [lv for lv in levers if lv not in LEVERS]
    if unknown:
        raise ValueError(f"lever {unknown[0]!r} unknown; allowed: {', '.join(LEVERS)}")
    if effect not in EFFECTS:
        raise ValueError(f"effect {effect!r} unknown; allowed: {', '.join(EFFECTS)}")
    if levels < 2:
        raise ValueError(f"levels: need at least 2, got {levels}")
    values = lever_values(levers, levels)
    base = {LEVERS[lv]: float(values[lv][0]) for lv in levers}
    rows, tags = [], []
    for lv in levers:
        for v in values[lv]:
            rows.append({**base, LEVERS[lv]: float(v)})
            tags.append((lv, float(v)))
    outcome_names = [COST, *(EFFECTS[e][0] for e in EFFECTS)]
    res = evaluate(pd.DataFrame(rows), seeds, outcome_names, scale=scale, end=end, window=window,
                   backend=backend, jobs=jobs, progress=progress, **sweep_options(sweep, "curves"))
    res["lever"] = res["point"].map(lambda i: tags[i][0])
    res["value"] = res["point"].map(lambda i: tags[i][1])
    # Every lever's first value is the base: its runs are the base runs.
    base_runs = res[res["point"] == 0].set_index("seed")
    curves = _curves(res, base_runs)
    frontier = frontier_table(curves, effect)
    check = _check(frontier, values, levers, base, base_runs, effect, seeds, scale, end, window, backend,
                   jobs, check_mixes, sweep_options(sweep, "check"))
    meta = {"levers": {lv: {"key": f.key, "low": f.low, "high": f.high, "reason": f.reason}
                       for lv, f in lever_factors(levers).items()},
            "levels": levels, "seeds": list(seeds), "runs": len(res) + len(check) * len(seeds),
            "scale": scale, "end": end, "window": list(window), "effect": effect}
    return CostResult(res.drop(columns="point"), curves, frontier, check, meta)


def _gains(group: pd.DataFrame, base_runs: pd.DataFrame) -> dict[str, np.ndarray]:
    g = group.set_index("seed").sort_index()
    b = base_runs.loc[g.index]
    out = {"delta_cost": (g[COST] - b[COST]).to_numpy(float)}
    for name, (col, sign, unit) in EFFECTS.items():
        out[name] = (sign * (g[col] - b[col]) * unit).to_numpy(float)
    return out


def _curves(res: pd.DataFrame, base_runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (lever, value), group in res.groupby(["lever", "value"], sort=False):
        gains = _gains(group, base_runs)
        row = {"lever": lever, "key": LEVERS[lever], "value": value,
               "delta_cost": float(gains["delta_cost"].mean()),
               "delta_cost_p05": float(np.percentile(gains["delta_cost"], 5)),
               "delta_cost_p95": float(np.percentile(gains["delta_cost"], 95))}
        for name in EFFECTS:
            g = gains[name]
            row[f"{name}_gain"] = float(g.mean())
            row[f"{name}_gain_p05"] = float(np.percentile(g, 5))
            row[f"{name}_gain_p95"] = float(np.percentile(g, 95))
            row[f"cost_per_{name}"] = (row["delta_cost"] / row[f"{name}_gain"]
                                       if row[f"{name}_gain"] > 0 and row["delta_cost"] > 0 else float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


def frontier_table(curves: pd.DataFrame, effect: str) -> pd.DataFrame:
    """The efficient frontier of additive mixes (one value per lever) for ``effect``.

    Every mix's cost and gain are the sums of its levers' (against the common
    base); the frontier keeps the mixes that no cheaper mix beats.
    """
    options = [t[["value", "delta_cost", f"{effect}_gain"]].to_numpy(float)
               for _, t in curves.groupby("lever", sort=False)]
    names = list(curves["lever"].drop_duplicates())
    combos = np.array(list(itertools.product(*[range(len(o)) for o in options])))
    cost = np.zeros(len(combos))
    gain = np.zeros(len(combos))
    for j, o in enumerate(options):
        cost += o[combos[:, j], 1]
        gain += o[combos[:, j], 2]
    order = np.lexsort((-gain, cost))
    best = -np.inf
    rows = []
    for i in order:
        if gain[i] > best + 1e-9:
            best = gain[i]
            mix = {names[j]: float(options[j][combos[i, j], 0]) for j in range(len(names))}
            rows.append({"cost": float(cost[i]), "gain": float(gain[i]), **mix})
    return pd.DataFrame(rows)


def best_within(frontier: pd.DataFrame, budget: float) -> pd.Series | None:
    """The frontier mix with the largest gain costing at most ``budget`` (yuan/year)."""
    within = frontier[frontier["cost"] <= budget]
    return None if within.empty else within.iloc[-1]


def _check(frontier, values, levers, base, base_runs, effect, seeds, scale, end, window, backend, jobs,
           mixes, sweep) -> pd.DataFrame:
    if mixes <= 0 or len(frontier) < 2:
        return pd.DataFrame()
    picks = np.unique(np.linspace(1, len(frontier) - 1, mixes).round().astype(int))
    rows = []
    for i in picks:
        r = frontier.iloc[i]
        rows.append({**base, **{LEVERS[lv]: float(r[lv]) for lv in levers}})
    res = evaluate(pd.DataFrame(rows), seeds, [COST, EFFECTS[effect][0]], scale=scale, end=end,
                   window=window, backend=backend, jobs=jobs, **sweep)
    out = []
    col, sign, unit = EFFECTS[effect]
    for k, i in enumerate(picks):
        g = res[res["point"] == k].set_index("seed").sort_index()
        b = base_runs.loc[g.index]
        sim_gain = sign * (g[col] - b[col]) * unit
        out.append({"mix": int(i), "predicted_cost": float(frontier.iloc[i]["cost"]),
                    "simulated_cost": float((g[COST] - b[COST]).mean()),
                    "predicted_gain": float(frontier.iloc[i]["gain"]), "simulated_gain": float(sim_gain.mean()),
                    "simulated_gain_p05": float(np.percentile(sim_gain, 5)),
                    "simulated_gain_p95": float(np.percentile(sim_gain, 95)),
                    **{lv: float(frontier.iloc[i][lv]) for lv in levers}})
    return pd.DataFrame(out)
