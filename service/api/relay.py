"""Relay building blocks: global ids, the ``Node`` interface, connections with keyset pages.

Global ids are ``base64("<Type>:<key>")``. Keys are the read models' ids (deterministic uuids
of the tenant and the code), so an id of another tenant simply is not found in the token's
tenant: ``node(id)`` answers ``null`` exactly as for an id that never existed. An id we cannot
have issued (not base64 of text, an unknown type, a key that is not a uuid, too long) is refused
with ``ID_INVALID``; a cursor we cannot have issued with ``CURSOR_INVALID``.

Connections carry ``edges { cursor node }``, ``pageInfo { hasNextPage endCursor }`` and
``totalCount``; pages are taken in SQL (``first``/``after``), ``first`` is capped at
:data:`MAX_PAGE_SIZE`.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Annotated, Generic, TypeVar

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.types import Info

from domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: Longest global id and cursor we issue, with room to spare (keys are uuids and codes).
MAX_ID_LENGTH = 200
MAX_CURSOR_LENGTH = 2_048


First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})."
    ),
]
After = Annotated[
    str | None, strawberry.argument(description="Cursor after which the page starts.")
]


def global_id(type_name: str, key: str) -> strawberry.ID:
    """The opaque global id of object ``key`` of ``type_name``."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode())


def parse_global_id(value: str, types: Collection[str]) -> tuple[str, str]:
    """``(type name, key)`` of a global id of one of ``types`` (bilingual refusal otherwise)."""
    text = _unbase64(value, MAX_ID_LENGTH)
    type_name, sep, key = (text or "").partition(":")
    if sep and type_name in types and _is_uuid(key):
        return type_name, key
    raise InvalidInput(
        "ID_INVALID",
        "Mã định danh (id) không hợp lệ: không phải mã do hệ thống cấp.",
        "The id is not valid: it is not one this service issued.",
        field="id",
    )


def _unbase64(value: str, limit: int) -> str | None:
    """The text ``value`` encodes (URL-safe base64 of UTF-8), or None."""
    if len(value) > limit or not value.isascii():
        return None
    try:
        text = base64.urlsafe_b64decode(value.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text.isprintable() else None


def _is_uuid(key: str) -> bool:
    try:
        return str(uuid.UUID(key)) == key
    except ValueError:
        return False


def page_size(first: int | None) -> int:
    """``first`` checked against the bounds (bilingual refusal outside 1..MAX_PAGE_SIZE)."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(
            "PAGE_SIZE_INVALID",
            f"Số phần tử mỗi trang (first) phải từ 1 đến {MAX_PAGE_SIZE}, nhận được {first}.",
            f"The page size (first) must be between 1 and {MAX_PAGE_SIZE}, got {first}.",
            field="first",
        )
    return first


def encode_cursor(key: str) -> str:
    """An opaque cursor for a keyset position."""
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The keyset position of a cursor (bilingual refusal for a cursor we did not issue)."""
    if cursor is None:
        return None
    text = _unbase64(cursor, MAX_CURSOR_LENGTH) or ""
    if not text.startswith("k:"):
        raise InvalidInput(
            "CURSOR_INVALID",
            "Con trỏ trang (after) không hợp lệ.",
            "The page cursor (after) is not valid.",
            field="after",
        )
    return text[2:]


#: ``strawberry.field(metadata=...)`` of a list field with a resolver that only reshapes what its
#: object's row already holds (a case's sponsors): the row estimate counts it as one row, like an
#: attribute, not as a list fetched (``limits.RowCost``).
CARRIED_BY_ROW: dict[str, object] = {"ketnap.carried_by_row": True}


@strawberry.interface(description="An object with a global id (Relay node).")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque id of the object.")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass as `after` for the next page."
    )


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Cursor of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    counted: strawberry.Private[int | None] = None

    @strawberry.field(
        description="How many items the whole list has (all pages).", graphql_type=int
    )
    def total_count(self) -> int | Awaitable[int]:
        # counted with the page when the query asked for it (one read), else counted now
        return self.count() if self.counted is None else self.counted


def connection(
    nodes: Sequence[T],
    cursor_of: Callable[[T], str],
    has_next: bool,
    count: Callable[[], Awaitable[int]],
    counted: int | None = None,
) -> Connection[T]:
    """A connection of ``nodes`` (one page), each with the cursor ``cursor_of`` gives; the
    total is ``counted`` when the page's read counted it, else ``count()`` when asked."""
    edges = [Edge(cursor=encode_cursor(cursor_of(n)), node=n) for n in nodes]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
        count=count,
        counted=counted,
    )


def selects(info: Info, *path: str) -> bool:
    """Whether the field being resolved selects the field ``path`` leads to (e.g. ``"edges",
    "node", "unit"``), through fragments too (``@skip``/``@include`` not weighed: at worst a
    read serves nothing). So a resolver reads in one go what the query will ask next."""
    raw = info._raw_info
    return any(_selects(node.selection_set, path, raw.fragments) for node in raw.field_nodes)


def _selects(
    selection_set: SelectionSetNode | None,
    path: tuple[str, ...],
    fragments: dict[str, FragmentDefinitionNode],
) -> bool:
    if not path:
        return True
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value == path[0] and _selects(
                selection.selection_set, path[1:], fragments
            ):
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _selects(selection.selection_set, path, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            # a cycle of fragments never gets here: validation refuses it
            if fragment is not None and _selects(fragment.selection_set, path, fragments):
                return True
    return False
