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

    The library's ``INSERT`` of the events is replaced by one statement that also inserts
    their links (``service.store.chain``), computed by PostgreSQL from the rows just inserted
    (a data-modifying CTE, ``sha256()`` and a recursive CTE over them in position order),
    chained onto the last link. It runs where the library's ``INSERT`` ran: inside the insert
    transaction, after ``LOCK TABLE … IN EXCLUSIVE MODE``, so links commit or roll back with
    their events, no other writer can interleave, and a save costs no extra statement or round
    trip. It returns the new events' notification ids, as the library's statement did. The
    links and checkpoints tables are part of ``sql_create_statements`` (created with the
    tenant). The encoding is checked against the Python one by the tests.
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
        self.insert_events_statement = chained_insert_statement(
            schema, self.events_table_name, self.stored_event_type_name
        )

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
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        # Ids are issued in the order of the events; the statement returns them by position.
        return None if ids is None else sorted(ids)


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
