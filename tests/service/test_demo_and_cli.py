"""The demo tenant covers every event type of the domain; the CLI works as a real process (each
command a child process of its own, forked from one that has done the imports:
:class:`tests.processes.KetnapForks`)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import domain
from service.cli import event_type_counts
from service.commands import Handlers
from service.demo import seed_demo
from service.store import Store
from tests.processes import ROOT, KetnapForks


def test_the_demo_tenant_records_every_event_type_and_is_reproducible(store: Store) -> None:
    handlers = Handlers(store, today=lambda: date(2026, 11, 21))
    report = seed_demo(handlers, candidates=30, seed=7)
    assert report.refused == []
    counts = event_type_counts(store.app("demo", write=False))
    # the tenant merged into the demo (issue 13) ends with its closing event
    closed = event_type_counts(store.app("ba_ria_vung_tau", write=False))
    assert set(counts) | set(closed) == set(domain.event_type_names())
    assert set(closed) - set(counts) == {"MergeClosing.TenantClosedByMerge"}
    assert (
        report.candidates == 30 + 15 + 2 + 3 + 3
    )  # generated + scripted + rules cases + lists + recorded paths
    # the same seed gives the same history in a second tenant
    again = seed_demo(handlers, tenant="demo_again", candidates=30, seed=7)
    assert again.candidates == report.candidates
    assert event_type_counts(store.app("demo_again", write=False)) == counts


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KETNAP_")}


@pytest.fixture
def forks(tmp_path: Path) -> Iterator[KetnapForks]:
    """The test's ``ketnap`` processes, each forked from one that has done the imports."""
    server = KetnapForks({**_environment(), "PYTHONPATH": str(ROOT)}, ROOT, tmp_path / "outputs")
    try:
        yield server
    finally:
        server.close()


def test_the_cli_seeds_the_demo_and_refuses_bad_input_bilingually(
    tmp_path: Path, forks: KetnapForks
) -> None:
    def _ketnap(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**_environment(), "KETNAP_DATA_DIR": str(data_dir)}
        return forks.run(list(args), cwd=Path.cwd(), env=env, timeout=120)

    data = tmp_path / "data"
    seeded = _ketnap(data, "demo", "--candidates", "10")
    assert seeded.returncode == 0, seeded.stderr
    assert "all event types present" in seeded.stdout
    listed = _ketnap(data, "tenants", "list")
    assert listed.returncode == 0
    assert "demo" in listed.stdout
    history = _ketnap(data, "events", "--tenant", "demo", "--last", "3")
    assert history.returncode == 0
    assert len(history.stdout.strip().splitlines()) == 3

    taken = _ketnap(data, "tenants", "create", "demo", "--name", "Trùng")
    assert taken.returncode == 2
    assert "TENANT_SLUG_TAKEN" in taken.stderr
    assert "đã được sử dụng" in taken.stderr
    assert "already taken" in taken.stderr
    unknown = _ketnap(data, "events", "--tenant", "khong_co")
    assert unknown.returncode == 2
    assert "khong_co" in unknown.stderr
    assert _ketnap(data, "tenants", "list").stdout == listed.stdout
