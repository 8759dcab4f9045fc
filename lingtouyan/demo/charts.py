"""The page's pictures as Altair charts: the village map and the outcome panels.

Charts are built from plain arrays and tables: the village table of
:mod:`lingtouyan.demo.state` for the map, the wide outcome table (one row per
month) of the current run and of the "as reported" reference run for the
panels, and the reported figures of ``sim/data/targets.yaml`` as markers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from lingtouyan._labels import UNITS, measure_label, word
from lingtouyan.demo.labels import FONT_FAMILY, text
from lingtouyan.demo.layout import MapLayout
from lingtouyan.demo.state import STATES, VillageTable

#: Colour of each secretary state (colour-blind safe, after Okabe and Ito).
STATE_COLOURS = {"capable": "#009e73", "weak": "#b9dfc9", "vacant": "#d55e00",
                 "just_promoted": "#0072b2", "just_quit": "#e69f00"}
FONT_SIZE = 14
TITLE_SIZE = 16
#: Side of a province's tile on the map, in pixels.
TILE = 66


@dataclass(frozen=True)
class Panel:
    """One outcome panel.

    Attributes:
        key: The panel's name; a page label key (:mod:`lingtouyan.demo.labels`) for a panel of
            several lines, whose lines are named by their measure.
        measures: The measure of each line; its name comes from ``lingtouyan._labels.MEASURES``.
        unit: Unit of the values shown, a key of ``lingtouyan._labels.UNITS``.
        factor: Multiplier of the measure for display (100 for percentages).
        national: The values are national totals (the model's counts scaled up).
        cumulative_from: Sum the monthly flow from this month on (``YYYY-MM``), or None.
        smooth_months: Moving average over this many months (1: none).
    """

    key: str
    measures: tuple[str, ...]
    unit: str
    factor: float = 1.0
    national: bool = False
    cumulative_from: str | None = None
    smooth_months: int = 1

    def title(self, lang: str) -> str:
        """The panel's title in ``lang``: its measure's name (or the panel's) and the unit."""
        name = measure_label(self.measures[0], lang) if len(self.measures) == 1 else text(self.key, lang)
        unit = UNITS[self.unit][0 if lang == "en" else 1]
        if self.national:
            unit += "，" + word("national", lang) if lang == "zh" else ", " + word("national", lang)
        return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


CHANNEL_KEYS = ("township_leadership", "civil_service", "institution")
EXIT_KEYS = ("village_post", "civil_service", "own_business", "other_job", "further_study",
             "township_leadership", "early_quit")
PANELS = (
    Panel("quit_rate", ("secretary_quit_rate_per_year",), "rate_year", 100.0, smooth_months=12),
    Panel("vacancy", ("secretary_vacancy_rate",), "share", 100.0),
    Panel("entrant_age", ("secretary_entrant_age_years",), "age"),
    Panel("entrant_college", ("secretary_entrant_college_share",), "share", 100.0),
    Panel("promotions", tuple(f"promotions_{c}_per_month" for c in CHANNEL_KEYS), "people", national=True,
          cumulative_from="2009-01"),
    Panel("cgvo_in_post", ("cgvo_in_post",), "people", national=True),
    Panel("cgvo_exits", tuple(f"cgvo_exits_{r}_cumulative" for r in EXIT_KEYS), "people", national=True),
    Panel("enterprise_coverage", ("enterprise_coverage_share",), "share", 100.0),
)
#: Every measure the panels plot (what the page reads of a run).
PANEL_MEASURES = tuple(m for panel in PANELS for m in panel.measures)


def _month_start(dates: Sequence[str]) -> list[str]:
    return [f"{d}-01" for d in dates]


def panel_lines(panel: Panel, wide: pd.DataFrame) -> list[tuple[str, list[str], np.ndarray]]:
    """The panel's lines from a wide outcome table: ``(measure, dates, values in display units)``."""
    dates = list(wide.index)
    lines = []
    for measure in panel.measures:
        if measure not in wide:
            continue
        values = wide[measure].to_numpy(float)
        if panel.cumulative_from is not None:
            counted = np.asarray([d >= panel.cumulative_from for d in dates], bool)
            values = np.where(counted, np.cumsum(np.where(counted, values, 0.0)), np.nan)
        if panel.smooth_months > 1 and len(values):
            filled = np.nan_to_num(values)
            present = np.isfinite(values).astype(float)
            window = np.ones(panel.smooth_months)
            total = np.convolve(filled, window)[:len(values)]
            count = np.convolve(present, window)[:len(values)]
            values = np.divide(total, count, out=np.full(len(values), np.nan), where=count > 0)
        lines.append((measure, dates, values * panel.factor))
    return lines


def panel_values(panel: Panel, wide: pd.DataFrame) -> pd.DataFrame:
    """The panel's lines as a table: ``date`` (first day of the month), ``line`` (the measure), ``value``."""
    rows = [(f"{d}-01", measure, v) for measure, dates, values in panel_lines(panel, wide)
            for d, v in zip(dates, values.tolist(), strict=True) if math.isfinite(v)]
    return pd.DataFrame(rows, columns=["date", "line", "value"])


def _line_records(panel: Panel, wide: pd.DataFrame, lang: str) -> list[dict]:
    out = []
    for measure, dates, values in panel_lines(panel, wide):
        label = measure_label(measure, lang)
        out += [{"date": f"{d}-01", "label": label, "value": v}
                for d, v in zip(dates, values.tolist(), strict=True) if math.isfinite(v)]
    return out


@functools.cache
def _targets():
    from sim.calibration.targets import load_targets

    return tuple(load_targets())


def panel_targets(panel: Panel) -> pd.DataFrame:
    """Reported figures the panel can show: ``date, line`` (the measure), ``value, low, high, id``.

    A stock is marked at its date; a flow is marked at the end of its window
    when the panel sums the flow from the window's start.
    """
    rows = []
    for measure in panel.measures:
        for t in _targets():
            if t.measure != measure:
                continue
            if t.statistic == "stock" and panel.cumulative_from is None and panel.smooth_months == 1:
                date = t.date
            elif t.statistic == "flow" and t.start == panel.cumulative_from:
                date = t.end
            else:
                continue
            low, high = t.interval
            point = t.point
            rows.append({"date": f"{date}-01", "line": measure, "value": point * panel.factor,
                         "low": (low if math.isfinite(low) else point) * panel.factor,
                         "high": (high if math.isfinite(high) else point) * panel.factor, "id": t.id})
    return pd.DataFrame(rows, columns=["date", "line", "value", "low", "high", "id"])


@functools.lru_cache(maxsize=16)
def outcome_template(lang: str, start: str, end: str, width: int = 220, height: int = 125,
                     columns: int = 2) -> dict:
    """The Vega-Lite spec of the outcome panels, its data left to name (``p<i>_run``, ``_ref``, ``_target``).

    This run is solid, the reference run faint and dashed, reported figures
    black diamonds with their interval.
    """
    domain = [f"{start}-01", f"{end}-01"]
    x = alt.X("date:T", title=None, scale=alt.Scale(domain=domain),
              axis=alt.Axis(format="%Y", tickCount="year", labelFontSize=FONT_SIZE - 1,
                            labelFlush=False))  # centred under its tick: 2008 does not run into 2009
    y = alt.Y("value:Q", title=None, axis=alt.Axis(labelFontSize=FONT_SIZE - 1, format="~s"),
              scale=alt.Scale(zero=False))
    tip = [alt.Tooltip("date:T", format="%Y-%m", title=text("date", lang)),
           alt.Tooltip("label:N", title=text("series", lang)),
           alt.Tooltip("value:Q", format=",.3~r", title=text("value", lang))]
    charts = []
    for i, panel in enumerate(PANELS):  # layers named: their marks have the class p<i>_run_marks ...
        if len(panel.measures) > 1:
            colour = alt.Color("label:N", scale=alt.Scale(domain=[measure_label(m, lang) for m in panel.measures]),
                               legend=alt.Legend(title=None, orient="bottom", columns=2,
                                                 labelFontSize=FONT_SIZE - 2, symbolSize=120,
                                                 labelLimit=220))
        else:
            colour = alt.value("#1f4e79")
        ref = alt.Chart(alt.Data(name=f"p{i}_ref"), name=f"p{i}_ref").mark_line(strokeWidth=2, opacity=0.35,
                                                             strokeDash=[5, 3]).encode(
            x=x, y=y, color=colour, detail="label:N")
        run = alt.Chart(alt.Data(name=f"p{i}_run"), name=f"p{i}_run").mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=colour, detail="label:N", tooltip=tip)
        layers = [ref, run]
        marks = alt.Chart(alt.Data(name=f"p{i}_target"))
        rule = marks.mark_rule(strokeWidth=2, color="#222").encode(x=x, y="low:Q", y2="high:Q")
        diamond = marks.mark_point(shape="diamond", size=120, filled=True, color="#222", opacity=1,
                                   stroke="white", strokeWidth=1).encode(
            x=x, y="value:Q", tooltip=[alt.Tooltip("label:N", title=text("reported", lang)),
                                       alt.Tooltip("value:Q", format=",.4~r", title=text("value", lang)),
                                       alt.Tooltip("date:T", format="%Y-%m", title=text("date", lang))])
        if len(panel_targets(panel)):
            layers += [rule, diamond]
        charts.append(alt.layer(*layers).properties(
            width=width, height=height,
            title=alt.TitleParams(wrap(panel.title(lang), width, TITLE_SIZE - 1), fontSize=TITLE_SIZE - 1,
                                  anchor="start")))
    rows = [alt.hconcat(*charts[i:i + columns], spacing=28) for i in range(0, len(charts), columns)]
    chart = alt.vconcat(*rows, spacing=18).resolve_scale(color="independent").resolve_legend(
        color="independent")
    # Lines are few: drawn as SVG, their paths are part of the page (a browser test reads them).
    return to_spec(_configure(chart), renderer="svg")


def outcome_spec(run: pd.DataFrame, reference: pd.DataFrame | None, lang: str, start: str,
                 end: str) -> dict:
    """The outcome panels' spec with this run's, the reference run's and the reported figures' data."""
    spec = dict(outcome_template(lang, start, end))
    datasets = {}
    fixed = _fixed_records(reference, lang)
    for i, panel in enumerate(PANELS):
        datasets[f"p{i}_run"] = _line_records(panel, run, lang)
        datasets.update({f"p{i}_ref": fixed[i][0], f"p{i}_target": fixed[i][1]})
    spec["datasets"] = datasets
    empty = {f"p{i}_run" for i in range(len(PANELS)) if not datasets[f"p{i}_run"]}
    if empty:
        spec["vconcat"] = _without_layers(spec["vconcat"], empty)
    return spec


def _without_layers(node, names: set[str]):
    """``node`` (a part of a spec) without the layers named in ``names``; the template is not changed.

    A line with no value yet (before the first month, or a sum that starts
    in 2009) is left out of its panel: Vega warns of an empty scale domain.
    """
    if isinstance(node, list):
        return [_without_layers(n, names) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _without_layers(v, names) if k in ("vconcat", "hconcat") else v for k, v in node.items()}
    if "layer" in node:
        out["layer"] = [layer for layer in node["layer"] if layer.get("name") not in names]
    return out


_fixed_cache: dict[tuple[int, str], tuple] = {}


def _fixed_records(reference: pd.DataFrame | None, lang: str) -> tuple:
    """Records of the reference run and the reported figures, per panel (computed once per run)."""
    key = (id(reference), lang)
    if key not in _fixed_cache or _fixed_cache[key][0] is not reference:
        out = []
        for panel in PANELS:
            ref = [] if reference is None else _line_records(panel, reference, lang)
            marks = panel_targets(panel)
            targets = [dict(r, label=measure_label(r["line"], lang)) for r in marks.to_dict("records")]
            out.append((ref, targets))
        _fixed_cache[key] = (reference, tuple(out))
    return _fixed_cache[key][1]


@functools.lru_cache(maxsize=16)
def map_template(lang: str, width: float, height: float, tile: int = TILE) -> dict:
    """The Vega-Lite spec of the village map; data named ``tiles``, ``villages``, ``cgvo``, ``chosen``.

    ``width`` and ``height`` are the map's extent in tiles, ``tile`` a tile's side in pixels.
    """
    scale_x = alt.Scale(domain=[0, width], nice=False, zero=False)
    scale_y = alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True)
    x = alt.X("x:Q", scale=scale_x, axis=None)
    y = alt.Y("y:Q", scale=scale_y, axis=None)
    state_labels = [text(s, lang) for s in STATES]
    tooltip = [alt.Tooltip("province:N", title=text("province", lang)),
               alt.Tooltip("county:Q", title=text("county", lang)),
               alt.Tooltip("state:N", title=text("state", lang)),
               alt.Tooltip("age:Q", title=text("age", lang)),
               alt.Tooltip("tenure:Q", title=text("tenure", lang)),
               alt.Tooltip("pay:Q", format=",.0f", title=text("pay", lang)),
               alt.Tooltip("post_value:Q", format=",.0f", title=text("post_value", lang)),
               alt.Tooltip("origin:N", title=text("origin", lang)),
               alt.Tooltip("cgvo:N", title=text("cgvo", lang))]
    tiles = alt.Chart(alt.Data(name="tiles"))
    tile_layer = tiles.mark_rect(fill="#f3f1ec", stroke="#b9b4a8", strokeWidth=1).encode(
        x=x, x2="x2:Q", y=y, y2="y2:Q")
    # In the band above its tile; a name longer than the tile is cut short, never over its neighbour.
    name_layer = tiles.mark_text(align="left", baseline="bottom", dy=-2, color="#333",
                                 limit=round(tile * 0.98)).encode(
        x=x, y=y, text="name:N", size=alt.Size("font:Q", scale=None, legend=None),
        tooltip=[alt.Tooltip("province:N", title=text("province", lang)),
                 alt.Tooltip("villages:Q", title=text("villages", lang))])
    colour = alt.Color("state:N", scale=alt.Scale(domain=state_labels,
                                                  range=[STATE_COLOURS[s] for s in STATES]),
                       legend=alt.Legend(title=text("state", lang), orient="bottom", direction="horizontal",
                                         labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, symbolSize=220,
                                         symbolType="square", symbolStrokeWidth=0))
    size = alt.Size("size:Q", scale=None, legend=None)
    village_layer = alt.Chart(alt.Data(name="villages")).mark_square(opacity=1).encode(
        x=x, y=y, color=colour, size=size, tooltip=tooltip)
    cgvo_layer = alt.Chart(alt.Data(name="cgvo")).mark_point(filled=True, opacity=1).encode(
        x=x, y=y, color=alt.value("#222"), size=alt.Size("dot:Q", scale=None, legend=None), tooltip=tooltip,
        shape=alt.Shape("mark:N", scale=alt.Scale(domain=[text("cgvo_mark", lang)], range=["circle"]),
                        legend=alt.Legend(title=None, orient="bottom", labelFontSize=FONT_SIZE,
                                          symbolFillColor="#222", symbolStrokeColor="#222", symbolSize=80)))
    chosen_layer = alt.Chart(alt.Data(name="chosen")).mark_point(
        size=400, strokeWidth=3, color="#000", filled=False).encode(x=x, y=y)
    chart = alt.layer(tile_layer, name_layer, village_layer, cgvo_layer, chosen_layer).properties(
        width=round(tile * width), height=round(tile * height),
        title=alt.TitleParams(text("map_title", lang),
                              subtitle=wrap(text("map_note", lang), tile * width, FONT_SIZE),
                              fontSize=TITLE_SIZE + 2, subtitleFontSize=FONT_SIZE, anchor="start"))
    return to_spec(_configure(chart.resolve_legend(color="independent", shape="independent")))


def map_spec(table: VillageTable, layout: MapLayout, names: Sequence[str], lang: str,
             details: dict[str, np.ndarray], selected: int | None = None, tile: int = TILE) -> dict:
    """The village map's spec with this month's villages."""
    from lingtouyan.demo.state import STATE
    from sim.agents.secretary import ORIGINS

    spec = dict(map_template(lang, layout.width, layout.height, tile))
    size = np.round(np.maximum(4.0, (tile * layout.pitch) ** 2 * 0.8), 1)
    state_labels = np.asarray([text(s, lang) for s in STATES], dtype=object)
    filled = table.state != STATE["vacant"]
    origin = np.asarray([text(o, lang) for o in ORIGINS], dtype=object)[details["origin"]]
    yes_no = np.asarray([text("no", lang), text("yes", lang)], dtype=object)
    none = np.where(filled, 0.0, np.nan)
    columns = {
        "x": np.round(layout.x, 3).tolist(), "y": np.round(layout.y, 3).tolist(),
        "village": list(range(len(table))), "state": state_labels[table.state].tolist(),
        "province": np.asarray(names, dtype=object)[table.province].tolist(),
        "county": table.county.tolist(), "cgvo": yes_no[table.cgvo.astype(int)].tolist(),
        "age": _or_none(np.round(details["age"] + none, 1)),
        "tenure": _or_none(np.round(details["tenure"] + none, 1)),
        "pay": _or_none(np.round(details["pay"] + none, -1)),
        "post_value": _or_none(np.round(details["post_value"] + none, -1)),
        "origin": np.where(filled, origin, "").tolist(), "size": size.tolist(),
    }
    keys = list(columns)
    records = [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    mark = text("cgvo_mark", lang)
    cgvo = [dict(r, mark=mark, dot=max(3.0, r["size"] * 0.22))
            for r, c in zip(records, table.cgvo, strict=True) if c]
    chosen = [records[selected]] if selected is not None and 0 <= selected < len(records) else []
    tiles = [{"x": float(tx), "y": float(ty), "x2": float(tx + layout.tile_size),
              "y2": float(ty + layout.tile_size), "province": name, "villages": count,
              **tile_label(name, count, tile * layout.tile_size)}
             for tx, ty, name, count in zip(layout.tile_x, layout.tile_y, names, layout.counts.tolist(),
                                            strict=True)]
    spec["datasets"] = {"tiles": tiles, "villages": records, "cgvo": cgvo, "chosen": chosen}
    return spec


def _text_width(label: str, font: float) -> float:
    """Rough width in pixels of ``label`` at ``font`` px: a CJK character is 1 em, others about 0.55."""
    return font * sum(1.0 if ord(c) > 0x2E80 else 0.3 if c == " " else 0.56 for c in label)


def wrap(title: str, width: float, font: float) -> str | list[str]:
    """``title`` broken at spaces into lines no wider than ``width`` px (a list), or as it is if it fits."""
    lines: list[str] = []
    for piece in title.split(" "):
        if lines and _text_width(f"{lines[-1]} {piece}", font) <= width:
            lines[-1] = f"{lines[-1]} {piece}"
        else:
            lines.append(piece)
    return lines if len(lines) > 1 else title


def tile_label(name: str, count: int, width: float) -> dict:
    """A tile's label (``name``) and its size (``font``): the province and its village count.

    The label must fit the tile's width: the count is left out when the name
    alone is long ("Inner Mongolia"), and the font made smaller, to 10 px,
    before the name is cut short (which the map's ``limit`` does).
    """
    with_count = f"{name} {count}"
    if _text_width(with_count, FONT_SIZE - 1) <= width:
        return {"name": with_count, "font": FONT_SIZE - 1}
    fitted = width / max(_text_width(name, 1.0), 1e-9)
    return {"name": name, "font": float(min(FONT_SIZE - 1, max(10.0, np.floor(fitted))))}


def _or_none(values: np.ndarray) -> list:
    return [v if math.isfinite(v) else None for v in values.tolist()]


def _configure(chart):
    return chart.configure(font=FONT_FAMILY).configure_view(strokeWidth=0).configure_axis(
        grid=True, gridColor="#e6e6e6", domainColor="#888", tickColor="#888")


def to_spec(chart, renderer: str = "canvas") -> dict:
    """The Vega-Lite spec of ``chart`` for the page, drawn by ``renderer`` (``canvas`` or ``svg``).

    Altair's schema validation is skipped (the page redraws often). The spec
    names the Vega-Lite version the page serves (:func:`~lingtouyan.demo.assets.served_version`),
    which draws it, and hides Vega-Embed's export menu, which a class does not need.
    """
    from lingtouyan.demo.assets import served_version

    spec = chart.to_dict(validate=False)
    version = served_version("vega-lite")
    if version is not None:
        spec["$schema"] = f"https://vega.github.io/schema/vega-lite/v{version}.json"
    spec["usermeta"] = {"embedOptions": {"renderer": renderer, "actions": False}}
    return spec


__all__ = ["PANELS", "PANEL_MEASURES", "STATE_COLOURS", "Panel", "map_spec", "map_template", "outcome_spec",
           "outcome_template", "panel_targets", "panel_values", "to_spec"]
