"""Process settings, read once from environment variables.

- ``KETNAP_DATA_DIR`` (default ``./ketnap-data``): the embedded (SQLite) store,
  ``<dir>/registry.sqlite`` plus one file per tenant, ``<dir>/tenants/<slug>.sqlite``.
- ``KETNAP_DATABASE_URL`` (default empty: SQLite): ``postgresql://user:pass@host:port/dbname``
  (or ``postgresql:///dbname?host=/socket/dir``) switches to PostgreSQL, one schema per tenant.
  Other query parameters (``sslmode``, ``options``, ``application_name``…) are passed on to
  every connection.
- ``KETNAP_PG_POOL_SIZE`` (default 5): connections kept open in the process's one pool.
- ``KETNAP_PG_MAX_OVERFLOW`` (default 5): extra connections opened under load. The process never
  holds more than pool size + overflow PostgreSQL connections, whatever the number of tenants.
- ``KETNAP_APP_CACHE_SIZE`` (default 64): tenant applications kept open (least recently used
  out first).
- ``KETNAP_PROJECTION_BATCH_SIZE`` (default 500): events applied to the read models per
  transaction.
- ``KETNAP_READ_YOUR_WRITES_TIMEOUT`` (default 5 seconds): how long a request waits for the read
  models to pass the position of a write it names before answering "retry".

A bad value raises :class:`domain.errors.InvalidInput` (code ``SETTING_INVALID``) naming the
variable, in Vietnamese and English.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from domain.errors import InvalidInput

DEFAULT_DATA_DIR = "./ketnap-data"
DEFAULT_PG_POOL_SIZE = 5
DEFAULT_PG_MAX_OVERFLOW = 5
DEFAULT_APP_CACHE_SIZE = 64
DEFAULT_PROJECTION_BATCH_SIZE = 500
DEFAULT_READ_YOUR_WRITES_TIMEOUT = 5.0


@dataclass(frozen=True)
class PostgresParams:
    """The parts of ``KETNAP_DATABASE_URL`` the event store needs, plus any other parameters."""

    dbname: str
    host: str
    port: str
    user: str
    password: str
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Settings:
    """Configuration of one process. Build with :meth:`from_env` (or directly in tests)."""

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""
    pg_pool_size: int = DEFAULT_PG_POOL_SIZE
    pg_max_overflow: int = DEFAULT_PG_MAX_OVERFLOW
    app_cache_size: int = DEFAULT_APP_CACHE_SIZE
    projection_batch_size: int = DEFAULT_PROJECTION_BATCH_SIZE
    read_your_writes_timeout: float = DEFAULT_READ_YOUR_WRITES_TIMEOUT

    def __post_init__(self) -> None:
        _check_int("KETNAP_PG_POOL_SIZE", self.pg_pool_size, minimum=1)
        _check_int("KETNAP_PG_MAX_OVERFLOW", self.pg_max_overflow, minimum=0)
        _check_int("KETNAP_APP_CACHE_SIZE", self.app_cache_size, minimum=1)
        _check_int("KETNAP_PROJECTION_BATCH_SIZE", self.projection_batch_size, minimum=1)
        if not 0 <= self.read_your_writes_timeout <= 600:
            raise InvalidInput(
                "SETTING_INVALID",
                "Biến môi trường KETNAP_READ_YOUR_WRITES_TIMEOUT phải từ 0 đến 600 giây, nhận "
                f"được {self.read_your_writes_timeout!r}.",
                "The environment variable KETNAP_READ_YOUR_WRITES_TIMEOUT must be 0-600 "
                f"seconds, got {self.read_your_writes_timeout!r}.",
                field="KETNAP_READ_YOUR_WRITES_TIMEOUT",
            )
        if self.database_url:
            self.postgres()  # validates

    @property
    def backend(self) -> str:
        """``"postgres"`` when a database URL is set, else ``"sqlite"``."""
        return "postgres" if self.database_url else "sqlite"

    @property
    def max_pg_connections(self) -> int:
        """Upper bound of the PostgreSQL connections this process opens."""
        return self.pg_pool_size + self.pg_max_overflow

    def postgres(self) -> PostgresParams:
        """The parsed ``KETNAP_DATABASE_URL``; a bilingual error if it is not a PostgreSQL URL."""
        return parse_database_url(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: ``os.environ``)."""
        env = os.environ if environ is None else environ
        return cls(
            data_dir=Path(env.get("KETNAP_DATA_DIR", "").strip() or DEFAULT_DATA_DIR),
            database_url=env.get("KETNAP_DATABASE_URL", "").strip(),
            pg_pool_size=_read_int(env, "KETNAP_PG_POOL_SIZE", DEFAULT_PG_POOL_SIZE),
            pg_max_overflow=_read_int(env, "KETNAP_PG_MAX_OVERFLOW", DEFAULT_PG_MAX_OVERFLOW),
            app_cache_size=_read_int(env, "KETNAP_APP_CACHE_SIZE", DEFAULT_APP_CACHE_SIZE),
            projection_batch_size=_read_int(
                env, "KETNAP_PROJECTION_BATCH_SIZE", DEFAULT_PROJECTION_BATCH_SIZE
            ),
            read_your_writes_timeout=_read_float(
                env, "KETNAP_READ_YOUR_WRITES_TIMEOUT", DEFAULT_READ_YOUR_WRITES_TIMEOUT
            ),
        )


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()


def parse_database_url(url: str) -> PostgresParams:
    """Split a ``postgresql://`` URL into connection parameters."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise _bad_url(url, "phải bắt đầu bằng postgresql://", "must start with postgresql://")
    try:
        params: dict[str, Any] = conninfo_to_dict(url)
    except Exception as e:
        raise _bad_url(url, "không đọc được", f"cannot be parsed ({e})") from None
    dbname = str(params.pop("dbname", "") or "")
    if not dbname:
        raise _bad_url(url, "thiếu tên cơ sở dữ liệu", "names no database")
    host = str(params.pop("host", "") or "")
    if not host:
        raise _bad_url(
            url, "thiếu máy chủ (host hoặc ?host=/thư/mục/socket)", "names no host or socket dir"
        )
    return PostgresParams(
        dbname=dbname,
        host=host,
        port=str(params.pop("port", "") or "5432"),
        user=str(params.pop("user", "") or ""),
        password=str(params.pop("password", "") or ""),
        extra=tuple(sorted((str(k), str(v)) for k, v in params.items())),
    )


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.partition("://")[2]:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{tail}"


def _bad_url(url: str, why_vi: str, why_en: str) -> InvalidInput:
    shown = _redact(url)
    return InvalidInput(
        "SETTING_INVALID",
        f"Biến môi trường KETNAP_DATABASE_URL không hợp lệ ({shown}): {why_vi}.",
        f"The environment variable KETNAP_DATABASE_URL is not valid ({shown}): {why_en}.",
        field="KETNAP_DATABASE_URL",
    )


def _read_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            "SETTING_INVALID",
            f"Biến môi trường {name} phải là số nguyên, nhận được {raw!r}.",
            f"The environment variable {name} must be an integer, got {raw!r}.",
            field=name,
        ) from None


def _read_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(
            "SETTING_INVALID",
            f"Biến môi trường {name} phải là một số, nhận được {raw!r}.",
            f"The environment variable {name} must be a number, got {raw!r}.",
            field=name,
        ) from None


def _check_int(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(
            "SETTING_INVALID",
            f"Biến môi trường {name} phải là số nguyên ≥ {minimum}, nhận được {value!r}.",
            f"The environment variable {name} must be an integer ≥ {minimum}, got {value!r}.",
            field=name,
        )
