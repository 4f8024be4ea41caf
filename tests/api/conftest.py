"""Fixtures for the GraphQL API: a real uvicorn server on a free port over each backend.

``api`` serves the store of the test's backend (SQLite, PostgreSQL) with projections caught up by
the serving process (inline), a fixed "today", and two tenants, ``alpha`` and ``beta``.
Requests go over real HTTP with httpx; tokens come from the development key.

``demo_api`` is ``api`` over a private copy of the same two tenants and the demo tenant
(``DEMO``), seeded once per session (see ``seeded_store_maker`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn

from domain.values import Actor, Role
from service.api.app import make_app
from service.api.auth import issue_dev_token
from service.api.context import Services
from service.api.http_server import server_config
from service.bootstrap import Parts
from service.commands import Handlers, Principal
from service.demo import seed_demo
from service.store import Store
from tests.conftest import Seeding, StoreMaker
from tests.processes import free_port

TODAY = date(2026, 11, 21)
OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
TENANTS = ("alpha", "beta")
DEMO = "demo"


class Server:
    """uvicorn serving ``app`` in a background thread until :meth:`stop`, configured as
    ``ketnap serve`` configures it."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        # ``ketnap serve``'s own configuration (timeouts, limits, JSON errors of uvicorn's)
        config = server_config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@dataclass
class Api:
    """A running service and a client for it."""

    url: str
    services: Services
    client: httpx.Client
    tokens: dict[tuple[Any, ...], str] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def handlers(self) -> Handlers:
        return self.services.handlers

    def token(
        self,
        tenant: str | None = "alpha",
        *roles: Role,
        units: tuple[str, ...] = (),
        subject: str = "user-1",
    ) -> str:
        """A development token (default: organizer of ``alpha``)."""
        roles = roles or (Role.ORGANIZER,)
        key = (tenant, roles, units, subject)
        if key not in self.tokens:
            self.tokens[key] = issue_dev_token(
                self.services.settings,
                subject=subject,
                roles=list(roles),
                tenant=tenant,
                units=list(units),
            )
        return self.tokens[key]

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a GraphQL document (as JSON) with an optional bearer token."""
        sent = {"content-type": "application/json", **(headers or {})}
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.client.post(self.url, json=body, headers=sent)

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """POST and return the JSON body (200 expected)."""
        response = self.post(query, variables, token=token or self.token())
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """POST and return ``data`` (no errors expected)."""
        result = self.gql(query, variables, token=token)
        assert not result.get("errors"), result["errors"]
        data: dict[str, Any] = result["data"]
        return data

    def principal(self, tenant: str = "alpha", role: Role = Role.ORGANIZER) -> Principal:
        """A command principal, for seeding data directly through the handlers."""
        return Principal(tenant, Actor("seed", role))


def create_tenants(parts: Parts) -> None:
    for slug in TENANTS:
        parts.handlers.create_tenant(OPERATOR, slug, f"Đảng bộ {slug}", "other")


@contextmanager
def serving(parts: Parts) -> Iterator[Api]:
    """The service of ``parts`` on a free port, and a client for it."""
    services = Services.of(parts)
    server = Server(make_app(services))
    server.start()
    try:
        with httpx.Client(timeout=30) as client:
            yield Api(f"http://127.0.0.1:{server.port}/graphql", services, client)
    finally:
        server.stop()


@pytest.fixture
def api(store_maker: StoreMaker) -> Iterator[Api]:
    """The service over each backend with tenants ``alpha`` and ``beta``, on a free port (its
    parts from the composition root, projections inline)."""
    parts = store_maker.parts(today=lambda: TODAY)
    create_tenants(parts)
    with serving(parts) as api:
        yield api


def seed_the_demo(parts: Parts) -> None:
    """``api``'s tenants and the demo tenant (fewer generated cases than the CLI's)."""
    create_tenants(parts)
    assert seed_demo(parts.handlers, tenant=DEMO, candidates=80).refused == []


DEMO_SEEDING = Seeding("api-demo-80", seed_the_demo, TODAY)


@pytest.fixture
def demo_api(seeded_store_maker: Callable[[Seeding], StoreMaker]) -> Iterator[Api]:
    """``api`` with the demo tenant ``DEMO`` too: a private copy of data seeded once per
    session (seeding costs seconds per backend), which the test may write to."""
    parts = seeded_store_maker(DEMO_SEEDING).parts(today=lambda: TODAY)
    with serving(parts) as api:
        yield api
