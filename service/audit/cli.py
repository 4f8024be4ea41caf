"""``ketnap audit …``: the auditors' commands (Ủy ban Kiểm tra).

Commands live in the modules of their feature and register on :data:`audit` here; importing
this module (``service.cli`` does) brings them all in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from domain.errors import DomainError

if TYPE_CHECKING:
    from service.store import Store

P = ParamSpec("P")
R = TypeVar("R")


@click.group()
def audit() -> None:
    """Kiểm tra / audit: hash chain, verification, checkpoints, export, replay."""


def refusals(func: Callable[P, R]) -> Callable[P, R]:
    """Print domain refusals bilingually and exit 2 (as ``service.cli`` does)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            echo_error(error)
            sys.exit(2)

    return wrapper


def echo_error(error: DomainError) -> None:
    """Print ``error`` bilingually on stderr."""
    click.echo(f"Lỗi / Error [{error.code}]", err=True)
    click.echo(f"  {error.message_vi}", err=True)
    click.echo(f"  {error.message_en}", err=True)


@contextmanager
def open_store() -> Iterator[Store]:
    """The store of the settings in the environment, closed afterwards."""
    from service.settings import get_settings
    from service.store import Store

    store = Store.from_settings(get_settings())
    try:
        yield store
    finally:
        store.close()


def tenant_slugs(store: Store, tenant: str | None) -> list[str]:
    """``[tenant]`` (checked to exist), or every tenant's slug."""
    if tenant is not None:
        return [store.registry.get(tenant).slug]
    return [t.slug for t in store.registry.list()]


def register_commands() -> None:
    """Import the feature modules so their ``@audit.command`` decorators run."""
    # Each feature module adds its commands to ``audit`` when imported (add yours here).
    import service.audit.access_log
    import service.audit.chain
    import service.audit.checkpoints
    import service.audit.export
    import service.audit.importing
    import service.audit.replay
    import service.audit.verify  # noqa: F401  (audit verify)
