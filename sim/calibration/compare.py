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

import numpy as np
import pandas as pd

from sim.calibration.msm import run_statistics
from sim.calibration.parallel import worker_pool
from sim.calibration.targets import Target
from sim.timeline import format_month, parse_month

COLUMNS = (
    "target_id", "role", "class", "report", "measure", "statistic", "window", "reported", "reported_low",
    "reported_high", "band_low", "band_high", "simulated_mean", "simulated_p05", "simulated_p95",
    "simulated_sd", "rel_error", "inside", "seed_band_overlaps", "seed_band_narrower", "seeds_needed",
    "weight",
    "reference_line", "note", "class_reason",
)

#: Summary groups in their order: fit targets, then held-out targets by class. Only
#: ``held_out structural`` is the held-out score; an identity is a check, not a target.
GROUPS = ("fit", "held_out structural", "held_out assumed", "held_out identity")


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
            "target_id": t.id, "role": t.role, "class": t.klass, "report": t.report, "measure": t.measure,
            "statistic": t.statistic, "window": _window(t), "reported": t.value,
            "reported_low": _finite(low) if t.low is not None or t.value is None else t.low,
            "reported_high": _finite(high) if t.high is not None or t.value is None else t.high,
            "band_low": _finite(band_low), "band_high": _finite(band_high),
            "simulated_mean": mean,
            "simulated_p05": float(np.percentile(values, 5)) if values.size else math.nan,
            "simulated_p95": float(np.percentile(values, 95)) if values.size else math.nan,
            "simulated_sd": float(values.std(ddof=1)) if values.size > 1 else math.nan,
            "rel_error": (mean - point) / abs(point) if point else math.nan,
            "inside": bool(math.isfinite(mean) and t.inside(mean)),
            "seed_band_overlaps": bool(values.size and np.percentile(values, 95) >= band_low
                                       and np.percentile(values, 5) <= band_high),
            "seed_band_narrower": narrower(t, values),
            "seeds_needed": seeds_needed(t, values),
            "weight": t.weight, "reference_line": t.reference.get("line", ""), "note": t.note,
            "class_reason": t.klass and t.class_reason,
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def narrower(target: Target, values: np.ndarray) -> bool:
    """Whether the 90% band of single seeds is narrower than the target's acceptance band.

    The acceptance band is the reported interval widened by the tolerance on each side; a
    fit target whose seed band is wider can fall outside on one seed while its mean is
    inside, so its tolerance is finer than what the runs resolve. An open band (one end
    infinite) is always wider; no finite value is never narrower.
    """
    if not values.size:
        return False
    low, high = target.band
    width = float(np.percentile(values, 95) - np.percentile(values, 5))
    return bool(width <= high - low)


#: Two-sided 90% quantile of the normal distribution.
Z90 = 1.6448536269514722


def seeds_needed(target: Target, values: np.ndarray) -> float:
    """Fewest seeds whose mean has a 90% band narrower than the target's acceptance band.

    From the spread of single seeds (normal approximation: the band of a mean of ``n``
    seeds is ``2 * Z90 * sd / sqrt(n)`` wide). 1 for an open band or no spread; NaN with
    fewer than two finite values.
    """
    if values.size < 2:
        return math.nan
    low, high = target.band
    width = high - low
    sd = float(values.std(ddof=1))
    if not math.isfinite(width) or sd == 0:
        return 1.0
    if width <= 0:
        return math.inf
    return float(max(1, math.ceil((2 * Z90 * sd / width) ** 2)))


def short_of_seeds(frame: pd.DataFrame, seeds: int) -> list[str]:
    """Fit targets for which the mean of ``seeds`` seeds is not resolved to their acceptance band."""
    fit = frame.loc[frame["role"] == "fit"]
    need = fit["seeds_needed"].astype(float)
    return [str(i) for i in fit.loc[~(need <= seeds), "target_id"]]


def narrow_summary(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """``{group: (seed band narrower than the acceptance band, total)}``."""
    return _count(frame, "seed_band_narrower")


def group_of(role: str, klass: str) -> str:
    """Summary group of a target: ``fit`` or ``held_out <class>`` (see :data:`GROUPS`)."""
    return role if role == "fit" or not klass else f"{role} {klass}"


def summary(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """``{group: (inside, total)}`` in the order of :data:`GROUPS` (groups present only).

    "Inside" is judged on the simulated mean; :func:`overlap_summary` counts the
    targets whose 90% seed band overlaps the acceptance band.
    """
    return _count(frame, "inside")


def overlap_summary(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """``{group: (seed band overlapping, total)}`` in the order of :data:`GROUPS`."""
    return _count(frame, "seed_band_overlaps")


def _count(frame: pd.DataFrame, column: str) -> dict[str, tuple[int, int]]:
    groups = [group_of(r, c if isinstance(c, str) else "")
              for r, c in zip(frame["role"], frame["class"], strict=True)]
    counts = {}
    for name in [*GROUPS, *sorted(set(groups) - set(GROUPS))]:
        mask = np.array([g == name for g in groups], bool)
        if mask.any():
            counts[name] = (int(frame.loc[mask, column].astype(bool).sum()), int(mask.sum()))
    return counts


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def wide_fit_targets(frame: pd.DataFrame) -> list[str]:
    """Fit targets whose 90% seed band is wider than their acceptance band."""
    fit = frame.loc[frame["role"] == "fit"]
    return [str(i) for i in fit.loc[~fit["seed_band_narrower"].astype(bool), "target_id"]]


def seeds_line(frame: pd.DataFrame, seeds: int) -> str:
    """Whether the calibration's moments (means over ``seeds`` seeds) are resolved."""
    fit = frame.loc[frame["role"] == "fit"]
    short = short_of_seeds(frame, seeds)
    need = fit["seeds_needed"].astype(float)
    most = int(need.max()) if need.notna().any() and math.isfinite(need.max()) else None
    return (f"mean of the calibration's {seeds} seeds: 90% band narrower than the acceptance band "
            f"for {len(fit) - len(short)} of {len(fit)} fit targets"
            + (f"; the fit targets need at most {most} seeds" if most is not None else "")
            + (f" (short: {', '.join(short)})" if short else ""))


def markdown(frame: pd.DataFrame, title: str, worst: int = 5,
             moments: str | None = None, calibration_seeds: int | None = None) -> str:
    """The comparison as Markdown: summary, worst targets, then a table per report.

    ``moments`` is the line of :meth:`sim.calibration.msm.MomentCount.line` (left out if None);
    with ``calibration_seeds``, a line of :func:`seeds_line`.
    """
    lines = [f"# {title}", ""]
    overlaps = overlap_summary(frame)
    narrow = narrow_summary(frame)
    for group, (inside, total) in summary(frame).items():
        note = " (checks, not scored)" if group.endswith("identity") else ""
        lines.append(f"- **{group}**{note}: mean inside the band {inside} of {total}; "
                     f"90% seed band overlapping it {overlaps[group][0]} of {total}; "
                     f"narrower than it {narrow[group][0]} of {total}")
    if moments:
        lines.append(f"- {moments[0].upper()}{moments[1:]}")
    wide = wide_fit_targets(frame)
    if wide:
        lines.append("- Fit targets whose 90% seed band is wider than the acceptance band "
                     f"(one seed can fall outside while the mean is inside): {', '.join(wide)}")
    if calibration_seeds:
        line = seeds_line(frame, calibration_seeds)
        lines.append(f"- {line[0].upper()}{line[1:]}")
    lines += ["", f"Worst {worst} by distance from the reported interval (in tolerance units):", ""]
    lines += ["| target | role | class | reported | simulated mean | 90% band | rel. error |",
              "|---|---|---|---|---|---|---|"]
    ordered = frame.assign(gap=frame.apply(_gap, axis=1)).sort_values("gap", ascending=False)
    for _, r in ordered.head(worst).iterrows():
        lines.append(f"| {r.target_id} | {r.role} | {r['class'] or ''} | {_reported(r)} | "
                     f"{_fmt(r.simulated_mean)} | "
                     f"{_fmt(r.simulated_p05)}–{_fmt(r.simulated_p95)} | {r.rel_error:+.1%} |")
    for report, group in frame.groupby("report", sort=False):
        lines += ["", f"## {report}", "",
                  "| target | role | class | window | reported | band | simulated mean | 90% band | "
                  "rel. error | inside | band overlaps | band narrower | line |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for _, r in group.iterrows():
            lines.append(
                f"| {r.target_id} | {r.role} | {r['class'] or ''} | {r.window} | {_reported(r)} | "
                f"{_fmt(r.band_low)}–{_fmt(r.band_high)} | {_fmt(r.simulated_mean)} | "
                f"{_fmt(r.simulated_p05)}–{_fmt(r.simulated_p95)} | {r.rel_error:+.1%} | "
                f"{'yes' if r.inside else '**no**'} | "
                f"{'yes' if r.seed_band_overlaps else 'no'} | "
                f"{'yes' if r.seed_band_narrower else 'no'} | {r.reference_line} |")
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

