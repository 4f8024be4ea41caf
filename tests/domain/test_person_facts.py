"""The facts of a candidate's profile that rules and reports read are given, never assumed; the
ethnicity is one of the 54 groups of Vietnam and the religion one of a list, both with their
Vietnamese names (issue 13, "Silent defaults skew the reports"; docs/regulations.md, "Personal
data feeding rules and statistics")."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest

from domain.classifications import Ethnicity, Religion, fold
from domain.commands import DiscoverCandidate, ProfileCorrection
from domain.errors import InputViolations
from domain.inputs import canonical
from domain.rules import check_education
from domain.values import EducationLevel
from tests.domain.builders import AN

TODAY = date(2026, 11, 29)
#: Every fact a profile must give (Python names), with a value as a Python caller writes it.
FACTS: dict[str, Any] = {
    "ethnicity": "tay",
    "religion": "none",
    "education": "lower_secondary",
    "professional_level": "vocational",
    "political_theory": "none",
    "occupation": "farmer",
    "workplace_type": "residential_area",
    "is_youth_union_member": True,
    "is_trade_union_member": False,
}


def discovery(**person: Any) -> dict[str, Any]:
    """A discovery as a mapping of raw values (the CLI's and the API's path into the domain)."""
    return {
        "case_code": "HS-1",
        "unit_code": "CB1",
        "person": {
            "full_name": "Lò Thị Mai",
            "birth_date": date(1999, 3, 8),
            "gender": "female",
            **person,
        },
        "occurred_on": date(2025, 1, 6),
        "introduced_by": "branch",
    }


def refusals(raw: dict[str, Any]) -> InputViolations:
    with pytest.raises(InputViolations) as refused:
        canonical(DiscoverCandidate, raw, today=TODAY)
    return refused.value


# --- no silent defaults -------------------------------------------------------------------------
def test_a_profile_without_education_is_refused_where_it_once_passed_the_education_rule() -> None:
    """24-QĐ/TW (2021), 3.2: the candidate has a lower-secondary diploma (tốt nghiệp trung học cơ
    sở). An omitted education used to be read as upper secondary, which that rule accepts; the
    secretary must now say what the candidate has."""
    assert check_education(EducationLevel.UPPER_SECONDARY, TODAY, special_area=None,
                           exception_document=None) is False  # fmt: skip  # the old default passed
    facts = {k: v for k, v in FACTS.items() if k != "education"}
    refused = refusals(discovery(**facts))
    assert [(v.path, v.code) for v in refused.violations] == [
        ("person.education", "FIELD_REQUIRED")
    ]


def test_every_missing_fact_is_listed_at_once_in_both_languages() -> None:
    refused = refusals(discovery())
    assert [v.path for v in refused.violations] == [f"person.{name}" for name in FACTS]
    assert {v.code for v in refused.violations} == {"FIELD_REQUIRED"}
    assert refused.code == "INPUT_INVALID"
    assert "9" in refused.message_vi
    assert "9" in refused.message_en
    for v in refused.violations:
        assert v.message_vi == "Thiếu trường bắt buộc."
        assert v.message_en == "This field is required."


def test_a_profile_with_every_fact_is_accepted() -> None:
    command = canonical(DiscoverCandidate, discovery(**FACTS), today=TODAY)
    assert command.person.ethnicity is Ethnicity.TAY
    assert command.person.religion is Religion.NONE
    assert command.person.education is EducationLevel.LOWER_SECONDARY


# --- the lists ----------------------------------------------------------------------------------
def test_the_list_of_ethnic_groups_has_the_54_groups_with_their_vietnamese_names() -> None:
    """Danh mục các thành phần dân tộc Việt Nam (121-TCTK/PPCĐ, 02/03/1979): 54 groups, the
    Kinh first; 53 of them are ethnic minorities (dân tộc thiểu số)."""
    groups = [e for e in Ethnicity if e.is_ethnic_group]
    assert len(groups) == 54
    assert groups[0] is Ethnicity.KINH
    assert [e.name for e in groups[-3:]] == ["BRAU", "O_DU", "RO_MAM"]
    assert sum(e.is_ethnic_minority for e in Ethnicity) == 53
    assert not Ethnicity.FOREIGN_ORIGIN.is_ethnic_minority
    labels = [e.label_vi for e in Ethnicity]
    assert len(set(labels)) == len(labels)
    assert len({fold(label) for label in labels}) == len(labels)
    assert all(e.name.isascii() and e.name == e.name.upper() for e in Ethnicity)
    assert (Ethnicity.E_DE.label_vi, Ethnicity.HMONG.label_vi) == ("Ê Đê", "Mông")
    assert all(unicodedata.is_normalized("NFC", label) for label in labels)


def test_the_list_of_religions_starts_with_none_and_ends_with_other() -> None:
    """None, the 16 religions recognised or registered by the State, other."""
    religions = list(Religion)
    assert (religions[0], religions[-1]) == (Religion.NONE, Religion.OTHER)
    assert len(religions) == 18
    assert Religion.NONE.label_vi == "Không"
    assert Religion.HOA_HAO.label_vi == "Phật giáo Hòa Hảo"
    assert [r.is_religious for r in (Religion.NONE, Religion.BUDDHISM)] == [False, True]


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Kinh", Ethnicity.KINH),
        ("kinh", Ethnicity.KINH),
        ("Ê-đê", Ethnicity.E_DE),
        ("Ê Đê", Ethnicity.E_DE),
        ("H'Mông", Ethnicity.HMONG),
        ("Mèo", Ethnicity.HMONG),
        ("người Tày", Ethnicity.TAY),
        ("dân tộc Khơ-me", Ethnicity.KHMER),
        (unicodedata.normalize("NFD", "Mường"), Ethnicity.MUONG),
        ("Rục", Ethnicity.CHUT),
        ("BRU_VAN_KIEU", Ethnicity.BRU_VAN_KIEU),
    ],
)
def test_a_written_name_of_a_group_is_read_whatever_its_spelling(text: str, group: Ethnicity) -> None:  # fmt: skip
    assert Ethnicity.from_text(text) is group
    command = canonical(DiscoverCandidate, discovery(**{**FACTS, "ethnicity": text}), today=TODAY)
    assert command.person.ethnicity is group


def test_an_unknown_ethnicity_text_is_refused_with_the_list_hint() -> None:
    refused = refusals(discovery(**{**FACTS, "ethnicity": "Tai"}))
    [violation] = refused.violations
    assert (violation.path, violation.code) == ("person.ethnicity", "VALUE_UNKNOWN")
    assert "Ethnicity" in violation.message_vi
    assert "Ethnicity" in violation.message_en
    assert "Thái" in violation.message_vi
    assert "Tày" in violation.message_vi
    assert "did you mean" in violation.message_en


@pytest.mark.parametrize(
    ("text", "religion"),
    [
        ("Không", Religion.NONE),
        ("không tôn giáo", Religion.NONE),
        ("Thiên chúa giáo", Religion.CATHOLICISM),
        ("Hoà Hảo", Religion.HOA_HAO),
        ("Phật giáo", Religion.BUDDHISM),
    ],
)
def test_a_written_religion_is_read_whatever_its_spelling(text: str, religion: Religion) -> None:
    assert Religion.from_text(text) is religion


def test_undetermined_is_only_for_records_made_before_the_list() -> None:
    refused = refusals(discovery(**{**FACTS, "ethnicity": "UNDETERMINED"}))
    assert [(v.path, v.code) for v in refused.violations] == [
        ("person.ethnicity", "ETHNICITY_UNDETERMINED")
    ]


def test_another_religion_must_be_named() -> None:
    refused = refusals(discovery(**{**FACTS, "religion": "OTHER"}))
    assert [(v.path, v.code) for v in refused.violations] == [
        ("person.religion_note", "RELIGION_OTHER_UNNAMED")
    ]
    named = {**FACTS, "religion": "OTHER", "religion_note": "Đạo giáo"}
    assert canonical(DiscoverCandidate, discovery(**named), today=TODAY).person.religion_note == (
        "Đạo giáo"
    )


# --- corrections ---------------------------------------------------------------------------------
def test_a_profile_correction_takes_the_same_lists() -> None:
    fixed = canonical(ProfileCorrection, {"ethnicity": "Ê-đê", "religion": "Tin lành"}, today=TODAY)
    assert (fixed.ethnicity, fixed.religion) == (Ethnicity.E_DE, Religion.PROTESTANTISM)
    with pytest.raises(InputViolations) as refused:
        canonical(ProfileCorrection, {"ethnicity": "Tai", "religion": "OTHER"}, today=TODAY)
    assert [(v.path, v.code) for v in refused.value.violations] == [("ethnicity", "VALUE_UNKNOWN")]
    with pytest.raises(InputViolations) as unnamed:
        canonical(ProfileCorrection, {"religion": "OTHER"}, today=TODAY)
    assert unnamed.value.violations[0].code == "RELIGION_OTHER_UNNAMED"


def test_a_corrected_group_drops_the_note_of_the_old_one() -> None:
    noted = ProfileCorrection(ethnicity=Ethnicity.DAO, ethnicity_note="Dao Đỏ").applied_to(AN)
    assert (noted.ethnicity, noted.ethnicity_note) == (Ethnicity.DAO, "Dao Đỏ")
    regrouped = ProfileCorrection(ethnicity=Ethnicity.TAY).applied_to(noted)
    assert (regrouped.ethnicity, regrouped.ethnicity_note) == (Ethnicity.TAY, "")
    renamed = ProfileCorrection(full_name="Nguyễn Văn Ân").applied_to(noted)
    assert renamed.ethnicity_note == "Dao Đỏ"
