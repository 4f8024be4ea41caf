"""What every ``ketnap`` command shares: bilingual refusals and the store of the environment."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from domain.errors import DomainError
from service.settings import get_settings
from service.store import Store

P = ParamSpec("P")
R = TypeVar("R")


def echo_error(error: DomainError) -> None:
    """Print ``error`` on stderr: code, Vietnamese, English, and the regulation if any."""
    click.echo(f"Lỗi / Error [{error.code}]", err=True)
    click.echo(f"  {error.message_vi}", err=True)
    click.echo(f"  {error.message_en}", err=True)
    if error.regulation:
        click.echo(f"  Căn cứ / Source: {error.regulation}", err=True)


def refusals(func: Callable[P, R]) -> Callable[P, R]:
    """Print domain refusals bilingually and exit 2 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            echo_error(error)
            sys.exit(2)

    return wrapper


@contextmanager
def open_store() -> Iterator[Store]:
    """The store the environment's settings describe, closed afterwards."""
    store = Store.from_settings(get_settings())
    try:
        yield store
    finally:
        store.close()


def tenant_slugs(store: Store, tenant: str | None) -> list[str]:
    """``[tenant]`` (a bilingual ``TENANT_NOT_FOUND`` if unknown), or every tenant's slug."""
    if tenant is not None:
        return [store.registry.get(tenant).slug]
    return [t.slug for t in store.registry.list()]
