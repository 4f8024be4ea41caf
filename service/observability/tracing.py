"""OpenTelemetry tracing of GraphQL requests, off unless ``KETNAP_TRACING=on``.

strawberry's :class:`~strawberry.extensions.tracing.OpenTelemetryExtension` opens a span per
operation, with child spans for parsing, validation and each resolver. As shipped it records
the whole document (attribute ``query``) and every resolver's arguments: both carry personal
data (a name or an identity number in a literal or an ``input``). :class:`PrivateTracing`
records neither; it adds the request id, the tenant and the bounded operation label
(``service.metrics``) to the operation's span instead, so a trace is found from a log line.

Spans go to ``KETNAP_OTLP_ENDPOINT`` (OTLP over HTTP, batched) when set, else to standard
output (the console exporter, for trying it out). The provider is the process's own, handed
to the extension; the global OpenTelemetry provider is left alone.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any

from asgi_correlation_id import correlation_id
from graphql import GraphQLResolveInfo
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

from service.observability.logs import current_request
from service.settings import Settings

SERVICE_NAME = "ketnap"


def no_arguments(arguments: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    """No resolver argument is recorded: inputs carry personal data."""
    return {}


class PrivateTracing(OpenTelemetryExtension):
    """strawberry's tracing without the document or the arguments (see the module docstring)."""

    def on_operation(self) -> Generator[None, None, None]:
        span = self._tracer.start_span("GraphQL operation", kind=SpanKind.SERVER)
        self._span_holder[LifecycleStep.OPERATION] = span
        span.set_attribute("component", "graphql")
        span.set_attribute("ketnap.request_id", correlation_id.get() or "-")
        try:
            yield
        finally:
            fields = current_request.get()
            if fields is not None:
                if fields.tenant:
                    span.set_attribute("ketnap.tenant", fields.tenant)
                if fields.operation:
                    span.set_attribute("ketnap.operation", fields.operation)
                    span.update_name(f"GraphQL {fields.operation}")
            span.end()


def tracer_provider(
    settings: Settings, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """The process's tracer provider when ``KETNAP_TRACING`` is on, else None.

    ``exporter`` replaces the configured one (tests: an in-memory exporter, spans handed over
    at once); otherwise OTLP/HTTP to ``KETNAP_OTLP_ENDPOINT`` or the console, batched.
    """
    if not settings.tracing:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(settings.otlp_endpoint)))
    else:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider


def tracing_extension(provider: TracerProvider | None) -> type[SchemaExtension] | Any | None:
    """The schema extension that traces with ``provider`` (None: tracing is off)."""
    if provider is None:
        return None
    return partial(PrivateTracing, arg_filter=no_arguments, tracer_provider=provider)
