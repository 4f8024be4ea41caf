"""The commands: every change a tenant's history can receive, one frozen dataclass each.

This list is the one place that shows which steps exist. Each command's fields are declared
once, with their description and input rules (``domain.inputs``); the GraphQL inputs and
mutations are generated from these classes, and the CLI, the demo, the tests and imports build
the same objects. A handler (``service.commands.Handlers.handle``) loads the aggregate, calls the
domain method of the same name and saves.

The class docstring describes the command (it becomes the mutation's description). A command
that declares no field of its own shares its base's input (``Step``, ``Exit``, ``CalendarDay``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain import inputs as spec
from domain.candidates import ExitReason, Stage
from domain.classifications import Ethnicity, Religion
from domain.errors import InvalidInput
from domain.inputs import DISCOVERY_MIN_AGE, command
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget
from domain.rules import (
    AdmissionAuthority,
    Over60Conditions,
    PriorMembership,
    RecognitionForm,
    Sponsor,
)
from domain.tenant_policy import CountingBasis
from domain.transfer_dossier import Dossier
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
    check_classified,
)

NOTES = "Free-text notes."
OCCURRED_ON = "Business date of the step (on its document); not in the future."
CHANGED_ON = "Business date of the change (on its document); not in the future."
DOCUMENT = "The document backing the step (văn bản)."
CHANGE_DOCUMENT = "The document backing the change (văn bản)."
EXPLANATION = "Why, in words (lý do); required."
UNIT = "The unit (mã đơn vị)."
PERIOD = (
    'The period (kỳ): "2020-2025" (term, nhiệm kỳ), "2024" (year), "2024-Q3" (quarter) or '
    '"2024-07" (month).'
)
#: Realistic bounds: no branch or committee votes with more members, no unit reports more.
MEMBERS_MAX = 10_000
HEADCOUNT_MAX = 1_000_000
SUPPLEMENTARY_MAX = 100_000


_DECLARED: list[type[Command]] = []


@command
class Command:
    """Base of every command."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        _DECLARED.append(cls)


# --- the tenant's policy ----------------------------------------------------------------------
@command
class PolicyChange(Command):
    """A change of the tenant's policy."""


@command
class ChooseCountingBasis(PolicyChange):
    """Count admissions towards quotas by decision date or ceremony date (cách tính chỉ tiêu)."""

    basis: CountingBasis = spec.given("The date that counts an admission.")


@command
class SetSourcePoolRatio(PolicyChange):
    """Set the wanted candidate pool against the quota (tỷ lệ nguồn), e.g. 1.5–2 times."""

    minimum: Decimal = spec.number(
        'Times the quota, written as text (e.g. "1.5"); above 0.', maximum=Decimal(100)
    )
    maximum: Decimal = spec.number(
        'Times the quota, written as text (e.g. "1.5"); above 0.', maximum=Decimal(100)
    )


@command
class SetStalledThreshold(PolicyChange):
    """Set after how many days without a step a case counts as stalled (ngưỡng tồn đọng)."""

    days: int = spec.count("Calendar days without a step, 1–3650.", minimum=1, maximum=3650)


@command
class RecordCongress(PolicyChange):
    """Record the day the tenant's congress opened (đại hội đảng bộ): a term (nhiệm kỳ) counts admissions from one congress to the next. Without recorded congresses a term "2020-2025" counts from 1/1/2021 to 31/12/2025."""

    occurred_on: date = spec.day("The day the congress opened; not in the future.")
    document: DocumentRef = spec.given("The congress resolution (nghị quyết đại hội).")
    notes: str = spec.text(NOTES, default="")


@command
class CalendarDay(PolicyChange):
    """A day declared for the tenant's working-day calendar."""

    day: date = spec.day("The day.", past=False, future_years=5)
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class DeclareDayOff(CalendarDay):
    """Declare an extra day off (ngày nghỉ bổ sung) that deadlines skip."""


@command
class DeclareWorkingDay(CalendarDay):
    """Declare an extra working day (ngày làm bù) that deadlines count."""


# --- the tree of units ------------------------------------------------------------------------
@command
class UnitChange(Command):
    """A change of the tenant's tree of units; ``code`` names the unit."""

    code: str = spec.code(UNIT)


@command
class EstablishUnit(UnitChange):
    """Establish a unit of the tenant's tree (thành lập tổ chức đảng)."""

    code: str = spec.code("The unit's code (mã đơn vị), unique in the tenant.")
    name: str = spec.name("The unit's name (tên đơn vị).")
    kind: UnitKind = spec.given("Kind of party organisation.")
    parent_code: str | None = spec.code(
        "The unit above (cấp ủy cấp trên); none for the tenant's root committee."
    )
    occurred_on: date = spec.day("Date of establishment (ngày thành lập).")
    admission_authority: AdmissionAuthority | None = spec.given(
        "Grassroots organisations: who decides admissions (default: the superior's standing "
        "committee; PROVINCIAL_STANDING_OFFICERS under a provincial committee or a committee "
        "directly under the Central Committee).",
        default=None,
    )
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class RenameUnit(UnitChange):
    """Rename a unit from a date (đổi tên)."""

    name: str = spec.name("The new name.")
    occurred_on: date = spec.day(CHANGED_ON)
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class MoveUnit(UnitChange):
    """Move a unit under another parent from a date (điều chuyển)."""

    code: str = spec.code("The unit that moves (mã đơn vị).")
    new_parent_code: str = spec.code("The unit it moves under.")
    occurred_on: date = spec.day(CHANGED_ON)
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class MergeUnits(UnitChange):
    """Merge a unit into another (hợp nhất, sáp nhập); answers the merged unit."""

    code: str = spec.code("The unit merged away (mã đơn vị).")
    into_code: str = spec.code("The unit it is merged into.")
    occurred_on: date = spec.day(CHANGED_ON)
    document: DocumentRef = spec.given("The merger's decision (quyết định).")
    notes: str = spec.text(NOTES, default="")


@command
class DissolveUnit(UnitChange):
    """Dissolve a unit (giải thể)."""

    occurred_on: date = spec.day(CHANGED_ON)
    document: DocumentRef = spec.given("The dissolution decision.")
    notes: str = spec.text(NOTES, default="")


@command
class ReportHeadcount(UnitChange):
    """Report a unit's member headcount on a date (số đảng viên)."""

    members: int = spec.count("Party members of the unit on that date.", maximum=HEADCOUNT_MAX)
    occurred_on: date = spec.day("Date the headcount stands at.")
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class SetAdmissionAuthority(UnitChange):
    """Record who decides admissions for a grassroots organisation (thẩm quyền kết nạp)."""

    code: str = spec.code("The grassroots organisation (mã đơn vị).")
    authority: AdmissionAuthority = spec.given("Who decides admissions.")
    occurred_on: date = spec.day(CHANGED_ON)
    document: DocumentRef = spec.given("The authorising decision.")
    notes: str = spec.text(NOTES, default="")


@command
class DeclareYouthUnionOrganisation(UnitChange):
    """Declare whether a unit has a grassroots Youth Union organisation (tổ chức cơ sở Đoàn Thanh niên) from a date; it decides who introduces a candidate of Youth Union age (Charter Art. 4). Declared on the branch or its grassroots organisation; the nearest declaration counts."""

    code: str = spec.code("The branch or grassroots organisation (mã đơn vị).")
    present: bool = spec.given("Whether a Youth Union organisation exists there.")
    occurred_on: date = spec.day("Date the declaration holds from.")
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


# --- quotas -----------------------------------------------------------------------------------
@command
class QuotaChange(Command):
    """A change of a unit's quota plan for a period."""

    unit_code: str = spec.code(UNIT)
    period: Period = spec.parsed(PERIOD, kind=Period, parse=Period.parse)


@command
class SetQuota(QuotaChange):
    """Set a unit's quota for a period (giao chỉ tiêu); once per unit and period."""

    target: QuotaTarget = spec.given("The target.")
    occurred_on: date = spec.day("Date the quota was set (e.g. a resolution).")
    document: DocumentRef | None = spec.given(CHANGE_DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class AssignSupplementaryQuota(QuotaChange):
    """Assign admissions on top of a quota (giao bổ sung chỉ tiêu), with a reason."""

    amount: int = spec.count(
        "Admissions added (negative: taken back); not 0.",
        minimum=-SUPPLEMENTARY_MAX,
        maximum=SUPPLEMENTARY_MAX,
        nonzero=True,
    )
    reason: str = spec.text("Why (lý do).", required=True)
    occurred_on: date = spec.day(CHANGED_ON)
    document: DocumentRef = spec.given("The assigning decision.")
    notes: str = spec.text(NOTES, default="")


@command
class AdjustQuota(QuotaChange):
    """Replace a quota's target from a date (điều chỉnh chỉ tiêu), with a reason."""

    target: QuotaTarget = spec.given("The new target.")
    reason: str = spec.text("Why (lý do).", required=True)
    occurred_on: date = spec.day("Date the new target applies from.")
    document: DocumentRef = spec.given("The adjusting decision.")
    notes: str = spec.text(NOTES, default="")


@command
class RecordOpeningBalance(QuotaChange):
    """Record the admissions of a period so far counted in a past report (số dư đầu kỳ), where
    only counts exist; a new balance replaces the previous one. The quota must be set first.
    Record cases only for counting days after ``as_of``: those on or before it are in the count."""

    admitted: int = spec.count(
        "Admissions counted up to as_of (đã kết nạp).", minimum=0, maximum=HEADCOUNT_MAX
    )
    as_of: date = spec.day("The date the counted figures stand at (số liệu tính đến ngày).")
    occurred_on: date = spec.day("Date of the report the counts come from.")
    document: DocumentRef = spec.given("The past report the counts come from (required).")
    notes: str = spec.text(NOTES, default="")


# --- candidates' cases ------------------------------------------------------------------------
@command
class CaseCommand(Command):
    """A command on one candidate's case; ``case_code`` names it."""

    case_code: str = spec.code("The case (mã hồ sơ).")


def _check_age(person: PersonProfile, on: date) -> None:
    """A person is discovered at 16 at the earliest (birth dates in the future are typos)."""
    try:
        sixteenth = person.birth_date.replace(year=person.birth_date.year + DISCOVERY_MIN_AGE)
    except ValueError:  # 29 February
        sixteenth = person.birth_date.replace(
            year=person.birth_date.year + DISCOVERY_MIN_AGE, day=28
        ) + timedelta(days=1)
    if sixteenth > on:
        raise InvalidInput(
            "BIRTH_DATE_INVALID",
            f"Ngày sinh {person.birth_date:%d/%m/%Y}: quần chúng chưa đủ {DISCOVERY_MIN_AGE} "
            f"tuổi vào ngày {on:%d/%m/%Y}.",
            f"Birth date {person.birth_date:%d/%m/%Y}: the person is not yet "
            f"{DISCOVERY_MIN_AGE} on {on:%d/%m/%Y}.",
            field="person.birth_date",
        )


@command
class DiscoverCandidate(CaseCommand):
    """Step 1: open a candidate's case in a branch (phát hiện, giới thiệu quần chúng)."""

    case_code: str = spec.code("The new case's code (mã hồ sơ), unused yet.")
    unit_code: str = spec.code("The branch (chi bộ) following the case.")
    person: PersonProfile = spec.given("The candidate's personal data.")
    occurred_on: date = spec.day("Date the candidate was found or introduced.")
    introduced_by: MassOrganization = spec.given(
        "Who introduced the candidate (tổ chức giới thiệu): BRANCH when the branch found the "
        "person itself; required, it feeds the funnel by source."
    )
    prior_membership: PriorMembership | None = spec.given(
        "For a re-admission (kết nạp lại): the earlier membership.", default=None
    )
    document: DocumentRef | None = spec.given(DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")

    def check_input(self) -> None:
        """The person is at least 16 on the day the case opens."""
        _check_age(self.person, self.occurred_on)


@command
class ReceiveTransferredCandidate(CaseCommand):
    """Open a case received from another committee at the stage it had there (nhận chuyển đến)."""

    case_code: str = spec.code("The new case's code (mã hồ sơ), unused yet.")
    unit_code: str = spec.code("The branch (chi bộ) receiving the case.")
    person: PersonProfile = spec.given("The candidate's personal data.")
    origin: str = spec.name("The committee the case comes from (nơi chuyển đi).")
    stage: Stage = spec.given(
        "Stage reached there: any stage of an open case; from the applied stage the dossier "
        "carries what that stage needs."
    )
    occurred_on: date = spec.day("Date the case was received.")
    document: DocumentRef = spec.given(
        "The transfer document (giấy chuyển sinh hoạt đảng / văn bản chuyển)."
    )
    awareness_certificate: DocumentRef | None = spec.given(
        "The awareness-class certificate; required from the awareness-trained stage.",
        default=None,
    )
    ceremony_on: date | None = spec.day(
        "Admission ceremony date (ngày kết nạp); required for members.", default=None
    )
    new_member_class: DocumentRef | None = spec.given(
        "New-member class certificate, if already attended.", default=None
    )
    full_member_since: date | None = spec.day(
        "Full-membership date (ngày chính thức); required for a full member.", default=None
    )
    dossier: Dossier | None = spec.given(
        "The documents the case carries (hồ sơ chuyển kèm), each dated as its step; required "
        "from the applied stage up to the admission decision.",
        default=None,
    )
    notes: str = spec.text(NOTES, default="")

    def check_input(self) -> None:
        """The person is at least 16 on the day the case is received."""
        _check_age(self.person, self.occurred_on)


@command
class AcceptTransferredCase(CaseCommand):
    """Accept a case another tenant of this deployment transferred to this one (nhận hồ sơ chuyển đến): it opens here at the stage it had, with its dossier, its personal data and the transfer document read from the other tenant's history."""

    case_code: str = spec.code("The new case's code here (mã hồ sơ), unused yet.")
    from_tenant: str = spec.code("The tenant the case was transferred out of (its slug).")
    from_case_code: str = spec.code("The case's code there.")
    unit_code: str = spec.code("The branch (chi bộ) receiving the case.")
    occurred_on: date = spec.day("Date the case was received.")
    notes: str = spec.text(NOTES, default="")


@command
class Step(CaseCommand):
    """Common arguments of a step on an existing case."""

    occurred_on: date = spec.day(OCCURRED_ON)
    document: DocumentRef | None = spec.given(DOCUMENT, default=None)
    notes: str = spec.text(NOTES, default="")


@command
class AddToSympathizerList(Step):
    """Step 2: put the candidate on the sympathizer list (danh sách cảm tình Đảng)."""


@command
class AssignHelper(Step):
    """Step 2 (and during probation): assign an official member to help the candidate (phân công đảng viên giúp đỡ)."""

    member_name: str = spec.name("The helping member's name.")


@command
class AssignTestTask(Step):
    """Step 2: give the sympathizer a test task (giao nhiệm vụ thử thách)."""

    task: str = spec.text("The task, in words.", required=True)


@command
class RecordAwarenessCertificate(Step):
    """Step 3: the awareness class certificate (giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng), valid 60 months; occurredOn is the certificate's date, the certificate is the document (required). Recorded again before the branch resolution, it renews an expired certificate (học lại); the case stays where it is."""


@command
class SubmitApplication(Step):
    """Step 4: the application (đơn xin vào Đảng, 1-KNĐ, the document) and the personal history (lý lịch, 2-KNĐ)."""

    personal_history: DocumentRef | None = spec.given(
        "The personal history (lý lịch, 2-KNĐ); required.", default=None
    )


@command
class AddSponsor(Step):
    """Step 5: a sponsoring full member (người giới thiệu) and the letter (3-KNĐ, the document). Until the branch resolution a letter can be redone (làm lại): name in replaces the sponsor whose letter it replaces."""

    sponsor: Sponsor = spec.given("The sponsoring member.")
    replaces: str | None = spec.code(
        "Member id of the sponsor whose letter this one replaces: the same sponsor for a new "
        "letter, another for a replacement sponsor; none for a new sponsor.",
        default=None,
    )


@command
class RecordUnionIntroduction(Step):
    """Step 5: the Youth Union's (4-KNĐ) or Trade Union's introducing resolution (nghị quyết giới thiệu), standing in for one sponsor."""

    organization: MassOrganization = spec.given(
        "The introducing organisation: YOUTH_UNION or TRADE_UNION."
    )
    replaces_earlier: bool = spec.given(
        "A new resolution replacing the case's earlier one (làm lại), before the branch "
        "resolution.",
        default=False,
    )


@command
class RecordBackgroundVerification(Step):
    """Step 6: the background verification conclusion (kết luận thẩm tra, xác minh lý lịch)."""

    passed: bool = spec.given("Whether the verification passed (a failed one stops the case).")
    conclusion: str = spec.text("The conclusion, in words.", required=True)


@command
class RecordComments(Step):
    """Step 6: comments of a mass organisation or the place of residence (tổng hợp ý kiến nhận xét, 5-KNĐ); a new summary from a source already heard replaces its earlier one."""

    source: str = spec.name("Who gave the comments (nơi nhận xét).")


@command
class RecordBranchResolution(Step):
    """Step 7: the branch's resolution (nghị quyết chi bộ, 6-KNĐ); checks age, education, the certificate, the dossier's freshness and the 2/3 vote. A vote below 2/3 is recorded as a failed vote: the case stays verified, the result is reported to the superior committee."""

    official_members: int = spec.count(
        "The branch's official members (đảng viên chính thức).", maximum=MEMBERS_MAX
    )
    votes_for: int = spec.count(
        "Votes in favour (≥ 2/3 to propose admission; fewer: a failed vote).", maximum=MEMBERS_MAX
    )
    special_area: SpecialArea | None = spec.given(
        "Special area lowering the education requirement, if any.", default=None
    )
    education_exception: DocumentRef | None = spec.given(
        "The document allowing the education exception.", default=None
    )
    over_60_consent: DocumentRef | None = spec.given(
        "For a candidate over 60: the written consent of the standing committee of the committee "
        "directly under the Central Committee (ban thường vụ cấp ủy trực thuộc Trung ương).",
        default=None,
    )
    over_60_conditions: Over60Conditions | None = spec.given(
        "For a candidate over 60: the conditions the consent was given on (health, prestige, the "
        "place or special need).",
        default=None,
    )
    readmission_consent: DocumentRef | None = spec.given(
        "Consent of the provincial standing committee for a re-admission.", default=None
    )


@command
class RecordCommitteeResolution(Step):
    """Step 8: the grassroots committee's resolution (nghị quyết đảng ủy cơ sở, 8-KNĐ). A vote below 2/3 is recorded as a failed vote; the case stays where it is."""

    committee_members: int = spec.count("Members of the committee (cấp ủy).", maximum=MEMBERS_MAX)
    votes_for: int = spec.count(
        "Votes in favour (≥ 2/3 to propose admission; fewer: a failed vote).", maximum=MEMBERS_MAX
    )


@command
class RecordAdmissionDecision(Step):
    """Step 9: the admission decision (quyết định kết nạp, 9-KNĐ), within 60 working days of the branch resolution (+30 with an extension); a later one is recorded, flagged late, with the responsibility review open."""

    decided_by: AdmissionAuthority = spec.given(
        "The committee that decided; must hold authority over the unit."
    )
    extension: DocumentRef | None = spec.given(
        "The extension (gia hạn) allowing a decision after 60 working days.", default=None
    )


@command
class HoldAdmissionCeremony(Step):
    """Step 10: the admission ceremony (lễ kết nạp), within 30 working days of receiving the decision (later with the superior's consent; without it, recorded and flagged late with the responsibility review open); the candidate becomes a probationary member (đảng viên dự bị)."""

    decision_received_on: date = spec.day("Date the branch received the admission decision.")
    superior_consent: DocumentRef | None = spec.given(
        "The superior's consent for a ceremony later than 30 working days.", default=None
    )


@command
class RecordNewMemberClass(Step):
    """Step 11: the new-member class certificate (giấy chứng nhận lớp bồi dưỡng đảng viên mới, the document)."""


@command
class RecordRecognitionDocument(Step):
    """Step 12: a paper of the recognition dossier (the document): the self-review (10-KNĐ), the helper's comment (11-KNĐ), the summary of the organisations' comments (12-KNĐ) before the branch votes, or the grassroots committee's resolution (15-KNĐ) after it."""

    form: RecognitionForm = spec.given("Which paper (10-KNĐ, 11-KNĐ, 12-KNĐ or 15-KNĐ).")


@command
class RecordRecognitionVote(Step):
    """Step 12: the branch's vote on recognition as a full member (chi bộ xét công nhận đảng viên chính thức), after the 12 months of probation."""

    official_members: int = spec.count(
        "The branch's official members (đảng viên chính thức).", maximum=MEMBERS_MAX
    )
    votes_for: int = spec.count("Votes in favour (≥ 2/3 to recognise).", maximum=MEMBERS_MAX)


@command
class RecordRecognitionDecision(Step):
    """Step 12: the decision recognising a full member (quyết định công nhận đảng viên chính thức), within 30 working days of the vote (+30 with an extension); a later one is recorded, flagged late, with the responsibility review open."""

    extension: DocumentRef | None = spec.given(
        "The extension (gia hạn) allowing a decision after 30 working days.", default=None
    )


@command
class RecordDelayReview(Step):
    """The review of who was responsible for a late step (kiểm điểm trách nhiệm), closing the open item its late flag raised; the record of the review is the document (required)."""

    step: str = spec.code(
        'The late step: "admission_decision", "ceremony" or "recognition_decision".'
    )


@command
class Exit(Step):
    """An exit with a reason: rejection, removal, end of membership."""

    reason: ExitReason = spec.given("Why (lý do).")
    explanation: str = spec.text(EXPLANATION, required=True)


@command
class RejectCandidate(Exit):
    """Exit: the candidate is not admitted (không kết nạp), before the ceremony."""


@command
class WithdrawCandidate(Step):
    """Exit: the candidate withdraws (quần chúng tự rút), before the ceremony."""

    explanation: str = spec.text(EXPLANATION, required=True)


@command
class RemoveFromList(Exit):
    """Exit: a probationary member is removed from the list (xóa tên đảng viên dự bị); the decision is the document (required)."""


@command
class EndMembership(Exit):
    """Exit: a full member is screened out (sàng lọc, đưa ra khỏi Đảng); the decision is the document (required)."""


@command
class MoveCandidate(Step):
    """Move a case to another branch of the tenant (chuyển sinh hoạt); it goes on there. The transfer document is required. A branch secretary needs both branches in its scope."""

    unit_code: str = spec.code("The branch (chi bộ) taking over the case.")


@command
class TransferCandidateOut(Step):
    """Exit: the case leaves for another committee (chuyển đi) at any stage of an open case; the receiving committee goes on from the same stage with the dossier. The transfer document is required."""

    destination: str = spec.name("Where the case goes (nơi chuyển đến).")
    destination_tenant: str | None = spec.code(
        "When it goes to another tenant of this deployment: that tenant's slug. Its organizer "
        "then accepts the case (acceptTransferredCase) with its dossier.",
        default=None,
    )


@command
class CorrectStepDate(Step):
    """Correction (đính chính): the business date of a recorded step; the original date stays in the history. occurredOn is the date of the correction. Every rule the date takes part in is judged again (age, certificate, dossier, deadlines, probation): refused as the step would have been, or recorded with its flags."""

    step: str = spec.code('The step, as in Candidate.stepDates (e.g. "branch_resolution").')
    corrected_date: date = spec.day("The right date; not in the future.")
    reason: str = spec.text("Why the date is corrected; required.", required=True)


@command
class ProfileCorrection:
    """Corrected personal data (đính chính lý lịch): only the fields given change; omitted (null) fields keep the case's current values."""

    full_name: str | None = spec.name("Full name (họ và tên).", default=None)
    birth_date: date | None = spec.day("Date of birth (ngày sinh).", default=None)
    gender: Gender | None = spec.given("Gender (giới tính).", default=None)
    ethnicity: Ethnicity | None = spec.given(
        "Ethnic group (dân tộc): one of the 54 groups of Vietnam, or a foreign origin.",
        default=None,
    )
    religion: Religion | None = spec.given(
        "Religion (tôn giáo): none, one of the recognised religions, or OTHER (then named in "
        "religionNote).",
        default=None,
    )
    education: EducationLevel | None = spec.given(
        "General education (trình độ giáo dục phổ thông).", default=None
    )
    professional_level: ProfessionalLevel | None = spec.given(
        "Professional level (trình độ chuyên môn).", default=None
    )
    political_theory: PoliticalTheoryLevel | None = spec.given(
        "Political theory level (trình độ lý luận chính trị).", default=None
    )
    occupation: Occupation | None = spec.given("Occupation (nghề nghiệp).", default=None)
    workplace_type: WorkplaceType | None = spec.given(
        "Kind of workplace (loại hình nơi làm việc).", default=None
    )
    identity_number: str | None = spec.identity(
        "Identity card number (số định danh cá nhân).", default=None
    )
    is_youth_union_member: bool | None = spec.given(
        "Member of the Youth Union (đoàn viên Đoàn Thanh niên).",
        default=None,
        graphql_name="youthUnionMember",
    )
    is_trade_union_member: bool | None = spec.given(
        "Member of the Trade Union (đoàn viên Công đoàn).",
        default=None,
        graphql_name="tradeUnionMember",
    )

    ethnicity_note: str | None = spec.name(
        "The ethnic group as written in the person's papers (a local name); given with a new "
        "ethnicity or alone. A new ethnicity without it clears the old note.",
        default=None,
    )
    religion_note: str | None = spec.name(
        "The religion's name: required with OTHER. A new religion without it clears the old note.",
        default=None,
    )

    def check_input(self) -> None:
        """A corrected ethnicity or religion is held to what a new profile must say."""
        check_classified(self.ethnicity, self.religion, self.religion_note)

    def applied_to(self, current: PersonProfile) -> PersonProfile:
        """``current`` with the given fields replaced (a note that described the replaced
        ethnicity or religion goes with it)."""
        changes = {k: v for k, v in vars(self).items() if v is not None}
        if self.ethnicity is not None and self.ethnicity_note is None:
            changes["ethnicity_note"] = ""
        if self.religion is not None and self.religion_note is None:
            changes["religion_note"] = ""
        return PersonProfile(**{**vars(current), **changes})


@command
class CorrectProfile(Step):
    """Correction (đính chính lý lịch): the candidate's personal data; only the given fields change, the previous data stays in the history. Every rule a corrected field takes part in is judged again on the steps recorded (the age and the education at the branch meeting); the event carries each field's old and new value."""

    person: ProfileCorrection = spec.given("The fields to correct; the others stay as they are.")
    reason: str = spec.text("Why the data is corrected; required.", required=True)


#: Every command, in declaration order: the steps that exist (bases such as ``Step`` are not).
COMMANDS: tuple[type[Command], ...] = tuple(c for c in _DECLARED if not c.__subclasses__())


# --- the platform (not a tenant's history) -----------------------------------------------------
@command
class PlatformCommand:
    """A platform operator's change of the tenant registry; recorded in the platform's history
    (who, when, why), not in a tenant's. Not a :class:`Command`: no tenant receives it."""

    slug: str = spec.code("The tenant's slug: a-z, 0-9 and _, 2-40 characters.")
    reason: str = spec.text("Why (lý do), for the platform's history; required.", required=True)


@command
class DisableTenant(PlatformCommand):
    """Disable a tenant (khóa đơn vị sử dụng): its history stays readable, nothing more can be recorded, in every running process within a second."""


@command
class EnableTenant(PlatformCommand):
    """Enable a disabled tenant again (mở khóa đơn vị sử dụng)."""


@command
class MergeTenant(PlatformCommand):
    """Merge a tenant into another (hợp nhất đơn vị sử dụng), e.g. a provincial committee into the merged one from 1/7/2025: the source's history is closed by a signed checkpoint and stays readable; its open units and cases move to the target with their dossiers, from effectiveOn. Re-running it resumes an interrupted merge."""

    slug: str = spec.code("The tenant merged away (its slug).")
    into: str = spec.code("The tenant it is merged into (its slug).")
    effective_on: date = spec.day("Date the merge takes effect (ngày hợp nhất); not in the future.")
    under_unit: str = spec.code(
        "The target's unit (mã đơn vị) the source's root committee moves under."
    )
    document: DocumentRef = spec.given("The decision merging them (quyết định hợp nhất).")


#: The platform operators' commands.
PLATFORM_COMMANDS: tuple[type[PlatformCommand], ...] = (DisableTenant, EnableTenant, MergeTenant)
