"""The service answers over real HTTP: who am I, and a refusal without a token."""

from __future__ import annotations

from tests.api.conftest import Api


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
