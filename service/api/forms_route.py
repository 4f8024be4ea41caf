"""``GET /reports/{form}.{format}``: a committee's form as a file the front end can link to.

``form`` is ``new-members``, ``membership-change`` or ``attainment``; ``format`` is ``xlsx``,
``pdf``, ``csv``, ``json`` or ``text``. Query parameters, as the dashboards' arguments:
``period`` (default: the year of ``asOf``), ``unit`` (a unit code; default: the tenant's root),
``asOf`` (``YYYY-MM-DD``, default today) and ``asRecordedAt`` (ISO date and time). The figures
are the dashboards' (``service.forms.figures``).

The same gate as GraphQL: the bearer token verified by the same code (the GraphQL view's
``_authenticate``: 401 without a valid token, 403 for an unknown tenant), the tenant taken from
the token only, the dashboards' capability (``READ_DASHBOARDS``; their figures cover the whole
tenant for every role that has it). Read-only, in one read transaction after the caller's own
writes (``ApiContext.read``), within ``KETNAP_REQUEST_TIME_BUDGET`` (503 ``REQUEST_TIMEOUT``
past it). Refusals are JSON with a code and both languages: 400 for a bad parameter, 404 for an
unknown form or unit, 503 with ``Retry-After`` when the store does not answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError, InvalidInput, NotFound
from domain.quotas import Period
from projections.sql import Tx
from service.api.auth import ApiPrincipal, AuthError
from service.api.context import ApiContext, Services
from service.api.permissions import Capability, Forbidden, allows, forbidden
from service.api.responses import error_response, unavailable_response
from service.api.scalars import ScalarInvalid, parse_date, parse_date_time
from service.forms.figures import form_kind
from service.forms.pdf import settings_font
from service.forms.produce import produce
from service.forms.text import output_format
from service.store.outage import store_unavailable

PATH = "/reports/{form}.{format}"
PARAMETERS = ("period", "unit", "asOf", "asRecordedAt")

Authenticate = Callable[[Request], Awaitable[ApiPrincipal]]


def _parameter(name: str, kind: str, vi_format: str) -> InvalidInput:
    return InvalidInput(
        "PARAMETER_INVALID",
        f"Tham số {name} không hợp lệ: cần {vi_format}.",
        f"The parameter {name} is invalid: expected {kind}.",
        field=name,
    )


def _one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise InvalidInput(
            "PARAMETER_REPEATED",
            f"Tham số {name} chỉ được gửi một lần.",
            f"The parameter {name} may be given only once.",
            field=name,
        )
    return values[0] if values else None


def _arguments(
    request: Request, today: date
) -> tuple[Period, str | None, date | None, datetime | None]:
    unknown = sorted(set(request.query_params) - set(PARAMETERS))
    if unknown:
        shown = ", ".join(u[:30] for u in unknown[:3])
        raise InvalidInput(
            "PARAMETER_UNKNOWN",
            f"Tham số không được hỗ trợ: {shown}; các tham số: {', '.join(PARAMETERS)}.",
            f"Unsupported parameter: {shown}; the parameters are: {', '.join(PARAMETERS)}.",
            field=unknown[0][:30],
        )
    try:
        as_of_text = _one(request, "asOf")
        as_of = None if as_of_text is None else parse_date(as_of_text)
    except ScalarInvalid:
        raise _parameter("asOf", "a date YYYY-MM-DD", "ngày dạng YYYY-MM-DD") from None
    try:
        recorded_text = _one(request, "asRecordedAt")
        recorded = None if recorded_text is None else parse_date_time(recorded_text)
    except ScalarInvalid:
        raise _parameter(
            "asRecordedAt", "an ISO date and time", "ngày giờ ISO (2024-12-31T17:00:00+07:00)"
        ) from None
    period_text = _one(request, "period")
    period = (
        Period.year((as_of or today).year) if period_text is None else Period.parse(period_text)
    )
    unit = _one(request, "unit")
    return period, unit, as_of, recorded


def report_route(services: Services, authenticate: Authenticate) -> Route:
    """The route, authenticating with ``authenticate`` (the GraphQL view's)."""

    async def endpoint(request: Request) -> Response:
        try:
            principal = await authenticate(request)
        except AuthError as error:
            headers = {"WWW-Authenticate": 'Bearer realm="ketnap"'} if error.status == 401 else {}
            return error_response(
                error.status, error.code, error.message_vi, error.message_en, headers=headers
            )
        except Exception as error:
            if store_unavailable(error):
                return unavailable_response()
            raise
        if not allows(principal.roles, principal.tenant, Capability.READ_DASHBOARDS):
            refused = forbidden(Capability.READ_DASHBOARDS)
            return error_response(403, refused.code, refused.message_vi, refused.message_en)
        budget = services.settings.request_time_budget
        try:
            return await asyncio.wait_for(_answer(services, principal, request), budget)
        except DomainError as error:
            status = 404 if isinstance(error, NotFound) else 400
            status = 403 if isinstance(error, Forbidden) else status
            return error_response(status, error.code, error.message_vi, error.message_en)
        except TimeoutError:
            return error_response(
                503,
                "REQUEST_TIMEOUT",
                f"Yêu cầu chạy quá thời gian cho phép ({budget:g} giây) và đã bị hủy; hãy thu "
                "hẹp báo cáo (một đơn vị nhỏ hơn).",
                f"The request took longer than its time budget ({budget:g} s) and was "
                "cancelled; ask for less (a smaller unit).",
            )
        except Exception as error:
            if store_unavailable(error):
                return unavailable_response()
            raise

    return Route(PATH, endpoint, methods=["GET"])


async def _answer(services: Services, principal: ApiPrincipal, request: Request) -> Response:
    form = form_kind(request.path_params["form"]).name
    output = output_format(request.path_params["format"])
    ctx = ApiContext(services, principal)
    period, unit, as_of, recorded = _arguments(request, ctx.today())
    cut = ctx.cut_key(as_of, recorded)
    tenant = ctx.tenant
    committee = (await run_in_threadpool(services.store.registry.get, tenant)).name
    font = settings_font(services.settings) if output.name == "pdf" else None

    def query(tx: Tx) -> tuple[bytes, str]:
        return produce(
            tx,
            tenant=tenant,
            committee=committee,
            form=form,
            output=output,
            period=period,
            as_of=cut.as_of,
            recorded_at=cut.recorded_at,
            unit_code=unit,
            font=font,
        )

    data, name = await ctx.read(query)
    return Response(
        data,
        media_type=output.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
