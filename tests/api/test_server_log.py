"""The server's log over a realistic session: nothing personal in it, one INFO line per refusal.

A real ``ketnap serve`` (SQLite) runs in a subprocess with its stdout and stderr captured in one
file. Through it a client records cases with names, birth dates and identity numbers, sponsors
and helpers, reads them back (POST and GET with variables), and gets refused in every way (bad
token, wrong role, domain refusal, unknown case, malformed values, invalid documents, a body
too large). Then the whole log is searched for every name, identity number and birth date the
session used, as written, percent-encoded and JSON-escaped: none appears. Each refused request
(sent with its own ``X-Request-ID``) has exactly one line, at INFO, with its code, the tenant
and the actor, and no traceback is anywhere.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from domain.values import Actor, Role
from projections.queries import pipeline
from service.api.auth import issue_dev_token
from service.api.schema import schema
from service.bootstrap import bootstrap
from service.commands import Principal
from service.settings import Settings
from tests.api.conftest import Api
from tests.api.test_case_mutations import procedure
from tests.processes import Served, env_for, serve
from tests.walks import PERSON_FACTS, bloc_tree

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)

NAMES = ("Nguyễn Thị Lan", "Trần Thị Bình", "Phạm Quốc Thắng", "Đỗ Thị Hoài Thương")
IDENTITY = "079096004321"
OTHER_IDENTITY = "001097008765"
BIRTH_DATES = ("1996-04-12", "1997-09-23")
#: Everything personal the session sends or reads back.
SECRETS = (*NAMES, IDENTITY, OTHER_IDENTITY, *BIRTH_DATES)


def forms(secret: str) -> set[str]:
    """``secret`` as it could show in a log: as is, percent-encoded, JSON-escaped."""
    return {
        secret,
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


@pytest.fixture
def backend() -> str:
    """SQLite: the log does not depend on the backend, and ``ketnap serve`` runs SQLite's
    projections itself."""
    return "sqlite"


@dataclass
class Client:
    """A client of the served process, with the tokens of an organizer and a leader."""

    served: Served
    organizer: str
    leader: str

    @property
    def url(self) -> str:
        return self.served.url

    def post(
        self, query: str, variables: dict[str, Any] | None, token: str | None, request_id: str
    ) -> httpx.Response:
        headers = {"x-request-id": request_id}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return httpx.post(self.url, json=body, headers=headers, timeout=30)

    def get(
        self, query: str, variables: dict[str, Any], token: str, request_id: str
    ) -> httpx.Response:
        params = {"query": query, "variables": json.dumps(variables, ensure_ascii=False)}
        headers = {"authorization": f"Bearer {token}", "x-request-id": request_id}
        return httpx.get(self.url, params=params, headers=headers, timeout=30)

    def stop(self) -> str:
        """Stop the server (SIGTERM) and return its whole log."""
        return self.served.stop(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Client]:
    """``ketnap serve`` on a free port over a tenant ``alpha`` with the tests' unit tree."""
    data_dir = tmp_path / "ketnap-data"
    key_file = tmp_path / "personal-data-keys.json"
    settings = Settings(data_dir=data_dir, key_file=key_file)
    with bootstrap(settings) as parts:
        parts.handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ Khối", "other")
        seed = Principal("alpha", Actor("seed", Role.ORGANIZER))
        for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật")):
            parts.handlers.handle(seed, command)
    organizer = issue_dev_token(
        settings, subject="to-chuc-1", roles=[Role.ORGANIZER], tenant="alpha"
    )
    leader = issue_dev_token(settings, subject="lanh-dao-1", roles=[Role.LEADER], tenant="alpha")
    env = env_for(KETNAP_DATA_DIR=str(data_dir), KETNAP_KEY_FILE=str(key_file))
    client = Client(serve(env, tmp_path / "server.log"), organizer, leader)
    try:
        yield client
    finally:
        client.stop()


def mutation(name: str, select: str = "__typename") -> str:
    """The document of mutation ``name`` taking its input as ``$input``."""
    field = schema._schema.mutation_type.fields[name]  # type: ignore[union-attr]
    kind = field.args["input"].type
    return f"mutation Record($input: {kind}) {{ {name}(input: $input) {{ {select} }} }}"


CASE = """query Case($code: String!) { candidate(caseCode: $code) {
  caseCode fullName helpers sponsors { memberId name letterOn }
  profile { birthDate identityNumber } } }"""
REFUSAL = "... on DomainError { code }"
#: The steps of the procedure the session records (up to a sponsor).
STEPS = (
    "discoverCandidate",
    "addToSympathizerList",
    "assignHelper",
    "assignTestTask",
    "recordAwarenessCertificate",
    "submitApplication",
    "addSponsor",
)


def test_the_server_log_holds_no_personal_data_and_one_info_line_per_refusal(
    served: Client,
) -> None:
    s = served
    # --- a data-entry session: two cases with personal data, a helper and a sponsor
    steps = [step for step in procedure("HS-1") if step[0] in STEPS]
    for name, data, _ in steps:
        if name == "discoverCandidate":
            data["person"]["identityNumber"] = IDENTITY
        answer = s.post(mutation(name), {"input": data}, s.organizer, "ok")
        assert answer.status_code == 200, answer.text
        assert "errors" not in answer.json(), answer.text
    other: dict[str, Any] = {
        "caseCode": "HS-2",
        "unitCode": "CB1",
        "person": {
            "fullName": NAMES[2],
            "birthDate": BIRTH_DATES[1],
            "gender": "MALE",
            "identityNumber": OTHER_IDENTITY,
            **PERSON_FACTS,
        },
        "occurredOn": "2025-01-06",
        "introducedBy": "BRANCH",
    }
    answer = s.post(mutation("discoverCandidate"), {"input": other}, s.organizer, "ok")
    assert "errors" not in answer.json(), answer.text

    # --- reads, over POST and over GET with variables: the personal data comes back
    read = s.post(CASE, {"code": "HS-1"}, s.organizer, "read-post").json()
    assert read["data"]["candidate"]["fullName"] == NAMES[0], read
    assert read["data"]["candidate"]["profile"]["identityNumber"] == IDENTITY
    listed = s.get(
        "query Listed($first: Int!) { candidates(first: $first) { edges { node { fullName } } } }",
        {"first": 10},
        s.organizer,
        "read-get",
    )
    edges = listed.json()["data"]["candidates"]["edges"]
    assert {e["node"]["fullName"] for e in edges} == {NAMES[0], NAMES[2]}
    by_get = s.get(CASE, {"code": "HS-2", "unused": NAMES[3]}, s.organizer, "read-get-2")
    assert by_get.json()["data"]["candidate"]["profile"]["birthDate"] == BIRTH_DATES[1]

    # --- refusals, each with its own request id
    refusals: list[tuple[str, str]] = []  # (request id, code)

    def refused(code: str, response: httpx.Response) -> None:
        assert code in response.text, response.text
        request_id = response.request.headers["x-request-id"]
        assert response.headers["x-request-id"] == request_id
        refusals.append((request_id, code))

    # a domain refusal of a mutation (a result, not an error): the same sponsor again
    sponsor = next(data for name, data, _ in steps if name == "addSponsor")
    document = mutation("addSponsor", f"__typename {REFUSAL}")
    again = s.post(document, {"input": sponsor}, s.organizer, "refusal-domain")
    result = again.json()["data"]["addSponsor"]
    assert result["__typename"] == "DomainError", again.text
    refused(result["code"], again)
    # a leader may not record: FORBIDDEN, with a name in the variables
    person = {**other["person"], "fullName": NAMES[3]}
    forbidden = {"input": {**other, "caseCode": "HS-9", "person": person}}
    refused("FORBIDDEN", s.post(mutation("discoverCandidate"), forbidden, s.leader, "refusal-role"))
    # no token, a forged token
    refused("TOKEN_MISSING", s.post(CASE, {"code": "HS-1"}, None, "refusal-no-token"))
    refused("TOKEN_MALFORMED", s.post(CASE, {"code": "HS-1"}, "x.y", "refusal-bad-token"))
    # a page larger than allowed
    big = "query Big { candidates(first: 100000) { totalCount } }"
    too_many = s.post(big, None, s.organizer, "refusal-page")
    page_code = too_many.json()["errors"][0]["extensions"]["code"]
    assert page_code != "INTERNAL_ERROR", too_many.text
    refused(page_code, too_many)
    # malformed values: a bad date in the variables, next to a name and an identity number
    person = {**other["person"], "birthDate": "1997-02-30", "fullName": NAMES[3]}
    bad_date = {"input": {**other, "caseCode": "HS-3", "person": person}}
    refused(
        "DATE_INVALID",
        s.post(mutation("discoverCandidate"), bad_date, s.organizer, "refusal-value"),
    )
    # documents that do not validate or parse, with personal data in their literals
    literal = (
        'mutation Typo { discoverCandidate(input: {caseCode: "HS-4", unitCode: "CB1", '
        "introducedBy: BRANCH, "
        f'person: {{fullName: "{NAMES[3]}", birthDate: "{BIRTH_DATES[0]}", gender: FEMALE, '
        "ethnicity: KINH, religion: NONE, education: UPPER_SECONDARY, professionalLevel: NONE, "
        "politicalTheory: NONE, occupation: WORKER, workplaceType: OTHER, "
        "youthUnionMember: false, tradeUnionMember: false, "
        f'identityNumber: "{IDENTITY}", shoeSize: 38}}, occurredOn: "2025-01-06", '
        "introducedBy: BRANCH}) { __typename } }"
    )
    refused("INPUT_FIELD_UNKNOWN", s.post(literal, None, s.organizer, "refusal-invalid"))
    unknown_field = f'query Nope {{ candidate(caseCode: "{NAMES[3]}") {{ shoeSize }} }}'
    variables = {"who": NAMES[0], "id": IDENTITY}
    refused(
        "GRAPHQL_VALIDATION_FAILED",
        s.get(unknown_field, variables, s.organizer, "refusal-field"),
    )
    broken = f'{{ candidate(caseCode: "{NAMES[1]}" {{ fullName }} }}'
    refused("GRAPHQL_PARSE_FAILED", s.post(broken, None, s.organizer, "refusal-syntax"))
    # a mutation over GET, its input in the query string
    over_get = s.get(mutation("discoverCandidate"), {"input": other}, s.organizer, "refusal-get")
    refused("MUTATION_OVER_GET", over_get)

    # --- a request id: an insane one is replaced, none gets a new one
    replaced = s.post("{ me { tenant } }", None, s.organizer, "bad id with spaces")
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    fresh = httpx.post(
        s.url,
        json={"query": "{ me { tenant } }"},
        headers={"authorization": f"Bearer {s.organizer}"},
    )
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])

    log = s.stop()
    # JSON lines (KETNAP_LOG_FORMAT's default); the others are the command's own output
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines, log
    # nothing personal, in any form
    for secret in SECRETS:
        for form in forms(secret):
            assert form not in log, f"{form!r} ({secret}) is in the server log:\n{log}"
    # no stack trace, nothing logged as an error
    assert "Traceback" not in log, log
    assert not [line for line in lines if line["level"] in ("ERROR", "WARNING")], log
    # one INFO line per refused request, with its code, the tenant and the actor
    for request_id, code in refusals:
        own = [line for line in lines if line["request_id"] == request_id]
        assert len(own) == 1, (request_id, own, log)
        assert own[0]["level"] == "INFO", own
        assert code in own[0]["refused"], own
        assert own[0]["outcome"] == "refused", own
        if request_id not in ("refusal-no-token", "refusal-bad-token"):
            assert own[0]["tenant"] == "alpha", own
    assert next(line for line in lines if line["request_id"] == "refusal-role")["actor"] == (
        "lanh-dao-1"
    )
    typo = next(line for line in lines if line["request_id"] == "refusal-invalid")
    assert typo["operation_name"] == "Typo", typo
    # reads are logged too, one line each, without their query string
    reads = [line for line in lines if line["request_id"] == "read-get"]
    assert len(reads) == 1, reads
    assert (reads[0]["method"], reads[0]["path"], reads[0]["status"]) == ("GET", "/graphql", 200)
    assert "?" not in reads[0]["message"], reads
    assert reads[0]["operation_name"] == "Listed", reads
    assert reads[0]["operation"] == "candidates", reads


def test_an_internal_error_alone_is_logged_with_its_traceback_and_never_the_document(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the read model is gone")

    monkeypatch.setattr(pipeline, "candidate_by_id", broken)
    caplog.set_level(logging.INFO)
    query = f'query Boom {{ candidate(caseCode: "{IDENTITY}") {{ fullName }} }}'
    failed = api.post(query, token=api.token(), headers={"x-request-id": "boom-1"})
    assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR", failed.text
    assert failed.headers["x-request-id"] == "boom-1"
    leader = api.token("alpha", Role.LEADER, subject="lanh-dao-2")
    forbidden = api.post(query, token=leader, headers={"x-request-id": "refused-1"})
    assert forbidden.status_code == 403, forbidden.text

    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, caplog.text
    assert errors[0].exc_info is not None
    assert errors[0].getMessage() == "INTERNAL_ERROR in operation Boom at candidate (RuntimeError)"
    assert IDENTITY not in caplog.text
    access = [r.getMessage() for r in caplog.records if r.name == "ketnap.access"]
    assert len(access) == 2, access
    assert access[0].endswith("operation=Boom failed=INTERNAL_ERROR"), access
    assert access[1].endswith("actor=lanh-dao-2 operation=Boom refused=FORBIDDEN"), access
    assert all(r.exc_info is None for r in caplog.records if r.name == "ketnap.access")
