"""Canonical input: how every field of a command or value is written, once.

A field is declared with one of the field specifiers below (``code``, ``name``, ``text``,
``count``, ``day``, ``number``, ``parsed``, ``identity``, ``given``); each carries the field's
description and its bounds. :func:`canonical` walks a command (or a mapping of raw values, as a
transport received them) and returns the canonical command: text in Unicode NFC, codes without
invisible, control, bidi or non-ASCII-digit characters, names with a letter, bounded lengths,
numbers and dates. Every violation of one input is reported together
(:class:`~domain.errors.InputViolations`), each with the field's path as the client wrote it.

The bounds are documented in ``docs/commands.md``.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar, dataclass_transform

from domain.errors import DomainError, InputViolations, Violation

T = TypeVar("T")

#: Nothing of the procedure happened before this date.
EARLIEST_DATE = date(1900, 1, 1)
#: Names of people, units, bodies and organisations.
NAME_MAX = 200
#: Codes (case, unit, member id), document numbers and forms.
CODE_MAX = 64
#: Notes, reasons, explanations, conclusions.
TEXT_MAX = 10_000
#: Candidates are found at this age at the earliest (the branch meeting needs 18).
DISCOVERY_MIN_AGE = 16

#: Bidirectional overrides and isolates: they reorder what a reader sees.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_SPEC = "ketnap_spec"


class Bad(Exception):
    """One field's value is refused (turned into a :class:`Violation` with its path)."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


# --- characters ---------------------------------------------------------------------------------
def _shown(value: str) -> str:
    """A short, printable form of a refused value for messages."""
    clean = "".join(c if unicodedata.category(c)[0] not in "CZ" or c == " " else "?" for c in value)
    return clean if len(clean) <= 40 else clean[:40] + "…"


def _invisible(c: str) -> bool:
    """Control, format (zero-width, BOM, bidi), separator or private-use characters."""
    return unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"} or c in _BIDI


def _nfc(value: object, what_vi: str, what_en: str) -> str:
    if not isinstance(value, str):
        raise Bad("TEXT_EXPECTED", f"{what_vi} phải là chữ.", f"The {what_en} must be text.")
    if "\x00" in value:
        raise Bad(
            "CONTROL_CHARACTER",
            f"{what_vi} chứa ký tự NUL.",
            f"The {what_en} contains a NUL character.",
        )
    return unicodedata.normalize("NFC", value)


def _foreign_digit(c: str) -> bool:
    return unicodedata.category(c) == "Nd" and not "0" <= c <= "9"


# --- specs --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Spec:
    """How one field is written: its description and how a raw value becomes canonical."""

    description: str
    #: The field's name in the GraphQL schema when it is not the camelCase of the Python name.
    graphql_name: str | None = None

    def clean(self, value: Any, today: date) -> Any:
        """The canonical value (raises :class:`Bad`)."""
        return value


@dataclasses.dataclass(frozen=True)
class CodeSpec(Spec):
    """A code (case, unit, member id) or a document's number/form: printable, no invisible
    characters, no whitespace at the ends (inner single spaces only where ``spaces``), ASCII
    digits, NFC, 1–64 characters."""

    spaces: bool = False
    optional: bool = False

    def clean(self, value: Any, today: date) -> str:
        text = _nfc(value, "Mã", "code")
        if not text and self.optional:
            return text
        if not text.strip():
            raise Bad("CODE_REQUIRED", "Mã không được để trống.", "The code is required.")
        if len(text) > CODE_MAX:
            raise Bad(
                "CODE_TOO_LONG",
                f"Mã dài quá {CODE_MAX} ký tự.",
                f"The code is longer than {CODE_MAX} characters.",
            )
        if text != text.strip():
            raise Bad(
                "CODE_WHITESPACE",
                f"Mã «{_shown(text)}» có khoảng trắng ở đầu hoặc cuối.",
                f"The code '{_shown(text)}' has whitespace at its start or end.",
            )
        # isprintable(): no control, format (bidi, zero-width), separator but the space,
        # surrogate, private-use or unassigned character, so only spaces and (outside ASCII)
        # foreign digits are left to look for, one character at a time
        clean = text.isprintable() and (self.spaces or " " not in text)
        for c in "" if clean and text.isascii() else text:
            if not clean and (_invisible(c) or (c.isspace() and (c != " " or not self.spaces))):
                raise Bad(
                    "CODE_INVISIBLE_CHARACTER",
                    f"Mã «{_shown(text)}» chứa ký tự ẩn, ký tự điều khiển hoặc khoảng trắng "
                    f"(U+{ord(c):04X}).",
                    f"The code '{_shown(text)}' contains an invisible, control or space "
                    f"character (U+{ord(c):04X}).",
                )
            if _foreign_digit(c):
                raise Bad(
                    "CODE_DIGITS",
                    f"Mã «{_shown(text)}» phải dùng chữ số 0-9 thông thường.",
                    f"The code '{_shown(text)}' must use the digits 0-9.",
                )
        if "  " in text:
            raise Bad(
                "CODE_WHITESPACE",
                f"Mã «{_shown(text)}» có nhiều khoảng trắng liền nhau.",
                f"The code '{_shown(text)}' has several spaces in a row.",
            )
        return text


@dataclasses.dataclass(frozen=True)
class NameSpec(Spec):
    """A name (person, unit, body): NFC, inner whitespace collapsed, ends trimmed, contains a
    letter, no control or invisible characters, at most 200 characters."""

    optional: bool = False

    def clean(self, value: Any, today: date) -> str:
        text = re.sub(r" {2,}", " ", _nfc(value, "Tên", "name").strip())
        if not text and self.optional:
            return text
        for c in "" if text.isprintable() else text:  # printable: nothing invisible
            if _invisible(c) or (c.isspace() and c != " "):
                raise Bad(
                    "NAME_INVALID_CHARACTER",
                    f"Tên chứa ký tự ẩn hoặc ký tự điều khiển (U+{ord(c):04X}).",
                    f"The name contains an invisible or control character (U+{ord(c):04X}).",
                )
        if not any(c.isalpha() for c in text):
            raise Bad(
                "NAME_REQUIRED",
                "Tên phải có ít nhất một chữ cái.",
                "The name must contain at least one letter.",
            )
        if len(text) > NAME_MAX:
            raise Bad(
                "NAME_TOO_LONG",
                f"Tên dài quá {NAME_MAX} ký tự ({len(text)}).",
                f"The name is longer than {NAME_MAX} characters ({len(text)}).",
            )
        return text


@dataclasses.dataclass(frozen=True)
class TextSpec(Spec):
    """Free text (notes, reasons): NFC, line ends as ``\\n``, ends trimmed, no control or bidi
    characters besides tab and newline, at most 10,000 characters; ``required`` needs a letter
    or digit."""

    required: bool = False
    max_length: int = TEXT_MAX

    def clean(self, value: Any, today: date) -> str:
        text = _nfc(value, "Nội dung", "text").replace("\r\n", "\n").replace("\r", "\n").strip()
        for c in text:
            if c not in "\n\t" and (
                unicodedata.category(c) in {"Cc", "Cs", "Co", "Zl", "Zp"} or c in _BIDI
            ):
                raise Bad(
                    "TEXT_INVALID_CHARACTER",
                    f"Nội dung chứa ký tự điều khiển (U+{ord(c):04X}).",
                    f"The text contains a control character (U+{ord(c):04X}).",
                )
        if len(text) > self.max_length:
            raise Bad(
                "TEXT_TOO_LONG",
                f"Nội dung dài quá {self.max_length:,} ký tự ({len(text):,}).".replace(",", "."),
                f"The text is longer than {self.max_length:,} characters ({len(text):,}).",
            )
        if self.required and not any(c.isalnum() for c in text):
            raise Bad("TEXT_REQUIRED", "Phải ghi rõ nội dung.", "This text is required.")
        return text


@dataclasses.dataclass(frozen=True)
class CountSpec(Spec):
    """A whole number within ``minimum``–``maximum`` (not 0 where ``nonzero``)."""

    minimum: int = 0
    maximum: int = 100_000
    nonzero: bool = False

    def clean(self, value: Any, today: date) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Bad("NUMBER_EXPECTED", "Phải là một số nguyên.", "A whole number is expected.")
        if not self.minimum <= value <= self.maximum:
            raise Bad(
                "NUMBER_OUT_OF_RANGE",
                f"Số {value} nằm ngoài khoảng cho phép {self.minimum}–{self.maximum}.",
                f"The number {value} is outside the allowed range {self.minimum}–{self.maximum}.",
            )
        if self.nonzero and value == 0:
            raise Bad("NUMBER_ZERO", "Số phải khác 0.", "The number cannot be 0.")
        return value


@dataclasses.dataclass(frozen=True)
class DecimalSpec(Spec):
    """A decimal number, written as text ("1.5") or given as a number, within bounds."""

    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(1_000_000)
    #: In a mapping, a missing (or null) value takes this other field's value.
    same_as: str | None = None

    def clean(self, value: Any, today: date) -> Decimal:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        else:
            text = _nfc(value, "Số", "number")
            if not re.fullmatch(r"[+-]?[0-9]{1,12}(\.[0-9]{1,6})?", text):
                raise Bad(
                    "NUMBER_INVALID",
                    f"«{_shown(text)}» không phải là một số (viết ví dụ 1.5).",
                    f"'{_shown(text)}' is not a number (write e.g. 1.5).",
                )
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                number = Decimal("NaN")
        if not number.is_finite() or not self.minimum <= number <= self.maximum:
            raise Bad(
                "NUMBER_OUT_OF_RANGE",
                f"Số {number} nằm ngoài khoảng cho phép {self.minimum}–{self.maximum}.",
                f"The number {number} is outside the allowed range {self.minimum}–{self.maximum}.",
            )
        return number


@dataclasses.dataclass(frozen=True)
class DaySpec(Spec):
    """A date from 1900 on; not after today where the thing has happened (``past``), else at
    most ``future_years`` ahead."""

    past: bool = True
    future_years: int = 5

    def clean(self, value: Any, today: date) -> date:
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            raise Bad("DATE_EXPECTED", "Phải là một ngày.", "A date is expected.")
        latest = today if self.past else date(min(today.year + self.future_years, 9999), 12, 31)
        if value < EARLIEST_DATE:
            raise Bad(
                "DATE_TOO_EARLY",
                f"Ngày {value:%d/%m/%Y} trước năm 1900.",
                f"The date {value:%d/%m/%Y} is before 1900.",
            )
        if value > latest:
            if self.past:
                raise Bad(
                    "DATE_IN_FUTURE",
                    f"Ngày {value:%d/%m/%Y} nằm trong tương lai (hôm nay là {today:%d/%m/%Y}).",
                    f"The date {value:%d/%m/%Y} is in the future (today is {today:%d/%m/%Y}).",
                )
            raise Bad(
                "DATE_TOO_LATE",
                f"Ngày {value:%d/%m/%Y} quá xa trong tương lai (muộn nhất {latest:%d/%m/%Y}).",
                f"The date {value:%d/%m/%Y} is too far ahead (at the latest {latest:%d/%m/%Y}).",
            )
        return value


@dataclasses.dataclass(frozen=True)
class IdentitySpec(Spec):
    """A personal identity number: 9 (CMND) or 12 (CCCD) ASCII digits, or empty."""

    def clean(self, value: Any, today: date) -> str:
        text = _nfc(value, "Số định danh", "identity number")
        if text and not re.fullmatch(r"[0-9]{9}|[0-9]{12}", text):
            raise Bad(
                "IDENTITY_NUMBER_INVALID",
                "Số định danh cá nhân phải gồm 9 hoặc 12 chữ số.",
                "An identity number has 9 or 12 digits.",
            )
        return text


@dataclasses.dataclass(frozen=True)
class ParsedSpec(Spec):
    """A value written as a code (e.g. a period, "2024-Q3") and read by ``parse``; a value
    that already is of type ``kind`` passes as it is. GraphQL carries it as text."""

    kind: type = object
    parse: Callable[[str], Any] = str

    def clean(self, value: Any, today: date) -> Any:
        if isinstance(value, self.kind):
            return value
        text = CodeSpec(self.description).clean(value, today)
        try:
            return self.parse(text)
        except DomainError as error:
            raise Bad(error.code, error.message_vi, error.message_en) from None


# --- field specifiers ---------------------------------------------------------------------------
def _field(spec: Spec, default: Any = MISSING) -> Any:
    return dataclasses.field(default=default, metadata={_SPEC: spec})


def code(
    description: str,
    *,
    default: Any = MISSING,
    spaces: bool = False,
    graphql_name: str | None = None,
) -> Any:
    """A code: case, unit or member id, or a document's form and number (``spaces`` inside)."""
    optional = default is None or default == ""
    return _field(CodeSpec(description, graphql_name, spaces, optional), default)


def name(description: str, *, default: Any = MISSING, graphql_name: str | None = None) -> Any:
    """A name of a person, unit, body or organisation."""
    optional = default is None or default == ""
    return _field(NameSpec(description, graphql_name, optional), default)


def text(description: str, *, default: Any = MISSING, required: bool = False) -> Any:
    """Free text: notes (``default=""``), or a reason/explanation that must be given."""
    return _field(TextSpec(description, None, required), default)


def count(
    description: str,
    *,
    default: Any = MISSING,
    minimum: int = 0,
    maximum: int = 100_000,
    nonzero: bool = False,
) -> Any:
    """A whole number within bounds."""
    return _field(CountSpec(description, None, minimum, maximum, nonzero), default)


def number(
    description: str,
    *,
    default: Any = MISSING,
    minimum: Decimal = Decimal(0),
    maximum: Decimal = Decimal(1_000_000),
    same_as: str | None = None,
) -> Any:
    """A decimal number (GraphQL: written as text); ``same_as``: when left out, the value of
    that other field."""
    return _field(DecimalSpec(description, None, minimum, maximum, same_as), default)


def day(
    description: str,
    *,
    default: Any = MISSING,
    past: bool = True,
    future_years: int = 5,
    graphql_name: str | None = None,
) -> Any:
    """A business date (``past``: it has happened, so not after today)."""
    return _field(DaySpec(description, graphql_name, past, future_years), default)


def identity(description: str, *, default: Any = MISSING) -> Any:
    """A personal identity number."""
    return _field(IdentitySpec(description), default)


def parsed(
    description: str, *, kind: type, parse: Callable[[str], Any], default: Any = MISSING
) -> Any:
    """A value of type ``kind`` written as text and read by ``parse`` (a period)."""
    return _field(ParsedSpec(description, None, kind, parse), default)


def given(description: str, *, default: Any = MISSING, graphql_name: str | None = None) -> Any:
    """A field checked by its type alone (enums, booleans) or a nested value walked in turn."""
    return _field(Spec(description, graphql_name), default)


@dataclass_transform(
    frozen_default=True,
    kw_only_default=True,
    field_specifiers=(code, name, text, count, number, day, identity, parsed, given),
)
def command(cls: type[T]) -> type[T]:
    """A command: a frozen, keyword-only dataclass whose fields are declared once."""
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)


@dataclass_transform(
    frozen_default=True,
    field_specifiers=(code, name, text, count, number, day, identity, parsed, given),
)
def value(cls: type[T]) -> type[T]:
    """A value object (stored in events) whose fields are declared with their input rules."""
    return dataclasses.dataclass(frozen=True)(cls)


# --- reading the declarations -------------------------------------------------------------------
def spec_of(f: Field[Any]) -> Spec:
    """The spec a field was declared with (a bare description-less one if none)."""
    spec = f.metadata.get(_SPEC)
    return spec if isinstance(spec, Spec) else Spec("")


_HINTS: dict[type, dict[str, Any]] = {}


def hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a dataclass (read once per class)."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); ``X`` → (X, False)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0], True
    return hint, False


def nested_value(hint: Any) -> type | None:
    """The value dataclass a field holds (possibly optional), or None for a leaf."""
    inner, _ = unwrap_optional(hint)
    if isinstance(inner, type) and dataclasses.is_dataclass(inner) and spec_fields(inner):
        return inner
    return None


def spec_fields(cls: type) -> list[Field[Any]]:
    """The init fields of a dataclass declared with specs (empty when it declares none)."""
    fields = [f for f in dataclasses.fields(cls) if f.init]
    return fields if any(_SPEC in f.metadata for f in fields) else []


NameOf = Callable[[Field[Any]], str]


def python_name(f: Field[Any]) -> str:
    """The path segment of a field in Python callers' errors."""
    return f.name


# --- canonical ----------------------------------------------------------------------------------
class _Failed:
    pass


_FAILED = _Failed()


def canonical(
    cls: type[T],
    raw: T | Mapping[str, Any],
    *,
    today: date,
    name_of: NameOf = python_name,
    prefix: str = "",
) -> T:
    """``raw`` (an instance of ``cls`` or a mapping of raw field values, nested values as
    mappings or instances) as a canonical instance of ``cls``; every violation is reported at
    once in one :class:`InputViolations`."""
    violations: list[Violation] = []
    built = _build(cls, raw, today, name_of, prefix, violations)
    if violations or isinstance(built, _Failed):
        raise InputViolations(violations)
    return typing.cast(T, built)


def _join(prefix: str, segment: str) -> str:
    return f"{prefix}.{segment}" if prefix and segment else prefix or segment


def client_path(cls: type, dotted: str | None, name_of: NameOf, prefix: str) -> str | None:
    """A domain error's Python field path (``person.birth_date``) in the caller's naming
    (``input.person.birthDate``); a path that names no field of ``cls`` stays as it is."""
    first = (dotted or "").split(".")[0]
    if not any(f.name == first for f in dataclasses.fields(cls)):
        return dotted
    path, current = prefix, cls
    for segment in (dotted or "").split("."):
        if not segment:
            continue
        found = next((f for f in dataclasses.fields(current) if f.name == segment), None)
        if found is None:
            path = _join(path, segment)
            continue
        path = _join(path, name_of(found))
        current = nested_value(hints(current)[found.name]) or current
    return path


@dataclasses.dataclass(frozen=True)
class _FieldPlan:
    """What ``_build`` needs of one field, worked out once per class (the type hints, the
    optional wrapper and the nested value type cost more to find than to check a value)."""

    field: Field[Any]
    spec: Spec
    hint: Any
    inner: Any
    optional: bool
    nested: type | None


_PLANS: dict[type, tuple[_FieldPlan, ...]] = {}


def _plan(cls: type) -> tuple[_FieldPlan, ...]:
    found = _PLANS.get(cls)
    if found is None:
        plans = []
        for f in spec_fields(cls):
            hint = hints(cls)[f.name]
            inner, optional = unwrap_optional(hint)
            plans.append(_FieldPlan(f, spec_of(f), hint, inner, optional, nested_value(hint)))
        found = _PLANS[cls] = tuple(plans)
    return found


def _build(
    cls: type,
    raw: Any,
    today: date,
    name_of: NameOf,
    prefix: str,
    violations: list[Violation],
) -> Any:
    plans = _plan(cls)
    if not plans:
        return raw
    mapping = type(raw) is dict or isinstance(raw, Mapping)  # the ABC check costs more
    if mapping:
        unknown = set(raw) - {p.field.name for p in plans}
        for key in sorted(unknown):
            violations.append(
                Violation(
                    _join(prefix, str(key)),
                    "FIELD_UNKNOWN",
                    f"Trường «{_shown(str(key))}» không tồn tại.",
                    f"There is no field '{_shown(str(key))}'.",
                )
            )
    elif not isinstance(raw, cls):
        violations.append(
            Violation(
                prefix, "VALUE_EXPECTED", "Thiếu giá trị hợp lệ.", "A valid value is expected."
            )
        )
        return _FAILED
    values: dict[str, Any] = {}
    same_as: list[tuple[str, str]] = []
    failed = False
    for plan in plans:
        f = plan.field
        spec = plan.spec
        if mapping:
            if isinstance(spec, DecimalSpec) and spec.same_as and raw.get(f.name) is None:
                same_as.append((f.name, spec.same_as))
                continue
            if f.name in raw:
                given_value = raw[f.name]
            elif f.default is not MISSING:
                given_value = f.default
            elif plan.optional:
                given_value = None
            else:
                violations.append(
                    Violation(
                        _join(prefix, name_of(f)),
                        "FIELD_REQUIRED",
                        "Thiếu trường bắt buộc.",
                        "This field is required.",
                    )
                )
                failed = True
                continue
        else:
            given_value = getattr(raw, f.name)
        if given_value is None:
            if plan.optional:
                values[f.name] = None
                continue
            violations.append(
                Violation(
                    _join(prefix, name_of(f)),
                    "FIELD_REQUIRED",
                    "Thiếu trường bắt buộc.",
                    "This field is required.",
                )
            )
            failed = True
            continue
        if plan.nested is not None:
            built = _build(
                plan.nested, given_value, today, name_of, _join(prefix, name_of(f)), violations
            )
        else:
            try:
                built = _leaf_value(spec, plan.inner, given_value, today)
            except Bad as bad:
                violations.append(
                    Violation(_join(prefix, name_of(f)), bad.code, bad.message_vi, bad.message_en)
                )
                built = _FAILED
        if built is _FAILED:
            failed = True
        else:
            values[f.name] = built
    if failed:
        return _FAILED
    for field_name, other in same_as:
        values[field_name] = values[other]
    try:
        instance = cls(**values)
        check = getattr(instance, "check_input", None)
        if check is not None:
            check()
    except DomainError as error:
        violations.append(
            Violation(
                client_path(cls, error.field, name_of, prefix) or prefix,
                error.code,
                error.message_vi,
                error.message_en,
            )
        )
        return _FAILED
    return instance


def _leaf_value(spec: Spec, inner: Any, value: Any, today: date) -> Any:
    if isinstance(inner, type) and issubclass(inner, Enum):
        if isinstance(value, inner):
            return value
        try:  # its value, a name the enum reads (``_missing_``: "Tày"), or its member's name
            return inner(value)
        except (ValueError, TypeError):
            pass
        try:
            return inner[value]
        except (KeyError, TypeError):
            raise _unknown(inner, value) from None
    if inner is bool and not isinstance(value, bool):
        raise Bad("BOOLEAN_EXPECTED", "Phải là đúng hoặc sai.", "True or false is expected.")
    return spec.clean(value, today)


def _unknown(kind: type[Enum], value: Any) -> Bad:
    """An enum value refused, with a hint: the allowed names (up to 12), or — for an enum that
    offers ``suggestions`` (the lists of ethnic groups and religions) — the close names."""
    shown = _shown(str(value))
    suggest = getattr(kind, "suggestions", None)
    if callable(suggest) and isinstance(value, str):
        close = ", ".join(suggest(value))
        return Bad(
            "VALUE_UNKNOWN",
            f"Giá trị «{shown}» không có trong danh mục {kind.__name__} ({len(kind)} giá trị, "
            "mã hoặc tên tiếng Việt)" + (f"; có phải: {close}?" if close else "."),
            f"The value '{shown}' is not in the list {kind.__name__} ({len(kind)} values, by "
            "code or Vietnamese name)" + (f"; did you mean: {close}?" if close else "."),
        )
    names = [m.name for m in kind]
    allowed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return Bad(
        "VALUE_UNKNOWN",
        f"Giá trị «{shown}» không có trong danh sách cho phép ({allowed}).",
        f"The value '{shown}' is not one of the allowed values ({allowed}).",
    )
