"""The classroom page: Mesa's ``SolaraViz`` with the village map, the outcome panels and presets.

Run it with ``sim-demo`` (or ``solara run lingtouyan.demo.app``). The page
is Mesa's ``SolaraViz``: its controls (play, step, reset, the play and render
intervals) and its model parameters (the sliders and switches of the levers,
:func:`model_params`), with two components of ours drawn from arrays, not
Mesa agents: :func:`village_map` and :func:`outcome_panels`. The sidebar adds
the language switch and the presets; applying a preset creates the model
anew with its values and resets the sliders to them.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz

from lingtouyan.demo import charts, state
from lingtouyan.demo.labels import FONT_FAMILY, LANGUAGES, text
from lingtouyan.demo.layout import map_layout
from lingtouyan.demo.model import DEMO_END, DEMO_SCALE, ClassroomModel, reference_outcomes
from lingtouyan.demo.presets import PRESETS, preset

#: Environment variable ``sim-demo --lang`` sets: the page's first language.
LANG_ENV = "LINGTOUYAN_DEMO_LANG"
#: Milliseconds between steps while playing, and steps per redraw (timed by ``sim-bench --demo``).
#: Mesa's play loop does not wait for the browser: redrawn every two months, the page sent
#: redraws faster than a browser draws the map and eight panels, and showed nothing until the
#: run's end. Six months a redraw keeps the browser up and the month moving several times a second.
PLAY_INTERVAL_MS, RENDER_INTERVAL = 100, 6

lang = solara.reactive(os.environ.get(LANG_ENV, "zh") if os.environ.get(LANG_ENV) in LANGUAGES else "zh")
chosen_village = solara.reactive(None)

_SWITCHES = ("yiding_sanyou_adopted", "pension_enabled", "departure_subsidy_enabled",
             "township_leadership_open", "civil_service_open", "institution_open",
             "cgvo_renewal_allowed")
_SLIDERS = {  # keyword: (min, max, step)
    "pay_floor_multiple": (0.5, 3.0, 0.05),
    "departure_subsidy_min_years": (0, 20, 1),
    "cgvo_subsidy_multiple": (0.0, 3.0, 0.1),
    "cgvo_annual_plan": (10_000.0, 150_000.0, 1_000.0),  # the lever allows 10,000-200,000
    "enterprise_instructors": (0.0, 1_000_000.0, 10_000.0),
}
def model_params(values: dict[str, Any], language: str, seed: int = 0) -> dict[str, Any]:
    """``SolaraViz`` model parameters: a slider or switch per lever, starting at ``values``."""
    params: dict[str, Any] = {}
    for key in ("pay_floor_multiple", "yiding_sanyou_adopted", "pension_enabled",
                "departure_subsidy_enabled", "departure_subsidy_min_years", "township_leadership_open",
                "civil_service_open", "institution_open", "cgvo_subsidy_multiple", "cgvo_annual_plan",
                "cgvo_renewal_allowed", "enterprise_instructors"):
        if key in _SWITCHES:
            params[key] = {"type": "Checkbox", "value": bool(values[key]), "label": text(key, language)}
        else:
            low, high, step = _SLIDERS[key]
            kind = float if isinstance(step, float) else int
            params[key] = Slider(text(key, language), value=kind(values[key]), min=low, max=high, step=step,
                                 dtype=kind)
    params["seed"] = Slider(text("seed", language), value=seed, min=0, max=20, step=1, dtype=int)
    params["scale"] = DEMO_SCALE
    params["end"] = DEMO_END
    return params



_layouts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _layout(model: ClassroomModel):
    if model not in _layouts:
        table = state.village_table(model)
        _layouts[model] = map_layout(table.province, table.county, state.province_names(model))
    return _layouts[model]


def province_labels(model: ClassroomModel, language: str) -> list[str]:
    """Province names in ``language``."""
    names = state.province_names(model)
    if language == "zh":
        zh = state.province_names_zh()
        return [zh[n] for n in names]
    return list(names)


def vega_chart(spec: dict, on_click=None):
    """A Vega-Lite chart from a ready spec (Solara's widget, without re-validating the spec)."""
    return solara.widgets.VegaLite.element(spec=spec, on_click=on_click, listen_to_click=on_click is not None,
                                          on_hover=None, listen_to_hover=False)


def _on_click(datum) -> None:
    if datum and "village" in datum:
        chosen_village.set(int(datum["village"]))


def village_map(model: ClassroomModel):
    """The map component: villages by province and county, coloured by their secretary."""
    language = lang.value
    table = state.village_table(model)
    spec = charts.map_spec(table, _layout(model), province_labels(model, language), language,
                           details=state.secretary_columns(model), selected=chosen_village.value)
    with solara.Column(style={"font-family": FONT_FAMILY}, classes=["demo-map"]) as column:
        solara.HTML(tag="div", unsafe_innerHTML=f"{text('month', language)}: "
                    f"<b class='demo-month'>{state.current_month(model)}</b>",
                    style={"font-size": "26px", "font-family": FONT_FAMILY})
        vega_chart(spec, on_click=_on_click)
        secretary_card(model, chosen_village.value, language)
    return column


def secretary_card(model: ClassroomModel, village: int | None, language: str):
    """The chosen village's secretary, read through its Mesa agent view."""
    with solara.Card(text("inspector", language), style={"font-size": "16px"}) as card:
        if village is None or village >= len(model.villages):
            solara.Text(text("no_village", language))
            return card
        info = state.secretary(model, village)
        province = province_labels(model, language)[state.province_names(model).index(info["province"])]
        head = (f"{text('village', language)} {info['village']} · {province} · "
                f"{text('county', language)} {info['county']}")
        if not info["filled"]:
            rows = [(text("state", language), text("post_vacant", language))]
        else:
            yes, no = text("yes", language), text("no", language)
            rows = [
                (text("state", language), text("capable" if info["capable"] else "weak", language)),
                (text("age", language), f"{info['age']:.1f}"),
                (text("tenure", language), f"{info['tenure']:.1f}"),
                (text("college", language), yes if info["college"] else no),
                (text("pay", language), f"{info['pay']:,.0f}"),
                (text("post_value", language), f"{info['post_value']:,.0f}"),
                (text("origin", language), text(info["origin"], language)),
                (text("cgvo", language), yes if info["cgvo"] else no),
            ]
        body = "".join(f"<tr><td style='padding-right:1em'>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows)
        solara.HTML(tag="div", unsafe_innerHTML=f"<div>{head}</div><table>{body}</table>",
                    style={"font-family": FONT_FAMILY})
    return card


def outcome_panels(model: ClassroomModel):
    """The outcome panels: this run against the "as reported" run and the reported figures."""
    language = lang.value
    reference = reference_outcomes(model.config.scale, model.config.seed, model.config.end)
    spec = charts.outcome_spec(model.series(charts.PANEL_MEASURES), reference, language, model.config.start,
                               model.config.end)
    with solara.Column(style={"font-family": FONT_FAMILY}, classes=["demo-panels"]) as column:
        solara.HTML(tag="div", unsafe_innerHTML=text("plots_title", language),
                    style={"font-size": "18px", "font-family": FONT_FAMILY})
        vega_chart(spec)
    return column


_CSS = f"""
body, .v-application, .v-application .v-card__title, .v-label, .v-btn {{ font-family: {FONT_FAMILY} !important; }}
.v-application {{ font-size: 16px; }}
/* SolaraViz puts its components in tabs named "Page 0", ...; the page has one. */
.v-tabs {{ display: none; }}
"""


@solara.component
def Page():  # noqa: N802 - Solara serves the component named Page
    """The whole page: language, presets, and Mesa's SolaraViz."""
    language = lang.value
    chosen_preset = solara.use_reactive("as_reported")
    generation = solara.use_reactive(0)
    model = solara.use_memo(lambda: solara.reactive(ClassroomModel(**preset("as_reported"))), [])
    solara.Style(_CSS)
    solara.Title(text("title", language))

    def apply_preset():
        model.value = ClassroomModel(**preset(chosen_preset.value), seed=model.value.config.seed)
        chosen_village.set(None)
        generation.set(generation.value + 1)

    with solara.Sidebar():
        with solara.Card(text("language", language)):
            languages = {"中文": "zh", "English": "en"}
            solara.ToggleButtonsSingle(value=next(k for k, v in languages.items() if v == language),
                                       values=list(languages),
                                       on_value=lambda name: lang.set(languages[name]))
        with solara.Card(text("preset", language)):
            presets = {text(p, language): p for p in PRESETS}
            solara.Select(text("preset", language), value=text(chosen_preset.value, language),
                          values=list(presets), on_value=lambda label: chosen_preset.set(presets[label]))
            solara.Button(text("apply_preset", language), color="primary", on_click=apply_preset)
    values = dict(model.value.settings)
    SolaraViz(model, components=[(village_map, 0), (outcome_panels, 0)],
              model_params=model_params(values, language, model.value.config.seed),
              name=text("title", language), play_interval=PLAY_INTERVAL_MS,
              render_interval=RENDER_INTERVAL).key(f"viz-{generation.value}")


__all__ = ["Page", "model_params", "outcome_panels", "village_map"]
