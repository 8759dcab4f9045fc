"""Input files: a targets file or a calibrated file either loads into values the estimator can
use or is refused with one ConfigError line that names the file's key — never another exception.

The property tests generate valid targets files and damage them in every way the schema
allows (a wrong type at any key, a non-finite number, a value outside its own interval, a
broken or non-UTF-8 file...). ``pytest --hypothesis-show-statistics`` prints how many of
each kind were tried and how they ended.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.calibration.calibrated import CALIBRATED_FILE, CalibratedFileError, load_calibrated
from sim.calibration.targets import TARGET_KEYS, load_targets, loss
from sim.config import resolve
from sim.errors import ConfigError, DataFileError
from sim.outcomes import reporters

MEASURES = sorted(reporters())
FOREVER = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(tmp_path_factory, content: str | bytes) -> Path:
    path = tmp_path_factory.mktemp("targets") / "t.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _check_outcome(path: Path) -> str:
    """Load ``path``: either usable targets or one ConfigError line; returns which."""
    try:
        targets = load_targets(path)
    except ConfigError as err:
        message = str(err)
        assert "\n" not in message and message.strip(), message
        assert err.key.startswith("targets"), err.key
        return "rejected"
    assert targets
    for t in targets:
        low, high = t.interval
        assert low <= high
        assert math.isfinite(t.point) and math.isfinite(t.scale) and t.scale > 0
        assert t.distance(t.point) == 0.0 and t.inside(t.point)
        assert all(math.isfinite(x) for x in t.band if x not in (-math.inf, math.inf))
        assert math.isfinite(t.weight) and t.weight >= 0
    assert loss({t.id: t.point for t in targets}, targets) == 0.0
    return "loaded"


# ---------------------------------------------------------------- generated targets files
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2008, 2050), st.integers(1, 12))


@st.composite
def valid_target(draw, ident: str) -> dict:
    stat = draw(st.sampled_from(["stock", "flow", "mean", "growth"]))
    entry = {"id": ident, "measure": draw(st.sampled_from(MEASURES)), "statistic": stat,
             "role": draw(st.sampled_from(["fit", "held_out"])), "report": "R1",
             "reference": {"line": "L1", "quote": "一"},
             "tolerance": {draw(st.sampled_from(["rel", "abs"])): draw(st.floats(0, 10))}}
    if stat == "stock":
        entry["date"] = draw(months)
    else:
        a, b = sorted([draw(months), draw(months)])
        entry.update(start=a, end=b)
    if entry["role"] == "held_out":  # a held-out target says what it tests
        entry.update({"class": draw(st.sampled_from(["structural", "assumed", "identity"])),
                      "class_reason": "generated"})
    shape = draw(st.sampled_from(["value", "interval", "low", "high", "value_in_interval"]))
    x, y = sorted([draw(finite), draw(finite)])
    if shape == "value":
        entry["value"] = x
    elif shape == "interval":
        entry.update(low=x, high=y)
    elif shape == "low":
        entry["low"] = x
    elif shape == "high":
        entry["high"] = y
    else:
        entry.update(low=x, high=y, value=draw(st.floats(x, y)) if x < y else x)
    if draw(st.booleans()):
        entry["weight"] = draw(st.floats(0, 100))
    return entry


@st.composite
def valid_file(draw) -> list[dict]:
    n = draw(st.integers(1, 4))
    return [draw(valid_target(f"t{i}")) for i in range(n)]


@given(valid_file())
@FOREVER
def test_every_valid_targets_file_loads(tmp_path_factory, targets):
    path = _write(tmp_path_factory, yaml.safe_dump({"targets": targets}, allow_unicode=True))
    assert _check_outcome(path) == "loaded"
    event("valid file: loaded")


ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=8),
    st.sampled_from(["2011-13", "0000-01", "2011-1", "2011-12-01", "nan", ".inf", "L", ""]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
NON_FINITE = st.sampled_from([math.inf, -math.inf, math.nan])


@st.composite
def damaged_file(draw) -> tuple[str, bool, str | bytes]:
    """(kind of damage, whether it must be refused, file content)."""
    targets = draw(valid_file())
    victim = draw(st.sampled_from(targets))
    kind = draw(st.sampled_from([
        "non_finite", "outside_own_interval", "low_above_high", "wrong_type", "missing_key",
        "unknown_key", "empty_list", "not_a_mapping", "duplicate_id", "duplicate_yaml_key",
        "truncated_text", "non_utf8", "random_bytes"]))
    must = True
    if kind == "non_finite":
        key = draw(st.sampled_from(["value", "low", "high", "tolerance", "weight"]))
        bad = draw(NON_FINITE)
        if key == "tolerance":
            victim["tolerance"] = {next(iter(victim["tolerance"])): bad}
        else:
            victim[key] = bad
    elif kind == "outside_own_interval":
        x, y = sorted([draw(finite), draw(finite)])
        if x == y:
            y = x + 1.0
        victim.update(low=x, high=y, value=draw(st.sampled_from([x - 1 - abs(x), y + 1 + abs(y)])))
    elif kind == "low_above_high":
        x, y = sorted([draw(finite), draw(finite)])
        if x == y:
            y = x + 1.0
        victim.pop("value", None)
        victim.update(low=y, high=x)
    elif kind == "wrong_type":
        key = draw(st.sampled_from(sorted(TARGET_KEYS)))
        victim[key] = draw(ANY_VALUE)
        must = False  # a value of another type may still be valid (a text note, an int value)
    elif kind == "missing_key":
        key = draw(st.sampled_from(["id", "measure", "statistic", "role", "report", "reference",
                                    "tolerance", "date", "start", "end"]))
        victim.pop(key, None)
        must = key not in ("date", "start", "end") or key in victim or (
            (victim["statistic"] == "stock") == (key == "date"))
    elif kind == "unknown_key":
        victim[draw(st.text(min_size=1, max_size=6).filter(lambda k: k not in TARGET_KEYS))] = 1
    elif kind == "empty_list":
        targets = []
    elif kind == "duplicate_id" and len(targets) > 1:
        targets[1]["id"] = targets[0]["id"]
    elif kind == "duplicate_id":
        targets.append(dict(targets[0]))
    text = yaml.safe_dump({"targets": targets}, allow_unicode=True)
    if kind == "not_a_mapping":
        text = draw(st.sampled_from(["- 1\n", "3\n", "targets: {}\n", "other: []\n", "null\n", ""]))
    elif kind == "duplicate_yaml_key":
        text = text.replace("  id: ", "  id: dup\n  id: ", 1)
    elif kind == "truncated_text":
        cut = draw(st.integers(1, max(1, len(text) - 1)))
        text = text[:cut] + draw(st.sampled_from(["", "\t", ": :", "{", "[", "'"]))
        must = False
    content: str | bytes = text
    if kind == "non_utf8":
        content = text.encode("utf-8") + b"\n# \xff\xfe\xc3\x28\n"
    elif kind == "random_bytes":
        content = draw(st.binary(min_size=1, max_size=64))
        must = False
    return kind, must, content


@given(damaged_file())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_damaged_targets_file_is_refused_in_one_line_or_loads_usable(tmp_path_factory, case):
    kind, must, content = case
    outcome = _check_outcome(_write(tmp_path_factory, content))
    event(f"{kind}: {outcome}")
    if must:
        assert outcome == "rejected", kind


@pytest.mark.parametrize(("change", "key"), [
    ({"value": math.inf}, "targets[x].value"),
    ({"value": math.nan}, "targets[x].value"),
    ({"low": -math.inf, "value": None, "high": 2.0}, "targets[x].low"),
    ({"tolerance": {"rel": math.inf}}, "targets[x].tolerance.rel"),
    ({"tolerance": {"abs": math.nan}}, "targets[x].tolerance.abs"),
    ({"weight": math.inf}, "targets[x].weight"),
    ({"weight": math.nan}, "targets[x].weight"),
    ({"value": 5.0, "low": 1.0, "high": 2.0}, "targets[x].value"),
    ({"value": 0.5, "low": 1.0}, "targets[x].value"),
    ({"date": "2011-12-01"}, "targets[x].date"),
    ({"experiment": ["a"], "statistic": "experiment"}, "targets[x].experiment"),
])
def test_nonsense_numbers_in_a_target_name_the_target_and_key(tmp_path, change, key):
    entry = {"id": "x", "measure": "cgvo_in_post", "statistic": "stock", "date": "2011-12",
             "value": 1.0, "tolerance": {"rel": 0.1}, "role": "fit", "report": "R4",
             "reference": {"line": "L278", "quote": "q"}, **change}
    entry = {k: v for k, v in entry.items() if v is not None}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"targets": [entry]}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_targets(path)
    assert err.value.key == key and "\n" not in str(err.value)


def test_an_empty_target_list_is_refused(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("targets: []\n")
    with pytest.raises(ConfigError, match="empty"):
        load_targets(path)


# ---------------------------------------------------------------- the calibrated file
GOOD_CALIBRATED = CALIBRATED_FILE.read_text(encoding="utf-8")
A_KEY = next(iter(load_calibrated()))


@pytest.mark.parametrize(("content", "key"), [
    (b"\xff\xfe\x00binary", "file"),
    ("meta: [\n", "file"),
    ("- 1\n- 2\n", "file"),
    ("values: [1, 2]\n", "values"),
    ("meta: [1]\n", "meta"),
    ("meta: {colour: red}\n", "meta.colour"),
    (f"values: {{{A_KEY}: 0.3}}\n", f"values.{A_KEY}"),
    (f"values: {{{A_KEY}: {{value: [1]}}}}\n", f"values.{A_KEY}.value"),
    (f"values: {{{A_KEY}: {{value: '0.3'}}}}\n", f"values.{A_KEY}.value"),
    (f"values: {{{A_KEY}: {{value: .nan}}}}\n", f"values.{A_KEY}.value"),
    (f"values: {{{A_KEY}: {{value: .inf}}}}\n", f"values.{A_KEY}.value"),
    (f"values: {{{A_KEY}: {{value: true}}}}\n", f"values.{A_KEY}.value"),
    ("values: {param.nowhere.x: {value: 1}}\n", "values.param.nowhere.x"),
    (f"values:\n  {A_KEY}: {{value: 0.3}}\n  {A_KEY}: {{value: 0.4}}\n", "file"),
])
def test_a_malformed_calibrated_file_is_one_config_error_naming_file_and_key(tmp_path, content, key):
    path = tmp_path / "cal.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_calibrated(path)
    assert isinstance(err.value, CalibratedFileError) and isinstance(err.value, DataFileError)
    assert err.value.key == key
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ConfigError):
        resolve(calibration=str(path))


@given(st.integers(0, len(GOOD_CALIBRATED) - 1), st.sampled_from(["", "\x00", ": [", "\t", "\xff", "{{"]))
@settings(max_examples=100, deadline=None)
def test_a_damaged_calibrated_file_is_refused_in_one_line_or_loads(tmp_path_factory, cut, tail):
    path = tmp_path_factory.mktemp("cal") / "cal.yaml"
    path.write_text(GOOD_CALIBRATED[:cut] + tail, encoding="utf-8")
    try:
        values = load_calibrated(path)
    except ConfigError as err:
        assert "\n" not in str(err) and str(path) in str(err)
        event("truncated calibrated file: rejected")
        return
    assert all(math.isfinite(v) for v in values.values())
    event("truncated calibrated file: loaded")


def test_sim_compare_with_a_malformed_calibrated_file_is_one_line(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_bytes(b"values: {\xff")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", "from lingtouyan.compare import main; main()",
                           "--calibration", str(path), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and str(path) in proc.stderr
    assert not out.exists()


# ---------------------------------------------------------------- command-line nonsense
def _in_process(module: str, argv: list[str], capsys) -> tuple[int, str, str]:
    import importlib

    from lingtouyan._io import run_command

    cli = importlib.import_module(f"lingtouyan.{module}")
    try:
        status = run_command(cli.PROG, lambda: cli.run(argv))
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


COMPARE_NONSENSE = [
    ["--scale", "abc"], ["--scale", "nan"], ["--scale", "inf"], ["--scale", "0"], ["--scale", "-1"],
    ["--scale", "2"], ["--seeds", ""], ["--seeds", "a"], ["--seeds", "1-5"], ["--seeds", "-3"],
    ["--seeds", "20-1"], ["--seeds", "1,2,x"], ["--jobs", "0"], ["--jobs", "-1"], ["--jobs", "x"],
    ["--scenario", "nope"], ["--scenario", "../experiment/pay_floor_sweep"],
    ["--targets", "{tmp}/missing.yaml"], ["--targets", "{tmp}"], ["--calibration", "{tmp}/missing.yaml"],
    ["--calibration", "{tmp}"], ["--out", "{tmp}/a_file"], ["--colour", "red"],
]
CALIBRATE_NONSENSE = [
    ["--max-evaluations", "0"], ["--max-evaluations", "-5"], ["--max-evaluations", "x"],
    ["--scale", "1.5"], ["--scale", "nan"], ["--seeds", "1,,x"], ["--seeds", ""], ["--jobs", "0"],
    ["--targets", "{tmp}/missing.yaml"], ["--out", "{tmp}"], ["--report", "{tmp}/a_file"],
    ["--cache", "{tmp}/a_file"], ["--out", "{tmp}/a_file"], ["--frobnicate"],
]


@pytest.mark.parametrize(("module", "argv"), [("compare", a) for a in COMPARE_NONSENSE]
                         + [("calibrate", a) for a in CALIBRATE_NONSENSE],
                         ids=lambda x: " ".join(x) if isinstance(x, list) else x)
def test_command_line_nonsense_is_one_line_and_writes_nothing(tmp_path, capsys, module, argv):
    (tmp_path / "a_file").write_text("a user's file")
    argv = [a.format(tmp=tmp_path) for a in argv]
    defaults = {"compare": ["--out", str(tmp_path / "out")],
                "calibrate": ["--out", str(tmp_path / "cal.yaml"), "--report", str(tmp_path / "report"),
                              "--cache", str(tmp_path / "cache")]}[module]
    status, out, err = _in_process(module, [*defaults, *argv], capsys)
    prog = f"sim-{module}"
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith(f"{prog}: error: ") and "Traceback" not in err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
    assert (tmp_path / "a_file").read_text() == "a user's file"


@pytest.mark.parametrize("entry", [{"id": "a\nb"}, {"id": "x", "measure": "cgvo_in_post", "\n": 1},
                                   {"id": " x", "note": 1, "colour\r": 2}])
def test_odd_characters_in_a_key_or_id_stay_on_one_line(tmp_path, entry):
    """Found by the property test: a key holding a line break broke the one-line message."""
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"targets": [entry]}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_targets(path)
    assert "\n" not in str(err.value) and "\r" not in str(err.value)
