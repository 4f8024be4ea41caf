"""A candidate's case (hồ sơ phát triển đảng viên), from discovery to full membership or exit.

Each public method is one step of Guide 12-HD/BTCTW's procedure (forms "…-KNĐ"). It checks the
stage order and the rules of ``domain.rules`` on the step's business date, and only then triggers
the event beside it; a refused step leaves no trace.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import checklist, rules
from domain.checklist import CaseFacts, Checklist, DossierDocument, FieldChange, Finding
from domain.errors import InvalidInput, RuleViolation, StageOrderError
from domain.rules import (
    AdmissionAuthority,
    Flag,
    Over60Conditions,
    PriorMembership,
    RecognitionForm,
    Sponsor,
)
from domain.tenant_merge import MergeOrigin
from domain.transfer_dossier import Dossier, dossier_missing
from domain.values import (
    Actor,
    DocumentRef,
    MassOrganization,
    PersonProfile,
    SpecialArea,
    require_not_before,
)
from domain.working_days import WorkingCalendar


class Stage(Enum):
    """Where a case stands. The first twelve are the procedure in order; the rest are exits."""

    DISCOVERED = "discovered"  # phát hiện, giới thiệu
    SYMPATHIZER = "sympathizer"  # danh sách cảm tình Đảng
    AWARENESS_TRAINED = "awareness_trained"  # đã học lớp bồi dưỡng nhận thức về Đảng
    APPLIED = "applied"  # đơn (1-KNĐ) và lý lịch (2-KNĐ)
    SPONSORED = "sponsored"  # đủ người giới thiệu (3-KNĐ / 4-KNĐ)
    VERIFIED = "verified"  # thẩm tra lý lịch, tổng hợp ý kiến (5-KNĐ)
    BRANCH_RESOLVED = "branch_resolved"  # nghị quyết chi bộ (6-KNĐ)
    COMMITTEE_RESOLVED = "committee_resolved"  # nghị quyết đảng ủy cơ sở (8-KNĐ)
    DECIDED = "decided"  # quyết định kết nạp (9-KNĐ)
    PROBATIONARY = "probationary"  # đảng viên dự bị (sau lễ kết nạp)
    RECOGNITION_VOTED = "recognition_voted"  # chi bộ đề nghị công nhận chính thức
    FULL_MEMBER = "full_member"  # đảng viên chính thức
    REJECTED = "rejected"  # không kết nạp
    WITHDRAWN = "withdrawn"  # tự rút
    REMOVED_FROM_LIST = "removed_from_list"  # xóa tên đảng viên dự bị
    TRANSFERRED_OUT = "transferred_out"  # chuyển đi đơn vị khác / tenant khác
    MEMBERSHIP_ENDED = "membership_ended"  # sàng lọc, đưa ra khỏi Đảng

    @property
    def label_vi(self) -> str:
        """Vietnamese name of the stage."""
        return _STAGE_VI[self]

    @property
    def is_exit(self) -> bool:
        """The case is closed in this tenant."""
        return self in EXIT_STAGES

    @property
    def is_pre_admission(self) -> bool:
        """Still a candidate (quần chúng): not yet admitted, not closed."""
        return self in PRE_ADMISSION_STAGES


_STAGE_VI = {
    Stage.DISCOVERED: "phát hiện, giới thiệu",
    Stage.SYMPATHIZER: "cảm tình Đảng",
    Stage.AWARENESS_TRAINED: "đã học lớp nhận thức về Đảng",
    Stage.APPLIED: "đã nộp đơn và lý lịch",
    Stage.SPONSORED: "đủ người giới thiệu",
    Stage.VERIFIED: "đã thẩm tra, lấy ý kiến",
    Stage.BRANCH_RESOLVED: "chi bộ đã có nghị quyết",
    Stage.COMMITTEE_RESOLVED: "đảng ủy cơ sở đã có nghị quyết",
    Stage.DECIDED: "đã có quyết định kết nạp",
    Stage.PROBATIONARY: "đảng viên dự bị",
    Stage.RECOGNITION_VOTED: "chi bộ đề nghị công nhận chính thức",
    Stage.FULL_MEMBER: "đảng viên chính thức",
    Stage.REJECTED: "không kết nạp",
    Stage.WITHDRAWN: "tự rút",
    Stage.REMOVED_FROM_LIST: "xóa tên",
    Stage.TRANSFERRED_OUT: "đã chuyển đi",
    Stage.MEMBERSHIP_ENDED: "ra khỏi Đảng",
}
EXIT_STAGES = frozenset(
    {
        Stage.REJECTED,
        Stage.WITHDRAWN,
        Stage.REMOVED_FROM_LIST,
        Stage.TRANSFERRED_OUT,
        Stage.MEMBERSHIP_ENDED,
    }
)
PRE_ADMISSION_STAGES = frozenset(
    {
        Stage.DISCOVERED,
        Stage.SYMPATHIZER,
        Stage.AWARENESS_TRAINED,
        Stage.APPLIED,
        Stage.SPONSORED,
        Stage.VERIFIED,
        Stage.BRANCH_RESOLVED,
        Stage.COMMITTEE_RESOLVED,
    }
)
ACTIVE_STAGES = frozenset(Stage) - EXIT_STAGES
BEFORE_CEREMONY_STAGES = PRE_ADMISSION_STAGES | {Stage.DECIDED}
#: Stages where the dossier's papers may be redone (làm lại) before the branch resolution: a new
#: sponsor letter, a replacement sponsor, a new union resolution, new comments, a renewed
#: awareness certificate (học lại). The case stays where it is.
DOSSIER_STAGES = frozenset({Stage.APPLIED, Stage.SPONSORED, Stage.VERIFIED})
CERTIFICATE_RENEWAL_STAGES = frozenset({Stage.AWARENESS_TRAINED}) | DOSSIER_STAGES
#: A case may leave for another committee at any stage before it closes (DOMAIN.md: "exits at
#: any stage: transferred to another unit or tenant"): before admission it carries its dossier
#: (``domain.transfer_dossier``) and goes on from the same stage at the new place; once decided or
#: admitted it carries the decision, the ceremony and the recognition dates.
TRANSFERABLE_STAGES = ACTIVE_STAGES


class ExitReason(Enum):
    """Why a case left the pipeline (recorded with rejections, withdrawals and removals)."""

    NOT_QUALIFIED = "not_qualified"  # không đủ tiêu chuẩn
    VERIFICATION_FAILED = "verification_failed"  # thẩm tra lý lịch không đạt
    VOTE_FAILED = "vote_failed"  # không đủ 2/3 tán thành
    CANDIDATE_REQUEST = "candidate_request"  # quần chúng xin rút
    MOVED_AWAY = "moved_away"  # chuyển nơi làm việc, cư trú
    DISCIPLINE = "discipline"  # vi phạm tư cách
    DECEASED = "deceased"
    OTHER = "other"


@dataclass(frozen=True)
class SponsorRecord:
    """A sponsor and their letter (giấy giới thiệu, 3-KNĐ)."""

    sponsor: Sponsor
    letter: DocumentRef


@dataclass(frozen=True)
class CommentSummary:
    """Comments of a mass organisation or of the place of residence (tổng hợp ý kiến, 5-KNĐ)."""

    source: str
    document: DocumentRef


def _require_document(document: DocumentRef | None, what_vi: str, what_en: str) -> DocumentRef:
    if document is None:
        raise InvalidInput(
            "DOCUMENT_REQUIRED",
            f"Bước này phải kèm văn bản: {what_vi}.",
            f"This step must be backed by a document: {what_en}.",
            field="document",
        )
    return document


class Candidate(Aggregate):
    """One person's admission case in one tenant (quần chúng được bồi dưỡng, xem xét kết nạp)."""

    # --- 1. discovered / introduced -----------------------------------------------------------
    @event("Discovered")
    def __init__(
        self,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        case_code: str,
        unit_id: UUID,
        person: PersonProfile,
        introduced_by: MassOrganization,
        prior_membership: PriorMembership | None,
    ) -> None:
        self.tenant = tenant
        self.case_code = case_code
        self.unit_id = unit_id
        self.person = person
        self.introduced_by = introduced_by
        self.prior_membership = prior_membership
        self.stage = Stage.DISCOVERED
        self.stage_since = occurred_on
        self.last_step_on = occurred_on
        self.step_dates: dict[str, date] = {"discovered": occurred_on}
        self.helpers: list[str] = []
        self.test_tasks: list[str] = []
        self.awareness_certificate: DocumentRef | None = None
        self.sponsors: list[SponsorRecord] = []
        self.union_introduction: DocumentRef | None = None
        self.union_introducer: MassOrganization | None = None
        self.verification_passed: bool | None = None
        self.comments: list[CommentSummary] = []
        self.committee_resolution_required = True
        self.branch_resolution_on: date | None = None
        self.decision_on: date | None = None
        self.ceremony_on: date | None = None
        self.new_member_class: DocumentRef | None = None
        self.recognition_documents: dict[RecognitionForm, DocumentRef] = {}
        self.over_60_conditions: Over60Conditions | None = None
        self.failed_recognition_votes = 0
        self.escalated_to_superior = False
        self.recognition_vote_on: date | None = None
        self.full_member_since: date | None = None
        self.exceptions: list[DocumentRef] = []
        # Steps recorded although a rule was not met (failed votes, late decisions and
        # ceremonies), each with its rule, and the responsibility reviews they opened.
        self.flags: list[Flag] = []
        self.failed_branch_votes = 0
        self.failed_committee_votes = 0
        self.exit_reason: ExitReason | None = None
        self.transferred_to: str | None = None
        # The business-time timeline (read models, reports "as of" a date): each change of stage
        # with the step that caused it and that step's date, each move with its date, each
        # helper with the date of assignment. Step-date corrections rewrite the matching entry.
        self.transitions: list[tuple[Stage, str, date]] = [
            (Stage.DISCOVERED, "discovered", occurred_on)
        ]
        self.opened_in_unit_id = unit_id
        self.unit_moves: list[tuple[date, UUID]] = []
        self.helper_assignments: list[tuple[date, str]] = []

    @classmethod
    def discover(
        cls,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        case_code: str,
        unit_id: UUID,
        unit_admits_candidates: bool,
        person: PersonProfile,
        introduced_by: MassOrganization = MassOrganization.BRANCH,
        prior_membership: PriorMembership | None = None,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> Candidate:
        """Open a case: the branch found the person, or a mass organisation introduced them.

        ``prior_membership`` makes the case a re-admission (kết nạp lại).
        """
        if not case_code.strip() or len(case_code) > 64:
            raise InvalidInput(
                "CASE_CODE_INVALID",
                "Mã hồ sơ không hợp lệ (1–64 ký tự).",
                "The case code is invalid (1–64 characters).",
                field="case_code",
            )
        if not unit_admits_candidates:
            raise InvalidInput(
                "UNIT_DOES_NOT_ADMIT",
                "Quần chúng phải được theo dõi tại một chi bộ (chi bộ hoặc chi bộ cơ sở).",
                "A candidate must be followed by a branch (branch or grassroots branch).",
                field="unit",
            )
        require_not_before(
            occurred_on,
            person.birth_date,
            what_vi="Ngày phát hiện",
            what_en="The discovery date",
            field="occurred_on",
        )
        if prior_membership is not None:
            rules.check_readmission_eligible(prior_membership, occurred_on)
            require_not_before(
                occurred_on,
                prior_membership.left_on,
                what_vi="Ngày mở hồ sơ kết nạp lại",
                what_en="The re-admission case date",
                field="occurred_on",
            )
        return cls(
            id=id,
            tenant=tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            case_code=case_code.strip(),
            unit_id=unit_id,
            person=person,
            introduced_by=introduced_by,
            prior_membership=prior_membership,
        )

    # --- guards -------------------------------------------------------------------------------
    def _require_stage(
        self, allowed: set[Stage] | frozenset[Stage], step_vi: str, step_en: str
    ) -> None:
        if self.stage not in allowed:
            expected_vi = ", ".join(s.label_vi for s in Stage if s in allowed)
            expected_en = ", ".join(s.value for s in Stage if s in allowed)
            raise StageOrderError(
                "STEP_OUT_OF_ORDER",
                f"Không thể {step_vi}: hồ sơ đang ở bước «{self.stage.label_vi}» "
                f"(cần: {expected_vi}).",
                f"Cannot {step_en}: the case is at stage '{self.stage.value}' "
                f"(needs: {expected_en}).",
                field="stage",
            )

    def _require_date(self, occurred_on: date) -> None:
        require_not_before(
            occurred_on,
            self.last_step_on,
            what_vi="Ngày của bước này",
            what_en="The date of this step",
            field="occurred_on",
        )

    def _step(
        self, allowed: set[Stage] | frozenset[Stage], occurred_on: date, step_vi: str, step_en: str
    ) -> None:
        self._require_stage(allowed, step_vi, step_en)
        self._require_date(occurred_on)

    def _advance(self, stage: Stage, step: str, occurred_on: date) -> None:
        """Applied by events: move to ``stage`` and remember the step's date."""
        if stage is not self.stage:
            self.stage = stage
            # a certificate may predate the case: the stage is entered when it is recorded
            self.stage_since = max(occurred_on, self.last_step_on)
            self.transitions.append((stage, step, occurred_on))
        self.step_dates[step] = occurred_on
        self.last_step_on = max(self.last_step_on, occurred_on)

    # --- 2. sympathizer list, helper, test tasks ----------------------------------------------
    def add_to_sympathizer_list(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The branch puts the person on its sympathizer list (danh sách cảm tình Đảng)."""
        self._step(
            {Stage.DISCOVERED},
            occurred_on,
            "đưa vào danh sách cảm tình Đảng",
            "add to the sympathizer list",
        )
        self._added_to_sympathizer_list(
            tenant=self.tenant, actor=actor, occurred_on=occurred_on, document=document, notes=notes
        )

    @event("AddedToSympathizerList")
    def _added_to_sympathizer_list(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
    ) -> None:
        self._advance(Stage.SYMPATHIZER, "sympathizer", occurred_on)

    def assign_helper(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        member_name: str,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The branch assigns an official member to help the candidate (or probationary member)."""
        self._step(
            {
                Stage.SYMPATHIZER,
                Stage.AWARENESS_TRAINED,
                Stage.APPLIED,
                Stage.SPONSORED,
                Stage.VERIFIED,
                Stage.PROBATIONARY,
            },
            occurred_on,
            "phân công đảng viên giúp đỡ",
            "assign a helper",
        )
        if not member_name.strip():
            raise InvalidInput(
                "HELPER_REQUIRED",
                "Phải nêu tên đảng viên được phân công giúp đỡ.",
                "The helper's name is required.",
                field="member_name",
            )
        self._helper_assigned(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            member_name=member_name.strip(),
        )

    @event("HelperAssigned")
    def _helper_assigned(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        member_name: str,
    ) -> None:
        self.helpers.append(member_name)
        self.helper_assignments.append((occurred_on, member_name))
        self.last_step_on = max(self.last_step_on, occurred_on)

    def assign_test_task(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        task: str,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The branch gives the sympathizer a task to test them (giao nhiệm vụ thử thách)."""
        self._step(
            {Stage.SYMPATHIZER, Stage.AWARENESS_TRAINED},
            occurred_on,
            "giao nhiệm vụ thử thách",
            "assign a test task",
        )
        if not task.strip():
            raise InvalidInput(
                "TASK_REQUIRED", "Phải mô tả nhiệm vụ.", "The task is required.", field="task"
            )
        self._test_task_assigned(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            task=task.strip(),
        )

    @event("TestTaskAssigned")
    def _test_task_assigned(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        task: str,
    ) -> None:
        self.test_tasks.append(task)
        self.last_step_on = max(self.last_step_on, occurred_on)

    # --- 3. awareness class -------------------------------------------------------------------
    def record_awareness_certificate(
        self, *, actor: Actor, occurred_on: date, document: DocumentRef | None, notes: str = ""
    ) -> None:
        """The candidate completed the awareness class (lớp bồi dưỡng nhận thức về Đảng).

        ``occurred_on`` is the certificate's date; it is valid for 60 months. It may precede the
        earlier steps of this case (a class attended years before, e.g. at university): whether
        it is still valid is checked at the branch meeting. Recorded again before the branch
        resolution, it is a renewed certificate (học lại) replacing the expired one; the case
        stays where it is.
        """
        certificate = _require_document(
            document, "giấy chứng nhận lớp bồi dưỡng", "the class certificate"
        )
        self._require_stage(
            {Stage.SYMPATHIZER} | CERTIFICATE_RENEWAL_STAGES,
            "ghi nhận lớp bồi dưỡng nhận thức",
            "record the awareness class",
        )
        require_not_before(
            occurred_on,
            self.person.birth_date,
            what_vi="Ngày cấp giấy chứng nhận",
            what_en="The certificate date",
            field="occurred_on",
        )
        if self.stage is not Stage.SYMPATHIZER:
            current = self.awareness_certificate
            if current is not None and occurred_on <= current.issued_on:
                raise InvalidInput(
                    "CERTIFICATE_NOT_NEWER",
                    f"Giấy chứng nhận mới phải sau giấy hiện có (ngày {current.issued_on:%d/%m/%Y}).",
                    f"A renewed certificate must be later than the current one "
                    f"({current.issued_on:%d/%m/%Y}).",
                    field="occurred_on",
                )
            self._awareness_certificate_renewed(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=certificate,
                notes=notes,
            )
            return
        self._awareness_certificate_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=certificate,
            notes=notes,
        )

    @event("AwarenessCertificateRecorded")
    def _awareness_certificate_recorded(
        self, *, tenant: str, actor: Actor, occurred_on: date, document: DocumentRef, notes: str
    ) -> None:
        self.awareness_certificate = document
        self._advance(Stage.AWARENESS_TRAINED, "awareness_certificate", occurred_on)

    @event("AwarenessCertificateRenewed")
    def _awareness_certificate_renewed(
        self, *, tenant: str, actor: Actor, occurred_on: date, document: DocumentRef, notes: str
    ) -> None:
        self.awareness_certificate = document
        self._advance(self.stage, "awareness_certificate", occurred_on)

    # --- 4. application and personal history --------------------------------------------------
    def submit_application(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        personal_history: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """The candidate files the application (1-KNĐ) and personal history (2-KNĐ)."""
        application = _require_document(
            document, "đơn xin vào Đảng (1-KNĐ)", "the application (1-KNĐ)"
        )
        history = _require_document(
            personal_history, "lý lịch người xin vào Đảng (2-KNĐ)", "the personal history (2-KNĐ)"
        )
        self._step(
            {Stage.AWARENESS_TRAINED}, occurred_on, "nộp đơn xin vào Đảng", "file the application"
        )
        self._application_submitted(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=application,
            notes=notes,
            personal_history=history,
        )

    @event("ApplicationSubmitted")
    def _application_submitted(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        personal_history: DocumentRef,
    ) -> None:
        self._advance(Stage.APPLIED, "application", occurred_on)

    # --- 5. sponsors --------------------------------------------------------------------------
    def add_sponsor(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        sponsor: Sponsor,
        document: DocumentRef | None,
        replaces: str | None = None,
        youth_union_organisation: bool | None = None,
        notes: str = "",
    ) -> None:
        """An official member sponsors the candidate (giấy giới thiệu, 3-KNĐ).

        The sponsor must be a full member who worked with the candidate ≥ 12 months. Until the
        branch resolution a letter can be redone: ``replaces`` names the sponsor (member id)
        whose letter this one replaces — the same sponsor for a new letter (làm lại), another
        for a replacement sponsor. The case stays where it is. When a new letter completes the
        sponsorship, the route is checked against the unit's declared Youth Union
        organisation (``youth_union_organisation``, None if undeclared).
        """
        letter = _require_document(
            document, "giấy giới thiệu (3-KNĐ)", "the sponsor letter (3-KNĐ)"
        )
        self._step(
            {Stage.APPLIED} if replaces is None else DOSSIER_STAGES,
            occurred_on,
            "thêm người giới thiệu",
            "add a sponsor",
        )
        current = next((r for r in self.sponsors if r.sponsor.member_id == sponsor.member_id), None)
        if current is not None and replaces != sponsor.member_id:
            raise InvalidInput(
                "SPONSOR_DUPLICATE",
                f"{sponsor.full_name} đã là người giới thiệu của hồ sơ này (làm lại giấy giới "
                "thiệu: nêu người được thay là chính người này).",
                f"{sponsor.full_name} already sponsors this case (to redo the letter, name this "
                "sponsor as the one replaced).",
                field="sponsor",
            )
        replaced = next((r for r in self.sponsors if r.sponsor.member_id == replaces), None)
        if replaces is not None and replaced is None:
            raise InvalidInput(
                "SPONSOR_NOT_FOUND",
                "Người được thay không phải người giới thiệu hiện có của hồ sơ.",
                "The sponsor to replace is not a current sponsor of this case.",
                field="replaces",
            )
        rules.check_sponsor(sponsor, occurred_on)
        if replaced is not None:
            self._sponsor_replaced(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=letter,
                notes=notes,
                sponsor=sponsor,
                replaced=replaced.sponsor,
            )
            return
        if len(self.sponsors) + 1 >= 2 or self.union_introduction is not None:
            self._check_sponsorship_route(
                occurred_on, len(self.sponsors) + 1, self.union_introducer, youth_union_organisation
            )
        self._sponsor_added(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=letter,
            notes=notes,
            sponsor=sponsor,
        )

    @event("SponsorAdded")
    def _sponsor_added(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        sponsor: Sponsor,
    ) -> None:
        self.sponsors.append(SponsorRecord(sponsor, document))
        self._advance(self._sponsorship_stage(), "sponsor", occurred_on)

    @event("SponsorReplaced")
    def _sponsor_replaced(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        sponsor: Sponsor,
        replaced: Sponsor,
    ) -> None:
        self.sponsors = [
            SponsorRecord(sponsor, document) if r.sponsor.member_id == replaced.member_id else r
            for r in self.sponsors
        ]
        self.last_step_on = max(self.last_step_on, occurred_on)

    def record_union_introduction(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        organization: MassOrganization,
        document: DocumentRef | None,
        replaces_earlier: bool = False,
        youth_union_organisation: bool | None = None,
        notes: str = "",
    ) -> None:
        """A grassroots Youth Union (4-KNĐ) or Trade Union committee resolution introduces the
        candidate; with one sponsoring member it replaces the second sponsor.

        ``replaces_earlier``: a new resolution replacing the case's earlier one (làm lại), at
        any stage before the branch resolution; the case stays where it is. The Trade Union may
        do so only where the unit has declared no Youth Union organisation."""
        resolution = _require_document(
            document, "nghị quyết giới thiệu (4-KNĐ)", "the introducing resolution (4-KNĐ)"
        )
        self._step(
            DOSSIER_STAGES if replaces_earlier else {Stage.APPLIED},
            occurred_on,
            "ghi nhận nghị quyết giới thiệu của đoàn thể",
            "record a union's introduction",
        )
        if organization is MassOrganization.YOUTH_UNION and not self.person.is_youth_union_member:
            raise InvalidInput(
                "NOT_A_YOUTH_UNION_MEMBER",
                "Chỉ đoàn viên mới được Đoàn Thanh niên giới thiệu.",
                "Only a Youth Union member can be introduced by the Youth Union.",
                field="organization",
            )
        if organization is MassOrganization.TRADE_UNION and not self.person.is_trade_union_member:
            raise InvalidInput(
                "NOT_A_TRADE_UNION_MEMBER",
                "Chỉ đoàn viên công đoàn mới được Công đoàn giới thiệu.",
                "Only a Trade Union member can be introduced by the Trade Union.",
                field="organization",
            )
        if organization not in (MassOrganization.YOUTH_UNION, MassOrganization.TRADE_UNION):
            raise InvalidInput(
                "UNION_CANNOT_SPONSOR",
                "Chỉ Đoàn Thanh niên hoặc Công đoàn cơ sở được giới thiệu thay một đảng viên.",
                "Only the Youth Union or a grassroots Trade Union can stand in for a sponsor.",
                field="organization",
            )
        if replaces_earlier:
            if self.union_introduction is None:
                raise InvalidInput(
                    "UNION_INTRODUCTION_NOT_FOUND",
                    "Hồ sơ chưa có nghị quyết giới thiệu của đoàn thể để thay.",
                    "The case has no union introduction to replace.",
                    field="replaces_earlier",
                )
            self._check_sponsorship_route(
                occurred_on, len(self.sponsors), organization, youth_union_organisation
            )
            self._union_introduction_replaced(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=resolution,
                notes=notes,
                organization=organization,
            )
            return
        if self.union_introduction is not None:
            raise InvalidInput(
                "UNION_INTRODUCTION_DUPLICATE",
                "Hồ sơ đã có nghị quyết giới thiệu của đoàn thể.",
                "The case already has a union introduction.",
                field="organization",
            )
        self._check_sponsorship_route(
            occurred_on, len(self.sponsors), organization, youth_union_organisation
        )
        self._union_introduction_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=resolution,
            notes=notes,
            organization=organization,
        )

    @event("UnionIntroductionRecorded")
    def _union_introduction_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        organization: MassOrganization,
    ) -> None:
        self.union_introduction = document
        self.union_introducer = organization
        self._advance(self._sponsorship_stage(), "union_introduction", occurred_on)

    @event("UnionIntroductionReplaced")
    def _union_introduction_replaced(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        organization: MassOrganization,
    ) -> None:
        self.union_introduction = document
        self.union_introducer = organization
        self.last_step_on = max(self.last_step_on, occurred_on)

    @property
    def sponsorship_complete(self) -> bool:
        """Two sponsoring members, or one member plus a Youth Union/Trade Union resolution."""
        return len(self.sponsors) >= 2 or (
            len(self.sponsors) == 1 and self.union_introduction is not None
        )

    def _check_sponsorship_route(
        self,
        on: date,
        member_sponsors: int,
        union: MassOrganization | None,
        youth_union_organisation: bool | None,
    ) -> None:
        rules.check_sponsorship_route(
            birth_date=self.person.birth_date,
            member_sponsors=member_sponsors,
            union=union,
            youth_union_organisation=youth_union_organisation,
            on=on,
        )

    def _sponsorship_stage(self) -> Stage:
        return Stage.SPONSORED if self.sponsorship_complete else Stage.APPLIED

    # --- 6. background verification and comments ---------------------------------------------
    def record_background_verification(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        passed: bool,
        conclusion: str,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """The grassroots committee concludes the verification of the candidate and relatives
        (thẩm tra, xác minh lý lịch). A failed conclusion stops the case until it is rejected."""
        report = _require_document(
            document, "kết luận thẩm tra lý lịch", "the verification conclusion"
        )
        self._step(
            {Stage.SPONSORED}, occurred_on, "ghi nhận kết luận thẩm tra", "record the verification"
        )
        if not conclusion.strip():
            raise InvalidInput(
                "CONCLUSION_REQUIRED",
                "Phải ghi nội dung kết luận thẩm tra.",
                "The verification conclusion is required.",
                field="conclusion",
            )
        if self.verification_passed is not None:
            raise InvalidInput(
                "VERIFICATION_DUPLICATE",
                "Hồ sơ đã có kết luận thẩm tra.",
                "The case already has a verification conclusion.",
                field="conclusion",
            )
        self._background_verified(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=report,
            notes=notes,
            passed=passed,
            conclusion=conclusion.strip(),
        )

    @event("BackgroundVerified")
    def _background_verified(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        passed: bool,
        conclusion: str,
    ) -> None:
        self.verification_passed = passed
        self._advance(self._verification_stage(), "verification", occurred_on)

    def record_comments(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        source: str,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """Comments of mass organisations or of the place of residence (5-KNĐ).

        A new summary from a source already heard replaces its earlier one (làm lại): only the
        current summaries are checked at the branch meeting.
        """
        summary = _require_document(
            document, "tổng hợp ý kiến nhận xét (5-KNĐ)", "the comment summary (5-KNĐ)"
        )
        self._step(
            {Stage.SPONSORED, Stage.VERIFIED},
            occurred_on,
            "ghi nhận ý kiến nhận xét",
            "record comments",
        )
        if not source.strip():
            raise InvalidInput(
                "COMMENT_SOURCE_REQUIRED",
                "Phải nêu nơi cho ý kiến nhận xét.",
                "The source of the comments is required.",
                field="source",
            )
        if any(_same_source(c.source, source) for c in self.comments):
            self._comment_summary_replaced(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=summary,
                notes=notes,
                source=source.strip(),
            )
            return
        self._comments_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=summary,
            notes=notes,
            source=source.strip(),
        )

    @event("CommentsRecorded")
    def _comments_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        source: str,
    ) -> None:
        self.comments.append(CommentSummary(source, document))
        self._advance(self._verification_stage(), "comments", occurred_on)

    @event("CommentSummaryReplaced")
    def _comment_summary_replaced(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        source: str,
    ) -> None:
        self.comments = [
            CommentSummary(source, document) if _same_source(c.source, source) else c
            for c in self.comments
        ]
        self.last_step_on = max(self.last_step_on, occurred_on)

    def _verification_stage(self) -> Stage:
        return (
            Stage.VERIFIED
            if self.verification_passed is True and self.comments
            else Stage.SPONSORED
        )

    # --- 7. branch resolution -----------------------------------------------------------------
    def record_branch_resolution(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        official_members: int,
        votes_for: int,
        document: DocumentRef | None,
        committee_resolution_required: bool,
        special_area: SpecialArea | None = None,
        education_exception: DocumentRef | None = None,
        over_60_consent: DocumentRef | None = None,
        over_60_conditions: Over60Conditions | None = None,
        readmission_consent: DocumentRef | None = None,
        youth_union_organisation: bool | None = None,
        notes: str = "",
    ) -> None:
        """The branch meeting resolves to propose admission (nghị quyết chi bộ, 6-KNĐ).

        Over 60: the consent of the standing committee of the committee directly under the
        Central Committee and its declared conditions. The sponsorship route is checked again
        on the meeting date against the unit's declared Youth Union organisation.

        On the meeting date: age 18–60 (over 60 with consent), education (or an exception with
        its document), awareness certificate within 60 months, sponsor letters / union
        resolution / comment summaries within 12 months, re-admission conditions, and ≥ 2/3 of
        the official members in favour. ``committee_resolution_required`` is False for a
        grassroots branch, whose resolution goes straight to the deciding committee.

        A vote below 2/3 is a meeting that happened: it is recorded as a failed vote (the case
        stays verified; the result is reported to the superior committee), and a later meeting
        may vote again. The dossier rules guard a proposal to admit, which a failed vote does
        not make, so they are checked only when the vote passes.
        """
        resolution = _require_document(
            document, "nghị quyết chi bộ (6-KNĐ)", "the branch resolution (6-KNĐ)"
        )
        self._step(
            {Stage.VERIFIED},
            occurred_on,
            "ghi nhận nghị quyết chi bộ",
            "record the branch resolution",
        )
        on = occurred_on
        failed = rules.failed_vote_flag(
            votes_for,
            official_members,
            on,
            step="branch_resolution",
            body_vi="Chi bộ",
            body_en="Branch",
        )
        if failed is not None:
            self._branch_vote_failed(
                tenant=self.tenant,
                actor=actor,
                occurred_on=on,
                document=resolution,
                notes=notes,
                official_members=official_members,
                votes_for=votes_for,
                attempt=self.failed_branch_votes + 1,
                flag=failed,
            )
            return
        exceptions: list[DocumentRef] = []
        over_60 = rules.check_age(self.person.birth_date, on, over_60_consent=over_60_consent)
        if over_60:
            rules.check_over_60(over_60_conditions, on)
            assert over_60_consent is not None
            exceptions.append(over_60_consent)
        self._check_sponsorship_route(
            on, len(self.sponsors), self.union_introducer, youth_union_organisation
        )
        if rules.check_education(
            self.person.education,
            on,
            special_area=special_area,
            exception_document=education_exception,
        ):
            assert education_exception is not None
            exceptions.append(education_exception)
        assert self.awareness_certificate is not None
        rules.check_awareness_certificate(self.awareness_certificate.issued_on, on)
        for record in self.sponsors:
            rules.check_dossier_document_fresh(
                "Giấy giới thiệu của " + record.sponsor.full_name,
                "sponsor letter of " + record.sponsor.full_name,
                record.letter.issued_on,
                on,
            )
        if self.union_introduction is not None:
            rules.check_dossier_document_fresh(
                "Nghị quyết giới thiệu của đoàn thể",
                "union introducing resolution",
                self.union_introduction.issued_on,
                on,
            )
        for comment in self.comments:
            rules.check_dossier_document_fresh(
                "Tổng hợp ý kiến của " + comment.source,
                "comment summary of " + comment.source,
                comment.document.issued_on,
                on,
            )
        if self.prior_membership is not None:
            rules.check_readmission(self.prior_membership, on, consent=readmission_consent)
            assert readmission_consent is not None
            exceptions.append(readmission_consent)
        rules.check_two_thirds(votes_for, official_members, on, body_vi="Chi bộ", body_en="Branch")
        if over_60:
            assert over_60_consent is not None
            assert over_60_conditions is not None
            self._over_60_admission_consented(
                tenant=self.tenant,
                actor=actor,
                occurred_on=on,
                document=over_60_consent,
                notes=notes,
                conditions=over_60_conditions,
            )
        self._branch_resolution_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=on,
            document=resolution,
            notes=notes,
            official_members=official_members,
            votes_for=votes_for,
            committee_resolution_required=committee_resolution_required,
            exception_documents=exceptions,
        )

    @event("Over60AdmissionConsented")
    def _over_60_admission_consented(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        conditions: Over60Conditions,
    ) -> None:
        """The consent to admit a person over 60 and the conditions it was given on."""
        self.over_60_conditions = conditions

    @event("BranchResolutionRecorded")
    def _branch_resolution_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        official_members: int,
        votes_for: int,
        committee_resolution_required: bool,
        exception_documents: list[DocumentRef],
    ) -> None:
        self.branch_resolution_on = occurred_on
        self.committee_resolution_required = committee_resolution_required
        self.exceptions.extend(exception_documents)
        self._advance(Stage.BRANCH_RESOLVED, "branch_resolution", occurred_on)

    @event("BranchVoteFailed")
    def _branch_vote_failed(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        official_members: int,
        votes_for: int,
        attempt: int,
        flag: Flag,
    ) -> None:
        self.failed_branch_votes = attempt
        self.flags.append(flag)
        self.step_dates[f"branch_vote_failed_{attempt}"] = occurred_on
        self.last_step_on = max(self.last_step_on, occurred_on)

    # --- 8. grassroots committee resolution ---------------------------------------------------
    def record_committee_resolution(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        committee_members: int,
        votes_for: int,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """The grassroots party committee resolves to propose admission (8-KNĐ), ≥ 2/3 in favour.

        A vote below 2/3 is recorded as a failed vote (the case stays branch-resolved, the
        result is reported to the superior committee); a later meeting may vote again."""
        resolution = _require_document(
            document,
            "nghị quyết đảng ủy cơ sở (8-KNĐ)",
            "the grassroots committee resolution (8-KNĐ)",
        )
        self._step(
            {Stage.BRANCH_RESOLVED},
            occurred_on,
            "ghi nhận nghị quyết đảng ủy cơ sở",
            "record the grassroots committee resolution",
        )
        if not self.committee_resolution_required:
            raise StageOrderError(
                "COMMITTEE_RESOLUTION_NOT_APPLICABLE",
                "Chi bộ cơ sở không cần nghị quyết đảng ủy cơ sở; ghi quyết định kết nạp.",
                "A grassroots branch has no grassroots committee resolution; record the decision.",
                field="stage",
            )
        failed = rules.failed_vote_flag(
            votes_for,
            committee_members,
            occurred_on,
            step="committee_resolution",
            body_vi="Đảng ủy cơ sở",
            body_en="Grassroots committee",
        )
        if failed is not None:
            self._committee_vote_failed(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=resolution,
                notes=notes,
                committee_members=committee_members,
                votes_for=votes_for,
                attempt=self.failed_committee_votes + 1,
                flag=failed,
            )
            return
        self._committee_resolution_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=resolution,
            notes=notes,
            committee_members=committee_members,
            votes_for=votes_for,
        )

    @event("CommitteeResolutionRecorded")
    def _committee_resolution_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        committee_members: int,
        votes_for: int,
    ) -> None:
        self._advance(Stage.COMMITTEE_RESOLVED, "committee_resolution", occurred_on)

    @event("CommitteeVoteFailed")
    def _committee_vote_failed(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        committee_members: int,
        votes_for: int,
        attempt: int,
        flag: Flag,
    ) -> None:
        self.failed_committee_votes = attempt
        self.flags.append(flag)
        self.step_dates[f"committee_vote_failed_{attempt}"] = occurred_on
        self.last_step_on = max(self.last_step_on, occurred_on)

    # --- 9. admission decision ----------------------------------------------------------------
    def record_admission_decision(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        decided_by: AdmissionAuthority,
        unit_authority: AdmissionAuthority,
        calendar: WorkingCalendar,
        document: DocumentRef | None,
        extension: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The committee with authority decides to admit (quyết định kết nạp, 9-KNĐ), within 60
        working days of the branch resolution (+30 with an extension document). A later
        decision is recorded, flagged late, and opens the review of who was responsible."""
        decision = _require_document(
            document, "quyết định kết nạp (9-KNĐ)", "the admission decision (9-KNĐ)"
        )
        allowed = {Stage.COMMITTEE_RESOLVED}
        if not self.committee_resolution_required:
            allowed.add(Stage.BRANCH_RESOLVED)
        self._step(
            allowed, occurred_on, "ghi nhận quyết định kết nạp", "record the admission decision"
        )
        rules.check_admission_authority(unit_authority, decided_by, occurred_on)
        assert self.branch_resolution_on is not None
        extended, late = rules.admission_decision_lateness(
            calendar, self.branch_resolution_on, occurred_on, extension=extension
        )
        self._admission_decided(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=decision,
            notes=notes,
            decided_by=decided_by,
            extension=extension if extended else None,
        )
        self._flag_late(actor, occurred_on, decision, late)

    @event("AdmissionDecided")
    def _admission_decided(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        decided_by: AdmissionAuthority,
        extension: DocumentRef | None,
    ) -> None:
        self.decision_on = occurred_on
        if extension is not None:
            self.exceptions.append(extension)
        self._advance(Stage.DECIDED, "admission_decision", occurred_on)

    # --- 10. admission ceremony ---------------------------------------------------------------
    def hold_admission_ceremony(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        decision_received_on: date,
        calendar: WorkingCalendar,
        superior_consent: DocumentRef | None = None,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The branch holds the admission ceremony (lễ kết nạp) within 30 working days of
        receiving the decision (later with the superior's consent); probation starts. A later
        ceremony without the consent is recorded, flagged late, and opens the review of who
        was responsible."""
        self._step({Stage.DECIDED}, occurred_on, "tổ chức lễ kết nạp", "hold the ceremony")
        assert self.decision_on is not None
        require_not_before(
            decision_received_on,
            self.decision_on,
            what_vi="Ngày nhận quyết định",
            what_en="The date the decision was received",
            field="decision_received_on",
        )
        require_not_before(
            occurred_on,
            decision_received_on,
            what_vi="Ngày lễ kết nạp",
            what_en="The ceremony date",
            field="occurred_on",
        )
        consented, late = rules.ceremony_lateness(
            calendar, decision_received_on, occurred_on, superior_consent=superior_consent
        )
        self._admitted_at_ceremony(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            decision_received_on=decision_received_on,
            superior_consent=superior_consent if consented else None,
            probation_ends_on=rules.probation_end(occurred_on),
        )
        self._flag_late(actor, occurred_on, document, late)

    @event("AdmittedAtCeremony")
    def _admitted_at_ceremony(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        decision_received_on: date,
        superior_consent: DocumentRef | None,
        probation_ends_on: date,
    ) -> None:
        self.ceremony_on = occurred_on
        self.decision_received_on = decision_received_on
        if superior_consent is not None:
            self.exceptions.append(superior_consent)
        self._advance(Stage.PROBATIONARY, "ceremony", occurred_on)

    @property
    def probation_ends_on(self) -> date | None:
        """End of the 12 months of probation (full membership dates from it)."""
        return rules.probation_end(self.ceremony_on) if self.ceremony_on else None

    # --- 11. probation ------------------------------------------------------------------------
    def record_new_member_class(
        self, *, actor: Actor, occurred_on: date, document: DocumentRef | None, notes: str = ""
    ) -> None:
        """The probationary member completed the new-member class (lớp bồi dưỡng đảng viên mới)."""
        certificate = _require_document(
            document, "giấy chứng nhận lớp đảng viên mới", "the new-member class certificate"
        )
        self._step(
            {Stage.PROBATIONARY},
            occurred_on,
            "ghi nhận lớp bồi dưỡng đảng viên mới",
            "record the new-member class",
        )
        self._new_member_class_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=certificate,
            notes=notes,
        )

    @event("NewMemberClassRecorded")
    def _new_member_class_recorded(
        self, *, tenant: str, actor: Actor, occurred_on: date, document: DocumentRef, notes: str
    ) -> None:
        self.new_member_class = document
        self.step_dates["new_member_class"] = occurred_on
        self.last_step_on = max(self.last_step_on, occurred_on)

    # --- 12. recognition dossier -------------------------------------------------------------
    def record_recognition_document(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        form: RecognitionForm,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """A paper of the recognition dossier: the self-review (10-KNĐ), the helper's comment
        (11-KNĐ), the summary of the organisations' comments (12-KNĐ) — before the branch votes —
        or the grassroots committee's resolution (15-KNĐ) after it. A paper recorded again
        (redone) replaces the earlier one."""
        paper = _require_document(document, form.label_vi, f"the paper {form.value}")
        after_vote = form is RecognitionForm.GRASSROOTS_RESOLUTION
        self._step(
            {Stage.RECOGNITION_VOTED} if after_vote else {Stage.PROBATIONARY},
            occurred_on,
            f"ghi nhận {form.label_vi}",
            f"record the recognition paper {form.value}",
        )
        self._recognition_document_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=paper,
            notes=notes,
            form=form,
        )

    @event("RecognitionDocumentRecorded")
    def _recognition_document_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        form: RecognitionForm,
    ) -> None:
        self.recognition_documents[form] = document
        self.step_dates[f"recognition_document_{form.value}"] = occurred_on
        self.last_step_on = max(self.last_step_on, occurred_on)

    # --- 12. recognition as full member -------------------------------------------------------
    def record_recognition_vote(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        official_members: int,
        votes_for: int,
        calendar: WorkingCalendar,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """The branch votes on recognising the probationary member as a full member.

        Only after the 12 months; a vote below 2/3 is recorded as failed (three failures send
        the case to the superior committee); a vote later than 30 working days after probation
        is recorded and flagged late.
        """
        resolution = _require_document(
            document, "nghị quyết chi bộ đề nghị công nhận", "the branch's recognition resolution"
        )
        self._step(
            {Stage.PROBATIONARY},
            occurred_on,
            "xét công nhận đảng viên chính thức",
            "vote on recognition",
        )
        assert self.ceremony_on is not None
        rules.check_probation_ended(self.ceremony_on, occurred_on)
        rules.check_new_member_class(self.new_member_class, occurred_on)
        rules.check_recognition_dossier(
            set(self.recognition_documents), rules.BRANCH_RECOGNITION_FORMS, occurred_on
        )
        rules.check_recognition_attempts(self.failed_recognition_votes, occurred_on)
        rules.check_vote_counts(votes_for, official_members, occurred_on)
        late = rules.recognition_vote_is_late(calendar, self.ceremony_on, occurred_on)
        if rules.is_two_thirds(votes_for, official_members):
            self._recognition_voted(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=resolution,
                notes=notes,
                official_members=official_members,
                votes_for=votes_for,
                late=late,
            )
        else:
            self._recognition_vote_failed(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=resolution,
                notes=notes,
                official_members=official_members,
                votes_for=votes_for,
                late=late,
                attempt=self.failed_recognition_votes + 1,
            )

    @event("RecognitionVoted")
    def _recognition_voted(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        official_members: int,
        votes_for: int,
        late: bool,
    ) -> None:
        self.recognition_vote_on = occurred_on
        if late:
            self.flags.append(rules.recognition_vote_late_flag(occurred_on))
        self._advance(Stage.RECOGNITION_VOTED, "recognition_vote", occurred_on)

    @event("RecognitionVoteFailed")
    def _recognition_vote_failed(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        official_members: int,
        votes_for: int,
        late: bool,
        attempt: int,
    ) -> None:
        self.failed_recognition_votes = attempt
        self.escalated_to_superior = attempt >= rules.MAX_RECOGNITION_VOTES
        if late:
            self.flags.append(rules.recognition_vote_late_flag(occurred_on))
        self.step_dates[f"recognition_vote_failed_{attempt}"] = occurred_on
        self.last_step_on = max(self.last_step_on, occurred_on)

    def record_recognition_decision(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        calendar: WorkingCalendar,
        document: DocumentRef | None,
        under_grassroots_committee: bool,
        extension: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The committee with authority recognises the full member (quyết định công nhận),
        within 30 working days of the branch vote (+30); membership dates from probation's end.
        Where the branch sits under a grassroots committee (``under_grassroots_committee``), that
        committee's resolution (15-KNĐ) must be in the dossier.

        After three failed branch votes the superior committee decides here too.
        """
        decision = _require_document(
            document, "quyết định công nhận đảng viên chính thức", "the recognition decision"
        )
        allowed = {Stage.RECOGNITION_VOTED}
        if self.escalated_to_superior:
            allowed.add(Stage.PROBATIONARY)
        self._step(
            allowed,
            occurred_on,
            "ghi nhận quyết định công nhận chính thức",
            "record the recognition decision",
        )
        extended, late = False, None
        if self.recognition_vote_on is not None and under_grassroots_committee:
            rules.check_recognition_dossier(
                set(self.recognition_documents),
                (RecognitionForm.GRASSROOTS_RESOLUTION,),
                occurred_on,
            )
        if self.recognition_vote_on is not None:
            extended, late = rules.recognition_decision_lateness(
                calendar, self.recognition_vote_on, occurred_on, extension=extension
            )
        else:
            assert self.ceremony_on is not None
            rules.check_probation_ended(self.ceremony_on, occurred_on)
        probation_end = self.probation_ends_on
        assert probation_end is not None
        self._recognized_as_full_member(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=decision,
            notes=notes,
            extension=extension if extended else None,
            full_member_since=probation_end,
        )
        self._flag_late(actor, occurred_on, decision, late)

    @event("RecognizedAsFullMember")
    def _recognized_as_full_member(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        extension: DocumentRef | None,
        full_member_since: date,
    ) -> None:
        self.full_member_since = full_member_since
        if extension is not None:
            self.exceptions.append(extension)
        self._advance(Stage.FULL_MEMBER, "recognition_decision", occurred_on)

    # --- late steps and the review of responsibility ------------------------------------------
    def _flag_late(
        self, actor: Actor, occurred_on: date, document: DocumentRef | None, late: Flag | None
    ) -> None:
        """Record, right after a step taken past its term, that it was late (and why)."""
        if late is not None:
            self._step_recorded_late(
                tenant=self.tenant,
                actor=actor,
                occurred_on=occurred_on,
                document=document,
                notes="",
                flag=late,
            )

    @event("StepRecordedLate")
    def _step_recorded_late(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        flag: Flag,
    ) -> None:
        self.flags.append(flag)

    @property
    def open_reviews(self) -> list[Flag]:
        """Late steps whose responsibility review (kiểm điểm trách nhiệm) is still to be done."""
        return [flag for flag in self.flags if flag.review_open]

    def record_delay_review(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        step: str,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """The committee reviewed who was responsible for a late step (kiểm điểm trách nhiệm
        trước cấp ủy cấp trên); the open item of that step's late flag is closed. At any stage:
        the review may come after the case went on, or ended."""
        review = _require_document(
            document, "biên bản kiểm điểm trách nhiệm", "the record of the responsibility review"
        )
        pending = [flag for flag in self.open_reviews if flag.step == step]
        if not pending:
            raise InvalidInput(
                "NO_DELAY_REVIEW_OPEN",
                f"Bước «{step}» không có việc kiểm điểm trách nhiệm nào đang chờ.",
                f"Step '{step}' has no responsibility review waiting.",
                field="step",
            )
        require_not_before(
            occurred_on,
            pending[-1].on,
            what_vi="Ngày kiểm điểm",
            what_en="The review date",
            field="occurred_on",
        )
        self._delay_reviewed(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=review,
            notes=notes,
            step=step,
        )

    @event("DelayReviewed")
    def _delay_reviewed(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        step: str,
    ) -> None:
        self.flags = [
            dataclasses.replace(flag, reviewed_on=occurred_on, review_document=document)
            if flag.step == step and flag.review_open
            else flag
            for flag in self.flags
        ]

    # --- exits --------------------------------------------------------------------------------
    def reject(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        reason: ExitReason,
        explanation: str,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The branch or a committee decides not to admit (không kết nạp)."""
        self._step(
            BEFORE_CEREMONY_STAGES,
            occurred_on,
            "từ chối kết nạp",
            "reject the candidate",
        )
        _require_explanation(explanation)
        self._rejected(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            reason=reason,
            explanation=explanation.strip(),
        )

    @event("Rejected")
    def _rejected(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        reason: ExitReason,
        explanation: str,
    ) -> None:
        self.exit_reason = reason
        self._advance(Stage.REJECTED, "exit", occurred_on)

    def withdraw(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        explanation: str,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """The candidate withdraws before admission (tự rút)."""
        self._step(
            BEFORE_CEREMONY_STAGES,
            occurred_on,
            "ghi nhận quần chúng rút",
            "record a withdrawal",
        )
        _require_explanation(explanation)
        self._withdrawn(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            explanation=explanation.strip(),
        )

    @event("Withdrawn")
    def _withdrawn(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        explanation: str,
    ) -> None:
        self.exit_reason = ExitReason.CANDIDATE_REQUEST
        self._advance(Stage.WITHDRAWN, "exit", occurred_on)

    def remove_from_list(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        reason: ExitReason,
        explanation: str,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """A probationary member who does not qualify is removed from the list (xóa tên)."""
        decision = _require_document(document, "quyết định xóa tên", "the removal decision")
        self._step(
            {Stage.PROBATIONARY, Stage.RECOGNITION_VOTED},
            occurred_on,
            "xóa tên đảng viên dự bị",
            "remove from the list",
        )
        _require_explanation(explanation)
        self._removed_from_list(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=decision,
            notes=notes,
            reason=reason,
            explanation=explanation.strip(),
        )

    @event("RemovedFromList")
    def _removed_from_list(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        reason: ExitReason,
        explanation: str,
    ) -> None:
        self.exit_reason = reason
        self._advance(Stage.REMOVED_FROM_LIST, "exit", occurred_on)

    def end_membership(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        reason: ExitReason,
        explanation: str,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """A full member is screened out (sàng lọc, đưa ra khỏi Đảng); headcounts go down."""
        decision = _require_document(
            document, "quyết định đưa ra khỏi Đảng", "the decision ending membership"
        )
        self._step({Stage.FULL_MEMBER}, occurred_on, "đưa ra khỏi Đảng", "end the membership")
        _require_explanation(explanation)
        self._membership_ended(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=decision,
            notes=notes,
            reason=reason,
            explanation=explanation.strip(),
        )

    @event("MembershipEnded")
    def _membership_ended(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        reason: ExitReason,
        explanation: str,
    ) -> None:
        self.exit_reason = reason
        self._advance(Stage.MEMBERSHIP_ENDED, "exit", occurred_on)

    # --- transfers ----------------------------------------------------------------------------
    def move_to_unit(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        unit_id: UUID,
        unit_admits_candidates: bool,
        document: DocumentRef | None,
        notes: str = "",
    ) -> None:
        """The case moves to another branch of the same tenant (chuyển sinh hoạt); it goes on."""
        transfer = _require_document(document, "văn bản chuyển", "the transfer document")
        self._step(ACTIVE_STAGES, occurred_on, "chuyển đơn vị", "move to another unit")
        if not unit_admits_candidates:
            raise InvalidInput(
                "UNIT_DOES_NOT_ADMIT",
                "Quần chúng phải được theo dõi tại một chi bộ.",
                "A candidate must be followed by a branch.",
                field="unit",
            )
        if unit_id == self.unit_id:
            raise InvalidInput(
                "SAME_UNIT",
                "Hồ sơ đã thuộc đơn vị này.",
                "The case already belongs to that unit.",
                field="unit",
            )
        self._moved_to_unit(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=transfer,
            notes=notes,
            from_unit_id=self.unit_id,
            to_unit_id=unit_id,
        )

    @event("MovedToUnit")
    def _moved_to_unit(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        from_unit_id: UUID,
        to_unit_id: UUID,
    ) -> None:
        self.unit_id = to_unit_id
        self.unit_moves.append((occurred_on, to_unit_id))
        self.last_step_on = max(self.last_step_on, occurred_on)

    def transfer_out(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        destination: str,
        document: DocumentRef | None,
        notes: str = "",
        destination_tenant: str | None = None,
    ) -> None:
        """The case leaves this tenant for another committee (chuyển đi), at any stage before it
        closes; the receiving committee goes on from the same stage with the dossier
        (``receive_transfer``). ``destination_tenant`` names the receiving tenant when it is
        one of this deployment: its organizer accepts the case from this history."""
        transfer = _require_document(document, "văn bản chuyển", "the transfer document")
        self._step(TRANSFERABLE_STAGES, occurred_on, "chuyển hồ sơ đi", "transfer the case out")
        if not destination.strip():
            raise InvalidInput(
                "DESTINATION_REQUIRED",
                "Phải nêu nơi chuyển đến.",
                "The destination is required.",
                field="destination",
            )
        self._transferred_out(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=transfer,
            notes=notes,
            destination=destination.strip(),
            stage_at_transfer=self.stage,
            destination_tenant=destination_tenant,
        )

    @event("TransferredOut")
    def _transferred_out(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        destination: str,
        stage_at_transfer: Stage,
        # Added with cross-tenant transfers (issue 13): events stored before have none.
        destination_tenant: str | None = None,
    ) -> None:
        self.transferred_to = destination
        self.transferred_to_tenant = destination_tenant
        self._advance(Stage.TRANSFERRED_OUT, "exit", occurred_on)

    @classmethod
    def receive_transfer(
        cls,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        case_code: str,
        unit_id: UUID,
        unit_admits_candidates: bool,
        person: PersonProfile,
        origin: str,
        stage: Stage,
        awareness_certificate: DocumentRef | None = None,
        ceremony_on: date | None = None,
        new_member_class: DocumentRef | None = None,
        full_member_since: date | None = None,
        dossier: Dossier | None = None,
        committee_resolution_required: bool = True,
        merged_from: MergeOrigin | None = None,
        transfer_reference: str | None = None,
        introduced_by: MassOrganization = MassOrganization.BRANCH,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> Candidate:
        """Open a case received from another committee (nhận chuyển đến) at the stage it had,
        with the dossier that stage needs (``domain.transfer_dossier``): the next steps check the same
        documents, on the same dates, as they would have there. ``committee_resolution_required``
        is the receiving branch's (False for a grassroots branch); ``merged_from`` points back
        to the source aggregate when the case arrives by a tenant merge, ``transfer_reference``
        ("<tenant>/<case code>") to the case another tenant of the deployment transferred."""
        transfer = _require_document(document, "văn bản chuyển đến", "the transfer document")
        if stage not in TRANSFERABLE_STAGES:
            raise InvalidInput(
                "STAGE_NOT_TRANSFERABLE",
                "Không nhận hồ sơ đã đóng (không kết nạp, tự rút, xóa tên, đã chuyển đi).",
                "A closed case (rejected, withdrawn, removed, transferred out) cannot be received.",
                field="stage",
            )
        _check_dossier(stage, dossier, awareness_certificate, ceremony_on, occurred_on)
        if stage in (Stage.PROBATIONARY, Stage.FULL_MEMBER) and ceremony_on is None:
            raise InvalidInput(
                "CEREMONY_DATE_REQUIRED",
                "Thiếu ngày kết nạp của đảng viên.",
                "The member's admission (ceremony) date is missing.",
                field="ceremony_on",
            )
        if stage is Stage.FULL_MEMBER and full_member_since is None:
            raise InvalidInput(
                "FULL_MEMBER_DATE_REQUIRED",
                "Thiếu ngày công nhận chính thức.",
                "The full-membership date is missing.",
                field="full_member_since",
            )
        candidate = cls.discover(
            id=id,
            tenant=tenant,
            actor=actor,
            occurred_on=occurred_on,
            case_code=case_code,
            unit_id=unit_id,
            unit_admits_candidates=unit_admits_candidates,
            person=person,
            introduced_by=introduced_by,
            document=transfer,
            notes=notes,
        )
        candidate._transferred_in(
            tenant=tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=transfer,
            notes=notes,
            origin=origin.strip(),
            stage=stage,
            awareness_certificate=awareness_certificate,
            ceremony_on=ceremony_on,
            new_member_class=new_member_class,
            full_member_since=full_member_since,
            dossier=dossier,
            committee_resolution_required=committee_resolution_required,
            merged_from=merged_from,
            transfer_reference=transfer_reference,
        )
        return candidate

    @event("TransferredIn")
    def _transferred_in(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
        origin: str,
        stage: Stage,
        awareness_certificate: DocumentRef | None,
        ceremony_on: date | None,
        new_member_class: DocumentRef | None,
        full_member_since: date | None,
        # Added with the dossier (issue 13): events stored before have none of them.
        dossier: Dossier | None = None,
        committee_resolution_required: bool = True,
        merged_from: MergeOrigin | None = None,
        transfer_reference: str | None = None,
    ) -> None:
        self.awareness_certificate = awareness_certificate
        self.transfer_reference = transfer_reference
        self.ceremony_on = ceremony_on
        self.new_member_class = new_member_class
        self.full_member_since = full_member_since
        self.committee_resolution_required = committee_resolution_required
        self.merged_from = merged_from
        if dossier is not None:
            self.sponsors = [SponsorRecord(s.sponsor, s.letter) for s in dossier.sponsors]
            if dossier.union_introduction is not None:
                self.union_introduction = dossier.union_introduction.resolution
                self.union_introducer = dossier.union_introduction.organization
            if dossier.verification is not None:
                self.verification_passed = dossier.verification.passed
            self.comments = [CommentSummary(c.source, c.document) for c in dossier.all_comments]
            for step, day in dossier.step_dates().items():
                self.step_dates[step] = day
            if dossier.branch_resolution is not None:
                self.branch_resolution_on = dossier.branch_resolution.issued_on
            if dossier.admission_decision is not None:
                self.decision_on = dossier.admission_decision.issued_on
            if dossier.recognition_vote is not None:
                self.recognition_vote_on = dossier.recognition_vote.issued_on
        if awareness_certificate is not None:
            self.step_dates["awareness_certificate"] = awareness_certificate.issued_on
        self._advance(stage, "transferred_in", occurred_on)
        # The case enters this tenant at the stage it had: it never was "discovered" here.
        self.transitions = [(stage, "transferred_in", occurred_on)]

    # --- corrections --------------------------------------------------------------------------
    def correct_step_date(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        step: str,
        corrected_date: date,
        reason: str,
        calendar: WorkingCalendar,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """Correct the business date recorded for a step; the original stays in the history.

        Every rule the step's date takes part in is judged again on the corrected dates
        (``domain.checklist.recheck``): refused as the step itself would have been, or recorded
        with its flags (a recognition vote now late).
        """
        if step not in self.step_dates:
            raise InvalidInput(
                "STEP_NOT_RECORDED",
                f"Bước «{step}» chưa được ghi nhận trong hồ sơ.",
                f"Step '{step}' has not been recorded for this case.",
                field="step",
            )
        steps = list(self.step_dates)
        position = steps.index(step)
        earlier = [self.step_dates[s] for s in steps[:position] if s != "awareness_certificate"]
        later = [self.step_dates[s] for s in steps[position + 1 :] if s != "awareness_certificate"]
        if step != "awareness_certificate" and (
            (earlier and corrected_date < max(earlier)) or (later and corrected_date > min(later))
        ):
            raise InvalidInput(
                "CORRECTION_OUT_OF_ORDER",
                f"Ngày đính chính {corrected_date:%d/%m/%Y} làm sai thứ tự các bước của hồ sơ.",
                f"The corrected date {corrected_date:%d/%m/%Y} would put the case's steps out of "
                "order.",
                field="corrected_date",
            )
        _require_explanation(reason)
        flags = self._recheck_step_date(step, corrected_date, calendar)
        self._step_date_corrected(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            step=step,
            previous_date=self.step_dates[step],
            corrected_date=corrected_date,
            reason=reason.strip(),
            flags=flags,
        )

    @event("StepDateCorrected")
    def _step_date_corrected(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        step: str,
        previous_date: date,
        corrected_date: date,
        reason: str,
        flags: tuple[Finding, ...] = (),
    ) -> None:
        self.step_dates[step] = corrected_date
        self._redate_documents(step, previous_date, corrected_date)
        if step == "ceremony":
            self.ceremony_on = corrected_date
            if self.full_member_since is not None:  # membership dates from probation's end
                self.full_member_since = rules.probation_end(corrected_date)
        elif step == "branch_resolution":
            self.branch_resolution_on = corrected_date
        elif step == "admission_decision":
            self.decision_on = corrected_date
        elif step == "recognition_vote":
            self.recognition_vote_on = corrected_date
        # a step the correction made late is flagged as the step itself would have been, with
        # the responsibility review open (a late recognition vote is judged on the dates anew)
        self.flags.extend(
            Flag(
                finding.code,
                step,
                corrected_date,
                None,
                finding.message_vi,
                finding.message_en,
                finding.regulation,
                review_required=True,
            )
            for finding in flags
            if finding.code in checklist.FLAG_ONLY
            and finding.code != rules.RECOGNITION_VOTE_DEADLINE.code
        )
        # step_dates keeps the last date of a step, so only the transition on that date moves
        self.transitions = [
            (stage, name, corrected_date if name == step and day == previous_date else day)
            for stage, name, day in self.transitions
        ]

    def correct_profile(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        person: PersonProfile,
        reason: str,
        calendar: WorkingCalendar,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """Correct the candidate's personal data (e.g. a misspelt name, a wrong birth date).

        Every rule a corrected field takes part in is judged again on the dates of the steps
        already recorded (a birth date: the age at the branch meeting; the education level:
        the education rule), refused as the step itself would have been. The event carries each
        corrected field with its value before and after (encrypted as all personal data).
        """
        _require_explanation(reason)
        if person == self.person:
            raise InvalidInput(
                "NOTHING_TO_CORRECT",
                "Thông tin mới trùng thông tin hiện có.",
                "The corrected data equals the current data.",
                field="person",
            )
        changes = checklist.profile_changes(self.person, person)
        self._recheck_profile(person, frozenset(c.field for c in changes), calendar)
        self._profile_corrected(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            person=person,
            reason=reason.strip(),
            changes=changes,
        )

    @event("ProfileCorrected")
    def _profile_corrected(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        person: PersonProfile,
        reason: str,
        changes: tuple[FieldChange, ...] = (),  # absent from events stored before issue 13
    ) -> None:
        self.person = person

    # --- business-time timeline ---------------------------------------------------------------
    def stage_timeline(self) -> list[tuple[Stage, date]]:
        """Each stage the case entered, in order, with the date it was entered.

        A stage is entered on its step's (possibly corrected) date, but never before the previous
        stage was entered: an awareness certificate issued years before the case opened puts the
        case in that stage when it is recorded, not earlier. Several stages may share a date.
        """
        timeline: list[tuple[Stage, date]] = []
        since: date | None = None
        for stage, _, day in self.transitions:
            since = day if since is None else max(day, since)
            timeline.append((stage, since))
        return timeline

    def stage_on(self, day: date) -> Stage | None:
        """The case's stage at the end of ``day`` (None before the case was opened)."""
        current: Stage | None = None
        for stage, since in self.stage_timeline():
            if since > day:
                break
            current = stage
        return current

    def unit_timeline(self) -> list[tuple[date, UUID]]:
        """The unit that followed the case from each date on (the opening unit first).

        Units are the raw ids recorded: a unit merged later is not resolved here.
        """
        opened = self.stage_timeline()[0][1]
        return [
            (opened, self.opened_in_unit_id),
            *((max(day, opened), unit) for day, unit in self.unit_moves),
        ]

    def unit_on(self, day: date) -> UUID | None:
        """The unit following the case at the end of ``day`` (None before it was opened)."""
        current: UUID | None = None
        for since, unit in self.unit_timeline():
            if since > day:
                break
            current = unit
        return current

    # --- what a case shows, what its next step needs, corrections re-checked (issue 13) --------
    #: The day the branch received the admission decision (kept from the ceremony on).
    decision_received_on: date | None = None

    def facts(self, calendar: WorkingCalendar) -> CaseFacts:
        """What the rules of ``domain.checklist`` read of this case, as recorded now."""
        dossier = [
            DossierDocument(
                "sponsor",
                "Giấy giới thiệu của " + r.sponsor.full_name,
                "sponsor letter of " + r.sponsor.full_name,
                r.letter.issued_on,
            )
            for r in self.sponsors
        ]
        if self.union_introduction is not None:
            dossier.append(
                DossierDocument(
                    "union_introduction",
                    "Nghị quyết giới thiệu của đoàn thể",
                    "union introducing resolution",
                    self.union_introduction.issued_on,
                )
            )
        dossier += [
            DossierDocument(
                "comments",
                "Tổng hợp ý kiến của " + c.source,
                "comment summary of " + c.source,
                c.document.issued_on,
            )
            for c in self.comments
        ]
        certificate = self.awareness_certificate
        return CaseFacts(
            person=self.person,
            dates=dict(self.step_dates),
            calendar=calendar,
            awareness_certificate_on=None if certificate is None else certificate.issued_on,
            dossier=tuple(dossier),
            prior_membership=self.prior_membership,
            decision_received_on=self.decision_received_on,
            new_member_class=self.new_member_class,
            failed_recognition_votes=self.failed_recognition_votes,
            sponsors=len(self.sponsors),
            union_introduction=self.union_introduction is not None,
            verification_passed=self.verification_passed,
            comments=len(self.comments),
            committee_resolution_required=self.committee_resolution_required,
            exceptions=tuple(self.exceptions),
            union_introducer=self.union_introducer,
            recognition_documents=frozenset(self.recognition_documents),
        )

    @property
    def next_step(self) -> str | None:
        """The step the procedure expects next (None once the case is closed or complete)."""
        if self.stage is Stage.BRANCH_RESOLVED and not self.committee_resolution_required:
            return "admission_decision"
        if self.stage is Stage.PROBATIONARY and self.escalated_to_superior:
            return "recognition_decision"
        return _NEXT_STEP.get(self.stage)

    def checklist(
        self,
        on: date,
        calendar: WorkingCalendar,
        *,
        youth_union_organisation: bool | None = None,
        under_grassroots_committee: bool | None = None,
    ) -> Checklist:
        """What the next step needs and every rule that would refuse it on ``on`` (all of them,
        not the first), with what it would be flagged for. The unit's facts (its declared Youth
        Union organisation, whether the branch sits under a grassroots committee) are given by
        the caller, as the handlers give them to the steps."""
        facts = dataclasses.replace(
            self.facts(calendar),
            youth_union_organisation=youth_union_organisation,
            under_grassroots_committee=under_grassroots_committee,
        )
        return checklist.checklist(facts, self.next_step, on)

    def case_flags(self, calendar: WorkingCalendar) -> tuple[CaseFlag, ...]:
        """What the case is flagged for, each on its business date: the flags recorded with the
        steps (failed branch and committee votes, late decisions and ceremonies with their
        responsibility reviews), failed recognition votes, escalation to the superior committee,
        and a late recognition vote judged on the dates as recorded now (after corrections)."""
        flags: list[CaseFlag] = [
            CaseFlag.recorded(flag) for flag in self.flags if flag.code != "RECOGNITION_VOTE_LATE"
        ]
        for step, day in self.step_dates.items():
            if step.startswith("recognition_vote_failed_"):
                attempt = step.rsplit("_", 1)[-1]
                flags.append(
                    CaseFlag(
                        "RECOGNITION_VOTE_FAILED",
                        day,
                        f"Chi bộ xét công nhận chính thức lần {attempt} không đạt hai phần ba.",
                        f"Recognition vote {attempt} did not reach two thirds.",
                        rules.TWO_THIRDS.cite(day),
                    )
                )
        if self.escalated_to_superior:
            day = self.step_dates[f"recognition_vote_failed_{self.failed_recognition_votes}"]
            flags.append(
                CaseFlag(
                    "ESCALATED_TO_SUPERIOR",
                    day,
                    "Sau ba lần không đạt, cấp ủy cấp trên xem xét, quyết định.",
                    "After three failed votes the superior committee decides.",
                    rules.RECOGNITION_VOTES_EXHAUSTED.cite(day),
                )
            )
        if self.ceremony_on is not None and self.recognition_vote_on is not None:
            try:
                checklist.check_recognition_vote_on_time(
                    calendar, self.ceremony_on, self.recognition_vote_on
                )
            except RuleViolation as late:
                flags.append(CaseFlag.of(late, self.recognition_vote_on))
        return tuple(sorted(flags, key=lambda f: f.on))

    def _recheck_step_date(
        self, step: str, corrected: date, calendar: WorkingCalendar
    ) -> tuple[Finding, ...]:
        """Judge again every rule the step's date takes part in; refuse, or return the flags."""
        before = self.facts(calendar)
        certificate = before.awareness_certificate_on
        after = dataclasses.replace(
            before,
            dates={**before.dates, step: corrected},
            awareness_certificate_on=corrected
            if step == "awareness_certificate" and certificate == before.dates[step]
            else certificate,
            dossier=tuple(
                dataclasses.replace(d, dated=corrected)
                if d.step == step and d.dated == before.dates[step]
                else d
                for d in before.dossier
            ),
        )
        lower, upper = {
            "discovered": (self.person.birth_date, None),
            "admission_decision": (None, self.decision_received_on),
            "ceremony": (self.decision_received_on, None),
        }.get(step, (None, None))
        if lower is not None:
            require_not_before(
                corrected,
                lower,
                what_vi="Ngày đính chính",
                what_en="The corrected date",
                field="corrected_date",
            )
        if upper is not None:
            require_not_before(
                upper,
                corrected,
                what_vi="Ngày nhận quyết định",
                what_en="The day the decision was received",
                field="corrected_date",
            )
        refusals, flags = checklist.recheck(before, after, frozenset({step}))
        _refuse_correction(refusals)
        return tuple(flags)

    def _recheck_profile(
        self, person: PersonProfile, fields: frozenset[str], calendar: WorkingCalendar
    ) -> None:
        """Judge again every rule a corrected field takes part in, on the recorded steps' dates."""
        if "birth_date" in fields:
            first = min(day for _, _, day in self.transitions)
            certificate = self.awareness_certificate
            for day in (first, None if certificate is None else certificate.issued_on):
                if day is not None:
                    require_not_before(
                        day,
                        person.birth_date,
                        what_vi="Ngày của các bước đã ghi",
                        what_en="The dates of the recorded steps",
                        field="person.birth_date",
                    )
        before = self.facts(calendar)
        after = dataclasses.replace(before, person=person)
        refusals, _ = checklist.recheck(before, after, fields)
        _refuse_correction(refusals)

    def _redate_documents(self, step: str, previous: date, corrected: date) -> None:
        """Applied by a step-date correction: the step's documents dated as the step was (a
        certificate, letters, a resolution, comment summaries) take the corrected date, so the
        rules judge the dates the case now holds."""

        def redated(document: DocumentRef) -> DocumentRef:
            if document.issued_on != previous:
                return document
            return dataclasses.replace(document, issued_on=corrected)

        if step == "awareness_certificate" and self.awareness_certificate is not None:
            self.awareness_certificate = redated(self.awareness_certificate)
        elif step == "sponsor":
            self.sponsors = [SponsorRecord(r.sponsor, redated(r.letter)) for r in self.sponsors]
        elif step == "union_introduction" and self.union_introduction is not None:
            self.union_introduction = redated(self.union_introduction)
        elif step == "comments":
            self.comments = [CommentSummary(c.source, redated(c.document)) for c in self.comments]


@dataclass(frozen=True)
class CaseFlag:
    """Something the case is flagged for, on its business date, with its rule's citation."""

    code: str
    on: date
    message_vi: str
    message_en: str
    regulation: str
    #: The date the step was due, for a late step.
    due_on: date | None = None
    #: A late step asks for a review of who was responsible for the delay (kiểm điểm trách nhiệm).
    review_required: bool = False
    reviewed_on: date | None = None

    @classmethod
    def recorded(cls, flag: Flag) -> CaseFlag:
        """The flag recorded with a step."""
        return cls(
            flag.code,
            flag.on,
            flag.message_vi,
            flag.message_en,
            flag.regulation,
            due_on=flag.due_on,
            review_required=flag.review_required,
            reviewed_on=flag.reviewed_on,
        )

    @classmethod
    def of(cls, violation: RuleViolation, on: date) -> CaseFlag:
        """The flag of a rule's verdict on ``on``."""
        return cls(
            violation.code,
            on,
            violation.message_vi,
            violation.message_en,
            violation.regulation or "",
        )


#: The step each stage waits for (``Candidate.next_step`` adjusts the two forks).
_NEXT_STEP: dict[Stage, str] = {
    Stage.DISCOVERED: "sympathizer",
    Stage.SYMPATHIZER: "awareness_certificate",
    Stage.AWARENESS_TRAINED: "application",
    Stage.APPLIED: "sponsor",
    Stage.SPONSORED: "verification",
    Stage.VERIFIED: "branch_resolution",
    Stage.BRANCH_RESOLVED: "committee_resolution",
    Stage.COMMITTEE_RESOLVED: "admission_decision",
    Stage.DECIDED: "ceremony",
    Stage.PROBATIONARY: "recognition_vote",
    Stage.RECOGNITION_VOTED: "recognition_decision",
}


def _refuse_correction(refusals: list[RuleViolation]) -> None:
    """Refuse a correction the rules forbid: the first rule's code, every rule's explanation."""
    if not refusals:
        return
    first = refusals[0]
    raise RuleViolation(
        first.code,
        "Không thể đính chính: " + " ".join(v.message_vi for v in refusals),
        "The correction is refused: " + " ".join(v.message_en for v in refusals),
        regulation="; ".join(dict.fromkeys(v.regulation or "" for v in refusals)),
        field=first.field,
    )


def _same_source(a: str, b: str) -> bool:
    """Two comment summaries come from the same source (names compared without case)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _require_explanation(text: str) -> None:
    if not text.strip():
        raise InvalidInput(
            "REASON_REQUIRED", "Phải nêu lý do.", "A reason is required.", field="reason"
        )


def _reached(stage: Stage, step: Stage) -> bool:
    """Whether a case at ``stage`` has passed ``step`` of the procedure."""
    order = list(Stage)
    return order.index(stage) >= order.index(step)


def _check_dossier(
    stage: Stage,
    dossier: Dossier | None,
    certificate: DocumentRef | None,
    ceremony_on: date | None,
    received_on: date,
) -> None:
    """A case received at ``stage`` carries what that stage needs, dated on or before the day it
    is received. A member (from the ceremony on) needs no dossier: the ceremony date stands for
    it, as before."""
    admitted = _reached(stage, Stage.PROBATIONARY)
    if _reached(stage, Stage.AWARENESS_TRAINED) and not admitted and certificate is None:
        raise InvalidInput(
            "DOCUMENT_REQUIRED",
            "Thiếu giấy chứng nhận lớp nhận thức về Đảng.",
            "The awareness-class certificate is missing.",
            field="awareness_certificate",
        )
    if stage is Stage.RECOGNITION_VOTED and (dossier is None or dossier.recognition_vote is None):
        raise dossier_missing(
            "biên bản chi bộ xét công nhận", "the recognition vote", "recognition_vote"
        )
    if dossier is not None:
        for step, document in dossier.documents():
            if document.issued_on > received_on:
                raise InvalidInput(
                    "DOSSIER_DATE_AFTER_RECEIPT",
                    f"Văn bản {document.label()} có ngày sau ngày nhận hồ sơ.",
                    f"The document {document.label()} is dated after the case was received.",
                    field=f"dossier.{step}",
                )
    if admitted or not _reached(stage, Stage.APPLIED):
        return
    d = dossier or Dossier()
    if d.application is None:
        raise dossier_missing("đơn xin vào Đảng (1-KNĐ)", "the application (1-KNĐ)", "application")
    if d.personal_history is None:
        raise dossier_missing(
            "lý lịch người xin vào Đảng (2-KNĐ)", "the personal history (2-KNĐ)", "personal_history"
        )
    if _reached(stage, Stage.SPONSORED) and not (
        len(d.sponsors) >= 2 or (len(d.sponsors) == 1 and d.union_introduction is not None)
    ):
        raise dossier_missing(
            "đủ người giới thiệu (hai đảng viên, hoặc một đảng viên và nghị quyết giới thiệu "
            "của đoàn thể)",
            "its sponsors (two members, or one member and a union's introduction)",
            "first_sponsor",
        )
    if _reached(stage, Stage.VERIFIED):
        if d.verification is None or not d.verification.passed:
            raise dossier_missing(
                "kết luận thẩm tra lý lịch đạt yêu cầu",
                "a passed background verification",
                "verification",
            )
        if not d.all_comments:
            raise dossier_missing(
                "tổng hợp ý kiến nhận xét (5-KNĐ)", "comments (5-KNĐ)", "comments"
            )
    if _reached(stage, Stage.BRANCH_RESOLVED) and d.branch_resolution is None:
        raise dossier_missing(
            "nghị quyết chi bộ (6-KNĐ)", "the branch's resolution (6-KNĐ)", "branch_resolution"
        )
    if stage is Stage.COMMITTEE_RESOLVED and d.committee_resolution is None:
        raise dossier_missing(
            "nghị quyết đảng ủy cơ sở (8-KNĐ)",
            "the grassroots committee's resolution (8-KNĐ)",
            "committee_resolution",
        )
    if stage is Stage.DECIDED and d.admission_decision is None:
        raise dossier_missing(
            "quyết định kết nạp (9-KNĐ)", "the admission decision (9-KNĐ)", "admission_decision"
        )
