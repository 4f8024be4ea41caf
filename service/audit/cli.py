"""``ketnap audit …``: the auditors' commands (Ủy ban Kiểm tra).

Thin click commands over the audit capabilities, which hold the logic and print nothing:
the hash chain (``service.store.chain``, ``service.store.tenant_chain``), verification
(``service.audit.verify``), signed checkpoints (``service.audit.checkpoints``,
``service.audit.recording``), export and offline verification (``service.audit.export``),
import (``service.audit.importing``), replay-and-compare (``service.audit.replay``) and the
access log (``service.audit.access_log``). ``service.cli`` adds :data:`audit` to ``ketnap``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from domain.errors import DomainError
from projections.runner import BatchReport
from service.audit.access_log import DEFAULT_PAGE, access_entries, parse_time
from service.audit.checkpoints import (
    SIGNING_KEY_ENV,
    Checkpoint,
    fingerprint,
    generate_key,
    load_checkpoints,
    load_signing_key,
    public_key_b64,
    signing_key_path,
)
from service.audit.export import export_tenant, export_to_file, verify_file
from service.audit.importing import import_tenant
from service.audit.recording import record_checkpoint
from service.audit.replay import DEFAULT_LIMIT, ReadModelComparison, parse_date, replay_and_compare
from service.audit.verify import VerifyResult, result_as_dict, verify_tenant
from service.bootstrap import absolute_path
from service.console import (
    echo_error,
    open_parts,
    open_store,
    rebuild_progress,
    refusals,
    tenant_slugs,
)
from service.escaping import printable
from service.store import TenantKind
from service.store.tenant_chain import init_tenant

P = ParamSpec("P")
R = TypeVar("R")


@click.group()
def audit() -> None:
    """Kiểm tra / audit: hash chain, verification, checkpoints, export, replay."""


# --- hash chain -----------------------------------------------------------------------------


@audit.command("chain")
@click.option("--init", "init", is_flag=True, help="Khởi tạo chuỗi / link unlinked events.")
@click.option("--tenant", default=None, help="Đơn vị / tenant slug (default: all).")
@refusals
def chain_command(init: bool, tenant: str | None) -> None:
    """Chuỗi băm / hash chain: ``--init`` links the events of tenants created before it.

    Safe to run again: it only links events that have no link yet, continuing the chain.
    """
    if not init:
        raise DomainError(
            "AUDIT_CHAIN_USAGE",
            "Dùng 'ketnap audit chain --init [--tenant T]'.",
            "Use 'ketnap audit chain --init [--tenant T]'.",
        )
    with open_store() as store:
        for slug in tenant_slugs(store, tenant):
            result = init_tenant(store, slug)
            click.echo(
                f"{slug}: đã liên kết {result.linked} sự kiện mới ({result.already_linked} đã "
                f"có) / linked {result.linked} new events ({result.already_linked} already "
                "linked)"
            )


# --- verification ---------------------------------------------------------------------------


def echo_result(result: VerifyResult, *, as_json: bool = False) -> None:
    """Print ``result`` (bilingual summary, or one JSON object)."""
    if as_json:
        click.echo(json.dumps(result_as_dict(result), ensure_ascii=False))
        return
    vi, en = result.summary()
    click.echo(vi)
    click.echo(f"  {en}")
    b = result.first_break
    if b is not None and (b.expected or b.found):
        click.echo(f"  đã lưu / expected: {b.expected}")
        click.echo(f"  tính lại / found:  {b.found}")
    for check in result.checkpoints:
        c = check.checkpoint
        state = {True: "khớp / matches", False: "KHÔNG khớp / does NOT match"}.get(
            check.matches,  # type: ignore[arg-type]
            "chưa kiểm / not reached",
        )
        click.echo(
            f"  điểm kiểm tra / checkpoint {c.recorded_at} @ {c.position}: {state}; chữ ký / "
            f"signature {'OK' if check.signature_valid else 'SAI / BAD'}"
            + ("" if check.key_trusted is not False else "; khóa lạ / untrusted key")
        )


def checkpoint_options(command: Callable[P, R]) -> Callable[P, R]:
    """``--checkpoint FILE`` (repeatable) and ``--public-key B64``: what history is checked
    against, the same for ``verify`` and ``verify-file``."""
    command = click.option(
        "--public-key", default=None, help="Khóa công khai tin cậy (base64) / trusted key."
    )(command)
    return click.option(
        "--checkpoint",
        "checkpoint_files",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Tệp điểm kiểm tra đã lưu / saved checkpoint file (repeatable).",
    )(command)


@audit.command("verify")
@click.option("--tenant", default=None, help="Đơn vị / tenant slug (default: all).")
@checkpoint_options
@click.option("--json", "as_json", is_flag=True, help="JSON output (one object per tenant).")
@refusals
def verify_command(
    tenant: str | None, checkpoint_files: tuple[Path, ...], public_key: str | None, as_json: bool
) -> None:
    """Kiểm tra chuỗi băm / verify the hash chain: exit 0 intact, 1 broken, 2 refusal."""
    checkpoints = load_checkpoints(checkpoint_files)
    broken = False
    with open_store() as store:
        for slug in tenant_slugs(store, tenant):
            try:
                result = verify_tenant(store, slug, checkpoints, trusted_key=public_key)
            except DomainError as error:
                if tenant is not None:
                    raise
                echo_error(error)
                broken = True
                continue
            echo_result(result, as_json=as_json)
            broken = broken or not result.intact
    sys.exit(1 if broken else 0)


# --- checkpoints ----------------------------------------------------------------------------


@audit.command("keygen")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp khóa riêng mới / new private key file (PEM, mode 0600).",
)
@refusals
def keygen_command(out: Path) -> None:
    """Tạo khóa ký Ed25519 / create the deployment's Ed25519 signing key."""
    public = public_key_b64(generate_key(out))
    click.echo(f"Đã ghi khóa riêng / private key written: {out}")
    click.echo(f"Khóa công khai / public key: {public}")
    click.echo(f"Dấu vân tay / fingerprint: {fingerprint(public)}")
    click.echo(f"Đặt / set {SIGNING_KEY_ENV}={out.absolute()}")


@audit.command("checkpoint")
@click.option("--tenant", default=None, help="Đơn vị / tenant slug (default: all).")
@click.option(
    "--key-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Khóa riêng / private key (default: ${SIGNING_KEY_ENV}).",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ghi thêm ra tệp JSON / also write a JSON array to this file.",
)
@refusals
def checkpoint_command(tenant: str | None, key_file: Path | None, out: Path | None) -> None:
    """Ký đầu chuỗi / sign each tenant's chain head; prints one statement (JSON) per line."""
    taken: list[Checkpoint] = []
    with open_parts() as parts:
        chosen = absolute_path(key_file) if key_file is not None else None
        key = load_signing_key(signing_key_path(parts.settings.signing_key_file, chosen))
        store = parts.store
        for slug in tenant_slugs(store, tenant):
            checkpoint = record_checkpoint(store, slug, key)
            taken.append(checkpoint)
            click.echo(checkpoint.to_json())
    if out is not None:
        text = json.dumps([c.as_dict() for c in taken], ensure_ascii=False, indent=2)
        out.write_text(text + "\n", encoding="utf-8")


# --- export ---------------------------------------------------------------------------------


@audit.command("export")
@click.option("--tenant", required=True, help="Đơn vị / tenant slug.")
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp đích / output file (default: standard output).",
)
@refusals
def export_command(tenant: str, out: Path | None) -> None:
    """Xuất toàn bộ lịch sử / export a tenant's full history as JSON Lines."""
    with open_store() as store:
        slug = tenant_slugs(store, tenant)[0]
        if out is None:
            counts = export_tenant(store, slug, sys.stdout)
        else:
            counts = export_to_file(store, slug, out)
    click.echo(
        f"{slug}: {counts.events} sự kiện / events, {counts.links} liên kết / links, "
        f"{counts.checkpoints} điểm kiểm tra / checkpoints",
        err=True,
    )


@audit.command("verify-file")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@checkpoint_options
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@refusals
def verify_file_command(
    file: Path, checkpoint_files: tuple[Path, ...], public_key: str | None, as_json: bool
) -> None:
    """Kiểm tra tệp xuất, không cần CSDL / verify an export offline: exit 0, 1 broken, 2."""
    result = verify_file(file, load_checkpoints(checkpoint_files), trusted_key=public_key)
    echo_result(result, as_json=as_json)
    sys.exit(0 if result.intact else 1)


# --- import ---------------------------------------------------------------------------------


@audit.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--tenant", default=None, help="Phải trùng mã trong tệp / must equal the file's tenant."
)
@click.option("--name", default=None, help="Tên đơn vị / tenant name (default: the slug).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in TenantKind]),
    default=TenantKind.OTHER.value,
    show_default=True,
)
@refusals
def import_command(file: Path, tenant: str | None, name: str | None, kind: str) -> None:
    """Restore a tenant from export FILE into this deployment (the tenant must not exist)."""
    with open_store() as store, rebuild_progress() as (advance, say):
        result = import_tenant(
            store, file, tenant=tenant, name=name, kind=kind, progress=advance, say=say
        )
    click.echo(
        f"Đã nhập / imported '{result.tenant}': {result.events} sự kiện / events, "
        f"{result.checkpoints} điểm kiểm tra / checkpoints; chuỗi nguyên vẹn / chain intact, "
        f"head {result.head_position} {result.head_hash}; bảng đọc dựng lại / read models "
        f"rebuilt ({result.rebuild.events} events) in {result.seconds:.2f} s"
    )


# --- replay ---------------------------------------------------------------------------------


def echo_comparison(result: ReadModelComparison, *, reference_label: str = "replay") -> None:
    """Print a comparison: one line per table, then the first differences of each."""
    if result.as_of is not None:
        click.echo(
            f"Theo ngày nghiệp vụ / as of business date {result.as_of.isoformat()} "
            "(ghi nhận hiện tại / as recorded now)"
        )
    if result.lagging:
        click.echo(
            f"Lưu ý: bảng đọc đang chạy chưa cập nhật đến vị trí {result.head}; so sánh tại vị trí "
            "đã đạt được. / Note: the live read models have not reached position "
            f"{result.head}; compared at the positions they reached."
        )
    for problem in result.problems:
        click.echo(f"  ! {problem}")
    for table in result.tables:
        if table.equal:
            click.echo(
                f"  {table.table}: bằng nhau / equal ({table.live_rows} rows, P={table.position})"
            )
            continue
        click.echo(
            f"  {table.table}: KHÁC / DIFFERS — live {table.live_rows} rows, {reference_label} "
            f"{table.reference_rows} rows; thiếu / missing {table.missing}, "
            f"thừa / extra {table.extra} [{table.rule}]"
        )
        for difference in table.differences:
            click.echo(f"      {printable(difference.describe())}")
        # A "changed" difference stands for one missing and one extra row.
        shown = sum(2 if d.kind == "changed" else 1 for d in table.differences)
        total = table.missing + table.extra
        if shown < total:
            click.echo(f"      … (đã hiện / shown {shown} of {total} differing rows)")


@audit.command("replay")
@click.option("--tenant", required=True, help="Đơn vị / tenant slug.")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    help="So sánh theo ngày nghiệp vụ / compare what the read models say as of this date.",
)
@click.option(
    "--limit",
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Số dòng khác hiển thị mỗi bảng / differing rows shown per table.",
)
@refusals
def replay_command(tenant: str, as_of: str | None, limit: int) -> None:
    """Rebuild TENANT's read models in a scratch store and compare them with the live ones.

    Exit 0 when every table is equal, 1 on any difference, 2 on a refusal.
    """
    day = parse_date(as_of)
    with open_store() as store:
        slug = store.registry.get(tenant).slug
        head = store.head(slug)
        click.echo(
            f"Phát lại {head} sự kiện của '{slug}' vào bảng tạm… / "
            f"replaying {head} events of '{slug}' into scratch read models…",
            err=True,
        )
        with click.progressbar(length=max(head, 1), label=slug, file=sys.stderr) as bar:

            def advance(batch: BatchReport) -> None:
                bar.update(batch.events)

            result = replay_and_compare(store, slug, as_of=day, limit=limit, progress=advance)
    echo_comparison(result)
    if result.equal:
        click.echo(
            f"Khớp: bảng đọc đang chạy bằng bản phát lại ({len(result.tables)} bảng, "
            f"{result.replayed_events} sự kiện, {result.seconds:.2f} s). / Equal: the live read "
            f"models match the replay ({len(result.tables)} tables)."
        )
        return
    click.echo(
        f"KHÔNG KHỚP: {len(result.differing_tables)} bảng khác. / "
        f"DIFFERENT: {len(result.differing_tables)} table(s) differ.",
    )
    sys.exit(1)


# --- access log -----------------------------------------------------------------------------


@audit.command("access-log")
@click.option("--tenant", required=True, help="Đơn vị / tenant slug.")
@click.option("--candidate", default=None, help="Chỉ hồ sơ này / only this candidate id.")
@click.option("--actor", default=None, help="Chỉ người này / only this user id.")
@click.option("--since", default=None, help="Từ / from (ISO time, UTC if no offset).")
@click.option("--until", default=None, help="Đến trước / before (ISO time).")
@click.option("--after", type=int, default=None, help="Trang tiếp sau mục / page after this id.")
@click.option("--limit", type=int, default=DEFAULT_PAGE, show_default=True)
@refusals
def access_log_command(
    tenant: str,
    candidate: str | None,
    actor: str | None,
    since: str | None,
    until: str | None,
    after: int | None,
    limit: int,
) -> None:
    """Who read which candidate's personal fields, newest first (nhật ký truy cập)."""
    with open_store() as store:
        page = access_entries(
            store,
            tenant,
            actor=actor,
            candidate=candidate,
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            after=after,
            limit=limit,
        )
    for entry in page.entries:
        click.echo(
            f"{entry.id:>8}  {entry.recorded_at.strftime('%Y-%m-%d %H:%M:%S')}  "
            f"{printable(entry.actor_id)} ({printable(entry.role)})  "
            f"{printable(entry.candidate_id)}  {printable(entry.purpose)}"
        )
    if not page.entries:
        click.echo("Không có mục nào / no entries")
    if page.next_after is not None:
        click.echo(f"… trang tiếp / next page: --after {page.next_after}")
