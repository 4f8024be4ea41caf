"""Disabling and enabling a tenant are events of the platform, and reach every process at once.

A second :class:`Store` on the same data stands for another process (the CLI, another replica):
it has its own connections and its own cache of tenant applications. The real processes are in
``tests/service/test_registry_propagation.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from domain.errors import DomainError
from domain.values import Actor, Role
from service.store import Store, TenantDisabled
from service.store.registry import RegistryChange
from service.store.registry_watch import RegistryWatcher, following_registry
from tests.conftest import StoreMaker

OPS = Actor("ops-1", Role.PLATFORM_OPERATOR)
#: What the issue asks: a change takes effect in every running process within a second.
WITHIN = 1.0


def _seconds_until(check: Callable[[], bool], timeout: float = 10.0) -> float:
    """Seconds until ``check()`` holds (polled every millisecond); ``inf`` if it never does."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.001)
    return float("inf")


def _writable(store: Store, slug: str) -> bool:
    try:
        store.app(slug)
    except TenantDisabled:
        return False
    return True


def test_disable_and_enable_are_recorded_with_who_when_and_why(store: Store) -> None:
    registry = store.registry
    registry.create("acme", "Đảng bộ Acme", "other", actor=OPS)
    registry.disable("acme", actor=OPS, reason="Chưa gia hạn")
    with pytest.raises(DomainError) as again:
        registry.disable("acme", actor=OPS, reason="lần nữa")
    assert again.value.code == "TENANT_ALREADY_DISABLED"
    assert registry.enable("acme", actor=OPS, reason="Đã gia hạn").disabled is False
    with pytest.raises(DomainError) as enabled:
        registry.enable("acme", actor=OPS, reason="lần nữa")
    assert enabled.value.code == "TENANT_NOT_DISABLED"
    with pytest.raises(DomainError) as unknown:
        registry.disable("nobody", actor=OPS, reason="x")
    assert unknown.value.code == "TENANT_NOT_FOUND"

    history = registry.history("acme")
    assert [(e.change, e.actor, e.reason) for e in history] == [
        (RegistryChange.CREATED, OPS, ""),
        (RegistryChange.DISABLED, OPS, "Chưa gia hạn"),
        (RegistryChange.ENABLED, OPS, "Đã gia hạn"),
    ]  # the refusals left no trace
    times = [e.recorded_at for e in history]
    assert times == sorted(times)
    assert times[0] == registry.get("acme").created_at


@pytest.fixture
def two_processes(store_maker: StoreMaker) -> Iterator[tuple[Store, Store]]:
    """This process's store, following the registry as a server does, and another's."""
    here, there = store_maker(), store_maker()
    here.registry.create("acme", "Đảng bộ Acme", "other")
    with following_registry(here) as watcher:
        if watcher is not None:
            assert watcher.listening.wait(10)
        yield here, there


def test_a_change_made_by_another_process_reaches_the_cached_application(
    two_processes: tuple[Store, Store],
) -> None:
    here, there = two_processes
    assert _writable(here, "acme")  # its application is cached, writable
    there.registry.disable("acme", actor=OPS, reason="Khóa")
    refused = _seconds_until(lambda: not _writable(here, "acme"))
    assert refused < WITHIN
    assert here.app("acme", write=False).tenant == "acme"  # still readable
    there.registry.enable("acme", actor=OPS, reason="Mở")
    accepted = _seconds_until(lambda: _writable(here, "acme"))
    assert accepted < WITHIN
    print(f"{here.backend}: refused after {refused:.3f} s, accepted after {accepted:.3f} s")
    there.registry.create("newco", "Đảng bộ Newco", "other")
    assert _writable(here, "newco")


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_the_registry_watcher_reconnects_and_catches_up(store_maker: StoreMaker) -> None:
    here, there = store_maker(), store_maker()
    here.registry.create("acme", "Đảng bộ Acme", "other")
    assert _writable(here, "acme")
    watcher = RegistryWatcher(here, name="ketnap-test-registry-watcher")
    watcher.start()
    try:
        assert watcher.listening.wait(10)
        assert here.settings.database_url
        with psycopg.connect(here.settings.database_url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s AND datname = current_database()",
                (watcher.name,),
            ).fetchone()
        assert killed == (1,)
        # changed while the watcher is (or is about to be) without its connection
        there.registry.disable("acme", actor=OPS, reason="Khóa")
        assert _seconds_until(lambda: not _writable(here, "acme")) < 5
        assert _seconds_until(lambda: watcher.connections == 2 and watcher.listening.is_set()) < 5
        there.registry.enable("acme", actor=OPS, reason="Mở")
        assert _seconds_until(lambda: _writable(here, "acme")) < WITHIN
    finally:
        watcher.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_listening_process_reads_a_tenant_once_and_still_hears_its_changes(
    two_processes: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request checks its token's tenant (``registry.get``): while the watcher listens
    that is answered from memory, and a change made elsewhere still shows within a second."""
    here, there = two_processes
    reads: list[str] = []
    read = here.registry._get

    def counted(slug: str) -> object:
        reads.append(slug)
        return read(slug)

    monkeypatch.setattr(here.registry, "_get", counted)
    assert all(not here.registry.get("acme").disabled for _ in range(20))
    assert reads.count("acme") <= 1
    there.registry.disable("acme", actor=OPS, reason="Khóa")
    assert _seconds_until(lambda: here.registry.get("acme").disabled) < WITHIN
    with pytest.raises(DomainError):
        here.registry.get("nobody")
    there.registry.create("nobody", "Đảng bộ mới", "other")  # unknown is not remembered
    assert here.registry.get("nobody").slug == "nobody"
    here.registry.caching = False  # the watcher stopped listening: every get reads again
    reads.clear()
    here.registry.get("acme")
    here.registry.get("acme")
    assert reads == ["acme", "acme"]
