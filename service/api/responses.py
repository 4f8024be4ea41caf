"""The service's bilingual error answers outside GraphQL's own execution: the body shaped like
GraphQL's errors (``code``, ``messageVi``, ``messageEn``), each refusal noted for the request's
log line. ``/graphql`` (``service.api.app``) and the forms' route (``service.api.forms_route``)
answer with the same ones."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from service.api.errors import STORE_UNAVAILABLE
from service.api.request_log import note_refusal

JSON = "application/json"
#: Seconds a client is asked to wait (``Retry-After``) when the store does not answer.
RETRY_AFTER_SECONDS = 5


def error_body(code: str, message_vi: str, message_en: str) -> dict[str, Any]:
    """A GraphQL-shaped error body (no ``data``) with the bilingual message."""
    return {
        "errors": [
            {
                "message": f"{message_en} / {message_vi}",
                "extensions": {"code": code, "messageVi": message_vi, "messageEn": message_en},
            }
        ]
    }


def error_response(
    status: int,
    code: str,
    vi: str,
    en: str,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    """A bilingual error answer with ``status`` (noted as the request's refusal for its log
    line)."""
    note_refusal(code)
    return Response(
        json.dumps(error_body(code, vi, en), ensure_ascii=False),
        status_code=status,
        media_type=media_type,
        headers=headers,
    )


def unavailable_response(media_type: str = JSON) -> Response:
    """503 with ``Retry-After``: the store does not answer now."""
    fault = STORE_UNAVAILABLE
    return error_response(
        503,
        fault.code,
        fault.message_vi,
        fault.message_en,
        media_type,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
