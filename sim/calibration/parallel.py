"""A pool of worker processes that never outlives its parent.

Calibration and comparison run their models in a
:class:`~concurrent.futures.ProcessPoolExecutor` (fork: the workers inherit the
imported model). Left alone, such workers survive a killed parent: they hold
the inherited ends of the task queue and wait on it for good. Here each
worker, when it starts:

- asks Linux to kill it when its parent dies (``prctl(PR_SET_PDEATHSIG,
  SIGKILL)``), and in any case runs a watchdog thread that ends the worker
  within :data:`POLL_SECONDS` once its parent is gone (``os.getppid()``
  changes) or the parent asks it to stop;
- ignores SIGINT (Ctrl-C reaches the whole process group: the parent alone
  stops, and stops its workers) and takes back the default SIGTERM and SIGHUP
  (the parent's handlers are inherited through fork).

:func:`worker_pool` shuts the pool down normally when its block ends, and on
any exception, ``KeyboardInterrupt`` or signal-raised exception stops every
worker at once instead of waiting for the running tasks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

#: How often a worker checks that its parent is alive, in seconds.
POLL_SECONDS = 0.25
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (``PR_SET_PDEATHSIG``, SIGKILL).

    The one way every worker of the project (pool workers here, the sweep's
    workers in ``lingtouyan._worker``) is tied to its parent. If the parent is
    already gone (this process was adopted by init), the process ends at once.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the pool's watchdog still ends its workers
    if os.getppid() == 1:  # the parent died before the request was made
        os._exit(1)


def _worker_start(parent: int, stop) -> None:
    """Pool initializer: tie the worker's life to its parent's (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    die_with_parent()

    def watch() -> None:
        while os.getppid() == parent and not stop.wait(POLL_SECONDS):
            pass
        os._exit(1)

    if os.getppid() != parent:  # the parent died before the worker could watch it
        os._exit(1)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


@contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """A fork-based process pool of ``jobs`` workers tied to this process (None if ``jobs <= 1``)."""
    if jobs <= 1:
        yield None
        return
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_start,
                               initargs=(os.getpid(), stop))
    finished = False
    try:
        yield pool
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            stop_workers(pool, stop)


def stop_workers(pool: ProcessPoolExecutor, stop) -> None:
    """Stop every worker of ``pool`` now: the running tasks are abandoned."""
    stop.set()
    # The executor keeps its processes in ``_processes`` (stable since Python 3.2; no
    # public handle exists): terminate them rather than wait for their tasks.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=2)
        if process.is_alive():
            process.kill()
            process.join(timeout=2)
