"""Mesa agents that are views of one row of a population's arrays.

The populations keep their state as arrays so a national run steps in
seconds (STYLE.md habit 2). A :class:`RowAgent` gives one unit the face of a
``mesa.Agent`` — for inspection, for Mesa tools and for small classroom runs —
without copying its state: every read goes to the arrays.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mesa


class RowAgent(mesa.Agent):
    """A ``mesa.Agent`` reading row ``row`` of the population ``population_attr``.

    Attributes:
        row: Row of this unit in its population's arrays.
    """

    population_attr: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    @property
    def population(self) -> Any:
        """The population whose arrays hold this unit's state."""
        return getattr(self.model, self.population_attr)

    def state(self) -> dict[str, Any]:
        """This unit's state as plain Python values."""
        return {name: getattr(self.population, name)[self.row].item() for name in self.fields}
