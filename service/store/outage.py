"""Whether an error means the store cannot answer now (down, restarting, or too busy).

PostgreSQL stopped or restarting, a connection cut, the pool finding no connection in time,
SQLite's write lock not free in time: none of these is a bug nor the client's doing, and each
passes by itself. The service answers them with 503, ``STORE_UNAVAILABLE`` and ``Retry-After``
(``service.api.app``), not with a masked ``INTERNAL_ERROR``. The drivers and the event-sourcing
library wrap one another's errors, so the whole chain of causes is looked at.
"""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

#: Longest chain of ``__cause__`` / ``__context__`` followed.
_CHAIN_LIMIT = 16

#: SQLite's words for a lock that was not free in time.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def store_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or one of its causes) says the store cannot answer now."""
    for _ in range(_CHAIN_LIMIT):
        if error is None:
            return False
        if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
            return True  # connection refused or lost, server shutting down, pool timeout
        if isinstance(error, sqlite3.OperationalError):
            return any(words in str(error) for words in _SQLITE_BUSY)
        if isinstance(error, InterfaceError):
            return True
        if isinstance(error, OperationalError) and error.__cause__ is None:
            # The library's own (a writer connection not free in time); when it wraps a
            # driver's error, that error decides.
            return True
        error = error.__cause__ or error.__context__
    return False
