"""Two PostgreSQL roles: an *owner* that runs DDL, an *application* role that cannot rewrite history.

With ``KETNAP_DATABASE_OWNER_URL`` set, the owner role creates the ``platform`` schema and every
tenant schema ``t_<slug>`` with its event-store tables, triggers and functions, and then grants
the application's role (``KETNAP_DATABASE_URL``) exactly what it needs:

- **Append-only tables** (:func:`is_append_only`: every table of a tenant schema whose name
  starts with ``ketnap_``, i.e. the events table ``ketnap_events`` and the hash-chain table
  ``ketnap_links``): ``SELECT`` and ``INSERT`` only. No ``UPDATE``, ``DELETE``, ``TRUNCATE``,
  and, as the owner owns them, no ``ALTER``/``DROP`` either. A ``BEFORE UPDATE OR DELETE`` row
  trigger and a ``BEFORE TRUNCATE`` trigger refuse those statements for every role, the owner
  included (defence in depth: an owner must ``ALTER TABLE … DISABLE TRIGGER`` on purpose).
- **Sequences** (``notification_id``): ``USAGE`` (``nextval``), not ``UPDATE`` (``setval``).
- **The schema**: ``USAGE`` and ``CREATE``. The read models (``rm_*`` tables and
  ``projection_tracking``) are created *by the application's role* and therefore owned by it:
  projections write them, and a rebuild or a projection version change drops and recreates them,
  all without the owner. Read models are derived data, rebuilt from the events at any time.
  ``CREATE`` on a schema lets a role add objects; it gives no right on objects of other roles.
- **The registry** (``platform.tenants``): ``USAGE`` on the schema, ``SELECT`` on the table;
  creating, disabling and enabling tenants go through the owner.

**Why a lock function.** eventsourcing's recorder runs ``LOCK TABLE t_<slug>.ketnap_events IN
EXCLUSIVE MODE`` before each insert (so notification ids commit in order and readers never skip
a gap). PostgreSQL allows ``INSERT`` privilege only ``ROW EXCLUSIVE`` or weaker lock modes; any
stronger mode needs ``UPDATE``, ``DELETE`` or ``TRUNCATE`` (or, from PostgreSQL 17,
``MAINTAIN``) on the table ("LOCK", Notes, PostgreSQL manual). Granting one of those would
defeat the purpose, and ``MAINTAIN`` does not exist before 17. Instead the owner creates
``t_<slug>.ketnap_lock_events()``, a ``SECURITY DEFINER`` function (fixed ``search_path``,
``EXECUTE`` revoked from ``PUBLIC`` and granted to the application's role only) that takes
exactly that lock; a table lock lasts until the end of the transaction, also when taken inside
a function. :func:`use_lock_function` makes a tenant's recorder call it instead of ``LOCK``.

Without an owner URL one role does everything (embedded and development setups, the test
suite): nothing here runs and nothing changes.

Tenants created before the owner URL was set are brought up to date when the registry starts
(:func:`tenant_grant_statements` on each schema the application's role cannot use yet): their
``ketnap_*`` tables become append-only; their read-model tables, still owned by the owner,
get ``SELECT, INSERT, UPDATE, DELETE`` so projections keep running, but rebuilding them needs
an operator to hand them to the application's role first (``ALTER TABLE … OWNER TO``).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

#: The owner's pool: no connection kept open, at most 2 (tenant creation and registry writes).
OWNER_POOL_SIZE = 0
OWNER_MAX_OVERFLOW = 2
#: Prefix of the tables that are append-only for the application's role.
APPEND_ONLY_PREFIX = "ketnap_"
#: ``SECURITY DEFINER`` function taking the events table's insert lock for the application.
LOCK_FUNCTION = "ketnap_lock_events"
#: Trigger (and function) refusing UPDATE, DELETE and TRUNCATE on append-only tables.
GUARD_TRIGGER = "ketnap_append_only"
#: Privileges of the application's role on the read-model tables of an upgraded tenant.
READ_MODEL_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def is_append_only(table: str) -> bool:
    """Whether the application's role may only ``SELECT`` and ``INSERT`` in ``table``.

    The rule is by name: event-store tables (``ketnap_events``, ``ketnap_links``, …) start with
    ``ketnap_``; read models are ``rm_*`` and ``projection_tracking``.
    """
    return table.startswith(APPEND_ONLY_PREFIX)


def current_role(curs: Any) -> str:
    """The role a connection acts as (``current_user``)."""
    curs.execute("SELECT current_user AS role")
    row = curs.fetchone()
    assert row is not None
    return str(row["role"] if isinstance(row, dict) else row[0])


def platform_grant_statements(schema: str, app_role: str) -> list[sql.Composed]:
    """What the application's role may do in the registry schema: read the tenants, their
    history and their merges."""
    role = sql.Identifier(app_role)
    return [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role),
        sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(schema, "tenants"), role),
        sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(schema, "tenant_events"), role),
        sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(schema, "tenant_merges"), role),
    ]


def lock_function_statements(schema: str, events_table: str, app_role: str) -> list[sql.Composed]:
    """DDL of ``<schema>.ketnap_lock_events()`` (idempotent), executable by ``app_role`` only."""
    function = sql.Identifier(schema, LOCK_FUNCTION)
    body = (
        sql.SQL("BEGIN LOCK TABLE {} IN EXCLUSIVE MODE; END;")
        .format(sql.Identifier(schema, events_table))
        .as_string()
    )
    return [
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {}() RETURNS void LANGUAGE plpgsql SECURITY DEFINER"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(function, sql.Literal(body)),
        sql.SQL("REVOKE ALL ON FUNCTION {}() FROM PUBLIC").format(function),
        sql.SQL("GRANT EXECUTE ON FUNCTION {}() TO {}").format(function, sql.Identifier(app_role)),
    ]


def guard_statements(schema: str, tables: list[str]) -> list[sql.Composed]:
    """DDL of the triggers refusing UPDATE, DELETE and TRUNCATE on ``tables`` (idempotent)."""
    function = sql.Identifier(schema, GUARD_TRIGGER)
    body = (
        "BEGIN RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = format("
        "'%s on %I.%I refused: the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME);"
        " END;"
    )
    statements = [
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(function, sql.Literal(body))
    ]
    for table in tables:
        target = sql.Identifier(schema, table)
        statements += [
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE ON {}"
                " FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(sql.Identifier(GUARD_TRIGGER), target, function),
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE TRUNCATE ON {}"
                " FOR EACH STATEMENT EXECUTE FUNCTION {}()"
            ).format(sql.Identifier(f"{GUARD_TRIGGER}_truncate"), target, function),
        ]
    return statements


def schema_tables(curs: Any, schema: str) -> list[str]:
    """The ordinary tables of ``schema`` that the current role owns, by name.

    Only those: tables the application role created itself (read models) are its own already,
    and only an owner may grant on a table.
    """
    curs.execute(
        "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')"
        " AND pg_get_userbyid(c.relowner) = current_user ORDER BY c.relname",
        (schema,),
    )
    return [str(row["name"] if isinstance(row, dict) else row[0]) for row in curs.fetchall()]


def tenant_grant_statements(
    curs: Any, schema: str, events_table: str, app_role: str
) -> list[sql.Composed]:
    """Everything that makes a tenant schema's event tables append-only for ``app_role``.

    ``curs`` (the owner's, in the transaction that will run the statements) is used to list
    the schema's tables. Idempotent: run at tenant creation, and again for tenants created
    before the owner URL was set.
    """
    role = sql.Identifier(app_role)
    tables = schema_tables(curs, schema)
    append_only = [t for t in tables if is_append_only(t)]
    statements = [
        *guard_statements(schema, append_only),
        *lock_function_statements(schema, events_table, app_role),
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role),
        sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), role
        ),
    ]
    for table in tables:
        privileges = "SELECT, INSERT" if table in append_only else READ_MODEL_PRIVILEGES
        statements.append(
            sql.SQL("GRANT {} ON {} TO {}").format(
                sql.SQL(privileges), sql.Identifier(schema, table), role
            )
        )
    return statements


def use_lock_function(recorder: Any, schema: str) -> None:
    """Make ``recorder`` take its insert lock through ``<schema>.ketnap_lock_events()``.

    Replaces the recorder's ``LOCK TABLE … IN EXCLUSIVE MODE`` statement (which needs more than
    ``INSERT`` privilege) by a call of the owner's ``SECURITY DEFINER`` function taking the
    same lock; the ``SET LOCAL lock_timeout`` before it stays.
    """
    call = sql.SQL("SELECT {}()").format(sql.Identifier(schema, LOCK_FUNCTION))
    statements = list(recorder.lock_table_statements)
    replaced = [call if "LOCK TABLE" in s.as_string().upper() else s for s in statements]
    if replaced == statements:
        msg = "the recorder has no LOCK TABLE statement to replace"
        raise RuntimeError(msg)
    recorder.lock_table_statements = replaced
