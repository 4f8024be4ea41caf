"""The hash chain: exact encoding, links written with every save, ``chain --init``."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from domain.errors import DomainError
from service.audit.verify import verify_tenant
from service.cli import main
from service.errors import ConcurrentChange
from service.store import Store, TenantKind
from service.store.chain import GENESIS, chain_links, link_hash
from service.store.tenant_chain import init_tenant
from tests.audit.test_verify_tamper import SLUG, Note, Raw, save_notes


def test_link_hash_is_the_documented_encoding() -> None:
    prev = bytes(range(32))
    uuid = UUID("12345678-1234-5678-1234-567812345678")
    topic = "tests.x:Ả.Created"  # non-ASCII: length is of the UTF-8 bytes
    state = b'{"a":1}'
    expected = hashlib.sha256(
        prev
        + (7).to_bytes(8, "big")
        + uuid.bytes
        + (3).to_bytes(8, "big")
        + len(topic.encode()).to_bytes(4, "big")
        + topic.encode()
        + len(state).to_bytes(8, "big")
        + state
    ).digest()
    assert link_hash(prev, 7, uuid, 3, topic, state) == expected
    assert link_hash(prev, 7, str(uuid), 3, topic, state) == expected
    # Fixed test vector (changes only if the documented encoding changes).
    assert (
        link_hash(GENESIS, 1, UUID(int=1), 1, "t", b"s").hex()
        == hashlib.sha256(
            bytes(32)
            + (1).to_bytes(8, "big")
            + UUID(int=1).bytes
            + (1).to_bytes(8, "big")
            + (1).to_bytes(4, "big")
            + b"t"
            + (1).to_bytes(8, "big")
            + b"s"
        ).hexdigest()
    )


def test_field_boundaries_are_unambiguous() -> None:
    uuid = UUID(int=5)
    assert link_hash(GENESIS, 1, uuid, 1, "ab", b"c") != link_hash(GENESIS, 1, uuid, 1, "a", b"bc")


def test_chain_links_follow_each_other() -> None:
    events = [StoredEvent(UUID(int=1), v, "t", b"x%d" % v) for v in (1, 2, 3)]
    links = chain_links(GENESIS, [4, 9, 10], events)
    assert [link.position for link in links] == [4, 9, 10]
    assert links[0].prev_hash == GENESIS
    assert links[1].prev_hash == links[0].hash
    assert links[2].prev_hash == links[1].hash
    with pytest.raises(ValueError, match="ascend"):
        chain_links(GENESIS, [4, 4, 5], events)


def test_every_save_writes_its_links(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 3, amendments=2)  # 3 saves of 3 events
    raw = Raw(store, SLUG)
    links = raw.run("SELECT position, hash, prev_hash FROM {links} ORDER BY position")
    assert [int(r[0]) for r in links] == raw.positions()
    assert len(links) == 9
    prev = GENESIS
    for position, digest, prev_hash in links:
        assert bytes(prev_hash) == prev
        originator_id, version, topic, state = raw.event_row(int(position))
        assert bytes(digest) == link_hash(
            prev, int(position), str(originator_id), int(version), str(topic), bytes(state)
        )
        prev = bytes(digest)
    result = verify_tenant(store, SLUG)
    assert result.intact
    assert result.head_hash == prev.hex()


def test_recorder_links_batches_and_non_ascii_topics(store: Store) -> None:
    # On PostgreSQL the links are computed by SQL: it must match the Python encoding exactly.
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 1)
    recorder = store.app(SLUG).recorder
    aggregate = uuid4()
    batch = [
        StoredEvent(aggregate, 1, "tests.ẩn:Sự_kiện.Đã_tạo", "Nguyễn Văn Ả".encode()),
        StoredEvent(aggregate, 2, "t", b""),
        StoredEvent(aggregate, 3, "t" * 300, bytes(range(256)) * 40),
    ]
    ids = recorder.insert_events(batch)
    assert ids is not None
    assert list(ids) == sorted(ids)
    assert len(ids) == 3
    result = verify_tenant(store, SLUG)
    assert result.intact, result
    assert (result.events, result.head_position) == (5, ids[-1])
    raw = Raw(store, SLUG)
    prev = bytes(raw.run(("SELECT hash FROM {links} WHERE position = ?", (ids[1],)))[0][0])
    stored = bytes(raw.run(("SELECT hash FROM {links} WHERE position = ?", (ids[2],)))[0][0])
    assert stored == link_hash(prev, ids[2], aggregate, 3, "t" * 300, bytes(range(256)) * 40)


def test_a_refused_save_writes_no_link(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    app = store.app(SLUG)
    note = Note(SLUG, "x")
    app.save(note)
    stale = app.get(note.id, Note)
    note.amend("y")
    app.save(note)
    stale.amend("z")
    with pytest.raises(ConcurrentChange):
        app.save(stale)
    save_notes(store, SLUG, 1)
    raw = Raw(store, SLUG)
    assert len(raw.run("SELECT position FROM {links}")) == len(raw.positions()) == 4
    assert verify_tenant(store, SLUG).intact


def _in_four_threads(write: Callable[[], object]) -> list[BaseException]:
    """Run ``write`` in four threads at once; what they raised."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as error:  # pragma: no cover - reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_writers_keep_one_chain(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    assert _in_four_threads(lambda: save_notes(store, SLUG, 10)) == []
    result = verify_tenant(store, SLUG)
    assert result.intact, result
    assert result.events == 80


def _drop_links(raw: Raw) -> None:
    """Make the tenant look like one created before the chain existed."""
    raw.run("DROP TABLE {links}")
    raw.run(f"DROP TABLE {raw.links.replace('ketnap_links', 'ketnap_checkpoints')}")


def test_init_links_the_events_of_an_older_tenant(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 3)
    raw = Raw(store, SLUG)
    _drop_links(raw)
    with pytest.raises(DomainError) as refused:
        verify_tenant(store, SLUG)
    assert refused.value.code == "AUDIT_CHAIN_MISSING"
    with pytest.raises(DomainError) as refused:
        save_notes(store, SLUG, 1)
    assert refused.value.code == "AUDIT_CHAIN_MISSING"
    assert "chain --init" in refused.value.message_en
    assert "chain --init" in refused.value.message_vi

    result = init_tenant(store, SLUG)
    assert (result.linked, result.already_linked, result.created_table) == (6, 0, True)
    assert verify_tenant(store, SLUG).intact
    save_notes(store, SLUG, 2)
    again = init_tenant(store, SLUG)
    assert (again.linked, again.already_linked, again.created_table) == (0, 10, False)
    assert verify_tenant(store, SLUG).events == 10


def test_init_continues_after_the_last_link(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 3)
    raw = Raw(store, SLUG)
    last = raw.positions()[-1]
    raw.run(("DELETE FROM {links} WHERE position >= ?", (last - 1,)))
    assert verify_tenant(store, SLUG).first_break is not None
    assert init_tenant(store, SLUG).linked == 2
    assert verify_tenant(store, SLUG).intact


def test_init_refuses_a_hole_before_the_last_link(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 3)
    raw = Raw(store, SLUG)
    raw.run(("DELETE FROM {links} WHERE position = ?", (raw.positions()[2],)))
    with pytest.raises(DomainError) as refused:
        init_tenant(store, SLUG)
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"


def test_cli_chain_init(store: Store, cli: CliRunner) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 2)
    _drop_links(Raw(store, SLUG))
    result = cli.invoke(main, ["audit", "chain", "--init"])
    assert result.exit_code == 0, result.output
    assert "acme: đã liên kết 4 sự kiện mới" in result.output
    assert "linked 4 new events" in result.output
    result = cli.invoke(main, ["audit", "verify", "--tenant", SLUG])
    assert result.exit_code == 0, result.output
    assert "acme: intact, 4 events" in result.output
    result = cli.invoke(main, ["audit", "chain", "--init", "--tenant", "nope"])
    assert result.exit_code == 2


#: More events than a PostgreSQL save links in SQL: these saves link in Python
#: (``ChainedPostgresApplicationRecorder.sql_chain_max_events``; SQLite always does).
LARGE = 60


def _large_batch(aggregates: int, versions: int, *, first_version: int = 1) -> list[StoredEvent]:
    return [
        StoredEvent(
            aggregate,
            version,
            f"tests.ẩn:Sự_kiện_{version}" if version % 2 else "t",
            f"Nguyễn {version}".encode() * version,
        )
        for aggregate in [uuid4() for _ in range(aggregates)]
        for version in range(first_version, first_version + versions)
    ]


def test_a_large_save_links_every_event_in_position_order(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 1)
    recorder = store.app(SLUG).recorder
    if store.backend == "postgres":
        assert recorder.sql_chain_max_events < LARGE  # type: ignore[attr-defined]
    batch = _large_batch(LARGE // 3, 3)
    ids = recorder.insert_events(batch)
    assert ids is not None
    assert list(ids) == sorted(ids)
    assert len(ids) == LARGE
    small = recorder.insert_events(_large_batch(1, 2))  # the small-save path chains on
    assert small is not None
    result = verify_tenant(store, SLUG)
    assert result.intact, result
    assert (result.events, result.head_position) == (LARGE + 4, small[-1])
    raw = Raw(store, SLUG)
    rows = raw.run("SELECT position, hash, prev_hash FROM {links} ORDER BY position")
    head = next(bytes(r[1]) for r in rows if int(r[0]) == ids[0] - 1)
    stored = {int(r[0]): (bytes(r[1]), bytes(r[2])) for r in rows}
    by_key = {(e.originator_id, e.originator_version): e for e in batch}
    events = []
    for position in ids:
        originator_id, version, _, _ = raw.event_row(position)
        events.append(by_key[(UUID(str(originator_id)), int(version))])
    expected = chain_links(head, list(ids), events)
    assert [stored[link.position] for link in expected] == [
        (link.hash, link.prev_hash) for link in expected
    ]


def test_a_refused_large_save_writes_neither_events_nor_links(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    recorder = store.app(SLUG).recorder
    batch = _large_batch(LARGE // 2, 2)
    recorder.insert_events(batch)
    clash = [*_large_batch(LARGE // 2, 2), batch[-1]]  # the last event's version again
    with pytest.raises(Exception, match=r"(?i)unique|integrity|duplicate"):
        recorder.insert_events(clash)
    raw = Raw(store, SLUG)
    assert len(raw.run("SELECT position FROM {links}")) == len(raw.positions()) == LARGE
    assert verify_tenant(store, SLUG).intact


def test_concurrent_large_saves_keep_one_chain(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    recorder = store.app(SLUG).recorder

    def write() -> None:
        for _ in range(3):
            recorder.insert_events(_large_batch(LARGE // 4, 4))
            save_notes(store, SLUG, 1)

    assert _in_four_threads(write) == []
    result = verify_tenant(store, SLUG)
    assert result.intact, result
    assert result.events == 4 * 3 * (LARGE + 2)


def test_a_large_save_of_a_tenant_without_chain_is_refused(store: Store) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 1)
    raw = Raw(store, SLUG)
    _drop_links(raw)
    with pytest.raises(DomainError) as refused:
        store.app(SLUG).recorder.insert_events(_large_batch(LARGE // 2, 2))
    assert refused.value.code == "AUDIT_CHAIN_MISSING"
    assert len(raw.positions()) == 2
