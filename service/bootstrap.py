"""The composition root: the one place that reads the environment and wires a process's parts.

Every process (``ketnap …`` commands, the HTTP service, the worker, the benchmarks, the tests)
starts here: ``bootstrap()`` reads the settings once from ``os.environ`` (or from the
``environ`` mapping it is given, or takes ready-made :class:`~service.settings.Settings`),
resolves every path in them to an absolute one, and returns :class:`Parts`: the settings and,
built on first use, the store, the read models, the command handlers, the personal-data key
source and the audit signing key; :func:`configure_logging` is the processes' one logging
setup. Nothing else in the code reads environment variables; parts are passed down explicitly (cosmicpython's ``bootstrap.py`` is the model).

The meaning of each variable is documented in :mod:`service.settings`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from datetime import date
from functools import cached_property
from pathlib import Path
from types import TracebackType

from domain.errors import InvalidInput
from service.commands import Handlers
from service.crypto import DEV_KEY_FILE_NAME, KeySource
from service.read_models import ReadModels
from service.replica_reads import ReplicaReadModels
from service.settings import (
    DEFAULT_APP_CACHE_SIZE,
    DEFAULT_DATA_DIR,
    DEFAULT_MAX_IMPORT_BYTES,
    DEFAULT_MAX_QUERY_ROWS,
    DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_METRICS_HOST,
    DEFAULT_PG_MAX_OVERFLOW,
    DEFAULT_PG_POOL_SIZE,
    DEFAULT_PG_POOL_TIMEOUT,
    DEFAULT_PROJECTION_BATCH_SIZE,
    DEFAULT_READ_YOUR_WRITES_TIMEOUT,
    DEFAULT_READY_MAX_LAG,
    DEFAULT_REQUEST_TIME_BUDGET,
    DEFAULT_WORKER_INTERVAL,
    DEFAULT_WORKER_NAME,
    OWNER_URL_VARIABLE,
    READ_URL_VARIABLE,
    URL_VARIABLE,
    Settings,
)
from service.store import Store
from service.store.replica import ReplicaDatabase


def read_settings(environ: Mapping[str, str]) -> Settings:
    """The settings ``environ`` names (unset or blank variables take their defaults).

    Bad values raise :class:`~domain.errors.InvalidInput` (``SETTING_INVALID``) naming the
    variable, in Vietnamese and English. Paths are returned as written (see :func:`absolute`).
    """

    def text(name: str) -> str:
        return environ.get(name, "").strip()

    def path(name: str) -> Path | None:
        value = text(name)
        return Path(value) if value else None

    return Settings(
        data_dir=Path(text("KETNAP_DATA_DIR") or DEFAULT_DATA_DIR),
        database_url=text(URL_VARIABLE),
        database_owner_url=text(OWNER_URL_VARIABLE),
        read_database_url=text(READ_URL_VARIABLE),
        pg_pool_size=_read_int(environ, "KETNAP_PG_POOL_SIZE", DEFAULT_PG_POOL_SIZE),
        pg_max_overflow=_read_int(environ, "KETNAP_PG_MAX_OVERFLOW", DEFAULT_PG_MAX_OVERFLOW),
        pg_pool_timeout=_read_float(environ, "KETNAP_PG_POOL_TIMEOUT", DEFAULT_PG_POOL_TIMEOUT),
        app_cache_size=_read_int(environ, "KETNAP_APP_CACHE_SIZE", DEFAULT_APP_CACHE_SIZE),
        projection_batch_size=_read_int(
            environ, "KETNAP_PROJECTION_BATCH_SIZE", DEFAULT_PROJECTION_BATCH_SIZE
        ),
        read_your_writes_timeout=_read_float(
            environ, "KETNAP_READ_YOUR_WRITES_TIMEOUT", DEFAULT_READ_YOUR_WRITES_TIMEOUT
        ),
        environment=text("KETNAP_ENV").lower() or "development",
        jwks_url=text("KETNAP_JWKS_URL"),
        jwt_public_key_file=text("KETNAP_JWT_PUBLIC_KEY_FILE"),
        jwt_issuer=text("KETNAP_JWT_ISSUER"),
        jwt_audience=text("KETNAP_JWT_AUDIENCE"),
        max_request_bytes=_read_int(environ, "KETNAP_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
        max_import_bytes=_read_int(environ, "KETNAP_MAX_IMPORT_BYTES", DEFAULT_MAX_IMPORT_BYTES),
        ready_max_lag=_read_int(environ, "KETNAP_READY_MAX_LAG", DEFAULT_READY_MAX_LAG),
        request_time_budget=_read_float(
            environ, "KETNAP_REQUEST_TIME_BUDGET", DEFAULT_REQUEST_TIME_BUDGET
        ),
        max_query_rows=_read_int(environ, "KETNAP_MAX_QUERY_ROWS", DEFAULT_MAX_QUERY_ROWS),
        key_file=path("KETNAP_KEY_FILE"),
        inline_keys=text("KETNAP_TENANT_KEYS"),
        signing_key_file=path("KETNAP_SIGNING_KEY_FILE"),
        worker_poll_interval=_read_float(
            environ, "KETNAP_WORKER_POLL_INTERVAL", DEFAULT_WORKER_INTERVAL
        ),
        worker_takeover_interval=_read_float(
            environ, "KETNAP_WORKER_TAKEOVER_INTERVAL", DEFAULT_WORKER_INTERVAL
        ),
        worker_name=text("KETNAP_WORKER_NAME") or DEFAULT_WORKER_NAME,
        worker_test_delay=_read_float(environ, "KETNAP_WORKER_TEST_DELAY", 0.0),
        report_font=path("KETNAP_REPORT_FONT"),
        citus=_read_switch(environ, "KETNAP_CITUS"),
        metrics_port=_read_int(environ, "KETNAP_METRICS_PORT", 0),
        metrics_host=text("KETNAP_METRICS_HOST") or DEFAULT_METRICS_HOST,
        log_format=text("KETNAP_LOG_FORMAT").lower() or "json",
        log_level=text("KETNAP_LOG_LEVEL").upper() or "INFO",
        tracing=_read_switch(environ, "KETNAP_TRACING"),
        otlp_endpoint=text("KETNAP_OTLP_ENDPOINT"),
    )


def absolute(settings: Settings, cwd: Path | None = None) -> Settings:
    """``settings`` with every path made absolute against ``cwd`` (default: the current one).

    Done once, here: a process that changes directory later, SQLite URIs
    (``Path.as_uri``) and messages all see the same absolute paths.
    """

    def fix(path: Path) -> Path:
        return absolute_path(path, cwd)

    return dataclasses.replace(
        settings,
        data_dir=fix(settings.data_dir),
        key_file=fix(settings.key_file) if settings.key_file is not None else None,
        signing_key_file=(
            fix(settings.signing_key_file) if settings.signing_key_file is not None else None
        ),
        jwt_public_key_file=(
            str(fix(Path(settings.jwt_public_key_file))) if settings.jwt_public_key_file else ""
        ),
        report_font=fix(settings.report_font) if settings.report_font is not None else None,
    )


class Parts:
    """What a process is made of, each part built on first use and shared afterwards.

    ``inline`` overrides whether projections run inline after each command (default: SQLite
    yes, PostgreSQL no, where the worker runs them); ``today`` is the handlers' clock.
    Close with :meth:`close` or use as a context manager (closes the store if it was opened).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        inline: bool | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.settings = settings
        self.inline = inline
        self.today = today

    @cached_property
    def store(self) -> Store:
        """The tenant registry and the tenants' applications."""
        return Store.from_settings(self.settings)

    @cached_property
    def read_models(self) -> ReadModels:
        """Every tenant's projections, as seen from this process."""
        return ReadModels(self.store, inline=self.inline)

    @cached_property
    def replica(self) -> ReplicaReadModels | None:
        """Where queries read the read models when ``KETNAP_READ_DATABASE_URL`` names a read
        replica (its own pool, opened lazily); None: they read the primary's."""
        if not self.settings.read_database_url:
            return None
        return ReplicaReadModels(self.store, ReplicaDatabase(self.settings), self.read_models)

    @cached_property
    def handlers(self) -> Handlers:
        """The command handlers; after each save the read models catch up when inline."""
        return Handlers(self.store, today=self.today, after_save=self.read_models.after_save)

    @cached_property
    def keys(self) -> KeySource:
        """Where the personal-data keys come from as configured (``KETNAP_KEY_FILE`` or
        ``KETNAP_TENANT_KEYS``), else the SQLite development file ``<data dir>/keys.json``.
        PostgreSQL has no fallback: a source with neither names nothing."""
        dev = (
            self.settings.data_dir / DEV_KEY_FILE_NAME
            if self.settings.backend == "sqlite"
            else None
        )
        return KeySource.configured(
            key_file=self.settings.key_file, inline=self.settings.inline_keys, dev_key_file=dev
        )

    def close(self) -> None:
        """Close the store (and so the applications and the pool) and the replica's pool, if
        they were opened."""
        store = self.__dict__.pop("store", None)
        self.__dict__.pop("read_models", None)
        replica = self.__dict__.pop("replica", None)
        if replica is not None:
            replica.close()
        self.__dict__.pop("handlers", None)
        if store is not None:
            store.close()

    def __enter__(self) -> Parts:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()


def bootstrap(
    settings: Settings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    inline: bool | None = None,
    today: Callable[[], date] = date.today,
) -> Parts:
    """The parts of this process: from ``settings`` if given, else read from ``environ``
    (default: ``os.environ``), with every path absolute."""
    if settings is None:
        settings = read_settings(os.environ if environ is None else environ)
    return Parts(absolute(settings), inline=inline, today=today)


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """The process's one logging setup (``ketnap serve``, ``ketnap worker``): every record on
    standard error as ``KETNAP_LOG_FORMAT`` lines (JSON by default), from ``level`` (default
    ``KETNAP_LOG_LEVEL``) up; see :mod:`service.observability.logs`."""
    from service.observability.logs import configure_logging as configure

    configure(settings.log_format, level or settings.log_level)


def absolute_path(path: Path, cwd: Path | None = None) -> Path:
    """``path`` made absolute against ``cwd`` (default: the current directory)."""
    base = Path.cwd() if cwd is None else cwd
    return Path(os.path.normpath(base / path.expanduser()))


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


def _read_switch(env: Mapping[str, str], name: str) -> bool:
    """On or off (unset: off; also 1/0, true/false, yes/no); anything else is refused rather
    than guessed."""
    raw = env.get(name, "").strip().lower()
    if raw in ("", "off", "0", "false", "no"):
        return False
    if raw in ("on", "1", "true", "yes"):
        return True
    raise InvalidInput(
        "SETTING_INVALID",
        f"Biến môi trường {name} phải là on hoặc off, nhận được {raw!r}.",
        f"The environment variable {name} must be on or off, got {raw!r}.",
        field=name,
    )


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
