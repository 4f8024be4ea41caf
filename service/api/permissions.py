"""Who may do what through GraphQL: capabilities per role, checked on every field and mutation.

=====================  =========================================================================
role                   may
=====================  =========================================================================
``organizer``          read everything of its tenant (personal data included); write anything
``branch_secretary``   read dashboards and the cases of its units (while a case is in them, on the
                       cut asked for and now); write for candidates of units inside its scope
                       (the token's open ``units`` and everything under them now)
``leader``             read dashboards (figures, counts, the org tree, settings); no names
``auditor``            read everything, audit history, the access log and chain verification
                       included; write nothing
``platform_operator``  list and create tenants; no tenant data at all
=====================  =========================================================================

Every root field and mutation carries ``permission_classes=needs(Capability.X)``; the
tenant-isolation tests read these from the schema, so a new field cannot go unguarded.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from domain.errors import DomainError
from domain.values import Role


class Capability(Enum):
    """What a field needs."""

    READ_DASHBOARDS = "read_dashboards"
    READ_CASES = "read_cases"
    READ_AUDIT = "read_audit"
    VERIFY_HISTORY = "verify_history"
    WRITE = "write"
    WRITE_CASES = "write_cases"
    MANAGE_TENANTS = "manage_tenants"
    AUTHENTICATED = "authenticated"


_TENANT_READERS = (Role.ORGANIZER, Role.BRANCH_SECRETARY, Role.LEADER, Role.AUDITOR)

ROLE_CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.READ_DASHBOARDS: frozenset(_TENANT_READERS),
    Capability.READ_CASES: frozenset({Role.ORGANIZER, Role.BRANCH_SECRETARY, Role.AUDITOR}),
    Capability.READ_AUDIT: frozenset({Role.ORGANIZER, Role.AUDITOR}),
    Capability.VERIFY_HISTORY: frozenset({Role.AUDITOR}),
    Capability.WRITE: frozenset({Role.ORGANIZER}),
    Capability.WRITE_CASES: frozenset({Role.ORGANIZER, Role.BRANCH_SECRETARY}),
    Capability.MANAGE_TENANTS: frozenset({Role.PLATFORM_OPERATOR}),
    Capability.AUTHENTICATED: frozenset(Role),
}

#: Capabilities that read or change one tenant's data (a token without a tenant has none).
TENANT_CAPABILITIES = frozenset(
    c for c in Capability if c not in (Capability.MANAGE_TENANTS, Capability.AUTHENTICATED)
)


class Forbidden(DomainError):
    """The caller's roles or unit scope do not allow this."""

    def __init__(self, what_vi: str, what_en: str, *, field: str | None = None) -> None:
        super().__init__(
            "FORBIDDEN",
            f"Bạn không có quyền {what_vi}.",
            f"You are not allowed to {what_en}.",
            field=field,
        )


_DESCRIPTIONS: dict[Capability, tuple[str, str]] = {
    Capability.READ_DASHBOARDS: ("xem số liệu tổng hợp của đơn vị", "read the tenant's dashboards"),
    Capability.READ_CASES: ("xem hồ sơ quần chúng", "read candidates' cases"),
    Capability.READ_AUDIT: ("xem lịch sử kiểm tra", "read the audit history"),
    Capability.VERIFY_HISTORY: (
        "kiểm tra tính toàn vẹn của lịch sử và nhật ký truy cập",
        "verify the history or read the access log",
    ),
    Capability.WRITE: ("ghi dữ liệu của đơn vị", "record changes in this tenant"),
    Capability.WRITE_CASES: ("ghi các bước của hồ sơ", "record steps of candidates' cases"),
    Capability.MANAGE_TENANTS: ("quản lý đơn vị sử dụng", "manage tenants"),
    Capability.AUTHENTICATED: ("truy cập", "access this"),
}


def forbidden(capability: Capability) -> Forbidden:
    """The bilingual refusal for a missing capability."""
    vi, en = _DESCRIPTIONS[capability]
    return Forbidden(vi, en)


def allows(roles: frozenset[Role], tenant: str | None, capability: Capability) -> bool:
    """Whether a caller with ``roles`` (in ``tenant``) has ``capability``."""
    if capability in TENANT_CAPABILITIES and tenant is None:
        return False
    return bool(roles & ROLE_CAPABILITIES[capability])


class PermissionRefused(GraphQLError):
    """GraphQL error raised by a refused permission; carries the domain error's extensions."""


_PERMISSIONS: dict[Capability, type[BasePermission]] = {}


def _permission(capability: Capability) -> type[BasePermission]:
    if capability in _PERMISSIONS:
        return _PERMISSIONS[capability]
    refusal = forbidden(capability)

    class Needs(BasePermission):
        message = f"{refusal.message_en} / {refusal.message_vi}"
        error_class = PermissionRefused
        error_extensions = {  # noqa: RUF012 - read by strawberry
            "code": refusal.code,
            "messageVi": refusal.message_vi,
            "messageEn": refusal.message_en,
        }
        required = capability

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            return allows(principal.roles, principal.tenant, capability)

    Needs.__name__ = f"Needs_{capability.value}"
    _PERMISSIONS[capability] = Needs
    return Needs


def needs(capability: Capability) -> list[type[BasePermission]]:
    """``permission_classes`` for a field that needs ``capability``."""
    return [_permission(capability)]


def capability_of(permission_classes: list[Any]) -> Capability | None:
    """The capability a field's permission classes require (None when unguarded)."""
    for cls in permission_classes:
        required = getattr(cls, "required", None)
        if isinstance(required, Capability):
            return required
    return None
