"""Baseline regression: a fixed-seed run against its saved outcome table.

A 1:200 run of the "as reported" scenario, 2008-01..2012-12, seed 1, must give
the saved table ``tests/baseline/as_reported_scale0.005_seed1.csv`` (columns
``date, measure, value``) value for value, within 1e-9 relative (NaN equals
NaN). Any change to what the model computes, or to the order of its random
draws, fails this test; an optimisation that keeps results identical passes.
A measure missing from the table fails it; a new measure only warns until the
baseline is refreshed.

The baseline is refreshed only on purpose, after checking that the change of
results is intended (e.g. with the docking and calibration checks)::

    UPDATE_BASELINE=1 pytest tests/test_baseline.py

rewrites the file from the current code and skips with a note; commit the new
file with the change that explains it. See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model import VillageModel

SCALE = 0.005
SEED = 1
START, END = "2008-01", "2012-12"
SCENARIO = "as_reported"
BASELINE = Path(__file__).parent / "baseline" / f"{SCENARIO}_scale{SCALE:g}_seed{SEED}.csv"
RTOL = 1e-9
COLUMNS = ["date", "measure", "value"]


def current_table() -> pd.DataFrame:
    """The outcome table of the baseline run with the current code, sorted by date and measure."""
    model = VillageModel(scale=SCALE, start=START, end=END, scenario=SCENARIO, seed=SEED)
    table = model.run()[COLUMNS]
    return table.sort_values(["date", "measure"], kind="stable").reset_index(drop=True)


def read_baseline(path: Path) -> pd.DataFrame:
    """The saved table, with dates kept as text and values as floats."""
    return pd.read_csv(path, dtype={"date": str, "measure": str, "value": float})


def write_baseline(table: pd.DataFrame, path: Path) -> None:
    """Save ``table`` with enough digits to read back every float exactly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.17g", na_rep="NaN", lineterminator="\n")


def test_baseline_run_matches_saved_table():
    table = current_table()
    if os.environ.get("UPDATE_BASELINE") == "1":
        write_baseline(table, BASELINE)
        pytest.skip(f"UPDATE_BASELINE=1: baseline rewritten at {BASELINE}")
    assert BASELINE.exists(), f"no baseline at {BASELINE}; create it with UPDATE_BASELINE=1"
    saved = read_baseline(BASELINE)

    assert list(saved.columns) == COLUMNS
    lost_measures = sorted(set(saved["measure"]) - set(table["measure"]))
    assert not lost_measures, f"measures removed {lost_measures}: refresh the baseline on purpose"
    new_measures = sorted(set(table["measure"]) - set(saved["measure"]))
    if new_measures:
        # A new measure is no change of results; it is guarded once the baseline is refreshed.
        warnings.warn(f"measures not in the baseline yet (refresh with UPDATE_BASELINE=1 to "
                      f"guard them): {new_measures}", stacklevel=1)
        table = table[~table["measure"].isin(new_measures)].reset_index(drop=True)
    assert table["date"].tolist() == saved["date"].tolist()
    assert table["measure"].tolist() == saved["measure"].tolist()

    now, then = table["value"].to_numpy(float), saved["value"].to_numpy(float)
    close = np.isclose(now, then, rtol=RTOL, atol=0.0, equal_nan=True)
    if not close.all():
        diff = table.loc[~close, ["date", "measure"]].assign(saved=then[~close], now=now[~close])
        first = diff.groupby("measure", sort=False).head(1).head(15)
        pytest.fail(f"{(~close).sum()} of {len(close)} values differ from the baseline "
                    f"(first month each, up to 15 measures):\n{first.to_string(index=False)}\n"
                    "If the change of results is intended, refresh with UPDATE_BASELINE=1.")


def test_baseline_file_is_tidy():
    saved = read_baseline(BASELINE)
    assert not saved.duplicated(["date", "measure"]).any()
    assert saved["date"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert saved["date"].min() == START and saved["date"].max() == END
    assert saved["measure"].str.fullmatch(r"[a-z0-9_]+").all()
