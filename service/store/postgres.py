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
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import BaseInfrastructureFactory
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg import Connection, sql
from psycopg.rows import DictRow
from psycopg.types.composite import CompositeInfo, register_composite

from service.settings import PostgresParams

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
    ) -> None:
        super().__init__(
            dbname=params.dbname,
            host=params.host,
            port=params.port,
            user=params.user,
            password=params.password,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_timeout=30.0,
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


class TenantPostgresFactory(PostgresFactory):
    """Infrastructure factory over a given tenant datastore (builds no datastore of its own)."""

    def __init__(
        self, env: Environment | EnvType | None, *, datastore: TenantPostgresDatastore
    ) -> None:
        # Skip BasePostgresFactory.__init__, which would build a datastore (and a pool).
        BaseInfrastructureFactory.__init__(self, env)
        self.datastore = datastore
