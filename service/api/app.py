"""The HTTP service: GraphQL at ``/graphql``, ``/healthz`` and ``/readyz`` (starlette + uvicorn).

``/graphql`` (strawberry's ASGI view, extended here):

- a bearer token is required for every GraphQL request (401 without a valid one, with a
  bilingual error body); the GraphiQL IDE page itself (development only) needs none;
- the GraphQL-over-HTTP spec's media types: a client accepting
  ``application/graphql-response+json`` gets it, with 400 for documents that cannot be parsed or
  validated (no ``data``); ``application/json`` clients get 200 with the errors, as the spec
  says for that legacy type. Both get 401 for a missing/invalid token, 403 when every field was
  refused for the caller's roles, 405 for a mutation over GET, 406 for an unacceptable
  ``Accept``, 413 for a body over ``KETNAP_MAX_REQUEST_BYTES``, 400 for a body that is not JSON
  (or not UTF-8, or nested too deeply); 503 ``REQUEST_TIMEOUT`` for a request that took longer
  than ``KETNAP_REQUEST_TIME_BUDGET`` (cancelled; a mutation already running is let finish);
- the IDE, introspection and field suggestions are off in production (``KETNAP_ENV``);
- every request gets a request id (``X-Request-ID``) and one line in the server log, with the
  codes of its refusals (``service.api.request_log``): every refusal here is noted there; and
  is counted in the Prometheus metrics (``service.metrics``; served on their own port, never
  here: ``service.observability.exposition``). ``KETNAP_TRACING=on`` traces it
  (``service.observability.tracing``).

When the store cannot answer (PostgreSQL down or restarting, SQLite's write lock busy too long)
``/graphql`` answers 503 with ``Retry-After`` and the bilingual ``STORE_UNAVAILABLE`` error,
whether that happens while checking the token's tenant or while running the operation.

``/reports/{form}.{format}`` serves the committees' forms as files, behind the same token check
(``service.api.forms_route``).

``/healthz`` answers 200 while the process runs. ``/readyz/store`` answers 200 when this
process can serve: its store (and its replica, where one is set) answers — the orchestrator's
readiness probe. ``/readyz`` answers 200 when the store answers,
no tenant's read models are more than ``KETNAP_READY_MAX_LAG`` events behind and no projection
is stopped by a failure (``projections failed``: tenant, projection, position), else 503 with
the reason (and ``Retry-After`` when the store does not answer). With a read replica
(``KETNAP_READ_DATABASE_URL``) it also says whether the replica answers and its lag (WAL bytes
and seconds behind, replay paused), and is not ready when it does not answer or its read models
are more than ``KETNAP_READY_MAX_LAG`` events behind.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from opentelemetry.sdk.trace.export import SpanExporter
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http import process_result as strawberry_process_result
from strawberry.types import ExecutionResult

from domain.errors import DomainError
from service.api.auth import ApiPrincipal, AuthError, TokenVerifier
from service.api.context import ApiContext, Services
from service.api.errors import NUL_CHARACTER, STORE_UNAVAILABLE, RequestFault
from service.api.forms_route import report_route
from service.api.http_server import MAX_HEADER_BYTES
from service.api.request_log import note_principal, note_refusal, with_request_log
from service.api.responses import (
    JSON,
    RETRY_AFTER_SECONDS,
    error_response,
    unavailable_response,
)
from service.api.schema import build_schema
from service.observability.tracing import tracer_provider, tracing_extension
from service.replica_reads import replica_readiness
from service.store.outage import store_unavailable

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: Most headers one request may carry (browsers send about twenty).
MAX_HEADERS = 100


def encode_body(data: object) -> bytes:
    """A GraphQL response body: orjson (UTF-8, no escapes), several times faster than ``json``
    on a page of fifty cases; ``json`` for what orjson refuses (an integer over 64 bits)."""
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def accepted_media_type(request: Request) -> str | None:
    """The response media type the client accepts (None when it accepts neither JSON type)."""
    accept = request.headers.get("accept", "").lower()
    if not accept.strip() or GRAPHQL_RESPONSE in accept:
        return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON
    if JSON in accept or "*/*" in accept or "application/*" in accept:
        return JSON
    return None


#: A lone surrogate in a string of the request (not Unicode text).
UNICODE_INVALID = RequestFault(
    "UNICODE_INVALID",
    "Yêu cầu chứa một chuỗi không phải văn bản Unicode hợp lệ (ký tự thay thế đơn lẻ).",
    "The request holds a string that is not valid Unicode text (a lone surrogate).",
)
#: A body that is not UTF-8 (JSON is UTF-8 text).
BODY_NOT_UTF8 = RequestFault(
    "BODY_NOT_UTF8",
    "Nội dung yêu cầu không phải văn bản UTF-8.",
    "The request body is not UTF-8 text.",
)
#: JSON nested deeper than the parser goes.
JSON_TOO_DEEP = RequestFault(
    "JSON_TOO_DEEP",
    "Nội dung JSON của yêu cầu lồng nhau quá sâu.",
    "The request's JSON is nested too deeply.",
)


def request_timeout(budget: float) -> RequestFault:
    """A request cancelled at the end of its time budget."""
    return RequestFault(
        "REQUEST_TIMEOUT",
        f"Yêu cầu chạy quá thời gian cho phép ({budget:g} giây) và đã bị hủy; hãy thu hẹp "
        "truy vấn (ít dòng, ít bí danh hơn).",
        f"The request took longer than its time budget ({budget:g} s) and was cancelled; ask "
        "for less (fewer rows or aliases).",
    )


class RequestRefused(HTTPException):
    """A request refused before GraphQL sees it, with its typed, bilingual fault."""

    def __init__(self, status: int, fault: RequestFault) -> None:
        super().__init__(status, fault.message_en)
        self.fault = fault


def text_fault(value: object) -> RequestFault | None:
    """What is wrong with the text in ``value`` (a string, or the keys and values of JSON data):
    a NUL character, or a lone surrogate (JSON's ``\\ud800``: no UTF-8, no database takes it)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return NUL_CHARACTER
            try:
                item.encode()
            except UnicodeEncodeError:
                return UNICODE_INVALID
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class BodyTooLarge(Exception):
    """The request body passed the limit while being read."""


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413 (declared or streamed), and headers
    over :data:`~service.api.http_server.MAX_HEADER_BYTES` in all or more than
    :data:`MAX_HEADERS` of them with 431 (uvicorn refuses larger ones only when they arrive in
    pieces)."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        #: The limit of a multipart request (a file upload: ``importCases``), if larger.
        self.upload_limit = max(limit, upload_limit or limit)

    def _too_large(self, limit: int) -> Response:
        return error_response(
            413,
            "REQUEST_TOO_LARGE",
            f"Yêu cầu quá lớn (tối đa {limit:,} byte).",
            f"The request body is too large (at most {limit:,} bytes).",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if len(headers) > MAX_HEADERS or sum(len(k) + len(v) for k, v in headers) > (
            MAX_HEADER_BYTES
        ):
            await error_response(
                431,
                "REQUEST_HEADERS_TOO_LARGE",
                f"Phần tiêu đề (header) của yêu cầu quá lớn (tối đa {MAX_HEADERS} tiêu đề, "
                f"{MAX_HEADER_BYTES // 1024} KiB).",
                f"The request's headers are too large (at most {MAX_HEADERS} headers, "
                f"{MAX_HEADER_BYTES // 1024} KiB).",
            )(scope, receive, send)
            return
        content_type = dict(headers).get(b"content-type", b"").lower()
        limit = self.upload_limit if content_type.startswith(b"multipart/") else self.limit
        declared = dict(headers).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The inner app's answer to BodyTooLarge (starlette's 500 page): ours goes out.
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._too_large(limit)(scope, receive, send)


class KetnapGraphQL(GraphQL[ApiContext, None]):
    """strawberry's ASGI view with our authentication, media types and status codes."""

    def __init__(self, services: Services, schema: strawberry.Schema) -> None:
        production = services.settings.production
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            # importCases takes its file as a GraphQL multipart request; no cookie is read, so
            # a cross-site form carries no bearer token (service.api.mutations.imports)
            multipart_uploads_enabled=True,
        )
        self.services = services
        self.verifier = TokenVerifier(services.settings)
        #: Tenants found in the registry: a tenant is never removed, so once is enough.
        self._known_tenants: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await error_response(404, "NOT_FOUND", "Không tìm thấy.", "Not found.")(
                scope, receive, send
            )
            return
        request = Request(scope, receive)
        response = await self._respond(request)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return error_response(
                405,
                "METHOD_NOT_ALLOWED",
                "GraphQL chỉ nhận GET và POST.",
                "GraphQL accepts only GET and POST.",
                headers={"Allow": "GET, POST"},
            )
        wants_page = "text/html" in request.headers.get("accept", "")
        if request.method == "GET" and wants_page and self.graphql_ide:
            return await self.render_graphql_ide(request)
        media_type = accepted_media_type(request)
        if media_type is None:
            return error_response(
                406,
                "NOT_ACCEPTABLE",
                f"Chỉ trả lời dạng {GRAPHQL_RESPONSE} hoặc {JSON}.",
                f"Responses are only {GRAPHQL_RESPONSE} or {JSON}.",
            )
        request.state.media_type = media_type
        try:
            request.state.principal = await self._authenticate(request)
            return await self.run(request)
        except AuthError as error:
            headers = {"WWW-Authenticate": 'Bearer realm="ketnap"'} if error.status == 401 else {}
            return error_response(
                error.status, error.code, error.message_vi, error.message_en, media_type, headers
            )
        except HTTPException as error:
            return self._http_error(request, error, media_type)
        except Exception as error:
            if not store_unavailable(error):
                raise
            return unavailable_response(media_type)

    def _http_error(self, request: Request, error: HTTPException, media_type: str) -> Response:
        if isinstance(error, RequestRefused):
            fault = error.fault
            return error_response(
                error.status_code, fault.code, fault.message_vi, fault.message_en, media_type
            )
        reason = str(error.reason)
        if request.method == "GET" and "mutation" in reason.lower():
            return error_response(
                405,
                "MUTATION_OVER_GET",
                "Không được gửi thao tác ghi (mutation) bằng GET; hãy dùng POST.",
                "Mutations are not allowed over GET; use POST.",
                media_type,
                {"Allow": "POST"},
            )
        vi, en = _bad_request(reason)
        return error_response(error.status_code, "BAD_REQUEST", vi, en, media_type)

    async def _authenticate(self, request: Request) -> ApiPrincipal:
        """The request's principal, its tenant known. A token verified a moment ago and a tenant
        already seen cost no worker thread (tenants are never removed)."""
        authorization = request.headers.get("authorization")
        principal = self.verifier.already_verified(authorization)
        if principal is None:
            principal = await run_in_threadpool(self.verifier.from_header, authorization)
        note_principal(principal)
        if principal.tenant is not None and principal.tenant not in self._known_tenants:
            tenant = principal.tenant

            def known() -> bool:
                try:
                    self.services.store.registry.get(tenant)
                except DomainError:
                    return False
                return True

            if await run_in_threadpool(known):
                self._known_tenants.add(tenant)
            else:
                raise AuthError(
                    403,
                    "TENANT_UNKNOWN",
                    f"Đơn vị sử dụng '{tenant}' trong mã truy cập không tồn tại.",
                    f"The token's tenant '{tenant}' does not exist.",
                )
        return principal

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        # strawberry expects a JSON object (or a batch list) and fails with a 500 on any other
        # JSON value (a number, a string, null): refuse those as a bad request.
        if request.method == "POST" and JSON in (request.content_type or "").lower():
            body = (await request.get_body()).lstrip()
            if body[:1] not in (b"{", b"["):
                raise HTTPException(
                    400, "The request body must be a JSON object (query, variables)."
                )
        try:
            data = await super().parse_http_body(request)
        except RecursionError:  # JSON nested deeper than the parser goes
            raise RequestRefused(400, JSON_TOO_DEEP) from None
        except UnicodeDecodeError:  # json.loads decodes bytes first
            raise RequestRefused(400, BODY_NOT_UTF8) from None
        # NUL and lone surrogates never reach storage or SQL (PostgreSQL refuses NUL in text,
        # neither database takes a surrogate): refused here for the variables (and the rest of
        # the request); string literals by the schema's validation and GraphQL's parser.
        for item in data if isinstance(data, list) else [data]:
            fault = text_fault([item.query, item.operation_name, item.variables, item.extensions])
            if fault is not None:
                raise RequestRefused(400, fault)
        return data

    async def execute_operation(
        self,
        request: Any,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: ApiContext,
        root_value: None,
        sub_response: Any,
    ) -> Any:
        """strawberry's execution, within the request's time budget: over it, a query is
        cancelled and answered ``REQUEST_TIMEOUT``; a mutation already running is let finish
        (its commands run in worker threads, which cannot be stopped midway)."""
        budget = self.services.settings.request_time_budget
        loop = asyncio.get_running_loop()
        run = asyncio.ensure_future(
            super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        )
        # One future woken by the end of the run or of the budget (what ``wait_for(shield(run))``
        # did, with a task, two futures and a timer less per request).
        waiter = loop.create_future()

        def wake(_: object = None) -> None:
            if not waiter.done():
                waiter.set_result(None)

        def expire() -> None:
            if not context.writing:  # a mutation already running is let finish
                run.cancel()
                wake()

        run.add_done_callback(wake)
        timer = loop.call_later(budget, expire)
        try:
            await waiter
        except asyncio.CancelledError:  # the client went away: so does its query
            if not context.writing:
                run.cancel()
            raise
        finally:
            timer.cancel()
            run.remove_done_callback(wake)
        if run.done() and not run.cancelled():
            return run.result()
        log.warning("request cancelled at the end of its time budget (%g s)", budget)
        raise RequestRefused(503, request_timeout(budget))

    async def get_context(self, request: Any, response: Any) -> ApiContext:
        principal = request.state.principal
        assert isinstance(principal, ApiPrincipal)
        request.state.sub_response = response
        response.media_type = request.state.media_type
        return ApiContext(self.services, principal)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        sub_response = request.state.sub_response
        sub_response.status_code = _status(result, request.state.media_type)
        if sub_response.status_code == 503:
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        processed = strawberry_process_result(result)
        for error in processed.get("errors") or []:
            if isinstance(error, dict):
                _describe(error)
                note_refusal(str(error["extensions"]["code"]))
        return processed

    def encode_json(self, data: object) -> bytes:
        return encode_body(data)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Any
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or JSON,
        )
        response.headers.raw.extend(
            (k, v) for k, v in sub_response.headers.raw if k.lower() != b"content-type"
        )
        return response


#: strawberry's refusals of a request's shape (English only): both languages, in our words (the
#: reason may repeat client text, e.g. an unknown operation's name).
_BAD_REQUESTS: tuple[tuple[str, str, str], ...] = (
    (
        "Unable to parse request body as JSON",
        "Nội dung yêu cầu không phải là JSON hợp lệ.",
        "The request body is not valid JSON.",
    ),
    (
        "`query` must be a string",
        "Trường query phải là một chuỗi (tài liệu GraphQL).",
        "The query field must be a string (a GraphQL document).",
    ),
    (
        "`variables` must be an object",
        "Trường variables phải là một đối tượng JSON (hoặc null).",
        "The variables field must be a JSON object (or null).",
    ),
    (
        "`extensions` must be an object",
        "Trường extensions phải là một đối tượng JSON (hoặc null).",
        "The extensions field must be a JSON object (or null).",
    ),
    (
        "No GraphQL query found",
        "Yêu cầu không có tài liệu GraphQL (query).",
        "The request has no GraphQL document (query).",
    ),
    (
        "Unknown operation named",
        "Tài liệu không có thao tác mang tên operationName đã gửi.",
        "The document has no operation of the name given in operationName.",
    ),
    (
        "Can't get GraphQL operation type",
        "Không xác định được thao tác cần chạy trong tài liệu.",
        "The operation to run cannot be found in the document.",
    ),
    (
        "Batching is not enabled",
        "Không nhận nhiều thao tác trong một mảng JSON (batch).",
        "Batches (a JSON array of operations) are not accepted.",
    ),
    (
        "Unsupported content type",
        "Kiểu nội dung (Content-Type) không được hỗ trợ; hãy gửi application/json.",
        "Unsupported content type; send application/json.",
    ),
    (
        "must be a JSON object (query, variables)",
        "Nội dung yêu cầu phải là một đối tượng JSON (query, variables).",
        "The request body must be a JSON object (query, variables).",
    ),
)


def _bad_request(reason: str) -> tuple[str, str]:
    """(Vietnamese, English) of a refusal of the request's shape."""
    for known, vi, en in _BAD_REQUESTS:
        if known in reason:
            return vi, en
    shown = reason[:200]
    return f"Yêu cầu không hợp lệ ({shown}).", f"Bad request: {shown}"


#: GraphQL's and strawberry's own request errors (English only, no code): their code and the
#: Vietnamese message, so every error a client sees carries both languages and a stable code.
_KNOWN_ERRORS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"Document contains more than (\d+) tokens"),
        "TOO_MANY_TOKENS",
        "Tài liệu GraphQL quá dài (quá {0} ký hiệu).",
    ),
    (re.compile(r"^Syntax Error"), "GRAPHQL_PARSE_FAILED", "Tài liệu GraphQL sai cú pháp."),
    (
        re.compile(r"^Unexpected error\.$"),
        "INTERNAL_ERROR",
        "Lỗi không mong muốn ở máy chủ; lỗi đã được ghi lại.",
    ),
)


def _describe(error: dict[str, Any]) -> None:
    """Give an error without a code our code and both languages (in place)."""
    extensions = error.setdefault("extensions", {})
    if extensions.get("code"):
        return
    message = str(error.get("message", ""))
    for pattern, code, vietnamese in _KNOWN_ERRORS:
        found = pattern.search(message)
        if found:
            extensions.update(
                code=code, messageVi=vietnamese.format(*found.groups()), messageEn=message
            )
            return
    extensions.update(
        code="GRAPHQL_VALIDATION_FAILED",
        messageVi=f"Tài liệu GraphQL không hợp lệ với lược đồ: {message}",
        messageEn=message,
    )


def _status(result: ExecutionResult, media_type: str) -> int:
    """HTTP status of an executed (or refused) document, per the GraphQL-over-HTTP spec."""
    errors = result.errors or []
    codes = [(e.extensions or {}).get("code") for e in errors]
    if STORE_UNAVAILABLE.code in codes:
        return 503
    data_empty = result.data is None or all(v is None for v in result.data.values())
    if errors and data_empty and all(code == "FORBIDDEN" for code in codes):
        return 403
    if result.data is None and errors and media_type == GRAPHQL_RESPONSE:
        return 400
    return 200


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


def _store_unreachable(error: Exception) -> dict[str, Any]:
    """The readiness answer's body when the store did not answer (logged without details)."""
    log.warning("readiness: store unreachable: %s", type(error).__name__)
    fault = STORE_UNAVAILABLE
    return {
        "status": "store unreachable",
        "error": type(error).__name__,
        "code": fault.code,
        "messageVi": fault.message_vi,
        "messageEn": fault.message_en,
    }


def _readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    store = services.store
    lagging: dict[str, int] = {}
    failed: dict[str, dict[str, Any]] = {}
    heads: dict[str, int] = {}
    try:
        tenants = [t.slug for t in store.registry.list()]
        for slug in tenants:
            head = heads[slug] = store.head(slug)
            lag = head - services.read_models.reached(slug)
            if lag > services.settings.ready_max_lag:
                lagging[slug] = lag
            failure = services.read_models.failure(slug) if lag > 0 else None
            if failure is not None:
                failed[slug] = {"projection": failure.projection, "position": failure.position}
    except Exception as error:  # the store did not answer
        return False, _store_unreachable(error)
    if failed:
        return False, {"status": "projections failed", "failed": failed, "lagging": lagging}
    if lagging:
        return False, {"status": "read models lagging", "lagging": lagging}
    if services.replica is not None:  # KETNAP_READ_DATABASE_URL (service.replica_reads)
        ready, replica = replica_readiness(services.replica, heads, services.settings.ready_max_lag)
        if not ready:
            status = "replica lagging" if replica.get("reachable") else "replica unreachable"
            return False, {"status": status, "replica": replica}
        return True, {"status": "ready", "tenants": len(tenants), "replica": replica}
    return True, {"status": "ready", "tenants": len(tenants)}


def _store_readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """Whether this process can serve (``/readyz/store``, the orchestrator's readiness probe):
    its store answers, and its replica does where one is set. Unlike ``/readyz`` it does not
    look at the tenants' read models: one tenant's lagging or failed projection is the same on
    every server, so failing readiness for it would take every server out of the load balancer
    and cut off every tenant, not only the one at fault (``/readyz`` reports it; alert on it)."""
    try:
        tenants = len(services.store.registry.list())
    except Exception as error:  # the store did not answer
        return False, _store_unreachable(error)
    if services.replica is not None:
        reachable, replica = replica_readiness(services.replica, {}, 0)
        if not reachable:
            return False, {"status": "replica unreachable", "replica": replica}
    return True, {"status": "ready", "tenants": tenants}


def make_app(services: Services, *, span_exporter: SpanExporter | None = None) -> ASGIApp:
    """The ASGI application of the service (``span_exporter``: where spans go when
    ``KETNAP_TRACING`` is on, instead of the configured exporter; for tests)."""
    settings = services.settings
    tracing = tracing_extension(tracer_provider(settings, span_exporter))
    schema = build_schema(
        production=settings.production, max_rows=settings.max_query_rows, tracing=tracing
    )
    view = KetnapGraphQL(services, schema)

    async def readiness(check: Callable[[Services], tuple[bool, dict[str, Any]]]) -> Response:
        ready, body = await run_in_threadpool(check, services)
        unreachable = body.get("code") == STORE_UNAVAILABLE.code
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if unreachable else None
        return JSONResponse(body, status_code=200 if ready else 503, headers=headers)

    async def readyz(request: Request) -> Response:
        return await readiness(_readiness)

    async def readyz_store(request: Request) -> Response:
        return await readiness(_store_readiness)

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/readyz/store", readyz_store),
            report_route(services, view._authenticate),  # the forms (service.api.forms_route)
        ]
    )
    app.state.services = services
    return with_request_log(
        BodyLimit(app, services.settings.max_request_bytes, services.settings.max_import_bytes)
    )
