"""Two-level adoption (docs/ODD.md §7.2, §4.11): province documents, the county hazard, the province lists.

Each rule is checked against a small table computed by hand.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

from sim.adoption import COMPLETE_LISTS, LIST_LINES, ProvinceDocuments, ReportedLists, listed_rows
from sim.agents.structure import ELEMENTS, Counties, Provinces, load_province_table
from sim.parameters import load_world_parameters
from sim.policies.package import YidingSanyou
from sim.timeline import parse_month

PARAMS = load_world_parameters().with_values({
    "province": {"document_lag_months": 6, "push_sigma": 0.5},
    "county": {"fiscal_elasticity": 0.0, "background_rate": 0.012, "funding_multiple": [1.0, 2.0, 0.5],
               "adoption_rate": {"pay_floor": 1.2, "pension": 1.2, "departure_subsidy": 1.2,
                                 "other_cadre_pay": 1.2}}}, "param")


class _Uniforms:
    """A generator stand-in that hands out fixed uniforms, row by row."""

    def __init__(self, rows) -> None:
        self._rows = np.asarray(rows, float)

    def random(self, shape):
        assert tuple(np.atleast_1d(shape)) == self._rows.shape
        return self._rows.copy()


def test_document_lags_and_pushes_follow_their_draws():
    # lag = floor(-6 ln(1-u)): u = 0 -> 0; u = 0.5 -> floor(4.16) = 4; u = 1 - e^-1.25 -> floor(7.5) = 7.
    # push = exp(0.5 z - 0.125): z = 0 -> 0.8825; z = 1 (v = Phi(1)) -> 1.4550.
    u = [[0.0, 0.5, 1 - math.exp(-1.25)], [0.5, 0.8413447460685429, 0.5]]
    docs = ProvinceDocuments(3, PARAMS, _Uniforms(u))
    assert docs.lag.tolist() == [0, 4, 7]
    assert docs.push == pytest.approx([math.exp(-0.125), math.exp(0.5 - 0.125), math.exp(-0.125)], rel=1e-6)


@pytest.mark.parametrize(("month", "adopted", "expected"), [
    ("2008-12", True, [False, False, False]),   # before the package
    ("2009-01", True, [True, False, False]),    # lag 0 in force at once
    ("2009-04", True, [True, False, False]),
    ("2009-05", True, [True, True, False]),     # lag 4
    ("2009-08", True, [True, True, True]),      # lag 7
    ("2012-06", False, [False, False, False]),  # no package, no document
])
def test_a_document_is_in_force_from_the_package_start_plus_its_lag(month, adopted, expected):
    docs = ProvinceDocuments(3, PARAMS, _Uniforms([[0.0, 0.5, 1 - math.exp(-1.25)], [0.5, 0.5, 0.5]]))
    package = YidingSanyou(adopted=adopted, start="2009-01")
    assert docs.update(parse_month(month), package).tolist() == expected
    assert docs.in_force.tolist() == expected


def _counties(funding, pension_funding):
    """Three provinces of one county each, fiscal capacity 1, nothing implemented yet."""
    n = len(funding)
    provinces = Provinces(
        names=tuple("ABC"[:n]), region=np.zeros(n, np.int8), income_2011=np.full(n, 7000.0),
        funding=np.array(funding, np.int8), pension_funding=np.array(pension_funding, np.int8),
        director_pay_ratio=np.ones(n), other_cadre_pay_ratio=np.ones(n), village_share=np.full(n, 1 / n),
        county_count=np.ones(n, int))
    counties = Counties(provinces, PARAMS, np.random.default_rng(0))
    counties.fiscal = np.ones(n)
    counties.implemented = {e: np.zeros(n, bool) for e in ELEMENTS}
    return counties


ALL_ON = dict.fromkeys(ELEMENTS, True)


def test_county_hazard_under_the_document_by_push_and_funding_channel():
    # Monthly probabilities 1 - exp(-rate/12), rate 1.2 a year under the document:
    #   A transfer, push 1      -> 1 - e^-0.1 = 0.0952   (pension shared)
    #   B provincial budget, 1  -> 1 - e^-0.2 = 0.1813   (pension paid by the province: also 0.1813)
    #   C county budget, push 2 -> 1 - e^-0.1 = 0.0952   (0.5 x 2; pension shared, push 2: 0.1813)
    # A draw of 0.15 adopts where the probability is 0.1813 only.
    counties = _counties(funding=[0, 1, 2], pension_funding=[0, 1, 0])
    counties.implement(np.array([True, True, True]), ALL_ON, _Uniforms(np.full((4, 3), 0.15)),
                       push=np.array([1.0, 1.0, 2.0]))
    assert counties.implemented["pay_floor"].tolist() == [False, True, False]
    assert counties.implemented["pension"].tolist() == [False, True, True]
    assert counties.implemented["departure_subsidy"].tolist() == [False, False, True]
    assert counties.implemented["other_cadre_pay"].tolist() == [False, False, True]


def test_before_its_document_a_county_adopts_only_at_the_background_rate():
    # Background 0.012 a year: 1 - e^-0.001 = 0.0009995 (x2 for the provincial-budget pay floor: 0.0019980),
    # whatever the push. Draws 0.0015 adopt only B's pay floor.
    counties = _counties(funding=[0, 1, 2], pension_funding=[0, 0, 0])
    counties.implement(np.array([False, False, False]), ALL_ON, _Uniforms(np.full((4, 3), 0.0015)),
                       push=np.array([5.0, 5.0, 5.0]))
    assert counties.implemented["pay_floor"].tolist() == [False, True, False]
    for element in ("pension", "departure_subsidy", "other_cadre_pay"):
        assert not counties.implemented[element].any()


def test_adoption_is_permanent_and_a_switched_off_element_is_cleared():
    counties = _counties(funding=[0, 0, 0], pension_funding=[0, 0, 0])
    counties.implemented["pay_floor"][:] = True
    counties.implemented["pension"][:] = True
    enabled = {**ALL_ON, "pension": False}
    counties.implement(np.array([True, True, True]), enabled, _Uniforms(np.full((4, 3), 0.99)))
    assert counties.implemented["pay_floor"].all()
    assert not counties.implemented["pension"].any()


@pytest.mark.parametrize("element", sorted(COMPLETE_LISTS))
def test_each_list_is_printed_on_its_line_with_its_count(element, seed_lines):
    names = COMPLETE_LISTS[element]
    line = seed_lines[int(LIST_LINES[element][1:]) - 1]
    printed = re.search("、".join(names) + r"等(\d+)个省区市", line)
    assert printed, f"the {element} list is not printed in this order on {LIST_LINES[element]}"
    assert int(printed.group(1)) == len(names)


@pytest.mark.parametrize("element", sorted(COMPLETE_LISTS))
def test_every_listed_name_is_a_province(element):
    table = load_province_table()
    rows = listed_rows(element, tuple(table["province"]))
    assert rows.sum() == len(COMPLETE_LISTS[element]) == len(set(COMPLETE_LISTS[element]))


def test_list_measures_by_hand():
    # Five provinces: A, B, C listed complete; D, E not. Counties per province 2, 1, 2, 3, 1.
    names = ("Beijing", "Tianjin", "Hebei", "Shandong", "Anhui")     # pay floor: first three listed
    province = np.array([0, 0, 1, 2, 2, 3, 3, 3, 4])
    flags = np.array([1, 1, 1, 1, 0, 1, 1, 0, 0], bool)
    counties = SimpleNamespace(province=province, implemented={"pay_floor": flags, "pension": flags,
                                                               "departure_subsidy": flags})
    lists = ReportedLists(SimpleNamespace(names=names), counties)
    assert lists.complete("pay_floor").tolist() == [True, True, False, False, False]
    assert lists.listed_complete("pay_floor") == 2          # Beijing, Tianjin; Hebei has one county lagging
    assert lists.other_share("pay_floor") == pytest.approx(2 / 4)   # Shandong 2 of 3, Anhui 0 of 1
    # Pension lists Beijing, Tianjin and Anhui (not Hebei, Shandong): others are Hebei and Shandong.
    assert lists.listed_complete("pension") == 2
    assert lists.other_share("pension") == pytest.approx(3 / 5)
