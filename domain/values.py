"""Value objects shared by the aggregates: who acted, on which document, about whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain import inputs as spec
from domain.classifications import Ethnicity, Religion
from domain.errors import InvalidInput
from domain.inputs import value


class Role(Enum):
    """Roles a user may hold in a tenant (see ARCHITECTURE.md, Security)."""

    ORGANIZER = "organizer"
    BRANCH_SECRETARY = "branch_secretary"
    LEADER = "leader"
    AUDITOR = "auditor"
    PLATFORM_OPERATOR = "platform_operator"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who recorded an action: the user id from the token and the role they acted in."""

    user_id: str
    role: Role

    def __post_init__(self) -> None:
        if not self.user_id.strip():
            raise InvalidInput(
                "ACTOR_REQUIRED",
                "Thiếu người thực hiện thao tác.",
                "The acting user is missing.",
                field="actor",
            )


@value
class DocumentRef:
    """A document backing a step (văn bản): form, number, date, issuer."""

    kind: str = spec.code('Form of the document, e.g. "6-KNĐ".', spaces=True)
    number: str = spec.code('Its number, e.g. "12/NQ-CB".', spaces=True)
    issued_on: date = spec.day("Its date (ngày ban hành).")
    issuer: str = spec.name("The issuing body (cơ quan ban hành).")

    def __post_init__(self) -> None:
        for name in ("kind", "number", "issuer"):
            if not str(getattr(self, name)).strip():
                raise InvalidInput(
                    "DOCUMENT_INCOMPLETE",
                    f"Văn bản thiếu thông tin bắt buộc: {name}.",
                    f"The document reference is missing its {name}.",
                    field=f"document.{name}",
                )

    def label(self) -> str:
        """Short human form: "6-KNĐ số 12/NQ-CB ngày 05/03/2024 (Chi bộ X)"."""
        return f"{self.kind} số {self.number} ngày {self.issued_on:%d/%m/%Y} ({self.issuer})"


class Gender(Enum):
    """Giới tính."""

    MALE = "male"
    FEMALE = "female"


class EducationLevel(Enum):
    """Trình độ giáo dục phổ thông (general education)."""

    NONE = "none"
    PRIMARY = "primary"  # tiểu học
    LOWER_SECONDARY = "lower_secondary"  # trung học cơ sở
    UPPER_SECONDARY = "upper_secondary"  # trung học phổ thông

    @property
    def rank(self) -> int:
        """Order of the levels, lowest first."""
        return list(EducationLevel).index(self)


class ProfessionalLevel(Enum):
    """Trình độ chuyên môn."""

    NONE = "none"
    VOCATIONAL = "vocational"  # sơ cấp, trung cấp nghề
    COLLEGE = "college"  # cao đẳng
    UNIVERSITY = "university"  # đại học
    POSTGRADUATE = "postgraduate"  # thạc sĩ, tiến sĩ


class PoliticalTheoryLevel(Enum):
    """Trình độ lý luận chính trị."""

    NONE = "none"
    ELEMENTARY = "elementary"  # sơ cấp
    INTERMEDIATE = "intermediate"  # trung cấp
    ADVANCED = "advanced"  # cao cấp


class Occupation(Enum):
    """Occupation categories the seeds ask to report on (cơ cấu đảng viên mới)."""

    WORKER = "worker"  # công nhân
    FARMER = "farmer"  # nông dân
    INTELLECTUAL = "intellectual"  # trí thức
    STUDENT = "student"  # học sinh, sinh viên
    PRIVATE_ENTERPRISE_EMPLOYEE = "private_enterprise_employee"  # người lao động DN tư nhân
    CIVIL_SERVANT = "civil_servant"  # cán bộ, công chức, viên chức
    ARMED_FORCES = "armed_forces"  # lực lượng vũ trang
    OTHER = "other"


class WorkplaceType(Enum):
    """Loại hình nơi làm việc."""

    STATE_ENTERPRISE = "state_enterprise"
    PRIVATE_ENTERPRISE = "private_enterprise"
    FOREIGN_INVESTED_ENTERPRISE = "foreign_invested_enterprise"
    PUBLIC_SERVICE_UNIT = "public_service_unit"
    STATE_AGENCY = "state_agency"
    SCHOOL = "school"
    RESIDENTIAL_AREA = "residential_area"
    OTHER = "other"


class MassOrganization(Enum):
    """Mass organizations that introduce candidates (tổ chức chính trị - xã hội)."""

    YOUTH_UNION = "youth_union"  # Đoàn Thanh niên
    TRADE_UNION = "trade_union"  # Công đoàn
    VETERANS_ASSOCIATION = "veterans_association"  # Hội Cựu chiến binh
    WOMENS_UNION = "womens_union"  # Hội Liên hiệp Phụ nữ
    BRANCH = "branch"  # found by the branch itself


class SpecialArea(Enum):
    """Areas where the education requirement may be lowered to primary (QĐ 24-QĐ/TW, 3.2)."""

    MOUNTAIN = "mountain"
    BORDER = "border"
    ISLAND = "island"
    ETHNIC_MINORITY = "ethnic_minority"
    VERY_POOR = "very_poor"
    OFFSHORE_FISHERMAN = "offshore_fisherman"
    VILLAGE_ELDER = "village_elder"  # già làng, trưởng bản: needs provincial approval


@value
class PersonProfile:
    """A candidate's personal data (lý lịch tóm tắt). Every fact the rules or the reports read
    is required: nothing is assumed for an omitted education, level, occupation, workplace,
    union membership, ethnicity or religion (docs/regulations.md)."""

    # Omitted facts once took defaults (upper secondary education passed the education rule;
    # ethnicities and religions were counted as Kinh and none). Profiles stored then, with
    # ethnicity and religion as free text, are read by service.transcoding.person_from_free_text.
    full_name: str = spec.name("Full name (họ và tên).")
    birth_date: date = spec.day("Date of birth (ngày sinh).")
    gender: Gender = spec.given("Gender (giới tính).")
    ethnicity: Ethnicity = spec.given(
        "Ethnic group (dân tộc): one of the 54 groups of Vietnam, or a foreign origin."
    )
    religion: Religion = spec.given(
        "Religion (tôn giáo): none, one of the recognised religions, or OTHER (then named in "
        "religionNote)."
    )
    education: EducationLevel = spec.given("General education (trình độ giáo dục phổ thông).")
    professional_level: ProfessionalLevel = spec.given("Professional level (trình độ chuyên môn).")
    political_theory: PoliticalTheoryLevel = spec.given(
        "Political theory level (trình độ lý luận chính trị)."
    )
    occupation: Occupation = spec.given("Occupation (nghề nghiệp).")
    workplace_type: WorkplaceType = spec.given("Kind of workplace (loại hình nơi làm việc).")
    is_youth_union_member: bool = spec.given(
        "Member of the Youth Union (đoàn viên Đoàn Thanh niên).", graphql_name="youthUnionMember"
    )
    is_trade_union_member: bool = spec.given(
        "Member of the Trade Union (đoàn viên Công đoàn).", graphql_name="tradeUnionMember"
    )
    identity_number: str = spec.identity("Identity card number (số định danh cá nhân).", default="")
    ethnicity_note: str = spec.name(
        "The ethnic group as written in the person's papers when it adds to the list's name (a "
        'local name, e.g. "Dao Đỏ"); optional. For records made before the list, the text then '
        "recorded.",
        default="",
    )
    religion_note: str = spec.name(
        "The religion's or religious organisation's name: required with OTHER, optional "
        'otherwise (e.g. "Phật giáo Nam tông Khmer"). For records made before the list, the '
        "text then recorded.",
        default="",
    )

    def __post_init__(self) -> None:
        if not self.full_name.strip():
            raise InvalidInput(
                "NAME_REQUIRED",
                "Họ và tên quần chúng không được để trống.",
                "The candidate's full name is required.",
                field="person.full_name",
            )
        if self.birth_date.year < 1900:
            raise InvalidInput(
                "BIRTH_DATE_INVALID",
                "Ngày sinh không hợp lệ.",
                "The birth date is not valid.",
                field="person.birth_date",
            )

    def check_input(self) -> None:
        """What a new profile must say that a stored one may not (records made before the lists
        may hold an undetermined ethnicity or an unnamed other religion)."""
        check_classified(self.ethnicity, self.religion, self.religion_note)


def check_classified(
    ethnicity: Ethnicity | None, religion: Religion | None, religion_note: str | None
) -> None:
    """Refuse an ethnicity left undetermined and another religion left unnamed (new input of a
    profile or of its correction: the fields' paths are the profile's)."""
    if ethnicity is Ethnicity.UNDETERMINED:
        raise InvalidInput(
            "ETHNICITY_UNDETERMINED",
            "Dân tộc phải là một trong 54 dân tộc Việt Nam hoặc người nước ngoài; «Chưa xác "
            "định» chỉ dùng cho hồ sơ ghi trước khi có danh mục.",
            "The ethnicity must be one of the 54 ethnic groups of Vietnam or a foreign origin; "
            "UNDETERMINED is only for records made before the list.",
            field="ethnicity",
        )
    if religion is Religion.OTHER and not (religion_note or "").strip():
        raise InvalidInput(
            "RELIGION_OTHER_UNNAMED",
            "Tôn giáo khác: phải ghi tên tôn giáo hoặc tổ chức tôn giáo (religionNote).",
            "Another religion (OTHER) must be named (religionNote).",
            field="religion_note",
        )


def require_not_before(
    later: date, earlier: date, *, what_vi: str, what_en: str, field: str
) -> None:
    """Refuse a business date that lies before the date it must follow."""
    if later < earlier:
        raise InvalidInput(
            "DATE_BEFORE_PREVIOUS_STEP",
            f"{what_vi} ({later:%d/%m/%Y}) không được trước ngày {earlier:%d/%m/%Y}.",
            f"{what_en} ({later:%d/%m/%Y}) cannot be before {earlier:%d/%m/%Y}.",
            field=field,
        )
