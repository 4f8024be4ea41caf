"""What one GraphQL request may cost: document limits computed in time linear in the document,
validation off the event loop, and an estimate of the rows a query asks for.

Why not strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter``: they expand every fragment
spread anew, so ``fragment F0 on OrgUnit { ...F1 ...F1 } … fragment F22 on OrgUnit { code }``
(950 bytes) made them walk 2^22 spreads (26 s) on the event loop, freezing every tenant's
requests. Here each fragment is summarised once (:class:`Shape`: depth, aliases and fields after
expansion) and a spread adds its fragment's summary; a cycle counts as nothing (graphql-core's
``NoFragmentCyclesRule`` refuses it). The rules are module-level classes, so the validation cache
(:class:`ValidationOffLoop`), keyed on the rule classes, hits for a repeated document (strawberry's
limiters built a new rule class per request: its cache never hit).

- :class:`DocumentLimits`: depth (:data:`MAX_DEPTH`), aliases (:data:`MAX_ALIASES`) and fields
  after fragment expansion (:data:`MAX_FIELDS`), each refusal typed and bilingual.
- :class:`ValidationOffLoop`: the (cached) validation runs in a worker thread, so even a slow
  document never holds the event loop.
- :class:`RowCost`: before running a query, an estimate of the rows it asks for (each item of a
  list and each object a resolver fetches, a case's personal data as ten, over every alias and
  fragment, with the request's ``first`` values) is checked against ``KETNAP_MAX_QUERY_ROWS``
  (``QUERY_TOO_COSTLY``).

The time budget of a whole request (``KETNAP_REQUEST_TIME_BUDGET``) is kept by the HTTP view
(``service.api.app``): over it, the request is cancelled and answered ``REQUEST_TIMEOUT``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_operation_ast,
)
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType as StrawberryOperationType

from service.api.context import ApiContext
from service.api.relay import CARRIED_BY_ROW, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

MAX_DEPTH = 10
MAX_ALIASES = 30
#: Fields after fragment expansion: no more than a client could write out in a document of
#: ``MAX_TOKENS`` tokens (see ``service.api.schema``) without fragments.
MAX_FIELDS = 2_000
#: Rows one object of these fields costs: a case's personal data (and its dossier) is rebuilt
#: from its history (about ten events a case in the demo; ~5 ms each on our machines), not read
#: from one row.
FIELD_ROWS: dict[tuple[str, str], int] = {
    ("Candidate", "profile"): 10,
    ("Candidate", "dossier"): 10,
}
#: Validated documents kept (strawberry's default is 128).
VALIDATION_CACHE_SIZE = 512


@dataclass(frozen=True)
class Shape:
    """A selection set's size after fragment expansion: the depth below it (0 for leaves only),
    its aliases and its fields."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class _Shapes:
    """Shapes of selection sets, each fragment's computed once (linear in the document)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.done: dict[str, Shape] = {}
        self.visiting: set[str] = set()

    def of(self, selection_set: SelectionSetNode | None) -> Shape:
        depth = aliases = fields = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                below = self.of(selection.selection_set)
                fields += 1 + below.fields
                aliases += below.aliases + (selection.alias is not None)
                # introspection (``__schema``, ``__type``) is not counted in depth, as strawberry
                # did: the IDE's schema query nests deeper than any of ours
                if selection.selection_set and not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + below.depth)
            else:
                inner = (
                    self.of(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else self.fragment(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else Shape()
                )
                depth = max(depth, inner.depth)
                aliases += inner.aliases
                fields += inner.fields
        return Shape(depth, aliases, fields)

    def fragment(self, name: str) -> Shape:
        if name in self.done:
            return self.done[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:  # unknown, or a cycle: refused elsewhere
            return Shape()
        self.visiting.add(name)
        shape = self.of(definition.selection_set)
        self.visiting.discard(name)
        self.done[name] = shape
        return shape


def _refusal(code: str, vi: str, en: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(en, nodes, extensions={"code": code, "messageVi": vi, "messageEn": en})


class DocumentLimits(ASTValidationRule):
    """Depth, aliases and fields after fragment expansion, within :data:`MAX_DEPTH`,
    :data:`MAX_ALIASES` and :data:`MAX_FIELDS` (aliases and fields counted over the document)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        document = context.document
        shapes = _Shapes(_fragments(document))
        aliases = fields = 0
        for operation in document.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            shape = shapes.of(operation.selection_set)
            aliases += shape.aliases
            fields += shape.fields
            if shape.depth > MAX_DEPTH:
                context.report_error(
                    _refusal(
                        "QUERY_TOO_DEEP",
                        f"Truy vấn lồng quá sâu ({shape.depth} cấp, tối đa {MAX_DEPTH}).",
                        f"The query is nested too deeply: depth {shape.depth} exceeds the "
                        f"maximum operation depth of {MAX_DEPTH}.",
                        operation,
                    )
                )
        if aliases > MAX_ALIASES:
            context.report_error(
                _refusal(
                    "TOO_MANY_ALIASES",
                    f"Truy vấn dùng quá nhiều bí danh ({aliases}, tối đa {MAX_ALIASES}).",
                    f"The document uses too many aliases: {aliases} aliases found, at most "
                    f"{MAX_ALIASES} allowed.",
                )
            )
        if fields > MAX_FIELDS:
            context.report_error(
                _refusal(
                    "TOO_MANY_FIELDS",
                    f"Tài liệu có quá nhiều trường sau khi mở các fragment ({fields:,}, tối "
                    f"đa {MAX_FIELDS:,}).",
                    f"The document selects too many fields once its fragments are expanded "
                    f"({fields:,}, at most {MAX_FIELDS:,}).",
                )
            )


class CacheInfo(NamedTuple):
    """Hits and misses of :class:`ValidationCache` (as ``functools.lru_cache`` counts them)."""

    hits: int
    misses: int
    currsize: int


class ValidationCache:
    """Validation errors of documents already validated, least recently used dropped past
    :data:`VALIDATION_CACHE_SIZE`. A hit is a dictionary lookup, answered on the event loop
    (a worker thread costs more than it); only a miss is validated in a worker thread."""

    def __init__(self, size: int = VALIDATION_CACHE_SIZE) -> None:
        self.size = size
        self._errors: OrderedDict[Hashable, list[GraphQLError]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> list[GraphQLError] | None:
        """The errors of a document validated before (None: not validated yet)."""
        with self._lock:
            errors = self._errors.get(key)
            if errors is not None:
                self._errors.move_to_end(key)
                self.hits += 1
            return errors

    def validate(
        self,
        key: Hashable,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        """Validate (slow: run it in a worker thread) and keep the errors."""
        errors = validate_document(schema, document, rules)
        with self._lock:
            self.misses += 1
            self._errors[key] = errors
            while len(self._errors) > self.size:
                self._errors.popitem(last=False)
        return errors

    def info(self) -> CacheInfo:
        return CacheInfo(self.hits, self.misses, len(self._errors))


_validated = ValidationCache()


class ValidationOffLoop(SchemaExtension):
    """Validates in a worker thread, through a cache of validated documents (in place of
    strawberry's ``ValidationCache``, which validates on the event loop)."""

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        schema = context.schema._schema
        rules = tuple(context.validation_rules)
        key = (schema, document, rules)
        errors = _validated.get(key)
        if errors is None:
            errors = await run_in_threadpool(_validated.validate, key, schema, document, rules)
        context.pre_execution_errors = errors
        yield


def validation_cache_info() -> CacheInfo:
    """Hits and misses of the validation cache (tests check that a repeated document hits)."""
    return _validated.info()


# --- the row estimate --------------------------------------------------------------------------


def _unwrap(type_: GraphQLOutputType) -> tuple[Any, bool]:
    """The named type under ``type_`` and whether a list is on the way."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


def _fetched(field: Any) -> bool:
    """Whether a resolver produces the field (not an attribute of an object already loaded,
    nor a resolver over its row: ``relay.CARRIED_BY_ROW``)."""
    definition = (field.extensions or {}).get("strawberry-definition")
    metadata = getattr(definition, "metadata", None) or {}
    if all(metadata.get(key) == value for key, value in CARRIED_BY_ROW.items()):
        return False
    return getattr(definition, "base_resolver", None) is not None


class _Rows:
    """Rows a selection set asks for per parent object, each fragment's computed once per
    (type, page size)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.done: dict[tuple[str, int | None], int] = {}
        self.visiting: set[str] = set()

    def page(self, field: FieldNode, field_def: Any) -> int | None:
        """The page size a field with a ``first`` argument asks for (None: no such argument)."""
        if "first" not in field_def.args:
            return None
        value: Any = None
        for argument in field.arguments or ():
            if argument.name.value == "first":
                node = argument.value
                if isinstance(node, IntValueNode):
                    value = int(node.value)
                elif isinstance(node, VariableNode):
                    value = self.variables.get(node.name.value)
        if not isinstance(value, int) or isinstance(value, bool):
            return DEFAULT_PAGE_SIZE
        return max(0, min(value, MAX_PAGE_SIZE))

    def of(self, parent: Any, selection_set: SelectionSetNode | None, page: int | None) -> int:
        """Rows asked for under one object of type ``parent``; ``page`` is the size of the next
        list down (the ``first`` of a connection, applied to its ``edges``)."""
        rows = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", None) or {}
                field_def = fields.get(selection.name.value)
                if field_def is None or selection.selection_set is None:
                    continue  # leaves, ``__typename`` and introspection: no rows
                named, is_list = _unwrap(field_def.type)
                objects = 1  # what the rows below are counted for
                if is_list:
                    count = objects = page if page is not None else DEFAULT_PAGE_SIZE
                    if page is None and not _fetched(field_def):
                        count = objects = 1  # a small list carried by its parent's row
                elif _fetched(field_def):
                    # one object, weighing its rows (a case's history): its fields once
                    count = FIELD_ROWS.get((parent.name, selection.name.value), 1)
                else:
                    count = 0
                below = self.of(named, selection.selection_set, self.page(selection, field_def))
                rows += count + max(objects, 1) * below
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                rows += self.of(inner, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                rows += self.fragment(selection.name.value, page)
        return rows

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key in self.done:
            return self.done[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0
        self.visiting.add(name)
        rows = self.of(
            self.schema.get_type(definition.type_condition.name.value),
            definition.selection_set,
            page,
        )
        self.visiting.discard(name)
        self.done[key] = rows
        return rows


def estimated_rows(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """Rows the operation asks for: each item of a list (a connection's ``first``, default
    :data:`~service.api.relay.DEFAULT_PAGE_SIZE`, for its edges; the same default for other
    lists a resolver returns) times the lists above it, plus each object a resolver fetches; a
    list carried by its parent's row (a case's sponsors) counts as one; an object of
    :data:`FIELD_ROWS` counts its weight (one object: the rows below it count once). Aliases and
    fragment spreads count every time they appear."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    rows = _Rows(schema, _fragments(document), variables or {})
    return rows.of(root, operation.selection_set, None)


class RowCost(SchemaExtension):
    """Refuses, before it runs, an operation estimated to ask for more rows than the limit
    (``QUERY_TOO_COSTLY``, naming the estimate and the limit)."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            rows = estimated_rows(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if rows > self.max_rows:
                error = _refusal(
                    "QUERY_TOO_COSTLY",
                    f"Truy vấn đòi quá nhiều dòng dữ liệu (ước tính {rows:,}, tối đa "
                    f"{self.max_rows:,}); hãy giảm first, số bí danh hoặc các danh sách lồng "
                    "nhau.",
                    f"The query asks for too many rows (estimated {rows:,}, at most "
                    f"{self.max_rows:,}); lower first, the aliases or the nested lists.",
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield


class WritesFinish(SchemaExtension):
    """Marks the request's context when a mutation starts to run: the time budget then lets it
    finish, since a command cut off in its worker thread could be stored yet answered as failed."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if (
            context.operation_type is StrawberryOperationType.MUTATION
            and context.result is None
            and isinstance(context.context, ApiContext)
        ):
            context.context.writing = True
        yield
