"""Clients of the fault tests: the tests' commands (``tests.walks``) sent as GraphQL mutations,
and what each answer was.

:func:`send` posts one command object as its generated mutation (``RecordBranchResolution`` →
``recordBranchResolution(input: …)``) and sorts the answer into an :class:`Answer`: ``OK`` with
the position, a refusal's code, a request error's code (``INTERNAL_ERROR``,
``STORE_UNAVAILABLE``…), or ``NO_ANSWER`` when the connection failed.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import httpx
from graphql import get_named_type

from domain.commands import Command
from domain.inputs import spec_fields
from service.api.mutations.factory import graphql_name, snake
from service.api.schema import schema
from tests.api.conftest import TENANTS, Api
from tests.walks import bloc_tree

OK = "OK"
NO_ANSWER = "NO_ANSWER"
BILINGUAL = frozenset({"messageVi", "messageEn"})


def as_input(value: Any) -> Any:
    """A command (or one of its values) as GraphQL input data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {graphql_name(f): as_input(getattr(value, f.name)) for f in spec_fields(type(value))}
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [as_input(item) for item in value]
    return value


def mutation_name(command: Command) -> str:
    """``RecordBranchResolution`` → ``recordBranchResolution``."""
    head, *rest = snake(type(command).__name__).split("_")
    return head + "".join(part.capitalize() for part in rest)


def request_of(command: Command) -> dict[str, Any]:
    """The GraphQL request body of ``command``."""
    name = mutation_name(command)
    field = schema._schema.mutation_type.fields[name]  # type: ignore[union-attr]
    payloads = " ".join(
        f"... on {member.name} {{ position }}"
        for member in get_named_type(field.type).types
        if "position" in member.fields
    )
    query = (
        f"mutation($input: {field.args['input'].type}) {{ {name}(input: $input) {{ __typename "
        f"{payloads} ... on DomainError {{ code messageVi messageEn }} }} }}"
    )
    return {"query": query, "variables": {"input": as_input(command)}}


@dataclass(frozen=True)
class Answer:
    """What the service answered to one command."""

    code: str
    status: int = 200
    position: int | None = None
    bilingual: bool = True
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == OK


def send(client: httpx.Client, url: str, token: str, command: Command) -> Answer:
    """POST ``command`` as its mutation; the answer, sorted."""
    try:
        response = client.post(
            url, json=request_of(command), headers={"authorization": f"Bearer {token}"}
        )
    except httpx.TransportError:
        return Answer(NO_ANSWER, status=0)
    retry_after = response.headers.get("retry-after")
    try:
        body = response.json()
    except ValueError:
        return Answer(f"HTTP_{response.status_code}", response.status_code, bilingual=False)
    errors = body.get("errors") or []
    if errors:
        extensions = errors[0].get("extensions") or {}
        return Answer(
            str(extensions.get("code")),
            response.status_code,
            bilingual=extensions.keys() >= BILINGUAL,
            retry_after=retry_after,
        )
    result = body["data"][mutation_name(command)]
    if result["__typename"] == "DomainError":
        return Answer(
            result["code"],
            response.status_code,
            bilingual=bool(result["messageVi"] and result["messageEn"]),
        )
    return Answer(OK, response.status_code, position=result["position"])


#: A client: sends its commands over its own connection, returns the answers.
Client = Callable[[httpx.Client], list[Answer]]


def run_clients(clients: Sequence[Client]) -> list[Answer]:
    """Run each client in its own thread and connection, all released at the same moment."""
    start = threading.Barrier(len(clients))

    def run(client: Client) -> list[Answer]:
        with httpx.Client(timeout=60) as http:
            start.wait(timeout=30)
            return client(http)

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(run, clients))
    return [answer for answers in results for answer in answers]


def seed_trees(api: Api, branches: Sequence[tuple[str, str]] = (("CB1", "Chi bộ 1"),)) -> None:
    """The tests' unit tree in every tenant of ``api``."""
    for tenant in TENANTS:
        for command in bloc_tree(*branches):
            api.handlers.handle(api.principal(tenant), command)


def stored_events(api: Api, tenant: str) -> int:
    """How many events ``tenant``'s history holds (counted: on PostgreSQL an insert that failed
    may have taken a notification id and left a gap, so the head may be higher)."""
    recorder = api.store.app(tenant, write=False).recorder
    return len(recorder.select_notifications(start=1, limit=10**6))
