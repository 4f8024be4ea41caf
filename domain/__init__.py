"""Ketnap domain layer: pure, event-sourced model of Party-member admission work.

``VALUE_TYPES`` lists every value type (enums and frozen dataclasses) that may appear in event
attributes; the store registers a JSON transcoding for each of them.
"""

from __future__ import annotations

from domain import (
    candidates,
    checklist,
    classifications,
    org_units,
    quotas,
    rules,
    tenant_merge,
    tenant_policy,
    transfer_dossier,
    values,
)

VALUE_TYPES: tuple[type, ...] = (
    values.Role,
    values.Actor,
    values.DocumentRef,
    values.Gender,
    classifications.Ethnicity,
    classifications.Religion,
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
    rules.Flag,
    rules.Over60Place,
    rules.Over60Conditions,
    rules.RecognitionForm,
    org_units.UnitKind,
    candidates.Stage,
    candidates.ExitReason,
    quotas.PeriodKind,
    quotas.Period,
    quotas.TargetKind,
    quotas.QuotaTarget,
    tenant_policy.CountingBasis,
    checklist.Finding,
    checklist.FieldChange,
    transfer_dossier.DossierSponsor,
    transfer_dossier.DossierUnionIntroduction,
    transfer_dossier.DossierVerification,
    transfer_dossier.DossierComments,
    transfer_dossier.Dossier,
    tenant_merge.ClosingCheckpoint,
    tenant_merge.MergeOrigin,
    tenant_merge.Arrival,
)

AGGREGATES: tuple[type, ...] = (
    org_units.OrgUnit,
    candidates.Candidate,
    quotas.QuotaPlan,
    tenant_policy.TenantPolicy,
    tenant_merge.MergeClosing,
    tenant_merge.MergeReception,
)


def event_type_names() -> list[str]:
    """Every event type the domain records, as ``"Aggregate.Event"`` (``"Candidate.Rejected"``).

    Leaf classes only, and of the "created" classes only the one ``__init__`` triggers: the
    library's base ``Event`` and its default ``Created`` (unused where ``__init__`` names its own
    event, e.g. ``Candidate.Discovered``) are left out.
    """
    from eventsourcing.domain import CanInitAggregate, CanMutateAggregate

    names: list[str] = []
    for aggregate in AGGREGATES:
        classes = [
            member
            for member in vars(aggregate).values()
            if isinstance(member, type) and issubclass(member, CanMutateAggregate)
        ]
        leaves = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
        inits = [c for c in leaves if issubclass(c, CanInitAggregate)]
        unused_default = [c for c in inits if c.__name__ == "Created" and len(inits) > 1]
        names += [f"{aggregate.__name__}.{c.__name__}" for c in leaves if c not in unused_default]
    return sorted(names)
