"""Which element of 一定三有 produced the package's effect: exact Shapley decomposition.

The package's effect is ``as_reported`` against ``no_yiding_sanyou``. Its
elements are switched one by one with the package adopted:

* the four county elements of L16 (pay floor, pension insurance, departure
  subsidy, other cadres' pay): an element *off* adopts at the background rate
  (``param.county.background_rate``) instead of its post-2009 rate
  (``param.county.adoption_rate.<element>``), as without the package;
* the promotion channels (L24): *off* opens each channel's posts at the
  background share (``policy.promotion.background_share`` × posts, with the
  share itself set to 1 so that 2008 is unchanged), as without the package.

With every element off the run is the ``no_yiding_sanyou`` run itself
(:func:`coalition_point`), except where the data file does not allow the
background rate for an element's adoption rate: the nearest allowed value is
then taken and the gap is reported as ``residual``. Every one of the 2^n
coalitions is run with the same seeds (paired), and the exact Shapley value
of each element is computed per seed (and per parameter draw), which gives
the bands; the Shapley interaction index of each pair says whether two
elements reinforce each other (positive: together they do more than apart).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lingtouyan.analysis.evaluate import evaluate, sweep_options
from lingtouyan.analysis.factors import Factor
from lingtouyan.analysis.outcomes import WINDOW

#: The elements of the package, in the order of L16 then the channels of L24.
ELEMENTS = ("pay_floor", "pension", "departure_subsidy", "other_cadre_pay", "promotion")
CHANNEL_POSTS = ("township_leadership_posts_per_1000_villages", "civil_service_posts_per_1000_villages",
                 "institution_posts_per_1000_villages")
LABELS = {
    "en": {"pay_floor": "Pay floor", "pension": "Pension insurance", "departure_subsidy": "Departure subsidy",
           "other_cadre_pay": "Other cadres' pay", "promotion": "Promotion channels",
           "residual": "Residual (approximation)", "total": "Whole package"},
    "zh": {"pay_floor": "报酬底线", "pension": "养老保险", "departure_subsidy": "离任补助",
           "other_cadre_pay": "其他村干部报酬", "promotion": "晋升渠道",
           "residual": "残差（近似）", "total": "一定三有整体"},
}


def off_settings(base: Mapping[str, float] | None = None) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Overrides that switch each element off, and the gap where a rate had to be clamped.

    Args:
        base: Values of levers and parameters that differ from the defaults in this run
            (a parameter draw), by override key.

    Returns:
        ``({element: {key: value}}, {element: clamped_by})``.
    """
    from sim import resolve

    base = dict(base or {})
    cfg = resolve(**_spec(base))
    params, levers = cfg.params, cfg.levers
    background = float(params.value("county.background_rate"))
    off: dict[str, dict[str, float]] = {}
    clamped: dict[str, float] = {}
    for element in ELEMENTS[:4]:
        key = f"county.adoption_rate.{element}"
        allowed = params[key].allowed
        rate = background if allowed is None else min(max(background, allowed[0]), allowed[1])
        if rate != background:
            clamped[element] = rate - background
        off[element] = {f"param.{key}": rate}
    share = float(levers.value("promotion.background_share"))
    off["promotion"] = {"policy.promotion.background_share": 1.0,
                        **{f"policy.promotion.{c}": float(levers.value(f"promotion.{c}")) * share
                           for c in CHANNEL_POSTS}}
    return off, clamped


def _spec(point: Mapping[str, float]) -> dict:
    from lingtouyan.analysis.evaluate import split_point

    return split_point(point)


def coalition_point(on: Sequence[str], off: Mapping[str, Mapping[str, float]],
                    base: Mapping[str, float] | None = None) -> dict[str, float]:
    """Overrides of the run with the elements ``on`` switched on and the others off."""
    point = dict(base or {})
    for element in ELEMENTS:
        if element not in on:
            point.update(off[element])
    return point


def shapley_weights(n: int) -> np.ndarray:
    """Weight ``|S|! (n - |S| - 1)! / n!`` of a coalition of size ``|S|`` (index by size)."""
    return np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])


def shapley(values: Mapping[frozenset, float], players: Sequence[str]) -> dict[str, float]:
    """Exact Shapley values of a game given on every coalition (frozensets of players)."""
    n = len(players)
    w = shapley_weights(n)
    out = {}
    for p in players:
        others = [q for q in players if q != p]
        total = 0.0
        for size in range(n):
            for s in itertools.combinations(others, size):
                s = frozenset(s)
                total += w[size] * (values[s | {p}] - values[s])
        out[p] = total
    return out


def interaction(values: Mapping[frozenset, float], players: Sequence[str], i: str, j: str) -> float:
    """Shapley interaction index of ``i`` and ``j`` (Grabisch 1997).

    The weighted mean over coalitions ``S`` without either of
    ``v(S+i+j) - v(S+i) - v(S+j) + v(S)``: positive when the two together do
    more than the sum of each alone.
    """
    others = [q for q in players if q not in (i, j)]
    n = len(players)
    total = 0.0
    for size in range(n - 1):
        weight = math.factorial(size) * math.factorial(n - size - 2) / math.factorial(n - 1)
        for s in itertools.combinations(others, size):
            s = frozenset(s)
            total += weight * (values[s | {i, j}] - values[s | {i}] - values[s | {j}] + values[s])
    return total


@dataclass
class AttributionResult:
    """The Shapley split of the package's effect.

    Attributes:
        runs: One row per (draw, coalition, seed) with the outcomes (coalition ``reference``
            is the ``no_yiding_sanyou`` run).
        split: One row per (outcome, element): Shapley value (mean over seeds of the first
            draw, the defaults), its 90% band over seeds, standard error, and its band over
            parameter draws; elements ``residual`` and ``total`` close the sum.
        interactions: One row per (outcome, pair): interaction index, band over seeds.
        meta: Counts, seeds, draws, clamped rates.
    """

    runs: pd.DataFrame
    split: pd.DataFrame
    interactions: pd.DataFrame
    meta: dict = field(default_factory=dict)


def _se(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def _band(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 2:
        return float("nan"), float("nan")
    lo, hi = np.percentile(values, [5, 95])
    return float(lo), float(hi)


def run_attribution(outcomes: Sequence[str], *, seeds: Sequence[int], scale: float = 0.01,
                    end: str = "2012-12", window: tuple[str, str] = WINDOW,
                    draws: Sequence[Mapping[str, float]] = (), draw_seeds: Sequence[int] | None = None,
                    backend: str | None = None, jobs: int | None = None,
                    progress: bool = False, sweep: dict | None = None) -> AttributionResult:
    """Run every coalition of the package's elements and split the effect.

    Args:
        outcomes: Outcome names.
        seeds: Seeds of the defaults (draw 0), the same for every coalition.
        scale: Share of villages simulated.
        end: Last month.
        window: Averaging window.
        draws: Parameter draws (override key → value) besides the defaults; each runs every
            coalition with ``draw_seeds``.
        draw_seeds: Seeds of the parameter draws (default: the first of ``seeds``).
        backend: Evaluation backend.
        jobs: Local worker processes.
        progress: Print progress.
        sweep: Sweep-backend options (``sweep_dir``: one sub-directory per draw).
    """
    outcomes = list(outcomes)
    draw_seeds = list(draw_seeds or seeds[:1])
    coalitions = [frozenset(c) for size in range(len(ELEMENTS) + 1)
                  for c in itertools.combinations(ELEMENTS, size)]
    all_draws = [{}, *[dict(d) for d in draws]]
    frames, clamped_any = [], {}
    for d, base in enumerate(all_draws):
        off, clamped = off_settings(base)
        clamped_any.update(clamped)
        rows = [coalition_point(c, off, base) for c in coalitions]
        rows.append({**base, "scenario": "no_yiding_sanyou"})
        points = pd.DataFrame(rows)
        if "scenario" not in points:
            points["scenario"] = "as_reported"
        points["scenario"] = points["scenario"].fillna("as_reported")
        res = evaluate(points, seeds if d == 0 else draw_seeds, outcomes, scale=scale, end=end,
                       window=window, backend=backend, jobs=jobs, progress=progress,
                       **sweep_options(sweep, f"draw{d}"))
        names = ["+".join(sorted(c, key=ELEMENTS.index)) or "none" for c in coalitions] + ["reference"]
        res["coalition"] = res["point"].map(dict(enumerate(names)))
        res["draw"] = d
        frames.append(res.drop(columns="point"))
    runs = pd.concat(frames, ignore_index=True)
    key_of = {("+".join(sorted(c, key=ELEMENTS.index)) or "none"): c for c in coalitions}

    split_rows, inter_rows = [], []
    pairs = list(itertools.combinations(ELEMENTS, 2))
    for name in outcomes:
        per: dict[tuple[int, int], dict] = {}
        for (d, seed), group in runs.groupby(["draw", "seed"]):
            v = dict(zip(group["coalition"], group[name], strict=True))
            values = {key_of[k]: v[k] for k in key_of}
            phi = shapley(values, ELEMENTS)
            phi["residual"] = values[frozenset()] - v["reference"]
            phi["total"] = v[_full()] - v["reference"]
            inter = {p: interaction(values, ELEMENTS, *p) for p in pairs}
            per[(d, seed)] = {"phi": phi, "inter": inter}
        default = [per[k] for k in per if k[0] == 0]
        by_draw = {}
        for d in range(len(all_draws)):
            items = [per[k]["phi"] for k in per if k[0] == d]
            by_draw[d] = {e: float(np.mean([it[e] for it in items])) for e in items[0]}
        for element in (*ELEMENTS, "residual", "total"):
            vals = np.array([it["phi"][element] for it in default])
            lo, hi = _band(vals)
            dvals = np.array([by_draw[d][element] for d in by_draw])
            dlo, dhi = _band(dvals) if len(all_draws) > 1 else (float("nan"), float("nan"))
            split_rows.append({"outcome": name, "element": element, "shapley": float(vals.mean()),
                               "seed_p05": lo, "seed_p95": hi,
                               "se": _se(vals),
                               "draw_p05": dlo, "draw_p95": dhi, "draws": len(all_draws),
                               "seeds": len(vals)})
        for pair in pairs:
            vals = np.array([it["inter"][pair] for it in default])
            lo, hi = _band(vals)
            inter_rows.append({"outcome": name, "pair": " x ".join(pair), "interaction": float(vals.mean()),
                               "seed_p05": lo, "seed_p95": hi,
                               "se": _se(vals)})
    meta = {"elements": list(ELEMENTS), "coalitions": len(coalitions), "seeds": list(seeds),
            "draws": len(all_draws) - 1, "draw_seeds": draw_seeds, "runs": len(runs), "scale": scale,
            "end": end, "window": list(window), "clamped_rates": clamped_any}
    return AttributionResult(runs, pd.DataFrame(split_rows), pd.DataFrame(inter_rows), meta)


def _full() -> str:
    return "+".join(ELEMENTS)


def draw_parameters(factors: Sequence[Factor], n: int, seed: int = 0) -> list[dict[str, float]]:
    """``n`` parameter draws, uniform over the factors' ranges (a scrambled Sobol' sequence)."""
    from scipy.stats import qmc

    if n <= 0:
        return []
    unit = qmc.Sobol(d=len(factors), scramble=True, seed=seed).random(n)
    return [{f.key: float(f.scale(unit[i, j])) for j, f in enumerate(factors)} for i in range(n)]


def split_markdown(result: AttributionResult, outcome: str, fmt: str = "{:.4g}") -> str:
    """The split of one outcome as a Markdown table."""
    t = result.split[result.split["outcome"] == outcome]
    head = ("| element | Shapley value | 90% band over seeds | s.e. | 90% band over parameter draws |\n"
            "|---|---|---|---|---|\n")
    f = fmt.format
    body = "".join(
        f"| {LABELS['en'][r.element]} | {f(r.shapley)} | [{f(r.seed_p05)}, {f(r.seed_p95)}] | {f(r.se)} | "
        + (f"[{f(r.draw_p05)}, {f(r.draw_p95)}]" if r.draws > 1 else "—") + " |\n"
        for r in t.itertuples())
    return head + body
