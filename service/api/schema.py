"""The GraphQL schema: root types assembled from the query and mutation modules, with the
protections every request goes through.

- Limits: tokens (:data:`MAX_TOKENS`) and operations per document (:data:`MAX_OPERATIONS`);
  depth, aliases and fields after fragment expansion, computed in time linear in the document
  (``service.api.limits.DocumentLimits``); the rows a query asks for
  (``limits.RowCost``, ``KETNAP_MAX_QUERY_ROWS``); page sizes are capped by the connections
  (``relay.MAX_PAGE_SIZE``).
- Parsed and validated documents are cached (``ParserCache``, ``limits.ValidationOffLoop``:
  validation runs in a worker thread, never on the event loop).
- Every error is typed (``service.api.errors.RequestErrors``): ours pass, malformed values
  (literals or variables) get their code and both languages, anything else is masked.
- No NUL character in a string literal (``NoNulInStrings``; variables are checked by the HTTP
  layer): PostgreSQL refuses NUL in text, and no code or name needs one.
- The date scalars refuse malformed values cleanly (``service.api.scalars``).
- Production (``KETNAP_ENV=production``): no introspection, no field suggestions.
- The access log: candidates whose personal fields a request read are written to the tenant's
  access log before the response leaves (a failure to log fails the request: no unlogged read).

``schema.graphql`` is this schema printed (``strawberry export-schema service.api.schema:schema
--output schema.graphql``); a test keeps the checked-in file equal to it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    StringValueNode,
    ValidationContext,
)
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from service.api.context import ApiContext
from service.api.errors import NUL_CHARACTER, RequestErrors, is_client_fault
from service.api.limits import DocumentLimits, RowCost, ValidationOffLoop, WritesFinish
from service.api.mutations.cases import CaseMutations
from service.api.mutations.imports import ImportMutations
from service.api.mutations.organisation import OrganisationMutations
from service.api.mutations.tenants import TenantMutations
from service.api.queries.audit import AuditQueries
from service.api.queries.cases import CaseQueries
from service.api.queries.core import CoreQueries
from service.api.queries.dashboards import DashboardQueries
from service.api.queries.settings import SettingsQueries
from service.api.queries.tenants import TenantQueries
from service.api.queries.transfers import TransferQueries
from service.api.relay import Node
from service.api.request_log import OPERATION_LIMIT, OperationName, operation_name
from service.api.scalars import SCALARS
from service.api.types import DIRECT_RESOLVERS
from service.audit.access_log import record_personal_read
from service.escaping import printable
from service.settings import DEFAULT_MAX_QUERY_ROWS
from service.store.outage import store_unavailable

log = logging.getLogger(__name__)

MAX_TOKENS = 2_000
MAX_OPERATIONS = 5


@strawberry.type(description="Everything that can be read (Truy vấn).")
class Query(
    AuditQueries,
    CaseQueries,
    DashboardQueries,
    SettingsQueries,
    TenantQueries,
    TransferQueries,
    CoreQueries,
):
    pass


@strawberry.type(description="Everything that can be recorded (Ghi nhận).")
class Mutation(TenantMutations, OrganisationMutations, CaseMutations, ImportMutations):  # type: ignore[misc]
    # the organisation and case mutations are generated from the command classes
    pass


class OperationCountLimit(ASTValidationRule):
    """At most :data:`MAX_OPERATIONS` operations in one document."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.count = 0

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self.count += 1
        if self.count == MAX_OPERATIONS + 1:
            self.report_error(
                GraphQLError(
                    f"Tài liệu có quá {MAX_OPERATIONS} thao tác / The document has more than "
                    f"{MAX_OPERATIONS} operations.",
                    node,
                    extensions={"code": "TOO_MANY_OPERATIONS"},
                )
            )


class NoNulInStrings(ASTValidationRule):
    """No string literal of the document holds a NUL character (written ``\\u0000``)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(
                GraphQLError(NUL_CHARACTER.message_en, node, extensions=NUL_CHARACTER.extensions)
            )


class AccessLogger(SchemaExtension):
    """Writes the request's reads of personal fields to the tenant's access log."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, ApiContext) or not context.personal_reads:
            return
        by_purpose: dict[str, list[str]] = defaultdict(list)
        for candidate_id, purpose in context.personal_reads.items():
            by_purpose[purpose].append(candidate_id)
        principal = context.principal.command_principal()
        store = context.services.store

        def write() -> None:
            for purpose, candidate_ids in by_purpose.items():
                record_personal_read(store, principal, candidate_ids, purpose)

        await run_in_threadpool(write)
        context.personal_reads.clear()


class KetnapSchema(strawberry.Schema):
    """strawberry's schema, logging only what is not the client's doing, and never the request.

    strawberry logs every error of a result at ERROR with its traceback, and the error's text
    prints the lines of the document around it (names, birth dates in literals). A malformed
    request or a refusal is the client's: it is not logged here at all, the request's one log
    line carries its code (``service.api.request_log``). The store not answering
    (``STORE_UNAVAILABLE``) is a warning without traceback. Anything else (``INTERNAL_ERROR``) is
    logged with its traceback, its operation and path, but not the document.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_client_fault(error, self._schema):
                continue
            original = error.original_error
            if store_unavailable(original):
                # Not a bug: the store is down or restarting (answered 503 STORE_UNAVAILABLE).
                log.warning(
                    "STORE_UNAVAILABLE in operation %s at %s (%s)",
                    printable(operation_name(execution_context) or "-", OPERATION_LIMIT),
                    ".".join(str(key) for key in error.path or ()) or "-",
                    type(original).__name__,
                )
                continue
            log.error(
                "INTERNAL_ERROR in operation %s at %s (%s)",
                printable(operation_name(execution_context) or "-", OPERATION_LIMIT),
                ".".join(str(key) for key in error.path or ()) or "-",
                type(original or error).__name__,
                exc_info=original,
            )


def build_schema(
    *, production: bool = False, max_rows: int = DEFAULT_MAX_QUERY_ROWS, tracing: Any = None
) -> strawberry.Schema:
    """The schema with its protections (introspection and suggestions off in production; at
    most ``max_rows`` rows per query, see ``limits.RowCost``), and ``tracing``'s extension
    first when given (``service.observability.tracing``: it then spans the others' work).

    The validation rules are module-level classes: the validation cache is keyed on them.
    """
    extensions: list[Any] = [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(AddValidationRules, [DocumentLimits, OperationCountLimit, NoNulInStrings]),
        partial(ParserCache, maxsize=512),
        ValidationOffLoop,
        partial(RowCost, max_rows),
        WritesFinish,
        RequestErrors,
        AccessLogger,
        OperationName,
    ]
    if production:
        extensions.append(DisableIntrospection)
    if tracing is not None:
        extensions.insert(0, tracing)
    built = KetnapSchema(
        query=Query,
        mutation=Mutation,
        types=[Node],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production, scalar_map=SCALARS),
    )
    for (type_name, field_name), resolve in DIRECT_RESOLVERS.items():
        graphql_type = built._schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        field = graphql_type.fields[field_name]
        assert not field.args, f"{type_name}.{field_name} takes arguments"
        field.resolve = resolve
    return built


#: The development schema (what ``schema.graphql`` shows; production only hides parts of it).
schema = build_schema()
