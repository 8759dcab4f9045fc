"""``sim-run``: run the village-cadre model from the command line (a Hydra app).

::

    sim-run                                        # as reported, 2008-01..2012-12, scale 0.01
    sim-run policy.pay_floor.multiple=1.2 seed=7   # any lever, parameter or run setting
    sim-run scenario=no_yiding_sanyou end=2020-12  # a scenario
    sim-run -m policy.pay_floor.multiple=1.2,1.5,2.0 seed=1,2   # one job per combination
    sim-run outcomes.regions=true                  # also by region and province

Each run writes ``outcomes.parquet`` (the tidy outcome table; with
``outcomes.regions=true`` it has a ``region`` column: ``national``, ``east``,
``central``, ``west`` and each province, see ``docs/SWEEPS.md``), ``config.yaml``
(the resolved configuration and the command line), ``seed.txt`` and Hydra's
``.hydra/`` snapshot to ``results/runs/<time>_<scenario>_seed<seed>/``; a
sweep writes one such directory per job, ``results/multirun/<sweep>/<digest>/``
(see ``docs/SWEEPS.md``). A result directory is written under a hidden name
and renamed when complete. The command line is checked in full before
anything runs: a mistake ends it with one line on stderr naming the key and
what is allowed, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.metadata
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import hydra
import yaml
from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from lingtouyan._config import (
    CONFIG_DIR,
    CONFIG_NAME,
    VERSION_BASE,
    Objective,
    Rejected,
    check_overrides,
    code_digest,
    config_digest,
    hydra_error,
    model_arguments,
    recorded,
    register_schema,
    undo_run_dir,
    undo_sweep_dir,
)
from lingtouyan._io import claim, final_path, publish, remove_dead_stages, run_command
from lingtouyan._summary import format_summary
from lingtouyan._worker import SweepFailed
from sim import ConfigError, VillageModel

PROG = "sim-run"
OUTCOMES = "outcomes.parquet"
CONFIG = "config.yaml"
SEED = "seed.txt"
#: A single run prints its progress every this many seconds (a short run prints none).
PROGRESS_EVERY = 5.0


def main() -> None:
    """Entry point of ``sim-run``: check the command line, then hand it to Hydra.

    Hydra is asked to raise its errors (``HYDRA_FULL_ERROR``) so that every
    mistake in the command line ends in one line naming the key, exit status 2.
    Ctrl-C, SIGTERM and SIGHUP stop it as they stop every command
    (:func:`lingtouyan._io.run_command`): one line, exit status 128 + the
    signal, no partial result left visible.
    """
    os.environ["HYDRA_FULL_ERROR"] = "1"
    parser = get_args_parser()
    parser.error = _usage_error  # one line, like every other mistake
    args = parser.parse_args(sys.argv[1:])
    raise SystemExit(run_command(PROG, lambda: _main(args)))


def _main(args: argparse.Namespace) -> int:
    try:
        check_overrides(args.overrides)
        register_schema()
        _hydra_main()
        if not any(getattr(args, flag, None) for flag in ("help", "hydra_help", "cfg", "info",
                                                            "shell_completion")):
            _warn_if_calibration_stale()
    except Rejected as rejected:
        _fail(rejected.error)
    except (ConfigError, HydraException, OmegaConfBaseException, SweepFailed) as err:
        if isinstance(err, SweepFailed):
            sys.exit(1)
        undo_sweep_dir()
        _fail(hydra_error(err, args.overrides))
    except OSError as err:  # the results folder cannot be made or written (after Hydra's own:
        # a missing config option is an OSError too)
        undo_sweep_dir()
        print(f"{PROG}: error: cannot write the results: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
    finally:
        undo_run_dir()  # a run stopped before it started leaves no staging directory
    return 0


@hydra.main(config_path=str(CONFIG_DIR), config_name=CONFIG_NAME, version_base=VERSION_BASE)
def _hydra_main(cfg: DictConfig) -> float | None:
    return run_job(cfg)


def run_job(cfg: DictConfig) -> float | None:
    """Run one job of a composed config and write its outputs to Hydra's output directory.

    The directory is a hidden staging directory (chosen by the command-line
    check or the launcher), marked with this process as its owner and renamed
    to its final name when every file is written; if anything fails it is
    removed. Staging directories beside it whose owner is proven gone (left by
    a ``SIGKILL``) are removed first (:func:`lingtouyan._io.remove_dead_stages`).
    Under another launcher the files go straight into Hydra's directory, each
    written atomically.

    Returns:
        The value of the config's ``objective`` (for sweepers that optimise), or None.
    """
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    final = final_path(out)
    multirun = hc.mode == RunMode.MULTIRUN
    if final is None and (out / OUTCOMES).exists():
        _fail(ConfigError("hydra.run.dir", f"{_shown(out)} already holds a run; choose another "
                          "directory"))
    try:
        if final is not None:
            out.mkdir(parents=True, exist_ok=True)
            claim(out)
            remove_dead_stages(out.parent)
        arguments = model_arguments(cfg)
        regions = arguments["regions"]
        model = VillageModel(**arguments)
        model.run_id = config_digest(model.config, regions=regions)
        if multirun and final is not None and final.name != model.run_id:
            raise RuntimeError(f"the job's configuration (digest {model.run_id}) is not the one "
                               f"checked before the sweep ({final.name})")
        objective = (Objective.parse(cfg.objective, model.config)
                     if cfg.get("objective") is not None else None)
        table = _run(model, quiet=multirun, regions=regions)
        overrides = list(hc.overrides.task)
        document = {
            "run_id": model.run_id,
            "command": " ".join([PROG, *(shlex.quote(o) for o in overrides)]),
            "overrides": overrides,
            **recorded(model.config),
            "objective": objective.text if objective else None,
            "outcomes": {"regions": regions},
            "code": _code_versions(),
        }
        value = objective.value(table) if objective else None
        _write_atomically(out / OUTCOMES, lambda path: table.to_parquet(path, index=False))
        text = ("# The resolved configuration of this run; `command` repeats it.\n"
                + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000))
        _write_atomically(out / CONFIG, lambda path: path.write_text(text, encoding="utf-8"))
        _write_atomically(out / SEED, lambda path: path.write_text(f"{model.config.seed}\n"))
        if final is not None:
            out = publish(out, final, unique=not multirun) or final
    except BaseException as err:
        if final is not None:
            shutil.rmtree(out, ignore_errors=True)
        else:
            _remove(out, hc.output_subdir)
        if isinstance(err, ConfigError) and not multirun:
            _fail(err)
        if isinstance(err, OSError) and not multirun:  # a full disk, a folder one may not write
            print(f"{PROG}: error: cannot write the run: {err}", file=sys.stderr, flush=True)
            sys.exit(1)
        raise
    if not multirun:
        config = model.config
        title = (f"{PROG}: {config.scenario}, seed {config.seed}, scale {config.scale:g} "
                 f"({len(model.villages):,} villages), {config.start}..{config.end}")
        national = table[table["region"] == "national"].drop(columns="region") if regions else table
        text = (format_summary(national, title=title)
                + f"\n\nOutputs: {_shown(out)}/ ({OUTCOMES}, {CONFIG}, {SEED}, .hydra/)")
        if objective is not None:
            text += f"\nObjective {objective.text}: {value:.6g}"
        _print(text)
    return value


def _run(model: Any, *, quiet: bool, regions: bool = False) -> Any:
    """Step the model month by month to its end; a long run prints its progress to stderr.

    Returns the outcome table, with the rows by region and province if ``regions``.
    """
    from sim.timeline import parse_month

    months = parse_month(model.config.end) - parse_month(model.config.start) + 1
    began = last = time.monotonic()
    done = 0
    while model.running:
        model.step()
        done += 1
        now = time.monotonic()
        if not quiet and now - last >= PROGRESS_EVERY and done < months:
            last = now
            left = (now - began) / done * (months - done)
            print(f"{PROG}: month {done}/{months}, {now - began:.0f} s elapsed, ~{left:.0f} s left",
                  file=sys.stderr, flush=True)
    return model.outcomes(regions=regions)


def _print(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The reader has gone (``sim-run | head``); the outputs are written all the same.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _write_atomically(path: Path, write: Callable[[Path], Any]) -> None:
    """Write to a temporary name beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _remove(out: Path, snapshot: str | None) -> None:
    """Remove what a run wrote to ``out``, then ``out`` itself once empty; nothing else."""
    written = [out / name for name in (OUTCOMES, CONFIG, SEED)]
    written += [tmp for name in (OUTCOMES, CONFIG, SEED) for tmp in out.glob(f".{name}.*.tmp")]
    if snapshot:
        written += [out / snapshot / name for name in ("config.yaml", "hydra.yaml",
                                                       "overrides.yaml")]
    for path in written:
        path.unlink(missing_ok=True)
    for directory in ([out / snapshot] if snapshot else []) + [out]:
        with contextlib.suppress(OSError):
            directory.rmdir()


@functools.cache
def _warn_if_calibration_stale() -> None:
    """One line on stderr, once per command, if the shipped calibrated file predates the model.

    Called when the command's jobs have run (so that a mistake in the command
    line is still the one line it prints). The runs go on (the calibrated
    values still apply); the line repeats in every command until
    ``sim-calibrate`` refits the file. A
    :class:`~sim.calibration.calibrated.StaleCalibrationWarning`, so
    ``-W error::...`` or a warnings filter can make it an error or silence it.
    """
    import warnings

    from sim.calibration.calibrated import StaleCalibrationWarning, warn_if_stale

    def one_line(message, category, *_args, **_kwargs) -> None:
        print(f"{PROG}: warning: {message} ({category.__name__})", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("default", StaleCalibrationWarning)
        warnings.showwarning = one_line
        warn_if_stale()


@functools.cache
def _code_versions() -> dict[str, Any]:
    """What made the run: package versions, the model's digest, git commit, data-file hashes.

    The hashes are the SHA-256 of every parameter, lever, calibrated, province
    and target file of ``sim/data/``.
    """
    import mesa

    from lingtouyan._io import provenance
    from sim.parameters import DATA_DIR

    data = {path.name: path for path in sorted(DATA_DIR.iterdir())
            if path.suffix in {".yaml", ".csv"} and path.is_file()}
    record = provenance([PROG], data)
    versions: dict[str, Any] = {"lingtouyan": importlib.metadata.version("lingtouyan"),
                                "mesa": mesa.__version__, "sim_digest": code_digest(),
                                "packages": record["versions"],
                                "data_files": {name: entry["sha256"] for name, entry in
                                               record["files"].items()}}
    root = CONFIG_DIR.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=False)
        if commit.returncode == 0:
            versions["git_commit"] = commit.stdout.strip()
            status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                     "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10, check=False)
            versions["git_uncommitted_changes"] = bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return versions


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _usage_error(message: str) -> NoReturn:
    print(f"{PROG}: error: {message} (see {PROG} --help)", file=sys.stderr, flush=True)
    sys.exit(2)


def _fail(err: ConfigError) -> NoReturn:
    print(f"{PROG}: error: {err}", file=sys.stderr, flush=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
