"""The Hydra configuration of ``sim-run``: its schema, its one validation, job identity.

The schema is built at startup from the model's own data files, so the lever
and parameter values are written in one place only (``sim/data/*.yaml``):

* run settings ``scale``, ``seed``, ``start``, ``end`` with the defaults of
  :func:`sim.resolve`;
* ``policy.<family>.<leaf>``: every lever of ``sim/data/levers.yaml``;
* ``param.<group>.<leaf>``: every world parameter of ``sim/data/parameters.yaml``;
* output settings: ``objective`` and ``outcomes.regions`` (rows by region and
  province in the outcome table);

each lever and parameter with the calibrated values of ``sim/data/calibrated.yaml`` applied (the
file is read once, here). It is registered in Hydra's ``ConfigStore`` as
``sim_run`` and composed with ``configs/config.yaml``, a scenario and,
optionally, an experiment. Struct mode rejects unknown keys.

The composed tree is then the whole configuration of a job. :func:`validate`
hands every leaf of it to :func:`sim.resolve` (the model's one validator),
once per job, and returns the plain keyword arguments of ``VillageModel``;
nothing is subtracted or re-applied. A single run is validated by
:class:`CommandLineCheck` before Hydra creates its run directory; every job
of a sweep is validated by the launcher (``hydra_plugins/lingtouyan_launchers``)
before any job starts, whichever sweeper formed the jobs.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import math
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import MissingConfigException, OverrideParseException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from lingtouyan._io import staging_dir
from sim import ConfigError, RunConfig, resolve
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
OTHER_KEYS = ("scenario_name", "description", "results_dir", "objective", "outcomes")
#: Config groups of ``configs/`` (their options are file names, never paths).
GROUPS = ("scenario", "experiment")
#: What the command line records as the calibration applied (the schema's defaults).
CALIBRATION = "default"


def _sweep_name(experiment: str | None, time: str) -> str:
    """A sweep's directory name: its experiment's name, else the time it started."""
    return str(experiment) if experiment else str(time)


OmegaConf.register_new_resolver("sweep_name", _sweep_name, replace=True)


def _resolve_default(name: str) -> Any:
    return inspect.signature(resolve).parameters[name].default


def build_schema() -> DictConfig:
    """The job config's schema: run settings, ``policy`` and ``param`` with their defaults.

    The defaults are the files' values with the calibrated values applied.
    """
    levers, world = default_sets(CALIBRATION)
    node = OmegaConf.create({
        **{name: _resolve_default(name) for name in RUN_SETTINGS},
        "scenario_name": _resolve_default("scenario"),
        "description": "",
        "results_dir": "results",
        "objective": None,
        "outcomes": {"regions": False},
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


# ------------------------------------------------------------------ the one validation
@dataclass(frozen=True)
class Job:
    """A validated job: what the model is given, and what identifies the result.

    Attributes:
        arguments: Plain ``VillageModel`` keyword arguments (every lever and parameter).
        config: The configuration :func:`sim.resolve` made of them.
        objective: The objective to return, parsed (None if not asked for).
        digest: Hash of the resolved configuration, the code version and, when asked
            for, the outcomes by region (``outcomes.regions``).
        regions: Whether the outcome table has the rows by region and province.
    """

    arguments: dict[str, Any]
    config: RunConfig
    objective: Objective | None
    digest: str
    regions: bool = False


def job_values(cfg: DictConfig) -> dict[str, Any]:
    """The job's own keys of a composed config (``hydra`` left out), as plain data.

    Raises:
        ConfigError: for an interpolation that cannot be resolved.
    """
    data: dict[str, Any] = {}
    for key in cfg:
        if key == "hydra":
            continue
        try:
            node = cfg[key]
            data[str(key)] = (OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node)
                              else node)
        except OmegaConfBaseException as err:
            raise ConfigError(str(getattr(err, "full_key", None) or key), _first_line(err)) from None
    return data


def validate(cfg: DictConfig) -> Job:
    """Validate every leaf of a composed job config with :func:`sim.resolve`, once.

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    chosen = OmegaConf.select(cfg, "hydra.runtime.choices.scenario", default=None)
    return validate_values(job_values(cfg), chosen)


def validate_values(data: Mapping[str, Any], chosen: str | None = None) -> Job:
    """Validate a job's values (:func:`job_values`) with :func:`sim.resolve`, once.

    The tree already holds the calibrated values (the schema's defaults), the
    scenario's changes and the command line's, so it is given to the model
    whole, with ``calibration=None``: the model applies nothing a second time.

    Args:
        data: The job's keys as plain data.
        chosen: The scenario the config group chose (checked against ``scenario_name``).

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
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
    if chosen is not None and chosen != scenario:
        raise ConfigError("scenario_name", f"is {scenario!r} but the scenario chosen is {chosen!r}; "
                          f"choose a scenario with scenario=NAME, not scenario_name")
    if not isinstance(data["results_dir"], str) or not data["results_dir"].strip():
        raise ConfigError("results_dir", f"must be a directory path, got {data['results_dir']!r}")
    for root in ("policy", "param"):
        if not isinstance(data[root], Mapping):
            raise ConfigError(root, f"is a group of settings; set its keys, e.g. {root}.<name>=...")
    arguments = {**{name: data[name] for name in RUN_SETTINGS}, "scenario": scenario,
                 "policy": data["policy"], "params": data["param"], "calibration": None}
    config = resolve(**arguments)
    for root, leaves in (("policy", config.levers), ("param", config.params)):
        for path in leaves:
            if not _has(data[root], path):
                raise ConfigError(f"{root}.{path}", "cannot be removed; set a value instead")
    objective = Objective.parse(data["objective"], config) if data["objective"] is not None else None
    regions = outcome_regions(data)
    return Job(arguments, config, objective, config_digest(config, regions=regions), regions)


def outcome_regions(data: Mapping[str, Any]) -> bool:
    """The run setting ``outcomes.regions``: whether the outcome table has rows by region.

    Raises:
        ConfigError: for anything but true or false.
    """
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, Mapping):
        raise ConfigError("outcomes", "is a group of settings; set its keys, e.g. outcomes.regions=true")
    regions = outcomes.get("regions", False)
    if not isinstance(regions, bool):
        raise ConfigError("outcomes.regions", f"must be true or false, got {regions!r}")
    return regions


def _has(tree: Mapping[str, Any], path: str) -> bool:
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def check_command_line(overrides: Sequence[str]) -> Job:
    """Check a single run's command line as ``sim-run`` does, writing nothing.

    Raises:
        ConfigError: naming the first offending key and what is allowed.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException

    check_overrides(overrides)
    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=VERSION_BASE,
                                   job_name="sim-run"):
            cfg = compose(config_name=CONFIG_NAME, overrides=list(overrides), return_hydra_config=True)
    except (HydraException, OmegaConfBaseException) as err:
        raise hydra_error(err, overrides) from None
    finally:
        GlobalHydra.instance().clear()
    return validate(cfg)


def model_arguments(cfg: DictConfig) -> dict[str, Any]:
    """``VillageModel`` keyword arguments from a composed job config (every leaf, plain).

    They include ``regions`` (``outcomes.regions``); :func:`sim.resolve` takes the others.
    """
    data = job_values(cfg)
    return {**{name: data[name] for name in RUN_SETTINGS}, "scenario": data["scenario_name"],
            "policy": data["policy"], "params": data["param"], "calibration": None,
            "regions": outcome_regions(data)}


def recorded(config: RunConfig) -> dict[str, Any]:
    """A run's resolved configuration as written beside its outputs."""
    return {**config.to_dict(), "calibration": CALIBRATION}


def config_digest(config: RunConfig, *, regions: bool = False) -> str:
    """A job's identity: hash of its resolved configuration and the model's code version.

    Two jobs with the same digest write the same outputs (the model is
    deterministic), so a sweep that finds a finished job of that digest skips it.
    With ``regions`` (``outcomes.regions=true``) the outcome table has more rows,
    so the digest differs; without, it is what it was before that setting existed.
    """
    identity: dict[str, Any] = {"config": recorded(config), "code": code_digest()}
    if regions:
        identity["outcomes"] = {"regions": True}
    text = json.dumps(identity, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def code_digest() -> str:
    """Hash of the model package ``sim/`` (all its sources and data files) as installed."""
    import sim
    from sim.calibration.calibrated import model_version

    return model_version(Path(sim.__file__).resolve().parent, leave_out=())


# ------------------------------------------------------------------ the objective
@dataclass(frozen=True)
class Objective:
    """A named number a sweeper can optimise: the mean of a measure over some months.

    Written ``<measure>`` (every month of the run), ``<measure>@YYYY``,
    ``<measure>@YYYY-YYYY`` (years, inclusive), or ``<measure>@YYYY-MM..YYYY-MM``.

    Attributes:
        text: As written.
        measure: The outcome measure (a name of the tidy table's ``measure`` column).
        first: First month, ``YYYY-MM``.
        last: Last month, ``YYYY-MM``.
    """

    text: str
    measure: str
    first: str
    last: str

    @classmethod
    def parse(cls, text: Any, config: RunConfig) -> Objective:
        """Parse and check ``text`` against the run's months and the model's measures.

        Raises:
            ConfigError: with the key ``objective``.
        """
        form = "<measure>[@YYYY | @YYYY-YYYY | @YYYY-MM..YYYY-MM]"
        if not isinstance(text, str) or not text.strip():
            raise ConfigError("objective", f"must be {form}, got {text!r}")
        measure, _, when = text.strip().partition("@")
        first, last = config.start, config.end
        if when:
            if match := re.fullmatch(r"(\d{4})(?:-(\d{4}))?", when):
                first, last = f"{match[1]}-01", f"{match[2] or match[1]}-12"
            elif match := re.fullmatch(r"(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?", when):
                first, last = match[1], match[2] or match[1]
            else:
                raise ConfigError("objective", f"must be {form}, got {text!r}")
        from sim.timeline import parse_month

        if not (parse_month(config.start) <= parse_month(first, "objective")
                <= parse_month(last, "objective") <= parse_month(config.end)):
            raise ConfigError("objective", f"months {first}..{last} must lie in the run, "
                              f"{config.start}..{config.end}, first before last")
        measures = _measures()
        if measures and measure not in measures:
            raise ConfigError("objective", f"unknown measure {measure!r}; allowed: "
                              + ", ".join(sorted(measures)))
        return cls(text.strip(), measure, first, last)

    def value(self, table: Any) -> float:
        """The objective's value in a tidy outcome table (its national rows)."""
        rows = table[(table["measure"] == self.measure) & (table["date"] >= self.first)
                     & (table["date"] <= self.last)]
        if "region" in rows.columns:
            rows = rows[rows["region"] == "national"]
        value = float(rows["value"].mean())
        if not math.isfinite(value):
            raise ValueError(f"objective {self.text}: undefined (no finite value in those months)")
        return value


def _measures() -> frozenset[str]:
    try:
        from sim.outcomes import reporters
    except ImportError:  # the model's own check stands
        return frozenset()
    return frozenset(reporters())


# ------------------------------------------------------------------ the command line as typed
def check_overrides(texts: Sequence[str]) -> list[Override]:
    """Parse the command line's overrides and reject what Hydra would accept silently.

    One key given twice (the last would win and hide the first), a config-group
    option written as a path (``scenario=../experiment/x``), and
    ``scenario_name=...`` (the label of a scenario, set by its file: setting it
    alone would label a run with a scenario it does not run).

    Raises:
        ConfigError: naming the key.
    """
    parser = OverridesParser.create()
    parsed: list[Override] = []
    seen: dict[str, str] = {}
    for text in texts:
        key = _key(text)
        try:
            (override,) = parser.parse_overrides([text])
        except OverrideParseException as err:
            raise ConfigError(key or text, f"malformed override {text!r} ({_parse_problem(err)}); "
                              "the form is key=value, see "
                              "https://hydra.cc/docs/advanced/override_grammar/basic/") from None
        if not key:
            raise ConfigError(text, "malformed override: no key before '='")
        name = override.get_key_element().lstrip("+~")
        if name in seen:
            raise ConfigError(name, f"given twice ({seen[name]} and {text}); give it once")
        seen[name] = text
        if name == "scenario_name":
            raise ConfigError("scenario_name", "is set by the scenario file; choose a scenario with "
                              "scenario=NAME")
        if (name in GROUPS or "/" in name) and override.value() is not None:
            values = (list(override.sweep_string_iterator()) if override.is_discrete_sweep()
                      else [override.get_value_element_as_str()])
            for value in values:
                if not re.fullmatch(r"[\w.-]+", str(value)) or ".." in str(value):
                    raise ConfigError(name, f"must be the name of an option (a file name without "
                                      f"its folder or .yaml), got {value!r}")
        parsed.append(override)
    return parsed


def hydra_error(err: Exception, overrides: Sequence[str]) -> ConfigError:
    """One line naming the key, for an error Hydra raised composing the command line."""
    if isinstance(err, ConfigError):
        return err
    if isinstance(err, MissingConfigException):
        group, _, name = (err.missing_cfg_file or "").rpartition("/")
        if group:
            options = ", ".join(err.options or []) or f"the files of the {group} group"
            return ConfigError(group, f"unknown {'scenario' if group == 'scenario' else 'option'} "
                               f"{name!r}; allowed: {options}")
    text = str(err)
    cause = err.__cause__
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        key = str(cause.full_key)
        if isinstance(cause, ConfigKeyError | ConfigAttributeError):
            return ConfigError(key, "unknown key; allowed: " + _allowed_under(key))
        return ConfigError(key, _first_line(cause))
    if match := re.search(r"An item is already at '([^']+)'", text):
        return ConfigError(match.group(1), "already set; change it without the leading '+'")
    if match := re.search(r"'([^']+)' does not exist", text):
        return ConfigError(match.group(1), "cannot be removed: there is no such key")
    if match := re.search(r"Ambiguous value for argument '([^=']+)=", text):
        return ConfigError(match.group(1), "several values are swept only with -m (multirun); "
                           "a single run takes one value")
    if "does not support sweep type" in text or "not supported by" in text:
        key = next((o.split("=", 1)[0] for o in overrides if re.search(r"=\s*\w+\(", o)), "sweep")
        return ConfigError(key.lstrip("+~"), f"{_first_line(err)}; the basic sweeper takes lists "
                           "(a,b,c) and range(); choose a sweeper that samples (hydra/sweeper=...)")
    key = next((_key(o) for o in overrides if f"'{_key(o)}" in text), None)
    return ConfigError(key or "config", _first_line(err))


def _allowed_under(key: str) -> str:
    """The keys beside ``key`` in the schema (for a message)."""
    if key.startswith("hydra"):
        return "the keys of Hydra's own config (sim-run --cfg hydra)"
    node: Any = build_schema()
    parent = key.rpartition(".")[0]
    while parent and OmegaConf.select(node, parent) is None:
        parent = parent.rpartition(".")[0]
    node = OmegaConf.select(node, parent) if parent else node
    if not isinstance(node, DictConfig):
        return f"none below {parent} (it is a single value)"
    return ", ".join(str(k) for k in node)


def _parse_problem(err: OverrideParseException) -> str:
    for line in str(err).splitlines():
        line = line.strip()
        if line and not line.startswith(("Error parsing override", "See https")):
            return line.split(" expecting {", 1)[0]
    return "cannot be parsed"


def _key(override: str) -> str:
    """The key of an override as written: ``+a.b@pkg=1`` -> ``a.b``."""
    return re.split(r"[=@]", override.lstrip("+~"), maxsplit=1)[0].strip()


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


# ------------------------------------------------------------------ Hydra's callbacks
#: Directories a multirun's sweep directory needed that did not exist before it (to undo).
_CREATED: list[Path] = []
#: The staging directory a single run was given (see :func:`undo_run_dir`).
_STAGED: list[Path] = []


class Rejected(BaseException):
    """A :class:`ConfigError` found by a Hydra callback, carried past Hydra's callback guard.

    Hydra turns an ``Exception`` raised by a callback into a warning and goes
    on; a ``BaseException`` stops it, before anything is written.
    """

    def __init__(self, error: ConfigError) -> None:
        super().__init__(str(error))
        self.error = error


class CommandLineCheck(Callback):
    """Checks a single run before Hydra creates its directory; notes what a sweep creates.

    Configured in ``configs/config.yaml`` under ``hydra.callbacks``.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Validate the run, and have Hydra write it into a hidden staging directory.

        Raises:
            Rejected: for a bad value.
        """
        try:
            validate(config)
        except ConfigError as err:
            raise Rejected(err) from None
        final = Path(str(config.hydra.run.dir))
        staging = staging_dir(final)
        _STAGED.append(staging)
        with read_write(config.hydra.run), open_dict(config.hydra.run):
            config.hydra.run.dir = str(staging)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Note which directories of the sweep directory's path are new (see :func:`undo_sweep_dir`).

        An existing sweep directory loses the hidden job directories left by a
        killed sweep whose owner is proven gone (:func:`lingtouyan._io.remove_dead_stages`).
        """
        from lingtouyan._io import remove_dead_stages

        path = Path(str(config.hydra.sweep.dir)).absolute()
        if path.is_dir():
            remove_dead_stages(path)
        _CREATED.clear()
        while not path.exists():
            _CREATED.append(path)
            path = path.parent


def undo_run_dir() -> None:
    """Remove what is left of a single run's staging directory (nothing once it is published).

    Hydra writes its snapshot (``.hydra/``) into the directory before the run
    starts; a full disk or a signal at that moment would otherwise leave it.
    The directory's name holds this process's pid and a random token: it is ours.
    """
    while _STAGED:
        shutil.rmtree(_STAGED.pop(), ignore_errors=True)


def undo_sweep_dir() -> None:
    """Remove what a sweep that ran no job created: Hydra's ``multirun.yaml`` and new empty folders."""
    if _CREATED:
        with contextlib.suppress(OSError):
            (_CREATED[0] / "multirun.yaml").unlink(missing_ok=True)
    for path in _CREATED:
        try:
            path.rmdir()
        except OSError:
            break
    _CREATED.clear()


__all__ = ["CONFIG_DIR", "CONFIG_NAME", "SCHEMA_NAME", "VERSION_BASE", "CommandLineCheck", "Job",
           "Objective", "Rejected", "build_schema", "check_command_line", "check_overrides",
           "config_digest", "hydra_error", "model_arguments", "outcome_regions", "recorded",
           "register_schema", "undo_run_dir", "undo_sweep_dir", "validate", "validate_values"]
