"""The recording time of every position: turns "as recorded at time T" into a position.

Every versioned row carries the positions that opened and closed it (``rec_from``/``rec_to``);
a question about a recording *time* first finds the last position recorded by then.
"""

from __future__ import annotations

from typing import ClassVar

from projections.framework import Apply, Projection
from projections.sql import Column, Table

POSITIONS = Table(
    "rm_positions",
    (
        Column("position", "int", nullable=False),
        Column("recorded_at", "timestamp", nullable=False),
    ),
    versioned=False,
    primary_key=("position",),
    indexes=(("recorded_at",),),
)


class PositionsProjection(Projection):
    """``rm_positions``: one row per event (position, recording time)."""

    name: ClassVar[str] = "positions"
    version: ClassVar[int] = 1
    tables = (POSITIONS,)

    def apply(self, change: Apply) -> None:
        change.append(POSITIONS, [{"position": change.position, "recorded_at": change.recorded_at}])
