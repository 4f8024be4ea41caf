"""What a secretary and an auditor need to see of one case: its dossier (documents, exceptions
and consents used, extensions, flags) and its checklist (what the next step needs and every rule
that would refuse it on a day).

- ``Candidate.dossier`` (``service.api.dossier``) is rebuilt from the case's history.
- ``caseChecklist(caseCode, on)`` runs ``Candidate.checklist`` (``domain.checklist``) on the
  tenant's calendar. A case outside a branch secretary's units answers null, like an unknown one.

The probation's end and full membership (``Candidate.probationEndsOn``/``fullMemberSince``) come
from the case's read-model row (``service.api.types``): they cost nothing more on a page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain import checklist, ids
from projections.cut import Cut
from projections.queries import pipeline
from projections.sql import Tx
from service.api.context import ApiContext, get_context
from service.api.permissions import Capability, needs

READ_CASES = needs(Capability.READ_CASES)


# --- the checklist ----------------------------------------------------------------------------
@strawberry.type(description="A document or fact the next step needs.")
class ChecklistItem:
    code: str = strawberry.field(description="Stable code, e.g. NEW_MEMBER_CLASS.")
    kind: str = strawberry.field(description="document or fact.")
    label_vi: str = strawberry.field(description="What is needed, in Vietnamese.")
    label_en: str = strawberry.field(description="What is needed, in English.")
    met: bool | None = strawberry.field(
        description="Whether the case has it (null: given with the step itself)."
    )
    regulation: str = strawberry.field(description="Where the procedure asks for it (if cited).")


@strawberry.type(description="A rule's verdict on the next step (vi phạm hoặc cảnh báo).")
class RuleFinding:
    code: str = strawberry.field(description="The rule's stable code, e.g. AGE_OUT_OF_RANGE.")
    message_vi: str = strawberry.field(description="Why, in Vietnamese.")
    message_en: str = strawberry.field(description="Why, in English.")
    regulation: str = strawberry.field(description="The rule's citation on the asked date.")
    field: str = strawberry.field(description="The fact or input concerned.")

    @classmethod
    def of(cls, finding: checklist.Finding) -> RuleFinding:
        return cls(
            code=finding.code,
            message_vi=finding.message_vi,
            message_en=finding.message_en,
            regulation=finding.regulation,
            field=finding.field,
        )


@strawberry.type(
    description="What a case still needs (hồ sơ còn thiếu gì): the next step, the documents and "
    "facts it needs, and every rule that would refuse it on the asked date — all of them."
)
class CaseChecklist:
    case_code: str = strawberry.field(description="The case code (mã hồ sơ).")
    stage: str = strawberry.field(description="The case's stage now.")
    on: date = strawberry.field(description="The date the rules were judged on.")
    next_step: str | None = strawberry.field(
        description="The step the procedure expects next (null: closed or complete)."
    )
    items: list[ChecklistItem] = strawberry.field(description="What the next step needs.")
    violations: list[RuleFinding] = strawberry.field(
        description="Every rule that would refuse the next step on that date."
    )
    flags: list[RuleFinding] = strawberry.field(
        description="What the next step would be flagged for on that date (recorded, not refused)."
    )
    ready: bool = strawberry.field(description="Nothing missing, nothing that would refuse it.")


def _checklist(case_code: str, stage: str, found: checklist.Checklist) -> CaseChecklist:
    return CaseChecklist(
        case_code=case_code,
        stage=stage,
        on=found.on,
        next_step=found.next_step,
        items=[
            ChecklistItem(
                code=i.code,
                kind=i.need.value,
                label_vi=i.label_vi,
                label_en=i.label_en,
                met=i.met,
                regulation=i.regulation,
            )
            for i in found.items
        ],
        violations=[RuleFinding.of(v) for v in found.violations],
        flags=[RuleFinding.of(f) for f in found.flags],
        ready=found.ready,
    )


def case_readable(ctx: ApiContext, tx: Tx, candidate_id: str) -> bool:
    """Whether the caller may read the case: everyone who reads cases, but a branch secretary
    only the cases in its units now (``ApiContext.read_scope``), so another unit's case answers
    like an unknown one."""
    scope = ctx.read_scope(tx, Cut(as_of=ctx.today()))
    return scope is None or candidate_id in pipeline.cases_now_in(
        tx, [candidate_id], sorted(scope.now)
    )


@strawberry.type
class CaseQueries:
    @strawberry.field(
        description="What a case still needs (hồ sơ còn thiếu gì): the next step's documents and "
        "facts, and every rule that would refuse it on a date (default: today). Null for an "
        "unknown case code, or a case outside a branch secretary's units.",
        permission_classes=READ_CASES,
    )
    async def case_checklist(
        self,
        info: Info,
        case_code: Annotated[str, strawberry.argument(description="The case code (mã hồ sơ).")],
        on: Annotated[
            date | None,
            strawberry.argument(
                description="The day the next step would be taken (default: today)."
            ),
        ] = None,
    ) -> CaseChecklist | None:
        ctx = get_context(info)
        candidate_id = str(ids.candidate_id(ctx.tenant, case_code))
        # the loader gives nothing of a case outside a branch secretary's units now
        record = await ctx.case_loader.load((None, candidate_id))
        if record is None:
            return None
        case = record.candidate
        day = on or ctx.today()
        handlers, tenant = ctx.services.handlers, ctx.tenant

        def judge() -> checklist.Checklist:
            return handlers.checklist(ctx.services.store.app(tenant, write=False), case, day)

        found = await ctx.run_sync(judge)
        return _checklist(case.case_code, case.stage.value, found)
