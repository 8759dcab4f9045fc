"""Who holds which post: village ↔ secretary seat ↔ CGVO ↔ committee role (docs/ODD.md §2.2).

Four links tie the populations together: the CGVO posted in each village,
the CGVO (if any) holding each village's secretary seat, the village of each
CGVO and each CGVO's role in the two committees (L318). They are kept here
and written only through the methods below, so they agree by construction;
the populations read them as read-only arrays (``Cgvos.village``,
``Cgvos.role``, ``Secretaries.cgvo``).

The API, in the field's words:

- :meth:`Seats.post`: new CGVOs are posted to villages (§7.15.3);
- :meth:`Seats.elect`: serving CGVOs win committee seats (§7.15.6);
- :meth:`Seats.seat`: a new secretary takes a village's seat, maybe a CGVO (§7.12);
- :meth:`Seats.vacate`: secretary seats fall vacant (quits, departures, removals,
  promotions); a CGVO who held one keeps serving as a CGVO without it;
- :meth:`Seats.release`: CGVOs leave the programme and free their village; a
  secretary's seat is kept only by one who stays in the village post (§7.15.8).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.agents.cgvo import ROLE, Cgvos
from sim.agents.secretary import Secretaries

NO_ONE = -1


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class Seats:
    """The posts of every village and who holds them.

    Attributes:
        village_cgvo: CGVO row posted in each village, or -1 (read-only).
        secretary_cgvo: CGVO row holding each village's secretary seat, or -1 (read-only).
        cgvo_village: Village of each CGVO row, or -1 (read-only).
        cgvo_role: Committee role of each CGVO row, a code of ``ROLES`` (read-only).
    """

    def __init__(self, secretaries: Secretaries, cgvos: Cgvos) -> None:
        n = len(secretaries)
        self._secretaries = secretaries
        self._village_cgvo = np.full(n, NO_ONE, np.int32)
        self._secretary_cgvo = np.full(n, NO_ONE, np.int32)
        self._cgvo_village = np.full(len(cgvos), NO_ONE, np.int32)
        self._cgvo_role = np.full(len(cgvos), ROLE["none"], np.int8)
        secretaries.seats = self
        cgvos.seats = self

    @property
    def village_cgvo(self) -> np.ndarray:
        """CGVO row posted in each village, or -1."""
        return _read_only(self._village_cgvo)

    @property
    def secretary_cgvo(self) -> np.ndarray:
        """CGVO row holding each village's secretary seat, or -1."""
        return _read_only(self._secretary_cgvo)

    @property
    def cgvo_village(self) -> np.ndarray:
        """Village of each CGVO row, or -1."""
        return _read_only(self._cgvo_village)

    @property
    def cgvo_role(self) -> np.ndarray:
        """Committee role of each CGVO row."""
        return _read_only(self._cgvo_role)

    def enrol(self, n: int) -> None:
        """``n`` new CGVO rows: no village yet, no committee role."""
        self._cgvo_village = np.concatenate([self._cgvo_village, np.full(n, NO_ONE, np.int32)])
        self._cgvo_role = np.concatenate([self._cgvo_role, np.full(n, ROLE["none"], np.int8)])

    def post(self, rows: np.ndarray, villages: np.ndarray) -> None:
        """CGVOs ``rows`` are posted to ``villages`` (one each, in order)."""
        self._cgvo_village[rows] = villages
        self._village_cgvo[villages] = rows

    def elect(self, rows: np.ndarray, roles: np.ndarray) -> None:
        """CGVOs ``rows`` take committee seats ``roles`` (member, deputy, director)."""
        self._cgvo_role[rows] = roles

    def seat(self, villages: np.ndarray, cgvo: np.ndarray | None = None, **person: Any) -> None:
        """New secretaries take the seats of ``villages``.

        Args:
            villages: Villages whose (vacant) seat is taken.
            cgvo: CGVO rows taking them, or None for villagers.
            **person: The new secretaries' state (see :meth:`Secretaries.install`).
        """
        self._secretaries.install(villages, **person)
        if cgvo is None:
            self._secretary_cgvo[villages] = NO_ONE
        else:
            self._secretary_cgvo[villages] = cgvo
            self._cgvo_role[cgvo] = ROLE["secretary"]

    def vacate(self, villages: np.ndarray) -> None:
        """The secretary seats of ``villages`` fall vacant.

        A CGVO who held one keeps serving as a CGVO, without a committee role.
        """
        held = self._secretary_cgvo[villages]
        self._cgvo_role[held[held >= 0]] = ROLE["none"]
        self._secretary_cgvo[villages] = NO_ONE
        self._secretaries.vacate(villages)

    def release(self, rows: np.ndarray, stays: np.ndarray) -> None:
        """CGVOs ``rows`` leave the programme and free their village.

        A CGVO secretary who leaves frees the seat; one who stays in the village
        post (``stays``) keeps it as an ordinary cadre, no longer a CGVO's seat.
        The leavers' last role stays on record.
        """
        villages = self._cgvo_village[rows]
        mine = (villages >= 0) & (self._village_cgvo[np.maximum(villages, 0)] == rows)
        self._village_cgvo[villages[mine]] = NO_ONE
        secretary = self._cgvo_role[rows] == ROLE["secretary"]
        leaving = villages[secretary & ~stays]
        self._secretary_cgvo[leaving] = NO_ONE
        self._secretaries.vacate(leaving)
        self._secretary_cgvo[villages[secretary & stays]] = NO_ONE
