"""The ``ketnap`` command line: tenants, the demo tenant, a look at a tenant's history, serve.

Settings come from the environment (see ``service.settings``): the embedded SQLite store in
``./ketnap-data`` by default, PostgreSQL when ``KETNAP_DATABASE_URL`` is set. Refusals are
printed in Vietnamese and English and exit with status 2.
"""

from __future__ import annotations

import getpass
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

import domain
from domain.errors import DomainError
from domain.values import Actor, Role
from service.commands import Handlers
from service.demo import DEMO_SLUG, seed_demo
from service.settings import get_settings
from service.store import Store, TenantApplication, TenantKind

P = ParamSpec("P")
R = TypeVar("R")
PAGE = 1000


def _operator() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "cli"
    return Actor(f"cli:{user}", Role.PLATFORM_OPERATOR)


def _refusals(func: Callable[P, R]) -> Callable[P, R]:
    """Print domain refusals bilingually and exit 2 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            click.echo(f"Lỗi / Error [{error.code}]", err=True)
            click.echo(f"  {error.message_vi}", err=True)
            click.echo(f"  {error.message_en}", err=True)
            if error.regulation:
                click.echo(f"  Căn cứ / Source: {error.regulation}", err=True)
            sys.exit(2)

    return wrapper


@contextmanager
def _store() -> Iterator[Store]:
    store = Store.from_settings(get_settings())
    try:
        yield store
    finally:
        store.close()


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
@_refusals
def tenants_create(slug: str, name: str, kind: str) -> None:
    """Create a tenant SLUG (lowercase letters, digits, _)."""
    with _store() as store:
        tenant = Handlers(store).create_tenant(_operator(), slug, name, kind)
        click.echo(f"Đã tạo / created: {tenant.slug} — {tenant.name} ({tenant.kind.value})")


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_refusals
def tenants_list(as_json: bool) -> None:
    """List tenants."""
    with _store() as store:
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
        click.echo(f"{t.slug:24} {t.kind.value:28} {t.name}{state}")


@tenants.command("disable")
@click.argument("slug")
@_refusals
def tenants_disable(slug: str) -> None:
    """Disable a tenant: its history stays readable, nothing more can be recorded."""
    with _store() as store:
        store.registry.disable(slug)
    click.echo(f"Đã khóa / disabled: {slug}")


@tenants.command("enable")
@click.argument("slug")
@_refusals
def tenants_enable(slug: str) -> None:
    """Enable a disabled tenant again."""
    with _store() as store:
        store.registry.enable(slug)
    click.echo(f"Đã mở khóa / enabled: {slug}")


def _print_summary(app: TenantApplication) -> None:
    counts = event_type_counts(app)
    click.echo(f"Sự kiện / events: {sum(counts.values())}")
    for name, count in sorted(counts.items()):
        click.echo(f"  {name:45} {count:6}")
    every_type = domain.event_type_names()
    missing = sorted(set(every_type) - set(counts))
    if missing:
        click.echo(f"Chưa có loại sự kiện / event types not present: {', '.join(missing)}")
    else:
        click.echo(f"Đủ {len(every_type)} loại sự kiện / all event types present")


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
@_refusals
def demo(tenant: str, candidates: int, seed: int) -> None:
    """Create a demo tenant modelled on the seed articles: a provincial enterprise bloc."""
    with _store() as store:
        if _has_tenant(store, tenant):
            click.echo(f"Đơn vị mẫu «{tenant}» đã có / the demo tenant '{tenant}' already exists.")
            _print_summary(store.app(tenant, write=False))
            return
        started = time.perf_counter()
        report = seed_demo(
            Handlers(store),
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
        _print_summary(store.app(tenant, write=False))


@main.command()
@click.option("--tenant", required=True, help="Tenant slug.")
@click.option(
    "--last",
    default=20,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="How many of the latest events.",
)
@_refusals
def events(tenant: str, last: int) -> None:
    """Show the latest events of a tenant's history (position, type, business date, actor)."""
    with _store() as store:
        app = store.app(tenant, write=False)
        maximum = app.recorder.max_notification_id() or 0
        start = max(1, maximum - last + 1)
        for n in app.recorder.select_notifications(start=start, limit=last):
            event = app.mapper.to_domain_event(n)
            occurred = getattr(event, "occurred_on", None)
            actor = getattr(event, "actor", None)
            when = occurred.isoformat() if isinstance(occurred, date) else "-"
            who = actor.user_id if isinstance(actor, Actor) else "-"
            kind = n.topic.rsplit(":", 1)[-1]
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
@_refusals
def serve(host: str, port: int, with_demo: bool) -> None:
    """Serve the GraphQL API (arrives with the GraphQL issue; for now: store check and demo)."""
    with _store() as store:
        if with_demo and not _has_tenant(store, DEMO_SLUG):
            seed_demo(Handlers(store), progress=lambda message: click.echo(f"… {message}"))
        click.echo(
            f"Kho dữ liệu / store: {store.backend}; đơn vị sử dụng / tenants: "
            + ", ".join(t.slug for t in store.registry.list())
        )
        if with_demo:
            _print_summary(store.app(DEMO_SLUG, write=False))
    click.echo(
        f"GraphQL chưa có trong phiên bản này (sẽ phục vụ tại http://{host}:{port}/graphql).\n"
        "The GraphQL API is not in this version yet; it arrives with the GraphQL issue. "
        "Meanwhile: `ketnap events --tenant demo`."
    )


if __name__ == "__main__":
    main()
