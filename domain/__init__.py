"""Ketnap domain layer: pure, event-sourced model of Party-member admission work.

``VALUE_TYPES`` lists every value type (enums and frozen dataclasses) that may appear in event
attributes; the store registers a JSON transcoding for each of them.
"""

from __future__ import annotations

from domain import candidates, org_units, quotas, rules, tenant_policy, values

VALUE_TYPES: tuple[type, ...] = (
    values.Role,
    values.Actor,
    values.DocumentRef,
    values.Gender,
    values.EducationLevel,
    values.ProfessionalLevel,
    values.PoliticalTheoryLevel,
    values.Occupation,
    values.WorkplaceType,
    values.MassOrganization,
    values.SpecialArea,
    values.PersonProfile,
    rules.AdmissionAuthority,
    rules.LeavingReason,
    rules.PriorMembership,
    rules.Sponsor,
    org_units.UnitKind,
    candidates.Stage,
    candidates.ExitReason,
    quotas.PeriodKind,
    quotas.Period,
    quotas.TargetKind,
    quotas.QuotaTarget,
    tenant_policy.CountingBasis,
)

AGGREGATES: tuple[type, ...] = (
    org_units.OrgUnit,
    candidates.Candidate,
    quotas.QuotaPlan,
    tenant_policy.TenantPolicy,
)
