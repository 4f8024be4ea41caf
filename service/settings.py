"""Process settings: what each variable means. ``service.bootstrap`` reads them, once, from the
environment (the only code that does) and resolves every path to an absolute one.

- ``KETNAP_DATA_DIR`` (default ``./ketnap-data``): the embedded (SQLite) store,
  ``<dir>/registry.sqlite`` plus one file per tenant, ``<dir>/tenants/<slug>.sqlite``.
- ``KETNAP_DATABASE_URL`` (default empty: SQLite): ``postgresql://user:pass@host:port/dbname``
  (or ``postgresql:///dbname?host=/socket/dir``) switches to PostgreSQL, one schema per tenant.
  Other query parameters (``sslmode``, ``options``, ``application_name``…) are passed on to
  every connection. This is the *application's* role.
- ``KETNAP_DATABASE_OWNER_URL`` (default empty: one role does everything): a URL of the same
  database for the role that owns the schemas and tables and runs their DDL (creating the
  ``platform`` schema and tenants, their triggers and grants). When set, the application's role
  (``KETNAP_DATABASE_URL``) may only ``SELECT`` and ``INSERT`` event rows, never ``UPDATE``,
  ``DELETE`` or ``TRUNCATE`` them (see :mod:`service.store.roles`). Requires
  ``KETNAP_DATABASE_URL``; the owner's connections (at most 2, opened on demand) come on top of
  the pool.
- ``KETNAP_READ_DATABASE_URL`` (default empty: queries read the primary): a PostgreSQL
  streaming replica (hot standby) of ``KETNAP_DATABASE_URL``'s database that the GraphQL
  queries and the forms read the read models from, through a second pool of the same size,
  read-only (``default_transaction_read_only``). Every write (events, read models, the
  read-your-writes marks) still goes to ``KETNAP_DATABASE_URL``; a caller's query waits until
  the replica has replayed its own last write (see :mod:`service.replica_reads`). Requires
  ``KETNAP_DATABASE_URL`` and the same database name.
- ``KETNAP_PG_POOL_SIZE`` (default 5): connections kept open in the process's one pool.
- ``KETNAP_PG_MAX_OVERFLOW`` (default 5): extra connections opened under load. The process never
  holds more than pool size + overflow PostgreSQL connections, whatever the number of tenants.
- ``KETNAP_PG_POOL_TIMEOUT`` (default 5 seconds, 0.1-600): how long a request waits for a pooled
  PostgreSQL connection. While PostgreSQL is down or restarting no connection comes: the
  request is then answered 503 ``STORE_UNAVAILABLE`` with ``Retry-After`` instead of hanging.
- ``KETNAP_APP_CACHE_SIZE`` (default 64): tenant applications kept open (least recently used
  out first).
- ``KETNAP_PROJECTION_BATCH_SIZE`` (default 500): events applied to the read models per
  transaction.
- ``KETNAP_READ_YOUR_WRITES_TIMEOUT`` (default 5 seconds): how long a request waits for the read
  models to pass the position of a write it names before answering "retry".
- ``KETNAP_ENV`` (default ``development``): ``production`` turns off the GraphQL IDE, field
  suggestions and introspection, and refuses development tokens (a JWKS URL or a public key
  file is then required).
- ``KETNAP_JWKS_URL`` / ``KETNAP_JWT_PUBLIC_KEY_FILE``: where the keys that sign bearer tokens
  come from (RS256/ES256). In development, tokens issued by ``ketnap token`` (key
  ``<data dir>/dev-jwt-key.pem``) are accepted as well.
- ``KETNAP_JWT_ISSUER`` / ``KETNAP_JWT_AUDIENCE`` (default empty: not checked): the ``iss`` and
  ``aud`` tokens must carry.
- ``KETNAP_MAX_REQUEST_BYTES`` (default 1,000,000): larger request bodies are refused (413).
- ``KETNAP_MAX_IMPORT_BYTES`` (default 30,000,000): the largest file ``ketnap import cases``
  reads, and the largest multipart request (``importCases`` upload) the service takes; a
  province's term of ~10,000 cases is ~3 MB as CSV, ~4 MB as XLSX.
- ``KETNAP_REQUEST_TIME_BUDGET`` (default 10 seconds, 0.1-600): how long one GraphQL request
  may take (validation and, for a query, execution); over it the request is cancelled and
  answered 503 ``REQUEST_TIMEOUT``. A mutation whose commands already run is let finish.
- ``KETNAP_MAX_QUERY_ROWS`` (default 2,500): the most rows one query may ask for, as estimated
  before it runs (list items times the lists above them, aliases and fragments counted, each
  object a resolver fetches, a case's personal data as ten); more is refused with
  ``QUERY_TOO_COSTLY``. One page of 200 cases with their units and personal data is 2,401.
- ``KETNAP_READY_MAX_LAG`` (default 10,000 events): ``/readyz`` fails when a tenant's read
  models are further behind its history.
- ``KETNAP_KEY_FILE`` / ``KETNAP_TENANT_KEYS`` (default: neither): where the per-tenant keys of
  personal data come from, a key file or its JSON inline (see ``service.crypto``; only one of
  the two may be set). Without either, SQLite uses ``<data dir>/keys.json``.
- ``KETNAP_SIGNING_KEY_FILE`` (default empty): the Ed25519 private key ``ketnap audit
  checkpoint`` signs with (``ketnap audit keygen`` creates one).
- ``KETNAP_WORKER_POLL_INTERVAL`` (default 5 seconds, 0.05-3600): how often ``ketnap worker``
  polls its tenants' heads in case a notification was missed.
- ``KETNAP_WORKER_TAKEOVER_INTERVAL`` (default 5 seconds, 0.05-3600): how often it takes over
  tenants whose worker died, and rebalances.
- ``KETNAP_WORKER_NAME`` (default ``ketnap-worker``): the ``application_name`` of the worker's
  connection (``pg_stat_activity``).
- ``KETNAP_REPORT_FONT`` (default empty: the first of :data:`DEFAULT_REPORT_FONTS` found): the
  TrueType font the forms' PDFs are written with (it must cover Vietnamese; its bold face is
  taken from ``<name>-Bold.ttf`` beside it when there is one). No usable font: the PDF is
  refused with ``REPORT_FONT_MISSING`` (see docs/reports.md).
- ``KETNAP_CITUS`` (default ``off``; ``on``/``off``): the database is a Citus coordinator and
  each tenant schema is a Citus *distributed schema* (schema-based sharding): creating a tenant
  runs ``SET LOCAL citus.enable_schema_based_sharding TO on`` before its ``CREATE SCHEMA``, so
  the schema and every table later created in it live whole on one worker node. The
  ``platform`` schema stays local to the coordinator. See ``deploy/README.md`` ("Citus").
- ``KETNAP_METRICS_PORT`` (default 0: off): the port of a separate HTTP listener that serves
  the process's Prometheus metrics at ``/metrics`` (``ketnap serve`` and ``ketnap worker`` each
  their own; see docs/observability.md). Never on the public port: the metrics name tenants.
- ``KETNAP_METRICS_HOST`` (default ``127.0.0.1``): the address that listener binds; set
  ``0.0.0.0`` where Prometheus scrapes from another host (a pod), and keep the port off the
  proxy or ingress.
- ``KETNAP_LOG_FORMAT`` (default ``json``): ``json`` (one JSON object per line: time, level,
  logger, message, request id, tenant, operation, outcome) or ``text`` (one readable line) for
  ``ketnap serve`` and ``ketnap worker``.
- ``KETNAP_LOG_LEVEL`` (default ``INFO``): ``DEBUG``, ``INFO``, ``WARNING`` or ``ERROR``.
- ``KETNAP_TRACING`` (default ``off``): ``on`` traces every GraphQL request with OpenTelemetry
  (strawberry's extension; no document, variables or arguments are recorded), exported to
  ``KETNAP_OTLP_ENDPOINT`` when set, else printed on standard output (console exporter).
- ``KETNAP_OTLP_ENDPOINT`` (default empty): the OTLP/HTTP traces endpoint, e.g.
  ``http://otel-collector:4318/v1/traces``.
- ``KETNAP_WORKER_TEST_DELAY`` (test only, default 0 seconds): every batch transaction of the
  worker waits this long before committing (crash tests).

A bad value raises :class:`domain.errors.InvalidInput` (code ``SETTING_INVALID``) naming the
variable, in Vietnamese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from domain.errors import InvalidInput

URL_VARIABLE = "KETNAP_DATABASE_URL"
OWNER_URL_VARIABLE = "KETNAP_DATABASE_OWNER_URL"
READ_URL_VARIABLE = "KETNAP_READ_DATABASE_URL"
DEFAULT_DATA_DIR = "./ketnap-data"
DEFAULT_PG_POOL_SIZE = 5
DEFAULT_PG_MAX_OVERFLOW = 5
DEFAULT_PG_POOL_TIMEOUT = 5.0
DEFAULT_APP_CACHE_SIZE = 64
DEFAULT_PROJECTION_BATCH_SIZE = 500
DEFAULT_READ_YOUR_WRITES_TIMEOUT = 5.0
DEFAULT_MAX_REQUEST_BYTES = 1_000_000
DEFAULT_MAX_IMPORT_BYTES = 30_000_000
DEFAULT_READY_MAX_LAG = 10_000
DEFAULT_REQUEST_TIME_BUDGET = 10.0
DEFAULT_MAX_QUERY_ROWS = 2_500
DEFAULT_WORKER_INTERVAL = 5.0
DEFAULT_WORKER_NAME = "ketnap-worker"
ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_METRICS_HOST = "127.0.0.1"
#: Where a TrueType font with Vietnamese usually is (DejaVu Sans: Debian/Ubuntu's
#: fonts-dejavu-core, Fedora's dejavu-sans-fonts, Arch's ttf-dejavu, Alpine's font-dejavu).
DEFAULT_REPORT_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)


@dataclass(frozen=True)
class PostgresParams:
    """The parts of ``KETNAP_DATABASE_URL`` the event store needs, plus any other parameters."""

    dbname: str
    host: str
    port: str
    user: str
    password: str
    extra: tuple[tuple[str, str], ...] = ()

    def connect_kwargs(self, application_name: str) -> dict[str, Any]:
        """Keyword arguments of ``psycopg.connect`` for a dedicated connection (outside the
        pool: the worker's and the registry watcher's ``LISTEN`` sessions), named
        ``application_name`` so that ``pg_stat_activity`` tells them apart."""
        kwargs: dict[str, Any] = dict(self.extra)
        kwargs.update(dbname=self.dbname, host=self.host, port=self.port)
        if self.user:
            kwargs["user"] = self.user
        if self.password:
            kwargs["password"] = self.password
        kwargs["application_name"] = application_name
        return kwargs


@dataclass(frozen=True)
class Settings:
    """Configuration of one process: ``service.bootstrap`` reads it from the environment;
    tests build it directly. Paths are absolute once bootstrap has them."""

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""
    database_owner_url: str = ""
    read_database_url: str = ""
    pg_pool_size: int = DEFAULT_PG_POOL_SIZE
    pg_max_overflow: int = DEFAULT_PG_MAX_OVERFLOW
    pg_pool_timeout: float = DEFAULT_PG_POOL_TIMEOUT
    app_cache_size: int = DEFAULT_APP_CACHE_SIZE
    projection_batch_size: int = DEFAULT_PROJECTION_BATCH_SIZE
    read_your_writes_timeout: float = DEFAULT_READ_YOUR_WRITES_TIMEOUT
    environment: str = "development"
    jwks_url: str = ""
    jwt_public_key_file: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_import_bytes: int = DEFAULT_MAX_IMPORT_BYTES
    ready_max_lag: int = DEFAULT_READY_MAX_LAG
    request_time_budget: float = DEFAULT_REQUEST_TIME_BUDGET
    max_query_rows: int = DEFAULT_MAX_QUERY_ROWS
    key_file: Path | None = None
    inline_keys: str = ""
    signing_key_file: Path | None = None
    worker_poll_interval: float = DEFAULT_WORKER_INTERVAL
    worker_takeover_interval: float = DEFAULT_WORKER_INTERVAL
    worker_name: str = DEFAULT_WORKER_NAME
    worker_test_delay: float = 0.0
    report_font: Path | None = None
    citus: bool = False
    metrics_port: int = 0
    metrics_host: str = DEFAULT_METRICS_HOST
    log_format: str = "json"
    log_level: str = "INFO"
    tracing: bool = False
    otlp_endpoint: str = ""

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise InvalidInput(
                "SETTING_INVALID",
                "Biến môi trường KETNAP_ENV phải là development hoặc production, nhận được "
                f"{self.environment!r}.",
                "The environment variable KETNAP_ENV must be development or production, got "
                f"{self.environment!r}.",
                field="KETNAP_ENV",
            )
        _check_int("KETNAP_MAX_REQUEST_BYTES", self.max_request_bytes, minimum=1024)
        _check_int("KETNAP_MAX_IMPORT_BYTES", self.max_import_bytes, minimum=1024)
        _check_int("KETNAP_READY_MAX_LAG", self.ready_max_lag, minimum=0)
        _check_int("KETNAP_MAX_QUERY_ROWS", self.max_query_rows, minimum=1)
        _check_seconds("KETNAP_REQUEST_TIME_BUDGET", self.request_time_budget, 0.1, 600)
        _check_int("KETNAP_PG_POOL_SIZE", self.pg_pool_size, minimum=1)
        _check_int("KETNAP_PG_MAX_OVERFLOW", self.pg_max_overflow, minimum=0)
        _check_seconds("KETNAP_PG_POOL_TIMEOUT", self.pg_pool_timeout, 0.1, 600)
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
        _check_seconds("KETNAP_WORKER_POLL_INTERVAL", self.worker_poll_interval, 0.05, 3600)
        _check_seconds("KETNAP_WORKER_TAKEOVER_INTERVAL", self.worker_takeover_interval, 0.05, 3600)
        _check_seconds("KETNAP_WORKER_TEST_DELAY", self.worker_test_delay, 0, 60)
        if not self.worker_name or any(not c.isprintable() for c in self.worker_name):
            raise InvalidInput(
                "SETTING_INVALID",
                "Biến môi trường KETNAP_WORKER_NAME phải là một tên in được, không rỗng.",
                "The environment variable KETNAP_WORKER_NAME must be a printable, non-empty name.",
                field="KETNAP_WORKER_NAME",
            )
        _check_int("KETNAP_METRICS_PORT", self.metrics_port, minimum=0)
        if self.metrics_port > 65535:
            raise InvalidInput(
                "SETTING_INVALID",
                f"Biến môi trường KETNAP_METRICS_PORT phải từ 0 đến 65535, nhận được "
                f"{self.metrics_port!r}.",
                f"The environment variable KETNAP_METRICS_PORT must be 0-65535, got "
                f"{self.metrics_port!r}.",
                field="KETNAP_METRICS_PORT",
            )
        _check_choice("KETNAP_LOG_FORMAT", self.log_format, LOG_FORMATS)
        _check_choice("KETNAP_LOG_LEVEL", self.log_level, LOG_LEVELS)
        if self.otlp_endpoint and not self.otlp_endpoint.startswith(("http://", "https://")):
            raise InvalidInput(
                "SETTING_INVALID",
                "Biến môi trường KETNAP_OTLP_ENDPOINT phải là một URL http:// hoặc https://.",
                "The environment variable KETNAP_OTLP_ENDPOINT must be an http:// or https:// URL.",
                field="KETNAP_OTLP_ENDPOINT",
            )
        if self.key_file is not None and self.inline_keys:
            raise InvalidInput(
                "PERSONAL_DATA_KEYS_INVALID",
                "Chỉ được đặt một trong hai biến KETNAP_KEY_FILE và KETNAP_TENANT_KEYS.",
                "Set only one of the two variables KETNAP_KEY_FILE and KETNAP_TENANT_KEYS.",
                field="KETNAP_KEY_FILE/KETNAP_TENANT_KEYS",
            )
        if self.database_url:
            self.postgres()  # validates
        if self.database_owner_url:
            self.owner_postgres()  # validates
        if self.read_database_url:
            self.read_postgres()  # validates

    @property
    def backend(self) -> str:
        """``"postgres"`` when a database URL is set, else ``"sqlite"``."""
        return "postgres" if self.database_url else "sqlite"

    @property
    def production(self) -> bool:
        """Whether this is a production process (``KETNAP_ENV=production``)."""
        return self.environment == "production"

    @property
    def max_pg_connections(self) -> int:
        """Upper bound of the PostgreSQL connections this process opens."""
        return self.pg_pool_size + self.pg_max_overflow

    @property
    def separate_owner(self) -> bool:
        """Whether DDL runs as a separate owner role (``KETNAP_DATABASE_OWNER_URL`` is set)."""
        return bool(self.database_owner_url)

    def postgres(self) -> PostgresParams:
        """The parsed ``KETNAP_DATABASE_URL``; a bilingual error if it is not a PostgreSQL URL."""
        return parse_database_url(self.database_url)

    def owner_postgres(self) -> PostgresParams | None:
        """The parsed ``KETNAP_DATABASE_OWNER_URL`` (None when unset: one role does everything).

        Bilingual errors when it is not a PostgreSQL URL, when ``KETNAP_DATABASE_URL`` is not
        set, or when it names another database than ``KETNAP_DATABASE_URL``.
        """
        if not self.database_owner_url:
            return None
        owner = parse_database_url(self.database_owner_url, name=OWNER_URL_VARIABLE)
        if not self.database_url:
            raise InvalidInput(
                "SETTING_INVALID",
                f"Biến môi trường {OWNER_URL_VARIABLE} chỉ dùng cùng với KETNAP_DATABASE_URL "
                "(vai trò của ứng dụng trên cùng cơ sở dữ liệu PostgreSQL).",
                f"The environment variable {OWNER_URL_VARIABLE} is only used together with "
                "KETNAP_DATABASE_URL (the application's role on the same PostgreSQL database).",
                field=OWNER_URL_VARIABLE,
            )
        app = self.postgres()
        if (owner.dbname, owner.host, owner.port) != (app.dbname, app.host, app.port):
            shown = _redact(self.database_owner_url)
            raise InvalidInput(
                "SETTING_INVALID",
                f"Biến môi trường {OWNER_URL_VARIABLE} ({shown}) phải trỏ tới cùng cơ sở dữ "
                f"liệu (máy chủ, cổng, tên) với KETNAP_DATABASE_URL; chỉ vai trò là khác.",
                f"The environment variable {OWNER_URL_VARIABLE} ({shown}) must name the same "
                "database (host, port, name) as KETNAP_DATABASE_URL; only the role differs.",
                field=OWNER_URL_VARIABLE,
            )
        return owner

    def read_postgres(self) -> PostgresParams | None:
        """The parsed ``KETNAP_READ_DATABASE_URL`` (None when unset: queries read the primary).

        Bilingual errors when it is not a PostgreSQL URL, when ``KETNAP_DATABASE_URL`` is not
        set, or when it names another database (a replica holds the primary's databases).
        """
        if not self.read_database_url:
            return None
        replica = parse_database_url(self.read_database_url, name=READ_URL_VARIABLE)
        if not self.database_url or replica.dbname != self.postgres().dbname:
            shown = _redact(self.read_database_url)
            raise InvalidInput(
                "SETTING_INVALID",
                f"Biến môi trường {READ_URL_VARIABLE} ({shown}) chỉ dùng cùng với "
                "KETNAP_DATABASE_URL và phải trỏ tới cùng tên cơ sở dữ liệu trên một bản sao "
                "(streaming replica) của máy chủ chính.",
                f"The environment variable {READ_URL_VARIABLE} ({shown}) is only used together "
                "with KETNAP_DATABASE_URL and must name the same database, on a streaming "
                "replica of the primary.",
                field=READ_URL_VARIABLE,
            )
        return replica


def parse_database_url(url: str, *, name: str = URL_VARIABLE) -> PostgresParams:
    """Split a ``postgresql://`` URL into connection parameters (errors name variable ``name``)."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise _bad_url(
            name, url, "phải bắt đầu bằng postgresql://", "must start with postgresql://"
        )
    try:
        params: dict[str, Any] = conninfo_to_dict(url)
    except Exception as e:
        raise _bad_url(name, url, "không đọc được", f"cannot be parsed ({e})") from None
    dbname = str(params.pop("dbname", "") or "")
    if not dbname:
        raise _bad_url(name, url, "thiếu tên cơ sở dữ liệu", "names no database")
    host = str(params.pop("host", "") or "")
    if not host:
        raise _bad_url(
            name,
            url,
            "thiếu máy chủ (host hoặc ?host=/thư/mục/socket)",
            "names no host or socket dir",
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


def _bad_url(name: str, url: str, why_vi: str, why_en: str) -> InvalidInput:
    shown = _redact(url)
    return InvalidInput(
        "SETTING_INVALID",
        f"Biến môi trường {name} không hợp lệ ({shown}): {why_vi}.",
        f"The environment variable {name} is not valid ({shown}): {why_en}.",
        field=name,
    )


def _check_int(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(
            "SETTING_INVALID",
            f"Biến môi trường {name} phải là số nguyên ≥ {minimum}, nhận được {value!r}.",
            f"The environment variable {name} must be an integer ≥ {minimum}, got {value!r}.",
            field=name,
        )


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InvalidInput(
            "SETTING_INVALID",
            f"Biến môi trường {name} phải là một trong {', '.join(choices)}, nhận được {value!r}.",
            f"The environment variable {name} must be one of {', '.join(choices)}, got {value!r}.",
            field=name,
        )


def _check_seconds(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(
            "SETTING_INVALID",
            f"Biến môi trường {name} phải từ {low:g} đến {high:g} giây, nhận được {value!r}.",
            f"The environment variable {name} must be {low:g}-{high:g} seconds, got {value!r}.",
            field=name,
        )
