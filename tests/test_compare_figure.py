"""The sim-compare figure: words not code names, one-sided targets as such, PNG and SVG."""

import warnings

import numpy as np
import pytest

from lingtouyan import compare_figure
from sim.calibration import compare
from sim.calibration.targets import load_targets

TARGETS = load_targets()


def _frame():
    rng = np.random.default_rng(1)
    stats = {}
    for t in TARGETS:
        centre = t.point * (1.4 if t.low is not None and t.value is None else 1.0)
        stats[t.id] = centre * (1 + 0.05 * rng.standard_normal(20))
    return compare.table(TARGETS, stats)


def test_one_sided_rows_are_recognised_and_pass_beyond_their_bound():
    frame = _frame()
    one_sided = [r for r in frame.itertuples() if compare_figure.sidedness(r) == "low"]
    assert one_sided, "the targets file has at-least targets"
    for r in one_sided:
        assert compare_figure.reference(r) == pytest.approx(r.reported_low)
        assert r.simulated_mean > r.reported_low and r.inside  # 40% above an at-least figure passes


def test_rows_are_labelled_in_words():
    row = next(_frame().itertuples())
    assert compare_figure.row_label(row, "en").startswith("Counties paying the pay floor, 2012-06 (L16)")
    assert compare_figure.row_label(row, "zh").startswith("落实基本报酬的涉农县比例")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure_is_written_as_png_and_svg_without_missing_glyphs(tmp_path, lang):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = compare_figure.figure(_frame(), tmp_path / "compare", "Reported and simulated", lang)
    assert [p.name for p in written] == ["compare.png", "compare.svg"]
    from PIL import Image

    with Image.open(written[0]) as image:
        dpi = image.info.get("dpi", (0, 0))[0]
        assert dpi >= 200 - 0.5 and image.size[1] > 2000
