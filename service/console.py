"""What every ``ketnap`` command shares: bilingual refusals and the process's parts.

The parts come from :func:`service.bootstrap.bootstrap`: the settings the environment names, or
the :class:`~service.settings.Settings` given as the click root context's ``obj``
(``main(obj=settings)``, ``CliRunner().invoke(main, args, obj=settings)``), as tests do.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from domain.errors import DomainError
from domain.values import Actor, Role
from projections.runner import BatchReport
from service.bootstrap import Parts, bootstrap
from service.escaping import printable
from service.settings import Settings
from service.store import Store

P = ParamSpec("P")
R = TypeVar("R")


def cli_actor(role: Role) -> Actor:
    """The person at the terminal, as the actor of what a command records: ``cli:<user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "cli"
    return Actor(f"cli:{user}", role)


def echo_error(error: DomainError) -> None:
    """Print ``error`` on stderr: code, Vietnamese, English, and the regulation if any."""
    # a message may repeat stored or typed-in text: escaped, it stays on its line
    click.echo(f"Lỗi / Error [{printable(error.code)}]", err=True)
    click.echo(f"  {printable(error.message_vi)}", err=True)
    click.echo(f"  {printable(error.message_en)}", err=True)
    if error.regulation:
        click.echo(f"  Căn cứ / Source: {printable(error.regulation)}", err=True)


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


def given_settings() -> Settings | None:
    """The settings handed to the command line (the root context's ``obj``), if any."""
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context is not None else None
    return obj if isinstance(obj, Settings) else None


@contextmanager
def open_parts() -> Iterator[Parts]:
    """The process's parts (:func:`service.bootstrap.bootstrap`), closed afterwards."""
    with bootstrap(given_settings()) as parts:
        yield parts


@contextmanager
def open_store() -> Iterator[Store]:
    """The store of the process's parts, closed afterwards."""
    with open_parts() as parts:
        yield parts.store


@contextmanager
def rebuild_progress() -> Iterator[tuple[Callable[[BatchReport], None], Callable[[str], None]]]:
    """``(advance, say)`` for a restore: a progress bar on stderr over the read models' rebuild
    (opened at its first batch, closed on the way out) and a line printer on stderr."""
    bar: Any = None

    def advance(batch: BatchReport) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(batch.head, 1), label="rebuild", file=sys.stderr)
            bar.__enter__()
        bar.update(batch.events)

    def say(line: str) -> None:
        click.echo(line, err=True)

    try:
        yield advance, say
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def tenant_slugs(store: Store, tenant: str | None) -> list[str]:
    """``[tenant]`` (a bilingual ``TENANT_NOT_FOUND`` if unknown), or every tenant's slug."""
    if tenant is not None:
        return [store.registry.get(tenant).slug]
    return [t.slug for t in store.registry.list()]
