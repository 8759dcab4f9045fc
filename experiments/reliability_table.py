"""Count what the reliability tests tried and how it ended, and print the table (Markdown).

::

    python experiments/reliability_table.py            # property tests and every fault test
    python experiments/reliability_table.py --quick    # property tests and the sim-run faults only

It runs ``tests/test_properties.py`` and the fault tests of
``tests/test_reliability_faults.py`` under pytest with
``LINGTOUYAN_RELIABILITY_LOG`` set: each generated input and each injected
fault appends one JSON line (its kind and how it ended). The table counts those
lines; nothing in it is typed in. The property tests are derandomized, so the
inputs are the same in every run; the fault moments are random
(``LINGTOUYAN_FAULT_SEED`` repeats a draw). Run it from the repository root with
the project installed (``pip install -e .``); it exits non-zero if a test failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAULTS_QUICK = ("run_killed_at_random or sweep_killed_at_random or sim_run_on_a_full_disk")
FAULTS_ALL = FAULTS_QUICK + " or calibration_killed_at_random"
CLEAN = ("ConfigError naming", "exit 2, one line")


def run_tests(log: Path, quick: bool) -> tuple[int, float]:
    """Run the tests with the log set; (pytest's exit status, seconds)."""
    env = {**os.environ, "LINGTOUYAN_RELIABILITY_LOG": str(log)}
    selection = FAULTS_QUICK if quick else FAULTS_ALL
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "tests/test_properties.py", "tests/test_reliability_faults.py", "-k",
               f"test_properties or ({selection})"]
    began = time.monotonic()
    status = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    return status, time.monotonic() - began


def table(records: list[dict]) -> str:
    """The Markdown tables of inputs (by kind) and faults (by kind and outcome)."""
    inputs = collections.defaultdict(collections.Counter)
    faults = collections.defaultdict(collections.Counter)
    for record in records:
        target = inputs if record["test"] == "properties" else faults
        target[record["kind"]][record["outcome"]] += 1
    lines = ["| input kind | tried | cleanly refused | ran, invariants held |", "|---|---:|---:|---:|"]
    totals = [0, 0, 0]
    for kind in sorted(inputs):
        outcomes = inputs[kind]
        tried = sum(outcomes.values())
        refused = sum(n for o, n in outcomes.items() if o.startswith(CLEAN))
        ran = outcomes.get("ran, invariants held", 0)
        totals = [totals[0] + tried, totals[1] + refused, totals[2] + ran]
        lines.append(f"| {kind} | {tried} | {refused} | {ran} |")
    lines.append(f"| **all** | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** |")
    lines += ["", "| fault injected | outcome | times |", "|---|---|---:|"]
    for kind in sorted(faults):
        for outcome, n in sorted(faults[kind].items()):
            lines.append(f"| {kind} | {outcome} | {n} |")
    return "\n".join(lines)


def main() -> int:
    """Run the tests, print the table; the exit status is pytest's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="leave out the calibration kill loop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        log.touch()
        status, seconds = run_tests(log, args.quick)
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    command = "python experiments/reliability_table.py" + (" --quick" if args.quick else "")
    print(f"\nMeasured by `{command}` ({seconds:.0f} s, pytest exit status {status}). An input of "
          "several leaves counts once per kind of leaf it set.\n")
    print(table(records))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
