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
from typing import Any, cast

from domain.classifications import fold
from domain.commands import (
    AddSponsor,
    AddToSympathizerList,
    AssignHelper,
    AssignTestTask,
    Command,
    DiscoverCandidate,
    EndMembership,
    HoldAdmissionCeremony,
    MoveCandidate,
    ReceiveTransferredCandidate,
    RecordAdmissionDecision,
    RecordAwarenessCertificate,
    RecordBackgroundVerification,
    RecordBranchResolution,
    RecordComments,
    RecordCommitteeResolution,
    RecordDelayReview,
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
from domain.org_units import OrgUnit
from domain.rules import AdmissionAuthority, RecognitionForm, is_two_thirds
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
    """What a row's documents take from its unit: the names their issuers are written with —
    each as it was on the step's date, since a unit keeps its renames (``OrgUnit.name_on``) —
    and who decides admissions."""

    unit: OrgUnit
    #: The unit's grassroots organisation (tổ chức cơ sở đảng) under today's tree.
    grassroots: OrgUnit

    @property
    def authority(self) -> AdmissionAuthority | None:
        """Who decides the unit's admissions."""
        return self.grassroots.admission_authority


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


#: The columns of the discovery: a received case was not discovered here.
_DISCOVERY = (
    "discovered_on",
    "introduced_by",
    "prior_left_on",
    "prior_reason",
    "prior_expunged_on",
)
#: The columns that make a row a case received from another committee.
_RECEIVED = ("received_on", "received_from", "received_no", "received_stage", "received_full_since")
#: Late steps and the columns of their responsibility review (``RecordDelayReview.step``).
_REVIEWS = (
    ("admission_decision", "decision_review"),
    ("ceremony", "ceremony_review"),
    ("recognition_decision", "recognition_review"),
)


class _Builder:
    """Builds a row's steps; each command made canonical at once."""

    def __init__(self, row: SheetRow, plan: Plan, today: date, unit: UnitFacts | None) -> None:
        self.cells = _Cells(row, plan)
        self.plan = plan
        self.today = today
        self.unit = unit
        self.case_code = plan.case_code
        #: A case received from another committee: the day it was received (None if unreadable).
        self.received = False
        self.received_on: date | None = None
        #: A move to another branch: its date and the branch (steps after it are that branch's).
        self.move_on: date | None = None
        self.target: UnitFacts | None = None

    def v(self, key: str) -> Any:
        return self.cells.value(key)

    def before_receipt(self, key: str) -> bool:
        """Whether the step dated in ``key`` was done where the case came from (on or before
        the day it was received here)."""
        if not self.received or not self.cells.has(key):
            return False
        on = self.v(key)
        return on is not None and self.received_on is not None and on <= self.received_on

    def due(self, key: str, *, carried: bool = False) -> bool:
        """Whether the step dated in ``key`` is a command of this row: its date is filled and,
        for a received case, after the day it was received. A step done before, where the case
        came from, is in the transferred dossier when the dossier ``carried`` it; otherwise it
        cannot be recorded here and is reported."""
        if not self.cells.has(key):
            return False
        if not self.received:
            return True
        on = self.v(key)
        if on is None or self.received_on is None:
            return False  # the cell's (or the receipt's) own problem says it
        if on > self.received_on:
            return True
        if not carried:
            self.plan.problem(
                key,
                "STEP_BEFORE_RECEIPT",
                "Hồ sơ nhận chuyển đến không mang bước này (làm ở nơi chuyển đi, trước ngày "
                "nhận): để trống ô, hoặc ghi ngày sau ngày nhận nếu làm ở đây.",
                "A received case's dossier does not carry this step (done where the case came "
                "from, before it was received): leave the cell empty, or date it after the "
                "receipt if it was done here.",
            )
        return False

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

    def unit_on(self, on: date | None) -> UnitFacts | None:
        """The branch following the case on ``on``: the one it moved to, after a move."""
        if self.target is not None and self.move_on is not None and on and on > self.move_on:
            return self.target
        return self.unit

    def branch_name(self, on: date | None) -> str:
        """The branch's name on ``on`` (the issuer of its resolutions)."""
        unit = self.unit_on(on)
        if unit is None:
            return str(self.v("unit_code") or "")
        return unit.unit.name_on(on) if on else unit.unit.name

    def committee_name(self, on: date | None) -> str:
        """The grassroots committee's name on ``on`` (the issuer of its resolutions)."""
        unit = self.unit_on(on)
        if unit is None:
            return str(self.v("unit_code") or "")
        return unit.grassroots.name_on(on) if on else unit.grassroots.name


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
    if b.cells.has("move_on") or b.cells.has("move_unit"):
        b.move_on = b.v("move_on")
        target = b.v("move_unit")
        b.target = unit_facts(str(target)) if target is not None else None
        if target is not None and b.target is None:
            plan.problem(
                "move_unit",
                "NOT_FOUND",
                f"Không tìm thấy đơn vị «{target}».",
                f"No unit '{target}' exists in this tenant.",
            )
            b.cells.bad.add("move_unit")
    v = b.v
    person = {f: v(key) for f, key in _PERSON.items()}
    b.received = any(key in row.cells for key in _RECEIVED)
    if b.received:
        _receive(b, unit_code, person)
    else:
        _discover(b, unit_code, person)
    if b.due("sympathizer_on"):
        b.add(AddToSympathizerList, "sympathizer_on", {"occurred_on": v("sympathizer_on")}, {})
    if b.due("helper_on"):
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
    _reviews(b)
    _move(b)
    return plan


def _discover(b: _Builder, unit_code: Any, person: dict[str, Any]) -> None:
    v = b.v
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


def _receive(b: _Builder, unit_code: Any, person: dict[str, Any]) -> None:
    """A case received from another committee (``ReceiveTransferredCandidate``) at the stage it
    reached there: the steps dated up to the day it was received are its dossier, with the
    documents of that stage; the sending committee issued the transfer document and its own
    resolutions."""
    v = b.v
    for key in _DISCOVERY:
        if key in b.cells.raw:
            b.plan.problem(
                key,
                "NOT_FOR_RECEIVED_CASE",
                "Hồ sơ nhận chuyển đến không được phát hiện ở đây: để trống ô này.",
                "A case received from another committee was not discovered here: leave this "
                "cell empty.",
            )
    on = b.received_on = v("received_on")
    origin = v("received_from")
    dossier, columns = _dossier(b, origin)
    awareness = new_member_class = None
    if b.before_receipt("awareness_on"):
        day = v("awareness_on")
        awareness = b.doc("GCN lớp nhận thức", "awareness", day, v("awareness_by"))
    ceremony_on = v("ceremony_on") if b.before_receipt("ceremony_on") else None
    if b.before_receipt("new_member_class_on"):
        day = v("new_member_class_on")
        new_member_class = b.doc(
            "GCN lớp đảng viên mới", "new_member_class", day, v("new_member_class_by")
        )
    b.add(
        ReceiveTransferredCandidate,
        "received_on",
        {
            "unit_code": unit_code,
            "person": {k: x for k, x in person.items() if x is not None},
            "origin": origin,
            "stage": v("received_stage"),
            "occurred_on": on,
            "document": b.doc("Văn bản chuyển đến", "received", on, origin),
            "awareness_certificate": awareness,
            "ceremony_on": ceremony_on,
            "new_member_class": new_member_class,
            "full_member_since": v("received_full_since"),
            "dossier": dossier or None,
            "notes": v("notes"),
        },
        {
            "unit_code": "unit_code",
            "notes": "notes",
            "origin": "received_from",
            "stage": "received_stage",
            "document": "received_no",
            "document.issuer": "received_from",
            "awareness_certificate": _carried(b, "awareness"),
            "awareness_certificate.issuer": "awareness_by",
            "ceremony_on": "ceremony_on",
            "new_member_class": _carried(b, "new_member_class"),
            "new_member_class.issuer": "new_member_class_by",
            "full_member_since": "received_full_since",
            **{f"person.{f}": key for f, key in _PERSON.items()},
            "person": "full_name",
            **columns,
        },
    )


def _carried(b: _Builder, group: str) -> str:
    """The column blamed for a missing paper of ``group``: its number when the step is dated
    before the receipt (the number is missing), else its date (missing or after)."""
    return f"{group}_no" if b.before_receipt(f"{group}_on") else f"{group}_on"


def _sponsor(b: _Builder, g: str, on: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Sponsor ``g``'s member data and letter (3-KNĐ, signed by the sponsor)."""
    v = b.v
    name = v(f"{g}_name")
    member = {
        "member_id": v(f"{g}_id"),
        "full_name": name,
        "full_member_since": v(f"{g}_full_since"),
        "together_since": v(f"{g}_together_since"),
    }
    return member, b.doc("3-KNĐ", g, on, name)


def _sponsor_columns(g: str, prefix: str, member: str, letter: str) -> dict[str, str]:
    """Where sponsor ``g``'s fields under ``prefix`` came from."""
    return {
        f"{prefix}{letter}": f"{g}_no",
        f"{prefix}{letter}.issuer": f"{g}_name",  # the sponsor signs the letter
        f"{prefix}{member}": f"{g}_id",
        f"{prefix}{member}.member_id": f"{g}_id",
        f"{prefix}{member}.full_name": f"{g}_name",
        f"{prefix}{member}.full_member_since": f"{g}_full_since",
        f"{prefix}{member}.together_since": f"{g}_together_since",
    }


def _verified(b: _Builder) -> bool | None:
    """The verification's result: passed unless written otherwise."""
    passed = b.v("verification_passed")
    if passed is None and "verification_passed" not in b.cells.bad:
        return True
    return cast(bool | None, passed)


def _dossier(b: _Builder, origin: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The transferred dossier (``domain.transfer_dossier.Dossier``) from the steps dated up to
    the receipt, and where its fields came from."""
    v = b.v
    d: dict[str, Any] = {}
    columns: dict[str, str] = {
        "dossier": "received_stage",
        "dossier.application": _carried(b, "application"),
        "dossier.personal_history": "history_no"
        if b.before_receipt("application_on")
        else "application_on",
        # too few sponsors: the first introduction not carried is missing
        "dossier.first_sponsor": next(
            (f"{g}_on" for g in ("sponsor1", "sponsor2") if not b.before_receipt(f"{g}_on")),
            "sponsor1_on",
        ),
        "dossier.union_introduction": _carried(b, "union"),
        "dossier.union_introduction.organization": "union_organization",
        "dossier.union_introduction.resolution.issuer": "union_by",
        "dossier.verification": _carried(b, "verification"),
        "dossier.verification.passed": "verification_passed",
        "dossier.verification.conclusion": "verification_conclusion",
        "dossier.verification.document.issuer": "verification_by",
        "dossier.comments": _carried(b, "comments"),
        "dossier.comments.source": "comments_source",
        "dossier.branch_resolution": _carried(b, "branch"),
        "dossier.committee_resolution": _carried(b, "committee"),
        "dossier.admission_decision": _carried(b, "decision"),
        "dossier.admission_decision.issuer": "decision_by",
        "dossier.recognition_vote": _carried(b, "recognition_vote"),
    }
    if b.before_receipt("application_on"):
        on, name = v("application_on"), v("full_name")
        d["application"] = b.doc("1-KNĐ", "application", on, name)
        d["personal_history"] = b.doc("2-KNĐ", "history", on, name)
    places = iter(("first_sponsor", "second_sponsor"))
    for g in ("sponsor1", "sponsor2"):
        if b.before_receipt(f"{g}_on"):
            place = next(places)
            member, letter = _sponsor(b, g, v(f"{g}_on"))
            d[place] = {"sponsor": member, "letter": letter}
            columns |= _sponsor_columns(g, f"dossier.{place}", ".sponsor", ".letter")
    if b.before_receipt("union_on"):
        on = v("union_on")
        d["union_introduction"] = {
            "organization": v("union_organization"),
            "resolution": b.doc("4-KNĐ", "union", on, v("union_by")),
        }
    if b.before_receipt("verification_on"):
        on = v("verification_on")
        d["verification"] = {
            "passed": _verified(b),
            "conclusion": v("verification_conclusion"),
            "document": b.doc("KL thẩm tra", "verification", on, v("verification_by")),
        }
    if b.before_receipt("comments_on"):
        on, source = v("comments_on"), v("comments_source")
        d["comments"] = {"source": source, "document": b.doc("5-KNĐ", "comments", on, source)}
    # the sending committee's branch and grassroots committee issued these
    for key, group, form in (
        ("branch_resolution", "branch", "6-KNĐ"),
        ("committee_resolution", "committee", "8-KNĐ"),
        ("recognition_vote", "recognition_vote", "NQ xét chính thức"),
    ):
        if b.before_receipt(f"{group}_on"):
            d[key] = b.doc(form, group, v(f"{group}_on"), origin)
    if b.before_receipt("decision_on"):
        on = v("decision_on")
        d["admission_decision"] = b.doc("9-KNĐ", "decision", on, v("decision_by"))
    return {k: x for k, x in d.items() if x is not None}, columns


def _awareness_and_application(b: _Builder) -> None:
    v = b.v
    # a test task is given to a sympathizer, before or after the awareness class
    task_later = b.cells.has("task_on") and b.cells.has("awareness_on")
    task_later = task_later and (v("task_on") or date.min) > (v("awareness_on") or date.max)
    if not task_later:
        _test_task(b)
    if b.due("awareness_on", carried=True):
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
    if task_later:
        _test_task(b)
    if b.due("application_on", carried=True):
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


def _test_task(b: _Builder) -> None:
    if b.due("task_on"):
        b.add(
            AssignTestTask,
            "task_on",
            {"occurred_on": b.v("task_on"), "task": b.v("task_text")},
            {"task": "task_text"},
        )


def _sponsors(b: _Builder) -> None:
    v = b.v
    steps: list[tuple[date, int, Callable[[], None]]] = []

    def sponsor(n: int) -> Callable[[], None]:
        g = f"sponsor{n}"

        def add() -> None:
            on = v(f"{g}_on")
            member, letter = _sponsor(b, g, on)
            b.add(
                AddSponsor,
                f"{g}_on",
                {"occurred_on": on, "sponsor": member, "document": letter},
                _sponsor_columns(g, "", "sponsor", "document"),
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
        if b.due(key, carried=True):
            on = v(key)
            if on is not None:
                steps.append((on, order, add))
    for _, _, add in sorted(steps, key=lambda s: (s[0], s[1])):
        add()


def _verification(b: _Builder) -> None:
    v = b.v
    if b.due("verification_on", carried=True):
        on = v("verification_on")
        b.add(
            RecordBackgroundVerification,
            "verification_on",
            {
                "occurred_on": on,
                "passed": _verified(b),
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
    if b.due("comments_on", carried=True):
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


def _failed_branch_vote(b: _Builder) -> None:
    """An earlier branch meeting whose vote fell below 2/3: recorded as the domain records it
    (``BranchVoteFailed``, flagged), through the same command as the resolution."""
    v = b.v
    if not b.due("branch_failed_on"):
        return
    on = v("branch_failed_on")
    members, votes = v("branch_failed_members"), v("branch_failed_votes")
    # impossible counts are the command's to refuse (``check_vote_counts``)
    possible = members is not None and votes is not None and 0 <= votes <= members
    if possible and members > 0 and is_two_thirds(votes, members):
        b.plan.problem(
            "branch_failed_votes",
            "VOTE_NOT_FAILED",
            f"{votes}/{members} tán thành là đạt hai phần ba: lần biểu quyết này không phải "
            "lần không đạt.",
            f"{votes}/{members} in favour reaches two thirds: this vote did not fail.",
        )
        return
    b.add(
        RecordBranchResolution,
        "branch_failed_on",
        {
            "occurred_on": on,
            "official_members": members,
            "votes_for": votes,
            "document": b.doc("6-KNĐ", "branch_failed", on, b.branch_name(on)),
        },
        {
            "official_members": "branch_failed_members",
            "votes_for": "branch_failed_votes",
            "votes": "branch_failed_votes",
            "document": "branch_failed_no",
        },
    )


def _over_60(b: _Builder) -> dict[str, Any] | None:
    """The conditions declared with the over-60 consent, if any cell of them (or the consent)
    is filled; the command says what is missing."""
    keys = ("over60_no", "over60_health", "over60_prestige", "over60_place")
    if not any(key in b.cells.raw for key in keys):
        return None
    return {
        "good_health": b.v("over60_health"),
        "prestige": b.v("over60_prestige"),
        "place": b.v("over60_place"),
    }


def _resolutions(b: _Builder) -> None:
    v = b.v
    _failed_branch_vote(b)
    if b.due("branch_on", carried=True):
        on = v("branch_on")
        b.add(
            RecordBranchResolution,
            "branch_on",
            {
                "occurred_on": on,
                "official_members": v("branch_members"),
                "votes_for": v("branch_votes"),
                "document": b.doc("6-KNĐ", "branch", on, b.branch_name(on)),
                "special_area": v("branch_special_area"),
                "education_exception": b.doc(
                    "VB cho phép hạ chuẩn", "exception", on, v("exception_by")
                ),
                "over_60_consent": b.doc(
                    "VB đồng ý kết nạp người trên 60 tuổi", "over60", on, v("over60_by")
                ),
                "over_60_conditions": _over_60(b),
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
                "over_60_consent": "over60_no",
                "over_60_consent.issuer": "over60_by",
                "over_60_conditions": "over60_health",
                "over_60_conditions.good_health": "over60_health",
                "over_60_conditions.prestige": "over60_prestige",
                "over_60_conditions.place": "over60_place",
                "readmission_consent": "readmission_no",
                "readmission_consent.issuer": "readmission_by",
            },
        )
    if b.due("committee_on", carried=True):
        on = v("committee_on")
        b.add(
            RecordCommitteeResolution,
            "committee_on",
            {
                "occurred_on": on,
                "committee_members": v("committee_members"),
                "votes_for": v("committee_votes"),
                "document": b.doc("8-KNĐ", "committee", on, b.committee_name(on)),
            },
            {
                "committee_members": "committee_members",
                "votes_for": "committee_votes",
                "votes": "committee_votes",
                "document": "committee_no",
            },
        )
    if b.due("decision_on", carried=True):
        on = v("decision_on")
        authority = v("decision_authority")
        unit = b.unit_on(on)
        if authority is None and "decision_authority" not in b.cells.bad and unit:
            authority = unit.authority
        b.add(
            RecordAdmissionDecision,
            "decision_on",
            {
                "occurred_on": on,
                "decided_by": authority,
                "document": b.doc("9-KNĐ", "decision", on, v("decision_by")),
                "extension": b.doc(
                    "Gia hạn QĐ kết nạp", "decision_extension", on, v("decision_extension_by")
                ),
            },
            {
                "decided_by": "decision_authority",
                "document": "decision_no",
                "document.issuer": "decision_by",
                "extension": "decision_extension_no",
                "extension.issuer": "decision_extension_by",
            },
        )


def _membership(b: _Builder) -> None:
    v = b.v
    if b.due("ceremony_on", carried=True):
        on = v("ceremony_on")
        received = v("decision_received_on")
        if received is None and not b.cells.has("decision_received_on"):
            received = v("decision_on")
        b.add(
            HoldAdmissionCeremony,
            "ceremony_on",
            {
                "occurred_on": on,
                "decision_received_on": received,
                "superior_consent": b.doc(
                    "Đồng ý lễ kết nạp muộn", "ceremony_consent", on, v("ceremony_consent_by")
                ),
            },
            {
                "decision_received_on": "decision_received_on",
                "superior_consent": "ceremony_consent_no",
                "superior_consent.issuer": "ceremony_consent_by",
            },
        )
    if b.due("new_member_class_on", carried=True):
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
    if b.due("recognition_papers_on"):
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
                        "issuer": b.branch_name(on),
                    },
                },
                {},
            )
    if b.due("recognition_vote_on", carried=True):
        on = v("recognition_vote_on")
        b.add(
            RecordRecognitionVote,
            "recognition_vote_on",
            {
                "occurred_on": on,
                "official_members": v("recognition_vote_members"),
                "votes_for": v("recognition_vote_votes"),
                "document": b.doc("NQ xét chính thức", "recognition_vote", on, b.branch_name(on)),
            },
            {
                "official_members": "recognition_vote_members",
                "votes_for": "recognition_vote_votes",
                "votes": "recognition_vote_votes",
                "document": "recognition_vote_no",
            },
        )
    if b.due("recognition_committee_on"):
        on = v("recognition_committee_on")
        b.add(
            RecordRecognitionDocument,
            "recognition_committee_on",
            {
                "occurred_on": on,
                "form": RecognitionForm.GRASSROOTS_RESOLUTION,
                "document": b.doc("15-KNĐ", "recognition_committee", on, b.committee_name(on)),
            },
            {"document": "recognition_committee_no"},
        )
    if b.due("recognition_on"):
        on = v("recognition_on")
        b.add(
            RecordRecognitionDecision,
            "recognition_on",
            {
                "occurred_on": on,
                "document": b.doc("QĐ công nhận", "recognition", on, v("recognition_by")),
                "extension": b.doc(
                    "Gia hạn QĐ công nhận",
                    "recognition_extension",
                    on,
                    v("recognition_extension_by"),
                ),
            },
            {
                "document": "recognition_no",
                "document.issuer": "recognition_by",
                "extension": "recognition_extension_no",
                "extension.issuer": "recognition_extension_by",
            },
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
    if b.received and b.cells.has("exit_on") and not b.due("exit_on"):
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


def _reviews(b: _Builder) -> None:
    """The responsibility reviews of late steps (``RecordDelayReview``): after the steps, since
    a review may come after the case went on or ended; each closes its step's late flag."""
    for step, g in _REVIEWS:
        if b.due(f"{g}_on"):
            on = b.v(f"{g}_on")
            b.add(
                RecordDelayReview,
                f"{g}_on",
                {
                    "occurred_on": on,
                    "step": step,
                    "document": b.doc("Biên bản kiểm điểm", g, on, b.v(f"{g}_by")),
                },
                {"document": f"{g}_no", "document.issuer": f"{g}_by", "step": f"{g}_on"},
            )


def _move(b: _Builder) -> None:
    """A move to another branch (``MoveCandidate``), placed among the steps by its date: the
    steps dated after it are the new branch's (steps on the day of the move come before it).
    The transfer document's issuer, unless written, is the grassroots committee moving it."""
    if not b.due("move_on"):
        return
    on = b.v("move_on")
    issuer = b.v("move_by") or b.committee_name(on)
    steps = b.plan.steps
    count = len(steps)
    b.add(
        MoveCandidate,
        "move_on",
        {
            "occurred_on": on,
            "unit_code": b.v("move_unit"),
            "document": b.doc("Văn bản chuyển sinh hoạt", "move", on, issuer),
        },
        {"unit_code": "move_unit", "unit": "move_unit", "document": "move_no"}
        | ({"document.issuer": "move_by"} if b.cells.has("move_by") else {}),
    )
    if len(steps) == count or on is None:
        return
    move = steps.pop()
    later = (i for i, s in enumerate(steps) if i > 0 and getattr(s.command, "occurred_on", on) > on)
    steps.insert(next(later, len(steps)), move)
