"""A worker process killed in the middle of a catch-up loses and doubles nothing.

The real ``ketnap worker`` runs as a subprocess on the demo tenant (~2,350 events) with small
batches, each made to wait before committing (``KETNAP_WORKER_TEST_DELAY``), and is killed
(SIGKILL) once its tracking positions are between 0 and the head. A second worker process
resumes from the tracking positions; when it is done (and stopped with SIGTERM, exit 0), every
read-model table equals a fresh rebuild of the same tenant from its history.
"""

from __future__ import annotations

import re
import signal
from datetime import date
from pathlib import Path

import pytest

from service.commands import Handlers
from service.demo import DEMO_SLUG, seed_demo
from service.read_models import ReadModels
from service.store import Store
from service.worker import TEST_DELAY_ENV
from tests.conftest import PostgresDatabase, with_database
from tests.processes import Ketnap, env_for, start, wait_until
from tests.projections.test_rebuild import dump_read_models

pytestmark = pytest.mark.postgres

#: The demo tenant's line (the demo's merged tenant, issue 13, is caught up too).
CAUGHT_UP = re.compile(
    rf"tenant {DEMO_SLUG}: caught up (\d+) events in ([\d.]+) s = (\d+) events/s"
)


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: the worker is the PostgreSQL way of running projections."""
    return "postgres"


def _start_worker(store: Store, database: PostgresDatabase, log: Path, *, delay: float) -> Ketnap:
    # The worker needs the same personal-data keys as the test's store (never in the database).
    env = env_for(
        store.settings,
        KETNAP_DATABASE_URL=with_database(
            database.admin_url, database.name, application_name="ketnap-crash-worker-pool"
        ),
        KETNAP_PROJECTION_BATCH_SIZE="50",
    )
    if delay:
        env[TEST_DELAY_ENV] = str(delay)
    return start(env, log, "worker", "--name", "ketnap-crash-worker", "--poll-interval", "0.5")


def test_a_worker_killed_mid_catch_up_resumes_and_ends_equal_to_a_rebuild(
    store: Store, postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    seed_demo(Handlers(store, today=lambda: date(2026, 11, 21)))
    read_models = ReadModels(store, inline=False)
    head = read_models.projector(DEMO_SLUG).head()
    assert head > 2000
    assert read_models.reached(DEMO_SLUG) == 0  # nothing projected yet: no worker ran

    first = _start_worker(store, postgres_database, tmp_path / "first.log", delay=0.02)
    try:
        wait_until(
            lambda: read_models.reached(DEMO_SLUG) > 0 or first.process.poll() is not None,
            timeout=30,
            what="the first worker has committed a batch",
            every=0.01,
        )
        assert first.process.poll() is None, first.output()
        killed_at = read_models.reached(DEMO_SLUG)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
    finally:
        first.kill()
    after_kill = read_models.reached(DEMO_SLUG)
    assert 0 < killed_at <= after_kill < head  # killed in the middle of its catch-up

    second = _start_worker(store, postgres_database, tmp_path / "second.log", delay=0)
    try:
        wait_until(
            lambda: read_models.reached(DEMO_SLUG) == head or second.process.poll() is not None,
            timeout=30,
            what="the second worker has caught up",
            every=0.01,
        )
        assert second.process.poll() is None, second.output()
        second.process.send_signal(signal.SIGTERM)
        second.process.wait(10)
        log = second.output()
        assert second.process.returncode == 0, log  # graceful stop
    finally:
        second.kill()
    figures = CAUGHT_UP.search(log)
    assert figures is not None, log
    assert int(figures[1]) == head - after_kill  # resumed from the tracking, nothing redone
    print(f"resumed catch-up: {figures[0]}")

    recovered = dump_read_models(read_models, DEMO_SLUG)
    assert recovered["projection_tracking"]
    assert all(position == head for _, position, _ in recovered["projection_tracking"])
    rebuilt_report = read_models.rebuild(DEMO_SLUG)
    assert rebuilt_report.events == head
    rebuilt = dump_read_models(read_models, DEMO_SLUG)
    for name, rows in rebuilt.items():
        assert recovered[name] == rows, f"{name}: differs from a rebuild after the crash"
    if "rm_positions" in rebuilt:  # one row per event: each applied exactly once
        assert [row[0] for row in rebuilt["rm_positions"]] == list(range(1, head + 1))
