"""What every policy object shares: built from the lever file, frozen, cited."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self

from sim.parameters import ParameterSet


@dataclasses.dataclass(frozen=True)
class Lever:
    """Base of the lever families: one frozen dataclass per family.

    Subclasses name their ``family`` (the top-level key in ``levers.yaml``)
    and the report lines they represent in ``reference``; their fields are
    the leaves of that family.
    """

    family: ClassVar[str]
    reference: ClassVar[str]

    @classmethod
    def from_levers(cls, levers: ParameterSet) -> Self:
        """Build the family's object from the validated lever set."""
        return cls(**{f.name: levers.value(f"{cls.family}.{f.name}") for f in dataclasses.fields(cls)})

    def as_dict(self) -> dict[str, Any]:
        """The lever values of this family."""
        return dataclasses.asdict(self)
