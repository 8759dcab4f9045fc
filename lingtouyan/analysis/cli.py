"""``sim-analyse``: global sensitivity, lever attribution and cost-effectiveness.

::

    sim-analyse sensitivity --method sobol --n 64 --seeds 0,1 --out results/analysis/sobol
    sim-analyse attribute --seeds 0-9 --draws 8 --out results/analysis/shapley
    sim-analyse cost --levels 6 --seeds 0-4 --out results/analysis/cost
    sim-analyse plot results/analysis/sobol --lang zh

Each writes a fresh directory (refusing one that exists and is not empty):
the runs (one row per sample and seed), the tables as CSV and Markdown,
``analysis.json`` (the command, counts, wall time) and the figures (PNG and
SVG, English and Chinese). Bad input: one line naming the option, exit 2,
nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from lingtouyan.analysis import attribution, cost, sensitivity
from lingtouyan.analysis.evaluate import BACKENDS, EvaluationError, default_backend
from lingtouyan.analysis.factors import factor_table, load_factors
from lingtouyan.analysis.outcomes import DEFAULT_OUTCOMES, WINDOW, check_outcomes

PROG = "sim-analyse"
MARKER = "analysis.json"


class UsageError(Exception):
    """Bad input: reported in one line with exit status 2."""


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                a, b = part.split("-", 1)
                out.extend(range(int(a), int(b) + 1))
            elif part.strip():
                out.append(int(part))
    except ValueError:
        raise UsageError(f"--seeds: must be whole numbers or ranges like 0-9, got {text!r}") from None
    if not out or min(out) < 0:
        raise UsageError(f"--seeds: give at least one seed >= 0, got {text!r}")
    return out


def _window(text: str) -> tuple[str, str]:
    parts = text.split(":")
    if len(parts) != 2 or not all(len(p) == 7 and p[4] == "-" for p in parts) or parts[0] > parts[1]:
        raise UsageError(f"--window: must be FIRST:LAST months, e.g. 2010-01:2012-12, got {text!r}")
    return parts[0], parts[1]


def _list(text: str | None, default) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else list(default)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", type=float, default=0.01, help="share of villages simulated (default 0.01)")
    p.add_argument("--end", default="2012-12", help="last month of every run (default 2012-12)")
    p.add_argument("--window", default=":".join(WINDOW),
                   help="averaging window FIRST:LAST (default 2010-01:2012-12)")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="sweep (sim-run -m with the lingtouyan sweeper) or local (process pool); "
                        "default: sweep when the sweeper plugin is installed")
    p.add_argument("--jobs", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--sweep-dir", default=None,
                   help="sweep backend: directory of the jobs (give it again to resume a sweep)")
    p.add_argument("--sweep-override", action="append", default=[],
                   help="sweep backend: extra sim-run override, e.g. hydra/launcher=dask (repeatable)")
    p.add_argument("--out", default=None, help="output directory (default results/analysis/<command>-<time>)")
    p.add_argument("--figures", default=None,
                   help="also copy the figures here (e.g. docs/figures), as analysis_<name>.{png,svg}")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sensitivity", help="Morris screening or Sobol indices (SALib)")
    s.add_argument("--method", choices=sensitivity.METHODS, default="morris")
    s.add_argument("--n", type=int, default=10,
                   help="Morris trajectories, or the Sobol base sample (a power of 2; runs n(k+2))")
    s.add_argument("--seeds", default="0,1", help="seeds of every sample (common random numbers)")
    s.add_argument("--outcomes", default=None, help=f"comma-separated (default {','.join(DEFAULT_OUTCOMES)})")
    s.add_argument("--factors", default=None, help="factors file (default: the shipped factors.yaml)")
    s.add_argument("--keys", default=None, help="a subset of the file's factors, comma-separated")
    s.add_argument("--sample-seed", type=int, default=0, help="seed of the design")
    _common(s)
    a = sub.add_parser("attribute", help="Shapley split of the 一定三有 package's effect")
    a.add_argument("--seeds", default="0-7", help="paired seeds of the default parameters")
    a.add_argument("--draws", type=int, default=0, help="parameter draws from the factors file's ranges")
    a.add_argument("--draw-seeds", default="0", help="seeds of each parameter draw")
    a.add_argument("--outcomes", default="quit_rate_per_year,vacancy_rate,entrant_college_share,"
                   "fiscal_cost_yuan_per_year")
    a.add_argument("--factors", default=None, help="factors file of the parameter draws")
    _common(a)
    c = sub.add_parser("cost", help="cost-effectiveness curves and the budget frontier")
    c.add_argument("--levers", default=None, help=f"comma-separated (default {','.join(cost.LEVERS)})")
    c.add_argument("--levels", type=int, default=6, help="values per lever over its range")
    c.add_argument("--seeds", default="0-4", help="paired seeds")
    c.add_argument("--effect", choices=tuple(cost.EFFECTS), default="quits_per_year",
                   help="effect the frontier maximises")
    c.add_argument("--check", type=int, default=3, help="frontier mixes re-run jointly to check additivity")
    _common(c)
    pl = sub.add_parser("plot", help="redraw the figures of an analysis directory")
    pl.add_argument("dir")
    pl.add_argument("--figures", default=None)
    return p


def _out_dir(arg: str | None, command: str) -> Path:
    path = Path(arg) if arg else Path("results") / "analysis" / f"{command}-{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(f"--out: {path} exists and is not empty; choose a new directory")
    return path


def _write(out: Path, files: dict[str, object], meta: dict) -> None:
    """Write everything into a temporary sibling, then move it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, obj in files.items():
            target = tmp / name
            if isinstance(obj, pd.DataFrame):
                obj.to_csv(target, index=False)
            else:
                target.write_text(str(obj), encoding="utf-8")
        (tmp / MARKER).write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _sweep(args) -> dict:
    out: dict = {"sweep_overrides": list(args.sweep_override)}
    if args.sweep_dir:
        out["sweep_dir"] = args.sweep_dir
    return out


def _sensitivity(args) -> tuple[dict, dict]:
    outcomes = list(check_outcomes(_list(args.outcomes, DEFAULT_OUTCOMES)))
    factors = load_factors(args.factors, _list(args.keys, []) or None)
    sensitivity.sample(args.method, factors, args.n)  # validates n before anything runs
    res = sensitivity.run_sensitivity(args.method, factors, outcomes, n=args.n, seeds=_seeds(args.seeds),
                                      scale=args.scale, end=args.end, window=_window(args.window),
                                      backend=args.backend, jobs=args.jobs, sample_seed=args.sample_seed,
                                      progress=not args.quiet, sweep=_sweep(args))
    md = "".join(f"## {o}\n\n{sensitivity.indices_markdown(res, o)}\n" for o in outcomes)
    files = {"runs.csv": res.runs, "indices.csv": res.indices, "indices.md": md, "seed_noise.csv": res.noise,
             "factors.csv": factor_table(factors)}
    return files, {**res.meta, "outcomes": outcomes}


def _attribute(args) -> tuple[dict, dict]:
    outcomes = list(check_outcomes(_list(args.outcomes, [])))
    if args.draws < 0:
        raise UsageError(f"--draws: must be >= 0, got {args.draws}")
    draws = []
    if args.draws:
        factors = [f for f in load_factors(args.factors) if f.kind == "parameter"]
        draws = attribution.draw_parameters(factors, args.draws)
    res = attribution.run_attribution(outcomes, seeds=_seeds(args.seeds), scale=args.scale, end=args.end,
                                      window=_window(args.window), draws=draws,
                                      draw_seeds=_seeds(args.draw_seeds), backend=args.backend,
                                      jobs=args.jobs, progress=not args.quiet, sweep=_sweep(args))
    md = "".join(f"## {o}\n\n{attribution.split_markdown(res, o)}\n" for o in outcomes)
    files = {"runs.csv": res.runs, "split.csv": res.split, "interactions.csv": res.interactions,
             "split.md": md, "draws.csv": pd.DataFrame(draws)}
    return files, {**res.meta, "outcomes": outcomes}


def _cost(args) -> tuple[dict, dict]:
    levers = _list(args.levers, cost.LEVERS)
    res = cost.run_cost(levers, levels=args.levels, seeds=_seeds(args.seeds), effect=args.effect,
                        scale=args.scale, end=args.end, window=_window(args.window), backend=args.backend,
                        jobs=args.jobs, check_mixes=args.check, progress=not args.quiet,
                        sweep=_sweep(args))
    files = {"runs.csv": res.runs, "curves.csv": res.curves, "frontier.csv": res.frontier,
             "frontier_check.csv": res.check}
    return files, res.meta


#: Outcomes whose single runs are more than this share seed noise get no panel (their indices are noise).
NOISE_LIMIT = 0.25


def _clear_outcomes(out: Path, outcomes: list[str], panels: int = 4) -> list[str]:
    """The first ``panels`` outcomes whose variance is mostly the factors', not the seeds'."""
    noise = pd.read_csv(out / "seed_noise.csv").set_index("outcome")["seed_share"]
    clear = [o for o in outcomes if not noise.get(o, 0.0) > NOISE_LIMIT]
    return (clear or outcomes)[:panels]


def _table(path: Path) -> pd.DataFrame | None:
    """A CSV table the command wrote, or None where it is empty (no frontier, no check)."""
    try:
        table = pd.read_csv(path)
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return None
    return None if table.empty else table


def draw(out: Path, figures: str | None = None) -> list[Path]:
    """Draw the figures of the analysis in ``out`` (both languages); copy them to ``figures``."""
    from lingtouyan.analysis import plots

    meta = json.loads((out / MARKER).read_text(encoding="utf-8"))
    command = meta["command"]
    made = []
    for lang in ("en", "zh"):
        if command == "sensitivity":
            stem = f"analysis_{meta['method']}"
            made += plots.plot_sensitivity(pd.read_csv(out / "indices.csv"), meta["method"],
                                           _clear_outcomes(out, meta["outcomes"]), out / f"{stem}_{lang}",
                                           lang, meta)
        elif command == "attribute":
            stem = "analysis_shapley"
            made += plots.plot_attribution(pd.read_csv(out / "split.csv"), pd.read_csv(out / "interactions.csv"),
                                           meta["outcomes"], out / f"{stem}_{lang}", lang, meta)
        elif command == "cost":
            stem = "analysis_cost"
            made += plots.plot_cost(pd.read_csv(out / "curves.csv"), _table(out / "frontier.csv"), meta["effect"],
                                    out / f"{stem}_{lang}", lang, meta, check=_table(out / "frontier_check.csv"))
    if figures:
        dest = Path(figures)
        dest.mkdir(parents=True, exist_ok=True)
        for path in made:
            shutil.copy2(path, dest / path.name)
    return made


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``sim-analyse``."""
    from sim import ConfigError

    args = parser().parse_args(argv)
    try:
        if args.command == "plot":
            out = Path(args.dir)
            if not (out / MARKER).exists():
                raise UsageError(f"dir: {out} holds no {MARKER}; give a directory sim-analyse wrote")
            for path in draw(out, args.figures):
                print(path)
            return 0
        if args.scale <= 0 or args.scale > 1:
            raise UsageError(f"--scale: must be in (0, 1], got {args.scale}")
        if args.jobs is not None and args.jobs < 1:
            raise UsageError(f"--jobs: must be >= 1, got {args.jobs}")
        out = _out_dir(args.out, args.command)
        started = time.time()
        run = {"sensitivity": _sensitivity, "attribute": _attribute, "cost": _cost}[args.command]
        files, meta = run(args)
    except (UsageError, ValueError, ConfigError, EvaluationError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    wall = time.time() - started
    backend = args.backend or default_backend()
    meta = {"command": args.command, "argv": [PROG, *(argv if argv is not None else sys.argv[1:])],
            "wall_seconds": round(wall, 1), "cpus": os.cpu_count(), "backend": backend,
            **(_sweep(args) if backend == "sweep" else {}), **meta}
    _write(out, files, meta)
    print(f"{meta.get('runs')} runs in {wall:.0f} s; wrote {out}")
    try:
        for path in draw(out, args.figures):
            print(path)
    except RuntimeError as exc:  # no CJK font: the tables stand, the figure is refused
        print(f"{PROG}: warning: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
