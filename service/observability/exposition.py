"""Serving a process's Prometheus metrics on their own port (``KETNAP_METRICS_PORT``).

Why a port of its own rather than ``/metrics`` beside ``/graphql``: the metrics name tenants and
tell how busy each is, which is no business of the public; the public port is the one the proxy
or ingress forwards, the metrics port is one only the cluster's network reaches (see
deploy/README.md, *What to watch and alert on*). It also keeps scrapes out of the request log,
the request metrics and the request limits.

The registry of a process holds the families counted as things happen (:mod:`service.metrics`)
and :class:`StoreCollector`, which reads at scrape time what the store knows: the PostgreSQL
pools' usage (psycopg-pool's ``get_stats``) and, where asked, each tenant's projection lag and
stopped projections (what ``/readyz`` reads: a few queries per tenant and scrape).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import start_http_server
from prometheus_client.registry import Collector

from domain.errors import InvalidInput
from service.metrics import SERVER_FAMILIES, WORKER_FAMILIES
from service.read_models import ReadModels
from service.settings import Settings
from service.store import Store

log = logging.getLogger(__name__)

#: psycopg-pool's gauges (``get_stats`` keys) and what they are exposed as.
POOL_GAUGES = (
    ("pool_size", "ketnap_pg_pool_connections", "Connections the pool holds (busy or idle)."),
    ("pool_available", "ketnap_pg_pool_idle", "Idle connections ready in the pool."),
    ("pool_max", "ketnap_pg_pool_max", "The most connections the pool may hold."),
    ("requests_waiting", "ketnap_pg_pool_waiting", "Callers waiting for a connection now."),
)
#: psycopg-pool's counters (cumulative since the pool opened).
POOL_COUNTERS = (
    ("requests_num", "ketnap_pg_pool_requests", "Connections asked of the pool."),
    ("requests_queued", "ketnap_pg_pool_requests_queued", "Requests that had to wait."),
    ("requests_errors", "ketnap_pg_pool_timeouts", "Requests that got no connection in time."),
    ("connections_errors", "ketnap_pg_pool_connect_errors", "Failed connection attempts."),
    ("connections_lost", "ketnap_pg_pool_connections_lost", "Connections found broken."),
)

POOL_WAIT = "ketnap_pg_pool_wait_seconds"
STORE_UP = "ketnap_store_up"
PROJECTION_LAG = "ketnap_projection_lag_events"
PROJECTION_FAILED = "ketnap_projection_failed"


def series_names() -> set[str]:
    """The name of every ``ketnap_*`` series a process may expose (as scraped: counters with
    ``_total``, histograms with ``_bucket``, ``_count``, ``_sum``): what alert rules may use."""
    names = {STORE_UP, PROJECTION_LAG, PROJECTION_FAILED, f"{POOL_WAIT}_total"}
    names |= {name for _, name, _ in POOL_GAUGES}
    names |= {f"{name}_total" for _, name, _ in POOL_COUNTERS}
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
    for family in {*SERVER_FAMILIES, *WORKER_FAMILIES}:
        for metric in family.describe():
            names |= {metric.name + suffix for suffix in suffixes[metric.type]}
    return names


class StoreCollector(Collector):
    """The store's state at scrape time: pool usage, and (``projections``) every tenant's lag
    and stopped projections, by tenant and projection."""

    def __init__(self, store: Store, read_models: ReadModels, *, projections: bool) -> None:
        self.store = store
        self.read_models = read_models
        self.projections = projections

    def collect(self) -> Iterator[Metric]:
        yield from self._pools()
        if self.projections:
            yield from self._projections()

    def _pools(self) -> Iterator[Metric]:
        stats = self.store.pool_stats()
        if not stats:
            return
        for key, name, documentation in POOL_GAUGES:
            gauge = GaugeMetricFamily(name, documentation, labels=["pool"])
            for pool, values in stats.items():
                gauge.add_metric([pool], values.get(key, 0))
            yield gauge
        for key, name, documentation in POOL_COUNTERS:
            counter = CounterMetricFamily(name, documentation, labels=["pool"])
            for pool, values in stats.items():
                counter.add_metric([pool], values.get(key, 0))
            yield counter
        wait = CounterMetricFamily(
            POOL_WAIT, "Time callers spent waiting for a connection.", labels=["pool"]
        )
        for pool, values in stats.items():
            wait.add_metric([pool], values.get("requests_wait_ms", 0) / 1000)
        yield wait

    def _projections(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(STORE_UP, "1 when this scrape could read the store, else 0.")
        lag = GaugeMetricFamily(
            PROJECTION_LAG,
            "Events recorded but not yet applied, by tenant and projection.",
            labels=["tenant", "projection"],
        )
        failed = GaugeMetricFamily(
            PROJECTION_FAILED,
            "1 when a recorded failure stops the tenant's projections at this projection.",
            labels=["tenant", "projection"],
        )
        names = self.read_models.projection_names
        try:
            for tenant in self.store.registry.list():
                slug = tenant.slug
                head = self.store.head(slug)
                positions = self.read_models.positions(slug)
                behind = {name: max(0, head - positions.get(name, 0)) for name in names}
                failure = self.read_models.failure(slug) if any(behind.values()) else None
                for name in names:
                    lag.add_metric([slug, name], behind[name])
                    stopped = failure is not None and failure.projection == name
                    failed.add_metric([slug, name], 1 if stopped else 0)
        except Exception as error:  # the store did not answer: say so, and no stale figures
            log.warning("metrics: the store did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield lag
        yield failed


def process_registry(
    store: Store | None = None,
    read_models: ReadModels | None = None,
    *,
    worker: bool = False,
) -> CollectorRegistry:
    """A registry of this process's metrics: the families a server (or a ``worker``) counts,
    the process's own (CPU, memory, file descriptors, GC) and, given a store,
    :class:`StoreCollector` (with every tenant's projection lag for a server only: the lag is
    the same whoever reads it, and the servers read it for ``/readyz`` too)."""
    # no auto_describe: registering the store's collector must not query the store
    registry = CollectorRegistry(auto_describe=False)
    for family in WORKER_FAMILIES if worker else SERVER_FAMILIES:
        registry.register(family)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    if store is not None and read_models is not None:
        registry.register(StoreCollector(store, read_models, projections=not worker))
    return registry


@dataclass
class MetricsServer:
    """The metrics listener of a process, in a daemon thread; :meth:`stop` ends it."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port it listens on (the one asked for, or the one found for port 0)."""
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, *, host: str, port: int) -> MetricsServer:
    """Serve ``registry`` at ``http://host:port/metrics`` (a bilingual refusal when the port
    cannot be had: another process holds it, or the address is not this machine's)."""
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        raise InvalidInput(
            "METRICS_PORT_UNAVAILABLE",
            f"Không mở được cổng số liệu (metrics) {host}:{port}: {error.strerror or error}. "
            "Hãy đặt KETNAP_METRICS_PORT (và KETNAP_METRICS_HOST) khác cho mỗi tiến trình.",
            f"Cannot listen for metrics on {host}:{port}: {error.strerror or error}. Give each "
            "process its own KETNAP_METRICS_PORT (and KETNAP_METRICS_HOST).",
            field="KETNAP_METRICS_PORT",
        ) from None
    log.info("metrics at http://%s:%d/metrics", host, int(server.server_address[1]))
    return MetricsServer(server, thread)


def metrics_for(
    settings: Settings, store: Store, read_models: ReadModels, *, worker: bool = False
) -> MetricsServer | None:
    """The process's metrics listener as the settings ask (None: ``KETNAP_METRICS_PORT`` is 0)."""
    if not settings.metrics_port:
        return None
    registry = process_registry(store, read_models, worker=worker)
    return serve_metrics(registry, host=settings.metrics_host, port=settings.metrics_port)
