"""``TenantApplication``: one eventsourcing application per tenant, on that tenant's storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import (
    Aggregate,
    BaseAggregate,
    DomainEventProtocol,
    MutableOrImmutableAggregate,
)
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Recording,
)
from eventsourcing.utils import Environment, EnvType

import domain
from domain.errors import NotFound
from service.errors import ConcurrentChange, TenantDisabled, TenantMismatch
from service.transcoding import register_value_transcodings

A = TypeVar("A", bound=BaseAggregate[UUID])

FactoryBuilder = Callable[[Environment], InfrastructureFactory[Any]]


class TenantApplication(Application[UUID]):
    """The event-sourced application of one tenant.

    Built by :class:`service.store.Store`, which hands it the infrastructure factory of the
    tenant's storage (its SQLite file, or its schema over the process's one PostgreSQL pool).
    ``get`` refuses aggregates of other tenants; ``save`` refuses them too, maps optimistic
    concurrency conflicts to :class:`~service.errors.ConcurrentChange`, and refuses all writes
    once the tenant is disabled.
    """

    name = "ketnap"  # PostgreSQL events table: t_<slug>.ketnap_events (SQLite: stored_events)

    def __init__(
        self,
        tenant: str,
        *,
        factory_builder: FactoryBuilder,
        env: EnvType | None = None,
        writable: bool = True,
    ) -> None:
        self.tenant = tenant
        self.writable = writable
        self._factory_builder = factory_builder
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only what the store passes: the process environment (PERSISTENCE_MODULE,
        # POSTGRES_SCHEMA, …) must never re-route a tenant's events.
        return Environment(name, dict(env or {}))

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return self._factory_builder(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder, domain.VALUE_TYPES)

    @overload
    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Aggregate: ...

    @overload
    def get(
        self, aggregate_id: UUID, aggregate_type: type[A], *, version: int | None = None
    ) -> A: ...

    def get(
        self,
        aggregate_id: UUID,
        aggregate_type: type[BaseAggregate[UUID]] = Aggregate,
        *,
        version: int | None = None,
    ) -> BaseAggregate[UUID]:
        """The aggregate ``aggregate_id`` of this tenant (optionally at ``version``).

        Raises :class:`domain.errors.NotFound` when there is no such aggregate, when it is not
        an ``aggregate_type``, or when it belongs to another tenant.
        """
        try:
            aggregate: BaseAggregate[UUID] = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise self._not_found(aggregate_id) from None
        if getattr(aggregate, "tenant", None) != self.tenant:
            raise NotFound(
                "OTHER_TENANT_ID",
                f"Mã {aggregate_id} không thuộc đơn vị '{self.tenant}' "
                "(mã của đơn vị khác bị từ chối).",
                f"The id {aggregate_id} does not belong to tenant '{self.tenant}' "
                "(an id from another tenant is refused).",
                field="id",
            )
        if not isinstance(aggregate, aggregate_type):
            raise self._not_found(aggregate_id, aggregate_type.__name__)
        return aggregate

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """Append the pending events of ``objs``; returns the recordings (with positions)."""
        if not self.writable:
            raise TenantDisabled(self.tenant)
        for obj in objs:
            if obj is not None and not isinstance(obj, DomainEventProtocol):
                owner = getattr(obj, "tenant", None)
                if owner != self.tenant:
                    raise TenantMismatch(self.tenant, owner)
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError:
            raise ConcurrentChange from None

    def _not_found(self, aggregate_id: UUID, what: str | None = None) -> NotFound:
        kind = f" ({what})" if what else ""
        return NotFound(
            "NOT_FOUND",
            f"Không tìm thấy dữ liệu có mã {aggregate_id}{kind} trong đơn vị '{self.tenant}'.",
            f"Nothing with id {aggregate_id}{kind} exists in tenant '{self.tenant}'.",
            field="id",
        )
