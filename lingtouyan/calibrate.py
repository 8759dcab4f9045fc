"""``sim-calibrate``: fit the calibrated parameters to the fit targets (method of simulated moments).

Runs evaluations in parallel on the local cores, prints progress, resumes
after a kill without redoing finished evaluations (they are stored under
``--cache``), and writes the calibrated parameter file that ``sim-run`` and
``VillageModel`` use by default, with the loss, date, commit and the hash of
the targets file, plus the uncertainty of every fitted parameter and an
identifiability table (which targets pin which parameters).

``--max-evaluations`` is the most distinct parameter points evaluated in all
(each over every seed; replayed ones included): the start, the search with its
Jacobians (one point per free parameter each) and, when the budget is at least
``3n + 2`` for ``n`` free parameters, the ``2n`` points of the standard errors
(below that the errors are not computed). The progress line shows the loss of
the best point so far, which is the one written.

Every output location is checked before the first evaluation. The calibrated
file is replaced only if ``sim-calibrate`` wrote it (its first line says so);
the report directory follows the rule of ``sim-compare --out``
(``docs/RELIABILITY.md``). Ctrl-C, SIGTERM or SIGHUP stop the workers and leave
the outputs as they were; the evaluations finished so far stay in ``--cache``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import time
from pathlib import Path

from lingtouyan._cli import seeds_arg
from lingtouyan._io import (
    OneLineParser,
    atomic_file,
    check_output_dir,
    check_output_file,
    check_writable_dir,
    git_commit,
    output_directory,
    provenance,
    run_command,
)
from sim.errors import ConfigError

PROG = "sim-calibrate"


def parser() -> OneLineParser:
    """Command-line options."""
    p = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    p.add_argument("--targets", default=None, help="targets file (default: sim/data/targets.yaml)")
    p.add_argument("--seeds", default="1-8", help="seeds of every evaluation (default 1-8)")
    p.add_argument("--scale", type=float, default=0.01, help="share of villages simulated (default 0.01)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument("--max-evaluations", type=int, default=600, help="budget of evaluations")
    p.add_argument("--cache", default="results/calibration/cache", help="store of evaluations")
    p.add_argument("--out", default=None, help="calibrated file (default: sim/data/calibrated.yaml)")
    p.add_argument("--report", default="results/calibration/report",
                   help="directory for the identifiability and uncertainty tables")
    return p


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


def run(argv: list[str] | None = None) -> int:
    """Validate, calibrate, write the calibrated file and the report."""
    from sim.calibration import msm
    from sim.calibration.calibrated import CALIBRATED_FILE, calibrated_text, is_calibrated_file
    from sim.calibration.targets import DEFAULT_TARGETS, file_hash, load_targets

    args = parser().parse_args(argv)
    seeds = seeds_arg(args.seeds)
    if not 0 < args.scale <= 1:
        raise ConfigError("--scale", f"must be in (0, 1], got {args.scale}")
    if args.jobs < 1:
        raise ConfigError("--jobs", f"must be >= 1, got {args.jobs}")
    if args.max_evaluations < 1:
        raise ConfigError("--max-evaluations", f"must be >= 1, got {args.max_evaluations}")
    targets_path = Path(args.targets) if args.targets else DEFAULT_TARGETS
    targets = load_targets(targets_path)
    problem = msm.default_problem(targets, seeds=seeds, scale=args.scale)
    if not problem.targets:
        raise ConfigError("targets", "no fit targets (role: fit) to calibrate against")
    out = check_output_file(Path(args.out) if args.out else CALIBRATED_FILE, "--out", is_calibrated_file)
    report = check_output_dir(Path(args.report), "--report")
    check_writable_dir(Path(args.cache), "--cache")
    with_errors = args.max_evaluations >= msm.minimum_budget_for_errors(len(problem.free))
    moments = msm.moment_count(problem.targets, problem.free)
    print(f"{PROG}: {len(problem.free)} parameters, {len(problem.targets)} fit targets "
          f"({len(targets) - len(problem.targets)} held out, never used), seeds {seeds}, "
          f"scale {args.scale}, {args.jobs} processes, at most {args.max_evaluations} evaluations"
          + ("" if with_errors else
             f" (standard errors need at least {msm.minimum_budget_for_errors(len(problem.free))}: "
             "not computed)"), flush=True)
    print(f"  {moments.line()}", flush=True)
    started = time.monotonic()

    def progress(ev: msm.Evaluator) -> None:
        elapsed = time.monotonic() - started
        fresh = max(ev.evaluations - ev.replayed, 1)
        left = elapsed / fresh * max(args.max_evaluations - ev.evaluations, 0)
        phase = "" if ev.tracking else " | standard errors"
        print(f"  evaluations {ev.evaluations:4d} of {args.max_evaluations} ({ev.replayed} replayed) | best loss "
              f"{ev.best[0]:9.4f}{phase} | {_duration(elapsed)} elapsed | at most ~{_duration(left)} left",
              flush=True)

    result = msm.calibrate(problem, cache_dir=args.cache, jobs=args.jobs,
                           max_evaluations=args.max_evaluations, progress=progress)
    wall = time.monotonic() - started
    command = " ".join(["sim-calibrate", *(argv if argv is not None else sys.argv[1:])])
    meta = {
        "loss": round(float(result.loss), 6), "start_loss": round(float(result.start_loss), 6),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": git_commit(),
        "targets_file": str(targets_path.name), "targets_sha256": file_hash(targets_path),
        "seeds": seeds, "scale": args.scale, "end": problem.end, "evaluations": result.evaluations,
        "max_evaluations": args.max_evaluations,
        "method": f"{command} (method of simulated moments: trust-region least squares on "
                  "logit-bounded parameters, common random numbers)",
        "message": str(result.message), "code_version": msm.code_version(),
        "wall_seconds": round(wall, 1), "jobs": args.jobs,
    }
    values = {p.key: {"value": float(f"{result.values[p.key]:.6g}"),
                      "se": None if not math.isfinite(result.se[p.key])
                      else float(f"{result.se[p.key]:.3g}"),
                      "low": p.low, "high": p.high, "start": p.start, "unit": p.unit}
              for p in problem.free}
    record = provenance(command.split(" "), {"targets": targets_path})
    record.update(seeds=seeds, scale=args.scale, evaluations=result.evaluations,
                  max_evaluations=args.max_evaluations)
    # The report is staged first and the calibrated file written last, each atomically.
    with output_directory(report, "--report", PROG, record) as stage:
        _write_report(stage, problem, result, args.max_evaluations)
        with atomic_file(out, "--out", is_calibrated_file) as tmp:
            tmp.write_text(calibrated_text(meta, values), encoding="utf-8")
    print(f"{PROG}: loss {result.start_loss:.3f} -> {result.loss:.3f} in {result.evaluations} "
          f"evaluations, {_duration(wall)}; wrote {out} and {report}/ "
          "(parameters.md, parameters.csv, identifiability.csv, identifiability.md, provenance.json)")
    return 0


def _write_report(stage: Path, problem, result, budget: int) -> None:
    import pandas as pd

    rows = [{"parameter": p.key, "value": result.values[p.key], "se": result.se[p.key],
             "low": p.low, "high": p.high, "start": p.start, "unit": p.unit} for p in problem.free]
    params = pd.DataFrame(rows)
    lines = ["| parameter | value | s.e. | bounds | start | unit |", "|---|---|---|---|---|---|"]
    for r in rows:
        se = (f"{r['se']:.3g}" if math.isfinite(r["se"])
              else "not identified" if result.se_computed else "not computed")
        lines.append(f"| {r['parameter']} | {r['value']:.4g} | {se} | [{r['low']:g}, {r['high']:g}] "
                     f"| {r['start']:g} | {r['unit']} |")
    (stage / "parameters.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    params.to_csv(stage / "parameters.csv", index=False)
    sens = pd.DataFrame(result.sensitivity).T  # rows: targets, columns: parameters
    sens.index.name = "target"
    sens.to_csv(stage / "identifiability.csv")
    if not result.se_computed:
        (stage / "identifiability.md").write_text(
            f"Not computed: the budget of {budget} evaluations left no room for the "
            f"{2 * len(problem.free)} points of the central differences (sim-calibrate "
            "--max-evaluations must be at least 3n + 2).\n", encoding="utf-8")
        return
    out = ["Sensitivity of each fit target to each parameter: change of the target, in units of "
           "its tolerance, over the parameter's whole search range (central differences at the "
           "fit). A parameter is pinned by the targets listed against it.", "",
           "| parameter | s.e. | pinned by (sensitivity) |", "|---|---|---|"]
    for p in problem.free:
        column = sens[p.key].abs().sort_values(ascending=False)
        top = [f"{t} ({sens.loc[t, p.key]:+.2g})" for t in column.index[:3] if column[t] > 0.05]
        se = result.se[p.key]
        out.append(f"| {p.key} | {'not identified' if se != se else f'{se:.3g}'} | "
                   f"{', '.join(top) or 'nothing (not identified)'} |")
    (stage / "identifiability.md").write_text("\n".join(out) + "\n", encoding="utf-8")


def main() -> None:
    """Entry point of ``sim-calibrate``."""
    raise SystemExit(run_command(PROG, run))
