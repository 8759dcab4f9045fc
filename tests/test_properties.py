"""The model's configuration, generated: every invalid override is refused, every valid one runs.

The overrides are drawn from the configuration's own schema — every lever of
``sim/data/levers.yaml`` and every world parameter of ``sim/data/parameters.yaml``
(with the leaf's type, its ``allowed`` range, its keys) and the run settings
of :func:`sim.resolve` — not from a hand-picked list of keys:

- a **valid** example sets one to six leaves to values their schema allows, often
  several of one group at once (the cross-field combinations: a minimum above a
  maximum, a campaign that ends before it starts, ...), and runs the model at a
  tiny scale through the Python API, checking the invariants of
  ``tests/test_invariants.py`` after every month (CGVOs conserved, at most one
  secretary per village, shares in [0, 1], weights summing to the national
  counts, costs non-negative and finite, no NaN except where a measure is an
  undefined mean over an empty group, the documented ``NAN_WHEN_EMPTY``);
- an **invalid** example sets valid leaves and exactly one invalid one (a value of
  the wrong type, out of range, not finite, not whole, a bad key, a bad date, an
  unknown key, a group set as a value, a wrong run setting): the API raises one
  ``ConfigError`` whose one-line message names that key; a bounded number of
  them go through the ``sim-run`` command, which exits 2 with one line on stderr
  and writes nothing.

Hypothesis runs derandomized (the same examples in every run). Set
``LINGTOUYAN_RELIABILITY_LOG=<file>`` to have each example appended to it as
one JSON line (kind, outcome): ``experiments/reliability_table.py`` counts them.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim import ConfigError, VillageModel
from sim.config import (
    CROSS_FIELD_RULES,
    FIRST_MONTH,
    LAST_MONTH,
    MAX_SEED,
    default_sets,
    province_names,
    resolve,
    scenario_names,
)
from sim.parameters import SERIES_YEARS, Parameter
from sim.timeline import format_month, parse_month

sys.path.insert(0, str(Path(__file__).parent))
from test_invariants import CHECKS

LEVERS, WORLD = default_sets("default")
#: Every leaf of the configuration: (root, dotted path, leaf).
LEAVES: list[tuple[str, str, Parameter]] = (
    [("policy", path, leaf) for path, leaf in LEVERS.items()]
    + [("param", path, leaf) for path, leaf in WORLD.items()])
GROUPS: dict[tuple[str, str], list[tuple[str, str, Parameter]]] = defaultdict(list)
for _root, _path, _leaf in LEAVES:
    GROUPS[(_root, _path.split(".")[0])].append((_root, _path, _leaf))
PROVINCES = sorted(province_names())
SCENARIOS = scenario_names()
#: The smallest runs that still hold a few villages of every kind.
SCALE = 0.001
#: The keys the cross-field rules name: the world's (``sim.config.CROSS_FIELD_RULES``) and the
#: levers' (the policy families' own checks, ``sim/policies/``).
RULE_KEYS = (*(rule.key for rule in CROSS_FIELD_RULES), "policy.assessment.weight_village",
             "policy.enterprise.campaign_end")
#: The leaves those rules bind.
RULE_LEAVES = frozenset({"villager.initial_member_share", "villager.initial_activist_share",
                         "villager.initial_applicant_share", "assessment.weight_village",
                         "assessment.weight_township", "assessment.weight_county",
                         "enterprise.campaign_start", "enterprise.campaign_end",
                         "pipeline.applicant_stock", "pipeline.activist_stock",
                         "pipeline.admissions_in_window", "pipeline.window_months",
                         "pipeline.candidate_years", "pipeline.students.share", "pipeline.workers.share"})
EXAMPLES_VALID = int(os.environ.get("LINGTOUYAN_PROPERTY_EXAMPLES", "60"))
EXAMPLES_INVALID = 5 * EXAMPLES_VALID
EXAMPLES_CLI = 4


def kind_of(leaf: Parameter) -> str:
    """The leaf's type as the validator sees it (``Parameter.validate_value``)."""
    value = leaf.value
    if isinstance(value, bool):
        return "bool"
    if leaf.is_series:
        return "series"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if leaf.unit == "date":
        return "date"
    return "choice" if leaf.choices else "string"


def _record(kind: str, outcome: str) -> None:
    event(f"{kind}: {outcome}")
    log = os.environ.get("LINGTOUYAN_RELIABILITY_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "properties", "kind": kind, "outcome": outcome}) + "\n")


# ---------------------------------------------------------------- values a leaf allows, and not
def _bounds(leaf: Parameter) -> tuple[float, float]:
    lo, hi = leaf.allowed if leaf.allowed is not None else (-1e12, 1e12)
    return float(lo), float(hi)


def number(leaf: Parameter, whole: bool) -> st.SearchStrategy:
    """A number the leaf allows: anywhere in its range, often at an end of it."""
    lo, hi = _bounds(leaf)
    if whole:
        inside = st.integers(math.ceil(lo), math.floor(hi))
        ends = st.sampled_from([math.ceil(lo), math.floor(hi)])
    else:
        inside = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        ends = st.sampled_from([lo, hi])
    return st.one_of(ends, inside)


dates = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.integers(1, 12))
#: The run's own years, where a date or a series year changes what the model does.
near_dates = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2006, 2016), st.integers(1, 12))
near_years = st.integers(*SERIES_YEARS).map(str)


def valid_value(leaf: Parameter) -> st.SearchStrategy:
    """Any value the schema of ``leaf`` allows."""
    kind = kind_of(leaf)
    whole = kind == "int"  # numbers inside a mapping or list are read as floats
    if kind == "bool":
        return st.booleans()
    if kind in ("int", "float"):
        return number(leaf, whole)
    if kind == "series":
        return st.dictionaries(st.one_of(near_years, st.sampled_from(["2000", "2050"])), number(leaf, False),
                               min_size=1, max_size=5)
    if kind == "mapping" and leaf.keys is None:  # fixed names (the congress levels): each of them
        return st.fixed_dictionaries({k: number(leaf, False) for k in leaf.value})
    if kind == "mapping":
        return st.dictionaries(st.sampled_from(PROVINCES), number(leaf, False), max_size=4)
    if kind == "list":
        return st.lists(number(leaf, False), min_size=len(leaf.value), max_size=len(leaf.value))
    if kind == "date":
        return st.one_of(near_dates, dates)
    if kind == "choice":
        return st.sampled_from(leaf.choices)
    return st.text(max_size=20)


def _outside(leaf: Parameter) -> st.SearchStrategy:
    lo, hi = _bounds(leaf)
    below = st.floats(max_value=lo, exclude_max=True, allow_nan=False, allow_infinity=True)
    above = st.floats(min_value=hi, exclude_min=True, allow_nan=False, allow_infinity=True)
    return st.one_of(below, above, st.just(math.nan))


def invalid_value(leaf: Parameter) -> st.SearchStrategy:
    """A value the schema of ``leaf`` refuses, with the key the refusal must name: (value, suffix, what)."""
    kind = kind_of(leaf)
    wrong_type = st.sampled_from(["a word", None, [1, 2], {"x": 1}, "", "1e3x"])
    if kind == "bool":
        bad = st.one_of(wrong_type, st.sampled_from([0, 1, 1.0, "yes", "true"]))
        return bad.map(lambda v: (v, "", "not a boolean"))
    if kind in ("int", "float"):
        cases = [_outside(leaf).map(lambda v: (v, "", "out of range or NaN")),
                 st.one_of(wrong_type, st.booleans(), st.just(np.bool_(True))).map(
                     lambda v: (v, "", "not a number"))]
        lo, hi = _bounds(leaf)
        if kind == "int" and hi - lo >= 1:
            cases.append(st.floats(lo, hi - 1).map(lambda v: math.floor(v) + 0.5).map(
                lambda v: (v, "", "not whole")))
        return st.one_of(*cases)
    if kind == "series":
        bad_key = st.sampled_from(["20x8", "208", "20080", "year", "-200", "1999", "2051", "0000"]).map(
            lambda k: ({k: 1.0}, f".{k}", "not a year"))
        bad_value = st.tuples(near_years, _outside(leaf)).map(lambda t: ({t[0]: t[1]}, f".{t[0]}",
                                                                         "value out of range"))
        return st.one_of(bad_key, bad_value, st.just(({}, "", "no year")),
                         st.sampled_from([1.0, "x", [1]]).map(lambda v: (v, "", "not a mapping")))
    if kind == "mapping" and leaf.keys is None:
        whole = dict.fromkeys(leaf.value, 1.0)
        names = list(leaf.value)
        missing = st.sampled_from(names).map(
            lambda k: ({n: v for n, v in whole.items() if n != k}, "", "a name missing"))
        extra = st.just(({**whole, "Atlantis": 1.0}, "", "an unknown name"))
        bad_value = st.tuples(st.sampled_from(names), _outside(leaf)).map(
            lambda t: ({**whole, t[0]: t[1]}, f".{t[0]}", "value out of range"))
        return st.one_of(missing, extra, bad_value, st.just(({}, "", "no names")),
                         st.just((3, "", "not a mapping")))
    if kind == "mapping":
        bad_key = st.sampled_from(["Atlantis", "beijing", "", "0"]).map(
            lambda k: ({k: 1.0}, f".{k}", "unknown province"))
        bad_value = st.tuples(st.sampled_from(PROVINCES), _outside(leaf)).map(
            lambda t: ({t[0]: t[1]}, f".{t[0]}", "value out of range"))
        return st.one_of(bad_key, bad_value, st.just((3, "", "not a mapping")))
    if kind == "list":
        n = len(leaf.value)
        wrong_length = st.integers(0, n + 2).filter(lambda k: k != n).map(
            lambda k: ([float(_bounds(leaf)[0])] * k, "", "wrong length"))
        bad_element = st.tuples(st.integers(0, n - 1), _outside(leaf)).map(
            lambda t: ([float(_bounds(leaf)[0]) if i != t[0] else t[1] for i in range(n)],
                       f"[{t[0]}]", "element out of range"))
        return st.one_of(wrong_length, bad_element, st.just(("1,2,3", "", "not a list")))
    if kind == "date":
        return st.sampled_from(["2008-13", "2008-00", "2008-1", "08-01", "2008/01", "", "2008-01-01",
                                200801, None]).map(lambda v: (v, "", "not a date"))
    if kind == "choice":
        return st.text(max_size=10).filter(lambda v: v not in leaf.choices).map(
            lambda v: (v, "", "not a choice"))
    return st.just((1, "", "not a string"))


# ---------------------------------------------------------------- whole overrides
def _nest(items: list[tuple[str, str, Any]]) -> dict[str, dict]:
    tree: dict[str, dict] = {"policy": {}, "param": {}}
    for root, path, value in items:
        node = tree[root]
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return tree


KINDS: dict[str, list[tuple[str, str, Parameter]]] = defaultdict(list)
for _entry in LEAVES:
    KINDS[kind_of(_entry[2])].append(_entry)


@st.composite
def chosen_leaves(draw, most: int = 6) -> list[tuple[str, str, Parameter]]:
    """One to ``most`` leaves: a first of a kind drawn evenly (so rare kinds such as dates
    and series are drawn as often as numbers), then others anywhere or of the first's
    group (the cross-field combinations)."""
    first = draw(st.sampled_from(KINDS[draw(st.sampled_from(sorted(KINDS)))]))
    pool = GROUPS[(first[0], first[1].split(".")[0])] if draw(st.booleans()) else LEAVES
    others = draw(st.lists(st.sampled_from(pool), max_size=most - 1,
                           unique_by=lambda t: (t[0], t[1])))
    return [first, *[t for t in others if t[:2] != first[:2]]]


#: Last months of a valid run: mostly within the years the levers act, sometimes decades on.
ends = st.one_of(*[st.integers(parse_month("2008-01"), parse_month("2010-12"))] * 4,
                 st.integers(parse_month(FIRST_MONTH), parse_month(LAST_MONTH))).map(format_month)


@st.composite
def valid_overrides(draw) -> dict[str, Any]:
    """Keyword arguments of ``VillageModel`` that the schema allows."""
    leaves = draw(chosen_leaves())
    items = [(root, path, draw(valid_value(leaf))) for root, path, leaf in leaves]
    tree = _nest(items)
    end = draw(ends)
    months = parse_month(end) - parse_month(FIRST_MONTH) + 1
    if months > 36:  # a long run: one village, so that it stays quick
        scale = 1e-9
    else:
        scale = draw(st.sampled_from([SCALE, SCALE / 2, 1e-9]))
    return {"scale": scale, "seed": draw(st.one_of(st.integers(0, 50), st.just(MAX_SEED))),
            "end": end, "scenario": draw(st.sampled_from(SCENARIOS)),
            "policy": tree["policy"], "params": tree["param"],
            "_kinds": sorted({kind_of(leaf) for _, _, leaf in leaves})}


#: Run settings: (key, invalid value).
BAD_SETTINGS = st.one_of(
    st.sampled_from([0, -0.1, 1.5, math.nan, math.inf, "0.01", True, None]).map(lambda v: ("scale", v)),
    st.sampled_from([-1, MAX_SEED + 1, 2**64, 1.5, True, "7", None]).map(lambda v: ("seed", v)),
    st.sampled_from(["2007-12", "2051-01", "2008-13", "2008", 2012, "2012-12-01"]).map(lambda v: ("end", v)),
    st.sampled_from(["2009-01", "2007-12", "x"]).map(lambda v: ("start", v)),
    st.sampled_from(["no_such_scenario", "", "../as_reported"]).map(lambda v: ("scenario", v)),
)


@st.composite
def invalid_overrides(draw) -> tuple[dict[str, Any], str, str, str]:
    """Valid overrides with exactly one mistake: (kwargs, key the error names, kind, what)."""
    kwargs = {"scale": SCALE, "end": "2008-03", "seed": 1}
    where = draw(st.sampled_from(["leaf"] * 6 + ["unknown key", "group as value", "run setting",
                                                 "cross-field"]))
    leaves = draw(chosen_leaves(most=4))
    *good, (root, path, leaf) = leaves
    # The other leaves are valid, and valid together: none that a cross-field rule binds.
    items = [(r, p, draw(valid_value(lf))) for r, p, lf in good if p not in RULE_LEAVES]
    if where == "leaf":
        value, suffix, what = draw(invalid_value(leaf))
        items.append((root, path, value))
        key, kind = f"{root}.{path}{suffix}", kind_of(leaf)
    elif where == "unknown key":
        name = path.rsplit(".", 1)[0] + "." + draw(st.sampled_from(["no_such_leaf", "Value", "valu"]))
        items.append((root, name, 1.0))
        key, kind, what = f"{root}.{name}", "unknown key", "not in the schema"
    elif where == "group as value":
        group = path.split(".")[0]
        items = [item for item in items if item[1].split(".")[0] != group]
        items.append((root, group, 1.0))
        key, kind, what = f"{root}.{group}", "group", "a group set to a number"
    elif where == "cross-field":
        # Each leaf within its range, together beyond what the model can run (CROSS_FIELD_RULES).
        rule_key = draw(st.sampled_from(RULE_KEYS))
        if rule_key == "param.villager.initial_member_share":
            shares = draw(st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0)).filter(
                lambda t: 1.6 * t[0] + t[1] + t[2] > 1.0 + 1e-9))
            group, names = "villager", ("initial_member_share", "initial_activist_share",
                                        "initial_applicant_share")
            values = list(shares)
        elif rule_key == "param.pipeline":
            # The activists are part of the applicants (L921): no fewer applicants than activists.
            applicants = draw(st.integers(1, 10**9 - 1))
            activists = draw(st.integers(applicants, 10**9))
            group, names, values = "pipeline", ("applicant_stock", "activist_stock"), [applicants, activists]
        elif rule_key == "policy.assessment.weight_village":
            group, names, values = "assessment", ("weight_village", "weight_township",
                                                  "weight_county"), [0.0, 0.0, 0.0]
        else:
            start, end = sorted(draw(st.lists(dates, min_size=2, max_size=2, unique=True)), reverse=True)
            group, names, values = "enterprise", ("campaign_start", "campaign_end"), [start, end]
        items = [item for item in items if item[1].split(".")[0] != group]
        items += [(rule_key.split(".")[0], f"{group}.{name}", value) for name, value in zip(names, values,
                                                                                          strict=True)]
        key, kind, what = rule_key, "cross-field", rule_key.rsplit(".", 1)[1]
    else:
        setting, value = draw(BAD_SETTINGS)
        kwargs[setting] = value
        key, kind, what = setting, "run setting", setting
    tree = _nest(items)
    return {**kwargs, "policy": tree["policy"], "params": tree["param"]}, key, kind, what


# ---------------------------------------------------------------- running a valid configuration
def _check_run(kwargs: dict[str, Any]) -> None:
    model = VillageModel(**kwargs)
    found: list[str] = []
    while model.running:
        month = model.month
        model.step()
        for name, check in CHECKS.items():
            found += [f"{format_month(month)} {name}: {msg}" for msg in check(model, month)]
    assert not found, f"{len(found)} invariant violations, first: {found[:3]}"
    table = model.outcomes()
    months = parse_month(kwargs["end"]) - parse_month(FIRST_MONTH) + 1
    assert table["date"].nunique() == months
    assert np.isfinite(table["value"].dropna()).all()


PROPERTY = settings(deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@given(valid_overrides())
@settings(PROPERTY, max_examples=EXAMPLES_VALID)
def test_every_valid_override_runs_and_keeps_the_invariants(kwargs):
    kinds = kwargs.pop("_kinds")
    rules = set(RULE_KEYS)
    try:
        resolve(**kwargs)
    except ConfigError as err:
        # Every leaf was drawn within its range: only a cross-field rule may refuse them together.
        assert err.key in rules, f"a value the schema allows was refused: {err}"
        assert "\n" not in str(err)
        _record("valid leaves, invalid together (cross-field)", "ConfigError naming the rule's key")
        return
    _check_run(kwargs)
    for kind in kinds:
        _record(f"valid {kind}", "ran, invariants held")


@given(invalid_overrides())
@settings(PROPERTY, max_examples=EXAMPLES_INVALID)
def test_every_invalid_override_is_one_config_error_naming_its_key(case):
    kwargs, key, kind, what = case
    with pytest.raises(ConfigError) as caught:
        VillageModel(**kwargs)
    err = caught.value
    message = str(err)
    assert "\n" not in message and message.startswith(f"{err.key}: "), message
    # The key named is the one that was wrong (a value inside a mapping names its own key).
    assert err.key == key or err.key.startswith(key + ".") or err.key.startswith(key + "["), \
        (err.key, key, what, message)
    _record(f"invalid {kind} ({what})", "ConfigError naming the key")


# ---------------------------------------------------------------- the same through sim-run
def _hydra_text(value: Any) -> str | None:
    """A value as a Hydra override writes it (None: not expressible on a command line)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) \
            else repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list) and all(isinstance(v, int | float) for v in value):
        return "[" + ",".join(_hydra_text(v) for v in value) + "]"
    return None


@st.composite
def invalid_command_lines(draw) -> tuple[list[str], str, str]:
    """A ``sim-run`` command line with exactly one invalid scalar leaf: (overrides, key, kind)."""
    scalars = [t for t in LEAVES if kind_of(t[2]) in ("bool", "int", "float", "date", "list")]
    root, path, leaf = draw(st.sampled_from(scalars))
    value, suffix, what = draw(invalid_value(leaf).filter(
        lambda c: (_hydra_text(c[0]) is not None and c[0] != "" and not isinstance(c[0], list | dict))
        or (kind_of(leaf) == "list" and isinstance(c[0], list))))
    if kind_of(leaf) == "date" and isinstance(value, str) and re.fullmatch(r"[\d-]+", value):
        text = value  # as a user types it: Hydra reads 2008-13 as a string
    else:
        text = _hydra_text(value)
    return [f"{root}.{path}={text}"], f"{root}.{path}{suffix}", f"{kind_of(leaf)} ({what})"


def _sim_run() -> str:
    found = shutil.which("sim-run", path=str(Path(sys.executable).parent)) or shutil.which("sim-run")
    assert found, "sim-run is not installed (python -m pip install -e .)"
    return found


@given(invalid_command_lines())
@settings(PROPERTY, max_examples=EXAMPLES_CLI)
def test_an_invalid_override_on_the_command_line_is_one_line_exit_2_and_writes_nothing(
        tmp_path_factory, case):
    overrides, key, kind = case
    work = tmp_path_factory.mktemp("cli")
    done = subprocess.run([_sim_run(), "scale=0.001", "end=2008-02", *overrides], cwd=work,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HYDRA_FULL_ERROR": "0"})
    assert done.returncode == 2, (overrides, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim-run: error: "), (overrides, done.stderr)
    assert key.split("[")[0] in lines[0], (key, lines[0])
    assert list(work.iterdir()) == [], f"{overrides} wrote {list(work.rglob('*'))}"
    _record(f"sim-run invalid {kind}", "exit 2, one line, nothing written")


def test_the_strategies_cover_every_leaf_and_kind_of_the_schema():
    """The generator is the schema: every leaf can be drawn, and every kind has both strategies."""
    assert len(LEAVES) == len(LEVERS) + len(WORLD) > 200
    kinds = {kind_of(leaf) for _, _, leaf in LEAVES}
    assert {"bool", "int", "float", "series", "mapping", "list", "date"} <= kinds
    for _, _, leaf in LEAVES:  # a strategy of each kind exists for every leaf
        assert kind_of(leaf) != "string", f"{leaf.path}: a free string leaf has no strategy"
        valid_value(leaf).validate()
        invalid_value(leaf).validate()
