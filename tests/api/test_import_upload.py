"""``importCases`` over real HTTP: a GraphQL multipart request (the ``Upload`` scalar) from
httpx to the served app, on both stores. The tenant is the token's: a token of one tenant
imports into that tenant only; only organizers import; a request without a token is refused
before any file is read."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx

from domain.values import Actor, Role
from service.api.app import make_app
from service.api.context import Services
from service.case_import.samples import historical_file, set_up_tenant
from service.case_import.template import write_csv, write_xlsx
from service.commands import Principal
from tests.api.conftest import OPERATOR, TODAY, Api, Server
from tests.conftest import StoreMaker

MUTATION = """
mutation Import($file: Upload!, $dryRun: Boolean!, $allOrNothing: Boolean!) {
  importCases(file: $file, dryRun: $dryRun, allOrNothing: $allOrNothing) {
    __typename
    ... on ImportCasesPayload {
      rows imported unchanged invalid events problemCount position
      problems { row column caseCode code messageVi messageEn }
    }
    ... on DomainError { code messageVi messageEn }
  }
}
"""


def upload(
    api: Api,
    data: bytes,
    *,
    token: str | None,
    name: str = "ho-so.csv",
    dry_run: bool = False,
    all_or_nothing: bool = False,
) -> httpx.Response:
    """POST the multipart request of the GraphQL multipart request spec."""
    operations = {
        "query": MUTATION,
        "variables": {"file": None, "dryRun": dry_run, "allOrNothing": all_or_nothing},
    }
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return api.client.post(
        api.url,
        files={
            "operations": (None, json.dumps(operations), "application/json"),
            "map": (None, json.dumps({"0": ["variables.file"]}), "application/json"),
            "0": (name, data, "text/csv"),
        },
        headers=headers,
    )


def result(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    found: dict[str, Any] = body["data"]["importCases"]
    return found


def events(api: Api, tenant: str) -> int:
    return api.store.app(tenant, write=False).recorder.max_notification_id() or 0


def test_an_organizer_uploads_a_file_dry_run_then_for_real(api: Api) -> None:
    set_up_tenant(api.handlers, api.principal("alpha"))
    made = historical_file(25, today=TODAY, invalid=("unknown_unit", "future_date"))
    data = write_xlsx(made.rows)
    before = events(api, "alpha")
    dry = result(upload(api, data, token=api.token("alpha"), name="ho-so.xlsx", dry_run=True))
    assert dry["__typename"] == "ImportCasesPayload"
    assert (dry["rows"], dry["imported"], dry["invalid"], dry["position"]) == (25, 23, 2, None)
    assert {(p["column"], p["code"]) for p in dry["problems"]} == {
        ("Mã chi bộ", "NOT_FOUND"),
        ("Ngày phát hiện", "DATE_IN_FUTURE"),
    }
    assert all(p["messageVi"] and p["messageEn"] for p in dry["problems"])
    assert events(api, "alpha") == before
    real = result(upload(api, data, token=api.token("alpha"), name="ho-so.xlsx"))
    assert real["imported"] == 23
    assert events(api, "alpha") == before + real["events"]
    # read your writes: the dashboards count the imported cases at once, as the model has them
    counts = api.data("{ stageCounts { stage count unit { code } } }")["stageCounts"]
    assert Counter({(c["unit"]["code"], c["stage"]): c["count"] for c in counts}) == Counter(
        (e.unit_code, e.stage.name) for e in made.expected.values()
    )
    again = result(upload(api, data, token=api.token("alpha"), name="ho-so.xlsx"))
    assert (again["unchanged"], again["imported"], again["events"]) == (23, 0, 0)
    nothing = result(upload(api, data, token=api.token("alpha"), all_or_nothing=True))
    assert nothing["position"] is None


def test_a_token_imports_into_its_own_tenant_only(api: Api) -> None:
    set_up_tenant(api.handlers, api.principal("alpha"))
    data = write_csv(historical_file(5, today=TODAY, invalid=()).rows)
    alpha, beta = events(api, "alpha"), events(api, "beta")
    # beta's organizer: the rows name alpha's units, which beta does not have
    refused = result(upload(api, data, token=api.token("beta")))
    assert refused["imported"] == 0
    assert {p["code"] for p in refused["problems"]} == {"NOT_FOUND"}
    assert (events(api, "alpha"), events(api, "beta")) == (alpha, beta)
    # a leader of alpha may not write; without a token nothing is read at all
    leader = upload(api, data, token=api.token("alpha", Role.LEADER)).json()
    assert leader["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = upload(api, data, token=None)
    assert anonymous.status_code == 401
    assert events(api, "alpha") == alpha


def test_a_file_that_is_not_a_spreadsheet_is_refused(api: Api) -> None:
    answer = result(upload(api, b"\x89PNG\r\n\x1a\n" + bytes(64), token=api.token("alpha")))
    assert answer["__typename"] == "DomainError"
    assert answer["code"] == "IMPORT_FILE_TYPE"
    assert answer["messageVi"]
    assert answer["messageEn"]


def test_a_json_request_without_a_file_is_told_to_send_one(api: Api) -> None:
    body = api.gql(
        'mutation { importCases(file: "ho-so.xlsx") { ... on DomainError { code messageVi } } }'
    )
    assert body["data"]["importCases"]["code"] == "IMPORT_FILE_MISSING"


def test_an_upload_may_be_larger_than_a_request_but_is_bounded(store_maker: StoreMaker) -> None:
    """Multipart requests get ``KETNAP_MAX_IMPORT_BYTES``, other requests stay at
    ``KETNAP_MAX_REQUEST_BYTES``: a file larger than a JSON request may be is read, one larger
    than the import bound is refused (413) before it is read."""
    parts = store_maker.parts(today=lambda: TODAY, max_request_bytes=4_096, max_import_bytes=60_000)
    parts.handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ alpha", "other")
    set_up_tenant(parts.handlers, Principal("alpha", Actor("seed", Role.ORGANIZER)))
    server = Server(make_app(Services.of(parts)))
    server.start()
    try:
        with httpx.Client(timeout=30) as client:
            api = Api(f"http://127.0.0.1:{server.port}/graphql", Services.of(parts), client)
            small = write_csv(historical_file(10, today=TODAY, invalid=()).rows)
            assert 4_096 < len(small) < 60_000
            assert result(upload(api, small, token=api.token("alpha")))["imported"] == 10
            big = write_csv(historical_file(120, today=TODAY, invalid=()).rows)
            assert len(big) > 60_000
            refused = upload(api, big, token=api.token("alpha"))
            assert refused.status_code == 413
            assert refused.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
            padded = api.post("{ me { tenant } }" + " " * 5_000, token=api.token("alpha"))
            assert padded.status_code == 413
    finally:
        server.stop()
