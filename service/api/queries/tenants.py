"""Tenant queries (platform operators): the registered tenants (đơn vị sử dụng).

Platform operators manage tenants and read nothing inside them: their tokens name no tenant, so
every tenant field refuses them (see ``permissions``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from service.api.context import get_context
from service.api.permissions import Capability, needs
from service.store.registry import RegistryChange, RegistryEvent, Tenant, TenantKind

TenantKindEnum = strawberry.enum(
    TenantKind,
    name="TenantKind",
    description="What kind of party organisation a tenant is (loại đơn vị sử dụng).",
)


@strawberry.type(
    name="Tenant",
    description="A tenant (đơn vị sử dụng): one party committee whose data no other sees.",
)
class TenantType:
    slug: str = strawberry.field(description="The tenant's slug (a-z, 0-9, _), its id.")
    name: str = strawberry.field(description="Its name.")
    kind: TenantKind = strawberry.field(description="What kind of organisation it is.")
    disabled: bool = strawberry.field(
        description="Disabled: its history stays readable, nothing more can be recorded."
    )
    created_at: datetime | None = strawberry.field(description="When it was registered (UTC).")
    merged_into: str | None = strawberry.field(
        default=None,
        description="Merged into this tenant (hợp nhất): disabled for good, its history readable.",
    )
    merged_on: date | None = strawberry.field(
        default=None, description="The date that merge took effect."
    )

    @classmethod
    def of(cls, tenant: Tenant) -> TenantType:
        return cls(
            slug=tenant.slug,
            name=tenant.name,
            kind=tenant.kind,
            disabled=tenant.disabled,
            created_at=tenant.created_at,
            merged_into=tenant.merged_into,
            merged_on=tenant.merged_on,
        )


RegistryChangeEnum = strawberry.enum(
    RegistryChange,
    name="TenantChangeKind",
    description="What happened to a tenant in the platform's history.",
)


@strawberry.type(
    name="TenantChange",
    description="One entry of a tenant's platform history: what happened, who, when and why.",
)
class TenantChangeType:
    change: RegistryChange = strawberry.field(
        description="Created, disabled, enabled or merged into another tenant."
    )
    actor: str = strawberry.field(description="The operator's user id (from the token).")
    role: str = strawberry.field(description="The role the operator acted in.")
    reason: str = strawberry.field(description="Why (empty for a creation).")
    recorded_at: datetime = strawberry.field(description="When it was recorded (UTC).")

    @classmethod
    def of(cls, event: RegistryEvent) -> TenantChangeType:
        return cls(
            change=event.change,
            actor=event.actor.user_id,
            role=event.actor.role.value,
            reason=event.reason,
            recorded_at=event.recorded_at,
        )


@strawberry.type
class TenantQueries:
    @strawberry.field(
        description="Every registered tenant, by slug. Platform operators only.",
        permission_classes=needs(Capability.MANAGE_TENANTS),
    )
    async def tenants(self, info: Info) -> list[TenantType]:
        ctx = get_context(info)
        registry = ctx.services.store.registry
        found = await ctx.run_sync(registry.list)
        return [TenantType.of(t) for t in found]

    @strawberry.field(
        description="The platform history of a tenant (creation, disables, enables: who, when, "
        "why), oldest first. Platform operators only.",
        permission_classes=needs(Capability.MANAGE_TENANTS),
    )
    async def tenant_history(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The tenant's slug.")],
    ) -> list[TenantChangeType]:
        ctx = get_context(info)
        registry = ctx.services.store.registry
        found = await ctx.run_sync(lambda: registry.history(slug))
        return [TenantChangeType.of(e) for e in found]
