"""The rules of the admission procedure, each named once, with its source and dates in force.

Every check takes the business date of the action and cites the texts in force on that date:
the Charter (2006 until 18/01/2011, then 2011); the implementing regulations (the 10th term's,
then 45-QĐ/TW → 29-QĐ/TW → 24-QĐ/TW → 232-QĐ/TW → 294-QĐ/TW); the Secretariat's guidance
(01-HD/TW of 2012, 2016 and 2021 → 06-HD/TW); the Organisation Commission's operational guides
(12-HD/BTCTW 2012 → 09-HD/BTCTW 2017 → 12-HD/BTCTW 2022). docs/regulations.md lists every rule
with its text, source and dates, and what could not be confirmed. A violation raises
``RuleViolation`` with a stable code, a Vietnamese and an English message and the citation. Where
the procedure allows an exception with a consent document, the check accepts that document and
reports that the exception was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain import inputs as spec
from domain.errors import InvalidInput, RuleViolation
from domain.inputs import value
from domain.values import DocumentRef, EducationLevel, MassOrganization, SpecialArea
from domain.working_days import WorkingCalendar, add_months


@dataclass(frozen=True)
class Regulation:
    """A regulation text with the dates it is in force (``in_force_until`` inclusive).

    ``issued_on`` tells apart texts that share a number (three guidances numbered 01-HD/TW, two
    operational guides numbered 12-HD/BTCTW); it is None for a text cited generically because
    its number and date could not be confirmed (``confirmed`` False).
    """

    code: str
    title_vi: str
    in_force_from: date
    in_force_until: date | None = None
    issued_on: date | None = None
    confirmed: bool = True

    def in_force_on(self, day: date) -> bool:
        """Whether this text applies to an action on ``day``."""
        return self.in_force_from <= day and (
            self.in_force_until is None or day <= self.in_force_until
        )

    @property
    def label(self) -> str:
        """How a citation names the text: its number and, where numbers repeat, its date."""
        if self.issued_on is None:
            return self.code
        return f"{self.code} ngày {self.issued_on:%d/%m/%Y}"


#: The Party Charter (Điều lệ Đảng): the one adopted by the 10th Congress (2006), then the one
#: adopted by the 11th Congress, in force from 19/01/2011. The 2006 Charter is cited
#: generically: its adoption date is not confirmed by the project's sources.
CHARTERS: tuple[Regulation, ...] = (
    Regulation(
        "Điều lệ Đảng (Đại hội X, 2006)",
        "Điều lệ Đảng Cộng sản Việt Nam do Đại hội X thông qua",
        date.min,
        date(2011, 1, 18),
        confirmed=False,
    ),
    Regulation("Điều lệ Đảng (2011)", "Điều lệ Đảng Cộng sản Việt Nam", date(2011, 1, 19)),
)
CHARTER_2011 = CHARTERS[1]

#: The Central Committee's implementing regulations of the Charter (Quy định thi hành Điều lệ
#: Đảng). Before 45-QĐ/TW (01/11/2011) the regulation of the 10th term applied; its number and
#: dates are not confirmed, so it is cited generically.
IMPLEMENTING_REGULATIONS: tuple[Regulation, ...] = (
    Regulation(
        "Quy định thi hành Điều lệ Đảng (khóa X)",
        "Quy định thi hành Điều lệ Đảng của Ban Chấp hành Trung ương khóa X",
        date.min,
        date(2011, 10, 31),
        confirmed=False,
    ),
    Regulation("45-QĐ/TW", "Quy định thi hành Điều lệ Đảng", date(2011, 11, 1), date(2016, 7, 24)),
    Regulation("29-QĐ/TW", "Quy định thi hành Điều lệ Đảng", date(2016, 7, 25), date(2021, 7, 29)),
    Regulation("24-QĐ/TW", "Quy định thi hành Điều lệ Đảng", date(2021, 7, 30), date(2025, 1, 19)),
    Regulation("232-QĐ/TW", "Quy định thi hành Điều lệ Đảng", date(2025, 1, 20), date(2025, 6, 30)),
    Regulation("294-QĐ/TW", "Quy định thi hành Điều lệ Đảng", date(2025, 7, 1)),
)

#: The Secretariat's guidance (Hướng dẫn của Ban Bí thư, "một số vấn đề cụ thể thi hành Điều lệ
#: Đảng"). Each applies from its date until the next; 06-HD/TW (09/06/2025) guides 294-QĐ/TW and
#: is applied with it from 01/07/2025. Before 05/01/2012 the guidance of the 10th term applied
#: (not confirmed: cited generically).
GUIDANCE: tuple[Regulation, ...] = (
    Regulation(
        "Hướng dẫn thi hành Điều lệ Đảng (khóa X)",
        "Hướng dẫn của Ban Bí thư khóa X một số vấn đề cụ thể thi hành Điều lệ Đảng",
        date.min,
        date(2012, 1, 4),
        confirmed=False,
    ),
    Regulation(
        "01-HD/TW",
        "Hướng dẫn một số vấn đề cụ thể thi hành Điều lệ Đảng",
        date(2012, 1, 5),
        date(2016, 9, 19),
        issued_on=date(2012, 1, 5),
    ),
    Regulation(
        "01-HD/TW",
        "Hướng dẫn một số vấn đề cụ thể thi hành Điều lệ Đảng",
        date(2016, 9, 20),
        date(2021, 9, 27),
        issued_on=date(2016, 9, 20),
    ),
    Regulation(
        "01-HD/TW",
        "Hướng dẫn một số vấn đề cụ thể thi hành Điều lệ Đảng",
        date(2021, 9, 28),
        date(2025, 6, 30),
        issued_on=date(2021, 9, 28),
    ),
    Regulation(
        "06-HD/TW",
        "Hướng dẫn một số vấn đề cụ thể thi hành Điều lệ Đảng",
        date(2025, 7, 1),
        issued_on=date(2025, 6, 9),
    ),
)

#: The Central Organisation Commission's operational guides (Hướng dẫn nghiệp vụ công tác đảng
#: viên, Ban Tổ chức Trung ương) — the forms "…-KNĐ" and the dossiers. Before 17/05/2012 the
#: commission's earlier guide applied (not confirmed: cited generically). Whether a new guide
#: followed 06-HD/TW in 2025 is not confirmed: 12-HD/BTCTW (2022) is cited until then.
OPERATIONAL_GUIDES: tuple[Regulation, ...] = (
    Regulation(
        "Hướng dẫn nghiệp vụ công tác đảng viên (trước 2012)",
        "Hướng dẫn nghiệp vụ công tác đảng viên của Ban Tổ chức Trung ương trước năm 2012",
        date.min,
        date(2012, 5, 16),
        confirmed=False,
    ),
    Regulation(
        "12-HD/BTCTW",
        "Hướng dẫn một số vấn đề cụ thể về nghiệp vụ công tác đảng viên",
        date(2012, 5, 17),
        date(2017, 6, 4),
        issued_on=date(2012, 5, 17),
    ),
    Regulation(
        "09-HD/BTCTW",
        "Hướng dẫn một số vấn đề cụ thể về nghiệp vụ công tác đảng viên",
        date(2017, 6, 5),
        date(2022, 1, 17),
        issued_on=date(2017, 6, 5),
    ),
    Regulation(
        "12-HD/BTCTW",
        "Hướng dẫn một số vấn đề cụ thể về nghiệp vụ công tác đảng viên",
        date(2022, 1, 18),
        issued_on=date(2022, 1, 18),
    ),
)


def _in_force(texts: tuple[Regulation, ...], day: date) -> Regulation:
    """The text of ``texts`` in force on ``day``; the earliest one for older dates."""
    for text in texts:
        if text.in_force_on(day):
            return text
    return texts[0]


def charter_on(day: date) -> Regulation:
    """The Party Charter in force on ``day``."""
    return _in_force(CHARTERS, day)


def implementing_regulation_on(day: date) -> Regulation:
    """The implementing regulation of the Charter in force on ``day``."""
    return _in_force(IMPLEMENTING_REGULATIONS, day)


def guidance_on(day: date) -> Regulation:
    """The Secretariat's guidance in force on ``day``."""
    return _in_force(GUIDANCE, day)


def operational_guide_on(day: date) -> Regulation:
    """The Central Organisation Commission's operational guide in force on ``day``."""
    return _in_force(OPERATIONAL_GUIDES, day)


class Basis(Enum):
    """Which kind of text a rule rests on."""

    CHARTER = "charter"
    IMPLEMENTING = "implementing"
    GUIDANCE = "guidance"  # the Secretariat's guidance (…-HD/TW)
    OPERATIONAL_GUIDE = "operational_guide"  # the Organisation Commission's guide (…-HD/BTCTW)


_TEXTS_OF_BASIS = {
    Basis.IMPLEMENTING: IMPLEMENTING_REGULATIONS,
    Basis.GUIDANCE: GUIDANCE,
    Basis.OPERATIONAL_GUIDE: OPERATIONAL_GUIDES,
}


@dataclass(frozen=True)
class Rule:
    """A named rule of the procedure and the text it rests on.

    ``point`` is the article or point of that text (e.g. "điểm 4.2"), when the same point holds
    in every text of the chain the rule cites; a point that differs between texts, or that
    could not be confirmed, is left out of the citation (docs/regulations.md says which).
    """

    code: str
    name_vi: str
    name_en: str
    basis: Basis
    topic_vi: str
    point: str = ""

    def text_on(self, day: date) -> Regulation:
        """The text this rule cites for an action on ``day`` (the Charter for Charter rules)."""
        if self.basis is Basis.CHARTER:
            return charter_on(day)
        return _in_force(_TEXTS_OF_BASIS[self.basis], day)

    def cite(self, day: date) -> str:
        """The citation of this rule for an action on ``day``: only texts in force that day."""
        point = f", {self.point}" if self.point else ""
        if self.basis is Basis.CHARTER:
            return (
                f"{charter_on(day).label}{point}; {implementing_regulation_on(day).label}"
                f" — {self.topic_vi}"
            )
        return f"{self.text_on(day).label}{point} — {self.topic_vi}"

    def violation(self, day: date, message_vi: str, message_en: str, field: str) -> RuleViolation:
        """A ``RuleViolation`` of this rule for an action on ``day``."""
        return RuleViolation(
            self.code, message_vi, message_en, regulation=self.cite(day), field=field
        )

    def flag(
        self,
        step: str,
        day: date,
        message_vi: str,
        message_en: str,
        *,
        due_on: date | None = None,
        review_required: bool = False,
    ) -> Flag:
        """A ``Flag`` of this rule on a step recorded on ``day`` (the step stands, flagged)."""
        return Flag(
            code=self.code,
            step=step,
            on=day,
            due_on=due_on,
            message_vi=message_vi,
            message_en=message_en,
            regulation=self.cite(day),
            review_required=review_required,
        )


@dataclass(frozen=True)
class Flag:
    """A rule a recorded step did not meet (cờ): the meeting or the decision happened, so it is
    recorded, and the flag says which rule, on which date, with the rule's text.

    ``review_required`` opens an item: the committee reviews who was responsible for the delay
    (kiểm điểm trách nhiệm); ``reviewed_on`` and ``review_document`` close it.
    """

    code: str
    step: str
    on: date
    due_on: date | None
    message_vi: str
    message_en: str
    regulation: str
    review_required: bool = False
    reviewed_on: date | None = None
    review_document: DocumentRef | None = None

    @property
    def review_open(self) -> bool:
        """The responsibility review this flag asks for has not been recorded yet."""
        return self.review_required and self.reviewed_on is None


AGE = Rule(
    "AGE_OUT_OF_RANGE",
    "Tuổi đời",
    "Age",
    Basis.IMPLEMENTING,
    "tuổi đời người vào Đảng: đủ 18 đến đủ 60 tuổi, tính theo tháng",
)
OVER_60 = Rule(
    "OVER_60_CONDITIONS_NOT_MET",
    "Kết nạp người trên 60 tuổi",
    "Admission over 60",
    Basis.GUIDANCE,
    "người trên 60 tuổi: có sức khỏe và uy tín; công tác, cư trú ở cơ sở chưa có tổ chức đảng, "
    "chưa có đảng viên hoặc do yêu cầu đặc biệt; ban thường vụ cấp ủy trực thuộc Trung ương "
    "đồng ý bằng văn bản",
)
EDUCATION = Rule(
    "EDUCATION_INSUFFICIENT",
    "Trình độ học vấn",
    "Education",
    Basis.IMPLEMENTING,
    "trình độ học vấn: tốt nghiệp trung học cơ sở trở lên",
)
SPONSOR_FULL_MEMBER = Rule(
    "SPONSOR_NOT_FULL_MEMBER",
    "Người giới thiệu là đảng viên chính thức",
    "Sponsor is a full member",
    Basis.CHARTER,
    "Điều 4: người giới thiệu phải là đảng viên chính thức",
)
SPONSOR_TOGETHER = Rule(
    "SPONSOR_TOO_SHORT_TOGETHER",
    "Thời gian công tác cùng người giới thiệu",
    "Time worked with the sponsor",
    Basis.CHARTER,
    "Điều 4: cùng công tác, học tập, sinh sống ít nhất 12 tháng",
)
SPONSORSHIP_ROUTE = Rule(
    "SPONSORSHIP_ROUTE_INVALID",
    "Người và tổ chức giới thiệu",
    "Who introduces the candidate",
    Basis.CHARTER,
    "Điều 4: nơi có tổ chức Đoàn, người vào Đảng trong độ tuổi thanh niên do ban chấp hành đoàn "
    "cơ sở và một đảng viên chính thức giới thiệu; ban chấp hành công đoàn cơ sở và một đảng "
    "viên chính thức giới thiệu chỉ nơi không có tổ chức Đoàn",
)
AWARENESS_CERTIFICATE = Rule(
    "AWARENESS_CERTIFICATE_EXPIRED",
    "Giấy chứng nhận lớp bồi dưỡng",
    "Awareness-class certificate",
    Basis.IMPLEMENTING,
    "giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng có giá trị 60 tháng",
)
DOSSIER_FRESH = Rule(
    "DOSSIER_DOCUMENT_STALE",
    "Thời hạn giá trị của hồ sơ",
    "Validity of dossier documents",
    Basis.GUIDANCE,
    "giấy giới thiệu, nghị quyết giới thiệu, tổng hợp ý kiến quá 12 tháng phải làm lại",
)
TWO_THIRDS = Rule(
    "VOTE_BELOW_TWO_THIRDS",
    "Biểu quyết",
    "Vote",
    Basis.CHARTER,
    "Điều 4, Điều 5: được ít nhất hai phần ba số đảng viên chính thức tán thành",
)
ADMISSION_DECISION_DEADLINE = Rule(
    "ADMISSION_DECISION_LATE",
    "Thời hạn quyết định kết nạp",
    "Admission decision deadline",
    Basis.IMPLEMENTING,
    "cấp ủy có thẩm quyền quyết định trong 60 ngày làm việc (gia hạn tối đa 30)",
)
CEREMONY_DEADLINE = Rule(
    "CEREMONY_LATE",
    "Thời hạn tổ chức lễ kết nạp",
    "Admission ceremony deadline",
    Basis.IMPLEMENTING,
    "tổ chức lễ kết nạp trong 30 ngày làm việc kể từ khi nhận quyết định",
)
PROBATION = Rule(
    "PROBATION_NOT_ENDED",
    "Thời kỳ dự bị",
    "Probation",
    Basis.CHARTER,
    "Điều 5: thời kỳ dự bị 12 tháng kể từ ngày kết nạp",
)
RECOGNITION_VOTE_DEADLINE = Rule(
    "RECOGNITION_VOTE_LATE",
    "Thời hạn xét công nhận chính thức",
    "Recognition vote deadline",
    Basis.CHARTER,
    "Điều 5: chi bộ xét công nhận trong 30 ngày làm việc khi hết thời kỳ dự bị",
)
RECOGNITION_DECISION_DEADLINE = Rule(
    "RECOGNITION_DECISION_LATE",
    "Thời hạn quyết định công nhận",
    "Recognition decision deadline",
    Basis.IMPLEMENTING,
    "cấp ủy có thẩm quyền quyết định trong 30 ngày làm việc (gia hạn tối đa 30)",
)
NEW_MEMBER_CLASS = Rule(
    "NEW_MEMBER_CLASS_MISSING",
    "Lớp bồi dưỡng đảng viên mới",
    "New-member class",
    Basis.IMPLEMENTING,
    "đảng viên dự bị phải có giấy chứng nhận học lớp bồi dưỡng đảng viên mới",
)
RECOGNITION_VOTES_EXHAUSTED = Rule(
    "RECOGNITION_VOTES_EXHAUSTED",
    "Số lần xét công nhận",
    "Recognition vote attempts",
    Basis.IMPLEMENTING,
    "sau ba lần biểu quyết không đủ hai phần ba tán thành (chi bộ hoặc cấp ủy), báo cáo cấp ủy "
    "cấp trên trực tiếp và cấp ủy có thẩm quyền xem xét, quyết định",
    point="điểm 4.2c",
)
RECOGNITION_DOSSIER = Rule(
    "RECOGNITION_DOSSIER_INCOMPLETE",
    "Hồ sơ xét công nhận đảng viên chính thức",
    "Recognition dossier",
    Basis.OPERATIONAL_GUIDE,
    "hồ sơ công nhận chính thức: bản tự kiểm điểm (10-KNĐ), bản nhận xét của đảng viên giúp đỡ "
    "(11-KNĐ), tổng hợp ý kiến nhận xét của tổ chức đoàn thể (12-KNĐ), nghị quyết đề nghị của "
    "đảng ủy cơ sở (15-KNĐ) nơi chi bộ trực thuộc đảng ủy cơ sở",
)
READMISSION = Rule(
    "READMISSION_NOT_ALLOWED",
    "Kết nạp lại",
    "Re-admission",
    Basis.IMPLEMENTING,
    "kết nạp lại: ít nhất 36 tháng kể từ khi ra khỏi Đảng (người bị án hình sự về tội phạm ít "
    "nghiêm trọng: 60 tháng kể từ khi được xóa án tích), chỉ một lần, ban thường vụ tỉnh ủy, "
    "thành ủy hoặc tương đương đồng ý bằng văn bản",
)
ADMISSION_AUTHORITY = Rule(
    "ADMISSION_AUTHORITY_MISMATCH",
    "Thẩm quyền quyết định kết nạp",
    "Admission authority",
    Basis.IMPLEMENTING,
    "quyết định kết nạp do cấp ủy có thẩm quyền ban hành: đảng ủy cơ sở được ủy quyền; ban "
    "thường vụ cấp ủy cấp trên trực tiếp; ở tỉnh ủy, thành ủy, đảng ủy trực thuộc Trung ương, "
    "tập thể thường trực cấp ủy và các ủy viên ban thường vụ là trưởng các ban đảng cùng cấp",
)

ALL_RULES: tuple[Rule, ...] = (
    AGE,
    OVER_60,
    EDUCATION,
    SPONSOR_FULL_MEMBER,
    SPONSOR_TOGETHER,
    SPONSORSHIP_ROUTE,
    AWARENESS_CERTIFICATE,
    DOSSIER_FRESH,
    TWO_THIRDS,
    ADMISSION_DECISION_DEADLINE,
    CEREMONY_DEADLINE,
    PROBATION,
    RECOGNITION_VOTE_DEADLINE,
    RECOGNITION_DECISION_DEADLINE,
    NEW_MEMBER_CLASS,
    RECOGNITION_VOTES_EXHAUSTED,
    RECOGNITION_DOSSIER,
    READMISSION,
    ADMISSION_AUTHORITY,
)

MIN_AGE_MONTHS = 18 * 12
MAX_AGE_MONTHS = 60 * 12
SPONSOR_TOGETHER_MONTHS = 12
AWARENESS_CERTIFICATE_MONTHS = 60
DOSSIER_VALID_MONTHS = 12
DECISION_WORKING_DAYS = 60
DECISION_EXTENSION_WORKING_DAYS = 30
CEREMONY_WORKING_DAYS = 30
PROBATION_MONTHS = 12
RECOGNITION_VOTE_WORKING_DAYS = 30
RECOGNITION_DECISION_WORKING_DAYS = 30
RECOGNITION_DECISION_EXTENSION_WORKING_DAYS = 30
MAX_RECOGNITION_VOTES = 3
READMISSION_MIN_MONTHS = 36
#: After a conviction for a less serious crime (tội phạm ít nghiêm trọng): months from the day
#: the conviction was expunged (được xóa án tích).
READMISSION_AFTER_EXPUNGED_CONVICTION_MONTHS = 60
#: Youth Union age (độ tuổi thanh niên / tuổi đoàn viên): up to 30 inclusive, counted in months
#: like the Party's own age rule (the Youth Union's Charter: "tuổi từ 16 đến 30").
YOUTH_UNION_MAX_AGE_MONTHS = 30 * 12


def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def age_in_months(birth_date: date, on: date) -> int:
    """Age counted in calendar months, as the regulation counts it (the day is not considered)."""
    return (on.year - birth_date.year) * 12 + (on.month - birth_date.month)


class Over60Place(Enum):
    """Why a person over 60 is admitted (01-HD/TW 2016 and 2021, point 1.1)."""

    NO_PARTY_ORGANISATION = "no_party_organisation"  # công tác, cư trú ở cơ sở chưa có tổ chức
    # đảng, chưa có đảng viên
    SPECIAL_NEED = "special_need"  # do yêu cầu đặc biệt


@value
class Over60Conditions:
    """The conditions declared with the consent to admit a person over 60 (điều kiện kết nạp
    người trên 60 tuổi)."""

    good_health: bool = spec.given("The person has good health (có sức khỏe).")
    prestige: bool = spec.given("The person has prestige (có uy tín).")
    place: Over60Place = spec.given(
        "Works or lives where there is no party organisation or member, or a special need."
    )


def is_over_60(birth_date: date, on: date) -> bool:
    """Older than 60 years counted in months on ``on``."""
    return age_in_months(birth_date, on) > MAX_AGE_MONTHS


def check_age(birth_date: date, on: date, *, over_60_consent: DocumentRef | None) -> bool:
    """Age 18–60 inclusive in months on the branch meeting date; over 60 needs written consent
    of the standing committee of the committee directly under the Central Committee.

    Returns True when the over-60 consent was used (its conditions: ``check_over_60``).
    """
    months = age_in_months(birth_date, on)
    if months < MIN_AGE_MONTHS:
        raise AGE.violation(
            on,
            f"Quần chúng chưa đủ 18 tuổi vào ngày {_d(on)} ({months // 12} tuổi {months % 12} tháng).",
            f"The candidate is under 18 on {_d(on)} ({months // 12} years {months % 12} months).",
            "person.birth_date",
        )
    if months > MAX_AGE_MONTHS:
        if over_60_consent is None:
            raise OVER_60.violation(
                on,
                f"Quần chúng đã quá 60 tuổi vào ngày {_d(on)}; cần văn bản đồng ý của ban thường vụ "
                "cấp ủy trực thuộc Trung ương.",
                f"The candidate is over 60 on {_d(on)}; the written consent of the standing "
                "committee of the committee directly under the Central Committee is required.",
                "over_60_consent",
            )
        return True
    return False


def check_over_60(conditions: Over60Conditions | None, on: date) -> None:
    """Over 60: good health and prestige, and a place with no party organisation or member, or
    a special need — declared with the consent (01-HD/TW 2016, 2021 point 1.1; 06-HD/TW)."""
    missing_vi: list[str] = []
    missing_en: list[str] = []
    if conditions is None or not conditions.good_health:
        missing_vi.append("có sức khỏe")
        missing_en.append("good health")
    if conditions is None or not conditions.prestige:
        missing_vi.append("có uy tín")
        missing_en.append("prestige")
    if conditions is None:
        missing_vi.append("công tác, cư trú ở cơ sở chưa có tổ chức đảng hoặc do yêu cầu đặc biệt")
        missing_en.append("a place with no party organisation, or a special need")
    if missing_vi:
        raise OVER_60.violation(
            on,
            "Kết nạp người trên 60 tuổi phải đủ điều kiện: " + "; ".join(missing_vi) + ".",
            "Admitting a person over 60 requires: " + ", ".join(missing_en) + ".",
            "over_60_conditions",
        )


def check_education(
    level: EducationLevel,
    on: date,
    *,
    special_area: SpecialArea | None,
    exception_document: DocumentRef | None,
) -> bool:
    """Lower-secondary diploma; primary in special areas; village elders with provincial approval.

    Returns True when an exception was used (it must then be backed by ``exception_document``).
    """
    if level.rank >= EducationLevel.LOWER_SECONDARY.rank:
        return False
    allowed = special_area is SpecialArea.VILLAGE_ELDER or (
        special_area is not None and level.rank >= EducationLevel.PRIMARY.rank
    )
    if not allowed:
        raise EDUCATION.violation(
            on,
            "Quần chúng chưa tốt nghiệp trung học cơ sở"
            + ("" if special_area is None else ", cũng chưa đạt tiểu học theo diện ngoại lệ")
            + ".",
            "The candidate has no lower-secondary diploma"
            + ("" if special_area is None else ", nor primary education for the exception")
            + ".",
            "person.education",
        )
    if exception_document is None:
        raise EDUCATION.violation(
            on,
            "Áp dụng ngoại lệ về trình độ học vấn phải có văn bản của cấp có thẩm quyền.",
            "An education exception must be backed by a document of the competent body.",
            "education_exception_document",
        )
    return True


@value
class Sponsor:
    """A sponsoring full member (người giới thiệu, 3-KNĐ)."""

    member_id: str = spec.code("The sponsor's member id (số thẻ đảng viên).")
    full_name: str = spec.name("The sponsor's full name.")
    full_member_since: date | None = spec.day(
        "Since when the sponsor is a full member (đảng viên chính thức); null if not one (refused)."
    )
    together_since: date = spec.day(
        "Since when the sponsor has worked, studied or lived with the candidate (≥ 12 months "
        "required)."
    )
    replacement: bool = spec.given(
        "A replacement sponsor (giới thiệu thay thế), exempt from the 12 months.", default=False
    )

    def __post_init__(self) -> None:
        if not self.member_id.strip() or not self.full_name.strip():
            raise InvalidInput(
                "SPONSOR_INCOMPLETE",
                "Người giới thiệu phải có mã đảng viên và họ tên.",
                "A sponsor needs a member id and a full name.",
                field="sponsor",
            )


def check_sponsor(sponsor: Sponsor, on: date) -> None:
    """A sponsor is a full member who worked/studied/lived with the candidate ≥ 12 months.

    A replacement sponsor (giới thiệu thay thế) is exempt from the 12 months.
    """
    if sponsor.full_member_since is None or sponsor.full_member_since > on:
        raise SPONSOR_FULL_MEMBER.violation(
            on,
            f"Người giới thiệu {sponsor.full_name} chưa là đảng viên chính thức vào ngày {_d(on)}.",
            f"Sponsor {sponsor.full_name} is not a full member on {_d(on)}.",
            "sponsor.full_member_since",
        )
    if not sponsor.replacement and add_months(sponsor.together_since, SPONSOR_TOGETHER_MONTHS) > on:
        raise SPONSOR_TOGETHER.violation(
            on,
            f"Người giới thiệu {sponsor.full_name} mới cùng công tác với quần chúng từ "
            f"{_d(sponsor.together_since)}, chưa đủ 12 tháng.",
            f"Sponsor {sponsor.full_name} has worked with the candidate only since "
            f"{_d(sponsor.together_since)}, less than 12 months.",
            "sponsor.together_since",
        )


def is_youth_union_age(birth_date: date, on: date) -> bool:
    """Of Youth Union age (độ tuổi thanh niên) on ``on``: 30 or younger, counted in months."""
    return age_in_months(birth_date, on) <= YOUTH_UNION_MAX_AGE_MONTHS


def check_sponsorship_route(
    *,
    birth_date: date,
    member_sponsors: int,
    union: MassOrganization | None,
    youth_union_organisation: bool | None,
    on: date,
) -> None:
    """Who introduces the candidate (Charter Art. 4): where a Youth Union organisation exists, a
    candidate of Youth Union age is introduced by the Youth Union committee (4-KNĐ) and ONE full
    member; the Trade Union committee and one member only where there is no Youth Union; else
    two full members.

    ``youth_union_organisation`` is the unit's declared fact (None: never declared), needed only
    where it decides the route.
    """
    if union is MassOrganization.YOUTH_UNION:
        if youth_union_organisation is False:
            raise SPONSORSHIP_ROUTE.violation(
                on,
                "Đơn vị đã khai báo không có tổ chức Đoàn, không thể có nghị quyết giới thiệu "
                "của Ban Chấp hành Đoàn cơ sở.",
                "The unit is declared to have no Youth Union organisation: a Youth Union "
                "committee cannot introduce the candidate.",
                "organization",
            )
        return
    youth = is_youth_union_age(birth_date, on)
    if union is None and not youth:
        return  # two full members: the route of a candidate past Youth Union age, anywhere
    if youth_union_organisation is None:
        raise InvalidInput(
            "YOUTH_UNION_ORGANISATION_UNDECLARED",
            "Chưa khai báo đơn vị có tổ chức Đoàn Thanh niên hay không; khai báo trước "
            "(declareYouthUnionOrganisation) để xác định người và tổ chức giới thiệu.",
            "Whether the unit has a Youth Union organisation is not declared; declare it first "
            "(declareYouthUnionOrganisation) to decide who introduces the candidate.",
            field="youth_union_organisation",
        )
    if union is MassOrganization.TRADE_UNION and youth_union_organisation:
        raise SPONSORSHIP_ROUTE.violation(
            on,
            "Nơi có tổ chức Đoàn, Ban Chấp hành Công đoàn cơ sở không giới thiệu thay một đảng "
            "viên; người trong độ tuổi thanh niên do Ban Chấp hành Đoàn cơ sở giới thiệu.",
            "Where a Youth Union organisation exists the Trade Union committee does not stand in "
            "for a sponsor; a candidate of Youth Union age is introduced by the Youth Union.",
            "organization",
        )
    if union is None and youth and youth_union_organisation:
        raise SPONSORSHIP_ROUTE.violation(
            on,
            f"Quần chúng trong độ tuổi thanh niên vào ngày {_d(on)}, nơi có tổ chức Đoàn: phải "
            "được Ban Chấp hành Đoàn cơ sở (4-KNĐ) và một đảng viên chính thức giới thiệu, "
            "không phải hai đảng viên.",
            f"The candidate is of Youth Union age on {_d(on)} where a Youth Union organisation "
            "exists: the Youth Union committee (4-KNĐ) and one full member introduce them, not "
            "two members.",
            "sponsor",
        )


def check_awareness_certificate(issued_on: date, on: date) -> None:
    """The awareness-class certificate is valid 60 months on the branch meeting date."""
    expires = add_months(issued_on, AWARENESS_CERTIFICATE_MONTHS)
    if on > expires:
        raise AWARENESS_CERTIFICATE.violation(
            on,
            f"Giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng cấp ngày {_d(issued_on)} đã hết hạn "
            f"ngày {_d(expires)}; quần chúng phải học lại.",
            f"The awareness-class certificate of {_d(issued_on)} expired on {_d(expires)}; "
            "the candidate must attend the class again.",
            "awareness_certificate",
        )


def check_dossier_document_fresh(what_vi: str, what_en: str, dated: date, on: date) -> None:
    """Sponsor letters, union resolutions and comment summaries older than 12 months are redone."""
    expires = add_months(dated, DOSSIER_VALID_MONTHS)
    if on > expires:
        raise DOSSIER_FRESH.violation(
            on,
            f"{what_vi} ngày {_d(dated)} đã quá 12 tháng vào ngày chi bộ xét ({_d(on)}); phải làm lại.",
            f"The {what_en} of {_d(dated)} is older than 12 months when the branch considers the "
            f"dossier ({_d(on)}); it must be redone.",
            "dossier",
        )


def is_two_thirds(votes_for: int, eligible: int) -> bool:
    """At least two thirds of the eligible members agree."""
    return votes_for * 3 >= eligible * 2


def check_vote_counts(votes_for: int, eligible: int, on: date, field: str = "votes") -> None:
    """Vote counts are consistent: at least one eligible member, agreeing votes within 0..eligible."""
    if eligible <= 0 or votes_for < 0 or votes_for > eligible:
        raise InvalidInput(
            "VOTE_COUNTS_INVALID",
            f"Số phiếu không hợp lệ: {votes_for} tán thành trên {eligible} người có quyền biểu quyết.",
            f"Invalid vote counts: {votes_for} in favour of {eligible} entitled to vote.",
            field=field,
        )


def check_two_thirds(
    votes_for: int, eligible: int, on: date, *, body_vi: str, body_en: str
) -> None:
    """A resolution passes only when ≥ 2/3 of the official members (or committee members) agree."""
    check_vote_counts(votes_for, eligible, on)
    if not is_two_thirds(votes_for, eligible):
        share = 100 * votes_for / eligible
        raise TWO_THIRDS.violation(
            on,
            f"{body_vi}: chỉ {votes_for}/{eligible} ({share:.2f}%) tán thành, chưa đạt hai phần ba.",
            f"{body_en}: only {votes_for}/{eligible} ({share:.2f}%) in favour, below two thirds.",
            "votes_for",
        )


def failed_vote_flag(
    votes_for: int, eligible: int, on: date, *, step: str, body_vi: str, body_en: str
) -> Flag | None:
    """A vote below two thirds is a meeting that happened: it is recorded as failed, the case
    stays where it was, and the result is reported to the superior committee. None when the
    vote passed. Impossible counts are refused (``check_vote_counts``): that cannot have happened.
    """
    check_vote_counts(votes_for, eligible, on)
    if is_two_thirds(votes_for, eligible):
        return None
    share = 100 * votes_for / eligible
    return TWO_THIRDS.flag(
        step,
        on,
        f"{body_vi}: chỉ {votes_for}/{eligible} ({share:.2f}%) tán thành, chưa đạt hai phần ba; "
        "không đề nghị kết nạp, kết quả báo cáo cấp ủy cấp trên.",
        f"{body_en}: only {votes_for}/{eligible} ({share:.2f}%) in favour, below two thirds; "
        "no admission proposed, the result is reported to the superior committee.",
    )


def _late_decision(
    rule: Rule,
    step: str,
    what_vi: str,
    what_en: str,
    calendar: WorkingCalendar,
    counted_from: date,
    decided_on: date,
    working_days: int,
    extension_days: int,
    extension: DocumentRef | None,
) -> tuple[bool, Flag | None]:
    """A decision past its term is recorded and flagged late, with the review of who was
    responsible for the delay (kiểm điểm trách nhiệm) opened: the text asks for that review,
    it does not void the decision. Returns (whether the extension was used, the late flag)."""
    due = calendar.add_working_days(counted_from, working_days)
    if decided_on <= due:
        return False, None
    latest = calendar.add_working_days(due, extension_days)
    if extension is not None and decided_on <= latest:
        return True, None
    if extension is None:
        vi = (
            f"{what_vi} ngày {_d(decided_on)} quá {working_days} ngày làm việc (hạn {_d(due)}), "
            "không có văn bản gia hạn"
        )
        en = (
            f"The {what_en} of {_d(decided_on)} is past {working_days} working days (due "
            f"{_d(due)}) without an extension"
        )
    else:
        vi = f"{what_vi} ngày {_d(decided_on)} quá cả thời hạn gia hạn ({_d(latest)})"
        en = f"The {what_en} of {_d(decided_on)} is past even the extended deadline ({_d(latest)})"
    flag = rule.flag(
        step,
        decided_on,
        vi + "; ghi nhận, đánh dấu chậm, phải kiểm điểm trách nhiệm trước cấp ủy cấp trên.",
        en + "; recorded and flagged late, the responsibility for the delay must be reviewed "
        "before the superior committee.",
        due_on=due,
        review_required=True,
    )
    return extension is not None, flag


def admission_decision_lateness(
    calendar: WorkingCalendar,
    branch_resolution_on: date,
    decision_on: date,
    *,
    extension: DocumentRef | None,
) -> tuple[bool, Flag | None]:
    """Decision within 60 working days of the branch resolution, +30 at most with an extension;
    a later decision is recorded, flagged late, and the delay reviewed.

    Returns (whether the extension was used, the late flag or None).
    """
    return _late_decision(
        ADMISSION_DECISION_DEADLINE,
        "admission_decision",
        "Quyết định kết nạp",
        "admission decision",
        calendar,
        branch_resolution_on,
        decision_on,
        DECISION_WORKING_DAYS,
        DECISION_EXTENSION_WORKING_DAYS,
        extension,
    )


def ceremony_lateness(
    calendar: WorkingCalendar,
    decision_received_on: date,
    ceremony_on: date,
    *,
    superior_consent: DocumentRef | None,
) -> tuple[bool, Flag | None]:
    """Ceremony within 30 working days of receiving the decision, later with the superior's
    consent; a later ceremony without it is recorded (the member was admitted that day),
    flagged late, and the delay reviewed.

    Returns (whether the superior's consent was used, the late flag or None).
    """
    due = calendar.add_working_days(decision_received_on, CEREMONY_WORKING_DAYS)
    if ceremony_on <= due:
        return False, None
    if superior_consent is not None:
        return True, None
    return False, CEREMONY_DEADLINE.flag(
        "ceremony",
        ceremony_on,
        f"Lễ kết nạp ngày {_d(ceremony_on)} quá 30 ngày làm việc kể từ khi nhận quyết định "
        f"(hạn {_d(due)}) mà không có văn bản đồng ý của cấp ủy cấp trên; ghi nhận, đánh dấu "
        "chậm, phải kiểm điểm trách nhiệm.",
        f"The ceremony on {_d(ceremony_on)} is more than 30 working days after the decision "
        f"was received (due {_d(due)}) without the superior committee's consent; recorded and "
        "flagged late, the responsibility for the delay must be reviewed.",
        due_on=due,
        review_required=True,
    )


def probation_end(ceremony_on: date) -> date:
    """Probation lasts 12 months from the ceremony date; full membership dates from its end."""
    return add_months(ceremony_on, PROBATION_MONTHS)


def check_probation_ended(ceremony_on: date, on: date) -> None:
    """The branch may consider recognition only once the 12 months of probation are over."""
    ends = probation_end(ceremony_on)
    if on < ends:
        raise PROBATION.violation(
            on,
            f"Thời kỳ dự bị chưa kết thúc (kết thúc ngày {_d(ends)}).",
            f"Probation has not ended yet (it ends on {_d(ends)}).",
            "meeting_date",
        )


def recognition_vote_is_late(calendar: WorkingCalendar, ceremony_on: date, vote_on: date) -> bool:
    """The branch considers recognition within 30 working days after probation ends.

    A late vote is not refused (membership still dates from the end of probation) but is flagged.
    """
    due = calendar.add_working_days(probation_end(ceremony_on), RECOGNITION_VOTE_WORKING_DAYS)
    return vote_on > due


def recognition_vote_late_flag(vote_on: date) -> Flag:
    """The flag of a recognition vote held later than 30 working days after probation ended
    (recorded all the same: membership dates from the end of probation)."""
    return RECOGNITION_VOTE_DEADLINE.flag(
        "recognition_vote",
        vote_on,
        f"Chi bộ xét công nhận chính thức ngày {_d(vote_on)}, quá 30 ngày làm việc sau khi hết "
        "thời kỳ dự bị.",
        f"The branch considered recognition on {_d(vote_on)}, more than 30 working days after "
        "probation ended.",
    )


def recognition_decision_lateness(
    calendar: WorkingCalendar,
    branch_vote_on: date,
    decision_on: date,
    *,
    extension: DocumentRef | None,
) -> tuple[bool, Flag | None]:
    """Recognition decided within 30 working days of the branch vote, +30 with an extension; a
    later decision is recorded (membership still dates from probation's end), flagged late, and
    the delay reviewed.

    Returns (whether the extension was used, the late flag or None).
    """
    return _late_decision(
        RECOGNITION_DECISION_DEADLINE,
        "recognition_decision",
        "Quyết định công nhận",
        "recognition decision",
        calendar,
        branch_vote_on,
        decision_on,
        RECOGNITION_DECISION_WORKING_DAYS,
        RECOGNITION_DECISION_EXTENSION_WORKING_DAYS,
        extension,
    )


def check_new_member_class(certificate: DocumentRef | None, on: date) -> None:
    """Recognition requires the new-member class certificate (lớp bồi dưỡng đảng viên mới)."""
    if certificate is None:
        raise NEW_MEMBER_CLASS.violation(
            on,
            "Đảng viên dự bị chưa có giấy chứng nhận học lớp bồi dưỡng đảng viên mới.",
            "The probationary member has no new-member class certificate.",
            "new_member_class",
        )


def check_recognition_attempts(failed_votes: int, on: date) -> None:
    """After three failed branch votes the case goes to the superior committee."""
    if failed_votes >= MAX_RECOGNITION_VOTES:
        raise RECOGNITION_VOTES_EXHAUSTED.violation(
            on,
            "Chi bộ đã xét ba lần không đạt; hồ sơ phải chuyển cấp ủy cấp trên quyết định.",
            "The branch has voted three times without two thirds; the superior committee decides.",
            "votes_for",
        )


class RecognitionForm(Enum):
    """A paper of the recognition dossier (hồ sơ xét công nhận đảng viên chính thức)."""

    SELF_REVIEW = "10-KNĐ"  # bản tự kiểm điểm của đảng viên dự bị
    HELPER_COMMENT = "11-KNĐ"  # bản nhận xét của đảng viên được phân công giúp đỡ
    COMMENTS_SUMMARY = "12-KNĐ"  # tổng hợp ý kiến nhận xét của tổ chức đoàn thể
    GRASSROOTS_RESOLUTION = "15-KNĐ"  # nghị quyết đề nghị của đảng ủy cơ sở

    @property
    def label_vi(self) -> str:
        """Vietnamese name of the paper."""
        return _RECOGNITION_FORM_VI[self]


_RECOGNITION_FORM_VI = {
    RecognitionForm.SELF_REVIEW: "bản tự kiểm điểm (10-KNĐ)",
    RecognitionForm.HELPER_COMMENT: "bản nhận xét của đảng viên giúp đỡ (11-KNĐ)",
    RecognitionForm.COMMENTS_SUMMARY: "tổng hợp ý kiến nhận xét của tổ chức đoàn thể (12-KNĐ)",
    RecognitionForm.GRASSROOTS_RESOLUTION: "nghị quyết đề nghị của đảng ủy cơ sở (15-KNĐ)",
}
#: The papers the branch considers at its recognition vote.
BRANCH_RECOGNITION_FORMS = (
    RecognitionForm.SELF_REVIEW,
    RecognitionForm.HELPER_COMMENT,
    RecognitionForm.COMMENTS_SUMMARY,
)


def check_recognition_dossier(
    recorded: frozenset[RecognitionForm] | set[RecognitionForm],
    needed: tuple[RecognitionForm, ...],
    on: date,
) -> None:
    """Recognition needs its dossier: 10-, 11-, 12-KNĐ at the branch vote; 15-KNĐ at the
    decision where the branch sits under a grassroots committee."""
    missing = [form for form in needed if form not in recorded]
    if missing:
        raise RECOGNITION_DOSSIER.violation(
            on,
            "Hồ sơ xét công nhận đảng viên chính thức còn thiếu: "
            + ", ".join(form.label_vi for form in missing)
            + ".",
            "The recognition dossier lacks: " + ", ".join(form.value for form in missing) + ".",
            "recognition_documents",
        )


class LeavingReason(Enum):
    """Why a former member left the Party; some reasons bar re-admission."""

    REMOVED_FROM_LIST = "removed_from_list"  # xóa tên
    RESIGNED_FAMILY_HARDSHIP = "resigned_family_hardship"  # xin ra vì hoàn cảnh gia đình
    EXPELLED = "expelled"  # khai trừ, đã sửa chữa
    RESIGNED = "resigned"  # xin ra Đảng (không vì hoàn cảnh đặc biệt)
    ABANDONED_ACTIVITIES = "abandoned_activities"  # tự bỏ sinh hoạt Đảng
    SERIOUS_DISUNITY = "serious_disunity"  # gây mất đoàn kết nghiêm trọng
    SERIOUS_CRIME = "serious_crime"  # phạm tội nghiêm trọng
    MINOR_CRIME = "minor_crime"  # bị án hình sự về tội phạm ít nghiêm trọng (60 tháng sau xóa án)
    CORRUPTION = "corruption"  # tham nhũng, vi phạm lối sống nghiêm trọng


BARRED_LEAVING_REASONS = frozenset(
    {
        LeavingReason.RESIGNED,
        LeavingReason.ABANDONED_ACTIVITIES,
        LeavingReason.SERIOUS_DISUNITY,
        LeavingReason.SERIOUS_CRIME,
        LeavingReason.CORRUPTION,
    }
)


@value
class PriorMembership:
    """The earlier membership of a person to re-admit (kết nạp lại)."""

    left_on: date = spec.day("Date the person left the Party.")
    reason: LeavingReason = spec.given("Why (lý do ra khỏi Đảng).")
    readmitted_before: bool = spec.given(
        "Whether the person was already re-admitted once.", default=False
    )
    conviction_expunged_on: date | None = spec.day(
        "For a conviction for a less serious crime (reason MINOR_CRIME): the day the conviction "
        "was expunged (ngày được xóa án tích); re-admission 60 months after it.",
        default=None,
    )


def check_readmission_eligible(prior: PriorMembership, on: date) -> None:
    """Re-admission is barred for some reasons of leaving and allowed only once."""
    if prior.reason in BARRED_LEAVING_REASONS:
        raise READMISSION.violation(
            on,
            "Không xem xét kết nạp lại người ra khỏi Đảng vì lý do này.",
            "A person who left the Party for this reason cannot be re-admitted.",
            "prior_membership.reason",
        )
    if prior.readmitted_before:
        raise READMISSION.violation(
            on,
            "Chỉ được kết nạp lại một lần.",
            "Re-admission is allowed only once.",
            "prior_membership.readmitted_before",
        )


def check_readmission(prior: PriorMembership, on: date, *, consent: DocumentRef | None) -> None:
    """Re-admission: ≥ 36 months after leaving, only once, with the provincial standing
    committee's written consent, never for the barred reasons of leaving."""
    check_readmission_eligible(prior, on)
    earliest = add_months(prior.left_on, READMISSION_MIN_MONTHS)
    if prior.reason is LeavingReason.MINOR_CRIME:
        expunged = prior.conviction_expunged_on
        if expunged is None:
            raise READMISSION.violation(
                on,
                "Người bị án hình sự về tội phạm ít nghiêm trọng chỉ được xét kết nạp lại sau 60 "
                "tháng kể từ khi được xóa án tích; chưa có ngày xóa án tích.",
                "A person convicted of a less serious crime is re-admitted only 60 months after "
                "the conviction is expunged; the expungement date is missing.",
                "prior_membership.conviction_expunged_on",
            )
        after_expunged = add_months(expunged, READMISSION_AFTER_EXPUNGED_CONVICTION_MONTHS)
        if on < after_expunged:
            raise READMISSION.violation(
                on,
                f"Chưa đủ 60 tháng kể từ khi được xóa án tích ({_d(expunged)}); sớm nhất "
                f"{_d(after_expunged)}.",
                f"Less than 60 months since the conviction was expunged ({_d(expunged)}); "
                f"earliest {_d(after_expunged)}.",
                "prior_membership.conviction_expunged_on",
            )
    if on < earliest:
        raise READMISSION.violation(
            on,
            f"Chưa đủ 36 tháng kể từ khi ra khỏi Đảng ({_d(prior.left_on)}); sớm nhất {_d(earliest)}.",
            f"Less than 36 months since leaving the Party ({_d(prior.left_on)}); earliest "
            f"{_d(earliest)}.",
            "prior_membership.left_on",
        )
    if consent is None:
        raise READMISSION.violation(
            on,
            "Kết nạp lại phải có văn bản đồng ý của ban thường vụ tỉnh ủy, thành ủy hoặc tương "
            "đương.",
            "Re-admission needs the written consent of the provincial standing committee.",
            "readmission_consent",
        )


class AdmissionAuthority(Enum):
    """Who decides admissions for a unit (thẩm quyền quyết định kết nạp)."""

    GRASSROOTS_COMMITTEE = "grassroots_committee"  # đảng ủy cơ sở được ủy quyền
    SUPERIOR_STANDING_COMMITTEE = "superior_standing_committee"  # ban thường vụ cấp ủy cấp trên
    # tỉnh ủy, thành ủy, đảng ủy trực thuộc Trung ương: tập thể thường trực cấp ủy và các đồng chí
    # ủy viên ban thường vụ là trưởng các ban đảng cùng cấp (29-QĐ/TW point 4.3.2c and after)
    PROVINCIAL_STANDING_OFFICERS = "provincial_standing_officers"


def check_admission_authority(
    expected: AdmissionAuthority, decided_by: AdmissionAuthority, on: date
) -> None:
    """The admission decision is issued by the committee that holds authority over the unit.

    A unit declared under a provincial committee or a committee directly under the Central
    Committee (``PROVINCIAL_STANDING_OFFICERS``) may have its admissions decided by that
    committee's standing officers with the standing-committee members heading the party
    departments, or by its standing committee as a whole.
    """
    accepted = {expected}
    if expected is AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS:
        accepted.add(AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE)
    if decided_by not in accepted:
        raise ADMISSION_AUTHORITY.violation(
            on,
            "Quyết định kết nạp không do cấp ủy có thẩm quyền của đơn vị ban hành "
            f"(đơn vị thuộc thẩm quyền: {expected.value}).",
            "The admission decision was not issued by the committee with authority over the unit "
            f"(authority: {expected.value}).",
            "decided_by",
        )
