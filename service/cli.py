"""The ``ketnap`` command line: tenants, the demo tenant, a look at a tenant's history, serve,
the projection worker and the read models (``projections status`` / ``rebuild`` / ``retry``).

Every command takes its parts from ``service.bootstrap`` (settings read once from the
environment, see ``service.settings``; paths made absolute): the embedded SQLite store in
``./ketnap-data`` (of the directory the command runs in) by default, PostgreSQL when ``KETNAP_DATABASE_URL`` is set. Refusals are
printed in Vietnamese and English and exit with status 2.

``ketnap worker`` follows every tenant (PostgreSQL; see ``service.worker``). In SQLite mode
projections run inline after each command, so it only catches every tenant up once, says so,
and exits 0.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click

import domain
from domain.commands import DisableTenant, EnableTenant, MergeTenant
from domain.errors import DomainError
from domain.quotas import Period
from domain.values import Actor, DocumentRef, Role
from projections import all_projections
from projections.runner import BatchReport, RunReport
from service.api.cli import run_server, token
from service.audit.cli import audit
from service.bootstrap import configure_logging
from service.case_import.cli import import_group
from service.console import cli_actor, open_parts, refusals, tenant_slugs
from service.demo import DEMO_SLUG, merged_slug, seed_demo
from service.escaping import printable
from service.forms.cli_errors import form_required, output_required
from service.forms.figures import form_kind
from service.forms.pdf import settings_font
from service.forms.produce import produce
from service.forms.text import output_format
from service.keys_cli import keys
from service.reports import report_lines
from service.store import Store, TenantApplication, TenantKind
from service.tenant_backup_cli import tenants_backup, tenants_restore
from service.tenant_merge import run_merge

if TYPE_CHECKING:
    from service.bootstrap import Parts

PAGE = 1000


def _operator() -> Actor:
    return cli_actor(Role.PLATFORM_OPERATOR)


#: The demo's figures shown after seeding: the 2020–2025 term, at its year-end.
DEMO_PERIOD = Period.term(2020, 2025)


def _has_tenant(store: Store, slug: str) -> bool:
    return any(t.slug == slug for t in store.registry.list())


def iter_notifications(app: TenantApplication) -> Iterator[Any]:
    """Every stored event of a tenant, in order, read in pages."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            return
        yield from page
        start = page[-1].id + 1


def event_type_counts(app: TenantApplication) -> Counter[str]:
    """How many events of each type the tenant has ("Candidate.Rejected": 12, …)."""
    return Counter(n.topic.rsplit(":", 1)[-1] for n in iter_notifications(app))


@click.group()
def main() -> None:
    """Ketnap: kết nạp đảng viên — admission work of many party committees, event-sourced."""


@main.group()
def tenants() -> None:
    """Tenants (đơn vị sử dụng): one party committee each."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Tên đầy đủ / full name of the committee.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in TenantKind]),
    default=TenantKind.PROVINCIAL_ENTERPRISE_BLOC.value,
    show_default=True,
)
@refusals
def tenants_create(slug: str, name: str, kind: str) -> None:
    """Create a tenant SLUG (lowercase letters, digits, _)."""
    with open_parts() as parts:
        tenant = parts.handlers.create_tenant(_operator(), slug, name, kind)
        click.echo(
            f"Đã tạo / created: {tenant.slug} — {printable(tenant.name)} ({tenant.kind.value})"
        )


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@refusals
def tenants_list(as_json: bool) -> None:
    """List tenants."""
    with open_parts() as parts:
        store = parts.store
        rows = store.registry.list()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"slug": t.slug, "name": t.name, "kind": t.kind.value, "disabled": t.disabled}
                    for t in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        click.echo("Chưa có đơn vị sử dụng nào / no tenants yet (try: ketnap demo)")
    for t in rows:
        state = " [khóa / disabled]" if t.disabled else ""
        if t.merged_into is not None and t.merged_on is not None:
            state = f" [hợp nhất vào / merged into {t.merged_into} {t.merged_on:%d/%m/%Y}]"
        click.echo(f"{t.slug:24} {t.kind.value:28} {printable(t.name)}{state}")


REASON = click.option(
    "--reason", required=True, help="Lý do / why (kept in the platform's history)."
)


@tenants.command("disable")
@click.argument("slug")
@REASON
@refusals
def tenants_disable(slug: str, reason: str) -> None:
    """Disable a tenant: its history stays readable, nothing more can be recorded (in every
    running server within a second)."""
    with open_parts() as parts:
        parts.handlers.handle_platform(_operator(), DisableTenant(slug=slug, reason=reason))
    click.echo(f"Đã khóa / disabled: {slug}")


@tenants.command("enable")
@click.argument("slug")
@REASON
@refusals
def tenants_enable(slug: str, reason: str) -> None:
    """Enable a disabled tenant again."""
    with open_parts() as parts:
        parts.handlers.handle_platform(_operator(), EnableTenant(slug=slug, reason=reason))
    click.echo(f"Đã mở khóa / enabled: {slug}")


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so a stored value cannot forge a line."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


@tenants.command("merge")
@click.argument("slug")
@click.option("--into", required=True, help="Đơn vị sử dụng nhận / the tenant merged into.")
@click.option(
    "--on",
    "effective_on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Ngày hợp nhất / the date it takes effect (YYYY-MM-DD).",
)
@click.option(
    "--under-unit", required=True, help="Mã đơn vị nhận / the target's unit to move under."
)
@click.option("--doc-kind", default="Nghị quyết", show_default=True, help="Loại văn bản.")
@click.option("--doc-number", required=True, help="Số văn bản / the decision's number.")
@click.option(
    "--doc-date",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Ngày văn bản / the decision's date (YYYY-MM-DD).",
)
@click.option("--doc-issuer", required=True, help="Cơ quan ban hành / the issuing body.")
@REASON
@refusals
def tenants_merge(
    slug: str,
    into: str,
    effective_on: datetime,
    under_unit: str,
    doc_kind: str,
    doc_number: str,
    doc_date: datetime,
    doc_issuer: str,
    reason: str,
) -> None:
    """Merge a tenant into another (hợp nhất): the source is closed by a signed checkpoint
    (KETNAP_SIGNING_KEY_FILE), its open units and cases move to the target. Run it again to
    resume an interrupted merge."""
    command = MergeTenant(
        slug=slug,
        into=into,
        effective_on=effective_on.date(),
        under_unit=under_unit,
        document=DocumentRef(doc_kind, doc_number, doc_date.date(), doc_issuer),
        reason=reason,
    )

    def tell(p: Any) -> None:
        click.echo(f"  {p.phase}: {p.units} đơn vị / units, {p.cases} hồ sơ / cases", err=True)

    with open_parts() as parts:
        summary = run_merge(parts.handlers, _operator(), command, progress=tell)
    click.echo(
        f"Đã hợp nhất / merged: {slug} → {into} ({summary.effective_on:%d/%m/%Y}): "
        f"{summary.units} đơn vị / units, {summary.cases} hồ sơ / cases; "
        f"trùng mã / collisions: {', '.join(summary.collisions) or '—'}; "
        f"điểm kiểm tra đóng sổ / closing checkpoint @ {summary.checkpoint_position} "
        f"{summary.checkpoint_head_hash}"
    )
    if summary.left_behind:
        click.echo(
            "Ở lại đơn vị cũ (đơn vị đã giải thể) / left in the source (unit dissolved): "
            + ", ".join(summary.left_behind)
        )


@tenants.command("history")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@refusals
def tenants_history(slug: str, as_json: bool) -> None:
    """The platform history of a tenant: created, disabled, enabled — who, when, why."""
    with open_parts() as parts:
        events = parts.store.registry.history(slug)
    if as_json:
        rows = [
            {
                "change": e.change.value,
                "actor": e.actor.user_id,
                "role": e.actor.role.value,
                "reason": e.reason,
                "recordedAt": e.recorded_at.isoformat(),
            }
            for e in events
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for e in events:
        when = e.recorded_at.astimezone(UTC).isoformat(timespec="seconds")
        reason = f" — {_printable(e.reason)}" if e.reason else ""
        click.echo(f"{when} {e.change.value:9} {_printable(e.actor.user_id)}{reason}")


def _print_summary(app: TenantApplication, merged: TenantApplication | None = None) -> None:
    """The tenant's events by type, and whether every type is present (in it or, for the demo,
    in the tenant ``merged`` into it, whose history ends with the closing event)."""
    counts = event_type_counts(app)
    click.echo(f"Sự kiện / events: {sum(counts.values())}")
    for name, count in sorted(counts.items()):
        click.echo(f"  {name:45} {count:6}")
    every_type = domain.event_type_names()
    present = set(counts) | (set(event_type_counts(merged)) if merged is not None else set())
    missing = sorted(set(every_type) - present)
    if missing:
        click.echo(f"Chưa có loại sự kiện / event types not present: {', '.join(missing)}")
    else:
        click.echo(f"Đủ {len(every_type)} loại sự kiện / all event types present")


def _unknown_projection(names: set[str]) -> DomainError:
    known = ", ".join(p.name for p in all_projections())
    wanted = ", ".join(sorted(names))
    return DomainError(
        "PROJECTION_NOT_FOUND",
        f"Không có bảng đọc (projection) {wanted}; các projection hiện có: {known}.",
        f"There is no projection {wanted}; the projections are: {known}.",
        field="projection",
    )


def _project(parts: Parts, tenant: str) -> None:
    """Bring ``tenant``'s read models up to date (once) and print a few figures."""
    read_models = parts.read_models
    report = read_models.catch_up(tenant)
    if report.events:
        click.echo(
            f"Bảng đọc / read models: {report.events} sự kiện / events in {report.seconds:.2f} s"
            f" = {report.events_per_second:,.0f} events/s"
        )
    with read_models.read(tenant) as tx:
        for line in report_lines(tx, DEMO_PERIOD, DEMO_PERIOD.end):
            click.echo(printable(line))
    click.echo(f"Xem thêm / more: ketnap report --tenant {tenant} --period 2024 --as-of 2024-12-31")


@main.command()
@click.option("--tenant", default=DEMO_SLUG, show_default=True, help="Slug of the demo tenant.")
@click.option(
    "--candidates",
    default=200,
    show_default=True,
    type=click.IntRange(0, 20000),
    help="Generated cases on top of the scripted ones.",
)
@click.option("--seed", default=2025, show_default=True, help="Random seed (same seed, same data).")
@refusals
def demo(tenant: str, candidates: int, seed: int) -> None:
    """Create a demo tenant modelled on the seed articles: a provincial enterprise bloc."""
    with open_parts() as parts:
        store = parts.store
        if _has_tenant(store, tenant):
            click.echo(f"Đơn vị mẫu «{tenant}» đã có / the demo tenant '{tenant}' already exists.")
            _print_summary(store.app(tenant, write=False))
            return
        started = time.perf_counter()
        report = seed_demo(
            parts.handlers,
            tenant=tenant,
            candidates=candidates,
            seed=seed,
            progress=lambda message: click.echo(f"… {message}"),
        )
        elapsed = time.perf_counter() - started
        click.echo(
            f"Đã tạo / created '{tenant}': {report.units} đơn vị / units, {report.quota_plans} "
            f"chỉ tiêu / quota plans, {report.candidates} hồ sơ / cases in {elapsed:.1f} s"
        )
        for refusal in report.refused:
            click.echo(f"  bị từ chối / refused: {refusal}")
        _print_summary(store.app(tenant, write=False), store.app(merged_slug(tenant), write=False))
        _project(parts, tenant)


@main.command()
@click.option("--tenant", required=True, help="Tenant slug.")
@click.option(
    "--period",
    default=None,
    help="2020-2025 (term), 2024 (year), 2024-Q3 (quarter) or 2024-07 (month); default: the "
    "year of --as-of.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Business date (YYYY-MM-DD) the figures stand at; default: today.",
)
@click.option(
    "--recorded-at",
    "--as-recorded-at",
    "recorded_at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]),
    default=None,
    help="Show what the system knew at this time (UTC); default: everything recorded.",
)
@click.option(
    "--form",
    "form",
    default=None,
    help="Biểu mẫu / a committee's form: new-members, membership-change, attainment "
    "(docs/reports.md); default: the text report.",
)
@click.option(
    "--format",
    "output_name",
    default="text",
    show_default=True,
    help="text, xlsx, pdf, csv or json (xlsx and pdf: to --output, or to a pipe).",
)
@click.option(
    "--output",
    "output_file",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write the form to (default: standard output).",
)
@click.option(
    "--unit", "unit_code", default=None, help="Mã đơn vị / unit code (default: the root)."
)
@refusals
def report(
    tenant: str,
    period: str | None,
    as_of: datetime | None,
    recorded_at: datetime | None,
    form: str | None,
    output_name: str,
    output_file: str | None,
    unit_code: str | None,
) -> None:
    """Quota attainment, pipeline, structure and audit figures of a tenant (báo cáo), as of a
    business date and as recorded at a time; with --form, a committee's form (biểu mẫu) as
    text, XLSX, PDF, CSV or JSON (docs/reports.md)."""
    day = as_of.date() if as_of else date.today()
    chosen = Period.parse(period) if period else Period.year(day.year)
    moment = recorded_at.replace(tzinfo=UTC) if recorded_at else None
    output = output_format(output_name)
    if form is None and (output.name != "text" or unit_code or output_file):
        raise form_required()
    if form is not None:
        form_kind(form)  # a bad name is refused before the store is opened
        if output.binary and output_file is None and sys.stdout.isatty():
            raise output_required(output.name)
    with open_parts() as parts:
        committee = parts.store.registry.get(tenant).name  # bilingual NotFound if unknown
        read_models = parts.read_models
        if read_models.inline:
            read_models.catch_up(tenant)
        font = settings_font(parts.settings) if output.name == "pdf" else None
        with read_models.read(tenant) as tx:
            if form is None:
                for line in report_lines(tx, chosen, day, moment):
                    click.echo(printable(line))
                return
            data, name = produce(
                tx,
                tenant=tenant,
                committee=committee,
                form=form,
                output=output,
                period=chosen,
                as_of=day,
                recorded_at=moment,
                unit_code=unit_code,
                font=font,
            )
    if output_file is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with open(output_file, "wb") as out:
        out.write(data)
    click.echo(f"Đã ghi / written: {output_file} ({len(data):,} byte; {name})", err=True)


@main.command()
@click.option("--tenant", required=True, help="Tenant slug.")
@click.option(
    "--last",
    default=20,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="How many of the latest events.",
)
@refusals
def events(tenant: str, last: int) -> None:
    """Show the latest events of a tenant's history (position, type, business date, actor)."""
    with open_parts() as parts:
        app = parts.store.app(tenant, write=False)
        maximum = app.recorder.max_notification_id() or 0
        start = max(1, maximum - last + 1)
        for n in app.recorder.select_notifications(start=start, limit=last):
            event = app.mapper.to_domain_event(n)
            occurred = getattr(event, "occurred_on", None)
            actor = getattr(event, "actor", None)
            when = occurred.isoformat() if isinstance(occurred, date) else "-"
            # stored text from a client (a token's sub): escaped, it cannot forge a line
            who = printable(actor.user_id) if isinstance(actor, Actor) else "-"
            kind = printable(n.topic.rsplit(":", 1)[-1])
            click.echo(f"{n.id:7} {kind:42} {when:10} {who}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--demo/--no-demo",
    "with_demo",
    default=True,
    show_default=True,
    help="Seed the demo tenant first if it does not exist.",
)
@refusals
def serve(host: str, port: int, with_demo: bool) -> None:
    """Serve the GraphQL API at http://HOST:PORT/graphql (uvicorn), seeding the demo first."""
    with open_parts() as parts:
        store = parts.store
        if with_demo and not _has_tenant(store, DEMO_SLUG):
            seed_demo(parts.handlers, progress=lambda message: click.echo(f"… {message}"))
        click.echo(
            f"Kho dữ liệu / store: {store.backend}; đơn vị sử dụng / tenants: "
            + ", ".join(t.slug for t in store.registry.list())
        )
        if with_demo:
            _project(parts, DEMO_SLUG)
        run_server(parts, host=host, port=port, demo=with_demo)


@main.command()
@click.option(
    "--poll-interval",
    default=None,
    type=click.FloatRange(0.05, 3600),
    help="Seconds between safety polls (in case a notification was missed); default: "
    "KETNAP_WORKER_POLL_INTERVAL, else 5.",
)
@click.option(
    "--takeover-interval",
    default=None,
    type=click.FloatRange(0.05, 3600),
    help="Seconds between rounds of taking over tenants whose worker died, and rebalancing; "
    "default: KETNAP_WORKER_TAKEOVER_INTERVAL, else 5.",
)
@click.option(
    "--name",
    default=None,
    help="application_name of the worker's connection (pg_stat_activity); default: "
    "KETNAP_WORKER_NAME, else ketnap-worker.",
)
@click.option(
    "--log-level",
    default=None,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Default: KETNAP_LOG_LEVEL, else INFO.",
)
@refusals
def worker(
    poll_interval: float | None,
    takeover_interval: float | None,
    name: str | None,
    log_level: str | None,
) -> None:
    """Keep every tenant's read models up to date (PostgreSQL; stop with SIGTERM or Ctrl-C)."""
    from service.observability.exposition import metrics_for
    from service.worker import WorkerOptions, run_worker

    with open_parts() as parts:
        store = parts.store
        settings = parts.settings
        if store.backend != "postgres":
            click.echo(
                "Chế độ SQLite: bảng đọc được cập nhật ngay sau mỗi lệnh, không cần tiến trình "
                "worker; đã cập nhật bù tất cả đơn vị một lần.\n"
                "SQLite mode: projections run inline after each command, no worker process is "
                "needed; every tenant was caught up once."
            )
            for tenant in store.registry.list():
                _echo_report(parts.read_models.catch_up(tenant.slug))
            return
        # Projections decode personal data: without the keys every tenant with candidates
        # would fail batch after batch. Refuse at once, bilingually, instead.
        if parts.keys.key_file is None and parts.keys.inline is None:
            raise DomainError(
                "PERSONAL_DATA_KEYS_NOT_CONFIGURED",
                "Tiến trình worker cần khóa dữ liệu cá nhân của các đơn vị để cập nhật bảng đọc: "
                "hãy đặt KETNAP_KEY_FILE hoặc KETNAP_TENANT_KEYS (như cho dịch vụ).",
                "The worker needs the tenants' personal-data keys to update the read models: "
                "set KETNAP_KEY_FILE or KETNAP_TENANT_KEYS (as for the service).",
                field="KETNAP_KEY_FILE",
            )
        options = WorkerOptions(
            name=name or settings.worker_name,
            poll_interval=poll_interval or settings.worker_poll_interval,
            takeover_interval=takeover_interval or settings.worker_takeover_interval,
            test_delay=settings.worker_test_delay,
        )
        configure_logging(settings, log_level.upper() if log_level else None)
        # Its own metrics port (KETNAP_METRICS_PORT): what it projected, its pool; the lag of
        # every tenant is the servers' to report (they read it for /readyz too).
        metrics = metrics_for(settings, store, parts.read_models, worker=True)
        try:
            run_worker(store, options, read_models=parts.read_models)
        finally:
            if metrics is not None:
                metrics.stop()


@main.group()
def projections() -> None:
    """Read models (bảng đọc): where they stand, rebuilding them from history."""


def _echo_report(report: RunReport) -> None:
    click.echo(
        f"{report.tenant}: {report.events} events in {report.seconds:.2f} s"
        f" = {report.events_per_second:,.0f} events/s"
    )


@projections.command("status")
@click.option("--tenant", default=None, help="Only this tenant (default: all).")
@refusals
def projections_status(tenant: str | None) -> None:
    """Each projection of each tenant: version, position, head, lag, last update."""
    with open_parts() as parts:
        store = parts.store
        rows = [s for slug in tenant_slugs(store, tenant) for s in parts.read_models.status(slug)]
    header = ("tenant", "projection", "version", "position", "head", "lag", "updated at")
    table = [header] + [
        (
            s.tenant,
            s.projection,
            str(s.version),
            str(s.position),
            str(s.head),
            str(s.lag),
            s.updated_at.strftime("%Y-%m-%d %H:%M:%S") if s.updated_at else "-",
        )
        for s in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    numeric = {2, 3, 4, 5}
    for row in table:
        cells = [
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())
    if not rows:
        click.echo("Chưa có đơn vị sử dụng nào / no tenants yet")
    failures = {(s.tenant, s.failure.projection): s.failure for s in rows if s.failure}
    if failures:
        click.echo("")
        click.echo("Bảng đọc bị dừng do lỗi / projections stopped by a failure:")
    for failure in failures.values():
        click.echo(
            f"  FAILED {failure.tenant} {failure.projection} at position {failure.position}"
            f" (attempt {failure.attempts}, next try {failure.retry_at:%Y-%m-%d %H:%M:%S}):"
            f" {failure.error}"
        )
    if failures:
        click.echo("Sau khi khắc phục / after a fix: ketnap projections retry [--tenant T]")


@projections.command("rebuild")
@click.option("--tenant", default=None, help="Only this tenant (default: all).")
@click.option(
    "--projection",
    "names",
    multiple=True,
    help="Only this projection (repeatable; default: all).",
)
@refusals
def projections_rebuild(tenant: str | None, names: tuple[str, ...]) -> None:
    """Drop read models and replay the whole history into them (one transaction per tenant)."""
    unknown = set(names) - {p.name for p in all_projections()}
    if unknown:
        raise _unknown_projection(unknown)
    with open_parts() as parts:
        store = parts.store
        read_models = parts.read_models
        total_events = 0
        total_seconds = 0.0
        for slug in tenant_slugs(store, tenant):
            head = read_models.projector(slug).head()
            with click.progressbar(
                length=max(head, 1), label=f"{slug} ({head} events)", file=sys.stderr
            ) as bar:

                def advance(batch: BatchReport, bar: Any = bar) -> None:
                    bar.update(batch.events)

                report = read_models.rebuild(slug, names or None, progress=advance)
            _echo_report(report)
            total_events += report.events
            total_seconds += report.seconds
        rate = total_events / total_seconds if total_seconds > 0 else 0.0
        click.echo(
            f"Tổng / total: {total_events} events in {total_seconds:.2f} s = {rate:,.0f} events/s"
        )


@projections.command("retry")
@click.option("--tenant", default=None, help="Only this tenant (default: all).")
@click.option("--projection", "name", default=None, help="Only this projection's failure.")
@refusals
def projections_retry(tenant: str | None, name: str | None) -> None:
    """Clear recorded projection failures so the events are tried again now (after a fix)."""
    if name is not None and name not in {p.name for p in all_projections()}:
        raise _unknown_projection({name})
    with open_parts() as parts:
        cleared = [
            failure
            for slug in tenant_slugs(parts.store, tenant)
            for failure in parts.read_models.retry(slug, None if name is None else [name])
        ]
    for failure in cleared:
        click.echo(
            f"Thử lại / retrying: {failure.tenant} {failure.projection} "
            f"from position {failure.position}"
        )
    if not cleared:
        click.echo("Không có lỗi nào được ghi nhận / no failure recorded")


tenants.add_command(tenants_backup)
tenants.add_command(tenants_restore)
main.add_command(audit)
main.add_command(import_group)
main.add_command(keys)
main.add_command(token)


if __name__ == "__main__":
    main()
