"""The figure of ``sim-compare``: every reported figure beside the simulation.

One row per target, grouped by report, labelled in words (the measure and
its window, the report line); the x axis is the simulated value over the
reported one, on a log scale. The grey bar is the target's acceptance band
(a one-sided target's band runs to the edge, with an arrow, so a simulation
beyond its bound reads as a pass); the line is the 90% band over seeds and
the marker the mean, filled when inside the band, hollow when outside;
colour tells fit from held-out targets. Written as PNG (300 dpi) and SVG.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from lingtouyan import _labels as lab
from lingtouyan import _plot

#: Ratios shown; a mean or band beyond is drawn at the edge with an arrow head.
LIMITS = (1 / 30, 30.0)
ROLE_COLOURS = {"fit": _plot.COLOURS[0], "held_out": _plot.COLOURS[1]}
ROLE_MARKERS = {"fit": "o", "held_out": "s"}


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def reference(row) -> float | None:
    """The figure a row's ratios are taken against: the value, the interval's middle, or its bound."""
    value, low, high = _num(row.reported), _num(row.reported_low), _num(row.reported_high)
    if value is not None:
        return value
    if low is not None and high is not None:
        return (low + high) / 2
    return low if low is not None else high


def sidedness(row) -> str:
    """``two`` (value or closed interval), ``low`` (at least) or ``high`` (at most)."""
    value, low, high = _num(row.reported), _num(row.reported_low), _num(row.reported_high)
    if value is None and low is not None and high is None:
        return "low"
    if value is None and high is not None and low is None:
        return "high"
    return "two"


def row_label(row, lang: str) -> str:
    """``measure, window (Lnnn)`` in words."""
    window = str(row.window or "")
    if window.startswith("experiment"):
        window = lab.word(window.replace("experiment ", ""), lang)
    else:
        window = window.replace("..", "–")
    line = f" ({row.reference_line})" if isinstance(row.reference_line, str) and row.reference_line else ""
    sep = "，" if lang == "zh" else ", "
    return f"{lab.measure_label(str(row.measure), lang)}{sep}{window}{line}"


def title(scenario: str, seeds: int, scale: float, lang: str = "en") -> str:
    """The figure's title in ``lang``."""
    return lab.word("compare_title", lang).format(scenario=lab.scenario_label(scenario, lang),
                                                  seeds=seeds, scale=scale)


def figure(frame: pd.DataFrame, stem: str | Path, title: str, lang: str = "en") -> list[Path]:
    """Draw the comparison and write ``stem.png`` and ``stem.svg``.

    Returns:
        The files written.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = frame.reset_index(drop=True)
    reports = list(dict.fromkeys(rows["report"]))
    # y positions from the top, a gap and a header per report
    positions, headers, y = [], [], 0.0
    for report in reports:
        headers.append((y, report))
        y += 1.0
        for _ in range(int((rows["report"] == report).sum())):
            positions.append(y)
            y += 1.0
        y += 0.4
    order = [i for report in reports for i in rows.index[rows["report"] == report]]
    ypos = dict(zip(order, positions, strict=True))
    lo_lim, hi_lim = LIMITS

    def clip(x: float) -> float:
        return min(max(x, lo_lim), hi_lim)

    with _plot.style(lang):
        fig, ax = plt.subplots(figsize=(8.2, 0.2 * y + 1.6))
        for i in order:
            r = rows.loc[i]
            ref = reference(r)
            yi = ypos[i]
            if ref is None or ref == 0:
                continue
            side = sidedness(r)
            blo, bhi = _num(r.band_low), _num(r.band_high)
            left = clip(blo / ref) if blo is not None else lo_lim
            right = clip(bhi / ref) if bhi is not None else hi_lim
            ax.plot([left, right], [yi, yi], color="0.82", lw=7, solid_capstyle="butt", zorder=1)
            if side == "low":
                ax.annotate("", xy=(hi_lim, yi), xytext=(hi_lim / 1.6, yi), zorder=2,
                            arrowprops={"arrowstyle": "-|>", "color": "0.6", "lw": 1})
            elif side == "high":
                ax.annotate("", xy=(lo_lim, yi), xytext=(lo_lim * 1.6, yi), zorder=2,
                            arrowprops={"arrowstyle": "-|>", "color": "0.6", "lw": 1})
            colour = ROLE_COLOURS.get(r.role, "0.3")
            p05, p95, mean = _num(r.simulated_p05), _num(r.simulated_p95), _num(r.simulated_mean)
            if p05 is not None and p95 is not None:
                ax.plot([clip(p05 / ref), clip(p95 / ref)], [yi, yi], color=colour, lw=1.4, zorder=3)
            if mean is not None:
                ratio = mean / ref
                marker = ROLE_MARKERS.get(r.role, "o")
                if ratio <= 0 or not lo_lim <= ratio <= hi_lim:
                    marker = ">" if ratio > hi_lim else "<"
                inside = bool(r.inside) if not pd.isna(r.inside) else False
                ax.plot([clip(ratio) if ratio > 0 else lo_lim], [yi], marker, ms=4.8, color=colour,
                        mfc=colour if inside else "white", mew=1.2, zorder=4)
        ax.axvline(1.0, color="0.2", lw=0.8, zorder=0)
        ax.set_xscale("log")
        ax.set_xlim(lo_lim, hi_lim)
        ticks = [1 / 30, 0.1, 0.3, 1, 3, 10, 30]
        ax.set_xticks(ticks, ["1/30", "0.1", "0.3", "1", "3", "10", "30"])
        ax.minorticks_off()
        ax.set_ylim(y - 0.2, -0.8)
        ax.set_yticks([ypos[i] for i in order], [row_label(rows.loc[i], lang) for i in order],
                      fontsize=7)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        for yh, report in headers:
            ax.text(-0.01, yh, lab.word(report, lang), transform=ax.get_yaxis_transform(), ha="right", va="center",
                    fontsize=8, fontweight="bold")
        ax.set_xlabel(f"{lab.word('ratio_axis', lang)}\n({lab.word('compare_note', lang)})",
                      linespacing=1.6)
        ax.set_title(title, fontsize=9, loc="left")
        handles = [
            Patch(color="0.82", label=lab.word("acceptance", lang)),
            Line2D([], [], color="0.6", marker=">", ls="-", ms=4, label=lab.word("one_sided", lang)),
            Line2D([], [], color=ROLE_COLOURS["fit"], marker="o", ms=5, lw=1.4, label=lab.word("fit", lang)),
            Line2D([], [], color=ROLE_COLOURS["held_out"], marker="s", ms=5, lw=1.4,
                   label=lab.word("held_out", lang)),
            Line2D([], [], color="0.3", marker="o", ls="", ms=5, label=lab.word("inside", lang)),
            Line2D([], [], color="0.3", marker="o", ls="", ms=5, mfc="white", label=lab.word("outside", lang)),
        ]
        height = fig.get_size_inches()[1]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.95 / height), ncol=3,
                  frameon=False, fontsize=7.5)
        written = _plot.save(fig, stem)
        plt.close(fig)
    return written


__all__ = ["figure", "reference", "row_label", "sidedness", "title"]
