"""Tampering through a raw connection (bypassing the application) is caught by verification.

Each test changes the stored history the way someone with the database owner's (or the file's)
access could — a changed state, a deleted row, swapped rows, an inserted row — and checks that
``verify_tenant`` reports the first break at the right position, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event

from service.audit.verify import VerifyResult, verify_tenant
from service.store import Store, TenantKind
from service.store.chain import GENESIS, link_hash
from service.store.registry import tenant_schema

SLUG = "acme"


class Note(Aggregate):
    """A tiny aggregate for chain tests."""

    @event("Written")
    def __init__(self, tenant: str, text: str) -> None:
        self.tenant = tenant
        self.text = text

    @event("Amended")
    def amend(self, text: str) -> None:
        self.text = text


def save_notes(store: Store, slug: str, count: int, *, amendments: int = 1) -> list[Note]:
    """``count`` notes, each saved with ``amendments`` extra events in the same save."""
    app = store.app(slug)
    notes = []
    for i in range(count):
        note = Note(slug, f"note {i}")
        for j in range(amendments):
            note.amend(f"note {i}, amended {j}")
        app.save(note)
        notes.append(note)
    return notes


class Raw:
    """Direct access to a tenant's tables, bypassing the application (owner/superuser)."""

    def __init__(self, store: Store, slug: str) -> None:
        self.store = store
        self.slug = slug
        if store.backend == "postgres":
            schema = tenant_schema(slug)
            self.events = f"{schema}.ketnap_events"
            self.links = f"{schema}.ketnap_links"
            self.pos = "notification_id"
        else:
            self.events = "stored_events"
            self.links = "ketnap_links"
            self.pos = "rowid"

    @property
    def postgres(self) -> bool:
        """Whether the tenant is on PostgreSQL."""
        return self.store.backend == "postgres"

    def _connect(self) -> Any:
        if self.postgres:
            conn = psycopg.connect(self.store.settings.database_url)
            # Superuser: skip any append-only guard trigger, as an owner disabling it would.
            conn.execute("SET session_replication_role = replica")
            return conn
        path = self.store.settings.data_dir / "tenants" / f"{self.slug}.sqlite"
        return sqlite3.connect(path)

    def run(self, *statements: str | tuple[str, Sequence[Any]]) -> list[Any]:
        """Run statements in one transaction (``{events}``, ``{links}``, ``{pos}``, ``?``)."""
        conn = self._connect()
        rows: list[Any] = []
        try:
            for statement in statements:
                query, params = (statement, ()) if isinstance(statement, str) else statement
                query = query.format(events=self.events, links=self.links, pos=self.pos)
                if self.postgres:
                    query = query.replace("?", "%s")
                cursor = conn.execute(query, params)
                if cursor.description is not None:
                    rows = list(cursor.fetchall())
            conn.commit()
        finally:
            conn.close()
        return rows

    def positions(self) -> list[int]:
        """The events' positions, ascending."""
        return [int(r[0]) for r in self.run("SELECT {pos} FROM {events} ORDER BY {pos}")]

    def event_row(self, position: int) -> tuple[Any, ...]:
        """(originator_id, version, topic, state) at ``position``."""
        rows = self.run(
            (
                "SELECT originator_id, originator_version, topic, state FROM {events}"
                " WHERE {pos} = ?",
                (position,),
            )
        )
        return tuple(rows[0])

    def move(self, old: int, new: int) -> str | tuple[str, Sequence[Any]]:
        """A statement giving the event at ``old`` position ``new``."""
        return ("UPDATE {events} SET {pos} = ? WHERE {pos} = ?", (new, old))


@pytest.fixture
def tenant(store: Store) -> Raw:
    """Tenant ``acme`` with 6 saves of 2 events (12 events)."""
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 6)
    return Raw(store, SLUG)


def verify(raw: Raw) -> VerifyResult:
    return verify_tenant(raw.store, raw.slug)


def assert_break(result: VerifyResult, position: int, kind: str) -> None:
    assert not result.intact
    assert result.first_break is not None, result
    assert (result.first_break.position, result.first_break.kind) == (position, kind), result


def test_untouched_history_is_intact(tenant: Raw) -> None:
    result = verify(tenant)
    assert result.intact
    assert result.first_break is None
    assert result.events == 12
    assert result.head_position == tenant.positions()[-1]
    vi, en = result.summary()
    assert en == f"acme: intact, 12 events, head hash {result.head_hash}"
    assert "nguyên vẹn, 12 sự kiện" in vi


def test_changed_state_is_caught_at_its_position(tenant: Raw) -> None:
    position = tenant.positions()[6]
    tenant.run(("UPDATE {events} SET state = ? WHERE {pos} = ?", (b'{"text":"forged"}', position)))
    result = verify(tenant)
    assert_break(result, position, "hash_mismatch")
    assert result.events == 6  # the events before it verified
    b = result.first_break
    assert b is not None
    assert b.expected != b.found


def test_changed_topic_or_version_is_caught(tenant: Raw) -> None:
    positions = tenant.positions()
    tenant.run(("UPDATE {events} SET topic = topic || 'x' WHERE {pos} = ?", (positions[3],)))
    assert_break(verify(tenant), positions[3], "hash_mismatch")


def test_deleted_event_row_is_caught_at_its_position(tenant: Raw) -> None:
    position = tenant.positions()[4]
    tenant.run(("DELETE FROM {events} WHERE {pos} = ?", (position,)))
    assert_break(verify(tenant), position, "event_missing")


def test_deleted_event_and_link_are_caught_at_the_next_position(tenant: Raw) -> None:
    positions = tenant.positions()
    tenant.run(
        ("DELETE FROM {events} WHERE {pos} = ?", (positions[4],)),
        ("DELETE FROM {links} WHERE position = ?", (positions[4],)),
    )
    result = verify(tenant)
    assert_break(result, positions[5], "prev_mismatch")


def test_swapped_rows_are_caught_at_the_first_of_them(tenant: Raw) -> None:
    positions = tenant.positions()
    a, b = positions[2], positions[7]
    tenant.run(tenant.move(a, -1), tenant.move(b, a), tenant.move(-1, b))
    assert tenant.event_row(a) != tenant.event_row(b)
    assert_break(verify(tenant), a, "hash_mismatch")


def test_inserted_row_at_the_end_is_caught(tenant: Raw) -> None:
    _, _, topic, state = tenant.event_row(tenant.positions()[0])
    other = uuid4()
    tenant.run(
        (
            "INSERT INTO {events} (originator_id, originator_version, topic, state)"
            " VALUES (?, ?, ?, ?)",
            (other if tenant.postgres else other.hex, 1, topic, state),
        )
    )
    position = tenant.positions()[-1]
    assert_break(verify(tenant), position, "link_missing")


# Positions only have gaps on PostgreSQL (rolled-back sequence values): PostgreSQL only.
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_inserted_row_in_a_gap_is_caught(tenant: Raw) -> None:
    assert tenant.postgres
    _, _, topic, state = tenant.event_row(tenant.positions()[0])
    # A rolled-back transaction uses up sequence values: a gap in the positions.
    tenant.run("SELECT nextval(pg_get_serial_sequence('t_acme.ketnap_events', 'notification_id'))")
    save_notes(tenant.store, SLUG, 2)
    positions = tenant.positions()
    gaps = sorted(set(range(positions[0], positions[-1] + 1)) - set(positions))
    assert gaps
    assert verify(tenant).intact  # gaps alone are fine
    tenant.run(
        (
            "INSERT INTO {events} (notification_id, originator_id, originator_version, topic,"
            " state) VALUES (?, ?, ?, ?, ?)",
            (gaps[0], uuid4(), 1, topic, state),
        )
    )
    assert_break(verify(tenant), gaps[0], "link_missing")


def test_recomputed_links_after_a_change_break_at_the_next_position(tenant: Raw) -> None:
    # Someone changes an event and recomputes *its* link (not the following ones).
    positions = tenant.positions()
    p = positions[5]
    prev = bytes(tenant.run(("SELECT hash FROM {links} WHERE position = ?", (positions[4],)))[0][0])
    originator_id, version, topic, _ = tenant.event_row(p)
    forged = b'{"text":"forged"}'
    new_hash = link_hash(prev, p, str(originator_id), int(version), str(topic), forged)
    tenant.run(
        ("UPDATE {events} SET state = ? WHERE {pos} = ?", (forged, p)),
        ("UPDATE {links} SET hash = ? WHERE position = ?", (new_hash, p)),
    )
    assert_break(verify(tenant), positions[6], "prev_mismatch")


def test_first_event_links_to_genesis(tenant: Raw) -> None:
    first = tenant.positions()[0]
    rows = tenant.run(("SELECT prev_hash FROM {links} WHERE position = ?", (first,)))
    assert bytes(rows[0][0]) == GENESIS
