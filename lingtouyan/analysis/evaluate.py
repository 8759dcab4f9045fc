"""One evaluation interface for every analysis: points × seeds → scalar outcomes.

A *point* is a row of override keys and values, written as on the command
line (``policy.pay_floor.multiple``, ``param.secretary.quit_slope``,
``scenario``). :func:`evaluate` runs every point with every seed — the same
seeds for every point, so differences between points are not seed noise
(common random numbers) — and returns one row per (point, seed) with the
scalar outcomes of :mod:`lingtouyan.analysis.outcomes`.

Two backends give the same rows:

* ``sweep`` writes the points as a ``design=table`` CSV and runs them with
  ``sim-run -m hydra/sweeper=lingtouyan`` (parallel, resumable, on a cluster
  engine where the launcher is configured so), then reads the sweep's tidy
  table from ``sim-aggregate DIR``. The default once the sweeper plugin
  ``hydra_plugins.lingtouyan_sweeper`` is installed.
* ``local`` runs ``VillageModel`` in a process pool on this machine.
"""

from __future__ import annotations

import importlib.util
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lingtouyan.analysis.outcomes import WINDOW, check_outcomes, scalar_outcomes

BACKENDS = ("local", "sweep")
#: Columns of a point that are not lever or parameter overrides.
RUN_KEYS = ("scenario",)


class EvaluationError(RuntimeError):
    """A run or the sweep behind an evaluation failed."""


def sweep_available() -> bool:
    """Whether the sweep designs plugin (with ``design=table``) is importable."""
    try:
        return importlib.util.find_spec("hydra_plugins.lingtouyan_sweeper") is not None
    except (ImportError, ValueError):
        return False


def default_backend() -> str:
    """``sweep`` where the sweeper plugin is installed, else ``local``."""
    return "sweep" if sweep_available() else "local"


def check_points(points: pd.DataFrame) -> pd.DataFrame:
    """Validate the point table: every column an override key, every value accepted.

    Each distinct point is resolved once with :func:`sim.resolve`, so a bad
    key or value stops the analysis before anything runs.

    Raises:
        sim.ConfigError: naming the offending key and what is allowed.
        ValueError: for a malformed table.
    """
    from sim import resolve

    if points.empty:
        raise ValueError("points: the table has no rows")
    for column in points.columns:
        if column not in RUN_KEYS and not str(column).startswith(("policy.", "param.")):
            raise ValueError(f"points: column {column!r} is not an override key "
                             "(policy.<family>.<leaf>, param.<group>.<leaf> or scenario)")
    points = _as_run(_fill_defaults(points.reset_index(drop=True)))
    for _, row in points.drop_duplicates().iterrows():
        spec = split_point(row.to_dict())
        resolve(scale=0.01, **spec)
    return points


def _fill_defaults(points: pd.DataFrame) -> pd.DataFrame:
    """Empty cells take the value the run would have anyway (its scenario's, calibrated)."""
    from sim import resolve

    empty = points.isna()
    if not empty.to_numpy().any():
        return points
    points = points.astype(object).copy()
    if "scenario" in points and empty["scenario"].any():
        points.loc[empty["scenario"], "scenario"] = "as_reported"
    cache: dict[str, Any] = {}
    for i in np.flatnonzero(empty.to_numpy().any(axis=1)):
        scenario = points.at[i, "scenario"] if "scenario" in points else "as_reported"
        if scenario not in cache:
            cache[scenario] = resolve(scale=0.01, scenario=scenario)
        cfg = cache[scenario]
        for column in points.columns[empty.iloc[i].to_numpy()]:
            if column in RUN_KEYS:
                continue
            root, _, path = column.partition(".")
            values = cfg.levers if root == "policy" else cfg.params
            if path not in values:
                raise ValueError(f"points: column {column!r} is not a lever or parameter")
            points.at[i, column] = values.value(path)
    return points.infer_objects()


def _as_run(points: pd.DataFrame) -> pd.DataFrame:
    """Numbers as a run receives them: 6 significant digits, as the sweep launcher's table carries them.

    The ``design=table`` sweeper formats every override value with
    :func:`lingtouyan.designs.format_value`; rounding the points the same way
    here makes both backends run the very same values, and lets the sweep's
    rows be joined back to the points exactly.
    """
    points = points.copy()
    for column in points.columns:
        if column in RUN_KEYS or not pd.api.types.is_float_dtype(points[column]):
            continue
        points[column] = [run_value(v) for v in points[column]]
    return points


def run_value(value: Any) -> Any:
    """One value as a run receives it: a float to 6 significant digits, anything else as it is."""
    from lingtouyan.designs import format_value

    value = _plain(value)
    if isinstance(value, float) and math.isfinite(value):
        return float(format_value(value))
    return value


def split_point(point: Mapping[str, Any]) -> dict[str, Any]:
    """``{"policy.a.b": 1, "param.c.d": 2, "scenario": s}`` → ``VillageModel`` keywords."""
    policy: dict[str, Any] = {}
    params: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for key, value in point.items():
        value = _plain(value)
        if key in RUN_KEYS:
            out[key] = value
            continue
        root, *parts = key.split(".")
        node = policy if root == "policy" else params
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    out["policy"] = policy
    out["params"] = params
    return out


def sweep_options(options: Mapping[str, Any] | None, part: str) -> dict[str, Any]:
    """Sweep-backend options for one of several evaluations: its own sub-directory ``part``."""
    out = dict(options or {})
    if out.get("sweep_dir"):
        out["sweep_dir"] = Path(out["sweep_dir"]) / part
    return out


def _plain(value: Any) -> Any:
    """Numpy scalars as Python numbers; whole floats stay floats (the loader casts ints)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _run_one(task: tuple[int, dict, int, float, str, tuple[str, ...], tuple[str, str]]) -> dict:
    point_id, point, seed, scale, end, names, window = task
    from sim import VillageModel

    spec = split_point(point)
    table = VillageModel(scale=scale, end=end, seed=seed, **spec).run()
    return {"point": point_id, "seed": seed, **scalar_outcomes(table, names, window)}


def _context() -> multiprocessing.context.BaseContext:
    # Forked workers inherit the imported model (no second second of imports per worker).
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _init_worker() -> None:
    # One BLAS thread per process: the pool supplies the parallelism.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def evaluate(points: pd.DataFrame, seeds: Iterable[int], outcomes: Sequence[str], *,
             scale: float = 0.01, end: str = "2012-12", window: tuple[str, str] = WINDOW,
             backend: str | None = None, jobs: int | None = None,
             sweep_dir: str | Path | None = None, sweep_overrides: Sequence[str] = (),
             progress: bool = False) -> pd.DataFrame:
    """Run every point with every seed; one row per (point, seed) with the outcomes.

    Args:
        points: One row per point, one column per override key (``policy.*``, ``param.*``,
            ``scenario``); the row position is the point's id.
        seeds: The seeds, the same for every point (common random numbers).
        outcomes: Names from :data:`lingtouyan.analysis.outcomes.OUTCOMES`.
        scale: Share of the nation's villages simulated.
        end: Last month of every run.
        window: Averaging window of the outcomes.
        backend: ``local``, ``sweep`` or None for :func:`default_backend`.
        jobs: Worker processes of the local backend (default: the machine's cores).
        sweep_dir: Directory of the sweep backend's jobs (default: a temporary directory). Give
            the same directory again to resume: the launcher skips the jobs already done.
        sweep_overrides: Extra ``sim-run`` overrides of the sweep backend, e.g.
            ``["hydra/launcher=dask"]``.
        progress: Print a progress line to stderr now and then.

    Returns:
        Columns ``point, seed`` then the outcomes, sorted by point and seed; the points'
        own columns can be joined back on ``point``.

    Raises:
        ValueError: for an unknown backend or outcome, or no seeds.
        sim.ConfigError: for a bad override key or value.
        EvaluationError: if the sweep fails.
    """
    names = check_outcomes(outcomes)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} unknown; allowed: {', '.join(BACKENDS)}")
    points = check_points(points)
    if backend == "sweep":
        return _evaluate_sweep(points, seeds, names, scale, end, window, sweep_dir, sweep_overrides)
    return _evaluate_local(points, seeds, names, scale, end, window, jobs, progress)


def _evaluate_local(points, seeds, names, scale, end, window, jobs, progress) -> pd.DataFrame:
    tasks = [(i, row, seed, scale, end, names, tuple(window))
             for i, row in enumerate(points.to_dict("records")) for seed in seeds]
    jobs = max(1, jobs or os.cpu_count() or 1)
    rows = []
    if jobs == 1 or len(tasks) == 1:
        results: Iterable[dict] = map(_run_one, tasks)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, mp_context=_context())
        results = pool.map(_run_one, tasks, chunksize=max(1, len(tasks) // (8 * jobs)))
    try:
        step = max(1, len(tasks) // 20)
        for done, row in enumerate(results, start=1):
            rows.append(row)
            if progress and (done % step == 0 or done == len(tasks)):
                print(f"  {done}/{len(tasks)} runs", file=sys.stderr, flush=True)
    finally:
        if jobs > 1 and len(tasks) > 1:
            pool.shutdown(cancel_futures=True)
    return pd.DataFrame(rows).sort_values(["point", "seed"], ignore_index=True)


# ----------------------------------------------------------------------------- sweep backend
def write_design_table(points: pd.DataFrame, seeds: Sequence[int], path: str | Path) -> pd.DataFrame:
    """Write the ``design=table`` CSV: one row per (point, seed), one column per override key.

    Numbers are first rounded as a run receives them (6 significant digits,
    :func:`_as_run`), then written with 17 significant digits, so that the
    sweep's values join back to the points exactly.

    Returns:
        The table written, with the ``point`` id of each row (not written).
    """
    design = _as_run(points.reset_index(drop=True)).rename_axis("point").reset_index()
    design = design.merge(pd.DataFrame({"seed": list(seeds)}), how="cross")
    design.drop(columns="point").to_csv(path, index=False, float_format="%.17g")
    return design


def sweep_command(table: str | Path, sweep_dir: str | Path, scale: float, end: str,
                  overrides: Sequence[str] = ()) -> list[str]:
    """The ``sim-run`` command line that runs a design table as one sweep."""
    exe = shutil.which("sim-run") or str(Path(sys.executable).with_name("sim-run"))
    return [exe, "-m", "hydra/sweeper=lingtouyan", "hydra.sweeper.design=table",
            f"hydra.sweeper.table={table}", f"hydra.sweep.dir={sweep_dir}",
            f"scale={scale!r}", f"end={end}", *overrides]


def aggregate_command(sweep_dir: str | Path) -> list[str]:
    """The ``sim-aggregate`` command line that gathers a sweep into one tidy table."""
    exe = shutil.which("sim-aggregate") or str(Path(sys.executable).with_name("sim-aggregate"))
    return [exe, str(sweep_dir)]


def find_sweep_table(sweep_dir: str | Path) -> Path:
    """The Parquet table ``sim-aggregate`` wrote for the sweep in ``sweep_dir``.

    Raises:
        EvaluationError: if there is none, or more than one candidate.
    """
    sweep_dir = Path(sweep_dir)
    found = sorted(p for p in sweep_dir.glob("*.parquet")) or sorted(sweep_dir.glob("*/*.parquet"))
    found = [p for p in found if not p.parent.name.isdigit()]  # not a job's own outcomes
    if len(found) != 1:
        raise EvaluationError(f"sim-aggregate {sweep_dir}: expected one Parquet table, found "
                              f"{[str(p) for p in found] or 'none'}")
    return found[0]


def outcomes_from_sweep_table(table: pd.DataFrame, design: pd.DataFrame, names: Sequence[str],
                              window: tuple[str, str] = WINDOW) -> pd.DataFrame:
    """Scalar outcomes per (point, seed) from a sweep's aggregated tidy table.

    The table has the swept keys as columns beside ``seed, date, measure,
    region, value`` (and ``draw``, ``scenario``); rows are matched to the
    design on the swept keys and the seed.

    Raises:
        EvaluationError: if a design row has no run in the table.
    """
    keys = [c for c in design.columns if c not in ("point", "seed")]
    # The aggregate keeps only the keys that vary across its jobs; one the whole design holds
    # at a single value is that value in every run.
    constant = {k: design[k].iloc[0] for k in keys
                if k not in table.columns and design[k].nunique(dropna=False) == 1}
    if constant:
        table = table.assign(**constant)
    missing = [k for k in keys if k not in table.columns]
    if missing:
        raise EvaluationError(f"sweep table lacks the swept column(s) {missing}")
    if "region" in table.columns:
        table = table[table["region"] == "national"]
    rows = []
    by_run = table.groupby([*keys, "seed"], sort=False, dropna=False)
    index = {_key(k): g for k, g in by_run}
    for rec in design.to_dict("records"):
        group = index.get(_key(tuple(rec[k] for k in [*keys, "seed"])))
        if group is None:
            raise EvaluationError(f"sweep table has no run for {dict((k, rec[k]) for k in keys)} "
                                  f"seed {rec['seed']}")
        rows.append({"point": rec["point"], "seed": int(rec["seed"]),
                     **scalar_outcomes(group, names, window)})
    return pd.DataFrame(rows).sort_values(["point", "seed"], ignore_index=True)


def _key(values: tuple) -> tuple:
    """A join key robust to the CSV round trip (floats to 12 significant digits)."""
    out = []
    for v in values:
        v = _plain(v)
        if isinstance(v, float) and math.isfinite(v):
            out.append(float(f"{v:.12g}"))
        elif isinstance(v, int) and not isinstance(v, bool):
            out.append(float(v))
        else:
            out.append(str(v))
    return tuple(out)


def _evaluate_sweep(points, seeds, names, scale, end, window, sweep_dir, overrides) -> pd.DataFrame:
    if not sweep_available():
        raise EvaluationError("backend sweep needs the sweeper plugin hydra_plugins.lingtouyan_sweeper "
                              "(design=table); use backend local")
    own = sweep_dir is None
    base = Path(tempfile.mkdtemp(prefix="lingtouyan-eval-")) if own else Path(sweep_dir)
    base.mkdir(parents=True, exist_ok=True)
    table_path = base / "design.csv"
    design = write_design_table(points, seeds, table_path)
    jobs_dir = base / "sweep"
    try:
        for cmd in (sweep_command(table_path, jobs_dir, scale, end, overrides), aggregate_command(jobs_dir)):
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
                raise EvaluationError(f"{' '.join(cmd[:2])} ... failed ({done.returncode}): "
                                      + " | ".join(tail))
        table = pd.read_parquet(find_sweep_table(jobs_dir))
        return outcomes_from_sweep_table(table, design, names, window)
    finally:
        if own:
            shutil.rmtree(base, ignore_errors=True)
