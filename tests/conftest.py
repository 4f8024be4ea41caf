"""Shared fixtures: a ``Store`` on each backend, and a CLI runner on the same data.

Tests never steer the code through ``KETNAP_*`` environment variables: they build
:class:`~service.settings.Settings` (or ``service.bootstrap`` parts) and pass them down. Only
tests of a child process (``ketnap`` run through ``subprocess``) set the child's environment.

PostgreSQL tests use the private cluster started by ``scripts/test`` (its URL is in
``KETNAP_TEST_POSTGRES_URL``) and get a fresh database each (created with a random name and
dropped afterwards), so they are independent and safe under ``pytest -n``.

Seeding rich data (the demo tenant) costs seconds per test; tests that start from the same data
name a :class:`Seeding` and take ``seeded_store_maker``: the data is seeded once per run (by
whichever xdist worker needs it first) into a template, and each test gets its own copy to read
and write.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import shutil
import sqlite3
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

#: The modules whose tests run longest (seconds per test, measured in a full ``scripts/test``
#: run on the 2-core CI machine), which run first, longest first: ``pytest -n 2`` hands tests
#: out in collection order (``scripts/test``: ``--maxschedchunk=1``, one at a time as each
#: worker frees), so a long test left for the end would keep one worker busy while the other
#: sits idle. Update the figures when a module's tests get much slower or faster.
LONGEST_FIRST = {
    "tests/service/test_case_import_term.py": 53,
    "tests/projections/test_crash.py": 41,
    "tests/api/test_candidate_list.py": 40,
    "tests/deploy/test_smoke.py": 36,
    "tests/api/test_seeded_snapshots.py": 24,
    "tests/store/test_postgres.py": 20,
    "tests/api/test_fuzz.py": 19,
    "tests/api/test_query_plans.py": 18,
    "tests/service/test_cli_defaults.py": 17,
    "tests/faults/test_postgres_outage.py": 17,
    "tests/projections/test_audit.py": 16,
    "tests/faults/test_server_killed.py": 15,
    "tests/service/test_demo_and_cli.py": 12,
    "tests/projections/test_time_travel.py": 10,
    "tests/service/test_case_import.py": 9,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of :data:`LONGEST_FIRST`'s modules first, longest first; the others after
    them in their usual order (a stable sort: every xdist worker collects the same order)."""
    items.sort(key=lambda item: -LONGEST_FIRST.get(item.nodeid.split("::")[0], 0))


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


def create_database(
    prefix: str, *, template: str | None = None, name: str | None = None
) -> PostgresDatabase:
    """A new database with a random name (or ``name``): empty, or a copy of ``template`` (which
    must have no open connection: PostgreSQL copies its files)."""
    admin_url = postgres_admin_url()
    name = name or f"{prefix}_{uuid.uuid4().hex[:16]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)
    return PostgresDatabase(
        admin_url=admin_url,
        name=name,
        url=with_database(admin_url, name, application_name="ketnap-test-store"),
    )


def drop_database(database: PostgresDatabase) -> None:
    with database.admin_connect() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
        )


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    """A fresh, empty database, dropped after the test."""
    database = create_database("ketnap_test")
    try:
        yield database
    finally:
        drop_database(database)


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


@dataclass(frozen=True)
class Seeding:
    """Data to seed once per session (and xdist worker) per backend, then copy for each test:
    ``seed`` runs on the parts (projections inline) of a fresh store whose clock says ``today``.
    Equal seedings (same name, function and day) share one template, so give each configuration
    (function and its parameters) its own module-level ``Seeding``, with a name of its own (the
    name is the template's, for all the run's workers)."""

    name: str
    seed: Callable[[Parts], None]
    today: date


@dataclass
class Template:
    """A seeded store at rest: its data directory, its personal-data key file (kept outside the
    data, as in production) and, on PostgreSQL, its database, which no connection holds open."""

    data_dir: Path
    key_file: Path
    database: PostgresDatabase | None


def checkpoint_sqlite(data_dir: Path) -> None:
    """Fold each SQLite file's write-ahead log into the file, so that a copy of the directory
    is complete (the store is closed: nothing writes any more)."""
    for path in sorted(data_dir.rglob("*.sqlite")):
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


class SeededSnapshots:
    """The run's seeded templates (made on first use) and the copies made of them.

    The templates are shared by the run's xdist workers: a worker that needs one seeds it,
    holding a lock file, unless another worker already has (then it waits for it and copies
    it) — each seeding is paid once per run, not once per worker. Templates live in the run's
    shared temporary directory; their PostgreSQL databases are named after it and listed in
    :attr:`databases`, which the run's main process drops at its end
    (:func:`pytest_sessionfinish`): a worker that finishes early must leave them to the other.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.templates: dict[tuple[str, Seeding], Template] = {}

    @property
    def databases(self) -> Path:
        """The list of the template databases made in this run, one name a line."""
        return self.root / "databases.txt"

    def template(self, backend: str, seeding: Seeding) -> Template:
        key = (backend, seeding)
        if key not in self.templates:
            self.templates[key] = self._shared(backend, seeding)
        return self.templates[key]

    def _shared(self, backend: str, seeding: Seeding) -> Template:
        """The template, seeded by whichever worker asks first (the others wait for it)."""
        name = f"{backend}-{seeding.name}"
        home = self.root / name
        digest = hashlib.sha256(f"{self.root}/{name}".encode()).hexdigest()[:20]
        database_name = f"ketnap_template_{digest}" if backend == "postgres" else None
        with (self.root / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            ready = home / "ready"
            if not ready.exists():
                shutil.rmtree(home, ignore_errors=True)  # what a failed seeding left
                self._seed(backend, seeding, home, database_name)
                ready.touch()
        database = None
        if database_name is not None:
            admin_url = postgres_admin_url()
            database = PostgresDatabase(
                admin_url, database_name, with_database(admin_url, database_name)
            )
        return Template(
            data_dir=home / "ketnap-data",
            key_file=home / "personal-data-keys.json",
            database=database,
        )

    def _seed(self, backend: str, seeding: Seeding, home: Path, database_name: str | None) -> None:
        database = None
        if database_name is not None:
            database = create_database("ketnap_template", name=database_name)
            with self.databases.open("a") as listed:
                listed.write(database_name + "\n")
        maker = StoreMaker(
            backend=backend,
            data_dir=home / "ketnap-data",
            key_file=home / "personal-data-keys.json",
            database=database,
        )
        try:
            seeding.seed(maker.parts(today=lambda: seeding.today))
        except BaseException:
            maker.close()
            if database is not None:
                drop_database(database)
            raise
        # closed before copying: the pools' connections would make PostgreSQL refuse the
        # template, and SQLite's write-ahead logs must be folded into the files
        maker.close()
        if backend == "sqlite":
            checkpoint_sqlite(maker.data_dir)

    def copy(self, backend: str, seeding: Seeding, home: Path) -> StoreMaker:
        """A store maker on a private copy of the seeded data, in ``home``."""
        template = self.template(backend, seeding)
        database = None
        if template.database is not None:
            database = create_database("ketnap_test", template=template.database.name)
        maker = StoreMaker(
            backend=backend,
            data_dir=home / "ketnap-data",
            key_file=home / "personal-data-keys.json",
            database=database,
        )
        assert maker.key_file is not None
        home.mkdir(parents=True)
        if template.data_dir.exists():
            shutil.copytree(template.data_dir, maker.data_dir)
        if template.key_file.exists():
            shutil.copy2(template.key_file, maker.key_file)
        return maker


def shared_templates_root(config: pytest.Config, basetemp: Path) -> Path:
    """Where the run's seeded templates live: the directory all the run's xdist workers'
    temporary directories are in (each worker's is ``<run's>/popen-gwN``), else the run's."""
    return (basetemp.parent if hasattr(config, "workerinput") else basetemp) / "seeded-templates"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In the run's main process (not in an xdist worker): drop the run's template databases."""
    if hasattr(session.config, "workerinput"):
        return
    factory: pytest.TempPathFactory | None = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or factory._basetemp is None:  # no test asked for a temporary path
        return
    listed = shared_templates_root(session.config, factory.getbasetemp()) / "databases.txt"
    if not listed.exists():
        return
    admin_url = postgres_admin_url()
    for name in sorted(set(listed.read_text().split())):
        drop_database(PostgresDatabase(admin_url, name, with_database(admin_url, name)))


@pytest.fixture(scope="session")
def seeded_snapshots(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> SeededSnapshots:
    """The seeded templates of this run (shared by its xdist workers)."""
    return SeededSnapshots(shared_templates_root(pytestconfig, tmp_path_factory.getbasetemp()))


@pytest.fixture
def seeded_store_maker(
    backend: str, tmp_path: Path, seeded_snapshots: SeededSnapshots
) -> Iterator[Callable[[Seeding], StoreMaker]]:
    """``seeded_store_maker(seeding)``: a store maker on the test's backend over a private copy
    of ``seeding``'s data (seeded once per run), which the test may write to; each call
    makes another copy. Closed, and their databases dropped, at teardown."""
    made: list[StoreMaker] = []

    def copy(seeding: Seeding) -> StoreMaker:
        maker = seeded_snapshots.copy(backend, seeding, tmp_path / f"seeded-{len(made)}")
        made.append(maker)
        return maker

    try:
        yield copy
    finally:
        for maker in made:
            maker.close()
            if maker.database is not None:
                drop_database(maker.database)


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
