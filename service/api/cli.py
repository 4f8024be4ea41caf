"""Command-line parts of the GraphQL service: running it (``ketnap serve``) and development
tokens (``ketnap token``)."""

from __future__ import annotations

import json

import click
import uvicorn

from domain.values import Role
from service.api.auth import TOKEN_ROLES, issue_dev_token
from service.api.context import Services
from service.bootstrap import Parts, configure_logging
from service.console import open_parts, refusals
from service.demo import DEMO_SLUG
from service.store.registry_watch import following_registry

EXAMPLE_QUERY = """{
  me { subject tenant roles }
  candidates(first: 5, filter: {overdueOnly: false}) {
    totalCount
    edges { node { caseCode fullName stage stageSince unit { code name } } }
  }
}"""


def run_server(parts: Parts, *, host: str, port: int, demo: bool) -> None:
    """Serve GraphQL on ``host:port`` until interrupted (prints a token and an example first)."""
    from service.api.app import make_app  # the GraphQL schema: only the server needs it
    from service.api.http_server import server_config
    from service.observability.exposition import metrics_for

    settings = parts.settings
    app = make_app(Services.of(parts))
    url = f"http://{host}:{port}/graphql"
    click.echo(
        f"GraphQL: {url}" + ("" if settings.production else "  (GraphiQL: open in a browser)")
    )
    if demo and not settings.production:
        token_value = issue_dev_token(
            settings, subject="demo-organizer", roles=[Role.ORGANIZER], tenant=DEMO_SLUG
        )
        body = json.dumps({"query": EXAMPLE_QUERY})
        click.echo("Mã truy cập thử / development token (organizer of the demo tenant, 8 h):")
        click.echo(f"  {token_value}")
        click.echo("Ví dụ / example:")
        click.echo(
            f"  curl -s {url} -H 'Content-Type: application/json' "
            f"-H 'Authorization: Bearer {token_value}' -d '{body}'"
        )
    configure_logging(settings)
    # Its own port, never the public one (service.observability.exposition); with the
    # projections' lag of every tenant, as /readyz reads it.
    metrics = metrics_for(settings, parts.store, parts.read_models)
    # Tenants disabled, enabled or created by other processes take effect here at once, and
    # the worker's progress wakes the requests waiting to read their own writes.
    try:
        with following_registry(parts.store, parts.read_models):
            uvicorn.Server(server_config(app, host=host, port=port)).run()
    finally:
        if metrics is not None:
            metrics.stop()


@click.command()
@click.option("--tenant", help="The tenant's slug (omit for a platform operator).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in TOKEN_ROLES]),
    help="A role; repeat for several.",
)
@click.option("--unit", "units", multiple=True, help="A unit code of the scope; repeatable.")
@click.option("--subject", default="dev-user", show_default=True, help="The user id (sub).")
@click.option(
    "--hours",
    default=8.0,
    show_default=True,
    type=click.FloatRange(0.01, 24 * 30),
    help="Hours until the token expires.",
)
@refusals
def token(
    tenant: str | None, roles: tuple[str, ...], units: tuple[str, ...], subject: str, hours: float
) -> None:
    """Issue a development bearer token signed with the local key (not in production)."""
    with open_parts() as parts:
        click.echo(
            issue_dev_token(
                parts.settings,
                subject=subject,
                roles=[Role(r) for r in roles],
                tenant=tenant,
                units=list(units),
                ttl_seconds=int(hours * 3600),
            )
        )
