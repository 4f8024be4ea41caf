"""Import: restore a tenant from an export file (``ketnap audit import FILE``).

The file is an export written by ``ketnap audit export`` (format in
:mod:`service.audit.export` and ``docs/audit.md``). Steps, each refused bilingually if it fails:

1. **Read and verify the file offline** (:func:`service.audit.export.read_export` and
   :func:`~service.audit.export.verify_export`): a file whose chain or checkpoints do not check
   out is not imported.
2. **The tenant must not exist** in the target deployment (``TENANT_SLUG_TAKEN``); it keeps the
   slug of the export (events name their tenant, and personal data is encrypted with the
   tenant bound in — so a tenant cannot be renamed on import). Name and kind are not part of
   the history: given on the command line (or by the backup, ``service.tenant_backup``).
3. **The tenant is created with its history, all or nothing**: in the transaction that
   registers it and creates its storage (``TenantRegistry.create(fill=…)``) the stored events
   are inserted exactly as stored — same positions (PostgreSQL ``notification_id``, the
   sequence moved past them; SQLite ``rowid``), same aggregate ids, versions, topics and state
   bytes —, with their links (``ketnap_links``) and the stored checkpoints
   (``ketnap_checkpoints``). The recorder is bypassed on purpose: it would number the events
   and compute links itself, and positions may have gaps.
4. **The chain is verified as written, before the commit**
   (:func:`service.audit.verify.verify_in_transaction`), and must end at the file's head
   (position and hash) with the same number of events; otherwise everything is rolled back
   (``AUDIT_IMPORT_VERIFY_FAILED``) and the tenant does not exist.
5. **The read models are rebuilt** from the imported events (all projections), after the
   commit: they are derived data; an interrupted rebuild is finished by
   ``ketnap projections rebuild --tenant T`` (or the worker).

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

import psycopg
from eventsourcing.persistence import IntegrityError
from psycopg import sql

from domain.errors import DomainError
from domain.values import Actor
from projections.runner import Progress, RunReport
from service.audit.checkpoints import Checkpoint
from service.audit.export import ExportFile, read_export, verify_export
from service.audit.verify import ChainRecord, VerifyResult, verify_in_transaction
from service.read_models import ReadModels
from service.store import Store, TenantKind
from service.store.chain import CHECKPOINTS_TABLE, LINKS_TABLE
from service.store.registry import EVENTS_TABLE, SYSTEM

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


def check_export(export: ExportFile) -> VerifyResult:
    """Verify a parsed export offline; refuse (``AUDIT_IMPORT_NOT_INTACT``) a broken chain or
    an event without its link: such a file is never restored."""
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


def _insert_sqlite(conn: sqlite3.Connection, export: ExportFile) -> None:
    rows = _events_rows(export.records)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        conn.executemany(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            [(p, oid.hex, version, topic, state) for p, oid, version, topic, state in chunk],
        )
    conn.executemany(
        f"INSERT INTO {LINKS_TABLE} (position, hash, prev_hash) VALUES (?, ?, ?)",
        [(r.position, r.hash, r.prev_hash) for r in export.records],
    )
    conn.executemany(
        f"INSERT INTO {CHECKPOINTS_TABLE} (recorded_at, statement) VALUES (?, ?)",
        [(c.recorded_at, c.to_json()) for c in export.checkpoints],
    )


def _insert_postgres(curs: Any, schema: str, export: ExportFile) -> None:
    events = sql.Identifier(schema, EVENTS_TABLE)
    links = sql.Identifier(schema, LINKS_TABLE)
    checkpoints = sql.Identifier(schema, CHECKPOINTS_TABLE)
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
            (f"{schema}.{EVENTS_TABLE}", rows[-1][0]),
        )
    for checkpoint in export.checkpoints:
        curs.execute(
            sql.SQL("INSERT INTO {} (recorded_at, statement) VALUES (%s, %s)").format(checkpoints),
            (checkpoint.recorded_at, checkpoint.to_json()),
        )


class _ExportFilling:
    """Writes an export's events, links and checkpoints into a tenant's new storage and
    verifies the chain as the writing transaction sees it, before anything is committed
    (:class:`service.store.registry.Filling`): a write or a check that fails leaves no tenant."""

    def __init__(self, export: ExportFile, file_check: VerifyResult) -> None:
        self.export = export
        self.file_check = file_check
        self.verified: VerifyResult | None = None

    def into_sqlite(self, file: Path) -> None:
        with closing(sqlite3.connect(file, timeout=30, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _insert_sqlite(conn, self.export)
                self._check(verify_in_transaction(self.export.tenant, conn, self.checkpoints))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def into_postgres(self, curs: Any, schema: str) -> None:
        _insert_postgres(curs, schema, self.export)
        self._check(
            verify_in_transaction(
                self.export.tenant,
                curs.connection,
                self.checkpoints,
                schema=schema,
                events_table=EVENTS_TABLE,
            )
        )

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return self.export.checkpoints

    def _check(self, verified: VerifyResult) -> None:
        expected = self.export.header.get("head") or {}
        if (
            not verified.intact
            or verified.events != self.file_check.events
            or verified.head_hash != self.file_check.head_hash
            or (expected and expected.get("hash") != verified.head_hash)
        ):
            vi, en = verified.summary()
            raise _refusal(
                "AUDIT_IMPORT_VERIFY_FAILED",
                f"Chuỗi băm sau khi ghi không khớp với tệp, không nhập gì: {vi}",
                f"The chain as written does not match the file; nothing is imported: {en}",
                field="tenant",
            )
        self.verified = verified


def check_slug_free(store: Store, slug: str) -> None:
    """Refuse (``TENANT_SLUG_TAKEN``) a restore of ``slug`` where a tenant ``slug`` exists."""
    if any(t.slug == slug for t in store.registry.list()):
        raise _refusal(
            "TENANT_SLUG_TAKEN",
            f"Đơn vị '{slug}' đã tồn tại ở nơi đích; chỉ khôi phục vào nơi chưa có đơn vị này "
            "(không đổi mã được: các sự kiện ghi tên đơn vị và dữ liệu cá nhân được mã hóa gắn "
            "với đơn vị).",
            f"Tenant '{slug}' already exists in the target; restore only where it does not (it "
            "cannot take another slug: the events name their tenant and personal data is "
            "encrypted bound to the tenant).",
            field="tenant",
        )


def restore_export(
    store: Store,
    export: ExportFile,
    *,
    name: str,
    kind: TenantKind | str,
    actor: Actor = SYSTEM,
    disable_reason: str | None = None,
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
) -> ImportResult:
    """Create tenant ``export.tenant`` in ``store`` with the export's history, all or nothing
    (steps 1-4 of the module docstring, the export already parsed), then rebuild its read
    models (step 5). With ``disable_reason`` the tenant is disabled (by ``actor``) right after
    it is created, before the rebuild: a tenant that was disabled where it was backed up."""
    started = time.perf_counter()
    tell = say or (lambda _line: None)
    slug = export.tenant
    file_check = check_export(export)
    check_slug_free(store, slug)
    tell(
        f"Tạo đơn vị và ghi {len(export.records)} sự kiện như đã lưu, một giao dịch / creating "
        f"the tenant with its {len(export.records)} events as stored, in one transaction"
    )
    filling = _ExportFilling(export, file_check)
    try:
        store.registry.create(slug, name, kind, actor=actor, fill=filling)
    except (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError):
        raise _refusal(
            "AUDIT_IMPORT_REJECTED",
            f"Cơ sở dữ liệu từ chối lịch sử trong tệp (sự kiện trùng nhau); không nhập gì, đơn "
            f"vị '{slug}' không được tạo.",
            f"The database refused the file's history (duplicate events); nothing is imported, "
            f"tenant '{slug}' is not created.",
        ) from None
    verified = filling.verified
    assert verified is not None
    if disable_reason is not None:
        store.registry.disable(slug, actor=actor, reason=disable_reason)
    tell(
        f"Chuỗi băm nguyên vẹn sau khi ghi / chain intact as written: {verified.events} "
        f"sự kiện / events, head {verified.head_position}"
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
    return restore_export(store, export, name=name or slug, kind=kind, progress=progress, say=say)
