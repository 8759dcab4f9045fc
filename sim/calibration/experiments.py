"""Named experiments behind targets that a single run's table cannot give.

Each experiment takes the keyword arguments of a :class:`~sim.model.VillageModel`
(scale, seed, scenario, policy, params) and returns one number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.timeline import parse_month


def anhui_instructors(**model_kwargs: Any) -> float:
    """Rise of Anhui's enterprise coverage in the year its extra instructors arrive (L102).

    Nearly 5,000 cadres were sent to Anhui's enterprises as instructors and
    coverage rose 14 points in a year. The run adds 5,000 instructors to
    Anhui at ``policy.enterprise.instructors_by_province_start`` and returns
    the coverage twelve months later minus the coverage the month before.
    """
    from sim.model import VillageModel

    policy = {k: dict(v) for k, v in (model_kwargs.pop("policy", None) or {}).items()}
    policy.setdefault("enterprise", {})["instructors_by_province"] = {"Anhui": 5000}
    model = VillageModel(policy=policy, **model_kwargs)
    arrival = parse_month(model.policy.enterprise.instructors_by_province_start)
    anhui = model.enterprises.province == model.provinces.index("Anhui")
    before = after = float("nan")
    end = min(model.end, arrival + 11)
    while model.running and model.month <= end:
        if model.month == arrival:
            before = _coverage(model, anhui)
        model.step()
        if model.month - 1 == arrival + 11:
            after = _coverage(model, anhui)
    return after - before


def _coverage(model, rows: np.ndarray) -> float:
    return float((model.enterprises.org[rows] != 0).mean()) if rows.any() else float("nan")


EXPERIMENTS: dict[str, Callable[..., float]] = {"anhui_instructors": anhui_instructors}
