"""Method of simulated moments: fit the calibrated parameters to the fit targets.

Every evaluation runs the model at one parameter vector over the same seeds
(common random numbers: each random process keeps its own stream, so two
nearby vectors differ only where the parameters act) and averages each
target's statistic over the seeds. The loss is the weighted sum of squared
distances outside the reported intervals, in units of each target's
tolerance. Parameters are searched in a logit transform of their bounds, so
every evaluation respects the bounds.

The optimiser is a trust-region least-squares search
(``scipy.optimize.least_squares``, method ``trf``, of the Levenberg-Marquardt
family) whose finite-difference Jacobian is evaluated in parallel on the
local cores. Every evaluation is stored on disk
under a key of the parameter vector, seeds, scale and the model's code and
data; a search killed and started again replays the stored evaluations
instead of redoing them.

At the optimum the Jacobian of the moments gives the uncertainty of each
parameter (the tolerance of each target taken as one standard deviation,
plus the simulation noise of the seed average) and a table of which targets
pin which parameters.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.calibrated import nest
from sim.calibration.targets import Target, simulate_all
from sim.parameters import ParameterSet, load_levers, load_world_parameters

CODE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class FreeParameter:
    """A calibrated parameter: its dotted config key and search bounds.

    Attributes:
        key: ``param.<group>.<leaf>`` or ``policy.<family>.<leaf>``.
        low: Lower bound.
        high: Upper bound.
        start: Starting value (the file's value).
        unit: Unit, for reports.
    """

    key: str
    low: float
    high: float
    start: float
    unit: str = ""

    def to_x(self, value: float) -> float:
        """Logit transform of ``value`` within the bounds."""
        p = (min(max(value, self.low), self.high) - self.low) / (self.high - self.low)
        p = min(max(p, 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))

    def from_x(self, x: float) -> float:
        """Inverse of :meth:`to_x`."""
        return self.low + (self.high - self.low) / (1.0 + math.exp(-x))

    def dvalue_dx(self, x: float) -> float:
        """Derivative of the value with respect to the transformed coordinate."""
        s = 1.0 / (1.0 + math.exp(-x))
        return (self.high - self.low) * s * (1 - s)


def calibrated_leaves(levers: ParameterSet | None = None,
                      params: ParameterSet | None = None) -> list[FreeParameter]:
    """Every leaf with ``status: calibrated`` in the lever and parameter files."""
    out = []
    for root, leaves in (("policy", levers or load_levers()), ("param", params or load_world_parameters())):
        for path, leaf in leaves.items():
            if leaf.status == "calibrated":
                out.append(FreeParameter(f"{root}.{path}", float(leaf.bounds[0]),
                                         float(leaf.bounds[1]), float(leaf.value), leaf.unit))
    return out


def code_version() -> str:
    """Hash of the model's code and data files: stored evaluations are valid only for it."""
    digest = hashlib.sha256()
    for path in sorted(CODE_DIR.rglob("*")):
        if path.suffix in (".py", ".yaml", ".csv") and "calibrated.yaml" not in path.name:
            digest.update(str(path.relative_to(CODE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_statistics(kwargs: Mapping[str, Any], targets: Sequence[Target]) -> dict[str, float]:
    """Run one model and return the statistics of ``targets`` (a picklable task)."""
    from sim.calibration.experiments import EXPERIMENTS
    from sim.model import VillageModel

    out = simulate_all(VillageModel(**kwargs).run(), targets)
    for target in targets:
        if target.statistic == "experiment":
            out[target.id] = EXPERIMENTS[target.experiment](**copy.deepcopy(dict(kwargs)))
    return out


@dataclass
class Problem:
    """What is fitted: free parameters, fit targets, seeds and run settings.

    Attributes:
        free: The parameters searched.
        targets: The targets in the loss (fit targets only).
        seeds: Seeds of every evaluation (common random numbers).
        scale: Share of villages simulated.
        end: Last month simulated (the latest target window).
        scenario: Scenario of the calibration runs.
        fixed: Other parameter and lever values held fixed (dotted keys).
    """

    free: list[FreeParameter]
    targets: list[Target]
    seeds: list[int]
    scale: float = 0.01
    end: str = "2012-06"
    scenario: str = "as_reported"
    fixed: dict[str, Any] = field(default_factory=dict)

    def kwargs(self, values: Mapping[str, float], seed: int) -> dict[str, Any]:
        """Keyword arguments of the model for parameter ``values`` and ``seed``."""
        nested = nest({**self.fixed, **values})
        return {"scale": self.scale, "end": self.end, "scenario": self.scenario, "seed": seed,
                "policy": nested["policy"], "params": nested["param"], "calibration": None}

    def values(self, x: Sequence[float]) -> dict[str, float]:
        """Parameter values of a transformed vector."""
        return {p.key: p.from_x(float(xi)) for p, xi in zip(self.free, x, strict=True)}


class Evaluator:
    """Runs (and remembers) evaluations of a :class:`Problem`.

    Attributes:
        problem: What is evaluated.
        cache_dir: Where evaluations are stored (None: in memory only).
        evaluations: Evaluations run or replayed so far.
        replayed: Evaluations taken from the store.
    """

    def __init__(self, problem: Problem, cache_dir: str | Path | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[Evaluator], None] | None = None) -> None:
        self.problem = problem
        self.cache_dir = Path(cache_dir) if cache_dir else None
        if self.cache_dir:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.executor = executor
        self.progress = progress
        self.version = code_version()
        self.evaluations = 0
        self.replayed = 0
        self.best: tuple[float, dict[str, float]] = (math.inf, {})
        self.started = time.monotonic()
        self._memory: dict[str, dict[str, list[float]]] = {}

    def _key(self, values: Mapping[str, float]) -> str:
        record = {"values": {k: float(f"{v:.12g}") for k, v in sorted(values.items())},
                  "fixed": self.problem.fixed, "seeds": self.problem.seeds,
                  "scale": self.problem.scale, "end": self.problem.end,
                  "scenario": self.problem.scenario,
                  "targets": sorted(t.id for t in self.problem.targets), "code": self.version}
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:24]

    def _load(self, key: str) -> dict[str, list[float]] | None:
        if key in self._memory:
            return self._memory[key]
        if self.cache_dir and (self.cache_dir / f"{key}.json").exists():
            data = json.loads((self.cache_dir / f"{key}.json").read_text())
            self._memory[key] = data["per_seed"]
            return data["per_seed"]
        return None

    def _store(self, key: str, values: Mapping[str, float], per_seed: dict[str, list[float]]) -> None:
        self._memory[key] = per_seed
        if self.cache_dir:
            path = self.cache_dir / f"{key}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"values": dict(values), "per_seed": per_seed}))
            os.replace(tmp, path)

    def per_seed(self, points: Sequence[Mapping[str, float]]) -> list[dict[str, list[float]]]:
        """Statistics per seed at each parameter point (runs what is not stored, in parallel)."""
        keys = [self._key(v) for v in points]
        results: list[dict[str, list[float]] | None] = [self._load(k) for k in keys]
        todo = [(i, s) for i, r in enumerate(results) if r is None for s in self.problem.seeds]
        self.replayed += sum(r is not None for r in results)
        if todo:
            tasks = [self.problem.kwargs(points[i], s) for i, s in todo]
            if self.executor is None:
                outs = [run_statistics(t, self.problem.targets) for t in tasks]
            else:
                outs = list(self.executor.map(run_statistics, tasks,
                                              [self.problem.targets] * len(tasks)))
            fresh: dict[int, dict[str, list[float]]] = {}
            for (i, _), out in zip(todo, outs, strict=True):
                slot = fresh.setdefault(i, {t.id: [] for t in self.problem.targets})
                for t in self.problem.targets:
                    slot[t.id].append(out[t.id])
            for i, per in fresh.items():
                self._store(keys[i], points[i], per)
                results[i] = per
        for values, per in zip(points, results, strict=True):
            self.evaluations += 1
            loss = self.loss(per)
            if loss < self.best[0]:
                self.best = (loss, dict(values))
        if self.progress:
            self.progress(self)
        return results  # type: ignore[return-value]

    def means(self, per: Mapping[str, list[float]]) -> dict[str, float]:
        """Seed-averaged statistics."""
        return {k: float(np.mean(v)) for k, v in per.items()}

    def loss(self, per: Mapping[str, list[float]]) -> float:
        """Weighted loss of seed-averaged statistics."""
        from sim.calibration.targets import loss

        return loss(self.means(per), self.problem.targets)

    def residuals(self, per: Mapping[str, list[float]]) -> np.ndarray:
        """Signed, weighted distances outside the intervals (the least-squares residuals)."""
        means = self.means(per)
        out = []
        for t in self.problem.targets:
            value = means[t.id]
            low, _ = t.interval
            sign = -1.0 if value < low else 1.0
            out.append(math.sqrt(t.weight) * sign * t.distance(value))
        return np.asarray(out)


@dataclass
class Result:
    """Outcome of a calibration.

    Attributes:
        values: Fitted values by key.
        x: Fitted transformed vector.
        loss: Loss at the fit.
        start_loss: Loss at the start.
        evaluations: Evaluations used (run or replayed).
        se: Standard error of each fitted value (NaN where not identified).
        sensitivity: ``{target id: {key: d statistic / d value, in target tolerance units per
            parameter range}}``.
        moments: Seed-averaged statistics at the fit.
        message: The optimiser's stopping message.
    """

    values: dict[str, float]
    x: np.ndarray
    loss: float
    start_loss: float
    evaluations: int
    se: dict[str, float]
    sensitivity: dict[str, dict[str, float]]
    moments: dict[str, float]
    message: str


def calibrate(problem: Problem, *, start: Mapping[str, float] | None = None,
              cache_dir: str | Path | None = None, jobs: int = 1, max_evaluations: int = 400,
              step: float = 0.15, progress: Callable[[Evaluator], None] | None = None) -> Result:
    """Fit ``problem.free`` to ``problem.targets``.

    Args:
        problem: What to fit.
        start: Starting values (default: each parameter's file value).
        cache_dir: Store of evaluations (resumption after a kill).
        jobs: Worker processes (1: run in this process).
        max_evaluations: Budget of loss evaluations (a Jacobian costs one per parameter).
        step: Finite-difference step in the transformed coordinates; large enough that
            the difference is not lost in the noise of a seed average.
        progress: Called after every batch of evaluations.
    """
    from scipy.optimize import least_squares

    free = problem.free
    x0 = np.array([p.to_x((start or {}).get(p.key, p.start)) for p in free])
    # Fork: workers inherit the imported model instead of importing it again
    # (and a script that calls calibrate() needs no __main__ guard).
    executor = (ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
                if jobs > 1 else None)
    try:
        ev = Evaluator(problem, cache_dir, executor, progress)
        start_loss = ev.loss(ev.per_seed([problem.values(x0)])[0])

        def fun(x):
            return ev.residuals(ev.per_seed([problem.values(x)])[0])

        def jac(x):
            points = [problem.values(x)]
            for j in range(len(free)):
                xj = np.array(x, float)
                xj[j] += step
                points.append(problem.values(xj))
            per = ev.per_seed(points)
            base = ev.residuals(per[0])
            return np.column_stack([(ev.residuals(p) - base) / step for p in per[1:]])

        fit = least_squares(fun, x0, jac=jac, method="trf", x_scale=1.0,
                            max_nfev=max(1, max_evaluations // (len(free) + 1)),
                            xtol=1e-3, ftol=1e-4, gtol=1e-6)
        best_x = fit.x
        per_best = ev.per_seed([problem.values(best_x)])[0]
        best_loss = ev.loss(per_best)
        if ev.best[0] < best_loss:  # a Jacobian point was better than the last step
            best_values = ev.best[1]
            best_x = np.array([p.to_x(best_values[p.key]) for p in free])
            per_best = ev.per_seed([best_values])[0]
            best_loss = ev.loss(per_best)
        se, sensitivity = uncertainty(ev, best_x, step)
        return Result(values=problem.values(best_x), x=best_x, loss=best_loss,
                      start_loss=start_loss, evaluations=ev.evaluations, se=se,
                      sensitivity=sensitivity, moments=ev.means(per_best), message=fit.message)
    finally:
        if executor is not None:
            executor.shutdown()


def uncertainty(ev: Evaluator, x: np.ndarray, step: float) -> tuple[dict[str, float],
                                                                     dict[str, dict[str, float]]]:
    """Standard errors of the fitted values and the sensitivity of each target to each parameter.

    The moments' Jacobian (central differences in the transformed
    coordinates) is scaled by each target's tolerance; with the tolerance
    taken as one standard deviation of the reported figure, plus the
    simulation variance of a seed average, the covariance of the transformed
    parameters is ``(J' W J)^-1``, carried to the values by the delta method.
    Parameters with no information get NaN.
    """
    problem = ev.problem
    free, targets = problem.free, problem.targets
    points = [problem.values(x)]
    for j in range(len(free)):
        for sign in (1.0, -1.0):
            xj = np.array(x, float)
            xj[j] += sign * step
            points.append(problem.values(xj))
    per = ev.per_seed(points)
    base = per[0]
    n_seeds = len(problem.seeds)
    jac = np.zeros((len(targets), len(free)))
    for j in range(len(free)):
        up, down = ev.means(per[1 + 2 * j]), ev.means(per[2 + 2 * j])
        for i, t in enumerate(targets):
            jac[i, j] = (up[t.id] - down[t.id]) / (2 * step) / t.scale
    noise = np.array([np.var(base[t.id], ddof=1) / n_seeds / t.scale**2 if n_seeds > 1 else 0.0
                      for t in targets])
    weights = np.array([t.weight for t in targets]) / (1.0 + noise)
    info = jac.T @ (weights[:, None] * jac)
    se: dict[str, float] = {}
    try:
        cov = np.linalg.pinv(info, rcond=1e-8)
    except np.linalg.LinAlgError:
        cov = np.full_like(info, np.nan)
    for j, p in enumerate(free):
        identified = info[j, j] > 1e-8
        se[p.key] = (math.sqrt(max(cov[j, j], 0.0)) * p.dvalue_dx(float(x[j]))
                     if identified else float("nan"))
    sensitivity = {
        t.id: {p.key: float(jac[i, j] / p.dvalue_dx(float(x[j])) * (p.high - p.low))
               for j, p in enumerate(free)}
        for i, t in enumerate(targets)}
    return se, sensitivity


def default_problem(targets: Iterable[Target], seeds: Sequence[int] = (1, 2, 3, 4),
                    scale: float = 0.01) -> Problem:
    """All calibrated leaves against the fit targets, ending at the last fit window."""
    from sim.timeline import format_month, parse_month

    fit = [t for t in targets if t.role == "fit"]
    last = max(parse_month(t.date or t.end) for t in fit if t.statistic != "experiment")
    return Problem(free=calibrated_leaves(), targets=fit, seeds=list(seeds), scale=scale,
                   end=format_month(last))


