"""What an operator sees of the service: metrics on their own port, JSON log lines, tracing.

Over real HTTP, on PostgreSQL (the pool's figures exist only there): a query, a refused
mutation and a write show in ``/metrics`` (served on the metrics port, never the public one)
with bounded labels; the request's JSON log line names its request id, tenant, operation and
outcome, and no line holds the person's name the mutation carried; tracing is off by default,
and with ``KETNAP_TRACING`` on spans carry the request id but no document or argument.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from domain.values import Role
from service.api.app import make_app
from service.api.schema import schema
from service.bootstrap import read_settings
from service.observability.exposition import (
    MetricsServer,
    process_registry,
    series_names,
    serve_metrics,
)
from service.observability.logs import configure_logging, remove_logging
from tests.api.conftest import Api, Server
from tests.walks import PERSON_FACTS, bloc_tree

#: A name no code, message or fixture holds: it must not reach any log line or span.
NAME = "Quách Thị Ngọc Diệp Observa"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def tree(api: Api) -> Api:
    """Tenant alpha with the tests' unit tree (bloc KDN → DU → CB1)."""
    for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật")):
        api.handlers.handle(api.principal(), command)
    return api


@pytest.fixture
def metrics(tree: Api) -> Iterator[MetricsServer]:
    """The service's metrics listener on a free port, as ``ketnap serve`` starts it."""
    server = serve_metrics(
        process_registry(tree.store, tree.services.read_models), host="127.0.0.1", port=0
    )
    try:
        yield server
    finally:
        server.stop()


def discover(case_code: str, name: str = NAME) -> tuple[str, dict[str, Any]]:
    """The ``discoverCandidate`` document and its variables."""
    field = schema._schema.mutation_type.fields["discoverCandidate"]  # type: ignore[union-attr]
    document = (
        f"mutation Discover($input: {field.args['input'].type}) "
        "{ discoverCandidate(input: $input) { __typename ... on DomainError { code } } }"
    )
    person = {"fullName": name, "birthDate": "1996-04-12", "gender": "FEMALE", **PERSON_FACTS}
    variables = {
        "input": {
            "caseCode": case_code,
            "unitCode": "CB1",
            "person": person,
            "occurredOn": "2025-01-06",
            "introducedBy": "BRANCH",
        }
    }
    return document, variables


def scrape(server: MetricsServer) -> Samples:
    """Every sample of ``/metrics``, by name and labels."""
    text = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=30).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests(api: Api, request_id: str) -> None:
    """A query, a refused mutation (a leader may not record) and a write, each with its id."""
    leader = api.token("alpha", Role.LEADER, subject="lanh-dao-1")
    document, variables = discover("HS-1")
    headers = {"x-request-id": f"{request_id}-query"}
    assert api.post("{ me { tenant } }", token=api.token(), headers=headers).status_code == 200
    headers = {"x-request-id": f"{request_id}-refused"}
    refused = api.post(document, variables, token=leader, headers=headers)
    assert "FORBIDDEN" in refused.text, refused.text
    headers = {"x-request-id": f"{request_id}-write"}
    written = api.post(document, variables, token=api.token(), headers=headers).json()
    assert written["data"]["discoverCandidate"]["__typename"] == "CandidatePayload", written


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The process's logging as ``ketnap serve`` sets it up (JSON), into a buffer."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("json", "INFO", stream)
    try:
        yield stream
    finally:
        remove_logging(handler)
        root.setLevel(level)


@pytest.mark.parametrize("backend", ["postgres"])  # the pool's figures: PostgreSQL only
def test_metrics_and_json_logs_of_a_query_a_refusal_and_a_write(
    tree: Api, metrics: MetricsServer, json_log: io.StringIO
) -> None:
    api = tree
    before = scrape(metrics)
    requests(api, "m")
    # an ad-hoc document naming a field the schema lacks, under a name that is free text
    api.post(f"query {NAME.split()[-1]}Op {{ shoeSize }}", token=api.token())
    after = scrape(metrics)

    def grew(name: str, by: float = 1, **labels: str) -> None:
        delta = value(after, name, **labels) - value(before, name, **labels)
        assert delta == by, (name, labels, delta)

    grew("ketnap_requests_total", operation="me", outcome="ok")
    grew("ketnap_requests_total", operation="discoverCandidate", outcome="refused")
    grew("ketnap_requests_total", operation="discoverCandidate", outcome="ok")
    grew("ketnap_requests_total", operation="other", outcome="refused")
    grew("ketnap_request_duration_seconds_count", operation="me")
    grew("ketnap_request_duration_seconds_count", 2, operation="discoverCandidate")
    grew("ketnap_refusals_total", code="FORBIDDEN")
    grew("ketnap_refusals_total", code="GRAPHQL_VALIDATION_FAILED")
    assert value(after, "ketnap_events_appended_total", tenant="alpha") > value(
        before, "ketnap_events_appended_total", tenant="alpha"
    )
    # projections: every projection of both tenants, caught up (inline), none stopped
    assert value(after, "ketnap_store_up") == 1
    names = api.services.read_models.projection_names
    for tenant in ("alpha", "beta"):
        for projection in names:
            key = ("ketnap_projection_lag_events", (("projection", projection), ("tenant", tenant)))
            assert after[key] == 0, key
            assert (
                value(after, "ketnap_projection_failed", tenant=tenant, projection=projection) == 0
            )
    # the pool: its size and its use
    assert value(after, "ketnap_pg_pool_max", pool="app") == api.store.settings.max_pg_connections
    assert value(after, "ketnap_pg_pool_requests_total", pool="app") > value(
        before, "ketnap_pg_pool_requests_total", pool="app"
    )
    assert ("ketnap_pg_pool_waiting", (("pool", "app"),)) in after
    # every series is one the code declares (what deploy/prometheus/alerts.yml may use)
    scraped = {name for name, _ in after if name.startswith("ketnap_")}
    assert {name for name in scraped if not name.endswith("_created")} <= series_names()
    # bounded labels: no client text, no case, no person
    labels = {v for (_, pairs) in after for (_, v) in pairs}
    for text in (NAME, NAME.split()[-1], "HS-1", "lanh-dao-1", "m-query"):
        assert not [label for label in labels if text in label], text
    # never on the public port
    public = httpx.get(api.url.replace("/graphql", "/metrics"), timeout=30)
    assert public.status_code == 404
    assert "ketnap_requests_total" not in public.text

    # --- the JSON log: one line per request, with its fields; the name in none
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = {line["request_id"]: line for line in lines if line["logger"] == "ketnap.access"}
    query, refused, written = (access[f"m-{kind}"] for kind in ("query", "refused", "write"))
    assert (query["tenant"], query["operation"], query["outcome"]) == ("alpha", "me", "ok")
    assert query["level"] == "INFO", query
    assert query["status"] == 200, query
    assert (refused["operation"], refused["outcome"], refused["refused"]) == (
        "discoverCandidate",
        "refused",
        ["FORBIDDEN"],
    )
    assert refused["level"] == "INFO", refused
    assert "exc_info" not in refused, refused
    assert refused["actor"] == "lanh-dao-1"
    assert refused["operation_name"] == "Discover"
    assert (written["tenant"], written["outcome"]) == ("alpha", "ok"), written
    assert {"time", "message", "method", "path", "duration_ms"} <= set(written)
    # the name went out in two mutations: it is in no line, in any spelling
    text = json_log.getvalue()
    for form in (NAME, json.dumps(NAME)[1:-1], NAME.upper(), NAME.split()[-2]):
        assert form not in text, form


@pytest.mark.parametrize("backend", ["sqlite"])
def test_tracing_is_off_by_default_and_on_with_its_setting_without_personal_data(
    api: Api,
) -> None:
    exporter = InMemorySpanExporter()
    # the name in a literal of the document and in a resolver's argument (a variable)
    document = (
        "query Find($code: String!) { candidate(caseCode: $code) { caseCode } "
        f'other: candidate(caseCode: "{NAME}") {{ caseCode }} }}'
    )
    settings = api.services.settings
    assert read_settings({}).tracing is False
    for tracing in (False, True):
        services = dataclasses.replace(
            api.services, settings=dataclasses.replace(settings, tracing=tracing)
        )
        server = Server(make_app(services, span_exporter=exporter))
        server.start()
        try:
            url = f"http://127.0.0.1:{server.port}/graphql"
            headers = {"authorization": f"Bearer {api.token()}", "x-request-id": f"t-{tracing}"}
            body = {"query": document, "variables": {"code": NAME}}
            answer = httpx.post(url, json=body, headers=headers, timeout=30)
            assert answer.status_code == 200, answer.text
        finally:
            server.stop()
        spans = exporter.get_finished_spans()
        if not tracing:
            assert spans == (), spans
            continue
        operation = next(s for s in spans if s.name == "GraphQL candidate")
        assert operation.attributes is not None
        assert operation.attributes["ketnap.request_id"] == "t-True"
        assert operation.attributes["ketnap.tenant"] == "alpha"
        assert "query" not in operation.attributes
        assert any(s.name == "GraphQL Resolving: candidate" for s in spans), spans
        recorded = json.dumps(
            [[s.name, dict(s.attributes or {})] for s in spans], ensure_ascii=False
        )
        assert NAME not in recorded, recorded
