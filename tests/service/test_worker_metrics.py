"""The worker's own metrics (``ketnap worker`` serves them on ``KETNAP_METRICS_PORT``): what it
projected for which tenant, its batches, the tenants it owns and its pool; the lag of every
tenant is left to the servers."""

from __future__ import annotations

import socket

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from domain.errors import InvalidInput
from service.commands import Handlers
from service.observability.exposition import process_registry, serve_metrics
from service.read_models import ReadModels
from service.store import Store
from tests.conftest import PostgresDatabase, StoreMaker
from tests.service.test_worker import (
    OPERATOR,
    TODAY,
    _caught_up_check,
    _record,
    _running_worker,
    _wait_until,
)

pytestmark = pytest.mark.postgres

#: A tenant no other test counts events for (the counters are the process's).
TENANT = "metrics_worker"


@pytest.fixture
def backend() -> str:
    """The worker needs PostgreSQL."""
    return "postgres"


def test_the_worker_exposes_what_it_projected_its_tenants_and_its_pool(
    store: Store, store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(OPERATOR, TENANT, "Metrics", "other")
    for days in range(30, 35):
        _record(handlers, TENANT, days)
    read_models = ReadModels(store, inline=False)
    with _running_worker(store_maker, postgres_database, "ketnap-worker-metrics") as worker:
        _wait_until(_caught_up_check(read_models, TENANT), what="caught up")
        registry = process_registry(worker.store, worker.read_models, worker=True)
        server = serve_metrics(registry, host="127.0.0.1", port=0)
        try:
            text = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=30).text
        finally:
            server.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    head = read_models.projector(TENANT).head()
    assert samples[("ketnap_worker_events_projected_total", (("tenant", TENANT),))] == head
    assert samples[("ketnap_worker_batches_total", ())] >= 1
    assert samples[("ketnap_worker_tenants_owned", ())] >= 1
    assert samples[("ketnap_pg_pool_max", (("pool", "app"),))] == store.settings.max_pg_connections
    # the tenants' lag is the servers' to report: no query per tenant on each scrape here
    assert not [name for name, _ in samples if name.startswith("ketnap_projection_lag")]


def test_a_metrics_port_already_taken_is_refused_in_both_languages() -> None:
    """Two processes given the same KETNAP_METRICS_PORT: the second is told so, bilingually,
    and listens nowhere."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInput) as refused:
            serve_metrics(CollectorRegistry(), host="127.0.0.1", port=port)
    error = refused.value
    assert error.code == "METRICS_PORT_UNAVAILABLE"
    assert error.field == "KETNAP_METRICS_PORT"
    assert f"127.0.0.1:{port}" in error.message_vi
    assert "KETNAP_METRICS_PORT" in error.message_vi
    assert f"Cannot listen for metrics on 127.0.0.1:{port}" in error.message_en
