"""Mutations on candidates' cases: each admission step, each exit, moves and corrections.

They are generated from the case commands (``domain.commands.CaseCommand``) by
``service.api.mutations.factory``. Organizers act on every case; a branch secretary only on
cases of units inside its token's scope (``ApiContext.case_command``): a new case and a move are
checked by their unit too. Dates are business dates (the document's date), checked by the
domain; the recording time is the store's.
"""

from __future__ import annotations

import strawberry

from domain.candidates import ExitReason
from domain.commands import (
    AcceptTransferredCase,
    CaseCommand,
    DiscoverCandidate,
    ReceiveTransferredCandidate,
)
from domain.rules import AdmissionAuthority, LeavingReason, Over60Place, RecognitionForm
from domain.values import SpecialArea
from service.api.context import ApiContext
from service.api.mutations.common import CandidateResult, candidate_payload
from service.api.mutations.factory import Family, mutations
from service.api.permissions import Capability, needs
from service.commands import CommandResult

# Stage, MassOrganization and the profile's enums (Gender, EducationLevel…) are registered in
# service.api.types; AdmissionAuthority (used by the organisation mutations too) only here.
SpecialAreaEnum = strawberry.enum(
    SpecialArea,
    name="SpecialArea",
    description="Area where the education requirement may be lowered to primary school "
    "(vùng cao, biên giới, hải đảo, vùng đồng bào dân tộc thiểu số…).",
)
LeavingReasonEnum = strawberry.enum(
    LeavingReason,
    name="LeavingReason",
    description="Why a former member left the Party (lý do ra khỏi Đảng); some reasons bar "
    "re-admission.",
)
AdmissionAuthorityEnum = strawberry.enum(
    AdmissionAuthority,
    name="AdmissionAuthority",
    description="Who decides admissions for a grassroots organisation (thẩm quyền kết nạp): "
    "its own committee when authorised (đảng ủy cơ sở được ủy quyền), the superior's "
    "standing committee (ban thường vụ cấp ủy cấp trên), or under a provincial committee or a "
    "committee directly under the Central Committee its standing officers with the "
    "standing-committee members heading the party departments (thường trực cấp ủy và các ủy "
    "viên ban thường vụ là trưởng các ban đảng).",
)
Over60PlaceEnum = strawberry.enum(
    Over60Place,
    name="Over60Place",
    description="Why a person over 60 is admitted: works or lives where there is no party "
    "organisation or member (cơ sở chưa có tổ chức đảng, chưa có đảng viên), or a special need "
    "(yêu cầu đặc biệt).",
)
RecognitionFormEnum = strawberry.enum(
    RecognitionForm,
    name="RecognitionForm",
    description="A paper of the recognition dossier: the self-review (10-KNĐ), the helper's "
    "comment (11-KNĐ), the summary of the organisations' comments (12-KNĐ), the grassroots "
    "committee's resolution (15-KNĐ).",
)
ExitReasonEnum = strawberry.enum(
    ExitReason, name="ExitReason", description="Why a case left the procedure (lý do)."
)


async def _run(ctx: ApiContext, command: CaseCommand) -> CommandResult:
    """Run a case command within the caller's scope: the case's unit, and the unit a new case
    opens in or a case moves to."""
    unit_code = getattr(command, "unit_code", None)
    return await ctx.case_command(
        lambda h, p: h.handle(p, command),
        case_code=None
        if isinstance(
            command, DiscoverCandidate | ReceiveTransferredCandidate | AcceptTransferredCase
        )
        else command.case_code,
        unit_codes=() if unit_code is None else (unit_code,),
    )


async def _payload(ctx: ApiContext, command: CaseCommand, result: CommandResult) -> object:
    return await candidate_payload(ctx, command.case_code, result)


CASES = Family(
    result=CandidateResult,
    permission=needs(Capability.WRITE_CASES),
    payload=_payload,
    run=_run,
)
CaseMutations = mutations("CaseMutations", {CaseCommand: CASES})
