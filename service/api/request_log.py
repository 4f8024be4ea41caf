"""The server log of requests: one line per request, with its request id, and nothing personal.

Why a log of our own instead of uvicorn's access log: uvicorn prints the request line, and the
query string of a GraphQL GET holds the whole document and its variables (names, birth dates,
identity numbers). This log prints the path only.

- **Request id**: a sane incoming ``X-Request-ID`` (:func:`sane_request_id`) is kept, any other
  is replaced by a new one; it is echoed in the response's ``X-Request-ID`` and shown on every
  log line of the request (``asgi-correlation-id``'s middleware and log filter).
- **One line per request** (logger ``ketnap.access``): method, path, status, duration, and what
  the request was about — tenant, actor (the token's ``sub``), operation name — never the
  document, the variables or any value from them.
- **Refusals** (a 4xx, a GraphQL error, a mutation answered with a domain error) are that same
  line at INFO with their codes (``refused=FORBIDDEN,NOT_FOUND``), without a stack trace: a
  refusal is the client's doing, not a fault of the server. Only ``INTERNAL_ERROR`` is logged at
  ERROR, with its traceback (``schema.KetnapSchema.process_errors``).
- **Fields and metrics**: the line carries its fields as such (``tenant``, ``operation``,
  ``outcome``, ``status``…: JSON logs, ``service.observability.logs``), and the same request is
  counted in the Prometheus metrics (``service.metrics``) by its bounded operation label
  (:func:`operation_label`: a root field of the schema, never the client's operation name) and
  its outcome (:func:`outcome`).

The parts of the service that refuse something call :func:`note_refusal`; the authentication
calls :func:`note_principal`; :class:`OperationName` notes the operation. They write to the
request's :class:`RequestNote`, held in a context variable that the request's tasks and worker
threads share (contextvars are copied by reference into both).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asgi_correlation_id import CorrelationIdMiddleware
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from service.escaping import printable
from service.metrics import OTHER, count_request
from service.observability.logs import RequestFields, current_request

if TYPE_CHECKING:
    from service.api.auth import ApiPrincipal

log = logging.getLogger("ketnap.access")

REQUEST_ID_HEADER = "X-Request-ID"
#: A request id we accept from a client or a proxy: a short token (UUIDs, trace ids).
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
#: The code of an error that is the server's fault (a bug, a database failure).
INTERNAL_ERROR = "INTERNAL_ERROR"
#: Longest operation name written to the log (client text, cut and escaped).
OPERATION_LIMIT = 60
#: Codes that say the service could not answer now, rather than that the client erred.
UNAVAILABLE_CODES = frozenset(
    {"STORE_UNAVAILABLE", "REQUEST_TIMEOUT", "PROJECTION_LAGGING", "PROJECTION_FAILED"}
)
#: The operation label of the routes other than ``/graphql`` (``service.metrics``).
_ROUTE_LABELS = {"/graphql": "graphql", "/healthz": "healthz", "/readyz": "readyz"}


def sane_request_id(value: str) -> bool:
    """Whether an incoming ``X-Request-ID`` is kept (else a new id replaces it): it is printed in
    every log line of the request, so it must not be able to forge or bloat one."""
    return _SANE_ID.fullmatch(value) is not None


@dataclass
class RequestNote(RequestFields):
    """What a request's log line says beyond method, path and status (``tenant`` and the
    bounded ``operation`` label are on every log line of the request, see RequestFields)."""

    actor: str | None = None
    #: The client's operation name (free text: logged cut and escaped, never a metric label).
    operation_name: str | None = None
    refusals: list[str] = field(default_factory=list)

    def outcome(self, status: int) -> str:
        """What the request came to (``service.metrics.OUTCOMES``)."""
        return outcome(status, self.refusals)


def outcome(status: int, refusals: list[str]) -> str:
    """``failed`` (a bug), ``unavailable`` (the service could not answer now), ``refused`` (the
    client's doing) or ``ok``, from the status and the codes answered."""
    if INTERNAL_ERROR in refusals or (status >= 500 and status != 503):
        return "failed"
    if status == 503 or any(code in UNAVAILABLE_CODES for code in refusals):
        return "unavailable"
    if refusals or status >= 400:
        return "refused"
    return "ok"


def route_label(path: str) -> str:
    """The operation label of a request before GraphQL names its field (bounded)."""
    label = _ROUTE_LABELS.get(path)
    if label is not None:
        return label
    return "report" if path.startswith("/reports/") else "not_found"


def _note_get() -> RequestNote | None:
    note = current_request.get()
    return note if isinstance(note, RequestNote) else None


def note_principal(principal: ApiPrincipal) -> None:
    """The request's caller (tenant and subject) for its log line."""
    note = _note_get()
    if note is not None:
        note.tenant = principal.tenant
        note.actor = principal.subject


def note_operation(name: str | None, label: str | None = None) -> None:
    """The request's operation name (the client's) and bounded label, for its log line and
    metrics."""
    note = _note_get()
    if note is not None:
        if name:
            note.operation_name = name
        if label:
            note.operation = label


def note_refusal(code: str) -> None:
    """A refusal (its code) the request answered with."""
    note = _note_get()
    if note is not None:
        note.refusals.append(code)


def _codes(refusals: list[str]) -> str:
    """``A,B×3``: the distinct codes in order, with how many times each was given."""
    counts: dict[str, int] = {}
    for code in refusals:
        counts[code] = counts.get(code, 0) + 1
    return ",".join(code if n == 1 else f"{code}×{n}" for code, n in counts.items())


class AccessLog:
    """ASGI middleware writing each HTTP request's one line (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        note = RequestNote(operation=route_label(str(scope.get("path", ""))))
        token = current_request.set(note)
        status = 500  # what the client gets if the app fails before answering (uvicorn's 500)
        started = time.perf_counter()

        written = False

        def write() -> None:
            nonlocal written
            if not written:
                written = True
                self._write(scope, status, time.perf_counter() - started, note)

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Written before the last of the answer leaves: a client that has its answer
                # finds the line in the log.
                write()
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            current_request.reset(token)
            write()

    @staticmethod
    def _write(scope: Scope, status: int, seconds: float, note: RequestNote) -> None:
        method = str(scope.get("method", "-"))
        path = printable(str(scope.get("path", "")), 200)
        parts = [method, path, str(status), f"{seconds * 1000:.1f}ms"]
        fields: dict[str, object] = {"method": method, "path": path, "status": status}
        fields["duration_ms"] = round(seconds * 1000, 1)
        if note.tenant:
            parts.append(f"tenant={note.tenant}")
        if note.actor:
            actor = printable(note.actor, 200)
            parts.append(f"actor={actor}")
            fields["actor"] = actor
        if note.operation_name:
            name = printable(note.operation_name, OPERATION_LIMIT)
            parts.append(f"operation={name}")
            fields["operation_name"] = name
        refused = [code for code in note.refusals if code != INTERNAL_ERROR]
        if refused:
            parts.append(f"refused={_codes(refused)}")
            fields["refused"] = list(dict.fromkeys(refused))
        failed = len(note.refusals) - len(refused)
        if failed:  # its traceback is on the line before (schema.KetnapSchema.process_errors)
            parts.append(f"failed={_codes([INTERNAL_ERROR] * failed)}")
            fields["failed"] = [INTERNAL_ERROR]
        fields["outcome"] = result = note.outcome(status)
        # also here, not only by the log filter: a line written after the request's context
        # is gone (the client left mid-answer) still names them
        fields["operation"] = operation = note.operation or OTHER
        if note.tenant:
            fields["tenant"] = note.tenant
        count_request(operation, result, seconds, refused)
        log.info(" ".join(parts), extra=fields)


def operation_name(execution_context: ExecutionContext | None) -> str | None:
    """The name of the operation run (given by ``operationName`` or the document's only one),
    if the request got far enough to have one."""
    if execution_context is None:
        return None
    try:
        return execution_context.operation_name
    except Exception:  # a document that did not parse names no operation
        return None


def operation_label(execution_context: ExecutionContext | None) -> str:
    """The bounded label of the operation run: the name of its first root field when the
    schema has that field, ``introspection`` for ``__schema``/``__type``/``__typename``, else
    ``graphql`` (a document that did not parse, or names no field) or ``other`` (a field the
    schema does not have). Never the client's operation name: that is free text."""
    if execution_context is None:
        return "graphql"
    document = getattr(execution_context, "graphql_document", None)
    if not isinstance(document, DocumentNode):
        return "graphql"
    try:
        operation = get_operation_ast(document, execution_context.operation_name)
    except Exception:  # no operation of that name
        operation = None
    if operation is None:
        return "graphql"
    field_name = _first_field(document, operation.selection_set, depth=0)
    if field_name is None:
        return "graphql"
    if field_name.startswith("__"):
        return "introspection"
    schema: GraphQLSchema = execution_context.schema._schema
    root = schema.get_root_type(operation.operation)
    return field_name if root is not None and field_name in root.fields else OTHER


def _first_field(document: DocumentNode, selections: SelectionSetNode, depth: int) -> str | None:
    """The first field selected, through inline fragments and fragment spreads."""
    if depth > 8:
        return None
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            return selection.name.value
        inner: SelectionSetNode | None = None
        if isinstance(selection, InlineFragmentNode):
            inner = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            inner = next(
                (
                    d.selection_set
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode) and d.name.value == name
                ),
                None,
            )
        found = _first_field(document, inner, depth + 1) if inner is not None else None
        if found is not None:
            return found
    return None


class OperationName(SchemaExtension):
    """Notes the operation's name and bounded label for the request's log line and metrics."""

    def on_operation(self) -> Iterator[None]:
        yield
        note_operation(
            operation_name(self.execution_context), operation_label(self.execution_context)
        )


def with_request_log(app: ASGIApp) -> ASGIApp:
    """``app`` with request ids and the one-line-per-request log."""
    return CorrelationIdMiddleware(
        AccessLog(app), header_name=REQUEST_ID_HEADER, validator=sane_request_id
    )
