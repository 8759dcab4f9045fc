"""``sim-curves``: outcome curves with honest bands from a sweep table (``sim-aggregate``).

::

    sim-curves results/multirun/<time>/sweep.parquet --x policy.pay_floor.multiple
    sim-curves TABLE --x policy.pay_floor.multiple --lang zh --out docs/figures/pay_floor
        --measure secretary_quit_rate_per_year secretary_vacancy_rate
    sim-curves TABLE --kind fan --measure county_share_pay_floor --by scenario

A **curve** shows each job's statistic of a measure (by default its mean
over 2010-01..2012-12, or the statistic and window of the measure's target
in ``sim/data/targets.yaml`` where it has one) against a swept lever: the
mean and the 90% band over seeds. Several measures are panels; several
scenarios (or, with ``--by region``, regions) are lines of their own colour.
When the sweep has **parameter draws** (column ``draw``), the band over
seeds and the band over parameter draws are drawn separately, and each panel
says which dominates the spread (the share of the variance from the draws).
A **fan** chart (``--kind fan``) shows a measure month by month: the median
and the 50% and 90% bands over seeds and draws.

Reported figures are reference marks where the figure's statistic is the
one drawn: on a curve at the lever's as-reported value, on a fan chart at
its date or over its window; a one-sided figure is drawn as a bound with an
arrow, not as a point. Labels and units come from ``lingtouyan/_labels.py``
(``--lang en|zh``); the figure is written as PNG (300 dpi) and SVG.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lingtouyan import _labels as lab
from lingtouyan import _plot
from lingtouyan._cli import guarded
from sim.errors import ConfigError

PROG = "sim-curves"
KINDS = ("curve", "fan")
STATS = ("auto", "mean", "sum", "last", "growth")
BY = ("scenario", "region")
DEFAULT_MEASURE = "secretary_quit_rate_per_year"
DEFAULT_WINDOW = ("2010-01", "2012-12")
BAND = (5.0, 95.0)
#: Columns of the sweep table that are not swept keys.
FIXED_COLUMNS = ("draw", "scenario", "seed", "date", "measure", "region", "value", "run_id")


@dataclass(frozen=True)
class Statistic:
    """What a job's monthly series is reduced to: ``kind`` over ``start``..``end``."""

    kind: str
    start: str
    end: str

    def describe(self, lang: str) -> str:
        """E.g. ``mean 2010-01..2012-12`` or ``2012-06``."""
        if self.kind == "last":
            return self.end
        name = {"mean": lab.word("mean_over", lang), "sum": lab.word("total", lang),
                "growth": lab.word("growth", lang)}[self.kind]
        return lab.word("window", lang).format(kind=name, start=self.start, end=self.end)

    def of(self, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """The statistic of each group of ``keys`` from rows ``date, value``."""
        window = frame[(frame["date"] >= self.start) & (frame["date"] <= self.end)]
        grouped = window.groupby(keys, sort=True, observed=True)["value"]
        if self.kind == "mean":
            out = grouped.mean()
        elif self.kind == "sum":
            out = grouped.sum()
        elif self.kind == "last":
            out = window[window["date"] == self.end].groupby(keys, sort=True, observed=True)["value"].mean()
        else:
            first = window[window["date"] == self.start].groupby(keys, observed=True)["value"].mean()
            last = window[window["date"] == self.end].groupby(keys, observed=True)["value"].mean()
            out = last / first
        return out.rename("value").reset_index()


def parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    p.add_argument("table", help="sweep table: a sim-aggregate dataset, or a sweep directory holding "
                   "sweep.parquet/")
    p.add_argument("--kind", default="curve", help="curve (outcome against --x) or fan (month by "
                   "month); default curve")
    p.add_argument("--x", default=None, help="the swept key on the x axis of a curve (default: the "
                   "one swept lever, if there is one)")
    p.add_argument("--measure", nargs="+", default=[DEFAULT_MEASURE],
                   help=f"measures, one panel each (default {DEFAULT_MEASURE})")
    p.add_argument("--stat", default="auto", help="what a job's series becomes on a curve: mean, sum, "
                   "last (the value at the window's end) or growth; auto (default): the measure's "
                   "target statistic where it has one, else mean")
    p.add_argument("--window", default=None, help="months START..END of the statistic (default: the "
                   "target's window, else 2010-01..2012-12)")
    p.add_argument("--by", default="scenario", help="lines by scenario (default) or region")
    p.add_argument("--scenario", default=None, help="only these scenarios, comma-separated")
    p.add_argument("--region", default="national", help="regions, comma-separated (default national; "
                   "'all' for every one in the table)")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="keep only jobs with this value of a swept key (repeatable)")
    p.add_argument("--targets", default="default",
                   help="targets file for the reference marks: default (sim/data/targets.yaml), a path, "
                   "or none")
    p.add_argument("--lang", default="en", help="label language: en or zh (default en)")
    p.add_argument("--title", default=None, help="figure title (default none)")
    p.add_argument("--out", default=None, help="output file stem; .png and .svg are written (default: "
                   "curves/<measure>_<x or fan> beside the table)")
    return p


# ------------------------------------------------------------------ reading the table
def locate(table: str | Path) -> Path:
    """The dataset directory or file of ``table`` (a sweep directory's ``sweep.parquet``)."""
    path = Path(table)
    if path.is_dir() and (path / "sweep.parquet").exists():
        path = path / "sweep.parquet"
    if not path.exists():
        raise ConfigError("table", f"no such file or directory: {table}")
    if path.is_dir() and not any(path.glob("*.parquet")):
        raise ConfigError("table", f"{table} holds no Parquet files; gather a sweep first with "
                          "sim-aggregate DIR")
    return path


def read(path: Path, measures: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Rows of ``measures`` with ``columns`` (only those read from disk)."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(path, format="parquet")
    names = dataset.schema.names
    for column in ("measure", "value", "seed", "date"):
        if column not in names:
            raise ConfigError("table", f"{path}: no column {column!r}; is it a sim-aggregate table?")
    wanted = [c for c in dict.fromkeys([*columns, "measure", "value", "seed", "date"]) if c in names]
    frame = dataset.to_table(columns=wanted, filter=ds.field("measure").isin(list(measures))).to_pandas()
    for column, default in (("draw", 0), ("scenario", "as_reported"), ("region", "national")):
        if column not in frame:
            frame[column] = default
    found = set(frame["measure"].astype(str).unique())
    missing = [m for m in measures if m not in found]
    if missing:
        known = sorted(set(dataset.to_table(columns=["measure"]).column("measure").unique().to_pylist()))
        raise ConfigError("--measure", f"{missing[0]!r} is not in the table; it has: {', '.join(known)}")
    return frame


def swept_keys(path: Path) -> list[str]:
    """Columns of the table that are swept keys."""
    import pyarrow.dataset as ds

    return [c for c in ds.dataset(path, format="parquet").schema.names if c not in FIXED_COLUMNS]


def _parse_where(items: Sequence[str], keys: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError("--where", f"must be KEY=VALUE, got {item!r}")
        if key not in keys:
            raise ConfigError("--where", f"{key!r} is not a swept key of the table; it has: "
                              + (", ".join(keys) or "none"))
        out.append((key, value))
    return out


def _apply_where(frame: pd.DataFrame, where: list[tuple[str, str]]) -> pd.DataFrame:
    for key, value in where:
        column = frame[key]
        if pd.api.types.is_numeric_dtype(column):
            try:
                number = float(value)
            except ValueError:
                raise ConfigError("--where", f"{key} is a number, got {value!r}") from None
            mask = np.isclose(column.to_numpy(float), number, rtol=1e-9, atol=1e-12)
        else:
            mask = column.astype(str) == value
        if not mask.any():
            values = sorted(column.astype(str).unique())[:12]
            raise ConfigError("--where", f"no job has {key}={value}; values: {', '.join(values)}")
        frame = frame[mask]
    return frame


def _window(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    from sim.timeline import parse_month

    start, sep, end = text.partition("..")
    if not sep:
        start = end = text
    parse_month(start, "--window")
    parse_month(end, "--window")
    if end < start:
        raise ConfigError("--window", f"END must not be before START, got {text}")
    return start, end


# ------------------------------------------------------------------ targets
def load_marks(spec: str):
    """Targets for the reference marks (none for ``none``)."""
    from sim.calibration.targets import load_targets

    if spec == "none":
        return []
    return load_targets(None if spec == "default" else spec)


def statistic_for(measure: str, stat: str, window: tuple[str, str] | None, targets) -> Statistic:
    """The statistic of a panel: as asked, or the measure's first level target's (``auto``).

    A level is a stock, flow or mean; a target on the measure's growth (a trend,
    such as "quitting fell") is no statistic to draw a curve of the measure by.
    """
    target = next((t for t in targets if t.measure == measure and t.statistic in ("stock", "flow", "mean")),
                  None)
    if stat == "auto" and window is None and target is not None:
        kind = {"stock": "last", "flow": "sum", "mean": "mean", "growth": "growth"}[target.statistic]
        if target.statistic == "stock":
            return Statistic("last", target.date, target.date)
        return Statistic(kind, target.start, target.end)
    start, end = window or DEFAULT_WINDOW
    kind = "mean" if stat == "auto" else stat
    if kind == "last" and window is not None:
        start = end
    return Statistic(kind, start, end)


def matching_targets(measure: str, statistic: Statistic, targets) -> list:
    """Targets whose figure is exactly the panel's statistic."""
    kind = {"stock": "last", "flow": "sum", "mean": "mean", "growth": "growth"}
    out = []
    for t in targets:
        if t.measure != measure or t.statistic == "experiment":
            continue
        start, end = (t.date, t.date) if t.statistic == "stock" else (t.start, t.end)
        if kind[t.statistic] == statistic.kind and (start, end) == (statistic.start, statistic.end):
            out.append(t)
    return out


def _draw_target(ax, x: float, target, factor: float, lang: str, colour: str = "black"):
    """A reported figure at ``x``: point and interval, or a bound with an arrow.

    Returns:
        Its legend key and handle.
    """
    low, high = target.low, target.high
    if target.value is None and (low is None) != (high is None):
        bound = (low if low is not None else high) * factor
        up = low is not None
        (handle,) = ax.plot([x], [bound], marker="_", ms=14, mew=2, color=colour, zorder=5)
        ymin, ymax = ax.get_ylim()
        length = 0.12 * (ymax - ymin)
        ax.annotate("", xy=(x, bound + (length if up else -length)), xytext=(x, bound),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4}, zorder=5)
        return ("reported_at_least" if up else "reported_at_most"), handle
    point = target.point * factor
    lo = (low if low is not None else target.point) * factor
    hi = (high if high is not None else target.point) * factor
    handle = ax.errorbar([x], [point], yerr=[[point - lo], [hi - point]], fmt="D", ms=5, color=colour,
                         mfc="white", mew=1.4, capsize=3, lw=1.2, zorder=5)
    return "reported", handle


# ------------------------------------------------------------------ bands
@dataclass
class Band:
    """Mean, seed band, draw band and the draws' share of the variance at each x."""

    x: np.ndarray
    mean: np.ndarray
    seed_low: np.ndarray
    seed_high: np.ndarray
    draw_low: np.ndarray | None
    draw_high: np.ndarray | None
    draw_share: np.ndarray | None
    seeds: int
    draws: int


def bands(stats: pd.DataFrame, x: str) -> Band:
    """Bands of ``value`` over seeds (and over draws, when there are several) at each ``x``.

    With draws, the seed band is the mean plus the spread of each job around
    its draw's mean over seeds (pooled), and the draw band the spread of the
    draws' means; the draws' share of the variance is the between-draw
    variance (less what seed noise adds to a mean of ``n`` seeds) over the total.
    """
    xs, means, slo, shi, dlo, dhi, share = [], [], [], [], [], [], []
    draws = int(stats["draw"].nunique())
    seeds = int(stats.groupby("draw")["seed"].nunique().min())
    for value, group in stats.groupby(x, sort=True):
        v = group["value"].to_numpy(float)
        xs.append(value)
        means.append(v.mean())
        if draws > 1:
            by_draw = group.groupby("draw")["value"]
            draw_mean = by_draw.transform("mean").to_numpy(float)
            deviations = v - draw_mean
            lo, hi = np.percentile(deviations, BAND)
            slo.append(v.mean() + lo)
            shi.append(v.mean() + hi)
            centres = by_draw.mean().to_numpy(float)
            lo, hi = np.percentile(centres, BAND)
            dlo.append(lo)
            dhi.append(hi)
            within = float(by_draw.var(ddof=1).mean()) if seeds > 1 else 0.0
            between = max(float(np.var(centres, ddof=1)) - within / max(seeds, 1), 0.0)
            share.append(between / (between + within) if between + within > 0 else math.nan)
        else:
            lo, hi = np.percentile(v, BAND)
            slo.append(lo)
            shi.append(hi)
    arr = np.asarray
    with_draws = draws > 1
    return Band(arr(xs, float), arr(means), arr(slo), arr(shi), arr(dlo) if with_draws else None,
                arr(dhi) if with_draws else None, arr(share) if with_draws else None, seeds, draws)


def effect_survival(stats: pd.DataFrame, x: str) -> tuple[float, int, int] | None:
    """The lever's effect from its lowest to its highest value, draw by draw.

    Returns:
        The mean effect over draws, the number of draws whose effect has its
        sign (0 where no draw shows any effect), and the number of draws; None
        without several draws and lever values.
    """
    if stats["draw"].nunique() < 2 or stats[x].nunique() < 2:
        return None
    lo, hi = stats[x].min(), stats[x].max()
    per = stats.groupby(["draw", x])["value"].mean().unstack(x)
    effect = (per[hi] - per[lo]).to_numpy(float)
    overall = float(effect.mean())
    if not np.any(np.abs(effect) > 1e-12 * max(1.0, float(np.abs(per.to_numpy()).max()))):
        return 0.0, 0, len(effect)
    return overall, int((np.sign(effect) == np.sign(overall)).sum()), len(effect)


# ------------------------------------------------------------------ drawing
def _signed(x: float) -> str:
    """``+1.2`` / ``−0.64`` (a true minus sign), two significant digits."""
    return f"{x:+.2g}".replace("-", "\u2212")


def _lines(frame: pd.DataFrame, by: str, scenarios, regions) -> list[tuple[str, str]]:
    pairs = frame[["scenario", "region"]].drop_duplicates()
    out = []
    for scenario in scenarios:
        for region in regions:
            if ((pairs["scenario"] == scenario) & (pairs["region"] == region)).any():
                out.append((scenario, region))
    return out


def _line_label(scenario: str, region: str, lines: list[tuple[str, str]], lang: str) -> str:
    parts = []
    if len({s for s, _ in lines}) > 1:
        parts.append(lab.scenario_label(scenario, lang))
    if len({r for _, r in lines}) > 1:
        parts.append(lab.region_label(region, lang))
    return ", ".join(parts) or lab.word("mean", lang)


def _grid(n: int):
    import matplotlib.pyplot as plt

    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.75 * rows + 0.5), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _as_reported(key: str, scenario: str) -> float | None:
    from sim.config import resolve

    root, _, path = key.partition(".")
    try:
        config = resolve(scenario=scenario)
    except ConfigError:
        return None
    if root == "policy" and path in config.levers:
        value = config.levers.value(path)
    elif root == "param" and path in config.params:
        value = config.params.value(path)
    else:
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def draw_curves(frame: pd.DataFrame, x: str, measures: Sequence[str], stat: str,
                window: tuple[str, str] | None, targets, lang: str, by: str,
                title: str | None = None):
    """The curve figure; returns ``(figure, notes)`` where ``notes`` are lines to print."""
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(frame["scenario"].astype(str)))
    regions = list(dict.fromkeys(frame["region"].astype(str)))
    lines = _lines(frame, by, scenarios, regions)
    styles = ["-", "--", ":", "-."]
    fig, axes = _grid(len(measures))
    notes: list[str] = []
    handles: dict[str, object] = {}
    for ax, measure in zip(axes, measures, strict=True):
        statistic = statistic_for(measure, stat, window, targets)
        rows = frame[frame["measure"] == measure]
        stats = statistic.of(rows, [x, "scenario", "region", "draw", "seed"])
        factor = lab.unit_scale(measure, lang)
        shares, effects = [], []
        for scenario, region in lines:
            part = stats[(stats["scenario"] == scenario) & (stats["region"] == region)]
            if part.empty:
                continue
            band = bands(part, x)
            index = (scenarios.index(scenario) if by == "scenario" else regions.index(region))
            colour = _plot.COLOURS[index % len(_plot.COLOURS)]
            style = styles[(regions.index(region) if by == "scenario" else scenarios.index(scenario))
                           % len(styles)]
            label = _line_label(scenario, region, lines, lang)
            if band.draw_low is not None:
                h = ax.fill_between(band.x, band.draw_low * factor, band.draw_high * factor,
                                    color=colour, alpha=0.14, lw=0)
                handles.setdefault(f"{lab.word('draw_band', lang)} ({band.draws} {lab.word('draws', lang)})",
                                   h)
                shares.append(np.nanmean(band.draw_share))
            h = ax.fill_between(band.x, band.seed_low * factor, band.seed_high * factor, color=colour,
                                alpha=0.32, lw=0)
            handles.setdefault(f"{lab.word('seed_band', lang)} ({band.seeds} {lab.word('seeds', lang)})", h)
            (h,) = ax.plot(band.x, band.mean * factor, style, color=colour, lw=1.6, marker="o", ms=2.8)
            handles.setdefault(label if len(lines) > 1 else lab.word("mean", lang), h)
            survival = effect_survival(part, x)
            if survival is not None:
                effect, agree, n_draws = survival
                lo, hi = float(part[x].min()), float(part[x].max())
                effect_en = (lab.word("no_effect", "en") if agree == 0 else lab.word(
                    "effect_note", "en").format(lo=lo, hi=hi, effect=_signed(effect * lab.unit_scale(
                        measure, "en")), agree=agree, draws=n_draws, unit=lab.effect_unit(measure, "en")))
                effects.append(lab.word("no_effect", lang) if agree == 0 else lab.word(
                    "effect_note", lang).format(lo=lo, hi=hi, effect=_signed(effect * factor), agree=agree,
                                                draws=n_draws, unit=lab.effect_unit(measure, lang)))
                notes.append(f"{measure} [{scenario}, {region}]: {effect_en}")
        for target in matching_targets(measure, statistic, targets):
            at = _as_reported(x, lines[0][0] if lines else "as_reported")
            if at is None:
                continue
            key, handle = _draw_target(ax, at, target, factor, lang)
            handles.setdefault(lab.word(key, lang), handle)
        ax.set_ylabel(f"{lab.unit_label(measure, lang)}, {statistic.describe(lang)}")
        ax.set_xlabel(lab.key_label(x, lang))
        if shares:
            share = float(np.nanmean(shares))
            which = lab.word("dominates_draws" if share > 0.5 else "dominates_seeds", lang)
            sub = [lab.word("variance_note", lang).format(which=which, share=share)]
            if len(effects) == 1:
                sub.append(effects[0])
            ax.set_title(lab.measure_label(measure, lang), pad=4 + 10 * len(sub))
            ax.text(0.5, 1.015, "\n".join(sub), transform=ax.transAxes, ha="center", va="bottom",
                    fontsize=7.5, color="0.3", linespacing=1.3)
            which_en = lab.word("dominates_draws" if share > 0.5 else "dominates_seeds", "en")
            notes.append(f"{measure}: " + lab.word("variance_note", "en").format(which=which_en,
                                                                                  share=share))
        else:
            ax.set_title(lab.measure_label(measure, lang))
    if title:
        fig.suptitle(title)
    plt.setp(axes, xmargin=0.03)
    fig.tight_layout()
    # below the panels: saving with a tight bounding box takes the legend in
    fig.legend(list(handles.values()), list(handles), loc="upper center", ncol=min(len(handles), 3),
               bbox_to_anchor=(0.5, 0.0), frameon=False)
    return fig, notes


def draw_fans(frame: pd.DataFrame, measures: Sequence[str], targets, lang: str, by: str,
              title: str | None = None):
    """The fan-chart figure (median, 50% and 90% bands month by month)."""
    import matplotlib.dates as mdates

    scenarios = list(dict.fromkeys(frame["scenario"].astype(str)))
    regions = list(dict.fromkeys(frame["region"].astype(str)))
    lines = _lines(frame, by, scenarios, regions)
    fig, axes = _grid(len(measures))
    handles: dict[str, object] = {}
    for ax, measure in zip(axes, measures, strict=True):
        factor = lab.unit_scale(measure, lang)
        rows = frame[frame["measure"] == measure]
        for scenario, region in lines:
            part = rows[(rows["scenario"] == scenario) & (rows["region"] == region)]
            if part.empty:
                continue
            q = part.groupby("date")["value"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
            dates = pd.to_datetime(q.index.astype(str), format="%Y-%m")
            index = scenarios.index(scenario) if by == "scenario" else regions.index(region)
            colour = _plot.COLOURS[index % len(_plot.COLOURS)]
            h90 = ax.fill_between(dates, q[0.05] * factor, q[0.95] * factor, color=colour, alpha=0.15,
                                  lw=0)
            h50 = ax.fill_between(dates, q[0.25] * factor, q[0.75] * factor, color=colour, alpha=0.3,
                                  lw=0)
            (h,) = ax.plot(dates, q[0.5] * factor, color=colour, lw=1.5)
            label = _line_label(scenario, region, lines, lang)
            handles.setdefault(label if len(lines) > 1 else lab.word("median", lang), h)
            handles.setdefault("90%", h90)
            handles.setdefault("50%", h50)
        for target in targets:
            if target.measure != measure or target.statistic in ("experiment", "growth"):
                continue
            key, handle = _fan_target(ax, target, factor)
            handles.setdefault(lab.word(key, lang), handle)
        ax.set_title(lab.measure_label(measure, lang))
        ax.set_ylabel(lab.unit_label(measure, lang))
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.legend(list(handles.values()), list(handles), loc="upper center", ncol=min(len(handles), 4),
               bbox_to_anchor=(0.5, 0.0), frameon=False)
    return fig


def _fan_target(ax, target, factor: float):
    """A reported figure on a fan chart: at its date (stock) or over its window (mean; flow per month)."""
    if target.statistic == "stock":
        at = pd.Timestamp(f"{target.date}-01")
        return _draw_target(ax, at, target, factor, "en")
    start, end = pd.Timestamp(f"{target.start}-01"), pd.Timestamp(f"{target.end}-01")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    per = 1.0 / months if target.statistic == "flow" else 1.0
    low, high = target.interval
    ys = [y * factor * per for y in (low, high) if math.isfinite(y)]
    handle = None
    for y in dict.fromkeys(ys):
        (handle,) = ax.plot([start, end], [y, y], color="black", lw=1.4, solid_capstyle="butt", zorder=5)
    suffix = "_monthly" if target.statistic == "flow" else ""
    if target.value is None and (target.low is None) != (target.high is None):
        return ("reported_at_least" if target.low is not None else "reported_at_most") + suffix, handle
    return "reported" + suffix, handle


# ------------------------------------------------------------------ command
def run(argv: list[str] | None = None) -> int:
    """Validate the options, read the table, draw and write the figure."""
    args = parser().parse_args(argv)
    lang = _plot.check_lang(args.lang)
    for name, value, allowed in (("--kind", args.kind, KINDS), ("--stat", args.stat, STATS),
                                 ("--by", args.by, BY)):
        if value not in allowed:
            raise ConfigError(name, f"must be one of {', '.join(allowed)}, got {value!r}")
    from sim.outcomes import reporters

    for measure in args.measure:
        if measure not in reporters():
            raise ConfigError("--measure", f"unknown measure {measure!r}; see sim.outcomes.reporters()")
    window = _window(args.window)
    path = locate(args.table)
    keys = swept_keys(path)
    where = _parse_where(args.where, keys)
    x = args.x
    if args.kind == "curve":
        drawn = _drawn_keys(path)
        candidates = [k for k in keys if k not in drawn]
        if x is None:
            if len(candidates) != 1:
                raise ConfigError("--x", "choose the swept key for the x axis: "
                                  + (", ".join(candidates) or "the table has no swept key"))
            x = candidates[0]
        if x not in keys:
            raise ConfigError("--x", f"{x!r} is not a swept key of the table; it has: "
                              + (", ".join(candidates) or "none"))
    targets = load_marks(args.targets)
    fixed = [k for k in keys if k not in _drawn_keys(path)] if args.kind == "fan" else []
    columns = [*([x] if x else []), *fixed, *(k for k, _ in where), "draw", "scenario", "region"]
    frame = read(path, args.measure, columns)
    frame = _apply_where(frame, where)
    frame = _select(frame, "scenario", args.scenario, "--scenario")
    frame = _select(frame, "region", None if args.region == "all" else args.region, "--region")
    if args.kind == "curve":
        if not pd.api.types.is_numeric_dtype(frame[x]):
            raise ConfigError("--x", f"{x} is not a number in the table; a curve needs a numeric lever")
        if frame[x].nunique() < 2:
            raise ConfigError("--x", f"{x} takes one value only in the table")
    else:
        varying = [k for k in keys if k in frame and frame[k].nunique() > 1 and k not in _drawn_keys(path)]
        if varying:
            raise ConfigError("--where", f"a fan chart shows one point of the sweep; fix "
                              f"{', '.join(varying)} with --where KEY=VALUE")
    stem = Path(args.out) if args.out else path.parent / "curves" / (
        f"{args.measure[0]}_{x.rsplit('.', 1)[-1] if x else 'fan'}")
    with _plot.style(lang):
        import matplotlib.pyplot as plt

        if args.kind == "curve":
            fig, notes = draw_curves(frame, x, args.measure, args.stat, window, targets, lang, args.by,
                                     args.title)
        else:
            fig, notes = draw_fans(frame, args.measure, targets, lang, args.by, args.title), []
        written = _plot.save(fig, stem)
        plt.close(fig)
    jobs = frame.groupby(["scenario", "draw", "seed", *([x] if x else [])]).ngroups
    lines = [f"{PROG}: {len(args.measure)} measure(s) from {jobs:,} jobs -> "
             + ", ".join(str(p) for p in written), *(f"  {note}" for note in notes)]
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:  # the reader has gone (sim-curves ... | head); the figure is written
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _drawn_keys(path: Path) -> set[str]:
    import yaml

    marker = path / "_aggregate.yaml" if path.is_dir() else path.parent / "_aggregate.yaml"
    if not marker.is_file():
        return set()
    return set((yaml.safe_load(marker.read_text(encoding="utf-8")) or {}).get("drawn") or [])


def _select(frame: pd.DataFrame, column: str, spec: str | None, option: str) -> pd.DataFrame:
    if spec is None:
        return frame
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    present = list(dict.fromkeys(frame[column].astype(str)))
    missing = [w for w in wanted if w not in present]
    if missing:
        raise ConfigError(option, f"{missing[0]!r} is not in the table; it has: {', '.join(present)}")
    return frame[frame[column].astype(str).isin(wanted)]


def main() -> None:
    """Entry point of ``sim-curves``."""
    raise SystemExit(guarded(PROG, lambda: run(sys.argv[1:])))


if __name__ == "__main__":
    main()
