"""Realistic historical case files for the import's tests and benchmark (and for trying it).

A province-like tenant (:data:`TREE`: two grassroots committees with branches, grassroots
branches, one with and others without a Youth Union organisation) and ``count`` cases started
over the years before ``today``, each taken to a stage drawn with the demo's weights
(``service.demo.OUTCOMES``) along the procedure's real intervals, written as rows of the import
template (column key → value); one case in fifty is given a test task, one in fifty a failed
branch vote before its resolution. A few rows are made invalid on purpose, each of a known kind
(:data:`INVALID_KINDS`), and the model keeps what each valid row must give: its case's stage and
the date of its admission decision, so figures can be checked without the importer.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.candidates import ExitReason, Stage
from domain.commands import DeclareYouthUnionOrganisation, EstablishUnit
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, is_youth_union_age, probation_end
from domain.values import DocumentRef, MassOrganization
from domain.working_days import WorkingCalendar
from service.case_import.columns import ExitKind, label
from service.commands import Handlers, Principal
from service.demo import FAMILY, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M, OUTCOMES, PIPELINE

ESTABLISHED = date(2010, 1, 4)
# (code, name, kind, parent, authority, youth union organisation)
TREE: list[tuple[str, str, UnitKind, str | None, AdmissionAuthority | None, bool | None]] = [
    ("TINH", "Đảng bộ Khối các cơ quan tỉnh", UnitKind.COMMITTEE, None, None, None),
    (
        "DU-YT",
        "Đảng bộ Sở Y tế",
        UnitKind.GRASSROOTS_COMMITTEE,
        "TINH",
        AdmissionAuthority.GRASSROOTS_COMMITTEE,
        True,
    ),
    ("CB-YT-1", "Chi bộ Bệnh viện Đa khoa tỉnh", UnitKind.BRANCH, "DU-YT", None, None),
    ("CB-YT-2", "Chi bộ Trung tâm Y tế dự phòng", UnitKind.BRANCH, "DU-YT", None, None),
    ("DU-GD", "Đảng bộ Sở Giáo dục", UnitKind.GRASSROOTS_COMMITTEE, "TINH", None, False),
    ("CB-GD-1", "Chi bộ Trường THPT Chuyên", UnitKind.BRANCH, "DU-GD", None, None),
    ("CB-GD-2", "Chi bộ Trường Cao đẳng Sư phạm", UnitKind.BRANCH, "DU-GD", None, None),
    ("CBCS-TC", "Chi bộ Sở Tài chính", UnitKind.GRASSROOTS_BRANCH, "TINH", None, False),
    ("CBCS-NV", "Chi bộ Sở Nội vụ", UnitKind.GRASSROOTS_BRANCH, "TINH", None, True),
]
BRANCHES = ["CB-YT-1", "CB-YT-2", "CB-GD-1", "CB-GD-2", "CBCS-TC", "CBCS-NV"]
GRASSROOTS = {"CB-YT-1": "DU-YT", "CB-YT-2": "DU-YT", "CB-GD-1": "DU-GD", "CB-GD-2": "DU-GD"}
BRANCH_MEMBERS = {
    "CB-YT-1": 31,
    "CB-YT-2": 18,
    "CB-GD-1": 22,
    "CB-GD-2": 25,
    "CBCS-TC": 27,
    "CBCS-NV": 19,
}
COMMITTEE_MEMBERS = {"DU-YT": 11, "DU-GD": 9}
YOUTH_UNION_AT = frozenset({"DU-YT", "CBCS-NV"})
SUPERIOR = "Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh"
#: Kinds of invalid rows the generator writes, with the code and column the import must name.
#: A mix weighted to the first steps (~4 events a case instead of ~10): every stage, at a
#: tenth of the cost, for tests that need many rows.
EARLY_OUTCOMES: list[tuple[Stage, int]] = [
    (Stage.DISCOVERED, 40),
    (Stage.SYMPATHIZER, 30),
    (Stage.AWARENESS_TRAINED, 8),
    (Stage.APPLIED, 3),
    (Stage.SPONSORED, 2),
    (Stage.VERIFIED, 2),
    (Stage.BRANCH_RESOLVED, 1),
    (Stage.COMMITTEE_RESOLVED, 1),
    (Stage.DECIDED, 1),
    (Stage.PROBATIONARY, 2),
    (Stage.RECOGNITION_VOTED, 1),
    (Stage.FULL_MEMBER, 4),
    (Stage.REJECTED, 3),
    (Stage.WITHDRAWN, 2),
    (Stage.REMOVED_FROM_LIST, 1),
]
INVALID_KINDS: dict[str, tuple[str, str]] = {
    "unknown_unit": ("NOT_FOUND", "Mã chi bộ"),
    "invisible_code": ("CODE_INVISIBLE_CHARACTER", "Mã hồ sơ"),
    "future_date": ("DATE_IN_FUTURE", "Ngày phát hiện"),
    "unknown_ethnicity": ("VALUE_UNKNOWN", "Dân tộc"),
    "too_many_votes": ("VOTE_COUNTS_INVALID", "Số tán thành (6-KNĐ)"),
    "missing_birth_date": ("FIELD_REQUIRED", "Ngày sinh"),
}
_ETHNICITIES = ["Kinh"] * 16 + ["Tày", "Mường", "Thái", "Dao"]
_RELIGIONS = ["Không"] * 7 + ["Phật giáo", "Công giáo", "Tin lành"]


class _Stop(Exception):
    """The next step would fall after today: the case stays where it is."""


@dataclass
class Expected:
    """What a valid row's case must be after the import."""

    case_code: str
    unit_code: str
    stage: Stage
    decided_on: date | None


@dataclass
class HistoricalFile:
    """A generated file: its rows, what each valid row gives, which rows are invalid."""

    today: date
    rows: list[dict[str, Any]] = field(default_factory=list)
    expected: dict[str, Expected] = field(default_factory=dict)
    #: Row index (0-based, in ``rows``) → invalid kind.
    invalid: dict[int, str] = field(default_factory=dict)

    def stage_counts(self) -> Counter[Stage]:
        """Cases per stage, as the valid rows give them."""
        return Counter(e.stage for e in self.expected.values())

    def decided_in(self, first: date, last: date) -> Counter[str]:
        """Admission decisions dated ``first``–``last``, per branch."""
        return Counter(
            e.unit_code
            for e in self.expected.values()
            if e.decided_on is not None and first <= e.decided_on <= last
        )


def set_up_tenant(handlers: Handlers, principal: Principal) -> None:
    """The units the generated rows name, with their Youth Union declarations."""
    for code, name, kind, parent, authority, youth_union in TREE:
        handlers.handle(
            principal,
            EstablishUnit(
                code=code,
                name=name,
                kind=kind,
                parent_code=parent,
                occurred_on=ESTABLISHED,
                admission_authority=authority,
                document=DocumentRef(
                    kind="QĐ thành lập", number=f"{code}/QĐ", issued_on=ESTABLISHED, issuer=SUPERIOR
                ),
            ),
        )
        if youth_union is not None:
            handlers.handle(
                principal,
                DeclareYouthUnionOrganisation(
                    code=code, present=youth_union, occurred_on=ESTABLISHED
                ),
            )


class _Case:
    """One generated case: its row, filled step by step."""

    def __init__(self, g: Generator, code: str, unit: str, start: date, target: Stage) -> None:
        self.g = g
        self.r = g.rng
        self.code = code
        self.unit = unit
        self.target = target
        self.row: dict[str, Any] = {"case_code": code, "unit_code": unit}
        self.stage = Stage.DISCOVERED
        self.decided_on: date | None = None
        self.day = start

    def after(self, low: int, high: int, day: date | None = None) -> date:
        nxt = (day or self.day) + timedelta(days=self.r.randint(low, high))
        if nxt > self.g.today:
            raise _Stop
        self.day = nxt
        return nxt

    def after_working(self, low: int, high: int, day: date | None = None) -> date:
        nxt = self.g.calendar.add_working_days(day or self.day, self.r.randint(low, high))
        if nxt > self.g.today:
            raise _Stop
        self.day = nxt
        return nxt

    def now_and_then(self, path: int) -> bool:
        """One case in 50 takes the less common ``path`` (0: a test task; 1: a failed branch
        vote before the resolution); drawn from the case code, not the generator, so the rest
        of a seed's file stays as it was."""
        return zlib.crc32(self.code.encode()) % 50 == path

    def number(self, suffix: str) -> str:
        self.g.doc_no += 1
        return f"{self.g.doc_no}/{suffix}"

    def sponsor(self, n: int, on: date) -> None:
        r, g = self.r, f"sponsor{n}"
        self.row.update(
            {
                f"{g}_on": on,
                f"{g}_no": self.number("3-KNĐ"),
                f"{g}_id": f"DV{self.r.randint(1, 999_999):06d}",
                f"{g}_name": " ".join([r.choice(FAMILY), r.choice(MIDDLE_M), r.choice(GIVEN_M)]),
                f"{g}_full_since": date(r.randint(1995, 2008), r.randint(1, 12), 1),
                f"{g}_together_since": on - timedelta(days=r.randint(400, 2500)),
            }
        )

    def person(self, start: date) -> None:
        r = self.r
        female = r.random() < 0.5
        youth_union_here = self.grassroots in YOUTH_UNION_AT
        self.birth = date(
            r.randint(start.year - 40, start.year - 19), r.randint(1, 12), r.randint(1, 28)
        )
        self.youth_member = youth_union_here or r.random() < 0.5
        self.trade_member = r.random() < 0.8
        self.row.update(
            {
                "full_name": " ".join(
                    [
                        r.choice(FAMILY),
                        r.choice(MIDDLE_F if female else MIDDLE_M),
                        r.choice(GIVEN_F if female else GIVEN_M),
                    ]
                ),
                "birth_date": self.birth,
                "gender": "Nữ" if female else "Nam",
                "ethnicity": r.choice(_ETHNICITIES),
                "religion": r.choice(_RELIGIONS),
                "education": r.choices(["Trung học phổ thông", "Trung học cơ sở"], [90, 10])[0],
                "professional_level": r.choice(["Đại học", "Cao đẳng", "Sơ cấp, trung cấp"]),
                "political_theory": r.choice(["Không", "Sơ cấp", "Trung cấp"]),
                "occupation": r.choice(["Cán bộ, công chức, viên chức", "Trí thức", "Công nhân"]),
                "workplace_type": r.choice(["Cơ quan nhà nước", "Đơn vị sự nghiệp công lập"]),
                "identity_number": f"0{r.randint(10**10, 10**11 - 1)}",
                "youth_union_member": "Có" if self.youth_member else "Không",
                "trade_union_member": "Có" if self.trade_member else "Không",
                "discovered_on": start,
                "introduced_by": r.choice(list(MassOrganization)).name,
            }
        )

    @property
    def grassroots(self) -> str:
        return GRASSROOTS.get(self.unit, self.unit)

    def reach(self) -> Stage:
        if self.target in (Stage.REJECTED, Stage.WITHDRAWN):
            reach = self.r.choice(PIPELINE[:9])
        elif self.target is Stage.REMOVED_FROM_LIST:
            reach = Stage.PROBATIONARY
        else:
            reach = self.target
        if reach is Stage.COMMITTEE_RESOLVED and self.grassroots not in COMMITTEE_MEMBERS:
            return Stage.BRANCH_RESOLVED  # a grassroots branch has no committee above it
        return reach

    def run(self) -> None:
        reach = self.reach()
        self.person(self.day)
        steps = [
            self.sympathizer,
            self.awareness,
            self.application,
            self.sponsors,
            self.verification,
            self.branch,
            self.committee,
            self.decision,
            self.ceremony,
            self.recognition_vote,
            self.recognition,
        ]
        try:
            for step in steps:
                if PIPELINE.index(self.stage) >= PIPELINE.index(reach):
                    break
                step()
            if self.target.is_exit:
                self.exit()
        except _Stop:
            pass

    def sympathizer(self) -> None:
        self.row["sympathizer_on"] = self.after(20, 90)
        self.stage = Stage.SYMPATHIZER
        r = self.r
        name = " ".join([r.choice(FAMILY), r.choice(MIDDLE_M), r.choice(GIVEN_M)])
        self.row.update({"helper_on": self.after(3, 20), "helper_name": name})
        if self.now_and_then(0):
            self.row.update({"task_on": self.day, "task_text": "Tham gia tổ chức hội thao"})

    def awareness(self) -> None:
        on = self.after(30, 120)
        self.row.update(
            {
                "awareness_on": on,
                "awareness_no": self.number("GCN"),
                "awareness_by": "Trung tâm Chính trị tỉnh",
            }
        )
        self.stage = Stage.AWARENESS_TRAINED

    def application(self) -> None:
        on = self.after(10, 60)
        self.row.update(
            {
                "application_on": on,
                "application_no": self.number("ĐXVĐ"),
                "history_no": self.number("LL"),
            }
        )
        self.stage = Stage.APPLIED

    def sponsors(self) -> None:
        on = self.after(5, 25)
        youth_union = self.grassroots in YOUTH_UNION_AT
        youth = is_youth_union_age(self.birth, on)
        self.sponsor(1, on)
        if youth_union and (youth or self.r.random() < 0.5):
            self.row.update(
                {
                    "union_on": on,
                    "union_organization": "Đoàn Thanh niên",
                    "union_no": self.number("NQ-ĐTN"),
                    "union_by": "Ban Chấp hành Đoàn cơ sở",
                }
            )
        elif (not youth_union and not youth and self.trade_member and self.r.random() < 0.2) or (
            not youth_union and youth and self.trade_member and self.r.random() < 0.2
        ):
            self.row.update(
                {
                    "union_on": on,
                    "union_organization": "Công đoàn",
                    "union_no": self.number("NQ-CĐ"),
                    "union_by": "Ban Chấp hành Công đoàn cơ sở",
                }
            )
        else:
            self.sponsor(2, on)
        self.stage = Stage.SPONSORED

    def verification(self) -> None:
        on = self.after(20, 60)
        comments_on = self.after(3, 15)  # both or neither: the case is verified with both
        self.row.update(
            {
                "verification_on": on,
                "verification_conclusion": "Lý lịch rõ ràng, đủ điều kiện",
                "verification_no": self.number("KL-TT"),
                "verification_by": f"Cấp ủy {self.grassroots}",
            }
        )
        on = comments_on
        self.row.update(
            {
                "comments_on": on,
                "comments_source": "Đoàn Thanh niên, Công đoàn cơ sở",
                "comments_no": self.number("5-KNĐ"),
            }
        )
        self.stage = Stage.VERIFIED

    def branch(self) -> None:
        on = self.after(7, 30)
        members = BRANCH_MEMBERS[self.unit]
        if self.now_and_then(1) and on + timedelta(days=14) <= self.g.today:
            self.row.update(
                {
                    "branch_failed_on": on,
                    "branch_failed_no": f"{self.code}/NQ-CB-L1",
                    "branch_failed_members": members,
                    "branch_failed_votes": members // 2,
                }
            )
            on = self.day = on + timedelta(days=14)  # the branch meets again
        self.branch_on = on
        self.row.update(
            {
                "branch_on": on,
                "branch_no": self.number("NQ/CB"),
                "branch_members": members,
                "branch_votes": self.r.randint(-(-2 * members // 3), members),
            }
        )
        self.stage = Stage.BRANCH_RESOLVED

    def committee(self) -> None:
        if self.grassroots not in COMMITTEE_MEMBERS:
            return  # the branch's resolution goes to the deciding committee directly
        on = self.after_working(3, 15)
        size = COMMITTEE_MEMBERS[self.grassroots]
        self.row.update(
            {
                "committee_on": on,
                "committee_no": self.number("NQ/ĐU"),
                "committee_members": size,
                "committee_votes": self.r.randint(-(-2 * size // 3), size),
            }
        )
        self.stage = Stage.COMMITTEE_RESOLVED

    def decision(self) -> None:
        on = self.after_working(15, 55, self.branch_on)
        own = self.grassroots == "DU-YT"
        self.row.update(
            {
                "decision_on": on,
                "decision_no": self.number("QĐ/ĐU" if own else "QĐ/ĐUK"),
                "decision_by": "Đảng ủy Sở Y tế" if own else SUPERIOR,
            }
        )
        self.decided_on = on
        self.stage = Stage.DECIDED

    def ceremony(self) -> None:
        received = self.after(1, 6)
        on = self.after_working(3, 25, received)
        self.ceremony_on = on
        self.row.update({"decision_received_on": received, "ceremony_on": on})
        self.stage = Stage.PROBATIONARY
        on = self.after(30, 200)
        self.row.update(
            {
                "new_member_class_on": on,
                "new_member_class_no": self.number("GCN-ĐVM"),
                "new_member_class_by": "Trung tâm Chính trị tỉnh",
            }
        )

    def recognition_vote(self) -> None:
        end = probation_end(self.ceremony_on)
        if end > self.g.today:
            raise _Stop
        self.row["recognition_papers_on"] = end
        on = self.after_working(1, 25, end)
        members = BRANCH_MEMBERS[self.unit]
        self.row.update(
            {
                "recognition_vote_on": on,
                "recognition_vote_no": self.number("NQ-XCT"),
                "recognition_vote_members": members,
                "recognition_vote_votes": members - self.r.randint(0, 2),
            }
        )
        self.stage = Stage.RECOGNITION_VOTED

    def recognition(self) -> None:
        vote_on = self.day
        on = self.after_working(3, 25)
        if self.grassroots in COMMITTEE_MEMBERS:
            self.row.update(
                {
                    "recognition_committee_on": vote_on,
                    "recognition_committee_no": self.number("15-KNĐ"),
                }
            )
        self.row.update(
            {
                "recognition_on": on,
                "recognition_no": self.number("QĐ-CN"),
                "recognition_by": SUPERIOR,
            }
        )
        self.stage = Stage.FULL_MEMBER

    def exit(self) -> None:
        on = self.after(10, 120)
        kind = {
            Stage.REJECTED: ExitKind.REJECTED,
            Stage.WITHDRAWN: ExitKind.WITHDRAWN,
            Stage.REMOVED_FROM_LIST: ExitKind.REMOVED_FROM_LIST,
        }[self.target]
        self.row.update({"exit_kind": label(kind), "exit_on": on})
        if kind is ExitKind.WITHDRAWN:
            self.row["exit_explanation"] = "Chuyển công tác ra ngoài tỉnh"
        elif kind is ExitKind.REJECTED:
            self.row.update(
                {
                    "exit_reason": label(ExitReason.NOT_QUALIFIED),
                    "exit_explanation": "Chưa đáp ứng tiêu chuẩn sau thời gian bồi dưỡng",
                }
            )
        else:
            self.row.update(
                {
                    "exit_reason": label(ExitReason.DISCIPLINE),
                    "exit_explanation": "Vi phạm tư cách đảng viên trong thời kỳ dự bị",
                    "exit_no": self.number("QĐ-XT"),
                    "exit_by": SUPERIOR,
                }
            )
        self.stage = self.target


class Generator:
    """Draws cases from a seed: the same seed and count give the same file."""

    def __init__(self, today: date, seed: int = 2015) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.calendar = WorkingCalendar()
        self.doc_no = 0


def historical_file(
    count: int,
    *,
    today: date,
    seed: int = 2015,
    invalid: tuple[str, ...] = tuple(INVALID_KINDS),
    first: date = date(2016, 1, 4),
    outcomes: Sequence[tuple[Stage, int]] = OUTCOMES,
) -> HistoricalFile:
    """``count`` rows, the invalid kinds ``invalid`` spread among them (one row each); each
    case stops at a stage drawn with the weights ``outcomes`` (default: the demo's)."""
    g = Generator(today, seed)
    made = HistoricalFile(today)
    stages = [s for s, _ in outcomes]
    weights = [w for _, w in outcomes]
    span = (today - timedelta(days=20) - first).days
    spots = {round((i + 1) * count / (len(invalid) + 1)): kind for i, kind in enumerate(invalid)}
    for index in range(count):
        target = g.rng.choices(stages, weights)[0]
        lead = {
            Stage.FULL_MEMBER: 900,
            Stage.RECOGNITION_VOTED: 800,
            Stage.PROBATIONARY: 450,
            Stage.REMOVED_FROM_LIST: 500,
        }.get(target, 0)
        start = first + timedelta(days=g.rng.randint(0, max(span - lead, 1)))
        unit = g.rng.choice(BRANCHES)
        code = f"LS-{index + 1:05d}"
        kind = spots.get(index)
        if kind == "too_many_votes":
            target = Stage.FULL_MEMBER
            start = first
        case = _Case(g, code, unit, start, target)
        case.run()
        if kind is None:
            made.expected[code] = Expected(code, unit, case.stage, case.decided_on)
        else:
            _spoil(case.row, kind, today)
            made.invalid[index] = kind
        made.rows.append(case.row)
    return made


def _spoil(row: dict[str, Any], kind: str, today: date) -> None:
    """Make ``row`` invalid in the way ``kind`` names."""
    if kind == "unknown_unit":
        row["unit_code"] = "CB-KHONG-CO"
    elif kind == "invisible_code":
        row["case_code"] = row["case_code"][:3] + "\u200b" + row["case_code"][3:]
    elif kind == "future_date":
        row["discovered_on"] = today + timedelta(days=30)
    elif kind == "unknown_ethnicity":
        row["ethnicity"] = "Kinhh"
    elif kind == "too_many_votes":
        row["branch_votes"] = row["branch_members"] + 5
    elif kind == "missing_birth_date":
        del row["birth_date"]
