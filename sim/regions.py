"""Outcomes by region and province (docs/ODD.md §4.11): the measures that mean something per province.

For each month the measures below are computed for every province from the
populations' arrays and the month's events, as a numerator and (for rates
and shares) a denominator, so that the three regions (east, central, west)
are the sums of their provinces and every value is computed the same way as
its national counterpart of :mod:`sim.outcomes`: quit and vacancy rates,
county implementation shares, promotions by channel, CGVOs in post and their
exits by route, enterprise coverage, rural party admissions, CGVOs' careers
after the village and who sits in the two committees (§7.15.11-12).

The bookkeeping costs about 2% of a run, so a model keeps it only when built
with ``VillageModel(..., regions=True)``; otherwise it holds a
:class:`NoRegionalOutcomes`, which records nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.cgvo import CAREERS, ROUTES
from sim.agents.structure import ELEMENTS
from sim.datafiles import REGIONS
from sim.errors import ConfigError
from sim.outcomes import COMMITTEE_SHARES, two_committee_sums
from sim.policies import CHANNELS
from sim.timeline import format_month

#: Measures reported by region and province (names as in the national table).
MEASURES = (
    "secretary_quit_rate_per_year", "secretary_vacancy_rate",
    *(f"county_share_{e}" for e in ELEMENTS),
    *(f"promotions_{c}_per_month" for c in CHANNELS),
    "cgvo_in_post", *(f"cgvo_exits_{r}_cumulative" for r in ROUTES),
    "enterprise_coverage_share", "party_admissions_rural_per_month",
    *(f"cgvo_in_{k}" for k in CAREERS[1:]), "cgvo_on_township_reserve", "cgvo_on_county_reserve",
    "two_committees_members", *COMMITTEE_SHARES,
)
#: The month's events counted by province (villages where they happened).
EVENTS = ("secretary_quits", *(f"promotions_{c}" for c in CHANNELS))


class _Runs:
    """Sums over rows laid out group by group (the rows of group ``g`` are contiguous)."""

    def __init__(self, group: np.ndarray, n: int) -> None:
        counts = np.bincount(group, minlength=n)
        self._present = counts > 0
        self._starts = np.searchsorted(group, np.arange(n))[self._present]
        self._n = n

    def sum(self, values: np.ndarray, dtype=np.int64) -> np.ndarray:
        out = np.zeros(self._n, dtype)
        if self._starts.size:
            out[self._present] = np.add.reduceat(values, self._starts, dtype=dtype)
        return out


class RegionalOutcomes:
    """Collects :data:`MEASURES` by province each month and gives them as a tidy table."""

    def __init__(self, world) -> None:
        self._world = world
        self._n = len(world.provinces)
        self._village_province = world.villages.province
        self._villages = np.bincount(self._village_province, minlength=self._n).astype(float)
        self._counties = np.bincount(world.counties.province, minlength=self._n).astype(float)
        # Counties, villages (hence villager rows) and enterprises are laid out province by
        # province: sums by province are sums over runs of rows.
        self._county_runs = _Runs(world.counties.province, self._n)
        self._village_runs = _Runs(world.villages.province, self._n)
        self._villager_runs: _Runs | None = None
        self._enterprise_runs: _Runs | None = None
        self._months: list[tuple[np.ndarray, np.ndarray]] = []
        self._events: dict[str, np.ndarray] = {}

    def begin_month(self) -> None:
        """Forget the last month's events."""
        self._events = {}

    def event(self, name: str, villages: np.ndarray) -> None:
        """Record this month's event ``name`` (one of :data:`EVENTS`) in ``villages``."""
        self._events[name] = np.bincount(self._village_province[villages], minlength=self._n)

    def collect(self, model) -> None:
        """Record this month's numerators and denominators by province."""
        n, w = self._n, model.weight
        zeros = np.zeros(n)
        num = np.empty((len(MEASURES), n))
        den = np.full((len(MEASURES), n), np.nan)  # NaN: a count, reported as its numerator
        secs, cg, ent = model.secretaries, model.cgvos, model.enterprises
        quits = self._events.get("secretary_quits", zeros) * w
        serving = self._village_runs.sum(secs.filled) * w
        num[0], den[0] = 12.0 * quits, serving + quits
        num[1], den[1] = self._villages - serving / w, self._villages
        i = 2
        implemented = model.counties.implemented
        for element in ELEMENTS:  # counties are laid out province by province
            num[i] = self._county_runs.sum(implemented[element])
            den[i] = self._counties
            i += 1
        for channel in CHANNELS:
            num[i] = self._events.get(f"promotions_{channel}", zeros) * w
            i += 1
        # In post exactly when no exit route is recorded (route -1): one count gives both.
        by_route = np.bincount(cg.province.astype(np.int64) * (len(ROUTES) + 1) + cg.route + 1,
                               minlength=n * (len(ROUTES) + 1)).reshape(n, len(ROUTES) + 1) * w
        num[i: i + 1 + len(ROUTES)] = by_route.T
        i += 1 + len(ROUTES)
        if self._enterprise_runs is None:
            self._enterprise_runs = _Runs(ent.province, n)
        num[i] = self._enterprise_runs.sum(ent.org != 0)
        den[i] = ent.province_count
        i += 1
        if self._villager_runs is None:
            self._villager_runs = _Runs(self._village_province[model.villagers.village], n)
        num[i] = self._villager_runs.sum(model.villagers.admitted, np.float64) * w
        i += 1
        # Careers after the village: one count by province and career code, plus the two lists.
        by_career = np.bincount(cg.province.astype(np.int64) * len(CAREERS) + cg.career,
                                minlength=n * len(CAREERS)).reshape(n, len(CAREERS)) * w
        num[i: i + len(CAREERS) - 1] = by_career[:, 1:].T
        i += len(CAREERS) - 1
        num[i] = np.bincount(cg.province, weights=cg.reserve, minlength=n) * w
        num[i + 1] = np.bincount(cg.province, weights=cg.county_reserve, minlength=n) * w
        i += 2
        sums = two_committee_sums(model, by_province=True)
        num[i] = sums["members"] * w
        for k, (top, bottom) in enumerate(COMMITTEE_SHARES.values(), start=i + 1):
            num[k], den[k] = sums[top], sums[bottom]
        self._months.append((num, den))

    def table(self, run_id: str, scenario: str, seed: int, start: int) -> pd.DataFrame:
        """Tidy table ``run_id, scenario, seed, date, measure, region, value``: regions, then provinces."""
        if not self._months:
            return pd.DataFrame(columns=["run_id", "scenario", "seed", "date", "measure", "region", "value"])
        num = np.stack([m[0] for m in self._months])      # month × measure × province
        den = np.stack([m[1] for m in self._months])
        region = self._world.provinces.region
        names = [*REGIONS, *self._world.provinces.names]
        r_num = np.stack([num[..., region == r].sum(axis=-1) for r in range(len(REGIONS))], axis=-1)
        r_den = np.stack([den[..., region == r].sum(axis=-1) for r in range(len(REGIONS))], axis=-1)
        num, den = np.concatenate([r_num, num], axis=-1), np.concatenate([r_den, den], axis=-1)
        rate = np.isfinite(den[0, :, 0])[None, :, None]
        quit_rate = np.array([m == "secretary_quit_rate_per_year" for m in MEASURES])[None, :, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(rate, num / np.where(quit_rate, np.maximum(den, 1.0), den), num)
        months, measures, regions = value.shape
        row = np.arange(months * measures * regions)  # month-major, then measure, then region
        dates = [format_month(m) for m in range(start, start + months)]
        return pd.DataFrame({
            "run_id": _labels([run_id], np.zeros_like(row)),
            "scenario": _labels([scenario], np.zeros_like(row)),
            "seed": np.full(len(row), seed, dtype=np.int64),
            "date": _labels(dates, row // (measures * regions)),
            "measure": _labels(MEASURES, row // regions % measures),
            "region": _labels(names, row % regions),
            "value": value.ravel().astype(float)})


def _labels(labels, codes: np.ndarray) -> pd.Index:
    """A text column of ``labels[codes]``, each label converted to text once."""
    return pd.Index(list(labels), dtype="str").take(codes)


class NoRegionalOutcomes:
    """What a model built without ``regions`` keeps by region: nothing (every call is free)."""

    def begin_month(self) -> None:
        """Nothing to forget."""

    def event(self, name: str, villages: np.ndarray) -> None:
        """Nothing recorded."""

    def collect(self, model) -> None:
        """Nothing collected."""

    def table(self, run_id: str, scenario: str, seed: int, start: int) -> pd.DataFrame:
        """There is no regional table to give.

        Raises:
            ConfigError: always, saying how to build a model that has one.
        """
        raise ConfigError("regions", "this model was built without the outcomes by region; build "
                          "it with VillageModel(..., regions=True) (sim-run: outcomes.regions=true)")
