"""Figures of the analyses, drawn from their tables (never from model internals).

Every figure takes ``lang`` (``en`` or ``zh``); Chinese labels use the Noto
Sans CJK font (Debian ``fonts-noto-cjk``), and a Chinese figure is refused
rather than drawn with empty boxes when no CJK font is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager

from lingtouyan.analysis.outcomes import OUTCOMES

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC")
STATUS_COLOURS = {"source": "#1b6ca8", "calibrated": "#e08b1f", "assumed": "#7a7a7a"}
STATUS_LABELS = {"en": {"source": "lever (value from the reports)", "calibrated": "calibrated",
                        "assumed": "assumed (lever or parameter)"},
                 "zh": {"source": "政策杠杆（报告取值）", "calibrated": "校准参数",
                        "assumed": "假定（杠杆或参数）"}}
#: Short names of the factors in figures.
FACTOR_LABELS = {
    "en": {"policy.pay_floor.multiple": "Pay floor (× local income)",
           "policy.pay_floor.performance_share": "Performance pay share",
           "policy.retirement.departure_subsidy_per_tenure_year": "Departure subsidy per year served",
           "policy.retirement.pension_subsidy_yuan_per_year": "Pension contribution (yuan/yr)",
           "policy.promotion.civil_service_posts_per_1000_villages": "Civil-service posts per 1000 villages",
           "param.county.adoption_rate.pay_floor": "County adoption rate of the floor",
           "param.secretary.quit_intercept": "Quit intercept",
           "param.secretary.quit_slope": "Quit slope",
           "param.secretary.motivation_mean": "Intrinsic motivation",
           "param.secretary.pre_policy_pay_ratio": "Pre-2009 pay (× income)",
           "param.secretary.promotion_gain_years": "Value of a township post"},
    "zh": {"policy.pay_floor.multiple": "报酬底线（当地收入倍数）",
           "policy.pay_floor.performance_share": "绩效报酬比例",
           "policy.retirement.departure_subsidy_per_tenure_year": "每任职年离任补助",
           "policy.retirement.pension_subsidy_yuan_per_year": "养老保险补贴（元/年）",
           "policy.promotion.civil_service_posts_per_1000_villages": "每千村定向考录公务员岗位",
           "param.county.adoption_rate.pay_floor": "县落实报酬底线速率",
           "param.secretary.quit_intercept": "辞职截距",
           "param.secretary.quit_slope": "辞职斜率",
           "param.secretary.motivation_mean": "内在动机",
           "param.secretary.pre_policy_pay_ratio": "2009年前报酬（收入倍数）",
           "param.secretary.promotion_gain_years": "乡镇岗位的价值"},
}


def cjk_font() -> str | None:
    """Name of an installed CJK font, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def style(lang: str) -> None:
    """Matplotlib settings for a figure in ``lang``.

    Raises:
        RuntimeError: for ``zh`` without a CJK font (install Debian ``fonts-noto-cjk``).
    """
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 200, "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False,
                         "axes.unicode_minus": False})
    if lang == "zh":
        font = cjk_font()
        if font is None:
            raise RuntimeError("no CJK font installed (Debian: apt-get install fonts-noto-cjk); "
                               "cannot draw Chinese labels")
        plt.rcParams["font.family"] = [font, "DejaVu Sans"]
    else:
        # English text may still name the package (一定三有): fall back to a CJK font for it.
        font = cjk_font()
        plt.rcParams["font.family"] = ["DejaVu Sans", *([font] if font else [])]


def factor_label(key: str, lang: str) -> str:
    """Short label of a factor key."""
    return FACTOR_LABELS.get(lang, {}).get(key) or FACTOR_LABELS["en"].get(key) or key


def _save(fig, path: Path) -> list[Path]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix in (".png", ".svg"):
        target = path.with_suffix(suffix)
        fig.savefig(target, bbox_inches="tight")
        out.append(target)
    plt.close(fig)
    return out


def _status_legend(fig, statuses: Sequence[str], lang: str) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=STATUS_COLOURS[s], label=STATUS_LABELS[lang][s])
               for s in ("source", "calibrated", "assumed") if s in statuses]
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), frameon=False, fontsize=8,
               bbox_to_anchor=(1.0, 0.0))


def plot_sensitivity(indices: pd.DataFrame, method: str, outcomes: Sequence[str], path: Path,
                     lang: str = "en", meta: dict | None = None) -> list[Path]:
    """Indices per factor, one panel per outcome: Morris μ* (± 95%) or Sobol S1 and ST (± 95%)."""
    style(lang)
    n = len(outcomes)
    factors = indices["factor"].unique()
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n + 2.2, 0.36 * len(factors) + 1.6), squeeze=False,
                             sharey=False)
    for ax, name in zip(axes[0], outcomes, strict=True):
        t = indices[indices["outcome"] == name].copy()
        key = "mu_star" if method == "morris" else "ST"
        t = t.sort_values(key)
        y = np.arange(len(t))
        colours = [STATUS_COLOURS[s] for s in t["status"]]
        if method == "morris":
            ax.barh(y, t["mu_star"], xerr=t["mu_star_conf"], color=colours, height=0.65,
                    error_kw={"elinewidth": 0.8, "capsize": 2})
            ax.set_xlabel("μ*" + (" (平均绝对基本效应)" if lang == "zh" else " (mean |elementary effect|)"))
        else:
            ax.barh(y + 0.18, t["ST"], xerr=t["ST_conf"], height=0.34, color=colours,
                    error_kw={"elinewidth": 0.8, "capsize": 2}, label="ST")
            ax.barh(y - 0.18, t["S1"].clip(lower=0), xerr=t["S1_conf"], height=0.34, color=colours,
                    alpha=0.45, hatch="///", edgecolor="white",
                    error_kw={"elinewidth": 0.8, "capsize": 2}, label="S1")
            ax.set_xlabel("一阶（S1，浅色）与总效应（ST）指数" if lang == "zh"
                          else "first-order (S1, light) and total (ST) index")
            ax.set_xlim(left=0)
        ax.set_yticks(y)
        ax.set_yticklabels([factor_label(k, lang) for k in t["factor"]])
        ax.set_title(OUTCOMES[name].label(lang), fontsize=9)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    _status_legend(fig, set(indices["status"]), lang)
    if meta:
        runs = meta.get("runs")
        what = ("Morris" if method == "morris" else "Sobol'")
        seeds = len(meta.get("seeds", []))
        note = (f"{what}：{meta.get('samples')} 个样本 × {seeds} 个种子 = {runs} 次运行，"
                f"规模 {meta.get('scale')}，共同随机数"
                if lang == "zh" else
                f"{what}: {meta.get('samples')} samples × {len(meta.get('seeds', []))} seeds = {runs} runs, "
                f"scale {meta.get('scale')}, common random numbers")
        fig.text(0.01, -0.02, note, fontsize=7.5, color="#555555", ha="left", va="top")
    fig.tight_layout()
    return _save(fig, path)


def plot_attribution(split: pd.DataFrame, interactions: pd.DataFrame, outcomes: Sequence[str], path: Path,
                     lang: str = "en", meta: dict | None = None) -> list[Path]:
    """Waterfall of the package's effect per outcome: each element's Shapley value with bands."""
    from lingtouyan.analysis.attribution import ELEMENTS, LABELS

    style(lang)
    n = len(outcomes)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 3.4 * rows), squeeze=False)
    order = [*ELEMENTS, "residual"]
    for k, name in enumerate(outcomes):
        ax = axes[k // cols][k % cols]
        t = split[split["outcome"] == name].set_index("element")
        scale, unit = _unit_scale(name, lang)
        start = 0.0
        for i, element in enumerate([*order, "total"]):
            r = t.loc[element]
            value = r["shapley"] / scale
            if element == "total":
                bottom, height, colour = 0.0, value, "#333333"
            else:
                bottom, height = start, value
                colour = "#2a7f62" if value < 0 else "#b5452b"
                start += value
            ax.bar(i, height, bottom=bottom, color=colour, width=0.62,
                   alpha=0.55 if element == "residual" else 1.0)
            lo, hi = r["seed_p05"] / scale, r["seed_p95"] / scale
            top = bottom + height
            if np.isfinite(lo):
                ax.errorbar(i, top, yerr=[[max(value - lo, 0)], [max(hi - value, 0)]], color="black",
                            capsize=3, linewidth=0.9)
            if np.isfinite(r["draw_p05"]):
                dlo, dhi = r["draw_p05"] / scale, r["draw_p95"] / scale
                ax.errorbar(i + 0.2, top, yerr=[[max(value - dlo, 0)], [max(dhi - value, 0)]],
                            color="#9a3fb5", capsize=2, linewidth=0.9, linestyle="none")
        ax.axhline(0, color="#888888", linewidth=0.6)
        ax.set_xticks(range(len(order) + 1))
        ax.set_xticklabels([LABELS[lang][e] for e in [*order, "total"]], rotation=30, ha="right")
        ax.set_title(OUTCOMES[name].label(lang), fontsize=9)
        ax.set_ylabel(unit)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="black", marker="_",
                      label="90% 种子区间" if lang == "zh" else "90% band over seeds")]
    if meta and meta.get("draws"):
        handles.append(Line2D([], [], color="#9a3fb5", marker="_",
                              label="90% 参数抽样区间" if lang == "zh" else "90% band over parameter draws"))
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, -0.02))
    if meta:
        note = (f"精确 Shapley 分解：{meta['coalitions']} 个组合 × {len(meta['seeds'])} 个配对种子"
                + (f"，{meta['draws']} 次参数抽样" if meta.get("draws") else "") + f"；规模 {meta['scale']}"
                if lang == "zh" else
                f"Exact Shapley split: {meta['coalitions']} coalitions × {len(meta['seeds'])} paired seeds"
                + (f", {meta['draws']} parameter draws × {len(meta['draw_seeds'])} seed(s)"
                   if meta.get("draws") else "")
                + f"; scale {meta['scale']}; total = as reported − no 一定三有")
        fig.text(0.01, -0.06, note, fontsize=7.5, color="#555555", ha="left", va="top")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return _save(fig, path)


def _unit_scale(name: str, lang: str) -> tuple[float, str]:
    """Divisor and axis unit of an outcome's differences."""
    zh = lang == "zh"
    if name.endswith("yuan_per_year"):
        return 1e8, "亿元/年" if zh else "100 million yuan / year"
    if name.endswith("_rate_per_year"):
        return 0.01, "百分点/年" if zh else "percentage points per year"
    if name.endswith(("_share", "_rate")):
        return 0.01, "百分点" if zh else "percentage points"
    return 1.0, ""


def plot_cost(curves: pd.DataFrame, frontier: pd.DataFrame | None, effect: str, path: Path,
              lang: str = "en", meta: dict | None = None) -> list[Path]:
    """Cost-effectiveness: each lever's effect against its fiscal cost, and the budget frontier."""
    from lingtouyan.analysis.cost import LEVER_LABELS

    style(lang)
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    xlabel = ("新增财政支出（百万元/年，对数轴）" if lang == "zh"
              else "added fiscal cost (million yuan / year, log scale)")
    ax = axes[0]
    for i, (lever, t) in enumerate(curves.groupby("lever", sort=False)):
        t = t.sort_values("value")
        t = t[t["delta_cost"] > 0]  # the base costs nothing extra: no place on a log axis
        if t.empty:
            continue
        c = colours[i % len(colours)]
        x = t["delta_cost"] / 1e6
        ax.plot(x, t[f"{effect}_gain"], marker="o", markersize=3.5, color=c,
                label=LEVER_LABELS[lang].get(lever, lever))
        ax.fill_between(x, t[f"{effect}_gain_p05"], t[f"{effect}_gain_p95"], color=c, alpha=0.15, linewidth=0)
    if frontier is not None and not frontier.empty:
        f = frontier[frontier["cost"] > 0]
        ax.step(f["cost"] / 1e6, f["gain"], where="post", color="black", linewidth=1.1, linestyle="--",
                label="预算前沿（组合，可加近似）" if lang == "zh" else "budget frontier (mixes, additive)")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_gain_label(effect, lang))
    ax.legend(frameon=False, fontsize=7.5, loc="upper left")
    ax.grid(color="#eeeeee", linewidth=0.6, which="both")
    title = "效果与成本（各杠杆取值范围）" if lang == "zh" else "Effect against cost, over each lever's range"
    ax.set_title(title, fontsize=9)

    ax = axes[1]
    for i, (lever, t) in enumerate(curves.groupby("lever", sort=False)):
        t = t.sort_values("value")
        t = t[(t[f"{effect}_gain"] > 0) & (t["delta_cost"] > 0)]
        if t.empty:
            continue
        ratio = t["delta_cost"] / t[f"{effect}_gain"]
        ax.plot(t["delta_cost"] / 1e6, ratio / 1e4, marker="o", markersize=3.5,
                color=colours[i % len(colours)], label=LEVER_LABELS[lang].get(lever, lever))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_ratio_label(effect, lang))
    ax.grid(color="#eeeeee", linewidth=0.6, which="both")
    ax.legend(frameon=False, fontsize=7.5, loc="upper left")
    ax.set_title("平均成本" if lang == "zh" else "Average cost per unit of effect", fontsize=9)
    if meta:
        if lang == "zh":
            note = (f"{meta['runs']} 次运行：每个杠杆 {meta['levels']} 个取值 × {len(meta['seeds'])} 个配对种子，"
                    f"规模 {meta['scale']}；阴影为种子 90% 区间；"
                    f"成本与效果为 {meta['window'][0]}–{meta['window'][1]} "
                    "的平均值，相对于各杠杆取最低值的基准。模型不计乡镇岗位的成本；离任补助在离任后才支付。")
        else:
            note = (f"{meta['runs']} runs: {meta['levels']} values per lever × {len(meta['seeds'])} paired seeds, "
                    f"scale {meta['scale']}; bands: 90% over seeds; costs and effects averaged over "
                    f"{meta['window'][0]}..{meta['window'][1]}, against every lever at its lowest value. "
                    "The model "
                    "counts no cost for township posts, and pays departure subsidies only after departure.")
        fig.text(0.01, -0.02, note, fontsize=7.5, color="#555555", ha="left", va="top", wrap=True)
    fig.tight_layout()
    return _save(fig, path)


def _gain_label(effect: str, lang: str) -> str:
    return {
        "quits_per_year": ("每年减少的辞职人数", "quits avoided per year"),
        "vacancies": ("减少的空缺岗位（个）", "vacant posts filled"),
        "enterprise_coverage_share": ("企业党组织覆盖率提高（百分点）", "enterprise coverage gained (points)"),
    }[effect][0 if lang == "zh" else 1]


def _ratio_label(effect: str, lang: str) -> str:
    return {
        "quits_per_year": ("每减少一人辞职的成本（万元/年）", "cost per quit avoided (10,000 yuan / year)"),
        "vacancies": ("每填补一个空缺的成本（万元/年）", "cost per vacancy filled (10,000 yuan / year)"),
        "enterprise_coverage_share": ("每百分点覆盖率的成本（万元/年）",
                                      "cost per point of coverage (10,000 yuan / year)"),
    }[effect][0 if lang == "zh" else 1]
