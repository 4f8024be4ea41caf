"""``PersonInput`` over HTTP: the facts rules and reports read are required, each missing one
named at once in both languages; ethnicity and religion are the enums of their lists, with
their Vietnamese names (issue 13, "Silent defaults skew the reports")."""

from __future__ import annotations

from typing import Any

import pytest

from service.api.schema import schema
from tests.api.conftest import Api
from tests.api.test_case_mutations import events, person
from tests.walks import PERSON_FACTS, bloc_tree

DISCOVER = """mutation ($input: DiscoverCandidateInput!) { discoverCandidate(input: $input) {
  __typename ... on DomainError { code field violations { path code } } } }"""
PROFILE = """query ($code: String!) { candidate(caseCode: $code) { profile {
  ethnicity ethnicityVi ethnicityNote religion religionVi religionNote education } } }"""


@pytest.fixture
def tree(api: Api) -> Api:
    """Tenant alpha with the tests' tree (branch CB1)."""
    for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật")):
        api.handlers.handle(api.principal(), command)
    return api


def discovery(person: dict[str, Any], code: str = "HS-P") -> dict[str, Any]:
    return {
        "caseCode": code,
        "unitCode": "CB1",
        "person": person,
        "occurredOn": "2025-01-06",
        "introducedBy": "BRANCH",
    }


def missing_fields(answer: dict[str, Any]) -> list[str]:
    """The fields each error of ``answer`` says are missing (INPUT_FIELD_MISSING only)."""
    named = []
    for error in answer["errors"]:
        extensions = error["extensions"]
        assert extensions["code"] == "INPUT_FIELD_MISSING", error
        assert "PersonInput" in extensions["messageVi"], error
        assert extensions["messageVi"] != extensions["messageEn"], error
        named.append(extensions["messageEn"].split("'")[1])
    return named


def test_a_person_input_without_education_is_refused_in_both_languages(tree: Api) -> None:
    """An omitted education used to pass the education rule (24-QĐ/TW 2021, 3.2) as upper
    secondary; now nothing is recorded and the client is told which fact is missing."""
    before = events(tree)
    person_input = {k: v for k, v in person().items() if k != "education"}
    answer = tree.gql(DISCOVER, {"input": discovery(person_input)})
    assert answer.get("data") is None, answer
    assert missing_fields(answer) == ["education"]
    [error] = answer["errors"]
    assert "trường bắt buộc 'education'" in error["extensions"]["messageVi"]
    assert "required field 'education'" in error["extensions"]["messageEn"]
    assert events(tree) == before


def test_every_missing_fact_is_named_at_once_through_variables_and_literals(tree: Api) -> None:
    bare = {"fullName": "Lò Văn Minh", "birthDate": "1997-05-04", "gender": "MALE"}
    through_variables = missing_fields(tree.gql(DISCOVER, {"input": discovery(bare)}))
    literal = (
        'mutation { discoverCandidate(input: {caseCode: "HS-L", unitCode: "CB1", '
        'occurredOn: "2025-01-06", introducedBy: BRANCH, person: {fullName: "Lò Văn Minh", birthDate: "1997-05-04", '
        "gender: MALE}}) { __typename } }"
    )
    as_literal = missing_fields(tree.gql(literal))
    assert sorted(through_variables) == sorted(as_literal) == sorted(PERSON_FACTS)


def test_an_unknown_ethnicity_text_is_refused_with_the_list(tree: Api) -> None:
    answer = tree.gql(DISCOVER, {"input": discovery(person(ethnicity="Kinh "))})
    [error] = answer["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "ENUM_VALUE_UNKNOWN"
    assert "Ethnicity" in extensions["messageVi"]
    assert "KINH, TAY, THAI" in extensions["messageEn"]


def test_the_profile_answers_the_codes_with_their_vietnamese_names(tree: Api) -> None:
    facts = {"ethnicity": "E_DE", "religion": "OTHER", "religionNote": "Đạo giáo"}
    answer = tree.data(DISCOVER, {"input": discovery(person(**facts))})
    assert answer["discoverCandidate"]["__typename"] == "CandidatePayload", answer
    assert tree.data(PROFILE, {"code": "HS-P"})["candidate"]["profile"] == {
        "ethnicity": "E_DE",
        "ethnicityVi": "Ê Đê",
        "ethnicityNote": "",
        "religion": "OTHER",
        "religionVi": "Tôn giáo khác",
        "religionNote": "Đạo giáo",
        "education": "UPPER_SECONDARY",
    }
    unnamed = tree.data(DISCOVER, {"input": discovery(person(religion="OTHER"), "HS-Q")})
    assert unnamed["discoverCandidate"] == {
        "__typename": "DomainError",
        "code": "RELIGION_OTHER_UNNAMED",
        "field": "input.person.religionNote",
        "violations": [{"path": "input.person.religionNote", "code": "RELIGION_OTHER_UNNAMED"}],
    }


def test_the_enums_describe_each_value_by_its_vietnamese_name() -> None:
    ethnicity = schema._schema.get_type("Ethnicity")
    religion = schema._schema.get_type("Religion")
    assert ethnicity.values["HMONG"].description == "Mông"  # type: ignore[union-attr]
    assert religion.values["NONE"].description == "Không"  # type: ignore[union-attr]
    assert len(ethnicity.values) == 56  # type: ignore[union-attr]
