"""Signed checkpoints of the hash chain (issue 5, part 4).

A checkpoint is a statement "tenant T's chain had head hash H at position P, after N events,
at time R", signed with the deployment's Ed25519 key, that auditors keep **outside** the
system: a later ``ketnap audit verify --checkpoint FILE`` (or ``verify-file``) fails if the
history up to P no longer hashes to H — which catches what the chain alone cannot: deleting
the newest events with their links, or recomputing the whole chain.

Statement (one JSON object)::

    {"format": "ketnap-checkpoint/1", "tenant": "hn", "position": 1234, "events": 1200,
     "head_hash": "<64 hex>", "recorded_at": "<ISO 8601 UTC>",
     "public_key": "<base64 raw 32-byte Ed25519 key>", "signature": "<base64 64 bytes>"}

The signed message is the UTF-8 of ``json.dumps(fields, sort_keys=True, separators=(",",
":"), ensure_ascii=False)`` over every field except ``signature``. An empty tenant's
checkpoint has position 0, 0 events and the genesis hash (64 zeros).

The private key is a PKCS#8 PEM file (``ketnap audit keygen``) named by
``KETNAP_SIGNING_KEY_FILE`` or ``--key-file``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from domain.errors import DomainError

SIGNING_KEY_ENV = "KETNAP_SIGNING_KEY_FILE"
CHECKPOINT_FORMAT = "ketnap-checkpoint/1"


def _invalid(message_vi: str, message_en: str, field: str = "checkpoint") -> DomainError:
    return DomainError("AUDIT_CHECKPOINT_INVALID", message_vi, message_en, field=field)


# --- keys -----------------------------------------------------------------------------------


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of ``key``."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PublicKey) -> str:
    """``key`` as base64 of its raw bytes (the form used in statements)."""
    return base64.b64encode(raw_public_key(key)).decode("ascii")


def fingerprint(public_key_b64_text: str) -> str:
    """First 16 hex digits of SHA-256 of the raw public key (to compare keys by eye)."""
    return hashlib.sha256(_b64(public_key_b64_text, "public_key")).hexdigest()[:16]


def generate_key(path: Path) -> Ed25519PublicKey:
    """Write a new private key to ``path`` (mode 0600, never overwriting); its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise DomainError(
            "AUDIT_KEY_EXISTS",
            f"Tệp khóa {path} đã tồn tại; không ghi đè.",
            f"The key file {path} already exists; it is not overwritten.",
            field="out",
        ) from None
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return key.public_key()


def signing_key_path(configured: Path | None, explicit: Path | None = None) -> Path:
    """The signing key file: ``explicit`` (``--key-file``), else ``configured``
    (``KETNAP_SIGNING_KEY_FILE``, from the settings); a bilingual error when neither is set."""
    if explicit is not None:
        return explicit
    if configured is None:
        raise DomainError(
            "AUDIT_KEY_NOT_CONFIGURED",
            f"Chưa cấu hình khóa ký: đặt biến {SIGNING_KEY_ENV} (tạo bằng "
            "'ketnap audit keygen') hoặc dùng --key-file.",
            f"No signing key configured: set {SIGNING_KEY_ENV} (create one with "
            "'ketnap audit keygen') or pass --key-file.",
            field=SIGNING_KEY_ENV,
        )
    return configured


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path`` (bilingual errors if missing or not one)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DomainError(
            "AUDIT_KEY_UNREADABLE",
            f"Không đọc được tệp khóa ký {path}: {error.strerror}.",
            f"Cannot read the signing key file {path}: {error.strerror}.",
            field=SIGNING_KEY_ENV,
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(
            "AUDIT_KEY_INVALID",
            f"Tệp {path} không phải khóa riêng Ed25519 (PEM PKCS#8, không mật khẩu).",
            f"The file {path} is not an Ed25519 private key (PEM PKCS#8, unencrypted).",
            field=SIGNING_KEY_ENV,
        )
    return key


# --- statements -----------------------------------------------------------------------------


def _b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _invalid(
            f"Trường '{field}' của điểm kiểm tra không phải base64 hợp lệ.",
            f"The checkpoint's '{field}' is not valid base64.",
        ) from None


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of a tenant's chain head (see the module docstring)."""

    tenant: str
    position: int
    events: int
    head_hash: str
    recorded_at: str
    public_key: str
    signature: str

    def fields(self) -> dict[str, Any]:
        """Every field except the signature (what is signed)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "tenant": self.tenant,
            "position": self.position,
            "events": self.events,
            "head_hash": self.head_hash,
            "recorded_at": self.recorded_at,
            "public_key": self.public_key,
        }

    def as_dict(self) -> dict[str, Any]:
        """The statement as a JSON-ready object."""
        return {**self.fields(), "signature": self.signature}

    def to_json(self) -> str:
        """The statement as one line of JSON (the form stored and printed)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(", ", ": "))

    def signature_valid(self) -> bool:
        """Whether ``signature`` is the ``public_key``'s signature of :func:`signed_message`."""
        try:
            key = Ed25519PublicKey.from_public_bytes(_b64(self.public_key, "public_key"))
            key.verify(_b64(self.signature, "signature"), signed_message(self.fields()))
        except (InvalidSignature, ValueError, DomainError):
            return False
        return True

    @classmethod
    def from_dict(cls, data: object) -> Checkpoint:
        """Parse a statement object (bilingual error if malformed)."""
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise _invalid(
                f"Không phải điểm kiểm tra '{CHECKPOINT_FORMAT}'.",
                f"Not a '{CHECKPOINT_FORMAT}' checkpoint statement.",
            )
        try:
            checkpoint = cls(
                tenant=_typed(data, "tenant", str),
                position=_typed(data, "position", int),
                events=_typed(data, "events", int),
                head_hash=_typed(data, "head_hash", str),
                recorded_at=_typed(data, "recorded_at", str),
                public_key=_typed(data, "public_key", str),
                signature=_typed(data, "signature", str),
            )
        except (KeyError, TypeError) as error:
            raise _invalid(
                f"Điểm kiểm tra thiếu hoặc sai trường {error.args[0]!r}.",
                f"The checkpoint lacks field {error.args[0]!r} or has a wrong type.",
            ) from None
        if len(checkpoint.head_hash) != 64 or any(
            c not in "0123456789abcdef" for c in checkpoint.head_hash
        ):
            raise _invalid(
                "Trường 'head_hash' phải là 64 chữ số hex thường.",
                "'head_hash' must be 64 lowercase hex digits.",
            )
        return checkpoint


def _typed(data: dict[str, Any], key: str, kind: type[Any]) -> Any:
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(key)
    return value


def signed_message(fields: dict[str, Any]) -> bytes:
    """The bytes signed: canonical JSON of ``fields`` (sorted keys, no spaces, UTF-8)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign_checkpoint(
    key: Ed25519PrivateKey,
    *,
    tenant: str,
    position: int,
    events: int,
    head_hash: str,
    recorded_at: str,
) -> Checkpoint:
    """A new statement signed with ``key``."""
    unsigned = Checkpoint(
        tenant=tenant,
        position=position,
        events=events,
        head_hash=head_hash,
        recorded_at=recorded_at,
        public_key=public_key_b64(key.public_key()),
        signature="",
    )
    signature = key.sign(signed_message(unsigned.fields()))
    return Checkpoint(**{**unsigned.__dict__, "signature": base64.b64encode(signature).decode()})


def parse_checkpoints(text: str, source: str = "") -> list[Checkpoint]:
    """Statements in ``text``: one JSON object, a JSON array of them, or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        data: Any = json.loads(stripped)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        items = []
        for number, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                raise _invalid(
                    f"Tệp điểm kiểm tra {source} không phải JSON (dòng {number}).",
                    f"The checkpoint file {source} is not JSON (line {number}).",
                ) from None
    return [Checkpoint.from_dict(item) for item in items]


def load_checkpoints(paths: Sequence[Path]) -> list[Checkpoint]:
    """Statements from files (each: a JSON object, an array, or JSON Lines)."""
    checkpoints: list[Checkpoint] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise _invalid(
                f"Không đọc được tệp điểm kiểm tra {path}: {error.strerror}.",
                f"Cannot read the checkpoint file {path}: {error.strerror}.",
            ) from None
        checkpoints.extend(parse_checkpoints(text, str(path)))
    return checkpoints
