"""Domain errors as GraphQL results, and which errors reach clients unmasked.

A mutation answers a union of its success payload and :class:`DomainErrorType`: the stable
``code``, ``messageVi``/``messageEn``, the ``regulation`` and the offending ``field``. Errors that
are not ours (bugs, database failures) are masked as "Unexpected error" by ``MaskErrors``; our
domain errors raised from queries keep their message and carry the same data in
``extensions``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError
from service.api.permissions import PermissionRefused
from service.commands import CommandResult

P = TypeVar("P")


@strawberry.type(
    name="DomainError",
    description="A refusal by the rules or the input checks: nothing was recorded.",
)
class DomainErrorType:
    code: str = strawberry.field(description="Stable code; clients switch on it.")
    message_vi: str = strawberry.field(description="Message in Vietnamese.")
    message_en: str = strawberry.field(description="Message in English.")
    regulation: str | None = strawberry.field(
        description="The regulation the rule comes from (văn bản quy định), where one applies."
    )
    field: str | None = strawberry.field(description="The offending input, where there is one.")

    @classmethod
    def of(cls, error: DomainError) -> DomainErrorType:
        return cls(
            code=error.code,
            message_vi=error.message_vi,
            message_en=error.message_en,
            regulation=error.regulation,
            field=error.field,
        )


def should_mask(error: GraphQLError) -> bool:
    """Mask every error but ours (domain errors, refusals) and GraphQL's own request errors."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, DomainError | PermissionRefused)


async def attempt(
    run: Callable[[], Awaitable[CommandResult]],
    payload: Callable[[CommandResult], Awaitable[P]],
) -> P | DomainErrorType:
    """Run a command; its payload on success, the domain error as a result on refusal."""
    try:
        result = await run()
    except DomainError as error:
        return DomainErrorType.of(error)
    return await payload(result)
