"""How many months a second the classroom page can simulate and draw (``sim-bench --demo``).

The page steps :class:`~lingtouyan.demo.model.ClassroomModel` and, at every
redraw, computes the village table, the map's spec and the panels' spec on
the server. This measures, on the 2008-01..2012-12 run at the demo scale:

- the model alone: months stepped per second of wall time;
- the page's server work: one step plus one full redraw per month;
- the page while playing: Mesa's play loop waits the play interval, steps
  ``RENDER_INTERVAL`` months and redraws once, so it advances
  ``R / (play interval + R × step + redraw)`` months a second, from the
  measured step and redraw times.

The browser's own drawing is not included (it runs on the client, in
parallel); the figure excludes the time to build the model and the first
spec (cached templates), reported separately. ``sim-bench --demo --browser``
adds the figure the class sees, timed in headless Chromium
(:func:`lingtouyan.demo.browser.browser_benchmark`).
"""

from __future__ import annotations

import time
from typing import Any

from lingtouyan.demo import charts, state
from lingtouyan.demo.app import PLAY_INTERVAL_MS, RENDER_INTERVAL
from lingtouyan.demo.layout import map_layout
from lingtouyan.demo.model import DEMO_END, DEMO_SCALE, ClassroomModel, reference_outcomes


def _redraw(model: ClassroomModel, layout, names, reference) -> None:
    table = state.village_table(model)
    charts.map_spec(table, layout, names, "zh", state.secretary_columns(model))
    charts.outcome_spec(model.series(charts.PANEL_MEASURES), reference, "zh", model.config.start, model.config.end)


def demo_benchmark(scale: float = DEMO_SCALE, seed: int = 0, repeat: int = 3) -> dict[str, Any]:
    """Months per second of the classroom run, the model alone and with the page's redraws.

    Returns the median over ``repeat`` runs of each figure, with the village count.
    """
    t0 = time.perf_counter()
    reference = reference_outcomes(scale, seed, DEMO_END)
    reference_s = time.perf_counter() - t0
    alone, drawn, playing = [], [], []
    villages = 0
    for _ in range(repeat):
        model = ClassroomModel(scale=scale, seed=seed)
        villages = len(model.villages)
        start = time.perf_counter()
        months = 0
        while model.running:
            model.step()
            months += 1
        alone.append(months / (time.perf_counter() - start))

        model = ClassroomModel(scale=scale, seed=seed)
        table = state.village_table(model)
        names = state.province_names_zh()
        labels = [names[n] for n in state.province_names(model)]
        layout = map_layout(table.province, table.county, state.province_names(model))
        _redraw(model, layout, labels, reference)  # templates are built once per page
        step_s = redraw_s = 0.0
        months = 0
        while model.running:
            t0 = time.perf_counter()
            model.step()
            t1 = time.perf_counter()
            _redraw(model, layout, labels, reference)
            step_s += t1 - t0
            redraw_s += time.perf_counter() - t1
            months += 1
        drawn.append(months / (step_s + redraw_s))
        cycle = PLAY_INTERVAL_MS / 1000 + RENDER_INTERVAL * step_s / months + redraw_s / months
        playing.append(RENDER_INTERVAL / cycle)
    alone.sort()
    drawn.sort()
    playing.sort()
    return {"scale": scale, "villages": villages, "months": months, "repeat": repeat,
            "months_per_s_model": alone[len(alone) // 2], "months_per_s_with_redraw": drawn[len(drawn) // 2],
            "months_per_s_playing": playing[len(playing) // 2],
            "play_interval_ms": PLAY_INTERVAL_MS, "render_interval": RENDER_INTERVAL,
            "reference_run_s": reference_s, "target_months_per_s": 5.0}


def format_demo_report(result: dict[str, Any]) -> str:
    """The benchmark's figures as lines of text."""
    verdict = "pass" if result["months_per_s_playing"] >= result["target_months_per_s"] else "FAIL"
    return "\n".join([
        f"classroom page, scale {result['scale']} ({result['villages']} villages), "
        f"{result['months']} months, median of {result['repeat']}:",
        f"  model alone:              {result['months_per_s_model']:8.1f} months/s",
        f"  model + redraw each month: {result['months_per_s_with_redraw']:7.1f} months/s",
        f"  page playing ({result['play_interval_ms']} ms interval, redraw every {result['render_interval']} "
        f"months): {result['months_per_s_playing']:.1f} months/s "
        f"(target >= {result['target_months_per_s']:.0f}: {verdict})",
        f"  reference run (once per scale and seed): {result['reference_run_s']:.2f} s",
    ])


__all__ = ["demo_benchmark", "format_demo_report"]
