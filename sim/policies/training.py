"""Training of secretaries (L31, L63)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.policies.base import Lever


@dataclass(frozen=True)
class Training(Lever):
    """Days of training each serving secretary reached gets a year.

    Who is reached, and the training itself, is the party-education module's
    (:meth:`sim.party_education.PartyEducation.train_secretaries`).

    Attributes:
        secretary_days_per_year: Training days per secretary per year.
    """

    family = "training"
    reference = "L31 (Shanxi trains newly elected secretaries), L63"

    secretary_days_per_year: float
