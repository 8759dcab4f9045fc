"""``mesa.batch_run`` drives the model through its keyword levers.

How Mesa 3.3.1's batch runner treats seeds (``mesa/batchrunner.py``): it
builds the product of the parameter values and repeats it ``iterations``
times, calling ``VillageModel(**kwargs)`` with the *same* keyword arguments
in every iteration; it passes no seed of its own. ``VillageModel`` defaults
to ``seed=0``, so the iterations of one parameter set are identical runs.
Replicates that differ come from passing the seed as a parameter
(``"seed": range(n)``). It records ``model.steps - 1`` as ``Step``: the
index of the last data-collector row, i.e. the last month simulated.
"""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from sim import VillageModel
from sim.outcomes import reporters

BASE = {"scale": 0.002, "end": "2008-12"}


def _batch(parameters, iterations=1, max_steps=100):
    return pd.DataFrame(mesa.batch_run(VillageModel, parameters=parameters, iterations=iterations,
                                       max_steps=max_steps, number_processes=1,
                                       display_progress=False))


def _same(row: pd.Series, values: pd.Series) -> list[str]:
    """Measures of ``values`` equal in ``row`` (NaN equal to NaN)."""
    return [m for m, v in values.items() if row[m] == v or (pd.isna(row[m]) and pd.isna(v))]


@pytest.fixture(scope="module")
def rows():
    return _batch({**BASE, "pay_floor_multiple": [1.5, 2.0]}, iterations=2)


def test_batch_run_returns_one_row_per_run_with_every_reporter(rows):
    assert len(rows) == 4
    assert set(reporters()) <= set(rows.columns)
    assert {"RunId", "iteration", "Step", "scale", "end", "pay_floor_multiple"} <= set(rows.columns)
    assert sorted(rows["RunId"]) == [0, 1, 2, 3]
    assert sorted(rows["iteration"]) == [0, 0, 1, 1]
    assert sorted(rows["pay_floor_multiple"]) == [1.5, 1.5, 2.0, 2.0]
    # The model stops itself at ``end``: 12 months, the last collected row is Step 11.
    assert (rows["Step"] == 11).all()
    assert rows[list(reporters())].notna().all().all()


@pytest.mark.parametrize("multiple", [1.5, 2.0])
def test_batch_rows_equal_direct_runs(rows, multiple):
    direct = VillageModel(**BASE, pay_floor_multiple=multiple).run()
    last = direct[direct.date == "2008-12"].set_index("measure")["value"]
    row = rows[(rows.pay_floor_multiple == multiple) & (rows.iteration == 0)].iloc[0]
    assert _same(row, last) == list(last.index)


def test_the_lever_reaches_the_model(rows):
    pay = rows.groupby("pay_floor_multiple")["secretary_pay_to_income_ratio"].mean()
    assert pay[2.0] > pay[1.5]


def test_iterations_repeat_the_same_seed(rows):
    """batch_run passes identical kwargs to each iteration: with the default seed, equal runs."""
    measures = list(reporters())
    for _, group in rows.groupby("pay_floor_multiple"):
        first, second = (group[group.iteration == i][measures].reset_index(drop=True)
                         for i in (0, 1))
        pd.testing.assert_frame_equal(first, second)


def test_seed_as_parameter_gives_different_runs():
    seeded = _batch({**BASE, "seed": [1, 2]})
    assert sorted(seeded["seed"]) == [1, 2]
    one, two = (seeded[seeded.seed == s].iloc[0] for s in (1, 2))
    differs = [m for m in reporters()
               if one[m] != two[m] and not (pd.isna(one[m]) and pd.isna(two[m]))]
    assert "secretary_quits_per_month" in differs or len(differs) > 10


def test_max_steps_counts_from_zero():
    """Mesa steps while ``model.steps <= max_steps``: max_steps=3 simulates four months."""
    rows = _batch({**BASE, "end": "2009-12"}, max_steps=3)
    assert rows["Step"].tolist() == [3]
    direct = VillageModel(**BASE | {"end": "2008-04"}).run()
    month = {d: g.set_index("measure")["value"] for d, g in direct.groupby("date")}
    row = rows.iloc[0]
    assert _same(row, month["2008-04"]) == list(month["2008-04"].index)
    assert _same(row, month["2008-03"]) != list(month["2008-03"].index)
