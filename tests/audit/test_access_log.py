"""The access log of personal-field reads: recording, filters, pages, isolation, append-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from click.testing import CliRunner
from eventsourcing.persistence import PersistenceError

from domain.errors import DomainError, InvalidInput, NotFound
from domain.values import Actor, Role
from service.audit.access_log import (
    TABLE,
    AccessLogForbidden,
    access_entries,
    ensure_table,
    record_personal_read,
)
from service.cli import main
from service.commands import Handlers, Principal
from service.store import Store
from tests.conftest import SettingsCliRunner

OPS = Actor("ops", Role.PLATFORM_OPERATOR)
ORGANIZER = Actor("to-chuc-1", Role.ORGANIZER)
SECRETARY = Actor("bi-thu-2", Role.BRANCH_SECRETARY)
AUDITOR = Actor("kiem-tra-1", Role.AUDITOR)
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class Clock:
    """A clock moving one minute per reading."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def tenants(store: Store) -> Store:
    """Tenants ``alpha`` and ``beta``."""
    handlers = Handlers(store)
    handlers.create_tenant(OPS, "alpha", "Đảng bộ Alpha", "other")
    handlers.create_tenant(OPS, "beta", "Đảng bộ Beta", "other")
    return store


def test_reads_are_recorded_and_listed_for_auditors(tenants: Store) -> None:
    clock = Clock()
    alpha = Principal("alpha", ORGANIZER)
    assert (
        record_personal_read(tenants, alpha, ["c1", "c2", "c1"], "graphql:candidates", now=clock)
        == 2
    )
    assert (
        record_personal_read(
            tenants, Principal("alpha", SECRETARY), ["c2"], "graphql:candidate", now=clock
        )
        == 1
    )
    assert record_personal_read(tenants, alpha, [], "graphql:candidates", now=clock) == 0  # fmt: skip

    page = access_entries(tenants, "alpha", viewer=Principal("alpha", AUDITOR))
    assert page.next_after is None
    assert [(e.actor_id, e.role, e.candidate_id, e.purpose) for e in page.entries] == [
        ("bi-thu-2", "branch_secretary", "c2", "graphql:candidate"),
        ("to-chuc-1", "organizer", "c2", "graphql:candidates"),
        ("to-chuc-1", "organizer", "c1", "graphql:candidates"),
    ]
    first = page.entries[-1]
    assert first.recorded_at == T0 + timedelta(minutes=1)
    assert first.tenant == "alpha"
    assert first.as_dict()["recorded_at"] == (T0 + timedelta(minutes=1)).isoformat()

    by_candidate = access_entries(tenants, "alpha", candidate="c2")
    assert [e.actor_id for e in by_candidate.entries] == ["bi-thu-2", "to-chuc-1"]
    by_actor = access_entries(tenants, "alpha", actor="to-chuc-1")
    assert {e.candidate_id for e in by_actor.entries} == {"c1", "c2"}
    by_role = access_entries(tenants, "alpha", role=Role.BRANCH_SECRETARY)
    assert [e.candidate_id for e in by_role.entries] == ["c2"]
    later = access_entries(tenants, "alpha", since=T0 + timedelta(minutes=2))
    assert [e.actor_id for e in later.entries] == ["bi-thu-2"]
    earlier = access_entries(tenants, "alpha", until=T0 + timedelta(minutes=2))
    assert len(earlier.entries) == 2
    nothing = access_entries(tenants, "alpha", actor="to-chuc-1", candidate="c3")
    assert nothing.entries == ()


def test_keyset_pages_cover_every_entry_once(tenants: Store) -> None:
    clock = Clock()
    principal = Principal("alpha", ORGANIZER)
    for number in range(7):
        record_personal_read(tenants, principal, [f"c{number}"], "list", now=clock)
    seen: list[str] = []
    after: int | None = None
    pages = 0
    while True:
        page = access_entries(tenants, "alpha", after=after, limit=3)
        pages += 1
        seen += [e.candidate_id for e in page.entries]
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == 3
    assert seen == [f"c{n}" for n in reversed(range(7))]


def test_one_tenants_log_is_not_visible_from_another(tenants: Store) -> None:
    record_personal_read(tenants, Principal("alpha", ORGANIZER), ["secret"], "read")
    assert access_entries(tenants, "beta").entries == ()
    assert access_entries(tenants, "beta", candidate="secret").entries == ()
    assert [e.candidate_id for e in access_entries(tenants, "alpha").entries] == ["secret"]
    with pytest.raises(AccessLogForbidden) as refused:
        access_entries(tenants, "alpha", viewer=Principal("beta", AUDITOR))
    assert refused.value.code == "ACCESS_LOG_FORBIDDEN"
    assert "alpha" in refused.value.message_vi
    assert "alpha" in refused.value.message_en
    with pytest.raises(AccessLogForbidden):
        access_entries(tenants, "alpha", viewer=Principal("alpha", ORGANIZER))


def test_the_log_is_append_only_and_created_once(tenants: Store) -> None:
    record_personal_read(tenants, Principal("alpha", ORGANIZER), ["c1"], "read")
    db = tenants.read_models("alpha")
    assert ensure_table(db) is False  # already there: no DDL
    # eventsourcing's datastore re-raises psycopg errors as its own PersistenceError.
    errors = (sqlite3.DatabaseError, psycopg.Error, PersistenceError)
    with pytest.raises(errors), db.transaction() as tx:
        tx.execute(f"UPDATE {TABLE} SET candidate_id = 'c9'")
    with pytest.raises(errors), db.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE}")
    assert [e.candidate_id for e in access_entries(tenants, "alpha").entries] == ["c1"]


def test_refusals_are_bilingual(tenants: Store) -> None:
    principal = Principal("alpha", ORGANIZER)
    cases: list[tuple[str, Exception | None]] = []
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: record_personal_read(tenants, principal, ["c1"], "  "), "ACCESS_LOG_PURPOSE_INVALID"),
        (lambda: record_personal_read(tenants, principal, [""], "read"), "ACCESS_LOG_CANDIDATE_INVALID"),
        (lambda: record_personal_read(tenants, Principal("nobody", ORGANIZER), ["c1"], "read"), "TENANT_NOT_FOUND"),
        (lambda: access_entries(tenants, "alpha", limit=0), "PAGE_SIZE_INVALID"),
        (lambda: access_entries(tenants, "alpha", since=T0, until=T0), "TIME_RANGE_INVALID"),
    ]  # fmt: skip
    for call, code in calls:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == code
        assert refused.value.message_vi
        assert refused.value.message_en
        assert refused.value.message_vi != refused.value.message_en
        cases.append((code, refused.value))
    assert isinstance(cases[2][1], NotFound)
    assert isinstance(cases[0][1], InvalidInput)


@pytest.fixture
def cli(tenants: Store) -> CliRunner:
    """A CLI runner whose settings name the same data as the store."""
    return SettingsCliRunner(tenants.settings)


def test_the_command_lists_entries(tenants: Store, cli: CliRunner) -> None:
    clock = Clock()
    for number in range(3):
        record_personal_read(tenants, Principal("alpha", ORGANIZER), [f"c{number}"], "read", now=clock)  # fmt: skip
    result = cli.invoke(main, ["audit", "access-log", "--tenant", "alpha", "--limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "c2" in lines[0]
    assert "c1" in lines[1]
    assert "--after" in lines[2]
    one = cli.invoke(main, ["audit", "access-log", "--tenant", "alpha", "--candidate", "c0"])
    assert one.exit_code == 0, one.output
    assert "to-chuc-1 (organizer)  c0  read" in one.output
    empty = cli.invoke(main, ["audit", "access-log", "--tenant", "beta"])
    assert "no entries" in empty.output
    refused = cli.invoke(main, ["audit", "access-log", "--tenant", "nobody"])
    assert refused.exit_code == 2
    assert "TENANT_NOT_FOUND" in refused.output
