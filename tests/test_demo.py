"""The classroom page's model, adapter, layout, presets, charts and command (no browser)."""

from __future__ import annotations

import socket

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.visualization.solara_viz import _check_model_params

from lingtouyan._labels import MEASURES
from lingtouyan.demo import assets, charts, cli, labels, state
from lingtouyan.demo.app import model_params, province_labels
from lingtouyan.demo.assets import RANGES, prepare_cdn_dir
from lingtouyan.demo.layout import LABEL_BAND, TILES, map_layout
from lingtouyan.demo.model import ClassroomModel, policy_for, reported_levers, wide_outcomes
from lingtouyan.demo.presets import PRESETS, preset
from sim import VillageModel

SMALL = {"scale": 0.002, "end": "2009-12", "seed": 3}


def _run(model):
    while model.running:
        model.step()
    return model


@pytest.fixture(scope="module")
def small_run():
    return _run(ClassroomModel(**SMALL))


@pytest.mark.parametrize("lang", labels.LANGUAGES)
def test_solaraviz_accepts_the_model_and_its_parameters(lang):
    values = {k: v for k, v in reported_levers().items() if k != "cgvo_subsidy_by_region"}
    params = model_params(values, lang)
    _check_model_params(ClassroomModel.__init__, params)  # raises ValueError on a bad keyword
    with pytest.raises(ValueError):
        _check_model_params(VillageModel.__init__, {**params, "no_such_lever": 1})


def test_tracking_events_leaves_the_run_unchanged(small_run):
    settings = small_run.settings
    plain = _run(VillageModel(scale=SMALL["scale"], end=SMALL["end"], seed=SMALL["seed"],
                              policy=policy_for(**settings)))
    pd.testing.assert_frame_equal(wide_outcomes(small_run), wide_outcomes(plain))


def test_defaults_are_the_reported_levers():
    model = ClassroomModel(scale=0.002, end="2008-02")
    reference = VillageModel(scale=0.002, end="2008-02")
    assert model.config.levers.nested_values() == reference.config.levers.nested_values()


def test_village_table_states_follow_the_arrays(small_run):
    table = state.village_table(small_run)
    assert len(table) == len(small_run.villages)
    vacant = ~small_run.secretaries.filled
    shown_vacant = table.state == state.STATE["vacant"]
    events = np.isin(table.state, [state.STATE["just_quit"], state.STATE["just_promoted"]])
    # A vacant post shows as vacant unless its holder has just left; a filled one never does.
    assert np.array_equal(shown_vacant, vacant & ~events)
    capable = table.state == state.STATE["capable"]
    assert not (capable & ~small_run.secretaries.capable()).any()
    assert np.array_equal(table.cgvo, small_run.village_cgvo >= 0)


def test_recorded_quits_match_the_quit_flow():
    model = ClassroomModel(scale=0.003, end="2008-12", seed=1)
    for _ in range(6):
        before = model.demo_quit_month.copy()
        model.step()
        recorded = np.count_nonzero(model.demo_quit_month != before)
        quits = model.flows["secretary_quits"] / model.weight
        assert recorded == round(quits)


def test_promotions_are_recorded_in_the_promotion_month():
    model = _run(ClassroomModel(scale=0.005, end="2011-12", seed=2))
    promoted = model.demo_promoted_month[model.demo_promoted_month >= 0]
    assert promoted.size > 0
    wide = wide_outcomes(model)
    total = sum(wide[f"promotions_{c}_per_month"].sum() for c in charts.CHANNEL_KEYS) / model.weight
    # Each promotion vacates a post; a village may see two in different years.
    assert promoted.size <= round(total)
    assert promoted.size >= 0.8 * round(total)


def test_secretary_is_a_mesa_agent_view_made_once_per_village(small_run):
    village = int(np.flatnonzero(small_run.secretaries.filled)[0])
    info = state.secretary(small_run, village)
    after_first = len(small_run.agents)
    again = state.secretary(small_run, village)
    assert isinstance(info["agent"], mesa.Agent)
    assert again["agent"] is info["agent"] and len(small_run.agents) == after_first
    assert info["age"] == pytest.approx(float(small_run.secretaries.age[village]))
    assert info["pay"] == pytest.approx(float(small_run.pay[village]))
    assert info["origin"] in ("local_cadre", "capable_earner", "returned_migrant", "veteran", "cgvo",
                              "other_member", "retired_cadre", "enterprise_manager")


def test_layout_puts_each_village_in_its_province_tile_and_none_on_another(small_run):
    table = state.village_table(small_run)
    names = state.province_names(small_run)
    layout = map_layout(table.province, table.county, names)
    left, top = layout.tile_x[table.province], layout.tile_y[table.province]
    assert ((layout.x > left) & (layout.x < left + layout.tile_size)).all()
    assert ((layout.y > top) & (layout.y < top + layout.tile_size)).all()
    assert len({(round(x, 6), round(y, 6)) for x, y in zip(layout.x, layout.y, strict=True)}) == len(table)
    # Each tile's label band (above it) is clear of every tile.
    for i in range(len(names)):
        band_top = layout.tile_y[i] - LABEL_BAND
        overlaps = ((layout.tile_x < layout.tile_x[i] + layout.tile_size)
                    & (layout.tile_x + layout.tile_size > layout.tile_x[i])
                    & (layout.tile_y < layout.tile_y[i]) & (layout.tile_y + layout.tile_size > band_top))
        assert not overlaps.any(), names[i]
    assert (layout.tile_y >= LABEL_BAND).all()
    assert (layout.tile_y + layout.tile_size <= layout.height).all()
    assert set(names) == set(TILES)
    assert len(set(TILES.values())) == len(TILES)


def test_presets_change_what_they_say_and_run():
    reported = preset("as_reported")
    assert preset("no_yiding_sanyou") == {**reported, "yiding_sanyou_adopted": False}
    assert preset("q3_no_renewal") == {**reported, "cgvo_renewal_allowed": False}
    assert preset("q1_no_pay_floor")["pay_floor_multiple"] < reported["pay_floor_multiple"]
    for name in PRESETS:
        ClassroomModel(**preset(name), scale=0.002, end="2008-03").step()
    with pytest.raises(KeyError, match="allowed"):
        preset("after_2050")


def test_every_label_has_both_languages():
    for key in labels._TEXT:
        assert labels.text(key, "zh") and labels.text(key, "en")
    for name in PRESETS:
        assert labels.text(name, "zh") != labels.text(name, "en")
    with pytest.raises(KeyError):
        labels.text("title", "fr")


def test_outcome_spec_marks_reported_figures_and_moves_with_the_run(small_run):
    reference = wide_outcomes(small_run)
    spec = charts.outcome_spec(reference, reference, "zh", "2008-01", "2012-12")
    promotions = charts.PANELS.index(next(p for p in charts.PANELS if p.key == "promotions"))
    targets = spec["datasets"][f"p{promotions}_target"]
    assert sorted(t["value"] for t in targets) == [4399, 5215, 5692]
    assert {t["label"] for t in targets} == {MEASURES[m][1] for m in charts.PANELS[promotions].measures}
    assert all(t["date"] == "2012-06-01" for t in targets)
    quit_panel = spec["datasets"]["p0_run"]
    assert len(quit_panel) == len(reference)
    shorter = charts.outcome_spec(reference.iloc[:6], reference, "zh", "2008-01", "2012-12")
    assert len(shorter["datasets"]["p0_run"]) == 6
    # Before 2009 the promotions (summed from 2009) have no line, and their panel no run layer.
    layers = [layer.get("name") for row in shorter["vconcat"] for panel in row["hconcat"]
              for layer in panel["layer"]]
    assert f"p{promotions}_run" not in layers and "p0_run" in layers
    assert f"p{promotions}_run" in [layer.get("name") for row in spec["vconcat"] for panel in row["hconcat"]
                                    for layer in panel["layer"]]
    assert shorter["datasets"]["p0_ref"] == spec["datasets"]["p0_ref"]


def test_map_spec_has_every_village_with_its_secretary(small_run):
    table = state.village_table(small_run)
    names = state.province_names(small_run)
    layout = map_layout(table.province, table.county, names)
    spec = charts.map_spec(table, layout, province_labels(small_run, "zh"), "zh",
                           state.secretary_columns(small_run), selected=5)
    villages = spec["datasets"]["villages"]
    assert len(villages) == len(table)
    assert {v["state"] for v in villages} <= {labels.text(s, "zh") for s in state.STATES}
    assert len(spec["datasets"]["cgvo"]) == int(table.cgvo.sum())
    assert spec["datasets"]["chosen"][0]["village"] == 5
    assert any(t["name"].startswith("山东") for t in spec["datasets"]["tiles"])
    assert all(t["name"].endswith(f" {t['villages']}") for t in spec["datasets"]["tiles"])  # fits in zh
    assert "Noto Sans CJK SC" in spec["config"]["font"]


def test_long_titles_are_wrapped_to_the_panel_width():
    assert charts.wrap("书记空缺率（%）", 220, 15) == "书记空缺率（%）"
    lines = charts.wrap("College-educated new secretaries (%)", 220, 15)
    assert lines == ["College-educated new", "secretaries (%)"]


def test_a_tile_label_fits_its_tile_or_drops_the_count():
    assert charts.tile_label("山东", 247, 58) == {"name": "山东 247", "font": charts.FONT_SIZE - 1}
    long = charts.tile_label("Inner Mongolia", 43, 58)
    assert long["name"] == "Inner Mongolia" and 10 <= long["font"] < charts.FONT_SIZE - 1


def test_sim_demo_rejects_a_port_out_of_range(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--port", "70000"])
    assert exit_info.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_sim_demo_rejects_a_port_in_use(capsys):
    with socket.socket() as sock:
        sock.bind((cli.HOST, 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["--port", str(port)])
    assert exit_info.value.code == 2
    assert f"port {port} is in use" in capsys.readouterr().err


def test_cdn_dir_links_the_version_ranges(tmp_path):
    source = tmp_path / "installed"
    for name in ("vega@5.21.0", "vega-lite@5.2.0", "vega-embed@6.20.2", "requirejs@2.3.6",
                 "@widgetti/solara-vuetify-app@10.1.1"):
        (source / name).mkdir(parents=True)
    target = prepare_cdn_dir(tmp_path / "served", source)
    for wanted, package in RANGES.items():
        assert (target / wanted).resolve().name.startswith(package + "@")
    assert (target / "@widgetti" / "solara-vuetify-app@10.1.1").is_dir()
    prepare_cdn_dir(target, source)  # a second call keeps what is there
    (source / "vega-lite@5.10.1").mkdir()
    assert assets._newest(source, "vega-lite@5").name == "vega-lite@5.10.1"  # by number, not by text


def test_demo_benchmark_reports_its_figures():
    from lingtouyan.demo.bench import demo_benchmark, format_demo_report

    result = demo_benchmark(scale=0.001, repeat=1)
    assert result["months"] == 60
    assert result["months_per_s_model"] > result["months_per_s_with_redraw"] > 0
    assert result["months_per_s_playing"] > 0
    assert "months/s" in format_demo_report(result)


def test_demo_benchmark_in_a_browser_says_what_is_missing(monkeypatch, tmp_path, capsys):
    from lingtouyan import bench
    from lingtouyan.demo import browser

    monkeypatch.setattr(browser, "CHROMIUM", str(tmp_path / "no-chromium"))
    assert bench.main(["--demo", "--browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sim-bench: error: --browser: Chromium not found at ") and "\n" not in err
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--browser"])
    assert exit_info.value.code == 2
    assert "--browser: only with --demo" in capsys.readouterr().err


def test_every_slider_end_runs():
    from lingtouyan.demo.app import _SLIDERS

    for key, (low, high, _step) in _SLIDERS.items():
        for value in (low, high):
            ClassroomModel(**{key: value}, scale=0.002, end="2008-02").step()
