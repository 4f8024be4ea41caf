"""Event values survive the JSON transcoder with their types."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

import domain
from domain.values import Actor, DocumentRef, Gender, PersonProfile, Role
from service.transcoding import ValueTranscoding, register_value_transcodings


def transcoder() -> JSONTranscoder:
    t = JSONTranscoder()
    t.register(DatetimeAsISO())  # as Application.register_transcodings does
    register_value_transcodings(t, domain.VALUE_TYPES)
    return t


def round_trip(value: Any) -> Any:
    t = transcoder()
    return t.decode(t.encode(value))


@pytest.mark.parametrize(
    "member",
    [m for vt in domain.VALUE_TYPES if issubclass(vt, Enum) for m in vt],
    ids=str,
)
def test_every_enum_member(member: Enum) -> None:
    assert round_trip({"v": member})["v"] is member


def test_dataclasses_nested() -> None:
    doc = DocumentRef("6-KNĐ", "12/NQ-CB", date(2024, 3, 5), "Chi bộ X")
    actor = Actor("u-1", Role.BRANCH_SECRETARY)
    profile = PersonProfile("Trần Thị B", date(2000, 2, 29), Gender.FEMALE)
    value = {"d": doc, "a": [actor, profile], "when": datetime(2024, 1, 1, 8, 30)}
    back = round_trip(value)
    assert back == value
    assert type(back["d"].issued_on) is date
    assert type(back["when"]) is datetime


@given(st.dates())
def test_dates(day: date) -> None:
    back = round_trip([day])[0]
    assert back == day
    assert type(back) is date


def test_tuple_fields_come_back_as_tuples() -> None:
    @dataclasses.dataclass(frozen=True)
    class Pair:
        items: tuple[str, ...]
        tags: frozenset[str]

    t = JSONTranscoder()
    t.register(ValueTranscoding(Pair))
    back = t.decode(t.encode(Pair(("a", "b"), frozenset({"y", "x"}))))
    assert back == Pair(("a", "b"), frozenset({"x", "y"}))
    assert type(back.items) is tuple
    assert type(back.tags) is frozenset


def test_refuses_mutable_dataclasses_and_name_clashes() -> None:
    @dataclasses.dataclass
    class Mutable:
        x: int

    with pytest.raises(TypeError):
        ValueTranscoding(Mutable)

    clash = Enum("Role", {"A": "a"})  # type: ignore[misc]  # named like domain.values.Role
    with pytest.raises(TypeError):
        register_value_transcodings(JSONTranscoder(), [*domain.VALUE_TYPES, clash])
