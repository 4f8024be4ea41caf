"""Canonical input (docs/commands.md): every command is made canonical once, at the boundary.

Look-alike spellings of a code are one code or refused, never a second object; names hold a
letter; lengths, numbers and dates are bounded; every violation of one input is reported at
once with its path.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import (
    COMMANDS,
    AddSponsor,
    AssignSupplementaryQuota,
    DeclareDayOff,
    DiscoverCandidate,
    EstablishUnit,
    ReportHeadcount,
    SetQuota,
    SetSourcePoolRatio,
    Step,
)
from domain.errors import InputViolations
from domain.inputs import (
    Bad,
    CodeSpec,
    NameSpec,
    Spec,
    TextSpec,
    canonical,
    hints,
    nested_value,
    spec_fields,
    spec_of,
    unwrap_optional,
)
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget, TargetKind
from domain.rules import Sponsor
from domain.values import DocumentRef, Gender

TODAY = date(2026, 11, 29)
#: The facts every profile must give, as a Python caller writes them (enum values).
PERSON_FACTS: dict[str, Any] = {
    "ethnicity": "kinh",
    "religion": "none",
    "education": "upper_secondary",
    "professional_level": "none",
    "political_theory": "none",
    "occupation": "worker",
    "workplace_type": "other",
    "is_youth_union_member": False,
    "is_trade_union_member": False,
}


def violations(cls: type, raw: Any) -> dict[str, str]:
    """path → code of every violation of ``raw``."""
    with pytest.raises(InputViolations) as refused:
        canonical(cls, raw, today=TODAY)
    return {v.path: v.code for v in refused.value.violations}


def discovery(**changes: Any) -> dict[str, Any]:
    person = {
        "full_name": "Nguyễn Thị Lan",
        "birth_date": date(1998, 4, 12),
        "gender": "female",
        **PERSON_FACTS,
    }
    return {
        "case_code": "HS-1",
        "unit_code": "CB1",
        "person": {**person, **changes.pop("person", {})},
        "occurred_on": date(2025, 1, 6),
        "introduced_by": "branch",
        **changes,
    }


def test_every_field_of_every_command_is_declared_with_a_description() -> None:
    for command in COMMANDS:
        for f in spec_fields(command):
            assert spec_of(f).description.strip(), (command.__name__, f.name)


def test_every_text_number_and_date_field_is_bounded() -> None:
    """No command carries free text, a number or a date without its rule (``given`` is for
    enums, booleans and nested values)."""
    seen: set[type] = set()
    pending: list[type] = list(COMMANDS)
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in spec_fields(cls):
            inner, _ = unwrap_optional(hints(cls)[f.name])
            nested = nested_value(inner)
            if nested is not None:
                pending.append(nested)
            elif inner in (str, int, date, Decimal):
                assert type(spec_of(f)) is not Spec, (cls.__name__, f.name)
    assert {DocumentRef, Sponsor} <= seen


def test_the_nfd_spelling_of_a_code_is_the_same_code() -> None:
    nfd = unicodedata.normalize("NFD", "HS-ĐỒNG-1")
    assert nfd != "HS-ĐỒNG-1"
    command = canonical(DiscoverCandidate, discovery(case_code=nfd), today=TODAY)
    assert command.case_code == "HS-ĐỒNG-1"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("HS\u200b1", "CODE_INVISIBLE_CHARACTER"),  # zero-width space
        ("\ufeffHS1", "CODE_INVISIBLE_CHARACTER"),  # BOM
        ("HS\u202e1", "CODE_INVISIBLE_CHARACTER"),  # bidi override
        ("HS\x001", "CONTROL_CHARACTER"),  # NUL
        ("HS\n1", "CODE_INVISIBLE_CHARACTER"),
        ("HS\x1b1", "CODE_INVISIBLE_CHARACTER"),  # ESC
        (" HS1", "CODE_WHITESPACE"),
        ("HS1 ", "CODE_WHITESPACE"),
        ("HS 1", "CODE_INVISIBLE_CHARACTER"),  # no inner space in a case code
        ("HS-١", "CODE_DIGITS"),  # Arabic-Indic digit one
        ("", "CODE_REQUIRED"),
        ("   ", "CODE_REQUIRED"),
        ("H" * 65, "CODE_TOO_LONG"),
    ],
)
def test_a_look_alike_case_code_is_refused(code: str, error: str) -> None:
    assert violations(DiscoverCandidate, discovery(case_code=code)) == {"case_code": error}


def test_a_document_number_may_hold_single_inner_spaces_but_nothing_invisible() -> None:
    ok = canonical(
        DocumentRef, DocumentRef("QĐ hợp nhất", "12 /QĐ-TU", TODAY, "Tỉnh ủy"), today=TODAY
    )
    assert ok.number == "12 /QĐ-TU"
    bad = DocumentRef("QĐ", "12\u200b/QĐ", TODAY, "Tỉnh ủy")
    assert violations(DocumentRef, bad) == {"number": "CODE_INVISIBLE_CHARACTER"}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("\u200b\u200b", "NAME_INVALID_CHARACTER"),
        ("   ", "NAME_REQUIRED"),
        ("12345", "NAME_REQUIRED"),
        ("Lan\x00", "CONTROL_CHARACTER"),
        ("Lan\tAnh", "NAME_INVALID_CHARACTER"),
        ("L" * 201, "NAME_TOO_LONG"),
        ("A" * 10_000, "NAME_TOO_LONG"),
    ],
)
def test_a_name_needs_a_letter_and_no_control_characters(name: str, error: str) -> None:
    assert violations(DiscoverCandidate, discovery(person={"full_name": name})) == {
        "person.full_name": error
    }


def test_a_name_is_trimmed_and_its_spaces_collapsed_in_nfc() -> None:
    raw = discovery(person={"full_name": "  Nguye\u0302\u0303n   Văn An "})
    assert canonical(DiscoverCandidate, raw, today=TODAY).person.full_name == "Nguyễn Văn An"


def test_notes_are_bounded_to_ten_thousand_characters() -> None:
    assert canonical(DiscoverCandidate, discovery(notes="x" * 10_000), today=TODAY).notes
    assert violations(DiscoverCandidate, discovery(notes="x" * 900_000)) == {
        "notes": "TEXT_TOO_LONG"
    }


def test_an_identity_number_has_nine_or_twelve_digits() -> None:
    assert violations(DiscoverCandidate, discovery(person={"identity_number": "' OR 1=1 --"})) == {
        "person.identity_number": "IDENTITY_NUMBER_INVALID"
    }
    assert violations(
        DiscoverCandidate, discovery(person={"identity_number": "０７９０９８１２３４５６"})
    )
    raw = discovery(person={"identity_number": "079098123456"})
    assert canonical(DiscoverCandidate, raw, today=TODAY).person.identity_number == "079098123456"


def test_a_discovered_person_is_at_least_sixteen() -> None:
    raw = discovery(person={"birth_date": date(2010, 1, 7)}, occurred_on=date(2026, 1, 6))
    assert violations(DiscoverCandidate, raw) == {"person.birth_date": "BIRTH_DATE_INVALID"}
    raw["person"]["birth_date"] = date(2010, 1, 6)
    assert canonical(DiscoverCandidate, raw, today=TODAY)


@pytest.mark.parametrize(
    ("day", "error"),
    [
        (date(1, 1, 1), "DATE_TOO_EARLY"),
        (date(1899, 12, 31), "DATE_TOO_EARLY"),
        (date(2026, 11, 30), "DATE_IN_FUTURE"),
        (date(9999, 12, 31), "DATE_IN_FUTURE"),
    ],
)
def test_a_step_happened_between_1900_and_today(day: date, error: str) -> None:
    raw = {"case_code": "HS-1", "occurred_on": day}
    assert violations(Step, raw) == {"occurred_on": error}


def test_a_day_off_may_be_declared_ahead_but_not_for_centuries() -> None:
    assert canonical(DeclareDayOff, {"day": date(2027, 9, 2)}, today=TODAY)
    assert violations(DeclareDayOff, {"day": date(9999, 12, 31)}) == {"day": "DATE_TOO_LATE"}
    assert violations(DeclareDayOff, {"day": date(1, 1, 1)}) == {"day": "DATE_TOO_EARLY"}


@pytest.mark.parametrize(
    ("command", "raw", "path"),
    [
        (ReportHeadcount, {"code": "CB", "members": 2_147_483_647}, "members"),
        (ReportHeadcount, {"code": "CB", "members": -1}, "members"),
        (
            AssignSupplementaryQuota,
            {"unit_code": "CB", "period": "2024", "amount": 2**31, "reason": "x"},
            "amount",
        ),
        (
            AssignSupplementaryQuota,
            {"unit_code": "CB", "period": "2024", "amount": -(2**31), "reason": "x"},
            "amount",
        ),
    ],
)
def test_numbers_are_bounded_to_realistic_ranges(
    command: type, raw: dict[str, Any], path: str
) -> None:
    raw = {"occurred_on": date(2024, 6, 1), "document": DocumentRef("QĐ", "1", TODAY, "X"), **raw}
    assert violations(command, raw)[path] == "NUMBER_OUT_OF_RANGE"


def test_a_period_is_written_with_ascii_digits() -> None:
    raw = {
        "unit_code": "CB",
        "period": "２０２４",
        "target": {"kind": TargetKind.NUMBER, "minimum": "5"},
        "occurred_on": date(2024, 1, 1),
    }
    assert violations(SetQuota, raw) == {"period": "CODE_DIGITS"}
    raw["period"] = "2024-Q3"
    assert canonical(SetQuota, raw, today=TODAY).period == Period.quarter(2024, 3)


def test_a_number_written_as_text_is_read_once() -> None:
    command = canonical(SetSourcePoolRatio, {"minimum": "1.5", "maximum": "2"}, today=TODAY)
    assert (command.minimum, command.maximum) == (Decimal("1.5"), Decimal(2))
    assert violations(SetSourcePoolRatio, {"minimum": "1,5", "maximum": "NaN"}) == {
        "minimum": "NUMBER_INVALID",
        "maximum": "NUMBER_INVALID",
    }


def test_a_target_without_maximum_is_its_minimum() -> None:
    raw = {"kind": TargetKind.RANGE, "minimum": "30"}
    assert canonical(QuotaTarget, raw, today=TODAY) == QuotaTarget.range(30, 30)
    raw = {"kind": TargetKind.NUMBER, "minimum": "3", "maximum": "5"}
    assert violations(QuotaTarget, raw) == {"maximum": "QUOTA_TARGET_INVALID"}


def test_every_violation_of_one_input_is_reported_together() -> None:
    raw = {
        "case_code": "HS\u200b2",
        "occurred_on": date(2030, 1, 1),
        "notes": "\x00",
        "sponsor": {
            "member_id": " ",
            "full_name": "\u200b",
            "together_since": date(1800, 1, 1),
            "surprise": 1,
        },
    }
    assert violations(AddSponsor, raw) == {
        "case_code": "CODE_INVISIBLE_CHARACTER",
        "occurred_on": "DATE_IN_FUTURE",
        "notes": "CONTROL_CHARACTER",
        "sponsor.member_id": "CODE_REQUIRED",
        "sponsor.full_name": "NAME_INVALID_CHARACTER",
        "sponsor.together_since": "DATE_TOO_EARLY",
        "sponsor.surprise": "FIELD_UNKNOWN",
    }


def test_paths_are_written_in_the_callers_naming() -> None:
    with pytest.raises(InputViolations) as refused:
        canonical(
            AddSponsor,
            {
                "case_code": "HS-1",
                "occurred_on": date(2025, 1, 1),
                "sponsor": {"member_id": "DV-1", "full_name": "A", "together_since": date(1, 1, 1)},
            },
            today=TODAY,
            name_of=lambda f: f.name.replace("_", "").upper(),
            prefix="input",
        )
    assert [v.path for v in refused.value.violations] == ["input.SPONSOR.TOGETHERSINCE"]


def test_a_command_built_in_python_is_checked_the_same_way() -> None:
    command = EstablishUnit(
        code="CB\u200b1",
        name="Chi bộ 1",
        kind=UnitKind.BRANCH,
        parent_code=None,
        occurred_on=date(2020, 1, 1),
    )
    assert violations(EstablishUnit, command) == {"code": "CODE_INVISIBLE_CHARACTER"}
    sponsor = Sponsor("DV-1", " Trần  Văn B ", date(2010, 1, 1), date(2019, 1, 1))
    step = AddSponsor(case_code="HS-1", occurred_on=TODAY, sponsor=sponsor)
    assert canonical(AddSponsor, step, today=TODAY).sponsor.full_name == "Trần Văn B"


# --- properties over any text -------------------------------------------------------------------
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"])
    | st.sampled_from("\u200b\ufeff\u202e\x00 \t\n"),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_a_canonical_code_is_canonical_again_and_shows_nothing_hidden(raw: str) -> None:
    spec = CodeSpec("a code")
    try:
        cleaned = spec.clean(raw, TODAY)
    except Bad:
        return
    assert spec.clean(cleaned, TODAY) == cleaned
    assert cleaned == unicodedata.normalize("NFC", cleaned) == cleaned.strip()
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"} for c in cleaned)
    assert not any(c.isspace() for c in cleaned)
    assert all("0" <= c <= "9" for c in cleaned if unicodedata.category(c) == "Nd")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_a_canonical_name_is_canonical_again_and_holds_a_letter(raw: str) -> None:
    spec = NameSpec("a name")
    try:
        cleaned = spec.clean(raw, TODAY)
    except Bad:
        return
    assert spec.clean(cleaned, TODAY) == cleaned
    assert any(c.isalpha() for c in cleaned)
    assert len(cleaned) <= 200
    assert "\x00" not in cleaned
    assert "  " not in cleaned


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_canonical_text_is_canonical_again_and_never_holds_nul(raw: str) -> None:
    spec = TextSpec("notes")
    try:
        cleaned = spec.clean(raw, TODAY)
    except Bad:
        return
    assert spec.clean(cleaned, TODAY) == cleaned
    assert "\x00" not in cleaned
    assert "\u202e" not in cleaned


def test_an_enum_is_read_by_its_value_or_its_name_and_nothing_else() -> None:
    for gender in ("female", "FEMALE"):
        raw = discovery(person={"gender": gender})
        assert canonical(DiscoverCandidate, raw, today=TODAY).person.gender is Gender.FEMALE
    assert violations(DiscoverCandidate, discovery(person={"gender": "nữ"})) == {
        "person.gender": "VALUE_UNKNOWN"
    }
    assert violations(DiscoverCandidate, discovery(person={"gender": ["female"]})) == {
        "person.gender": "VALUE_UNKNOWN"
    }


# --- nothing a command accepts can fail a projection ---------------------------------------------
def _leaf_specs(cls: type, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(path, hint, spec) of every leaf field of ``cls``, nested values walked."""
    found = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        hint = hints(cls)[f.name]
        inner = nested_value(hint)
        if inner is not None:
            found += _leaf_specs(inner, f"{prefix}{f.name}.")
        else:
            found.append((f"{cls.__name__}.{prefix}{f.name}", hint, spec_of(f)))
    return found


def test_every_text_field_of_every_command_refuses_what_no_text_column_can_hold() -> None:
    """NUL (PostgreSQL cannot store it) and lone surrogates (no UTF-8 form) are refused by every
    field that takes text, so no accepted command can carry one into a projection."""
    checked, accepted = 0, []
    for command in COMMANDS:
        for path, hint, spec in _leaf_specs(command):
            inner, _ = unwrap_optional(hint)
            if type(spec) is Spec:
                # Only enums and booleans are checked by their type alone: never free text.
                assert inner is bool or issubclass(inner, Enum), path
                continue
            for poison in ("\x00", "\ud800", "\udfff"):
                for raw in (poison, f"HS-1{poison}", f"Lan{poison}Anh"):
                    try:
                        spec.clean(raw, TODAY)
                    except Bad:
                        continue
                    accepted.append((path, raw))
            checked += 1
    assert accepted == []
    assert checked > 100


def test_who_introduced_the_candidate_is_never_assumed() -> None:
    """The funnel counts candidates by who introduced them (the branch itself, the Youth Union,
    the Trade Union…): a discovery without it is refused, not counted as the branch's."""
    raw = discovery()
    del raw["introduced_by"]
    assert violations(DiscoverCandidate, raw) == {"introduced_by": "FIELD_REQUIRED"}
