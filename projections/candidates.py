"""Candidate read models: one card per case, its stage/unit timeline, and its admission.

TABLE CONTRACT (other read models query these; change only together with them):

- ``rm_candidates`` — versioned, entity = candidate id, exactly one current row per case:
  the case as recorded (card): ids, stage now, profile, step dates, helpers, sponsors.
- ``rm_candidate_stages`` — versioned, entity = candidate id: business-time intervals
  ``[valid_from, valid_to)`` during which the case had one ``stage`` in one ``unit_id``
  (``valid_to`` NULL = still so), with the deadline of the next step in that stage.
- ``rm_admissions`` — versioned, entity = candidate id: at most one row, once the admission
  decision exists (cases received by transfer were admitted elsewhere and have none):
  the decision and ceremony dates, and the unit the case belonged to on each.
"""

from __future__ import annotations

from projections.sql import Column, Table

CANDIDATES = Table(
    "rm_candidates",
    (
        Column("candidate_id", "text", nullable=False),
        Column("case_code", "text", nullable=False),
        Column("version", "int", nullable=False),  # aggregate version this row derives from
        Column("unit_id", "text", nullable=False),  # unit following the case now (raw id)
        Column("stage", "text", nullable=False),
        Column("stage_since", "date", nullable=False),
        Column("discovered_on", "date", nullable=False),
        Column("last_step_on", "date", nullable=False),
        Column("introduced_by", "text", nullable=False),  # MassOrganization value
        Column("readmission", "bool", nullable=False),
        Column("received_by_transfer", "bool", nullable=False),
        Column("full_name", "text", nullable=False),
        Column("birth_date", "date", nullable=False),
        Column("gender", "text", nullable=False),
        Column("ethnicity", "text", nullable=False),
        Column("religion", "text", nullable=False),
        Column("education", "text", nullable=False),
        Column("professional_level", "text", nullable=False),
        Column("political_theory", "text", nullable=False),
        Column("occupation", "text", nullable=False),
        Column("workplace_type", "text", nullable=False),
        Column("decision_on", "date"),
        Column("ceremony_on", "date"),
        Column("full_member_since", "date"),
        Column("exit_on", "date"),
        Column("exit_reason", "text"),
        Column("step_dates", "text", nullable=False),  # JSON {step: "YYYY-MM-DD"}
        Column("helpers", "text", nullable=False),  # JSON [name]
        Column("sponsors", "text", nullable=False),  # JSON [{member_id, name, letter…}]
    ),
    indexes=(("case_code",), ("unit_id",)),
)

CANDIDATE_STAGES = Table(
    "rm_candidate_stages",
    (
        Column("candidate_id", "text", nullable=False),
        Column("stage", "text", nullable=False),
        Column("unit_id", "text", nullable=False),
        Column("valid_from", "date", nullable=False),
        Column("valid_to", "date"),
        Column("deadline_step", "text"),  # the step due next, when the procedure sets a term
        Column("deadline_on", "date"),  # due date (working days, tenant calendar)
        Column("deadline_latest_on", "date"),  # latest date with an extension, where allowed
    ),
    indexes=(("unit_id", "valid_from"), ("stage",)),
)

ADMISSIONS = Table(
    "rm_admissions",
    (
        Column("candidate_id", "text", nullable=False),
        Column("decision_on", "date", nullable=False),
        Column("decision_unit_id", "text", nullable=False),
        Column("ceremony_on", "date"),
        Column("ceremony_unit_id", "text"),
    ),
    indexes=(("decision_on",), ("ceremony_on",)),
)
