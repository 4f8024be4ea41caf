"""``ketnap tenants backup T`` and ``ketnap tenants restore FILE``: thin click commands over
:mod:`service.tenant_backup` (which holds the logic and prints nothing). ``service.cli`` adds
them to the ``tenants`` group."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from domain.values import Role
from service.console import cli_actor, open_store, rebuild_progress, refusals
from service.escaping import printable
from service.tenant_backup import BackupSummary, backup_tenant, check_backup, restore_tenant


def _default_out(slug: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(f"{slug}-{stamp}.ketnap-backup.jsonl")


def _echo_summary(summary: BackupSummary) -> None:
    click.echo(
        f"  {summary.events} sự kiện / events, vị trí cuối / last position "
        f"{summary.last_position}, đầu chuỗi / chain head {summary.chain_head or '—'}, "
        f"{summary.checkpoints} điểm kiểm tra / checkpoints"
    )


@click.command("backup")
@click.argument("slug")
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp sao lưu / backup file (default: ./SLUG-<UTC time>.ketnap-backup.jsonl).",
)
@refusals
def tenants_backup(slug: str, out: Path | None) -> None:
    """Sao lưu / back up tenant SLUG into one file: its verified history (events, hash chain,
    checkpoints), registry record and key ids (never the keys). Written atomically."""
    target = out if out is not None else _default_out(slug)
    with open_store() as store:
        head = store.head(slug)
        with click.progressbar(length=max(head, 1), label=slug, file=sys.stderr) as bar:
            done = 0

            def advance(lines: int) -> None:
                nonlocal done
                bar.update(lines - done)
                done = lines

            result = backup_tenant(store, slug, target, progress=advance)
    click.echo(
        f"Đã sao lưu / backed up '{result.summary.tenant}' → {result.path} "
        f"({result.bytes:,} bytes, {result.seconds:.2f} s)"
    )
    _echo_summary(result.summary)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Chỉ kiểm tra tệp, không ghi gì / only verify the file offline, write nothing.",
)
@refusals
def tenants_restore(file: Path, check_only: bool) -> None:
    """Khôi phục / restore the tenant backed up in FILE, under its own slug, into a deployment
    that does not have it: all or nothing, chain verified before and after, read models
    rebuilt. The tenant's keys must already be in this deployment's key source."""
    if check_only:
        backup = check_backup(file)
        click.echo(
            f"Tệp hợp lệ, chuỗi nguyên vẹn / valid file, chain intact: '{backup.slug}' "
            f"({printable(backup.name)})"
        )
        _echo_summary(backup.summary)
        return
    with open_store() as store, rebuild_progress() as (advance, say):
        result = restore_tenant(
            store, file, actor=cli_actor(Role.PLATFORM_OPERATOR), progress=advance, say=say
        )
    imported = result.imported
    state = " [khóa / disabled]" if result.backup.disabled else ""
    click.echo(
        f"Đã khôi phục / restored '{imported.tenant}' ({printable(result.backup.name)}){state}: "
        f"chuỗi nguyên vẹn / chain intact, bảng đọc dựng lại / read models rebuilt "
        f"({imported.rebuild.events} events) in {imported.seconds:.2f} s"
    )
    _echo_summary(result.backup.summary)
