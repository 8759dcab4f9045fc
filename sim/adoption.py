"""Two-level adoption of 一定三有: provinces' documents, and the province lists (docs/ODD.md §7.2, §4.11).

The central opinion of 2009 (L12) reached counties through the provinces:
each province issued its own document, set the funding channel (L20, L27)
and pushed its counties to implement (抓好政策兑现落实, L20). Two province
properties set here shape every county's hazard (:meth:`Counties.implement
<sim.agents.structure.Counties.implement>`):

- the month its document comes into force: the package's start plus a lag
  drawn once per province (exponential, mean ``province.document_lag_months``);
  before it, the province's counties adopt only at the background rate;
- its push: a multiplier of its counties' adoption rates under the document,
  drawn once per province (log-normal, mean one, log-s.d.
  ``province.push_sigma``), which makes counties of a province move together.

Both are drawn from the stream ``province.documents`` when the world is
built; no other process reads that stream.

R1 says not only what share of the nation's counties implement each element
(L16) but which provinces implement it in every county and at what rate the
others do (L20, L27). This module holds those lists, as printed, and the
measures that compare the model's provinces with them:

- ``provinces_listed_all_counties_<e>``: how many of the provinces the report
  names as complete are complete in the model (all of them, if the model
  puts the right provinces at 100%);
- ``county_share_<e>_other_provinces``: the share of counties implementing
  ``e`` in the provinces the report does not name (their reported rate).

The lists define measures only: nothing the model computes reads them.
"""

from __future__ import annotations

import numpy as np

from sim.datafiles import load_province_table
from sim.parameters import ParameterSet
from sim.streams import normal_from_uniform

#: The provinces each report line names as implementing an element in every county, as printed.
COMPLETE_LISTS: dict[str, tuple[str, ...]] = {
    # L20: 北京、天津、……、宁夏等22个省区市所有涉农县（市、区）已全部兑现
    "pay_floor": ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏",
                  "浙江", "江西", "河南", "湖南", "广东", "广西", "四川", "贵州", "云南", "西藏", "甘肃",
                  "宁夏"),
    # L27: 北京、……、宁夏等15个省区市的所有县（市、区）全部为现任村党支部书记办理了养老保险
    "pension": ("北京", "天津", "山西", "上海", "江苏", "浙江", "安徽", "江西", "湖北", "重庆", "四川",
                "西藏", "甘肃", "青海", "宁夏"),
    # L27: 北京、……、新疆等25个省区市的县（市、区）全部落实村干部离任生活补助制度
    "departure_subsidy": ("北京", "天津", "山西", "内蒙古", "吉林", "上海", "江苏", "浙江", "安徽", "福建",
                          "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
                          "贵州", "云南", "陕西", "青海", "新疆"),
}
#: The report line of each list.
LIST_LINES = {"pay_floor": "L20", "pension": "L27", "departure_subsidy": "L27"}


def listed_rows(element: str, names: tuple[str, ...]) -> np.ndarray:
    """Whether each province (in the order of ``names``) is on the complete list of ``element``.

    Raises:
        KeyError: if a listed name is not a province of the province table.
    """
    table = load_province_table()
    english = dict(zip(table["name_zh"], table["province"], strict=True))
    listed = {english[zh] for zh in COMPLETE_LISTS[element]}
    return np.array([name in listed for name in names])


class ReportedLists:
    """The model's provinces against the lists of L20 and L27, for the outcome measures.

    Args:
        provinces: The provinces (:class:`sim.agents.structure.Provinces`).
        counties: The counties (:class:`sim.agents.structure.Counties`), laid out province by province.
    """

    def __init__(self, provinces, counties) -> None:
        self._counties = counties
        self._starts = np.flatnonzero(np.r_[True, counties.province[1:] != counties.province[:-1]])
        self.listed = {e: listed_rows(e, provinces.names) for e in COMPLETE_LISTS}
        self._other_counties = {e: ~listed[counties.province] for e, listed in self.listed.items()}

    def complete(self, element: str) -> np.ndarray:
        """Whether every county of each province implements ``element`` now."""
        return np.logical_and.reduceat(self._counties.implemented[element], self._starts)

    def listed_complete(self, element: str) -> int:
        """How many of the provinces listed as complete for ``element`` are complete now."""
        return int((self.complete(element) & self.listed[element]).sum())

    def other_share(self, element: str) -> float:
        """Share of counties implementing ``element`` in the provinces not on its list."""
        other = self._other_counties[element]
        return float(self._counties.implemented[element][other].mean())


class ProvinceDocuments:
    """Each province's document implementing the 2009 opinion: when it is in force, and its push.

    Args:
        n_provinces: Number of provinces.
        params: World parameters (``province.document_lag_months``, ``province.push_sigma``).
        rng: The stream ``province.documents``.

    Attributes:
        lag: Months from the package's start until the province's document is in force.
        push: Multiplier of the province's counties' adoption rates under its document (mean 1).
        in_force: Whether each province's document is in force this month (set by :meth:`update`).
    """

    def __init__(self, n_provinces: int, params: ParameterSet, rng: np.random.Generator) -> None:
        u = rng.random((2, n_provinces))
        mean_lag = params.value("province.document_lag_months")
        self.lag = np.floor(-mean_lag * np.log1p(-u[0])).astype(np.int64)
        sigma = params.value("province.push_sigma")
        self.push = np.exp(sigma * normal_from_uniform(u[1]) - sigma**2 / 2)
        self.in_force = np.zeros(n_provinces, bool)

    def update(self, month: int, package) -> np.ndarray:
        """Which provinces' documents are in force in ``month`` under the package lever ``package``.

        A document is in force while the package is, from the package's start
        plus the province's lag (``package.apply`` of the month ``lag`` months
        earlier).
        """
        in_force = package.apply(month)
        self.in_force = np.array([in_force and package.apply(month - int(lag)) for lag in self.lag])
        return self.in_force
