"""Tenant mutations (platform operators): create, disable and enable tenants.

Each answers the union ``TenantResult``: the tenant as it stands now, or the domain error
(bad slug, name or kind, slug taken, unknown tenant, a missing reason, a tenant already in that
state). Creating a tenant records its default policy, signed by the operator
(``Handlers.create_tenant``, which projects it where projections run inline), so the new
tenant's users see it at once. Disabling and enabling build the platform commands
``DisableTenant`` / ``EnableTenant`` (``domain.commands``): the reason and the operator go to
the platform's history of the tenant (``tenantHistory``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.commands import DisableTenant, EnableTenant, PlatformCommand
from domain.errors import DomainError
from domain.values import Actor, Role
from service.api.context import ApiContext, get_context
from service.api.errors import DomainErrorType
from service.api.permissions import Capability, needs
from service.api.queries.tenants import TenantType
from service.store.registry import Tenant, TenantKind

MANAGE_TENANTS = needs(Capability.MANAGE_TENANTS)


@strawberry.type(description="A tenant after a successful change.")
class TenantPayload:
    tenant: TenantType = strawberry.field(description="The tenant as it stands now.")


TenantResult = Annotated[
    TenantPayload | DomainErrorType,
    strawberry.union("TenantResult", description="The tenant, or why nothing was changed."),
]

Slug = Annotated[
    str, strawberry.argument(description="The tenant's slug: a-z, 0-9 and _, 2-40 characters.")
]
Reason = Annotated[
    str, strawberry.argument(description="Why (lý do), kept in the platform's history.")
]


async def _tenant_change(
    ctx: ApiContext, change: Callable[[], Tenant]
) -> TenantPayload | DomainErrorType:
    try:
        tenant = await ctx.run_sync(change)
    except DomainError as error:
        return DomainErrorType.of(error)
    return TenantPayload(tenant=TenantType.of(tenant))


@strawberry.type
class TenantMutations:
    @strawberry.mutation(
        description="Register a tenant (đơn vị sử dụng) with its storage and default policy. "
        "Platform operators only.",
        permission_classes=MANAGE_TENANTS,
    )
    async def create_tenant(
        self,
        info: Info,
        slug: Slug,
        name: Annotated[str, strawberry.argument(description="Its name (at most 200 characters).")],
        kind: Annotated[
            TenantKind, strawberry.argument(description="What kind of organisation it is.")
        ] = TenantKind.OTHER,
    ) -> TenantResult:
        ctx = get_context(info)
        actor = Actor(ctx.principal.subject, Role.PLATFORM_OPERATOR)
        services = ctx.services

        def create() -> Tenant:
            return services.handlers.create_tenant(actor, slug, name, kind)

        return await _tenant_change(ctx, create)

    @strawberry.mutation(
        description="Disable a tenant: its history stays readable, nothing more can be "
        "recorded. Platform operators only.",
        permission_classes=MANAGE_TENANTS,
    )
    async def disable_tenant(self, info: Info, slug: Slug, reason: Reason) -> TenantResult:
        return await _platform_command(info, DisableTenant(slug=slug, reason=reason))

    @strawberry.mutation(
        description="Enable a disabled tenant again. Platform operators only.",
        permission_classes=MANAGE_TENANTS,
    )
    async def enable_tenant(self, info: Info, slug: Slug, reason: Reason) -> TenantResult:
        return await _platform_command(info, EnableTenant(slug=slug, reason=reason))


async def _platform_command(
    info: Info, command: PlatformCommand
) -> TenantPayload | DomainErrorType:
    ctx = get_context(info)
    actor = Actor(ctx.principal.subject, Role.PLATFORM_OPERATOR)
    handlers = ctx.services.handlers
    return await _tenant_change(ctx, lambda: handlers.handle_platform(actor, command))
