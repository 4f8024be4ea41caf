"""Bearer tokens over real HTTP: every bad token gets a bilingual 401 with ``WWW-Authenticate``;
keys from a public key file or a JWKS URL; issuer and audience checks; production mode (no IDE,
no introspection, no suggestions, no development tokens); and ``ketnap token``."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from domain.values import Role
from service.api.app import make_app
from service.api.auth import DEV_KEY_FILE, AuthError, dev_signing_key, issue_dev_token
from service.api.context import Services
from service.cli import main
from tests.api.conftest import Api, Server
from tests.conftest import SettingsCliRunner

ME = "{ me { subject tenant roles units } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"
ISSUER = "https://idp.example.org/realms/ketnap"
AUDIENCE = "ketnap-api"


# --- helpers -----------------------------------------------------------------------------------
def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    """An organizer of ``alpha``, valid for ten minutes; ``None`` values are left out."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "user-9",
        "tenant": "alpha",
        "roles": ["organizer"],
        "units": [],
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def dev_key(api: Api) -> ec.EllipticCurvePrivateKey:
    key = dev_signing_key(api.services.settings)
    assert key is not None
    return key


def dev_signed(api: Api, payload: dict[str, Any]) -> str:
    """``payload`` signed with the development key, as ``ketnap token`` signs."""
    return jwt.encode(payload, dev_key(api), algorithm="ES256", headers={"kid": DEV_KEY_FILE})


def unsigned(payload: dict[str, Any], header: dict[str, Any]) -> str:
    """A token with ``header`` and an empty signature (for ``alg: none``)."""
    parts = (json.dumps(header).encode(), json.dumps(payload).encode())
    return ".".join(b64(p) for p in parts) + "."


def hs256_signed(payload: dict[str, Any], secret: bytes, kid: str = DEV_KEY_FILE) -> str:
    """An HS256 token whose HMAC secret is ``secret`` (the algorithm-confusion attack)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    mac = hmac.HMAC(secret, hashes.SHA256())
    mac.update(signing_input.encode())
    return f"{signing_input}.{b64(mac.finalize())}"


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def post(url: str, token: str | None = None, query: str = ME, **headers: str) -> httpx.Response:
    sent = dict(headers)
    if token is not None:
        sent["authorization"] = f"Bearer {token}"
    return httpx.post(url, json={"query": query}, headers=sent, timeout=30)


def me(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]["me"]
    return data


def assert_refused(response: httpx.Response, code: str, status: int = 401) -> dict[str, Any]:
    """A bilingual refusal with ``code``; 401s tell the client how to authenticate."""
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="ketnap"'
    else:
        assert "www-authenticate" not in response.headers
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    error: dict[str, Any] = body["errors"][0]
    extensions = error["extensions"]
    assert extensions["code"] == code, body
    assert extensions["messageVi"].strip()
    assert extensions["messageEn"].strip()
    assert extensions["messageVi"] != extensions["messageEn"]
    assert error["message"] == f"{extensions['messageEn']} / {extensions['messageVi']}"
    return error


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def public_key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "idp-public.pem"
    path.write_bytes(public_pem(rsa_key))
    return path


def rs256(key: rsa.RSAPrivateKey, payload: dict[str, Any], kid: str = "idp-1") -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


@contextmanager
def serving(api: Api, **settings: Any) -> Iterator[str]:
    """A second server on the same store and tenants with other settings; yields its URL."""
    services = Services(
        store=api.store,
        handlers=api.handlers,
        read_models=api.services.read_models,
        settings=dataclasses.replace(api.services.settings, **settings),
        today=api.services.today,
    )
    server = Server(make_app(services))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}/graphql"
    finally:
        server.stop()


#: A subject that would print a line of its own, in red, wherever it is printed raw.
FORGED_SUBJECT = "user-9\n     42 Candidate.Admitted  2025-01-01 \x1b[31mauditor\x1b[0m"


# --- refusals ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BadToken:
    name: str
    authorization: Callable[[Api], str | None]
    code: str


def bearer(make: Callable[[Api], str]) -> Callable[[Api], str]:
    return lambda api: f"Bearer {make(api)}"


def tampered(api: Api) -> str:
    """A valid token whose payload was changed to another tenant after signing."""
    header, _, signature = dev_signed(api, claims()).split(".")
    payload = b64(json.dumps(claims(tenant="beta")).encode())
    return f"{header}.{payload}.{signature}"


BAD_TOKENS = (
    BadToken("no header", lambda api: None, "TOKEN_MISSING"),
    BadToken("empty header", lambda api: "", "TOKEN_MISSING"),
    BadToken("scheme only", lambda api: "Bearer", "TOKEN_MISSING"),
    BadToken("basic scheme", lambda api: "Basic dXNlcjpwYXNzd29yZA==", "TOKEN_MISSING"),
    BadToken("token scheme", lambda api: f"Token {api.token()}", "TOKEN_MISSING"),
    BadToken("no scheme", lambda api: api.token(), "TOKEN_MISSING"),
    BadToken("not a JWT", bearer(lambda api: "not-a-jwt"), "TOKEN_MALFORMED"),
    BadToken("three garbage parts", bearer(lambda api: "abc.def.ghi"), "TOKEN_MALFORMED"),
    BadToken(
        "expired",
        bearer(lambda api: dev_signed(api, claims(iat=int(time.time()) - 7200, exp=1))),
        "TOKEN_EXPIRED",
    ),
    BadToken(
        "expired a minute ago (past the leeway)",
        bearer(lambda api: dev_signed(api, claims(exp=int(time.time()) - 60))),
        "TOKEN_EXPIRED",
    ),
    BadToken(
        "signed by another key",
        bearer(
            lambda api: jwt.encode(
                claims(),
                ec.generate_private_key(ec.SECP256R1()),
                algorithm="ES256",
                headers={"kid": DEV_KEY_FILE},
            )
        ),
        "TOKEN_INVALID",
    ),
    BadToken("payload changed after signing", bearer(tampered), "TOKEN_INVALID"),
    BadToken(
        "RS256 under the development key's kid",
        bearer(
            lambda api: jwt.encode(
                claims(),
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
                algorithm="RS256",
                headers={"kid": DEV_KEY_FILE},
            )
        ),
        "TOKEN_INVALID",
    ),
    BadToken(
        "alg none",
        bearer(lambda api: unsigned(claims(), {"alg": "none", "typ": "JWT", "kid": DEV_KEY_FILE})),
        "TOKEN_INVALID",
    ),
    BadToken(
        "alg none without kid",
        bearer(lambda api: unsigned(claims(), {"alg": "none", "typ": "JWT"})),
        "TOKEN_INVALID",
    ),
    BadToken(
        "HS256 keyed with the public key",
        bearer(lambda api: hs256_signed(claims(), public_pem(dev_key(api)))),
        "TOKEN_INVALID",
    ),
    BadToken(
        "HS256 with a guessed secret",
        bearer(lambda api: hs256_signed(claims(), b"secret")),
        "TOKEN_INVALID",
    ),
    BadToken("no exp", bearer(lambda api: dev_signed(api, claims(exp=None))), "TOKEN_INVALID"),
    BadToken("no sub", bearer(lambda api: dev_signed(api, claims(sub=None))), "TOKEN_INVALID"),
    BadToken(
        "blank sub", bearer(lambda api: dev_signed(api, claims(sub="  "))), "TOKEN_SUBJECT_MISSING"
    ),
    BadToken(
        "no roles", bearer(lambda api: dev_signed(api, claims(roles=None))), "TOKEN_ROLES_MISSING"
    ),
    BadToken(
        "empty roles", bearer(lambda api: dev_signed(api, claims(roles=[]))), "TOKEN_ROLES_MISSING"
    ),
    BadToken(
        "roles not a list",
        bearer(lambda api: dev_signed(api, claims(roles="organizer"))),
        "TOKEN_ROLES_MISSING",
    ),
    BadToken(
        "unknown role",
        bearer(lambda api: dev_signed(api, claims(roles=["organizer", "admin"]))),
        "TOKEN_ROLE_UNKNOWN",
    ),
    BadToken(
        "the CLI's own system role",
        bearer(lambda api: dev_signed(api, claims(roles=["system"]))),
        "TOKEN_ROLE_UNKNOWN",
    ),
    BadToken(
        "no tenant for an organizer",
        bearer(lambda api: dev_signed(api, claims(tenant=None))),
        "TOKEN_TENANT_MISSING",
    ),
    BadToken(
        "no tenant for an operator who is also an auditor",
        bearer(
            lambda api: dev_signed(api, claims(tenant=None, roles=["platform_operator", "auditor"]))
        ),
        "TOKEN_TENANT_MISSING",
    ),
    BadToken(
        "blank tenant",
        bearer(lambda api: dev_signed(api, claims(tenant=" "))),
        "TOKEN_TENANT_INVALID",
    ),
    BadToken(
        "tenant not a string",
        bearer(lambda api: dev_signed(api, claims(tenant=["alpha"]))),
        "TOKEN_TENANT_INVALID",
    ),
    BadToken(
        "sub with a newline and ANSI escapes (a forged log line)",
        bearer(lambda api: dev_signed(api, claims(sub=FORGED_SUBJECT))),
        "TOKEN_SUBJECT_INVALID",
    ),
    BadToken(
        "sub with a bidi override",
        bearer(lambda api: dev_signed(api, claims(sub="user-\u202e9"))),
        "TOKEN_SUBJECT_INVALID",
    ),
    BadToken(
        "sub too long",
        bearer(lambda api: dev_signed(api, claims(sub="u" * 201))),
        "TOKEN_SUBJECT_INVALID",
    ),
    BadToken(
        "exp as a numeric string",
        bearer(lambda api: dev_signed(api, claims(exp=str(int(time.time()) + 600)))),
        "TOKEN_TIME_INVALID",
    ),
    BadToken(
        "iat as a numeric string",
        bearer(lambda api: dev_signed(api, claims(iat=str(int(time.time()))))),
        "TOKEN_TIME_INVALID",
    ),
    BadToken(
        "tenant not a slug",
        bearer(lambda api: dev_signed(api, claims(tenant="Alpha\n"))),
        "TOKEN_TENANT_INVALID",
    ),
    BadToken(
        "unit with an escape character",
        bearer(lambda api: dev_signed(api, claims(units=["CB1\x1b[31m"]))),
        "TOKEN_UNITS_INVALID",
    ),
    BadToken(
        "unit not a string",
        bearer(lambda api: dev_signed(api, claims(units=[1]))),
        "TOKEN_UNITS_INVALID",
    ),
    BadToken(
        "units not a list",
        bearer(lambda api: dev_signed(api, claims(units="CB"))),
        "TOKEN_UNITS_INVALID",
    ),
    BadToken(
        "blank unit", bearer(lambda api: dev_signed(api, claims(units=[""]))), "TOKEN_UNITS_INVALID"
    ),
)


def test_every_bad_token_gets_a_bilingual_401(api: Api) -> None:
    for bad in BAD_TOKENS:
        authorization = bad.authorization(api)
        headers = {} if authorization is None else {"authorization": authorization}
        response = api.client.post(api.url, json={"query": ME}, headers=headers)
        try:
            assert_refused(response, bad.code)
        except AssertionError as error:
            raise AssertionError(f"{bad.name}: {error}") from error
    assert me(post(api.url, api.token()))["tenant"] == "alpha"


def test_a_refusal_repeats_no_more_than_a_short_escaped_piece_of_a_claim(api: Api) -> None:
    role = {"name": "organizer\n" + "x" * 5000}
    response = post(api.url, dev_signed(api, claims(roles=[role])))
    error = assert_refused(response, "TOKEN_ROLE_UNKNOWN")
    assert len(error["extensions"]["messageEn"]) < 120, error
    assert "\n" not in error["message"]
    assert (
        me(post(api.url, dev_signed(api, claims(exp=time.time() + 600.5))))["subject"] == "user-9"
    )


def test_a_refusal_uses_the_media_type_the_client_accepts(api: Api) -> None:
    response = post(api.url, None, accept=GRAPHQL_RESPONSE)
    assert_refused(response, "TOKEN_MISSING")
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


def test_a_refusal_over_get_is_the_same_401(api: Api) -> None:
    response = api.client.get(api.url, params={"query": ME})
    assert_refused(response, "TOKEN_MISSING")


def test_a_token_of_an_unknown_tenant_gets_403(api: Api) -> None:
    response = post(api.url, dev_signed(api, claims(tenant="gamma")))
    error = assert_refused(response, "TENANT_UNKNOWN", status=403)
    assert "gamma" in error["extensions"]["messageEn"]


def test_a_platform_operator_needs_no_tenant(api: Api) -> None:
    token = dev_signed(api, claims(tenant=None, roles=["platform_operator"], sub="ops-1"))
    assert me(post(api.url, token)) == {
        "subject": "ops-1",
        "tenant": None,
        "roles": ["platform_operator"],
        "units": [],
    }


def test_a_token_within_the_leeway_and_with_extra_claims_is_accepted(api: Api) -> None:
    token = dev_signed(api, claims(exp=int(time.time()) - 5, scope="openid", units=["CB"]))
    assert me(post(api.url, token))["units"] == ["CB"]


# --- keys --------------------------------------------------------------------------------------
def test_rs256_tokens_are_checked_with_the_public_key_file(
    api: Api, rsa_key: rsa.RSAPrivateKey, public_key_file: Path
) -> None:
    with serving(api, jwt_public_key_file=str(public_key_file)) as url:
        assert me(post(url, rs256(rsa_key, claims(sub="idp-user"))))["subject"] == "idp-user"
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert_refused(post(url, rs256(other, claims())), "TOKEN_INVALID")
        es256 = jwt.encode(claims(), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")
        assert_refused(post(url, es256), "TOKEN_INVALID")  # not the key's algorithm
        assert_refused(
            post(url, hs256_signed(claims(), public_key_file.read_bytes(), kid="idp-1")),
            "TOKEN_INVALID",
        )
        assert_refused(
            post(url, rs256(rsa_key, claims(exp=int(time.time()) - 120))), "TOKEN_EXPIRED"
        )
        # In development the local key's tokens are accepted next to the configured key.
        assert me(post(url, api.token()))["subject"] == "user-1"


@pytest.mark.parametrize("backend", ["sqlite"])  # no request reaches the store
def test_an_unreadable_public_key_file_stops_the_service_from_starting(
    api: Api, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    for path in (garbage, tmp_path / "missing.pem"):
        services = dataclasses.replace(
            api.services,
            settings=dataclasses.replace(api.services.settings, jwt_public_key_file=str(path)),
        )
        with pytest.raises(AuthError) as refused:
            make_app(services)
        assert refused.value.code == "JWT_PUBLIC_KEY_INVALID"
        assert "KETNAP_JWT_PUBLIC_KEY_FILE" in refused.value.message_en


class Jwks:
    """A JWKS document served over HTTP from a thread; counts the fetches."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.document = json.dumps({"keys": keys}).encode()
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(owner.document)))
                self.end_headers()
                self.wfile.write(owner.document)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Jwks:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**data, "kid": kid, "use": "sig", "alg": "RS256"}


def test_tokens_are_checked_with_the_keys_of_the_jwks_url(
    api: Api, rsa_key: rsa.RSAPrivateKey
) -> None:
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with (
        Jwks([jwk(rsa_key, "idp-1"), jwk(rotated, "idp-2")]) as jwks,
        serving(api, jwks_url=jwks.url) as url,
    ):
        assert me(post(url, rs256(rsa_key, claims(sub="a"), kid="idp-1")))["subject"] == "a"
        assert me(post(url, rs256(rotated, claims(sub="b"), kid="idp-2")))["subject"] == "b"
        assert jwks.fetches == 1  # the key set is cached
        # A key that is in the set, but not the one that signed the token.
        assert_refused(post(url, rs256(rotated, claims(), kid="idp-1")), "TOKEN_INVALID")
        error = assert_refused(
            post(url, rs256(rsa_key, claims(), kid="idp-9")), "TOKEN_KEY_UNKNOWN"
        )
        assert "idp-9" in error["extensions"]["messageEn"]
        assert_refused(
            post(url, unsigned(claims(), {"alg": "none", "kid": "idp-1"})), "TOKEN_INVALID"
        )
        assert me(post(url, api.token()))["subject"] == "user-1"  # development key


def test_an_unreachable_jwks_url_refuses_tokens_without_a_server_error(
    api: Api, rsa_key: rsa.RSAPrivateKey
) -> None:
    with Jwks([]) as jwks:
        closed = jwks.url
    with serving(api, jwks_url=closed) as url:
        response = post(url, rs256(rsa_key, claims(), kid="idp-1"))
        assert_refused(response, "TOKEN_KEY_UNKNOWN")
        assert "Traceback" not in response.text


def test_issuer_and_audience_are_checked_when_configured(
    api: Api, rsa_key: rsa.RSAPrivateKey, public_key_file: Path
) -> None:
    settings = {
        "jwt_public_key_file": str(public_key_file),
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
    }
    with serving(api, **settings) as url:
        good = claims(iss=ISSUER, aud=AUDIENCE)
        assert me(post(url, rs256(rsa_key, good)))["tenant"] == "alpha"
        among = claims(iss=ISSUER, aud=["account", AUDIENCE])
        assert me(post(url, rs256(rsa_key, among)))["tenant"] == "alpha"
        for name, bad in {
            "other issuer": claims(iss="https://evil.example.org", aud=AUDIENCE),
            "no issuer": claims(aud=AUDIENCE),
            "other audience": claims(iss=ISSUER, aud="other-api"),
            "no audience": claims(iss=ISSUER),
        }.items():
            response = post(url, rs256(rsa_key, bad))
            try:
                assert_refused(response, "TOKEN_INVALID")
            except AssertionError as error:
                raise AssertionError(f"{name}: {error}") from error
        # Development tokens are issued with the configured issuer and audience.
        dev_settings = dataclasses.replace(
            api.services.settings, jwt_issuer=ISSUER, jwt_audience=AUDIENCE
        )
        token = issue_dev_token(dev_settings, subject="dev", roles=[Role.AUDITOR], tenant="alpha")
        assert me(post(url, token))["roles"] == ["auditor"]
        decoded = jwt.decode(token, options={"verify_signature": False})
        assert (decoded["iss"], decoded["aud"]) == (ISSUER, AUDIENCE)


def test_without_an_audience_setting_the_aud_claim_is_not_checked(api: Api) -> None:
    assert me(post(api.url, dev_signed(api, claims(aud="anything"))))["tenant"] == "alpha"


# --- production --------------------------------------------------------------------------------
@pytest.fixture
def production(api: Api, public_key_file: Path) -> Iterator[str]:
    """A production server (keys from the public key file) on the same store; its URL."""
    with serving(api, environment="production", jwt_public_key_file=str(public_key_file)) as url:
        yield url


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_development_serves_the_graphiql_page_without_a_token(api: Api) -> None:
    response = api.client.get(api.url, headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_production_serves_no_graphiql_page(production: str) -> None:
    for accept in (BROWSER_ACCEPT, "text/html"):
        response = httpx.get(production, headers={"accept": accept})
        assert response.status_code in (401, 406), response.text
        assert response.headers["content-type"].startswith("application/json")
        assert "graphiql" not in response.text.lower()


def test_production_refuses_introspection(
    production: str, rsa_key: rsa.RSAPrivateKey, api: Api
) -> None:
    token = rs256(rsa_key, claims())
    for query in (
        "{ __schema { queryType { name } } }",
        '{ __type(name: "Candidate") { fields { name } } }',
    ):
        response = post(production, token, query)
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        assert "introspection" in body["errors"][0]["message"].lower()
    typename = post(production, token, "{ __typename me { subject } }")
    assert typename.json() == {"data": {"__typename": "Query", "me": {"subject": "user-9"}}}
    # The development server answers the same introspection.
    schema = api.data("{ __schema { queryType { name } } }")
    assert schema == {"__schema": {"queryType": {"name": "Query"}}}


def test_production_gives_no_field_suggestions(
    production: str, rsa_key: rsa.RSAPrivateKey, api: Api
) -> None:
    misspelled = "{ nod(id: 1) { id } me { subjct } }"
    body = post(production, rs256(rsa_key, claims()), misspelled).json()
    messages = [e["message"] for e in body["errors"]]
    assert len(messages) == 2
    assert all("Did you mean" not in m for m in messages), messages
    assert "'nod'" in messages[0]
    development = api.gql(misspelled)
    assert any("Did you mean" in e["message"] for e in development["errors"]), development


def test_production_refuses_development_tokens(production: str, api: Api) -> None:
    settings = dataclasses.replace(api.services.settings, environment="production")
    with pytest.raises(AuthError) as refused:
        issue_dev_token(settings, subject="x", roles=[], tenant="alpha")
    assert refused.value.code == "DEV_TOKENS_DISABLED"
    # A token signed by the development key (which exists on disk) is not accepted.
    assert me(post(api.url, api.token()))["tenant"] == "alpha"
    assert_refused(post(production, api.token()), "TOKEN_INVALID")
    assert_refused(post(production, dev_signed(api, claims())), "TOKEN_INVALID")


@pytest.mark.parametrize("backend", ["sqlite"])  # no request reaches the store
def test_production_without_keys_does_not_start(api: Api) -> None:
    services = dataclasses.replace(
        api.services,
        settings=dataclasses.replace(api.services.settings, environment="production"),
    )
    with pytest.raises(AuthError) as refused:
        make_app(services)
    assert refused.value.code == "JWT_KEYS_NOT_CONFIGURED"


# --- ketnap token ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite"])
def test_ketnap_token_prints_a_token_the_server_accepts(api: Api, cli: CliRunner) -> None:
    result = cli.invoke(main, ["token", "--tenant", "alpha", "--role", "organizer"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert me(post(api.url, token)) == {
        "subject": "dev-user",
        "tenant": "alpha",
        "roles": ["organizer"],
        "units": [],
    }
    scoped = cli.invoke(
        main,
        [
            "token",
            "--tenant",
            "alpha",
            "--role",
            "branch_secretary",
            "--role",
            "leader",
            "--unit",
            "CB1",
            "--subject",
            "bi-thu",
            "--hours",
            "0.5",
        ],
    )
    assert scoped.exit_code == 0, scoped.output
    seen = me(post(api.url, scoped.output.strip()))
    assert seen == {
        "subject": "bi-thu",
        "tenant": "alpha",
        "roles": ["branch_secretary", "leader"],
        "units": ["CB1"],
    }
    expires = jwt.decode(scoped.output.strip(), options={"verify_signature": False})["exp"]
    assert expires - time.time() == pytest.approx(1800, abs=60)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_ketnap_token_refuses_in_production(api: Api, cli: SettingsCliRunner) -> None:
    production = dataclasses.replace(cli.settings, environment="production")
    args = ["token", "--tenant", "alpha", "--role", "organizer"]
    result = cli.invoke(main, args, obj=production)
    assert result.exit_code == 2, result.output
    assert "KETNAP_ENV=production" in result.output
    assert "DEV_TOKENS_DISABLED" in result.output
