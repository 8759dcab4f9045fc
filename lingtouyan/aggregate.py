"""``sim-aggregate``: gather a sweep's finished jobs into one tidy Parquet dataset.

::

    sim-aggregate results/multirun/2026-12-01_22-40-00          # -> <DIR>/sweep.parquet/
    sim-aggregate DIR --out sweeps/pay_floor.parquet

A finished job directory holds ``outcomes.parquet``, ``config.yaml`` and
``seed.txt``; directories whose name starts with ``.`` (a job still being
written) or that lack one of those files are skipped and counted. The
dataset has one row per job, month, measure and region, with these columns:

* one column per override key that varies across the jobs (the swept levers
  and parameters, e.g. ``policy.pay_floor.multiple``), a number where every
  value is one; a job that does not set the key gets its resolved value from
  its ``config.yaml``;
* ``draw``: the parameter draw (``draws.csv`` of the lingtouyan sweeper, a
  ``draw`` override, else 0);
* ``scenario``, ``seed``, ``date`` (``YYYY-MM``), ``measure``, ``region``
  (``national``, and with ``sim-run -m ... outcomes.regions=true`` also
  ``east``, ``central``, ``west`` and each province; ``national`` for every
  row of a job whose table has no region column), ``value``;
* ``run_id``.

Jobs are read and written one by one (pyarrow's ``ParquetWriter``, a row
group every few hundred thousand rows), so a sweep of any size is gathered
in the memory of a few jobs. The dataset is written beside its final place
and moved there when complete; an existing output is replaced only if
``sim-aggregate`` wrote it.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lingtouyan._cli import guarded
from sim.errors import ConfigError

PROG = "sim-aggregate"
JOB_FILES = ("outcomes.parquet", "config.yaml", "seed.txt")
DEFAULT_OUT = "sweep.parquet"
MARKER = "_aggregate.yaml"
#: Keys that are columns of their own or say nothing about the point of a job.
NOT_SWEPT = ("seed", "scenario", "results_dir", "draw", "outcomes.regions")
TABLE_COLUMNS = ("draw", "scenario", "seed", "date", "measure", "region", "value", "run_id")
ROWS_PER_GROUP = 500_000
ROWS_PER_FILE = 20_000_000
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Job:
    """A finished job directory and its overrides (``{key: value text}``)."""

    path: Path
    overrides: dict[str, str]


def parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    p.add_argument("dir", help="sweep directory (its job directories are its subdirectories)")
    p.add_argument("--out", default=None, help=f"dataset directory (default: DIR/{DEFAULT_OUT})")
    return p


def find_jobs(sweep: Path, exclude: Path | None = None) -> tuple[list[Path], dict[str, int]]:
    """Finished job directories below ``sweep`` (its subdirectories), and what was skipped.

    Returns:
        The job directories in natural order (``2`` before ``10``), and
        ``{"hidden": n, "incomplete": m}``.
    """
    jobs, skipped = [], {"hidden": 0, "incomplete": 0}
    for entry in os.scandir(sweep):
        if not entry.is_dir() or (exclude is not None and Path(entry.path).resolve() == exclude):
            continue
        if entry.name.startswith("."):
            skipped["hidden"] += 1
        elif all(os.path.isfile(os.path.join(entry.path, f)) for f in JOB_FILES):
            jobs.append(Path(entry.path))
        elif _is_dataset(Path(entry.path)):
            continue
        else:
            skipped["incomplete"] += 1
    jobs.sort(key=lambda p: (0, int(p.name), "") if p.name.isdigit() else (1, 0, p.name))
    return jobs, skipped


def _is_dataset(path: Path) -> bool:
    return (path / MARKER).is_file()


def read_overrides(job: Path) -> dict[str, str]:
    """The command-line overrides a job ran with (``config.yaml``: ``overrides``)."""
    with open(job / "config.yaml", encoding="utf-8") as fh:
        document = yaml.load(fh, Loader=_Loader)
    out = {}
    for text in (document or {}).get("overrides") or []:
        key, _, value = str(text).partition("=")
        key = key.lstrip("+~")
        if not key.startswith("hydra.") and key not in ("hydra",):
            out[key] = value
    return out


def _resolved(job: Path, key: str) -> Any:
    """A key's resolved value in a job's ``config.yaml`` (``policy.a.b`` -> ``policy: {a: {b}}``)."""
    with open(job / "config.yaml", encoding="utf-8") as fh:
        node = yaml.load(fh, Loader=_Loader)
    if key == "scenario_name":
        key = "scenario"
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _value(text: Any) -> Any:
    """An override's value as YAML reads it (``1.5`` -> 1.5, ``true`` -> True)."""
    if not isinstance(text, str):
        return text
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return text


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def read_draws(sweep: Path) -> tuple[list[str], dict[tuple[str, ...], int]]:
    """Keys and ids of the sweep's parameter draws (``draws.csv``; none if absent)."""
    import csv

    path = sweep / "draws.csv"
    if not path.is_file():
        return [], {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    if header[0] != "draw":
        raise ConfigError(str(path), "the first column of draws.csv must be 'draw'")
    return header[1:], {tuple(row[1:]): int(row[0]) for row in body}


def plan_columns(jobs: list[Job]) -> list[str]:
    """Override keys whose values differ across ``jobs`` (or that only some set), in first-seen order."""
    seen: dict[str, set[str]] = {}
    for job in jobs:
        for key, value in job.overrides.items():
            if key not in NOT_SWEPT:
                seen.setdefault(key, set()).add(value)
    return [key for key, values in seen.items()
            if len(values) > 1 or any(key not in job.overrides for job in jobs)]


def job_values(job: Job, columns: list[str]) -> dict[str, Any]:
    """The swept values of one job: a number, or the override's text as written.

    A key the job does not set takes its resolved value from ``config.yaml``.
    """
    out = {}
    for key in columns:
        if key in job.overrides:
            value = _value(job.overrides[key])
            out[key] = value if _is_number(value) else job.overrides[key]
        else:
            out[key] = _resolved(job.path, key)
    return out


def aggregate(sweep: str | Path, out: str | Path | None = None) -> dict[str, Any]:
    """Gather the finished jobs of ``sweep`` into the dataset ``out`` (see the module docstring).

    Returns:
        A summary: ``jobs``, ``skipped``, ``rows``, ``columns``, ``files``, ``out``, ``seconds``.

    Raises:
        ConfigError: for a missing directory, no finished job, an output that
            sim-aggregate did not write, or a job table without the tidy columns.
    """
    import pyarrow as pa

    started = time.monotonic()
    sweep = Path(sweep)
    if not sweep.is_dir():
        raise ConfigError("DIR", f"no such directory: {sweep}")
    target = Path(out) if out else sweep / DEFAULT_OUT
    if target.exists() and not _is_dataset(target):
        raise ConfigError("--out", f"{target} exists and was not written by {PROG}; choose another "
                          "path or remove it")
    paths, skipped = find_jobs(sweep, exclude=target.resolve())
    if not paths:
        raise ConfigError("DIR", f"{sweep} holds no finished job directory (each needs "
                          f"{', '.join(JOB_FILES)}); skipped {skipped['hidden']} hidden and "
                          f"{skipped['incomplete']} incomplete")
    jobs = [Job(p, read_overrides(p)) for p in paths]
    draw_keys, draw_ids = read_draws(sweep)
    columns = plan_columns(jobs)
    # Types: a column is numeric if every value is a number, else text.
    numeric = {key: True for key in columns}
    for job in jobs:
        for key in columns:
            value = _value(job.overrides[key]) if key in job.overrides else None
            if key in job.overrides and not _is_number(value):
                numeric[key] = False
    fields = [pa.field(key, pa.float64() if numeric[key] else pa.string()) for key in columns]
    fields += [pa.field("draw", pa.int64()), pa.field("scenario", pa.string()),
               pa.field("seed", pa.int64()), pa.field("date", pa.string()),
               pa.field("measure", pa.string()), pa.field("region", pa.string()),
               pa.field("value", pa.float64()), pa.field("run_id", pa.string())]
    schema = pa.schema(fields)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    rows = files = 0
    try:
        writer, buffered, buffer, file_rows = None, 0, [], 0
        for table in _job_tables(jobs, columns, numeric, draw_keys, draw_ids, schema):
            buffer.append(table)
            buffered += table.num_rows
            if buffered >= ROWS_PER_GROUP:
                writer, file_rows, files = _flush(writer, buffer, stage, schema, file_rows, files)
                rows += buffered
                buffer, buffered = [], 0
        if buffer:
            writer, file_rows, files = _flush(writer, buffer, stage, schema, file_rows, files)
            rows += buffered
        if writer is not None:
            writer.close()
        summary = {"source": str(sweep.resolve()), "jobs": len(jobs), "skipped": skipped,
                   "rows": rows, "files": files, "columns": [f.name for f in fields],
                   "swept": columns, "draws": len(set(draw_ids.values())) if draw_ids else 0,
                   "drawn": [key for key in columns if key in draw_keys],
                   "written_by": PROG}
        (stage / MARKER).write_text("# Written by sim-aggregate; safe to delete with the dataset.\n"
                                    + yaml.safe_dump(summary, sort_keys=False), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    summary.update(out=str(target), seconds=time.monotonic() - started)
    return summary


def _flush(writer, buffer, stage: Path, schema, file_rows: int, files: int):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if writer is not None and file_rows >= ROWS_PER_FILE:
        writer.close()
        writer, file_rows = None, 0
    if writer is None:
        writer = pq.ParquetWriter(stage / f"part-{files:05d}.parquet", schema, compression="zstd")
        files += 1
    table = pa.concat_tables(buffer)
    writer.write_table(table, row_group_size=max(table.num_rows, 1))
    return writer, file_rows + table.num_rows, files


def _job_tables(jobs: list[Job], columns: list[str], numeric: dict[str, bool], draw_keys: list[str],
                draw_ids: dict[tuple[str, ...], int], schema) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    needed = ("scenario", "seed", "date", "measure", "value")
    for job in jobs:
        table = pq.read_table(job.path / "outcomes.parquet")
        missing = [c for c in needed if c not in table.column_names]
        if missing:
            raise ConfigError("DIR", f"{job.path / 'outcomes.parquet'}: no column {missing[0]!r}; "
                              "expected run_id, scenario, seed, date, measure, value [, region]")
        n = table.num_rows
        values = job_values(job, columns)
        arrays = []
        for key in columns:
            value = values[key]
            if numeric[key]:
                value = float(value) if _is_number(value) else math.nan
                arrays.append(pa.repeat(pa.scalar(value, pa.float64()), n))
            else:
                arrays.append(pa.repeat(pa.scalar(None if value is None else str(value), pa.string()), n))
        arrays.append(pa.repeat(pa.scalar(_draw(job, draw_keys, draw_ids), pa.int64()), n))
        for name in ("scenario", "seed", "date", "measure"):
            arrays.append(table.column(name).cast(schema.field(name).type))
        if "region" in table.column_names:
            arrays.append(table.column("region").cast(pa.string()))
        else:
            arrays.append(pa.repeat(pa.scalar("national", pa.string()), n))
        arrays.append(table.column("value").cast(pa.float64()))
        run_id = table.column("run_id").cast(pa.string()) if "run_id" in table.column_names else \
            pa.repeat(pa.scalar(job.path.name, pa.string()), n)
        arrays.append(run_id)
        yield pa.Table.from_arrays([_chunked(a) for a in arrays], schema=schema)


def _chunked(array):
    import pyarrow as pa

    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _draw(job: Job, draw_keys: list[str], draw_ids: dict[tuple[str, ...], int]) -> int:
    """A job's draw: its ``draw`` override, else its drawn values' row of ``draws.csv``, else 0."""
    if "draw" in job.overrides:
        try:
            return int(job.overrides["draw"])
        except ValueError:
            raise ConfigError("draw", f"{job.path}: draw must be a whole number, got "
                              f"{job.overrides['draw']!r}") from None
    if not draw_keys or not any(k in job.overrides for k in draw_keys):
        return 0
    key = tuple(job.overrides.get(k, "") for k in draw_keys)
    if key not in draw_ids:
        raise ConfigError("draws.csv", f"{job.path}: its drawn values match no row of draws.csv")
    return draw_ids[key]


def run(argv: list[str] | None = None) -> int:
    """Gather the sweep and print what was written."""
    args = parser().parse_args(argv)
    s = aggregate(args.dir, args.out)
    skipped = s["skipped"]
    print(f"{PROG}: {s['jobs']:,} jobs gathered, {skipped['hidden'] + skipped['incomplete']} skipped "
          f"({skipped['hidden']} hidden, {skipped['incomplete']} without "
          f"{' / '.join(JOB_FILES)}); {s['rows']:,} rows in {s['out']}/ ({s['files']} file"
          f"{'s' if s['files'] != 1 else ''}, {s['seconds']:.1f} s)")
    levers = [key for key in s["swept"] if key not in s["drawn"]]
    print(f"  swept columns: {', '.join(levers) or '(none)'}"
          + (f"; {len(s['drawn'])} drawn parameters ({s['draws']} draws, column draw)"
             if s["drawn"] else ""))
    return 0


def main() -> None:
    """Entry point of ``sim-aggregate``."""
    raise SystemExit(guarded(PROG, lambda: run(sys.argv[1:])))


if __name__ == "__main__":
    main()
