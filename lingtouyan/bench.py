"""``sim-bench``: how fast and how big the model runs (DESIGN §7, STYLE.md habit 2).

For the 2008-01..2012-12 "as reported" run, ``VillageModel(scale=s, seed=0).run()``,
at each scale this command measures, in a fresh Python process of its own:

- wall time of construction plus run (the interpreter's start and the imports
  are excluded; the model's lazy imports are done before the clock starts);
- that process's peak resident memory (``getrusage(RUSAGE_SELF).ru_maxrss``);
- the agents simulated by type, read from the model's populations after the
  run (CGVOs: every CGVO ever recruited), and agent-steps per second
  (the sum over types of agents × monthly steps, over the wall time).

It then gives the cost exponent ``log(t2/t1) / log(s2/s1)`` between
consecutive scales and between 1:100 and 1:1, and times the secretary
stay/quit rule written two ways side by side: one
:class:`sim.agents.secretary.Secretary` ``mesa.Agent`` per secretary stepped by
``model.agents.do("step")``, against :meth:`Secretaries.draw_quits` on
arrays, with the same secretaries and the same relative values.

Usage::

    sim-bench                              # scales 0.001, 0.01, 0.1, 1.0
    sim-bench --scales 0.001,0.01 --repeat 5
    sim-bench --json bench.json
    sim-bench --profile 0.1                # cProfile of one 1:10 run instead
    sim-bench --sweep                      # a 200-job sweep: plain loop, launchers (see below)
    sim-bench --regions --repeat 9         # the cost of the outcomes by region
    sim-bench --demo                       # months per second of the classroom page
    sim-bench --demo --browser             # ... and as headless Chromium shows it

``--repeat N`` (default 3) runs each scale below 1:1 N times, each in a fresh
process, and reports the median wall time (the fastest is shown beside it)
and the largest peak memory; the 1:1 run is made once. The quit-rule
comparison is also repeated N times (median). On Linux each timed figure
comes with the load other processes put on the machine meanwhile, so a
figure taken on a busy machine shows as such.

``--sweep`` times one sweep, 10 pay-floor multiples x 20 seeds at the default
scale (``--sweep-values``, ``--sweep-seeds``, ``--sweep-scale``), on the same
points and the same number of processes (``--sweep-jobs``, default 2) as: a
plain loop over ``VillageModel`` in a process pool, Hydra's basic launcher
(serial), the local launcher, the Dask launcher on a local cluster, and the
check of every job without running any. Each is a command of its own, timed
whole (its start, imports and workers included), by wall time and by the CPU
time of all its processes; the report gives both as ratios to the plain loop
and the local launcher's overhead per job (docs/SWEEPS.md, "Timings").
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_SCALES = (0.001, 0.01, 0.1, 1.0)
#: Scales below this are run ``--repeat`` times; larger ones once.
REPEAT_BELOW = 1.0
START, END, SCENARIO = "2008-01", "2012-12", "as_reported"
#: Secretaries and months of the quit-rule comparison (the 1:10 count, one year).
QUIT_AGENTS, QUIT_MONTHS = 59_000, 12

GIB = 2.0**30


@dataclass(frozen=True)
class Target:
    """A performance goal of the project, checked against a measured figure.

    Attributes:
        name: What is measured.
        limit: The bound to reach.
        unit: Unit of ``limit`` and of the measured figure.
        at_most: True if the figure must not exceed ``limit``, False if it must reach it.
    """

    name: str
    limit: float
    unit: str
    at_most: bool

    def passes(self, value: float) -> bool:
        """Whether ``value`` meets the goal."""
        return value <= self.limit if self.at_most else value >= self.limit

    def describe(self) -> str:
        """The goal in words, e.g. ``1:1 run wall time <= 30 s``."""
        return f"{self.name} {'<=' if self.at_most else '>='} {self.limit:g} {self.unit}"


TARGETS = {
    "wall_1_1": Target("1:1 run wall time", 30.0, "s", at_most=True),
    "rss_1_1": Target("1:1 run peak memory", 6.0, "GiB", at_most=True),
    "wall_default": Target("1:100 (default scale) run wall time", 0.5, "s", at_most=True),
    "exponent_1_100_to_1_1": Target("cost exponent 1:100 -> 1:1", 1.1, "", at_most=True),
    "quit_rule_speedup": Target("quit rule speed-up over per-agent Mesa", 100.0, "x",
                                at_most=False),
}


# ----------------------------------------------------------------------------- measuring
def peak_rss_gib() -> float:
    """Peak resident memory of this process so far (GiB)."""
    try:
        import resource
    except ImportError:  # Windows: no resource module
        import psutil

        return psutil.Process().memory_info().peak_wset / GIB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / GIB if sys.platform == "darwin" else peak * 1024 / GIB


def scale_label(scale: float) -> str:
    """``0.01`` → ``"1:100"``."""
    inverse = 1.0 / scale
    whole = abs(inverse - round(inverse)) < 1e-6 * inverse
    return f"1:{round(inverse):d}" if whole else f"{scale:g}"


def machine_busy_s() -> float | None:
    """CPU seconds all processes of the machine have used since boot (Linux), else None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait are busy.
    ticks = [int(v) for v in fields[1:]]
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def other_load(busy_before: float | None, busy_after: float | None, own_cpu_s: float,
               wall_s: float) -> float | None:
    """Cores kept busy by other processes over a timed stretch (None where unknown).

    A value near 0 means the figure was measured on an otherwise idle machine.
    """
    if busy_before is None or busy_after is None or wall_s <= 0:
        return None
    return max(0.0, (busy_after - busy_before - own_cpu_s) / wall_s)


def measure_run(scale: float, seed: int = 0) -> dict[str, Any]:
    """Construct and run the model once in this process; return its figures.

    The caller should run this in a fresh process so that the peak memory is
    that of one run.
    """
    # Imports the model makes lazily inside functions, done before the clock starts.
    import scipy.special  # noqa: F401

    from sim.model import VillageModel

    busy = machine_busy_s()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    model = VillageModel(scale=scale, start=START, end=END, scenario=SCENARIO, seed=seed)
    model.run()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    agents = {
        "secretaries": len(model.secretaries),
        "villager_rows": len(model.villagers),
        "cgvos": len(model.cgvos),
        "enterprises": len(model.enterprises),
    }
    return {"scale": scale, "wall_s": wall, "cpu_s": cpu, "peak_rss_gib": peak_rss_gib(),
            "other_load_cores": other_load(busy, machine_busy_s(), cpu, wall),
            "steps": int(model.steps), "agents": agents}


def measure_in_subprocess(scale: float, seed: int) -> dict[str, Any]:
    """Run :func:`measure_run` in a fresh Python process and return its figures."""
    out = subprocess.run(
        [sys.executable, "-m", "lingtouyan.bench", "--child-scale", repr(scale),
         "--seed", str(seed)],
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_scale(scale: float, seed: int, repeat: int) -> dict[str, Any]:
    """Figures for one scale: the median wall time over ``repeat`` fresh processes."""
    runs = [measure_in_subprocess(scale, seed) for _ in range(repeat)]
    first = runs[0]
    walls = [r["wall_s"] for r in runs]
    wall = statistics.median(walls)
    agent_steps = sum(first["agents"].values()) * first["steps"]
    return {
        "scale": scale,
        "label": scale_label(scale),
        "wall_s": wall,
        "wall_s_runs": walls,
        "wall_s_best": min(walls),
        "wall_statistic": "median" if repeat > 1 else "single run",
        "cpu_s_runs": [r["cpu_s"] for r in runs],
        "other_load_cores_runs": [r["other_load_cores"] for r in runs],
        "peak_rss_gib": max(r["peak_rss_gib"] for r in runs),
        "steps": first["steps"],
        "agents": first["agents"],
        "agent_steps": agent_steps,
        "agent_steps_per_s": agent_steps / wall,
    }


def cost_exponents(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``log(t2/t1) / log(s2/s1)`` between consecutive scales, and from 1:100 to 1:1."""
    ordered = sorted(results, key=lambda r: r["scale"])
    pairs = list(itertools.pairwise(ordered))
    by_scale = {r["scale"]: r for r in ordered}
    if 0.01 in by_scale and 1.0 in by_scale and len(ordered) > 2:
        pairs.append((by_scale[0.01], by_scale[1.0]))
    return [{"from": a["scale"], "to": b["scale"], "from_label": a["label"], "to_label": b["label"],
             "exponent": math.log(b["wall_s"] / a["wall_s"]) / math.log(b["scale"] / a["scale"])}
            for a, b in pairs]


# ----------------------------------------------------------------------------- quit rule
def quit_rule_values(n: int, seed: int = 0):
    """Relative post values of ``n`` secretaries: the 1:100 model's, in 2008-01, repeated.

    Returns a float array (yearly value of the post over local income).
    """
    import numpy as np

    from sim.model import VillageModel

    model = VillageModel(scale=0.01, start=START, end=END, scenario=SCENARIO, seed=seed)
    values = model.secretary_post_value() / model.village_income
    return np.resize(values, n)


def per_agent_quit_model(values, params, seed: int):
    """A small ``mesa.Model`` holding one :class:`Secretary` agent per value."""
    import mesa

    from sim.agents.secretary import Secretary

    class QuitRuleModel(mesa.Model):
        """Secretaries as ``mesa.Agent`` objects, each deciding to stay or quit every month."""

        def __init__(self, *, seed: int) -> None:
            super().__init__(seed=seed)
            intercept = params.value("secretary.quit_intercept")
            slope = params.value("secretary.quit_slope")
            for value in values:
                Secretary(self, value, intercept, slope)

        def step(self) -> None:
            self.agents.do("step")

    return QuitRuleModel(seed=seed)


def time_quit_rule(n: int, months: int, repeat: int, seed: int = 0) -> dict[str, Any]:
    """Time the per-agent Mesa quit rule against the array rule on the same secretaries."""
    import numpy as np

    from sim.agents.secretary import Secretaries
    from sim.parameters import load_world_parameters

    params = load_world_parameters()
    values = quit_rule_values(n, seed)
    mesa_do, mesa_shuffle, arrays = [], [], []
    mesa_quits = array_quits = 0
    busy, cpu0, t_start = machine_busy_s(), time.process_time(), time.perf_counter()
    for r in range(repeat):
        model = per_agent_quit_model(values, params, seed + r)
        t0 = time.perf_counter()
        for _ in range(months):
            model.step()
        mesa_do.append(time.perf_counter() - t0)
        mesa_quits = sum(not a.filled for a in model.agents)

        model = per_agent_quit_model(values, params, seed + r)
        t0 = time.perf_counter()
        for _ in range(months):
            model.agents.shuffle_do("step")
        mesa_shuffle.append(time.perf_counter() - t0)

        secretaries = Secretaries(n, params, 0, np.random.default_rng(seed + r))
        secretaries.filled[:] = True
        rng = np.random.default_rng(seed + r)
        t0 = time.perf_counter()
        quits = 0
        for _ in range(months):
            quitting = secretaries.draw_quits(values, rng)
            secretaries.filled[quitting] = False
            quits += len(quitting)
        arrays.append(time.perf_counter() - t0)
        array_quits = quits
    load = other_load(busy, machine_busy_s(), time.process_time() - cpu0,
                      time.perf_counter() - t_start)
    steps = n * months
    t_mesa, t_shuffle, t_array = (statistics.median(t) for t in (mesa_do, mesa_shuffle, arrays))
    return {
        "secretaries": n,
        "months": months,
        "agent_steps": steps,
        "repeat": repeat,
        "statistic": "median" if repeat > 1 else "single run",
        "per_agent_mesa_s": t_mesa,
        "per_agent_mesa_ns_per_agent_step": t_mesa / steps * 1e9,
        "per_agent_mesa_shuffle_s": t_shuffle,
        "per_agent_mesa_shuffle_ns_per_agent_step": t_shuffle / steps * 1e9,
        "array_s": t_array,
        "array_ns_per_agent_step": t_array / steps * 1e9,
        "speedup": t_mesa / t_array,
        "quits_per_agent_mesa": mesa_quits,
        "quits_array": array_quits,
        "other_load_cores": load,
    }


# ----------------------------------------------------------------------------- report
def check_targets(results: Sequence[dict[str, Any]], exponents: Sequence[dict[str, Any]],
                  quit_rule: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each target with the measured figure and whether it passes (None: not measured)."""
    by_scale = {r["scale"]: r for r in results}
    full = by_scale.get(1.0)
    default = by_scale.get(0.01)
    exponent = next((e["exponent"] for e in exponents if e["from"] == 0.01 and e["to"] == 1.0),
                    None)
    measured = {
        "wall_1_1": full and full["wall_s"],
        "rss_1_1": full and full["peak_rss_gib"],
        "wall_default": default and default["wall_s"],
        "exponent_1_100_to_1_1": exponent,
        "quit_rule_speedup": quit_rule and quit_rule["speedup"],
    }
    out = []
    for key, target in TARGETS.items():
        value = measured[key]
        out.append({"target": key, "description": target.describe(), "limit": target.limit,
                    "unit": target.unit, "measured": value,
                    "pass": None if value is None else target.passes(value)})
    return out


def _load_text(loads: Sequence[float | None]) -> str:
    known = [x for x in loads if x is not None]
    return f"{max(known):.2f}" if known else "n/a"


def _mark(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: "----"}[passed]


def format_report(report: dict[str, Any]) -> str:
    """The figures of ``report`` as the text ``sim-bench`` prints."""
    env = report["environment"]
    lines = [
        f"sim-bench: {START}..{END}, scenario {SCENARIO}, seed {report['seed']}",
        f"machine: {env['platform']}, {env['cpu_count']} CPUs, Python {env['python']}, "
        f"numpy {env['numpy']}, mesa {env['mesa']}, code {env['code'] or 'unknown'}",
        "wall = construction + run, each scale in a fresh process (imports excluded); "
        + (f"scales below 1:1: median of {report['repeat']} runs"
           if report["repeat"] > 1 else "one run per scale"),
        "",
        f"{'scale':>7} {'wall_s':>8} {'peak_GiB':>8} {'steps':>5} {'secretaries':>11} "
        f"{'villager_rows':>13} {'cgvos':>7} {'enterprises':>11} {'agent_steps/s':>13} "
        f"{'best_s':>8} {'cpu_s':>8} {'other_load':>10}",
    ]
    for r in report["scales"].values():
        a = r["agents"]
        cpu = statistics.median(r["cpu_s_runs"])
        lines.append(
            f"{r['label']:>7} {r['wall_s']:8.3f} {r['peak_rss_gib']:8.3f} {r['steps']:5d} "
            f"{a['secretaries']:11,d} {a['villager_rows']:13,d} {a['cgvos']:7,d} "
            f"{a['enterprises']:11,d} {r['agent_steps_per_s']:13.3e} {r['wall_s_best']:8.3f} "
            f"{cpu:8.3f} {_load_text(r['other_load_cores_runs']):>10}")
    repeated = [r for r in report["scales"].values() if len(r["wall_s_runs"]) > 1]
    if repeated:
        lines.append("  walls of the repeated runs (s): " + "; ".join(
            f"{r['label']} " + ", ".join(f"{w:.3f}" for w in r["wall_s_runs"]) for r in repeated))
    lines.append("  best_s: fastest run; cpu_s: CPU time of the run, all threads (median); "
                 "other_load: cores kept busy\n  by other processes during the timed run "
                 "(largest over runs; 0 = idle machine)")
    if report["cost_exponent"]:
        lines += ["", "cost exponent log(t2/t1)/log(s2/s1):"]
        lines += [f"  {e['from_label']:>7} -> {e['to_label']:<7} {e['exponent']:6.3f}"
                  for e in report["cost_exponent"]]
    q = report.get("quit_rule")
    if q:
        lines += [
            "",
            f"secretary stay/quit rule, {q['secretaries']:,} secretaries x {q['months']} months "
            f"({q['statistic']} of {q['repeat']}):",
            f"  per-agent Mesa, Secretary.step via model.agents.do('step'): "
            f"{q['per_agent_mesa_ns_per_agent_step']:9.1f} ns per agent-step "
            f"({q['per_agent_mesa_s']:.4f} s, {q['quits_per_agent_mesa']:,} quits)",
            f"  per-agent Mesa, model.agents.shuffle_do('step'):            "
            f"{q['per_agent_mesa_shuffle_ns_per_agent_step']:9.1f} ns per agent-step "
            f"({q['per_agent_mesa_shuffle_s']:.4f} s)",
            f"  arrays, Secretaries.draw_quits:                           "
            f"{q['array_ns_per_agent_step']:9.1f} ns per agent-step "
            f"({q['array_s']:.4f} s, {q['quits_array']:,} quits)",
            f"  speed ratio (per-agent do / arrays): {q['speedup']:.1f}x "
            f"(other load {_load_text([q['other_load_cores']])} cores)",
        ]
    lines += ["", "targets:"]
    for t in report["targets"]:
        value = t["measured"]
        shown = "not measured" if value is None else f"{value:.3f} {t['unit']}".rstrip()
        lines.append(f"  [{_mark(t['pass'])}] {t['description']:<55} measured: {shown}")
    return "\n".join(lines)


def code_version() -> str | None:
    """Commit of the project's work tree, with ``+changes`` if ``sim/`` differs from it."""
    import sim

    root = Path(sim.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim"], cwd=root,
                               check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+changes" if dirty else "")


def environment() -> dict[str, Any]:
    """Versions and machine the figures were measured with."""
    import mesa
    import numpy as np

    return {"platform": f"{platform.system()} {platform.machine()}",
            "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__,
            "mesa": mesa.__version__, "code": code_version()}


def run_benchmark(scales: Sequence[float], repeat: int, seed: int, quit_agents: int,
                  quit_months: int, quit_rule: bool = True) -> dict[str, Any]:
    """Measure every scale and the quit rule; return the report as plain data."""
    results = []
    for scale in scales:
        runs = repeat if scale < REPEAT_BELOW else 1
        print(f"  running {scale_label(scale)} ({runs} fresh process{'es' if runs > 1 else ''})...",
              file=sys.stderr, flush=True)
        results.append(measure_scale(scale, seed, runs))
    exponents = cost_exponents(results)
    quit_figures = None
    if quit_rule:
        print(f"  timing the quit rule ({quit_agents:,} x {quit_months})...", file=sys.stderr,
              flush=True)
        quit_figures = time_quit_rule(quit_agents, quit_months, repeat, seed)
    return {
        "command": "sim-bench " + " ".join(sys.argv[1:]),
        "run": {"start": START, "end": END, "scenario": SCENARIO},
        "seed": seed,
        "repeat": repeat,
        "environment": environment(),
        "scales": {f"{r['scale']:g}": r for r in results},
        "cost_exponent": exponents,
        "quit_rule": quit_figures,
        "speedup_vs_per_agent_mesa": quit_figures and quit_figures["speedup"],
        "targets": check_targets(results, exponents, quit_figures),
    }


# ----------------------------------------------------------------------------- profile
def profile_run(scale: float, seed: int, top: int) -> str:
    """Profile one construction + run with cProfile; return the top entries as text.

    Two tables: by own time (where the time is spent, numpy reductions listed
    apart) and by cumulative time (which model methods it is spent under).
    """
    import cProfile
    import io
    import pstats

    import mesa
    import scipy.special  # noqa: F401

    import sim
    from sim.model import VillageModel

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    VillageModel(scale=scale, start=START, end=END, scenario=SCENARIO, seed=seed).run()
    profiler.disable()
    wall = time.perf_counter() - t0
    out = io.StringIO()
    out.write(f"cProfile of VillageModel(scale={scale:g}, seed={seed}).run() "
              f"({scale_label(scale)}): {wall:.2f} s under the profiler\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    # Paths relative to the project and to site-packages: sim/model.py, mesa/model.py.
    text = out.getvalue()
    for package in (sim, mesa):
        text = text.replace(f"{Path(package.__file__).resolve().parent.parent}{os.sep}", "")
    return text


# ----------------------------------------------------------------------------- regions
def time_regions(scale: float, repeat: int, seed: int = 0) -> dict[str, Any]:
    """CPU time of a run without and with the outcomes by region, in pairs, in this process.

    Each pair runs the same model three ways, in turn (the order rotating
    from pair to pair): ``VillageModel(...).run()`` as ``sim-run`` runs by
    default; built with ``regions=True`` (the monthly bookkeeping by province,
    what every run paid before it could be switched off); and with the
    regional table made too (``outcomes(regions=True)``, what
    ``outcomes.regions=true`` asks for). The ratios to the default run are
    taken pair by pair, so a drift of the machine's speed cancels.
    """
    from sim.model import VillageModel

    def default() -> None:
        VillageModel(scale=scale, seed=seed).run()

    def bookkeeping() -> None:
        VillageModel(scale=scale, seed=seed, regions=True).run()

    def table() -> None:
        model = VillageModel(scale=scale, seed=seed, regions=True)
        model.run()
        model.outcomes(regions=True)

    ways = {"default": default, "bookkeeping": bookkeeping, "table": table}
    for run in ways.values():  # warm-up: lazy imports and caches
        run()
    times: dict[str, list[float]] = {name: [] for name in ways}
    names = list(ways)
    for r in range(repeat):
        for name in names[r % 3:] + names[:r % 3]:
            t0 = time.process_time()
            ways[name]()
            times[name].append(time.process_time() - t0)
    ratio = {name: statistics.median(t / d for t, d in zip(times[name], times["default"], strict=True))
             for name in ("bookkeeping", "table")}
    return {"scale": scale, "seed": seed, "repeat": repeat, "cpu_s": times,
            "median_cpu_s": {name: statistics.median(t) for name, t in times.items()},
            "ratio_to_default": ratio}


def format_regions_report(report: dict[str, Any]) -> str:
    """The cost of the outcomes by region, as ``sim-bench --regions`` prints it."""
    m, r = report["median_cpu_s"], report["ratio_to_default"]
    return "\n".join([
        f"Outcomes by region and province, scale {report['scale']:g}, seed {report['seed']}, "
        f"2008-01..2012-12: CPU time of construction + run, median of {report['repeat']} "
        "interleaved runs each",
        f"  default run (no regions)                       {m['default']:7.3f} s",
        f"  with the bookkeeping by province (regions=True) {m['bookkeeping']:7.3f} s  "
        f"{(r['bookkeeping'] - 1) * 100:+5.1f}% (pairwise median)",
        f"  and the regional table (outcomes.regions=true)  {m['table']:7.3f} s  "
        f"{(r['table'] - 1) * 100:+5.1f}% (pairwise median)",
    ])


# ----------------------------------------------------------------------------- sweeps
#: The benchmark sweep: 10 pay-floor multiples x 20 seeds at the default scale.
SWEEP_VALUES, SWEEP_SEEDS, SWEEP_JOBS = 10, 20, 2
#: The goal: a sweep through the local launcher within 1.3x of a plain loop on the same cores.
SWEEP_GOAL = 1.3
#: The ways a sweep is run, in the order they are timed (``--sweep-variants``).
SWEEP_VARIANTS = ("plain", "basic", "local", "dask", "check")


def sweep_points(values: int, seeds: int) -> list[tuple[float, int]]:
    """The sweep's points: ``values`` pay-floor multiples from 1.0 to 2.5, crossed with seeds."""
    multiples = [round(1.0 + 1.5 * i / max(1, values - 1), 4) for i in range(values)]
    return [(m, seed) for m in multiples for seed in range(seeds)]


def plain_loop(points: Sequence[tuple[float, int]], processes: int, scale: float) -> None:
    """A user's own loop over ``VillageModel``, split over ``processes`` processes.

    Each process imports the model once and runs its share of the points, as
    the launchers' workers do; the outcome table of each run is made and
    dropped (a run of ``VillageModel.run``), nothing is written.
    """
    import multiprocessing

    os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for _ in pool.imap_unordered(_plain_job, [(m, s, scale) for m, s in points]):
            pass


def _plain_job(point: tuple[float, int, float]) -> int:
    from sim import VillageModel

    multiple, seed, scale = point
    return len(VillageModel(scale=scale, seed=seed, pay_floor_multiple=multiple).run())


def _timed(command: list[str], cwd: Path) -> dict[str, Any]:
    """Wall and CPU time of a command and its processes (start and imports included).

    The CPU time is that of the command and every process it waited for (its
    workers), user plus system; with the load other processes put on the
    machine meanwhile.
    """
    busy = machine_busy_s()
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    own = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... failed:\n{done.stderr[-2000:]}")
    return {"wall_s": wall, "cpu_s": own, "other_load": other_load(busy, machine_busy_s(), own, wall)}


def sweep_commands(values: int, seeds: int, jobs: int, scale: float,
                   sweep_dir: Path) -> dict[str, tuple[str, list[str]]]:
    """Each variant of :data:`SWEEP_VARIANTS`: its name in the report and its command line."""
    multiples = ",".join(f"{m:g}" for m in sorted({m for m, _ in sweep_points(values, seeds)}))
    sim_run = shutil.which("sim-run", path=str(Path(sys.executable).parent)) or "sim-run"
    sweep = [sim_run, "-m", f"policy.pay_floor.multiple={multiples}", f"seed=range(0,{seeds})",
             f"scale={scale}", f"hydra.sweep.dir={sweep_dir}"]
    spec = json.dumps({"values": values, "seeds": seeds, "jobs": jobs, "scale": scale})
    return {
        "plain": (f"plain loop over VillageModel ({jobs} processes)",
                  [sys.executable, "-m", "lingtouyan.bench", "--child-sweep", spec]),
        "basic": ("Hydra's basic launcher (serial)",
                  [*sweep, "hydra/launcher=basic", "hydra/sweeper=basic"]),
        "local": (f"local launcher ({jobs} processes)", [*sweep, f"hydra.launcher.n_jobs={jobs}"]),
        "dask": (f"dask launcher (local cluster, {jobs} workers)",
                 [*sweep, "hydra/launcher=dask", f"hydra.launcher.n_workers={jobs}"]),
        "check": ("checking every job, running none", [*sweep, "hydra.launcher.check_only=true"]),
    }


def run_sweep_benchmark(values: int, seeds: int, jobs: int, scale: float,
                        variants: Sequence[str] = SWEEP_VARIANTS) -> dict[str, Any]:
    """Time one sweep several ways on the same points and the same cores; return the report.

    ``variants`` (of :data:`SWEEP_VARIANTS`) must include ``plain``, the
    reference of every ratio. Each sim-run variant writes into a fresh
    temporary sweep directory, removed afterwards.
    """
    import tempfile

    results: dict[str, Any] = {}
    names: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="sim-bench-sweep-") as tmp:
        for key in [v for v in SWEEP_VARIANTS if v in variants]:
            where = Path(tmp) / key
            where.mkdir()
            name, command = sweep_commands(values, seeds, jobs, scale, where / "sweep")[key]
            print(f"  {name}...", file=sys.stderr, flush=True)
            names[key] = name
            results[key] = {"name": name, **_timed(command, where)}
            shutil.rmtree(where, ignore_errors=True)
    n = values * seeds
    plain = results["plain"]
    report: dict[str, Any] = {
        "jobs": n, "values": values, "seeds": seeds, "processes": jobs, "scale": scale,
        "results": results, "plain_s": plain["wall_s"], "plain_cpu_s": plain["cpu_s"],
        "goal": SWEEP_GOAL, "environment": environment()}
    if "local" in results:
        local = results["local"]
        report.update(
            local_vs_plain=local["wall_s"] / plain["wall_s"],
            local_vs_plain_cpu=local["cpu_s"] / plain["cpu_s"],
            # What the launcher costs beyond the runs, per job: wall time of the
            # workers (over the same cores), and CPU time of all the processes.
            per_job_overhead_s=(local["wall_s"] - plain["wall_s"]) * jobs / n,
            per_job_overhead_cpu_s=(local["cpu_s"] - plain["cpu_s"]) / n,
            passes=local["wall_s"] / plain["wall_s"] <= SWEEP_GOAL)
    if "check" in results:
        report["check_cpu_s"] = results["check"]["cpu_s"]
    return report


def format_sweep_report(report: dict[str, Any]) -> str:
    """The sweep timings as a table, with wall and CPU ratios to the plain loop."""
    lines = [f"Sweep of {report['jobs']} jobs ({report['values']} pay-floor multiples x "
             f"{report['seeds']} seeds, scale {report['scale']:g}, 2008-01..2012-12), "
             f"{report['processes']} processes where parallel; every process's start and "
             "imports included", "",
             f"{'variant':<48} {'wall s':>8} {'vs loop':>8} {'cpu s':>8} {'vs loop':>8} "
             f"{'other load':>11}"]
    for r in report["results"].values():
        load = "-" if r["other_load"] is None else f"{r['other_load']:.2f} cores"
        lines.append(f"{r['name']:<48} {r['wall_s']:8.1f} {r['wall_s'] / report['plain_s']:7.2f}x "
                     f"{r['cpu_s']:8.1f} {r['cpu_s'] / report['plain_cpu_s']:7.2f}x {load:>11}")
    if "local_vs_plain" in report:
        lines += ["", "Per-job overhead of the local launcher over the plain loop: "
                  f"{report['per_job_overhead_s'] * 1000:.0f} ms of a worker's wall time, "
                  f"{report['per_job_overhead_cpu_s'] * 1000:.0f} ms of CPU time (all processes)"]
        if "check_cpu_s" in report:
            lines.append(f"  of which sim-run's start and its check of every job: "
                         f"{report['check_cpu_s'] / report['jobs'] * 1000:.0f} ms of CPU per job "
                         f"({report['check_cpu_s']:.1f} s in all)")
        lines += [f"[{'PASS' if report['passes'] else 'FAIL'}] local launcher within "
                  f"{report['goal']}x of the plain loop on the same cores: "
                  f"{report['local_vs_plain']:.2f}x wall ({report['local_vs_plain_cpu']:.2f}x CPU)"]
    lines.append("(other load: cores kept busy by other processes meanwhile; near 0 on an idle "
                 "machine. Under load, compare the CPU ratios.)")
    return "\n".join(lines)


def _variants(text: str) -> list[str]:
    chosen = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in SWEEP_VARIANTS]
    if unknown or "plain" not in chosen:
        raise argparse.ArgumentTypeError(
            f"variants are a comma-separated choice of {', '.join(SWEEP_VARIANTS)}, "
            f"including plain (the reference); got {text!r}")
    return chosen


# ----------------------------------------------------------------------------- command line
def _scales(text: str) -> list[float]:
    try:
        scales = [float(s) for s in text.split(",") if s.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"scales must be numbers: {text!r}") from err
    if not scales or any(not 0.0 < s <= 1.0 for s in scales):
        raise argparse.ArgumentTypeError("each scale must be in (0, 1]")
    return sorted(set(scales))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim-bench",
        description="Time, memory and agent-steps of the 2008-2012 run at several scales, and the "
                    "quit rule per agent (Mesa) against arrays.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=_scales, default=list(DEFAULT_SCALES),
                        help="comma-separated scales (default: 0.001,0.01,0.1,1.0)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="fresh runs of each scale below 1:1 and runs of the "
                             "quit-rule comparison; the median is reported (default: 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the runs (default: 0)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--quit-agents", type=int, default=QUIT_AGENTS,
                        help=f"secretaries in the quit-rule comparison (default: {QUIT_AGENTS})")
    parser.add_argument("--quit-months", type=int, default=QUIT_MONTHS,
                        help=f"months in the quit-rule comparison (default: {QUIT_MONTHS})")
    parser.add_argument("--no-quit-rule", action="store_true",
                        help="skip the quit-rule comparison")
    parser.add_argument("--profile", type=float, metavar="SCALE",
                        help="instead of the benchmark, profile one run at SCALE with cProfile")
    parser.add_argument("--profile-top", type=int, default=30, metavar="N",
                        help="entries shown per profile table (default: 30)")
    parser.add_argument("--sweep", action="store_true",
                        help="instead, time a sweep several ways: a plain loop over VillageModel, "
                             "Hydra's basic launcher, the local and the Dask launcher, and the check "
                             "of every job alone (wall and CPU ratios to the loop)")
    parser.add_argument("--sweep-variants", type=_variants, default=list(SWEEP_VARIANTS),
                        help="which of them, comma-separated (default: "
                             f"{','.join(SWEEP_VARIANTS)}; plain is required)")
    parser.add_argument("--sweep-values", type=int, default=SWEEP_VALUES,
                        help=f"pay-floor multiples of the sweep (default: {SWEEP_VALUES})")
    parser.add_argument("--sweep-seeds", type=int, default=SWEEP_SEEDS,
                        help=f"seeds of the sweep (default: {SWEEP_SEEDS})")
    parser.add_argument("--sweep-jobs", type=int, default=SWEEP_JOBS,
                        help=f"processes of the parallel variants (default: {SWEEP_JOBS})")
    parser.add_argument("--sweep-scale", type=float, default=0.01,
                        help="scale of the sweep's runs (default: 0.01, sim-run's default)")
    parser.add_argument("--regions", action="store_true",
                        help="instead, the CPU cost of the outcomes by region and province at the "
                             "default scale (--repeat pairs, default 3; --scales: its first scale)")
    parser.add_argument("--demo", action="store_true",
                        help="instead, months per second of the classroom page (sim-demo)")
    parser.add_argument("--browser", action="store_true",
                        help="with --demo, also serve sim-demo, open it in headless Chromium, press Play "
                             "and time the page's month label (needs chromium and playwright)")
    parser.add_argument("--browser-seconds", type=float, default=120.0,
                        help="with --browser, stop timing after this many seconds if the run has not "
                             "ended (default: 120)")
    parser.add_argument("--child-scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--child-sweep", help=argparse.SUPPRESS)
    return parser


def _write_json(path: str | None, report: dict) -> None:
    """Keep a report's figures at ``path`` (``--json``), written atomically."""
    if path:
        from lingtouyan._io import atomic_write_text

        atomic_write_text(path, json.dumps(report, indent=2) + "\n", "--json")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sim-bench``."""
    args = _parser().parse_args(argv)
    if args.child_scale is not None:
        print(json.dumps(measure_run(args.child_scale, args.seed)))
        return 0
    if args.child_sweep is not None:
        spec = json.loads(args.child_sweep)
        plain_loop(sweep_points(spec["values"], spec["seeds"]), spec["jobs"], spec["scale"])
        return 0
    if args.profile is not None:
        print(profile_run(args.profile, args.seed, args.profile_top))
        return 0
    if args.json:  # before any timing: a report that cannot be kept is not worth minutes
        from lingtouyan._io import check_output_file
        from sim import ConfigError

        try:
            check_output_file(args.json, "--json")
        except ConfigError as err:
            _parser().error(str(err))
    if args.sweep:
        if min(args.sweep_values, args.sweep_seeds, args.sweep_jobs) < 1 or not 0 < args.sweep_scale <= 1:
            _parser().error("--sweep-values, --sweep-seeds and --sweep-jobs must be at least 1, "
                            "--sweep-scale in (0, 1]")
        report = run_sweep_benchmark(args.sweep_values, args.sweep_seeds, args.sweep_jobs,
                                     args.sweep_scale, args.sweep_variants)
        print(format_sweep_report(report))
        _write_json(args.json, report)
        return 0
    if args.regions:
        scale = 0.01 if args.scales == list(DEFAULT_SCALES) else args.scales[0]
        report = time_regions(scale, max(1, args.repeat), args.seed)
        print(format_regions_report(report))
        _write_json(args.json, report)
        return 0
    if args.demo:
        from lingtouyan.demo.bench import demo_benchmark, format_demo_report

        if args.browser:
            from lingtouyan.demo.browser import BrowserMissingError, require_browser

            if not 0 < args.browser_seconds < math.inf:
                _parser().error(f"--browser-seconds: must be a positive number, got {args.browser_seconds}")
            try:
                require_browser()
            except BrowserMissingError as error:
                print(f"sim-bench: error: --browser: {error}", file=sys.stderr)
                return 2
        print(format_demo_report(demo_benchmark(seed=args.seed, repeat=args.repeat)), flush=True)
        if args.browser:
            from lingtouyan.demo.browser import browser_benchmark, format_browser_report

            try:
                print(format_browser_report(browser_benchmark(args.browser_seconds)))
            except KeyboardInterrupt:  # the server and the browser are stopped on the way out
                print("sim-bench: interrupted", file=sys.stderr)
                return 130
            except RuntimeError as error:  # sim-demo did not start
                print(f"sim-bench: error: --browser: {error}", file=sys.stderr)
                return 1
        return 0
    if args.browser:
        _parser().error("--browser: only with --demo")
    if args.repeat < 1 or args.quit_agents < 1 or args.quit_months < 1:
        _parser().error("--repeat, --quit-agents and --quit-months must be at least 1")
    report = run_benchmark(args.scales, args.repeat, args.seed, args.quit_agents,
                           args.quit_months, quit_rule=not args.no_quit_rule)
    print(format_report(report))
    _write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
