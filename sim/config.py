"""Resolve a run's configuration: defaults, scenario, user changes — all validated.

Nothing here knows about Hydra: the command line converts its config to
plain mappings and calls :func:`resolve`, and so does ``VillageModel``. The
files themselves are read in :mod:`sim.datafiles` (``default_sets``,
``scenario_names`` and ``load_scenario`` are importable from here too).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.datafiles import default_sets, load_scenario, province_names, scenario_names
from sim.errors import ConfigError
from sim.parameters import ParameterSet
from sim.timeline import parse_month

FIRST_MONTH = "2008-01"
LAST_MONTH = "2050-12"
#: Largest seed: the outcome table stores seeds as signed 64-bit integers.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class CrossFieldRule:
    """A rule that binds several leaves, each of which is valid on its own.

    Attributes:
        key: The key the error names (the leaf a user most likely changed).
        holds: ``holds(levers, world)`` -> whether the combination can run.
        allowed: What is allowed, in words (the error's message).
    """

    key: str
    holds: Callable[[ParameterSet, ParameterSet], bool]
    allowed: Callable[[ParameterSet, ParameterSet], str]


def _party_shares(world: ParameterSet) -> tuple[float, float]:
    """(share of the oldest adults in the party pipeline in 2008, the age factor of members)."""
    from sim.agents.villager import MEMBER_AGE_PROFILE

    oldest = MEMBER_AGE_PROFILE[1]
    return (oldest * world.value("villager.initial_member_share")
            + world.value("villager.initial_activist_share")
            + world.value("villager.initial_applicant_share")), oldest


def _party_shares_allowed(levers: ParameterSet, world: ParameterSet) -> str:
    total, oldest = _party_shares(world)
    return (f"members, activists and applicants cannot exceed all adults: {oldest:g} x "
            "initial_member_share (members are most common among the oldest) + "
            f"initial_activist_share + initial_applicant_share must be <= 1, got {total:.6g}")


def _pipeline_error(world: ParameterSet) -> str | None:
    """Why the national pipeline's stocks, flow, stage and shares cannot run together, or None."""
    from sim.pipeline import new_channel_shares, stage_years

    try:
        stage_years(world)
        new_channel_shares(world)
    except ConfigError as err:
        if err.key == "params.pipeline":
            return err.problem
        return f"{err.key.removeprefix('params.pipeline.')}: {err.problem}"
    return None


#: The cross-field rules of the world parameters: what one leaf's ``allowed`` range cannot
#: say. Found by ``tests/test_properties.py`` (combinations the model could not run) and
#: checked by :func:`resolve` once every leaf is valid on its own. The rules that bind
#: levers are the policy families' own (``__post_init__`` of ``sim/policies/``), which
#: :func:`check_cross_field` runs too.
CROSS_FIELD_RULES: tuple[CrossFieldRule, ...] = (
    CrossFieldRule("param.villager.initial_member_share",
                   lambda levers, world: _party_shares(world)[0] <= 1.0, _party_shares_allowed),
    CrossFieldRule("param.pipeline",
                   lambda levers, world: _pipeline_error(world) is None,
                   lambda levers, world: _pipeline_error(world)),
)


def check_cross_field(levers: ParameterSet, world: ParameterSet) -> None:
    """Check the rules that bind several leaves.

    They are the levers' (by building the policy) and :data:`CROSS_FIELD_RULES`.
    :func:`resolve` calls it, so the API, ``sim-run``'s check of its command line
    and a sweep's check of every job all apply the same rules.

    Raises:
        ConfigError: naming the rule's key and what is allowed.
    """
    from sim.policies import Policy

    Policy.from_levers(levers)
    for rule in CROSS_FIELD_RULES:
        if not rule.holds(levers, world):
            raise ConfigError(rule.key, rule.allowed(levers, world))


@dataclass(frozen=True)
class RunConfig:
    """Everything a run depends on, validated.

    Attributes:
        scale: Share of the nation's villages simulated, in (0, 1].
        seed: Seed of every random stream.
        start: First month, ``YYYY-MM``.
        end: Last month, ``YYYY-MM``.
        scenario: Scenario name.
        levers: Lever set with the scenario's and the user's changes.
        params: World parameter set with the scenario's and the user's changes.
    """

    scale: float
    seed: int
    start: str
    end: str
    scenario: str
    levers: ParameterSet
    params: ParameterSet
    calibration: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The resolved configuration as plain data (what a run writes beside its outputs)."""
        return {"scale": self.scale, "seed": self.seed, "start": self.start, "end": self.end,
                "scenario": self.scenario, "calibration": self.calibration,
                "policy": self.levers.nested_values(), "param": self.params.nested_values()}


def resolve(*, scale: Any = 0.01, start: Any = FIRST_MONTH, end: Any = "2012-12",
            scenario: str = "as_reported", seed: Any = 0, policy: Mapping[str, Any] | None = None,
            params: Mapping[str, Any] | None = None,
            flat_levers: Mapping[str, Any] | None = None,
            calibration: str | None = "default") -> RunConfig:
    """Validate and combine a run's settings.

    Order: lever and parameter files, the calibrated values (unless
    ``calibration`` is None), the scenario, then ``policy`` and ``params``
    (nested), then ``flat_levers`` (``pay_floor_multiple=1.2``).

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    from sim.policies import split_flat_lever

    if (isinstance(scale, bool | np.bool_) or not isinstance(scale, numbers.Real)
            or not 0 < float(scale) <= 1):
        raise ConfigError("scale", f"must be a number in (0, 1] (share of villages simulated), got {scale!r}")
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ConfigError("seed", f"must be a whole number in [0, {MAX_SEED}] (the outcome table's seed "
                                  f"column is a 64-bit integer), got {seed!r}")
    scale, seed = float(scale), int(seed)
    first = parse_month(start, "start")
    last = parse_month(end, "end")
    if first != parse_month(FIRST_MONTH):
        raise ConfigError("start", f"must be {FIRST_MONTH}: the initial state describes that month, got {start}")
    if last < first:
        raise ConfigError("end", f"must not be before start ({start}), got {end}")
    if last > parse_month(LAST_MONTH):
        raise ConfigError("end", f"must be {LAST_MONTH} or earlier, got {end}")
    if calibration is not None and not isinstance(calibration, str):
        raise ConfigError("calibration", f"must be 'default', a file path or None, got {calibration!r}")
    if calibration not in (None, "default") and not Path(calibration).exists():
        raise ConfigError("calibration", f"no such calibrated file: {calibration}")
    provinces = province_names()
    chosen = load_scenario(scenario)
    base_levers, base_world = default_sets(calibration)
    levers = base_levers.with_values(chosen.get("policy") or {}, "policy", provinces)
    levers = levers.with_values(policy or {}, "policy", provinces)
    nested: dict[str, dict[str, Any]] = {}
    for name, value in (flat_levers or {}).items():
        split = split_flat_lever(name)
        if split is None or split[1] == "":
            raise ConfigError(name, "unknown keyword; levers are <family>_<name>, e.g. pay_floor_multiple")
        family, leaf = split
        if f"{family}.{leaf}" not in levers:
            allowed = sorted(p.split(".", 1)[1] for p in levers if p.startswith(family + "."))
            raise ConfigError(name, f"unknown lever of {family}; allowed: "
                              + ", ".join(f"{family}_{a}" for a in allowed))
        nested.setdefault(family, {})[leaf] = value
    levers = levers.with_values(nested, "policy", provinces)
    world = base_world.with_values(chosen.get("param") or {}, "param", provinces)
    world = world.with_values(params or {}, "param", provinces)
    check_cross_field(levers, world)
    return RunConfig(scale=float(scale), seed=int(seed), start=str(start), end=str(end),
                     scenario=scenario, levers=levers, params=world, calibration=calibration)


__all__ = ["CROSS_FIELD_RULES", "FIRST_MONTH", "LAST_MONTH", "CrossFieldRule", "RunConfig",
           "check_cross_field", "default_sets", "load_scenario", "province_names",
           "resolve", "scenario_names"]
