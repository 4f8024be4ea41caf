"""Mutations on candidates' cases: each admission step, each exit, moves and corrections.

Organizers act on every case; a branch secretary only on cases of units inside its token's
scope (``ApiContext.case_command``). Dates are business dates (the document's date), checked by
the domain; the recording time is the store's.
"""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from service.api.context import get_context
from service.api.errors import attempt
from service.api.mutations.common import (
    CandidateResult,
    DocumentInput,
    candidate_payload,
    document,
)
from service.api.permissions import Capability, needs

WRITE_CASES = needs(Capability.WRITE_CASES)


@strawberry.input(description="Common arguments of a step on an existing case.")
class StepInput:
    case_code: str = strawberry.field(description="The case (mã hồ sơ).")
    occurred_on: date = strawberry.field(description="Business date of the step.")
    document: DocumentInput | None = strawberry.field(
        default=None, description="The document backing the step."
    )
    notes: str = strawberry.field(default="", description="Free-text notes.")


@strawberry.type
class CaseMutations:
    @strawberry.mutation(
        description="Step 2: put the candidate on the sympathizer list (danh sách cảm tình Đảng).",
        permission_classes=WRITE_CASES,
    )
    async def add_to_sympathizer_list(self, info: Info, input: StepInput) -> CandidateResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.case_command(
                lambda h, p: h.add_to_sympathizer_list(
                    p,
                    input.case_code,
                    occurred_on=input.occurred_on,
                    document=document(input.document),
                    notes=input.notes,
                ),
                case_code=input.case_code,
            ),
            lambda result: candidate_payload(ctx, input.case_code, result),
        )
