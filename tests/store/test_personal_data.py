"""Personal data in events is encrypted per tenant, on both stores, against the real databases.

The raw bytes of the event table (PostgreSQL ``COPY … TO STDOUT``, the SQLite file) never hold a
candidate's name or identity number, while the application reads them back intact; key rotation
keeps old events readable; a missing key is a bilingual refusal; ciphertext copied to another
tenant does not decrypt; events stored in clear before encryption still decode.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from psycopg import sql

import domain
from domain import ids
from domain.candidates import Candidate, Stage
from domain.classifications import Ethnicity
from domain.commands import (
    AddToSympathizerList,
    AssignHelper,
    CorrectProfile,
    ProfileCorrection,
)
from domain.errors import DomainError
from domain.rules import Sponsor
from domain.values import Actor, DocumentRef, PersonProfile, Role
from service.commands import Handlers, Principal
from service.crypto import KeySource
from service.keys_cli import keys as keys_cli
from service.store import Store
from service.store.registry import tenant_schema
from service.transcoding import register_value_transcodings
from tests.conftest import SettingsCliRunner, StoreMaker
from tests.walks import DOSSIER_2025, bloc_tree, doc, person, walk

TODAY = date(2026, 11, 21)
ORGANIZER = Actor("to-chuc-1", Role.ORGANIZER)
T = Principal("khoi_mat", ORGANIZER)
U = Principal("khoi_khac", ORGANIZER)

#: Distinctive, so that finding them anywhere in a dump can only mean a leak.
PEOPLE = [
    ("Hoàng Thị Quỳnh Xuyến", "079196012345"),
    ("Lương Văn Zũng Ngạc", "001087654321"),
    ("Trịnh Khắc Yểng", "038299000777"),
]
HELPER = "Đinh Công Quáchh"
SPONSOR = "Vi Thị Ngoãn Đảng"
DOC_NUMBER = "SO-RO-RANG-4711"  # a document number: not personal, stays readable
DATES = replace(
    DOSSIER_2025,
    discovered=date(2024, 1, 2),
    sympathizer=date(2024, 2, 1),
    sponsors=date(2025, 3, 3),
)


def profile(name: str, identity: str) -> PersonProfile:
    return person(name, date(1996, 4, 12), ethnicity=Ethnicity.TAY, identity_number=identity)


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, store_maker: StoreMaker) -> Path:
    """A key file outside the database (PostgreSQL mode requires one), in every store's
    settings."""
    path = tmp_path / "secrets" / "keys.json"
    store_maker.key_file = path
    return path


def set_up(store: Store, *principals: Principal) -> Handlers:
    """Tenants with one branch each (no projections run: the tenant file holds only events)."""
    h = Handlers(store, today=lambda: TODAY)
    for p in principals:
        h.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), p.tenant, "Khối DN", "other")
        for command in bloc_tree(("CB", "Chi bộ Phòng Kỹ thuật")):
            h.handle(p, command)
    return h


def discover(h: Handlers, p: Principal, code: str, person: PersonProfile) -> None:
    for command in walk(code, Stage.DISCOVERED, steps=DATES, unit_code="CB", who=person):
        h.handle(p, command)


def case(store: Store, p: Principal, code: str) -> Candidate:
    return store.app(p.tenant, write=False).get(ids.candidate_id(p.tenant, code), Candidate)


def raw_event_bytes(store: Store, maker: StoreMaker, tenant: str) -> bytes:
    """The tenant's stored events as the database holds them, bytea decoded from hex."""
    if maker.backend == "postgres":
        assert maker.database is not None
        table = sql.Identifier(tenant_schema(tenant), "ketnap_events")
        dump = bytearray()
        with (
            psycopg.connect(maker.database.url) as conn,
            conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} TO STDOUT").format(table)) as copy,
        ):
            for block in copy:
                dump += bytes(block)
        # COPY's text format writes bytea as \\x<hex>: grep the decoded bytes too.
        hexes = re.findall(rb"\\\\x([0-9a-f]+)", bytes(dump))
        assert hexes, "no bytea column found in the dump"
        return bytes(dump) + b"\n".join(bytes.fromhex(h.decode()) for h in hexes)
    path = maker.data_dir / "tenants" / f"{tenant}.sqlite"
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def stored_kids(store: Store, tenant: str, topic_suffix: str) -> list[str]:
    """The kid's number (``k1``) of the ``person`` envelope of each stored event of that type."""
    app = store.app(tenant, write=False)
    result = []
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        if n.topic.endswith(topic_suffix):
            state = json.loads(n.state)
            result.append(state["person"]["_data_"]["kid"].split("-")[0])
    return result


def test_event_table_holds_no_name_or_identity_number_in_clear(
    store: Store, store_maker: StoreMaker, key_file: Path
) -> None:
    h = set_up(store, T)
    for i, (name, identity) in enumerate(PEOPLE):
        discover(h, T, f"HS-{i}", profile(name, identity))
    h.handle(T, AddToSympathizerList(case_code="HS-0", occurred_on=DATES.sympathizer))
    h.handle(T, AssignHelper(case_code="HS-0", member_name=HELPER, occurred_on=date(2024, 2, 2)))

    def documents(kind: str, on: date) -> DocumentRef:
        if kind == "GCN":
            return DocumentRef(kind, DOC_NUMBER, on, "Trung tâm chính trị")
        return doc(kind, on)

    sponsor = Sponsor("DV-9", SPONSOR, date(2010, 1, 1), date(2019, 1, 1))
    for command in walk(
        "HS-0",
        Stage.SPONSORED,
        after=Stage.SYMPATHIZER,
        steps=DATES,
        sponsors=[sponsor],
        documents=documents,
    ):
        h.handle(T, command)
    corrected = profile("Hoàng Thị Quỳnh Xuyếnn", "079196099999")
    h.handle(
        T,
        CorrectProfile(
            case_code="HS-0",
            person=ProfileCorrection(**vars(corrected)),
            reason="Sai chính tả",
            occurred_on=date(2025, 3, 4),
        ),
    )

    dump = raw_event_bytes(store, store_maker, T.tenant)
    assert DOC_NUMBER.encode() in dump  # the grep does see clear text where there is some
    secrets = [*(s for person in PEOPLE for s in person), HELPER, SPONSOR, "079196099999"]
    for secret in secrets:
        assert secret.encode() not in dump, f"{secret!r} is in clear in the event table"
        assert json.dumps(secret).encode() not in dump  # nor JSON-escaped
    assert b'"kid":"k1-' in dump

    # The application reads everything back intact (also from a fresh store: a restart).
    for reader in (store, store_maker()):
        first = case(reader, T, "HS-0")
        assert first.person == corrected
        assert first.helpers == [HELPER]
        assert [r.sponsor for r in first.sponsors] == [sponsor]
        for i, (name, identity) in enumerate(PEOPLE[1:], start=1):
            assert case(reader, T, f"HS-{i}").person == profile(name, identity)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert T.tenant in json.loads(key_file.read_text())


def test_rotation_new_events_use_the_new_key_old_ones_stay_readable(
    store: Store, store_maker: StoreMaker, key_file: Path
) -> None:
    h = set_up(store, T)
    discover(h, T, "HS-OLD", profile(*PEOPLE[0]))
    assert stored_kids(store, T.tenant, "Candidate.Discovered") == ["k1"]

    cli = SettingsCliRunner(store_maker.settings())
    result = cli.invoke(keys_cli, ["generate", "--tenant", T.tenant])
    assert result.exit_code == 0, result.output
    assert "'k2-" in result.output

    # A process started after the rotation writes with k2 and still reads k1.
    restarted = store_maker()
    discover(Handlers(restarted, today=lambda: TODAY), T, "HS-NEW", profile(*PEOPLE[1]))
    assert stored_kids(restarted, T.tenant, "Candidate.Discovered") == ["k1", "k2"]
    # The process started before it reads the k2 event too (an unknown kid re-reads the file).
    for reader in (store, restarted):
        assert case(reader, T, "HS-OLD").person == profile(*PEOPLE[0])
        assert case(reader, T, "HS-NEW").person == profile(*PEOPLE[1])
    listed = cli.invoke(keys_cli, ["list"])
    assert f"{T.tenant}: k1-" in listed.output
    assert ", k2-" in listed.output


def test_a_missing_key_is_a_bilingual_refusal(
    store: Store, store_maker: StoreMaker, key_file: Path
) -> None:
    h = set_up(store, T)
    discover(h, T, "HS-1", profile(*PEOPLE[0]))

    keyless = store_maker(key_file=key_file.with_name("other-keys.json"))
    with pytest.raises(DomainError) as missing:
        case(keyless, T, "HS-1")
    assert missing.value.code == "PERSONAL_DATA_KEY_MISSING"
    assert "Thiếu khóa 'k1-" in missing.value.message_vi
    assert "key 'k1-" in missing.value.message_en

    # Inline keys are read-only: a tenant missing from them cannot write personal data.
    inline = store_maker(key_file=None, inline_keys="{}")
    before = inline.app(T.tenant).recorder.max_notification_id()
    with pytest.raises(DomainError) as required:
        discover(Handlers(inline, today=lambda: TODAY), T, "HS-2", profile(*PEOPLE[1]))
    assert required.value.code == "PERSONAL_DATA_KEY_REQUIRED"
    assert "KETNAP_TENANT_KEYS" in required.value.message_vi
    assert "KETNAP_TENANT_KEYS" in required.value.message_en
    assert inline.app(T.tenant).recorder.max_notification_id() == before  # nothing written


def test_without_any_key_setting(store_maker: StoreMaker) -> None:
    """SQLite: a development key file under the data dir; PostgreSQL: refused."""
    store_maker.key_file = None
    store = store_maker()
    h = set_up(store, T)
    if store_maker.backend == "sqlite":
        discover(h, T, "HS-1", profile(*PEOPLE[0]))
        dev_file = store_maker.data_dir / "keys.json"
        assert stat.S_IMODE(dev_file.stat().st_mode) == 0o600
        assert case(store_maker(), T, "HS-1").person == profile(*PEOPLE[0])
    else:
        with pytest.raises(DomainError) as refused:
            discover(h, T, "HS-1", profile(*PEOPLE[0]))
        assert refused.value.code == "PERSONAL_DATA_KEY_REQUIRED"
        assert "PostgreSQL" in refused.value.message_vi
        assert "PostgreSQL" in refused.value.message_en
        # Non-personal events are still recorded (the unit was established above).
        assert store.app(T.tenant).recorder.max_notification_id()


def test_ciphertext_copied_to_another_tenant_does_not_decrypt(
    store_maker: StoreMaker,
) -> None:
    # Same key material for both tenants: only the associated data (tenant) tells them apart.
    same = KeySource.ephemeral().generate("x").as_json()
    inline = json.dumps({T.tenant: [same], U.tenant: [same]})
    store = store_maker(key_file=None, inline_keys=inline)
    h = set_up(store, T, U)
    discover(h, T, "HS-1", profile(*PEOPLE[0]))
    source = store.app(T.tenant)
    stolen = [
        n
        for n in source.recorder.select_notifications(start=1, limit=1000)
        if n.topic.endswith("Candidate.Discovered")
    ]
    assert len(stolen) == 1
    target = store.app(U.tenant)
    # The copy claims to be tenant U's (its clear "tenant" attribute is rewritten).
    state = stolen[0].state.replace(
        f'"tenant":"{T.tenant}"'.encode(), f'"tenant":"{U.tenant}"'.encode()
    )
    copied_id = ids.candidate_id(U.tenant, "HS-1")
    target.recorder.insert_events(
        [
            StoredEvent(
                originator_id=copied_id, originator_version=1, topic=stolen[0].topic, state=state
            )
        ]
    )
    with pytest.raises(DomainError) as refused:
        target.get(copied_id, Candidate)
    assert refused.value.code == "PERSONAL_DATA_UNREADABLE"
    assert "đơn vị khác" in refused.value.message_vi
    assert "another tenant" in refused.value.message_en
    assert case(store, T, "HS-1").person == profile(*PEOPLE[0])  # the original still reads


def clear_mapper() -> Mapper[UUID]:
    """The mapper as it was before encryption: the library's, every value in clear."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_value_transcodings(transcoder, domain.VALUE_TYPES, personal=())
    return Mapper(transcoder=transcoder)


def test_events_stored_in_clear_before_encryption_still_decode(
    store: Store, store_maker: StoreMaker
) -> None:
    h = set_up(store, T)
    app = store.app(T.tenant)
    encrypting = app.events.mapper
    app.events.mapper = clear_mapper()  # write as the code before this change did
    try:
        for command in walk(
            "HS-1", Stage.SYMPATHIZER, steps=DATES, unit_code="CB", who=profile(*PEOPLE[0])
        ):
            h.handle(T, command)
        h.handle(
            T, AssignHelper(case_code="HS-1", member_name=HELPER, occurred_on=date(2024, 2, 2))
        )
    finally:
        app.events.mapper = encrypting
    dump = raw_event_bytes(store, store_maker, T.tenant)
    assert PEOPLE[0][0].encode() in dump  # really stored in clear
    assert HELPER.encode() in dump

    discover(h, T, "HS-2", profile(*PEOPLE[1]))  # and a new, encrypted one next to them
    for reader in (store, store_maker()):
        old = case(reader, T, "HS-1")
        assert old.person == profile(*PEOPLE[0])
        assert old.helpers == [HELPER]
        assert case(reader, T, "HS-2").person == profile(*PEOPLE[1])
