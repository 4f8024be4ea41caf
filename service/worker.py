"""``ketnap worker``: keeps every tenant's read models up to date (PostgreSQL).

One worker process follows **all** tenants with **one** dedicated PostgreSQL connection (no
thread or connection per tenant). That connection, in autocommit mode:

- ``LISTEN``\\s to :data:`~service.store.postgres.EVENTS_CHANNEL` (payload: the slug of a tenant
  that recorded events; sent by each tenant's recorder in the inserting transaction) and
  :data:`~service.store.registry.TENANTS_CHANNEL` (a tenant was created, disabled or enabled);
- holds the worker's **ownership locks**: session-level advisory locks
  ``(OWNER_LOCK_CLASS, hashtext('t_<slug>'))``. A worker only processes the tenants it owns, so
  several workers share the tenants and each tenant is processed by exactly one at a time. The
  locks go away with the connection, so the tenants of a worker that died are taken over by the
  others at their next take-over round (every ``takeover_interval`` seconds);
- holds one **membership lock** ``(WORKER_LOCK_CLASS, n)``, so workers can count each other
  and share the tenants fairly: each owns at most ``ceil(tenants / workers)``, and a worker
  above its share releases idle tenants for the newcomers.

The worker waits for notifications only until the first one arrives (then takes those already
there) and projects at once. After each committed batch it notifies
:data:`~service.store.postgres.PROGRESS_CHANNEL` (``<slug> <position>``, or ``<slug> <position>
failed`` when a projection stopped on an event): the serving processes' read-your-writes waits
wake on it instead of polling the tracking table (see :mod:`service.store.registry_watch`).

The projections themselves run over the process's pool, batch by batch (one transaction each,
see :class:`projections.runner.TenantProjector`), round-robin over the tenants that have work,
so one tenant's long history does not hold the others up. On start (and after any reconnect)
every owned tenant catches up from its tracking positions. A safety poll (every
``poll_interval`` seconds) compares each owned tenant's head with the last position the worker
reached, in case a notification was missed. SIGTERM/SIGINT (see :func:`run_worker`) stop the
worker after the batch in progress.

A projection that fails on an event stops its tenant's read models before that event, with
the failure recorded in the tenant's schema (see :mod:`projections.runner`): the worker logs
one line per failed attempt and goes on with the other tenants; the failed tenant is tried
again when its back-off has passed (doubling, bounded) or at once after ``ketnap projections
retry``, which notifies the worker. Other errors (a bug outside the events, a database that
refuses) also back off, doubling from :data:`FAILURE_BACKOFF` up to :data:`FAILURE_BACKOFF_MAX`.

Followed tenants: all registered tenants, disabled ones included (a disabled tenant records
nothing new, but its read models must still reach the end of its history).

Test-only: ``KETNAP_WORKER_TEST_DELAY`` (seconds, default 0; ``Settings.worker_test_delay``, passed
as :attr:`WorkerOptions.test_delay`) makes every batch transaction wait that long before committing, so a test can kill the worker in the middle of a catch-up.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import psycopg
from psycopg import sql

from domain.errors import DomainError
from projections.runner import ProjectionHalted, TenantProjector
from projections.sql import OWNER_LOCK_CLASS, ReadModelDB, Tx
from service.collector import fewer_collections
from service.metrics import BATCHES, EVENTS_PROJECTED, OTHER, PROJECTION_FAILURES, TENANTS_OWNED
from service.read_models import ReadModels, log_failure
from service.settings import DEFAULT_WORKER_NAME
from service.store import Store, tenant_schema
from service.store.outage import store_unavailable
from service.store.postgres import EVENTS_CHANNEL, PROGRESS_CHANNEL
from service.store.registry import TENANTS_CHANNEL

log = logging.getLogger(__name__)

#: Advisory-lock class of worker membership (one lock per live worker, second key = its slot).
WORKER_LOCK_CLASS = 72_003
#: Test-only: seconds each batch transaction waits before committing.
TEST_DELAY_ENV = "KETNAP_WORKER_TEST_DELAY"
#: How long a tenant whose projections failed (not on an event) waits before the next
#: attempt; doubled after each failure in a row...
FAILURE_BACKOFF = 1.0
#: ... up to this.
FAILURE_BACKOFF_MAX = 60.0
MAX_SLOTS = 1024


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker paces itself."""

    #: ``application_name`` of the dedicated connection (visible in ``pg_stat_activity``).
    name: str = DEFAULT_WORKER_NAME
    #: Seconds between safety polls of the owned tenants' heads.
    poll_interval: float = 5.0
    #: Seconds between rounds of taking over unowned tenants and rebalancing.
    takeover_interval: float = 5.0
    #: Longest single wait for notifications (bounds how long a stop request waits).
    wait_slice: float = 0.5
    #: Test-only delay before each batch commits (see the module docstring).
    test_delay: float = 0.0


@dataclass
class _Run:
    """One tenant's catch-up in progress (for the log line)."""

    events: int = 0
    seconds: float = 0.0


@dataclass
class WorkerStats:
    """What the worker did (for tests and the final log line)."""

    events: Counter[str] = field(default_factory=Counter)
    catch_ups: int = 0
    batches: int = 0


class _SlowCommits(ReadModelDB):
    """Test-only wrapper: every write transaction waits ``delay`` s before committing."""

    def __init__(self, inner: ReadModelDB, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.dialect = inner.dialect
        self.tenant = inner.tenant

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        with self.inner.transaction(write=write) as tx:
            yield tx
            if write:
                time.sleep(self.delay)

    def lock_statement(self) -> str | None:
        return self.inner.lock_statement()


class Worker:
    """Follows every tenant of a PostgreSQL ``store`` and keeps its read models up to date."""

    def __init__(
        self,
        store: Store,
        *,
        options: WorkerOptions | None = None,
        read_models: ReadModels | None = None,
    ) -> None:
        if store.backend != "postgres":
            msg = "the projection worker needs PostgreSQL (SQLite projects inline)"
            raise ValueError(msg)
        self.store = store
        self.options = options or WorkerOptions()
        self.read_models = read_models or ReadModels(store, inline=False)
        self.stats = WorkerStats()
        #: Tenants this worker owns now.
        self.owned: set[str] = set()
        self._tenants: list[str] = []
        self._pending: dict[str, None] = {}  # ordered set: round-robin order
        self._reached: dict[str, int] = {}
        self._runs: dict[str, _Run] = {}
        self._failed_until: dict[str, float] = {}
        self._failures_in_row: Counter[str] = Counter()
        self._conn: psycopg.Connection[Any] | None = None
        self._slot: int | None = None
        self._refresh_tenants = True
        self.ready = threading.Event()  # set once the first round of ownership is done

    # --- main loop ----------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; reconnects (and catches up again) if the database drops."""
        # The projectors' caches and batches are many long-lived objects: collect less often
        # (service.collector), as an import does, for as long as the worker works.
        with fewer_collections():
            self._run(stop)

    def _run(self, stop: threading.Event) -> None:
        pause = 0.5
        log.info("worker %s started", self.options.name)
        try:
            while not stop.is_set():
                try:
                    self._session(stop)
                    pause = 0.5
                except Exception as error:
                    # The pool's connections die with the server too, and the event store
                    # reports that as its own OperationalError: same outage, same reconnect.
                    if not store_unavailable(error):
                        raise
                    log.warning("worker connection lost (%s); reconnecting in %.1f s", error, pause)
                    self._disconnect()
                    stop.wait(pause)
                    pause = min(pause * 2, 10.0)
        finally:
            self._disconnect()
            log.info(
                "worker %s stopped: %d events in %d batches",
                self.options.name,
                sum(self.stats.events.values()),
                self.stats.batches,
            )

    def _session(self, stop: threading.Event) -> None:
        conn = self._conn = self._connect()
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(EVENTS_CHANNEL)))
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(TENANTS_CHANNEL)))
        self._slot = self._take_slot(conn)
        self._refresh_tenants = True
        self._take_over(conn)
        self.ready.set()
        now = time.monotonic()
        next_poll = now + self.options.poll_interval
        next_takeover = now + self.options.takeover_interval
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_takeover or self._refresh_tenants:
                self._take_over(conn)
                next_takeover = now + self.options.takeover_interval
            if now >= next_poll:
                self._poll()
                next_poll = now + self.options.poll_interval
            if self._pending:
                wait = 0.0
            else:
                wait = max(0.0, min(self.options.wait_slice, next_poll - now, next_takeover - now))
            self._listen(conn, wait)
            self._round(stop)

    def _listen(self, conn: psycopg.Connection[Any], wait: float) -> None:
        """Wait at most ``wait`` s for the first notification, then take those already here.

        Returning at the first one (not at the end of the slice) is what lets a writer waiting
        for its own write see it within milliseconds instead of up to ``wait_slice`` later.
        """
        for notify in conn.notifies(timeout=wait, stop_after=1):
            self._heard(notify.channel, notify.payload)
        for notify in conn.notifies(timeout=0):
            self._heard(notify.channel, notify.payload)

    # --- connection, membership, ownership -----------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        kwargs = self.store.settings.postgres().connect_kwargs(self.options.name)
        return psycopg.connect(autocommit=True, connect_timeout=30, **kwargs)

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        lost = sorted(self.owned)
        self.owned.clear()
        TENANTS_OWNED.set(0)
        self._pending.clear()
        self._slot = None
        for slug in lost:
            self.read_models.forget(slug)
        if conn is not None:
            # Closing the session releases every ownership and membership lock at once.
            conn.close()

    @staticmethod
    def _take_slot(conn: psycopg.Connection[Any]) -> int:
        for slot in range(MAX_SLOTS):
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (WORKER_LOCK_CLASS, slot)
            ).fetchone()
            if row is not None and row[0]:
                return slot
        msg = f"more than {MAX_SLOTS} workers on one database"
        raise RuntimeError(msg)

    @staticmethod
    def _workers(conn: psycopg.Connection[Any]) -> int:
        """How many workers are alive (membership locks held) on this database."""
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (WORKER_LOCK_CLASS,),
        ).fetchone()
        return max(1, int(row[0]) if row else 1)

    def _take_over(self, conn: psycopg.Connection[Any]) -> None:
        """Refresh the tenant list, take unowned tenants up to the fair share, release extras."""
        self._tenants = [t.slug for t in self.store.registry.list()]
        self._refresh_tenants = False
        for slug in self.owned - set(self._tenants):  # tenant gone
            self._release(conn, slug)
        share = math.ceil(len(self._tenants) / self._workers(conn)) if self._tenants else 0
        for slug in self._tenants:
            if len(self.owned) >= share:
                break
            if slug not in self.owned and self._try_own(conn, slug):
                self.owned.add(slug)
                TENANTS_OWNED.set(len(self.owned))
                self._pending[slug] = None  # catch up from its tracking positions
                log.info("tenant %s: owned by %s", slug, self.options.name)
        extra = len(self.owned) - share
        for slug in sorted(self.owned):
            if extra <= 0:
                break
            if slug not in self._pending:
                self._release(conn, slug)
                extra -= 1

    @staticmethod
    def _try_own(conn: psycopg.Connection[Any], slug: str) -> bool:
        row = conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))",
            (OWNER_LOCK_CLASS, tenant_schema(slug)),
        ).fetchone()
        return bool(row and row[0])

    def _release(self, conn: psycopg.Connection[Any], slug: str) -> None:
        conn.execute(
            "SELECT pg_advisory_unlock(%s, hashtext(%s))", (OWNER_LOCK_CLASS, tenant_schema(slug))
        )
        self.owned.discard(slug)
        TENANTS_OWNED.set(len(self.owned))
        self._pending.pop(slug, None)
        self._reached.pop(slug, None)
        self.read_models.forget(slug)
        log.info("tenant %s: released by %s", slug, self.options.name)

    # --- what to do ----------------------------------------------------------------------------
    def _heard(self, channel: str, payload: str) -> None:
        if channel == TENANTS_CHANNEL or payload not in self._tenants:
            self._refresh_tenants = True
        elif channel == EVENTS_CHANNEL and payload in self.owned:
            self._pending[payload] = None

    def _tell(self, slug: str, position: int, *, failed: bool = False) -> None:
        """Notify :data:`PROGRESS_CHANNEL` that ``slug``'s batch is committed (or failed), so
        the servers' read-your-writes waits wake now rather than at their next fallback poll."""
        if self._conn is None:
            return
        payload = f"{slug} {position}" + (" failed" if failed else "")
        self._conn.execute("SELECT pg_notify(%s, %s)", (PROGRESS_CHANNEL, payload))

    def _poll(self) -> None:
        """Safety net for missed notifications: any owned tenant whose head moved has work."""
        for slug in sorted(self.owned):
            if slug in self._pending:
                continue
            try:
                head = self._projector(slug).head()
            except Exception:
                log.exception("tenant %s: could not read its head", slug)
                continue
            if head > self._reached.get(slug, -1):
                self._pending[slug] = None

    def _projector(self, slug: str) -> TenantProjector:
        projector = self.read_models.projector(slug)
        if self.options.test_delay and not isinstance(projector.db, _SlowCommits):
            projector.db = _SlowCommits(projector.db, self.options.test_delay)
        return projector

    def _round(self, stop: threading.Event) -> None:
        """One batch for each tenant with work, in turn."""
        now = time.monotonic()
        for slug in list(self._pending):
            if stop.is_set():
                return
            if self._failed_until.get(slug, 0.0) > now:
                continue
            self._batch(slug)

    def _batch(self, slug: str) -> None:
        run = self._runs.setdefault(slug, _Run())
        try:
            report = self._projector(slug).catch_up(max_batches=1)
        except ProjectionHalted as halted:
            # Recorded in the tenant's schema; the projector knows when to try again, and
            # the safety poll or a retry's notification brings the tenant back here.
            if halted.attempted:
                log_failure(halted.failure)
            self._tell(slug, halted.failure.position, failed=True)
            self._pending.pop(slug, None)
            self._runs.pop(slug, None)
            return
        except Exception as error:
            if store_unavailable(error):
                raise  # the database is gone, not this tenant's projections: reconnect
            self._failures_in_row[slug] += 1
            PROJECTION_FAILURES.labels(slug, OTHER).inc()
            delay = min(
                FAILURE_BACKOFF_MAX, FAILURE_BACKOFF * 2 ** min(self._failures_in_row[slug] - 1, 16)
            )
            if isinstance(error, DomainError):  # expected and named (e.g. a missing key)
                log.error(
                    "tenant %s: projections failed with %s; retrying in %g s",
                    slug,
                    error.code,
                    delay,
                )
            else:
                log.exception("tenant %s: projections failed; retrying in %g s", slug, delay)
            self._failed_until[slug] = time.monotonic() + delay
            self._pending.pop(slug, None)
            self._runs.pop(slug, None)
            self.read_models.forget(slug)
            return
        self._failed_until.pop(slug, None)
        self._failures_in_row.pop(slug, None)
        run.events += report.events
        run.seconds += report.seconds
        self.stats.events[slug] += report.events
        self.stats.batches += report.batches
        if report.events:
            EVENTS_PROJECTED.labels(slug).inc(report.events)
        if report.batches:
            BATCHES.inc(report.batches)
        if report.batches:
            self._reached[slug] = report.position
            self._tell(slug, report.position)
        if report.batches and report.position < report.head:
            return  # more to do: next round
        if report.batches == 0:
            self._reached[slug] = max(self._reached.get(slug, 0), report.position)
        self._pending.pop(slug, None)
        self._runs.pop(slug, None)
        if run.events:
            self.stats.catch_ups += 1
            rate = run.events / run.seconds if run.seconds > 0 else 0.0
            log.info(
                "tenant %s: caught up %d events in %.2f s = %.0f events/s (position %d)",
                slug,
                run.events,
                run.seconds,
                rate,
                self._reached[slug],
            )


def run_worker(
    store: Store, options: WorkerOptions | None = None, *, read_models: ReadModels | None = None
) -> None:
    """Run a worker in this (main) thread until SIGTERM or SIGINT, then return."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the batch in progress", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        Worker(store, options=options, read_models=read_models).run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
