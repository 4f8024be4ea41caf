"""One-line summaries of every event, in Vietnamese and in English, for the audit history.

Each event type ("Candidate.Rejected") has a small function of the event and of its aggregate
*after* the event that says what happened: "HS-0001 — Chi bộ biểu quyết kết nạp: 9/10 đảng viên
chính thức tán thành (NQ số 12-NQ/CB ngày 05/03/2025)". Candidates are named by their case code,
never by the person's name, and free text that could hold personal data (a helper's or sponsor's
name, a verification conclusion, an exit explanation) is left out: the summaries are stored in
clear text beside events whose personal data will be encrypted. Units are named by name and code,
looked up through a :data:`UnitLookup` (the audit projection keeps their names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.candidates import ExitReason, Stage
from domain.org_units import UnitKind
from domain.quotas import Period, PeriodKind, QuotaTarget, TargetKind
from domain.rules import ALL_RULES, AdmissionAuthority, Over60Place, RecognitionForm
from domain.tenant_policy import CountingBasis
from domain.values import DocumentRef, MassOrganization


@dataclass(frozen=True)
class UnitLabel:
    """How a unit is named in a summary."""

    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


#: Finds a unit's label by id (None when the unit is not known).
UnitLookup = Callable[[UUID], UnitLabel | None]


@dataclass(frozen=True)
class Summary:
    """A one-line description of an event in both languages."""

    vi: str
    en: str


#: A summary function: (event, aggregate after the event, unit lookup) → summary.
Summarizer = Callable[[Any, Any, UnitLookup], Summary]

SUMMARIES: dict[str, Summarizer] = {}


def event_type_of(event: object) -> str:
    """The event's type as ``"Aggregate.Event"`` (``"Candidate.Rejected"``)."""
    return type(event).__qualname__


def summarize(event: object, aggregate: object, units: UnitLookup) -> Summary:
    """The summary of ``event`` (a generic one for a type without its own summary)."""
    kind = event_type_of(event)
    summarizer = SUMMARIES.get(kind)
    if summarizer is None:
        return Summary(f"Sự kiện {kind}", f"Event {kind}")
    return summarizer(event, aggregate, units)


# --- labels -----------------------------------------------------------------------------------
def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ref(document: DocumentRef | None, noun_vi: str = "", noun_en: str = "") -> Summary:
    """`` (NQ số 12-NQ/CB ngày 05/03/2025)`` / `` (resolution 12-NQ/CB of 05/03/2025)``."""
    if document is None:
        return Summary("", "")
    day = _d(document.issued_on)
    return Summary(
        f" ({noun_vi or document.kind} số {document.number} ngày {day})",
        f" ({noun_en or document.kind} {document.number} of {day})",
    )


def _unit(units: UnitLookup, unit_id: UUID | None) -> Summary:
    label = units(unit_id) if unit_id is not None else None
    if label is None:
        return Summary("đơn vị không rõ", "an unknown unit")
    return Summary(str(label), str(label))


def _number(value: Decimal, vi: bool) -> str:
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if vi else text


_MASS_ORG = {
    MassOrganization.YOUTH_UNION: ("Đoàn Thanh niên", "the Youth Union"),
    MassOrganization.TRADE_UNION: ("Công đoàn", "the Trade Union"),
    MassOrganization.VETERANS_ASSOCIATION: ("Hội Cựu chiến binh", "the Veterans' Association"),
    MassOrganization.WOMENS_UNION: ("Hội Liên hiệp Phụ nữ", "the Women's Union"),
    MassOrganization.BRANCH: ("chi bộ", "the branch"),
}
_EXIT_REASON = {
    ExitReason.NOT_QUALIFIED: ("không đủ tiêu chuẩn", "not qualified"),
    ExitReason.VERIFICATION_FAILED: (
        "thẩm tra lý lịch không đạt",
        "background verification failed",
    ),
    ExitReason.VOTE_FAILED: ("không đủ hai phần ba tán thành", "less than two thirds in favour"),
    ExitReason.CANDIDATE_REQUEST: ("theo đề nghị của người trong hồ sơ", "at the person's request"),
    ExitReason.MOVED_AWAY: ("chuyển nơi làm việc, cư trú", "moved to another workplace or home"),
    ExitReason.DISCIPLINE: ("vi phạm tư cách", "breach of conduct"),
    ExitReason.DECEASED: ("từ trần", "deceased"),
    ExitReason.OTHER: ("lý do khác", "other reason"),
}
_STAGE_EN = {
    Stage.DISCOVERED: "discovered",
    Stage.SYMPATHIZER: "sympathizer",
    Stage.AWARENESS_TRAINED: "awareness class attended",
    Stage.APPLIED: "application submitted",
    Stage.SPONSORED: "sponsored",
    Stage.VERIFIED: "verified",
    Stage.BRANCH_RESOLVED: "branch resolution passed",
    Stage.COMMITTEE_RESOLVED: "committee resolution passed",
    Stage.DECIDED: "admission decided",
    Stage.PROBATIONARY: "probationary member",
    Stage.RECOGNITION_VOTED: "recognition proposed by the branch",
    Stage.FULL_MEMBER: "full member",
    Stage.REJECTED: "rejected",
    Stage.WITHDRAWN: "withdrawn",
    Stage.REMOVED_FROM_LIST: "removed from the list",
    Stage.TRANSFERRED_OUT: "transferred out",
    Stage.MEMBERSHIP_ENDED: "membership ended",
}
_STEP = {
    "discovered": ("phát hiện, giới thiệu", "discovery"),
    "sympathizer": ("đưa vào danh sách cảm tình Đảng", "sympathizer list"),
    "awareness_certificate": ("giấy chứng nhận lớp nhận thức về Đảng", "awareness certificate"),
    "application": ("nộp đơn và lý lịch", "application"),
    "sponsor": ("người giới thiệu", "sponsorship"),
    "union_introduction": ("đoàn thể giới thiệu", "union introduction"),
    "verification": ("thẩm tra lý lịch", "background verification"),
    "comments": ("tổng hợp ý kiến", "comments"),
    "branch_resolution": ("nghị quyết chi bộ", "branch resolution"),
    "committee_resolution": ("nghị quyết đảng ủy cơ sở", "committee resolution"),
    "admission_decision": ("quyết định kết nạp", "admission decision"),
    "ceremony": ("lễ kết nạp", "admission ceremony"),
    "new_member_class": ("lớp bồi dưỡng đảng viên mới", "new-member class"),
    "recognition_vote": ("chi bộ xét công nhận chính thức", "recognition vote"),
    "recognition_decision": ("quyết định công nhận chính thức", "recognition decision"),
    "exit": ("kết thúc hồ sơ", "closing of the case"),
    "transferred_in": ("nhận chuyển đến", "transfer in"),
}
_KIND_EN = {
    UnitKind.COMMITTEE: "committee",
    UnitKind.SUBORDINATE_COMMITTEE: "subordinate committee",
    UnitKind.GRASSROOTS_COMMITTEE: "grassroots committee",
    UnitKind.GRASSROOTS_BRANCH: "grassroots branch",
    UnitKind.BRANCH: "branch",
    UnitKind.CELL: "party cell",
}
_AUTHORITY = {
    AdmissionAuthority.GRASSROOTS_COMMITTEE: (
        "đảng ủy cơ sở được ủy quyền",
        "the authorised grassroots committee",
    ),
    AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE: (
        "ban thường vụ cấp ủy cấp trên",
        "the superior committee's standing committee",
    ),
    AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS: (
        "thường trực cấp ủy và các ủy viên ban thường vụ là trưởng các ban đảng",
        "the standing officers with the standing-committee members heading the party departments",
    ),
}
_OVER_60_PLACE = {
    Over60Place.NO_PARTY_ORGANISATION: (
        "công tác, cư trú ở cơ sở chưa có tổ chức đảng, chưa có đảng viên",
        "works or lives where there is no party organisation",
    ),
    Over60Place.SPECIAL_NEED: ("do yêu cầu đặc biệt", "a special need"),
}
_RECOGNITION_FORM_EN = {
    RecognitionForm.SELF_REVIEW: "self-review (10-KNĐ)",
    RecognitionForm.HELPER_COMMENT: "helper's comment (11-KNĐ)",
    RecognitionForm.COMMENTS_SUMMARY: "summary of the organisations' comments (12-KNĐ)",
    RecognitionForm.GRASSROOTS_RESOLUTION: "grassroots committee resolution (15-KNĐ)",
}
_BASIS = {
    CountingBasis.DECISION_DATE: ("ngày quyết định kết nạp", "the admission decision date"),
    CountingBasis.CEREMONY_DATE: ("ngày tổ chức lễ kết nạp", "the admission ceremony date"),
}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _step(step: str) -> tuple[str, str]:
    if step.startswith("recognition_vote_failed_"):
        attempt = step.rsplit("_", 1)[-1]
        return (
            f"lần biểu quyết công nhận thứ {attempt} không đạt",
            f"failed recognition vote {attempt}",
        )
    for prefix, vi, en in (
        ("branch_vote_failed_", "chi bộ biểu quyết kết nạp không đạt lần", "failed branch vote"),
        ("committee_vote_failed_", "đảng ủy biểu quyết không đạt lần", "failed committee vote"),
    ):
        if step.startswith(prefix):
            attempt = step.removeprefix(prefix)
            return f"{vi} {attempt}", f"{en} {attempt}"
    return _STEP.get(step, (step, step.replace("_", " ")))


def _period(period: Period) -> Summary:
    start, end = period.start, period.end
    if period.kind is PeriodKind.TERM:
        return Summary(f"nhiệm kỳ {start.year}–{end.year}", f"the {start.year}–{end.year} term")
    if period.kind is PeriodKind.YEAR:
        return Summary(f"năm {start.year}", f"{start.year}")
    if period.kind is PeriodKind.QUARTER:
        quarter = (start.month - 1) // 3 + 1
        return Summary(f"quý {_ROMAN[quarter]}/{start.year}", f"Q{quarter} {start.year}")
    return Summary(f"tháng {start.month}/{start.year}", f"{start:%m/%Y}")


def _target(target: QuotaTarget) -> Summary:
    low_vi, high_vi = _number(target.minimum, True), _number(target.maximum, True)
    low_en, high_en = _number(target.minimum, False), _number(target.maximum, False)
    if target.kind is TargetKind.PERCENT_OF_HEADCOUNT:
        if target.minimum == target.maximum:
            return Summary(f"≥ {low_vi}% số đảng viên", f"≥ {low_en} % of the members")
        return Summary(f"{low_vi}–{high_vi}% số đảng viên", f"{low_en}–{high_en} % of the members")
    if target.kind is TargetKind.RANGE and target.minimum != target.maximum:
        return Summary(f"{low_vi}–{high_vi} đảng viên mới", f"{low_en}–{high_en} new members")
    return Summary(f"{low_vi} đảng viên mới", f"{low_en} new members")


def _votes(votes_for: int, eligible: int) -> tuple[str, str]:
    return f"{votes_for}/{eligible}", f"{votes_for} of {eligible}"


# --- registration -----------------------------------------------------------------------------
def _register(
    aggregate: str, name: str, prefix: Callable[[Any], str] | None
) -> Callable[[Summarizer], Summarizer]:
    def decorate(body: Summarizer) -> Summarizer:
        def summarizer(event: Any, agg: Any, units: UnitLookup) -> Summary:
            text = body(event, agg, units)
            if prefix is None:
                return text
            head = prefix(agg)
            return Summary(f"{head} — {text.vi}", f"{head} — {text.en}")

        SUMMARIES[f"{aggregate}.{name}"] = summarizer
        return body

    return decorate


def _candidate(name: str) -> Callable[[Summarizer], Summarizer]:
    """Register a candidate event's summary; it is prefixed with the case code."""
    return _register("Candidate", name, lambda agg: str(agg.case_code))


def _org_unit(name: str) -> Callable[[Summarizer], Summarizer]:
    return _register("OrgUnit", name, None)


def _quota(name: str) -> Callable[[Summarizer], Summarizer]:
    return _register("QuotaPlan", name, None)


def _policy(name: str) -> Callable[[Summarizer], Summarizer]:
    return _register("TenantPolicy", name, None)


# --- candidates -------------------------------------------------------------------------------
@_candidate("Discovered")
def _discovered(e: Any, agg: Any, units: UnitLookup) -> Summary:
    unit = _unit(units, e.unit_id)
    org_vi, org_en = _MASS_ORG[e.introduced_by]
    if e.introduced_by is MassOrganization.BRANCH:
        vi, en = f"Chi bộ phát hiện, mở hồ sơ tại {unit.vi}", f"Case opened by branch {unit.en}"
    else:
        vi = f"{org_vi} giới thiệu, mở hồ sơ tại {unit.vi}"
        en = f"Introduced by {org_en}, case opened in {unit.en}"
    if e.prior_membership is not None:
        left = _d(e.prior_membership.left_on)
        vi += f"; hồ sơ kết nạp lại (ra khỏi Đảng ngày {left})"
        en += f"; re-admission case (left the Party on {left})"
    return Summary(vi, en)


@_candidate("AddedToSympathizerList")
def _sympathizer(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    return Summary(
        f"Đưa vào danh sách cảm tình Đảng{ref.vi}", f"Added to the sympathizer list{ref.en}"
    )


@_candidate("HelperAssigned")
def _helper(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    count = len(agg.helpers)
    return Summary(
        f"Phân công đảng viên giúp đỡ (người thứ {count}){ref.vi}",
        f"Helping member assigned (helper {count}){ref.en}",
    )


@_candidate("TestTaskAssigned")
def _test_task(e: Any, agg: Any, units: UnitLookup) -> Summary:
    task = _short(e.task)
    return Summary(f"Giao nhiệm vụ thử thách: «{task}»", f"Test task assigned: “{task}”")


@_candidate("AwarenessCertificateRecorded")
def _awareness(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "GCN", "certificate")
    return Summary(
        f"Hoàn thành lớp bồi dưỡng nhận thức về Đảng{ref.vi}",
        f"Awareness class on the Party completed{ref.en}",
    )


@_candidate("ApplicationSubmitted")
def _application(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "đơn", "application")
    return Summary(
        f"Nộp đơn xin vào Đảng và lý lịch{ref.vi}",
        f"Application to join the Party and personal history submitted{ref.en}",
    )


@_candidate("SponsorAdded")
def _sponsor(e: Any, agg: Any, units: UnitLookup) -> Summary:
    sponsor = e.sponsor
    count = len(agg.sponsors)
    ref = _ref(e.document, "giấy giới thiệu", "letter")
    vi = f"Đảng viên {sponsor.member_id} giới thiệu, người giới thiệu thứ {count}"
    en = f"Sponsored by member {sponsor.member_id}, sponsor {count}"
    if sponsor.replacement:
        vi += " (giới thiệu thay thế)"
        en += " (replacement sponsor)"
    return Summary(vi + ref.vi, en + ref.en)


@_candidate("UnionIntroductionRecorded")
def _union_introduction(e: Any, agg: Any, units: UnitLookup) -> Summary:
    org_vi, org_en = _MASS_ORG[e.organization]
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(f"{org_vi} cơ sở giới thiệu{ref.vi}", f"Introduced by {org_en}{ref.en}")


@_candidate("BackgroundVerified")
def _verified(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "kết luận", "conclusion")
    if e.passed:
        return Summary(f"Thẩm tra lý lịch: đạt{ref.vi}", f"Background verification passed{ref.en}")
    return Summary(
        f"Thẩm tra lý lịch: không đạt{ref.vi}", f"Background verification failed{ref.en}"
    )


@_candidate("CommentsRecorded")
def _comments(e: Any, agg: Any, units: UnitLookup) -> Summary:
    source = _short(e.source, 60)
    ref = _ref(e.document)
    return Summary(
        f"Tổng hợp ý kiến nhận xét của {source}{ref.vi}", f"Comments of {source} recorded{ref.en}"
    )


@_candidate("BranchResolutionRecorded")
def _branch_resolution(e: Any, agg: Any, units: UnitLookup) -> Summary:
    votes_vi, votes_en = _votes(e.votes_for, e.official_members)
    ref = _ref(e.document, "NQ", "resolution")
    vi = f"Chi bộ biểu quyết kết nạp: {votes_vi} đảng viên chính thức tán thành{ref.vi}"
    en = f"Branch resolution to admit: {votes_en} official members in favour{ref.en}"
    exceptions = len(e.exception_documents)
    if exceptions:
        vi += f"; kèm {exceptions} văn bản cho phép ngoại lệ"
        en += f"; with {exceptions} exception document{'s' if exceptions > 1 else ''}"
    return Summary(vi, en)


@_candidate("CommitteeResolutionRecorded")
def _committee_resolution(e: Any, agg: Any, units: UnitLookup) -> Summary:
    votes_vi, votes_en = _votes(e.votes_for, e.committee_members)
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(
        f"Đảng ủy cơ sở biểu quyết đề nghị kết nạp: {votes_vi} đảng ủy viên tán thành{ref.vi}",
        f"Grassroots committee resolution to admit: {votes_en} committee members in favour{ref.en}",
    )


@_candidate("AdmissionDecided")
def _admission_decided(e: Any, agg: Any, units: UnitLookup) -> Summary:
    by_vi, by_en = _AUTHORITY[e.decided_by]
    ref = _ref(e.document, "QĐ", "decision")
    vi = f"Quyết định kết nạp của {by_vi}{ref.vi}"
    en = f"Admission decided by {by_en}{ref.en}"
    if e.extension is not None:
        ext = _ref(e.extension)
        vi += f"; quá 60 ngày làm việc, có văn bản gia hạn{ext.vi}"
        en += f"; past 60 working days, with an extension{ext.en}"
    return Summary(vi, en)


@_candidate("AdmittedAtCeremony")
def _ceremony(e: Any, agg: Any, units: UnitLookup) -> Summary:
    on, until = _d(e.occurred_on), _d(e.probation_ends_on)
    vi = f"Tổ chức lễ kết nạp ngày {on}, trở thành đảng viên dự bị đến {until}"
    en = f"Admitted at the ceremony of {on}; probationary member until {until}"
    if e.superior_consent is not None:
        consent = _ref(e.superior_consent)
        vi += f"; tổ chức muộn, có văn bản đồng ý của cấp trên{consent.vi}"
        en += f"; held late with the superior committee's consent{consent.en}"
    return Summary(vi, en)


@_candidate("NewMemberClassRecorded")
def _new_member_class(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "GCN", "certificate")
    return Summary(
        f"Hoàn thành lớp bồi dưỡng đảng viên mới{ref.vi}", f"New-member class completed{ref.en}"
    )


@_candidate("Over60AdmissionConsented")
def _over_60_consented(e: Any, agg: Any, units: UnitLookup) -> Summary:
    place_vi, place_en = _OVER_60_PLACE[e.conditions.place]
    ref = _ref(e.document, "VB", "consent")
    return Summary(
        f"Ban thường vụ cấp ủy trực thuộc Trung ương đồng ý kết nạp người trên 60 tuổi (có sức "
        f"khỏe, có uy tín, {place_vi}){ref.vi}",
        f"Consent to admit a person over 60 (good health, prestige, {place_en}){ref.en}",
    )


@_candidate("RecognitionDocumentRecorded")
def _recognition_document(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    return Summary(
        f"Hồ sơ công nhận chính thức: {e.form.label_vi}{ref.vi}",
        f"Recognition dossier: {_RECOGNITION_FORM_EN[e.form]}{ref.en}",
    )


@_candidate("RecognitionVoted")
def _recognition_voted(e: Any, agg: Any, units: UnitLookup) -> Summary:
    votes_vi, votes_en = _votes(e.votes_for, e.official_members)
    ref = _ref(e.document, "NQ", "resolution")
    vi = f"Chi bộ biểu quyết đề nghị công nhận đảng viên chính thức: {votes_vi} tán thành{ref.vi}"
    en = f"Branch resolution to recognise as full member: {votes_en} in favour{ref.en}"
    if e.late:
        vi += "; quá thời hạn 30 ngày làm việc"
        en += "; past the 30-working-day deadline"
    return Summary(vi, en)


@_candidate("RecognitionVoteFailed")
def _recognition_vote_failed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    votes_vi, votes_en = _votes(e.votes_for, e.official_members)
    ref = _ref(e.document, "NQ", "resolution")
    vi = (
        f"Chi bộ biểu quyết công nhận chính thức không đạt (lần {e.attempt}): "
        f"{votes_vi} tán thành{ref.vi}"
    )
    en = f"Recognition vote failed (attempt {e.attempt}): {votes_en} in favour{ref.en}"
    if agg.escalated_to_superior:
        vi += "; chuyển cấp ủy cấp trên xem xét, quyết định"
        en += "; referred to the superior committee"
    return Summary(vi, en)


@_candidate("AwarenessCertificateRenewed")
def _awareness_renewed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "GCN", "certificate")
    return Summary(
        f"Học lại lớp bồi dưỡng nhận thức về Đảng, giấy chứng nhận mới{ref.vi}",
        f"Awareness class attended again, certificate renewed{ref.en}",
    )


@_candidate("SponsorReplaced")
def _sponsor_replaced(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "giấy giới thiệu", "letter")
    new, old = e.sponsor.member_id, e.replaced.member_id
    if new == old:
        return Summary(
            f"Đảng viên {new} làm lại giấy giới thiệu{ref.vi}",
            f"Member {new} redid the sponsor letter{ref.en}",
        )
    return Summary(
        f"Đảng viên {new} giới thiệu thay đảng viên {old}{ref.vi}",
        f"Member {new} sponsors in place of member {old}{ref.en}",
    )


@_candidate("UnionIntroductionReplaced")
def _union_introduction_replaced(e: Any, agg: Any, units: UnitLookup) -> Summary:
    org_vi, org_en = _MASS_ORG[e.organization]
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(
        f"{org_vi} cơ sở làm lại nghị quyết giới thiệu{ref.vi}",
        f"New introducing resolution of {org_en}{ref.en}",
    )


@_candidate("CommentSummaryReplaced")
def _comments_replaced(e: Any, agg: Any, units: UnitLookup) -> Summary:
    source = _short(e.source, 60)
    ref = _ref(e.document)
    return Summary(
        f"Làm lại tổng hợp ý kiến nhận xét của {source}{ref.vi}",
        f"Comments of {source} redone{ref.en}",
    )


@_candidate("BranchVoteFailed")
def _branch_vote_failed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    votes_vi, votes_en = _votes(e.votes_for, e.official_members)
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(
        f"Chi bộ biểu quyết kết nạp không đạt hai phần ba (lần {e.attempt}): {votes_vi} đảng "
        f"viên chính thức tán thành{ref.vi}; báo cáo cấp ủy cấp trên",
        f"Branch vote to admit failed (attempt {e.attempt}): {votes_en} official members in "
        f"favour{ref.en}; reported to the superior committee",
    )


@_candidate("CommitteeVoteFailed")
def _committee_vote_failed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    votes_vi, votes_en = _votes(e.votes_for, e.committee_members)
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(
        f"Đảng ủy cơ sở biểu quyết không đạt hai phần ba (lần {e.attempt}): {votes_vi} đảng ủy "
        f"viên tán thành{ref.vi}; báo cáo cấp ủy cấp trên",
        f"Grassroots committee vote failed (attempt {e.attempt}): {votes_en} committee members "
        f"in favour{ref.en}; reported to the superior committee",
    )


@_candidate("StepRecordedLate")
def _step_late(e: Any, agg: Any, units: UnitLookup) -> Summary:
    step_vi, step_en = _step(e.flag.step)
    due = f" (hạn {_d(e.flag.due_on)})" if e.flag.due_on else ""
    due_en = f" (due {_d(e.flag.due_on)})" if e.flag.due_on else ""
    return Summary(
        f"Bước «{step_vi}» quá hạn{due}: ghi nhận, chờ kiểm điểm trách nhiệm [{e.flag.code}]",
        f"Step '{step_en}' late{due_en}: recorded, responsibility review open [{e.flag.code}]",
    )


@_candidate("DelayReviewed")
def _delay_reviewed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    step_vi, step_en = _step(e.step)
    ref = _ref(e.document, "biên bản", "record")
    return Summary(
        f"Kiểm điểm trách nhiệm về việc chậm «{step_vi}»{ref.vi}",
        f"Responsibility for the late '{step_en}' reviewed{ref.en}",
    )


@_candidate("RecognizedAsFullMember")
def _recognized(e: Any, agg: Any, units: UnitLookup) -> Summary:
    since = _d(e.full_member_since)
    ref = _ref(e.document, "QĐ", "decision")
    vi = f"Quyết định công nhận đảng viên chính thức từ ngày {since}{ref.vi}"
    en = f"Recognised as a full member from {since}{ref.en}"
    if e.extension is not None:
        ext = _ref(e.extension)
        vi += f"; có văn bản gia hạn{ext.vi}"
        en += f"; with an extension{ext.en}"
    return Summary(vi, en)


@_candidate("Rejected")
def _rejected(e: Any, agg: Any, units: UnitLookup) -> Summary:
    reason_vi, reason_en = _EXIT_REASON[e.reason]
    ref = _ref(e.document)
    return Summary(f"Không kết nạp: {reason_vi}{ref.vi}", f"Not admitted: {reason_en}{ref.en}")


@_candidate("Withdrawn")
def _withdrawn(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    return Summary(f"Quần chúng xin rút khỏi hồ sơ{ref.vi}", f"The candidate withdrew{ref.en}")


@_candidate("RemovedFromList")
def _removed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    reason_vi, reason_en = _EXIT_REASON[e.reason]
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(
        f"Xóa tên đảng viên dự bị: {reason_vi}{ref.vi}",
        f"Removed from the list of probationary members: {reason_en}{ref.en}",
    )


@_candidate("MembershipEnded")
def _membership_ended(e: Any, agg: Any, units: UnitLookup) -> Summary:
    reason_vi, reason_en = _EXIT_REASON[e.reason]
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(
        f"Đưa ra khỏi Đảng: {reason_vi}{ref.vi}", f"Membership ended: {reason_en}{ref.en}"
    )


@_candidate("MovedToUnit")
def _moved_to_unit(e: Any, agg: Any, units: UnitLookup) -> Summary:
    source, target = _unit(units, e.from_unit_id), _unit(units, e.to_unit_id)
    ref = _ref(e.document)
    return Summary(
        f"Chuyển sinh hoạt từ {source.vi} sang {target.vi}{ref.vi}",
        f"Moved from {source.en} to {target.en}{ref.en}",
    )


@_candidate("TransferredOut")
def _transferred_out(e: Any, agg: Any, units: UnitLookup) -> Summary:
    destination = _short(e.destination, 100)
    stage: Stage = e.stage_at_transfer
    ref = _ref(e.document)
    return Summary(
        f"Chuyển hồ sơ đi {destination}, đang ở bước «{stage.label_vi}»{ref.vi}",
        f"Transferred out to {destination} at stage “{_STAGE_EN[stage]}”{ref.en}",
    )


@_candidate("TransferredIn")
def _transferred_in(e: Any, agg: Any, units: UnitLookup) -> Summary:
    origin = _short(e.origin, 100)
    stage: Stage = e.stage
    ref = _ref(e.document)
    unit = _unit(units, agg.unit_id)
    vi = f"Nhận hồ sơ chuyển đến từ {origin} vào {unit.vi}, ở bước «{stage.label_vi}»{ref.vi}"
    en = f"Received from {origin} into {unit.en} at stage “{_STAGE_EN[stage]}”{ref.en}"
    dossier = getattr(e, "dossier", None)  # absent from events stored before issue 13
    if dossier is not None:
        vi += f"; kèm {len(dossier.documents())} văn bản hồ sơ"
        en += f"; with {len(dossier.documents())} dossier documents"
    merged = getattr(e, "merged_from", None)
    if merged is not None:
        vi += f"; hợp nhất từ '{merged.tenant}' (mã {merged.code}, phiên bản {merged.version})"
        en += f"; merged from '{merged.tenant}' (code {merged.code}, version {merged.version})"
    if e.ceremony_on is not None:
        vi += f"; ngày kết nạp {_d(e.ceremony_on)}"
        en += f"; admitted on {_d(e.ceremony_on)}"
    return Summary(vi, en)


@_candidate("StepDateCorrected")
def _step_date_corrected(e: Any, agg: Any, units: UnitLookup) -> Summary:
    step_vi, step_en = _step(e.step)
    before, after = _d(e.previous_date), _d(e.corrected_date)
    reason = _short(e.reason)
    ref = _ref(e.document)
    vi = f"Đính chính ngày của bước «{step_vi}»: {before} → {after}{ref.vi}; lý do: {reason}"
    en = f"Date of step “{step_en}” corrected: {before} → {after}{ref.en}; reason: {reason}"
    flags = getattr(e, "flags", ())  # events stored before issue 13 carry none
    if flags:
        vi += "; cảnh báo: " + ", ".join(f"{_rule_name(f.code)[0]} ({f.code})" for f in flags)
        en += "; flagged: " + ", ".join(f"{_rule_name(f.code)[1]} ({f.code})" for f in flags)
    return Summary(vi, en)


#: How a corrected profile field is named in a summary (others by their field name).
_PROFILE_FIELD = {
    "full_name": ("họ và tên", "full name"),
    "birth_date": ("ngày sinh", "birth date"),
    "gender": ("giới tính", "gender"),
    "ethnicity": ("dân tộc", "ethnic group"),
    "religion": ("tôn giáo", "religion"),
    "education": ("trình độ giáo dục phổ thông", "general education"),
    "professional_level": ("trình độ chuyên môn", "professional level"),
    "political_theory": ("trình độ lý luận chính trị", "political theory level"),
    "occupation": ("nghề nghiệp", "occupation"),
    "workplace_type": ("loại hình nơi làm việc", "kind of workplace"),
    "identity_number": ("số định danh cá nhân", "identity number"),
    "is_youth_union_member": ("đoàn viên Đoàn Thanh niên", "Youth Union membership"),
    "is_trade_union_member": ("đoàn viên Công đoàn", "Trade Union membership"),
}


def profile_field_name(field: str) -> tuple[str, str]:
    """The Vietnamese and English names of a profile field."""
    return _PROFILE_FIELD.get(field, (field, field.replace("_", " ")))


def _rule_name(code: str) -> tuple[str, str]:
    for rule in ALL_RULES:
        if rule.code == code:
            return rule.name_vi, rule.name_en
    return code, code


@_candidate("ProfileCorrected")
def _profile_corrected(e: Any, agg: Any, units: UnitLookup) -> Summary:
    """Names the corrected fields, never their values: summaries are stored in clear, the values
    are personal data (the API shows them decrypted to roles that may read them)."""
    ref = _ref(e.document)
    names = [profile_field_name(c.field) for c in getattr(e, "changes", ())]
    if not names:  # stored before corrections carried their fields
        return Summary(
            f"Đính chính thông tin cá nhân trong hồ sơ{ref.vi}",
            f"Personal data of the case corrected{ref.en}",
        )
    return Summary(
        f"Đính chính thông tin cá nhân trong hồ sơ: {', '.join(vi for vi, _ in names)}{ref.vi}",
        f"Personal data of the case corrected: {', '.join(en for _, en in names)}{ref.en}",
    )


# --- organisation units -----------------------------------------------------------------------
def _self(agg: Any) -> str:
    return str(UnitLabel(agg.code, agg.name))


@_org_unit("Created")
def _unit_created(e: Any, agg: Any, units: UnitLookup) -> Summary:
    kind: UnitKind = e.kind
    name = str(UnitLabel(e.code, e.name))
    ref = _ref(e.document, "QĐ", "decision")
    vi = f"Thành lập {name}"
    if not e.name.lower().startswith(kind.label_vi):
        vi += f", loại {kind.label_vi}"
    en = f"{name} established as a {_KIND_EN[kind]}"
    if e.parent_id is not None:
        parent = _unit(units, e.parent_id)
        vi += f", trực thuộc {parent.vi}"
        en += f" under {parent.en}"
    return Summary(vi + ref.vi, en + ref.en)


@_org_unit("Renamed")
def _unit_renamed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    previous = agg.names[-2][1] if len(agg.names) > 1 else agg.name
    ref = _ref(e.document, "QĐ", "decision")
    since = _d(e.occurred_on)
    return Summary(
        f"Đổi tên đơn vị {agg.code}: «{previous}» → «{e.name}» từ ngày {since}{ref.vi}",
        f"Unit {agg.code} renamed from “{previous}” to “{e.name}” as of {since}{ref.en}",
    )


@_org_unit("Moved")
def _unit_moved(e: Any, agg: Any, units: UnitLookup) -> Summary:
    old, new = _unit(units, e.old_parent_id), _unit(units, e.new_parent_id)
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(
        f"Chuyển {_self(agg)} từ {old.vi} về trực thuộc {new.vi}{ref.vi}",
        f"{_self(agg)} moved from {old.en} to {new.en}{ref.en}",
    )


@_org_unit("MergedInto")
def _unit_merged(e: Any, agg: Any, units: UnitLookup) -> Summary:
    target = _unit(units, e.target_id)
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(
        f"Hợp nhất {_self(agg)} vào {target.vi}{ref.vi}",
        f"{_self(agg)} merged into {target.en}{ref.en}",
    )


@_org_unit("Absorbed")
def _unit_absorbed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    source = _unit(units, e.source_id)
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(
        f"{_self(agg)} tiếp nhận {source.vi} hợp nhất vào{ref.vi}",
        f"{_self(agg)} absorbed {source.en}{ref.en}",
    )


@_org_unit("Dissolved")
def _unit_dissolved(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(f"Giải thể {_self(agg)}{ref.vi}", f"{_self(agg)} dissolved{ref.en}")


@_org_unit("HeadcountReported")
def _headcount(e: Any, agg: Any, units: UnitLookup) -> Summary:
    on = _d(e.occurred_on)
    ref = _ref(e.document)
    return Summary(
        f"Số đảng viên của {_self(agg)} ngày {on}: {e.members}{ref.vi}",
        f"{_self(agg)} had {e.members} members on {on}{ref.en}",
    )


@_org_unit("YouthUnionOrganisationDeclared")
def _youth_union_declared(e: Any, agg: Any, units: UnitLookup) -> Summary:
    on, ref = _d(e.occurred_on), _ref(e.document)
    if e.present:
        return Summary(
            f"{_self(agg)} có tổ chức cơ sở Đoàn Thanh niên từ ngày {on}{ref.vi}",
            f"{_self(agg)} has a Youth Union organisation from {on}{ref.en}",
        )
    return Summary(
        f"{_self(agg)} không có tổ chức cơ sở Đoàn Thanh niên từ ngày {on}{ref.vi}",
        f"{_self(agg)} has no Youth Union organisation from {on}{ref.en}",
    )


@_org_unit("AdmissionAuthoritySet")
def _authority_set(e: Any, agg: Any, units: UnitLookup) -> Summary:
    by_vi, by_en = _AUTHORITY[e.authority]
    ref = _ref(e.document, "QĐ", "decision")
    return Summary(
        f"Thẩm quyền quyết định kết nạp của {_self(agg)}: {by_vi}{ref.vi}",
        f"Admissions of {_self(agg)} are decided by {by_en}{ref.en}",
    )


# --- quotas -----------------------------------------------------------------------------------
@_quota("Set")
def _quota_set(e: Any, agg: Any, units: UnitLookup) -> Summary:
    period, target, unit = _period(e.period), _target(e.target), _unit(units, e.unit_id)
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(
        f"Giao chỉ tiêu kết nạp {period.vi} cho {unit.vi}: {target.vi}{ref.vi}",
        f"Admission quota for {period.en} set for {unit.en}: {target.en}{ref.en}",
    )


@_quota("SupplementaryAssigned")
def _quota_supplementary(e: Any, agg: Any, units: UnitLookup) -> Summary:
    period, unit = _period(agg.period), _unit(units, agg.unit_id)
    amount = f"{e.amount:+d}"
    reason = _short(e.reason)
    ref = _ref(e.document, "VB", "letter")
    return Summary(
        f"Giao bổ sung {amount} chỉ tiêu {period.vi} cho {unit.vi}{ref.vi}; lý do: {reason}",
        f"Supplementary quota of {amount} for {period.en} assigned to {unit.en}{ref.en}; "
        f"reason: {reason}",
    )


@_quota("Adjusted")
def _quota_adjusted(e: Any, agg: Any, units: UnitLookup) -> Summary:
    period, target, unit = _period(agg.period), _target(e.target), _unit(units, agg.unit_id)
    since = _d(e.occurred_on)
    reason = _short(e.reason)
    ref = _ref(e.document, "VB", "letter")
    return Summary(
        f"Điều chỉnh chỉ tiêu {period.vi} của {unit.vi} thành {target.vi} từ ngày {since}"
        f"{ref.vi}; lý do: {reason}",
        f"Quota for {period.en} of {unit.en} adjusted to {target.en} from {since}{ref.en}; "
        f"reason: {reason}",
    )


@_quota("OpeningBalanceRecorded")
def _quota_opening_balance(e: Any, agg: Any, units: UnitLookup) -> Summary:
    period, unit = _period(agg.period), _unit(units, agg.unit_id)
    day = _d(e.as_of)
    ref = _ref(e.document, "BC", "report")
    return Summary(
        f"Số dư đầu kỳ {period.vi} của {unit.vi}: {e.admitted} đã kết nạp tính đến ngày {day}"
        f", theo số liệu báo cáo{ref.vi}",
        f"Opening balance for {period.en} of {unit.en}: {e.admitted} admitted up to {day}, "
        f"counted in a past report{ref.en}",
    )


# --- tenant policy ----------------------------------------------------------------------------
def _ratio(low: Decimal, high: Decimal) -> Summary:
    return Summary(
        f"{_number(low, True)}–{_number(high, True)} lần chỉ tiêu",
        f"{_number(low, False)}–{_number(high, False)} × the quota",
    )


@_policy("Created")
def _policy_created(e: Any, agg: Any, units: UnitLookup) -> Summary:
    basis_vi, basis_en = _BASIS[agg.counting_basis]
    ratio = _ratio(*agg.source_pool_ratio)
    days = agg.stalled_after_days
    return Summary(
        f"Khởi tạo chính sách của đảng bộ: tính kết nạp theo {basis_vi}; nguồn {ratio.vi}; "
        f"hồ sơ tồn đọng sau {days} ngày",
        f"Committee policy created: admissions counted by {basis_en}; source pool {ratio.en}; "
        f"cases stalled after {days} days",
    )


@_policy("CountingBasisChosen")
def _policy_basis(e: Any, agg: Any, units: UnitLookup) -> Summary:
    basis_vi, basis_en = _BASIS[e.basis]
    return Summary(
        f"Chọn cách tính kết nạp vào chỉ tiêu: theo {basis_vi}",
        f"Admissions count towards quotas by {basis_en}",
    )


@_policy("SourcePoolRatioSet")
def _policy_ratio(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ratio = _ratio(e.minimum, e.maximum)
    return Summary(
        f"Đặt tỷ lệ nguồn quần chúng: {ratio.vi}", f"Source-pool ratio set to {ratio.en}"
    )


@_policy("StalledThresholdSet")
def _policy_stalled(e: Any, agg: Any, units: UnitLookup) -> Summary:
    return Summary(
        f"Hồ sơ không có bước mới sau {e.days} ngày được coi là tồn đọng",
        f"A case with no step for {e.days} days counts as stalled",
    )


@_policy("DayOffDeclared")
def _policy_day_off(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    return Summary(
        f"Khai báo ngày nghỉ {_d(e.day)} (không tính vào thời hạn){ref.vi}",
        f"{_d(e.day)} declared a day off (deadlines skip it){ref.en}",
    )


@_policy("WorkingDayDeclared")
def _policy_working_day(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    return Summary(
        f"Khai báo ngày làm việc bù {_d(e.day)}{ref.vi}",
        f"{_d(e.day)} declared a working day{ref.en}",
    )


@_policy("CongressRecorded")
def _policy_congress(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document, "NQ", "resolution")
    return Summary(
        f"Ghi nhận đại hội đảng bộ khai mạc ngày {_d(e.occurred_on)} (mốc nhiệm kỳ){ref.vi}",
        f"Committee congress opened on {_d(e.occurred_on)} recorded (a term boundary){ref.en}",
    )


# --- tenant merges (issue 13) -------------------------------------------------------------------
@_register("MergeClosing", "TenantClosedByMerge", None)
def _merge_closed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    into = _short(e.into, 40)
    return Summary(
        f"Hợp nhất vào đơn vị sử dụng '{into}' từ ngày {_d(e.occurred_on)}; khóa sổ{ref.vi}",
        f"Merged into tenant '{into}' from {_d(e.occurred_on)}; history closed{ref.en}",
    )


@_register("MergeReception", "TenantMergeReceived", None)
def _merge_received(e: Any, agg: Any, units: UnitLookup) -> Summary:
    ref = _ref(e.document)
    source = _short(e.source, 40)
    under = _unit(units, e.under_unit_id)
    point = f"{e.checkpoint.position} ({e.checkpoint.head_hash[:16]}…)"
    return Summary(
        f"Nhận hợp nhất đơn vị sử dụng '{source}' từ ngày {_d(e.occurred_on)} vào {under.vi}; "
        f"điểm kiểm tra đóng sổ tại vị trí {point}{ref.vi}",
        f"Merge of tenant '{source}' from {_d(e.occurred_on)} received under {under.en}; "
        f"closing checkpoint at position {point}{ref.en}",
    )


@_register("MergeReception", "MergeArrivalsRecorded", None)
def _merge_arrivals(e: Any, agg: Any, units: UnitLookup) -> Summary:
    renamed = [a.source_code for a in (*e.units, *e.cases) if a.source_code != a.target_code]
    codes_vi = f"; đổi mã do trùng: {', '.join(renamed)}" if renamed else ""
    codes_en = f"; codes taken, prefixed: {', '.join(renamed)}" if renamed else ""
    return Summary(
        f"Nhận từ '{agg.source}': {len(e.units)} đơn vị, {len(e.cases)} hồ sơ{codes_vi}",
        f"Arrived from '{agg.source}': {len(e.units)} units, {len(e.cases)} cases{codes_en}",
    )


@_register("MergeReception", "TenantMergeCompleted", None)
def _merge_completed(e: Any, agg: Any, units: UnitLookup) -> Summary:
    return Summary(
        f"Hoàn tất hợp nhất '{agg.source}': {e.units} đơn vị, {e.cases} hồ sơ, "
        f"{len(e.collisions)} mã trùng",
        f"Merge of '{agg.source}' completed: {e.units} units, {e.cases} cases, "
        f"{len(e.collisions)} codes prefixed",
    )
