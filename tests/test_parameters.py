"""Parameters as data with provenance; the strict loader; validation of a user's changes."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim import ConfigError, DataFileError, VillageModel, resolve
from sim.agents.structure import load_province_table
from sim.config import province_names
from sim.parameters import DATA_DIR, STATUSES, ParameterSet, load_levers, load_world_parameters

FILES = {"levers": load_levers(), "parameters": load_world_parameters()}
LEAVES = [(name, leaf) for name, params in FILES.items() for leaf in params.values()]
PROVINCES = province_names()



def _leaf_params():
    return [pytest.param(leaf, id=f"{name}:{leaf.path}") for name, leaf in LEAVES]


# ---------------------------------------------------------------- provenance of every leaf
@pytest.mark.parametrize("leaf", _leaf_params())
def test_leaf_has_unit_label_status_and_provenance(leaf):
    assert leaf.unit.strip()
    assert leaf.label.strip()
    assert leaf.status in STATUSES
    if leaf.status == "source":
        assert leaf.reference and (leaf.reference.get("line") or leaf.reference.get("external"))
    if leaf.status == "assumed":
        assert leaf.reason and leaf.reason.strip()
    if leaf.status == "calibrated":
        lo, hi = leaf.bounds
        assert lo < hi
        values = leaf.value.values() if isinstance(leaf.value, dict) else [leaf.value]
        for value in values:
            assert lo <= value <= hi, (value, leaf.bounds)


@pytest.mark.parametrize("leaf", _leaf_params())
def test_allowed_range_and_bounds_are_numbers(leaf):
    # YAML 1.1 reads 1.0e8 (no sign in the exponent) as a string: ranges must still be numbers.
    for limits in (leaf.allowed, leaf.bounds):
        if limits is not None:
            assert len(limits) == 2
            numbers = [isinstance(x, int | float) and not isinstance(x, bool) for x in limits]
            assert all(numbers), limits
            assert limits[0] <= limits[1]


@pytest.mark.parametrize("leaf", _leaf_params())
def test_shipped_value_passes_its_own_validation(leaf):
    assert leaf.validate_value(leaf.value, leaf.path, PROVINCES) == leaf.value


def test_files_have_the_families_the_model_reads():
    families = {path.split(".")[0] for path in FILES["levers"]}
    assert families == {"yiding_sanyou", "pay_floor", "promotion", "retirement", "assessment",
                        "training", "first_secretary", "cgvo", "enterprise", "party_education", "community",
                        "delegates", "democracy"}
    assert len(FILES["parameters"]) > 100
    assert {"national.villages", "enterprise.count_in_scope"} <= set(FILES["parameters"])


# ---------------------------------------------------------------- quotes of the seed document
def _province_meta() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "provinces.meta.yaml").read_text(encoding="utf-8"))


def _seed_references():
    refs = [(f"{name}:{leaf.path}", leaf.reference) for name, leaf in LEAVES
            if leaf.reference and "line" in leaf.reference]
    refs += [(f"provinces.meta:{column}", leaf["reference"])
             for column, leaf in _province_meta().items()
             if isinstance(leaf.get("reference"), dict) and "line" in leaf["reference"]]
    return [pytest.param(ref, id=name) for name, ref in refs]


@pytest.mark.parametrize("reference", _seed_references())
def test_seed_quote_is_on_its_line(reference, seed_lines):
    number = int(re.fullmatch(r"L(\d+)", reference["line"]).group(1))
    assert 1 <= number <= len(seed_lines)
    assert reference["quote"] in seed_lines[number - 1], (reference["line"], reference["quote"])


def test_some_references_are_checked():
    assert len(_seed_references()) > 40


# ---------------------------------------------------------------- no reported target is an input
#: Figures DESIGN §3 says the model must reproduce, as they are written in the reports.
TARGET_PATTERNS = {
    "5692": r"(?<![\d.])5,?692(?!\d)", "5215": r"(?<![\d.])5,?215(?!\d)",
    "4399": r"(?<![\d.])4,?399(?!\d)", "96.7%": r"(?<![\d.])96\.7(?!\d)",
    "85.7%": r"(?<![\d.])85\.7(?!\d)", "92.1%": r"(?<![\d.])92\.1(?!\d)",
    "93.1%": r"(?<![\d.])93\.1(?!\d)", "368k": r"(?<![\d.])(36\.8万|368(?!\d))",
    "983k": r"(?<![\d.])(98\.3万|983(?!\d))", "62.4%": r"(?<![\d.])62\.4(?!\d)",
    "3846": r"(?<![\d.])3,?846(?!\d)", "82000": r"(?<![\d.])(8\.2万|82,?000(?!\d))",
    "212000": r"(?<![\d.])(21\.2万|212,?000(?!\d))",
    "300000 cumulative": r"累计[^，。；]*?(?<![\d.])30万",
}
TARGET_VALUES = {5692, 5215, 4399, 0.967, 0.857, 0.921, 0.931, 368000, 983000, 0.624, 3846, 82000,
                 212000, 300000}


@pytest.mark.parametrize(("text", "figure"), [
    ("选拔进入乡镇领导班子5692人", "5692"), ("96.7%的涉农县", "96.7%"),
    ("覆盖企业98.3万家", "983k"),
    ("目前在岗21.2万人", "212000"), ("已累计选聘大学生村官30万人", "300000 cumulative"),
    ("全国有8.2万名大学生村官", "82000"), ("选任3846人", "3846"),
])
def test_target_patterns_find_the_figures(text, figure):
    assert re.search(TARGET_PATTERNS[figure], text)


@pytest.mark.parametrize("text", ["选派3000名干部", "出资人近30万", "常住人口130万", "15692人",
                                  "196.7"])
def test_target_patterns_ignore_other_figures(text):
    assert not any(re.search(p, text) for p in TARGET_PATTERNS.values())


def test_no_source_or_assumed_leaf_quotes_a_target():
    found = []
    for name, leaf in LEAVES:
        ref = leaf.reference
        if leaf.status not in ("source", "assumed") or not ref or "quote" not in ref:
            continue
        hits = [f for f, p in TARGET_PATTERNS.items() if re.search(p, ref["quote"])]
        if hits:
            found.append(f"{name}:{leaf.path} quotes {hits}")
    assert not found


def test_no_source_or_assumed_leaf_has_a_target_as_its_value():
    found = []
    for name, leaf in LEAVES:
        if leaf.status not in ("source", "assumed"):
            continue
        values = (leaf.value.values() if isinstance(leaf.value, dict)
                  else leaf.value if isinstance(leaf.value, list) else [leaf.value])
        for value in values:
            if isinstance(value, int | float) and not isinstance(value, bool) and any(
                    math.isclose(value, t, rel_tol=1e-9) for t in TARGET_VALUES):
                found.append(f"{name}:{leaf.path} = {value}")
    assert not found


# ---------------------------------------------------------------- the strict loader
VALID = {"group": {"leaf": {"value": 1.5, "unit": "ratio", "label": "A leaf", "status": "source",
                            "reference": {"line": "L20", "quote": "1.5至2倍"}}}}


def _variant(**changes) -> dict:
    leaf = dict(VALID["group"]["leaf"])
    for key, value in changes.items():
        if value is None:
            leaf.pop(key, None)
        else:
            leaf[key] = value
    return {"group": {"leaf": leaf}}


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "params.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("data", [
    VALID,
    _variant(status="assumed", reason="Not reported.", reference=None),
    _variant(status="calibrated", bounds=[1, 2], reference=None),
    _variant(reference={"external": "facts/external.md: a public statistic"}),
    _variant(value=None, values={"2008": 1.0, "2010": 2.0}),
    _variant(reference={"line": "L20", "quote": "1.5至2倍", "note": "midpoint"}),
], ids=["source", "assumed", "calibrated", "external", "series", "note"])
def test_loader_accepts_well_formed_leaves(tmp_path, data):
    params = ParameterSet.load(_write(tmp_path, data))
    assert list(params) == ["group.leaf"]


DUPLICATE_LEAF = """
group:
  leaf: {value: 1, unit: u, label: l, status: assumed, reason: r}
  leaf: {value: 2, unit: u, label: l, status: assumed, reason: r}
"""
#: YAML 1.1 reads ``1.0e8`` (no sign in the exponent) as a string.
EXPONENT_STRING = """
group:
  leaf: {value: 1, unit: u, label: l, status: assumed, reason: r, allowed: [0, 1.0e8]}
"""
DUPLICATE_FIELD = """
group:
  leaf: {value: 1, value: 2, unit: u, label: l, status: assumed, reason: r}
"""


@pytest.mark.parametrize(("data", "message"), [
    (_variant(colour="red"), "unknown key"),
    (_variant(unit=None), "missing unit"),
    (_variant(unit="  "), "missing unit"),
    (_variant(label=None), "missing label"),
    (_variant(status="guessed"), "status must be"),
    (_variant(status=None), "status must be"),
    (_variant(reference=None), "needs a reference"),
    (_variant(status="assumed", reference=None), "needs a reason"),
    (_variant(status="calibrated", reference=None), "needs bounds"),
    (_variant(status="calibrated", bounds=[2, 1]), "needs bounds"),
    (_variant(status="calibrated", bounds=[1]), "needs bounds"),
    (_variant(status="calibrated", bounds=[0, 1]), "outside its bounds"),
    (DUPLICATE_LEAF, "duplicate key"),
    (DUPLICATE_FIELD, "duplicate key"),
    (_variant(reference={"line": 20, "quote": "1.5至2倍"}), "seed reference"),
    (_variant(reference={"line": "L20a", "quote": "1.5至2倍"}), "seed reference"),
    (_variant(reference={"line": "20", "quote": "1.5至2倍"}), "seed reference"),
    (_variant(reference={"line": "L20"}), "seed reference"),
    (_variant(reference={"line": "L20", "quote": ""}), "seed reference"),
    (_variant(reference={"line": "L20", "quote": "q", "page": 3}), "unknown reference key"),
    (_variant(reference="L20"), "reference must be a mapping"),
    (_variant(reference={"title": "a title only"}), "seed line or an external"),
    (_variant(values={"2008": 1.0}), "exactly one of value"),
    (_variant(value=None, values={}), "non-empty mapping"),
    (EXPONENT_STRING, "allowed must be two numbers"),
    (_variant(allowed=[0, True]), "allowed must be two numbers"),
    (_variant(allowed=[0, 1, 2]), "allowed must be two numbers"),
    (_variant(allowed=5), "allowed must be two numbers"),
    (_variant(status="calibrated", bounds=["0", 2]), "needs bounds"),
    ({"group": {"leaf": 3}}, "a leaf needs"),
    ("- 1\n- 2\n", "top level"),
], ids=["unknown-key", "no-unit", "blank-unit", "no-label", "bad-status", "no-status",
        "source-no-reference", "assumed-no-reason", "calibrated-no-bounds",
        "calibrated-reversed-bounds", "calibrated-one-bound", "calibrated-outside-bounds",
        "duplicate-leaf", "duplicate-field", "line-not-string", "line-suffix", "line-no-L",
        "no-quote", "empty-quote", "unknown-reference-key", "reference-not-mapping",
        "reference-neither", "value-and-values", "empty-values", "allowed-exponent-string",
        "allowed-bool", "allowed-three", "allowed-scalar", "bounds-string", "bare-scalar",
        "top-level-list"])
def test_loader_rejects(tmp_path, data, message):
    with pytest.raises(DataFileError, match=re.escape(message)):
        ParameterSet.load(_write(tmp_path, data))


# ---------------------------------------------------------------- the province table
def test_province_table_has_31_provinces_by_region():
    table = load_province_table()
    assert len(table) == 31
    assert table["province"].is_unique
    assert table["region"].value_counts().to_dict() == {"east": 11, "central": 8, "west": 12}
    assert (table["villages"] > 0).all() and (table["agricultural_counties"] > 0).all()
    assert (table["rural_income_2011"] > 0).all()
    assert table["director_pay_ratio"].between(0, 1).all()
    assert table["other_cadre_pay_ratio"].between(0, 1).all()


def test_every_province_column_has_provenance():
    table = load_province_table()
    meta = _province_meta()
    assert set(meta) == set(table.columns)
    for column, leaf in meta.items():
        assert leaf.get("unit") and leaf.get("label"), column
        assert leaf["status"] in STATUSES, column
        if leaf["status"] == "source":
            assert leaf.get("reference"), column
        if leaf["status"] == "assumed":
            assert leaf.get("reason"), column


def _province_files(tmp_path: Path, table_fn=None, meta_fn=None) -> Path:
    table = pd.read_csv(DATA_DIR / "provinces.csv")
    meta = _province_meta()
    table = table_fn(table) if table_fn else table
    meta = meta_fn(meta) if meta_fn else meta
    path = tmp_path / "provinces.csv"
    table.to_csv(path, index=False)
    (tmp_path / "provinces.meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True),
                                                  encoding="utf-8")
    return path


def _drop(key):
    return lambda meta: {k: v for k, v in meta.items() if k != key}


def _edit(column, **changes):
    def fn(meta):
        leaf = {k: v for k, v in meta[column].items() if k not in changes}
        leaf.update({k: v for k, v in changes.items() if v is not None})
        return {**meta, column: leaf}
    return fn


def test_province_loader_accepts_the_shipped_files_copied(tmp_path):
    assert len(load_province_table(_province_files(tmp_path))) == 31


@pytest.mark.parametrize(("table_fn", "meta_fn"), [
    (None, _drop("villages")),
    (None, lambda meta: {**meta, "ghost": dict(meta["villages"])}),
    (None, _edit("region", reference=None)),
    (None, _edit("villages", reason=None)),
    (None, _edit("villages", unit=None)),
    (None, _edit("villages", status="guessed")),
    (lambda t: t.assign(region=t["region"].replace("east", "north")), None),
    (lambda t: t.assign(pay_funding=t["pay_funding"].replace("transfer", "lottery")), None),
    (lambda t: pd.concat([t, t.iloc[[0]]]), None),
], ids=["column-without-provenance", "provenance-without-column", "source-without-reference",
        "assumed-without-reason", "no-unit", "bad-status", "unknown-region", "unknown-funding",
        "duplicate-province"])
def test_province_loader_rejects(tmp_path, table_fn, meta_fn):
    with pytest.raises(DataFileError):
        load_province_table(_province_files(tmp_path, table_fn, meta_fn))


# ---------------------------------------------------------------- a user's changes
RUN_KEYS = {"scale", "start", "end", "scenario", "seed", "policy", "params"}


def _resolve(**kwargs):
    flat = {k: v for k, v in kwargs.items() if k not in RUN_KEYS}
    return resolve(**{k: v for k, v in kwargs.items() if k in RUN_KEYS}, flat_levers=flat)


BAD = [
    # unknown keys
    ({"bogus_lever": 1}, "bogus_lever"),
    ({"pay_floor_bogus": 1}, "pay_floor_bogus"),
    ({"pay_floor_": 1}, "pay_floor_"),
    ({"policy": {"pay_floor": {"multipl": 2.0}}}, "policy.pay_floor.multipl"),
    ({"policy": {"pay_flor": {"multiple": 2.0}}}, "policy.pay_flor"),
    ({"policy": {"pay_floor": 1.2}}, "policy.pay_floor"),
    ({"params": {"secretary": {"quit_slop": 1.0}}}, "param.secretary.quit_slop"),
    ({"params": {"county": {"initial_share": {"roads": 0.5}}}}, "param.county.initial_share.roads"),
    ({"scenario": "utopia"}, "scenario"),
    # out of the allowed range
    ({"pay_floor_multiple": -1}, "policy.pay_floor.multiple"),
    ({"pay_floor_multiple": 11}, "policy.pay_floor.multiple"),
    ({"pay_floor_multiple": math.inf}, "policy.pay_floor.multiple"),
    ({"retirement_age": 30}, "policy.retirement.age"),
    ({"cgvo_recruitment_month": 13}, "policy.cgvo.recruitment_month"),
    ({"policy": {"promotion": {"background_share": 1.5}}}, "policy.promotion.background_share"),
    ({"params": {"county": {"initial_share": {"pension": 1.5}}}},
     "param.county.initial_share.pension"),
    ({"params": {"secretary": {"discount_rate": 0}}}, "param.secretary.discount_rate"),
    ({"first_secretary_by_province": {"Guangxi": -1}},
     "policy.first_secretary.by_province.Guangxi"),
    ({"scale": 0}, "scale"),
    ({"scale": 1.5}, "scale"),
    ({"scale": -0.1}, "scale"),
    ({"end": "2007-12"}, "end"),
    ({"end": "2051-01"}, "end"),
    ({"start": "2009-01"}, "start"),
    ({"seed": -1}, "seed"),
    # wrong type or form
    ({"start": "2008-13"}, "start"),
    ({"end": "2012/12"}, "end"),
    ({"scale": "0.01"}, "scale"),
    ({"scale": True}, "scale"),
    ({"seed": 1.5}, "seed"),
    ({"pay_floor_multiple": "2"}, "policy.pay_floor.multiple"),
    ({"pay_floor_multiple": True}, "policy.pay_floor.multiple"),
    ({"pay_floor_multiple": math.nan}, "policy.pay_floor.multiple"),
    ({"promotion_civil_service_open": "yes"}, "policy.promotion.civil_service_open"),
    ({"promotion_civil_service_open": 1}, "policy.promotion.civil_service_open"),
    ({"promotion_min_tenure_years": 2.5}, "policy.promotion.min_tenure_years"),
    ({"cgvo_start": "2008-4"}, "policy.cgvo.start"),
    ({"cgvo_start": 200804}, "policy.cgvo.start"),
    ({"enterprise_instructors_by_province": 5}, "policy.enterprise.instructors_by_province"),
    ({"params": {"secretary": {"quit_slope": None}}}, "param.secretary.quit_slope"),
    ({"params": {"cgvo": {"local_funding_share": [1.0, 0.5]}}}, "param.cgvo.local_funding_share"),
    ({"params": {"national": {"rural_income": {"2008": "high"}}}},
     "param.national.rural_income.2008"),
    ({"policy": [1, 2]}, "policy"),
    # unknown province
    ({"enterprise_instructors_by_province": {"Atlantis": 5}},
     "policy.enterprise.instructors_by_province.Atlantis"),
    ({"promotion_exam_bonus_points_by_province": {"Atlantis": 20}},
     "policy.promotion.exam_bonus_points_by_province.Atlantis"),
    ({"first_secretary_by_province": {"guangxi": 3000}},
     "policy.first_secretary.by_province.guangxi"),
]


@pytest.mark.parametrize(("kwargs", "key"), BAD, ids=[k for _, k in BAD])
def test_resolve_rejects(kwargs, key):
    with pytest.raises(ConfigError) as info:
        _resolve(**kwargs)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("kwargs", "key"), [
    *BAD,
    # Rules that tie several levers together, checked when the policy objects are built.
    ({"assessment_weight_village": 0, "assessment_weight_township": 0,
      "assessment_weight_county": 0}, "policy.assessment.weight_village"),
    ({"enterprise_campaign_end": "2009-01"}, "policy.enterprise.campaign_end"),
], ids=[*(k for _, k in BAD), "assessment-weights", "campaign-order"])
def test_model_rejects_before_running(kwargs, key):
    with pytest.raises(ConfigError) as info:
        VillageModel(**{"scale": 0.002, **kwargs})
    assert info.value.key == key


@pytest.mark.parametrize(("kwargs", "path", "expected"), [
    ({}, "pay_floor.multiple", 1.75),
    ({"pay_floor_multiple": 1.2}, "pay_floor.multiple", 1.2),
    ({"policy": {"pay_floor": {"multiple": 1.2}}}, "pay_floor.multiple", 1.2),
    ({"policy": {"pay_floor": {"multiple": 1.2}}, "pay_floor_multiple": 1.9},
     "pay_floor.multiple", 1.9),
    ({"pay_floor_multiple": 2}, "pay_floor.multiple", 2.0),
    ({"promotion_min_tenure_years": 4.0}, "promotion.min_tenure_years", 4),
    ({"scenario": "no_yiding_sanyou"}, "yiding_sanyou.adopted", False),
    ({"scenario": "no_yiding_sanyou", "policy": {"yiding_sanyou": {"adopted": True}}},
     "yiding_sanyou.adopted", True),
    ({"enterprise_instructors_by_province": {}}, "enterprise.instructors_by_province", {}),
    ({"promotion_exam_bonus_points_by_province": {"Jilin": 10, "Hebei": 5}},
     "promotion.exam_bonus_points_by_province", {"Jilin": 10.0, "Hebei": 5.0}),
    ({"cgvo_start": "2009-04"}, "cgvo.start", "2009-04"),
])
def test_resolve_applies_changes_in_order(kwargs, path, expected):
    value = _resolve(**kwargs).levers.value(path)
    assert value == expected and type(value) is type(expected)


def test_param_changes_reach_the_world_set():
    config = _resolve(params={"secretary": {"quit_slope": 0.9}, "county": {"initial_share": {
        "pension": 0.4}}})
    assert config.params.value("secretary.quit_slope") == 0.9
    assert config.params.value("county.initial_share.pension") == 0.4
    assert config.params.value("secretary.quit_intercept") == FILES["parameters"].value(
        "secretary.quit_intercept")


def test_a_loaded_mapping_changed_in_place_does_not_leak():
    bonus = load_levers().value("promotion.exam_bonus_points_by_province")
    try:
        bonus["Hebei"] = 99
        assert "Hebei" not in load_levers().value("promotion.exam_bonus_points_by_province")
    finally:
        bonus.pop("Hebei", None)


def test_resolve_does_not_change_the_shipped_sets():
    _resolve(pay_floor_multiple=1.2, params={"secretary": {"quit_slope": 0.9}})
    assert load_levers().value("pay_floor.multiple") == 1.75
    assert load_world_parameters().value("secretary.quit_slope") == 0.6


@pytest.mark.parametrize(("kwargs", "root", "path", "expected"), [
    ({"enterprise_instructors": 800000}, "levers", "enterprise.instructors", 800000.0),
    ({"enterprise_instructors_by_province": {"Anhui": 5000}}, "levers",
     "enterprise.instructors_by_province", {"Anhui": 5000.0}),
    ({"params": {"national": {"rural_population": 6.0e8}}}, "params", "national.rural_population",
     6.0e8),
    ({"params": {"cgvo": {"venture_support_reference_yuan": 9000}}}, "params",
     "cgvo.venture_support_reference_yuan", 9000.0),
], ids=["instructors", "anhui", "rural_population", "venture_reference"])
def test_leaves_with_large_ranges_can_be_set(kwargs, root, path, expected):
    assert getattr(_resolve(**kwargs), root).value(path) == expected


def test_large_range_is_still_enforced():
    with pytest.raises(ConfigError):
        _resolve(enterprise_instructors=2e8)


# ---------------------------------------------------------------- series given from Python
def test_series_keys_must_be_years():
    with pytest.raises(ConfigError):
        _resolve(params={"national": {"rural_income": {"abc": 5000}}})


def test_series_with_integer_years_runs_or_is_rejected():
    """Keys from Python callers are ints; the YAML loader makes them strings."""
    try:
        model = VillageModel(scale=0.002, end="2008-02",
                             params={"national": {"rural_income": {2008: 5000, 2012: 8000}}})
    except ConfigError:
        return
    model.run()
    assert model.economy.national_income == 5000


# ---------------------------------------------------------------- accepted values run
def _calibrated_bounds():
    out = []
    for name, leaf in LEAVES:
        if leaf.status != "calibrated":
            continue
        for end, bound in zip(("low", "high"), leaf.bounds, strict=True):
            out.append(pytest.param(name, leaf.path, bound, id=f"{leaf.path}={end}"))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("file", "path", "bound"), _calibrated_bounds())
def test_calibrated_leaf_runs_at_its_bounds(file, path, bound):
    """Calibration searches the bounds: the model must run at both ends."""
    node: dict = {}
    cursor = node
    *parents, last = path.split(".")
    for part in parents:
        cursor = cursor.setdefault(part, {})
    cursor[last] = bound
    key = "policy" if file == "levers" else "params"
    table = VillageModel(scale=0.002, end="2009-06", seed=1, **{key: node}).run()
    assert len(table) == 18 * table["measure"].nunique()


@pytest.mark.parametrize("scale", [1e-9, 1e-5])
def test_smallest_scales_run_or_are_rejected(scale):
    """A scale validation accepts runs even with a handful of villages and no CGVO at first."""
    try:
        model = VillageModel(scale=scale, end="2009-12")
    except ConfigError:
        return
    assert len(model.villages) >= 1
    assert len(model.run()) == 24 * len(model.datacollector.model_vars)
