"""The ``lingtouyan`` sweeper: designs and parameter draws for ``sim-run -m``.

Selected with ``hydra/sweeper=lingtouyan``; its options are
``hydra.sweeper.<name>``:

========== ================================================================
design     ``grid`` (default), ``lhs``, ``sobol`` or ``table``
samples    points of an ``lhs`` or ``sobol`` design
ranges     ``{key: [low, high]}`` of an ``lhs`` or ``sobol`` design (also
           ``key=interval(low,high)`` on the command line)
table      CSV file of the ``table`` design (a header of override keys)
draws      parameter draws: calibrated parameters from their standard errors,
           assumed ones over their plausible ranges (``sim/data``)
uncertain  only these keys in the draws (default: all uncertain parameters)
seed       seed of the design and of the draws (same seed, same points)
params     a grid from an experiment file, as the basic sweeper's
========== ================================================================

Every design point and every draw is crossed with the grid of the command
line (``seed=range(0,5)``, a lever's list of values). The sweep directory
gets ``sweep.yaml`` (the design, its keys and job count), ``points.csv``
and ``draws.csv``; ``sim-aggregate`` reads them to give each job's ``draw``.
"""

import csv
import io
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.core.utils import JobStatus
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

# No ``from __future__ import annotations`` here: Hydra imports plugin modules before they are
# in ``sys.modules``, where a dataclass cannot resolve postponed annotations.
log = logging.getLogger(__name__)

PROG = "sim-run"
SWEEP_FILE = "sweep.yaml"
POINTS_FILE = "points.csv"
DRAWS_FILE = "draws.csv"


@dataclass
class LingtouyanSweeperConf:
    """Options of the sweeper (``hydra.sweeper.*``)."""

    _target_: str = "hydra_plugins.lingtouyan_sweeper.sweeper.LingtouyanSweeper"
    design: str = "grid"
    samples: int = 0
    ranges: Any = None  # {key: [low, high]}; typed Any so that a whole mapping can be given
    table: str | None = None
    draws: int = 0
    uncertain: list[str] | None = None
    seed: int = 0
    params: dict[str, str] | None = None
    max_batch_size: int | None = None


ConfigStore.instance().store(group="hydra/sweeper", name="lingtouyan", node=LingtouyanSweeperConf,
                             provider="lingtouyan")


@dataclass(frozen=True)
class Plan:
    """The jobs of a sweep and what describes them."""

    jobs: list[list[str]]
    points: list[dict[str, str]]
    draws: list[dict[str, str]]
    grid_keys: list[str]
    summary: dict[str, Any]


class LingtouyanSweeper(Sweeper):
    """A sweeper that crosses a design, parameter draws and a grid, then hands the jobs to the launcher."""

    def __init__(self, design: str = "grid", samples: int = 0, ranges: Any = None,
                 table: str | None = None, draws: int = 0, uncertain: Any = None, seed: int = 0,
                 params: Any = None, max_batch_size: int | None = None) -> None:
        super().__init__()
        self.design = design
        self.samples = samples
        self.ranges = _plain(ranges) or {}
        self.table = table
        self.draws = draws
        self.uncertain = list(_plain(uncertain)) if uncertain is not None else None
        self.seed = seed
        self.params = _plain(params) or {}
        self.max_batch_size = max_batch_size
        self.hydra_context: HydraContext | None = None
        self.config: DictConfig | None = None
        self.launcher = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        """Keep the context and instantiate the configured launcher."""
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def plan(self, arguments: list[str]) -> Plan:
        """The jobs of the sweep for the command line's ``arguments`` (no side effect).

        Raises:
            ConfigError: naming the option or key at fault.
        """
        from lingtouyan import designs
        from sim.errors import ConfigError

        if self.design not in designs.DESIGNS:
            raise ConfigError("hydra.sweeper.design",
                              f"must be one of {', '.join(designs.DESIGNS)}, got {self.design!r}")
        config_loader = self.hydra_context.config_loader if self.hydra_context else None
        parser = OverridesParser.create(config_loader=config_loader)
        texts = [f"{k}={v}" for k, v in self.params.items()] + list(arguments)
        parsed = parser.parse_overrides(texts)
        ranges = dict(self.ranges)
        grid: dict[str, list[str]] = {}
        for override in parsed:
            key = override.get_key_element()
            if override.is_interval_sweep():
                interval = override.value()
                ranges[key] = [interval.start, interval.end]
                grid.pop(key, None)
            elif override.is_sweep_override():
                if not override.is_discrete_sweep():
                    raise ConfigError(key, f"cannot sweep {_text(override)!r}: give a list (a,b), "
                                      "range(start,stop,step) or interval(low,high)")
                grid[key] = [f"{key}={v}" for v in override.sweep_string_iterator()]
            else:
                grid[key] = [f"{key}={override.get_value_element_as_str()}"]
        if self.design == "grid" and ranges:
            raise ConfigError("hydra.sweeper.ranges", "ranges need design lhs or sobol "
                              "(hydra.sweeper.design=lhs hydra.sweeper.samples=N)")
        if self.design in ("lhs", "sobol"):
            points = designs.space_points(self.design, self.samples, ranges, self.seed)
        elif self.design == "table":
            points = designs.table_points(self.table)
        else:
            points = []
        draws = designs.draw_points(self.draws, self.seed, self.uncertain)
        design_keys = list(points[0]) if points else []
        draw_keys = list(draws[0]) if draws else []
        for keys, what in ((design_keys, "design"), (draw_keys, "draws")):
            clash = [k for k in keys if k in grid]
            if clash:
                raise ConfigError(clash[0], f"is set on the command line and by the {what}; "
                                  "give it in one place")
        clash = [k for k in design_keys if k in draw_keys]
        if clash:
            raise ConfigError(clash[0], "is both a design key and a drawn parameter; leave it out of "
                              "the draws with hydra.sweeper.uncertain=[...]")
        import itertools

        grid_jobs = [list(c) for c in itertools.product(*grid.values())]
        jobs = []
        for point in points or [{}]:
            for draw in draws or [{}]:
                extra = designs.overrides(point) + designs.overrides(draw)
                jobs.extend(job + extra for job in grid_jobs)
        summary = {
            "design": self.design,
            "samples": len(points),
            "ranges": {k: list(v) for k, v in designs.check_ranges(ranges).items()} if points
            and self.design != "table" else {},
            "table": str(self.table) if self.design == "table" else None,
            "design_keys": design_keys,
            "draws": len(draws),
            "draw_keys": draw_keys,
            "seed": self.seed,
            "grid": {k: [v.split("=", 1)[1] for v in vs] for k, vs in grid.items() if len(vs) > 1},
            "jobs": len(jobs),
        }
        return Plan(jobs, points, draws, list(grid), summary)

    def sweep(self, arguments: list[str]) -> Any:
        """Plan the sweep, record it in the sweep directory, launch every job.

        A mistake in the options ends ``sim-run`` with one line and exit status 2
        before anything is written.
        """
        from sim.errors import ConfigError

        assert self.config is not None and self.launcher is not None
        try:
            plan = self.plan(arguments)
            sweep_dir = Path(self.config.hydra.sweep.dir)
            files = _record(plan)
            _check_existing(sweep_dir, files)
        except ConfigError as err:
            print(f"{PROG}: error: {err}", file=sys.stderr, flush=True)
            sys.exit(2)
        if self.design == "sobol" and plan.summary["samples"] & (plan.summary["samples"] - 1):
            print(f"{PROG}: note: a Sobol design keeps its balance with a power of two of samples "
                  f"(got {plan.summary['samples']})", flush=True)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        for name, text in files.items():
            _write_atomically(sweep_dir / name, text)
        s = plan.summary
        print(f"{PROG}: {s['jobs']} jobs ({s['design']}"
              + (f", {s['samples']} points" if s["samples"] else "")
              + (f", {s['draws']} parameter draws" if s["draws"] else "")
              + (", grid " + " × ".join(f"{k} {len(v)}" for k, v in s["grid"].items()) if s["grid"]
                 else "") + f") in {sweep_dir}/", flush=True)
        returns = []
        failed = []
        size = self.max_batch_size or len(plan.jobs) or 1
        start = 0
        while start < len(plan.jobs):
            batch = plan.jobs[start:start + size]
            # Every job has the same keys (the grid's, the design's, the draws'); only the values
            # differ, and the design's and draws' are checked against their leaves above. Composing
            # one job per batch catches a key Hydra cannot compose without the ~0.1-1 s per job of
            # composing them all (hours for a 10,000-job sweep); the jobs still check their values.
            self.validate_batch_is_legal(batch[:1])
            results = self.launcher.launch(batch, initial_job_idx=start)
            failed.extend(r for r in results if r.status == JobStatus.FAILED)
            returns.append(results)
            start += len(batch)
        if failed:
            _ = failed[0].return_value  # raises the first failure, as Hydra's basic sweeper does
        return returns


def _plain(node: Any) -> Any:
    if isinstance(node, DictConfig) or OmegaConf.is_config(node):
        return OmegaConf.to_container(node, resolve=True)
    return node


def _text(override: Override) -> str:
    return override.input_line or override.get_key_element()


def _csv(points: list[dict[str, str]], id_name: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([id_name, *points[0]])
    for i, point in enumerate(points):
        writer.writerow([i, *point.values()])
    return buffer.getvalue()


def _record(plan: Plan) -> dict[str, str]:
    import yaml

    header = ("# The sweep's design, written by the lingtouyan sweeper; sim-aggregate reads it.\n")
    files = {SWEEP_FILE: header + yaml.safe_dump(plan.summary, sort_keys=False, allow_unicode=True)}
    if plan.points:
        files[POINTS_FILE] = _csv(plan.points, "point")
    if plan.draws:
        files[DRAWS_FILE] = _csv(plan.draws, "draw")
    return files


def _check_existing(sweep_dir: Path, files: dict[str, str]) -> None:
    """Refuse a sweep directory that holds a different sweep's design (a rerun of the same is fine)."""
    from sim.errors import ConfigError

    for name, text in files.items():
        path = sweep_dir / name
        if path.exists() and path.read_text(encoding="utf-8") != text:
            raise ConfigError("hydra.sweep.dir", f"{sweep_dir} holds another sweep ({name} differs); "
                              "choose another directory")


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
