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
from typing import Any

import psycopg
from psycopg import sql

from service.store.registry import TENANTS_CHANNEL
from service.store.store import Store

log = logging.getLogger(__name__)

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
    ) -> None:
        self.store = store
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
                    self.connections += 1
                    pause = 0.5
                    self._follow(conn)
            except Exception as error:  # the thread must outlive any failure
                self.listening.clear()
                log.warning(
                    "registry watcher: %s; reconnecting in %.1f s", type(error).__name__, pause
                )
                self._stop.wait(pause)
                pause = min(pause * 2, 10.0)

    def _follow(self, conn: psycopg.Connection[Any]) -> None:
        self._refresh(None)  # whatever changed while nobody listened
        self.listening.set()
        next_check = time.monotonic() + self.fallback_interval
        while not self._stop.is_set():
            wait = max(0.0, min(WAIT_SLICE, next_check - time.monotonic()))
            for notify in conn.notifies(timeout=wait):
                self._refresh(notify.payload)
            if time.monotonic() >= next_check:
                self._refresh(None)
                next_check = time.monotonic() + self.fallback_interval

    def _refresh(self, slug: str | None) -> None:
        try:
            self.store.registry.refresh(slug)
        except Exception as error:
            log.warning("registry watcher: could not refresh: %s", type(error).__name__)


@contextlib.contextmanager
def following_registry(store: Store) -> Iterator[RegistryWatcher | None]:
    """While inside: registry changes of other processes reach ``store`` (a watcher thread on
    PostgreSQL; nothing to run on SQLite, whose registry is checked per request)."""
    if store.backend != "postgres":
        yield None
        return
    watcher = RegistryWatcher(store)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()
