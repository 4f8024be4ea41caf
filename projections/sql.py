"""Read-model storage: tables declared once, written and read the same way on both backends.

Read models live beside the tenant's events: in its SQLite file, or in its PostgreSQL schema
``t_<slug>``. SQL is written once with ``%s`` placeholders and portable types; the SQLite side
turns ``%s`` into ``?`` and dates into ISO text (ISO dates compare correctly as text).

Every transaction touches one tenant only (on PostgreSQL ``SET LOCAL search_path`` to its
schema), which keeps the layout compatible with schema-based sharding.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol
from uuid import UUID

from psycopg.rows import tuple_row

ColumnType = Literal["text", "int", "bool", "date", "timestamp", "real"]

_PG_TYPES: dict[ColumnType, str] = {
    "text": "TEXT",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "real": "DOUBLE PRECISION",
}
_SQLITE_TYPES: dict[ColumnType, str] = {
    "text": "TEXT",
    "int": "INTEGER",
    "bool": "INTEGER",
    "date": "TEXT",
    "timestamp": "TEXT",
    "real": "REAL",
}

#: Columns every versioned table carries (see :mod:`projections.framework`): name, type,
#: nullable.
VERSION_COLUMNS: tuple[tuple[str, ColumnType, bool], ...] = (
    ("entity_id", "text", False),
    ("row_hash", "text", False),
    ("rec_from", "int", False),
    ("rec_to", "int", True),
)


@dataclass(frozen=True)
class Column:
    """One column of a read-model table."""

    name: str
    type: ColumnType
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    """A read-model table.

    ``versioned`` tables hold, per entity, the rows derived from its current state; a row that
    stops being derived is not deleted but closed (``rec_to`` = the position that superseded
    it), so the table answers "as recorded at position P" (``rec_from <= P < rec_to``).
    Business-time validity, where a table has it, is ordinary columns (``valid_from`` /
    ``valid_to``). Unversioned tables are append-only (e.g. the audit history).
    """

    name: str
    columns: tuple[Column, ...]
    versioned: bool = True
    indexes: tuple[tuple[str, ...], ...] = ()
    primary_key: tuple[str, ...] = ()
    #: Indexes of the current rows only (``WHERE rec_to IS NULL``, versioned tables): a read
    #: of current rows in their order (a page by case code, a sum per plan) walks an index
    #: as large as the present, not one with every version ever recorded.
    current_indexes: tuple[tuple[str, ...], ...] = ()
    #: Indexes of the current rows still open in business time (``WHERE rec_to IS NULL AND
    #: valid_to IS NULL``): one row per entity, what it is today. A column may be an
    #: expression in parentheses, e.g. ``(deadline_on IS NULL)``.
    open_indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """The data columns (without the version columns)."""
        return tuple(c.name for c in self.columns)

    def all_columns(self) -> list[tuple[str, ColumnType, bool]]:
        """Data columns, then the version columns of a versioned table."""
        cols = [(c.name, c.type, c.nullable) for c in self.columns]
        if self.versioned:
            cols += list(VERSION_COLUMNS)
        return cols

    def create_statements(self, dialect: Dialect) -> list[str]:
        """``CREATE TABLE`` and ``CREATE INDEX`` statements (idempotent)."""
        return [statement for _, statement in self.create_steps(dialect)]

    def writer_index(self) -> str | None:
        """The index the writer itself needs while it loads the table: a versioned row is
        closed by ``entity_id`` (``rec_to IS NULL``); without it each close scans the table."""
        return f"{self.name}_i0" if self.versioned else None

    def create_steps(self, dialect: Dialect) -> list[tuple[str | None, str]]:
        """:meth:`create_statements`, each with the index it creates (None: the table)."""
        types = _PG_TYPES if dialect is Dialect.POSTGRES else _SQLITE_TYPES
        parts = [
            f"{name} {types[kind]}{'' if nullable else ' NOT NULL'}"
            for name, kind, nullable in self.all_columns()
        ]
        if self.primary_key:
            parts.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        statements: list[tuple[str | None, str]] = [
            (None, f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(parts)})")
        ]
        indexes = list(self.indexes)
        if self.versioned:
            # (entity_id, rec_to): an entity's current rows (the writer); rec_from: a cut's
            # changes; rec_to (last, so the names of the others stay): the current rows of the
            # whole table, which most reads start from. Without it such a read scans every
            # version ever recorded, and costs grow with history (issue 12).
            indexes = [("entity_id", "rec_to"), ("rec_from",), *indexes, ("rec_to",)]
        for number, columns in enumerate(indexes):
            index = f"{self.name}_i{number}"
            statements.append(
                (index, f"CREATE INDEX IF NOT EXISTS {index} ON {self.name} ({', '.join(columns)})")
            )
        partial = [(c, "rec_to IS NULL") for c in self.current_indexes] + [
            (c, "rec_to IS NULL AND valid_to IS NULL") for c in self.open_indexes
        ]
        for number, (columns, predicate) in enumerate(partial if self.versioned else ()):
            index = f"{self.name}{CURRENT_INDEX_INFIX}{number}"
            statements.append(
                (
                    index,
                    f"CREATE INDEX IF NOT EXISTS {index} "
                    f"ON {self.name} ({', '.join(columns)}) WHERE {predicate}",
                )
            )
        return statements

    def drop_statement(self) -> str:
        """``DROP TABLE`` (idempotent)."""
        return f"DROP TABLE IF EXISTS {self.name}"


#: What names a partial index of current rows: ``<table>_c<n>``.
CURRENT_INDEX_INFIX = "_c"


class Dialect(Enum):
    """Which SQL engine a tenant's read models are in."""

    SQLITE = "sqlite"
    POSTGRES = "postgres"


class Cursor(Protocol):
    """The part of a DB-API cursor we use."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


_PLACEHOLDER = re.compile(r"%s")


#: Characters a text column cannot hold: NUL (PostgreSQL refuses it) and lone surrogates (no
#: UTF-8 form, so neither backend's driver can send them).
_UNWRITABLE = re.compile(r"[\x00\ud800-\udfff]")
#: What an unwritable character becomes in a read model (the event keeps the original).
REPLACEMENT = "\ufffd"


def writable_text(value: str) -> str:
    """``value`` with every character no text column can hold replaced by U+FFFD.

    Commands refuse such characters (``domain.inputs``), but an event stored before that rule,
    or imported, may still carry one: the read model shows a replacement character instead of
    failing the projection on it, on both backends alike.
    """
    if "\x00" not in value:
        if value.isascii():  # the common case: a flag of the string and one memchr
            return value
        try:
            value.encode()  # C speed, where a regex over non-ASCII text costs twice as much
        except UnicodeEncodeError:
            pass
        else:
            return value
    return _UNWRITABLE.sub(REPLACEMENT, value)


@functools.lru_cache(maxsize=65_536)
def id_text(value: UUID | str) -> str:
    """``str(value)``, remembered: a projection writes the same few ids (the case, its units)
    into several rows of every event, and ``UUID.__str__`` formats them anew each time."""
    return str(value)


#: Types SQLite's driver takes as they are (checked first: most values are of these).
_SQLITE_AS_IS = frozenset({int, float, type(None), bytes})


def _sqlite_param(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return writable_text(value)
    if kind in _SQLITE_AS_IS:
        return value
    if kind is date:
        return value.isoformat()
    if isinstance(value, datetime):
        # One fixed-width UTC form, so timestamps compare correctly as text.
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


_PG_AS_IS = frozenset({str, int, float, bool, type(None), date, datetime})


def _pg_param(value: Any) -> Any:
    if type(value) is str:
        return writable_text(value)
    if type(value) in _PG_AS_IS:  # the common case, decided by one set lookup
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


#: Types psycopg takes as they are (``_pg_param`` returns them unchanged).
_PG_PLAIN = frozenset({int, float, bool, type(None), date, datetime})


def pg_row(row: Sequence[Any]) -> list[Any]:
    """``row``'s values as ``_pg_param`` makes them, with the checks of the common values (plain
    types, ASCII text without NUL) inline: a bulk write converts every value of every row."""
    return [
        v
        if type(v) in _PG_PLAIN or (type(v) is str and v.isascii() and "\x00" not in v)
        else _pg_param(v)
        for v in row
    ]


def sqlite_row(row: Sequence[Any]) -> list[Any]:
    """``row``'s values as ``_sqlite_param`` makes them (common values checked inline)."""
    return [
        v
        if type(v) in _SQLITE_AS_IS or (type(v) is str and v.isascii() and "\x00" not in v)
        else v.isoformat()
        if type(v) is date
        else _sqlite_param(v)
        for v in row
    ]


@dataclass
class Tx:
    """One open transaction on one tenant's read models."""

    dialect: Dialect
    cursor: Cursor
    tenant: str
    statements: int = field(default=0)

    def execute(self, query: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        self.statements += 1
        if self.dialect is Dialect.SQLITE:
            self.cursor.execute(_PLACEHOLDER.sub("?", query), [_sqlite_param(p) for p in params])
        else:
            self.cursor.execute(query.encode(), [_pg_param(p) for p in params])

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each of ``rows``."""
        if not rows:
            return
        self.statements += 1
        cursor: Any = self.cursor
        if self.dialect is Dialect.SQLITE:
            cursor.executemany(_PLACEHOLDER.sub("?", query), [sqlite_row(row) for row in rows])
        else:
            cursor.executemany(query.encode(), [pg_row(row) for row in rows])

    def fetchall(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query, as tuples."""
        self.execute(query, params)
        return [tuple(row) for row in self.cursor.fetchall()]

    def fetchone(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of one query, or None."""
        self.execute(query, params)
        row = self.cursor.fetchone()
        return None if row is None else tuple(row)

    def fetchdicts(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of one query, as dicts keyed by column name."""
        self.execute(query, params)
        cursor: Any = self.cursor
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class ReadModelDB(ABC):
    """Where one tenant's read models are."""

    dialect: Dialect
    tenant: str

    @abstractmethod
    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        """A transaction: committed when the block ends, rolled back if it raises.

        ``write=False`` is for readers: it takes no write lock (SQLite) and sees one snapshot
        of the read models for all its statements.
        """

    @abstractmethod
    def lock_statement(self) -> str | None:
        """SQL that serialises projection batches of this tenant across processes, if any."""

    def table(self, name: str) -> str:
        """``name`` as a statement outside :meth:`transaction` must spell it (schema-qualified
        on PostgreSQL, where no ``search_path`` is set for it)."""
        return name

    def read_once(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement (tables named through :meth:`table`).

        Why not :meth:`transaction`: a read-your-writes wait reads the tracking positions up
        to three times per mutation, and a read transaction costs PostgreSQL four more
        statements (BEGIN, SET TRANSACTION, SET LOCAL search_path, COMMIT) around the one that
        matters. One statement is one snapshot anyway. The default opens a read transaction.
        """
        with self.transaction(write=False) as tx:
            return tx.fetchall(sql, params)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what this handle holds."""


#: Seconds a writer of a SQLite file waits for its turn (in the process, then SQLite's lock).
SQLITE_WRITE_WAIT_SECONDS = 30

_FILE_LOCKS: dict[Path, threading.RLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def sqlite_write_lock(path: Path) -> threading.RLock:
    """The process's one lock for writing the SQLite file ``path``: event saves and read-model
    batches of a tenant take it before SQLite's own write lock.

    Without it two threads of one process could wait on each other: a projection batch holds
    SQLite's write lock (``BEGIN IMMEDIATE``) and reads events through the event store's
    connection pool, while a save holds that pool's writer connection and waits for SQLite's
    write lock, and the pool's queue puts the batch's read behind the save. Both waited until
    a timeout, and the save failed (``INTERNAL_ERROR`` under a few concurrent clients). Taken
    first, in the same order everywhere, this lock lets only one of them in. Between
    processes SQLite's busy timeout still orders them (each process has its own pool).
    """
    key = path.resolve()
    with _FILE_LOCKS_GUARD:
        lock = _FILE_LOCKS.get(key)
        if lock is None:
            lock = _FILE_LOCKS[key] = threading.RLock()
        return lock


@contextmanager
def holding(lock: threading.RLock, what: str) -> Iterator[None]:
    """Hold ``lock`` for the block, waiting at most :data:`SQLITE_WRITE_WAIT_SECONDS`; then
    SQLite's own "database is locked" error (the store is busy: 503, retry)."""
    if not lock.acquire(timeout=SQLITE_WRITE_WAIT_SECONDS):
        msg = f"database is locked: {what} waited {SQLITE_WRITE_WAIT_SECONDS} s for its turn"
        raise sqlite3.OperationalError(msg)
    try:
        yield
    finally:
        lock.release()


class SQLiteReadModels(ReadModelDB):
    """A tenant's read models in its SQLite file (beside ``stored_events``)."""

    dialect = Dialect.SQLITE

    def __init__(self, tenant: str, path: Path) -> None:
        self.tenant = tenant
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._write_lock = sqlite_write_lock(path)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self.path,
                timeout=SQLITE_WRITE_WAIT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        if write:
            with (
                holding(self._write_lock, "a read-model batch"),
                self._transaction(write=True) as tx,
            ):
                yield tx
        else:
            with self._transaction(write=False) as tx:
                yield tx

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Tx]:
        # One connection per tenant and process, used by one thread at a time.
        with self._lock:
            conn = self._connection()
            cursor = conn.cursor()
            # IMMEDIATE: take the write lock now, so writers serialise instead of deadlocking.
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Tx(Dialect.SQLITE, cursor, self.tenant)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")
            finally:
                cursor.close()

    def lock_statement(self) -> str | None:
        return None  # BEGIN IMMEDIATE already serialises writers of the file

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresReadModels(ReadModelDB):
    """A tenant's read models in its schema, over the process's one pool."""

    dialect = Dialect.POSTGRES

    def __init__(self, tenant: str, schema: str, datastore: Any) -> None:
        self.tenant = tenant
        self.schema = schema
        self._datastore = datastore

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        with (
            self._datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as cur,
        ):
            if write:
                # Read models are derived from the events, which are committed durably before
                # anyone projects them, and each batch commits its rows with its tracking
                # position: a batch lost in a crash (asynchronous commit) is projected again,
                # never half-applied. So the commit need not wait for its WAL flush (as
                # SQLite's read models run with synchronous=NORMAL): one fsync less per batch,
                # on the path of every read-your-writes wait. Visibility is unchanged.
                cur.execute(
                    f"SET LOCAL search_path TO {self.schema}; "
                    "SET LOCAL synchronous_commit TO off".encode()
                )
            else:
                cur.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute(f"SET LOCAL search_path TO {self.schema}".encode())
            yield Tx(Dialect.POSTGRES, cur, self.tenant)

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"

    def read_once(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # The pool's connections are in autocommit (eventsourcing sets it): the statement is
        # its own transaction, with no BEGIN/SET/COMMIT around it.
        with (
            self._datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as cur,
        ):
            cur.execute(sql.encode(), [_pg_param(p) for p in params])
            return [tuple(row) for row in cur.fetchall()]

    def lock_statement(self) -> str | None:
        # Transaction-scoped: released at commit/rollback, so a crashed process holds nothing.
        return f"SELECT pg_advisory_xact_lock({BATCH_LOCK_CLASS}, hashtext('{self.schema}'))"


#: Advisory-lock class ids (first key of the two-key form) used by Ketnap.
BATCH_LOCK_CLASS = 72_001
OWNER_LOCK_CLASS = 72_002


def placeholders(count: int) -> str:
    """``%s, %s, …`` for ``count`` parameters (an ``IN (…)`` list or a ``VALUES`` row)."""
    return ", ".join(["%s"] * count)


def rows_as_dicts(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Pair column names with row values."""
    return [dict(zip(names, row, strict=True)) for row in rows]


def as_date(value: Any) -> date | None:
    """A date read back from either backend (SQLite returns ISO text)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime | None:
    """A timestamp read back from either backend."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def sql_params(mapping: Mapping[str, Any], names: Sequence[str]) -> list[Any]:
    """The values of ``names`` from ``mapping``, in order (missing names are NULL)."""
    return [mapping.get(name) for name in names]
