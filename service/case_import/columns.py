"""The import template's columns, declared once: the reader, the template and the docs use them.

One row per person. The first header row is Vietnamese (what a clerk reads); the second is the
column's key, in English (what the reader matches, so a renamed Vietnamese header still reads).
A file may give either header row or both; columns may come in any order and may be left out
when the person never reached their step. Each step already done has its business date and, when
the step has a document, the document's number (số văn bản) and, where it is not implied, its
issuer (nơi ban hành). The document's form is the step's (``6-KNĐ`` for the branch resolution…)
and its date is the step's date: the date of a resolution or decision is the day of the step.

Values of a list (gender, education, introducing organisation…) are read by their Vietnamese
label or their code, without regard to case or diacritics ("Trung học phổ thông",
"trung hoc pho thong", "UPPER_SECONDARY"); ethnicity and religion by the names of their lists
(``domain.classifications``). Dates are real dates in XLSX; in CSV ``dd/mm/yyyy`` or ISO
``yyyy-mm-dd``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from domain.candidates import ACTIVE_STAGES, ExitReason, Stage
from domain.classifications import Ethnicity, Religion, fold
from domain.rules import AdmissionAuthority, LeavingReason, Over60Place
from domain.values import (
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    SpecialArea,
    WorkplaceType,
)


class Kind(Enum):
    """How a column's cells are read."""

    TEXT = "text"  # names, notes: as written
    CODE = "code"  # codes and document numbers: as written, checked by the command's input rules
    DATE = "date"
    COUNT = "count"  # a whole number
    YES_NO = "yes_no"
    CHOICE = "choice"  # one value of a list


class ExitKind(Enum):
    """How a case left the procedure, if it did (the exit commands)."""

    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REMOVED_FROM_LIST = "removed_from_list"
    MEMBERSHIP_ENDED = "membership_ended"


#: Vietnamese labels of the lists' values (the codes are read too).
LABELS: dict[type[Enum], dict[Enum, str]] = {
    Gender: {Gender.MALE: "Nam", Gender.FEMALE: "Nữ"},
    EducationLevel: {
        EducationLevel.NONE: "Không",
        EducationLevel.PRIMARY: "Tiểu học",
        EducationLevel.LOWER_SECONDARY: "Trung học cơ sở",
        EducationLevel.UPPER_SECONDARY: "Trung học phổ thông",
    },
    ProfessionalLevel: {
        ProfessionalLevel.NONE: "Không",
        ProfessionalLevel.VOCATIONAL: "Sơ cấp, trung cấp",
        ProfessionalLevel.COLLEGE: "Cao đẳng",
        ProfessionalLevel.UNIVERSITY: "Đại học",
        ProfessionalLevel.POSTGRADUATE: "Sau đại học",
    },
    PoliticalTheoryLevel: {
        PoliticalTheoryLevel.NONE: "Không",
        PoliticalTheoryLevel.ELEMENTARY: "Sơ cấp",
        PoliticalTheoryLevel.INTERMEDIATE: "Trung cấp",
        PoliticalTheoryLevel.ADVANCED: "Cao cấp",
    },
    Occupation: {
        Occupation.WORKER: "Công nhân",
        Occupation.FARMER: "Nông dân",
        Occupation.INTELLECTUAL: "Trí thức",
        Occupation.STUDENT: "Học sinh, sinh viên",
        Occupation.PRIVATE_ENTERPRISE_EMPLOYEE: "Người lao động doanh nghiệp tư nhân",
        Occupation.CIVIL_SERVANT: "Cán bộ, công chức, viên chức",
        Occupation.ARMED_FORCES: "Lực lượng vũ trang",
        Occupation.OTHER: "Khác",
    },
    WorkplaceType: {
        WorkplaceType.STATE_ENTERPRISE: "Doanh nghiệp nhà nước",
        WorkplaceType.PRIVATE_ENTERPRISE: "Doanh nghiệp tư nhân",
        WorkplaceType.FOREIGN_INVESTED_ENTERPRISE: "Doanh nghiệp có vốn đầu tư nước ngoài",
        WorkplaceType.PUBLIC_SERVICE_UNIT: "Đơn vị sự nghiệp công lập",
        WorkplaceType.STATE_AGENCY: "Cơ quan nhà nước",
        WorkplaceType.SCHOOL: "Trường học",
        WorkplaceType.RESIDENTIAL_AREA: "Khu dân cư",
        WorkplaceType.OTHER: "Khác",
    },
    MassOrganization: {
        MassOrganization.YOUTH_UNION: "Đoàn Thanh niên",
        MassOrganization.TRADE_UNION: "Công đoàn",
        MassOrganization.VETERANS_ASSOCIATION: "Hội Cựu chiến binh",
        MassOrganization.WOMENS_UNION: "Hội Liên hiệp Phụ nữ",
        MassOrganization.BRANCH: "Chi bộ",
    },
    LeavingReason: {
        LeavingReason.REMOVED_FROM_LIST: "Xóa tên",
        LeavingReason.RESIGNED_FAMILY_HARDSHIP: "Xin ra vì hoàn cảnh gia đình",
        LeavingReason.EXPELLED: "Khai trừ",
        LeavingReason.RESIGNED: "Xin ra Đảng",
        LeavingReason.ABANDONED_ACTIVITIES: "Tự bỏ sinh hoạt Đảng",
        LeavingReason.SERIOUS_DISUNITY: "Gây mất đoàn kết nghiêm trọng",
        LeavingReason.SERIOUS_CRIME: "Phạm tội nghiêm trọng",
        LeavingReason.MINOR_CRIME: "Phạm tội ít nghiêm trọng",
        LeavingReason.CORRUPTION: "Tham nhũng",
    },
    SpecialArea: {
        SpecialArea.MOUNTAIN: "Miền núi",
        SpecialArea.BORDER: "Biên giới",
        SpecialArea.ISLAND: "Hải đảo",
        SpecialArea.ETHNIC_MINORITY: "Vùng đồng bào dân tộc thiểu số",
        SpecialArea.VERY_POOR: "Vùng đặc biệt khó khăn",
        SpecialArea.OFFSHORE_FISHERMAN: "Ngư dân bám biển",
        SpecialArea.VILLAGE_ELDER: "Già làng, trưởng bản",
    },
    AdmissionAuthority: {
        AdmissionAuthority.GRASSROOTS_COMMITTEE: "Đảng ủy cơ sở",
        AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE: "Ban Thường vụ cấp ủy cấp trên",
        AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS: "Thường trực Tỉnh ủy",
    },
    ExitReason: {
        ExitReason.NOT_QUALIFIED: "Không đủ tiêu chuẩn",
        ExitReason.VERIFICATION_FAILED: "Thẩm tra lý lịch không đạt",
        ExitReason.VOTE_FAILED: "Không đủ 2/3 tán thành",
        ExitReason.CANDIDATE_REQUEST: "Quần chúng xin rút",
        ExitReason.MOVED_AWAY: "Chuyển nơi làm việc, cư trú",
        ExitReason.DISCIPLINE: "Vi phạm tư cách",
        ExitReason.DECEASED: "Từ trần",
        ExitReason.OTHER: "Khác",
    },
    Over60Place: {
        Over60Place.NO_PARTY_ORGANISATION: "Nơi chưa có tổ chức đảng, đảng viên",
        Over60Place.SPECIAL_NEED: "Yêu cầu đặc biệt",
    },
    # a received case comes at a stage of an open case (``ReceiveTransferredCandidate``)
    Stage: {stage: stage.label_vi for stage in Stage if stage in ACTIVE_STAGES},
    ExitKind: {
        ExitKind.REJECTED: "Không kết nạp",
        ExitKind.WITHDRAWN: "Tự rút",
        ExitKind.REMOVED_FROM_LIST: "Xóa tên đảng viên dự bị",
        ExitKind.MEMBERSHIP_ENDED: "Đưa ra khỏi Đảng",
    },
}
#: "Có" / "Không" and their usual spellings.
YES = frozenset({"co", "x", "true", "1", "yes", "dat"})
NO = frozenset({"khong", "false", "0", "no", "khongdat"})


def label(member: Enum) -> str:
    """The Vietnamese label a template writes for ``member``."""
    if isinstance(member, Ethnicity | Religion):
        return member.label_vi
    return LABELS[type(member)][member]


def _index(kind: type[Enum]) -> dict[str, Enum]:
    index: dict[str, Enum] = {}
    for member, text in LABELS[kind].items():
        index[fold(text)] = member
        index[fold(member.name)] = member
    return index


_INDEXES: dict[type[Enum], dict[str, Enum]] = {kind: _index(kind) for kind in LABELS}


@lru_cache(maxsize=4096)
def choice_of(kind: type[Enum], text: str) -> Enum | None:
    """The member of ``kind`` written ``text`` (label or code, any case or diacritics); a
    column's few values recur on every row, so each is read once."""
    if kind in (Ethnicity, Religion):
        return kind.from_text(text)
    return _INDEXES[kind].get(fold(text))


def allowed(kind: type[Enum]) -> str:
    """The labels a cell of ``kind`` may hold, for messages and the template's notes."""
    if kind is Ethnicity:
        return "54 dân tộc Việt Nam (Kinh, Tày, Thái, …) hoặc Người nước ngoài"
    if kind is Religion:
        return "Không, Phật giáo, Công giáo, Tin lành, Cao Đài, Hòa Hảo, … hoặc Khác"
    return ", ".join(LABELS[kind].values())


@dataclass(frozen=True)
class Column:
    """One column of the template."""

    key: str
    vi: str
    en: str
    kind: Kind
    group: str
    choices: type[Enum] | None = None
    #: Needed on every row (the others are given when the step happened).
    required: bool = False
    note: str = ""


@dataclass(frozen=True)
class Group:
    """Columns of one step (or of the person): filled together when the step happened."""

    key: str
    vi: str
    en: str
    columns: tuple[Column, ...] = field(default=())


def _c(
    group: str,
    key: str,
    vi: str,
    en: str,
    kind: Kind = Kind.TEXT,
    *,
    choices: type[Enum] | None = None,
    required: bool = False,
    note: str = "",
) -> Column:
    return Column(f"{group}_{key}" if group else key, vi, en, kind, group, choices, required, note)


def _document(
    group: str, form: str, *, issuer: bool = True, which: str = "", issuer_note: str = ""
) -> list[Column]:
    """The number and (unless implied) the issuer of a step's document of ``form``."""
    columns = [
        _c(
            group,
            "no",
            f"Số văn bản ({form}{which})",
            f"Document number ({form}{which})",
            Kind.CODE,
        )
    ]
    if issuer:
        columns.append(
            _c(group, "by", f"Nơi ban hành ({form})", f"Issued by ({form})", note=issuer_note)
        )
    return columns


def _step(group: str, vi: str, en: str, *rest: Column) -> list[Column]:
    return [_c(group, "on", f"Ngày {vi}", f"Date: {en}", Kind.DATE), *rest]


_COLUMNS: list[Column] = [
    _c("", "case_code", "Mã hồ sơ", "Case code", Kind.CODE, required=True),
    _c("", "unit_code", "Mã chi bộ", "Branch (unit) code", Kind.CODE, required=True),
    # the person (lý lịch)
    _c("", "full_name", "Họ và tên", "Full name", required=True),
    _c("", "birth_date", "Ngày sinh", "Date of birth", Kind.DATE, required=True),
    _c("", "gender", "Giới tính", "Gender", Kind.CHOICE, choices=Gender, required=True),
    _c("", "ethnicity", "Dân tộc", "Ethnic group", Kind.CHOICE, choices=Ethnicity, required=True),
    _c("", "ethnicity_note", "Ghi chú dân tộc", "Ethnic group as written in the papers"),
    _c("", "religion", "Tôn giáo", "Religion", Kind.CHOICE, choices=Religion, required=True),
    _c("", "religion_note", "Tên tôn giáo (nếu Khác)", "Religion's name (with OTHER)"),
    _c(
        "",
        "education",
        "Giáo dục phổ thông",
        "General education",
        Kind.CHOICE,
        choices=EducationLevel,
        required=True,
    ),
    _c(
        "",
        "professional_level",
        "Chuyên môn",
        "Professional level",
        Kind.CHOICE,
        choices=ProfessionalLevel,
        required=True,
    ),
    _c(
        "",
        "political_theory",
        "Lý luận chính trị",
        "Political theory",
        Kind.CHOICE,
        choices=PoliticalTheoryLevel,
        required=True,
    ),
    _c(
        "",
        "occupation",
        "Nghề nghiệp",
        "Occupation",
        Kind.CHOICE,
        choices=Occupation,
        required=True,
    ),
    _c(
        "",
        "workplace_type",
        "Loại hình nơi làm việc",
        "Kind of workplace",
        Kind.CHOICE,
        choices=WorkplaceType,
        required=True,
    ),
    _c("", "identity_number", "Số định danh cá nhân", "Identity number", Kind.CODE),
    _c(
        "", "youth_union_member", "Đoàn viên TNCS", "Youth Union member", Kind.YES_NO, required=True
    ),
    _c(
        "",
        "trade_union_member",
        "Đoàn viên Công đoàn",
        "Trade Union member",
        Kind.YES_NO,
        required=True,
    ),
    # 1. discovery
    _c("discovered", "on", "Ngày phát hiện", "Date discovered", Kind.DATE, required=True),
    _c(
        "",
        "introduced_by",
        "Tổ chức giới thiệu",
        "Introduced by",
        Kind.CHOICE,
        choices=MassOrganization,
        required=True,
    ),
    # re-admission (kết nạp lại)
    _c("prior", "left_on", "Kết nạp lại: ngày ra khỏi Đảng", "Re-admission: date left", Kind.DATE),
    _c(
        "prior",
        "reason",
        "Kết nạp lại: lý do ra khỏi Đảng",
        "Re-admission: reason for leaving",
        Kind.CHOICE,
        choices=LeavingReason,
    ),
    _c(
        "prior",
        "expunged_on",
        "Kết nạp lại: ngày xóa án tích",
        "Re-admission: conviction expunged on",
        Kind.DATE,
    ),
    # 1'. or received from another committee (nhận chuyển đến) instead of discovered here
    _c(
        "received",
        "on",
        "Nhận chuyển đến: ngày nhận",
        "Received from another committee: date",
        Kind.DATE,
        note="Điền thay cho Ngày phát hiện (để trống Ngày phát hiện, Tổ chức giới thiệu, Kết nạp "
        "lại). Các bước có ngày đến ngày nhận là hồ sơ chuyển kèm; các bước sau là ở đây.",
    ),
    _c(
        "received",
        "from",
        "Nhận chuyển đến: nơi chuyển đi",
        "Received from (the sending committee)",
        note="Cũng là nơi ban hành văn bản chuyển và các nghị quyết làm ở nơi chuyển đi.",
    ),
    *_document("received", "văn bản chuyển đến", issuer=False),
    _c(
        "received",
        "stage",
        "Nhận chuyển đến: bước đã đạt",
        "Received at stage",
        Kind.CHOICE,
        choices=Stage,
    ),
    _c(
        "received",
        "full_since",
        "Nhận chuyển đến: ngày chính thức",
        "Received: a full member since",
        Kind.DATE,
        note="Chỉ khi nhận đảng viên chính thức.",
    ),
    # 2. sympathizer list, helper
    *_step("sympathizer", "vào danh sách cảm tình Đảng", "sympathizer list"),
    *_step(
        "helper",
        "phân công giúp đỡ",
        "helper assigned",
        _c("helper", "name", "Đảng viên giúp đỡ", "Helping member"),
    ),
    *_step(
        "task",
        "giao nhiệm vụ thử thách",
        "test task assigned",
        _c("task", "text", "Nhiệm vụ thử thách", "Test task"),
    ),
    # 3. awareness class
    *_step(
        "awareness",
        "GCN lớp nhận thức về Đảng",
        "awareness-class certificate",
        *_document("awareness", "GCN lớp nhận thức"),
    ),
    # 4. application and personal history
    *_step(
        "application",
        "làm đơn (1-KNĐ)",
        "application (1-KNĐ)",
        _c("application", "no", "Số đơn (1-KNĐ)", "Application number (1-KNĐ)", Kind.CODE),
        _c(
            "history",
            "no",
            "Số lý lịch (2-KNĐ)",
            "Personal history number (2-KNĐ)",
            Kind.CODE,
        ),
    ),
    # 5. sponsors (3-KNĐ) or a union's introduction (4-KNĐ)
    *(
        column
        for n in (1, 2)
        for column in _step(
            f"sponsor{n}",
            f"giới thiệu của đảng viên {n} (3-KNĐ)",
            f"sponsor {n}'s letter (3-KNĐ)",
            *_document(f"sponsor{n}", "3-KNĐ", issuer=False, which=f", người {n}"),
            _c(
                f"sponsor{n}",
                "id",
                f"Số thẻ đảng viên giới thiệu {n}",
                f"Sponsor {n}'s member id",
                Kind.CODE,
            ),
            _c(
                f"sponsor{n}",
                "name",
                f"Họ tên đảng viên giới thiệu {n}",
                f"Sponsor {n}'s full name",
            ),
            _c(
                f"sponsor{n}",
                "full_since",
                f"Ngày chính thức của đảng viên giới thiệu {n}",
                f"Sponsor {n} a full member since",
                Kind.DATE,
            ),
            _c(
                f"sponsor{n}",
                "together_since",
                f"Công tác cùng từ ngày (người giới thiệu {n})",
                f"Sponsor {n} worked with the candidate since",
                Kind.DATE,
            ),
        )
    ),
    *_step(
        "union",
        "nghị quyết giới thiệu của đoàn thể (4-KNĐ)",
        "a union's introducing resolution (4-KNĐ)",
        _c(
            "union",
            "organization",
            "Đoàn thể giới thiệu",
            "Introducing union",
            Kind.CHOICE,
            choices=MassOrganization,
        ),
        *_document("union", "4-KNĐ"),
    ),
    # 6. background verification and comments
    *_step(
        "verification",
        "kết luận thẩm tra lý lịch",
        "background verification",
        _c(
            "verification",
            "passed",
            "Kết quả thẩm tra (Đạt/Không đạt)",
            "Verification passed",
            Kind.YES_NO,
            note="Để trống: Đạt.",
        ),
        _c("verification", "conclusion", "Kết luận thẩm tra", "Verification conclusion"),
        *_document("verification", "KL thẩm tra"),
    ),
    *_step(
        "comments",
        "tổng hợp ý kiến nhận xét (5-KNĐ)",
        "comments summary (5-KNĐ)",
        _c("comments", "source", "Nơi nhận xét (5-KNĐ)", "Comments from (5-KNĐ)"),
        *_document("comments", "5-KNĐ", issuer=False),
    ),
    # 7. branch resolution: an earlier meeting whose vote failed (below 2/3), then the resolution
    *_step(
        "branch_failed",
        "chi bộ biểu quyết lần trước không đạt",
        "an earlier branch vote that failed",
        *_document("branch_failed", "6-KNĐ", issuer=False, which=", lần không đạt"),
        _c(
            "branch_failed",
            "members",
            "Số đảng viên chính thức (lần không đạt)",
            "Official members (failed vote)",
            Kind.COUNT,
        ),
        _c(
            "branch_failed",
            "votes",
            "Số tán thành (lần không đạt)",
            "Votes for (failed vote)",
            Kind.COUNT,
            note="Dưới 2/3 số đảng viên chính thức.",
        ),
    ),
    *_step(
        "branch",
        "nghị quyết chi bộ (6-KNĐ)",
        "branch resolution (6-KNĐ)",
        *_document("branch", "6-KNĐ", issuer=False),
        _c(
            "branch",
            "members",
            "Số đảng viên chính thức (6-KNĐ)",
            "Official members (6-KNĐ)",
            Kind.COUNT,
        ),
        _c("branch", "votes", "Số tán thành (6-KNĐ)", "Votes for (6-KNĐ)", Kind.COUNT),
        _c(
            "branch",
            "special_area",
            "Vùng đặc biệt (hạ chuẩn học vấn)",
            "Special area (education exception)",
            Kind.CHOICE,
            choices=SpecialArea,
        ),
        _c(
            "exception",
            "no",
            "Số văn bản cho phép hạ chuẩn",
            "Education exception: number",
            Kind.CODE,
        ),
        _c("exception", "by", "Nơi cho phép hạ chuẩn", "Education exception: issued by"),
        _c(
            "readmission",
            "no",
            "Số văn bản đồng ý kết nạp lại",
            "Re-admission consent: number",
            Kind.CODE,
        ),
        _c("readmission", "by", "Nơi đồng ý kết nạp lại", "Re-admission consent: issued by"),
        _c(
            "over60",
            "no",
            "Số văn bản đồng ý kết nạp người trên 60 tuổi",
            "Over-60 consent: number",
            Kind.CODE,
            note="Của ban thường vụ cấp ủy trực thuộc Trung ương; ngày văn bản: ngày nghị quyết chi "
            "bộ. Ghi kèm ba điều kiện dưới đây.",
        ),
        _c("over60", "by", "Nơi đồng ý kết nạp người trên 60 tuổi", "Over-60 consent: issued by"),
        _c("over60", "health", "Trên 60 tuổi: có sức khỏe", "Over 60: good health", Kind.YES_NO),
        _c("over60", "prestige", "Trên 60 tuổi: có uy tín", "Over 60: prestige", Kind.YES_NO),
        _c(
            "over60",
            "place",
            "Trên 60 tuổi: nơi công tác, cư trú",
            "Over 60: place or special need",
            Kind.CHOICE,
            choices=Over60Place,
        ),
    ),
    # 8. grassroots committee resolution
    *_step(
        "committee",
        "nghị quyết đảng ủy cơ sở (8-KNĐ)",
        "grassroots committee resolution (8-KNĐ)",
        *_document("committee", "8-KNĐ", issuer=False),
        _c(
            "committee",
            "members",
            "Số cấp ủy viên (8-KNĐ)",
            "Committee members (8-KNĐ)",
            Kind.COUNT,
        ),
        _c("committee", "votes", "Số tán thành (8-KNĐ)", "Votes for (8-KNĐ)", Kind.COUNT),
    ),
    # 9. admission decision
    *_step(
        "decision",
        "quyết định kết nạp (9-KNĐ)",
        "admission decision (9-KNĐ)",
        *_document("decision", "9-KNĐ"),
        _c(
            "decision",
            "authority",
            "Cấp quyết định kết nạp",
            "Decided by",
            Kind.CHOICE,
            choices=AdmissionAuthority,
            note="Để trống: cấp có thẩm quyền của tổ chức cơ sở.",
        ),
        *_document("decision_extension", "gia hạn quyết định kết nạp"),
    ),
    # 10. ceremony
    *_step(
        "ceremony",
        "lễ kết nạp",
        "admission ceremony",
        _c(
            "decision",
            "received_on",
            "Ngày chi bộ nhận quyết định",
            "Decision received on",
            Kind.DATE,
        ),
        *_document("ceremony_consent", "đồng ý tổ chức lễ kết nạp muộn"),
    ),
    # 11. new-member class
    *_step(
        "new_member_class",
        "GCN lớp đảng viên mới",
        "new-member class certificate",
        *_document("new_member_class", "GCN lớp đảng viên mới"),
    ),
    # 12. recognition
    _c(
        "recognition_papers",
        "on",
        "Ngày hồ sơ xét chính thức (10, 11, 12-KNĐ)",
        "Date of the recognition papers (10, 11, 12-KNĐ)",
        Kind.DATE,
    ),
    *_step(
        "recognition_vote",
        "chi bộ xét công nhận chính thức",
        "branch's recognition vote",
        *_document("recognition_vote", "NQ xét chính thức", issuer=False),
        _c(
            "recognition_vote",
            "members",
            "Số đảng viên chính thức (xét CT)",
            "Official members (recognition)",
            Kind.COUNT,
        ),
        _c(
            "recognition_vote",
            "votes",
            "Số tán thành (xét CT)",
            "Votes for (recognition)",
            Kind.COUNT,
        ),
    ),
    *_step(
        "recognition_committee",
        "nghị quyết đảng ủy cơ sở đề nghị công nhận (15-KNĐ)",
        "grassroots committee's recognition resolution (15-KNĐ)",
        *_document("recognition_committee", "15-KNĐ", issuer=False),
    ),
    *_step(
        "recognition",
        "quyết định công nhận chính thức",
        "recognition decision",
        *_document("recognition", "QĐ công nhận"),
        *_document("recognition_extension", "gia hạn QĐ công nhận"),
    ),
    # the review of who was responsible for a late step (kiểm điểm trách nhiệm)
    *(
        column
        for group, vi, en in (
            ("decision_review", "quyết định kết nạp", "admission decision"),
            ("ceremony_review", "lễ kết nạp", "ceremony"),
            ("recognition_review", "quyết định công nhận", "recognition decision"),
        )
        for column in (
            _c(
                group,
                "on",
                f"Ngày kiểm điểm chậm {vi}",
                f"Date: review of the late {en}",
                Kind.DATE,
                note=f"Khi {vi} ghi nhận quá hạn (không có văn bản gia hạn, đồng ý).",
            ),
            *_document(group, f"BB kiểm điểm chậm {vi}"),
        )
    ),
    # a move to another branch of the tenant (chuyển sinh hoạt)
    *_step(
        "move",
        "chuyển sinh hoạt sang chi bộ khác",
        "moved to another branch",
        _c(
            "move",
            "unit",
            "Chuyển đến chi bộ (mã)",
            "Moved to branch (code)",
            Kind.CODE,
            note="Các bước có ngày sau ngày chuyển là của chi bộ mới.",
        ),
        *_document(
            "move",
            "văn bản chuyển sinh hoạt",
            issuer_note="Để trống: đảng ủy cơ sở của chi bộ chuyển đi (tên vào ngày chuyển).",
        ),
    ),
    # exits
    _c("exit", "kind", "Ra khỏi quy trình", "Exit", Kind.CHOICE, choices=ExitKind),
    *_step(
        "exit",
        "ra khỏi quy trình",
        "exit",
        _c("exit", "reason", "Lý do", "Reason", Kind.CHOICE, choices=ExitReason),
        _c("exit", "explanation", "Giải thích", "Explanation"),
        *_document("exit", "văn bản"),
    ),
    _c("", "notes", "Ghi chú", "Notes"),
]

COLUMNS: tuple[Column, ...] = tuple(_COLUMNS)
BY_KEY: Mapping[str, Column] = {c.key: c for c in COLUMNS}
assert len(BY_KEY) == len(COLUMNS), "two columns share a key"


def _header_index() -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in COLUMNS:
        for name in (column.vi, column.key):
            assert index.setdefault(fold(name), column) is column, f"two columns read {name!r}"
    return index


#: Folded Vietnamese header or key → column (a header row may use either).
HEADERS: Mapping[str, Column] = _header_index()
