"""Citus schema-based sharding needs every statement to stay inside one tenant schema: proved
from PostgreSQL's own statement log.

Each tenant schema ``t_<slug>`` becomes a Citus distributed schema, placed whole on one worker
node (``deploy/README.md``, "Citus"). A statement naming two tenant schemas would need both
nodes at once, which Citus plans poorly or refuses; a statement joining a tenant schema with
the ``platform`` schema (local to the coordinator) would be pulled through the coordinator.
Citus itself cannot be installed on our machines, so this test proves the property on plain
PostgreSQL: a private cluster logs every statement (``log_statement = all``, CSV log), the
suite's end-to-end flow (``bench.citus.run_flow``: two tenants created through GraphQL, units
and a case through admission in each, a case transferred from one to the other, the
dashboards, ``verifyHistory``, a form, the second tenant merged into the first) runs against it
with the two production roles and ``KETNAP_CITUS=on``, projections done by a worker, and then
every logged statement is read back, each statement counted in the schemas it names and in the
one its transaction's ``SET LOCAL search_path`` chose (the read models' way):

- none touches two tenant schemas, or a tenant schema and ``platform``; no transaction touches
  two tenant schemas, and only the tenants' creations touch a tenant and ``platform``;
- none names a tenant's table without a schema or a search path (it would go unseen here);
- the statements on ``platform`` are the registry's own, listed in :data:`PLATFORM_STATEMENTS`;
- each ``CREATE SCHEMA t_<slug>`` runs right after ``SET LOCAL
  citus.enable_schema_based_sharding TO on`` in its transaction (the hook that makes it a
  distributed schema on Citus; a placeholder setting on plain PostgreSQL).

The tenants are ``hanoi`` and ``hanoi_tay`` on purpose: one schema name is a prefix of the
other, so a sloppy match would be caught.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bench.citus import run_flow
from bench.cluster import PostgresMissing, PrivateCluster
from service.settings import Settings

pytestmark = pytest.mark.postgres

TENANTS = ("hanoi", "hanoi_tay")
SCHEMAS = frozenset(f"t_{slug}" for slug in TENANTS)
DATABASE = "ketnap"
OWNER, APP = "ketnap_owner", "ketnap_app"
#: PostgreSQL's configuration for the test: every statement, as CSV (one row per entry, a
#: statement's newlines kept inside its field).
LOGGING = """
logging_collector = on
log_destination = 'csvlog'
log_directory = 'log'
log_statement = 'all'
"""
#: The statements on the ``platform`` schema, by their shape (verb and ``platform`` tables):
#: the registry's reads and writes, all as one-schema statements.
PLATFORM_STATEMENTS = {
    ("INSERT", ("tenant_events",)),  # a tenant's creation (and its merge) in the history
    ("INSERT", ("tenants",)),  # the registry row
    ("SELECT", ("tenant_merges", "tenants")),  # the registry read (a merged tenant's target)
    ("SELECT", ("tenants",)),  # existence checks at start
    ("UPDATE", ("tenants",)),  # the merged tenant closed (disabled)
    ("INSERT", ("tenant_merges",)),  # ... and where it went
}
#: ``CSV log`` columns (PostgreSQL 13-16) this test reads.
DATABASE_NAME, PROCESS_ID, VIRTUAL_XID, MESSAGE = 2, 3, 9, 13
STATEMENT = re.compile(r"(?:statement|execute [^:]*): (.*)", re.DOTALL)
SCHEMA_NAME = re.compile(
    r'(?<![\w$])"?(t_[a-z0-9_]+|platform)"?\s*\.(?=\s*"?[a-z_])'  # a qualifier
    r'|\bSCHEMA\s+"?(t_[a-z0-9_]+|platform)\b'  # CREATE SCHEMA, GRANT … ON SCHEMA
)
TABLE_NAME = re.compile(r'"?platform"?\s*\.\s*"?([a-z_]+)"?')
SEARCH_PATH = re.compile(r'SET LOCAL search_path TO "?([a-z0-9_]+)"?(?:;|$)')
SESSION_PATH = re.compile(r"SET (?:SESSION )?search_path", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One logged statement: the session (backend pid) and transaction that ran it, and the
    schema its transaction's ``SET LOCAL search_path`` had set before it (the read models
    name their tables without a schema)."""

    pid: str
    xid: str
    text: str
    path: str | None

    def named(self) -> set[str]:
        """The schemas the statement names as qualifiers (``t_x.table``, ``"t_x"."f"()``)."""
        return {a or b for a, b in SCHEMA_NAME.findall(self.text)}

    def schemas(self) -> set[str]:
        """The schemas it may touch: those it names, and its transaction's search path."""
        return self.named() | ({self.path} if self.path else set())

    def shape(self) -> tuple[str, tuple[str, ...]]:
        """Its verb and the ``platform`` tables it names."""
        verb = self.text.split(None, 1)[0].upper()
        return verb, tuple(sorted(set(TABLE_NAME.findall(self.text))))


@dataclass
class Logged:
    """The flow's statements, and the names of the tables its tenant schemas hold."""

    statements: list[Statement]
    tenant_tables: set[str]


def _run_logged_flow(work: Path) -> Logged:
    """Every statement of the flow, read back from the cluster's log after it stopped."""
    try:
        cluster = PrivateCluster(prefix="ketnap-statements.")
    except PostgresMissing as missing:
        if os.environ.get("CI"):
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    try:
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(LOGGING)
        cluster.start()
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            # As deploy/db-bootstrap.sh: the owner owns the database, the app may connect.
            for role in (OWNER, APP):
                conn.execute(f"CREATE ROLE {role} LOGIN")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {OWNER}")
        url = f"postgresql://{{}}@127.0.0.1:{cluster.port}/{DATABASE}"
        settings = Settings(
            data_dir=work,
            key_file=work / "keys.json",
            database_url=url.format(APP),
            database_owner_url=url.format(OWNER),
            pg_pool_size=2,
            pg_max_overflow=2,
            citus=True,
        )
        run_flow(settings, TENANTS)
        with psycopg.connect(url.format(OWNER)) as conn:
            rows = conn.execute(
                "SELECT DISTINCT tablename FROM pg_tables WHERE schemaname = ANY(%s)",
                (list(SCHEMAS),),
            ).fetchall()
        cluster.stop()
        return Logged(list(_read_log(cluster.data / "log")), {str(row[0]) for row in rows})
    finally:
        cluster.remove()


def _read_log(directory: Path) -> Iterator[Statement]:
    paths: dict[tuple[str, str], str] = {}  # (pid, transaction) -> SET LOCAL search_path
    for log_file in sorted(directory.glob("*.csv")):
        with log_file.open(newline="", encoding="utf-8") as log:
            for row in csv.reader(log):
                if len(row) <= MESSAGE or row[DATABASE_NAME] != DATABASE:
                    continue
                found = STATEMENT.fullmatch(row[MESSAGE])
                if not found or not found.group(1).strip():
                    continue
                text = found.group(1).strip()
                key = (row[PROCESS_ID], row[VIRTUAL_XID])
                # A search path for the session (not LOCAL) would outlive the transaction.
                assert not SESSION_PATH.match(text), text
                yield Statement(*key, text, paths.get(key))
                if setting := SEARCH_PATH.match(text):
                    paths[key] = setting.group(1)


def _show(found: list[Statement]) -> str:
    return "\n".join(" ".join(s.text.split())[:300] for s in found[:10])


@pytest.mark.parametrize(
    ("text", "path", "schemas"),
    [
        ('SELECT * FROM "t_hanoi"."rm_a" JOIN t_hanoi_tay.rm_b USING (x)', None, SCHEMAS),
        ("SELECT t_hanoi.ketnap_lock_events()", "t_hanoi_tay", SCHEMAS),
        ('INSERT INTO "platform"."tenants" VALUES (1)', "t_hanoi", {"platform", "t_hanoi"}),
        ('GRANT USAGE ON SCHEMA "t_hanoi_tay" TO app', None, {"t_hanoi_tay"}),
        ("SELECT pg_advisory_xact_lock(72001, hashtext('t_hanoi'))", None, set()),
        ("SELECT * FROM rm_candidates", None, set()),
    ],
)
def test_the_reading_of_a_statement_finds_each_schema_it_touches(
    text: str, path: str | None, schemas: set[str]
) -> None:
    """The detector itself: qualified names (quoted or not, a prefix of another), a search
    path, ``SCHEMA`` clauses; a slug inside a string is not a schema."""
    assert Statement("1", "1/1", text, path).schemas() == schemas


def _the_flow_ran_in_both_tenants(logged: Logged) -> None:
    """The log holds the flow: both tenants' events, links and read models were written."""
    statements = logged.statements
    for schema in SCHEMAS:
        touched = [s for s in statements if schema in s.schemas()]
        assert any("ketnap_events" in s.text and s.text.startswith("WITH") for s in touched)
        assert any(s.text.startswith(("COPY rm_", "UPDATE rm_")) for s in touched)
    assert len(statements) > 500


def _no_statement_names_two_tenant_schemas_or_a_tenant_and_the_platform(
    logged: Logged,
) -> None:
    statements = logged.statements
    crossing = [s for s in statements if len(s.schemas()) > 1]
    assert not crossing, "statements crossing schemas:\n" + _show(crossing)
    unknown = {name for s in statements for name in s.schemas()} - SCHEMAS - {"platform"}
    assert not unknown


def _no_transaction_touches_two_tenant_schemas(logged: Logged) -> None:
    """Stronger than Citus needs (a transaction over two nodes commits in two phases), and what
    ARCHITECTURE.md promises: one tenant per transaction. The only transaction touching a tenant
    and ``platform`` is the tenant's creation (registry row, history, schema)."""
    touched: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s in logged.statements:
        touched[(s.pid, s.xid)] |= s.schemas()
    assert not [t for t in touched.values() if len(t & SCHEMAS) > 1]
    with_platform = [t for t in touched.values() if "platform" in t and t & SCHEMAS]
    assert sorted(with_platform, key=sorted) == [{"platform", s} for s in sorted(SCHEMAS)]


def _no_statement_reaches_a_tenant_table_without_naming_its_schema(logged: Logged) -> None:
    """A statement that names no schema and runs without a search path set in its transaction
    must not name a tenant table (it would reach one through the default ``search_path``,
    unseen by this test)."""
    tables = re.compile(r"\b(" + "|".join(sorted(logged.tenant_tables)) + r")\b")
    assert "ketnap_events" in logged.tenant_tables
    hidden = [s for s in logged.statements if not s.schemas() and tables.search(s.text)]
    assert not hidden, "tenant tables named without their schema:\n" + _show(hidden)


def _the_statements_on_the_platform_schema_are_the_registrys_own(
    logged: Logged,
) -> None:
    statements = logged.statements
    """Besides its own DDL at start (``CREATE … IF NOT EXISTS``, grants, the append-only
    triggers), ``platform`` is read and written by exactly these statements."""
    on_platform = [s for s in statements if s.schemas() == {"platform"}]
    ddl = {s.shape()[0] for s in on_platform} & {"CREATE", "GRANT"}
    assert ddl == {"CREATE", "GRANT"}
    dml = {s.shape() for s in on_platform if s.shape()[0] not in ddl}
    assert dml == PLATFORM_STATEMENTS


def _each_tenant_schema_is_created_right_after_the_citus_setting(
    logged: Logged,
) -> None:
    statements = logged.statements
    """The hook of ``KETNAP_CITUS=on``: in the tenant's creation transaction, the statement
    before ``CREATE SCHEMA t_<slug>`` turns schema-based sharding on for that transaction."""
    by_transaction: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s in statements:
        by_transaction[(s.pid, s.xid)].append(" ".join(s.text.split()))
    for schema in SCHEMAS:
        create = f'CREATE SCHEMA "{schema}"'
        runs = [t for t in by_transaction.values() if create in t]
        assert len(runs) == 1, f"{create}: {len(runs)} transactions"
        before = runs[0][runs[0].index(create) - 1]
        assert before == "SET LOCAL citus.enable_schema_based_sharding TO on"


def test_no_statement_or_transaction_of_the_flow_touches_two_tenant_schemas(tmp_path: Path) -> None:
    """One run of the flow (a private cluster costs seconds: one test, so that ``pytest -n``
    does not start it once per worker), then every check on its log."""
    logged = _run_logged_flow(tmp_path)
    _the_flow_ran_in_both_tenants(logged)
    _no_statement_names_two_tenant_schemas_or_a_tenant_and_the_platform(logged)
    _no_transaction_touches_two_tenant_schemas(logged)
    _no_statement_reaches_a_tenant_table_without_naming_its_schema(logged)
    _the_statements_on_the_platform_schema_are_the_registrys_own(logged)
    _each_tenant_schema_is_created_right_after_the_citus_setting(logged)
