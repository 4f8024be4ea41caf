"""Which errors mean "the store cannot answer now" (503, retry) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from eventsourcing.persistence import ConnectionUnavailableError, OperationalError
from psycopg_pool import PoolTimeout

from service.store.outage import store_unavailable


def _wrapped(cause: BaseException) -> OperationalError:
    """``cause`` wrapped by the event-sourcing library, as its recorders raise it."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.OperationalError("connection refused"),
        PoolTimeout("couldn't get a connection after 1.00 sec"),
        _wrapped(psycopg.errors.AdminShutdown("terminating connection")),
        ConnectionUnavailableError("Timed out waiting for return of writer"),
        sqlite3.OperationalError("database is locked"),
        _wrapped(sqlite3.OperationalError("database is locked")),
    ],
    ids=repr,
)
def test_an_outage_or_a_busy_store_is_unavailable(error: BaseException) -> None:
    assert store_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        None,
        ValueError("a bug"),
        sqlite3.OperationalError("no such table: ketnap_links"),
        _wrapped(sqlite3.OperationalError("no such column: x")),
        psycopg.errors.UndefinedTable("relation does not exist"),
        _wrapped(psycopg.errors.UndefinedTable("relation does not exist")),
    ],
    ids=repr,
)
def test_a_bug_is_not_an_outage(error: BaseException | None) -> None:
    assert not store_unavailable(error)
