"""``ketnap keys …``: the per-tenant keys of the personal data in events (see ``service.crypto``).

``ketnap keys generate --tenant T [--file F]`` appends a new key to the tenant's list in the key
file (``--file``, else ``KETNAP_KEY_FILE``, else ``<KETNAP_DATA_DIR>/keys.json``): the new key
encrypts what is written from then on (processes pick it up when they reopen the tenant), the
old ones stay to read older events. Nothing is re-encrypted. ``ketnap keys list`` shows the kids
(never the keys). Refusals are printed in Vietnamese and English and exit with status 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from service.bootstrap import Parts, absolute_path
from service.console import open_parts, refusals
from service.crypto import DEV_KEY_FILE_NAME, INLINE_KEYS_ENV, KeySource, keys_invalid
from service.store.registry import validate_slug


def _key_file(parts: Parts, option: Path | None) -> Path:
    """The key file to write: ``--file``, else the configured one, else the development one."""
    if option is not None:
        return absolute_path(option)
    settings = parts.settings
    if settings.key_file is not None:
        return settings.key_file
    if settings.inline_keys:
        raise keys_invalid(
            INLINE_KEYS_ENV,
            f"khóa đang lấy từ {INLINE_KEYS_ENV} (chỉ đọc), hãy dùng --file",
            f"keys come from {INLINE_KEYS_ENV} (read-only), use --file",
        )
    return settings.data_dir / DEV_KEY_FILE_NAME


@click.group()
def keys() -> None:
    """Khóa mã hóa dữ liệu cá nhân / personal-data encryption keys, per tenant."""


@keys.command("generate")
@click.option("--tenant", required=True, help="Slug of the tenant.")
@click.option(
    "--file",
    "file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Key file (default: KETNAP_KEY_FILE, else <data dir>/keys.json).",
)
@refusals
def generate(tenant: str, file: Path | None) -> None:
    """Add a new key for a tenant (rotation: older keys are kept for reading)."""
    slug = validate_slug(tenant)
    with open_parts() as parts:
        path = _key_file(parts, file)
    key = KeySource(key_file=path).generate(slug)
    click.echo(
        f"Đã tạo khóa / created key '{key.kid}' for '{slug}' in {path} "
        "(dùng cho dữ liệu ghi từ nay / used for data written from now on)"
    )


@keys.command("list")
@click.option(
    "--file",
    "file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Key file (default: KETNAP_KEY_FILE or KETNAP_TENANT_KEYS, else <data dir>/keys.json).",
)
@refusals
def list_keys(file: Path | None) -> None:
    """Show each tenant's key ids and creation times (the current key last), never the keys."""
    with open_parts() as parts:
        if file is None and parts.settings.inline_keys:
            source = KeySource.configured(key_file=None, inline=parts.settings.inline_keys)
        else:
            source = KeySource(key_file=_key_file(parts, file))
    all_keys = source.load()
    if not all_keys:
        click.echo(f"Chưa có khóa nào / no keys yet ({source.description})")
    for slug, tenant_keys in sorted(all_keys.items()):
        listed = ", ".join(f"{k.kid} ({k.created})" for k in tenant_keys)
        click.echo(f"{slug}: {listed}")
