"""Import: restore a tenant from an export file (``ketnap audit import FILE``).

The file is an export written by ``ketnap audit export`` (format in
:mod:`service.audit.export` and ``docs/audit.md``). Steps, each refused bilingually if it fails:

1. **Read and verify the file offline** (:func:`service.audit.export.read_export` and
   :func:`~service.audit.export.verify_export`): a file whose chain or checkpoints do not check
   out is not imported.
2. **The tenant must not exist** in the target deployment (``TENANT_SLUG_TAKEN``); it keeps the
   slug of the export (events name their tenant, and personal data is encrypted with the
   tenant bound in — so a tenant cannot be renamed on import). It is created through the
   registry (name and kind are not part of the history: given on the command line).
3. **The stored events are inserted exactly as stored**, in one transaction: same positions
   (PostgreSQL ``notification_id``, the sequence moved past them; SQLite ``rowid``), same
   aggregate ids, versions, topics and state bytes, with their links (``ketnap_links``) and the
   stored checkpoints (``ketnap_checkpoints``). The recorder is bypassed on purpose: it would
   number the events and compute links itself, and positions may have gaps.
4. **The chain is verified in the database** (:func:`service.audit.verify.verify_tenant`), and
   must end at the file's head (position and hash) with the same number of events.
5. **The read models are rebuilt** from the imported events (all projections).

The tenant's personal-data keys (``KETNAP_KEY_FILE``/``KETNAP_TENANT_KEYS``; see
:mod:`service.crypto`) are not in the export: the target deployment must have them, or the
rebuild (step 5) is refused with the key error — the events are then imported and verified,
and ``ketnap projections rebuild --tenant T`` finishes once the keys are in place.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg import sql

from domain.errors import DomainError
from projections.runner import Progress, RunReport
from service.audit.export import ExportFile, read_export, verify_export
from service.audit.verify import ChainRecord, VerifyResult, verify_tenant
from service.read_models import ReadModels
from service.store import Store, TenantKind
from service.store.chain import CHECKPOINTS_TABLE, LINKS_TABLE
from service.store.tenant_chain import postgres_tenant, sqlite_tenant_file

BATCH = 1000


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    tenant: str
    events: int
    links: int
    checkpoints: int
    head_position: int
    head_hash: str
    verified: VerifyResult
    rebuild: RunReport
    seconds: float


def _refusal(code: str, vi: str, en: str, field: str = "file") -> DomainError:
    return DomainError(code, vi, en, field=field)


def read_export_file(path: Path) -> ExportFile:
    """Parse an export file (bilingual ``AUDIT_EXPORT_INVALID`` if unreadable or malformed)."""
    try:
        with path.open(encoding="utf-8") as file:
            return read_export(iter(file))
    except OSError as error:
        raise _refusal(
            "AUDIT_EXPORT_INVALID",
            f"Không đọc được tệp {path}: {error.strerror}.",
            f"Cannot read the file {path}: {error.strerror}.",
        ) from None
    except UnicodeDecodeError:
        raise _refusal(
            "AUDIT_EXPORT_INVALID",
            f"Tệp {path} không phải UTF-8.",
            f"The file {path} is not UTF-8.",
        ) from None


def _check_file(export: ExportFile) -> VerifyResult:
    result = verify_export(export)
    if not result.intact:
        vi, en = result.summary()
        raise _refusal(
            "AUDIT_IMPORT_NOT_INTACT",
            f"Không nhập tệp có chuỗi băm không nguyên vẹn: {vi}",
            f"A file whose hash chain is not intact is not imported: {en}",
        )
    if any(not record.has_event or record.hash is None for record in export.records):
        raise _refusal(
            "AUDIT_IMPORT_NOT_INTACT",
            "Tệp có sự kiện thiếu liên kết hoặc liên kết thiếu sự kiện.",
            "The file has an event without a link or a link without an event.",
        )
    return result


def _events_rows(records: Sequence[ChainRecord]) -> list[tuple[int, Any, int, str, bytes]]:
    rows = []
    for record in records:
        assert record.originator_id is not None
        assert record.originator_version is not None
        assert record.topic is not None
        assert record.state is not None
        rows.append(
            (
                record.position,
                record.originator_id,
                record.originator_version,
                record.topic,
                record.state,
            )
        )
    return rows


def _insert_sqlite(store: Store, export: ExportFile) -> None:
    path = sqlite_tenant_file(store, export.tenant)
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM stored_events LIMIT 1").fetchone():
                raise _not_empty(export.tenant)
            rows = _events_rows(export.records)
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                conn.executemany(
                    "INSERT INTO stored_events "
                    "(rowid, originator_id, originator_version, topic, state) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (p, oid.hex, version, topic, state)
                        for p, oid, version, topic, state in chunk
                    ],
                )
            conn.executemany(
                f"INSERT INTO {LINKS_TABLE} (position, hash, prev_hash) VALUES (?, ?, ?)",
                [(r.position, r.hash, r.prev_hash) for r in export.records],
            )
            conn.executemany(
                f"INSERT INTO {CHECKPOINTS_TABLE} (recorded_at, statement) VALUES (?, ?)",
                [(c.recorded_at, c.to_json()) for c in export.checkpoints],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _owner_datastore(store: Store) -> Any:
    """The owner role's datastore when the deployment separates roles (else None).

    With ``KETNAP_DATABASE_OWNER_URL`` the application's role may neither ``LOCK`` the events
    table in ``EXCLUSIVE`` mode nor ``setval`` its sequence (``service.store.roles``): an
    import is an operator's restore, so it writes as the owner.
    """
    return store.owner_datastore


def _insert_postgres(store: Store, export: ExportFile) -> None:
    tenant_datastore, schema, events_table = postgres_tenant(store, export.tenant)
    datastore = _owner_datastore(store) or tenant_datastore
    events = sql.Identifier(schema, events_table)
    links = sql.Identifier(schema, LINKS_TABLE)
    checkpoints = sql.Identifier(schema, CHECKPOINTS_TABLE)
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
        curs.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events))
        curs.execute(sql.SQL("SELECT 1 AS found FROM {} LIMIT 1").format(events))
        if curs.fetchone() is not None:
            raise _not_empty(export.tenant)
        rows = _events_rows(export.records)
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (notification_id, originator_id, originator_version, topic,"
                    " state) SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::bigint[],"
                    " %s::text[], %s::bytea[])"
                ).format(events),
                [list(column) for column in zip(*chunk, strict=True)],
            )
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (position, hash, prev_hash)"
                    " SELECT * FROM unnest(%s::bigint[], %s::bytea[], %s::bytea[])"
                ).format(links),
                (
                    [r.position for r in export.records[start : start + BATCH]],
                    [r.hash for r in export.records[start : start + BATCH]],
                    [r.prev_hash for r in export.records[start : start + BATCH]],
                ),
            )
        if rows:
            curs.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                (f"{schema}.{events_table}", rows[-1][0]),
            )
        for checkpoint in export.checkpoints:
            curs.execute(
                sql.SQL("INSERT INTO {} (recorded_at, statement) VALUES (%s, %s)").format(
                    checkpoints
                ),
                (checkpoint.recorded_at, checkpoint.to_json()),
            )


def _not_empty(tenant: str) -> DomainError:
    return _refusal(
        "AUDIT_IMPORT_TARGET_NOT_EMPTY",
        f"Đơn vị '{tenant}' ở nơi nhập đã có sự kiện; chỉ nhập vào đơn vị mới, trống.",
        f"Tenant '{tenant}' already has events in the target; only a new, empty tenant is "
        "imported into.",
        field="tenant",
    )


def import_tenant(
    store: Store,
    path: Path,
    *,
    tenant: str | None = None,
    name: str | None = None,
    kind: TenantKind | str = TenantKind.OTHER,
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
) -> ImportResult:
    """Restore the tenant of export file ``path`` into ``store`` (see the module docstring).

    ``tenant``, if given, must be the export's slug (a tenant cannot be renamed on import).
    ``name`` defaults to the slug. ``say`` receives bilingual progress lines; ``progress``
    the rebuild's batches.
    """
    started = time.perf_counter()
    tell = say or (lambda _line: None)
    tell(f"Đọc và kiểm tra tệp / reading and verifying {path}")
    export = read_export_file(path)
    slug = export.tenant
    if tenant is not None and tenant != slug:
        raise _refusal(
            "AUDIT_IMPORT_RENAME_UNSUPPORTED",
            f"Tệp là của đơn vị '{slug}', không nhập thành '{tenant}' được: các sự kiện ghi tên "
            "đơn vị và dữ liệu cá nhân được mã hóa gắn với đơn vị.",
            f"The file is tenant '{slug}''s; it cannot be imported as '{tenant}': the events "
            "name their tenant and personal data is encrypted bound to the tenant.",
            field="tenant",
        )
    file_check = _check_file(export)
    if any(t.slug == slug for t in store.registry.list()):
        raise _refusal(
            "TENANT_SLUG_TAKEN",
            f"Đơn vị '{slug}' đã tồn tại ở nơi nhập; chỉ nhập vào nơi chưa có đơn vị này.",
            f"Tenant '{slug}' already exists in the target; import only where it does not.",
            field="tenant",
        )
    tell(f"Tạo đơn vị / creating tenant '{slug}'")
    store.registry.create(slug, name or slug, kind)
    tell(
        f"Ghi {len(export.records)} sự kiện như đã lưu / inserting {len(export.records)} "
        "events as stored"
    )
    if store.backend == "postgres":
        _insert_postgres(store, export)
    else:
        _insert_sqlite(store, export)
    tell("Kiểm tra chuỗi băm sau khi nhập / verifying the chain after the import")
    verified = verify_tenant(store, slug, export.checkpoints)
    expected = export.header.get("head") or {}
    if (
        not verified.intact
        or verified.events != file_check.events
        or verified.head_hash != file_check.head_hash
        or (expected and expected.get("hash") != verified.head_hash)
    ):
        vi, en = verified.summary()
        raise _refusal(
            "AUDIT_IMPORT_VERIFY_FAILED",
            f"Chuỗi băm sau khi nhập không khớp với tệp: {vi}",
            f"The chain after the import does not match the file: {en}",
            field="tenant",
        )
    tell("Dựng lại bảng đọc / rebuilding the read models")
    rebuild = ReadModels(store).rebuild(slug, progress=progress)
    return ImportResult(
        tenant=slug,
        events=verified.events,
        links=len(export.records),
        checkpoints=len(export.checkpoints),
        head_position=verified.head_position,
        head_hash=verified.head_hash,
        verified=verified,
        rebuild=rebuild,
        seconds=time.perf_counter() - started,
    )
