"""Backup and restore of one tenant (``ketnap tenants backup T`` / ``ketnap tenants restore``).

A backup is the tenant's **verified export** (``service.audit.export``, the same lines
``ketnap audit export`` writes) wrapped with what the history does not hold, in one file:

**Line 1, the backup header**::

    {"format": "ketnap-tenant-backup", "version": 1, "backed_up_at": "<ISO 8601 UTC>",
     "tenant": {"slug": "hn", "name": "…", "kind": "other", "disabled": false,
                "created_at": "…", "merged_into": null, "merged_on": null},
     "history": [{"change": "created", "actor": "…", "role": "…", "reason": "",
                  "recorded_at": "…"}, …],
     "keys": [{"kid": "k1-3fa9c1", "created": "…"}, …]}

``history`` is the tenant's platform history (created, disabled, enabled, merged) as the
source recorded it; ``keys`` names the tenant's personal-data keys (ids and creation times,
**never the keys**: they stay outside the database and outside backups, ``service.crypto``).

**Then the export, verbatim** (its header, one line per event — position, aggregate id and
version, topic, the stored state bytes, which hold the event's recorded time, actor and
document references —, its hash-chain links, then the signed checkpoints).

**Last line, the end**::

    {"type": "backup-end", "lines": <export lines>, "sha256": "<hex of every byte before>",
     "summary": {"events": 1200, "last_position": 1234, "chain_head": "<64 hex>",
                 "checkpoints": 3}}

A file without its end line was cut short; a digest that does not match was altered or
damaged. The digest catches accidents (and a file cut at a line end); the hash chain and the
signed checkpoints catch a forged history, whatever the digest says.

Why the export and not ``pg_dump`` of the tenant's schema: it is portable across backends
(SQLite ⇄ PostgreSQL: an embedded deployment moves to a server and back), it holds only the
history (read models are derived, rebuilt on restore by the current code), it can be verified
with no database (``ketnap tenants restore --check``), and its restore re-checks the chain
before committing. ``pg_dump`` stays the tool for a whole PostgreSQL deployment.

The backup is written beside its target and renamed once complete (and flushed to disk):
an interrupted backup leaves no file. A restore is all or nothing
(``service.audit.importing``): the tenant is created, its history inserted and its chain
verified as written in one transaction; then its read models are rebuilt.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

from domain.errors import DomainError
from domain.values import Actor
from projections.runner import Progress
from service.audit.export import ExportFile, export_tenant, read_export
from service.audit.importing import ImportResult, check_export, check_slug_free, restore_export
from service.crypto import DEV_KEY_FILE_NAME, KeySource
from service.store import Store, TenantKind
from service.store.registry import SYSTEM, validate_slug

BACKUP_FORMAT = "ketnap-tenant-backup"
BACKUP_VERSION = 1
END_TYPE = "backup-end"
#: Owner-only: the history is in clear but for its personal data (encrypted).
BACKUP_MODE = 0o600
#: Export lines between two calls of the backup's progress callback (by default).
PROGRESS_EVERY = 1000


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _invalid(vi: str, en: str) -> DomainError:
    return DomainError(
        "TENANT_BACKUP_INVALID",
        f"Tệp sao lưu không hợp lệ, không khôi phục gì: {vi}",
        f"Invalid backup file; nothing is restored: {en}",
        field="file",
    )


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: its tenant, events, last position, chain head and checkpoints."""

    tenant: str
    events: int
    last_position: int
    chain_head: str
    checkpoints: int

    def as_dict(self) -> dict[str, Any]:
        """The end line's ``summary``."""
        return {
            "events": self.events,
            "last_position": self.last_position,
            "chain_head": self.chain_head,
            "checkpoints": self.checkpoints,
        }


@dataclass(frozen=True)
class BackupResult:
    """A written backup: where, how big, what it holds, how long it took."""

    path: Path
    bytes: int
    summary: BackupSummary
    seconds: float


def key_source(store: Store) -> KeySource:
    """Where ``store``'s processes read personal-data keys: the configured key file or inline
    keys, else (SQLite only) the development file ``<data_dir>/keys.json``
    (``service.crypto.keyring_for_sqlite``)."""
    settings = store.settings
    configured = KeySource.configured(key_file=settings.key_file, inline=settings.inline_keys)
    if configured.key_file is None and configured.inline is None and store.backend == "sqlite":
        return KeySource(key_file=settings.data_dir.resolve() / DEV_KEY_FILE_NAME)
    return configured


def backup_header(store: Store, slug: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The backup's first line: the tenant's registry record, platform history and key ids."""
    tenant = store.registry.get(slug)
    history = store.registry.history(slug)
    keys = key_source(store).load().get(slug, [])
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "backed_up_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "tenant": {
            "slug": tenant.slug,
            "name": tenant.name,
            "kind": tenant.kind.value,
            "disabled": tenant.disabled,
            "created_at": tenant.created_at.isoformat(),
            "merged_into": tenant.merged_into,
            "merged_on": None if tenant.merged_on is None else tenant.merged_on.isoformat(),
        },
        "history": [
            {
                "change": e.change.value,
                "actor": e.actor.user_id,
                "role": e.actor.role.value,
                "reason": e.reason,
                "recorded_at": e.recorded_at.isoformat(),
            }
            for e in history
        ],
        "keys": [{"kid": k.kid, "created": k.created} for k in keys],
    }


class _DigestingWriter:
    """Where the export is written: the file, with every line added to ``digest``, counted,
    and the first one kept (the export's header); ``progress`` hears every ``every`` lines.
    ``export_tenant`` only calls ``write``, a line at a time."""

    def __init__(
        self,
        file: TextIO,
        digest: Any,
        progress: Callable[[int], None] | None,
        every: int,
    ) -> None:
        self.file = file
        self.digest = digest
        self.progress = progress
        self.every = max(1, every)
        self.lines = 0
        self.first_line = ""

    def write(self, text: str) -> int:
        if not self.first_line:
            self.first_line = text
        self.digest.update(text.encode("utf-8"))
        self.lines += text.count("\n")
        if self.progress is not None and self.lines % self.every == 0:
            self.progress(self.lines)
        return self.file.write(text)


def backup_tenant(
    store: Store,
    slug: str,
    out: Path,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> BackupResult:
    """Write tenant ``slug``'s backup to ``out`` (format above), atomically: written to a
    hidden file beside it (mode 0600), flushed to disk, then renamed (bilingual
    ``TENANT_BACKUP_UNWRITABLE``). ``progress`` receives the number of lines written so far
    (about one per event), every ``progress_every`` lines."""
    started = time.perf_counter()
    slug = store.registry.get(slug).slug
    header = _line(backup_header(store, slug))
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.unlink(missing_ok=True)  # left by a backup that was killed
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BACKUP_MODE)
        with open(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(header)
            writer = _DigestingWriter(
                file, hashlib.sha256(header.encode("utf-8")), progress, progress_every
            )
            counts = export_tenant(store, slug, cast(TextIO, writer))
            head = json.loads(writer.first_line).get("head") or {}
            summary = BackupSummary(
                tenant=slug,
                events=counts.events,
                last_position=int(head.get("position") or 0),
                chain_head=str(head.get("hash") or ""),
                checkpoints=counts.checkpoints,
            )
            end = {
                "type": END_TYPE,
                "lines": writer.lines,
                "sha256": writer.digest.hexdigest(),
                "summary": summary.as_dict(),
            }
            file.write(_line(end))
            file.flush()
            os.fsync(file.fileno())
        partial.replace(out)
        size = out.stat().st_size
    except OSError as error:
        raise DomainError(
            "TENANT_BACKUP_UNWRITABLE",
            f"Không ghi được tệp sao lưu {out}: {error.strerror}.",
            f"Cannot write the backup file {out}: {error.strerror}.",
            field="out",
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(out, size, summary, time.perf_counter() - started)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    """A backup file, read and checked: its header, the export it wraps, its summary."""

    header: dict[str, Any]
    export: ExportFile
    summary: BackupSummary

    @property
    def slug(self) -> str:
        """The tenant's slug."""
        return self.export.tenant

    @property
    def name(self) -> str:
        """The tenant's full name."""
        return str(self.header["tenant"].get("name") or self.slug)

    @property
    def kind(self) -> TenantKind:
        """The tenant's kind (``other`` if the file names one this version does not know)."""
        try:
            return TenantKind(self.header["tenant"].get("kind"))
        except ValueError:
            return TenantKind.OTHER

    @property
    def disabled(self) -> bool:
        """Whether the tenant was disabled (or merged away) at the source."""
        return bool(self.header["tenant"].get("disabled"))

    @property
    def key_ids(self) -> list[str]:
        """The ids of the personal-data keys the tenant had at the source."""
        return [str(k.get("kid")) for k in self.header.get("keys") or [] if isinstance(k, dict)]


def _check_digest(path: Path) -> dict[str, Any]:
    """The end line, once every byte before it is checked against it."""
    digest = hashlib.sha256()
    lines = 0
    previous: bytes | None = None
    with path.open("rb") as file:
        for raw in file:
            if previous is not None:
                digest.update(previous)
                lines += 1
            previous = raw
    end: Any = None
    if previous is not None and previous.endswith(b"\n"):
        try:
            end = json.loads(previous)
        except (json.JSONDecodeError, UnicodeDecodeError):
            end = None
    if not isinstance(end, dict) or end.get("type") != END_TYPE:
        raise _invalid(
            "thiếu dòng kết thúc (tệp bị cắt ngắn hoặc không phải bản sao lưu).",
            "the end line is missing (the file was cut short, or is not a backup).",
        )
    # The end line counts the export's lines; the header line is the one more.
    if end.get("lines") != lines - 1 or end.get("sha256") != digest.hexdigest():
        raise _invalid(
            "mã băm SHA-256 hoặc số dòng không khớp (tệp bị sửa, hỏng hoặc cắt ngắn).",
            "the SHA-256 digest or the line count does not match (the file was altered, "
            "damaged or cut short).",
        )
    return end


def _header(text: str) -> dict[str, Any]:
    try:
        header = json.loads(text)
    except json.JSONDecodeError:
        header = None
    if (
        not isinstance(header, dict)
        or header.get("format") != BACKUP_FORMAT
        or header.get("version") != BACKUP_VERSION
        or not isinstance(header.get("tenant"), dict)
    ):
        raise _invalid(
            f"không phải '{BACKUP_FORMAT}' phiên bản {BACKUP_VERSION}.",
            f"not '{BACKUP_FORMAT}' version {BACKUP_VERSION}.",
        )
    return header


def read_backup(path: Path) -> Backup:
    """Read and check backup file ``path``: digest and end line, header, the export's format
    and counts (bilingual ``TENANT_BACKUP_INVALID``). The chain is checked by the restore
    (or :func:`check_backup`)."""
    try:
        end = _check_digest(path)
        with path.open(encoding="utf-8") as file:
            header = _header(next(file, ""))
            try:
                export = read_export(itertools.islice(file, int(end["lines"])))
            except DomainError as error:
                raise _invalid(error.message_vi, error.message_en) from None
    except OSError as error:
        raise _invalid(
            f"không đọc được {path}: {error.strerror}.", f"cannot read {path}: {error.strerror}."
        ) from None
    except UnicodeDecodeError:
        raise _invalid("không phải UTF-8.", "not UTF-8.") from None
    if header["tenant"].get("slug") != export.tenant:
        raise _invalid(
            "đơn vị ở tiêu đề khác đơn vị của lịch sử.",
            "the header's tenant differs from the history's.",
        )
    validate_slug(export.tenant)
    head = export.header.get("head") or {}
    summary = BackupSummary(
        tenant=export.tenant,
        events=len([r for r in export.records if r.has_event]),
        last_position=int(head.get("position") or 0),
        chain_head=str(head.get("hash") or ""),
        checkpoints=len(export.checkpoints),
    )
    # The end line is outside its own digest: its summary must say what the file holds.
    if end.get("summary") != summary.as_dict():
        raise _invalid(
            "phần tóm tắt ở dòng kết thúc khác nội dung tệp.",
            "the end line's summary differs from what the file holds.",
        )
    return Backup(header=header, export=export, summary=summary)


def check_backup(path: Path) -> Backup:
    """Read ``path`` and verify its chain offline, as a restore does before writing anything
    (``ketnap tenants restore --check``)."""
    backup = read_backup(path)
    check_export(backup.export)
    return backup


# --- restoring --------------------------------------------------------------------------------


def _keys_missing(slug: str, missing: list[str]) -> DomainError:
    kids = ", ".join(missing)
    return DomainError(
        "TENANT_BACKUP_KEYS_MISSING",
        f"Nơi khôi phục thiếu khóa dữ liệu cá nhân {kids} của đơn vị '{slug}' (khóa không nằm "
        "trong bản sao lưu); hãy chép các khóa này vào tệp khóa (KETNAP_KEY_FILE) hoặc "
        "KETNAP_TENANT_KEYS rồi khôi phục lại. Chưa khôi phục gì.",
        f"The target lacks the personal-data keys {kids} of tenant '{slug}' (keys are never in "
        "a backup); copy them into its key file (KETNAP_KEY_FILE) or KETNAP_TENANT_KEYS and "
        "restore again. Nothing is restored.",
        field="keys",
    )


def _disable_reason(backup: Backup) -> str:
    merged = backup.header["tenant"].get("merged_into")
    vi, en = (
        (f"đã hợp nhất vào '{merged}'", f"merged into '{merged}'")
        if merged
        else ("đã khóa", "disabled")
    )
    return (
        f"Khôi phục từ bản sao lưu; ở nơi sao lưu đơn vị {vi} / restored from a backup; at the "
        f"source the tenant was {en}"
    )


@dataclass(frozen=True)
class RestoreResult:
    """A restored tenant: the backup's summary and what the import did."""

    backup: Backup
    imported: ImportResult


def restore_tenant(
    store: Store,
    path: Path,
    *,
    actor: Actor = SYSTEM,
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
) -> RestoreResult:
    """Restore the tenant backed up in ``path`` into ``store``, all or nothing.

    Refused (bilingual, nothing written) when the file is invalid, altered or cut short
    (``TENANT_BACKUP_INVALID``), its chain is broken (``AUDIT_IMPORT_NOT_INTACT``), the slug is
    taken (``TENANT_SLUG_TAKEN``: a tenant cannot take another slug, its events and
    encrypted personal data are bound to it) or the target lacks one of the tenant's keys
    (``TENANT_BACKUP_KEYS_MISSING``). A tenant disabled at the source is restored disabled;
    one merged into another is restored disabled too (the merge itself is recorded in the
    backup's header, not again here: its target may not exist in this deployment).
    """
    tell = say or (lambda _line: None)
    tell(f"Đọc và kiểm tra tệp / reading and checking {path}")
    backup = read_backup(path)
    check_slug_free(store, backup.slug)
    have = {k.kid for k in key_source(store).load().get(backup.slug, [])}
    missing = [kid for kid in backup.key_ids if kid not in have]
    if missing:
        raise _keys_missing(backup.slug, missing)
    imported = restore_export(
        store,
        backup.export,
        name=backup.name,
        kind=backup.kind,
        actor=actor,
        disable_reason=_disable_reason(backup) if backup.disabled else None,
        progress=progress,
        say=say,
    )
    return RestoreResult(backup=backup, imported=imported)
