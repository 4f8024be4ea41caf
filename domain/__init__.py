"""Ketnap domain layer: pure, event-sourced model of Party-member admission work.

``VALUE_TYPES`` lists every value type (enums and frozen dataclasses) that may appear in event
attributes; the store registers a JSON transcoding for each of them.
"""

from __future__ import annotations

from domain import values

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
)
