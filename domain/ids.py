"""Aggregate ids: ``uuid5(tenant namespace, natural key)``, so an id belongs to one tenant."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

from domain.tenant_merge import closing_key, reception_key

KETNAP_NAMESPACE = UUID("6f1c9a52-3f0e-5d6b-9a57-4b0c1e1c2a11")


@lru_cache(maxsize=4096)
def tenant_namespace(tenant: str) -> UUID:
    """The namespace every id of ``tenant`` is derived in (computed once per tenant: every id
    of a command derives from it)."""
    return uuid5(KETNAP_NAMESPACE, f"tenant:{tenant}")


def unit_id(tenant: str, code: str) -> UUID:
    """Id of the org unit with ``code`` in ``tenant``."""
    return uuid5(tenant_namespace(tenant), f"unit:{code}")


@lru_cache(maxsize=65536)
def candidate_id(tenant: str, case_code: str) -> UUID:
    """Id of the candidate case ``case_code`` in ``tenant`` (remembered: every command of a
    case derives it again, ~10 per case in an import)."""
    return uuid5(tenant_namespace(tenant), f"candidate:{case_code}")


def quota_plan_id(tenant: str, unit_code: str, period_key: str) -> UUID:
    """Id of the quota plan of ``unit_code`` for ``period_key`` (e.g. "year:2024")."""
    return uuid5(tenant_namespace(tenant), f"quota:{unit_code}:{period_key}")


def tenant_policy_id(tenant: str) -> UUID:
    """Id of the tenant's policy aggregate (calendar days off/on, counting basis, ratios)."""
    return uuid5(tenant_namespace(tenant), "policy")


def closing_id(tenant: str) -> UUID:
    """Id of the tenant's ``MergeClosing`` (its last event, when it is merged into another)."""
    return uuid5(tenant_namespace(tenant), closing_key())


def reception_id(tenant: str, source: str) -> UUID:
    """Id of ``tenant``'s ``MergeReception`` of the tenant ``source`` merged into it."""
    return uuid5(tenant_namespace(tenant), reception_key(source))
