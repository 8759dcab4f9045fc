"""Outcomes by region and province (sim/regions.py): the same measures, computed the same way.

The bookkeeping is kept only by a model built with ``regions=True``; the
national table does not depend on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ConfigError, VillageModel
from sim.datafiles import REGIONS
from sim.regions import MEASURES

COUNTS = [m for m in MEASURES
          if m.startswith(("promotions_", "cgvo_", "party_admissions", "two_committees_members"))]


@pytest.fixture(scope="module")
def model() -> VillageModel:
    model = VillageModel(scale=0.005, seed=3, end="2011-12", regions=True)
    model.run()
    return model


@pytest.fixture(scope="module")
def table(model) -> pd.DataFrame:
    return model.outcomes(regions=True)


def test_national_rows_are_the_national_table(model, table):
    national = table[table["region"] == "national"].drop(columns="region").reset_index(drop=True)
    pd.testing.assert_frame_equal(national, model.outcomes())
    assert list(table.columns) == ["run_id", "scenario", "seed", "date", "measure", "region", "value"]


def test_every_region_and_province_has_every_measure_every_month(model, table):
    regional = table[table["region"] != "national"]
    names = {*REGIONS, *model.provinces.names}
    assert set(regional["region"]) == names and set(regional["measure"]) == set(MEASURES)
    per = regional.groupby(["date", "measure"]).size()
    assert (per == len(names)).all() and len(per) == 48 * len(MEASURES)


def test_provinces_add_up_to_their_region(model, table):
    by = table.set_index(["date", "measure", "region"])["value"]
    for measure in COUNTS:
        for code, name in enumerate(REGIONS):
            members = [p for p, r in zip(model.provinces.names, model.provinces.region, strict=True) if r == code]
            provinces = by.loc[(slice(None), measure, members)].groupby(level="date").sum()
            assert provinces.to_numpy() == pytest.approx(by.loc[(slice(None), measure, name)].to_numpy(),
                                                         rel=1e-9, abs=1e-9)


def test_one_region_holding_every_province_is_the_nation(model):
    # Rates and shares are sums of numerators over sums of denominators, as the national ones.
    saved = model.provinces.region
    model.provinces.region = np.zeros_like(saved)
    try:
        table = model.outcomes(regions=True)
    finally:
        model.provinces.region = saved
    by = table.set_index(["date", "measure", "region"])["value"]
    for measure in MEASURES:
        east = by.loc[(slice(None), measure, "east")].to_numpy()
        national = by.loc[(slice(None), measure, "national")].to_numpy()
        assert east == pytest.approx(national, rel=1e-9, abs=1e-12), measure


def test_the_national_table_is_the_same_without_the_bookkeeping_by_region(model):
    plain = VillageModel(scale=0.005, seed=3, end="2011-12", run_id=model.run_id)
    pd.testing.assert_frame_equal(plain.run(), model.outcomes())
    with pytest.raises(ConfigError, match=r"regions: .*VillageModel\(\.\.\., regions=True\)"):
        plain.outcomes(regions=True)
