"""The service answers over real HTTP: who am I, and a refusal without a token."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from domain.commands import EstablishUnit
from domain.org_units import UnitKind
from service.commands import Handlers
from tests.api.conftest import TODAY, Api


def test_me_tells_the_token_s_tenant_and_roles(api: Api) -> None:
    data = api.data("{ me { subject tenant roles units } }")
    assert data["me"] == {
        "subject": "user-1",
        "tenant": "alpha",
        "roles": ["organizer"],
        "units": [],
    }


def test_a_request_without_a_token_is_refused_with_401_in_both_languages(api: Api) -> None:
    response = api.post("{ me { subject } }")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    error = response.json()["errors"][0]["extensions"]
    assert error["code"] == "TOKEN_MISSING"
    assert "mã truy cập" in error["messageVi"]
    assert "bearer token" in error["messageEn"]


def test_healthz_answers_while_the_process_runs(api: Api) -> None:
    response = api.client.get(api.url.replace("/graphql", "/healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_read_models_keep_up(api: Api) -> None:
    response = api.client.get(api.url.replace("/graphql", "/readyz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_fails_when_a_tenant_s_read_models_lag_behind(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Events recorded without projecting them (no after_save), and a threshold of 2 events.
    writer = Handlers(api.store, today=lambda: TODAY)
    for code in ("R1", "R2", "R3"):
        writer.handle(
            api.principal("beta"),
            EstablishUnit(
                code=code,
                name=f"Đảng bộ {code}",
                kind=UnitKind.COMMITTEE,
                parent_code=None,
                occurred_on=date(2020, 1, 1),
            ),
        )
    monkeypatch.setattr(
        api.services, "settings", dataclasses.replace(api.services.settings, ready_max_lag=2)
    )
    response = api.client.get(api.url.replace("/graphql", "/readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "read models lagging", "lagging": {"beta": 3}}
    # the readiness probe of the orchestrator: this server can still serve every tenant
    response = api.client.get(api.url.replace("/graphql", "/readyz/store"))
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{ me { subject ", "GRAPHQL_PARSE_FAILED"),
        ("{ me { nothingHere } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ " + " ".join(f"a{i}: me {{ subject }}" for i in range(40)) + " }", "TOO_MANY_ALIASES"),
        ("{ me { subject " + "x " * 2100 + "} }", "TOO_MANY_TOKENS"),
        (
            "{ orgTree { parent { parent { parent { parent { parent { parent { parent { parent "
            "{ parent { parent { code } } } } } } } } } } } }",
            "QUERY_TOO_DEEP",
        ),
    ],
)
def test_request_errors_carry_a_code_and_both_languages(api: Api, document: str, code: str) -> None:
    response = api.post(document, token=api.token())
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == code, errors
    assert errors[0]["extensions"]["messageVi"].strip()
    assert errors[0]["extensions"]["messageEn"] == errors[0]["message"]
