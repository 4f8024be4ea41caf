"""Replay and compare: rebuild a tenant's read models from its events into a scratch store and
compare them, table by table and row by row, with the live ones (``ketnap audit replay``).

How it works
------------
1. The tenant's events are replayed, with the same projections
   (:func:`projections.all_projections`), into a **scratch** read-model store: a temporary
   SQLite file, deleted afterwards, whatever the tenant's backend (the events are read from the
   live application, so upcasting and decryption apply as in production). The live read models
   are only read, never written, and no DDL runs on the live database.
2. Every table of every projection is compared with the live table: all rows, all columns
   (including ``entity_id``, ``row_hash``, ``rec_from``, ``rec_to``). Values are first
   normalised by the column's declared type, so a PostgreSQL ``DATE`` and SQLite ISO text, a
   ``BOOLEAN`` and ``0``/``1``, a ``TIMESTAMPTZ`` and SQLite's UTC text compare equal.
3. Both sides are compared **as recorded at the same position**: per projection, the lower of
   the live tracking position and the replay's. A versioned row counts when ``rec_from <= P``,
   and its ``rec_to`` is read as NULL when it is after ``P`` (exactly what a replay up to ``P``
   holds); append-only tables keep rows with ``position <= P``. So a live store that lags
   behind (a worker still catching up) or moves on during the replay is compared fairly, each
   table read in its own short transaction.

``as_of`` (``--as-of DATE``): compare only what the read models say as of that business date,
as recorded now (at ``P``):

- versioned tables: only current rows (``rec_to`` NULL at ``P``);
- tables with ``valid_from``/``valid_to``: rows valid on the date
  (``valid_from <= D AND (valid_to IS NULL OR valid_to > D)``);
- dated tables (see :data:`DATE_COLUMNS`): rows dated on or before the date, plus undated rows
  (NULL date);
- tables with neither (``rm_positions``, ``rm_policy``, ``rm_audit_units``): all rows.

:func:`compare_read_models` compares any two read-model stores (it is also how an imported
tenant is checked against its source); :func:`replay_and_compare` is the audit itself. Both
return plain dataclasses (the GraphQL layer exposes them).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from domain.errors import InvalidInput
from projections import all_projections
from projections.framework import Projection
from projections.runner import Progress, TenantProjector
from projections.sql import ColumnType, Dialect, ReadModelDB, SQLiteReadModels, Table, Tx
from service.store import Store

#: Per table, the business date of a dated fact (``--as-of``: rows dated on or before it).
#: Tables with ``valid_from``/``valid_to`` use their interval instead; tables in neither are
#: compared whole.
DATE_COLUMNS: dict[str, str] = {
    "rm_calendar_days": "day",
    "rm_candidates": "discovered_on",
    "rm_admissions": "decision_on",
    "rm_quota_plans": "set_on",
    "rm_quota_supplements": "assigned_on",
    "rm_audit": "occurred_on",
}

#: How many differing rows of one table are kept (all are counted).
DEFAULT_LIMIT = 20

NormalRow = tuple[Any, ...]


# --- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowDifference:
    """One row that differs.

    ``kind``: ``"missing"`` — the reference (the replay) has it, the live table does not;
    ``"extra"`` — the live table has it, the reference does not; ``"changed"`` — both have a
    row with the same key but different values (``columns`` names them).
    """

    kind: Literal["missing", "extra", "changed"]
    key: dict[str, Any]
    live: dict[str, Any] | None
    reference: dict[str, Any] | None
    columns: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line, bilingual labels."""
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.kind == "missing":
            return f"thiếu / missing in live: {key}"
        if self.kind == "extra":
            return f"thừa / extra in live: {key}"
        assert self.live is not None
        assert self.reference is not None
        changes = "; ".join(
            f"{c}: live={self.live[c]!r} replay={self.reference[c]!r}" for c in self.columns
        )
        return f"khác / changed: {key}: {changes}"


@dataclass(frozen=True)
class TableComparison:
    """One table compared: row counts on both sides and the first differences."""

    table: str
    projection: str
    position: int
    rule: str
    live_rows: int
    reference_rows: int
    missing: int
    extra: int
    differences: tuple[RowDifference, ...] = ()

    @property
    def equal(self) -> bool:
        """Same rows (as multisets) on both sides."""
        return self.missing == 0 and self.extra == 0


@dataclass(frozen=True)
class ReadModelComparison:
    """Two read-model stores of one tenant compared, every table of every projection.

    ``problems`` are bilingual findings that are not row differences (e.g. a projection whose
    live tables have another layout version than the code's); they count as differences.
    """

    tenant: str
    as_of: date | None
    tables: tuple[TableComparison, ...]
    live_positions: dict[str, int]
    reference_positions: dict[str, int]
    problems: tuple[str, ...] = ()
    head: int | None = None
    replayed_events: int | None = None
    seconds: float = 0.0

    @property
    def equal(self) -> bool:
        """No table differs and there is no other problem."""
        return not self.problems and all(t.equal for t in self.tables)

    @property
    def differing_tables(self) -> list[TableComparison]:
        """The tables that differ."""
        return [t for t in self.tables if not t.equal]

    @property
    def lagging(self) -> bool:
        """Whether the live read models had not yet reached the head when compared."""
        return self.head is not None and any(p < self.head for p in self.live_positions.values())


# --- normalisation ----------------------------------------------------------------------------
def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def normalise(value: Any, kind: ColumnType) -> Any:
    """``value`` read from either backend, as one comparable plain value of column type ``kind``.

    Dates become ISO text, timestamps fixed-width UTC ISO text, booleans ``bool``, integers
    ``int``, reals ``float`` (``-0.0`` as ``0.0``), text ``str``; NULL stays ``None``.
    """
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return date.fromisoformat(str(value)[:10]).isoformat()
    if kind == "timestamp":
        if isinstance(value, datetime):
            return _timestamp(value)
        return _timestamp(datetime.fromisoformat(str(value)))
    if kind == "bool":
        if isinstance(value, str):
            return value.strip().lower() in {"1", "t", "true", "y", "yes"}
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "real":
        number = float(value)
        return 0.0 if number == 0 else number
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode()
    return str(value)


# --- reading one table ------------------------------------------------------------------------
def _has_interval(table: Table) -> bool:
    names = set(table.column_names)
    return {"valid_from", "valid_to"} <= names


def table_rule(table: Table, as_of: date | None) -> str:
    """The rule selecting the compared rows of ``table`` (for the report)."""
    recorded = "rec_from <= P" if table.versioned else "position <= P"
    if not table.versioned and "position" not in table.column_names:
        recorded = "all rows"
    if as_of is None:
        return f"{recorded} (all history)" if table.versioned else recorded
    parts = [recorded]
    if table.versioned:
        parts.append("current at P")
    if _has_interval(table):
        parts.append(f"valid on {as_of.isoformat()}")
    elif table.name in DATE_COLUMNS:
        parts.append(f"{DATE_COLUMNS[table.name]} <= {as_of.isoformat()} or undated")
    else:
        parts.append("no business date: all")
    return ", ".join(parts)


def _select(table: Table, position: int, as_of: date | None) -> tuple[str, list[Any]]:
    columns = table.all_columns()
    select: list[str] = []
    params: list[Any] = []
    where: list[str] = []
    where_params: list[Any] = []
    for name, _, _ in columns:
        if table.versioned and name == "rec_to":
            select.append("CASE WHEN rec_to <= %s THEN rec_to END")
            params.append(position)
        else:
            select.append(name)
    if table.versioned:
        where.append("rec_from <= %s")
        where_params.append(position)
        if as_of is not None:
            where.append("(rec_to IS NULL OR rec_to > %s)")
            where_params.append(position)
    elif "position" in table.column_names:
        where.append("position <= %s")
        where_params.append(position)
    if as_of is not None:
        if _has_interval(table):
            where.append("(valid_from IS NULL OR valid_from <= %s)")
            where.append("(valid_to IS NULL OR valid_to > %s)")
            where_params += [as_of, as_of]
        elif table.name in DATE_COLUMNS:
            column = DATE_COLUMNS[table.name]
            where.append(f"({column} IS NULL OR {column} <= %s)")
            where_params.append(as_of)
    query = f"SELECT {', '.join(select)} FROM {table.name}"
    if where:
        query += " WHERE " + " AND ".join(where)
    return query, params + where_params


def read_table(db: ReadModelDB, table: Table, position: int, as_of: date | None) -> list[NormalRow]:
    """The compared rows of ``table`` in ``db`` (normalised), in one short read transaction."""
    query, params = _select(table, position, as_of)
    kinds = [kind for _, kind, _ in table.all_columns()]
    with db.transaction(write=False) as tx:
        rows = tx.fetchall(query, params)
    return [tuple(normalise(v, k) for v, k in zip(row, kinds, strict=True)) for row in rows]


def key_columns(table: Table) -> tuple[str, ...]:
    """Columns naming a row in reports: the primary key, or entity and recording interval."""
    if table.primary_key:
        return table.primary_key
    if table.versioned:
        return ("entity_id", "rec_from", "rec_to")
    return table.column_names


def _sort_key(row: NormalRow) -> tuple[tuple[int, str], ...]:
    return tuple((0, "") if v is None else (1, f"{v!r}") for v in row)


def compare_rows(
    table: Table,
    projection: str,
    position: int,
    rule: str,
    live: Sequence[NormalRow],
    reference: Sequence[NormalRow],
    *,
    limit: int = DEFAULT_LIMIT,
) -> TableComparison:
    """Compare two row multisets of ``table``; pair missing and extra rows with the same key."""
    names = [name for name, _, _ in table.all_columns()]
    live_count = Counter(live)
    reference_count = Counter(reference)
    missing_rows = sorted((reference_count - live_count).elements(), key=_sort_key)
    extra_rows = sorted((live_count - reference_count).elements(), key=_sort_key)
    keys = key_columns(table)
    index = [names.index(k) for k in keys]

    def key_of(row: NormalRow) -> tuple[Any, ...]:
        return tuple(row[i] for i in index)

    extra_by_key: dict[tuple[Any, ...], list[NormalRow]] = {}
    for row in extra_rows:
        extra_by_key.setdefault(key_of(row), []).append(row)
    differences: list[RowDifference] = []
    paired: set[int] = set()
    for row in missing_rows:
        candidates = extra_by_key.get(key_of(row))
        as_dict = dict(zip(names, row, strict=True))
        key = {k: as_dict[k] for k in keys}
        if candidates:
            other = candidates.pop(0)
            paired.add(id(other))
            other_dict = dict(zip(names, other, strict=True))
            changed = tuple(n for n in names if as_dict[n] != other_dict[n])
            differences.append(RowDifference("changed", key, other_dict, as_dict, changed))
        else:
            differences.append(RowDifference("missing", key, None, as_dict))
    for row in extra_rows:
        if id(row) in paired:
            continue
        as_dict = dict(zip(names, row, strict=True))
        differences.append(RowDifference("extra", {k: as_dict[k] for k in keys}, as_dict, None))
    differences.sort(key=lambda d: _sort_key(tuple(d.key.values())))
    return TableComparison(
        table=table.name,
        projection=projection,
        position=position,
        rule=rule,
        live_rows=len(live),
        reference_rows=len(reference),
        missing=len(missing_rows),
        extra=len(extra_rows),
        differences=tuple(differences[:limit]),
    )


# --- tracking ---------------------------------------------------------------------------------
def _tracking_exists(tx: Tx) -> bool:
    if tx.dialect is Dialect.POSTGRES:
        row = tx.fetchone("SELECT to_regclass('projection_tracking') IS NOT NULL")
    else:
        row = tx.fetchone(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
            "'projection_tracking'"
        )
    return bool(row and row[0])


def tracking(db: ReadModelDB) -> dict[str, tuple[int, int]]:
    """``projection → (position, version)`` as stored in ``db`` (empty if never projected)."""
    with db.transaction(write=False) as tx:
        if not _tracking_exists(tx):
            return {}
        rows = tx.fetchall("SELECT projection, position, version FROM projection_tracking")
    return {str(name): (int(position), int(version)) for name, position, version in rows}


# --- comparing --------------------------------------------------------------------------------
def compare_read_models(
    live: ReadModelDB,
    reference: ReadModelDB,
    *,
    projections: Sequence[Projection] | None = None,
    as_of: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> ReadModelComparison:
    """Compare every table of ``projections`` (default: all) in ``live`` with ``reference``.

    Each projection is compared as recorded at the lower of its two tracking positions (see the
    module docstring); a projection missing on a side, or stored with a layout version other
    than the code's, is reported in ``problems`` and its tables are not compared.
    """
    chosen = list(projections) if projections is not None else all_projections()
    live_tracking = tracking(live)
    reference_tracking = tracking(reference)
    problems: list[str] = []
    tables: list[TableComparison] = []
    for projection in chosen:
        sides = {"live": live_tracking, "replay": reference_tracking}
        skip = False
        for side, stored in sides.items():
            entry = stored.get(projection.name)
            if entry is None:
                problems.append(
                    f"{projection.name}: chưa có bảng đọc bên {side} / "
                    f"no read models on the {side} side"
                )
                skip = True
            elif entry[1] != projection.version:
                problems.append(
                    f"{projection.name}: phiên bản bảng bên {side} là {entry[1]}, mã nguồn là "
                    f"{projection.version} / the {side} tables are version {entry[1]}, "
                    f"the code's is {projection.version}"
                )
                skip = True
        if skip:
            continue
        position = min(live_tracking[projection.name][0], reference_tracking[projection.name][0])
        for table in projection.tables:
            tables.append(
                compare_rows(
                    table,
                    projection.name,
                    position,
                    table_rule(table, as_of),
                    read_table(live, table, position, as_of),
                    read_table(reference, table, position, as_of),
                    limit=limit,
                )
            )
    return ReadModelComparison(
        tenant=live.tenant,
        as_of=as_of,
        tables=tuple(tables),
        live_positions={name: entry[0] for name, entry in live_tracking.items()},
        reference_positions={name: entry[0] for name, entry in reference_tracking.items()},
        problems=tuple(problems),
    )


def replay_and_compare(
    store: Store,
    tenant: str,
    *,
    as_of: date | None = None,
    limit: int = DEFAULT_LIMIT,
    progress: Progress | None = None,
    projections: Callable[[], Sequence[Projection]] = all_projections,
    scratch_dir: Path | None = None,
) -> ReadModelComparison:
    """Replay ``tenant``'s events into scratch read models and compare them with the live ones.

    The scratch store is a SQLite file in a temporary directory (under ``scratch_dir`` if
    given), removed afterwards, on both backends. Nothing live is written. Bilingual
    :class:`~domain.errors.NotFound` for an unknown tenant.
    """
    slug = store.registry.get(tenant).slug
    app = store.app(slug, write=False)
    live = store.read_models(slug)
    with tempfile.TemporaryDirectory(prefix=f"ketnap-replay-{slug}-", dir=scratch_dir) as tmp:
        scratch = SQLiteReadModels(slug, Path(tmp) / "replay.sqlite")
        try:
            projector = TenantProjector(app, scratch, projections())
            head = projector.head()
            report = projector.rebuild(progress=progress)
            result = compare_read_models(
                live, scratch, projections=projections(), as_of=as_of, limit=limit
            )
        finally:
            scratch.close()
    return ReadModelComparison(
        tenant=result.tenant,
        as_of=result.as_of,
        tables=result.tables,
        live_positions=result.live_positions,
        reference_positions=result.reference_positions,
        problems=result.problems,
        head=max(head, report.position),
        replayed_events=report.events,
        seconds=report.seconds,
    )


# --- input -----------------------------------------------------------------------------------
def parse_date(value: str | None, field_name: str = "as_of") -> date | None:
    """An ISO date from the command line (bilingual refusal if malformed)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "DATE_INVALID",
            f"Ngày {value!r} không hợp lệ; dùng dạng YYYY-MM-DD.",
            f"The date {value!r} is not valid; use YYYY-MM-DD.",
            field=field_name,
        ) from None
