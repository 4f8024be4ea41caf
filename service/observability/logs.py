"""The process's log lines: JSON (default) or text, each with the request it belongs to.

**Why the standard library with python-json-logger, not structlog**: every log call in Ketnap
and in the libraries under it (uvicorn, eventsourcing, psycopg, strawberry) goes through
``logging``; a JSON *formatter* on the one root handler turns all of them into JSON lines with
no second logging API to learn, no call to rewrite and no bridge for the libraries' records.
What structlog adds (bound loggers, processor chains) we get from one :class:`RequestContext`
filter that stamps every record written during a request with that request's fields.

**Fields** of every JSON line: ``time``, ``level``, ``logger``, ``message``, ``request_id``
(``-`` outside a request) and, once known during a request, ``tenant`` and ``operation`` (the
bounded label of :mod:`service.metrics`: a GraphQL root field or a route). The request's own
line (logger ``ketnap.access``, see ``service.api.request_log``) adds ``method``, ``path``,
``status``, ``duration_ms``, ``outcome``, ``actor`` (the token's ``sub``), ``operation_name``
(the client's, cut and escaped), ``refused`` and ``failed`` (codes). A traceback, only for a
real failure, is in ``exc_info``.

**Never personal data**: no line carries a document, variables, arguments, a name or any value
of a case; messages are written by our code from codes, ids and counts (the test
``tests/api/test_observability.py`` sends a distinctive name and looks for it in every line).
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO

from asgi_correlation_id import correlation_id
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

#: The text format (``KETNAP_LOG_FORMAT=text``): the request id on every line.
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
#: The JSON format's standard fields, renamed (``time``: ISO 8601 in UTC, microseconds).
JSON_FIELDS = ("levelname", "name", "message")
JSON_RENAMED = {"levelname": "level", "name": "logger"}
#: Marks the handler installed here, so that configuring again replaces it (and only it).
_OURS = "_ketnap_handler"


@dataclass
class RequestFields:
    """What every log line written during a request says about it (filled in as it goes)."""

    tenant: str | None = None
    #: The bounded operation label (``service.metrics``), not the client's operation name.
    operation: str | None = None


#: The fields of the request being served (None outside a request); set by the access log.
current_request: ContextVar[RequestFields | None] = ContextVar("ketnap_request", default=None)


class RequestContext(logging.Filter):
    """Stamps each record with the request id and, during a request, its tenant and operation
    (fields a record already carries, e.g. the access line's own, are left alone)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = correlation_id.get() or "-"
        fields = current_request.get()
        if fields is not None:
            if fields.tenant and not hasattr(record, "tenant"):
                record.tenant = fields.tenant
            if fields.operation and not hasattr(record, "operation"):
                record.operation = fields.operation
        return True


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``json`` or ``text`` lines."""
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return OrjsonFormatter(
        list(JSON_FIELDS),
        rename_fields=JSON_RENAMED,
        timestamp="time",
        # uvicorn's ANSI-coloured copy of its message
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def configure_logging(
    log_format: str = "json", level: int | str = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record of the process to ``stream`` (default: standard error) as
    ``log_format`` lines, from ``level`` up; returns the handler installed.

    Called once per process by the composition root (``service.bootstrap.configure_logging``);
    calling it again replaces the handler it installed before and leaves any other alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _OURS, True)
    handler.addFilter(RequestContext())
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    # asgi-correlation-id warns of every replaced request id, on a line of its own: the
    # request's line already shows the new id, and a client could double the log with bad ids.
    logging.getLogger("asgi_correlation_id").setLevel(logging.ERROR)
    return handler


def remove_logging(handler: logging.Handler) -> None:
    """Take ``handler`` (from :func:`configure_logging`) off the root logger again (tests)."""
    logging.getLogger().removeHandler(handler)
    handler.close()
