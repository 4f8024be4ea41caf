"""Settings read from environment variables (by ``service.bootstrap``, the only reader)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import InvalidInput
from service.bootstrap import absolute, bootstrap, read_settings
from service.settings import Settings


def test_defaults() -> None:
    settings = read_settings({})
    assert settings == Settings()
    assert settings.data_dir == Path("./ketnap-data")
    assert settings.backend == "sqlite"
    assert (settings.pg_pool_size, settings.pg_max_overflow) == (5, 5)
    assert settings.max_pg_connections == 10
    assert settings.app_cache_size == 64


def test_values_from_env() -> None:
    settings = read_settings(
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
        ("KETNAP_WORKER_POLL_INTERVAL", "often"),
        ("KETNAP_WORKER_POLL_INTERVAL", "0"),
        ("KETNAP_WORKER_TAKEOVER_INTERVAL", "3601"),
        ("KETNAP_WORKER_TAKEOVER_INTERVAL", "nan"),
        ("KETNAP_WORKER_TEST_DELAY", "-1"),
        ("KETNAP_WORKER_NAME", "tab\there"),
        ("KETNAP_REQUEST_TIME_BUDGET", "soon"),
        ("KETNAP_REQUEST_TIME_BUDGET", "0"),
        ("KETNAP_REQUEST_TIME_BUDGET", "601"),
        ("KETNAP_MAX_QUERY_ROWS", "0"),
        ("KETNAP_MAX_QUERY_ROWS", "many"),
        ("KETNAP_CITUS", "sometimes"),
    ],
)
def test_bad_values_are_explained_in_both_languages(name: str, value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_settings({name: value})
    error = info.value
    assert error.code == "SETTING_INVALID"
    assert error.field == name
    assert name in error.message_vi
    assert name in error.message_en
    assert "pw" not in str(error)  # passwords are not echoed


def test_citus_is_on_or_off() -> None:
    assert Settings().citus is False
    assert read_settings({"KETNAP_CITUS": " ON "}).citus is True
    assert read_settings({"KETNAP_CITUS": "off"}).citus is False


def test_request_cost_settings_from_env() -> None:
    assert (Settings().request_time_budget, Settings().max_query_rows) == (10.0, 2_500)
    settings = read_settings({"KETNAP_REQUEST_TIME_BUDGET": "2.5", "KETNAP_MAX_QUERY_ROWS": "100"})
    assert (settings.request_time_budget, settings.max_query_rows) == (2.5, 100)


def test_worker_key_and_signing_settings_from_env() -> None:
    settings = read_settings(
        {
            "KETNAP_WORKER_POLL_INTERVAL": "0.5",
            "KETNAP_WORKER_TAKEOVER_INTERVAL": " 2 ",
            "KETNAP_WORKER_NAME": "worker-7",
            "KETNAP_WORKER_TEST_DELAY": "0.02",
            "KETNAP_KEY_FILE": "/etc/ketnap/keys.json",
            "KETNAP_SIGNING_KEY_FILE": "signing.pem",
        }
    )
    assert (settings.worker_poll_interval, settings.worker_takeover_interval) == (0.5, 2.0)
    assert (settings.worker_name, settings.worker_test_delay) == ("worker-7", 0.02)
    assert settings.key_file == Path("/etc/ketnap/keys.json")
    assert settings.signing_key_file == Path("signing.pem")
    assert read_settings({"KETNAP_TENANT_KEYS": "{}"}).inline_keys == "{}"
    defaults = read_settings({})
    assert (defaults.worker_poll_interval, defaults.worker_name) == (5.0, "ketnap-worker")
    assert (defaults.key_file, defaults.signing_key_file, defaults.inline_keys) == (None, None, "")


def test_both_key_sources_are_refused_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as info:
        read_settings({"KETNAP_KEY_FILE": "k.json", "KETNAP_TENANT_KEYS": "{}"})
    assert info.value.code == "PERSONAL_DATA_KEYS_INVALID"
    assert "KETNAP_TENANT_KEYS" in info.value.message_vi
    assert "KETNAP_TENANT_KEYS" in info.value.message_en


def test_bootstrap_makes_every_path_absolute_once(tmp_path: Path) -> None:
    relative = read_settings(
        {
            "KETNAP_KEY_FILE": "secrets/../keys.json",
            "KETNAP_SIGNING_KEY_FILE": "signing.pem",
            "KETNAP_JWT_PUBLIC_KEY_FILE": "jwt/public.pem",
        }
    )
    fixed = absolute(relative, tmp_path)
    assert fixed.data_dir == tmp_path / "ketnap-data"
    assert fixed.key_file == tmp_path / "keys.json"
    assert fixed.signing_key_file == tmp_path / "signing.pem"
    assert fixed.jwt_public_key_file == str(tmp_path / "jwt" / "public.pem")
    assert absolute(fixed, Path("/elsewhere")) == fixed  # absolute paths stay as they are
    with bootstrap(environ={"KETNAP_DATA_DIR": "rel-data"}) as parts:
        assert parts.settings.data_dir == Path.cwd() / "rel-data"
        assert parts.settings.data_dir.is_absolute()
    with bootstrap(Settings(data_dir=tmp_path / "d")) as parts:
        assert parts.settings.data_dir == tmp_path / "d"
        assert not (tmp_path / "d").exists()  # nothing is opened before it is used
