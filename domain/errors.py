"""Domain errors: every refusal carries a stable code and a Vietnamese and an English message."""

from __future__ import annotations


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
