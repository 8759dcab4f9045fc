"""What runs one job in a worker process: Hydra's ``run_job`` on a composed, validated config.

The worker gets the job's config already composed and checked by the
launcher, and the task function by name, so it imports the model once and
keeps it for every job it runs (no process start or import per job). The
jobs of a sweep share a few composed base configs; each is sent pickled,
unpickled once by a worker and kept, and a job's ``key=value`` assignments
are set on it for the job (:func:`run_job`).

It lives outside ``hydra_plugins/`` because Hydra re-imports the modules it
finds there when it scans for plugins, and a function sent to another process
must be the one its module holds.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import hashlib
import importlib
import os
import pickle
import signal
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from omegaconf._utils import OmegaConfDumper

#: libyaml's emitter where PyYAML was built with it (about ten times faster), else PyYAML's.
_YAML_DUMPER = getattr(yaml, "CDumper", yaml.Dumper)

#: One BLAS thread per job: the jobs are the parallelism.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SweepFailed(Exception):  # noqa: N818 (what the sweep did)
    """Some jobs of a sweep failed; each was reported with its overrides and error."""


def start_worker() -> None:
    """Set up a local worker process: Ctrl-C is the parent's to handle; die with the parent."""
    os.environ.update(ONE_THREAD)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from sim.calibration.parallel import die_with_parent

    die_with_parent()


def warm(task: tuple[str, str]) -> None:
    """Import the task's module (and so the model) before the first job arrives."""
    task_by_name(*task)


def task_by_name(module: str, name: str) -> Any:
    """The task function ``module.name``, unwrapped from ``@hydra.main``."""
    task = getattr(importlib.import_module(module), name)
    return getattr(task, "__wrapped__", task)


#: Composed base configs a worker keeps (a sweep has one per choice of config groups).
KEPT_BASES = 8


class _Base:
    """A composed base config a worker keeps for the jobs of a sweep that share it.

    Hydra's ``run_job`` deep-copies a job's config twice and writes its
    snapshot with a YAML emitter in Python, which costs a job at the default
    scale a fifth of its own time; the worker instead keeps the base config
    and the task's view of it (the base without ``hydra``, as Hydra gives the
    task), sets a job's ``key=value`` assignments on both for the job and
    restores them after it.
    """

    def __init__(self, config: Any) -> None:
        from omegaconf import open_dict, read_write

        self.config = config
        self.task = copy.deepcopy(config)
        with read_write(self.task), open_dict(self.task):
            del self.task["hydra"]
        self.logging_configured = False


_BASES: collections.OrderedDict[str, _Base] = collections.OrderedDict()


def _base(key: str, pickled: bytes) -> _Base:
    """The base config ``key`` (unpickled on first use), most recently used kept last."""
    if key in _BASES:
        _BASES.move_to_end(key)
    else:
        _BASES[key] = _Base(pickle.loads(pickled))
        while len(_BASES) > KEPT_BASES:
            _BASES.popitem(last=False)
    return _BASES[key]


def pickled_base(config: Any) -> tuple[str, bytes]:
    """What a payload carries of a base config: its key (a hash) and its pickle."""
    data = pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(data).hexdigest()[:24], data


@contextlib.contextmanager
def _assigned(configs: Sequence[Any], assignments: Sequence[tuple[str, Any]]) -> Iterator[None]:
    """Set the job's ``key=value`` assignments as Hydra does (``merge=True``), then undo them."""
    from omegaconf import OmegaConf

    saved = []
    try:
        for key, value in assignments:
            for config in configs:
                before = OmegaConf.select(config, key)
                saved.append((config, key, OmegaConf.to_container(before)
                              if OmegaConf.is_config(before) else before))
                OmegaConf.update(config, key, value, merge=True)
        yield
    finally:
        for config, key, before in reversed(saved):
            OmegaConf.update(config, key, before, merge=False)


def _set_job(config: Any, job: dict[str, Any]) -> str:
    """Write the job's own Hydra fields into ``config.hydra``; return its output directory."""
    from omegaconf import open_dict, read_write

    output_dir = os.path.abspath(os.path.join(job["sweep_dir"], job["subdir"]))
    with read_write(config.hydra), open_dict(config.hydra):
        config.hydra.overrides.task = list(job["overrides"])
        config.hydra.job.override_dirname = job["dirname"]
        config.hydra.job.num = job["num"]
        config.hydra.job.id = job["id"]
        config.hydra.sweep.dir = job["sweep_dir"]
        config.hydra.sweep.subdir = job["subdir"]
        config.hydra.runtime.output_dir = output_dir
    return output_dir


class _SnapshotDumper(_YAML_DUMPER):  # type: ignore[misc, valid-type]
    """OmegaConf's YAML dumper (strings that read as other types are quoted) on libyaml."""


_SnapshotDumper.add_representer(str, OmegaConfDumper.str_representer)


def _yaml(node: Any) -> str:
    """``OmegaConf.to_yaml(node)``, written by libyaml where PyYAML has it."""
    from omegaconf import OmegaConf

    return yaml.dump(OmegaConf.to_container(node, resolve=False, enum_to_str=True),
                     Dumper=_SnapshotDumper, default_flow_style=False, allow_unicode=True,
                     sort_keys=False)


def run_job(job: dict[str, Any], task_function: Any, callbacks: Any) -> Any:
    """What Hydra's ``hydra.core.utils.run_job`` does for one job of a sweep, without its copies.

    In order: the job's config is its base with its assignments and Hydra
    fields set; it becomes ``HydraConfig``; the output directory and the
    ``.hydra/`` snapshot (``config.yaml``, ``hydra.yaml``, ``overrides.yaml``)
    are written; with ``hydra.job.env_set`` in the environment (and in the
    output directory if ``hydra.job.chdir``) the callbacks' ``on_job_start``,
    the task on the config without ``hydra``, then ``on_job_end``. The task
    must not change its config (the next job of the worker reuses it).

    Returns:
        Hydra's ``JobReturn``.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import (
        JobReturn,
        JobStatus,
        _flush_loggers,
        configure_log,
        env_override,
    )
    from omegaconf import OmegaConf

    base = _base(*job["base"])
    config, task_cfg = base.config, base.task
    old_cwd = os.getcwd()
    original = HydraConfig.instance().cfg
    chdir = False
    with _assigned([config, task_cfg], job["set"]):
        try:
            output_dir = _set_job(config, job)
            HydraConfig.instance().set_config(config)
            hydra_cfg = HydraConfig.instance().cfg
            ret = JobReturn(overrides=list(job["overrides"]), cfg=task_cfg, hydra_cfg=hydra_cfg)
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            chdir = bool(hydra_cfg.hydra.job.chdir)
            if chdir:
                os.chdir(output_dir)
            ret.working_dir = os.getcwd()
            if not base.logging_configured:  # the same for every job of the base
                configure_log(config.hydra.job_logging, config.hydra.verbose)
                base.logging_configured = True
            if config.hydra.output_subdir is not None:
                snapshot = Path(output_dir) / str(config.hydra.output_subdir)
                snapshot.mkdir(parents=True, exist_ok=True)
                for name, node in (("config.yaml", task_cfg), ("hydra.yaml", hydra_cfg),
                                   ("overrides.yaml", config.hydra.overrides.task)):
                    (snapshot / name).write_text(_yaml(node), encoding="utf-8")
            with env_override(OmegaConf.to_container(hydra_cfg.hydra.job.env_set)):
                callbacks.on_job_start(config=config, task_function=task_function)
                try:
                    ret.return_value = task_function(task_cfg)
                    ret.status = JobStatus.COMPLETED
                except Exception as err:
                    ret.return_value = err
                    ret.status = JobStatus.FAILED
            ret.task_name = str(hydra_cfg.hydra.job.name)
            _flush_loggers()
            callbacks.on_job_end(config=config, job_return=ret)
            return ret
        finally:
            HydraConfig.instance().cfg = original
            if chdir:
                os.chdir(old_cwd)


def execute(job: dict[str, Any], task: tuple[str, str], callbacks: Any) -> dict[str, Any]:
    """Run one job (:func:`run_job`); never raises.

    Args:
        job: The launcher's payload (:meth:`SweepLauncher.payload`): the composed base config
            (its key and pickle), the job's ``key=value`` assignments, its overrides and its
            directory.
        task: Module and name of the task function.
        callbacks: Hydra's callbacks of the sweep (``HydraContext.callbacks``).

    Returns:
        ``{"ok": True, "value": <the task's return value>}``, or
        ``{"ok": False, "error": <one line>, "traceback": <text>}``.
    """
    from hydra.core.utils import JobStatus, setup_globals

    os.environ.update(ONE_THREAD)  # for jobs started by a worker of a remote cluster
    try:
        setup_globals()
        # Marked as this worker's before Hydra writes into it: a kill at any moment leaves a
        # directory that a later run can prove dead and remove (lingtouyan._io.remove_dead_stages).
        from pathlib import Path

        from lingtouyan._io import claim

        stage = Path(job["sweep_dir"]) / job["subdir"]
        stage.mkdir(parents=True, exist_ok=True)
        claim(stage)
        ret = run_job(job, task_by_name(*task), callbacks)
        if ret.status == JobStatus.COMPLETED:
            return {"ok": True, "value": ret.return_value}
        err = ret._return_value  # the task's exception (reading return_value would raise it)
        return {"ok": False, "error": _line(err),
                "traceback": "".join(traceback.format_exception(err))}
    except BaseException as err:  # a job's failure is reported, never the worker's end
        return {"ok": False, "error": _line(err), "traceback": traceback.format_exc()}


def _line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")
