"""Named sets of slider values: the two reference scenarios, the world before 2009, the lesson's.

Each preset starts from the "as reported" levers and changes only what its
name says:

- ``as_reported``: the levers as the 2012 reports describe them.
- ``before_2009``: the incentives of 2008 kept: the package is never
  adopted, pay stays at its pre-policy level, no county insures secretaries
  or pays departure subsidies, and no promotion channel is open to them.
- ``no_yiding_sanyou``: the scenario of ``configs/scenario/no_yiding_sanyou.yaml``:
  the package is never adopted (counties adopt its elements only at their
  pre-2009 rate); everything else as reported.
- ``q1_no_pay_floor``: lesson question 1: the floor pays no more than
  pre-policy pay; everything else as reported.
- ``q2_pension_only``: lesson question 2: of the three security and pay
  levers only pension insurance is kept (pay at its pre-policy level, no
  departure subsidy).
- ``q3_no_renewal``: lesson question 3: CGVOs may not renew their contracts.
"""

from __future__ import annotations

from typing import Any

from lingtouyan.demo.model import pre_policy_pay_ratio, reported_levers

PRESETS = ("as_reported", "before_2009", "no_yiding_sanyou", "q1_no_pay_floor", "q2_pension_only",
           "q3_no_renewal")


def preset(name: str) -> dict[str, Any]:
    """Slider values of preset ``name`` (keywords of :class:`ClassroomModel`).

    Raises:
        KeyError: for an unknown preset, naming the allowed ones.
    """
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    values = {k: v for k, v in reported_levers().items() if k != "cgvo_subsidy_by_region"}
    pre = round(pre_policy_pay_ratio(), 2)
    changes: dict[str, dict[str, Any]] = {
        "as_reported": {},
        "before_2009": {"yiding_sanyou_adopted": False, "pay_floor_multiple": pre,
                        "pension_enabled": False, "departure_subsidy_enabled": False,
                        "township_leadership_open": False, "civil_service_open": False,
                        "institution_open": False},
        "no_yiding_sanyou": {"yiding_sanyou_adopted": False},
        "q1_no_pay_floor": {"pay_floor_multiple": pre},
        "q2_pension_only": {"pay_floor_multiple": pre, "departure_subsidy_enabled": False},
        "q3_no_renewal": {"cgvo_renewal_allowed": False},
    }
    values.update(changes[name])
    return values


__all__ = ["PRESETS", "preset"]
