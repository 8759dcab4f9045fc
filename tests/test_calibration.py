"""Targets, the calibrated file, the estimator (parameter recovery) and the comparison table."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibration import compare
from sim.calibration.calibrated import load_calibrated, nest, write_calibrated
from sim.calibration.msm import (
    Evaluator,
    FreeParameter,
    MomentCount,
    Problem,
    calibrate,
    calibrated_leaves,
    default_problem,
    moment_count,
)
from sim.calibration.targets import Target, load_targets, statistic
from sim.config import resolve
from sim.errors import ConfigError, DataFileError
from sim.parameters import load_levers, load_world_parameters

SEED_FILE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_3a379779be2bbc52.txt"
TARGETS = load_targets()


# ---------------------------------------------------------------- the targets file
def test_targets_file_has_fit_and_enough_held_out():
    roles = [t.role for t in TARGETS]
    assert roles.count("fit") >= 20
    assert roles.count("held_out") >= len(TARGETS) / 4
    held = {t.id for t in TARGETS if t.role == "held_out"}
    # Chosen before fitting (NOTES §e): the Anhui experiment and the CGVO committee roles.
    assert {"anhui_instructor_coverage_gain", "cgvo_as_secretary", "cgvo_as_director",
            "cgvo_as_deputy", "promotions_township_leadership_2011"} <= held


@pytest.mark.skipif(not SEED_FILE.exists(), reason=f"seed file not found at {SEED_FILE}")
@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_target_quote_is_on_its_line(target):
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    number = int(target.reference["line"][1:])
    assert target.reference["quote"] in lines[number - 1]


def _figure_tokens(target: Target) -> set[str]:
    """Numbers in the target's quote that print its figure (96.7 for 0.967, 30 for 30万...)."""
    figures = [v for v in (target.value, target.low, target.high) if v is not None]
    tokens = set()
    for token in re.findall(r"\d+(?:\.\d+)?", target.reference["quote"].replace(",", "")):
        x = float(token)
        for v in figures:
            if any(math.isclose(x, v * f, rel_tol=1e-6) for f in (1, 100, 1e-4, 1e-8)):
                tokens.add(token)
    return tokens


def test_every_target_quote_prints_its_figure():
    derived = ("enterprise_coverage_share", "enterprise_member_growth_2008_2011",
               "party_admissions_rural_2008_2012", "cgvo_village_coverage",
               # a 2008 share derived from the 2012 share and its rise (NOTES c10)
               "cgvo_degree_share_2008", "cgvo_party_share_2008",
               # a trend stated in words (L43): the bound is 1, no printed figure
               "secretary_quits_fell", "secretary_entrants_younger", "secretary_entrants_better_educated",
               # yearly paths stated in words (L286, L122): a bound of 1 or the L106 yearly rate
               "cgvo_in_post_grew_2009", "cgvo_in_post_grew_2010", "cgvo_in_post_grew_2011",
               "enterprise_member_growth_2009", "enterprise_member_growth_2010",
               "enterprise_member_growth_2011")
    missing = [t.id for t in TARGETS if not _figure_tokens(t) and t.id not in derived]
    assert not missing


def test_no_target_is_an_input():
    """A parameter or lever may not cite a figure that a target uses."""
    leaves = [(f"param.{k}", v) for k, v in load_world_parameters().items()]
    leaves += [(f"policy.{k}", v) for k, v in load_levers().items()]
    clashes = []
    for target in TARGETS:
        tokens = _figure_tokens(target)
        for name, leaf in leaves:
            ref = leaf.reference or {}
            if ref.get("line") != target.reference["line"]:
                continue
            quoted = set(re.findall(r"\d+(?:\.\d+)?", str(ref.get("quote", "")).replace(",", "")))
            if tokens & quoted:
                clashes.append(f"{name} quotes {sorted(tokens & quoted)} of target {target.id}")
    assert not clashes


def test_no_target_is_an_input_catches_a_clash(tmp_path):
    """The check above would fail for a lever quoting a target's figure."""
    target = next(t for t in TARGETS if t.id == "promotions_civil_service_2009_2012")
    assert "5215" in _figure_tokens(target)


# ---------------------------------------------------------------- validation of a user's file
GOOD = {"id": "x", "measure": "cgvo_in_post", "statistic": "stock", "date": "2011-12",
        "value": 1.0, "tolerance": {"rel": 0.1}, "weight": 1, "role": "fit", "report": "R4",
        "reference": {"line": "L278", "quote": "目前在岗21.2万人"}}


@pytest.mark.parametrize(("change", "key"), [
    ({"measure": "cgvo_in_posts"}, "targets[x].measure"),
    ({"statistic": "median"}, "targets[x].statistic"),
    ({"date": "2011-13"}, "targets[x].date"),
    ({"date": "2007-12"}, "targets[x].date"),
    ({"date": None}, "targets[x].date"),
    ({"statistic": "flow", "date": None, "start": "2011-12", "end": "2011-01"}, "targets[x].end"),
    ({"statistic": "flow", "date": None, "start": "2011-01"}, "targets[x].end"),
    ({"value": None}, "targets[x].value"),
    ({"value": "many"}, "targets[x].value"),
    ({"low": 5.0, "high": 1.0}, "targets[x].low"),
    ({"tolerance": 0.1}, "targets[x].tolerance"),
    ({"tolerance": {"rel": -1}}, "targets[x].tolerance.rel"),
    ({"role": "train"}, "targets[x].role"),
    ({"reference": {"line": "L278"}}, "targets[x].reference"),
    ({"colour": "red"}, "targets[x].colour"),
    ({"statistic": "experiment", "experiment": "nope"}, "targets[x].experiment"),
    ({"weight": -1}, "targets[x].weight"),
])
def test_bad_target_file_names_the_key(tmp_path, change, key):
    entry = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"targets": [entry]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_targets(path)
    assert err.value.key == key
    assert "\n" not in str(err.value)


def test_duplicate_ids_and_bad_top_level(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"targets": [GOOD, GOOD]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate"):
        load_targets(path)
    path.write_text("targets: 3\n")
    with pytest.raises(ConfigError):
        load_targets(path)
    with pytest.raises(ConfigError, match="no such file"):
        load_targets(tmp_path / "missing.yaml")


def test_sim_compare_rejects_a_bad_targets_file_before_running(tmp_path):
    path = tmp_path / "t.yaml"
    entry = {**GOOD, "measure": "nonsense"}
    path.write_text(yaml.safe_dump({"targets": [entry]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", "from lingtouyan.compare import main; main()",
                           "--targets", str(path), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "targets[x].measure" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


# ---------------------------------------------------------------- statistics and bands
SERIES = pd.Series([1.0, 2.0, 3.0, 4.0], index=["2011-01", "2011-02", "2011-03", "2011-04"])


@pytest.mark.parametrize(("kind", "window", "expected"), [
    ("stock", {"date": "2011-03"}, 3.0),
    ("flow", {"start": "2011-02", "end": "2011-04"}, 9.0),
    ("mean", {"start": "2011-01", "end": "2011-04"}, 2.5),
    ("growth", {"start": "2011-01", "end": "2011-04"}, 4.0),
])
def test_statistic_by_hand(kind, window, expected):
    target = Target(id="t", measure="m", statistic=kind, role="fit", report="r",
                    reference={}, tolerance=("rel", 0.1), value=1.0, **window)
    assert statistic(SERIES, target) == expected


@pytest.mark.parametrize(("value", "low", "high", "tol", "band", "inside", "outside"), [
    (100.0, None, None, ("rel", 0.1), (90.0, 110.0), 109.0, 111.0),
    (0.5, None, None, ("abs", 0.02), (0.48, 0.52), 0.481, 0.47),
    (None, 2.0, 3.0, ("rel", 0.05), (1.9, 3.15), 1.95, 3.2),
    (None, 4300.0, None, ("rel", 0.1), (3870.0, math.inf), 1e9, 3800.0),
    (None, None, 967.0, ("rel", 0.0), (-math.inf, 967.0), 0.0, 968.0),
])
def test_band_and_inside(value, low, high, tol, band, inside, outside):
    t = Target(id="t", measure="m", statistic="stock", role="fit", report="r", reference={},
               tolerance=tol, date="2011-01", value=value, low=low, high=high)
    assert t.band == pytest.approx(band)
    assert t.inside(inside)
    assert not t.inside(outside)
    assert t.distance(t.point) == 0.0


# ---------------------------------------------------------------- the calibrated file
def test_calibrated_values_are_applied_by_default():
    fitted = load_calibrated()
    if not fitted:
        pytest.skip("no calibrated file")
    key, value = next(iter(fitted.items()))
    root, _, path = key.partition(".")
    default = resolve()
    raw = resolve(calibration=None)
    sets = {"param": "params", "policy": "levers"}
    assert getattr(default, sets[root]).value(path) == pytest.approx(value)
    assert getattr(raw, sets[root]).value(path) != pytest.approx(value)


def test_every_calibrated_leaf_is_in_the_calibrated_file():
    fitted = load_calibrated()
    if not fitted:
        pytest.skip("no calibrated file")
    assert set(fitted) == {p.key for p in calibrated_leaves()}


@pytest.mark.parametrize(("values", "message"), [
    ({"param.cgvo.application_rate": {"value": 5.0}}, "outside its bounds"),
    ({"param.secretary.quit_slope": {"value": 0.5}}, "not calibrated"),
    ({"param.nowhere.x": {"value": 0.5}}, "not a parameter"),
    ({"param.cgvo.application_rate": {"valeur": 0.1}}, "needs value"),
])
def test_calibrated_file_is_checked(tmp_path, values, message):
    path = tmp_path / "c.yaml"
    write_calibrated(path, {"loss": 1.0}, values)
    with pytest.raises(DataFileError, match=message):
        load_calibrated(path)


def test_nest():
    assert nest({"param.a.b": 1, "policy.c.d": 2}) == {"param": {"a": {"b": 1}},
                                                        "policy": {"c": {"d": 2}}}


def test_logit_transform_round_trip_and_bounds():
    p = FreeParameter("param.x", 2.0, 10.0, 5.0)
    assert p.from_x(p.to_x(7.5)) == pytest.approx(7.5)
    assert 2.0 <= p.from_x(-50) < 2.01 and 9.99 < p.from_x(50) <= 10.0


# ---------------------------------------------------------------- parameter recovery
def test_calibration_recovers_known_parameters():
    """Targets made by the model from known values are fitted back from a perturbed start."""
    truth = {"param.county.adoption_rate.pay_floor": 0.7,
             "param.county.adoption_rate.pension": 0.35,
             "param.cgvo.application_rate": 0.15}
    free = [FreeParameter(k, lo, hi, v) for (k, v), (lo, hi) in
            zip(truth.items(), [(0.05, 5.0), (0.05, 5.0), (0.01, 0.5)], strict=True)]
    spec = [("county_share_pay_floor", "stock", {"date": "2011-12"}),
            ("county_share_pension", "stock", {"date": "2011-12"}),
            ("cgvo_applicants_per_month", "flow", {"start": "2008-01", "end": "2011-12"})]
    scratch = [Target(id=m, measure=m, statistic=s, role="fit", report="synthetic", reference={},
                      tolerance=("rel", 0.02), value=1.0, **w) for m, s, w in spec]
    problem = Problem(free=free, targets=scratch, seeds=[1, 2], scale=0.004, end="2011-12")
    synthetic = Evaluator(problem).means(Evaluator(problem).per_seed([truth])[0])
    targets = [Target(id=t.id, measure=t.measure, statistic=t.statistic, role="fit",
                      report="synthetic", reference={}, tolerance=("rel", 0.02),
                      value=synthetic[t.id], date=t.date, start=t.start, end=t.end)
               for t in scratch]
    problem.targets = targets
    start = {"param.county.adoption_rate.pay_floor": 1.3,
             "param.county.adoption_rate.pension": 0.2,
             "param.cgvo.application_rate": 0.08}
    result = calibrate(problem, start=start, jobs=1, max_evaluations=120)
    assert result.loss < 0.5
    for key, value in truth.items():
        assert result.values[key] == pytest.approx(value, rel=0.1), key
        assert result.se[key] == result.se[key]  # identified


# ---------------------------------------------------------------- the comparison table
def test_compare_table_has_the_documented_columns():
    targets = [t for t in TARGETS if t.id in ("cgvo_in_post", "enterprise_admissions_2008_2012")]
    stats = {"cgvo_in_post": np.array([200000.0, 210000.0, 220000.0]),
             "enterprise_admissions_2008_2012": np.array([5e5, 6e5, 7e5])}
    frame = compare.table(targets, stats)
    for column in ("target_id", "role", "reported", "reported_low", "reported_high",
                   "simulated_mean", "simulated_p05", "simulated_p95", "rel_error", "inside"):
        assert column in frame.columns
    row = frame.set_index("target_id").loc["cgvo_in_post"]
    assert row.simulated_mean == pytest.approx(210000.0)
    assert row.rel_error == pytest.approx(210000 / 212000 - 1)
    assert bool(row.inside)
    upper = frame.set_index("target_id").loc["enterprise_admissions_2008_2012"]
    assert bool(upper.inside) and upper.reported_high == 967000
    text = compare.markdown(frame, "t")
    assert "fit" in text and "held_out" in text


def test_compare_table_says_whether_each_seed_band_is_narrower_than_its_tolerance():
    target = next(t for t in TARGETS if t.id == "cgvo_in_post")  # band 212k +- 5%: 201.4k-222.6k
    tight = {target.id: np.linspace(205000.0, 215000.0, 21)}
    loose = {target.id: np.linspace(150000.0, 270000.0, 21)}
    assert bool(compare.table([target], tight).iloc[0].seed_band_narrower)
    frame = compare.table([target], loose)
    assert not bool(frame.iloc[0].seed_band_narrower)
    assert bool(frame.iloc[0].seed_band_overlaps)  # overlapping is not the same test
    assert compare.wide_fit_targets(frame) == ["cgvo_in_post"]
    assert compare.narrow_summary(frame) == {"fit": (0, 1)}
    text = compare.markdown(frame, "t", moments=moment_count(TARGETS).line())
    assert "wider than the acceptance band" in text and "cgvo_in_post" in text
    assert "Moments vs parameters:" in text
    # An open band is never narrower than a finite seed band; no finite value is not narrower.
    open_target = next(t for t in TARGETS if t.id == "promotions_civil_service_since_2010")
    assert bool(compare.table([open_target], {open_target.id: np.array([1e3, 9e3])}).iloc[0]
                .seed_band_narrower)
    assert not bool(compare.table([target], {target.id: np.array([np.nan])}).iloc[0]
                    .seed_band_narrower)


def test_moments_are_counted_as_the_calibration_builds_its_residuals():
    counted = moment_count(TARGETS)
    problem = default_problem(TARGETS)
    assert counted == MomentCount(len(problem.targets), len(problem.free))
    assert counted.parameters == len(calibrated_leaves()) > 0
    # The path targets count once per date or window.
    assert counted.moments == sum(t.role == "fit" and t.weight > 0 for t in TARGETS)
    assert counted.ratio == pytest.approx(counted.moments / counted.parameters)
    assert f"ratio {counted.ratio:.2f}" in counted.line()
    # A held-out target or a fit target of weight 0 is no moment.
    held = next(t for t in TARGETS if t.role == "held_out")
    fit = next(t for t in TARGETS if t.role == "fit")
    zero = dataclasses.replace(fit, id="zero", weight=0.0)
    assert moment_count([held, fit, zero], problem.free) == MomentCount(1, len(problem.free))
    assert MomentCount(3, 0).ratio == math.inf


def test_fit_targets_give_paths_and_over_identify():
    fit = [t for t in TARGETS if t.role == "fit"]
    # The same measure fitted at two or more dates or windows (a path, not only its end).
    by_measure: dict[str, int] = {}
    for t in fit:
        by_measure[t.measure] = by_measure.get(t.measure, 0) + 1
    paths = {m for m, n in by_measure.items() if n >= 2}
    assert {"cgvo_in_post", "enterprise_party_members", "cgvo_degree_share", "cgvo_party_share",
            "promotions_civil_service_per_month", "promotions_institution_per_month"} <= paths
    # A third more moments than calibrated parameters (32 for 23 at 2026-12-02; docs/CALIBRATION.md).
    assert moment_count(TARGETS).ratio > 4 / 3


def test_seeds_needed_resolves_the_mean_to_the_acceptance_band():
    target = next(t for t in TARGETS if t.id == "cgvo_in_post")  # band 201.4k-222.6k, 21.2k wide
    rng = np.random.default_rng(0)
    values = rng.normal(212000.0, 10000.0, 400)
    need = compare.seeds_needed(target, values)
    sd = values.std(ddof=1)
    # The mean of `need` seeds has a 90% band within the width; one seed fewer does not.
    assert 2 * compare.Z90 * sd / math.sqrt(need) <= 21200.0 < 2 * compare.Z90 * sd / math.sqrt(need - 1)
    frame = compare.table([target], {target.id: values})
    assert frame.iloc[0].seeds_needed == need
    assert compare.short_of_seeds(frame, int(need)) == []
    assert compare.short_of_seeds(frame, int(need) - 1) == ["cgvo_in_post"]
    assert f"need at most {int(need)} seeds" in compare.seeds_line(frame, int(need) - 1)
    assert "short: cgvo_in_post" in compare.seeds_line(frame, int(need) - 1)
    assert compare.seeds_needed(target, np.array([1.0])) != compare.seeds_needed(target, np.array([1.0]))
    open_target = next(t for t in TARGETS if t.id == "promotions_civil_service_since_2010")
    assert compare.seeds_needed(open_target, values) == 1.0


def test_the_calibration_averages_the_default_seeds():
    from lingtouyan._cli import seeds_arg
    from lingtouyan.calibrate import parser
    from sim.calibration.msm import DEFAULT_SEEDS

    assert tuple(seeds_arg(parser().parse_args([]).seeds)) == DEFAULT_SEEDS
    assert tuple(default_problem(TARGETS).seeds) == DEFAULT_SEEDS
