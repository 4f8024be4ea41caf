"""GraphQL inputs and mutations generated from the command classes (``domain.commands``).

Each command class becomes one mutation named after it (``RecordBranchResolution`` →
``recordBranchResolution``) taking one ``input`` (``RecordBranchResolutionInput``) whose fields,
types, defaults and descriptions are the command's; nested values (documents, profiles,
sponsors, targets) become their own input types. The input is made canonical by
:func:`domain.inputs.canonical` with the client's field paths (``input.sponsor.togetherSince``),
then handed to ``Handlers.handle`` as the token's principal. What a mutation answers depends on
the command's family (:class:`Family`): the changed case, unit, quota plan or settings.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import MISSING, Field, dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.commands import (
    COMMANDS,
    ChooseCountingBasis,
    Command,
    ProfileCorrection,
    SetSourcePoolRatio,
    SetStalledThreshold,
)
from domain.errors import DomainError
from domain.inputs import (
    DecimalSpec,
    ParsedSpec,
    canonical,
    client_path,
    hints,
    nested_value,
    spec_fields,
    spec_of,
    unwrap_optional,
)
from domain.quotas import QuotaTarget
from domain.rules import PriorMembership, Sponsor
from domain.values import DocumentRef, PersonProfile
from service.api.context import ApiContext, get_context
from service.api.errors import attempt
from service.commands import CommandResult

#: Description of every mutation's ``input`` argument.
WHAT = strawberry.argument(description="What to record.")

#: The GraphQL names of the nested value inputs.
VALUE_INPUTS: dict[type, str] = {
    DocumentRef: "DocumentInput",
    PersonProfile: "PersonInput",
    PriorMembership: "PriorMembershipInput",
    Sponsor: "SponsorInput",
    QuotaTarget: "QuotaTargetInput",
    ProfileCorrection: "PersonCorrectionInput",
}
#: Commands whose fields are the mutation's arguments (no ``input`` object).
INLINE: frozenset[type[Command]] = frozenset(
    {ChooseCountingBasis, SetSourcePoolRatio, SetStalledThreshold}
)

#: The generated input types by name, and the set of them (to tell them from plain values).
_INPUTS: dict[str, type] = {}
_GENERATED: set[type] = set()


def describe(cls: type) -> str:
    """A class's description: its docstring, as one paragraph."""
    return " ".join((inspect.getdoc(cls) or "").split())


def graphql_name(f: Field[Any]) -> str:
    """A field's name in the schema (camelCase, or the declared one)."""
    declared = spec_of(f).graphql_name
    if declared:
        return declared
    head, *rest = f.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


# --- types ----------------------------------------------------------------------------------------
def _shared_base(cls: type) -> type:
    """The class whose input a command uses: its base when it declares no field of its own."""
    base = cls.__mro__[1]
    if (
        dataclasses.is_dataclass(base)
        and base is not Command
        and [f.name for f in dataclasses.fields(cls)] == [f.name for f in dataclasses.fields(base)]
    ):
        return base
    return cls


def _leaf_type(f: Field[Any], hint: Any) -> Any:
    inner, optional = unwrap_optional(hint)
    nested = nested_value(inner)
    if nested is not None:
        graphql: Any = input_type(nested)
    elif isinstance(spec_of(f), DecimalSpec | ParsedSpec) or inner is Decimal:
        graphql = str  # numbers and periods are written as text
    elif inner in (str, int, bool, date) or (isinstance(inner, type) and issubclass(inner, Enum)):
        graphql = inner
    else:  # pragma: no cover - a command declared a field of a type the API cannot carry
        raise TypeError(f"{f.name}: no GraphQL type for {hint!r}")
    return graphql | None if optional else graphql


def _optional_in_schema(f: Field[Any], hint: Any) -> bool:
    spec = spec_of(f)
    return unwrap_optional(hint)[1] or (isinstance(spec, DecimalSpec) and spec.same_as is not None)


def _field_default(f: Field[Any], hint: Any) -> Any:
    if f.default is not MISSING:
        return f.default
    return None if _optional_in_schema(f, hint) else MISSING


def input_type(cls: type) -> type:
    """The strawberry input type of a command or value class (built once per name)."""
    source = _shared_base(cls)
    name = VALUE_INPUTS.get(source) or source.__name__ + "Input"
    if name in _INPUTS:
        return _INPUTS[name]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for f in spec_fields(source):
        hint = hints(source)[f.name]
        annotation = _leaf_type(f, hint)
        if _optional_in_schema(f, hint) and not unwrap_optional(hint)[1]:
            annotation = annotation | None
        spec = spec_of(f)
        default = _field_default(f, hint)
        kwargs: dict[str, Any] = {"description": spec.description}
        if spec.graphql_name:
            kwargs["name"] = spec.graphql_name
        if default is not MISSING:
            kwargs["default"] = default
        annotations[f.name] = annotation
        namespace[f.name] = strawberry.field(**kwargs)
    namespace["__annotations__"] = annotations
    namespace["__module__"] = __name__
    generated = strawberry.input(type(name, (), namespace), name=name, description=describe(source))
    _INPUTS[name] = generated
    _GENERATED.add(generated)
    return generated


def raw(value: Any) -> Any:
    """A generated input object as plain data (nested inputs as mappings)."""
    if type(value) in _GENERATED:
        return {f.name: raw(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


# --- families -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """What the mutations of a family of commands answer, and who may run them."""

    result: Any
    permission: list[Any]
    payload: Callable[[ApiContext, Any, CommandResult], Awaitable[Any]]
    #: Runs the handler: ``ctx.command`` or, for cases, the scope-checking ``ctx.case_command``.
    run: Callable[[ApiContext, Any], Awaitable[CommandResult]]


def _mutation(command: type[Command], family: Family) -> Any:
    """The mutation field of ``command``."""

    async def resolve(self: Any, info: Info, **arguments: Any) -> Any:
        ctx = get_context(info)
        data = arguments if command in INLINE else raw(arguments["input"])
        prefix = "" if command in INLINE else "input"
        built: list[Command] = []

        async def run() -> CommandResult:
            built.append(
                canonical(command, data, today=ctx.today(), name_of=graphql_name, prefix=prefix)
            )
            try:
                return await family.run(ctx, built[0])
            except DomainError as error:
                # a rule's field, as the client wrote it (``votes_for`` → ``input.votesFor``)
                error.field = client_path(command, error.field, graphql_name, prefix)
                raise

        return await attempt(run, lambda result: family.payload(ctx, built[0], result))

    parameters = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info),
    ]
    if command in INLINE:
        for f in spec_fields(command):
            hint = hints(command)[f.name]
            default = _field_default(f, hint)
            parameters.append(
                inspect.Parameter(
                    f.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[
                        _leaf_type(f, hint),
                        strawberry.argument(description=spec_of(f).description),
                    ],
                    default=inspect.Parameter.empty if default is MISSING else default,
                )
            )
    else:
        parameters.append(
            inspect.Parameter(
                "input",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[input_type(command), WHAT],
            )
        )
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=family.result
    )
    resolve.__name__ = snake(command.__name__)
    return strawberry.mutation(
        resolver=resolve, description=describe(command), permission_classes=family.permission
    )


def snake(name: str) -> str:
    """``RecordBranchResolution`` → ``record_branch_resolution``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def mutations(name: str, families: Mapping[type[Command], Family]) -> type:
    """A strawberry type with one mutation per command of the given families, in the order the
    commands are declared."""
    namespace: dict[str, Any] = {"__module__": __name__}
    for command in COMMANDS:
        family = next((families[b] for b in command.__mro__ if b in families), None)
        if family is not None:
            namespace[snake(command.__name__)] = _mutation(command, family)
    return strawberry.type(type(name, (), namespace))
