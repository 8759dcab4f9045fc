"""Method of simulated moments: fit the calibrated parameters to the fit targets.

Every evaluation runs the model at one parameter vector over the same seeds
(common random numbers: each random process keeps its own stream, so two
nearby vectors differ only where the parameters act) and averages each
target's statistic over the seeds. The loss is the weighted sum of squared
distances outside the reported intervals, in units of each target's
tolerance. Parameters are searched in a logit transform of their bounds, so
every evaluation respects the bounds.

The budget (``max_evaluations``) counts distinct parameter points, each run
over every seed, whether run now or replayed from the store: the start, the
optimiser's steps, every point of its Jacobians and, when the budget leaves
room for them, the ``2n`` points of the standard errors (``n`` free
parameters). The search stops when the budget is spent; the fit is the best
point evaluated by the search, and the loss reported during the search is the
loss of that point.

The optimiser is a trust-region least-squares search
(``scipy.optimize.least_squares``, method ``trf``, of the Levenberg-Marquardt
family) whose finite-difference Jacobian is evaluated in parallel on the
local cores (:func:`sim.calibration.parallel.worker_pool`: the workers never
outlive the search). Every evaluation is stored on disk, atomically and as
soon as its seeds are done, under a key of the parameter vector, seeds, scale
and the model's code and data; a search killed and started again replays the
stored evaluations instead of redoing them, and follows the same path, so it
ends where an uninterrupted search ends. A stored evaluation that cannot be
read (a damaged file) is reported, skipped and computed again.

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
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.calibrated import nest, write_text_atomic
from sim.calibration.parallel import worker_pool
from sim.calibration.targets import Target, simulate_all
from sim.parameters import ParameterSet, load_levers, load_world_parameters

CODE_DIR = Path(__file__).resolve().parent.parent
#: Seeds of every evaluation unless told otherwise (``sim-calibrate --seeds``): enough that the
#: 90% band of their mean is narrower than the acceptance band of every fit target
#: (``seeds_needed`` in the comparison table; docs/CALIBRATION.md).
DEFAULT_SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)


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


@dataclass(frozen=True)
class MomentCount:
    """Moments against parameters: how over-identified the calibration is.

    Attributes:
        moments: Fit targets in the loss (role ``fit``, weight above 0): one residual each,
            as :meth:`Evaluator.residuals` builds them; a path (the same figure at several
            dates or a flow by window) counts once per date or window it is fitted at.
        parameters: Leaves with ``status: calibrated`` (the free parameters).
    """

    moments: int
    parameters: int

    @property
    def ratio(self) -> float:
        """Moments per parameter (infinite with no parameter)."""
        return self.moments / self.parameters if self.parameters else math.inf

    def line(self) -> str:
        """One line for a printed summary."""
        return (f"moments vs parameters: {self.moments} fit targets for {self.parameters} "
                f"calibrated parameters (ratio {self.ratio:.2f})")


def moment_count(targets: Iterable[Target], free: Sequence[FreeParameter] | None = None) -> MomentCount:
    """Moments (fit targets with weight > 0) against calibrated parameters.

    The one count used by ``sim-calibrate`` and ``sim-compare`` alike.
    """
    moments = sum(1 for t in targets if t.role == "fit" and t.weight > 0)
    return MomentCount(moments, len(calibrated_leaves() if free is None else free))


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


class BudgetSpent(Exception):  # noqa: N818 (a stop condition, not a failure)
    """The evaluation budget is spent: the search stops with the best point so far."""


def _warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Evaluator:
    """Runs (and remembers) evaluations of a :class:`Problem`.

    Attributes:
        problem: What is evaluated.
        cache_dir: Where evaluations are stored (None: in memory only).
        budget: Most distinct points this evaluator may evaluate (None: no limit).
        evaluations: Distinct points evaluated so far (run or replayed from the store).
        replayed: Points taken from the store on disk.
        best: ``(loss, values)`` of the best point the search has evaluated.
        tracking: Whether new points may become ``best`` (off while the standard
            errors are computed: their points are not candidate fits).
        corrupt: Store files that could not be read (and were computed again).
    """

    def __init__(self, problem: Problem, cache_dir: str | Path | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[Evaluator], None] | None = None,
                 budget: int | None = None, warn: Callable[[str], None] = _warn) -> None:
        self.problem = problem
        self.cache_dir = Path(cache_dir) if cache_dir else None
        if self.cache_dir:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.executor = executor
        self.progress = progress
        self.budget = budget
        self.warn = warn
        self.version = code_version()
        self.evaluations = 0
        self.replayed = 0
        self.best: tuple[float, dict[str, float]] = (math.inf, {})
        self.tracking = True
        self.corrupt: list[Path] = []
        self.started = time.monotonic()
        self._memory: dict[str, dict[str, list[float]]] = {}

    def _key(self, values: Mapping[str, float]) -> str:
        record = {"values": {k: float(f"{v:.12g}") for k, v in sorted(values.items())},
                  "fixed": self.problem.fixed, "seeds": self.problem.seeds,
                  "scale": self.problem.scale, "end": self.problem.end,
                  "scenario": self.problem.scenario,
                  "targets": sorted(t.id for t in self.problem.targets), "code": self.version}
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:24]

    def _valid(self, data: Any) -> bool:
        """A stored evaluation holds a list of one number per seed for every target."""
        if not isinstance(data, Mapping) or not isinstance(data.get("per_seed"), Mapping):
            return False
        per = data["per_seed"]
        n = len(self.problem.seeds)
        return all(isinstance(per.get(t.id), list) and len(per[t.id]) == n
                   and all(isinstance(v, int | float) and not isinstance(v, bool) for v in per[t.id])
                   for t in self.problem.targets)

    def _load(self, key: str) -> dict[str, list[float]] | None:
        if key in self._memory:
            return self._memory[key]
        if not self.cache_dir:
            return None
        path = self.cache_dir / f"{key}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as err:
            problem = getattr(err, "strerror", None) or type(err).__name__
            text = None
        if text is not None:
            try:
                data = json.loads(text)
                problem = "not an evaluation of this problem"
            except json.JSONDecodeError as err:
                data, problem = None, f"{err.msg} at character {err.pos}"
            if self._valid(data):
                per = {t.id: [float(v) for v in data["per_seed"][t.id]] for t in self.problem.targets}
                self._memory[key] = per
                self.replayed += 1
                return per
        self.corrupt.append(path)
        self.warn(f"warning: stored evaluation {path} is damaged ({problem}); computing it again")
        return None

    def _store(self, key: str, values: Mapping[str, float], per_seed: dict[str, list[float]]) -> None:
        self._memory[key] = per_seed
        if self.cache_dir:
            write_text_atomic(self.cache_dir / f"{key}.json",
                          json.dumps({"values": dict(values), "per_seed": per_seed}))

    def _count(self, loss: float, values: Mapping[str, float]) -> None:
        self.evaluations += 1
        if self.tracking and loss < self.best[0]:
            self.best = (loss, dict(values))

    def per_seed(self, points: Sequence[Mapping[str, float]]) -> list[dict[str, list[float]]]:
        """Statistics per seed at each parameter point (runs what is not stored, in parallel).

        Points already evaluated by this evaluator cost nothing; each new point
        counts once against the budget.

        Raises:
            BudgetSpent: some point would exceed the budget (the points before it
                are evaluated and stored first).
        """
        keys = [self._key(v) for v in points]
        results: list[dict[str, list[float]] | None] = [None] * len(points)
        new: list[int] = []
        seen: set[str] = set()
        spent = False
        for i, key in enumerate(keys):
            if key in self._memory:
                results[i] = self._memory[key]
                continue
            if key in seen:
                continue
            if self.budget is not None and self.evaluations + len(new) >= self.budget:
                spent = True
                break
            seen.add(key)
            new.append(i)
        todo: list[int] = []
        for i in new:
            stored = self._load(keys[i])
            if stored is None:
                todo.append(i)
            else:
                results[i] = stored
                self._count(self.loss(stored), points[i])
        if todo:
            self._run(todo, keys, points, results)
        for i, key in enumerate(keys):
            if results[i] is None and key in self._memory:
                results[i] = self._memory[key]
        if self.progress and new:
            self.progress(self)
        if spent:
            raise BudgetSpent(f"budget of {self.budget} evaluations spent")
        return results  # type: ignore[return-value]

    def _run(self, todo: list[int], keys: list[str], points: Sequence[Mapping[str, float]],
             results: list) -> None:
        """Run every seed of the points ``todo``; store each point as soon as its seeds are done.

        Points are counted (and may become the best) in the order asked, so the
        count and the best point do not depend on which worker finishes first.
        """
        seeds = self.problem.seeds
        targets = self.problem.targets
        pending = {i: [None] * len(seeds) for i in todo}

        def store(i: int) -> None:
            per = {t.id: [out[t.id] for out in pending[i]] for t in targets}
            self._store(keys[i], points[i], per)
            results[i] = per

        if self.executor is None:
            for i in todo:
                for j, seed in enumerate(seeds):
                    pending[i][j] = run_statistics(self.problem.kwargs(points[i], seed), targets)
                store(i)
                self._count(self.loss(results[i]), points[i])
            return
        from concurrent.futures import FIRST_COMPLETED, wait

        futures = {self.executor.submit(run_statistics, self.problem.kwargs(points[i], seed), targets):
                   (i, j) for i in todo for j, seed in enumerate(seeds)}
        left = {i: len(seeds) for i in todo}
        order = list(todo)
        waiting = set(futures)
        while waiting:
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                i, j = futures[future]
                pending[i][j] = future.result()
                left[i] -= 1
                if left[i] == 0:
                    store(i)
            while order and left[order[0]] == 0:
                i = order.pop(0)
                self._count(self.loss(results[i]), points[i])

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
        evaluations: Distinct points evaluated (run or replayed), at most the budget.
        se: Standard error of each fitted value (NaN where not identified or not computed).
        sensitivity: ``{target id: {key: d statistic / d value, in target tolerance units per
            parameter range}}``.
        moments: Seed-averaged statistics at the fit.
        message: Why the search stopped.
        se_computed: Whether the budget left room for the standard errors.
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
    se_computed: bool = True


def minimum_budget_for_errors(n_free: int) -> int:
    """Smallest budget that leaves room for the standard errors: start, one Jacobian, 2n points."""
    return 1 + (n_free + 1) + 2 * n_free


def calibrate(problem: Problem, *, start: Mapping[str, float] | None = None,
              cache_dir: str | Path | None = None, jobs: int = 1, max_evaluations: int = 400,
              step: float = 0.15, progress: Callable[[Evaluator], None] | None = None) -> Result:
    """Fit ``problem.free`` to ``problem.targets``.

    Args:
        problem: What to fit.
        start: Starting values (default: each parameter's file value).
        cache_dir: Store of evaluations (resumption after a kill).
        jobs: Worker processes (1: run in this process).
        max_evaluations: Most distinct parameter points evaluated in all, each over every
            seed (see the module docstring). With ``n`` free parameters, ``2n`` of them are
            kept for the standard errors when the budget is at least
            :func:`minimum_budget_for_errors` (``3n + 2``); below it the errors are not computed.
        step: Finite-difference step in the transformed coordinates; large enough that
            the difference is not lost in the noise of a seed average.
        progress: Called after every batch of evaluations.
    """
    from scipy.optimize import least_squares

    free = problem.free
    x0 = np.array([p.to_x((start or {}).get(p.key, p.start)) for p in free])
    with_errors = max_evaluations >= minimum_budget_for_errors(len(free))
    search_budget = max_evaluations - 2 * len(free) if with_errors else max_evaluations
    # Fork: workers inherit the imported model instead of importing it again
    # (and a script that calls calibrate() needs no __main__ guard).
    with worker_pool(jobs) as executor:
        ev = Evaluator(problem, cache_dir, executor, progress, budget=search_budget)
        xs: dict[str, np.ndarray] = {}

        def point(x) -> dict[str, float]:
            values = problem.values(x)
            xs.setdefault(ev._key(values), np.array(x, float))
            return values

        def fun(x):
            return ev.residuals(ev.per_seed([point(x)])[0])

        def jac(x):
            points = [point(x)]
            for j in range(len(free)):
                xj = np.array(x, float)
                xj[j] += step
                points.append(point(xj))
            per = ev.per_seed(points)
            base = ev.residuals(per[0])
            return np.column_stack([(ev.residuals(p) - base) / step for p in per[1:]])

        start_loss = ev.loss(ev.per_seed([point(x0)])[0])
        try:
            fit = least_squares(fun, x0, jac=jac, method="trf", x_scale=1.0,
                                max_nfev=max(1, search_budget), xtol=1e-3, ftol=1e-4, gtol=1e-6)
            message = str(fit.message)
        except BudgetSpent as spent:
            message = str(spent)
        # The fit is the best point the search evaluated (a Jacobian point may beat the last step).
        best_loss, best_values = ev.best
        if not best_values:  # no finite loss anywhere: the start stands
            best_loss, best_values = start_loss, problem.values(x0)
        best_x = xs[ev._key(best_values)]
        per_best = ev.per_seed([best_values])[0]
        if with_errors:
            ev.tracking = False
            ev.budget = max_evaluations
            se, sensitivity = uncertainty(ev, best_x, step)
        else:
            se = {p.key: math.nan for p in free}
            sensitivity = {t.id: {p.key: math.nan for p in free} for t in problem.targets}
        return Result(values=dict(best_values), x=best_x, loss=best_loss, start_loss=start_loss,
                      evaluations=ev.evaluations, se=se, sensitivity=sensitivity,
                      moments=ev.means(per_best), message=message, se_computed=with_errors)


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


def default_problem(targets: Iterable[Target], seeds: Sequence[int] = DEFAULT_SEEDS,
                    scale: float = 0.01) -> Problem:
    """All calibrated leaves against the fit targets, ending at the last fit window."""
    from sim.timeline import format_month, parse_month

    fit = [t for t in targets if t.role == "fit"]
    last = max(parse_month(t.date or t.end) for t in fit if t.statistic != "experiment")
    return Problem(free=calibrated_leaves(), targets=fit, seeds=list(seeds), scale=scale,
                   end=format_month(last))


