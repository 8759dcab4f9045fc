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
#: Colour of a factor by what it is: a lever (its value from the reports, or assumed), or a
#: calibrated or assumed parameter of the world.
CLASS_COLOURS = {"lever_source": "#1b6ca8", "lever_assumed": "#8cb8dc", "calibrated": "#e08b1f",
                 "assumed": "#7a7a7a"}
CLASS_LABELS = {"en": {"lever_source": "lever, value from the reports", "lever_assumed": "lever, value assumed",
                       "calibrated": "calibrated", "assumed": "assumed parameter"},
                "zh": {"lever_source": "政策杠杆（报告取值）", "lever_assumed": "政策杠杆（假定取值）",
                       "calibrated": "校准参数", "assumed": "假定参数"}}
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


def factor_class(key: str, status: str) -> str:
    """``lever_source``, ``lever_assumed``, ``calibrated`` or ``assumed`` (a calibrated lever counts as calibrated)."""
    if status == "calibrated":
        return "calibrated"
    if key.startswith("policy."):
        return "lever_source" if status == "source" else "lever_assumed"
    return "assumed"


def _class_legend(fig, classes: Sequence[str], lang: str) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=CLASS_COLOURS[c], label=CLASS_LABELS[lang][c]) for c in CLASS_COLOURS if c in classes]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, 1.0))


def plot_sensitivity(indices: pd.DataFrame, method: str, outcomes: Sequence[str], path: Path,
                     lang: str = "en", meta: dict | None = None) -> list[Path]:
    """Indices per factor, one panel per outcome: Morris μ* (± 95%) or Sobol S1 and ST (± 95%)."""
    style(lang)
    n = len(outcomes)
    factors = indices["factor"].unique()
    cols = 2 if n == 4 else n
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols + 2.0, (0.36 * len(factors) + 1.4) * rows),
                             squeeze=False)
    for k, name in enumerate(outcomes):
        ax = axes[k // cols][k % cols]
        t = indices[indices["outcome"] == name].copy()
        key = "mu_star" if method == "morris" else "ST"
        t = t.sort_values(key)
        y = np.arange(len(t))
        colours = [CLASS_COLOURS[factor_class(f, st)] for f, st in zip(t["factor"], t["status"], strict=True)]
        if method == "morris":
            scale, unit = _unit_scale(name, lang)
            ax.barh(y, t["mu_star"] / scale, xerr=t["mu_star_conf"] / scale, color=colours, height=0.65,
                    error_kw={"elinewidth": 0.8, "capsize": 2})
            ax.set_xlabel(("μ*（平均绝对基本效应" if lang == "zh" else "μ* (mean |elementary effect|")
                          + (f", {unit})" if lang != "zh" and unit else f"，{unit}）" if unit else
                             ("）" if lang == "zh" else ")")))
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
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    _class_legend(fig, {factor_class(k, st) for k, st in zip(indices["factor"], indices["status"], strict=True)},
                  lang)
    if meta:
        runs = meta.get("runs")
        what = ("Morris" if method == "morris" else "Sobol'")
        seeds = len(meta.get("seeds", []))
        ci = "；误差线为 95% 自助法置信区间" if lang == "zh" else "; error bars: 95% bootstrap confidence intervals"
        if method == "sobol":
            ci += ("；S1 为负时画作 0" if lang == "zh" else "; a negative S1 is drawn at 0")
        note = (f"{what}：{meta.get('samples')} 个样本 × {seeds} 个种子 = {runs} 次运行，"
                f"规模 {meta.get('scale')}，共同随机数{ci}"
                if lang == "zh" else
                f"{what}: {meta.get('samples')} samples × {seeds} seeds = {runs} runs, "
                f"scale {meta.get('scale')}, common random numbers{ci}")
        _footer(fig, note, meta)
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
    residual = split[split["element"] == "residual"]
    has_residual = bool((residual["shapley"].abs() > 0).any()) if not residual.empty else False
    order = [*ELEMENTS, *(["residual"] if has_residual else [])]
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
                colour = DOWN if value < 0 else UP
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
    from matplotlib.patches import Patch

    handles = [Patch(color=DOWN, label="降低" if lang == "zh" else "decrease"),
               Patch(color=UP, label="提高" if lang == "zh" else "increase"),
               Line2D([], [], color="black", marker="_",
                      label="90% 种子区间" if lang == "zh" else "90% band over seeds")]
    if meta and meta.get("draws"):
        handles.append(Line2D([], [], color="#9a3fb5", marker="_",
                              label="90% 参数抽样区间" if lang == "zh" else "90% band over parameter draws"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 1.0))
    if meta:
        note = (f"精确 Shapley 分解：{meta['coalitions']} 个组合 × {len(meta['seeds'])} 个配对种子"
                + (f"，{meta['draws']} 次参数抽样" if meta.get("draws") else "") + f"；规模 {meta['scale']}"
                if lang == "zh" else
                f"Exact Shapley split: {meta['coalitions']} coalitions × {len(meta['seeds'])} paired seeds"
                + (f", {meta['draws']} parameter draws × {len(meta['draw_seeds'])} seed(s)"
                   if meta.get("draws") else "")
                + f"; scale {meta['scale']}; total = as reported − no 一定三有")
        _footer(fig, note, meta)
    fig.tight_layout()
    return _save(fig, path)


#: Waterfall colours: a fall and a rise (neutral: whether a rise is good depends on the outcome).
DOWN, UP = "#3b6fb6", "#d08a2e"


def _unit_scale(name: str, lang: str) -> tuple[float, str]:
    """Divisor and axis unit of an outcome's differences."""
    zh = lang == "zh"
    if name.endswith("yuan_per_year"):
        return 1e8, "亿元/年" if zh else "100 million yuan / year"
    if name.endswith("_percent"):
        return 1.0, "百分点" if zh else "percentage points"
    if name.endswith("_rate_per_year"):
        return 0.01, "百分点/年" if zh else "percentage points per year"
    if name.endswith(("_share", "_rate")):
        return 0.01, "百分点" if zh else "percentage points"
    return 1.0, ""


def plot_cost(curves: pd.DataFrame, frontier: pd.DataFrame | None, effect: str, path: Path,
              lang: str = "en", meta: dict | None = None, check: pd.DataFrame | None = None) -> list[Path]:
    """Cost-effectiveness, one column per effect (quits, vacancies, enterprise coverage).

    Top row: each lever's effect against its added fiscal cost over its range
    (bands: 90% over seeds), with the budget frontier of additive mixes and
    the mixes run jointly on the panel of ``effect``. Bottom row: the average
    cost per unit of effect. A lever that does not move an effect is left out
    of that column.
    """
    from lingtouyan.analysis.cost import EFFECTS, LEVER_LABELS

    style(lang)
    zh = lang == "zh"
    effects = list(EFFECTS)
    fig, axes = plt.subplots(2, len(effects), figsize=(4.3 * len(effects), 7.4), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    levers = list(curves["lever"].drop_duplicates())
    colour = {lv: colours[i % len(colours)] for i, lv in enumerate(levers)}
    xlabel = "新增财政支出（百万元/年，对数轴）" if zh else "added fiscal cost (million yuan / year, log scale)"
    drawn: dict[str, object] = {}
    free = []  # levers that move an effect at no added cost: no place on a log cost axis
    for j, name in enumerate(effects):
        top, bottom = axes[0][j], axes[1][j]
        largest = curves[f"{name}_gain"].abs().max()
        ratios = []
        for lever, t in curves.groupby("lever", sort=False):
            t = t.sort_values("value")
            if not t[f"{name}_gain"].abs().max() >= RELEVANT * largest or largest == 0:
                continue  # the lever does not move this effect (beyond noise)
            t = t.iloc[1:]  # the base costs nothing extra: no place on a log axis
            if not (t["delta_cost"] > 0).all():
                # Its added cost is not positive over the range: noise around nothing.
                last = t.iloc[-1]
                free.append((lever, name, last[f"{name}_gain"], last["delta_cost"]))
                continue
            x = t["delta_cost"] / 1e6
            (line,) = top.plot(x, t[f"{name}_gain"], marker="o", markersize=3.5, color=colour[lever])
            drawn.setdefault(lever, line)
            top.fill_between(x, t[f"{name}_gain_p05"], t[f"{name}_gain_p95"], color=colour[lever], alpha=0.15,
                             linewidth=0)
            ok = t[t[f"{name}_gain"] > 0]
            if not ok.empty:
                ratio = ok["delta_cost"] / ok[f"{name}_gain"] / 1e4
                ratios += list(ratio)
                bottom.plot(ok["delta_cost"] / 1e6, ratio, marker="o", markersize=3.5, color=colour[lever])
        if name == effect and frontier is not None and not frontier.empty:
            f = frontier[frontier["cost"] > 0]
            (line,) = top.step(f["cost"] / 1e6, f["gain"], where="post", color="black", linewidth=1.0,
                               linestyle="--")
            drawn["_frontier"] = line
            if check is not None and not check.empty:
                err = [check["simulated_gain"] - check["simulated_gain_p05"],
                       check["simulated_gain_p95"] - check["simulated_gain"]]
                points = top.errorbar(check["simulated_cost"] / 1e6, check["simulated_gain"], yerr=err,
                                      fmt="D", markersize=4, color="black", capsize=2, linewidth=0.8)
                drawn["_check"] = points
        top.axhline(0, color="#999999", linewidth=0.6)
        for ax in (top, bottom):
            ax.set_xscale("log")
            _plain_log_ticks(ax.xaxis)
            ax.grid(color="#eeeeee", linewidth=0.6, which="both")
            ax.set_xlabel(xlabel)
        if ratios and min(ratios) > 0 and max(ratios) / min(ratios) > 3:  # a narrow range reads better linear
            bottom.set_yscale("log")
            _plain_log_ticks(bottom.yaxis)
        top.set_ylabel(_gain_label(name, lang))
        bottom.set_ylabel(_ratio_label(name, lang))
        top.set_title(_gain_label(name, lang).capitalize() if not zh else _gain_label(name, lang), fontsize=9)
    labels = {lv: LEVER_LABELS[lang].get(lv, lv) for lv in levers}
    labels["_frontier"] = "预算前沿（各杠杆效果相加）" if zh else "budget frontier (lever effects added up)"
    labels["_check"] = "前沿上的组合，联合模拟（种子 90% 区间）" if zh else "frontier mixes run jointly (90% over seeds)"
    keys = [k for k in [*levers, "_frontier", "_check"] if k in drawn]
    fig.legend([drawn[k] for k in keys], [labels[k] for k in keys], loc="upper center", ncol=4,
               frameon=False, fontsize=8, bbox_to_anchor=(0.5, 1.06))
    if meta:
        if zh:
            note = (f"{meta['runs']} 次运行：每个杠杆 {meta['levels']} 个取值 × {len(meta['seeds'])} 个配对种子，"
                    f"规模 {meta['scale']}；阴影为种子 90% 区间；成本与效果为 {meta['window'][0]}–{meta['window'][1]} "
                    "的平均值，相对于各杠杆取最低值的基准。模型不计乡镇岗位的成本；离任补助在离任后才支付。")
        else:
            note = (f"{meta['runs']} runs: {meta['levels']} values per lever × {len(meta['seeds'])} paired seeds, "
                    f"scale {meta['scale']}; bands: 90% over seeds; costs and effects averaged over "
                    f"{meta['window'][0]}..{meta['window'][1]}, against every lever at its lowest value. The model "
                    "counts no cost for township posts, and pays departure subsidies only after departure.")
        note += (f"\n一个杠杆的效果不到该列最大效果的 {RELEVANT:.0%} 时不画入该列。" if zh else
                 f"\nA lever is left out of a column where its effect stays below {RELEVANT:.0%} of the largest there.")
        for lever in dict.fromkeys(f[0] for f in free):
            label = LEVER_LABELS[lang].get(lever, lever)
            mine = [f for f in free if f[0] == lever]
            gains = ("，" if zh else ", ").join(f"{_gain_label(name, lang)} {gain:+,.0f}" for _, name, gain, _ in mine)
            delta = mine[0][3]
            note += (f"\n{label}的新增成本在其范围内不全为正（在零附近波动），不在对数成本轴上；范围上端：{gains}，"
                     f"成本变化 {delta / 1e6:+.1f} 百万元/年。" if zh else
                     f"\n{label}: no added cost over its range (it varies around zero), so not on the log cost axes; "
                     f"at the top of its range {gains}, at a cost change of {delta / 1e6:+.1f} million yuan / year.")
        _footer(fig, note, meta)
    fig.tight_layout()
    return _save(fig, path)


#: A lever is drawn in a cost column only where its effect reaches this share of the largest there.
RELEVANT = 0.05


def _plain_log_ticks(axis) -> None:
    """Log-axis ticks as plain numbers: at 1, 2 and 5 per decade over a short span, else at each decade."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    low, high = axis.get_view_interval()
    short = low > 0 and np.log10(high / low) <= 2.5
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if short else (1.0,)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _command(meta: dict) -> str:
    """The command that made a figure, without its output and job directories."""
    argv, out, skip = list(meta.get("argv") or []), [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--out", "--sweep-dir", "--figures"):
            skip = True
            continue
        if arg.startswith(("--out=", "--sweep-dir=", "--figures=")):
            continue
        out.append(arg)
    return " ".join(out)


def _footer(fig, note: str, meta: dict) -> None:
    """The figure's note and the command that made it, below the panels."""
    command = _command(meta)
    text = note + (f"\n{command}" if command else "")
    fig.text(0.01, -0.01, text, fontsize=7.5, color="#555555", ha="left", va="top", wrap=True)


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
