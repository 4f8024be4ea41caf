"""Event values survive the JSON transcoder with their types."""

from __future__ import annotations

import dataclasses
import inspect
import json
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder
from eventsourcing.utils import resolve_topic
from hypothesis import given
from hypothesis import strategies as st

import domain
from domain.errors import DomainError
from domain.rules import Sponsor
from domain.values import Actor, DocumentRef, Role
from service.crypto import KeySource, TenantKeyring
from service.transcoding import (
    PERSONAL_TEXT_ATTRIBUTES,
    PersonalText,
    ValueTranscoding,
    register_value_transcodings,
)
from tests.walks import person


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
    profile = person("Trần Thị B", date(2000, 2, 29))
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


# --- personal data: encrypted values -------------------------------------------------------


def encrypting_transcoder(keyring: TenantKeyring) -> JSONTranscoder:
    t = JSONTranscoder()
    t.register(DatetimeAsISO())
    register_value_transcodings(t, domain.VALUE_TYPES, cipher=keyring)
    return t


def test_personal_values_are_stored_as_envelopes_and_come_back() -> None:
    keyring = TenantKeyring("bloc_a", KeySource.ephemeral())
    t = encrypting_transcoder(keyring)
    profile = person("Trần Thị B", date(2000, 2, 29), identity_number="0791")
    sponsor = Sponsor("DV-1", "Lê Văn C", date(2010, 1, 1), date(2019, 1, 1))
    value = {"p": profile, "s": sponsor, "h": PersonalText("Ngô D"), "a": Actor("u", Role.LEADER)}
    stored = t.encode(value)
    for secret in ("Trần Thị B", "0791", "Lê Văn C", "DV-1", "Ngô D", "2000-02-29"):
        assert secret.encode() not in stored
    assert b'"user_id":"u"' in stored  # non-personal values stay readable
    raw = json.loads(stored)
    assert raw["p"]["_type_"] == "PersonProfile"
    assert set(raw["p"]["_data_"]) == {"kid", "n", "ct"}
    assert t.decode(stored) == value
    assert t.encode(value) != stored  # a random nonce per value


def test_clear_values_stored_before_encryption_still_decode() -> None:
    profile = person("Trần Thị B", date(2000, 2, 29))
    clear = transcoder().encode({"p": profile})
    assert "Trần Thị B".encode() in clear
    t = encrypting_transcoder(TenantKeyring("bloc_a", KeySource.ephemeral()))
    assert t.decode(clear) == {"p": profile}


def test_ciphertext_is_bound_to_tenant_and_type() -> None:
    same = KeySource.ephemeral().generate("x").as_json()  # the same key for both tenants
    source = KeySource(inline=json.dumps({"bloc_a": [same], "bloc_b": [same]}))
    a = encrypting_transcoder(TenantKeyring("bloc_a", source))
    b = encrypting_transcoder(TenantKeyring("bloc_b", source))
    stored = a.encode({"p": person("Trần Thị B", date(2000, 2, 29))})
    with pytest.raises(DomainError) as other_tenant:
        b.decode(stored)
    assert other_tenant.value.code == "PERSONAL_DATA_UNREADABLE"
    relabelled = stored.replace(b'"_type_":"PersonProfile"', b'"_type_":"PersonalText"')
    with pytest.raises(DomainError) as other_type:
        a.decode(relabelled)
    assert other_type.value.code == "PERSONAL_DATA_UNREADABLE"


def test_key_file_and_inline_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    source = KeySource(key_file=path, auto_create=True)
    first = TenantKeyring("bloc_a", source).current()
    assert first.kid.startswith("k1-")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    second = source.generate("bloc_a")
    assert second.kid.startswith("k2-")
    inline = KeySource.configured(key_file=None, inline=path.read_text())
    keyring = TenantKeyring("bloc_a", inline)
    assert keyring.current() == second
    assert keyring.key(first.kid).key == first.key
    with pytest.raises(DomainError) as missing:
        TenantKeyring("bloc_b", inline).current()
    assert missing.value.code == "PERSONAL_DATA_KEY_REQUIRED"
    with pytest.raises(DomainError) as both:
        KeySource.configured(key_file=path, inline="{}")
    assert both.value.code == "PERSONAL_DATA_KEYS_INVALID"
    for bad in ("not json", "[]", '{"t": [{"kid": "k1", "key": "c2hvcnQ="}]}'):
        with pytest.raises(DomainError) as invalid:
            KeySource.configured(key_file=None, inline=bad).load()
        assert invalid.value.code == "PERSONAL_DATA_KEYS_INVALID"


def test_postgres_without_key_setting_refuses_bilingually() -> None:
    keyring = TenantKeyring("bloc_a", KeySource.configured(key_file=None))
    with pytest.raises(DomainError) as refused:
        encrypting_transcoder(keyring).encode(PersonalText("Ngô D"))
    assert refused.value.code == "PERSONAL_DATA_KEY_REQUIRED"
    assert "Không có khóa" in refused.value.message_vi
    assert "No personal-data encryption key" in refused.value.message_en


def test_personal_text_attributes_name_real_event_attributes() -> None:
    for topic, names in PERSONAL_TEXT_ATTRIBUTES.items():
        cls = resolve_topic(topic)
        params = inspect.signature(cls.__init__).parameters
        for name in names:
            assert name in params, f"{topic} has no attribute {name}"
