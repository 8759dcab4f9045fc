"""``sim-compare``: every reported figure beside the simulation.

Runs a scenario (default: the calibrated ``as_reported``) over at least 20
seeds and writes ``compare.csv`` (one row per target: target_id, role,
reported, reported_low, reported_high, simulated_mean, simulated_p05,
simulated_p95, rel_error, inside, ...; see docs/CALIBRATION.md), ``compare.md``
and the figure ``compare.png`` (300 dpi) and ``compare.svg`` to ``--out``, with
``provenance.json`` (command, package versions, commit, hashes of the input files).

The output directory is checked before any seed runs and written atomically:
it appears complete or not at all. An existing directory is replaced only if
an earlier ``sim-compare`` or ``sim-calibrate`` wrote it (it holds the
``.lingtouyan-output`` marker) or it is empty; any other is refused with one
line (exit 2). See ``docs/RELIABILITY.md``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from lingtouyan._cli import seeds_arg
from lingtouyan._io import OneLineParser, check_output_dir, output_directory, provenance, run_command
from sim.errors import ConfigError

PROG = "sim-compare"


def parser() -> OneLineParser:
    """Command-line options."""
    p = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[1])
    p.add_argument("--scenario", default="as_reported", help="scenario (default: as_reported)")
    p.add_argument("--targets", default=None, help="targets file (default: sim/data/targets.yaml)")
    p.add_argument("--seeds", default="1-20", help="seeds, e.g. 1-20 or 1,2,3 (at least 20; default 1-20)")
    p.add_argument("--scale", type=float, default=0.01, help="share of villages simulated (default 0.01)")
    p.add_argument("--calibration", default="default",
                   help="calibrated file: 'default' (sim/data/calibrated.yaml), a path, or 'none'")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument("--out", default=None, help="output directory (default: results/compare/<scenario>)")
    p.add_argument("--lang", default="en", help="language of the figure's labels: en or zh (default en)")
    return p


def run(argv: list[str] | None = None) -> int:
    """Validate, run the seeds, write the table, Markdown and figure."""
    from lingtouyan import _plot
    from lingtouyan.compare_figure import figure
    from lingtouyan.compare_figure import title as figure_title
    from sim.calibration import compare
    from sim.calibration.calibrated import CALIBRATED_FILE
    from sim.calibration.msm import moment_count
    from sim.calibration.targets import DEFAULT_TARGETS, load_targets
    from sim.config import resolve
    from sim.parameters import DATA_DIR

    args = parser().parse_args(argv)
    _plot.check_lang(args.lang)
    seeds = seeds_arg(args.seeds)
    if len(seeds) < 20:
        raise ConfigError("--seeds", f"at least 20 seeds are needed for the bands, got {len(seeds)}")
    if args.jobs < 1:
        raise ConfigError("--jobs", f"must be >= 1, got {args.jobs}")
    calibration = None if args.calibration == "none" else args.calibration
    targets = load_targets(args.targets)
    resolve(scale=args.scale, scenario=args.scenario, calibration=calibration)  # validate first
    out = check_output_dir(Path(args.out or Path("results") / "compare" / args.scenario), "--out")
    calibration_file = (None if calibration is None
                        else CALIBRATED_FILE if calibration == "default" else Path(calibration))
    record = provenance(
        [PROG, *(argv if argv is not None else sys.argv[1:])],
        {"targets": args.targets or DEFAULT_TARGETS,
         "calibration": calibration_file if calibration_file and calibration_file.exists() else None,
         "levers": DATA_DIR / "levers.yaml", "parameters": DATA_DIR / "parameters.yaml",
         "provinces": DATA_DIR / "provinces.csv"})
    record.update(scenario=args.scenario, seeds=seeds, scale=args.scale)
    started = time.monotonic()
    print(f"{PROG}: {len(targets)} targets, scenario {args.scenario}, {len(seeds)} seeds at scale "
          f"{args.scale}, {args.jobs} processes", flush=True)
    stats = compare.run_seeds(targets, seeds, scenario=args.scenario, scale=args.scale,
                              calibration=calibration, jobs=args.jobs)
    frame = compare.table(targets, stats)
    moments = moment_count(targets)
    calibration_seeds = _calibration_seeds(calibration_file)
    title = (f"Reported figures and the simulation: {args.scenario}, {len(seeds)} seeds, "
             f"scale {args.scale}, calibration {args.calibration}")
    with output_directory(out, "--out", PROG, record) as stage:
        frame.to_csv(stage / "compare.csv", index=False)
        text = compare.markdown(frame, title, moments=moments.line(),
                                calibration_seeds=calibration_seeds)
        (stage / "compare.md").write_text(text, encoding="utf-8")
        figure(frame, stage / "compare", figure_title(args.scenario, len(seeds), args.scale, args.lang),
               args.lang)
    overlaps = compare.overlap_summary(frame)
    narrow = compare.narrow_summary(frame)
    for group, (inside, total) in compare.summary(frame).items():
        print(f"  {group:20s} mean inside: {inside:2d} of {total:2d}; "
              f"90% seed band overlapping: {overlaps[group][0]:2d}; narrower: {narrow[group][0]:2d}")
    print(f"  {moments.line()}")
    wide = compare.wide_fit_targets(frame)
    if wide:
        print(f"  fit targets with a 90% seed band wider than the acceptance band: {', '.join(wide)}")
    print(f"  {compare.seeds_line(frame, calibration_seeds)}")
    print(f"  wall time {time.monotonic() - started:.1f} s; outputs in {out}/ "
          "(compare.csv, compare.md, compare.png, compare.svg, provenance.json)")
    return 0


def _calibration_seeds(path: Path | None) -> int:
    """Seeds the calibration averages: those recorded in its file, else sim-calibrate's default."""
    from sim.calibration.msm import DEFAULT_SEEDS
    from sim.parameters import read_yaml

    try:
        seeds = read_yaml(path)["meta"]["seeds"] if path is not None and path.exists() else None
    except Exception:  # an unreadable file was refused by resolve() already; fall back quietly
        seeds = None
    return len(seeds) if isinstance(seeds, list) and seeds else len(DEFAULT_SEEDS)


def main() -> None:
    """Entry point of ``sim-compare``."""
    raise SystemExit(run_command(PROG, run))
