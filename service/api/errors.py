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

P = TypeVar("P")
R = TypeVar("R")


@strawberry.type(
    description="One refused field of an input (all of an input's are reported at once)."
)
class FieldViolation:
    path: str = strawberry.field(
        description='The field as the client wrote it, e.g. "input.sponsor.togetherSince".'
    )
    code: str = strawberry.field(description="Stable code; clients switch on it.")
    message_vi: str = strawberry.field(description="Message in Vietnamese.")
    message_en: str = strawberry.field(description="Message in English.")


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
    violations: list[FieldViolation] = strawberry.field(
        description="Input checks: every refused field with its path (the first is ``field``); "
        "empty for other refusals."
    )

    @classmethod
    def of(cls, error: DomainError) -> DomainErrorType:
        return cls(
            code=error.code,
            message_vi=error.message_vi,
            message_en=error.message_en,
            regulation=error.regulation,
            field=error.field,
            violations=[
                FieldViolation(
                    path=v.path, code=v.code, message_vi=v.message_vi, message_en=v.message_en
                )
                for v in getattr(error, "violations", ())
            ],
        )


def should_mask(error: GraphQLError) -> bool:
    """Mask every error but ours (domain errors, refusals) and GraphQL's own request errors."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, DomainError | PermissionRefused)


async def attempt(
    run: Callable[[], Awaitable[R]],
    payload: Callable[[R], Awaitable[P]],
) -> P | DomainErrorType:
    """Run a command; its payload on success, the domain error as a result on refusal."""
    try:
        result = await run()
    except DomainError as error:
        return DomainErrorType.of(error)
    return await payload(result)
