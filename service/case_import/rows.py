"""One row of the import file → the commands of its case, in the order of the procedure.

Each step already done (its date column filled) becomes the command the API would build for it,
made canonical by the same boundary (``domain.inputs.canonical``), so an input problem is found
and named exactly as the API names it; its field path is then translated back to the column the
clerk filled. Every cell and every command of a row is checked, so a dry run reports all of a
row's input problems at once; the rules of each step (which need the steps before it) are
judged when the commands run (:mod:`.running`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from domain.classifications import fold
from domain.commands import (
    AddSponsor,
    AddToSympathizerList,
    AssignHelper,
    Command,
    DiscoverCandidate,
    EndMembership,
    HoldAdmissionCeremony,
    RecordAdmissionDecision,
    RecordAwarenessCertificate,
    RecordBackgroundVerification,
    RecordBranchResolution,
    RecordComments,
    RecordCommitteeResolution,
    RecordNewMemberClass,
    RecordRecognitionDecision,
    RecordRecognitionDocument,
    RecordRecognitionVote,
    RecordUnionIntroduction,
    RejectCandidate,
    RemoveFromList,
    SubmitApplication,
    WithdrawCandidate,
)
from domain.errors import InputViolations
from domain.inputs import canonical
from domain.rules import AdmissionAuthority, RecognitionForm
from service.case_import.columns import BY_KEY, NO, YES, ExitKind, Kind, allowed, choice_of
from service.case_import.reading import MAX_CELL, SheetRow


@dataclass(frozen=True)
class Problem:
    """One problem of one row: where (row, column header), what (code), bilingual."""

    row: int
    column: str
    code: str
    message_vi: str
    message_en: str
    case_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The problem as plain data (report files, GraphQL)."""
        return {
            "row": self.row,
            "column": self.column,
            "caseCode": self.case_code,
            "code": self.code,
            "messageVi": self.message_vi,
            "messageEn": self.message_en,
        }


@dataclass(frozen=True)
class UnitFacts:
    """What a row's documents take from its unit: the names their issuers are written with and
    who decides admissions."""

    name: str
    grassroots_name: str
    authority: AdmissionAuthority | None


@dataclass(frozen=True)
class Step:
    """A command of a row, and where its fields came from (field path → column key)."""

    command: Command
    columns: Mapping[str, str]
    #: The column blamed for a refusal that names no field (the step's date).
    main: str


@dataclass
class Plan:
    """A row's case: its code and its steps, or its problems."""

    row: int
    case_code: str
    steps: list[Step] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, key: str, code: str, vi: str, en: str) -> None:
        """Add a problem of the column ``key`` (empty: the row as a whole)."""
        header = BY_KEY[key].vi if key in BY_KEY else ""
        problem = Problem(self.row, header, code, vi, en, self.case_code)
        if problem not in self.problems:  # the case code is every step's: said once
            self.problems.append(problem)


class _Cells:
    """A row's cells read as their columns' kinds; a bad cell becomes a problem."""

    def __init__(self, row: SheetRow, plan: Plan) -> None:
        self.raw = row.cells
        self.plan = plan
        self.bad: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.raw and key not in self.bad

    def _refuse(self, key: str, code: str, vi: str, en: str) -> None:
        self.bad.add(key)
        self.plan.problem(key, code, vi, en)

    def value(self, key: str) -> Any:
        """The cell of ``key`` read as its column's kind (None when empty or bad)."""
        if key not in self.raw or key in self.bad:
            return None
        column = BY_KEY[key]
        raw = self.raw[key]
        if isinstance(raw, str) and len(raw) > MAX_CELL:
            self._refuse(
                key,
                "CELL_TOO_LONG",
                f"Ô dài quá {MAX_CELL:,} ký tự.".replace(",", "."),
                f"The cell is longer than {MAX_CELL:,} characters.",
            )
            return None
        reader = _READERS[column.kind]
        try:
            return reader(raw, column.choices)
        except _BadCell as bad:
            self._refuse(key, bad.code, bad.vi, bad.en)
            return None


class _BadCell(Exception):
    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en = code, vi, en


def _text(raw: Any, _: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date):
        raise _BadCell(
            "TEXT_EXPECTED", "Ô phải là chữ, không phải ngày.", "Text is expected, not a date."
        )
    return str(raw)


_DMY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def _date(raw: Any, _: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    found = _DMY.fullmatch(text)
    iso = None if found else _ISO.fullmatch(text)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    raise _BadCell(
        "DATE_INVALID",
        f"«{text[:40]}» không phải là ngày (viết dd/mm/yyyy).",
        f"'{text[:40]}' is not a date (write dd/mm/yyyy).",
    )


def _count(raw: Any, _: Any) -> int:
    if isinstance(raw, bool):
        raise _BadCell("NUMBER_EXPECTED", "Phải là một số nguyên.", "A whole number is expected.")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = str(raw).strip()
    if text.isascii() and text.isdigit():
        return int(text)
    raise _BadCell("NUMBER_EXPECTED", "Phải là một số nguyên.", "A whole number is expected.")


def _yes_no(raw: Any, _: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    folded = fold(str(raw))
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise _BadCell(
        "YES_NO_EXPECTED",
        f"«{str(raw)[:40]}»: ghi Có hoặc Không.",
        f"'{str(raw)[:40]}': write Có (yes) or Không (no).",
    )


def _choice(raw: Any, kind: type[Enum] | None) -> Enum:
    assert kind is not None
    text = _text(raw, None)
    member = choice_of(kind, text)
    if member is None:
        raise _BadCell(
            "VALUE_UNKNOWN",
            f"«{text[:40]}» không có trong danh mục ({allowed(kind)}).",
            f"'{text[:40]}' is not in the list ({allowed(kind)}).",
        )
    return member


_READERS: dict[Kind, Callable[[Any, Any], Any]] = {
    Kind.TEXT: _text,
    Kind.CODE: _text,
    Kind.DATE: _date,
    Kind.COUNT: _count,
    Kind.YES_NO: _yes_no,
    Kind.CHOICE: _choice,
}

#: The person's fields and their columns.
_PERSON = {
    "full_name": "full_name",
    "birth_date": "birth_date",
    "gender": "gender",
    "ethnicity": "ethnicity",
    "ethnicity_note": "ethnicity_note",
    "religion": "religion",
    "religion_note": "religion_note",
    "education": "education",
    "professional_level": "professional_level",
    "political_theory": "political_theory",
    "occupation": "occupation",
    "workplace_type": "workplace_type",
    "identity_number": "identity_number",
    "is_youth_union_member": "youth_union_member",
    "is_trade_union_member": "trade_union_member",
}
_BRANCH_RECOGNITION = (
    RecognitionForm.SELF_REVIEW,
    RecognitionForm.HELPER_COMMENT,
    RecognitionForm.COMMENTS_SUMMARY,
)


class _Builder:
    """Builds a row's steps; each command made canonical at once."""

    def __init__(self, row: SheetRow, plan: Plan, today: date, unit: UnitFacts | None) -> None:
        self.cells = _Cells(row, plan)
        self.plan = plan
        self.today = today
        self.unit = unit
        self.case_code = plan.case_code

    def v(self, key: str) -> Any:
        return self.cells.value(key)

    def doc(self, form: str, group: str, on: Any, issuer: Any) -> dict[str, Any] | None:
        """A document of ``form`` numbered in ``<group>_no``, dated ``on``; None if no number
        was written (the command then says whether it needs one)."""
        number = self.v(f"{group}_no")
        if number is None:
            return None
        return {"kind": form, "number": number, "issued_on": on, "issuer": issuer}

    def add(
        self,
        kind: type[Command],
        main: str,
        values: dict[str, Any],
        columns: dict[str, str],
    ) -> None:
        """Make the command canonical; its violations become the columns' problems."""
        raw = {"case_code": self.case_code, **{k: v for k, v in values.items() if v is not None}}
        columns = {"case_code": "case_code", "occurred_on": main, **columns}
        try:
            command = canonical(kind, raw, today=self.today)
        except InputViolations as error:
            for violation in error.violations:
                key = column_of(columns, violation.path, main)
                if key in self.cells.bad:
                    continue  # the cell's own problem says it already
                self.plan.problem(key, violation.code, violation.message_vi, violation.message_en)
            return
        self.plan.steps.append(Step(command, columns, main))

    def branch_name(self) -> str:
        return self.unit.name if self.unit else str(self.v("unit_code") or "")

    def committee_name(self) -> str:
        return self.unit.grassroots_name if self.unit else str(self.v("unit_code") or "")


def column_of(columns: Mapping[str, str], path: str | None, main: str) -> str:
    """The column a field path came from: the longest prefix the step mapped, else ``main``."""
    path = path or ""
    while path:
        if path in columns:
            return columns[path]
        path = path.rpartition(".")[0]
    return main


def plan_row(
    row: SheetRow,
    *,
    today: date,
    unit_facts: Callable[[str], UnitFacts | None],
) -> Plan:
    """The commands of ``row``'s case (in the procedure's order) and the problems of its input."""
    raw_code = row.cells.get("case_code")
    plan = Plan(row.number, str(raw_code) if raw_code is not None else "")
    b = _Builder(row, plan, today, None)
    unit_code = b.v("unit_code")
    b.unit = unit_facts(str(unit_code)) if unit_code is not None else None
    if unit_code is not None and b.unit is None:
        plan.problem(
            "unit_code",
            "NOT_FOUND",
            f"Không tìm thấy đơn vị «{unit_code}».",
            f"No unit '{unit_code}' exists in this tenant.",
        )
        b.cells.bad.add("decision_authority")  # taken from the unit: not this row's problem
    v = b.v
    person = {f: v(key) for f, key in _PERSON.items()}
    prior = None
    if b.cells.has("prior_left_on") or b.cells.has("prior_reason"):
        prior = {
            "left_on": v("prior_left_on"),
            "reason": v("prior_reason"),
            "conviction_expunged_on": v("prior_expunged_on"),
        }
    b.add(
        DiscoverCandidate,
        "discovered_on",
        {
            "unit_code": unit_code,
            "person": {k: x for k, x in person.items() if x is not None},
            "occurred_on": v("discovered_on"),
            "introduced_by": v("introduced_by"),
            "prior_membership": prior,
            "notes": v("notes"),
        },
        {
            "unit_code": "unit_code",
            "introduced_by": "introduced_by",
            "notes": "notes",
            "prior_membership": "prior_left_on",
            "prior_membership.reason": "prior_reason",
            "prior_membership.conviction_expunged_on": "prior_expunged_on",
            **{f"person.{f}": key for f, key in _PERSON.items()},
            "person": "full_name",
        },
    )
    if b.cells.has("sympathizer_on"):
        b.add(AddToSympathizerList, "sympathizer_on", {"occurred_on": v("sympathizer_on")}, {})
    if b.cells.has("helper_on"):
        b.add(
            AssignHelper,
            "helper_on",
            {"occurred_on": v("helper_on"), "member_name": v("helper_name")},
            {"member_name": "helper_name"},
        )
    _awareness_and_application(b)
    _sponsors(b)
    _verification(b)
    _resolutions(b)
    _membership(b)
    _exit(b)
    return plan


def _awareness_and_application(b: _Builder) -> None:
    v = b.v
    if b.cells.has("awareness_on"):
        on = v("awareness_on")
        b.add(
            RecordAwarenessCertificate,
            "awareness_on",
            {
                "occurred_on": on,
                "document": b.doc("GCN lớp nhận thức", "awareness", on, v("awareness_by")),
            },
            {"document": "awareness_no", "document.issuer": "awareness_by"},
        )
    if b.cells.has("application_on"):
        on = v("application_on")
        name = v("full_name")
        b.add(
            SubmitApplication,
            "application_on",
            {
                "occurred_on": on,
                "document": b.doc("1-KNĐ", "application", on, name),
                "personal_history": b.doc("2-KNĐ", "history", on, name),
            },
            {
                "document": "application_no",
                "document.issuer": "full_name",  # the applicant
                "personal_history": "history_no",
                "personal_history.issuer": "full_name",
            },
        )


def _sponsors(b: _Builder) -> None:
    v = b.v
    steps: list[tuple[date, int, Callable[[], None]]] = []

    def sponsor(n: int) -> Callable[[], None]:
        g = f"sponsor{n}"

        def add() -> None:
            on = v(f"{g}_on")
            name = v(f"{g}_name")
            b.add(
                AddSponsor,
                f"{g}_on",
                {
                    "occurred_on": on,
                    "sponsor": {
                        "member_id": v(f"{g}_id"),
                        "full_name": name,
                        "full_member_since": v(f"{g}_full_since"),
                        "together_since": v(f"{g}_together_since"),
                    },
                    "document": b.doc("3-KNĐ", g, on, name),
                },
                {
                    "document": f"{g}_no",
                    "document.issuer": f"{g}_name",  # the sponsor signs the letter
                    "sponsor": f"{g}_id",
                    "sponsor.member_id": f"{g}_id",
                    "sponsor.full_name": f"{g}_name",
                    "sponsor.full_member_since": f"{g}_full_since",
                    "sponsor.together_since": f"{g}_together_since",
                },
            )

        return add

    def union() -> None:
        on = v("union_on")
        b.add(
            RecordUnionIntroduction,
            "union_on",
            {
                "occurred_on": on,
                "organization": v("union_organization"),
                "document": b.doc("4-KNĐ", "union", on, v("union_by")),
            },
            {
                "organization": "union_organization",
                "document": "union_no",
                "document.issuer": "union_by",
            },
        )

    for order, (key, add) in enumerate(
        (("sponsor1_on", sponsor(1)), ("sponsor2_on", sponsor(2)), ("union_on", union))
    ):
        if b.cells.has(key):
            on = v(key)
            if on is not None:
                steps.append((on, order, add))
    for _, _, add in sorted(steps, key=lambda s: (s[0], s[1])):
        add()


def _verification(b: _Builder) -> None:
    v = b.v
    if b.cells.has("verification_on"):
        on = v("verification_on")
        passed = v("verification_passed")
        b.add(
            RecordBackgroundVerification,
            "verification_on",
            {
                "occurred_on": on,
                "passed": True
                if passed is None and "verification_passed" not in b.cells.bad
                else passed,
                "conclusion": v("verification_conclusion"),
                "document": b.doc("KL thẩm tra", "verification", on, v("verification_by")),
            },
            {
                "passed": "verification_passed",
                "conclusion": "verification_conclusion",
                "document": "verification_no",
                "document.issuer": "verification_by",
            },
        )
    if b.cells.has("comments_on"):
        on = v("comments_on")
        source = v("comments_source")
        b.add(
            RecordComments,
            "comments_on",
            {
                "occurred_on": on,
                "source": source,
                "document": b.doc("5-KNĐ", "comments", on, source),
            },
            {
                "source": "comments_source",
                "document": "comments_no",
                "document.issuer": "comments_source",
            },
        )


def _resolutions(b: _Builder) -> None:
    v = b.v
    if b.cells.has("branch_on"):
        on = v("branch_on")
        b.add(
            RecordBranchResolution,
            "branch_on",
            {
                "occurred_on": on,
                "official_members": v("branch_members"),
                "votes_for": v("branch_votes"),
                "document": b.doc("6-KNĐ", "branch", on, b.branch_name()),
                "special_area": v("branch_special_area"),
                "education_exception": b.doc(
                    "VB cho phép hạ chuẩn", "exception", on, v("exception_by")
                ),
                "readmission_consent": b.doc(
                    "CV đồng ý kết nạp lại", "readmission", on, v("readmission_by")
                ),
            },
            {
                "official_members": "branch_members",
                "votes_for": "branch_votes",
                "votes": "branch_votes",
                "document": "branch_no",
                "special_area": "branch_special_area",
                "education_exception": "exception_no",
                "education_exception.issuer": "exception_by",
                "readmission_consent": "readmission_no",
                "readmission_consent.issuer": "readmission_by",
            },
        )
    if b.cells.has("committee_on"):
        on = v("committee_on")
        b.add(
            RecordCommitteeResolution,
            "committee_on",
            {
                "occurred_on": on,
                "committee_members": v("committee_members"),
                "votes_for": v("committee_votes"),
                "document": b.doc("8-KNĐ", "committee", on, b.committee_name()),
            },
            {
                "committee_members": "committee_members",
                "votes_for": "committee_votes",
                "votes": "committee_votes",
                "document": "committee_no",
            },
        )
    if b.cells.has("decision_on"):
        on = v("decision_on")
        authority = v("decision_authority")
        if authority is None and "decision_authority" not in b.cells.bad and b.unit:
            authority = b.unit.authority
        b.add(
            RecordAdmissionDecision,
            "decision_on",
            {
                "occurred_on": on,
                "decided_by": authority,
                "document": b.doc("9-KNĐ", "decision", on, v("decision_by")),
            },
            {
                "decided_by": "decision_authority",
                "document": "decision_no",
                "document.issuer": "decision_by",
            },
        )


def _membership(b: _Builder) -> None:
    v = b.v
    if b.cells.has("ceremony_on"):
        received = v("decision_received_on")
        if received is None and not b.cells.has("decision_received_on"):
            received = v("decision_on")
        b.add(
            HoldAdmissionCeremony,
            "ceremony_on",
            {"occurred_on": v("ceremony_on"), "decision_received_on": received},
            {"decision_received_on": "decision_received_on"},
        )
    if b.cells.has("new_member_class_on"):
        on = v("new_member_class_on")
        b.add(
            RecordNewMemberClass,
            "new_member_class_on",
            {
                "occurred_on": on,
                "document": b.doc(
                    "GCN lớp đảng viên mới", "new_member_class", on, v("new_member_class_by")
                ),
            },
            {"document": "new_member_class_no", "document.issuer": "new_member_class_by"},
        )
    if b.cells.has("recognition_papers_on"):
        on = v("recognition_papers_on")
        for form in _BRANCH_RECOGNITION:
            b.add(
                RecordRecognitionDocument,
                "recognition_papers_on",
                {
                    "occurred_on": on,
                    "form": form,
                    "document": {
                        "kind": form.value,
                        "number": f"{form.value}/{b.case_code}",
                        "issued_on": on,
                        "issuer": b.branch_name(),
                    },
                },
                {},
            )
    if b.cells.has("recognition_vote_on"):
        on = v("recognition_vote_on")
        b.add(
            RecordRecognitionVote,
            "recognition_vote_on",
            {
                "occurred_on": on,
                "official_members": v("recognition_vote_members"),
                "votes_for": v("recognition_vote_votes"),
                "document": b.doc("NQ xét chính thức", "recognition_vote", on, b.branch_name()),
            },
            {
                "official_members": "recognition_vote_members",
                "votes_for": "recognition_vote_votes",
                "votes": "recognition_vote_votes",
                "document": "recognition_vote_no",
            },
        )
    if b.cells.has("recognition_committee_on"):
        on = v("recognition_committee_on")
        b.add(
            RecordRecognitionDocument,
            "recognition_committee_on",
            {
                "occurred_on": on,
                "form": RecognitionForm.GRASSROOTS_RESOLUTION,
                "document": b.doc("15-KNĐ", "recognition_committee", on, b.committee_name()),
            },
            {"document": "recognition_committee_no"},
        )
    if b.cells.has("recognition_on"):
        on = v("recognition_on")
        b.add(
            RecordRecognitionDecision,
            "recognition_on",
            {
                "occurred_on": on,
                "document": b.doc("QĐ công nhận", "recognition", on, v("recognition_by")),
            },
            {"document": "recognition_no", "document.issuer": "recognition_by"},
        )


_EXITS: dict[ExitKind, type[Command]] = {
    ExitKind.REJECTED: RejectCandidate,
    ExitKind.WITHDRAWN: WithdrawCandidate,
    ExitKind.REMOVED_FROM_LIST: RemoveFromList,
    ExitKind.MEMBERSHIP_ENDED: EndMembership,
}


def _exit(b: _Builder) -> None:
    v = b.v
    if not (b.cells.has("exit_kind") or b.cells.has("exit_on")):
        return
    kind = v("exit_kind")
    if kind is None:
        if "exit_kind" not in b.cells.bad:
            b.plan.problem(
                "exit_kind",
                "FIELD_REQUIRED",
                "Thiếu trường bắt buộc: ghi cách ra khỏi quy trình.",
                "This field is required: say how the case left the procedure.",
            )
        return
    on = v("exit_on")
    values: dict[str, Any] = {
        "occurred_on": on,
        "explanation": v("exit_explanation"),
        "document": b.doc("Văn bản", "exit", on, v("exit_by")),
    }
    if kind is not ExitKind.WITHDRAWN:
        values["reason"] = v("exit_reason")
    b.add(
        _EXITS[kind],
        "exit_on",
        values,
        {
            "reason": "exit_reason",
            "explanation": "exit_explanation",
            "document": "exit_no",
            "document.issuer": "exit_by",
        },
    )
