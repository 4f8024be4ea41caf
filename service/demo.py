"""The demo tenant: a provincial enterprise bloc modelled on the seed articles.

Everything goes through the command handlers, so the demo obeys every rule the real service
does. A few scripted cases make sure every event type of the domain appears (a failed
recognition vote escalated to the superior, a late ceremony with consent, a re-admission, a
transfer in and out, corrections); the rest are generated from a fixed seed, spread over every
stage with realistic dates — some overdue, some rejected, some withdrawn. The real paths of the
procedure recorded instead of refused (failed votes, a late decision and its responsibility
review, papers redone before the branch meeting) come last (``recorded_paths``).
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.candidates import ExitReason, Stage
from domain.classifications import Ethnicity, Religion
from domain.commands import (
    AcceptTransferredCase,
    AddSponsor,
    AddToSympathizerList,
    AdjustQuota,
    AssignHelper,
    AssignSupplementaryQuota,
    AssignTestTask,
    ChooseCountingBasis,
    CorrectProfile,
    CorrectStepDate,
    DeclareDayOff,
    DeclareWorkingDay,
    DeclareYouthUnionOrganisation,
    DiscoverCandidate,
    DissolveUnit,
    EndMembership,
    EstablishUnit,
    HoldAdmissionCeremony,
    MergeTenant,
    MergeUnits,
    MoveCandidate,
    MoveUnit,
    ProfileCorrection,
    ReceiveTransferredCandidate,
    RecordAdmissionDecision,
    RecordAwarenessCertificate,
    RecordBackgroundVerification,
    RecordBranchResolution,
    RecordComments,
    RecordCommitteeResolution,
    RecordCongress,
    RecordDelayReview,
    RecordNewMemberClass,
    RecordOpeningBalance,
    RecordRecognitionDecision,
    RecordRecognitionDocument,
    RecordRecognitionVote,
    RecordUnionIntroduction,
    RejectCandidate,
    RemoveFromList,
    RenameUnit,
    ReportHeadcount,
    SetAdmissionAuthority,
    SetQuota,
    SetSourcePoolRatio,
    SetStalledThreshold,
    SubmitApplication,
    TransferCandidateOut,
    WithdrawCandidate,
)
from domain.errors import DomainError
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget
from domain.rules import (
    RECOGNITION_VOTE_WORKING_DAYS,
    AdmissionAuthority,
    LeavingReason,
    Over60Conditions,
    Over60Place,
    PriorMembership,
    RecognitionForm,
    Sponsor,
    is_youth_union_age,
    probation_end,
)
from domain.tenant_policy import CountingBasis
from domain.values import (
    Actor,
    DocumentRef,
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PersonProfile,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    Role,
    SpecialArea,
    WorkplaceType,
)
from domain.working_days import WorkingCalendar
from service.audit.checkpoints import load_signing_key
from service.commands import Handlers, Principal
from service.tenant_merge import MergeSummary, run_merge

DEMO_SLUG = "demo"
DEMO_NAME = "Đảng bộ Khối Doanh nghiệp tỉnh (dữ liệu mẫu)"
ORGANIZER = Actor("demo-organizer", Role.ORGANIZER)
ESTABLISHED = date(2015, 3, 1)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thành", "Công"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Phương"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khoa",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Thảo",
    "Trang",
    "Yến",
]
#: Drawn with equal chances (20 and 10 entries: the draws keep the seed's other figures): about
#: a quarter of a northern midland province's people belong to an ethnic minority.
ETHNICITIES = [Ethnicity.KINH] * 15 + [
    Ethnicity.TAY,
    Ethnicity.MUONG,
    Ethnicity.NUNG,
    Ethnicity.THAI,
    Ethnicity.DAO,
]
RELIGIONS = [Religion.NONE] * 7 + [Religion.BUDDHISM, Religion.CATHOLICISM, Religion.PROTESTANTISM]

# (code, name, kind, parent, authority)
TREE: list[tuple[str, str, UnitKind, str | None, AdmissionAuthority | None]] = [
    ("KDN", "Đảng bộ Khối Doanh nghiệp tỉnh", UnitKind.COMMITTEE, None, None),
    (
        "DU-DIEN",
        "Đảng bộ Công ty Điện lực tỉnh",
        UnitKind.GRASSROOTS_COMMITTEE,
        "KDN",
        AdmissionAuthority.GRASSROOTS_COMMITTEE,
    ),
    ("CB-DIEN-1", "Chi bộ Phòng Kỹ thuật", UnitKind.BRANCH, "DU-DIEN", None),
    ("CB-DIEN-2", "Chi bộ Điện lực thành phố", UnitKind.BRANCH, "DU-DIEN", None),
    ("CB-DIEN-3", "Chi bộ Điện lực miền núi", UnitKind.BRANCH, "DU-DIEN", None),
    ("TO-DIEN-1", "Tổ đảng Trạm biến áp 110kV", UnitKind.CELL, "CB-DIEN-1", None),
    ("DU-XD", "Đảng bộ Tổng công ty Xây dựng", UnitKind.GRASSROOTS_COMMITTEE, "KDN", None),
    ("CB-XD-1", "Chi bộ Xí nghiệp Xây lắp 1", UnitKind.BRANCH, "DU-XD", None),
    ("CB-XD-2", "Chi bộ Xí nghiệp Xây lắp 2", UnitKind.BRANCH, "DU-XD", None),
    ("DU-NH", "Đảng bộ Ngân hàng Thương mại tỉnh", UnitKind.GRASSROOTS_COMMITTEE, "KDN", None),
    ("CB-NH-1", "Chi bộ Hội sở", UnitKind.BRANCH, "DU-NH", None),
    ("CB-NH-2", "Chi bộ Chi nhánh phía Bắc", UnitKind.BRANCH, "DU-NH", None),
    ("DBTT-DM", "Đảng bộ Tổng công ty Dệt may", UnitKind.SUBORDINATE_COMMITTEE, "KDN", None),
    ("CBCS-DM1", "Chi bộ Công ty May 1", UnitKind.GRASSROOTS_BRANCH, "DBTT-DM", None),
    ("CBCS-CN", "Chi bộ Công ty Cấp nước", UnitKind.GRASSROOTS_BRANCH, "KDN", None),
    ("CBCS-VT", "Chi bộ Công ty Vận tải hành khách", UnitKind.GRASSROOTS_BRANCH, "KDN", None),
    ("CBCS-MT", "Chi bộ Công ty Môi trường đô thị", UnitKind.GRASSROOTS_BRANCH, "KDN", None),
    ("CBCS-TM", "Chi bộ Công ty Thương mại tổng hợp", UnitKind.GRASSROOTS_BRANCH, "KDN", None),
]
BRANCH_PAPERS = (
    RecognitionForm.SELF_REVIEW,
    RecognitionForm.HELPER_COMMENT,
    RecognitionForm.COMMENTS_SUMMARY,
)
BRANCHES = [
    "CB-DIEN-1",
    "CB-DIEN-2",
    "CB-DIEN-3",
    "CB-XD-1",
    "CB-NH-1",
    "CB-NH-2",
    "CBCS-DM1",
    "CBCS-CN",
    "CBCS-VT",
    "CBCS-TM",
]
#: Grassroots organisations that have a Youth Union organisation (Charter Art. 4: a candidate of
#: Youth Union age is introduced there by the Youth Union committee and one member). The others
#: declare they have none (two members, or the Trade Union and one member).
YOUTH_UNION_AT = frozenset({"DU-DIEN", "DU-NH"})
GRASSROOTS_HEADCOUNT = {
    "DU-DIEN": 612,
    "DU-XD": 540,
    "DU-NH": 488,
    "CBCS-DM1": 61,
    "CBCS-CN": 44,
    "CBCS-VT": 37,
    "CBCS-MT": 29,
    "CBCS-TM": 33,
}
BRANCH_MEMBERS = {
    "CB-DIEN-1": 21,
    "CB-DIEN-2": 27,
    "CB-DIEN-3": 15,
    "CB-XD-1": 19,
    "CB-XD-2": 12,
    "CB-NH-1": 24,
    "CB-NH-2": 17,
    "CBCS-DM1": 61,
    "CBCS-CN": 44,
    "CBCS-VT": 37,
    "CBCS-MT": 29,
    "CBCS-TM": 33,
}
COMMITTEE_MEMBERS = {"DU-DIEN": 9, "DU-XD": 7, "DU-NH": 7}
AUTHORITY_BODY = "Ban Thường vụ Đảng ủy Khối Doanh nghiệp tỉnh"

# Where generated cases stop, with weights (the scripted cases add the rarer exits).
OUTCOMES: list[tuple[Stage, int]] = [
    (Stage.DISCOVERED, 8),
    (Stage.SYMPATHIZER, 12),
    (Stage.AWARENESS_TRAINED, 9),
    (Stage.APPLIED, 6),
    (Stage.SPONSORED, 5),
    (Stage.VERIFIED, 5),
    (Stage.BRANCH_RESOLVED, 4),
    (Stage.COMMITTEE_RESOLVED, 3),
    (Stage.DECIDED, 3),
    (Stage.PROBATIONARY, 14),
    (Stage.RECOGNITION_VOTED, 2),
    (Stage.FULL_MEMBER, 28),
    (Stage.REJECTED, 6),
    (Stage.WITHDRAWN, 4),
    (Stage.REMOVED_FROM_LIST, 1),
]
PIPELINE = [
    Stage.DISCOVERED,
    Stage.SYMPATHIZER,
    Stage.AWARENESS_TRAINED,
    Stage.APPLIED,
    Stage.SPONSORED,
    Stage.VERIFIED,
    Stage.BRANCH_RESOLVED,
    Stage.COMMITTEE_RESOLVED,
    Stage.DECIDED,
    Stage.PROBATIONARY,
    Stage.RECOGNITION_VOTED,
    Stage.FULL_MEMBER,
]


@dataclass(frozen=True)
class BranchExceptions:
    """Exception documents a scripted case brings to its branch meeting."""

    special_area: SpecialArea | None = None
    education_exception: DocumentRef | None = None
    over_60_consent: DocumentRef | None = None
    over_60_conditions: Over60Conditions | None = None
    readmission_consent: DocumentRef | None = None


class _StopHere(Exception):
    """The next step would fall after today: the case stays where it is."""


@dataclass
class DemoReport:
    """What the demo recorded."""

    tenant: str
    units: int = 0
    quota_plans: int = 0
    candidates: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)


def _doc(kind: str, number: str, issued_on: date, issuer: str) -> DocumentRef:
    return DocumentRef(kind=kind, number=number, issued_on=issued_on, issuer=issuer)


class DemoBuilder:
    """Seeds one tenant through the command handlers."""

    def __init__(self, handlers: Handlers, tenant: str = DEMO_SLUG, seed: int = 2025) -> None:
        self.h = handlers
        self.p = Principal(tenant, ORGANIZER)
        self.rng = random.Random(seed)
        self.today = handlers.today()
        self.calendar = WorkingCalendar()
        self.report = DemoReport(tenant)
        self._doc_no = 0
        self._member_no = 0

    # --- small factories ----------------------------------------------------------------------
    def doc(self, kind: str, on: date, issuer: str) -> DocumentRef:
        """A numbered document of ``kind`` issued on ``on``."""
        self._doc_no += 1
        suffix = {"6-KNĐ": "NQ/CB", "8-KNĐ": "NQ/ĐU", "9-KNĐ": "QĐ/ĐU"}.get(kind, "")
        number = f"{self._doc_no}-{suffix}" if suffix else f"{self._doc_no}/{on.year}"
        return _doc(kind, number, on, issuer)

    def person(
        self, *, born_between: tuple[int, int] = (1985, 2003), **overrides: object
    ) -> PersonProfile:
        """A plausible person; ``overrides`` replace generated fields."""
        r = self.rng
        gender = r.choice([Gender.MALE, Gender.FEMALE])
        male = gender is Gender.MALE
        name = " ".join(
            [
                r.choice(FAMILY),
                r.choice(MIDDLE_M if male else MIDDLE_F),
                r.choice(GIVEN_M if male else GIVEN_F),
            ]
        )
        occupation = r.choices(
            [
                Occupation.WORKER,
                Occupation.INTELLECTUAL,
                Occupation.PRIVATE_ENTERPRISE_EMPLOYEE,
                Occupation.CIVIL_SERVANT,
                Occupation.STUDENT,
            ],
            [40, 25, 20, 10, 5],
        )[0]
        values: dict[str, object] = {
            "full_name": name,
            "birth_date": date(r.randint(*born_between), r.randint(1, 12), r.randint(1, 28)),
            "gender": gender,
            "ethnicity": r.choice(ETHNICITIES),
            "religion": r.choice(RELIGIONS),
            "education": r.choices(
                [EducationLevel.UPPER_SECONDARY, EducationLevel.LOWER_SECONDARY], [85, 15]
            )[0],
            "professional_level": r.choices(list(ProfessionalLevel), [10, 30, 15, 40, 5])[0],
            "political_theory": r.choices(list(PoliticalTheoryLevel), [60, 35, 5, 0])[0],
            "occupation": occupation,
            "workplace_type": r.choice(
                [
                    WorkplaceType.STATE_ENTERPRISE,
                    WorkplaceType.PRIVATE_ENTERPRISE,
                    WorkplaceType.FOREIGN_INVESTED_ENTERPRISE,
                ]
            ),
            "identity_number": f"0{r.randint(10**10, 10**11 - 1)}",
            "is_youth_union_member": r.random() < 0.55,
            "is_trade_union_member": r.random() < 0.8,
        }
        values.update(overrides)
        return PersonProfile(**values)  # type: ignore[arg-type]

    def sponsor(self, since: date) -> Sponsor:
        """A full member who has worked with the candidate for a few years."""
        self._member_no += 1
        r = self.rng
        return Sponsor(
            member_id=f"DV{self._member_no:05d}",
            full_name=" ".join([r.choice(FAMILY), r.choice(MIDDLE_M), r.choice(GIVEN_M)]),
            full_member_since=date(r.randint(1995, 2015), r.randint(1, 12), 1),
            together_since=since - timedelta(days=r.randint(400, 2500)),
        )

    def after(self, day: date, low: int, high: int) -> date:
        """A calendar date ``low``–``high`` days after ``day``; stops the case past today."""
        nxt = day + timedelta(days=self.rng.randint(low, high))
        if nxt > self.today:
            raise _StopHere
        return nxt

    def after_working(self, day: date, low: int, high: int) -> date:
        """A date ``low``–``high`` working days after ``day``; stops the case past today."""
        nxt = self.calendar.add_working_days(day, self.rng.randint(low, high))
        if nxt > self.today:
            raise _StopHere
        return nxt

    # --- tenant set-up ------------------------------------------------------------------------
    def build_tree(self) -> None:
        """The bloc's units, headcounts and the 2025 reorganisation."""
        bloc = "Ban Thường vụ Tỉnh ủy"
        for code, name, kind, parent, authority in TREE:
            self.h.handle(
                self.p,
                EstablishUnit(
                    code=code,
                    name=name,
                    kind=kind,
                    parent_code=parent,
                    occurred_on=ESTABLISHED,
                    admission_authority=authority,
                    document=self.doc("QĐ thành lập", ESTABLISHED, bloc),
                ),
            )
            self.report.units += 1
        for year in range(2020, self.today.year + 1):
            day = date(year, 1, 1)
            growth = 1 + (year - 2020) * 0.02
            for code, members in {**GRASSROOTS_HEADCOUNT, "KDN": 3232}.items():
                if code == "CBCS-MT" and year > 2025:
                    continue
                self.h.handle(
                    self.p,
                    ReportHeadcount(code=code, members=round(members * growth), occurred_on=day),
                )
        self.h.handle(
            self.p,
            SetAdmissionAuthority(
                code="DU-NH",
                authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
                occurred_on=date(2021, 6, 1),
                document=self.doc("QĐ ủy quyền", date(2021, 6, 1), bloc),
            ),
        )
        self.h.handle(
            self.p,
            RenameUnit(
                code="CB-NH-2", name="Chi bộ Chi nhánh Bắc sông Hồng", occurred_on=date(2022, 3, 1)
            ),
        )
        self.h.handle(
            self.p,
            MoveUnit(
                code="CBCS-TM",
                new_parent_code="DBTT-DM",
                occurred_on=date(2023, 1, 1),
                document=self.doc("QĐ điều chuyển", date(2023, 1, 1), bloc),
            ),
        )
        self.h.handle(
            self.p,
            DissolveUnit(
                code="CB-XD-2",
                occurred_on=date(2024, 7, 1),
                document=self.doc("QĐ giải thể", date(2024, 7, 1), bloc),
            ),
        )

    def declare_youth_union_organisations(self) -> None:
        """Each grassroots organisation declares whether it has a Youth Union organisation: a
        fact the sponsorship rule needs (Charter Art. 4), never assumed."""
        for code, _, kind, _, _ in TREE:
            if kind.is_grassroots:
                self.h.handle(
                    self.p,
                    DeclareYouthUnionOrganisation(
                        code=code, present=code in YOUTH_UNION_AT, occurred_on=ESTABLISHED
                    ),
                )

    def rules_cases(self) -> None:
        """The rules as the texts write them (issue 13): a candidate of Youth Union age introduced
        by the Youth Union committee and one member where the Youth Union exists, taken to full
        membership with the recognition dossier (10-, 11-, 12-, 15-KNĐ); a re-admission 60
        months after a minor conviction was expunged."""
        young = self.person(born_between=(2001, 2001), is_youth_union_member=True)
        self.run_case("MAU-DOAN", "CB-DIEN-2", date(2022, 3, 1), Stage.FULL_MEMBER, person=young)
        prior = PriorMembership(
            left_on=date(2012, 4, 2),
            reason=LeavingReason.MINOR_CRIME,
            conviction_expunged_on=date(2016, 9, 1),
        )
        self.run_case(
            "MAU-KNL-60",
            "CBCS-CN",
            date(2022, 5, 3),
            Stage.DECIDED,
            person=self.person(born_between=(1980, 1980)),
            prior=prior,
            exceptions=BranchExceptions(
                readmission_consent=self.doc(
                    "CV đồng ý kết nạp lại", date(2022, 9, 5), "Ban Thường vụ Tỉnh ủy"
                )
            ),
        )

    def merge_units(self) -> None:
        """The 2025 reform merges the environment company's branch into the water company's."""
        day = date(2025, 7, 1)
        self.h.handle(
            self.p,
            MergeUnits(
                code="CBCS-MT",
                into_code="CBCS-CN",
                occurred_on=day,
                document=self.doc("QĐ hợp nhất", day, "Ban Thường vụ Tỉnh ủy"),
            ),
        )

    def set_policy_and_quotas(self) -> None:
        """Tenant policy, the 2020–2025 term quota and yearly quotas (seed 003: 200–220 a year,
        scaled to the demo's size)."""
        h, p = self.h, self.p
        h.handle(p, ChooseCountingBasis(basis=CountingBasis.DECISION_DATE))
        h.handle(p, SetSourcePoolRatio(minimum=Decimal("1.5"), maximum=Decimal("2")))
        h.handle(p, SetStalledThreshold(days=120))
        h.handle(
            p,
            DeclareDayOff(day=date(2025, 9, 1), notes="Nghỉ bù Quốc khánh theo thông báo của tỉnh"),
        )
        h.handle(
            p, DeclareWorkingDay(day=date(2025, 4, 26), notes="Làm bù cho ngày nghỉ 02/5/2025")
        )
        self.calendar = h.calendar(h.store.app(p.tenant))
        congress = self.doc("Nghị quyết Đại hội", date(2020, 8, 20), "Đại hội Đảng bộ Khối")
        h.handle(
            p,
            SetQuota(
                unit_code="KDN",
                period=Period.term(2020, 2025),
                target=QuotaTarget.number(120),
                occurred_on=date(2020, 8, 20),
                document=congress,
            ),
        )
        self.report.quota_plans += 1
        for year in range(2021, min(self.today.year, 2026) + 1):
            on = date(year - 1, 12, 15)
            h.handle(
                p,
                SetQuota(
                    unit_code="KDN",
                    period=Period.year(year),
                    target=QuotaTarget.range(20, 25),
                    occurred_on=on,
                    document=self.doc("Kế hoạch", on, "Ban Thường vụ Đảng ủy Khối"),
                ),
            )
            self.report.quota_plans += 1
            for code, number in {"DU-DIEN": 7, "DU-XD": 5, "CBCS-CN": 2}.items():
                h.handle(
                    p,
                    SetQuota(
                        unit_code=code,
                        period=Period.year(year),
                        target=QuotaTarget.number(number),
                        occurred_on=on,
                    ),
                )
                self.report.quota_plans += 1
            h.handle(
                p,
                SetQuota(
                    unit_code="DU-NH",
                    period=Period.year(year),
                    target=QuotaTarget.percent("1", "1.5"),
                    occurred_on=on,
                ),
            )
            self.report.quota_plans += 1
        for quarter in range(1, 5):
            h.handle(
                p,
                SetQuota(
                    unit_code="KDN",
                    period=Period.quarter(2024, quarter),
                    target=QuotaTarget.number(6),
                    occurred_on=date(2023, 12, 15),
                ),
            )
            self.report.quota_plans += 1
        h.handle(
            p,
            SetQuota(
                unit_code="KDN",
                period=Period.month(2024, 3),
                target=QuotaTarget.number(2),
                occurred_on=date(2024, 2, 20),
            ),
        )
        self.report.quota_plans += 1
        on = date(2021, 9, 10)
        h.handle(
            p,
            AssignSupplementaryQuota(
                unit_code="KDN",
                period=Period.term(2020, 2025),
                amount=15,
                reason="Giao bổ sung theo chỉ đạo của Tỉnh ủy",
                occurred_on=on,
                document=self.doc("CV", on, "Tỉnh ủy"),
            ),
        )
        on = date(2023, 6, 30)
        h.handle(
            p,
            AdjustQuota(
                unit_code="DU-XD",
                period=Period.year(2023),
                target=QuotaTarget.number(4),
                reason="Doanh nghiệp thu hẹp sản xuất, giảm lao động",
                occurred_on=on,
                document=self.doc("CV", on, "Ban Thường vụ Đảng ủy Khối"),
            ),
        )
        # The first quarter's count taken over from the bloc's report of New Year's Day: none
        # yet (an opening balance of 0 changes no figure; it shows the event and its audit).
        on = date(2024, 1, 2)
        h.handle(
            p,
            RecordOpeningBalance(
                unit_code="KDN",
                period=Period.quarter(2024, 1),
                admitted=0,
                as_of=date(2024, 1, 1),
                occurred_on=on,
                document=self.doc("BC", on, "Ban Tổ chức Đảng ủy Khối"),
            ),
        )

    def record_congresses(self) -> None:
        """The bloc's congresses (đại hội), so its 2020–2025 term counts from the congress of
        20/8/2020 (whose resolution set the term's quota) to the day before the 2025 one."""
        for day in (date(2020, 8, 20), date(2025, 8, 15)):
            if day > self.today:
                continue
            self.h.handle(
                self.p,
                RecordCongress(
                    occurred_on=day,
                    document=self.doc("Nghị quyết Đại hội", day, "Đại hội Đảng bộ Khối"),
                ),
            )

    # --- one case through the pipeline -------------------------------------------------------
    def run_case(
        self,
        code: str,
        unit: str,
        start: date,
        target: Stage,
        *,
        person: PersonProfile | None = None,
        introduced_by: MassOrganization = MassOrganization.BRANCH,
        prior: PriorMembership | None = None,
        exceptions: BranchExceptions = BranchExceptions(),
        late_decision: bool = False,
        late_ceremony: bool = False,
        failed_recognition_votes: int = 0,
    ) -> Stage:
        """Take a case from discovery towards ``target`` (a pipeline stage or an exit)."""
        h, p, r = self.h, self.p, self.rng
        # 18 or older by the branch meeting whatever the seed: born ≥ 19 years before the start;
        # where a Youth Union organisation exists its young candidates are Youth Union members
        # (the Youth Union introduces them, Charter Art. 4)
        youth_union_here = self._grassroots_code(unit) in YOUTH_UNION_AT
        person = person or self.person(
            born_between=(1985, min(2003, start.year - 19)),
            **({"is_youth_union_member": True} if youth_union_here else {}),
        )
        issuer = f"Chi bộ {unit}"
        exit_stage = target if target.is_exit else None
        reach = (
            self.rng.choice(PIPELINE[:9])
            if exit_stage in (Stage.REJECTED, Stage.WITHDRAWN)
            else Stage.PROBATIONARY
            if exit_stage is Stage.REMOVED_FROM_LIST
            else target
        )
        stage = Stage.DISCOVERED
        day = start
        h.handle(
            p,
            DiscoverCandidate(
                case_code=code,
                unit_code=unit,
                person=person,
                occurred_on=day,
                introduced_by=introduced_by,
                prior_membership=prior,
            ),
        )
        self.report.candidates += 1

        def reached(s: Stage) -> bool:
            return PIPELINE.index(stage) >= PIPELINE.index(s) or reach is stage

        try:
            if reach is not Stage.DISCOVERED:
                day = self.after(day, 20, 90)
                h.handle(p, AddToSympathizerList(case_code=code, occurred_on=day))
                stage = Stage.SYMPATHIZER
                day = self.after(day, 3, 20)
                h.handle(
                    p,
                    AssignHelper(
                        case_code=code, member_name=self.sponsor(day).full_name, occurred_on=day
                    ),
                )
                if r.random() < 0.3:
                    day = self.after(day, 5, 30)
                    h.handle(
                        p,
                        AssignTestTask(
                            case_code=code,
                            task="Phụ trách phong trào thi đua của tổ",
                            occurred_on=day,
                        ),
                    )
            if not reached(reach):
                day = self.after(day, 30, 120)
                h.handle(
                    p,
                    RecordAwarenessCertificate(
                        case_code=code,
                        occurred_on=day,
                        document=self.doc("GCN lớp nhận thức", day, "Trung tâm Chính trị"),
                    ),
                )
                stage = Stage.AWARENESS_TRAINED
            if not reached(reach):
                day = self.after(day, 10, 60)
                h.handle(
                    p,
                    SubmitApplication(
                        case_code=code,
                        occurred_on=day,
                        document=self.doc("1-KNĐ", day, person.full_name),
                        personal_history=self.doc("2-KNĐ", day, person.full_name),
                    ),
                )
                stage = Stage.APPLIED
            if not reached(reach):
                day = self.after(day, 5, 25)
                youth_union = self._grassroots_code(unit) in YOUTH_UNION_AT
                youth = is_youth_union_age(person.birth_date, day)
                if youth_union and youth and not person.is_youth_union_member:
                    raise _StopHere  # must join the Youth Union first (Charter Art. 4)
                h.handle(
                    p,
                    AddSponsor(
                        case_code=code,
                        sponsor=self.sponsor(day),
                        occurred_on=day,
                        document=self.doc("3-KNĐ", day, issuer),
                    ),
                )
                if youth_union and (youth or (person.is_youth_union_member and r.random() < 0.6)):
                    h.handle(
                        p,
                        RecordUnionIntroduction(
                            case_code=code,
                            organization=MassOrganization.YOUTH_UNION,
                            occurred_on=day,
                            document=self.doc("4-KNĐ", day, "Đoàn cơ sở"),
                        ),
                    )
                elif not youth_union and person.is_trade_union_member and r.random() < 0.2:
                    h.handle(
                        p,
                        RecordUnionIntroduction(
                            case_code=code,
                            organization=MassOrganization.TRADE_UNION,
                            occurred_on=day,
                            document=self.doc("NQ giới thiệu", day, "Công đoàn cơ sở"),
                        ),
                    )
                else:
                    h.handle(
                        p,
                        AddSponsor(
                            case_code=code,
                            sponsor=self.sponsor(day),
                            occurred_on=day,
                            document=self.doc("3-KNĐ", day, issuer),
                        ),
                    )
                stage = Stage.SPONSORED
            if not reached(reach):
                day = self.after(day, 20, 60)
                h.handle(
                    p,
                    RecordBackgroundVerification(
                        case_code=code,
                        passed=True,
                        conclusion="Lý lịch rõ ràng, đủ điều kiện",
                        occurred_on=day,
                        document=self.doc("KL thẩm tra", day, "Đảng ủy cơ sở"),
                    ),
                )
                day = self.after(day, 3, 15)
                h.handle(
                    p,
                    RecordComments(
                        case_code=code,
                        source="Đoàn Thanh niên, Công đoàn cơ sở",
                        occurred_on=day,
                        document=self.doc("5-KNĐ", day, issuer),
                    ),
                )
                day = self.after(day, 1, 10)
                h.handle(
                    p,
                    RecordComments(
                        case_code=code,
                        source="Chi ủy nơi cư trú",
                        occurred_on=day,
                        document=self.doc("5-KNĐ", day, "Chi bộ khu dân cư"),
                    ),
                )
                stage = Stage.VERIFIED
            if not reached(reach):
                day = self.after(day, 7, 30)
                members = BRANCH_MEMBERS[unit]
                h.handle(
                    p,
                    RecordBranchResolution(
                        case_code=code,
                        official_members=members,
                        votes_for=r.randint(-(-2 * members // 3), members),
                        occurred_on=day,
                        document=self.doc("6-KNĐ", day, issuer),
                        special_area=exceptions.special_area,
                        education_exception=exceptions.education_exception,
                        over_60_consent=exceptions.over_60_consent,
                        over_60_conditions=exceptions.over_60_conditions,
                        readmission_consent=exceptions.readmission_consent,
                    ),
                )
                stage = Stage.BRANCH_RESOLVED
                branch_day = day
            grassroots = self._grassroots_code(unit)
            if not reached(reach) and grassroots in COMMITTEE_MEMBERS:
                day = self.after_working(day, 3, 15)
                size = COMMITTEE_MEMBERS[grassroots]
                h.handle(
                    p,
                    RecordCommitteeResolution(
                        case_code=code,
                        committee_members=size,
                        votes_for=r.randint(-(-2 * size // 3), size),
                        occurred_on=day,
                        document=self.doc("8-KNĐ", day, f"Đảng ủy {grassroots}"),
                    ),
                )
                stage = Stage.COMMITTEE_RESOLVED
            if not reached(reach):
                extension = None
                if late_decision:
                    day = self.after_working(branch_day, 65, 80)
                    extension = self.doc("CV gia hạn", day, AUTHORITY_BODY)
                else:
                    day = self.after_working(branch_day, 15, 55)
                authorized = self._authority(grassroots)
                h.handle(
                    p,
                    RecordAdmissionDecision(
                        case_code=code,
                        decided_by=authorized,
                        occurred_on=day,
                        document=self.doc(
                            "9-KNĐ",
                            day,
                            AUTHORITY_BODY
                            if authorized is AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE
                            else f"Đảng ủy {grassroots}",
                        ),
                        extension=extension,
                    ),
                )
                stage = Stage.DECIDED
            if not reached(reach):
                received = self.after(day, 1, 6)
                consent = None
                if late_ceremony:
                    day = self.after_working(received, 33, 40)
                    consent = self.doc("CV đồng ý", day, AUTHORITY_BODY)
                else:
                    day = self.after_working(received, 3, 25)
                h.handle(
                    p,
                    HoldAdmissionCeremony(
                        case_code=code,
                        occurred_on=day,
                        decision_received_on=received,
                        superior_consent=consent,
                    ),
                )
                stage = Stage.PROBATIONARY
                ceremony = day
                day = self.after(day, 2, 10)
                h.handle(
                    p,
                    AssignHelper(
                        case_code=code, member_name=self.sponsor(day).full_name, occurred_on=day
                    ),
                )
                day = self.after(day, 30, 200)
                h.handle(
                    p,
                    RecordNewMemberClass(
                        case_code=code,
                        occurred_on=day,
                        document=self.doc("GCN lớp đảng viên mới", day, "Trung tâm Chính trị"),
                    ),
                )
            if not reached(reach):
                end = probation_end(ceremony)
                members = BRANCH_MEMBERS[unit]
                day = end
                if failed_recognition_votes:
                    self._recognition_papers(code, end, BRANCH_PAPERS, issuer)
                for _ in range(failed_recognition_votes):
                    day = self.after_working(day, 2, 10)
                    h.handle(
                        p,
                        RecordRecognitionVote(
                            case_code=code,
                            official_members=members,
                            votes_for=members // 2,
                            occurred_on=day,
                            document=self.doc("NQ xét chính thức", day, issuer),
                        ),
                    )
                if failed_recognition_votes >= 3:
                    raise _StopHere  # escalated: the superior committee decides
                day = self.after_working(day, 1, 25)
                self._recognition_papers(code, end, BRANCH_PAPERS, issuer)
                h.handle(
                    p,
                    RecordRecognitionVote(
                        case_code=code,
                        official_members=members,
                        votes_for=members - r.randint(0, 2),
                        occurred_on=day,
                        document=self.doc("NQ xét chính thức", day, issuer),
                    ),
                )
                stage = Stage.RECOGNITION_VOTED
            if not reached(reach):
                vote_day = day
                day = self.after_working(day, 3, 25)
                if grassroots in COMMITTEE_MEMBERS:
                    self._recognition_papers(
                        code,
                        vote_day,
                        (RecognitionForm.GRASSROOTS_RESOLUTION,),
                        f"Đảng ủy {grassroots}",
                    )
                h.handle(
                    p,
                    RecordRecognitionDecision(
                        case_code=code,
                        occurred_on=day,
                        document=self.doc("QĐ công nhận", day, AUTHORITY_BODY),
                    ),
                )
                stage = Stage.FULL_MEMBER
            if exit_stage is not None:
                day = self.after(day, 10, 120)
                if exit_stage is Stage.REJECTED:
                    h.handle(
                        p,
                        RejectCandidate(
                            case_code=code,
                            reason=r.choice([ExitReason.NOT_QUALIFIED, ExitReason.VOTE_FAILED]),
                            explanation="Chưa đáp ứng tiêu chuẩn sau thời gian bồi dưỡng",
                            occurred_on=day,
                            document=self.doc("Biên bản", day, issuer),
                        ),
                    )
                elif exit_stage is Stage.WITHDRAWN:
                    h.handle(
                        p,
                        WithdrawCandidate(
                            case_code=code,
                            explanation="Chuyển công tác ra ngoài tỉnh",
                            occurred_on=day,
                        ),
                    )
                elif exit_stage is Stage.REMOVED_FROM_LIST:
                    h.handle(
                        p,
                        RemoveFromList(
                            case_code=code,
                            reason=ExitReason.DISCIPLINE,
                            explanation="Vi phạm tư cách đảng viên trong thời kỳ dự bị",
                            occurred_on=day,
                            document=self.doc("QĐ xóa tên", day, AUTHORITY_BODY),
                        ),
                    )
                stage = exit_stage
        except _StopHere:
            pass
        return stage

    def _recognition_papers(
        self, code: str, on: date, forms: tuple[RecognitionForm, ...], issuer: str
    ) -> None:
        """The recognition dossier's papers (10-, 11-, 12-KNĐ; 15-KNĐ), dated ``on``."""
        if on > self.today:
            raise _StopHere
        case = self.h.candidate(self.h.store.app(self.p.tenant), code)
        for form in forms:
            if form not in case.recognition_documents:
                self.h.handle(
                    self.p,
                    RecordRecognitionDocument(
                        case_code=code,
                        form=form,
                        occurred_on=on,
                        document=self.doc(form.value, on, issuer),
                    ),
                )

    def _grassroots_code(self, unit: str) -> str:
        parents = {code: parent for code, _, _, parent, _ in TREE}
        kinds = {code: kind for code, _, kind, _, _ in TREE}
        code: str | None = unit
        while code is not None and not kinds[code].is_grassroots:
            code = parents[code]
        assert code is not None
        return code

    def _authority(self, grassroots: str) -> AdmissionAuthority:
        app = self.h.store.app(self.p.tenant)
        authority = self.h.unit(app, grassroots).admission_authority
        assert authority is not None
        return authority

    # --- the scripted cases: every event type at least once -----------------------------------
    def scripted_cases(self) -> None:
        """Cases that exercise the rarer paths of the procedure."""
        h, p = self.h, self.p
        self.run_case(
            "MAU-001",
            "CB-DIEN-1",
            date(2021, 2, 1),
            Stage.FULL_MEMBER,
            failed_recognition_votes=0,
            late_decision=True,
        )
        self.run_case(
            "MAU-002", "CB-XD-1", date(2021, 3, 1), Stage.PROBATIONARY, late_ceremony=True
        )
        # three failed recognition votes: the superior committee decides
        self.run_case(
            "MAU-003",
            "CB-NH-1",
            date(2021, 1, 10),
            Stage.RECOGNITION_VOTED,
            failed_recognition_votes=3,
        )
        on = date(2024, 3, 15)
        h.handle(
            p,
            RecordRecognitionDecision(
                case_code="MAU-003",
                occurred_on=on,
                document=self.doc("QĐ công nhận", on, AUTHORITY_BODY),
            ),
        )
        # an older candidate admitted with the provincial standing committee's consent
        older = self.person(born_between=(1961, 1961))
        self.run_case(
            "MAU-004",
            "CBCS-VT",
            date(2021, 9, 1),
            Stage.PROBATIONARY,
            person=older,
            exceptions=BranchExceptions(
                over_60_consent=self.doc("CV đồng ý", date(2022, 3, 1), "Ban Thường vụ Tỉnh ủy"),
                over_60_conditions=Over60Conditions(
                    good_health=True, prestige=True, place=Over60Place.SPECIAL_NEED
                ),
            ),
        )
        # education exception: primary schooling, ethnic-minority area, with approval
        highland = self.person(
            education=EducationLevel.PRIMARY,
            ethnicity=Ethnicity.HMONG,
            religion=Religion.NONE,
            is_youth_union_member=True,
        )
        self.run_case(
            "MAU-005",
            "CB-DIEN-3",
            date(2022, 1, 5),
            Stage.DECIDED,
            person=highland,
            exceptions=BranchExceptions(
                special_area=SpecialArea.ETHNIC_MINORITY,
                education_exception=self.doc(
                    "CV ngoại lệ", date(2022, 5, 1), "Ban Tổ chức Tỉnh ủy"
                ),
            ),
        )
        # re-admission of a former member removed from the list in 2017
        prior = PriorMembership(date(2017, 5, 1), LeavingReason.REMOVED_FROM_LIST, False)
        self.run_case(
            "MAU-006",
            "CB-NH-2",
            date(2022, 2, 1),
            Stage.PROBATIONARY,
            prior=prior,
            exceptions=BranchExceptions(
                readmission_consent=self.doc(
                    "CV đồng ý kết nạp lại", date(2022, 6, 1), "Ban Thường vụ Tỉnh ủy"
                )
            ),
        )
        # a full member screened out; a probationary member removed from the list
        self.run_case("MAU-007", "CBCS-CN", date(2021, 1, 20), Stage.FULL_MEMBER)
        on = date(2025, 12, 10)
        if on <= self.today:
            h.handle(
                p,
                EndMembership(
                    case_code="MAU-007",
                    reason=ExitReason.DISCIPLINE,
                    explanation="Sàng lọc: không còn đủ tư cách đảng viên",
                    occurred_on=on,
                    document=self.doc("QĐ", on, AUTHORITY_BODY),
                ),
            )
        self.run_case("MAU-008", "CB-XD-1", date(2022, 4, 1), Stage.REMOVED_FROM_LIST)
        # transfers: one moved between branches, one out to another tenant, one received
        self.run_case("MAU-009", "CB-XD-2", date(2023, 2, 1), Stage.AWARENESS_TRAINED)
        on = date(2024, 6, 15)
        h.handle(
            p,
            MoveCandidate(
                case_code="MAU-009",
                unit_code="CB-XD-1",
                occurred_on=on,
                document=self.doc("QĐ chuyển sinh hoạt", on, "Đảng ủy DU-XD"),
            ),
        )
        self.run_case("MAU-010", "CB-DIEN-2", date(2023, 3, 1), Stage.SYMPATHIZER)
        on = date(2024, 2, 1)
        h.handle(
            p,
            TransferCandidateOut(
                case_code="MAU-010",
                destination="Đảng bộ Khối Cơ quan tỉnh",
                occurred_on=on,
                document=self.doc("CV chuyển", on, "Chi bộ"),
            ),
        )
        on = date(2024, 9, 1)
        h.handle(
            p,
            ReceiveTransferredCandidate(
                case_code="MAU-011",
                unit_code="CBCS-DM1",
                person=self.person(),
                origin="Đảng bộ Tập đoàn Dệt may Việt Nam",
                stage=Stage.PROBATIONARY,
                occurred_on=on,
                ceremony_on=date(2024, 4, 19),
                document=self.doc("Giấy chuyển sinh hoạt đảng", on, "Đảng ủy Tập đoàn"),
            ),
        )
        self.report.candidates += 1
        # candidates of the branch merged away in 2025 follow it into the water company's
        self.run_case("MAU-012", "CBCS-MT", date(2024, 10, 1), Stage.APPLIED)
        # corrections: a mistyped ceremony date and a misspelt name
        app = h.store.app(p.tenant)
        case = h.candidate(app, "MAU-002")
        ceremony = case.step_dates.get("ceremony")
        if ceremony is not None:
            h.handle(
                p,
                CorrectStepDate(
                    case_code="MAU-002",
                    step="ceremony",
                    corrected_date=ceremony - timedelta(days=1),
                    reason="Nhập nhầm ngày lễ kết nạp",
                    occurred_on=self.today,
                ),
            )
        case = h.candidate(app, "MAU-012")
        fixed = ProfileCorrection(full_name=case.person.full_name + " (sửa)")
        h.handle(
            p,
            CorrectProfile(
                case_code="MAU-012",
                person=fixed,
                reason="Sai chính tả họ tên",
                occurred_on=self.today,
            ),
        )
        # a rejection after a failed background verification; a withdrawal
        self.run_case("MAU-013", "CB-NH-1", date(2024, 1, 8), Stage.SPONSORED)
        # after the last step, whatever gaps the seed drew
        sponsored = h.candidate(app, "MAU-013").last_step_on
        on = max(date(2024, 9, 20), sponsored + timedelta(days=7))
        h.handle(
            p,
            RecordBackgroundVerification(
                case_code="MAU-013",
                passed=False,
                conclusion="Khai không trung thực về quá trình công tác",
                occurred_on=on,
                document=self.doc("KL thẩm tra", on, "Đảng ủy DU-NH"),
            ),
        )
        h.handle(
            p,
            RejectCandidate(
                case_code="MAU-013",
                reason=ExitReason.VERIFICATION_FAILED,
                explanation="Thẩm tra lý lịch không đạt",
                occurred_on=on,
            ),
        )
        self.run_case("MAU-014", "CBCS-TM", date(2024, 5, 2), Stage.WITHDRAWN)

    def corrections_checked_by_the_rules(self) -> None:
        """Corrections judged by the rules of the steps they touch (issue 13): a birth date that
        would have made MAU-001 under 18 at its branch meeting is refused and leaves no trace;
        one within the same month (the age counts months) is recorded with its field, old and
        new value; MAU-015's recognition vote, moved past its 30 working days, is recorded and
        flagged late."""
        h, p = self.h, self.p
        app = h.store.app(p.tenant)
        case = h.candidate(app, "MAU-001")
        resolved = case.branch_resolution_on
        if resolved is None:
            return
        too_young = ProfileCorrection(birth_date=resolved.replace(year=resolved.year - 17))
        with contextlib.suppress(DomainError):  # AGE_OUT_OF_RANGE: nothing is recorded
            h.handle(
                p,
                CorrectProfile(
                    case_code="MAU-001",
                    person=too_young,
                    reason="Nhập thử năm sinh sai",
                    occurred_on=self.today,
                ),
            )
        born = case.person.birth_date
        same_month = born.replace(day=2 if born.day == 1 else 1)
        h.handle(
            p,
            CorrectProfile(
                case_code="MAU-001",
                person=ProfileCorrection(birth_date=same_month),
                reason="Ngày sinh theo căn cước công dân",
                occurred_on=self.today,
            ),
        )
        # a recognition vote whose minutes carry a later date: recorded, flagged late
        self.run_case("MAU-015", "CB-DIEN-2", date(2022, 3, 1), Stage.RECOGNITION_VOTED)
        voted = h.candidate(app, "MAU-015")
        ceremony = voted.ceremony_on
        assert ceremony is not None
        late = h.calendar(app).add_working_days(
            probation_end(ceremony), RECOGNITION_VOTE_WORKING_DAYS + 1
        )
        if voted.last_step_on < late <= self.today:
            h.handle(
                p,
                CorrectStepDate(
                    case_code="MAU-015",
                    step="recognition_vote",
                    corrected_date=late,
                    reason="Biên bản họp chi bộ ghi ngày khác",
                    occurred_on=self.today,
                ),
            )

    def ethnicity_and_religion(self) -> None:
        """People of the lists (issue 13, 4): a Khmer member following Theravada Buddhism, a
        member of another religion named in the profile, and an ethnicity recorded wrongly and
        corrected — each counts in the structure report (dân tộc thiểu số, người có đạo)."""
        h, p = self.h, self.p
        self.run_case(
            "MAU-DT-1",
            "CB-DIEN-3",
            date(2023, 2, 6),
            Stage.PROBATIONARY,
            person=self.person(
                born_between=(1990, 1998),
                ethnicity=Ethnicity.KHMER,
                religion=Religion.BUDDHISM,
                religion_note="Phật giáo Nam tông Khmer",
            ),
        )
        self.run_case(
            "MAU-DT-2",
            "CB-DIEN-2",
            date(2023, 3, 6),
            Stage.DECIDED,
            person=self.person(
                born_between=(1988, 1996),
                ethnicity=Ethnicity.HOA,
                religion=Religion.OTHER,
                religion_note="Đạo giáo (Lão giáo)",
            ),
        )
        self.run_case(
            "MAU-DT-3", "CB-DIEN-1", date(2024, 2, 5), Stage.SPONSORED, person=self.person()
        )
        case = h.candidate(h.store.app(p.tenant), "MAU-DT-3")
        corrected = (
            Ethnicity.MUONG if case.person.ethnicity is not Ethnicity.MUONG else Ethnicity.TAY
        )
        h.handle(
            p,
            CorrectProfile(
                case_code="MAU-DT-3",
                person=ProfileCorrection(ethnicity=corrected),
                reason="Ghi nhầm dân tộc so với giấy khai sinh",
                occurred_on=self.today,
            ),
        )

    def generated_cases(self, count: int) -> None:
        """``count`` cases from the seed, spread over stages, units and start dates."""
        stages = [s for s, _ in OUTCOMES]
        weights = [w for _, w in OUTCOMES]
        first, last = date(2021, 1, 4), self.today - timedelta(days=20)
        span = (last - first).days
        for number in range(1, count + 1):
            target = self.rng.choices(stages, weights)[0]
            # admitted cases need time: start them earlier
            lead = {
                Stage.FULL_MEMBER: 900,
                Stage.RECOGNITION_VOTED: 800,
                Stage.PROBATIONARY: 450,
                Stage.REMOVED_FROM_LIST: 500,
            }.get(target, 0)
            start = first + timedelta(days=self.rng.randint(0, max(span - lead, 1)))
            introduced = self.rng.choices(
                [
                    MassOrganization.YOUTH_UNION,
                    MassOrganization.TRADE_UNION,
                    MassOrganization.BRANCH,
                    MassOrganization.WOMENS_UNION,
                    MassOrganization.VETERANS_ASSOCIATION,
                ],
                [45, 25, 20, 7, 3],
            )[0]
            try:
                self.run_case(
                    f"HS-{number:04d}",
                    self.rng.choice(BRANCHES),
                    start,
                    target,
                    introduced_by=introduced,
                    late_decision=self.rng.random() < 0.03,
                )
            except DomainError as error:  # a rule the generator did not foresee: report it
                self.report.refused.append(f"HS-{number:04d}: {error}")


class RecordedPaths:
    """The real paths of the procedure, recorded instead of refused (issue 13), on three cases:
    a failed branch vote then a passing one, and the same at the grassroots committee; a late
    admission decision, flagged, with its responsibility review; papers redone before the branch
    meeting. Its own random seed, so the cases before it are drawn as they always were."""

    def __init__(self, builder: DemoBuilder) -> None:
        self.b = builder

    def run(self) -> None:
        """All three cases, on the builder's tenant."""
        b = self.b
        saved, b.rng = b.rng, random.Random(13)
        try:
            self.failed_votes("MAU-016", "CB-DIEN-1", date(2023, 1, 9))
            self.late_decision("MAU-017", "CB-DIEN-2", date(2022, 6, 6))
            self.redone_papers("MAU-018", "CB-DIEN-3", date(2023, 2, 6))
        finally:
            b.rng = saved

    def _last_step(self, code: str) -> date:
        app = self.b.h.store.app(self.b.p.tenant)
        return self.b.h.candidate(app, code).last_step_on

    def failed_votes(self, code: str, unit: str, start: date) -> None:
        """9 of 21 at the first branch meeting, a pass a month later; 4 of 9 at the committee,
        then a pass: each meeting recorded."""
        b, h, p = self.b, self.b.h, self.b.p
        if b.run_case(code, unit, start, Stage.VERIFIED) is not Stage.VERIFIED:
            return
        members, issuer = BRANCH_MEMBERS[unit], f"Chi bộ {unit}"
        day = self._last_step(code) + timedelta(days=14)
        for votes_for in (members // 2 - 1, members - 2):
            h.handle(
                p,
                RecordBranchResolution(
                    case_code=code,
                    official_members=members,
                    votes_for=votes_for,
                    occurred_on=day,
                    document=b.doc("6-KNĐ", day, issuer),
                ),
            )
            day += timedelta(days=28)
        size = COMMITTEE_MEMBERS[b._grassroots_code(unit)]
        for votes_for in (size // 2, size - 1):
            day = b.calendar.add_working_days(day, 5)
            h.handle(
                p,
                RecordCommitteeResolution(
                    case_code=code,
                    committee_members=size,
                    votes_for=votes_for,
                    occurred_on=day,
                    document=b.doc("8-KNĐ", day, f"Đảng ủy {b._grassroots_code(unit)}"),
                ),
            )

    def late_decision(self, code: str, unit: str, start: date) -> None:
        """A decision ten working days past even the extended term: recorded, flagged late; the
        committee's responsibility is reviewed a few weeks later; the ceremony follows."""
        b, h, p = self.b, self.b.h, self.b.p
        if b.run_case(code, unit, start, Stage.COMMITTEE_RESOLVED) is not Stage.COMMITTEE_RESOLVED:
            return
        app = h.store.app(p.tenant)
        branch_day = h.candidate(app, code).branch_resolution_on
        assert branch_day is not None
        due = b.calendar.add_working_days(branch_day, 60)
        day = b.calendar.add_working_days(due, 40)
        grassroots = b._grassroots_code(unit)
        h.handle(
            p,
            RecordAdmissionDecision(
                case_code=code,
                decided_by=b._authority(grassroots),
                occurred_on=day,
                document=b.doc("9-KNĐ", day, f"Đảng ủy {grassroots}"),
            ),
        )
        review = day + timedelta(days=21)
        h.handle(
            p,
            RecordDelayReview(
                case_code=code,
                step="admission_decision",
                occurred_on=review,
                document=b.doc("Biên bản kiểm điểm", review, AUTHORITY_BODY),
                notes="Kiểm điểm trách nhiệm về việc chậm quyết định kết nạp",
            ),
        )
        received = day + timedelta(days=2)
        ceremony = b.calendar.add_working_days(received, 10)
        h.handle(
            p,
            HoldAdmissionCeremony(
                case_code=code, occurred_on=ceremony, decision_received_on=received
            ),
        )

    def redone_papers(self, code: str, unit: str, start: date) -> None:
        """A dossier left waiting thirteen months: the sponsor writes a new letter, the Youth
        Union a new resolution, the comments are gathered again, the candidate attends the
        class again; the branch meeting then passes on the current papers."""
        b, h, p = self.b, self.b.h, self.b.p
        youth = b.person(is_youth_union_member=True)
        if b.run_case(code, unit, start, Stage.APPLIED, person=youth) is not Stage.APPLIED:
            return
        issuer = f"Chi bộ {unit}"
        day = self._last_step(code) + timedelta(days=7)
        sponsor = b.sponsor(day)
        h.handle(
            p,
            AddSponsor(
                case_code=code,
                sponsor=sponsor,
                occurred_on=day,
                document=b.doc("3-KNĐ", day, issuer),
            ),
        )
        union = MassOrganization.YOUTH_UNION
        h.handle(
            p,
            RecordUnionIntroduction(
                case_code=code,
                organization=union,
                occurred_on=day,
                document=b.doc("4-KNĐ", day, "Đoàn cơ sở"),
            ),
        )
        verified = day + timedelta(days=30)
        h.handle(
            p,
            RecordBackgroundVerification(
                case_code=code,
                passed=True,
                conclusion="Lý lịch rõ ràng, đủ điều kiện",
                occurred_on=verified,
                document=b.doc("KL thẩm tra", verified, "Đảng ủy cơ sở"),
            ),
        )
        source = "Đoàn Thanh niên, Công đoàn cơ sở"
        h.handle(
            p,
            RecordComments(
                case_code=code,
                source=source,
                occurred_on=verified,
                document=b.doc("5-KNĐ", verified, issuer),
            ),
        )
        redo = day + timedelta(days=400)
        h.handle(
            p,
            AddSponsor(
                case_code=code,
                sponsor=sponsor,
                replaces=sponsor.member_id,
                occurred_on=redo,
                document=b.doc("3-KNĐ", redo, issuer),
                notes="Giấy giới thiệu quá 12 tháng, làm lại",
            ),
        )
        h.handle(
            p,
            RecordUnionIntroduction(
                case_code=code,
                organization=union,
                replaces_earlier=True,
                occurred_on=redo,
                document=b.doc("4-KNĐ", redo, "Đoàn cơ sở"),
            ),
        )
        h.handle(
            p,
            RecordComments(
                case_code=code,
                source=source,
                occurred_on=redo,
                document=b.doc("5-KNĐ", redo, issuer),
            ),
        )
        h.handle(
            p,
            RecordAwarenessCertificate(
                case_code=code,
                occurred_on=redo,
                document=b.doc("GCN lớp nhận thức", redo, "Trung tâm Chính trị"),
                notes="Học lại lớp bồi dưỡng nhận thức về Đảng",
            ),
        )
        meeting = redo + timedelta(days=14)
        members = BRANCH_MEMBERS[unit]
        h.handle(
            p,
            RecordBranchResolution(
                case_code=code,
                official_members=members,
                votes_for=members - 1,
                occurred_on=meeting,
                document=b.doc("6-KNĐ", meeting, issuer),
            ),
        )


def seed_demo(
    handlers: Handlers,
    *,
    tenant: str = DEMO_SLUG,
    candidates: int = 200,
    seed: int = 2025,
    progress: Callable[[str], None] | None = None,
    merged_tenant: bool = True,
) -> DemoReport:
    """Create and fill the demo tenant; returns what was recorded. ``merged_tenant``: also
    seed the second tenant that transfers a case to it and is merged into it (2025 reform)."""
    say = progress or (lambda _message: None)
    handlers.create_tenant(ORGANIZER, tenant, DEMO_NAME, "provincial_enterprise_bloc")
    builder = DemoBuilder(handlers, tenant, seed)
    say("Tạo cây tổ chức / building the organisation tree")
    builder.build_tree()
    builder.declare_youth_union_organisations()
    say("Chính sách và chỉ tiêu / policy and quotas")
    builder.set_policy_and_quotas()
    builder.record_congresses()
    say("Hồ sơ mẫu / scripted cases")
    builder.scripted_cases()
    builder.corrections_checked_by_the_rules()
    builder.rules_cases()
    builder.merge_units()
    say(f"{candidates} hồ sơ sinh ngẫu nhiên / generated cases")
    builder.generated_cases(candidates)
    builder.ethnicity_and_religion()  # after the generated cases: their seeded draws stay
    say("Hồ sơ có biểu quyết không đạt, bước chậm, giấy tờ làm lại / recorded paths")
    RecordedPaths(builder).run()
    if merged_tenant:
        say("Hợp nhất đơn vị sử dụng / a tenant merged in (01/07/2025)")
        seed_merged_tenant(handlers, tenant, seed)
    return builder.report


# --- the 2025 reform: a tenant merged into the demo (issue 13) ------------------------------------
# From 1/7/2025 the provincial committees merged (Bà Rịa – Vũng Tàu into Hồ Chí Minh City), and
# their enterprise blocs with them. The demo seeds a small second tenant (``ba_ria_vung_tau``:
# its bloc, an electricity company's committee and branch, a water company's branch, a few cases
# at different stages, one rejected) with the same builder; it transfers one case to the demo
# (the organizers' own path between tenants), then is merged into the demo (``MergeTenant``)
# under the demo's bloc: its codes collide with the demo's and arrive prefixed, its open cases go
# on in the demo with their dossiers, the rejected one stays in its closed history.

MERGED_SLUG = "ba_ria_vung_tau"
MERGED_NAME = "Đảng bộ Khối Doanh nghiệp tỉnh Bà Rịa – Vũng Tàu (dữ liệu mẫu)"
MERGED_ON = date(2025, 7, 1)
MERGE_OPERATOR = Actor("demo-operator", Role.PLATFORM_OPERATOR)
#: Codes shared with the demo's tree (so the demo builder's lookups apply); they collide.
MERGED_TREE: list[tuple[str, str, UnitKind, str | None, AdmissionAuthority | None]] = [
    ("KDN", "Đảng bộ Khối Doanh nghiệp tỉnh Bà Rịa – Vũng Tàu", UnitKind.COMMITTEE, None, None),
    (
        "DU-DIEN",
        "Đảng bộ Công ty Điện lực Bà Rịa – Vũng Tàu",
        UnitKind.GRASSROOTS_COMMITTEE,
        "KDN",
        AdmissionAuthority.GRASSROOTS_COMMITTEE,
    ),
    ("CB-DIEN-1", "Chi bộ Điện lực Vũng Tàu", UnitKind.BRANCH, "DU-DIEN", None),
    (
        "CBCS-CN",
        "Chi bộ Công ty Cấp nước Bà Rịa – Vũng Tàu",
        UnitKind.GRASSROOTS_BRANCH,
        "KDN",
        None,
    ),
]
#: (case, branch, opened on, stage aimed at)
MERGED_CASES = [
    ("BR-001", "CB-DIEN-1", date(2023, 2, 6), Stage.PROBATIONARY),
    ("BR-002", "CB-DIEN-1", date(2024, 5, 6), Stage.BRANCH_RESOLVED),
    ("BR-003", "CBCS-CN", date(2024, 8, 5), Stage.VERIFIED),
    ("BR-004", "CBCS-CN", date(2024, 11, 4), Stage.SYMPATHIZER),
    ("BR-005", "CB-DIEN-1", date(2023, 9, 4), Stage.REJECTED),
    ("BR-006", "CBCS-CN", date(2024, 3, 4), Stage.SPONSORED),
]
#: A case Bà Rịa – Vũng Tàu transfers to the demo tenant before the merge (the organizers'
#: own path between tenants: no operator), and the demo's organizer accepts it.
TRANSFERRED = "BR-006"
TRANSFERRED_ON = date(2025, 5, 12)
MERGE_RESOLUTION = DocumentRef(
    kind="Nghị quyết",
    number="202/2025/QH15",
    issued_on=date(2025, 6, 12),
    issuer="Quốc hội",
)


def merged_slug(into: str) -> str:
    """The demo's merged tenant next to ``into`` (``ba_ria_vung_tau`` next to the demo)."""
    return MERGED_SLUG if into == DEMO_SLUG else f"{into}_brvt"[:40]


def transfer_case(handlers: Handlers, builder: DemoBuilder, into: str) -> None:
    """BR-006 leaves Bà Rịa – Vũng Tàu for ``into`` with its dossier; ``into`` accepts it
    (as ``<code>-NHAN``) into its water company's branch a week later."""
    source = handlers.store.app(builder.p.tenant, write=False)
    case = handlers.candidate(source, TRANSFERRED)
    if case.stage.is_exit or case.last_step_on > TRANSFERRED_ON:
        return  # the seed took it elsewhere: nothing to transfer
    handlers.handle(
        builder.p,
        TransferCandidateOut(
            case_code=TRANSFERRED,
            destination=f"Đảng bộ {into}",
            destination_tenant=into,
            occurred_on=TRANSFERRED_ON,
            document=builder.doc("Giấy giới thiệu chuyển sinh hoạt", TRANSFERRED_ON, "Chi bộ"),
        ),
    )
    handlers.handle(
        Principal(into, ORGANIZER),
        AcceptTransferredCase(
            case_code=f"{TRANSFERRED}-NHAN",
            from_tenant=builder.p.tenant,
            from_case_code=TRANSFERRED,
            unit_code="CBCS-CN",
            occurred_on=TRANSFERRED_ON + timedelta(days=7),
        ),
    )


def seed_merged_tenant(handlers: Handlers, into: str = DEMO_SLUG, seed: int = 2025) -> MergeSummary:
    """Seed the Bà Rịa – Vũng Tàu tenant and merge it into ``into`` on 1/7/2025 (under its
    bloc ``KDN``). Signed with the deployment's key, or a throw-away one when none is
    configured (a demo: the statement carries its public key)."""
    slug = merged_slug(into)
    handlers.create_tenant(MERGE_OPERATOR, slug, MERGED_NAME, "provincial_enterprise_bloc")
    builder = DemoBuilder(handlers, slug, seed)
    for code, name, kind, parent, authority in MERGED_TREE:
        handlers.handle(
            builder.p,
            EstablishUnit(
                code=code,
                name=name,
                kind=kind,
                parent_code=parent,
                occurred_on=date(2016, 1, 4),
                admission_authority=authority,
            ),
        )
        if kind.is_grassroots:  # the sponsorship route needs the fact (Charter Art. 4)
            handlers.handle(
                builder.p,
                DeclareYouthUnionOrganisation(
                    code=code, present=code in YOUTH_UNION_AT, occurred_on=date(2016, 1, 4)
                ),
            )
    handlers.handle(
        builder.p, ReportHeadcount(code="KDN", members=1840, occurred_on=date(2025, 1, 1))
    )
    for code, unit, start, target in MERGED_CASES:
        builder.run_case(code, unit, start, target)
    transfer_case(handlers, builder, into)
    configured = handlers.store.settings.signing_key_file
    key = load_signing_key(configured) if configured else Ed25519PrivateKey.generate()
    command = MergeTenant(
        slug=slug,
        into=into,
        effective_on=MERGED_ON,
        under_unit="KDN",
        document=MERGE_RESOLUTION,
        reason="Hợp nhất tỉnh Bà Rịa – Vũng Tàu vào Thành phố Hồ Chí Minh từ 01/7/2025",
    )
    return run_merge(handlers, MERGE_OPERATOR, command, key=key)
