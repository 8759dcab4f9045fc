"""The Hydra configuration of ``sim-run``: its schema, its checks, and the model's arguments.

The schema is built at startup from the model's own data files, so the lever
and parameter values are written in one place only (``sim/data/*.yaml``):

* run settings ``scale``, ``seed``, ``start``, ``end`` with the defaults of
  :func:`sim.resolve`;
* ``policy.<family>.<leaf>``: every lever of ``sim/data/levers.yaml``;
* ``param.<group>.<leaf>``: every world parameter of ``sim/data/parameters.yaml``.

It is registered in Hydra's ``ConfigStore`` as ``sim_run`` and composed with
``configs/config.yaml``, a scenario from ``configs/scenario/`` and, optionally,
an experiment from ``configs/experiment/``. Struct mode then rejects unknown
keys; :func:`preflight` composes every job of a command line and validates it
with :func:`sim.resolve` before anything is run or written.
"""

from __future__ import annotations

import argparse
import inspect
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import MissingConfigException, OverrideParseException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from sim import ConfigError, resolve
from sim.config import default_sets

#: The Hydra tree: ``configs/`` in a checkout, shipped as ``lingtouyan/configs/`` in a wheel.
CONFIG_DIR = next(path for path in (Path(__file__).resolve().parent.parent / "configs",
                                    Path(__file__).resolve().parent / "configs")
                  if (path / "config.yaml").is_file())
CONFIG_NAME = "config"
SCHEMA_NAME = "sim_run"
VERSION_BASE = "1.3"
#: Run settings of the schema, taken with their defaults from :func:`sim.resolve`.
RUN_SETTINGS = ("scale", "seed", "start", "end")
#: Keys of the job config besides the run settings and the two trees.
OTHER_KEYS = ("scenario_name", "description", "results_dir")
#: Sweeps larger than this are checked value by value rather than job by job.
MAX_JOBS_CHECKED = 64


def _resolve_default(name: str) -> Any:
    return inspect.signature(resolve).parameters[name].default


def build_schema() -> DictConfig:
    """The job config's schema: run settings, ``policy`` and ``param`` with their defaults.

    The defaults are the files' values with the calibrated values applied.
    """
    levers, world = default_sets()
    node = OmegaConf.create({
        **{name: _resolve_default(name) for name in RUN_SETTINGS},
        "scenario_name": _resolve_default("scenario"),
        "description": "",
        "results_dir": "results",
        "policy": levers.nested_values(),
        "param": world.nested_values(),
    })
    # A mapping leaf (values by province or by year) may gain keys; the model checks them.
    for root, leaves in (("policy", levers), ("param", world)):
        for path, leaf in leaves.items():
            if isinstance(leaf.value, Mapping):
                OmegaConf.set_struct(OmegaConf.select(node, f"{root}.{path}"), False)
    return node


def register_schema() -> None:
    """Store the schema in Hydra's ``ConfigStore`` as ``sim_run``."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=build_schema())


# ------------------------------------------------------------------ the model's arguments
def model_arguments(cfg: DictConfig) -> dict[str, Any]:
    """``VillageModel`` keyword arguments from a composed job config.

    ``policy`` and ``params`` hold only the leaves that differ from the
    scenario's values (the file defaults with the scenario's changes), because
    the model applies the scenario again itself: passing every value would
    undo the scenario's changes.

    Raises:
        ConfigError: for an unknown or removed key, or a value the model rejects.
    """
    try:
        data = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as err:
        raise _omegaconf_error(err) from None
    allowed = (*RUN_SETTINGS, *OTHER_KEYS, "policy", "param")
    for key in data:
        if key not in allowed:
            raise ConfigError(str(key), "unknown key; allowed: " + ", ".join(allowed))
    for key in allowed:
        if key not in data:
            raise ConfigError(key, "cannot be removed; set a value instead")
    scenario = data["scenario_name"]
    if not isinstance(scenario, str):
        raise ConfigError("scenario", f"must be a scenario name, got {scenario!r}")
    if not isinstance(data["results_dir"], str) or not data["results_dir"].strip():
        raise ConfigError("results_dir", f"must be a directory path, got {data['results_dir']!r}")
    baseline = resolve(scenario=scenario)
    policy = _changes(data["policy"], baseline.levers.nested_values(), set(baseline.levers),
                      "policy")
    params = _changes(data["param"], baseline.params.nested_values(), set(baseline.params),
                      "param")
    return {**{name: data[name] for name in RUN_SETTINGS}, "scenario": scenario,
            "policy": policy, "params": params}


def _changes(composed: Any, baseline: Mapping[str, Any], leaves: set[str], root: str,
             prefix: str = "") -> dict[str, Any]:
    """The part of ``composed`` that differs from ``baseline``, leaf by leaf.

    A key the baseline does not have, or a group given a plain value, is kept
    as it is so that the model rejects it with the names it allows.
    """
    where = f"{root}.{prefix}" if prefix else root
    if not isinstance(composed, Mapping):
        example = next(_leaf_paths(baseline, leaves, prefix))
        raise ConfigError(where, f"is a group of settings; set its keys, e.g. {root}.{example}=...")
    out: dict[str, Any] = {}
    for key, value in composed.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in leaves:
            if not _same(value, baseline[key]):
                out[key] = value
        elif key in baseline and isinstance(value, Mapping):
            inner = _changes(value, baseline[key], leaves, root, path)
            if inner:
                out[key] = inner
        else:
            out[key] = value
    for key in baseline:
        if key not in composed:
            path = f"{prefix}.{key}" if prefix else str(key)
            raise ConfigError(f"{root}.{path}", "cannot be removed; set a value instead")
    return out


def _leaf_paths(node: Mapping[str, Any], leaves: set[str], prefix: str) -> Iterator[str]:
    """Leaf paths below ``prefix`` in file order."""
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in leaves:
            yield path
        elif isinstance(value, Mapping):
            yield from _leaf_paths(value, leaves, path)


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same kind (``True`` is not ``1``; ``1`` is ``1.0``)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return not (math.isnan(a) or math.isnan(b)) and a == b
    return type(a) is type(b) and a == b


# ------------------------------------------------------------------ checks before a run
def preflight(args: argparse.Namespace) -> int:
    """Compose and validate every job a command line asks for, writing nothing.

    Args:
        args: Hydra's parsed command line (``hydra._internal.utils.get_args_parser``).

    Returns:
        The number of jobs checked.

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    overrides = _parse(args.overrides)
    fixed = [_text(o) for o in overrides if not o.is_sweep_override()]
    with _hydra_context():
        first = _compose(fixed + [_first_value(o) for o in overrides if o.is_sweep_override()],
                         hydra=True)
        multirun = args.multirun or first.hydra.mode == RunMode.MULTIRUN
        if not multirun:
            for override in overrides:
                if override.is_sweep_override():
                    key = override.get_key_element()
                    values = _text(override).split("=", 1)[-1]
                    raise ConfigError(key, f"several values ({values}) are swept only with -m "
                                      "(multirun); a single run takes one value")
            jobs = [fixed]
        else:
            jobs = list(_expand_sweeps(overrides))
        checked = _jobs_to_check(jobs)
        for job in checked:
            _check_job(job)
    return len(checked)


def _parse(texts: Sequence[str]) -> list[Override]:
    parser = OverridesParser.create()
    parsed = []
    for text in texts:
        key = _key(text)
        try:
            override = parser.parse_overrides([text])
        except OverrideParseException as err:
            raise ConfigError(key or text, f"malformed override {text!r} ({_parse_problem(err)}); "
                              "the form is key=value, see "
                              "https://hydra.cc/docs/advanced/override_grammar/basic/") from None
        if not key:
            raise ConfigError(text, "malformed override: no key before '='")
        parsed.extend(override)
    return parsed


def _parse_problem(err: OverrideParseException) -> str:
    for line in str(err).splitlines():
        line = line.strip()
        if line and not line.startswith(("Error parsing override", "See https")):
            return line.split(" expecting {", 1)[0]
    return "cannot be parsed"


def _text(override: Override) -> str:
    if override.input_line:
        return override.input_line
    return f"{override.get_key_element()}={override.get_value_element_as_str()}"


def _first_value(override: Override) -> str:
    if not override.is_discrete_sweep():
        raise ConfigError(override.get_key_element(),
                          f"only lists of values (a,b,c) can be swept, got {_text(override)!r}")
    first = next(iter(override.sweep_string_iterator()), None)
    return f"{override.get_key_element()}={first if first is not None else ''}"


def _expand_sweeps(command_line: list[Override]) -> Iterator[list[str]]:
    """Every job of a multirun, as Hydra's basic sweeper forms them.

    The sweeper's ``params`` (from an experiment file) come first and the
    command line overrides them key by key; each value list is crossed with
    every other. Only config-group and ``hydra.*`` overrides can change the
    sweeper's ``params``, so the config is composed once per choice of those.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    seen: set[tuple[str, ...]] = set()
    params_for: dict[tuple[str, ...], list[str]] = {}
    for job in _product(command_line):
        choice = tuple(text for text in job if _shapes_hydra_config(text))
        if choice not in params_for:
            params = _compose(list(choice), hydra=True).hydra.sweeper.get("params") or {}
            params_for[choice] = [f"{key}={value}" for key, value in params.items()]
        merged = _parse(params_for[choice]) + _parse(job)
        for batch in BasicSweeper.split_arguments(merged, None):
            for combination in batch:
                if tuple(combination) not in seen:
                    seen.add(tuple(combination))
                    yield list(combination)


def _shapes_hydra_config(text: str) -> bool:
    """Whether an override chooses a config file or sets Hydra's own config."""
    key = _key(text)
    return key.startswith("hydra") or (CONFIG_DIR / key).is_dir()


def _product(overrides: list[Override]) -> list[list[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    for override in overrides:
        if override.is_sweep_override() and not override.is_discrete_sweep():
            _first_value(override)
    return [list(job) for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


def _jobs_to_check(jobs: list[list[str]]) -> list[list[str]]:
    """All jobs of a small sweep; of a large one, enough jobs to try every value once."""
    if len(jobs) <= MAX_JOBS_CHECKED:
        return jobs
    covered: set[str] = set()
    chosen = []
    for job in jobs:
        if not covered.issuperset(job):
            chosen.append(job)
            covered.update(job)
    return chosen


def _check_job(overrides: list[str]) -> None:
    resolve(**model_arguments(_compose(overrides, hydra=False)))


@contextmanager
def _hydra_context() -> Iterator[None]:
    """Hydra's compose API on ``configs/``, leaving no global state behind."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=VERSION_BASE,
                               job_name="sim-run"):
        yield


def _compose(overrides: list[str], *, hydra: bool) -> DictConfig:
    try:
        return compose(config_name=CONFIG_NAME, overrides=list(overrides),
                       return_hydra_config=hydra)
    except MissingConfigException as err:
        raise _missing_option(err, overrides) from None
    except Exception as err:  # any failure to compose comes from the command line or configs/
        raise _composition_error(err, overrides) from None


def _missing_option(err: MissingConfigException, overrides: list[str]) -> ConfigError:
    missing = err.missing_cfg_file or ""
    group, _, name = missing.rpartition("/")
    options = list(err.options or [])
    if group:
        what = "scenario" if group == "scenario" else "option"
        options = options or sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        allowed = ", ".join(options) or f"the files in configs/{group}/"
        return ConfigError(group, f"unknown {what} {name!r}; allowed: {allowed}")
    return ConfigError(_key_in(str(err), overrides) or _culprit(overrides), _first_line(err))


def _composition_error(err: Exception, overrides: list[str]) -> ConfigError:
    text = str(err)
    cause = err.__cause__
    if match := re.search(r"Could not override '([^']+)'", text):
        key = match.group(1)
        if isinstance(cause, ConfigKeyError | ConfigAttributeError):
            return ConfigError(key, "unknown key; allowed: " + _allowed_under(key))
        return ConfigError(key, _first_line(cause or err))
    if match := re.search(r"Could not append to config\. An item is already at '([^']+)'", text):
        return ConfigError(match.group(1), "already set; change it without the leading '+'")
    if match := re.search(r"Could not delete from config\. '([^']+)' does not exist", text):
        return ConfigError(match.group(1), "cannot be removed: there is no such key")
    if match := re.search(r"Error merging override ([^=\s]+)=", text):
        return ConfigError(match.group(1), _first_line(cause or err))
    match = re.search(r"full_key: (\S+)", text)
    key = getattr(err, "full_key", None) or (match.group(1) if match else None)
    return ConfigError(str(key or _key_in(text, overrides) or _culprit(overrides)),
                       _first_line(err))


def _culprit(overrides: list[str]) -> str:
    """The key of the first override that cannot be composed on its own."""
    for override in overrides:
        try:
            compose(config_name=CONFIG_NAME, overrides=[override], return_hydra_config=True)
        except Exception:  # the one that fails is the one to name
            return _key(override) or override
    return "config"


def _omegaconf_error(err: OmegaConfBaseException) -> ConfigError:
    return ConfigError(str(getattr(err, "full_key", None) or "config"), _first_line(err))


def _allowed_under(key: str) -> str:
    """The keys beside ``key`` in the composed config (for a message)."""
    parent = key.rpartition(".")[0]
    if parent.startswith("hydra") or key.startswith("hydra"):
        return "the keys of Hydra's own config (sim-run --cfg hydra)"
    cfg = _compose([], hydra=False)
    while parent and OmegaConf.select(cfg, parent) is None:
        parent = parent.rpartition(".")[0]
    node = OmegaConf.select(cfg, parent) if parent else cfg
    if not isinstance(node, DictConfig):
        return f"none below {parent} (it is a single value)"
    return ", ".join(str(k) for k in node)


def _key_in(text: str, overrides: list[str]) -> str | None:
    """The key of an override that the error message quotes."""
    for override in overrides:
        key = _key(override)
        if key and f"'{key}" in text:
            return key
    return None


def _key(override: str) -> str:
    """The key of an override as written: ``+a.b@pkg=1`` -> ``a.b``."""
    return re.split(r"[=@]", override.lstrip("+~"), maxsplit=1)[0].strip()


def _first_line(err: BaseException, index: int = 0) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    return lines[min(index, len(lines) - 1)]


__all__ = ["CONFIG_DIR", "CONFIG_NAME", "SCHEMA_NAME", "VERSION_BASE", "build_schema",
           "model_arguments", "preflight", "register_schema"]
