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
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asgi_correlation_id import CorrelationIdFilter, CorrelationIdMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from service.escaping import printable

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
#: The server's log format: every line carries the request id ("-" outside a request).
LOG_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"


def sane_request_id(value: str) -> bool:
    """Whether an incoming ``X-Request-ID`` is kept (else a new id replaces it): it is printed in
    every log line of the request, so it must not be able to forge or bloat one."""
    return _SANE_ID.fullmatch(value) is not None


@dataclass
class RequestNote:
    """What a request's log line says beyond method, path and status."""

    tenant: str | None = None
    actor: str | None = None
    operation: str | None = None
    refusals: list[str] = field(default_factory=list)


_note: ContextVar[RequestNote | None] = ContextVar("ketnap_request_note", default=None)


def note_principal(principal: ApiPrincipal) -> None:
    """The request's caller (tenant and subject) for its log line."""
    note = _note.get()
    if note is not None:
        note.tenant = principal.tenant
        note.actor = principal.subject


def note_operation(name: str | None) -> None:
    """The request's operation name for its log line."""
    note = _note.get()
    if note is not None and name:
        note.operation = name


def note_refusal(code: str) -> None:
    """A refusal (its code) the request answered with."""
    note = _note.get()
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
        note = RequestNote()
        token = _note.set(note)
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
            _note.reset(token)
            write()

    @staticmethod
    def _write(scope: Scope, status: int, seconds: float, note: RequestNote) -> None:
        parts = [
            str(scope.get("method", "-")),
            printable(str(scope.get("path", "")), 200),
            str(status),
            f"{seconds * 1000:.1f}ms",
        ]
        if note.tenant:
            parts.append(f"tenant={note.tenant}")
        if note.actor:
            parts.append(f"actor={printable(note.actor, 200)}")
        if note.operation:
            parts.append(f"operation={printable(note.operation, OPERATION_LIMIT)}")
        refused = [code for code in note.refusals if code != INTERNAL_ERROR]
        if refused:
            parts.append(f"refused={_codes(refused)}")
        failed = len(note.refusals) - len(refused)
        if failed:  # its traceback is on the line before (schema.KetnapSchema.process_errors)
            parts.append(f"failed={_codes([INTERNAL_ERROR] * failed)}")
        log.info(" ".join(parts))


def operation_name(execution_context: ExecutionContext | None) -> str | None:
    """The name of the operation run (given by ``operationName`` or the document's only one),
    if the request got far enough to have one."""
    if execution_context is None:
        return None
    try:
        return execution_context.operation_name
    except Exception:  # a document that did not parse names no operation
        return None


class OperationName(SchemaExtension):
    """Notes the operation's name for the request's log line."""

    def on_operation(self) -> Iterator[None]:
        yield
        note_operation(operation_name(self.execution_context))


def with_request_log(app: ASGIApp) -> ASGIApp:
    """``app`` with request ids and the one-line-per-request log."""
    return CorrelationIdMiddleware(
        AccessLog(app), header_name=REQUEST_ID_HEADER, validator=sane_request_id
    )


def configure_logging(level: int | str = logging.INFO) -> None:
    """The server's logging: every line with its request id, on stderr."""
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationIdFilter(default_value="-"))
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    # it warns of every replaced request id, on a line of its own: the request's line already
    # shows the new id, and a client could double the log with bad ids
    logging.getLogger("asgi_correlation_id").setLevel(logging.ERROR)
