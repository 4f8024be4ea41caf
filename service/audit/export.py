"""Export of a tenant's full history, and its offline verification (issue 5, part 5).

``ketnap audit export --tenant T > file.jsonl`` writes one consistent snapshot as JSON Lines
(UTF-8, one JSON object per line, ``\\n`` line ends); ``ketnap audit verify-file file``
verifies it with no database. Format version 1:

**Line 1, header**::

    {"format": "ketnap-audit-export", "version": 1, "tenant": "hn", "backend": "postgres",
     "exported_at": "<ISO 8601 UTC>", "hash": "sha256", "genesis": "<64 zeros>",
     "counts": {"events": 1200, "links": 1200, "checkpoints": 3},
     "head": {"position": 1234, "hash": "<64 hex>"}}

``head`` is the stored link with the highest position (``null`` when there are no links).

**Then one line per position, ascending**::

    {"type": "event", "position": 17, "originator_id": "<canonical UUID>",
     "originator_version": 3, "topic": "<topic>", "state": "<base64, RFC 4648, padded>",
     "hash": "<64 hex or null>", "prev_hash": "<64 hex or null>"}

``state`` is the stored bytes (possibly compressed/encrypted); ``hash``/``prev_hash`` are the
event's stored link (``null`` if it has none). A link without an event (tampered database
only) is ``{"type": "link", "position": P, "hash": "…", "prev_hash": "…"}`` in its place.

**Then one line per stored checkpoint, oldest first**::

    {"type": "checkpoint", "statement": {<the signed statement, service.audit.checkpoints>}}

``counts.events`` = number of ``event`` lines; ``counts.links`` = ``event`` lines with a
non-null ``hash`` plus ``link`` lines; ``counts.checkpoints`` = ``checkpoint`` lines. Readers
reject another ``format`` or ``version`` and ignore unknown keys. Hashes are lowercase hex;
the link hash encoding is in ``service.store.chain``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from domain.errors import DomainError
from service.audit.checkpoints import Checkpoint, parse_checkpoints
from service.audit.verify import (
    ChainRecord,
    VerifyResult,
    chain_snapshot,
    verify_records,
)
from service.store import Store
from service.store.chain import GENESIS

EXPORT_FORMAT = "ketnap-audit-export"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class ExportCounts:
    """What an export holds."""

    events: int
    links: int
    checkpoints: int


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def record_line(record: ChainRecord) -> dict[str, Any]:
    """The export line (as an object) of one position."""
    if not record.has_event:
        return {
            "type": "link",
            "position": record.position,
            "hash": _hex(record.hash),
            "prev_hash": _hex(record.prev_hash),
        }
    assert record.state is not None
    return {
        "type": "event",
        "position": record.position,
        "originator_id": str(record.originator_id),
        "originator_version": record.originator_version,
        "topic": record.topic,
        "state": base64.b64encode(record.state).decode("ascii"),
        "hash": _hex(record.hash),
        "prev_hash": _hex(record.prev_hash),
    }


def export_tenant(
    store: Store, slug: str, out: TextIO, *, now: datetime | None = None
) -> ExportCounts:
    """Write tenant ``slug``'s history to ``out`` in the format above (one snapshot)."""
    with chain_snapshot(store, slug) as snapshot:
        counts = snapshot.counts()
        statements = snapshot.checkpoint_statements()
        header = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "tenant": slug,
            "backend": snapshot.backend,
            "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
            "hash": "sha256",
            "genesis": GENESIS.hex(),
            "counts": {
                "events": counts.events,
                "links": counts.links,
                "checkpoints": counts.checkpoints,
            },
            "head": None
            if counts.head_position is None or counts.head_hash is None
            else {"position": counts.head_position, "hash": counts.head_hash.hex()},
        }
        out.write(_line(header))
        for record in snapshot.records():
            out.write(_line(record_line(record)))
        for statement in statements:
            out.write(_line({"type": "checkpoint", "statement": json.loads(statement)}))
    return ExportCounts(counts.events, counts.links, counts.checkpoints)


def export_to_file(store: Store, slug: str, out: Path) -> ExportCounts:
    """Export tenant ``slug`` into the file ``out``, written beside it and renamed once
    complete: a failure leaves no partial file (bilingual ``AUDIT_EXPORT_UNWRITABLE``)."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as file:
            counts = export_tenant(store, slug, file)
        partial.replace(out)
    except OSError as error:
        raise DomainError(
            "AUDIT_EXPORT_UNWRITABLE",
            f"Không ghi được tệp {out}: {error.strerror}.",
            f"Cannot write the file {out}: {error.strerror}.",
            field="out",
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return counts


# --- reading and verifying a file -----------------------------------------------------------


def _bad_file(line: int, vi: str, en: str) -> DomainError:
    return DomainError(
        "AUDIT_EXPORT_INVALID",
        f"Tệp xuất không hợp lệ (dòng {line}): {vi}",
        f"Invalid export file (line {line}): {en}",
        field="file",
    )


@dataclass
class ExportFile:
    """A parsed export: header, records in position order, embedded checkpoints."""

    header: dict[str, Any]
    records: list[ChainRecord] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def tenant(self) -> str:
        """The tenant named in the header."""
        return str(self.header["tenant"])


def _opt_hex(obj: dict[str, Any], key: str, number: int) -> bytes | None:
    value = obj.get(key)
    if value is None:
        return None
    try:
        raw = bytes.fromhex(str(value))
    except ValueError:
        raw = b""
    if len(raw) != len(GENESIS):
        raise _bad_file(number, f"'{key}' không phải 64 chữ số hex.", f"'{key}' is not 64 hex.")
    return raw


def _parse_record(obj: dict[str, Any], number: int) -> ChainRecord:
    kind = obj.get("type")
    position = obj.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise _bad_file(number, "'position' sai.", "bad 'position'.")
    link_hash = _opt_hex(obj, "hash", number)
    prev_hash = _opt_hex(obj, "prev_hash", number)
    if kind == "link":
        return ChainRecord(position, hash=link_hash, prev_hash=prev_hash)
    try:
        state = base64.b64decode(str(obj["state"]).encode("ascii"), validate=True)
        originator_id = UUID(str(obj["originator_id"]))
        version = obj["originator_version"]
        topic = obj["topic"]
    except (KeyError, ValueError, binascii.Error, UnicodeEncodeError):
        raise _bad_file(number, "sự kiện thiếu hoặc sai trường.", "malformed event.") from None
    if not isinstance(version, int) or isinstance(version, bool) or not isinstance(topic, str):
        raise _bad_file(number, "sự kiện thiếu hoặc sai trường.", "malformed event.")
    return ChainRecord(position, originator_id, version, topic, state, link_hash, prev_hash)


def read_export(lines: Iterator[str]) -> ExportFile:
    """Parse an export (bilingual ``AUDIT_EXPORT_INVALID`` if malformed or truncated)."""
    export: ExportFile | None = None
    last_position = 0
    events = links = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            raise _bad_file(number, "không phải JSON.", "not JSON.") from None
        if not isinstance(obj, dict):
            raise _bad_file(number, "không phải đối tượng JSON.", "not a JSON object.")
        if export is None:
            if obj.get("format") != EXPORT_FORMAT or obj.get("version") != EXPORT_VERSION:
                raise _bad_file(
                    number,
                    f"không phải '{EXPORT_FORMAT}' phiên bản {EXPORT_VERSION}.",
                    f"not '{EXPORT_FORMAT}' version {EXPORT_VERSION}.",
                )
            if not isinstance(obj.get("tenant"), str) or not isinstance(obj.get("counts"), dict):
                raise _bad_file(number, "tiêu đề thiếu trường.", "the header lacks fields.")
            export = ExportFile(obj)
            continue
        kind = obj.get("type")
        if kind in ("event", "link"):
            if export.checkpoints:
                raise _bad_file(
                    number, "dòng sự kiện sau điểm kiểm tra.", "event after checkpoints."
                )
            record = _parse_record(obj, number)
            if record.position <= last_position:
                raise _bad_file(
                    number, "vị trí không tăng dần.", "positions are not in ascending order."
                )
            last_position = record.position
            events += record.has_event
            links += record.hash is not None
            export.records.append(record)
        elif kind == "checkpoint":
            export.checkpoints.extend(parse_checkpoints(json.dumps(obj.get("statement"))))
        else:
            raise _bad_file(number, f"loại dòng lạ {kind!r}.", f"unknown line type {kind!r}.")
    if export is None:
        raise _bad_file(1, "tệp rỗng.", "the file is empty.")
    counts = export.header["counts"]
    found = {"events": events, "links": links, "checkpoints": len(export.checkpoints)}
    for key, value in found.items():
        if counts.get(key) != value:
            raise _bad_file(
                0,
                f"tiêu đề ghi {counts.get(key)} {key} nhưng tệp có {value} (tệp bị cắt hoặc sửa).",
                f"the header says {counts.get(key)} {key} but the file has {value} (truncated "
                "or edited).",
            )
    return export


def verify_export(
    export: ExportFile,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    trusted_key: str | None = None,
) -> VerifyResult:
    """Verify a parsed export: the chain, embedded checkpoints and ``checkpoints``."""
    return verify_records(
        export.tenant,
        iter(export.records),
        [*export.checkpoints, *checkpoints],
        trusted_key=trusted_key,
    )


def verify_file(
    path: Path,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    trusted_key: str | None = None,
) -> VerifyResult:
    """Verify an export file offline (no database)."""
    try:
        with path.open(encoding="utf-8") as file:
            export = read_export(iter(file))
    except OSError as error:
        raise DomainError(
            "AUDIT_EXPORT_INVALID",
            f"Không đọc được tệp {path}: {error.strerror}.",
            f"Cannot read the file {path}: {error.strerror}.",
            field="file",
        ) from None
    except UnicodeDecodeError:
        raise _bad_file(0, "không phải UTF-8.", "not UTF-8.") from None
    return verify_export(export, checkpoints, trusted_key=trusted_key)
