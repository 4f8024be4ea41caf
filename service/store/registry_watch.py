"""Registry changes made by other processes reach this one within a second (PostgreSQL).

A server caches each tenant's application, with whether it may write. A tenant disabled,
enabled or created by another process (``ketnap tenants disable``, another replica) must take
effect here at once, so each serving process runs one :class:`RegistryWatcher`: a background
thread with its **own** connection (outside the pool, so a busy pool never delays it) that
``LISTEN``\\s to :data:`~service.store.registry.TENANTS_CHANNEL` and calls
``registry.refresh(slug)`` for each notification. Notifications sent while it was not listening
are lost, so it refreshes every tenant when it (re)connects and, as a fallback, every
``fallback_interval`` seconds. A lost connection is retried with a growing pause (0.5 s to
10 s); meanwhile the periodic refresh is what the process has.

The same connection also ``LISTEN``\\s to :data:`~service.store.postgres.PROGRESS_CHANNEL`
when given a ``progress`` listener (the server's ``ReadModels.heard``): the worker says there
after each committed batch how far a tenant's projections are, which wakes the requests waiting
to read their own writes (one connection per process for both, not one more). While it listens,
the registry keeps the tenants it read (``PostgresTenantRegistry.caching``), so a request does
not read the registry: every change arrives here as a notification and refreshes the cache.

SQLite needs no thread: the registry compares ``PRAGMA data_version`` on every request
(:meth:`~service.store.registry.SQLiteTenantRegistry.sync`). The projection worker needs none
either: it already listens to the same channel on its own connection (``service.worker``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

import psycopg
from psycopg import sql

from service.store.postgres import PROGRESS_CHANNEL
from service.store.registry import TENANTS_CHANNEL
from service.store.store import Store

log = logging.getLogger(__name__)


class Progress(Protocol):
    """What hears the worker's progress (the server's ``ReadModels``)."""

    #: True while progress notifications arrive (else waits must poll).
    hearing: bool

    def heard(self, tenant: str, position: int, *, failed: bool = False) -> None:
        """``tenant``'s projections passed ``position`` (or stopped at it, when ``failed``)."""


#: Seconds between refreshes of every tenant, in case a notification was missed.
FALLBACK_INTERVAL = 5.0
#: Longest single wait for a notification (bounds how long :meth:`RegistryWatcher.stop` waits).
WAIT_SLICE = 0.5


class RegistryWatcher:
    """One thread and one dedicated connection following the registry of a PostgreSQL store."""

    def __init__(
        self,
        store: Store,
        *,
        fallback_interval: float = FALLBACK_INTERVAL,
        name: str = "ketnap-registry-watcher",
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.progress = progress
        self.fallback_interval = fallback_interval
        self.name = name
        #: Set while a connection listens (tests wait for it).
        self.listening = threading.Event()
        #: How many times it connected (1 + reconnections).
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start following the registry."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread (at most about :data:`WAIT_SLICE` seconds)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _connect(self) -> psycopg.Connection[Any]:
        kwargs = self.store.settings.postgres().connect_kwargs(self.name)
        return psycopg.connect(autocommit=True, connect_timeout=10, **kwargs)

    def _run(self) -> None:
        pause = 0.5
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(TENANTS_CHANNEL)))
                    if self.progress is not None:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(PROGRESS_CHANNEL)))
                    self.connections += 1
                    pause = 0.5
                    try:
                        self._follow(conn)
                    finally:
                        self._deaf()
            except Exception as error:  # the thread must outlive any failure
                self._deaf()
                log.warning(
                    "registry watcher: %s; reconnecting in %.1f s", type(error).__name__, pause
                )
                self._stop.wait(pause)
                pause = min(pause * 2, 10.0)

    def _deaf(self) -> None:
        """Not listening (any more): nothing may rely on hearing changes."""
        self.listening.clear()
        self.store.registry.caching = False
        if self.progress is not None:
            self.progress.hearing = False

    def _follow(self, conn: psycopg.Connection[Any]) -> None:
        # Cache on before the full refresh: a change made before it is read by it.
        self.store.registry.caching = True
        self._refresh(None)  # whatever changed while nobody listened
        if self.progress is not None:
            self.progress.hearing = True
        self.listening.set()
        next_check = time.monotonic() + self.fallback_interval
        while not self._stop.is_set():
            wait = max(0.0, min(WAIT_SLICE, next_check - time.monotonic()))
            for notify in conn.notifies(timeout=wait):
                if notify.channel == PROGRESS_CHANNEL:
                    self._progressed(notify.payload)
                else:
                    self._refresh(notify.payload)
            if time.monotonic() >= next_check:
                self._refresh(None)
                next_check = time.monotonic() + self.fallback_interval

    def _progressed(self, payload: str) -> None:
        """``<slug> <position>[ failed]`` from the worker (anything else is ignored)."""
        parts = payload.split(" ")
        if self.progress is None or len(parts) not in (2, 3) or not parts[1].isdigit():
            return
        self.progress.heard(parts[0], int(parts[1]), failed=parts[2:] == ["failed"])

    def _refresh(self, slug: str | None) -> None:
        try:
            self.store.registry.refresh(slug)
        except Exception as error:
            log.warning("registry watcher: could not refresh: %s", type(error).__name__)


@contextlib.contextmanager
def following_registry(
    store: Store, progress: Progress | None = None
) -> Iterator[RegistryWatcher | None]:
    """While inside: registry changes of other processes reach ``store``, and the worker's
    progress reaches ``progress`` (a watcher thread on PostgreSQL; nothing to run on SQLite,
    whose registry is checked per request and whose projections run inline)."""
    if store.backend != "postgres":
        yield None
        return
    watcher = RegistryWatcher(store, progress=progress)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()
