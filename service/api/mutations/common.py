"""Inputs and payloads shared by the mutations.

Every mutation is a thin call into one command handler (``service.commands.Handlers``), run as
the token's principal. It answers a union: its success payload (the changed object as it stands
now, and the position of the last stored event) or a :class:`~service.api.errors.DomainErrorType`
(stable code, Vietnamese and English message, regulation, field).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain import ids
from service.api.context import ApiContext
from service.api.errors import DomainErrorType
from service.api.queries.core import case_at
from service.api.types import Candidate
from service.commands import CommandResult


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
