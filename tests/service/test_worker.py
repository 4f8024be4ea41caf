"""The projection worker on PostgreSQL: one LISTEN connection for all tenants, new tenants
picked up without restart, one owner per tenant, read-your-writes through ``wait_for``.

The workers run in threads of the test process (each with its own store, pool and dedicated
connection, exactly as in a worker process); ``tests/projections/test_crash.py`` runs the real
``ketnap worker`` process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
import pytest

from domain.commands import SetStalledThreshold
from domain.errors import DomainError
from domain.values import Actor, Role
from projections.sql import OWNER_LOCK_CLASS
from service.commands import CommandResult, Handlers, Principal
from service.read_models import FALLBACK_POLL, ProjectionFailed, ProjectionLagging, ReadModels
from service.store import Store
from service.store.registry_watch import RegistryWatcher
from service.worker import Worker, WorkerOptions
from tests.conftest import PostgresDatabase, StoreMaker, with_database

pytestmark = pytest.mark.postgres

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
ORGANIZER = Actor("to-chuc-1", Role.ORGANIZER)
TODAY = date(2026, 11, 21)


@pytest.fixture
def backend() -> str:
    """These tests are about PostgreSQL only."""
    return "postgres"


def _wait_until(check: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or check}")
        time.sleep(0.02)


def _record(handlers: Handlers, tenant: str, days: int) -> int:
    """One command (one event) in ``tenant``; the position of its event."""
    result: CommandResult = handlers.handle(
        Principal(tenant, ORGANIZER), SetStalledThreshold(days=days)
    )
    assert result.position is not None
    return result.position


def _caught_up_check(read_models: ReadModels, tenant: str) -> Callable[[], bool]:
    def check() -> bool:
        return read_models.reached(tenant) >= read_models.projector(tenant).head()

    return check


@contextmanager
def _running_worker(
    store_maker: StoreMaker, database: PostgresDatabase, name: str
) -> Iterator[Worker]:
    """A worker in a thread, with its own store (pool) and dedicated connection."""
    url = with_database(database.admin_url, database.name, application_name=f"{name}-pool")
    store = store_maker(database_url=url)
    worker = Worker(
        store, options=WorkerOptions(name=name, poll_interval=0.5, takeover_interval=0.2)
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name=name, daemon=True)
    thread.start()
    try:
        assert worker.ready.wait(10), "worker did not start"
        yield worker
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "worker did not stop"


def _connections(database: PostgresDatabase, application_name: str) -> int:
    with database.admin_connect() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            (database.name, application_name),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_one_worker_follows_every_tenant_with_one_listen_connection_and_new_tenants(
    store: Store, store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    handlers = Handlers(store, today=lambda: TODAY)
    read_models = ReadModels(store, inline=False)
    for slug in ("alpha", "beta"):
        handlers.create_tenant(OPERATOR, slug, slug.title(), "other")
        for days in range(30, 40):
            _record(handlers, slug, days)

    with _running_worker(store_maker, postgres_database, "ketnap-worker-one") as worker:
        for slug in ("alpha", "beta"):
            _wait_until(_caught_up_check(read_models, slug), what=f"{slug} caught up")
        assert worker.owned == {"alpha", "beta"}
        # One dedicated connection for every tenant, and a pool bounded by the settings.
        assert _connections(postgres_database, "ketnap-worker-one") == 1
        assert _connections(postgres_database, "ketnap-worker-one-pool") <= (
            store.settings.max_pg_connections
        )

        # A tenant created while the worker runs is followed without restart, promptly.
        handlers.create_tenant(OPERATOR, "gamma", "Gamma", "other")
        position = _record(handlers, "gamma", 45)
        started = time.monotonic()
        assert read_models.wait_for("gamma", position, timeout=5) >= position
        assert time.monotonic() - started < 2  # notified, not found by a slow poll
        assert worker.owned == {"alpha", "beta", "gamma"}
        # New events of an existing tenant arrive by notification too.
        position = _record(handlers, "alpha", 50)
        assert read_models.wait_for("alpha", position, timeout=5) >= position
        assert _connections(postgres_database, "ketnap-worker-one") == 1
    assert worker.stats.events["alpha"] == 1 + 10 + 1
    assert _connections(postgres_database, "ketnap-worker-one") == 0  # locks gone with it


def _owners(database: PostgresDatabase) -> dict[int, int]:
    """Ownership locks held: tenant lock key → number of sessions holding it."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT objid, count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s AND granted GROUP BY objid",
            (OWNER_LOCK_CLASS,),
        ).fetchall()
    return {int(key): int(count) for key, count in rows}


def test_two_workers_share_the_tenants_and_never_process_the_same_one(
    store: Store, store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    handlers = Handlers(store, today=lambda: TODAY)
    read_models = ReadModels(store, inline=False)
    tenants = ["t1", "t2", "t3", "t4"]
    for slug in tenants:
        handlers.create_tenant(OPERATOR, slug, slug, "other")

    with _running_worker(store_maker, postgres_database, "ketnap-worker-a") as first:
        _wait_until(lambda: first.owned == set(tenants), what="first worker owns all")
        with _running_worker(store_maker, postgres_database, "ketnap-worker-b") as second:
            # The newcomer gets its fair share; nobody owns a tenant twice.
            _wait_until(
                lambda: len(first.owned) == 2 and len(second.owned) == 2,
                what="tenants shared between the workers",
            )
            owned_first, owned_second = set(first.owned), set(second.owned)
            assert owned_first.isdisjoint(owned_second)
            assert owned_first | owned_second == set(tenants)
            assert all(count == 1 for count in _owners(postgres_database).values())
            before_first, before_second = first.stats.events.copy(), second.stats.events.copy()

            for days in range(20, 26):
                for slug in tenants:
                    _record(handlers, slug, days)
            for slug in tenants:
                _wait_until(_caught_up_check(read_models, slug), what=slug)
            for slug in tenants:
                by_first = first.stats.events[slug] - before_first[slug]
                by_second = second.stats.events[slug] - before_second[slug]
                # Only the owner processed the tenant's new events, each exactly once.
                if slug in owned_first:
                    assert (by_first, by_second) == (6, 0)
                else:
                    assert (by_first, by_second) == (0, 6)

        # The second worker is gone (its session and locks with it): the first takes over.
        orphan = sorted(owned_second)[0]
        position = _record(handlers, orphan, 40)
        assert read_models.wait_for(orphan, position, timeout=5) >= position
        assert first.owned == set(tenants)
        assert first.stats.events[orphan] - before_first[orphan] == 1


def test_read_your_writes_waits_for_the_worker_and_refuses_bilingually_without_it(
    store: Store, store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    handlers = Handlers(store, today=lambda: TODAY)
    read_models = ReadModels(store, inline=False)
    handlers.create_tenant(OPERATOR, "rw", "Read-write", "other")

    with _running_worker(store_maker, postgres_database, "ketnap-worker-rw"):
        for days in range(10, 15):
            position = _record(handlers, "rw", days)
            assert read_models.wait_for("rw", position, timeout=5) >= position
            with read_models.read("rw") as tx:
                row = tx.fetchone("SELECT min(position) FROM projection_tracking")
            assert row is not None
            assert row[0] >= position

    # No worker: the bounded wait gives up with the bilingual refusal.
    position = _record(handlers, "rw", 99)
    started = time.monotonic()
    with pytest.raises(ProjectionLagging) as caught:
        read_models.wait_for("rw", position, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    error: DomainError = caught.value
    assert error.code == "PROJECTION_LAGGING"
    assert "chưa cập nhật kịp" in error.message_vi
    assert "have not caught up" in error.message_en
    assert caught.value.position == position
    assert caught.value.reached == position - 1


def test_read_your_writes_wakes_on_the_workers_progress_without_polling(
    store: Store, store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    """The worker projects as soon as it is notified, and says so on the progress channel: a
    wait ends right after the batch commits, far within the worker's wait slice and poll
    interval (here 2 s and 60 s), and reads the tracking about twice (before and after the
    wake) instead of polling it 5 ms to 100 ms apart through the batch's 0.3 s."""
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(OPERATOR, "fast", "Fast", "other")
    read_models = ReadModels(store, inline=False)
    reads: list[int] = []
    reached = read_models.reached

    def counted(tenant: str) -> int:
        reads.append(1)
        return reached(tenant)

    read_models.reached = counted  # type: ignore[method-assign]
    url = with_database(postgres_database.admin_url, postgres_database.name)
    options = WorkerOptions(
        name="ketnap-worker-fast",
        poll_interval=60,
        takeover_interval=60,
        wait_slice=2.0,
        test_delay=0.3,
    )
    worker = Worker(store_maker(database_url=url), options=options)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    watcher = RegistryWatcher(store, name="ketnap-test-progress", progress=read_models)
    thread.start()
    watcher.start()
    try:
        assert worker.ready.wait(10), "worker did not start"
        assert watcher.listening.wait(10)
        assert read_models.hearing
        _wait_until(_caught_up_check(read_models, "fast"), what="first catch-up")
        took: list[float] = []
        for days in range(10, 16):
            position = _record(handlers, "fast", days)
            reads.clear()
            started = time.monotonic()
            assert read_models.wait_for("fast", position, timeout=10) >= position
            took.append(time.monotonic() - started)
            assert len(reads) <= 3, f"{len(reads)} reads of the tracking: polling"
        print("read-your-writes waits (s):", [round(t, 3) for t in took])
        assert sorted(took)[len(took) // 2] < 0.8  # batch 0.3 s; not the 2 s slice
        assert max(took) < 1.5
        watcher.stop()
        assert not read_models.hearing  # stopped listening: waits poll again
        # A notification lost (here: nobody listens, yet the waits think so) costs at most
        # the fallback read's interval, not the timeout.
        read_models.hearing = True
        position = _record(handlers, "fast", 20)
        started = time.monotonic()
        assert read_models.wait_for("fast", position, timeout=10) >= position
        assert time.monotonic() - started < FALLBACK_POLL + 1.5
    finally:
        watcher.stop()
        stop.set()
        thread.join(10)


def test_a_projection_failing_in_the_worker_is_recorded_refused_at_once_and_retried(
    store: Store, store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    """The worker records a projection's failure and goes on with the other tenants; readers
    get PROJECTION_FAILED at once; ``retry`` (which notifies the worker) makes it catch up
    without waiting for a poll."""
    from tests.projections.test_failures import POISON, Thresholds, with_thresholds

    handlers = Handlers(store, today=lambda: TODAY)
    for slug in ("sick", "well"):
        handlers.create_tenant(OPERATOR, slug, slug.title(), "other")
    readers = ReadModels(store, projections=with_thresholds, inline=False)
    url = with_database(postgres_database.admin_url, postgres_database.name)
    worker = Worker(
        store_maker(database_url=url),
        # Polls far apart: what brings the retried tenant back must be the notification.
        options=WorkerOptions(name="ketnap-worker-sick", poll_interval=60, takeover_interval=60),
        read_models=ReadModels(store_maker(database_url=url), projections=with_thresholds),
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    Thresholds.broken = True
    thread.start()
    try:
        assert worker.ready.wait(10), "worker did not start"
        _record(handlers, "sick", 30)
        poison = _record(handlers, "sick", POISON)
        later = _record(handlers, "sick", 31)
        _wait_until(lambda: readers.failure("sick") is not None, what="failure recorded")
        failure = readers.failure("sick")
        assert failure is not None
        assert (failure.projection, failure.position) == (Thresholds.name, poison)
        assert "[22003]" in failure.error  # numeric value out of range, the value masked

        started = time.monotonic()
        with pytest.raises(ProjectionFailed) as caught:
            readers.wait_for("sick", later, timeout=10)
        assert time.monotonic() - started < 2.5  # not the 10 s timeout
        assert caught.value.code == "PROJECTION_FAILED"
        assert readers.reached("sick") == poison - 1

        # The other tenant is not held up.
        position = _record(handlers, "well", 40)
        assert readers.wait_for("well", position, timeout=5) >= position

        Thresholds.broken = False
        started = time.monotonic()
        assert [f.position for f in readers.retry("sick")] == [poison]
        assert readers.wait_for("sick", later, timeout=10) == later
        assert time.monotonic() - started < 5  # notified, not the 60 s poll
        assert readers.failure("sick") is None
    finally:
        Thresholds.broken = True
        stop.set()
        thread.join(10)
