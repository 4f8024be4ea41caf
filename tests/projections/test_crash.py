"""A worker process killed in the middle of a catch-up loses and doubles nothing.

The real ``ketnap worker`` runs as a subprocess on the demo tenant (~2,350 events) with small
batches, each made to wait before committing (``KETNAP_WORKER_TEST_DELAY``), and is killed
(SIGKILL) once its tracking positions are between 0 and the head. A second worker process
resumes from the tracking positions; when it is done (and stopped with SIGTERM, exit 0), every
read-model table equals a fresh rebuild of the same tenant from its history.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from service.commands import Handlers
from service.demo import DEMO_SLUG, seed_demo
from service.read_models import ReadModels
from service.store import Store
from service.worker import TEST_DELAY_ENV
from tests.conftest import PostgresDatabase, with_database
from tests.projections.test_rebuild import dump_read_models

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CAUGHT_UP = re.compile(r"caught up (\d+) events in ([\d.]+) s = (\d+) events/s")


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: the worker is the PostgreSQL way of running projections."""
    return "postgres"


def _start_worker(
    store: Store, database: PostgresDatabase, *, delay: float
) -> subprocess.Popen[str]:
    # The worker needs the same personal-data keys as the test's store (never in the database).
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNAP_")}
    assert store.settings.key_file is not None
    env.update(
        KETNAP_KEY_FILE=str(store.settings.key_file),
        KETNAP_DATABASE_URL=with_database(
            database.admin_url, database.name, application_name="ketnap-crash-worker-pool"
        ),
        KETNAP_PROJECTION_BATCH_SIZE="50",
        KETNAP_PG_POOL_SIZE="2",
        KETNAP_PG_MAX_OVERFLOW="2",
    )
    if delay:
        env[TEST_DELAY_ENV] = str(delay)
    command = [sys.executable, "-m", "service.cli", "worker", "--name", "ketnap-crash-worker"]
    return subprocess.Popen(
        [*command, "--poll-interval", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.01)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


def test_a_worker_killed_mid_catch_up_resumes_and_ends_equal_to_a_rebuild(
    store: Store, postgres_database: PostgresDatabase
) -> None:
    seed_demo(Handlers(store, today=lambda: date(2026, 11, 21)))
    read_models = ReadModels(store, inline=False)
    head = read_models.projector(DEMO_SLUG).head()
    assert head > 2000
    assert read_models.reached(DEMO_SLUG) == 0  # nothing projected yet: no worker ran

    first = _start_worker(store, postgres_database, delay=0.02)
    try:
        _wait_until(
            lambda: read_models.reached(DEMO_SLUG) > 0 or first.poll() is not None,
            timeout=30,
            what="the first worker has committed a batch",
        )
        assert first.poll() is None, first.communicate()[1]
        killed_at = read_models.reached(DEMO_SLUG)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    after_kill = read_models.reached(DEMO_SLUG)
    assert 0 < killed_at <= after_kill < head  # killed in the middle of its catch-up

    second = _start_worker(store, postgres_database, delay=0)
    try:
        _wait_until(
            lambda: read_models.reached(DEMO_SLUG) == head or second.poll() is not None,
            timeout=30,
            what="the second worker has caught up",
        )
        assert second.poll() is None, second.communicate()[1]
        second.send_signal(signal.SIGTERM)
        _, log = second.communicate(timeout=10)
        assert second.returncode == 0, log  # graceful stop
    finally:
        _stop(second)
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
