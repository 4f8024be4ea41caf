"""``ketnap keys …``: the per-tenant keys of the personal data in events (see ``service.crypto``).

``ketnap keys generate --tenant T [--file F]`` appends a new key to the tenant's list in the key
file (``--file``, else ``KETNAP_KEY_FILE``, else ``<KETNAP_DATA_DIR>/keys.json``): the new key
encrypts what is written from then on (processes pick it up when they reopen the tenant), the
old ones stay to read older events. Nothing is re-encrypted. ``ketnap keys list`` shows the kids
(never the keys).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from domain.errors import DomainError
from service.crypto import DEV_KEY_FILE_NAME, INLINE_KEYS_ENV, KEY_FILE_ENV, KeySource
from service.settings import get_settings
from service.store.registry import validate_slug


def _key_file(option: str | None) -> Path:
    if option:
        return Path(option)
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    if configured:
        return Path(configured)
    if os.environ.get(INLINE_KEYS_ENV, "").strip():
        raise click.ClickException(
            f"Khóa đang lấy từ {INLINE_KEYS_ENV} (chỉ đọc): dùng --file. / "
            f"Keys come from {INLINE_KEYS_ENV} (read-only): use --file."
        )
    return get_settings().data_dir / DEV_KEY_FILE_NAME


def _fail(error: DomainError) -> click.ClickException:
    return click.ClickException(f"[{error.code}] {error.message_vi} / {error.message_en}")


@click.group()
def keys() -> None:
    """Khóa mã hóa dữ liệu cá nhân / personal-data encryption keys, per tenant."""


@keys.command("generate")
@click.option("--tenant", required=True, help="Slug of the tenant.")
@click.option("--file", "file", default=None, help="Key file (default: KETNAP_KEY_FILE).")
def generate(tenant: str, file: str | None) -> None:
    """Add a new key for a tenant (rotation: older keys are kept for reading)."""
    try:
        slug = validate_slug(tenant)
        path = _key_file(file)
        key = KeySource(key_file=path).generate(slug)
    except DomainError as e:
        raise _fail(e) from None
    click.echo(
        f"Đã tạo khóa / created key '{key.kid}' for '{slug}' in {path} "
        "(dùng cho dữ liệu ghi từ nay / used for data written from now on)"
    )


@keys.command("list")
@click.option("--file", "file", default=None, help="Key file (default: KETNAP_KEY_FILE).")
def list_keys(file: str | None) -> None:
    """Show each tenant's key ids and creation times (the current key last), never the keys."""
    try:
        if file is None and os.environ.get(INLINE_KEYS_ENV, "").strip():
            source = KeySource.from_env()
        else:
            source = KeySource(key_file=_key_file(file))
        all_keys = source.load()
    except DomainError as e:
        raise _fail(e) from None
    for slug, tenant_keys in sorted(all_keys.items()):
        listed = ", ".join(f"{k.kid} ({k.created})" for k in tenant_keys)
        click.echo(f"{slug}: {listed}")
