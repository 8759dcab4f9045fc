"""Policy levers, one module per family (docs/ODD.md §9.2).

A :class:`Policy` bundles one object of each family, built from the lever
file ``sim/data/levers.yaml`` with a user's changes applied and validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.parameters import ParameterSet
from sim.policies.assessment import Assessment
from sim.policies.base import Lever
from sim.policies.cgvo_programme import CgvoProgramme
from sim.policies.community import CommunityPartyBuilding
from sim.policies.delegates import DelegateTenure
from sim.policies.democracy import Democracy
from sim.policies.enterprise_party_building import EnterprisePartyBuilding
from sim.policies.first_secretary import FirstSecretary
from sim.policies.package import YidingSanyou
from sim.policies.party_education import PartyEducation
from sim.policies.pay_floor import PayFloor
from sim.policies.promotion import CHANNELS, Promotion
from sim.policies.retirement import Retirement
from sim.policies.training import Training

FAMILIES: tuple[type[Lever], ...] = (
    YidingSanyou, PayFloor, Promotion, Retirement, Assessment, Training, FirstSecretary,
    CgvoProgramme, EnterprisePartyBuilding, PartyEducation, CommunityPartyBuilding,
    DelegateTenure, Democracy,
)


@dataclass(frozen=True)
class Policy:
    """All levers of a run, one object per family."""

    yiding_sanyou: YidingSanyou
    pay_floor: PayFloor
    promotion: Promotion
    retirement: Retirement
    assessment: Assessment
    training: Training
    first_secretary: FirstSecretary
    cgvo: CgvoProgramme
    enterprise: EnterprisePartyBuilding
    party_education: PartyEducation
    community: CommunityPartyBuilding
    delegates: DelegateTenure
    democracy: Democracy

    @classmethod
    def from_levers(cls, levers: ParameterSet) -> Policy:
        """Build every family from a validated lever set."""
        return cls(**{family.family: family.from_levers(levers) for family in FAMILIES})

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Lever values by family."""
        return {family.family: getattr(self, family.family).as_dict() for family in FAMILIES}


def split_flat_lever(name: str) -> tuple[str, str] | None:
    """Split a flat keyword such as ``pay_floor_multiple`` into (family, leaf), or None."""
    for family in sorted((f.family for f in FAMILIES), key=len, reverse=True):
        if name.startswith(family + "_"):
            return family, name[len(family) + 1 :]
    return None


__all__ = [
    "CHANNELS", "FAMILIES", "Assessment", "CgvoProgramme", "CommunityPartyBuilding",
    "DelegateTenure", "Democracy", "EnterprisePartyBuilding",
    "FirstSecretary", "PartyEducation", "PayFloor", "Policy", "Promotion", "Retirement", "Training",
    "YidingSanyou",
    "split_flat_lever",
]
