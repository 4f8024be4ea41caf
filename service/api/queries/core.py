"""Core queries: who am I, global ``node`` lookup, the cases (Relay connection), one case, units.

Every field reads the token's tenant only (``ApiContext.read``); ``asOf`` is a business date
(default today), ``asRecordedAt`` a recording time (default: everything recorded so far).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain import ids
from domain.candidates import Stage
from domain.errors import InvalidInput
from projections.queries import pipeline
from projections.queries.org_tree import UnitNode
from projections.sql import Tx
from service.api.context import ApiContext, CutKey, get_context
from service.api.permissions import Capability, needs
from service.api.relay import (
    After,
    Connection,
    First,
    Node,
    connection,
    decode_cursor,
    page_size,
    parse_global_id,
    selects,
)
from service.api.types import Candidate, OrgUnit

AS_OF = "Business date the answer stands at (default: today)."
AS_RECORDED_AT = "Answer as the system knew it at this time (default: everything recorded)."
AsOf = Annotated[date | None, strawberry.argument(description=AS_OF)]
AsRecordedAt = Annotated[datetime | None, strawberry.argument(description=AS_RECORDED_AT)]


@strawberry.type(description="The caller, as the verified token says.")
class Me:
    subject: str = strawberry.field(description="User id (sub).")
    tenant: str | None = strawberry.field(description="The token's tenant (none for operators).")
    roles: list[str] = strawberry.field(description="Roles held (vai trò).")
    units: list[str] = strawberry.field(description="Unit codes limiting a secretary's scope.")


@strawberry.enum(description="Orders of the case list.")
class CandidateOrder(Enum):
    CASE_CODE = "case_code"
    CASE_CODE_DESC = "case_code_desc"
    DEADLINE = "deadline"


@strawberry.input(description="Filters of the case list.")
class CandidateFilter:
    unit_codes: list[str] | None = strawberry.field(
        default=None, description="Cases in these units or under them."
    )
    stages: list[Stage] | None = strawberry.field(
        default=None, description="Cases in these stages on the date."
    )
    overdue_only: bool = strawberry.field(
        default=False, description="Only cases whose next step is past its due date (quá hạn)."
    )


def check_deadline_cursor(position: str) -> None:
    """A cursor of the DEADLINE order reads "<due date or nothing>|<case code>"."""
    due, separator, _ = position.partition("|")
    try:
        if not separator or (due and not date.fromisoformat(due)):
            raise ValueError(position)
    except ValueError:
        raise InvalidInput(
            "CURSOR_INVALID",
            "Con trỏ trang (after) không thuộc thứ tự sắp xếp đã chọn.",
            "The page cursor (after) does not belong to the chosen order.",
            field="after",
        ) from None


async def case_at(ctx: ApiContext, cut_key: CutKey, candidate_id: str) -> Candidate | None:
    """One case at a cut, if it exists and lies in the caller's read scope (on the cut and
    now, see ``ApiContext.read_scope``): a case outside it answers null, like an unknown one."""

    def one(tx: Tx) -> Candidate | None:
        cut = ctx.cut(tx, cut_key)
        scope = ctx.read_scope(tx, cut)
        row = pipeline.candidate_by_id(
            tx,
            cut,
            candidate_id,
            unit_ids=None if scope is None else sorted(scope.on_cut),
            current_unit_ids=None if scope is None else sorted(scope.now),
        )
        return None if row is None else Candidate.of(row, cut_key)

    return await ctx.read(one)


@strawberry.type
class CoreQueries:
    @strawberry.field(
        description="The caller: user, tenant, roles and unit scope from the token.",
        permission_classes=needs(Capability.AUTHENTICATED),
    )
    def me(self, info: Info) -> Me:
        p = get_context(info).principal
        return Me(
            subject=p.subject,
            tenant=p.tenant,
            roles=sorted(r.value for r in p.roles),
            units=list(p.units),
        )

    @strawberry.field(
        description="Any object by its global id; null when it does not exist in your tenant "
        "(error ID_INVALID for an id this service cannot have issued).",
        permission_classes=needs(Capability.READ_CASES),
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")],
    ) -> Node | None:
        ctx = get_context(info)
        type_name, key = parse_global_id(str(id), ("Candidate", "OrgUnit"))
        cut_key = ctx.cut_key(None)
        if type_name == "Candidate":
            return await case_at(ctx, cut_key, key)
        if type_name == "OrgUnit":
            node = await ctx.unit_loader.load((cut_key, key))
            return None if node is None else OrgUnit.of(node, cut_key)
        return None

    @strawberry.field(
        description="Cases (hồ sơ) as they stood on a date, by case code, in pages.",
        permission_classes=needs(Capability.READ_CASES),
    )
    async def candidates(
        self,
        info: Info,
        filter: Annotated[
            CandidateFilter | None, strawberry.argument(description="Which cases to list.")
        ] = None,
        first: First = None,
        after: After = None,
        order_by: Annotated[
            CandidateOrder,
            strawberry.argument(
                description="CASE_CODE (default), CASE_CODE_DESC, or DEADLINE: the next step's "
                "due date (thời hạn), soonest first, cases with nothing due last."
            ),
        ] = CandidateOrder.CASE_CODE,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Connection[Candidate]:
        ctx = get_context(info)
        size = page_size(first)
        position = decode_cursor(after)
        order: pipeline.CaseOrder = order_by.value
        if order == "deadline" and position is not None:
            check_deadline_cursor(position)
        criteria = filter or CandidateFilter()
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def selection(tx: Tx) -> pipeline.CaseSelection:
            """The filters of the page and of its count: the cut, the units the cases must be
            in on the cut and now (None: any), the stages."""
            cut = ctx.cut(tx, cut_key)
            scope = ctx.read_scope(tx, cut)
            wanted = None
            if criteria.unit_codes is not None:
                wanted = ctx.units_under(tx, cut, criteria.unit_codes)
            on_cut: list[str] | None = None if wanted is None else sorted(wanted)
            now: list[str] | None = None
            if scope is not None:
                on_cut, now = scope.within(wanted), sorted(scope.now)
            return {
                "cut": cut,
                "unit_ids": on_cut,
                "current_unit_ids": now,
                "stages": criteria.stages,
                "overdue_only": criteria.overdue_only,
            }

        # What the query asks of the page is read with it, in one transaction: the count, and
        # every unit of the cut (the page's units and their parents then resolve at once).
        with_count = selects(info, "totalCount")
        with_units = selects(info, "edges", "node", "unit") and ctx.units_read(cut_key) is None

        def page(tx: Tx) -> tuple[pipeline.CandidatePage, int | None, dict[str, UnitNode]]:
            chosen = selection(tx)
            found = pipeline.candidates(tx, **chosen, first=size, after=position, order=order)
            total = pipeline.count_candidates(tx, **chosen) if with_count else None
            units = ctx.read_units(tx, cut_key) if with_units and found.rows else {}
            return found, total, units

        def counted(tx: Tx) -> int:
            return pipeline.count_candidates(tx, **selection(tx))

        async def count() -> int:
            return await ctx.read(counted)

        found, total, units = await ctx.read(page)
        if units:
            ctx.keep_units(cut_key, units)
        return connection(
            [Candidate.of(row, cut_key) for row in found.rows],
            lambda c: pipeline.case_cursor(c.row, order),
            found.has_next,
            count,
            total,
        )

    @strawberry.field(
        description="One case by its case code (mã hồ sơ); null when there is none.",
        permission_classes=needs(Capability.READ_CASES),
    )
    async def candidate(
        self,
        info: Info,
        case_code: Annotated[str, strawberry.argument(description="The case code (mã hồ sơ).")],
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Candidate | None:
        ctx = get_context(info)
        cut_key = ctx.cut_key(as_of, as_recorded_at)
        return await case_at(ctx, cut_key, str(ids.candidate_id(ctx.tenant, case_code)))
