"""Tenant mutations (platform operators): create, disable, enable and merge tenants.

Each answers the union ``TenantResult``: the tenant as it stands now, or the domain error
(bad slug, name or kind, slug taken, unknown tenant, a missing reason, a tenant already in that
state). Creating a tenant records its default policy, signed by the operator
(``Handlers.create_tenant``, which projects it where projections run inline), so the new
tenant's users see it at once. Disabling and enabling build the platform commands
``DisableTenant`` / ``EnableTenant`` (``domain.commands``): the reason and the operator go to
the platform's history of the tenant (``tenantHistory``). Merging (``MergeTenant``,
``service.tenant_merge``) answers what it moved; re-running it resumes an interrupted merge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.commands import DisableTenant, EnableTenant, MergeTenant, PlatformCommand
from domain.errors import DomainError
from domain.inputs import canonical, client_path
from domain.values import Actor, Role
from service.api.context import ApiContext, get_context
from service.api.errors import DomainErrorType
from service.api.mutations.factory import graphql_name, input_type, raw
from service.api.permissions import Capability, needs
from service.api.queries.tenants import TenantType
from service.store.registry import Tenant, TenantKind
from service.tenant_merge import MergeSummary, run_merge

MANAGE_TENANTS = needs(Capability.MANAGE_TENANTS)


@strawberry.type(description="A tenant after a successful change.")
class TenantPayload:
    tenant: TenantType = strawberry.field(description="The tenant as it stands now.")


TenantResult = Annotated[
    TenantPayload | DomainErrorType,
    strawberry.union("TenantResult", description="The tenant, or why nothing was changed."),
]


@strawberry.type(description="What a tenant merge did (hợp nhất đơn vị sử dụng).")
class MergeTenantPayload:
    tenant: TenantType = strawberry.field(
        description="The tenant merged away, as it stands now (mergedInto, mergedOn)."
    )
    into: str = strawberry.field(description="The tenant it was merged into.")
    units: int = strawberry.field(description="Open units moved into the target.")
    cases: int = strawberry.field(description="Open cases moved into the target.")
    collisions: list[str] = strawberry.field(
        description="Codes already used in the target: they arrived as '<source slug>-<code>'."
    )
    left_behind: list[str] = strawberry.field(
        description="Open cases of a dissolved unit (no branch follows them): they stay in the "
        "source's history."
    )
    checkpoint_position: int = strawberry.field(
        description="Position of the source's signed closing checkpoint."
    )
    checkpoint_head_hash: str = strawberry.field(
        description="The source's chain head hash at that checkpoint (hex)."
    )

    @classmethod
    def of(cls, summary: MergeSummary) -> MergeTenantPayload:
        return cls(
            tenant=TenantType.of(summary.source),
            into=summary.target,
            units=summary.units,
            cases=summary.cases,
            collisions=list(summary.collisions),
            left_behind=list(summary.left_behind),
            checkpoint_position=summary.checkpoint_position,
            checkpoint_head_hash=summary.checkpoint_head_hash,
        )


MergeTenantResult = Annotated[
    MergeTenantPayload | DomainErrorType,
    strawberry.union("MergeTenantResult", description="What the merge did, or why it did not."),
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

    @strawberry.mutation(
        description=" ".join((MergeTenant.__doc__ or "").split()) + " Platform operators only.",
        permission_classes=MANAGE_TENANTS,
    )
    async def merge_tenant(
        self,
        info: Info,
        input: Annotated[
            input_type(MergeTenant),  # type: ignore[valid-type]
            strawberry.argument(description="What to merge, into what, from when."),
        ],
    ) -> MergeTenantResult:
        ctx = get_context(info)
        actor = Actor(ctx.principal.subject, Role.PLATFORM_OPERATOR)
        handlers = ctx.services.handlers
        data = raw(input)

        def merge() -> MergeSummary:
            command = canonical(
                MergeTenant, data, today=handlers.today(), name_of=graphql_name, prefix="input"
            )
            try:
                return run_merge(handlers, actor, command)
            except DomainError as error:
                error.field = client_path(MergeTenant, error.field, graphql_name, "input")
                raise

        try:
            summary = await ctx.run_sync(merge)
        except DomainError as error:
            return DomainErrorType.of(error)
        return MergeTenantPayload.of(summary)


async def _platform_command(
    info: Info, command: PlatformCommand
) -> TenantPayload | DomainErrorType:
    ctx = get_context(info)
    actor = Actor(ctx.principal.subject, Role.PLATFORM_OPERATOR)
    handlers = ctx.services.handlers
    return await _tenant_change(ctx, lambda: handlers.handle_platform(actor, command))
