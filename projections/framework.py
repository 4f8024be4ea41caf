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

from projections.sql import Dialect, Table, Tx, id_text, pg_row, placeholders

Row = Mapping[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


_AS_IS = frozenset({str, int, float, bool, type(None)})
_NAMES: dict[int, tuple[Table, tuple[str, ...]]] = {}


def _names(table: Table) -> tuple[str, ...]:
    """``table.column_names``, computed once per table object."""
    entry = _NAMES.get(id(table))
    if entry is None or entry[0] is not table:
        entry = _NAMES[id(table)] = (table, table.column_names)
    return entry[1]


#: Recently hashed rows per table (values → digest): an entity re-derives mostly the same rows
#: after each of its events, so most digests are found here instead of being recomputed.
_DIGESTS: dict[str, dict[tuple[Any, ...], str]] = {}
_DIGESTS_PER_TABLE = 20_000


#: ``json.dumps(…, separators=(",", ":"), ensure_ascii=False, default=str)`` without building
#: an encoder per call (same output).
_HASH_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(table: Table, row: Row) -> str:
    """A stable digest of a row's data columns (identifies the row within its entity)."""
    key = tuple(map(row.get, _names(table)))
    digests = _DIGESTS.setdefault(table.name, {})
    digest = digests.get(key)
    if digest is None:
        values = [v if type(v) in _AS_IS else _plain(v) for v in key]
        encoded = _HASH_JSON.encode(values)
        # surrogatepass: a lone surrogate in an old event still hashes (the writer replaces it).
        digest = hashlib.blake2b(
            encoded.encode("utf-8", "surrogatepass"), digest_size=12
        ).hexdigest()
        if len(digests) >= _DIGESTS_PER_TABLE:
            digests.clear()
        digests[key] = digest
    return digest


class VersionedRows:
    """The current rows (``rec_to IS NULL``) of versioned tables, as hashes per entity.

    Filled lazily from the database, then kept in step with what this process writes, so a
    rebuild never has to read back what it just wrote. Valid only while no other process
    writes the same tenant's read models: the runner drops it whenever it cannot be sure.
    """

    def __init__(self) -> None:
        self._current: dict[tuple[str, str], set[str]] = {}
        self._empty_tables: set[str] = set()
        #: The rows object each entity's current rows were last derived from (see
        #: :meth:`Apply.replace`: the same object again means the same rows, nothing to do).
        self.derived_from: dict[tuple[str, str], object] = {}
        #: The entities the batch's events belong to (see :meth:`expect`), and the tables
        #: already read for them in this batch.
        self._expected: dict[str, None] = {}
        self._read_for_batch: set[str] = set()

    def clear(self) -> None:
        """Forget everything (after a rollback, or when another process may have written)."""
        self._current.clear()
        self._empty_tables.clear()
        self.derived_from.clear()
        self.expect(())

    def expect(self, entity_ids: Iterable[UUID | str]) -> None:
        """The entities a batch is about to write (its events' aggregates): the first entity
        of them not known in a table reads that table's current rows of all of them at once.

        One query per table and batch instead of one per entity and table: catching up an
        import's thousands of new cases on PostgreSQL spent ~40 % of its time (on a loaded
        machine) in those round trips. Call it before the batch writes anything (then every
        entity not known yet has no buffered write, so what is stored is complete).
        """
        self._expected = dict.fromkeys(map(str, entity_ids))
        self._read_for_batch = set()

    def forget_table(self, name: str) -> None:
        """Forget one table's rows (it was emptied)."""
        for key in [k for k in self._current if k[0] == name]:
            del self._current[key]
        for key in [k for k in self.derived_from if k[0] == name]:
            del self.derived_from[key]
        self._empty_tables.discard(name)
        self._read_for_batch.discard(name)

    def mark_empty(self, name: str) -> None:
        """Remember that ``name`` is empty: entities not seen yet have no rows."""
        self._empty_tables.add(name)

    def current(self, tx: Tx, table: Table, entity_id: str) -> set[str]:
        """The hashes of ``entity_id``'s current rows in ``table``."""
        key = (table.name, entity_id)
        hashes = self._current.get(key)
        if hashes is None:
            # No buffered write can concern an entity not known here yet (writes go through
            # this cache first), so its stored rows are complete: read without flushing.
            reader = tx.inner if isinstance(tx, BufferedTx) else tx
            if table.name in self._empty_tables:
                hashes = set()
            elif table.name not in self._read_for_batch and entity_id in self._expected:
                self._read_expected(reader, table)
                return self._current[key]
            else:
                rows = reader.fetchall(
                    f"SELECT row_hash FROM {table.name} WHERE entity_id = %s AND rec_to IS NULL",
                    (entity_id,),
                )
                hashes = {r[0] for r in rows}
            self._current[key] = hashes
        return hashes

    def _read_expected(self, reader: Tx, table: Table) -> None:
        """The current rows in ``table`` of every expected entity not known yet."""
        self._read_for_batch.add(table.name)
        current = self._current
        unknown = [e for e in self._expected if (table.name, e) not in current]
        for start in range(0, len(unknown), _READ_CHUNK):
            chunk = unknown[start : start + _READ_CHUNK]
            found: dict[str, set[str]] = {e: set() for e in chunk}
            for entity, digest in reader.fetchall(
                f"SELECT entity_id, row_hash FROM {table.name} "
                f"WHERE rec_to IS NULL AND entity_id IN ({placeholders(len(chunk))})",
                chunk,
            ):
                found[entity].add(digest)
            for entity, hashes in found.items():
                current[(table.name, entity)] = hashes


#: Entities per statement when :class:`VersionedRows` reads a batch's entities at once (well
#: under SQLite's limit of bound parameters).
_READ_CHUNK = 500


class BufferedTx(Tx):
    """A transaction that holds back :class:`Apply`'s writes and sends them per table.

    The runner hands one to the projections of a batch. ``Apply.replace``/``append`` only
    record what to write; :meth:`flush` sends it with one ``executemany`` (PostgreSQL:
    ``COPY`` for inserts) per table and kind, instead of one round trip per call. Any
    statement run through this transaction directly (a projection's own ``SELECT``, ``UPDATE``
    or ``DELETE`` on ``change.tx``) flushes first, so it sees, and comes after, every earlier
    write of the batch.

    Order within a batch is kept by folding, not by replaying: a row inserted and closed in
    the same batch is inserted already closed; the only ``UPDATE`` sent closes a row that was
    current before the batch (a row can be closed once), and the updates run before the
    inserts, so they never touch a row inserted in the same batch.
    """

    def __init__(self, tx: Tx) -> None:
        super().__init__(tx.dialect, tx.cursor, tx.tenant, tx.statements)
        #: The transaction underneath: statements run on it skip the buffer (and do not see it).
        self.inner = tx
        # Per versioned table: rows to insert ([*data, entity, hash, rec_from, rec_to]),
        # where the open ones are, and rows stored before the batch to close.
        self._inserts: dict[str, tuple[Table, list[list[Any]]]] = {}
        self._open: dict[tuple[str, str, str], list[Any]] = {}
        self._closes: dict[str, list[tuple[int, str, str]]] = {}
        # Per append-only table: rows to insert.
        self._appends: dict[str, tuple[Table, list[list[Any]]]] = {}
        self.pending = 0

    @classmethod
    def over(cls, tx: Tx) -> BufferedTx:
        """``tx`` itself when it already buffers, else a buffer over it."""
        return tx if isinstance(tx, BufferedTx) else cls(tx)

    # --- what Apply records -------------------------------------------------------------------
    def open_row(self, table: Table, entity: str, digest: str, row: Row, position: int) -> None:
        """Insert a current row of ``entity`` (opened at ``position``)."""
        values = [*map(row.get, _names(table)), entity, digest, position, None]
        self._inserts.setdefault(table.name, (table, []))[1].append(values)
        self._open[(table.name, entity, digest)] = values
        self.pending += 1

    def close_row(self, table: Table, entity: str, digest: str, position: int) -> None:
        """Close the current row ``digest`` of ``entity`` at ``position``."""
        pending = self._open.pop((table.name, entity, digest), None)
        if pending is not None:
            pending[-1] = position  # inserted in this batch: insert it closed
        else:
            self._closes.setdefault(table.name, []).append((position, entity, digest))
            self.pending += 1

    def append_rows(self, table: Table, rows: Sequence[Row]) -> None:
        """Insert ``rows`` into the append-only ``table``."""
        names = _names(table)
        target = self._appends.setdefault(table.name, (table, []))[1]
        target.extend([r.get(n) for n in names] for r in rows)
        self.pending += len(rows)

    # --- sending ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Send every held-back write (updates first, then inserts; one statement per table)."""
        if not self.pending:
            return
        closes, inserts, appends = self._closes, self._inserts, self._appends
        self._closes, self._inserts, self._appends, self._open = {}, {}, {}, {}
        self.pending = 0
        for name, keys in closes.items():
            super().executemany(
                f"UPDATE {name} SET rec_to = %s "
                "WHERE entity_id = %s AND row_hash = %s AND rec_to IS NULL",
                keys,
            )
        for name, (table, rows) in inserts.items():
            self._insert(name, [*table.column_names, *_VERSION_NAMES], rows)
        for name, (table, rows) in appends.items():
            self._insert(name, list(table.column_names), rows)

    def _insert(self, name: str, names: list[str], rows: list[list[Any]]) -> None:
        if self.dialect is Dialect.POSTGRES:
            self.statements += 1
            cursor: Any = self.cursor
            with cursor.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN".encode()) as copy:
                write = copy.write_row
                for row in rows:
                    write(pg_row(row))
        else:
            marks = placeholders(len(names))
            super().executemany(f"INSERT INTO {name} ({', '.join(names)}) VALUES ({marks})", rows)

    # --- statements run directly see the writes before them ----------------------------------
    def execute(self, query: str, params: Sequence[Any] = ()) -> None:
        self.flush()
        super().execute(query, params)

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        self.flush()
        super().executemany(query, rows)


_VERSION_NAMES = ("entity_id", "row_hash", "rec_from", "rec_to")


@dataclass
class Apply:
    """Everything a projection gets for one event.

    Inside the runner ``tx`` is a :class:`BufferedTx`: ``replace`` and ``append`` are held
    back and sent per table at the end of the batch (or before any statement a projection runs
    on ``tx`` itself). With a plain :class:`Tx` they are written at once.
    """

    tx: Tx
    tenant: str
    position: int
    recorded_at: datetime
    event: DomainEvent
    aggregate: Aggregate
    versions: VersionedRows
    load: Callable[[UUID, int], Aggregate]

    def replace(self, table: Table, entity_id: UUID | str, rows: Iterable[Row]) -> int:
        """Make ``rows`` the current rows of ``entity_id`` in ``table``; returns rows changed.

        A projection that memoises its derivation may pass the very same (never mutated) rows
        object again: then the entity's rows are already those, and nothing is hashed or
        compared (a rebuild re-derives every entity after each of its events, and most events
        change only some of its tables).
        """
        entity = id_text(entity_id)
        key = (table.name, entity)
        derived_from = self.versions.derived_from
        if derived_from.get(key) is rows:
            return 0
        new: dict[str, Row] = {}
        for row in rows:
            new[row_hash(table, row)] = row
        current = self.versions.current(self.tx, table, entity)
        gone = [h for h in current if h not in new]
        added = [(h, r) for h, r in new.items() if h not in current]
        if not gone and not added:
            derived_from[key] = rows
            return 0
        tx = self.tx
        if isinstance(tx, BufferedTx):
            for h in gone:
                tx.close_row(table, entity, h, self.position)
            for h, r in added:
                tx.open_row(table, entity, h, r, self.position)
        else:
            if gone:
                tx.executemany(
                    f"UPDATE {table.name} SET rec_to = %s "
                    "WHERE entity_id = %s AND row_hash = %s AND rec_to IS NULL",
                    [(self.position, entity, h) for h in gone],
                )
            if added:
                names = [*table.column_names, "entity_id", "row_hash", "rec_from"]
                marks = placeholders(len(names))
                tx.executemany(
                    f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                    [
                        [*(r.get(n) for n in table.column_names), entity, h, self.position]
                        for h, r in added
                    ],
                )
        current.difference_update(gone)
        current.update(h for h, _ in added)
        derived_from[key] = rows
        return len(gone) + len(added)

    def append(self, table: Table, rows: Sequence[Row]) -> None:
        """Insert ``rows`` into the unversioned (append-only) ``table``."""
        if not rows:
            return
        if isinstance(self.tx, BufferedTx):
            self.tx.append_rows(table, rows)
            return
        names = table.column_names
        marks = placeholders(len(names))
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
