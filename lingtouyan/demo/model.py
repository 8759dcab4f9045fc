"""The model the classroom page runs: :class:`sim.VillageModel` with one keyword per slider.

Mesa's ``SolaraViz`` creates the model again on reset from the sliders'
values, by keyword, and checks each keyword against the model's
``__init__``; ``VillageModel`` takes its levers as ``**levers``, which it
rejects. :class:`ClassroomModel` names the levers the page moves and hands
them on as ``VillageModel``'s nested ``policy``. Its defaults are the "as
reported" levers (the lever files with the calibrated values), read from
``sim`` when this module is imported, so the page starts from the reference
run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import pandas as pd

from lingtouyan.demo import state
from sim import VillageModel
from sim.config import resolve
from sim.parameters import load_world_parameters

#: Share of the nation's villages the page simulates (about 1,800 villages).
DEMO_SCALE = 0.003
#: Last month of a classroom run (the reports' period).
DEMO_END = "2012-12"


@functools.cache
def reported_levers() -> dict[str, Any]:
    """The "as reported" value of every lever the page moves (the sliders' defaults)."""
    levers = resolve(scale=DEMO_SCALE).levers
    return {
        "pay_floor_multiple": float(levers.value("pay_floor.multiple")),
        "pension_enabled": bool(levers.value("retirement.pension_enabled")),
        "departure_subsidy_enabled": bool(levers.value("retirement.departure_subsidy_enabled")),
        "departure_subsidy_min_years": int(levers.value("retirement.departure_subsidy_min_years")),
        "township_leadership_open": bool(levers.value("promotion.township_leadership_open")),
        "civil_service_open": bool(levers.value("promotion.civil_service_open")),
        "institution_open": bool(levers.value("promotion.institution_open")),
        "yiding_sanyou_adopted": bool(levers.value("yiding_sanyou.adopted")),
        "cgvo_subsidy_multiple": 1.0,
        "cgvo_annual_plan": float(levers.value("cgvo.annual_plan")),
        "cgvo_renewal_allowed": bool(levers.value("cgvo.renewal_allowed")),
        "enterprise_instructors": float(levers.value("enterprise.instructors")),
        "cgvo_subsidy_by_region": {r: float(levers.value(f"cgvo.subsidy_{r}"))
                                   for r in ("west", "central", "east")},
    }


def pre_policy_pay_ratio() -> float:
    """Secretary pay where no floor is paid, as a multiple of local income (the world file)."""
    return float(load_world_parameters().value("secretary.pre_policy_pay_ratio"))


def policy_for(*, pay_floor_multiple: float, pension_enabled: bool, departure_subsidy_enabled: bool,
               departure_subsidy_min_years: float, township_leadership_open: bool,
               civil_service_open: bool, institution_open: bool, yiding_sanyou_adopted: bool,
               cgvo_subsidy_multiple: float, cgvo_annual_plan: float, cgvo_renewal_allowed: bool,
               enterprise_instructors: float) -> dict[str, dict[str, Any]]:
    """The nested ``policy`` of :class:`sim.VillageModel` for the page's lever values."""
    subsidy = reported_levers()["cgvo_subsidy_by_region"]
    return {
        "yiding_sanyou": {"adopted": bool(yiding_sanyou_adopted)},
        "pay_floor": {"multiple": float(pay_floor_multiple)},
        "retirement": {"pension_enabled": bool(pension_enabled),
                       "departure_subsidy_enabled": bool(departure_subsidy_enabled),
                       "departure_subsidy_min_years": float(departure_subsidy_min_years)},
        "promotion": {"township_leadership_open": bool(township_leadership_open),
                      "civil_service_open": bool(civil_service_open),
                      "institution_open": bool(institution_open)},
        "cgvo": {**{f"subsidy_{r}": float(cgvo_subsidy_multiple) * v for r, v in subsidy.items()},
                 "annual_plan": float(cgvo_annual_plan),
                 "renewal_allowed": bool(cgvo_renewal_allowed)},
        "enterprise": {"instructors": float(enterprise_instructors)},
    }


_DEFAULT = reported_levers()


class ClassroomModel(VillageModel):
    """The village model with the page's levers as explicit keywords.

    Args:
        pay_floor_multiple: Basic pay floor as a multiple of local rural income (L20).
        pension_enabled: Counties may insure secretaries in the pension scheme (L27).
        departure_subsidy_enabled: Counties may pay departure subsidies (L27).
        departure_subsidy_min_years: Tenure needed for the regular departure subsidy.
        township_leadership_open: Secretaries may be selected into township leadership (L24).
        civil_service_open: Township civil-service exams are open to village cadres (L24).
        institution_open: Township public-institution posts are open to them (L24).
        yiding_sanyou_adopted: The 2009 package is adopted.
        cgvo_subsidy_multiple: The central CGVO subsidy as a multiple of the reported
            20,000 / 15,000 / 8,000 yuan (west / central / east, L298).
        cgvo_annual_plan: National CGVO recruitment plan (posts a year).
        cgvo_renewal_allowed: CGVOs may renew their contract at its end (L302).
        enterprise_instructors: National stock of enterprise party instructors at end-2011 (L102).
        scale: Share of the nation's villages simulated.
        end: Last month, ``YYYY-MM``.
        seed: Seed of every random stream.
    """

    def __init__(self, pay_floor_multiple: float = _DEFAULT["pay_floor_multiple"],
                 pension_enabled: bool = _DEFAULT["pension_enabled"],
                 departure_subsidy_enabled: bool = _DEFAULT["departure_subsidy_enabled"],
                 departure_subsidy_min_years: int = _DEFAULT["departure_subsidy_min_years"],
                 township_leadership_open: bool = _DEFAULT["township_leadership_open"],
                 civil_service_open: bool = _DEFAULT["civil_service_open"],
                 institution_open: bool = _DEFAULT["institution_open"],
                 yiding_sanyou_adopted: bool = _DEFAULT["yiding_sanyou_adopted"],
                 cgvo_subsidy_multiple: float = _DEFAULT["cgvo_subsidy_multiple"],
                 cgvo_annual_plan: float = _DEFAULT["cgvo_annual_plan"],
                 cgvo_renewal_allowed: bool = _DEFAULT["cgvo_renewal_allowed"],
                 enterprise_instructors: float = _DEFAULT["enterprise_instructors"],
                 scale: float = DEMO_SCALE, end: str = DEMO_END, *, seed: int = 0) -> None:
        self.settings = {
            "pay_floor_multiple": pay_floor_multiple, "pension_enabled": pension_enabled,
            "departure_subsidy_enabled": departure_subsidy_enabled,
            "departure_subsidy_min_years": departure_subsidy_min_years,
            "township_leadership_open": township_leadership_open,
            "civil_service_open": civil_service_open, "institution_open": institution_open,
            "yiding_sanyou_adopted": yiding_sanyou_adopted,
            "cgvo_subsidy_multiple": cgvo_subsidy_multiple, "cgvo_annual_plan": cgvo_annual_plan,
            "cgvo_renewal_allowed": cgvo_renewal_allowed,
            "enterprise_instructors": enterprise_instructors,
        }
        super().__init__(scale=scale, end=end, policy=policy_for(**self.settings), seed=int(seed))
        state.track_events(self)

    def step(self) -> None:
        """One month; none after the last (Mesa's play loop steps a redraw's months in one go)."""
        if self.running:
            super().step()

    def series(self, measures: Iterable[str] | None = None) -> pd.DataFrame:
        """The measures collected so far (all, or ``measures``), one row per month (index ``YYYY-MM``)."""
        return wide_outcomes(self, measures)


def wide_outcomes(model: VillageModel, measures: Iterable[str] | None = None) -> pd.DataFrame:
    """The model's collected measures (all, or those of ``measures`` it has) as a wide table, one row per month.

    The page draws while the model steps in another thread; a month being
    collected is left out, so every column has the same months.
    """
    collected = model.datacollector.model_vars
    names = list(collected) if measures is None else [m for m in measures if m in collected]
    columns = {k: collected[k] for k in names}
    # Months every measure has: all of them, not only those asked for, so that the rows do not
    # depend on which measures are read.
    months = min((len(v) for v in collected.values()), default=0)
    wide = pd.DataFrame({k: list(v[:months]) for k, v in columns.items()}, index=range(months))
    wide.index = pd.Index(_month_labels(model.config.start, months), name="date")
    return wide


@functools.lru_cache(maxsize=64)
def _month_labels(start: str, months: int) -> tuple[str, ...]:
    """``YYYY-MM`` of ``months`` months from ``start`` (the page asks for the same ones at every redraw)."""
    return tuple(pd.period_range(start, periods=months, freq="M").strftime("%Y-%m"))


@functools.lru_cache(maxsize=8)
def reference_outcomes(scale: float = DEMO_SCALE, seed: int = 0, end: str = DEMO_END) -> pd.DataFrame:
    """The "as reported" run at ``scale`` and ``seed``, to ``end``: computed once per process."""
    model = ClassroomModel(scale=scale, end=end, seed=seed)
    while model.running:
        model.step()
    return wide_outcomes(model)


__all__ = ["DEMO_END", "DEMO_SCALE", "ClassroomModel", "policy_for", "pre_policy_pay_ratio",
           "reference_outcomes", "reported_levers", "wide_outcomes"]
