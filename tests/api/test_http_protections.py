"""The HTTP layer's protections, over real HTTP on each backend: body limit, document limits
(depth, aliases, tokens, operations), malformed requests, the GraphQL-over-HTTP media types and
methods, and masking of unexpected errors. A bad request never gets a 500 or a traceback, and
the server keeps answering afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from domain.errors import DomainError, InvalidInput
from service.api import limits
from service.api import schema as api_schema
from service.api.errors import should_mask
from service.api.permissions import PermissionRefused
from tests.api.conftest import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
ME = "{ me { subject } }"


def auth(api: Api, **headers: str) -> dict[str, str]:
    """Headers with the organizer's bearer token."""
    return {"authorization": f"Bearer {api.token()}", **headers}


def media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip()


def assert_clean(response: httpx.Response, what: str) -> None:
    """No server error and no Python internals in the answer."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text}"
    for leak in ("Traceback", 'File "', "Internal Server Error", "Exception"):
        assert leak not in response.text, f"{what}: {response.text}"


def assert_bilingual_error(response: httpx.Response, code: str) -> dict[str, Any]:
    """The body is GraphQL-shaped (no data) with one error of ``code`` in both languages."""
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    error: dict[str, Any] = body["errors"][0]
    extensions = error["extensions"]
    assert extensions["code"] == code, body
    assert extensions["messageVi"], body
    assert extensions["messageEn"], body
    assert extensions["messageVi"] != extensions["messageEn"], body
    assert extensions["messageVi"] in error["message"], body
    assert extensions["messageEn"] in error["message"], body
    return error


def assert_still_serving(api: Api) -> None:
    assert api.data(ME)["me"] == {"subject": "user-1"}


def error_messages(body: dict[str, Any]) -> str:
    return " | ".join(str(e.get("message")) for e in body.get("errors") or [])


# --- body size ---------------------------------------------------------------------------------
def test_a_body_declared_larger_than_the_limit_is_refused_with_413(api: Api) -> None:
    limit = api.services.settings.max_request_bytes
    padding = "#" * limit  # a GraphQL comment: the document would be valid but for its size
    response = api.post(f"{ME}\n{padding}", token=api.token())
    assert response.status_code == 413
    assert int(response.request.headers["content-length"]) > limit
    assert media_type(response) == "application/json"
    error = assert_bilingual_error(response, "REQUEST_TOO_LARGE")
    assert f"{limit:,}" in error["extensions"]["messageEn"]
    assert_still_serving(api)


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit_with_413(api: Api) -> None:
    limit = api.services.settings.max_request_bytes
    chunk = b" " * 64_000

    def body() -> Iterator[bytes]:
        yield b'{"query": "{ me { subject } }", "padding": "'
        for _ in range(limit // len(chunk) + 2):
            yield chunk
        yield b'"}'

    response = api.client.post(
        api.url, content=body(), headers=auth(api, **{"content-type": "application/json"})
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413, response.text
    assert_bilingual_error(response, "REQUEST_TOO_LARGE")
    assert_still_serving(api)


def test_a_streamed_body_under_the_limit_is_served(api: Api) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"query": '
        yield b'"{ me { subject } }"}'

    response = api.client.post(
        api.url, content=body(), headers=auth(api, **{"content-type": "application/json"})
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"me": {"subject": "user-1"}}}


# --- document limits ---------------------------------------------------------------------------
def unit_chain(parents: int) -> str:
    """Cases with their unit and ``parents`` levels of parent units."""
    inner = "code"
    for _ in range(parents):
        inner = f"parent {{ {inner} }}"
    return f"{{ candidates(first: 1) {{ edges {{ node {{ unit {{ {inner} }} }} }} }} }}"


def test_a_query_deeper_than_the_limit_is_refused(api: Api) -> None:
    # candidates > edges > node > unit > parent… > code: the root field is at depth 0, so
    # the leaf ``code`` under a chain of n parents sits at depth 4 + n.
    allowed = api.gql(unit_chain(limits.MAX_DEPTH - 4))
    assert not allowed.get("errors"), allowed
    refused = api.gql(unit_chain(limits.MAX_DEPTH - 3))
    assert refused["data"] is None
    assert "depth" in error_messages(refused)
    assert str(limits.MAX_DEPTH) in error_messages(refused)


def aliased_me(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ subject }}" for i in range(count)) + " }"


def test_a_query_with_too_many_aliases_is_refused(api: Api) -> None:
    allowed = api.data(aliased_me(limits.MAX_ALIASES))
    assert len(allowed) == limits.MAX_ALIASES
    refused = api.gql(aliased_me(limits.MAX_ALIASES + 1))
    assert refused["data"] is None
    assert "aliases" in error_messages(refused)


def stages_filter(count: int) -> str:
    """A case list filtered by ``count`` stages: 19 tokens plus one per stage (commas are not
    tokens in GraphQL)."""
    stages = " ".join(["DISCOVERED"] * count)
    return f"{{ candidates(first: 1, filter: {{stages: [{stages}]}}) {{ totalCount }} }}"


def test_a_document_with_too_many_tokens_is_refused(api: Api) -> None:
    refused = api.gql(stages_filter(api_schema.MAX_TOKENS))
    assert refused["data"] is None
    assert "tokens" in error_messages(refused)
    allowed = api.gql(stages_filter(api_schema.MAX_TOKENS - 30))
    assert not allowed.get("errors"), error_messages(allowed)
    assert allowed["data"] == {"candidates": {"totalCount": 0}}


def operations(count: int) -> str:
    return " ".join(f"query Q{i} {{ me {{ subject }} }}" for i in range(count))


def test_a_document_with_more_than_the_allowed_operations_is_refused(api: Api) -> None:
    body = api.client.post(
        api.url,
        json={"query": operations(api_schema.MAX_OPERATIONS), "operationName": "Q0"},
        headers=auth(api),
    ).json()
    assert body == {"data": {"me": {"subject": "user-1"}}}
    response = api.client.post(
        api.url,
        json={"query": operations(api_schema.MAX_OPERATIONS + 1), "operationName": "Q0"},
        headers=auth(api),
    )
    assert_clean(response, "too many operations")
    refused = response.json()
    assert refused["data"] is None
    codes = [e.get("extensions", {}).get("code") for e in refused["errors"]]
    assert codes == ["TOO_MANY_OPERATIONS"], refused
    assert "operations" in refused["errors"][0]["message"]
    assert "thao tác" in refused["errors"][0]["message"]


# --- malformed requests ------------------------------------------------------------------------
@dataclass(frozen=True)
class Bad:
    """A malformed request and what it must get."""

    name: str
    content: bytes
    content_type: str | None = "application/json"
    status: int = 400
    code: str | None = "BAD_REQUEST"  # None: a GraphQL error from strawberry, not our body


BAD_REQUESTS = (
    Bad("garbage document", b'{"query": "{{{"}', status=200, code=None),
    Bad("empty query", b'{"query": ""}'),
    Bad("no query", b'{"variables": {}}'),
    Bad("null query", b'{"query": null}'),
    Bad("query not a string", b'{"query": 42}'),
    Bad("not JSON", b"query { me { subject } }"),
    Bad("truncated JSON", b'{"query": "{ me { subject } }"'),
    Bad("JSON array (batch)", b'[{"query": "{ me { subject } }"}]'),
    Bad("JSON number", b"42"),
    Bad("JSON string", b'"{ me { subject } }"'),
    Bad("JSON null", b"null"),
    Bad("variables a number", b'{"query": "{ me { subject } }", "variables": 5}'),
    Bad("variables a list", b'{"query": "{ me { subject } }", "variables": [1, 2]}'),
    Bad("variables a string", b'{"query": "{ me { subject } }", "variables": "{}"}'),
    Bad("extensions a list", b'{"query": "{ me { subject } }", "extensions": []}'),
    Bad("unknown operation", b'{"query": "{ me { subject } }", "operationName": "Nope"}'),
    Bad("operationName a number", b'{"query": "{ me { subject } }", "operationName": 5}'),
    Bad(
        "variable of the wrong type",
        b'{"query": "query($n: Int) { candidates(first: $n) { totalCount } }",'
        b' "variables": {"n": "many"}}',
        status=200,
        code=None,
    ),
    Bad("text/plain content", b"{ me { subject } }", content_type="text/plain"),
    Bad("application/graphql content", b"{ me { subject } }", content_type="application/graphql"),
    Bad("form content", b"query=%7B+me+%7D", content_type="application/x-www-form-urlencoded"),
    Bad("no content type", b'{"query": "{ me { subject } }"}', content_type=None),
)


def test_malformed_requests_get_clean_refusals_and_the_server_keeps_serving(api: Api) -> None:
    for bad in BAD_REQUESTS:
        headers = auth(api)
        if bad.content_type is not None:
            headers["content-type"] = bad.content_type
        response = api.client.post(api.url, content=bad.content, headers=headers)
        assert_clean(response, bad.name)
        assert response.status_code == bad.status, f"{bad.name}: {response.text}"
        assert media_type(response) == "application/json", bad.name
        body = response.json()
        assert body["errors"], f"{bad.name}: {body}"
        if bad.code is None:
            assert body["data"] is None, f"{bad.name}: {body}"
        else:
            assert_bilingual_error(response, bad.code)
    assert_still_serving(api)


def test_a_get_with_bad_variables_is_refused_cleanly(api: Api) -> None:
    for variables in ("{not json", "5", "[1]"):
        response = api.client.get(
            api.url, params={"query": ME, "variables": variables}, headers=auth(api)
        )
        assert_clean(response, f"GET variables={variables}")
        assert response.status_code == 400, response.text
        assert_bilingual_error(response, "BAD_REQUEST")
    assert_still_serving(api)


# --- media types and methods -------------------------------------------------------------------
def test_graphql_response_json_clients_get_400_for_documents_that_cannot_run(api: Api) -> None:
    headers = auth(api, accept=GRAPHQL_RESPONSE)
    for document in ("{{{", "{ meh { subject } }", "query { me }"):
        response = api.client.post(api.url, json={"query": document}, headers=headers)
        assert response.status_code == 400, f"{document}: {response.text}"
        assert media_type(response) == GRAPHQL_RESPONSE
        body = response.json()
        assert body["errors"]
        assert body.get("data") is None
    valid = api.client.post(api.url, json={"query": ME}, headers=headers)
    assert valid.status_code == 200
    assert media_type(valid) == GRAPHQL_RESPONSE
    assert valid.json() == {"data": {"me": {"subject": "user-1"}}}


def test_graphql_response_json_is_preferred_when_both_types_are_accepted(api: Api) -> None:
    accept = f"application/json;q=0.9, {GRAPHQL_RESPONSE}"
    response = api.client.post(api.url, json={"query": "{{{"}, headers=auth(api, accept=accept))
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE


def test_application_json_clients_get_200_with_the_errors_of_an_invalid_document(
    api: Api,
) -> None:
    for accept in ("application/json", "*/*", None):
        headers = auth(api) if accept is None else auth(api, accept=accept)
        response = api.client.post(api.url, json={"query": "{ meh { subject } }"}, headers=headers)
        assert response.status_code == 200, accept
        assert media_type(response) == "application/json", accept
        body = response.json()
        assert body["data"] is None
        assert "meh" in error_messages(body)


def test_a_client_accepting_neither_json_type_gets_406(api: Api) -> None:
    for accept in ("text/plain", "text/html", "application/xml"):
        response = api.client.post(api.url, json={"query": ME}, headers=auth(api, accept=accept))
        assert response.status_code == 406, accept
        assert media_type(response) == "application/json"
        assert_bilingual_error(response, "NOT_ACCEPTABLE")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_than_get_and_post_get_405(api: Api, method: str) -> None:
    response = api.client.request(method, api.url, json={"query": ME}, headers=auth(api))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert_bilingual_error(response, "METHOD_NOT_ALLOWED")


def test_a_query_over_get_is_answered(api: Api) -> None:
    response = api.client.get(api.url, params={"query": ME}, headers=auth(api))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"me": {"subject": "user-1"}}}


def test_a_mutation_over_get_is_refused_with_405_and_records_nothing(api: Api) -> None:
    mutation = (
        'mutation { addToSympathizerList(input: {caseCode: "HS-404", occurredOn: "2026-11-02"})'
        " { __typename } }"
    )
    head = api.store.app("alpha", write=False).recorder.max_notification_id()
    response = api.client.get(api.url, params={"query": mutation}, headers=auth(api))
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert_bilingual_error(response, "MUTATION_OVER_GET")
    assert api.store.app("alpha", write=False).recorder.max_notification_id() == head
    # The same mutation over POST is executed (and refused by the rules: no such case).
    posted = api.gql(mutation)
    assert posted["data"]["addToSympathizerList"]["__typename"] == "DomainError"


# --- masking -----------------------------------------------------------------------------------
def test_an_unexpected_server_error_is_masked(api: Api) -> None:
    """A read-model table gone missing (a database failure) reaches the client as "Unexpected
    error": no SQL, no table name, no exception type."""
    with api.store.read_models("alpha").transaction() as tx:
        tx.execute("DROP TABLE rm_candidate_stages")
    response = api.post("{ candidates(first: 5) { totalCount } }", token=api.token())
    assert_clean(response, "a failing read")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert "rm_candidate_stages" not in response.text
    assert "Error" not in response.text.replace("Unexpected error.", "")
    # A domain error raised by a query keeps its bilingual message and code.
    refused = api.gql('{ candidates(first: 5, after: "not-a-cursor") { totalCount } }')
    assert refused["errors"][0]["extensions"]["code"] == "CURSOR_INVALID"
    assert "after" in refused["errors"][0]["message"]


def test_should_mask_hides_everything_but_our_errors() -> None:
    def wrapped(error: Exception) -> GraphQLError:
        return GraphQLError(str(error), original_error=error)

    assert should_mask(wrapped(RuntimeError("connection to 10.0.0.7 lost")))
    assert should_mask(wrapped(KeyError("secret")))
    assert not should_mask(wrapped(InvalidInput("X", "vi", "en")))
    assert not should_mask(wrapped(DomainError("X", "vi", "en")))
    assert not should_mask(wrapped(PermissionRefused("refused")))
    assert not should_mask(GraphQLError("Cannot query field 'x' on type 'Query'."))
