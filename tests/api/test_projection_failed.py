"""Over HTTP, a tenant whose projection failed on an event: writes are stored and, like reads
that wait for them, answered ``PROJECTION_FAILED`` (bilingual, with the position) at once instead
of after the read-your-writes timeout; ``/readyz`` answers 503 naming the tenant and the
projection; after the fix, ``retry`` makes everything current again."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from domain.values import Role
from service.api.app import make_app
from service.api.context import Services
from service.commands import Handlers
from service.read_models import ReadModels
from tests.api.conftest import OPERATOR, TODAY, Api, Server
from tests.conftest import StoreMaker
from tests.projections.test_failures import POISON, Thresholds, with_thresholds

#: Far above what any answer below may take: a refusal must not wait it out.
TIMEOUT = 20.0

SET = "mutation($days: Int!) { setStalledThreshold(days: $days) { __typename "
SET += "... on TenantSettingsPayload { settings { stalledThresholdDays } } } }"
READ = "{ tenantSettings { stalledThresholdDays } }"


@pytest.fixture
def failing_api(store_maker: StoreMaker) -> Iterator[Api]:
    """The service (projections inline) with the test projection that fails on POISON."""
    parts = store_maker.parts(today=lambda: TODAY, read_your_writes_timeout=TIMEOUT)
    read_models = ReadModels(parts.store, projections=with_thresholds, inline=True)
    handlers = Handlers(parts.store, today=lambda: TODAY, after_save=read_models.after_save)
    handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ alpha", "other")
    services = dataclasses.replace(Services.of(parts), handlers=handlers, read_models=read_models)
    Thresholds.broken = True
    server = Server(make_app(services))
    server.start()
    try:
        with httpx.Client(timeout=60) as client:
            yield Api(f"http://127.0.0.1:{server.port}/graphql", services, client)
    finally:
        Thresholds.broken = True
        server.stop()


def _timed(
    api: Api, document: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    body = api.gql(document, variables)
    return body, time.monotonic() - started


def test_a_failed_projection_is_answered_at_once_and_retry_brings_it_back(
    failing_api: Api,
) -> None:
    api = failing_api
    readyz = api.url.replace("/graphql", "/readyz")
    body, _ = _timed(api, SET, {"days": 30})
    assert body["data"]["setStalledThreshold"]["settings"] == {"stalledThresholdDays": 30}
    head = api.services.read_models.projector("alpha").head

    # The poison is stored; its answer says PROJECTION_FAILED at once, with the position.
    body, seconds = _timed(api, SET, {"days": POISON})
    assert seconds < 3
    poison = head()
    [error] = body["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "PROJECTION_FAILED"
    assert f"sự kiện {poison}" in extensions["messageVi"]
    assert f"event {poison}" in extensions["messageEn"]

    # A later write is stored too, and answered the same way at once; so is a read that waits
    # for it. A reader with nothing to wait for is served what the read models hold.
    body, seconds = _timed(api, SET, {"days": 31})
    assert seconds < 3
    assert head() == poison + 1
    assert body["errors"][0]["extensions"]["code"] == "PROJECTION_FAILED"
    assert f"position {poison + 1}" in body["errors"][0]["extensions"]["messageEn"]
    body, seconds = _timed(api, READ)
    assert seconds < 3
    assert body["errors"][0]["extensions"]["code"] == "PROJECTION_FAILED"
    other = api.token("alpha", Role.ORGANIZER, subject="user-2")
    assert api.data(READ, token=other) == {"tenantSettings": {"stalledThresholdDays": 30}}

    response = api.client.get(readyz)
    assert response.status_code == 503
    assert response.json()["failed"] == {
        "alpha": {"projection": Thresholds.name, "position": poison}
    }

    # The fix, then retry: current again, ready again.
    Thresholds.broken = False
    api.services.read_models.retry("alpha")
    assert api.data(READ) == {"tenantSettings": {"stalledThresholdDays": 31}}
    assert api.client.get(readyz).status_code == 200
