"""Held-out targets are classified by what they test, and the comparison scores by class."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sim.calibration import compare
from sim.calibration.targets import CLASSES, DEFAULT_TARGETS, load_targets
from sim.errors import ConfigError

TARGETS = load_targets()


def test_every_held_out_target_has_a_class_and_a_reason():
    held = [t for t in TARGETS if t.role == "held_out"]
    assert held
    for t in held:
        assert t.klass in CLASSES, t.id
        assert len(t.class_reason) > 20, t.id
    assert all(t.klass == "" for t in TARGETS if t.role == "fit")


def test_the_coverage_identity_is_classified_as_one():
    """CGVOs in post over villages is true by construction: a check, not a target."""
    assert next(t for t in TARGETS if t.id == "cgvo_village_coverage").klass == "identity"


def _write(tmp_path, change):
    data = yaml.safe_load(DEFAULT_TARGETS.read_text(encoding="utf-8"))
    entry = next(e for e in data["targets"] if e["id"] == "cgvo_as_secretary")
    entry.update(change)
    for key in [k for k, v in change.items() if v is None]:
        del entry[key]
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "key"), [
    ({"class": None}, "targets[cgvo_as_secretary].class"),
    ({"class": "derived"}, "targets[cgvo_as_secretary].class"),
    ({"class_reason": None}, "targets[cgvo_as_secretary].class_reason"),
    ({"role": "fit"}, "targets[cgvo_as_secretary].class"),
])
def test_a_bad_classification_is_one_clear_error(tmp_path, change, key):
    with pytest.raises(ConfigError) as err:
        load_targets(_write(tmp_path, change))
    assert err.value.key == key


def test_compare_scores_by_class_and_reports_band_overlap():
    ids = ("cgvo_in_post", "cgvo_as_secretary", "provinces_all_counties_pension",
           "cgvo_village_coverage")
    targets = [t for t in TARGETS if t.id in ids]
    stats = {
        "cgvo_in_post": np.array([200000.0, 210000.0, 220000.0]),      # inside
        "cgvo_as_secretary": np.array([3000.0, 9000.0, 12000.0]),      # mean outside, band overlaps
        "provinces_all_counties_pension": np.array([1.0, 2.0, 3.0]),   # outside, no overlap
        "cgvo_village_coverage": np.array([0.35, 0.36, 0.37]),         # inside
    }
    frame = compare.table(targets, stats).set_index("target_id")
    assert frame.loc["cgvo_as_secretary", "class"] == "assumed"
    assert not frame.loc["cgvo_as_secretary", "inside"]
    assert frame.loc["cgvo_as_secretary", "seed_band_overlaps"]
    assert not frame.loc["provinces_all_counties_pension", "seed_band_overlaps"]
    summary = compare.summary(frame.reset_index())
    assert summary == {"fit": (1, 1), "held_out structural": (0, 1), "held_out assumed": (0, 1),
                       "held_out identity": (1, 1)}
    assert compare.overlap_summary(frame.reset_index())["held_out assumed"] == (1, 1)
    text = compare.markdown(frame.reset_index(), "t")
    assert "held_out identity** (checks, not scored)" in text
    assert "| cgvo_as_secretary | held_out | assumed |" in text
