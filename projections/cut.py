"""Where in time a read-model question stands: a business date and a recording position.

- ``as_of``: a business date ("attainment on 31/12/2024"). Business-time tables filter their
  ``valid_from``/``valid_to`` (or a dated column) with it; ``None`` means "today" for the
  caller to fill in (queries never read the clock themselves).
- ``recorded``: a position in the tenant's history ("what the system knew after event P").
  ``None`` means everything recorded so far. A recording *time* becomes a position with
  :func:`position_recorded_by`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from projections.sql import Tx


@dataclass(frozen=True)
class Cut:
    """A point on both time axes."""

    as_of: date
    recorded: int | None = None

    def known(self, alias: str = "") -> tuple[str, list[int]]:
        """SQL condition (and parameters) for rows as recorded at this cut."""
        prefix = f"{alias}." if alias else ""
        if self.recorded is None:
            return f"{prefix}rec_to IS NULL", []
        return (
            f"{prefix}rec_from <= %s AND ({prefix}rec_to IS NULL OR {prefix}rec_to > %s)",
            [self.recorded, self.recorded],
        )

    def valid(self, alias: str = "") -> tuple[str, list[date]]:
        """SQL condition for rows whose business validity covers ``as_of``."""
        prefix = f"{alias}." if alias else ""
        return (
            f"{prefix}valid_from <= %s AND ({prefix}valid_to IS NULL OR {prefix}valid_to > %s)",
            [self.as_of, self.as_of],
        )


def position_recorded_by(tx: Tx, at: datetime) -> int:
    """The last position recorded at or before ``at`` (0 when nothing was)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    row = tx.fetchone(
        "SELECT MAX(position) FROM rm_positions WHERE recorded_at <= %s", (at.astimezone(UTC),)
    )
    return int(row[0]) if row and row[0] is not None else 0
