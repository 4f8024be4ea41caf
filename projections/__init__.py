"""Ketnap projections: the read models, built from each tenant's events.

``all_projections()`` lists them in the order they are applied to each event. Each owns its
tables (see :mod:`projections.framework`); the read-model queries (``projections.queries``)
read across them at one :class:`~projections.cut.Cut`.
"""

from __future__ import annotations

from projections.framework import Projection


def all_projections() -> list[Projection]:
    """A fresh instance of every projection, in application order."""
    from projections.audit import AuditProjection
    from projections.candidates import CandidatesProjection
    from projections.policy import PolicyProjection
    from projections.positions import PositionsProjection
    from projections.quotas import QuotaProjection
    from projections.units import UnitsProjection

    return [
        PositionsProjection(),
        PolicyProjection(),
        CandidatesProjection(),
        UnitsProjection(),
        QuotaProjection(),
        AuditProjection(),
    ]
