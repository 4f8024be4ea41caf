"""Who acted, on which document, about whom: the values every step records, refused when
incomplete."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import pytest

from domain import AGGREGATES, VALUE_TYPES, event_type_names
from domain.candidates import Stage
from domain.commands import Step
from domain.errors import InvalidInput
from domain.inputs import canonical
from domain.values import Actor, DocumentRef, Role
from tests.domain.builders import AN, candidate_at
from tests.domain.refusals import refused


def test_an_action_is_recorded_by_a_named_user_in_a_role() -> None:
    assert Actor("organizer.lan", Role.ORGANIZER).role is Role.ORGANIZER
    with refused(InvalidInput) as refusal:
        Actor("  ", Role.ORGANIZER)
    assert refusal.value.code == "ACTOR_REQUIRED"


def test_a_document_is_shown_with_its_form_number_date_and_issuer() -> None:
    resolution = DocumentRef("6-KNĐ", "12-NQ/CB", date(2024, 3, 5), "Chi bộ Phòng Kỹ thuật")
    assert resolution.label() == "6-KNĐ số 12-NQ/CB ngày 05/03/2024 (Chi bộ Phòng Kỹ thuật)"


@pytest.mark.parametrize(
    ("kind", "number", "issuer", "missing"),
    [
        (" ", "12-NQ/CB", "Chi bộ Phòng Kỹ thuật", "kind"),
        ("6-KNĐ", "", "Chi bộ Phòng Kỹ thuật", "number"),
        ("6-KNĐ", "12-NQ/CB", "  ", "issuer"),
    ],
)
def test_a_document_without_its_form_number_or_issuer_is_refused(
    kind: str, number: str, issuer: str, missing: str
) -> None:
    with refused(InvalidInput) as refusal:
        DocumentRef(kind, number, date(2024, 3, 5), issuer)
    assert refusal.value.code == "DOCUMENT_INCOMPLETE"
    assert refusal.value.field == f"document.{missing}"


def test_a_person_without_a_name_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        dataclasses.replace(AN, full_name="")
    assert refusal.value.code == "NAME_REQUIRED"


def test_a_person_born_before_1900_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        dataclasses.replace(AN, birth_date=date(1899, 12, 31))
    assert refusal.value.code == "BIRTH_DATE_INVALID"


def test_stages_before_admission_are_those_of_a_candidate_not_yet_admitted() -> None:
    assert Stage.VERIFIED.is_pre_admission
    assert not Stage.DECIDED.is_pre_admission
    assert not Stage.PROBATIONARY.is_pre_admission
    assert not Stage.REJECTED.is_pre_admission
    assert all(stage.label_vi for stage in Stage)


PLAIN = (str, int, date, UUID)


def test_every_event_of_the_story_is_a_known_event_type_made_of_known_values() -> None:
    known = set(event_type_names())
    for event in candidate_at(Stage.FULL_MEMBER).collect_events():
        assert f"Candidate.{type(event).__name__}" in known
        for name, value in vars(event).items():
            if name in {"originator_id", "originator_version", "timestamp", "originator_topic"}:
                continue
            values = value if isinstance(value, list) else [value]
            for item in values:
                assert item is None or isinstance(item, (*PLAIN, *VALUE_TYPES)), (name, item)
    assert "Candidate.Created" not in known
    assert {aggregate.__name__ for aggregate in AGGREGATES} == {
        name.split(".")[0] for name in known
    }


def test_a_business_date_after_the_day_it_is_recorded_on_is_refused() -> None:
    today = date(2024, 3, 5)
    assert canonical(Step, {"case_code": "HS-1", "occurred_on": today}, today=today)
    with refused(InvalidInput) as refusal:
        canonical(Step, {"case_code": "HS-1", "occurred_on": date(2024, 3, 6)}, today=today)
    assert refusal.value.code == "DATE_IN_FUTURE"
    assert refusal.value.field == "occurred_on"
    assert "06/03/2024" in refusal.value.message_vi
