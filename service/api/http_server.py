"""How ``ketnap serve`` runs uvicorn: its limits and timeouts, and JSON for the errors uvicorn
answers itself.

uvicorn answers some requests before the application sees them, in plain text: a request line
or headers it cannot parse, or headers larger than ``h11_max_incomplete_event_size`` (a 1 MB
``Authorization`` header, thousands of headers). :class:`JsonErrorsH11Protocol` answers those
with the GraphQL error shape (``HTTP_REQUEST_INVALID``, both languages), like every other error
of the service.

What uvicorn does not offer: a timeout for reading a request's headers or body (a client that
sends one byte a minute keeps its connection). Behind a reverse proxy (nginx
``client_header_timeout``/``client_body_timeout``, or the load balancer's) that is the proxy's
job; the deployment notes say so.
"""

from __future__ import annotations

import json
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Largest request line plus headers (h11's default is 16 KiB): room for a long token.
MAX_HEADER_BYTES = 32 * 1024
#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE_SECONDS = 5
#: Seconds a shutdown waits for running requests before closing them.
GRACEFUL_SHUTDOWN_SECONDS = 20
#: Connections and running requests at once; more are answered 503 by uvicorn.
MAX_CONCURRENCY = 1_000

HTTP_REQUEST_INVALID = {
    "code": "HTTP_REQUEST_INVALID",
    "messageVi": (
        "Yêu cầu HTTP không hợp lệ: sai cú pháp, hoặc phần tiêu đề (header) lớn hơn "
        f"{MAX_HEADER_BYTES // 1024} KiB."
    ),
    "messageEn": (
        "The HTTP request is not valid: malformed, or its headers are larger than "
        f"{MAX_HEADER_BYTES // 1024} KiB."
    ),
}


class JsonErrorsH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, answering requests it cannot parse with a JSON error."""

    def send_400_response(self, msg: str) -> None:
        error = {
            "message": f"{HTTP_REQUEST_INVALID['messageEn']} / {HTTP_REQUEST_INVALID['messageVi']}",
            "extensions": HTTP_REQUEST_INVALID,
        }
        body = json.dumps({"errors": [error]}, ensure_ascii=False).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


def server_config(app: Any, *, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """uvicorn's configuration for the service (``ketnap serve``, and the tests that run it)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
        # uvicorn's access log prints the query string (a GET's document and variables): off,
        # the service writes its own line per request (service.api.request_log); no log_config:
        # uvicorn's own lines go to the handlers the process set up, with the request id.
        access_log=False,
        log_config=None,
        http=JsonErrorsH11Protocol,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        limit_concurrency=MAX_CONCURRENCY,
    )
