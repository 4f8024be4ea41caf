"""Domain errors: every refusal carries a stable code and a Vietnamese and an English message."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A command was refused; nothing was recorded.

    ``code`` is stable (clients switch on it), ``message_vi``/``message_en`` are shown to people,
    ``regulation`` names the source text of the rule where one applies, ``field`` names the
    offending input where there is one.
    """

    def __init__(
        self,
        code: str,
        message_vi: str,
        message_en: str,
        *,
        regulation: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(f"[{code}] {message_en} / {message_vi}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.regulation = regulation
        self.field = field

    @property
    def extensions(self) -> dict[str, str | None]:
        """The error as the ``extensions`` of a GraphQL error (camelCase keys)."""
        return {
            "code": self.code,
            "messageVi": self.message_vi,
            "messageEn": self.message_en,
            "regulation": self.regulation,
            "field": self.field,
        }

    def as_dict(self) -> dict[str, str | None]:
        """The error as plain data, for CLI output and API payloads."""
        return {
            "code": self.code,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "regulation": self.regulation,
            "field": self.field,
        }


class RuleViolation(DomainError):
    """A rule of the admission procedure forbids the action (see ``domain.rules``)."""


class StageOrderError(DomainError):
    """The step is not allowed at the case's current stage."""


class InvalidInput(DomainError):
    """The input is malformed or inconsistent (bad date, empty name, unknown value)."""


class NotFound(DomainError):
    """The named thing does not exist in this tenant."""


@dataclass(frozen=True)
class Violation:
    """One refused field of an input: its path as the client wrote it, a code, two messages."""

    path: str
    code: str
    message_vi: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        """The violation as plain data."""
        return {
            "path": self.path,
            "code": self.code,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


class InputViolations(InvalidInput):
    """One input broke several field rules: all of them, each with its path.

    With one violation the error takes its code, messages and field; with more the code is
    ``INPUT_INVALID`` and the messages list every violation.
    """

    def __init__(self, violations: list[Violation]) -> None:
        if not violations:
            violations = [Violation("", "INPUT_INVALID", "Dữ liệu không hợp lệ.", "Invalid input.")]
        first = violations[0]
        if len(violations) == 1:
            super().__init__(first.code, first.message_vi, first.message_en, field=first.path)
        else:
            super().__init__(
                "INPUT_INVALID",
                f"Dữ liệu có {len(violations)} lỗi: "
                + "; ".join(f"{v.path}: {v.message_vi.rstrip('.')}" for v in violations)
                + ".",
                f"The input has {len(violations)} errors: "
                + "; ".join(f"{v.path}: {v.message_en.rstrip('.')}" for v in violations)
                + ".",
                field=first.path,
            )
        self.violations = tuple(violations)
