"""Fixtures for read-model tests: a tenant whose projections run inline after each command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest

from domain.values import Actor, Role
from projections.sql import Tx
from service.commands import Handlers, Principal
from service.read_models import ReadModels
from service.store import Store
from tests.conftest import StoreMaker

TODAY = date(2026, 11, 21)
ORGANIZER = Actor("to-chuc-1", Role.ORGANIZER)
TENANT = "bloc"
PRINCIPAL = Principal(TENANT, ORGANIZER)


@dataclass
class World:
    """A store with one tenant, handlers that project inline, and its read models."""

    store: Store
    handlers: Handlers
    read_models: ReadModels
    principal: Principal = PRINCIPAL

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read transaction on the tenant's read models (after catching up)."""
        self.read_models.catch_up(self.principal.tenant)
        with self.read_models.read(self.principal.tenant) as tx:
            yield tx


@pytest.fixture
def world(store_maker: StoreMaker) -> World:
    """Tenant ``bloc`` on each backend (parts from the composition root); projections run
    inline after every command."""
    parts = store_maker.parts(today=lambda: TODAY)
    parts.handlers.create_tenant(
        Actor("ops", Role.PLATFORM_OPERATOR), TENANT, "Đảng bộ Khối", "other"
    )
    return World(parts.store, parts.handlers, parts.read_models)
