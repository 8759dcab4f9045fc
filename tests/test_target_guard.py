"""No target's figure is an input: a guard on VALUES across every data file and sim/'s constants.

The quote check of ``test_calibration.py`` catches a leaf that cites a target's
line. This guard compares numbers: every numeric value of the parameter and
lever files (dated and mapping values included), of ``provinces.csv``, of the
scenario files, and every numeric literal in the code under ``sim/``, against
every target's reported figure at the scales a report prints it (as is, per
cent, 万, 亿). A figure is *distinctive* when it has three or more significant
digits (0.967, 3,846, 212,000); only distinctive figures are guarded, because a
round figure (22 provinces, 0.14) coincides with countless unrelated inputs.
A coincidence judged harmless goes into ``REVIEWED`` with the reason; any
other fails.
"""

from __future__ import annotations

import ast
import csv
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import yaml

from sim.calibration.targets import Target, load_targets

SIM = Path(__file__).resolve().parents[1] / "sim"
DATA = SIM / "data"
TARGETS = load_targets()
#: The scales at which a report prints a figure the model holds as a number.
SCALES = (1.0, 100.0, 0.01, 1e4, 1e-4, 1e8, 1e-8)

#: Coincidences read and judged not to be a target used as an input: (where, target id) -> why.
REVIEWED: dict[tuple[str, str], str] = {
    ("levers.yaml.delegates.liaison_offices.value.prefecture", "enterprise_member_growth_2008_2011"):
        "174 prefecture liaison offices (L369) is a count of offices; the target is the 1.74-fold "
        "growth of enterprise members (L106): the same digits at the per-cent scale, unrelated.",
}


def _significant_digits(x: float) -> int:
    text = f"{abs(x):.10g}".replace(".", "").lstrip("0").rstrip("0")
    return len(text)


def distinctive_figures(targets: Iterable[Target]) -> Iterator[tuple[str, float]]:
    """``(target id, figure)`` for every reported figure with three or more significant digits."""
    for t in targets:
        for v in (t.value, t.low, t.high):
            if v is not None and math.isfinite(v) and v != 0 and _significant_digits(v) >= 3:
                yield t.id, float(v)


def _numbers(node, where: str) -> Iterator[tuple[str, float]]:
    """Every number inside a YAML node, with a dotted location."""
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield where, float(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("allowed", "bounds", "plausible", "reference", "reason", "label", "unit"):
                continue  # ranges and provenance are not values the model runs with
            yield from _numbers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{where}[{i}]")


def yaml_values(path: Path) -> Iterator[tuple[str, float]]:
    """Numbers of a parameter, lever or scenario file (provenance fields skipped)."""
    yield from _numbers(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def csv_values(path: Path) -> Iterator[tuple[str, float]]:
    """Numeric cells of a CSV table, as ``file:row:column``."""
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            first = next(iter(row.values()))
            for column, cell in row.items():
                try:
                    yield f"{path.name}:{first}:{column}", float(cell)
                except (TypeError, ValueError):
                    continue


def code_constants(root: Path) -> Iterator[tuple[str, float]]:
    """Numeric literals in the Python code under ``root``, as ``file:line``."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
                    and not isinstance(node.value, bool)):
                yield f"{path.relative_to(root.parent)}:{node.lineno}", float(node.value)


def every_input() -> list[tuple[str, float]]:
    """Every number the model reads or holds: data files, provinces.csv, scenarios, code."""
    values = [*yaml_values(DATA / "parameters.yaml"), *yaml_values(DATA / "levers.yaml")]
    for scenario in sorted((DATA / "scenario").glob("*.yaml")):
        values += yaml_values(scenario)
    values += csv_values(DATA / "provinces.csv")
    values += code_constants(SIM)
    return values


def clashes(targets: Iterable[Target], inputs: Iterable[tuple[str, float]]) -> list[str]:
    """Inputs equal to a distinctive target figure at one of the printing scales."""
    inputs = list(inputs)
    found = []
    for target_id, figure in distinctive_figures(targets):
        for where, x in inputs:
            if x and any(math.isclose(x, figure * s, rel_tol=1e-9) for s in SCALES):
                if (where, target_id) not in REVIEWED:
                    found.append(f"{where} = {x:g} is the figure of target {target_id} ({figure:g})")
    return found


def test_no_input_value_is_a_target_figure():
    assert not clashes(TARGETS, every_input())


def test_the_guard_reads_every_kind_of_input():
    wheres = [w for w, _ in every_input()]
    assert any(w.startswith("parameters.yaml.") for w in wheres)
    assert any(w.startswith("levers.yaml.") for w in wheres)
    assert any(w.startswith("provinces.csv:") for w in wheres)
    assert any(w.startswith("sim/") and w.endswith(tuple("0123456789")) for w in wheres)


@pytest.mark.parametrize("kind", ["parameter", "province", "code"])
def test_the_guard_fails_on_a_clashing_input(tmp_path, kind):
    """A leaf, a province cell or a code constant holding a target's figure is caught."""
    target = next(t for t in TARGETS if t.id == "county_share_pay_floor")  # 0.967
    if kind == "parameter":
        path = tmp_path / "parameters.yaml"
        path.write_text("secretary:\n  sneaky: {value: 96.7, unit: per cent, label: x, "
                        "status: assumed, reason: r, allowed: [0, 100]}\n", encoding="utf-8")
        inputs = list(yaml_values(path))
    elif kind == "province":
        path = tmp_path / "provinces.csv"
        path.write_text("province,share\nAnhui,0.967\n", encoding="utf-8")
        inputs = list(csv_values(path))
    else:
        package = tmp_path / "sim"
        package.mkdir()
        (package / "rule.py").write_text("SHARE = 0.967\n", encoding="utf-8")
        inputs = list(code_constants(package))
    assert inputs
    found = clashes([target], inputs)
    assert found and "county_share_pay_floor" in found[0]
    assert not clashes([target], [(w, x * 1.01) for w, x in inputs])
