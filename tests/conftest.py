"""Shared fixtures: a ``Store`` on each backend, and a CLI runner on the same data.

Tests never steer the code through ``KETNAP_*`` environment variables: they build
:class:`~service.settings.Settings` (or ``service.bootstrap`` parts) and pass them down. Only
tests of a child process (``ketnap`` run through ``subprocess``) set the child's environment.

PostgreSQL tests use the private cluster started by ``scripts/test`` (its URL is in
``KETNAP_TEST_POSTGRES_URL``) and get a fresh database each (created with a random name and
dropped afterwards), so they are independent and safe under ``pytest -n``.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import click
import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from service.bootstrap import Parts, bootstrap
from service.settings import Settings
from service.store import Store

POSTGRES_URL_ENV = "KETNAP_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_admin_url() -> str:
    """The test cluster's URL; fails in CI and skips elsewhere when it is not set."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    message = (
        f"{POSTGRES_URL_ENV} is not set: run scripts/test, which starts a private PostgreSQL "
        "cluster for the tests"
    )
    if os.environ.get("CI"):
        pytest.fail(message + " (PostgreSQL tests are never skipped in CI)")
    pytest.skip(message)


def with_database(url: str, dbname: str, **query: str) -> str:
    """``url`` naming database ``dbname`` (and with extra query parameters)."""
    parts = urlsplit(url)
    extra = "&".join(f"{k}={v}" for k, v in query.items())
    new_query = "&".join(q for q in (parts.query, extra) if q)
    return urlunsplit(parts._replace(path=f"/{dbname}", query=new_query))


@dataclass
class PostgresDatabase:
    """A throw-away database in the test cluster."""

    admin_url: str
    name: str
    url: str

    def admin_connect(self) -> psycopg.Connection[Any]:
        """A connection to the cluster's maintenance database, not to this one."""
        return psycopg.connect(self.admin_url, autocommit=True)


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    """A fresh, empty database, dropped after the test."""
    admin_url = postgres_admin_url()
    name = f"ketnap_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database = PostgresDatabase(
        admin_url=admin_url,
        name=name,
        url=with_database(admin_url, name, application_name="ketnap-test-store"),
    )
    try:
        yield database
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class StoreMaker:
    """Builds stores on one backend (closed at teardown); ``store_maker()`` takes overrides."""

    backend: str
    data_dir: Path
    #: Keys for personal data come from outside the database: a key file per test.
    key_file: Path | None
    database: PostgresDatabase | None = None
    stores: list[Store] = field(default_factory=list)
    all_parts: list[Parts] = field(default_factory=list)

    def settings(self, **overrides: Any) -> Settings:
        base = Settings(
            data_dir=self.data_dir,
            database_url=self.database.url if self.database else "",
            pg_pool_size=2,
            pg_max_overflow=2,
            key_file=self.key_file,
        )
        return dataclasses.replace(base, **overrides)

    def __call__(self, **overrides: Any) -> Store:
        store = Store.from_settings(self.settings(**overrides))
        self.stores.append(store)
        return store

    def parts(
        self, *, today: Callable[[], date] = date.today, inline: bool = True, **overrides: Any
    ) -> Parts:
        """The process's parts from the composition root (as the CLI, the worker and the
        server build them), on this backend; projections inline unless ``inline=False``."""
        parts = bootstrap(self.settings(**overrides), inline=inline, today=today)
        self.all_parts.append(parts)
        return parts

    def close(self) -> None:
        for parts in self.all_parts:
            parts.close()
        for store in self.stores:
            store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``."""
    return str(request.param)


@pytest.fixture
def store_maker(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StoreMaker]:
    """Builds stores on the backend of the test's parameter, all on the same data."""
    database: PostgresDatabase | None = None
    if backend == "postgres":
        database = request.getfixturevalue("postgres_database")
    maker = StoreMaker(
        backend=backend,
        data_dir=tmp_path / "ketnap-data",
        key_file=tmp_path / "personal-data-keys.json",
        database=database,
    )
    try:
        yield maker
    finally:
        maker.close()


@pytest.fixture
def store(store_maker: StoreMaker) -> Store:
    """A store on each backend (SQLite in ``tmp_path``; PostgreSQL in a fresh database)."""
    return store_maker()


class SettingsCliRunner(CliRunner):
    """A CLI runner whose commands take ``settings`` (the root context's ``obj``) instead of
    reading the environment; ``invoke(..., obj=other)`` overrides them for one call."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def invoke(  # type: ignore[override]
        self,
        cli: click.Command,
        args: str | list[str] | None = None,
        input: str | bytes | IO[Any] | None = None,
        **extra: Any,
    ) -> Result:
        extra.setdefault("obj", self.settings)
        return super().invoke(cli, args, input, **extra)


@pytest.fixture
def cli(store: Store) -> SettingsCliRunner:
    """A CLI runner whose settings name the same data as ``store`` (and no signing key)."""
    return SettingsCliRunner(dataclasses.replace(store.settings, signing_key_file=None))
