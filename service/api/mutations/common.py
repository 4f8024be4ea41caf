"""Inputs and payloads shared by the mutations.

Every mutation is a thin call into one command handler (``service.commands.Handlers``), run as
the token's principal. It answers a union: its success payload (the changed object as it stands
now, and the position of the last stored event) or a :class:`~service.api.errors.DomainErrorType`
(stable code, Vietnamese and English message, regulation, field).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from domain import ids
from domain.values import DocumentRef
from service.api.context import ApiContext
from service.api.errors import DomainErrorType
from service.api.queries.core import case_at
from service.api.types import Candidate
from service.commands import CommandResult

#: Description of every mutation's ``input`` argument.
WHAT = strawberry.argument(description="What to record.")


@strawberry.input(description="A document backing a step (văn bản): form, number, date, issuer.")
class DocumentInput:
    kind: str = strawberry.field(description='Form of the document, e.g. "6-KNĐ".')
    number: str = strawberry.field(description='Its number, e.g. "12/NQ-CB".')
    issued_on: date = strawberry.field(description="Its date (ngày ban hành).")
    issuer: str = strawberry.field(description="The issuing body (cơ quan ban hành).")


def document(value: DocumentInput | None) -> DocumentRef | None:
    """The domain document of an input (None stays None)."""
    if value is None:
        return None
    return DocumentRef(
        kind=value.kind, number=value.number, issued_on=value.issued_on, issuer=value.issuer
    )


@strawberry.type(description="A case after a successful command.")
class CandidatePayload:
    candidate: Candidate | None = strawberry.field(
        description="The case as it stands now (null if it left your read scope)."
    )
    position: int | None = strawberry.field(
        description="Position of the last event stored by the command in the tenant's history."
    )


CandidateResult = Annotated[
    CandidatePayload | DomainErrorType,
    strawberry.union(
        "CandidateResult", description="The changed case, or why nothing was recorded."
    ),
]


async def candidate_payload(
    ctx: ApiContext, case_code: str, result: CommandResult
) -> CandidatePayload:
    """The payload of a command on case ``case_code``."""
    candidate_id = str(ids.candidate_id(ctx.tenant, case_code))
    candidate = await case_at(ctx, ctx.cut_key(None), candidate_id)
    return CandidatePayload(candidate=candidate, position=result.position)
