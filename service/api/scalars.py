"""The schema's date scalars, refusing malformed values with a clean, typed error.

strawberry's own ``Date`` accepts every form ``date.fromisoformat`` knows (``20240201``,
``2024-W05-4``, digits of any script) and both scalars' refusals repeat the client's value. Ours
accept exactly ``YYYY-MM-DD`` (ASCII digits) for ``Date`` and an ISO 8601 date and time for
``DateTime``, and refuse anything else with :class:`ScalarInvalid`, whose message names the
scalar and never the value (a date may be a birth date; a value may be megabytes long). The
request-error layer (:mod:`service.api.errors`) turns it into the scalar's code and both
languages, for literals and variables alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from operator import methodcaller
from typing import Any

from graphql import GraphQLError, ValueNode, value_from_ast_untyped
from strawberry.types.scalar import ScalarDefinition

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.,+\-Z]{2,40}", re.ASCII)


class ScalarInvalid(GraphQLError):
    """A value a scalar cannot represent (``type_name`` is the scalar's name)."""

    def __init__(self, type_name: str, node: ValueNode | None = None) -> None:
        super().__init__(f"Value cannot represent a {type_name}.", node)
        self.type_name = type_name


def parse_date(value: object) -> dt.date:
    """A ``YYYY-MM-DD`` date that exists in the calendar."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ScalarInvalid("Date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScalarInvalid("Date") from None


def parse_date_time(value: object) -> dt.datetime:
    """An ISO 8601 date and time (``2026-01-31T08:30:00+07:00``)."""
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        raise ScalarInvalid("DateTime")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ScalarInvalid("DateTime") from None


def _literal(parse: Callable[[object], object]) -> Callable[..., object]:
    """The literal parser of ``parse``: the refusal points at the literal in the document."""

    def parse_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> object:
        try:
            return parse(value_from_ast_untyped(node, variables))
        except ScalarInvalid as error:
            raise ScalarInvalid(error.type_name, node) from None

    return parse_literal


def _scalar(
    name: str, description: str, origin: type, parse: Callable[[object], object]
) -> ScalarDefinition:
    return ScalarDefinition(
        name=name,
        description=description,
        specified_by_url=None,
        serialize=methodcaller("isoformat"),
        parse_value=parse,
        parse_literal=_literal(parse),
        origin=origin,
    )


#: ``StrawberryConfig.scalar_map``: the scalars of ``datetime.date`` and ``datetime.datetime``
#: (same names and descriptions as strawberry's, so the printed schema does not change).
SCALARS: dict[object, ScalarDefinition] = {
    dt.date: _scalar("Date", "Date (isoformat)", dt.date, parse_date),
    dt.datetime: _scalar("DateTime", "Date with time (isoformat)", dt.datetime, parse_date_time),
}
