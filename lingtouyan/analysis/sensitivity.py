"""Global sensitivity analysis: Morris screening and Sobol indices (SALib).

Samples come from SALib (Morris trajectories; Saltelli's scheme on a Sobol'
sequence), every sample is run with the same seeds (common random numbers)
through :func:`lingtouyan.analysis.evaluate`, and the indices are computed
on the seed mean of each sample. Seed noise is reported beside them: the
indices recomputed from each seed alone (their spread is what one seed
would have told), and the share of single-run variance that is noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lingtouyan.analysis.evaluate import evaluate
from lingtouyan.analysis.factors import Factor
from lingtouyan.analysis.outcomes import WINDOW, seed_summary

METHODS = ("morris", "sobol")


@dataclass
class SensitivityResult:
    """What a sensitivity run produced.

    Attributes:
        method: ``morris`` or ``sobol``.
        factors: The factors varied.
        runs: One row per (sample, seed): the sample's values and the outcomes.
        indices: One row per (outcome, factor): the indices and their confidence half-widths,
            and their spread over single seeds (``*_seed_sd``).
        noise: Per outcome, spread over samples against spread over seeds.
        meta: Run counts, seeds, scale, sample size.
    """

    method: str
    factors: list[Factor]
    runs: pd.DataFrame
    indices: pd.DataFrame
    noise: pd.DataFrame
    meta: dict = field(default_factory=dict)


def problem(factors: Sequence[Factor]) -> dict:
    """The SALib problem of ``factors``."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def sample(method: str, factors: Sequence[Factor], n: int, seed: int = 0, levels: int = 4) -> np.ndarray:
    """The design: Morris trajectories (``n`` of them) or Saltelli's ``n (k + 2)`` rows.

    Raises:
        ValueError: for an unknown method or a sample size SALib cannot use.
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    prob = problem(factors)
    if method == "morris":
        if n < 2:
            raise ValueError(f"n: Morris needs at least 2 trajectories, got {n}")
        x = morris_sample.sample(prob, N=n, num_levels=levels, seed=seed)
    elif method == "sobol":
        if n < 2 or n & (n - 1):
            raise ValueError(f"n: Sobol' sampling needs a power of 2 (>= 2), got {n}")
        x = sobol_sample.sample(prob, N=n, calc_second_order=False, scramble=True, seed=seed)
    else:
        raise ValueError(f"method {method!r} unknown; allowed: {', '.join(METHODS)}")
    for j, f in enumerate(factors):
        if f.integer:
            x[:, j] = np.round(x[:, j])
    return x


def _analyse(method: str, prob: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int,
             resamples: int) -> dict[str, np.ndarray]:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    if method == "morris":
        res = morris_analyze.analyze(prob, x, y, num_levels=levels, num_resamples=resamples,
                                     conf_level=0.95, seed=seed)
        return {"mu": np.asarray(res["mu"]), "mu_star": np.asarray(res["mu_star"]),
                "sigma": np.asarray(res["sigma"]), "mu_star_conf": np.asarray(res["mu_star_conf"])}
    res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples,
                                conf_level=0.95, seed=seed)
    return {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]}


def analyse(method: str, factors: Sequence[Factor], x: np.ndarray, runs: pd.DataFrame,
            outcomes: Sequence[str], levels: int = 4, seed: int = 0, resamples: int = 1000) -> pd.DataFrame:
    """Indices per outcome and factor from the runs of design ``x``.

    The indices are computed on the seed mean of each sample; ``*_seed_sd``
    columns give the standard deviation of each index computed from one
    seed at a time (absent with one seed).
    """
    prob = problem(factors)
    mean = runs.groupby("point")[list(outcomes)].mean().sort_index()
    seeds = sorted(runs["seed"].unique())
    rows = []
    for name in outcomes:
        y = mean[name].to_numpy(float)
        if not np.isfinite(y).all():
            raise ValueError(f"outcome {name}: some samples gave no value (NaN); choose another outcome")
        main = _analyse(method, prob, x, y, levels, seed, resamples)
        per_seed = []
        if len(seeds) > 1:
            for s in seeds:
                ys = runs[runs["seed"] == s].set_index("point").sort_index()[name].to_numpy(float)
                per_seed.append(_analyse(method, prob, x, ys, levels, seed, 10))
        for j, f in enumerate(factors):
            row = {"outcome": name, "factor": f.key, "status": f.status}
            row.update({k: float(v[j]) for k, v in main.items()})
            for k in ("mu_star", "S1", "ST"):
                if k in main and per_seed:
                    row[f"{k}_seed_sd"] = float(np.std([p[k][j] for p in per_seed], ddof=1))
            rows.append(row)
    return pd.DataFrame(rows)


def run_sensitivity(method: str, factors: Sequence[Factor], outcomes: Sequence[str], *, n: int,
                    seeds: Sequence[int], scale: float = 0.01, end: str = "2012-12",
                    window: tuple[str, str] = WINDOW, backend: str | None = None,
                    jobs: int | None = None, sample_seed: int = 0, levels: int = 4,
                    progress: bool = False, sweep: dict | None = None) -> SensitivityResult:
    """Sample, run every sample with every seed, and compute the indices.

    ``sweep`` holds the sweep backend's options (``sweep_dir``, ``sweep_overrides``).
    """
    x = sample(method, factors, n, sample_seed, levels)
    points = pd.DataFrame(x, columns=[f.key for f in factors])
    runs = evaluate(points, seeds, outcomes, scale=scale, end=end, window=window, backend=backend,
                    jobs=jobs, progress=progress, **(sweep or {}))
    runs = points.rename_axis("point").reset_index().merge(runs, on="point")
    indices = analyse(method, factors, x, runs, outcomes, levels=levels, seed=sample_seed)
    noise = seed_summary(runs, outcomes)
    meta = {"method": method, "n": n, "samples": len(points), "seeds": list(seeds), "runs": len(runs),
            "scale": scale, "end": end, "window": list(window), "levels": levels,
            "sample_seed": sample_seed}
    return SensitivityResult(method, list(factors), runs, indices, noise, meta)


def indices_markdown(result: SensitivityResult, outcome: str) -> str:
    """The indices of one outcome as a Markdown table, largest first."""
    table = result.indices[result.indices["outcome"] == outcome]
    if result.method == "morris":
        table = table.sort_values("mu_star", ascending=False)
        head = "| factor | status | μ* | ±95% | μ | σ | μ* sd over single seeds |\n|---|---|---|---|---|---|---|\n"
        body = "".join(
            f"| `{r.factor}` | {r.status} | {r.mu_star:.4g} | {r.mu_star_conf:.2g} | {r.mu:.4g} | "
            f"{r.sigma:.3g} | {getattr(r, 'mu_star_seed_sd', float('nan')):.2g} |\n"
            for r in table.itertuples())
    else:
        table = table.sort_values("ST", ascending=False)
        head = ("| factor | status | S1 | ±95% | ST | ±95% | S1 sd over single seeds |\n"
                "|---|---|---|---|---|---|---|\n")
        body = "".join(
            f"| `{r.factor}` | {r.status} | {r.S1:.3f} | {r.S1_conf:.3f} | {r.ST:.3f} | {r.ST_conf:.3f} | "
            f"{getattr(r, 'S1_seed_sd', float('nan')):.3f} |\n"
            for r in table.itertuples())
    return head + body
