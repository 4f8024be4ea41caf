"""Mutations on candidates' cases: each admission step, each exit, moves and corrections.

Organizers act on every case; a branch secretary only on cases of units inside its token's
scope (``ApiContext.case_command``). Dates are business dates (the document's date), checked by
the domain; the recording time is the store's.

Every mutation is one handler call. Domain values (profiles, sponsors, documents) are built
inside the call, so their input checks answer a ``DomainError`` result like the rules do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from domain.candidates import ExitReason, Stage
from domain.rules import AdmissionAuthority, LeavingReason, PriorMembership, Sponsor
from domain.values import (
    DocumentRef,
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PersonProfile,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    SpecialArea,
    WorkplaceType,
)
from service.api.context import get_context
from service.api.errors import attempt
from service.api.mutations.common import (
    WHAT,
    CandidateResult,
    DocumentInput,
    candidate_payload,
    document,
)
from service.api.permissions import Capability, needs
from service.commands import CommandResult, Handlers, Principal

WRITE_CASES = needs(Capability.WRITE_CASES)

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
    "its own committee when authorised (đảng ủy cơ sở được ủy quyền) or the superior's "
    "standing committee (ban thường vụ cấp ủy cấp trên).",
)
ExitReasonEnum = strawberry.enum(
    ExitReason, name="ExitReason", description="Why a case left the procedure (lý do)."
)

T = TypeVar("T")


def _keep(new: T | None, current: T) -> T:
    """A corrected value, or the current one when none is given."""
    return current if new is None else new


CASE_CODE = "The case (mã hồ sơ)."
OCCURRED_ON = "Business date of the step (on its document); not in the future."
DOCUMENT = "The document backing the step (văn bản)."
NOTES = "Free-text notes."
EXPLANATION = "Why, in words (lý do); required."


# --- inputs -----------------------------------------------------------------------------------
@strawberry.input(description="Common arguments of a step on an existing case.")
class StepInput:
    case_code: str = strawberry.field(description=CASE_CODE)
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A candidate's personal data (lý lịch tóm tắt).")
class PersonInput:
    full_name: str = strawberry.field(description="Full name (họ và tên).")
    birth_date: date = strawberry.field(description="Date of birth (ngày sinh).")
    gender: Gender = strawberry.field(description="Gender (giới tính).")
    ethnicity: str = strawberry.field(default="Kinh", description="Ethnic group (dân tộc).")
    religion: str = strawberry.field(default="Không", description="Religion (tôn giáo).")
    education: EducationLevel = strawberry.field(
        default=EducationLevel.UPPER_SECONDARY,
        description="General education (trình độ giáo dục phổ thông).",
    )
    professional_level: ProfessionalLevel = strawberry.field(
        default=ProfessionalLevel.NONE, description="Professional level (trình độ chuyên môn)."
    )
    political_theory: PoliticalTheoryLevel = strawberry.field(
        default=PoliticalTheoryLevel.NONE,
        description="Political theory level (trình độ lý luận chính trị).",
    )
    occupation: Occupation = strawberry.field(
        default=Occupation.WORKER, description="Occupation (nghề nghiệp)."
    )
    workplace_type: WorkplaceType = strawberry.field(
        default=WorkplaceType.OTHER, description="Kind of workplace (loại hình nơi làm việc)."
    )
    identity_number: str = strawberry.field(
        default="", description="Identity card number (số định danh cá nhân)."
    )
    youth_union_member: bool = strawberry.field(
        default=False, description="Member of the Youth Union (đoàn viên Đoàn Thanh niên)."
    )
    trade_union_member: bool = strawberry.field(
        default=False, description="Member of the Trade Union (đoàn viên Công đoàn)."
    )

    def profile(self) -> PersonProfile:
        """The domain profile (raises the bilingual input errors)."""
        return PersonProfile(
            full_name=self.full_name,
            birth_date=self.birth_date,
            gender=self.gender,
            ethnicity=self.ethnicity,
            religion=self.religion,
            education=self.education,
            professional_level=self.professional_level,
            political_theory=self.political_theory,
            occupation=self.occupation,
            workplace_type=self.workplace_type,
            identity_number=self.identity_number,
            is_youth_union_member=self.youth_union_member,
            is_trade_union_member=self.trade_union_member,
        )


@strawberry.input(
    description="Corrected personal data (đính chính lý lịch): only the fields given change; "
    "omitted (null) fields keep the case's current values."
)
class PersonCorrectionInput:
    full_name: str | None = strawberry.field(default=None, description="Full name (họ và tên).")
    birth_date: date | None = strawberry.field(
        default=None, description="Date of birth (ngày sinh)."
    )
    gender: Gender | None = strawberry.field(default=None, description="Gender (giới tính).")
    ethnicity: str | None = strawberry.field(default=None, description="Ethnic group (dân tộc).")
    religion: str | None = strawberry.field(default=None, description="Religion (tôn giáo).")
    education: EducationLevel | None = strawberry.field(
        default=None, description="General education (trình độ giáo dục phổ thông)."
    )
    professional_level: ProfessionalLevel | None = strawberry.field(
        default=None, description="Professional level (trình độ chuyên môn)."
    )
    political_theory: PoliticalTheoryLevel | None = strawberry.field(
        default=None, description="Political theory level (trình độ lý luận chính trị)."
    )
    occupation: Occupation | None = strawberry.field(
        default=None, description="Occupation (nghề nghiệp)."
    )
    workplace_type: WorkplaceType | None = strawberry.field(
        default=None, description="Kind of workplace (loại hình nơi làm việc)."
    )
    identity_number: str | None = strawberry.field(
        default=None, description="Identity card number (số định danh cá nhân)."
    )
    youth_union_member: bool | None = strawberry.field(
        default=None, description="Member of the Youth Union (đoàn viên Đoàn Thanh niên)."
    )
    trade_union_member: bool | None = strawberry.field(
        default=None, description="Member of the Trade Union (đoàn viên Công đoàn)."
    )

    def applied_to(self, current: PersonProfile) -> PersonProfile:
        """``current`` with the given fields replaced (raises the bilingual input errors)."""
        return PersonProfile(
            full_name=_keep(self.full_name, current.full_name),
            birth_date=_keep(self.birth_date, current.birth_date),
            gender=_keep(self.gender, current.gender),
            ethnicity=_keep(self.ethnicity, current.ethnicity),
            religion=_keep(self.religion, current.religion),
            education=_keep(self.education, current.education),
            professional_level=_keep(self.professional_level, current.professional_level),
            political_theory=_keep(self.political_theory, current.political_theory),
            occupation=_keep(self.occupation, current.occupation),
            workplace_type=_keep(self.workplace_type, current.workplace_type),
            identity_number=_keep(self.identity_number, current.identity_number),
            is_youth_union_member=_keep(self.youth_union_member, current.is_youth_union_member),
            is_trade_union_member=_keep(self.trade_union_member, current.is_trade_union_member),
        )


@strawberry.input(description="The earlier membership of a person to re-admit (kết nạp lại).")
class PriorMembershipInput:
    left_on: date = strawberry.field(description="Date the person left the Party.")
    reason: LeavingReason = strawberry.field(description="Why (lý do ra khỏi Đảng).")
    readmitted_before: bool = strawberry.field(
        default=False, description="Whether the person was already re-admitted once."
    )

    def prior(self) -> PriorMembership:
        return PriorMembership(
            left_on=self.left_on, reason=self.reason, readmitted_before=self.readmitted_before
        )


@strawberry.input(description="A sponsoring full member (người giới thiệu, 3-KNĐ).")
class SponsorInput:
    member_id: str = strawberry.field(description="The sponsor's member id (số thẻ đảng viên).")
    full_name: str = strawberry.field(description="The sponsor's full name.")
    together_since: date = strawberry.field(
        description="Since when the sponsor has worked, studied or lived with the candidate "
        "(≥ 12 months required)."
    )
    full_member_since: date | None = strawberry.field(
        default=None,
        description="Since when the sponsor is a full member (đảng viên chính thức); "
        "null if not one (refused).",
    )
    replacement: bool = strawberry.field(
        default=False,
        description="A replacement sponsor (giới thiệu thay thế), exempt from the 12 months.",
    )

    def sponsor(self) -> Sponsor:
        return Sponsor(
            member_id=self.member_id,
            full_name=self.full_name,
            full_member_since=self.full_member_since,
            together_since=self.together_since,
            replacement=self.replacement,
        )


@strawberry.input(description="Open a candidate's case in a branch (phát hiện, giới thiệu).")
class DiscoverCandidateInput:
    case_code: str = strawberry.field(description="The new case's code (mã hồ sơ), unused yet.")
    unit_code: str = strawberry.field(description="The branch (chi bộ) following the case.")
    person: PersonInput = strawberry.field(description="The candidate's personal data.")
    occurred_on: date = strawberry.field(description="Date the candidate was found or introduced.")
    introduced_by: MassOrganization = strawberry.field(
        default=MassOrganization.BRANCH,
        description="Who introduced the candidate (tổ chức giới thiệu); the branch by default.",
    )
    prior_membership: PriorMembershipInput | None = strawberry.field(
        default=None, description="For a re-admission (kết nạp lại): the earlier membership."
    )
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(
    description="Open a case received from another committee (nhận chuyển đến) at the stage it "
    "had there."
)
class ReceiveTransferredCandidateInput:
    case_code: str = strawberry.field(description="The new case's code (mã hồ sơ), unused yet.")
    unit_code: str = strawberry.field(description="The branch (chi bộ) receiving the case.")
    person: PersonInput = strawberry.field(description="The candidate's personal data.")
    origin: str = strawberry.field(description="The committee the case comes from (nơi chuyển đi).")
    stage: Stage = strawberry.field(
        description="Stage reached there: before the dossier (discovered, sympathizer, awareness "
        "trained), probationary or full member."
    )
    occurred_on: date = strawberry.field(description="Date the case was received.")
    document: DocumentInput = strawberry.field(
        description="The transfer document (giấy chuyển sinh hoạt đảng / văn bản chuyển)."
    )
    awareness_certificate: DocumentInput | None = strawberry.field(
        default=None,
        description="The awareness-class certificate; required from the awareness-trained stage.",
    )
    ceremony_on: date | None = strawberry.field(
        default=None,
        description="Admission ceremony date (ngày kết nạp); required for members.",
    )
    new_member_class: DocumentInput | None = strawberry.field(
        default=None, description="New-member class certificate, if already attended."
    )
    full_member_since: date | None = strawberry.field(
        default=None,
        description="Full-membership date (ngày chính thức); required for a full member.",
    )
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="Assign an official member to help the candidate (giúp đỡ).")
class AssignHelperInput(StepInput):
    member_name: str = strawberry.field(description="The helping member's name.")


@strawberry.input(description="Give the sympathizer a task to test them (nhiệm vụ thử thách).")
class AssignTestTaskInput(StepInput):
    task: str = strawberry.field(description="The task, in words.")


@strawberry.input(description="The application (1-KNĐ) and personal history (2-KNĐ).")
class SubmitApplicationInput(StepInput):
    personal_history: DocumentInput | None = strawberry.field(
        default=None, description="The personal history (lý lịch, 2-KNĐ); required."
    )


@strawberry.input(description="A sponsoring member and the sponsorship letter (3-KNĐ).")
class AddSponsorInput(StepInput):
    sponsor: SponsorInput = strawberry.field(description="The sponsoring member.")


@strawberry.input(
    description="A Youth Union (4-KNĐ) or Trade Union resolution introducing the candidate, "
    "standing in for one sponsor."
)
class RecordUnionIntroductionInput(StepInput):
    organization: MassOrganization = strawberry.field(
        description="The introducing organisation: YOUTH_UNION or TRADE_UNION."
    )


@strawberry.input(description="The background verification conclusion (kết luận thẩm tra).")
class RecordBackgroundVerificationInput(StepInput):
    passed: bool = strawberry.field(
        description="Whether the verification passed (a failed one stops the case)."
    )
    conclusion: str = strawberry.field(description="The conclusion, in words.")


@strawberry.input(description="Comments of a mass organisation or the place of residence (5-KNĐ).")
class RecordCommentsInput(StepInput):
    source: str = strawberry.field(description="Who gave the comments (nơi nhận xét).")


@strawberry.input(description="The branch meeting's resolution (nghị quyết chi bộ, 6-KNĐ).")
class RecordBranchResolutionInput(StepInput):
    official_members: int = strawberry.field(
        description="The branch's official members (đảng viên chính thức)."
    )
    votes_for: int = strawberry.field(description="Votes in favour (≥ 2/3 required).")
    special_area: SpecialArea | None = strawberry.field(
        default=None, description="Special area lowering the education requirement, if any."
    )
    education_exception: DocumentInput | None = strawberry.field(
        default=None, description="The document allowing the education exception."
    )
    over_60_consent: DocumentInput | None = strawberry.field(
        default=None,
        description="Consent of the provincial standing committee for a candidate over 60.",
    )
    readmission_consent: DocumentInput | None = strawberry.field(
        default=None,
        description="Consent of the provincial standing committee for a re-admission.",
    )


@strawberry.input(
    description="The grassroots committee's resolution (nghị quyết đảng ủy cơ sở, 8-KNĐ)."
)
class RecordCommitteeResolutionInput(StepInput):
    committee_members: int = strawberry.field(description="Members of the committee (cấp ủy).")
    votes_for: int = strawberry.field(description="Votes in favour (≥ 2/3 required).")


@strawberry.input(description="The admission decision (quyết định kết nạp, 9-KNĐ).")
class RecordAdmissionDecisionInput(StepInput):
    decided_by: AdmissionAuthority = strawberry.field(
        description="The committee that decided; must hold authority over the unit."
    )
    extension: DocumentInput | None = strawberry.field(
        default=None,
        description="The extension (gia hạn) allowing a decision after 60 working days.",
    )


@strawberry.input(description="The admission ceremony (lễ kết nạp).")
class HoldAdmissionCeremonyInput(StepInput):
    decision_received_on: date = strawberry.field(
        description="Date the branch received the admission decision."
    )
    superior_consent: DocumentInput | None = strawberry.field(
        default=None,
        description="The superior's consent for a ceremony later than 30 working days.",
    )


@strawberry.input(
    description="The branch's vote recognising a full member (xét công nhận đảng viên chính thức)."
)
class RecordRecognitionVoteInput(StepInput):
    official_members: int = strawberry.field(
        description="The branch's official members (đảng viên chính thức)."
    )
    votes_for: int = strawberry.field(description="Votes in favour (≥ 2/3 to recognise).")


@strawberry.input(description="The decision recognising a full member (quyết định công nhận).")
class RecordRecognitionDecisionInput(StepInput):
    extension: DocumentInput | None = strawberry.field(
        default=None,
        description="The extension (gia hạn) allowing a decision after 30 working days.",
    )


@strawberry.input(description="An exit with a reason: rejection, removal, end of membership.")
class ExitInput(StepInput):
    reason: ExitReason = strawberry.field(description="Why (lý do).")
    explanation: str = strawberry.field(description=EXPLANATION)


@strawberry.input(description="The candidate withdraws (tự rút).")
class WithdrawCandidateInput(StepInput):
    explanation: str = strawberry.field(description=EXPLANATION)


@strawberry.input(description="Move a case to another branch of the tenant (chuyển sinh hoạt).")
class MoveCandidateInput(StepInput):
    unit_code: str = strawberry.field(description="The branch (chi bộ) taking over the case.")


@strawberry.input(description="Transfer a case to another committee (chuyển đi).")
class TransferCandidateOutInput(StepInput):
    destination: str = strawberry.field(description="Where the case goes (nơi chuyển đến).")


@strawberry.input(description="Correct the business date of a recorded step (đính chính).")
class CorrectStepDateInput(StepInput):
    step: str = strawberry.field(
        description='The step, as in Candidate.stepDates (e.g. "branch_resolution").'
    )
    corrected_date: date = strawberry.field(description="The right date; not in the future.")
    reason: str = strawberry.field(description="Why the date is corrected; required.")


@strawberry.input(description="Correct the candidate's personal data (đính chính lý lịch).")
class CorrectProfileInput(StepInput):
    person: PersonCorrectionInput = strawberry.field(
        description="The fields to correct; the others stay as they are."
    )
    reason: str = strawberry.field(description="Why the data is corrected; required.")


# --- plumbing ---------------------------------------------------------------------------------
Run = Callable[[Handlers, Principal], CommandResult]


async def _on_case(
    info: Info, case_code: str, run: Run, *, new: bool = False, unit_codes: tuple[str, ...] = ()
) -> CandidateResult:
    """Run a command on case ``case_code`` (a ``new`` one is checked by its ``unit_codes``)."""
    ctx = get_context(info)
    return await attempt(
        lambda: ctx.case_command(run, case_code=None if new else case_code, unit_codes=unit_codes),
        lambda result: candidate_payload(ctx, case_code, result),
    )


def _given(value: DocumentInput) -> DocumentRef:
    """The domain document of a required input."""
    ref = document(value)
    assert ref is not None
    return ref


def _corrected(
    h: Handlers, p: Principal, case_code: str, person: PersonCorrectionInput
) -> PersonProfile:
    """The case's current profile with the corrections applied."""
    current = h.candidate(h.store.app(p.tenant, write=False), case_code).person
    return person.applied_to(current)


@strawberry.type
class CaseMutations:
    # --- opening a case -----------------------------------------------------------------------
    @strawberry.mutation(
        description="Step 1: open a candidate's case in a branch (phát hiện, giới thiệu quần "
        "chúng).",
        permission_classes=WRITE_CASES,
    )
    async def discover_candidate(
        self, info: Info, input: Annotated[DiscoverCandidateInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.discover_candidate(
                p,
                case_code=input.case_code,
                unit_code=input.unit_code,
                person=input.person.profile(),
                occurred_on=input.occurred_on,
                introduced_by=input.introduced_by,
                prior_membership=(
                    None if input.prior_membership is None else input.prior_membership.prior()
                ),
                document=document(input.document),
                notes=input.notes,
            ),
            new=True,
            unit_codes=(input.unit_code,),
        )

    @strawberry.mutation(
        description="Open a case received from another committee at the stage it had there "
        "(nhận chuyển đến).",
        permission_classes=WRITE_CASES,
    )
    async def receive_transferred_candidate(
        self, info: Info, input: Annotated[ReceiveTransferredCandidateInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.receive_transferred_candidate(
                p,
                case_code=input.case_code,
                unit_code=input.unit_code,
                person=input.person.profile(),
                origin=input.origin,
                stage=input.stage,
                occurred_on=input.occurred_on,
                document=_given(input.document),
                awareness_certificate=document(input.awareness_certificate),
                ceremony_on=input.ceremony_on,
                new_member_class=document(input.new_member_class),
                full_member_since=input.full_member_since,
                notes=input.notes,
            ),
            new=True,
            unit_codes=(input.unit_code,),
        )

    # --- 2. sympathizer list, helpers, test tasks ---------------------------------------------
    @strawberry.mutation(
        description="Step 2: put the candidate on the sympathizer list (danh sách cảm tình Đảng).",
        permission_classes=WRITE_CASES,
    )
    async def add_to_sympathizer_list(
        self, info: Info, input: Annotated[StepInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.add_to_sympathizer_list(
                p,
                input.case_code,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 2 (and during probation): assign an official member to help the "
        "candidate (phân công đảng viên giúp đỡ).",
        permission_classes=WRITE_CASES,
    )
    async def assign_helper(
        self, info: Info, input: Annotated[AssignHelperInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.assign_helper(
                p,
                input.case_code,
                member_name=input.member_name,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 2: give the sympathizer a test task (giao nhiệm vụ thử thách).",
        permission_classes=WRITE_CASES,
    )
    async def assign_test_task(
        self, info: Info, input: Annotated[AssignTestTaskInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.assign_test_task(
                p,
                input.case_code,
                task=input.task,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    # --- 3–6. awareness class, application, sponsors, verification ----------------------------
    @strawberry.mutation(
        description="Step 3: the awareness class certificate (giấy chứng nhận lớp bồi dưỡng nhận "
        "thức về Đảng), valid 60 months; occurredOn is the certificate's date, the certificate is "
        "the document (required).",
        permission_classes=WRITE_CASES,
    )
    async def record_awareness_certificate(
        self, info: Info, input: Annotated[StepInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_awareness_certificate(
                p,
                input.case_code,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 4: the application (đơn xin vào Đảng, 1-KNĐ, the document) and the "
        "personal history (lý lịch, 2-KNĐ).",
        permission_classes=WRITE_CASES,
    )
    async def submit_application(
        self, info: Info, input: Annotated[SubmitApplicationInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.submit_application(
                p,
                input.case_code,
                occurred_on=input.occurred_on,
                document=document(input.document),
                personal_history=document(input.personal_history),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 5: a sponsoring full member (người giới thiệu) and the letter (3-KNĐ, "
        "the document).",
        permission_classes=WRITE_CASES,
    )
    async def add_sponsor(
        self, info: Info, input: Annotated[AddSponsorInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.add_sponsor(
                p,
                input.case_code,
                sponsor=input.sponsor.sponsor(),
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 5: the Youth Union's (4-KNĐ) or Trade Union's introducing resolution "
        "(nghị quyết giới thiệu), standing in for one sponsor.",
        permission_classes=WRITE_CASES,
    )
    async def record_union_introduction(
        self, info: Info, input: Annotated[RecordUnionIntroductionInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_union_introduction(
                p,
                input.case_code,
                organization=input.organization,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 6: the background verification conclusion (kết luận thẩm tra, xác "
        "minh lý lịch).",
        permission_classes=WRITE_CASES,
    )
    async def record_background_verification(
        self, info: Info, input: Annotated[RecordBackgroundVerificationInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_background_verification(
                p,
                input.case_code,
                passed=input.passed,
                conclusion=input.conclusion,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 6: comments of a mass organisation or the place of residence (tổng hợp "
        "ý kiến nhận xét, 5-KNĐ).",
        permission_classes=WRITE_CASES,
    )
    async def record_comments(
        self, info: Info, input: Annotated[RecordCommentsInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_comments(
                p,
                input.case_code,
                source=input.source,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    # --- 7–10. resolutions, decision, ceremony ------------------------------------------------
    @strawberry.mutation(
        description="Step 7: the branch's resolution (nghị quyết chi bộ, 6-KNĐ); checks age, "
        "education, the certificate, the dossier's freshness and the 2/3 vote.",
        permission_classes=WRITE_CASES,
    )
    async def record_branch_resolution(
        self, info: Info, input: Annotated[RecordBranchResolutionInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_branch_resolution(
                p,
                input.case_code,
                official_members=input.official_members,
                votes_for=input.votes_for,
                occurred_on=input.occurred_on,
                document=document(input.document),
                special_area=input.special_area,
                education_exception=document(input.education_exception),
                over_60_consent=document(input.over_60_consent),
                readmission_consent=document(input.readmission_consent),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 8: the grassroots committee's resolution (nghị quyết đảng ủy cơ sở, "
        "8-KNĐ).",
        permission_classes=WRITE_CASES,
    )
    async def record_committee_resolution(
        self, info: Info, input: Annotated[RecordCommitteeResolutionInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_committee_resolution(
                p,
                input.case_code,
                committee_members=input.committee_members,
                votes_for=input.votes_for,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 9: the admission decision (quyết định kết nạp, 9-KNĐ), within 60 "
        "working days of the branch resolution (+30 with an extension).",
        permission_classes=WRITE_CASES,
    )
    async def record_admission_decision(
        self, info: Info, input: Annotated[RecordAdmissionDecisionInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_admission_decision(
                p,
                input.case_code,
                decided_by=input.decided_by,
                occurred_on=input.occurred_on,
                document=document(input.document),
                extension=document(input.extension),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 10: the admission ceremony (lễ kết nạp), within 30 working days of "
        "receiving the decision; the candidate becomes a probationary member (đảng viên dự bị).",
        permission_classes=WRITE_CASES,
    )
    async def hold_admission_ceremony(
        self, info: Info, input: Annotated[HoldAdmissionCeremonyInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.hold_admission_ceremony(
                p,
                input.case_code,
                occurred_on=input.occurred_on,
                decision_received_on=input.decision_received_on,
                superior_consent=document(input.superior_consent),
                document=document(input.document),
                notes=input.notes,
            ),
        )

    # --- 11–12. probation and recognition -----------------------------------------------------
    @strawberry.mutation(
        description="Step 11: the new-member class certificate (giấy chứng nhận lớp bồi dưỡng "
        "đảng viên mới, the document).",
        permission_classes=WRITE_CASES,
    )
    async def record_new_member_class(
        self, info: Info, input: Annotated[StepInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_new_member_class(
                p,
                input.case_code,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 12: the branch's vote on recognition as a full member (chi bộ xét "
        "công nhận đảng viên chính thức), after the 12 months of probation.",
        permission_classes=WRITE_CASES,
    )
    async def record_recognition_vote(
        self, info: Info, input: Annotated[RecordRecognitionVoteInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_recognition_vote(
                p,
                input.case_code,
                official_members=input.official_members,
                votes_for=input.votes_for,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Step 12: the decision recognising a full member (quyết định công nhận đảng "
        "viên chính thức).",
        permission_classes=WRITE_CASES,
    )
    async def record_recognition_decision(
        self, info: Info, input: Annotated[RecordRecognitionDecisionInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.record_recognition_decision(
                p,
                input.case_code,
                occurred_on=input.occurred_on,
                document=document(input.document),
                extension=document(input.extension),
                notes=input.notes,
            ),
        )

    # --- exits --------------------------------------------------------------------------------
    @strawberry.mutation(
        description="Exit: the candidate is not admitted (không kết nạp), before the ceremony.",
        permission_classes=WRITE_CASES,
    )
    async def reject_candidate(
        self, info: Info, input: Annotated[ExitInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.reject_candidate(
                p,
                input.case_code,
                reason=input.reason,
                explanation=input.explanation,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Exit: the candidate withdraws (quần chúng tự rút), before the ceremony.",
        permission_classes=WRITE_CASES,
    )
    async def withdraw_candidate(
        self, info: Info, input: Annotated[WithdrawCandidateInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.withdraw_candidate(
                p,
                input.case_code,
                explanation=input.explanation,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Exit: a probationary member is removed from the list (xóa tên đảng viên dự "
        "bị); the decision is the document (required).",
        permission_classes=WRITE_CASES,
    )
    async def remove_from_list(
        self, info: Info, input: Annotated[ExitInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.remove_from_list(
                p,
                input.case_code,
                reason=input.reason,
                explanation=input.explanation,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Exit: a full member is screened out (sàng lọc, đưa ra khỏi Đảng); the "
        "decision is the document (required).",
        permission_classes=WRITE_CASES,
    )
    async def end_membership(
        self, info: Info, input: Annotated[ExitInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.end_membership(
                p,
                input.case_code,
                reason=input.reason,
                explanation=input.explanation,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    # --- moves --------------------------------------------------------------------------------
    @strawberry.mutation(
        description="Move a case to another branch of the tenant (chuyển sinh hoạt); it goes "
        "on there. The transfer document is required. A branch secretary needs both branches "
        "in its scope.",
        permission_classes=WRITE_CASES,
    )
    async def move_candidate(
        self, info: Info, input: Annotated[MoveCandidateInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.move_candidate(
                p,
                input.case_code,
                unit_code=input.unit_code,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
            unit_codes=(input.unit_code,),
        )

    @strawberry.mutation(
        description="Exit: the case leaves for another committee (chuyển đi), before the dossier "
        "or once admitted. The transfer document is required.",
        permission_classes=WRITE_CASES,
    )
    async def transfer_candidate_out(
        self, info: Info, input: Annotated[TransferCandidateOutInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.transfer_candidate_out(
                p,
                input.case_code,
                destination=input.destination,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    # --- corrections --------------------------------------------------------------------------
    @strawberry.mutation(
        description="Correction (đính chính): the business date of a recorded step; the "
        "original date stays in the history. occurredOn is the date of the correction.",
        permission_classes=WRITE_CASES,
    )
    async def correct_step_date(
        self, info: Info, input: Annotated[CorrectStepDateInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.correct_step_date(
                p,
                input.case_code,
                step=input.step,
                corrected_date=input.corrected_date,
                reason=input.reason,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )

    @strawberry.mutation(
        description="Correction (đính chính lý lịch): the candidate's personal data; only the "
        "given fields change, the previous data stays in the history.",
        permission_classes=WRITE_CASES,
    )
    async def correct_profile(
        self, info: Info, input: Annotated[CorrectProfileInput, WHAT]
    ) -> CandidateResult:
        return await _on_case(
            info,
            input.case_code,
            lambda h, p: h.correct_profile(
                p,
                input.case_code,
                person=_corrected(h, p, input.case_code, input.person),
                reason=input.reason,
                occurred_on=input.occurred_on,
                document=document(input.document),
                notes=input.notes,
            ),
        )
