"""What runs one job in a worker process: Hydra's ``run_job`` on a composed, validated config.

The worker gets the job's config already composed and checked by the
launcher, and the task function by name, so it imports the model once and
keeps it for every job it runs (no process start or import per job).

It lives outside ``hydra_plugins/`` because Hydra re-imports the modules it
finds there when it scans for plugins, and a function sent to another process
must be the one its module holds.
"""

from __future__ import annotations

import copy
import importlib
import os
import signal
import traceback
from typing import Any

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


def job_config(job: dict[str, Any]) -> Any:
    """The job's config: the composed base with its ``key=value`` overrides applied as Hydra does."""
    from omegaconf import OmegaConf, open_dict, read_write

    config = copy.deepcopy(job["config"])
    for key, value in job["set"]:
        OmegaConf.update(config, key, value, merge=True)
    with read_write(config.hydra), open_dict(config.hydra):
        config.hydra.overrides.task = list(job["overrides"])
        config.hydra.job.override_dirname = job["dirname"]
        config.hydra.job.num = job["num"]
        config.hydra.job.id = job["id"]
        config.hydra.sweep.dir = job["sweep_dir"]
        config.hydra.sweep.subdir = job["subdir"]
    return config


def execute(job: dict[str, Any], task: tuple[str, str], callbacks: Any) -> dict[str, Any]:
    """Run one job with Hydra's ``run_job``; never raises.

    Args:
        job: The launcher's payload (:meth:`SweepLauncher.payload`): the composed base config,
            the job's ``key=value`` assignments, its overrides and its directory.
        task: Module and name of the task function.
        callbacks: Hydra's callbacks of the sweep (``HydraContext.callbacks``).

    Returns:
        ``{"ok": True, "value": <the task's return value>}``, or
        ``{"ok": False, "error": <one line>, "traceback": <text>}``.
    """
    from hydra.core.utils import JobStatus, run_job, setup_globals
    from hydra.types import HydraContext

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
        config = job_config(job)
        context = HydraContext(config_loader=None, callbacks=callbacks)  # type: ignore[arg-type]
        ret = run_job(hydra_context=context, task_function=task_by_name(*task), config=config,
                      job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")
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
