"""The launchers: check every job, skip what is done, run the rest, report progress and failures.

Each batch of jobs a sweeper hands over (any sweeper: Hydra's basic one,
Optuna's, ours) goes through the same steps in :meth:`SweepLauncher.launch`:

1. every job's config is composed and validated (:func:`lingtouyan._config.validate`)
   before any job starts: one bad job stops the sweep with one line, nothing run;
2. each job is named by its digest (hash of its resolved config and the code
   version): its directory is ``<sweep dir>/<digest>/``; a directory of that
   name is a finished job (it appears only when complete), so it is skipped;
3. the other jobs run on the workers, each written into a hidden
   ``.<digest>.partial-*`` directory renamed when complete; a failing job is
   reported with its overrides and error and the others go on;
4. progress (done, failed, running, skipped, elapsed, time left) goes to stderr.

With Hydra's basic sweeper, a batch with failed jobs then ends the command
with exit status 1, naming them; other sweepers receive failed job returns
and decide (Optuna's records failed trials).
"""

from __future__ import annotations

import concurrent.futures
import copy
import logging
import math
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper, BasicSweeperConf
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from lingtouyan._worker import ONE_THREAD, SweepFailed, execute, pickled_base, start_worker, warm

log = logging.getLogger(__name__)
PROG = "sim-run"


@dataclass
class LocalLauncherConf:
    """``hydra/launcher=local``: worker processes on this machine.

    Attributes:
        n_jobs: Worker processes; 0 means one per available core.
        progress_every: Seconds between progress lines on stderr.
        check_only: Compose and validate every job, count what is done, run nothing.
    """

    _target_: str = "hydra_plugins.lingtouyan_launchers.launchers.LocalLauncher"
    n_jobs: int = 0
    progress_every: float = 5.0
    check_only: bool = False


@dataclass
class DaskLauncherConf:
    """``hydra/launcher=dask``: a ``dask.distributed`` cluster.

    Attributes:
        address: Scheduler address (``tcp://host:8786``); None starts a local cluster.
        n_workers: Worker processes of the local cluster; 0 means one per available core.
        progress_every: Seconds between progress lines on stderr.
        check_only: Compose and validate every job, count what is done, run nothing.
    """

    _target_: str = "hydra_plugins.lingtouyan_launchers.launchers.DaskLauncher"
    address: str | None = None
    n_workers: int = 0
    progress_every: float = 5.0
    check_only: bool = False


@dataclass
class GridSweeperConf(BasicSweeperConf):
    """``hydra/sweeper=grid`` (the default of ``sim-run``): Hydra's basic sweeper, same grammar."""

    _target_: str = "hydra_plugins.lingtouyan_launchers.launchers.GridSweeper"


class GridSweeper(BasicSweeper):
    """Hydra's basic sweeper (lists, ``range()``, ``choice()``, crossed), checked once.

    The basic sweeper composes every job to check it, and the launcher then
    composes it again; with a launcher of ours, which composes and validates
    every job before running any, the sweeper leaves the check to it.
    """

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Leave the check to our launcher; with another launcher, check as Hydra does."""
        if not getattr(getattr(self, "launcher", None), "checks_every_job", False):
            super().validate_batch_is_legal(batch)


ConfigStore.instance().store(group="hydra/sweeper", name="grid", node=GridSweeperConf,
                             provider="lingtouyan")
ConfigStore.instance().store(group="hydra/launcher", name="local", node=LocalLauncherConf,
                             provider="lingtouyan")
ConfigStore.instance().store(group="hydra/launcher", name="dask", node=DaskLauncherConf,
                             provider="lingtouyan")


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class _Job:
    index: int
    overrides: list[str]
    config: DictConfig
    assignments: list[tuple[str, Any]]
    digest: str
    final: Path
    objective: Any
    staging: Path | None = None
    result: dict[str, Any] | None = None
    duplicates: list[_Job] = field(default_factory=list)


class SweepLauncher(Launcher):
    """What the local and the Dask launcher share; subclasses say how jobs are executed."""

    #: Every job is composed and validated before any runs (read by :class:`GridSweeper`).
    checks_every_job = True

    def __init__(self, progress_every: float = 5.0, check_only: bool = False, **_: Any) -> None:
        self.progress_every = float(progress_every)
        self.check_only = bool(check_only)
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None
        self._pickled: dict[int, tuple[DictConfig, tuple[str, bytes]]] = {}

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        """Keep what every batch needs (Hydra's Launcher API)."""
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    # -------------------------------------------------------------- to be given by a subclass
    def workers(self, jobs: int) -> str:
        """What ``jobs`` jobs run on, for the first line."""
        raise NotImplementedError

    def start(self, jobs: int) -> None:
        """Start the workers for up to ``jobs`` jobs (while the parent checks the jobs)."""

    def run(self, jobs: list[_Job], report: _Progress) -> None:
        """Run ``jobs``, storing each one's worker result in ``job.result`` as it finishes."""
        raise NotImplementedError

    def stop(self, failed: bool) -> None:
        """Stop the workers started by :meth:`start` (at once if ``failed``)."""

    # -------------------------------------------------------------- the steps
    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """Check every job of the batch, skip the finished ones, run the others (Hydra's API)."""
        assert self.config is not None and self.hydra_context is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir)).absolute()
        if not self.check_only:
            self.start(len(job_overrides))
        try:
            returns = self._launch(job_overrides, initial_job_idx, sweep_dir)
        except BaseException:
            self.stop(failed=True)
            raise
        self.stop(failed=False)
        return returns

    def _launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int,
                sweep_dir: Path) -> Sequence[JobReturn]:
        from lingtouyan._config import undo_sweep_dir

        assert self.config is not None and self.hydra_context is not None
        self._pickled.clear()
        composer = _Composer(self.hydra_context, self.config)
        jobs = [self._prepare(composer, initial_job_idx + i, list(o), sweep_dir)
                for i, o in enumerate(job_overrides)]
        unique: dict[str, _Job] = {}
        for job in jobs:
            if job.digest in unique:
                unique[job.digest].duplicates.append(job)
            else:
                unique[job.digest] = job
        done = [job for job in unique.values() if job.final.is_dir()]
        todo = [job for job in unique.values() if not job.final.is_dir()]
        shown = _shown(sweep_dir)
        if self.check_only:
            _say(f"{len(jobs)} jobs checked: {len(done)} done in {shown}, {len(todo)} to run; "
                 "none run (check_only)")
            undo_sweep_dir()
            raise SystemExit(0)
        skipped = f"; {len(done)} already done in {shown}, skipped" if done else ""
        running = (f"running {len(todo)} on {self.workers(len(todo))} -> {shown}/<digest>/" if todo
                   else "nothing to run")
        _say(f"{len(jobs)} jobs checked{skipped}; {running}")
        for job in todo:
            job.staging = sweep_dir / f".{job.digest}.partial-{os.getpid()}-{job.index}"
        report = _Progress(len(todo), len(done), self.progress_every)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        try:
            if todo:
                self.run(todo, report)
        except BaseException:
            for job in todo:
                if job.result is None and job.staging is not None:
                    shutil.rmtree(job.staging, ignore_errors=True)
            raise
        report.finish()
        returns = [self._return(job, unique[job.digest]) for job in jobs]
        failed = [job for job in todo if not job.result or not job.result["ok"]]
        if failed:
            names = ", ".join(f"#{job.index} ({' '.join(filter_overrides(job.overrides))})"
                              for job in failed)
            _say(f"{len(failed)} of {len(todo)} jobs failed: {names}; the finished ones are in {shown}/; "
                 "run the same command again to rerun only the failed ones")
            if str(self.config.hydra.sweeper.get("_target_", "")).endswith((".BasicSweeper",
                                                                             ".GridSweeper")):
                raise SweepFailed(f"{len(failed)} jobs failed")
        return returns

    def _prepare(self, composer: _Composer, index: int, overrides: list[str], sweep_dir: Path) -> _Job:
        """Compose and validate one job (raising ConfigError naming the job)."""
        from lingtouyan._config import validate_values
        from sim import ConfigError

        config, assignments, values, chosen = composer.compose(overrides)
        try:
            job = validate_values(values, chosen)
        except ConfigError as err:
            raise ConfigError(err.key, f"{err.problem} (job #{index}: "
                              f"{' '.join(filter_overrides(overrides))})") from None
        return _Job(index, overrides, config, assignments, job.digest, sweep_dir / job.digest,
                    job.objective)

    def payload(self, job: _Job) -> dict[str, Any]:
        """What a worker needs to run ``job`` (see :func:`lingtouyan._worker.execute`)."""
        assert self.config is not None and job.staging is not None
        return {"base": self._base(job.config), "set": job.assignments, "overrides": job.overrides,
                "dirname": _override_dirname(self.config, job.overrides), "num": job.index,
                "id": f"{self.config.hydra.job.name}_{job.index}",
                "sweep_dir": str(job.staging.parent), "subdir": job.staging.name}

    def _base(self, config: DictConfig) -> tuple[str, bytes]:
        """A job's base config as a worker receives it, pickled once per base of the batch."""
        if id(config) not in self._pickled:
            self._pickled[id(config)] = (config, pickled_base(config))
        return self._pickled[id(config)][1]

    def _return(self, job: _Job, ran: _Job) -> JobReturn:
        """Hydra's record of a job: its config, and the objective or the error."""
        ret = JobReturn(overrides=job.overrides, hydra_cfg=job.config, working_dir=os.getcwd(),
                        task_name=str(job.config.hydra.job.name))
        if ran.result is None:  # done by an earlier run of the sweep
            ret.status = JobStatus.COMPLETED
            ret.return_value = _stored_objective(ran)
        elif ran.result["ok"]:
            ret.status = JobStatus.COMPLETED
            ret.return_value = ran.result["value"]
        else:
            ret.status = JobStatus.FAILED
            ret.return_value = SweepFailed(f"job #{job.index} failed: {ran.result['error']}")
        return ret

    def _finished(self, job: _Job, result: dict[str, Any], report: _Progress) -> None:
        job.result = result
        if result["ok"]:
            report.done += 1
        else:
            report.failed += 1
            report.clear()
            _say(f"job #{job.index} failed ({' '.join(filter_overrides(job.overrides))}): "
                 f"{result['error']}")
            log.debug(result.get("traceback", ""))
            if job.staging is not None:
                shutil.rmtree(job.staging, ignore_errors=True)

    @staticmethod
    def _task(task_function: TaskFunction | None) -> tuple[str, str]:
        assert task_function is not None
        return task_function.__module__, task_function.__qualname__


class _Composer:
    """Composes the jobs of a batch with Hydra, once per choice of config groups.

    A job's plain ``key=value`` overrides (no config group, no ``hydra.*``, no
    ``+``/``~``, no interpolation, a key that exists) are applied to a copy of
    the composition of its other overrides: Hydra applies such overrides last,
    with ``OmegaConf.update(cfg, key, value, merge=True)``, and so does the
    worker. Any other job is composed by Hydra whole. The task checks that the
    configuration it runs has the digest the launcher validated.
    """

    def __init__(self, context: HydraContext, master: DictConfig) -> None:
        self.loader = context.config_loader
        self.master = master
        self.parser = OverridesParser.create()
        self.groups = set(master.hydra.runtime.choices)
        self.bases: dict[tuple[str, ...], tuple[DictConfig, dict[str, Any], str | None]] = {}

    def _base(self, overrides: list[str]) -> tuple[DictConfig, dict[str, Any], str | None]:
        from lingtouyan._config import job_values

        key = tuple(overrides)
        if key not in self.bases:
            config = self.loader.load_sweep_config(self.master, list(overrides))
            chosen = OmegaConf.select(config, "hydra.runtime.choices.scenario", default=None)
            self.bases[key] = (config, job_values(config), chosen)
        return self.bases[key]

    def _simple(self, override: Override) -> bool:
        key = override.key_or_group
        return (override.type == OverrideType.CHANGE and override.package is None
                and not override.is_sweep_override() and not key.startswith("hydra")
                and key not in self.groups and "${" not in str(override.value()))

    def compose(self, overrides: list[str]) -> tuple[DictConfig, list[tuple[str, Any]],
                                                     dict[str, Any], str | None]:
        """The job's base config, its ``key=value`` assignments, its values, its chosen scenario."""
        parsed = self.parser.parse_overrides(overrides)
        rest = [o.input_line for o in parsed if not self._simple(o)]
        config, values, chosen = self._base(rest)
        values = copy.deepcopy(values)
        assignments = [(o.key_or_group, o.value()) for o in parsed if self._simple(o)]
        for key, value in assignments:
            if not _assign(values, key, value):  # Hydra says what is wrong, or that it is right
                config, values, chosen = self._base(overrides)
                return config, [], copy.deepcopy(values), chosen
        return config, assignments, values, chosen


def _assign(tree: dict[str, Any], key: str, value: Any) -> bool:
    """Set ``key`` in ``tree`` as ``OmegaConf.update(merge=True)`` would; False if unsure."""
    *parents, last = key.split(".")
    node: Any = tree
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if not isinstance(node, dict) or last not in node:
        return False
    if isinstance(value, dict) or isinstance(node[last], dict):
        return False
    node[last] = copy.deepcopy(value)
    return True


def _override_dirname(master: DictConfig, overrides: list[str]) -> str:
    """``hydra.job.override_dirname`` of a job, as Hydra forms it."""
    conf = master.hydra.job.config.override_dirname
    lines = sorted(o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in conf.exclude_keys)
    return str(conf.item_sep).join(lines).replace("=", str(conf.kv_sep))


def _stored_objective(job: _Job) -> float | None:
    if job.objective is None:
        return None
    import pandas as pd

    return job.objective.value(pd.read_parquet(job.final / "outcomes.parquet"))


class _Progress:
    """Jobs done / failed / running / skipped, elapsed and time left, on stderr."""

    def __init__(self, total: int, skipped: int, every: float) -> None:
        self.total, self.skipped, self.every = total, skipped, every
        self.done = self.failed = self.running = 0
        self.start = self.last = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.shown = False

    def text(self) -> str:
        elapsed = time.monotonic() - self.start
        finished = self.done + self.failed
        left = ""
        if 0 < finished < self.total:
            left = f", ~{_duration(elapsed / finished * (self.total - finished))} left"
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return (f"{PROG}: {finished}/{self.total} jobs: {self.done} done, {self.failed} failed, "
                f"{self.running} running{skipped}; {_duration(elapsed)} elapsed{left}")

    def tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.last = now
            text = self.text()
            if text == getattr(self, "printed", None):
                return
            self.printed = text
            if self.tty:
                print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)
                self.shown = True
            else:
                print(text, file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.tty and self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        self.running = 0
        self.tick(force=True)
        if self.tty:
            print(file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    seconds = math.ceil(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


def _say(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _wait_loop(jobs: list[_Job], submit: Any, wait: Any, launcher: SweepLauncher, report: _Progress,
               slots: int, capacity: Any) -> None:
    """Keep ``slots`` jobs submitted; hand each finished one to the launcher.

    ``capacity()`` is how many jobs can run at once (what "running" counts).
    """
    waiting = list(reversed(jobs))
    pending: dict[Any, _Job] = {}
    while waiting or pending:
        while waiting and len(pending) < slots:
            job = waiting.pop()
            pending[submit(job)] = job
        report.running = min(len(pending), capacity())
        finished = wait(list(pending), launcher.progress_every)
        for future in finished:
            job = pending.pop(future)
            try:
                result = future.result()
            except Exception as err:  # the worker itself died (killed, out of memory)
                result = {"ok": False, "error": f"{type(err).__name__}: {err}"}
            launcher._finished(job, result, report)
        report.running = min(len(pending), capacity())
        report.tick()


def _terminate(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes at once."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


class LocalLauncher(SweepLauncher):
    """Runs the jobs in worker processes on this machine, one BLAS thread each."""

    def __init__(self, n_jobs: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_jobs = int(n_jobs) if n_jobs and int(n_jobs) > 0 else available_cores()

    def workers(self, jobs: int) -> str:
        """The number of local worker processes."""
        n = min(self.n_jobs, jobs)
        return f"{n} local worker process{'es' if n > 1 else ''}"

    def start(self, jobs: int) -> None:
        """Spawn the worker processes; each imports the model while the jobs are checked."""
        # Spawned workers read the environment when they start (before numpy loads).
        os.environ.update(ONE_THREAD)
        self.processes = max(1, min(self.n_jobs, jobs))
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker)
        task = self._task(self.task_function)
        for _ in range(self.processes):
            self.pool.submit(warm, task)

    def run(self, jobs: list[_Job], report: _Progress) -> None:
        """Run the jobs in the pool of worker processes, which lives for the whole batch."""
        assert self.hydra_context is not None
        task = self._task(self.task_function)
        callbacks = self.hydra_context.callbacks
        pool = self.pool
        _wait_loop(
            jobs, lambda job: pool.submit(execute, self.payload(job), task, callbacks),
            lambda futures, timeout: concurrent.futures.wait(
                futures, timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED).done,
            self, report, slots=2 * self.processes, capacity=lambda: self.processes)

    def stop(self, failed: bool) -> None:
        """Shut the pool down; after a failure or a signal, terminate the workers first.

        A signal that comes while an orderly shutdown waits for the workers
        turns it into the other kind: the workers are terminated and waited
        for before the signal goes on, so none outlives this process (a worker
        still starting would otherwise fail on the pool's vanished semaphores).
        """
        pool = getattr(self, "pool", None)
        if pool is None:
            return
        try:
            if failed:
                _terminate(pool)
            pool.shutdown(wait=True, cancel_futures=failed)
        except BaseException:
            if not failed:
                _terminate(pool)
                pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            self.pool = None


class DaskLauncher(SweepLauncher):
    """Submits the jobs to a ``dask.distributed`` cluster: an existing one, or a local one.

    The workers must be able to import ``lingtouyan`` (the same version) and
    write to the sweep directory (a file system shared with this machine).
    """

    def __init__(self, address: str | None = None, n_workers: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.address = address or None
        self.n_workers = int(n_workers) if n_workers and int(n_workers) > 0 else available_cores()

    def workers(self, jobs: int) -> str:
        """The scheduler, or the local cluster to be started."""
        if self.address:
            return f"the Dask cluster at {self.address}"
        return f"a local Dask cluster of {self.n_workers} worker processes"

    def start(self, jobs: int) -> None:
        """Connect to the scheduler, or start a local cluster, while the jobs are checked."""
        import dask
        import distributed

        self.cluster = None
        # The cluster's own log is for its operators; the sweep reports its jobs itself.
        for name in [n for n in logging.root.manager.loggerDict if n.startswith("distributed")]:
            logging.getLogger(name).setLevel(logging.ERROR)
        with dask.config.set({"distributed.nanny.pre-spawn-environ": {
                **dask.config.get("distributed.nanny.pre-spawn-environ", {}), **ONE_THREAD}}):
            if self.address:
                self.client = distributed.Client(self.address, timeout="30s")
            else:
                self.cluster = distributed.LocalCluster(
                    n_workers=max(1, min(self.n_workers, jobs)), threads_per_worker=1,
                    processes=True, dashboard_address=None, scheduler_kwargs={"dashboard": False})
                self.client = distributed.Client(self.cluster)
        task = self._task(self.task_function)
        self.client.run(warm, task)  # every worker imports the model now

    def run(self, jobs: list[_Job], report: _Progress) -> None:
        """Submit every job to the cluster and collect the results as they finish."""
        import distributed

        assert self.hydra_context is not None
        task = self._task(self.task_function)
        callbacks = self.hydra_context.callbacks
        client = self.client
        self.futures: list[Any] = []

        def submit(job: _Job) -> Any:
            future = client.submit(execute, self.payload(job), task, callbacks, pure=False,
                                   key=f"sim-run-{job.digest}-{os.getpid()}-{job.index}")
            self.futures.append(future)
            return future

        def wait(pending: list[Any], timeout: float) -> Iterable[Any]:
            try:
                return distributed.wait(pending, timeout=timeout, return_when="FIRST_COMPLETED").done
            except distributed.TimeoutError:
                return ()

        # The scheduler queues every job; it may gain or lose workers meanwhile.
        _wait_loop(jobs, submit, wait, self, report, slots=len(jobs),
                   capacity=lambda: sum(client.nthreads().values()))

    def stop(self, failed: bool) -> None:
        """Cancel what is left, disconnect, and stop a local cluster."""
        client, self.client = getattr(self, "client", None), None
        if client is None:
            return
        pending = [f for f in getattr(self, "futures", []) if not f.done()]
        if pending:
            client.cancel(pending)
        client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
