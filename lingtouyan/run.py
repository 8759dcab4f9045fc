"""``sim-run``: run the village-cadre model from the command line (a Hydra app).

::

    sim-run                                        # as reported, 2008-01..2012-12, scale 0.01
    sim-run policy.pay_floor.multiple=1.2 seed=7   # any lever, parameter or run setting
    sim-run scenario=no_yiding_sanyou end=2020-12  # a scenario from configs/scenario/
    sim-run -m policy.pay_floor.multiple=1.2,1.5,2.0 seed=1,2   # one job per combination

Each run writes ``outcomes.parquet`` (the tidy outcome table), ``config.yaml``
(the resolved configuration and the command line), ``seed.txt`` and Hydra's
``.hydra/`` snapshot to ``results/runs/<time>_<scenario>_seed<seed>/`` (a
sweep: ``results/multirun/<time>/<job>/``). The command line is checked in
full before anything runs: a mistake ends it with one line on stderr naming
the key and what is allowed, exit status 2, and nothing written.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import hydra
import yaml
from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from lingtouyan._config import (
    CONFIG_DIR,
    CONFIG_NAME,
    VERSION_BASE,
    model_arguments,
    preflight,
    register_schema,
)
from lingtouyan._summary import format_summary, yearly
from sim import ConfigError, VillageModel

PROG = "sim-run"
OUTCOMES = "outcomes.parquet"
CONFIG = "config.yaml"
SEED = "seed.txt"


def main() -> None:
    """Entry point of ``sim-run``: check the whole command line, then hand it to Hydra."""
    register_schema()
    parser = get_args_parser()
    parser.error = _usage_error  # one line, like every other mistake
    args = parser.parse_args(sys.argv[1:])
    if _runs_jobs(args):
        try:
            preflight(args)
        except ConfigError as err:
            _fail(err)
    _hydra_main()


def _runs_jobs(args: Any) -> bool:
    """Whether the command line composes jobs that can be checked here first.

    Help, shell completion and ``--info`` compose nothing worth checking; a
    different config path or name is left to Hydra (the job still checks).
    """
    return not (args.help or args.hydra_help or args.shell_completion or args.info
                or args.experimental_rerun or args.config_path or args.config_dir
                or args.config_name)


@hydra.main(config_path=str(CONFIG_DIR), config_name=CONFIG_NAME, version_base=VERSION_BASE)
def _hydra_main(cfg: DictConfig) -> None:
    run_job(cfg)


def run_job(cfg: DictConfig) -> Path:
    """Run one job of a composed config and write its outputs to Hydra's output directory.

    If anything fails, the directory is removed: a run directory under
    ``results/`` is always complete.

    Returns:
        The run directory.
    """
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    if (out / OUTCOMES).exists():
        _fail(ConfigError("hydra.run.dir", f"{_shown(out)} already holds a run; start again in a "
                          "second or choose another directory"))
    try:
        arguments = model_arguments(cfg)
        here = out.resolve()
        run_id = f"{here.parent.name}_{hc.job.num}" if multirun else here.name
        model = VillageModel(**arguments, run_id=run_id)
        table = model.run()
        overrides = list(hc.overrides.task)
        document = {
            "run_id": run_id,
            "command": " ".join([PROG, *(shlex.quote(o) for o in overrides)]),
            "overrides": overrides,
            **model.config.to_dict(),
            "code": _code_versions(),
        }
        _write_atomically(out / OUTCOMES, lambda path: table.to_parquet(path, index=False))
        text = ("# The resolved configuration of this run; `command` repeats it.\n"
                + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000))
        _write_atomically(out / CONFIG, lambda path: path.write_text(text, encoding="utf-8"))
        _write_atomically(out / SEED, lambda path: path.write_text(f"{model.config.seed}\n"))
    except ConfigError as err:
        _remove(out, hc.output_subdir)
        _fail(err)
    except BaseException:
        _remove(out, hc.output_subdir)
        raise
    if multirun:
        text = _job_line(hc.job.num, table, out)
    else:
        config = model.config
        title = (f"{PROG}: {config.scenario}, seed {config.seed}, scale {config.scale:g} "
                 f"({len(model.villages):,} villages), {config.start}..{config.end}")
        text = (format_summary(table, title=title)
                + f"\n\nOutputs: {_shown(out)}/ ({OUTCOMES}, {CONFIG}, {SEED}, .hydra/)")
    _print(text)
    return out


def _print(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The reader has gone (``sim-run | head``); the outputs are written all the same.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _job_line(num: int, table: Any, out: Path) -> str:
    by_year = yearly(table)
    year = by_year.columns[-1]
    quit_rate = by_year.loc["secretary_quit_rate_per_year", year]
    vacancy = by_year.loc["secretary_vacancy_rate", year]
    return (f"#{num}: secretary quit rate {100 * quit_rate:.1f}%/yr, vacancy {100 * vacancy:.1f}% "
            f"in {year} -> {_shown(out)}/")


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


def _code_versions() -> dict[str, str | bool]:
    """Versions of the code that made the run (the git commit when run from a checkout)."""
    import mesa

    versions: dict[str, str | bool] = {"lingtouyan": importlib.metadata.version("lingtouyan"),
                                       "mesa": mesa.__version__}
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
