"""Per-tenant keys for the personal data in events (AES-256-GCM), never kept in the database.

Where the keys come from (first that applies):

- ``KETNAP_TENANT_KEYS``: the key file's JSON inline (read-only: a tenant missing from it cannot
  write personal data until an operator adds a key);
- ``KETNAP_KEY_FILE``: a JSON key file outside the database. A tenant without a key gets one
  generated into the file on its first write of personal data (when the file is writable);
- otherwise, in the embedded SQLite mode only: ``<data_dir>/keys.json``, created on first use
  with mode 0600, so a development machine works out of the box. The PostgreSQL mode has no
  such fallback: without one of the two settings, writing personal data is refused
  (``PERSONAL_DATA_KEY_REQUIRED``).

Setting both variables is refused (``PERSONAL_DATA_KEYS_INVALID``): one source of truth.

Key file format: ``{"<tenant slug>": [{"kid": "k1-3fa9c1", "key": "<base64 of 32 bytes>",
"created": "2025-06-01T10:00:00+00:00"}, …], …}``. The *last* key of a tenant's list is the
current one (new events are encrypted with it); the earlier ones are kept to read old events.
Rotation (``ketnap keys generate``) appends a key, it re-encrypts nothing.

Every encrypted value is an envelope ``{"kid": …, "n": <nonce, base64>, "ct": <ciphertext and
tag, base64>}``; the associated data binds the envelope to the tenant, the value's type name and
the kid, so ciphertext copied into another tenant (or onto another field type) does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import DomainError

KEY_FILE_ENV = "KETNAP_KEY_FILE"
INLINE_KEYS_ENV = "KETNAP_TENANT_KEYS"
DEV_KEY_FILE_NAME = "keys.json"

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per value
AAD_PREFIX = "ketnap-personal-v1"

#: The envelope's keys; a value with exactly these keys is ciphertext.
ENVELOPE_KEYS = frozenset({"kid", "n", "ct"})


class PersonalDataError(DomainError):
    """Personal data cannot be encrypted or decrypted (missing or bad key, tampered value)."""


def key_required(tenant: str, why_vi: str, why_en: str) -> PersonalDataError:
    """No key to encrypt the personal data of ``tenant`` with: the write is refused."""
    return PersonalDataError(
        "PERSONAL_DATA_KEY_REQUIRED",
        f"Không có khóa mã hóa dữ liệu cá nhân cho đơn vị '{tenant}' ({why_vi}); không ghi "
        f"dữ liệu cá nhân khi chưa có khóa. Hãy đặt {KEY_FILE_ENV} hoặc {INLINE_KEYS_ENV} và "
        f"chạy 'ketnap keys generate --tenant {tenant}'.",
        f"No personal-data encryption key for tenant '{tenant}' ({why_en}); personal data is "
        f"never written without a key. Set {KEY_FILE_ENV} or {INLINE_KEYS_ENV} and run "
        f"'ketnap keys generate --tenant {tenant}'.",
        field="tenant",
    )


def key_missing(tenant: str, kid: str) -> PersonalDataError:
    """An event was encrypted with key ``kid``, which this process does not have."""
    return PersonalDataError(
        "PERSONAL_DATA_KEY_MISSING",
        f"Thiếu khóa '{kid}' của đơn vị '{tenant}' để đọc dữ liệu cá nhân; cần quản trị viên "
        f"cung cấp tệp khóa ({KEY_FILE_ENV}) hoặc biến {INLINE_KEYS_ENV} có khóa này.",
        f"The key '{kid}' of tenant '{tenant}' is missing, so its personal data cannot be "
        f"read; an operator must provide the key file ({KEY_FILE_ENV}) or {INLINE_KEYS_ENV} "
        "holding this key.",
        field="tenant",
    )


def unreadable(tenant: str, kid: str, type_name: str) -> PersonalDataError:
    """The ciphertext does not authenticate: wrong tenant, wrong key, or tampered bytes."""
    return PersonalDataError(
        "PERSONAL_DATA_UNREADABLE",
        f"Không giải mã được dữ liệu cá nhân ({type_name}, khóa '{kid}') của đơn vị "
        f"'{tenant}': dữ liệu bị sửa, sai khóa hoặc được chép từ đơn vị khác.",
        f"The personal data ({type_name}, key '{kid}') of tenant '{tenant}' does not decrypt: "
        "it was altered, the key is wrong, or it was copied from another tenant.",
        field="tenant",
    )


def keys_invalid(source: str, why_vi: str, why_en: str) -> PersonalDataError:
    """The key file or the inline keys cannot be used."""
    return PersonalDataError(
        "PERSONAL_DATA_KEYS_INVALID",
        f"Khóa mã hóa dữ liệu cá nhân không hợp lệ ({source}): {why_vi}.",
        f"The personal-data keys are not valid ({source}): {why_en}.",
        field=source,
    )


@dataclass(frozen=True)
class DataKey:
    """One key of a tenant: its id (stored with every value it encrypts), bytes, creation."""

    kid: str
    key: bytes
    created: str

    def as_json(self) -> dict[str, str]:
        """The key as stored in the key file."""
        return {
            "kid": self.kid,
            "key": base64.b64encode(self.key).decode(),
            "created": self.created,
        }


def new_key(existing: list[DataKey]) -> DataKey:
    """A fresh random key; its kid ``k<n>-<6 hex>`` counts the tenant's keys (``k2-…`` is the
    second) and is random enough that a key file made anew never reuses an old kid (a value
    then reports its key as missing rather than as tampered)."""
    n = len(existing) + 1
    return DataKey(
        kid=f"k{n}-{secrets.token_hex(3)}",
        key=secrets.token_bytes(KEY_BYTES),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def parse_keys(text: str, source: str) -> dict[str, list[DataKey]]:
    """Read the key-file JSON ``text`` (``source`` names it in errors)."""
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as e:
        raise keys_invalid(source, f"không phải JSON ({e})", f"not JSON ({e})") from None
    if not isinstance(raw, dict):
        raise keys_invalid(source, "phải là một đối tượng JSON", "must be a JSON object")
    result: dict[str, list[DataKey]] = {}
    for tenant, entries in raw.items():
        if not isinstance(entries, list):
            raise keys_invalid(
                source, f"'{tenant}' phải là một danh sách", f"'{tenant}' must be a list"
            )
        keys: list[DataKey] = []
        for entry in entries:
            keys.append(_parse_entry(tenant, entry, source))
        kids = [k.kid for k in keys]
        if len(set(kids)) != len(kids):
            raise keys_invalid(
                source, f"'{tenant}' có mã khóa trùng nhau", f"'{tenant}' repeats a kid"
            )
        result[str(tenant)] = keys
    return result


def _parse_entry(tenant: str, entry: Any, source: str) -> DataKey:
    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str) or not entry["kid"]:
        raise keys_invalid(
            source, f"khóa của '{tenant}' thiếu 'kid'", f"a key of '{tenant}' has no 'kid'"
        )
    try:
        key = base64.b64decode(str(entry.get("key", "")), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise keys_invalid(
            source,
            f"khóa '{entry['kid']}' của '{tenant}' phải là {KEY_BYTES} byte mã base64",
            f"key '{entry['kid']}' of '{tenant}' must be {KEY_BYTES} bytes in base64",
        )
    return DataKey(kid=entry["kid"], key=key, created=str(entry.get("created", "")))


def dump_keys(keys: Mapping[str, list[DataKey]]) -> str:
    """The key-file JSON of ``keys``."""
    return json.dumps({t: [k.as_json() for k in ks] for t, ks in keys.items()}, indent=2) + "\n"


class KeySource:
    """Where this process's keys come from: inline JSON, a key file, or nowhere.

    ``auto_create`` lets a tenant without a key get one generated into the key file on first
    use (true for ``KETNAP_KEY_FILE`` and the development file, impossible for inline keys).
    """

    def __init__(
        self,
        *,
        key_file: Path | None = None,
        inline: str | None = None,
        auto_create: bool = False,
        description: str = "",
    ) -> None:
        self.key_file = key_file
        self.inline = inline
        self.auto_create = auto_create and key_file is not None
        self.description = description or (
            str(key_file) if key_file else INLINE_KEYS_ENV if inline is not None else "none"
        )
        self._memory: dict[str, list[DataKey]] | None = None

    @classmethod
    def configured(
        cls, *, key_file: Path | None, inline: str = "", dev_key_file: Path | None = None
    ) -> KeySource:
        """The source the settings name (``KETNAP_KEY_FILE`` / ``KETNAP_TENANT_KEYS``);
        ``dev_key_file`` when they name none.

        ``dev_key_file`` is the embedded (SQLite) mode's ``<data_dir>/keys.json``; pass
        ``None`` for PostgreSQL, which then has no key until one is configured.
        """
        if key_file is not None and inline:
            raise keys_invalid(
                f"{KEY_FILE_ENV}/{INLINE_KEYS_ENV}",
                "chỉ được đặt một trong hai biến",
                "set only one of the two variables",
            )
        if inline:
            return cls(inline=inline)
        if key_file is not None:
            return cls(key_file=key_file, auto_create=True)
        if dev_key_file is not None:
            return cls(key_file=dev_key_file, auto_create=True)
        return cls()

    @classmethod
    def ephemeral(cls) -> KeySource:
        """Keys generated in memory and lost with the process (for in-memory databases)."""
        source = cls(description="memory")
        source._memory = {}
        return source

    @property
    def can_generate(self) -> bool:
        """Whether a tenant without a key gets one generated on first use."""
        return self.auto_create or self._memory is not None

    def no_key_error(self, tenant: str) -> PersonalDataError:
        """The refusal to write personal data of ``tenant``, which has no key here."""
        if self.inline is not None:
            return key_required(
                tenant,
                f"{INLINE_KEYS_ENV} không có khóa của đơn vị này",
                f"{INLINE_KEYS_ENV} has no key for this tenant",
            )
        if self.key_file is not None:
            return key_required(
                tenant,
                f"tệp khóa {self.key_file} không có khóa của đơn vị này",
                f"the key file {self.key_file} has no key for this tenant",
            )
        return key_required(
            tenant,
            f"chế độ PostgreSQL cần {KEY_FILE_ENV} hoặc {INLINE_KEYS_ENV}",
            f"PostgreSQL mode needs {KEY_FILE_ENV} or {INLINE_KEYS_ENV}",
        )

    def load(self) -> dict[str, list[DataKey]]:
        """Every tenant's keys, read now."""
        if self._memory is not None:
            return {t: list(ks) for t, ks in self._memory.items()}
        if self.inline is not None:
            return parse_keys(self.inline, INLINE_KEYS_ENV)
        if self.key_file is not None:
            try:
                text = self.key_file.read_text(encoding="utf-8")
            except FileNotFoundError:
                return {}
            except OSError as e:
                raise keys_invalid(
                    str(self.key_file), f"không đọc được tệp ({e})", f"cannot read ({e})"
                ) from None
            return parse_keys(text, str(self.key_file))
        return {}

    def generate(self, tenant: str) -> DataKey:
        """Append a new key for ``tenant`` (it becomes the current one) and return it.

        Key file: under an exclusive lock (two processes never write at once), re-read, then
        replaced atomically with mode 0600.
        """
        if self._memory is not None:
            key = new_key(self._memory.get(tenant, []))
            self._memory.setdefault(tenant, []).append(key)
            return key
        if self.key_file is None:
            raise self.no_key_error(tenant)
        with self._locked():
            keys = self.load()
            key = new_key(keys.get(tenant, []))
            keys.setdefault(tenant, []).append(key)
            self._write(keys)
        return key

    def ensure(self, tenant: str) -> DataKey:
        """The current key of ``tenant``, generating the first one when there is none."""
        if self.key_file is not None:
            with self._locked():
                keys = self.load()
                if keys.get(tenant):
                    return keys[tenant][-1]
                key = new_key([])
                keys[tenant] = [key]
                self._write(keys)
                return key
        return self.generate(tenant)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        assert self.key_file is not None
        try:
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self.key_file}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise keys_invalid(
                str(self.key_file), f"không ghi được tệp khóa ({e})", f"cannot write ({e})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _write(self, keys: Mapping[str, list[DataKey]]) -> None:
        assert self.key_file is not None
        directory = self.key_file.parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=directory)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(dump_keys(keys))
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.key_file)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as e:
            raise keys_invalid(
                str(self.key_file), f"không ghi được tệp khóa ({e})", f"cannot write ({e})"
            ) from None


class TenantKeyring:
    """One tenant's keys: encrypts with the current one, decrypts with the one a value names.

    Keys are read lazily and cached; an unknown kid triggers one re-read (another process
    may have rotated), and :meth:`reload` forgets the cache (the next write then uses the
    newest key).
    """

    def __init__(self, tenant: str, source: KeySource) -> None:
        self.tenant = tenant
        self.source = source
        self._lock = threading.Lock()
        self._keys: dict[str, DataKey] | None = None
        self._current: DataKey | None = None
        self._ciphers: dict[bytes, AESGCM] = {}

    def reload(self) -> None:
        """Forget the cached keys; they are read again on next use."""
        with self._lock:
            self._keys = None
            self._current = None

    def _load(self) -> dict[str, DataKey]:
        keys = self.source.load().get(self.tenant, [])
        self._keys = {k.kid: k for k in keys}
        self._current = keys[-1] if keys else None
        return self._keys

    def current(self) -> DataKey:
        """The key new personal data is encrypted with (generated when allowed and absent)."""
        with self._lock:
            if self._keys is None:
                self._load()
            if self._current is None:
                if not self.source.can_generate:
                    raise self.source.no_key_error(self.tenant)
                self.source.ensure(self.tenant)
                self._load()
            assert self._current is not None
            return self._current

    def key(self, kid: str) -> DataKey:
        """The key ``kid`` (re-reading the source once when it is not known)."""
        with self._lock:
            keys = self._keys if self._keys is not None else self._load()
            if kid not in keys:
                keys = self._load()
            if kid not in keys:
                raise key_missing(self.tenant, kid)
            return keys[kid]

    def _aead(self, key: DataKey) -> AESGCM:
        aead = self._ciphers.get(key.key)
        if aead is None:
            aead = self._ciphers[key.key] = AESGCM(key.key)
        return aead

    def associated_data(self, type_name: str, kid: str) -> bytes:
        """What the ciphertext is bound to: tenant, value type and key id."""
        return f"{AAD_PREFIX}|{self.tenant}|{type_name}|{kid}".encode()

    def encrypt(self, type_name: str, plaintext: bytes) -> dict[str, str]:
        """The envelope of ``plaintext`` (a value of type ``type_name``) under the current key."""
        key = self.current()
        nonce = secrets.token_bytes(NONCE_BYTES)
        ct = self._aead(key).encrypt(nonce, plaintext, self.associated_data(type_name, key.kid))
        return {
            "kid": key.kid,
            "n": base64.b64encode(nonce).decode(),
            "ct": base64.b64encode(ct).decode(),
        }

    def decrypt(self, type_name: str, envelope: Mapping[str, Any]) -> bytes:
        """The plaintext of an envelope written by :meth:`encrypt` (for this tenant and type)."""
        kid = str(envelope.get("kid"))
        key = self.key(kid)
        try:
            nonce = base64.b64decode(str(envelope["n"]), validate=True)
            ct = base64.b64decode(str(envelope["ct"]), validate=True)
            return self._aead(key).decrypt(nonce, ct, self.associated_data(type_name, kid))
        except (InvalidTag, KeyError, ValueError, binascii.Error):
            raise unreadable(self.tenant, kid, type_name) from None


def is_envelope(data: object) -> bool:
    """Whether ``data`` (a decoded JSON value) is an encrypted envelope."""
    return isinstance(data, dict) and data.keys() == ENVELOPE_KEYS


def keyring_for_sqlite(tenant: str, dbname: str, configured: KeySource) -> TenantKeyring:
    """The keyring of a tenant stored in the SQLite file ``dbname``.

    ``configured`` is the source the settings name; when it names none, the development key
    file ``<data_dir>/keys.json`` of ``<data_dir>/tenants/<slug>.sqlite``, and in-memory keys
    for an in-memory database.
    """
    if configured.key_file is not None or configured.inline is not None:
        return TenantKeyring(tenant, configured)
    if dbname == ":memory:" or dbname.startswith("file:"):
        return TenantKeyring(tenant, KeySource.ephemeral())
    data_dir = Path(dbname).resolve().parent.parent
    return TenantKeyring(tenant, KeySource(key_file=data_dir / DEV_KEY_FILE_NAME, auto_create=True))


def keyring_for_postgres(tenant: str, configured: KeySource) -> TenantKeyring:
    """The keyring of a tenant stored in PostgreSQL: only an explicitly configured source."""
    return TenantKeyring(tenant, configured)
