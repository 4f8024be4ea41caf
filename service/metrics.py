"""The process's Prometheus metric families, counted where things happen.

Defined once here, with no registry (``registry=None``): each process (or test) gathers them
into its own :class:`prometheus_client.CollectorRegistry` with the collectors that read the
store at scrape time (``service.observability.exposition``). This module imports nothing of
Ketnap's, so the store, the read models, the worker and the API can all count into it.

**Cardinality**: every label has a bounded set of values. ``tenant`` is one of the registered
tenants (a few dozen committees, never a case); ``projection`` one of the projections;
``operation`` a root field of the GraphQL schema or one of the fixed labels of
:data:`FIXED_OPERATIONS` (the client's own operation name, free text, is never a label);
``outcome`` one of :data:`OUTCOMES`; ``code`` an error code of ours (anything else is
:data:`OTHER`). No label ever carries a case, a person, a unit or a request id.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

#: The label of anything outside a bounded set (an unknown root field, an odd error code).
OTHER = "other"
#: What a request came to: answered, refused (the client's doing: a bilingual refusal or a
#: 4xx), unavailable (503: the store does not answer, the time budget ran out), failed (a bug:
#: ``INTERNAL_ERROR`` or another 5xx).
OUTCOMES = ("ok", "refused", "unavailable", "failed")
#: Operation labels that are not root fields: introspection, a GraphQL request that never got
#: to a known field (no token, a document that does not parse), and the other routes.
FIXED_OPERATIONS = ("introspection", "graphql", "healthz", "readyz", "report", "not_found", OTHER)

#: Latency buckets (seconds): a read takes milliseconds, a page of dossiers tens, an import
#: seconds; the request time budget is 10 s by default.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")

REQUESTS = Counter(
    "ketnap_requests",
    "HTTP requests served, by operation (a GraphQL root field or a route) and outcome.",
    ["operation", "outcome"],
    registry=None,
)
REQUEST_SECONDS = Histogram(
    "ketnap_request_duration_seconds",
    "Time from a request's arrival to the last byte of its answer, by operation.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
REFUSALS = Counter(
    "ketnap_refusals",
    "Refusals answered (bilingual errors with a code), by code; one request may give several.",
    ["code"],
    registry=None,
)
EVENTS_APPENDED = Counter(
    "ketnap_events_appended",
    "Events this process stored, by tenant.",
    ["tenant"],
    registry=None,
)
PROJECTION_FAILURES = Counter(
    "ketnap_projection_failures",
    "Failed attempts of a tenant's projections (on an event, or any other error: projection "
    "'other'), by tenant and projection.",
    ["tenant", "projection"],
    registry=None,
)
EVENTS_PROJECTED = Counter(
    "ketnap_worker_events_projected",
    "Events this worker applied to the read models, by tenant.",
    ["tenant"],
    registry=None,
)
BATCHES = Counter(
    "ketnap_worker_batches",
    "Batch transactions this worker committed.",
    registry=None,
)
TENANTS_OWNED = Gauge(
    "ketnap_worker_tenants_owned",
    "Tenants this worker owns (projects) now.",
    registry=None,
)

#: The families a server exposes (``ketnap serve``), in the order they are exposed.
SERVER_FAMILIES = (REQUESTS, REQUEST_SECONDS, REFUSALS, EVENTS_APPENDED, PROJECTION_FAILURES)
#: The families a worker exposes (``ketnap worker``).
WORKER_FAMILIES = (EVENTS_PROJECTED, BATCHES, TENANTS_OWNED, PROJECTION_FAILURES, EVENTS_APPENDED)


def code_label(code: str) -> str:
    """``code`` when it has the shape of our error codes, else :data:`OTHER` (bounded)."""
    return code if _CODE.fullmatch(code) else OTHER


def count_request(operation: str, outcome: str, seconds: float, refusals: list[str]) -> None:
    """One answered request: its outcome, its latency and the codes it was refused with."""
    REQUESTS.labels(operation, outcome).inc()
    REQUEST_SECONDS.labels(operation).observe(seconds)
    for code in refusals:
        REFUSALS.labels(code_label(code)).inc()
