"""Settings from environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import InvalidInput
from service.settings import Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.data_dir == Path("./ketnap-data")
    assert settings.backend == "sqlite"
    assert (settings.pg_pool_size, settings.pg_max_overflow) == (5, 5)
    assert settings.max_pg_connections == 10
    assert settings.app_cache_size == 64


def test_values_from_env() -> None:
    settings = Settings.from_env(
        {
            "KETNAP_DATA_DIR": "/var/lib/ketnap",
            "KETNAP_DATABASE_URL": "postgresql://ketnap:s%40cret@db.local:6432/ketnap",
            "KETNAP_PG_POOL_SIZE": "3",
            "KETNAP_PG_MAX_OVERFLOW": "0",
            "KETNAP_APP_CACHE_SIZE": " 10 ",
        }
    )
    assert settings.data_dir == Path("/var/lib/ketnap")
    assert settings.backend == "postgres"
    assert settings.max_pg_connections == 3
    assert settings.app_cache_size == 10
    params = settings.postgres()
    assert (params.dbname, params.host, params.port) == ("ketnap", "db.local", "6432")
    assert (params.user, params.password) == ("ketnap", "s@cret")
    assert params.extra == ()


def test_socket_dir_and_extra_parameters() -> None:
    params = Settings(
        database_url="postgresql:///ketnap?host=/run/postgresql&sslmode=disable"
    ).postgres()
    assert (params.dbname, params.host, params.port) == ("ketnap", "/run/postgresql", "5432")
    assert params.extra == (("sslmode", "disable"),)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KETNAP_PG_POOL_SIZE", "many"),
        ("KETNAP_PG_POOL_SIZE", "0"),
        ("KETNAP_PG_MAX_OVERFLOW", "-1"),
        ("KETNAP_APP_CACHE_SIZE", "1.5"),
        ("KETNAP_APP_CACHE_SIZE", "0"),
        ("KETNAP_DATABASE_URL", "mysql://x@y/z"),
        ("KETNAP_DATABASE_URL", "postgresql://x:pw@y"),
        ("KETNAP_DATABASE_URL", "postgresql://x@y/z?bogus=1"),
        ("KETNAP_PROJECTION_BATCH_SIZE", "0"),
        ("KETNAP_PROJECTION_BATCH_SIZE", "lots"),
        ("KETNAP_READ_YOUR_WRITES_TIMEOUT", "soon"),
        ("KETNAP_READ_YOUR_WRITES_TIMEOUT", "-1"),
        ("KETNAP_READ_YOUR_WRITES_TIMEOUT", "601"),
    ],
)
def test_bad_values_are_explained_in_both_languages(name: str, value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Settings.from_env({name: value})
    error = info.value
    assert error.code == "SETTING_INVALID"
    assert error.field == name
    assert name in error.message_vi
    assert name in error.message_en
    assert "pw" not in str(error)  # passwords are not echoed
