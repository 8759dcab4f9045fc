"""How the package is layered, and that every parameter the code looks up exists.

Data flows one way: what is read from ``sim/data`` sits on the ground floor,
below the populations and the policies; the populations do not import the
policies, the configuration or the model; nothing under ``sim/`` imports
Hydra or OmegaConf.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from sim.agents.structure import ELEMENTS
from sim.parameters import load_world_parameters
from sim.policies.delegates import LEVELS

SIM = Path(__file__).resolve().parents[1] / "sim"
#: The ground floor: reading data, calendar, random streams, errors.
GROUND = {"sim.errors", "sim.parameters", "sim.datafiles", "sim.timeline", "sim.streams", "sim.ranking",
          "sim.calibration.calibrated", "sim.data"}


def _module(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


MODULES = {_module(p): _imports(p) for p in sorted(SIM.rglob("*.py"))}


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("lower", "upper"), [
    ("sim.agents", "sim.config"), ("sim.agents", "sim.policies"), ("sim.agents", "sim.model"),
    ("sim.calibration", "sim.config"), ("sim.policies", "sim.agents"), ("sim.policies", "sim.config"),
])
def test_no_import_upward(lower, upper):
    wrong = sorted(m for m, imported in MODULES.items() if _under(m, lower)
                   for name in imported if _under(name, upper))
    assert not wrong, f"{lower} imports {upper}: {wrong}"


@pytest.mark.parametrize("module", sorted(GROUND & set(MODULES)))
def test_the_ground_floor_imports_only_the_ground_floor(module):
    inside = {name for name in MODULES[module] if _under(name, "sim")}
    assert inside <= GROUND, f"{module} imports {sorted(inside - GROUND)}"


def test_nothing_under_sim_imports_hydra_or_omegaconf():
    wrong = sorted(m for m, imported in MODULES.items()
                   for name in imported if _under(name, "hydra") or _under(name, "omegaconf"))
    assert not wrong


def _looked_up_keys() -> set[str]:
    """Every key passed to ``<something>.value("...")`` under ``sim/``, f-strings over the elements expanded."""
    keys = set()
    for path in SIM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "value" and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                keys.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                # "county.initial_share.{element}", "delegates.per_congress.{level}": expanded over
                # the names of the family the placeholder stands for (the one whose expansion the
                # file has); lever look-ups ("{cls.family}.{f.name}") are checked by the lever
                # families themselves.
                options = []
                for names in (ELEMENTS, LEVELS):
                    pieces = [[v.value] if isinstance(v, ast.Constant) else list(names) for v in arg.values]
                    options.append({"".join(combo) for combo in itertools.product(*pieces)})
                world = load_world_parameters()
                keys |= next((o for o in options if all(k in world for k in o)), options[0])
    return keys


def test_every_looked_up_parameter_exists():
    keys = _looked_up_keys()
    assert len(keys) > 150, "the scan found too few look-ups to be reading the code"
    missing = sorted(k for k in keys if k not in load_world_parameters())
    assert not missing, f"looked up but not in sim/data/parameters.yaml: {missing}"
