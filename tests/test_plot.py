"""The shared figure module: a CJK font is found and really used; labels in both languages."""

import warnings

import pytest

from lingtouyan import _labels, _plot
from sim.outcomes import reporters


def test_a_cjk_font_is_installed_and_found():
    family = _plot.cjk_family()
    assert family is not None, "no CJK font: install fonts-noto-cjk (README, .ci/run)"
    assert "CJK" in family or family in _plot.CJK_FAMILIES


def test_chinese_label_is_drawn_with_a_cjk_font(tmp_path):
    import matplotlib.pyplot as plt

    label = _labels.axis_label("secretary_quit_rate_per_year", "zh")
    with _plot.style("zh"), warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing" for tofu
        fig, ax = plt.subplots()
        text = ax.set_ylabel(label)
        _plot.save(fig, tmp_path / "zh")
        used = _plot.fonts_used(label, text.get_fontproperties())
        plt.close(fig)
    hanzi = [f for ch, f in zip([c for c in label if not c.isspace()], used, strict=True)
             if "\u4e00" <= ch <= "\u9fff"]
    assert hanzi and all("CJK" in f for f in hanzi), used
    assert (tmp_path / "zh.png").stat().st_size > 0 and (tmp_path / "zh.svg").stat().st_size > 0


def test_fonts_used_reports_a_missing_glyph():
    from matplotlib.font_manager import FontProperties

    used = _plot.fonts_used("中", FontProperties(family="DejaVu Sans"))
    assert used == ["(missing)"] or "CJK" in used[0]  # DejaVu alone has no hanzi


def test_every_measure_has_labels_in_both_languages():
    for measure in reporters():
        assert measure in _labels.MEASURES, measure
        en, zh, unit = _labels.MEASURES[measure]
        assert en and zh and unit in _labels.UNITS
        assert any("\u4e00" <= c <= "\u9fff" for c in zh), measure


def test_units_and_scales():
    assert _labels.unit_scale("secretary_quit_rate_per_year", "en") == 100
    assert _labels.axis_label("cost_pay_floor_yuan_per_year", "zh").endswith("（亿元/年）")
    assert _labels.key_label("policy.pay_floor.multiple", "en").startswith("Pay floor (")
    # a key without an entry falls back to its leaf label from sim/data
    assert _labels.key_label("param.secretary.time_share", "en").startswith("Local working time")
    assert _labels.measure_label("some_new_measure_per_month", "en") == "Some new measure"


def test_bad_language_is_one_clear_error():
    from sim.errors import ConfigError

    with pytest.raises(ConfigError, match="lang: must be one of en, zh"):
        _plot.rc("fr")


def test_save_never_replaces_a_file_it_did_not_write(tmp_path):
    import matplotlib.pyplot as plt

    from sim.errors import ConfigError

    with _plot.style("en"):
        fig, ax = plt.subplots()
        ax.plot([0, 1])
        written = _plot.save(fig, tmp_path / "ours")
        assert all(_plot.written_by_us(p) for p in written)
        _plot.save(fig, tmp_path / "ours")  # its own files: replaced
        (tmp_path / "theirs.svg").write_text("<svg/>")
        with pytest.raises(ConfigError, match="was not written by this project"):
            _plot.save(fig, tmp_path / "theirs")
        plt.close(fig)
    assert (tmp_path / "theirs.svg").read_text() == "<svg/>"
    assert not (tmp_path / "theirs.png").exists()
