"""Party-congress delegates and the tenure system (docs/ODD.md §7.21; R5 L357-L379): rules by hand, a run."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.delegates import Delegates, activity, nested_counts
from sim.errors import ConfigError
from sim.model import VillageModel
from sim.parameters import load_levers, load_world_parameters
from sim.policies import Policy
from sim.political import PoliticalIncentives
from sim.timeline import parse_month
from tests.conftest import run_table

PARAMS = load_world_parameters().with_values({"delegates": {
    "per_congress": {"province": 10, "prefecture": 10, "county": 10}, "contacts_per_year": 12.0,
    "motions_per_year": 6.0, "proposals_per_session": 0.5, "liaison_multiple": 2.0,
    "cgvo_seat_share": 0.1, "county_units": 20,
    "congress_month": {"county": "2011-06"}}}, "param")
POLICY = Policy.from_levers(load_levers().with_values({"delegates": {
    "start": "2008-01", "supporting_systems": {"province": 2, "prefecture": 4, "county": 8},
    "liaison_offices": {"province": 1, "prefecture": 2, "county": 4},
    "proposal_systems": {"province": 1, "prefecture": 2, "county": 6},
    "standing_congress_counties": 2}}, "policy"))


def test_activity_by_hand():
    # 10 delegates in each of 8 units, 4 with a liaison office at twice the rate: 10 x 1 x (4 + 2 x 4)
    assert activity(10, {"supporting": 8, "liaison": 4}, 1.0, 2.0) == pytest.approx(120.0)
    assert activity(10, {"supporting": 8, "liaison": 0}, 1.0, 2.0) == pytest.approx(80.0)


def test_counts_grow_linearly_to_the_survey():
    pol = POLICY.delegates
    survey = parse_month("2012-06")
    assert pol.progress(parse_month("2007-12"), survey) == 0.0
    assert pol.progress(parse_month("2012-06"), survey) == 1.0
    assert pol.progress(parse_month("2020-01"), survey) == 1.0
    months = survey - parse_month("2008-01") + 1
    assert pol.progress(parse_month("2008-01"), survey) == pytest.approx(1 / months)
    assert nested_counts(0.5, 8, 6, 4) == {"supporting": 4.0, "proposal": 3.0, "liaison": 2.0}


def _secretaries(n=10):
    return SimpleNamespace(filled=np.ones(n, bool), score=np.arange(n, dtype=float),
                           entered=np.arange(n) + 100)


def _delegates(n=10):
    """Delegates reading the seats of one province of ``n`` villages."""
    return Delegates(PARAMS, POLICY, PoliticalIncentives(PARAMS, np.zeros(n, np.int64), 1))


def _cgvos():
    return SimpleNamespace(in_post=np.array([True, True, True, False]), party=np.array([True, False, True, True]),
                           ability=np.array([0.5, 3.0, 1.0, 9.0]))


def test_a_month_between_congresses_by_hand():
    d = _delegates()
    flows = d.step(parse_month("2012-07"), _cgvos(), scale=1.0)   # all counts reached
    # counties: 10 delegates, 8 with rules of which 4 with an office (x2): 10 x (4 + 8) = 120 x rate / 12
    assert flows["contacts_county"] == pytest.approx(120 * 12.0 / 12)
    assert flows["motions_county"] == pytest.approx(120 * 6.0 / 12)
    assert flows["proposals_county"] == 0.0                          # no session in July
    assert flows["contacts_province"] == pytest.approx(10 * (1 + 2 * 1) * 12.0 / 12)


def test_the_congress_month_has_proposals_and_seats_the_cgvos():
    d = _delegates()
    cgvos = _cgvos()
    month = parse_month("2011-06")
    flows = d.step(month, cgvos, scale=1.0)
    progress = POLICY.delegates.progress(month, parse_month("2012-06"))
    assert flows["proposals_county"] == pytest.approx(10 * 0.5 * 6 * progress)
    assert flows["contacts_county"] == 0.0                           # delegates sit in congress
    # 10 delegates x 20 counties x 0.1 = 20 seats for CGVOs: the members in post, rows 0 and 2
    assert sorted(d.cgvo_delegate.tolist()) == [0, 2]
    assert d.cgvos_as_delegates(cgvos) == 2


def test_the_secretaries_among_the_delegates_are_those_holding_a_seat():
    politics = PoliticalIncentives(PARAMS, np.zeros(10, np.int64), 1)
    d = Delegates(PARAMS, POLICY, politics)
    secs = _secretaries()
    month = parse_month("2011-06")
    d.step(month, _cgvos(), scale=1.0)
    assert d.secretaries_as_delegates(secs) == 0                     # no one nominated yet
    # 0.02 x 10 serving + u 0.9 -> 1 seat, for the best score (village 9).
    politics.award(month, secs, SimpleNamespace(random=lambda shape: np.array([[0.0], [0.9]])))
    assert d.secretaries_as_delegates(secs) == 1
    secs.entered[9] = month                                          # a new secretary in village 9
    assert d.secretaries_as_delegates(secs) == 0


def test_standing_congress_counties_hold_a_session_every_year():
    d = _delegates()
    flows = d.step(parse_month("2012-06"), _cgvos(), scale=1.0)
    assert flows["proposals_county"] == pytest.approx(10 * 0.5 * 2)   # the 2 standing counties
    assert d.cgvos_as_delegates(_cgvos()) == 0                         # no congress: no seats
    flows = d.step(parse_month("2010-06"), _cgvos(), scale=1.0)
    progress = POLICY.delegates.progress(parse_month("2010-06"), parse_month("2012-06"))
    assert flows["proposals_county"] == pytest.approx(10 * 0.5 * 2 * progress)


def test_a_level_missing_from_a_count_is_one_clear_error():
    with pytest.raises(ConfigError) as err:
        VillageModel(scale=0.002, end="2008-02", policy={"delegates": {"liaison_offices": {"province": 1}}})
    assert err.value.key == "policy.delegates.liaison_offices"


def test_delegates_change_no_other_outcome():
    small = {"scale": 0.002, "end": "2011-12", "seed": 2}
    base = run_table(**small)
    off = run_table(**small, delegates_enabled=False)
    others = ~base["measure"].str.startswith("delegate")
    np.testing.assert_array_equal(base[others]["value"].to_numpy(), off[~off["measure"].str.startswith(
        "delegate")]["value"].to_numpy())
    last = base[base.date == "2011-12"].set_index("measure")["value"]
    assert last["delegates_cgvos"] > 0
    # One record of seats: the secretaries among the county delegates are those holding a seat
    # (§7.23), nominated whether or not the tenure system is in force.
    seated = base[base.measure == "secretaries_holding_seats"]["value"].to_numpy()
    assert seated[-1] > 0
    for table in (base, off):
        np.testing.assert_array_equal(
            table[table.measure == "delegates_village_secretaries"]["value"].to_numpy(), seated)
    tenure = off.measure.str.startswith("delegate") & (off.measure != "delegates_village_secretaries")
    assert off[tenure]["value"].abs().sum() == 0
