"""Domain errors as GraphQL results, typed request errors, and which errors reach clients
unmasked.

A mutation answers a union of its success payload and :class:`DomainErrorType`: the stable
``code``, ``messageVi``/``messageEn``, the ``regulation`` and the offending ``field``. Our domain
errors raised from queries keep their message and carry the same data in ``extensions``.
A malformed request (a bad scalar, an unknown enum value, a missing, unknown or null field, a
missing variable or argument; as a literal or through variables) answers a typed, bilingual
error (:func:`request_fault`, :class:`RequestErrors`). Errors that are neither (bugs, database
failures) are masked as "Unexpected error." (``INTERNAL_ERROR``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import strawberry
from graphql import GraphQLEnumType, GraphQLError, GraphQLNamedType, GraphQLSchema
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError
from service.api.permissions import PermissionRefused
from service.api.request_log import note_refusal
from service.api.scalars import ScalarInvalid
from service.store.outage import store_unavailable

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


#: What a client sees of an error that is not its own doing (a bug, a database failure).
MASKED_MESSAGE = "Unexpected error."


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
        """The refusal as a mutation's result (and as the request's refusal in its log line:
        it is data to GraphQL, not an error)."""
        note_refusal(error.code)
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


# --- Request errors: every malformed request gets a code and both languages ------------------

#: What a value of each scalar must be: (code, Vietnamese, English).
_SCALARS: dict[str, tuple[str, str, str]] = {
    "Int": (
        "INT_INVALID",
        "một số nguyên từ -2147483648 đến 2147483647",
        "an integer from -2147483648 to 2147483647",
    ),
    "Float": ("FLOAT_INVALID", "một số", "a number"),
    "String": ("STRING_INVALID", "một chuỗi ký tự", "a string"),
    "Boolean": ("BOOLEAN_INVALID", "true hoặc false", "true or false"),
    "ID": ("ID_INVALID", "một mã định danh (chuỗi ký tự)", "an id (a string)"),
    "Date": (
        "DATE_INVALID",
        "một ngày có thật, viết YYYY-MM-DD (ví dụ 2024-02-29)",
        "a real date written YYYY-MM-DD (e.g. 2024-02-29)",
    ),
    "DateTime": (
        "DATETIME_INVALID",
        "một thời điểm theo ISO 8601 (ví dụ 2024-02-29T08:30:00+07:00)",
        "an ISO 8601 date and time (e.g. 2024-02-29T08:30:00+07:00)",
    ),
    "Decimal": ("DECIMAL_INVALID", "một số thập phân", "a decimal number"),
}

#: Longest piece of client text (an unknown field's name) repeated in a message.
ECHO_LIMIT = 40

_PATH = r"(?: at ((?:\.\w+|\[\d+\])+))?"
_VARIABLE = re.compile(r"Variable '\$(\w+)' has invalid value" + _PATH + ": ")
_ARGUMENT = re.compile(r"Argument '(\w+)' has invalid value" + _PATH + ": ")
_PROVIDED = re.compile(r"Expected a value of non-null type '([^']+)' to be provided\.")
_NULL = re.compile(
    r"Expected (?:value of|variable '\$\w+' provided to) non-null type '([^']+)' not to be None\."
)
_NO_RUNTIME_VALUE = re.compile(
    r"Expected variable '\$(\w+)' provided to type '([^']+)' to provide a runtime value\."
)
_OBJECT = re.compile(r"Expected value of type '([^']+)' to be an object")
_FIELD_MISSING = re.compile(r"Expected value of type '([^']+)' to include required field '(\w+)'")
_FIELD_UNKNOWN = re.compile(r"Expected value of type '([^']+)' not to include unknown field '")
_BUILT_IN = re.compile(r"(Int|Float|String|Boolean|ID) cannot represent")
_ENUM = re.compile(r"Enum '(\w+)' cannot represent")
_ENUM_VALUE = re.compile(r".*does not exist in '(\w+)' enum\.", re.DOTALL)
_LEAF = re.compile(r"Expected value of type '(\w+)!?'(?:, but encountered error|, found)")
_ARGUMENT_MISSING = re.compile(
    r"Argument '(?:\w+\.)?(\w+)\((\w+):\)' of type '([^']+)' is required, but it was not provided\."
)
_ARGUMENT_MISSING_RUNTIME = re.compile(
    r"Argument '(\w+)' of required type '([^']+)' was not provided\."
)
_TOO_DEEP = re.compile(r"Variable values are nested too deeply\.")


@dataclass(frozen=True)
class RequestFault:
    """A malformed request, as the client sees it: stable code and both languages."""

    code: str
    message_vi: str
    message_en: str

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code, "messageVi": self.message_vi, "messageEn": self.message_en}


def _echo(text: str) -> str:
    """Client text shortened for a message (and without control characters)."""
    cleaned = "".join(c if c.isprintable() else "?" for c in text[: ECHO_LIMIT + 1])
    return cleaned if len(cleaned) <= ECHO_LIMIT else cleaned[:ECHO_LIMIT] + "…"


def _where(error: GraphQLError) -> tuple[str, str, str]:
    """(Vietnamese place, English place, the reason's message) of a value error."""
    message = error.message
    for pattern, vi, en in (
        (_VARIABLE, "Giá trị của biến ${0}{1}", "The value of variable ${0}{1}"),
        (_ARGUMENT, "Giá trị của tham số {0}{1}", "The value of argument {0}{1}"),
    ):
        found = pattern.match(message)
        if found:
            name, path = found.group(1), found.group(2) or ""
            return vi.format(name, path), en.format(name, path), message[found.end() :]
    if error.locations:
        line, column = error.locations[0].line, error.locations[0].column
        return (
            f"Giá trị ở dòng {line}, cột {column}",
            f"The value at line {line}, column {column}",
            message,
        )
    return "Giá trị", "The value", message


def _named(schema: GraphQLSchema | None, type_name: str) -> GraphQLNamedType | None:
    return None if schema is None else schema.get_type(type_name.rstrip("!").strip("[]!"))


def _leaf(schema: GraphQLSchema | None, type_name: str, vi: str, en: str) -> RequestFault:
    """A value its scalar or enum type cannot represent."""
    named = _named(schema, type_name)
    if isinstance(named, GraphQLEnumType):
        values = list(named.values)
        shown = ", ".join(values[:12]) + (", …" if len(values) > 12 else "")
        return RequestFault(
            "ENUM_VALUE_UNKNOWN",
            f"{vi} không phải là giá trị của {named.name}; cần một trong: {shown}.",
            f"{en} is not a value of {named.name}; expected one of: {shown}.",
        )
    code, expected_vi, expected_en = _SCALARS.get(
        type_name, ("VALUE_INVALID", f"một giá trị kiểu {type_name}", f"a {type_name}")
    )
    return RequestFault(
        code,
        f"{vi} không hợp lệ: cần {expected_vi}.",
        f"{en} is not valid: expected {expected_en}.",
    )


def request_fault(error: GraphQLError, schema: GraphQLSchema | None = None) -> RequestFault | None:
    """The typed, bilingual form of a GraphQL request error about a value (literal, variable
    or argument), or None when ``error`` is not one.

    graphql-core words these errors in English only and repeats the client's value (any size,
    any content). This reads the kind of fault from graphql-core's fixed wording (and our
    scalars' :class:`~service.api.scalars.ScalarInvalid`) and writes a message of our own that
    names the place and the expected type, never the value.
    """
    vi, en, reason = _where(error)
    original = error.original_error
    if isinstance(original, ScalarInvalid):
        return _leaf(schema, original.type_name, vi, en)
    if isinstance(error, ScalarInvalid):
        return _leaf(schema, error.type_name, vi, en)
    provided = _PROVIDED.match(reason)
    variable = _VARIABLE.match(error.message)
    no_value = _NO_RUNTIME_VALUE.match(reason)
    missing: tuple[str, str] | None = None
    if provided and variable:  # a declared non-null variable the request did not give
        missing = (variable.group(1), provided.group(1))
    elif no_value:
        missing = (no_value.group(1), no_value.group(2))
    if missing is not None:
        name, type_name = missing
        return RequestFault(
            "VARIABLE_MISSING",
            f"Thiếu giá trị của biến ${name} (kiểu {type_name}).",
            f"The variable ${name} (type {type_name}) was not given a value.",
        )
    found = _NULL.match(reason)
    if found:
        return RequestFault(
            "NULL_NOT_ALLOWED",
            f"{vi} không được để trống (null): kiểu {found.group(1)} bắt buộc có giá trị.",
            f"{en} must not be null: type {found.group(1)} requires a value.",
        )
    found = _OBJECT.match(reason)
    if found:
        return RequestFault(
            "INPUT_OBJECT_EXPECTED",
            f"{vi} phải là một đối tượng kiểu {found.group(1)}.",
            f"{en} must be an object of type {found.group(1)}.",
        )
    found = _FIELD_MISSING.match(reason)
    if found:
        type_name, field_name = found.groups()
        return RequestFault(
            "INPUT_FIELD_MISSING",
            f"{vi} thiếu trường bắt buộc '{field_name}' của kiểu {type_name}.",
            f"{en} lacks the required field '{field_name}' of type {type_name}.",
        )
    found = _FIELD_UNKNOWN.match(reason)
    if found:
        type_name = found.group(1)
        field_name = _echo(reason[found.end() :].split("'", 1)[0])
        return RequestFault(
            "INPUT_FIELD_UNKNOWN",
            f"{vi} có trường '{field_name}' mà kiểu {type_name} không có.",
            f"{en} has a field '{field_name}' that type {type_name} does not define.",
        )
    found = (
        _BUILT_IN.match(reason)
        or _ENUM.match(reason)
        or _ENUM_VALUE.match(reason)
        or _LEAF.match(reason)
    )
    if found:
        return _leaf(schema, found.group(1), vi, en)
    found = _ARGUMENT_MISSING.match(reason)
    if found:
        field_name, argument, type_name = found.groups()
        return RequestFault(
            "ARGUMENT_MISSING",
            f"Thiếu tham số bắt buộc {argument} (kiểu {type_name}) của {field_name}.",
            f"The required argument {argument} (type {type_name}) of {field_name} is missing.",
        )
    found = _ARGUMENT_MISSING_RUNTIME.match(reason)
    if found:
        argument, type_name = found.groups()
        return RequestFault(
            "ARGUMENT_MISSING",
            f"Thiếu tham số bắt buộc {argument} (kiểu {type_name}).",
            f"The required argument {argument} (type {type_name}) is missing.",
        )
    if _TOO_DEEP.match(reason):
        return RequestFault(
            "VARIABLES_TOO_DEEP",
            "Giá trị của biến lồng nhau quá sâu.",
            "The variables' values are nested too deeply.",
        )
    return None


#: A NUL character in a string (a literal or a variable): refused before anything runs.
NUL_CHARACTER = RequestFault(
    "NUL_CHARACTER",
    "Yêu cầu chứa ký tự NUL (\\u0000) trong một chuỗi; ký tự này không được phép.",
    "The request holds a NUL character (\\u0000) in a string; it is not allowed.",
)


#: The store cannot answer now (PostgreSQL down or restarting, SQLite's write lock busy): the
#: HTTP layer answers 503 with ``Retry-After``; nothing was recorded unless the client is told so.
STORE_UNAVAILABLE = RequestFault(
    "STORE_UNAVAILABLE",
    "Kho dữ liệu tạm thời không trả lời (đang khởi động lại hoặc quá tải); vui lòng thử lại sau "
    "ít giây.",
    "The data store is temporarily unavailable (restarting or overloaded); retry in a few seconds.",
)


def is_client_fault(error: GraphQLError, schema: GraphQLSchema | None = None) -> bool:
    """Whether ``error`` is the client's doing (a malformed request, a refusal), not a bug."""
    return request_fault(error, schema) is not None or not should_mask(error)


def _is_ours(error: GraphQLError) -> bool:
    """Errors that already carry our code and both languages."""
    extensions = error.extensions or {}
    return bool(extensions.get("code") and extensions.get("messageVi"))


class RequestErrors(SchemaExtension):
    """Types every error of a result, after the operation (in place of strawberry's MaskErrors):

    - ours (domain errors, refusals, errors already carrying a code) pass unchanged;
    - GraphQL's errors about a value — literal, variable or argument: a bad scalar, an unknown
      enum value, a missing, unknown or null field, a missing variable or argument — become
      :func:`request_fault`'s typed, bilingual error;
    - the store not answering now (:func:`~service.store.outage.store_unavailable`) becomes
      ``STORE_UNAVAILABLE`` (503 with ``Retry-After`` once the HTTP layer sees it);
    - any other error raised while running (a bug, a database failure) is masked as
      "Unexpected error." (``INTERNAL_ERROR`` once the HTTP layer describes it);
    - GraphQL's other request errors (syntax, unknown fields, limits) pass to the HTTP layer,
      which gives them their code (``service.api.app``).
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        schema = self.execution_context.schema._schema
        result.errors = [self._typed(error, schema) for error in result.errors]

    @staticmethod
    def _typed(error: GraphQLError, schema: GraphQLSchema) -> GraphQLError:
        if _is_ours(error) or isinstance(error.original_error, DomainError | PermissionRefused):
            return error
        fault = request_fault(error, schema)
        if fault is None and store_unavailable(error.original_error):
            fault = STORE_UNAVAILABLE
        if fault is not None:
            return GraphQLError(
                fault.message_en,
                nodes=error.nodes,
                path=error.path,
                extensions=fault.extensions,
            )
        if should_mask(error):
            return GraphQLError(MASKED_MESSAGE, nodes=error.nodes, path=error.path)
        return error
