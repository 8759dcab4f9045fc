"""Same configuration and seed, same outcome table; another seed, another table.

Also: the random streams are common random numbers, so two runs that differ
only in a lever share everything the lever does not touch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from sim import VillageModel

CONFIG = {"scale": 0.002, "end": "2009-06"}

_SCRIPT = textwrap.dedent("""
    import sys
    from sim import VillageModel
    table = VillageModel(scale={scale!r}, end={end!r}, seed={seed!r}).run()
    table.drop(columns="run_id").to_parquet(sys.argv[1])
""")


def _table(seed: int, **extra) -> pd.DataFrame:
    return VillageModel(**CONFIG, seed=seed, **extra).run().drop(columns="run_id")


def test_same_seed_same_table_in_one_process():
    first = _table(3)
    _table(4)  # another run in between must not disturb the next one
    second = _table(3)
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_same_seed_same_table_in_separate_processes(tmp_path):
    script = _SCRIPT.format(seed=3, **CONFIG)
    paths = [tmp_path / f"run{i}.parquet" for i in range(2)]
    procs = []
    for i, path in enumerate(paths):
        # Different hash seeds: the result must not depend on set or dict ordering of strings.
        env = {**os.environ, "PYTHONHASHSEED": str(i + 1)}
        procs.append(subprocess.Popen([sys.executable, "-c", script, str(path)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    first, second = (pd.read_parquet(path) for path in paths)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    here = tmp_path / "here.parquet"
    _table(3).to_parquet(here)
    pd.testing.assert_frame_equal(first, pd.read_parquet(here), check_exact=True)


def test_different_seeds_different_tables():
    a, b = _table(3), _table(5)
    assert not a.drop(columns="seed").equals(b.drop(columns="seed"))
    quits = [t[t.measure == "secretary_quits_per_month"]["value"].to_numpy() for t in (a, b)]
    assert not np.array_equal(*quits)
    # Different seeds draw different worlds, not only different histories.
    ma, mb = VillageModel(**CONFIG, seed=3), VillageModel(**CONFIG, seed=5)
    assert not np.array_equal(ma.villages.adults, mb.villages.adults)


def test_run_id_is_a_label_only():
    a = VillageModel(**CONFIG, seed=3, run_id="alpha").run()
    b = VillageModel(**CONFIG, seed=3).run()
    assert set(a["run_id"]) == {"alpha"}
    assert b["run_id"].nunique() == 1 and b["run_id"].iloc[0] != "alpha"
    pd.testing.assert_frame_equal(a.drop(columns="run_id"), b.drop(columns="run_id"))


def test_stepping_by_hand_equals_run():
    model = VillageModel(**CONFIG, seed=3)
    while model.running:
        model.step()
    pd.testing.assert_frame_equal(model.outcomes().drop(columns="run_id"), _table(3),
                                  check_exact=True)


@pytest.mark.parametrize("levers", [
    {"pay_floor_multiple": 1.2},
    {"scenario": "no_yiding_sanyou"},
    {"retirement_departure_subsidy_enabled": False},
])
def test_levers_do_not_change_the_initial_world(levers):
    """Common random numbers: construction draws do not depend on the levers."""
    base = VillageModel(**CONFIG, seed=3)
    other = VillageModel(**CONFIG, seed=3, **levers)
    for population, fields in [("villages", ("province", "county", "adults", "income_factor")),
                               ("secretaries", ("filled", "age", "tenure", "ability")),
                               ("villagers", ("age", "ability", "migrant", "member")),
                               ("enterprises", ("province", "employees", "members", "org")),
                               ("cgvos", ("province", "ability", "cohort"))]:
        for field in fields:
            np.testing.assert_array_equal(getattr(getattr(base, population), field),
                                          getattr(getattr(other, population), field),
                                          err_msg=f"{population}.{field}")


def test_package_scenario_identical_before_the_package_starts():
    """The 2009 package takes effect in 2009-01: 2008 is the same month by month."""
    base = _table(3)
    none = VillageModel(**CONFIG, seed=3, scenario="no_yiding_sanyou").run().drop(columns="run_id")
    before = base["date"] < "2009-01"
    cols = ["date", "measure", "value"]
    pd.testing.assert_frame_equal(base.loc[before, cols], none.loc[before, cols], check_exact=True)
    assert not base.loc[~before, cols].equals(none.loc[~before, cols])
