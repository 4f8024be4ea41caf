"""Per-tenant event store: settings → :class:`Store` → registry and tenant applications.

SQLite (embedded default): ``<data_dir>/registry.sqlite`` and one file per tenant,
``<data_dir>/tenants/<slug>.sqlite``. PostgreSQL: one pool per process, the registry in
``platform.tenants`` and one schema ``t_<slug>`` per tenant (see ``service.store.postgres``).
"""

from __future__ import annotations

from service.errors import ConcurrentChange, TenantDisabled, TenantMismatch
from service.store.app import TenantApplication
from service.store.registry import (
    Tenant,
    TenantKind,
    TenantRegistry,
    tenant_schema,
    validate_slug,
)
from service.store.store import Store

__all__ = [
    "ConcurrentChange",
    "Store",
    "Tenant",
    "TenantApplication",
    "TenantDisabled",
    "TenantKind",
    "TenantMismatch",
    "TenantRegistry",
    "tenant_schema",
    "validate_slug",
]
