"""The service on the defaults, started from a relative data directory: paths are made absolute
once, by ``service.bootstrap``, so reading a tenant's SQLite file by URI works
(``verifyHistory`` used to answer INTERNAL_ERROR: "relative path can't be expressed as a file
URI")."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from domain.values import Actor, Role
from service.api.app import make_app
from service.api.auth import issue_dev_token
from service.api.context import Services
from service.bootstrap import bootstrap
from service.settings import Settings
from tests.api.conftest import Server

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)


def test_verify_history_works_with_the_default_relative_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert not Settings().data_dir.is_absolute()  # ./ketnap-data
    with bootstrap(Settings()) as parts:
        assert parts.settings.data_dir == tmp_path / "ketnap-data"
        parts.handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ alpha", "other")
        token = issue_dev_token(
            parts.settings, subject="kiem-tra", roles=[Role.AUDITOR], tenant="alpha"
        )
        server = Server(make_app(Services.of(parts)))
        server.start()
        try:
            response = httpx.post(
                f"http://127.0.0.1:{server.port}/graphql",
                json={"query": "{ verifyHistory { tenant intact events summaryEn } }"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        finally:
            server.stop()
    body = response.json()
    assert "errors" not in body, body
    result = body["data"]["verifyHistory"]
    assert (result["tenant"], result["intact"]) == ("alpha", True)
    assert result["summaryEn"].startswith("alpha: intact")
    assert (tmp_path / "ketnap-data" / "tenants" / "alpha.sqlite").exists()
