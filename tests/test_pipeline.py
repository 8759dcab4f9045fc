"""The national party pipeline (docs/ODD.md §7.24; R11 L893, L921): rules by hand, then a short run."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.model import VillageModel
from sim.parameters import load_world_parameters
from sim.pipeline import (
    CHANNELS,
    MIN_AGE,
    Pipeline,
    age_bins,
    age_profile,
    split_new_flow,
    stage_years,
    study_profile,
)

#: Round stocks and flows, so every duration is worked out by hand below.
TOY = load_world_parameters().with_values({"pipeline": {
    "applicant_stock": 3000, "activist_stock": 1200, "admissions_in_window": 600,
    "window_months": 12, "candidate_years": 0.4, "probation_years": 1.0, "settle_years": 1,
    "students": {"share": 0.5}, "workers": {"share": 0.25}}}, "params")


def test_stage_durations_by_hand():
    """600 admissions a year: (3000 - 1200) / 600 = 3 years as applicant; 1200 / 600 - 0.4 = 1.6 as activist."""
    assert stage_years(TOY) == pytest.approx(
        {"applicant": 3.0, "activist": 1.6, "candidate": 0.4, "probationary": 1.0})


def test_durations_from_the_reported_stocks():
    """L921: 21.862M applicants, 10.531M activists, 13.228M admissions in 57 months."""
    per_year = 13.228e6 / 57 * 12                    # 2.785M a year
    years = stage_years(load_world_parameters())
    assert years["applicant"] == pytest.approx((21.862e6 - 10.531e6) / per_year)   # 4.07
    assert years["activist"] + years["candidate"] == pytest.approx(10.531e6 / per_year)  # 3.78


def test_the_villagers_own_stocks_come_off_first():
    """Outside the villages: (3000 - 500 - 200 - (1200 - 200)) / (600 - 100) = 2.6 years as applicant."""
    years = stage_years(TOY, rural_applicants=500, rural_activists=200, rural_per_year=100)
    assert years["applicant"] == pytest.approx(1300 / 500)
    assert years["activist"] == pytest.approx(1000 / 500 - 0.4)
    with pytest.raises(ConfigError):
        stage_years(TOY, rural_applicants=2000, rural_activists=1300)


def test_age_bins_and_profile():
    assert list(age_bins(np.array([10.0, 30.5, 34.99, 35.0, 120.0]))) == [0, 30 - MIN_AGE, 34 - MIN_AGE,
                                                                           35 - MIN_AGE, 80 - MIN_AGE]
    profile = age_profile(20.0, 1.0)
    assert profile.sum() == pytest.approx(1.0)
    assert profile.argmax() == 20 - MIN_AGE
    assert profile[19 - MIN_AGE] == pytest.approx(profile[21 - MIN_AGE])


def test_one_month_by_hand():
    """Rural and enterprise admissions pass through as they are; new channels move at the stage hazards."""
    pipe = Pipeline(TOY)
    n_age = pipe.stock.shape[-1]
    pipe.inflow = np.zeros((2, n_age))               # no new applicants: only the stock below moves
    pipe.stock[3, 2, 25 - MIN_AGE] = 100.0           # 100 worker candidates aged 25
    rural_admitted = np.array([3.0, 1.0])
    pipe.step(rural_admitted, np.array([30.5, 40.0]), nonpublic=2.0)
    leave = 1.0 / (12 * 0.4)                         # candidate stage: left in 4.8 months on average
    assert pipe.admissions("workers") == pytest.approx(100.0 * leave)
    assert pipe.admissions("students") == 0.0        # the inflow was set by hand: no students this month
    assert pipe.admissions("farmers") == pytest.approx(4.0)
    assert pipe.admissions("nonpublic") == pytest.approx(2.0)
    assert pipe.admissions() == pytest.approx(6.0 + 100.0 * leave)
    # the young: 3 rural at 30, the workers at 25, nonpublic by its profile (mean 30) below 35
    np_young = 2.0 * age_profile(30, 6)[:35 - MIN_AGE].sum()
    assert pipe.young_share() == pytest.approx((3.0 + 100.0 * leave + np_young) / pipe.admissions())
    # a twelfth of every age moves up a year: what stays at 25 is 11/12 of those not admitted
    assert pipe.stock[3, 2, 25 - MIN_AGE] == pytest.approx(100.0 * (1 - leave) * 11 / 12)


def test_first_month_settles_to_the_national_flow():
    """The new channels take what the national flow leaves; after the warm-up the total is the input."""
    pipe = Pipeline(TOY.with_values({"pipeline": {"settle_years": 60}}, "params"))
    pipe.step(np.array([10.0]), np.array([30.0]), nonpublic=5.0)   # 50 admissions a month nationally
    # 35 a month are left: students 0.5 x 50 = 25, workers 0.25 x 35 = 8.75, other 1.25
    assert pipe.students == pytest.approx(25.0)
    assert pipe.inflow.sum(axis=1) == pytest.approx([8.75, 1.25])
    assert pipe.admissions("students") == pytest.approx(25.0)
    assert pipe.admissions() == pytest.approx(50.0, rel=1e-3)
    stocks = pipe.stocks(rural_applicants=0.0, rural_activists=0.0)
    # The villagers' 120 a year come off: 480 a year move at 1200 / 480 = 2.5 years as
    # activists and 1800 / 480 = 3.75 as applicants, so (Little's law, the villagers' stocks
    # being nil here) the stocks start at the reported ones; 50 a month x 12 are probationary.
    assert pipe.years["activist"] + pipe.years["candidate"] == pytest.approx(2.5)
    assert stocks["activists"] == pytest.approx(1200, rel=1e-3)
    assert stocks["applicants"] == pytest.approx(3000, rel=1e-3)
    assert stocks["probationary"] == pytest.approx(50 * 12 * 1.0, rel=1e-3)


def test_the_new_flow_is_split_by_hand():
    """Students take their share of the national flow, workers theirs of the rest, each capped by what is left."""
    assert split_new_flow(100.0, 60.0, 0.4, 0.15) == pytest.approx([40.0, 9.0, 11.0])
    assert split_new_flow(100.0, 30.0, 0.4, 0.15) == pytest.approx([30.0, 0.0, 0.0])   # students capped
    assert split_new_flow(100.0, 50.0, 0.4, 0.5) == pytest.approx([40.0, 10.0, 0.0])   # workers capped


def test_students_are_admitted_at_the_ages_of_study():
    """Equal weight on each year of study [18, 23): all students are admitted at 18 to 22."""
    profile = study_profile(18, 23)
    assert profile.sum() == pytest.approx(1.0)
    assert profile[18 - MIN_AGE:23 - MIN_AGE] == pytest.approx([0.2] * 5)
    assert profile[:18 - MIN_AGE].sum() == 0.0 and profile[23 - MIN_AGE:].sum() == 0.0
    assert study_profile(18.5, 20)[18 - MIN_AGE:20 - MIN_AGE] == pytest.approx([1 / 3, 2 / 3])
    pipe = Pipeline(TOY.with_values({"pipeline": {"settle_years": 60}}, "params"))
    pipe.step(np.array([10.0]), np.array([30.0]), nonpublic=5.0)
    ages = np.flatnonzero(pipe.admitted[CHANNELS.index("students")]) + MIN_AGE
    assert ages.min() == 18 and ages.max() == 22


def test_the_default_students_share_of_admissions_is_the_sourced_one():
    """pipeline.students.share is of all admissions: a short run admits that share of the national flow."""
    model = VillageModel(scale=0.002, start="2008-01", end="2008-02", seed=3)
    model.run()
    national = 13.228e6 / 57
    assert model.pipeline.admissions("students") == pytest.approx(0.40 * national, rel=1e-9)


@pytest.mark.parametrize(("change", "leaf"), [
    ({"students": {"share": 0.8}, "workers": {"share": 0.3}}, "workers.share"),
    ({"candidate_years": 3.0, "activist_stock": 5000000}, "candidate_years"),
])
def test_bad_pipeline_values_are_one_clear_error(change, leaf):
    """Each value in its range, together impossible: the cross-field rule, before any building."""
    with pytest.raises(ConfigError) as err:
        VillageModel(scale=0.002, start="2008-01", end="2008-02", params={"pipeline": change})
    assert err.value.key == "param.pipeline" and str(err.value).count("\n") == 0
    assert err.value.problem.startswith(f"{leaf}: ")


def test_a_short_run_reuses_the_rural_rule():
    """The farmers' channel is the villagers' admissions; the national total adds the other channels."""
    model = VillageModel(scale=0.002, start="2008-01", end="2008-03", seed=3)
    table = model.run().pivot(index="date", columns="measure", values="value")
    parts = table[[f"party_admissions_{c}_per_month" for c in ("students", "workers", "other")]].sum(axis=1)
    expected = table["party_admissions_rural_per_month"] + table["enterprise_admissions_per_month"] + parts
    assert np.allclose(table["party_admissions_per_month"], expected)
    assert model.pipeline.admissions("farmers") == pytest.approx(
        table["party_admissions_rural_per_month"].iloc[-1], rel=1e-6)
    assert ((table["party_admissions_under35_share_national"] > 0)
            & (table["party_admissions_under35_share_national"] < 1)).all()
    assert len(CHANNELS) == 5
    # the villagers' stocks came off before the durations were set: the national stocks start at L921's
    assert table["party_applicants_national"].iloc[0] == pytest.approx(21.862e6, rel=1e-3)
    assert table["party_activists_national"].iloc[0] == pytest.approx(10.531e6, rel=1e-3)


def test_villagers_beyond_the_national_flow_still_run():
    """At the top of its bounds the villagers' rule admits more than the nation: the national durations stay."""
    pipe = Pipeline(TOY)
    pipe.step(np.array([80.0]), np.array([30.0]), nonpublic=0.0)    # 960 a year against 600
    assert pipe.years == stage_years(TOY)
    assert pipe.inflow.sum() == 0.0
    assert pipe.admissions() == pytest.approx(80.0)
