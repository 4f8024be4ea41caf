"""How a projection turns events into read-model rows.

A :class:`Projection` owns some tables and handles events one at a time, in position order,
inside the batch transaction of its tenant. For each event it is given an :class:`Apply`: the
event, its position and recording time, the state of the event's aggregate *after* the event
(the domain's own aggregate, so every rule about what a state means lives in ``domain/``), and
the open transaction.

Most tables are **versioned**: the projection says "entity E now derives exactly these rows"
(:meth:`Apply.replace`) and the writer compares them with the rows E currently has. Unchanged
rows stay; rows no longer derived are closed at this position (``rec_to``); new rows are
inserted from this position (``rec_from``). So each table keeps the whole recording history,
and "as recorded at position P" is ``rec_from <= P AND (rec_to IS NULL OR rec_to > P)``.
Business-time validity (``valid_from``/``valid_to``) is ordinary data in the rows; a backdated
entry or a correction simply derives different intervals from then on. Together: bitemporal.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent

from projections.sql import Table, Tx

Row = Mapping[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def row_hash(table: Table, row: Row) -> str:
    """A stable digest of a row's data columns (identifies the row within its entity)."""
    values = [_plain(row.get(name)) for name in table.column_names]
    encoded = json.dumps(values, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(encoded.encode(), digest_size=12).hexdigest()


class VersionedRows:
    """The current rows (``rec_to IS NULL``) of versioned tables, as hashes per entity.

    Filled lazily from the database, then kept in step with what this process writes, so a
    rebuild never has to read back what it just wrote. Valid only while no other process
    writes the same tenant's read models: the runner drops it whenever it cannot be sure.
    """

    def __init__(self) -> None:
        self._current: dict[tuple[str, str], set[str]] = {}
        self._empty_tables: set[str] = set()

    def clear(self) -> None:
        """Forget everything (after a rollback, or when another process may have written)."""
        self._current.clear()
        self._empty_tables.clear()

    def forget_table(self, name: str) -> None:
        """Forget one table's rows (it was emptied)."""
        for key in [k for k in self._current if k[0] == name]:
            del self._current[key]
        self._empty_tables.discard(name)

    def mark_empty(self, name: str) -> None:
        """Remember that ``name`` is empty: entities not seen yet have no rows."""
        self._empty_tables.add(name)

    def current(self, tx: Tx, table: Table, entity_id: str) -> set[str]:
        """The hashes of ``entity_id``'s current rows in ``table``."""
        key = (table.name, entity_id)
        hashes = self._current.get(key)
        if hashes is None:
            if table.name in self._empty_tables:
                hashes = set()
            else:
                rows = tx.fetchall(
                    f"SELECT row_hash FROM {table.name} WHERE entity_id = %s AND rec_to IS NULL",
                    (entity_id,),
                )
                hashes = {r[0] for r in rows}
            self._current[key] = hashes
        return hashes


@dataclass
class Apply:
    """Everything a projection gets for one event."""

    tx: Tx
    tenant: str
    position: int
    recorded_at: datetime
    event: DomainEvent
    aggregate: Aggregate
    versions: VersionedRows
    load: Callable[[UUID, int], Aggregate]

    def replace(self, table: Table, entity_id: UUID | str, rows: Iterable[Row]) -> int:
        """Make ``rows`` the current rows of ``entity_id`` in ``table``; returns rows changed."""
        entity = str(entity_id)
        new: dict[str, Row] = {}
        for row in rows:
            new[row_hash(table, row)] = row
        current = self.versions.current(self.tx, table, entity)
        gone = [h for h in current if h not in new]
        added = [(h, r) for h, r in new.items() if h not in current]
        if gone:
            self.tx.executemany(
                f"UPDATE {table.name} SET rec_to = %s "
                "WHERE entity_id = %s AND row_hash = %s AND rec_to IS NULL",
                [(self.position, entity, h) for h in gone],
            )
        if added:
            names = [*table.column_names, "entity_id", "row_hash", "rec_from"]
            marks = ", ".join(["%s"] * len(names))
            self.tx.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                [
                    [*(r.get(n) for n in table.column_names), entity, h, self.position]
                    for h, r in added
                ],
            )
        current.difference_update(gone)
        current.update(h for h, _ in added)
        return len(gone) + len(added)

    def append(self, table: Table, rows: Sequence[Row]) -> None:
        """Insert ``rows`` into the unversioned (append-only) ``table``."""
        if not rows:
            return
        names = table.column_names
        marks = ", ".join(["%s"] * len(names))
        self.tx.executemany(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
            [[r.get(n) for n in names] for r in rows],
        )


class Projection(ABC):
    """A read model: tables it owns, and how each event changes them.

    ``version`` is stored with the tracking position: when the code's version differs from the
    stored one (the table layout or the derivation changed), the runner drops the tables and
    replays the history into them; read models have no migrations.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    tables: ClassVar[tuple[Table, ...]]
    #: Aggregate classes whose events this projection wants (empty: all events).
    follows: ClassVar[tuple[type[Aggregate], ...]] = ()

    def wants(self, aggregate: Aggregate) -> bool:
        """Whether events of ``aggregate`` concern this projection."""
        return not self.follows or isinstance(aggregate, self.follows)

    @abstractmethod
    def apply(self, change: Apply) -> None:
        """Bring the tables up to date with one event."""

    def table(self, name: str) -> Table:
        """One of this projection's tables, by name."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)
