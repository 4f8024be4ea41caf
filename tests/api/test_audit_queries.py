"""Audit queries over HTTP: the audit history (pages, filters, both time axes), timelines, the
hash chain's verification (intact, then tampered), the access log of personal-data reads, the
candidates' decrypted profiles, and who is refused what."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.candidates import Stage
from domain.commands import (
    AddToSympathizerList,
    AssignHelper,
    CorrectProfile,
    EstablishUnit,
    ProfileCorrection,
)
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority
from domain.values import (
    DocumentRef,
    EducationLevel,
    Gender,
    Occupation,
    Role,
)
from service.audit.checkpoints import sign_checkpoint
from service.audit.verify import verify_tenant
from service.commands import Principal
from tests.api.conftest import Api
from tests.audit.test_verify_tamper import Raw
from tests.walks import Steps, person, walk

NAME_1 = "Nguyễn Thị Kín Đáo"
NAME_2 = "Trần Văn Riêng Tư"
IDENTITY_1 = "079098001234"

ENTRY_FIELDS = """
    position recordedAt occurredOn eventType aggregateType actorId role
    document { kind number issuedOn issuer }
    caseCode unitCode relatedUnitCode summaryVi summaryEn
"""

AUDIT_ENTRIES = f"""
query ($filter: AuditFilterInput, $first: Int, $after: String, $at: DateTime,
       $newest: Boolean! = false) {{
  auditEntries(filter: $filter, first: $first, after: $after, asRecordedAt: $at,
               newestFirst: $newest) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{ cursor node {{ {ENTRY_FIELDS} }} }}
  }}
}}
"""

ACCESS_LOG = """
query ($first: Int, $after: String, $actor: String, $role: String, $caseCode: String,
       $since: DateTime, $until: DateTime) {
  accessLog(first: $first, after: $after, actor: $actor, role: $role, caseCode: $caseCode,
            since: $since, until: $until) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id recordedAt actorId role candidateId caseCode purpose } }
  }
}
"""

VERIFY = """
query ($checkpoint: String, $key: String) {
  verifyHistory(checkpoint: $checkpoint, publicKey: $key) {
    tenant intact events headPosition headHash summaryVi summaryEn
    firstBreak { position kind messageVi messageEn expected found }
    checkpoints { position events headHash signatureValid keyTrusted matches ok }
  }
}
"""


def doc(kind: str, on: date, issuer: str = "Chi bộ An") -> DocumentRef:
    return DocumentRef(kind, f"{kind}/{on:%Y%m%d}", on, issuer)


def alpha(api: Api) -> Principal:
    return api.principal("alpha")


def seed(api: Api) -> None:
    """Alpha: bloc KDN → committee DU → branches CB1, CB2; HS-1 (three steps) in CB1, HS-2 in
    CB2."""
    h, p = api.handlers, alpha(api)
    founded = date(2015, 1, 1)
    h.handle(p, EstablishUnit(code="KDN", name="Đảng bộ Khối", kind=UnitKind.COMMITTEE, parent_code=None, occurred_on=founded))  # fmt: skip
    h.handle(
        p,
        EstablishUnit(
            code="DU",
            name="Đảng bộ Công ty An",
            kind=UnitKind.GRASSROOTS_COMMITTEE,
            parent_code="KDN",
            occurred_on=founded,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        ),
    )
    for code in ("CB1", "CB2"):
        h.handle(p, EstablishUnit(code=code, name=f"Chi bộ {code}", kind=UnitKind.BRANCH, parent_code="DU", occurred_on=founded))  # fmt: skip
    hs1 = person(
        NAME_1,
        date(1998, 5, 4),
        education=EducationLevel.UPPER_SECONDARY,
        occupation=Occupation.INTELLECTUAL,
        identity_number=IDENTITY_1,
        is_youth_union_member=True,
    )
    hs1_steps = Steps(
        discovered=date(2025, 1, 10), sympathizer=date(2025, 2, 1), certificate=date(2025, 6, 2)
    )
    hs2 = person(NAME_2, date(1997, 1, 2), gender=Gender.MALE)
    commands = [
        *walk(
            "HS-1",
            Stage.AWARENESS_TRAINED,
            steps=hs1_steps,
            who=hs1,
            discovery_document=doc("BB", date(2025, 1, 10)),
            documents=lambda kind, on: doc(kind, on, "Trung tâm"),
        ),
        *walk(
            "HS-2",
            Stage.DISCOVERED,
            steps=Steps(discovered=date(2025, 3, 1)),
            unit_code="CB2",
            who=hs2,
        ),
    ]
    for command in commands:
        h.handle(p, command)


def entries(api: Api, token: str | None = None, **variables: Any) -> dict[str, Any]:
    data = api.data(AUDIT_ENTRIES, variables, token=token)
    connection: dict[str, Any] = data["auditEntries"]
    return connection


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


def assert_forbidden(api: Api, query: str, token: str) -> None:
    response = api.post(query, token=token)
    assert response.status_code == 403, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["messageVi"].startswith("Bạn không có quyền")


@pytest.fixture
def seeded(api: Api) -> Api:
    seed(api)
    return api


# --- the audit history ------------------------------------------------------------------------
def test_audit_entries_come_in_keyset_pages_with_a_total_count(seeded: Api) -> None:
    api = seeded
    everything = entries(api, first=200)
    total = everything["totalCount"]
    # the tenant's default policy, 4 units, HS-1 (3 events), HS-2 (1 event)
    assert total == len(everything["edges"]) == 9
    positions = [n["position"] for n in nodes(everything)]
    assert positions == sorted(positions)

    seen: list[int] = []
    after = None
    while True:
        page = entries(api, first=4, after=after)
        assert page["totalCount"] == total
        seen += [n["position"] for n in nodes(page)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == positions

    newest = entries(api, first=2, newest=True)
    assert [n["position"] for n in nodes(newest)] == positions[::-1][:2]
    older = entries(api, first=2, newest=True, after=newest["pageInfo"]["endCursor"])
    assert [n["position"] for n in nodes(older)] == positions[::-1][2:4]


def test_an_entry_shows_who_did_what_on_which_document_but_never_a_name(seeded: Api) -> None:
    api = seeded
    found = entries(api, filter={"caseCode": "HS-1"})
    assert found["totalCount"] == 3
    first, _, certificate = nodes(found)
    assert first["eventType"] == "Candidate.Discovered"
    assert first["aggregateType"] == "Candidate"
    assert (first["actorId"], first["role"]) == ("seed", "organizer")
    assert (first["caseCode"], first["unitCode"]) == ("HS-1", "CB1")
    assert first["occurredOn"] == "2025-01-10"
    assert datetime.fromisoformat(first["recordedAt"]).tzinfo is not None
    assert first["summaryVi"].startswith("HS-1")
    assert first["summaryEn"].startswith("HS-1")
    assert certificate["document"] == {
        "kind": "GCN",
        "number": "GCN/20250602",
        "issuedOn": "2025-06-02",
        "issuer": "Trung tâm",
    }
    text = str(entries(api, first=200))
    assert NAME_1 not in text
    assert NAME_2 not in text
    assert IDENTITY_1 not in text


def test_audit_entries_filter_by_unit_type_actor_role_and_dates(seeded: Api) -> None:
    api = seeded
    cb2 = nodes(entries(api, filter={"unitCode": "CB2"}))
    assert [(n["eventType"], n["caseCode"]) for n in cb2] == [
        ("OrgUnit.Created", None),
        ("Candidate.Discovered", "HS-2"),
    ]
    # the committee's establishment, and its branches' (which involve it as their parent)
    du = nodes(entries(api, filter={"unitCode": "DU", "includeRelatedUnits": True}))
    assert [n["unitCode"] for n in du] == ["DU", "CB1", "CB2"]
    assert [n["relatedUnitCode"] for n in du][1:] == ["DU", "DU"]

    discovered = entries(api, filter={"eventTypes": ["Candidate.Discovered"]})
    assert [n["caseCode"] for n in nodes(discovered)] == ["HS-1", "HS-2"]
    assert entries(api, filter={"aggregateTypes": ["OrgUnit"]})["totalCount"] == 4
    assert entries(api, filter={"actorId": "seed", "roles": ["organizer"]})["totalCount"] == 8
    assert entries(api, filter={"roles": ["platform_operator"]})["totalCount"] == 1
    assert entries(api, filter={"actorId": "nobody"})["totalCount"] == 0

    in_2025 = entries(api, filter={"occurredFrom": "2025-01-01", "occurredTo": "2025-03-01"})
    assert [n["occurredOn"] for n in nodes(in_2025)] == ["2025-01-10", "2025-02-01", "2025-03-01"]
    as_of = entries(api, filter={"asOf": "2025-02-15"})
    assert max(n["occurredOn"] for n in nodes(as_of)) == "2025-02-01"
    assert as_of["totalCount"] == 6  # undated policy left out
    assert entries(api, filter={"asOf": "2025-02-15", "includeUndated": True})["totalCount"] == 7


def test_audit_entries_as_recorded_at_a_time_leave_later_recordings_out(seeded: Api) -> None:
    api = seeded
    before = entries(api, first=200)
    time.sleep(0.05)
    moment = datetime.now(UTC)
    time.sleep(0.05)
    api.handlers.handle(
        alpha(api), AddToSympathizerList(case_code="HS-2", occurred_on=date(2025, 3, 5))
    )
    now = entries(api, first=200)
    assert now["totalCount"] == before["totalCount"] + 1
    then = entries(api, first=200, at=moment.isoformat())
    assert then["totalCount"] == before["totalCount"]
    assert nodes(then) == nodes(before)
    assert entries(api, at="2000-01-01T00:00:00+00:00")["totalCount"] == 0
    recorded = entries(api, filter={"recordedFrom": moment.isoformat()})
    assert [n["eventType"] for n in nodes(recorded)] == ["Candidate.AddedToSympathizerList"]


def test_a_bad_cursor_is_refused_in_both_languages(seeded: Api) -> None:
    result = seeded.gql(AUDIT_ENTRIES, {"after": "not-a-cursor"})
    error = result["errors"][0]["extensions"]
    assert error["code"] == "CURSOR_INVALID"
    assert error["messageVi"]
    assert error["messageEn"]


def test_timelines_of_a_case_and_of_a_unit(seeded: Api) -> None:
    api = seeded
    query = """
    query ($code: String!, $asOf: Date, $at: DateTime) {
      candidateTimeline(caseCode: $code, asOf: $asOf, asRecordedAt: $at) {
        eventType occurredOn caseCode unitCode
      }
    }
    """
    timeline = api.data(query, {"code": "HS-1"})["candidateTimeline"]
    assert [e["eventType"] for e in timeline] == [
        "Candidate.Discovered",
        "Candidate.AddedToSympathizerList",
        "Candidate.AwarenessCertificateRecorded",
    ]
    assert {(e["caseCode"], e["unitCode"]) for e in timeline} == {("HS-1", "CB1")}
    early = api.data(query, {"code": "HS-1", "asOf": "2025-03-01"})["candidateTimeline"]
    assert len(early) == 2
    assert api.data(query, {"code": "HS-1", "at": "2001-01-01T00:00:00Z"}) == {
        "candidateTimeline": []
    }
    assert api.data(query, {"code": "NO-SUCH"}) == {"candidateTimeline": []}

    units = """
    query ($code: String!, $first: Int, $after: String) {
      unitTimeline(unitCode: $code, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { eventType unitCode } }
      }
    }
    """
    cb1 = api.data(units, {"code": "CB1", "first": 2})["unitTimeline"]
    assert cb1["totalCount"] == 4
    assert cb1["pageInfo"]["hasNextPage"]
    rest = api.data(units, {"code": "CB1", "after": cb1["pageInfo"]["endCursor"]})["unitTimeline"]
    assert [e["node"]["eventType"] for e in cb1["edges"] + rest["edges"]] == [
        "OrgUnit.Created",
        "Candidate.Discovered",
        "Candidate.AddedToSympathizerList",
        "Candidate.AwarenessCertificateRecorded",
    ]
    # the committee's own establishment and the two branches established under it
    assert api.data(units, {"code": "DU"})["unitTimeline"]["totalCount"] == 3


# --- the hash chain ---------------------------------------------------------------------------
def test_an_auditor_verifies_the_tenant_s_history_intact(seeded: Api) -> None:
    api = seeded
    auditor = api.token("alpha", Role.AUDITOR, subject="kiem-tra")
    result = api.data(VERIFY, token=auditor)["verifyHistory"]
    positions = [n["position"] for n in nodes(entries(api, first=200))]
    assert result["tenant"] == "alpha"
    assert result["intact"] is True
    assert result["events"] == 9
    assert result["headPosition"] == positions[-1]
    assert len(result["headHash"]) == 64
    assert result["firstBreak"] is None
    assert result["summaryEn"] == f"alpha: intact, 9 events, head hash {result['headHash']}"
    assert "nguyên vẹn" in result["summaryVi"]
    # only the token's tenant: beta's chain is another one
    beta = verify_tenant(api.store, "beta")
    assert beta.head_hash != result["headHash"]


def test_verification_against_a_signed_checkpoint(seeded: Api) -> None:
    api = seeded
    auditor = api.token("alpha", Role.AUDITOR)
    key = Ed25519PrivateKey.generate()
    head = verify_tenant(api.store, "alpha")
    checkpoint = sign_checkpoint(
        key,
        tenant="alpha",
        position=head.head_position,
        events=head.events,
        head_hash=head.head_hash,
        recorded_at=datetime.now(UTC).isoformat(),
    )
    ok = api.data(VERIFY, {"checkpoint": checkpoint.to_json()}, token=auditor)["verifyHistory"]
    assert ok["intact"] is True
    assert ok["checkpoints"] == [
        {
            "position": head.head_position,
            "events": head.events,
            "headHash": head.head_hash,
            "signatureValid": True,
            "keyTrusted": None,
            "matches": True,
            "ok": True,
        }
    ]
    untrusted = api.data(
        VERIFY,
        {"checkpoint": checkpoint.to_json(), "key": checkpoint.public_key[::-1]},
        token=auditor,
    )["verifyHistory"]
    assert untrusted["intact"] is False
    assert untrusted["checkpoints"][0]["keyTrusted"] is False

    other = sign_checkpoint(
        key,
        tenant="beta",
        position=1,
        events=1,
        head_hash="0" * 64,
        recorded_at=datetime.now(UTC).isoformat(),
    )
    refused = api.gql(VERIFY, {"checkpoint": other.to_json()}, token=auditor)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "AUDIT_CHECKPOINT_OTHER_TENANT"
    bad = api.gql(VERIFY, {"checkpoint": "{}"}, token=auditor)
    assert bad["errors"][0]["extensions"]["code"] == "AUDIT_CHECKPOINT_INVALID"


def test_verification_finds_a_tampered_row_at_its_position(seeded: Api) -> None:
    api = seeded
    auditor = api.token("alpha", Role.AUDITOR)
    raw = Raw(api.store, "alpha")
    positions = raw.positions()
    tampered = positions[5]
    raw.run(("UPDATE {events} SET state = ? WHERE {pos} = ?", (b'{"forged":true}', tampered)))
    result = api.data(VERIFY, token=auditor)["verifyHistory"]
    assert result["intact"] is False
    assert result["events"] == 5
    broken = result["firstBreak"]
    assert broken["position"] == tampered
    assert broken["kind"] == "hash_mismatch"
    assert broken["expected"] != broken["found"]
    assert "hash recomputed" in broken["messageEn"]
    assert broken["messageVi"]
    assert f"BROKEN at position {tampered}" in result["summaryEn"]
    # beta is untouched
    assert verify_tenant(api.store, "beta").intact


# --- who may read what ------------------------------------------------------------------------
def test_organizers_may_not_verify_or_read_the_access_log(seeded: Api) -> None:
    api = seeded
    organizer = api.token("alpha", Role.ORGANIZER)
    assert_forbidden(api, "{ verifyHistory { intact } }", organizer)
    assert_forbidden(api, "{ accessLog { totalCount } }", organizer)
    # but organizers read the audit history
    assert entries(api, token=organizer)["totalCount"] == 9


def test_leaders_and_secretaries_may_not_read_the_audit_history(seeded: Api) -> None:
    """Only a case's own timeline is a branch secretary's (its cases: tests/api/
    test_case_dossier.py); the tenant's history and unit timelines are not."""
    api = seeded
    for role in (Role.LEADER, Role.BRANCH_SECRETARY):
        token = api.token("alpha", role, units=("CB1",))
        assert_forbidden(api, "{ auditEntries { totalCount } }", token)
        assert_forbidden(api, '{ unitTimeline(unitCode: "CB1") { totalCount } }', token)
        assert_forbidden(api, "{ verifyHistory { intact } }", token)
    leader = api.token("alpha", Role.LEADER)
    assert_forbidden(api, '{ candidateTimeline(caseCode: "HS-1") { position } }', leader)


def test_an_auditor_reads_the_history_and_the_access_log(seeded: Api) -> None:
    api = seeded
    auditor = api.token("alpha", Role.AUDITOR)
    assert entries(api, token=auditor)["totalCount"] == 9
    log = api.data(ACCESS_LOG, token=auditor)["accessLog"]
    assert log == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


# --- personal data and the access log ---------------------------------------------------------
PROFILE = """
query ($code: String!, $at: DateTime) {
  candidate(caseCode: $code, asRecordedAt: $at) {
    caseCode
    profile {
      birthDate gender ethnicity religion education professionalLevel politicalTheory
      occupation workplaceType identityNumber youthUnionMember tradeUnionMember
    }
  }
}
"""


def access_log(api: Api, **variables: Any) -> dict[str, Any]:
    token = api.token("alpha", Role.AUDITOR, subject="kiem-tra")
    log: dict[str, Any] = api.data(ACCESS_LOG, variables, token=token)["accessLog"]
    return log


def test_the_profile_is_read_decrypted_from_the_case_s_history(seeded: Api) -> None:
    api = seeded
    profile = api.data(PROFILE, {"code": "HS-1"})["candidate"]["profile"]
    assert profile == {
        "birthDate": "1998-05-04",
        "gender": "FEMALE",
        "ethnicity": "KINH",
        "religion": "NONE",
        "education": "UPPER_SECONDARY",
        "professionalLevel": "NONE",
        "politicalTheory": "NONE",
        "occupation": "INTELLECTUAL",
        "workplaceType": "OTHER",
        "identityNumber": IDENTITY_1,
        "youthUnionMember": True,
        "tradeUnionMember": False,
    }
    # as recorded at a time: the profile the case had then
    time.sleep(0.05)
    moment = datetime.now(UTC)
    time.sleep(0.05)
    corrected = person(NAME_1, date(1998, 5, 14), identity_number="079098009999")
    api.handlers.handle(
        alpha(api),
        CorrectProfile(
            case_code="HS-1",
            person=ProfileCorrection(**vars(corrected)),
            reason="Sai ngày sinh",
            occurred_on=date(2025, 7, 1),
        ),
    )
    now = api.data(PROFILE, {"code": "HS-1"})["candidate"]["profile"]
    assert (now["birthDate"], now["identityNumber"]) == ("1998-05-14", "079098009999")
    assert now["youthUnionMember"] is False
    then = api.data(PROFILE, {"code": "HS-1", "at": moment.isoformat()})["candidate"]["profile"]
    assert then == profile


def test_profiles_of_a_page_are_loaded_in_one_batch_and_every_read_is_logged(
    seeded: Api,
) -> None:
    api = seeded
    reader = api.token("alpha", Role.ORGANIZER, subject="to-chuc-7")
    data = api.data(
        "{ candidates { edges { node { caseCode fullName profile { birthDate gender } } } } }",
        token=reader,
    )
    rows = {e["node"]["caseCode"]: e["node"] for e in data["candidates"]["edges"]}
    assert rows["HS-1"]["fullName"] == NAME_1
    assert rows["HS-2"]["profile"] == {"birthDate": "1997-01-02", "gender": "MALE"}

    log = access_log(api)
    assert log["totalCount"] == 2
    logged = {n["caseCode"]: n for n in nodes(log)}
    assert set(logged) == {"HS-1", "HS-2"}
    for entry in logged.values():
        assert (entry["actorId"], entry["role"]) == ("to-chuc-7", "organizer")
        assert entry["purpose"].startswith("graphql:Candidate.")

    # the profile alone is logged with its own purpose
    auditor = api.token("alpha", Role.AUDITOR, subject="kiem-tra")
    api.data(PROFILE, {"code": "HS-2"}, token=auditor)
    newest = nodes(access_log(api, first=1))[0]
    assert (newest["actorId"], newest["role"], newest["caseCode"]) == (
        "kiem-tra",
        "auditor",
        "HS-2",
    )
    assert newest["purpose"] == "graphql:Candidate.profile"


def test_a_query_touching_no_personal_field_logs_nothing(seeded: Api) -> None:
    api = seeded
    api.data("{ candidates { totalCount edges { node { caseCode stage unit { code } } } } }")
    api.data('{ candidate(caseCode: "HS-1") { caseCode stepDates { step on } } }')
    entries(api, first=200)
    assert access_log(api)["totalCount"] == 0


def test_reading_the_names_of_sponsors_and_helpers_is_logged(seeded: Api) -> None:
    api = seeded
    h, p = api.handlers, alpha(api)
    steps = Steps(discovered=date(2025, 1, 10), sympathizer=date(2025, 2, 1))
    # born 1985: past Youth Union age, two members sponsor him (the tree declares no Youth Union)
    for command in walk("HS-3", Stage.SYMPATHIZER, steps=steps, who=person(NAME_2, date(1985, 1, 1), gender=Gender.MALE)):  # fmt: skip
        h.handle(p, command)
    h.handle(p, AssignHelper(case_code="HS-3", member_name="Lê Văn Giúp", occurred_on=date(2025, 2, 3)))  # fmt: skip
    for command in walk("HS-3", Stage.SPONSORED, after=Stage.SYMPATHIZER):
        h.handle(p, command)

    # the sponsors' ids and dates are not personal data: no entry
    plain = api.data('{ candidate(caseCode: "HS-3") { sponsors { memberId letterOn } } }')
    assert len(plain["candidate"]["sponsors"]) == 2
    assert access_log(api)["totalCount"] == 0

    reader = api.token("alpha", Role.BRANCH_SECRETARY, units=("CB1",), subject="bi-thu-3")
    named = api.data('{ candidate(caseCode: "HS-3") { sponsors { name } } }', token=reader)
    assert {s["name"] for s in named["candidate"]["sponsors"]} == {"Đảng viên DV1", "Đảng viên DV2"}
    helped = api.data('{ candidate(caseCode: "HS-3") { helpers } }', token=reader)
    assert helped["candidate"]["helpers"] == ["Lê Văn Giúp"]

    log = access_log(api)
    assert log["totalCount"] == 2
    assert [(n["caseCode"], n["actorId"], n["purpose"]) for n in nodes(log)] == [
        ("HS-3", "bi-thu-3", "graphql:Candidate.helpers"),
        ("HS-3", "bi-thu-3", "graphql:Sponsorship.name"),
    ]


def test_the_access_log_pages_and_filters(seeded: Api) -> None:
    api = seeded
    one = api.token("alpha", Role.ORGANIZER, subject="mot")
    two = api.token("alpha", Role.BRANCH_SECRETARY, units=("CB1",), subject="hai")
    start = datetime.now(UTC)
    for code in ("HS-1", "HS-2"):
        api.data(f'{{ candidate(caseCode: "{code}") {{ fullName }} }}', token=one)
    time.sleep(0.05)
    middle = datetime.now(UTC)
    api.data('{ candidate(caseCode: "HS-1") { fullName } }', token=two)

    everything = access_log(api)
    assert everything["totalCount"] == 3
    ids = [n["id"] for n in nodes(everything)]
    assert ids == sorted(ids, reverse=True)  # newest first

    first = access_log(api, first=2)
    assert first["pageInfo"]["hasNextPage"] is True
    rest = access_log(api, first=2, after=first["pageInfo"]["endCursor"])
    assert rest["pageInfo"]["hasNextPage"] is False
    assert [n["id"] for n in nodes(first) + nodes(rest)] == ids

    assert [n["caseCode"] for n in nodes(access_log(api, actor="hai"))] == ["HS-1"]
    assert access_log(api, role="branch_secretary")["totalCount"] == 1
    assert access_log(api, caseCode="HS-1")["totalCount"] == 2
    assert access_log(api, caseCode="HS-2", actor="mot")["totalCount"] == 1
    assert access_log(api, since=middle.isoformat())["totalCount"] == 1
    assert access_log(api, since=start.isoformat(), until=middle.isoformat())["totalCount"] == 2
