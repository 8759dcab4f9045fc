"""Provinces, counties and villages: the structure the agents live in.

Represents docs/ODD.md §2.1 (the structure rows), §7.1 and §7.2: incomes move along the
public series by province (``facts/external.md``), and counties implement
each element of 一定三有 with a hazard that rises after the 2009 document and
depends on fiscal capacity and the province's funding channel (L16, L20, L27).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.datafiles import FUNDING, PENSION_FUNDING, REGIONS, load_province_table
from sim.parameters import ParameterSet, series_value
from sim.timeline import monthly_probability

#: The four county-level elements of the package, in the order of L16.
ELEMENTS = ("pay_floor", "pension", "departure_subsidy", "other_cadre_pay")


@dataclass
class Provinces:
    """The 31 provinces as arrays.

    Attributes:
        names: Province names (the keys users write in province mappings).
        region: 0 east, 1 central, 2 west.
        income_2011: Rural per-capita net income in 2011 (yuan/person/year).
        funding: 0 provincial transfer, 1 provincial budget, 2 county budget (L20).
        pension_funding: 0 shared, 1 the provincial budget pays the basic pension (L27).
        director_pay_ratio: Director's pay relative to the secretary's (L20).
        other_cadre_pay_ratio: Other cadres' pay relative to the secretary's (L20).
        village_share: Share of the nation's villages.
        county_count: Agricultural counties in the province (whole numbers).
    """

    names: tuple[str, ...]
    region: np.ndarray
    income_2011: np.ndarray
    funding: np.ndarray
    pension_funding: np.ndarray
    director_pay_ratio: np.ndarray
    other_cadre_pay_ratio: np.ndarray
    village_share: np.ndarray
    county_count: np.ndarray

    @classmethod
    def from_table(cls, table: pd.DataFrame, national_counties: int) -> Provinces:
        """Build from the province table, rescaling county counts to the national total."""
        villages = table["villages"].to_numpy(float)
        counties = table["agricultural_counties"].to_numpy(float)
        counties = np.maximum(1, np.round(counties * national_counties / counties.sum())).astype(int)
        return cls(
            names=tuple(table["province"]),
            region=table["region"].map(REGIONS.index).to_numpy(np.int8),
            income_2011=table["rural_income_2011"].to_numpy(float),
            funding=table["pay_funding"].map(FUNDING.index).to_numpy(np.int8),
            pension_funding=table["pension_funding"].map(PENSION_FUNDING.index).to_numpy(np.int8),
            director_pay_ratio=table["director_pay_ratio"].to_numpy(float),
            other_cadre_pay_ratio=table["other_cadre_pay_ratio"].to_numpy(float),
            village_share=villages / villages.sum(),
            county_count=counties,
        )

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Row of the province called ``name``."""
        return self.names.index(name)


class Economy:
    """Incomes along the public series (docs/ODD.md §7.1).

    Province incomes follow the national rural per-capita net income series,
    scaled by each province's 2011 level; the migrant wage follows the
    out-migrant monthly wage series. Beyond the listed years both grow at a
    steady assumed rate (``national.growth_after_series``).
    """

    def __init__(self, params: ParameterSet, provinces: Provinces) -> None:
        self._national = params.value("national.rural_income")
        self._migrant = params.value("national.migrant_monthly_wage")
        self._growth = params.value("national.growth_after_series")
        self._relative = provinces.income_2011 / series_value(self._national, 2011)
        self.year: int | None = None
        self.province_income = np.zeros(len(provinces))
        self.national_income = 0.0
        self.migrant_income = 0.0

    def update(self, year: int) -> bool:
        """Move incomes to ``year``; return whether they changed."""
        if year == self.year:
            return False
        self.year = year
        self.national_income = series_value(self._national, year, self._growth)
        self.province_income = self._relative * self.national_income
        self.migrant_income = 12.0 * series_value(self._migrant, year, self._growth)
        return True


class Counties:
    """Agricultural counties and their implementation of the package (L16, L20, L27).

    Attributes:
        province: Province row of each county.
        fiscal: Fiscal capacity (1 = national average).
        implemented: ``{element: bool array}``, whether the county implements it.
    """

    def __init__(self, provinces: Provinces, params: ParameterSet, rng: np.random.Generator) -> None:
        self.province = np.repeat(np.arange(len(provinces), dtype=np.int16), provinces.county_count)
        n = len(self.province)
        relative_income = provinces.income_2011 / np.average(
            provinces.income_2011, weights=provinces.village_share
        )
        sigma = params.value("county.fiscal_sigma")
        self.fiscal = relative_income[self.province] * rng.lognormal(-sigma**2 / 2, sigma, n)
        self.funding = provinces.funding[self.province]
        self.pension_funding = provinces.pension_funding[self.province]
        self.implemented = {}
        for element in ELEMENTS:
            share = params.value(f"county.initial_share.{element}")
            self.implemented[element] = rng.random(n) < share
        self._params = params

    def __len__(self) -> int:
        return len(self.province)

    def implement(self, in_force, enabled: dict[str, bool], rng: np.random.Generator,
                  push=1.0) -> None:
        """One month of county decisions: each county adopts each element with a hazard.

        The yearly adoption rate is the background rate, plus the province's
        push times the package's lift (the calibrated post-2009 rate less the
        background rate) where the province's document is in force
        (``in_force``, one flag per county or one for all; :mod:`sim.adoption`):
        a package rate set to the background rate is the background rate under
        any push; it rises with fiscal capacity, and
        for the pay floor and the pension it depends on who funds them (L20:
        provincial budget, provincial transfer, county budget; L27: a
        provincial budget paying the basic pension). A lever that switches an
        element off removes it everywhere.
        """
        p = self._params
        beta = p.value("county.fiscal_elasticity")
        capacity = self.fiscal**beta
        multiple = np.asarray(p.value("county.funding_multiple"), float)
        draws = rng.random((len(ELEMENTS), len(self)))
        for i, element in enumerate(ELEMENTS):
            flags = self.implemented[element]
            if not enabled[element]:
                flags[:] = False
                continue
            background = p.value("county.background_rate")
            lift = p.value(f"county.adoption_rate.{element}") - background
            rate = np.where(in_force, background + push * lift, background)
            yearly = rate * capacity
            if element == "pay_floor":
                yearly = yearly * multiple[self.funding]
            elif element == "pension":
                yearly = yearly * np.where(self.pension_funding == 1, multiple[FUNDING.index("provincial_budget")],
                                           1.0)
            flags |= draws[i] < monthly_probability(yearly)

    def provinces_complete(self, element: str) -> int:
        """Number of provinces in which every county implements ``element`` (L20, L27)."""
        starts = np.flatnonzero(np.r_[True, self.province[1:] != self.province[:-1]])
        return int(np.logical_and.reduceat(self.implemented[element], starts).sum())


class Villages:
    """Administrative villages, each with a county, a population and an income level.

    Attributes:
        province: Province row of each village.
        county: County row of each village.
        income_factor: Village income relative to its province's (mean 1).
        adults: Adult residents (registered population, migrants included).
        weight: Villages represented by each simulated village.
    """

    def __init__(self, n: int, provinces: Provinces, counties: Counties, params: ParameterSet,
                 rng: np.random.Generator) -> None:
        self.province = np.sort(
            rng.choice(len(provinces), size=n, p=provinces.village_share).astype(np.int16)
        )
        first_county = np.concatenate([[0], np.cumsum(provinces.county_count)[:-1]])
        offset = rng.integers(0, provinces.county_count[self.province])
        self.county = (first_county[self.province] + offset).astype(np.int32)
        sigma = params.value("village.income_sigma")
        self.income_factor = rng.lognormal(-sigma**2 / 2, sigma, n)
        mean_adults = (params.value("national.rural_population") * params.value("national.adult_share")
                       / params.value("national.villages"))
        psigma = params.value("village.population_sigma")
        self.adults = mean_adults * rng.lognormal(-psigma**2 / 2, psigma, n)
        self.weight = params.value("national.villages") / n

    def __len__(self) -> int:
        return len(self.province)


__all__ = ["ELEMENTS", "FUNDING", "REGIONS", "Counties", "Economy", "Provinces", "Villages",
           "load_province_table"]
