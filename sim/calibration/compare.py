"""Every target beside the simulation: reported value or interval, simulated mean and band.

The comparison runs a scenario over many seeds and, for each target,
reports the simulated mean and 90% band, the relative error against the
reported value, and whether the mean falls inside the target's acceptance
band; fit and held-out targets are summarised separately.

The CSV has one row per target with the columns of :data:`COLUMNS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.msm import run_statistics
from sim.calibration.parallel import worker_pool
from sim.calibration.targets import Target
from sim.timeline import format_month, parse_month

COLUMNS = (
    "target_id", "role", "report", "measure", "statistic", "window", "reported", "reported_low",
    "reported_high", "band_low", "band_high", "simulated_mean", "simulated_p05", "simulated_p95",
    "simulated_sd", "rel_error", "inside", "weight", "reference_line", "note",
)


def run_seeds(targets: Sequence[Target], seeds: Sequence[int], *, scenario: str = "as_reported",
              scale: float = 0.01, calibration: str | None = "default", jobs: int = 1,
              end: str | None = None) -> dict[str, np.ndarray]:
    """Statistics of every target in runs over ``seeds``: ``{target id: array over seeds}``."""
    if end is None:
        months = [parse_month(t.date or t.end) for t in targets if t.statistic != "experiment"]
        end = format_month(max([*months, parse_month("2012-12")]))
    tasks = [{"scale": scale, "end": end, "scenario": scenario, "seed": int(s),
              "calibration": calibration} for s in seeds]
    with worker_pool(jobs) as pool:
        if pool is None:
            outs = [run_statistics(t, targets) for t in tasks]
        else:
            outs = list(pool.map(run_statistics, tasks, [list(targets)] * len(tasks)))
    return {t.id: np.array([o[t.id] for o in outs], float) for t in targets}


def _window(t: Target) -> str:
    if t.statistic == "stock":
        return t.date or ""
    if t.statistic == "experiment":
        return f"experiment {t.experiment}"
    return f"{t.start}..{t.end}"


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def table(targets: Sequence[Target], stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per target (the documented CSV format)."""
    rows = []
    for t in targets:
        values = stats[t.id][np.isfinite(stats[t.id])]
        mean = float(values.mean()) if values.size else math.nan
        low, high = t.interval
        band_low, band_high = t.band
        point = t.point
        rows.append({
            "target_id": t.id, "role": t.role, "report": t.report, "measure": t.measure,
            "statistic": t.statistic, "window": _window(t), "reported": t.value,
            "reported_low": _finite(low) if t.low is not None or t.value is None else t.low,
            "reported_high": _finite(high) if t.high is not None or t.value is None else t.high,
            "band_low": _finite(band_low), "band_high": _finite(band_high),
            "simulated_mean": mean,
            "simulated_p05": float(np.percentile(values, 5)) if values.size else math.nan,
            "simulated_p95": float(np.percentile(values, 95)) if values.size else math.nan,
            "simulated_sd": float(values.std(ddof=1)) if values.size > 1 else math.nan,
            "rel_error": (mean - point) / abs(point) if point else math.nan,
            "inside": bool(math.isfinite(mean) and t.inside(mean)), "weight": t.weight,
            "reference_line": t.reference.get("line", ""), "note": t.note,
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def summary(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """``{role: (inside, total)}``."""
    return {role: (int(g["inside"].sum()), len(g)) for role, g in frame.groupby("role")}


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def markdown(frame: pd.DataFrame, title: str, worst: int = 5) -> str:
    """The comparison as Markdown: summary, worst targets, then a table per report."""
    lines = [f"# {title}", ""]
    for role, (inside, total) in sorted(summary(frame).items()):
        lines.append(f"- **{role}** targets inside their band: {inside} of {total}")
    lines += ["", f"Worst {worst} by distance from the reported interval (in tolerance units):", ""]
    lines += ["| target | role | reported | simulated mean | 90% band | rel. error |",
              "|---|---|---|---|---|---|"]
    ordered = frame.assign(gap=frame.apply(_gap, axis=1)).sort_values("gap", ascending=False)
    for _, r in ordered.head(worst).iterrows():
        lines.append(f"| {r.target_id} | {r.role} | {_reported(r)} | {_fmt(r.simulated_mean)} | "
                     f"{_fmt(r.simulated_p05)}–{_fmt(r.simulated_p95)} | {r.rel_error:+.1%} |")
    for report, group in frame.groupby("report", sort=False):
        lines += ["", f"## {report}", "",
                  "| target | role | window | reported | band | simulated mean | 90% band | "
                  "rel. error | inside | line |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for _, r in group.iterrows():
            lines.append(
                f"| {r.target_id} | {r.role} | {r.window} | {_reported(r)} | "
                f"{_fmt(r.band_low)}–{_fmt(r.band_high)} | {_fmt(r.simulated_mean)} | "
                f"{_fmt(r.simulated_p05)}–{_fmt(r.simulated_p95)} | {r.rel_error:+.1%} | "
                f"{'yes' if r.inside else '**no**'} | {r.reference_line} |")
    return "\n".join(lines) + "\n"


def _given(x) -> bool:
    return x is not None and not pd.isna(x)


def _reported(r) -> str:
    interval = f"[{_fmt(r.reported_low) or '-inf'}, {_fmt(r.reported_high) or 'inf'}]"
    if _given(r.reported):
        if _given(r.reported_low) or _given(r.reported_high):
            return f"{_fmt(r.reported)} {interval}"
        return _fmt(r.reported)
    return interval


def _gap(r) -> float:
    low = r.band_low if r.band_low is not None and not pd.isna(r.band_low) else -math.inf
    high = r.band_high if r.band_high is not None and not pd.isna(r.band_high) else math.inf
    m = r.simulated_mean
    if not math.isfinite(m):
        return math.inf
    width = max(abs(r.reported if _given(r.reported) else 0.0) * 0.01, 1e-12)
    if math.isfinite(low) and math.isfinite(high):
        width = max((high - low) / 2, width)
    return max(low - m, m - high, 0.0) / width


def figure(frame: pd.DataFrame, path: str | Path, title: str) -> None:
    """Simulated over reported (mean and 90% band) for every target, grouped by report."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame.reset_index(drop=True)
    point = rows.apply(lambda r: r.reported if r.reported is not None and not pd.isna(r.reported)
                       else (r.reported_low if r.reported_low is not None and not pd.isna(r.reported_low)
                             else r.reported_high), axis=1).astype(float)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.5))
    y = np.arange(len(rows))[::-1]
    for i, r in rows.iterrows():
        colour = "tab:blue" if r.role == "fit" else "tab:orange"
        ref = point[i]
        blo = r.band_low if r.band_low is not None and not pd.isna(r.band_low) else ref
        bhi = r.band_high if r.band_high is not None and not pd.isna(r.band_high) else ref
        ax.plot([blo / ref, bhi / ref], [y[i], y[i]], color="0.8", lw=6, solid_capstyle="butt")
        ax.plot([r.simulated_p05 / ref, r.simulated_p95 / ref], [y[i], y[i]], color=colour, lw=1.5)
        ax.plot(r.simulated_mean / ref, y[i], "o", color=colour, ms=4)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(y, [f"{r.target_id} ({r.reference_line})" for _, r in rows.iterrows()], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("simulated / reported (grey: acceptance band; blue fit, orange held out: "
                  "mean and 90% band)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
