"""What the classroom page reads from a running model: the only module that knows its internals.

The page shows villages, their secretaries and the CGVOs serving there. The
model keeps these as arrays on attributes that are free to change; every read
the page makes goes through the functions here, so a rename inside ``sim/``
costs this one file. Everything else in :mod:`lingtouyan.demo` sees plain
arrays and dictionaries.

Two events are not kept by the model (it keeps counts, not who): which
villages' secretaries quit and which were promoted this month.
:func:`track_events` records them by wrapping, on the one model instance, the
quit decision and the promotion round, without changing what they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Secretary states shown on the map, in the order the legend lists them.
STATES = ("capable", "weak", "vacant", "just_promoted", "just_quit")
STATE = {name: code for code, name in enumerate(STATES)}
#: Months an event stays marked on the map (a quit is often refilled the same month).
EVENT_MONTHS = 3


@dataclass(frozen=True)
class VillageTable:
    """The villages as arrays, one element per simulated village.

    Attributes:
        province: Province row of each village.
        county: County row of each village.
        state: Secretary state, a code of :data:`STATES`.
        cgvo: A CGVO serves in the village.
    """

    province: np.ndarray
    county: np.ndarray
    state: np.ndarray
    cgvo: np.ndarray

    def __len__(self) -> int:
        return len(self.province)


def province_names(model: Any) -> tuple[str, ...]:
    """Province names as the model's province table gives them (English keys)."""
    return tuple(model.provinces.names)


def province_names_zh() -> dict[str, str]:
    """Chinese name of each province, from the province table that ships with ``sim``."""
    from sim.agents.structure import load_province_table

    table = load_province_table()
    return dict(zip(table["province"], table["name_zh"], strict=True))


def current_month(model: Any) -> str:
    """The last month simulated, ``YYYY-MM`` (the start month before the first step)."""
    from sim.timeline import format_month

    return format_month(max(model.month - 1, model.start))


def months_simulated(model: Any) -> int:
    """Months stepped so far."""
    return int(model.month - model.start)


def track_events(model: Any) -> None:
    """Record, on ``model``, which villages' secretaries quit or were promoted, and when.

    Wraps the instance's quit decision and yearly promotion round; their
    results are unchanged (a test checks that a tracked run equals an
    untracked one).
    """
    n = len(model.villages)
    model.demo_quit_month = np.full(n, -10_000, np.int32)
    model.demo_promoted_month = np.full(n, -10_000, np.int32)
    secretaries = model.secretaries
    draw_quits = secretaries.draw_quits
    hold = model.promotion.hold

    def tracked_draw_quits(*args, **kwargs):
        quitting = draw_quits(*args, **kwargs)
        model.demo_quit_month[quitting] = model.month
        return quitting

    def tracked_hold(*args, **kwargs):
        winners = hold(*args, **kwargs)  # {channel: villages whose secretary won a post}
        for villages in winners.values():
            model.demo_promoted_month[villages] = model.month
        return winners

    secretaries.draw_quits = tracked_draw_quits
    model.promotion.hold = tracked_hold


def village_table(model: Any) -> VillageTable:
    """Every village's province, county, secretary state and CGVO mark, now."""
    secs = model.secretaries
    state = np.where(secs.capable(), STATE["capable"], STATE["weak"]).astype(np.int8)
    state[~secs.filled] = STATE["vacant"]
    last = model.month - 1
    if hasattr(model, "demo_quit_month"):
        state[last - model.demo_promoted_month < EVENT_MONTHS] = STATE["just_promoted"]
        state[last - model.demo_quit_month < EVENT_MONTHS] = STATE["just_quit"]
    return VillageTable(province=np.asarray(model.villages.province),
                        county=np.asarray(model.villages.county), state=state,
                        cgvo=np.asarray(model.village_cgvo) >= 0)


def secretary(model: Any, village: int) -> dict[str, Any]:
    """The secretary of ``village`` as a Mesa agent view, and what the post is worth to them.

    Returns a dictionary: ``agent`` (the ``mesa.Agent`` viewing the row),
    ``village``, ``province``, ``county``, ``filled``, ``age``, ``tenure``
    (years), ``college``, ``capable``, ``origin`` (a name of
    ``sim.agents.secretary.ORIGINS``), ``pay`` and ``post_value`` (yuan per
    year), ``income`` (local per-capita income, yuan per year), ``cgvo``
    (a CGVO serves in the village) and ``cgvo_holds_post``.
    """
    from sim.agents.secretary import ORIGINS

    village = int(village)
    agent = model.agents_for("secretary", [village])[0]
    state = agent.state()
    # The model keeps one view per row, so asking again does not grow its agent set.
    post_value = getattr(model, "post_value", None)
    return {
        "agent": agent,
        "village": village,
        "province": province_names(model)[int(model.villages.province[village])],
        "county": int(model.villages.county[village]),
        "filled": bool(state["filled"]),
        "age": float(state["age"]),
        "tenure": float(state["tenure"]),
        "college": bool(state["college"]),
        "capable": bool(model.secretaries.capable()[village]),
        "origin": ORIGINS[int(state["origin"])],
        "pay": float(model.pay[village]),
        "post_value": float(post_value[village]) if post_value is not None else float("nan"),
        "income": float(model.village_income[village]),
        "cgvo": bool(model.village_cgvo[village] >= 0),
        "cgvo_holds_post": bool(model.secretaries.cgvo[village] >= 0),
    }


def secretary_columns(model: Any) -> dict[str, np.ndarray]:
    """Per-village secretary figures for hover text: age, tenure, pay, value of the post, origin."""
    secs = model.secretaries
    post_value = getattr(model, "post_value", None)
    if post_value is None:
        post_value = np.full(len(secs), np.nan)
    return {"age": np.asarray(secs.age), "tenure": np.asarray(secs.tenure),
            "pay": np.asarray(model.pay), "post_value": np.asarray(post_value),
            "origin": np.asarray(secs.origin)}


__all__ = [
    "EVENT_MONTHS", "STATE", "STATES", "VillageTable", "current_month", "months_simulated",
    "province_names", "province_names_zh", "secretary", "secretary_columns", "track_events",
    "village_table",
]
