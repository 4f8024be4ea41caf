"""Refusals raised by the service layer; domain errors, so they carry a code and two messages."""

from __future__ import annotations

from domain.errors import DomainError


class ConcurrentChange(DomainError):
    """Another command appended to the same aggregate first (optimistic concurrency)."""

    def __init__(self) -> None:
        super().__init__(
            "CONCURRENT_CHANGE",
            "Dữ liệu vừa bị thay đổi đồng thời, vui lòng thử lại.",
            "The record was changed concurrently; retry.",
        )


class TenantDisabled(DomainError):
    """The tenant is disabled: its history can be read but nothing can be recorded."""

    def __init__(self, slug: str) -> None:
        super().__init__(
            "TENANT_DISABLED",
            f"Đơn vị sử dụng '{slug}' đã bị khóa, không thể ghi dữ liệu.",
            f"The tenant '{slug}' is disabled; nothing can be recorded.",
            field="tenant",
        )
        self.slug = slug


class TenantMismatch(DomainError):
    """An aggregate of one tenant was handed to another tenant's store."""

    def __init__(self, tenant: str, aggregate_tenant: object) -> None:
        super().__init__(
            "TENANT_MISMATCH",
            f"Không thể ghi dữ liệu của đơn vị {aggregate_tenant!r} vào đơn vị '{tenant}'.",
            f"Cannot record data of tenant {aggregate_tenant!r} in tenant '{tenant}'.",
            field="tenant",
        )
