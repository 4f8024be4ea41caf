"""The GraphQL contract: the checked-in ``schema.graphql`` is the schema the service serves, and
every part of the schema clients can see is described."""

from __future__ import annotations

import difflib
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    specified_scalar_types,
)
from strawberry.printer import print_schema

from service.api.schema import build_schema, schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = ".venv/bin/strawberry export-schema service.api.schema:schema --output schema.graphql"


def exported() -> str:
    """The schema as ``strawberry export-schema --output`` writes it (with a final newline)."""
    return print_schema(schema) + "\n"


def test_the_checked_in_schema_file_is_the_served_schema() -> None:
    assert SCHEMA_FILE.exists(), f"{SCHEMA_FILE} is missing; create it with: {REGENERATE}"
    checked_in = SCHEMA_FILE.read_text(encoding="utf-8")
    current = exported()
    if checked_in != current:
        diff = "".join(
            difflib.unified_diff(
                checked_in.splitlines(keepends=True),
                current.splitlines(keepends=True),
                "schema.graphql (checked in)",
                "service.api.schema:schema (served)",
                n=2,
            )
        )
        raise AssertionError(
            "schema.graphql differs from the schema the service serves; if the change is "
            f"intended, regenerate it from the repository root with:\n  {REGENERATE}\n"
            f"and review the diff as a change of the API contract:\n{diff[:6000]}"
        )


def test_production_serves_the_same_types_as_the_contract() -> None:
    """Production only turns off introspection and suggestions: the types are the same."""
    assert print_schema(build_schema(production=True)) == print_schema(schema)


def undescribed() -> list[str]:
    """Every type (objects, interfaces, unions, inputs, enums, scalars), field, argument and
    input field of the schema without a description (enum values are not required)."""
    missing: list[str] = []

    def check(described: str | None, where: str) -> None:
        if not (described or "").strip():
            missing.append(where)

    named: GraphQLNamedType
    for name, named in sorted(schema._schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        check(named.description, f"type {name}")
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                check(field.description, f"field {name}.{field_name}")
                for arg_name, arg in field.args.items():
                    check(arg.description, f"argument {name}.{field_name}({arg_name})")
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                check(input_field.description, f"input field {name}.{field_name}")
    return missing


def test_every_type_field_argument_and_input_field_is_described() -> None:
    missing = undescribed()
    assert not missing, (
        "These parts of the GraphQL schema have no description (strawberry.type/field/"
        "argument(description=...)); clients read them in schema.graphql and GraphiQL:\n  "
        + "\n  ".join(missing)
    )


def test_the_walk_sees_the_whole_schema() -> None:
    """The description check does look at root fields, arguments, inputs and enums."""
    type_map = schema._schema.type_map
    query = type_map["Query"]
    assert isinstance(query, GraphQLObjectType)
    assert "candidates" in query.fields
    assert "first" in query.fields["candidates"].args
    assert isinstance(type_map["CandidateFilter"], GraphQLInputObjectType)
    assert isinstance(type_map["Stage"], GraphQLEnumType)
    assert isinstance(type_map["Node"], GraphQLInterfaceType)
