"""``TenantApplication``: one eventsourcing application per tenant, on that tenant's storage.

Personal data in events is encrypted with the tenant's keys (``service.crypto``): the
transcoder encrypts the personal value types, and :class:`PersonalDataMapper` marks the personal
``str`` attributes (:data:`service.transcoding.PERSONAL_TEXT_ATTRIBUTES`) for encryption.
"""

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
    Mapper,
    MapperDeserialisationError,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import Environment, EnvType, get_topic

import domain
from domain.errors import DomainError, NotFound
from service.crypto import KeySource, TenantKeyring, keyring_for_postgres, keyring_for_sqlite
from service.errors import ConcurrentChange, TenantDisabled, TenantMismatch
from service.metrics import EVENTS_APPENDED
from service.transcoding import (
    PERSONAL_TEXT_ATTRIBUTES,
    PersonalText,
    register_value_transcodings,
)

A = TypeVar("A", bound=BaseAggregate[UUID])

FactoryBuilder = Callable[[Environment], InfrastructureFactory[Any]]


class PersonalDataMapper(Mapper[UUID]):
    """The library's mapper, plus: personal ``str`` attributes are stored encrypted.

    Before encoding, the attributes :data:`~service.transcoding.PERSONAL_TEXT_ATTRIBUTES` names
    for the event's topic are wrapped in :class:`~service.transcoding.PersonalText` (which the
    transcoder encrypts); after decoding, every ``PersonalText`` is unwrapped again. A
    bilingual :class:`~domain.errors.DomainError` raised while decoding (missing key, value
    that does not authenticate) is raised as such, not buried in the library's
    ``MapperDeserialisationError``.
    """

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        names = PERSONAL_TEXT_ATTRIBUTES.get(get_topic(type(domain_event)))
        if not names:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        for name in names:
            if isinstance(state.get(name), str):
                state[name] = PersonalText(state[name])
        proxy = object.__new__(type(domain_event))
        object.__setattr__(proxy, "__dict__", state)
        return super().to_stored_event(proxy)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            event = super().to_domain_event(stored_event)
        except MapperDeserialisationError as e:
            if isinstance(e.__cause__, DomainError):
                raise e.__cause__ from None
            raise
        state = vars(event)
        for name, value in state.items():
            if isinstance(value, PersonalText):
                state[name] = value.value
        return event


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
        keyring: TenantKeyring | None = None,
        keys: KeySource | None = None,
    ) -> None:
        self.tenant = tenant
        self.writable = writable
        self._factory_builder = factory_builder
        if keyring is None:
            # The source the settings name (none given: SQLite's development file or memory).
            configured = keys or KeySource()
            dbname = dict(env or {}).get("SQLITE_DBNAME")
            keyring = (
                keyring_for_sqlite(tenant, str(dbname), configured)
                if dbname
                else keyring_for_postgres(tenant, configured)
            )
        self.keyring = keyring
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only what the store passes: the process environment (PERSISTENCE_MODULE,
        # POSTGRES_SCHEMA, …) must never re-route a tenant's events.
        return Environment(name, dict(env or {}))

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return self._factory_builder(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=PersonalDataMapper
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder, domain.VALUE_TYPES, cipher=self.keyring)

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
            recordings = super().save(*objs, **kwargs)
        except IntegrityError:
            raise ConcurrentChange from None
        if recordings:
            EVENTS_APPENDED.labels(self.tenant).inc(len(recordings))
        return recordings

    def _not_found(self, aggregate_id: UUID, what: str | None = None) -> NotFound:
        kind = f" ({what})" if what else ""
        return NotFound(
            "NOT_FOUND",
            f"Không tìm thấy dữ liệu có mã {aggregate_id}{kind} trong đơn vị '{self.tenant}'.",
            f"Nothing with id {aggregate_id}{kind} exists in tenant '{self.tenant}'.",
            field="id",
        )
