"""PostgreSQL wiring: one pool for the process, one schema per tenant.

eventsourcing 9.5.6 builds a ``PostgresDatastore`` (with its own pool) per application. We
build one :class:`SharedPostgresDatastore` per process instead, and give each tenant
application a :class:`TenantPostgresDatastore`: a shallow copy of it (same pool) with
``schema = t_<slug>``, handed over by :class:`TenantPostgresFactory`. Two things the library
does not expect are handled here:

- psycopg caches the namedtuple class it generates for a composite type *by type name*, so
  every schema's ``stored_event_uuid`` would share one Python class and the dumper registered
  for it on a connection would point at whichever schema registered last ("cannot cast type
  t_0.stored_event_uuid[] to t_1.stored_event_uuid[]"). We register each schema's composite
  with a class of its own (``register_composite(info, conn, factory=…)``), cached on the
  shared datastore so it stays the same for the life of the pool, and we re-register it on
  pooled connections that lack it. The library's own ``psycopg_type_adapters`` map stays
  empty, because its ``get_connection`` would re-register missing adapters *without* the
  factory.
- ``PostgresDatastore.close``/``__del__``/``__exit__`` close the pool; the tenant copies
  override them so that dropping or closing a tenant application never closes the pool.

Tenant applications record events with :class:`ChainedPostgresApplicationRecorder`, which
also writes each event's hash-chain link (``service.store.chain``) into ``t_<slug>.ketnap_links``
in the same transaction, after the library's ``LOCK TABLE``.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg.errors
from eventsourcing.persistence import BaseInfrastructureFactory, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, EnvType
from psycopg import Connection, Cursor, sql
from psycopg.rows import DictRow
from psycopg.types.composite import CompositeInfo, register_composite

from service.settings import PostgresParams
from service.store.chain import (
    GENESIS,
    LINKS_TABLE,
    chain_links,
    chain_missing,
    postgres_chain_statements,
)

_make_namedtuple: Any = collections.namedtuple


class SharedPostgresDatastore(PostgresDatastore):
    """The process's one datastore: owns the one pool (``pool_size`` + ``max_overflow``)."""

    def __init__(
        self,
        params: PostgresParams,
        *,
        pool_size: int,
        max_overflow: int,
        schema: str = "platform",
        pool_timeout: float = 30.0,
    ) -> None:
        # ``connect_timeout`` is the library's name for how long a caller waits for a pooled
        # connection (psycopg_pool's ``timeout``): while the server is down none comes.
        # ``pre_ping``: a pooled connection is checked before it is handed out, so after a
        # restart of the server its dead connections are replaced instead of failing one
        # request (or one worker session) each.
        super().__init__(
            dbname=params.dbname,
            host=params.host,
            port=params.port,
            user=params.user,
            password=params.password,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_timeout=pool_timeout,
            pre_ping=True,
            idle_in_transaction_session_timeout=5,
            schema=schema,
        )
        if params.extra:
            # e.g. sslmode, or options='-c citus.enable_ddl_propagation=off'; the pool is
            # opened lazily, so the extra parameters apply to every connection.
            assert isinstance(self.pool.kwargs, dict)
            self.pool.kwargs.update(dict(params.extra))
        self._composites: dict[tuple[str, str], CompositeInfo] = {}
        self._composites_lock = threading.Lock()

    def composite(self, conn: Connection[DictRow], schema: str, name: str) -> CompositeInfo | None:
        """The composite type ``schema.name`` with its own Python class, or None if absent."""
        key = (schema, name)
        with self._composites_lock:
            info = self._composites.get(key)
        if info is not None:
            return info
        info = CompositeInfo.fetch(conn, sql.Identifier(schema, name))
        if info is None:
            return None
        info.python_type = _make_namedtuple(f"{schema}__{name}", info.field_names)
        with self._composites_lock:
            return self._composites.setdefault(key, info)

    def for_schema(self, schema: str) -> TenantPostgresDatastore:
        """A view of this datastore (same pool) on ``schema``."""
        return TenantPostgresDatastore(self, schema)


class TenantPostgresDatastore(PostgresDatastore):
    """A tenant's view of the shared datastore: same pool, own schema, own type caches."""

    def __init__(self, shared: SharedPostgresDatastore, schema: str) -> None:
        # Deliberately no super().__init__(): that would build a second pool.
        self.__dict__.update(shared.__dict__)
        self.shared = shared
        self.schema = schema
        self.db_type_names = set[str]()
        # Must stay empty: the base get_connection() re-registers these without our factory.
        self.psycopg_type_adapters = {}
        self.psycopg_python_types = {}
        self._infos: dict[str, CompositeInfo] = {}

    def register_type_adapters(self) -> None:
        missing = [name for name in self.db_type_names if name not in self._infos]
        if not missing:
            return
        with self.get_connection() as conn:
            for name in missing:
                info = self.shared.composite(conn, self.schema, name)
                if info is None:
                    continue  # not created yet
                _register(info, conn)
                self._infos[name] = info
                self.psycopg_python_types[name] = info.python_type

    @contextmanager
    def get_connection(self) -> Iterator[Connection[DictRow]]:
        with super().get_connection() as conn:
            for info in list(self._infos.values()):
                _register(info, conn)
            yield conn

    def close(self) -> None:
        """The pool belongs to the shared datastore: nothing to close here."""

    def __enter__(self) -> TenantPostgresDatastore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __del__(self) -> None:
        pass


def _register(info: CompositeInfo, conn: Connection[DictRow]) -> None:
    """Register ``info`` (with its per-schema class) on ``conn`` unless already there."""
    if conn.adapters.types.get(info.oid) is None:
        register_composite(info, conn, factory=info.python_type)


#: The one channel every tenant's writes notify, with the tenant's slug as payload, so one
#: ``LISTEN`` connection (``ketnap worker``) follows all tenants and knows which one changed.
EVENTS_CHANNEL = "ketnap_tenant_events"
#: The worker's progress: payload ``<slug> <position>`` after each committed batch (every
#: projection of the tenant has passed ``position``), ``<slug> <position> failed`` when a
#: projection stopped on an event. Serving processes listen to it
#: (:mod:`service.store.registry_watch`) so a read-your-writes wait wakes when its position is
#: reached instead of polling the tracking table.
PROGRESS_CHANNEL = "ketnap_progress"


def _once(method: Any) -> Any:
    """The library's recorder method without its retry decorator (``functools.wraps``)."""
    return getattr(method, "__wrapped__", method)


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """The library's application recorder, plus the tenant's hash-chain links.

    A save runs, as the library's does, in one transaction and one pipeline: ``LOCK TABLE …
    IN EXCLUSIVE MODE``, the ``NOTIFY``, then the events' ``INSERT``. Two ways to write the
    links (``service.store.chain``), the same chain either way:

    - a save of up to :attr:`sql_chain_max_events` events (every API request's) sends one
      statement (:func:`chained_insert_statement`) that inserts the events and their links,
      computed by PostgreSQL (``sha256()``, a recursive CTE over the new rows) — no statement
      more than the library's. That CTE's cost grows with ``n²`` (5,000 events: 7 s);
    - a larger save (an import's batch) sends the events as four plain arrays in binary
      (:func:`events_insert_statement`: psycopg dumps them in C, where the library's array of
      a composite type was dumped field by field in Python), gets back their notification ids
      and the last link's hash (read after the lock), computes the links here with
      :func:`~service.store.chain.chain_links` over the bytes just sent, and inserts them
      (:func:`links_insert_statement`), sent with the ``COMMIT`` — no extra round trip; linear
      in ``n``.

    Either way links commit or roll back with their events and no other writer can interleave
    (the lock is held from before the last link is read until the commit). It returns the new
    events' notification ids in ascending order, as the library's statement did. The links and
    checkpoints tables are part of ``sql_create_statements`` (created with the tenant).
    """

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            msg = "the hash chain needs ENABLE_DB_FUNCTIONS off (inserts go through Python)"
            raise ValueError(msg)
        schema = datastore.schema
        self.tenant = schema.removeprefix("t_")
        self.sql_create_statements.extend(postgres_chain_statements(schema))
        # The library's name: its _insert_stored_events sends this one (small saves).
        self.insert_events_statement = chained_insert_statement(
            schema, self.events_table_name, self.stored_event_type_name
        )
        self.insert_many_statement = events_insert_statement(schema, self.events_table_name)
        self.insert_links_statement = links_insert_statement(schema)

    #: Saves of up to this many events (every API request's) send one statement that inserts the
    #: events and computes their links in SQL (:func:`chained_insert_statement`): no statement
    #: more than the library's. Its recursive CTE costs ``n²``; larger saves (imports) compute
    #: the links in Python, in time linear in ``n``.
    sql_chain_max_events = 16

    # The library retries each of these calls 10 times, 0.2 s apart, each attempt waiting for a
    # pooled connection: while PostgreSQL was down a request hung for ten times the pool's
    # timeout (a minute by default), and a save whose commit was lost could be sent again.
    # Pooled connections are checked before use (``pre_ping``), so one attempt is enough: a
    # failure is answered at once with 503 "retry" (``service.store.outage``).
    select_events = _once(PostgresApplicationRecorder.select_events)
    select_notifications = _once(PostgresApplicationRecorder.select_notifications)
    max_notification_id = _once(PostgresApplicationRecorder.max_notification_id)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        try:
            ids: Sequence[int] | None = _once(PostgresApplicationRecorder.insert_events)(
                self, stored_events, **kwargs
            )
        except Exception as error:
            cause = error if isinstance(error, psycopg.Error) else error.__cause__
            if isinstance(cause, psycopg.errors.UndefinedTable) and LINKS_TABLE in str(cause):
                raise chain_missing(self.tenant) from error
            raise
        return ids

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        if len(stored_events) <= self.sql_chain_max_events:
            # The library's lock, notify and insert, our one statement with the links.
            super()._insert_stored_events(curs, stored_events, **kwargs)
            return
        # The library's order (lock, notify, insert), with the events as plain arrays.
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_many_statement,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
            binary=True,
        )

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        # Instead of the library's ``NOTIFY <table>`` (the same name in every tenant schema):
        # the tenant's slug on one shared channel, sent from the writer's own transaction (so
        # it is delivered at commit, by the server the writer talks to — with schema-based
        # sharding, the coordinator, where the worker listens; no trigger on the table).
        curs.execute("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, self.tenant), prepare=True)

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if len(stored_events) <= self.sql_chain_max_events:
            ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            # Ids are issued in the order of the events; the statement returns them by position.
            return None if ids is None else sorted(ids)
        rows = curs.fetchall()
        if len(rows) != len(stored_events):
            msg = f"inserted {len(rows)} events of {len(stored_events)}"
            raise psycopg.ProgrammingError(msg)
        # Paired by (originator, version), unique in the table, rather than by the order of
        # the returned rows; the chain follows the positions.
        position_of = {
            (row["originator_id"], row["originator_version"]): row["notification_id"]
            for row in rows
        }
        pairs = sorted(
            (position_of[(_uuid(e.originator_id), e.originator_version)], i)
            for i, e in enumerate(stored_events)
        )
        head = rows[0]["head"]
        links = chain_links(
            GENESIS if head is None else bytes(head),
            [position for position, _ in pairs],
            [stored_events[i] for _, i in pairs],
        )
        # Sent with the COMMIT (pipeline mode): an error here rolls the events back too.
        curs.execute(
            self.insert_links_statement,
            (
                [link.position for link in links],
                [link.hash for link in links],
                [link.prev_hash for link in links],
            ),
            binary=True,
        )
        return [position for position, _ in pairs]


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def events_insert_statement(schema: str, events_table: str) -> sql.Composed:
    """``INSERT`` of the events (four arrays); returns each new event's notification id, its
    originator and version (to pair them with the events sent), and the hash of the link
    that was last before this save (``NULL`` for none; read after the table lock, so it is the
    head the new links chain onto)."""
    return sql.SQL(
        "WITH ins AS ("
        "  INSERT INTO {events} (originator_id, originator_version, topic, state)"
        "  SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[])"
        "  RETURNING notification_id, originator_id, originator_version"
        ")"
        " SELECT ins.*, (SELECT hash FROM {links} ORDER BY position DESC LIMIT 1) AS head"
        " FROM ins"
    ).format(
        events=sql.Identifier(schema, events_table),
        links=sql.Identifier(schema, LINKS_TABLE),
    )


def links_insert_statement(schema: str) -> sql.Composed:
    """``INSERT`` of a save's links (three arrays: positions, hashes, previous hashes)."""
    return sql.SQL(
        "INSERT INTO {links} (position, hash, prev_hash)"
        " SELECT * FROM unnest(%b::bigint[], %b::bytea[], %b::bytea[])"
    ).format(links=sql.Identifier(schema, LINKS_TABLE))


def chained_insert_statement(schema: str, events_table: str, event_type: str) -> sql.Composed:
    """``INSERT`` of the events (one array parameter) and of their links; returns the ids.

    The hash input is built exactly as ``service.store.chain.link_hash`` builds it:
    prev ‖ int8 position ‖ uuid bytes ‖ int8 version ‖ int4 len ‖ topic UTF-8 ‖ int8 len ‖
    state (``int8send``/``int4send`` are big-endian).
    """
    hashed = (
        "sha256({prev} || int8send(e.notification_id) || uuid_send(e.originator_id)"
        " || int8send(e.originator_version)"
        " || int4send(octet_length(convert_to(e.topic, 'UTF8')))"
        " || convert_to(e.topic, 'UTF8')"
        " || int8send(octet_length(e.state)::bigint) || e.state)"
    )
    return sql.SQL(
        "WITH RECURSIVE ins AS ("
        "  INSERT INTO {events} AS t (originator_id, originator_version, topic, state)"
        "  SELECT originator_id, originator_version, topic, state"
        "  FROM unnest(%s::{schema}.{event_type}[])"
        "  RETURNING notification_id, originator_id, originator_version, topic, state"
        "), e AS ("
        "  SELECT row_number() OVER (ORDER BY notification_id) AS n, * FROM ins"
        "), head AS ("
        "  SELECT coalesce("
        "    (SELECT hash FROM {links} ORDER BY position DESC LIMIT 1),"
        "    '\\x{genesis}'::bytea) AS hash"
        "), chain AS ("
        "  SELECT e.n, e.notification_id AS position,"
        f"   {hashed.format(prev='head.hash')} AS hash, head.hash AS prev_hash"
        "  FROM e, head WHERE e.n = 1"
        "  UNION ALL"
        "  SELECT e.n, e.notification_id,"
        f"   {hashed.format(prev='c.hash')}, c.hash"
        "  FROM chain c JOIN e ON e.n = c.n + 1"
        ")"
        " INSERT INTO {links} (position, hash, prev_hash)"
        " SELECT position, hash, prev_hash FROM chain ORDER BY n"
        " RETURNING position AS notification_id"
    ).format(
        events=sql.Identifier(schema, events_table),
        links=sql.Identifier(schema, LINKS_TABLE),
        schema=sql.Identifier(schema),
        event_type=sql.Identifier(event_type),
        genesis=sql.SQL(GENESIS.hex()),
    )


class TenantPostgresFactory(PostgresFactory):
    """Infrastructure factory over a given tenant datastore (builds no datastore of its own)."""

    application_recorder_class = ChainedPostgresApplicationRecorder

    def __init__(
        self, env: Environment | EnvType | None, *, datastore: TenantPostgresDatastore
    ) -> None:
        # Skip BasePostgresFactory.__init__, which would build a datastore (and a pool).
        BaseInfrastructureFactory.__init__(self, env)
        self.datastore = datastore
