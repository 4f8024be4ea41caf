"""Candidate read models: one card per case, its stage/unit timeline, and its admission.

TABLE CONTRACT (other read models query these; change only together with them):

- ``rm_candidates`` — versioned, entity = candidate id, exactly one current row per case:
  the case as recorded (card): ids, stage now, profile, step dates, helpers, sponsors, and the
  flags of steps recorded although a rule was not met (failed votes, late steps) with their
  responsibility reviews.
- ``rm_candidate_stages`` — versioned, entity = candidate id: business-time intervals
  ``[valid_from, valid_to)`` during which the case had one ``stage`` in one ``unit_id``
  (``valid_to`` NULL = still so), with the deadline of the next step in that stage.
- ``rm_admissions`` — versioned, entity = candidate id: at most one row, once the admission
  decision exists (cases received by transfer were admitted elsewhere and have none):
  the decision and ceremony dates, and the unit the case belonged to on each.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from domain.candidates import Candidate, Stage
from domain.deadlines import deadline_in_stage
from domain.tenant_policy import TenantPolicy
from domain.working_days import WorkingCalendar
from projections.framework import Apply, Projection, Row
from projections.sql import Column, Table, Tx, as_date, id_text

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
        Column("ethnicity", "text", nullable=False),  # Ethnicity value ("kinh")
        Column("religion", "text", nullable=False),  # Religion value ("none")
        Column("education", "text", nullable=False),
        Column("professional_level", "text", nullable=False),
        Column("political_theory", "text", nullable=False),
        Column("occupation", "text", nullable=False),
        Column("workplace_type", "text", nullable=False),
        Column("youth_union", "bool", nullable=False),  # đoàn viên Đoàn Thanh niên (profile)
        Column("decision_on", "date"),
        Column("ceremony_on", "date"),
        Column("full_member_since", "date"),
        Column("exit_on", "date"),
        Column("exit_reason", "text"),
        Column("step_dates", "text", nullable=False),  # JSON {step: "YYYY-MM-DD"}
        Column("helpers", "text", nullable=False),  # JSON [name]
        Column("sponsors", "text", nullable=False),  # JSON [{member_id, name, letter…}]
        # added: helpers with the day each was assigned, JSON [{"name", "on"}] (as-of views)
        Column("helper_assignments", "text", nullable=False),
        Column("opened_unit_id", "text", nullable=False),  # unit the case was opened in
        # added (issue 13): JSON [{"code", "step", "on", "dueOn", "reviewRequired",
        # "reviewedOn"}] — failed votes, late steps and their responsibility reviews
        Column("flags", "text", nullable=False),
    ),
    # candidate_id: a case read by id and the stages joined to a case (was a full scan).
    indexes=(("case_code",), ("unit_id",), ("candidate_id",)),
    # the case pages, in case-code order; a page's case rows joined by id
    current_indexes=(("case_code",), ("candidate_id",)),
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
        # added: the day the case entered ``stage`` (equal to ``valid_from`` unless the row
        # starts because the case moved to another unit while in the stage)
        Column("stage_from", "date", nullable=False),
    ),
    indexes=(("unit_id", "valid_from"), ("stage",), ("candidate_id",)),
    # a case's stage rows as recorded now, joined to each case of a page; the stages still
    # running after a date (for a page on that date)
    # running after a date (for a page on that date); a unit's stage rows (pages and counts
    # of some units)
    current_indexes=(("candidate_id", "valid_from"), ("valid_to",), ("unit_id", "valid_from")),
    # today's stage of every case in due-date order (nothing due last): the deadline pages and
    # the overdue dashboard walk it and stop after a page
    open_indexes=(("(deadline_on IS NULL)", "deadline_on"),),
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


@dataclass(frozen=True)
class StageSpan:
    """One business-time interval during which a case had one stage in one unit."""

    stage: Stage
    unit_id: UUID
    valid_from: date
    valid_to: date | None
    stage_from: date


def stage_spans(candidate: Candidate) -> list[StageSpan]:
    """The case's (stage, unit) intervals, in order.

    A stage entered and left on the same day gives an empty interval (``valid_from ==
    valid_to``): it never covers an as-of date, but it records that the stage was reached.
    A move and a stage change on the same day are taken together (the day's last unit).
    """
    # Per day: the stages entered (in order) and the day's last unit, read in one pass each.
    entered_on: dict[date, list[Stage]] = {}
    for entered_stage, since in candidate.stage_timeline():
        entered_on.setdefault(since, []).append(entered_stage)
    unit_on: dict[date, UUID] = {}
    for since, moved_to in candidate.unit_timeline():
        unit_on[since] = moved_to
    days = sorted(entered_on.keys() | unit_on.keys())
    spans: list[StageSpan] = []
    open_: StageSpan | None = None
    unit: UUID | None = None
    stage: Stage | None = None
    stage_from: date | None = None

    def close(at: date) -> None:
        if open_ is not None:
            spans.append(
                StageSpan(open_.stage, open_.unit_id, open_.valid_from, at, open_.stage_from)
            )

    for day in days:
        unit = unit_on.get(day, unit)
        entered = entered_on.get(day)
        assert unit is not None  # the first unit starts on the first stage's day
        if entered:
            close(day)
            open_ = None
            for passed in entered[:-1]:
                spans.append(StageSpan(passed, unit, day, day, day))
            stage, stage_from = entered[-1], day
        elif open_ is not None and open_.unit_id == unit:
            continue
        else:
            close(day)
        assert stage is not None
        assert stage_from is not None
        open_ = StageSpan(stage, unit, day, None, stage_from)
    if open_ is not None:
        spans.append(open_)
    return spans


#: ``json.dumps(…, ensure_ascii=False)`` without building an encoder per call (same output).
_JSON = json.JSONEncoder(ensure_ascii=False)


def candidate_row(candidate: Candidate) -> Row:
    """The case's card (``rm_candidates``)."""
    person = candidate.person
    stages = candidate.stage_timeline()
    exit_on = candidate.step_dates.get("exit") if candidate.stage.is_exit else None
    exit_reason: str | None = None
    if candidate.stage.is_exit:
        exit_reason = (
            candidate.exit_reason.value
            if candidate.exit_reason is not None
            else candidate.stage.value
        )
    return {
        "candidate_id": id_text(candidate.id),
        "case_code": candidate.case_code,
        "version": candidate.version,
        "unit_id": id_text(candidate.unit_id),
        "stage": candidate.stage.value,
        "stage_since": stages[-1][1],
        "discovered_on": stages[0][1],
        "last_step_on": candidate.last_step_on,
        "introduced_by": candidate.introduced_by.value,
        "readmission": candidate.prior_membership is not None,
        "received_by_transfer": "transferred_in" in candidate.step_dates,
        "full_name": person.full_name,
        "birth_date": person.birth_date,
        "gender": person.gender.value,
        "ethnicity": person.ethnicity.value,
        "religion": person.religion.value,
        "education": person.education.value,
        "professional_level": person.professional_level.value,
        "political_theory": person.political_theory.value,
        "occupation": person.occupation.value,
        "workplace_type": person.workplace_type.value,
        "youth_union": person.is_youth_union_member,
        "decision_on": candidate.decision_on,
        "ceremony_on": candidate.ceremony_on,
        "full_member_since": candidate.full_member_since,
        "exit_on": exit_on,
        "exit_reason": exit_reason,
        "step_dates": json.dumps(
            {step: day.isoformat() for step, day in candidate.step_dates.items()}
        ),
        "helpers": _JSON.encode(candidate.helpers),
        "sponsors": _JSON.encode(
            [
                {
                    "member_id": r.sponsor.member_id,
                    "name": r.sponsor.full_name,
                    "letter_number": r.letter.number,
                    "letter_on": r.letter.issued_on.isoformat(),
                }
                for r in candidate.sponsors
            ]
        ),
        "helper_assignments": _JSON.encode(
            [{"name": name, "on": day.isoformat()} for day, name in candidate.helper_assignments]
        ),
        "opened_unit_id": id_text(candidate.opened_in_unit_id),
        "flags": _JSON.encode(
            [
                {
                    "code": flag.code,
                    "step": flag.step,
                    "on": flag.on.isoformat(),
                    "dueOn": flag.due_on.isoformat() if flag.due_on else None,
                    "reviewRequired": flag.review_required,
                    "reviewedOn": flag.reviewed_on.isoformat() if flag.reviewed_on else None,
                }
                for flag in candidate.flags
            ]
        ),
    }


def stage_rows(candidate: Candidate, calendar: WorkingCalendar) -> list[Row]:
    """The case's stage intervals with the deadline each stage set (``rm_candidate_stages``)."""
    rows: list[Row] = []
    deadlines: dict[Stage, Any] = {}
    candidate_id = id_text(candidate.id)
    for span in stage_spans(candidate):
        if span.stage not in deadlines:
            deadlines[span.stage] = deadline_in_stage(candidate, span.stage, calendar)
        deadline = deadlines[span.stage]
        rows.append(
            {
                "candidate_id": candidate_id,
                "stage": span.stage.value,
                "unit_id": id_text(span.unit_id),
                "valid_from": span.valid_from,
                "valid_to": span.valid_to,
                "deadline_step": deadline.step if deadline else None,
                "deadline_on": deadline.due_on if deadline else None,
                "deadline_latest_on": deadline.latest_on if deadline else None,
                "stage_from": span.stage_from,
            }
        )
    return rows


def stage_inputs(candidate: Candidate, calendar: WorkingCalendar) -> tuple[Any, ...]:
    """Everything :func:`stage_rows` reads (its spans: :func:`stage_spans`; its deadlines:
    :func:`~domain.deadlines.deadline_in_stage`): equal inputs derive equal rows. Change it
    together with them."""
    certificate = candidate.awareness_certificate
    return (
        tuple(candidate.transitions),
        tuple(candidate.unit_moves),
        candidate.opened_in_unit_id,
        certificate.issued_on if certificate is not None else None,
        # the dossier's papers: their 12 months bound the branch meeting's term
        tuple(record.letter.issued_on for record in candidate.sponsors),
        tuple(summary.document.issued_on for summary in candidate.comments),
        candidate.union_introduction.issued_on if candidate.union_introduction else None,
        candidate.branch_resolution_on,
        candidate.decision_on,
        candidate.ceremony_on,
        candidate.recognition_vote_on,
        calendar,
    )


def admission_inputs(candidate: Candidate) -> tuple[Any, ...]:
    """Everything :func:`admission_rows` reads."""
    return (
        candidate.decision_on,
        candidate.ceremony_on,
        "transferred_in" in candidate.step_dates,
        tuple(candidate.transitions),
        tuple(candidate.unit_moves),
        candidate.opened_in_unit_id,
        candidate.unit_id,
    )


def _arrived_decided(candidate: Candidate) -> bool:
    """Received by transfer (or a tenant merge) at the decided stage or later."""
    first_stage, first_step, _ = candidate.transitions[0]
    return first_step == "transferred_in" and not first_stage.is_pre_admission


def admission_rows(candidate: Candidate) -> list[Row]:
    """The admission (``rm_admissions``): once decided here, not for cases received by
    transfer already decided (admitted elsewhere: the committee they came from counts them). A
    case received before the decision, with its dossier, is decided and counted here. It stays
    when the member later leaves: the admission happened, and quotas count admissions."""
    if candidate.decision_on is None or _arrived_decided(candidate):
        return []
    ceremony = candidate.ceremony_on
    decision_unit = candidate.unit_on(candidate.decision_on)
    ceremony_unit = candidate.unit_on(ceremony) if ceremony else None
    return [
        {
            "candidate_id": id_text(candidate.id),
            "decision_on": candidate.decision_on,
            "decision_unit_id": id_text(decision_unit or candidate.unit_id),
            "ceremony_on": ceremony,
            "ceremony_unit_id": id_text(ceremony_unit) if ceremony_unit else None,
        }
    ]


class CandidatesProjection(Projection):
    """``rm_candidates``, ``rm_candidate_stages`` and ``rm_admissions`` from each case.

    Deadlines use the tenant's working-day calendar: read from ``rm_calendar_days`` once per
    batch (the policy projection runs first), and when the tenant declares a day off or a
    working day, the deadlines whose term that day falls into are computed again.
    """

    name: ClassVar[str] = "candidates"
    # 2: the indexes of issue 12; 3: current and open stage indexes; 4: ethnicity and religion
    # as the codes of their lists (were free text); 5: flags, and the dossier's papers in the
    # branch meeting's term (issue 13); 6: admissions of cases
    # received before their decision (issue 13)
    version: ClassVar[int] = 7  # 7: the Youth Union membership (structure: youth_union_18_30)
    tables = (CANDIDATES, CANDIDATE_STAGES, ADMISSIONS)
    follows = (Candidate, TenantPolicy)

    def __init__(self) -> None:
        # One batch = one transaction holding the tenant's batch lock: a calendar read in it
        # stays right for the whole batch, whoever else projects the tenant between batches.
        # (held weakly: a finished batch's transaction must not be kept alive by a cache)
        self._calendar_tx: weakref.ref[Tx] | None = None
        self._calendar = WorkingCalendar()
        # Per case: the inputs its stage and admission rows were last derived from, and those
        # rows. Most events of a case change neither (a sponsor, a helper, a document), so
        # the rows are reused, and ``Apply.replace`` skips an unchanged rows object at once.
        self._stages: dict[UUID, tuple[tuple[Any, ...], list[Row]]] = {}
        self._admissions: dict[UUID, tuple[tuple[Any, ...], list[Row]]] = {}

    def _calendar_for(self, tx: Tx) -> WorkingCalendar:
        if self._calendar_tx is None or self._calendar_tx() is not tx:
            rows = tx.fetchall("SELECT day, kind FROM rm_calendar_days WHERE rec_to IS NULL")
            off = frozenset(d for d, k in _days(rows) if k == "off")
            working = frozenset(d for d, k in _days(rows) if k == "working")
            self._calendar = WorkingCalendar(off, working)
            self._calendar_tx = weakref.ref(tx)
        return self._calendar

    def apply(self, change: Apply) -> None:
        aggregate = change.aggregate
        if isinstance(aggregate, TenantPolicy):
            self._calendar = aggregate.calendar
            self._calendar_tx = weakref.ref(change.tx)
            day = getattr(change.event, "day", None)
            if isinstance(day, date):
                self._recompute_deadlines(change, day)
            return
        assert isinstance(aggregate, Candidate)
        self._write(change, aggregate, self._calendar_for(change.tx))

    def _write(self, change: Apply, candidate: Candidate, calendar: WorkingCalendar) -> None:
        change.replace(CANDIDATES, candidate.id, [candidate_row(candidate)])
        change.replace(CANDIDATE_STAGES, candidate.id, self._stage_rows(candidate, calendar))
        change.replace(ADMISSIONS, candidate.id, self._admission_rows(candidate))

    def _stage_rows(self, candidate: Candidate, calendar: WorkingCalendar) -> list[Row]:
        """:func:`stage_rows`, the same list object again while its inputs are unchanged."""
        inputs = stage_inputs(candidate, calendar)
        known = self._stages.get(candidate.id)
        if known is not None and known[0] == inputs:
            return known[1]
        rows = stage_rows(candidate, calendar)
        _remember(self._stages, candidate.id, inputs, rows)
        return rows

    def _admission_rows(self, candidate: Candidate) -> list[Row]:
        """:func:`admission_rows`, the same list object again while its inputs are unchanged."""
        inputs = admission_inputs(candidate)
        known = self._admissions.get(candidate.id)
        if known is not None and known[0] == inputs:
            return known[1]
        rows = admission_rows(candidate)
        _remember(self._admissions, candidate.id, inputs, rows)
        return rows

    def _recompute_deadlines(self, change: Apply, day: date) -> None:
        """A day changed kind: terms that run over it (started before it, due on or after it)
        end on another day now. Only those cases are loaded again."""
        rows = change.tx.fetchall(
            "SELECT DISTINCT c.candidate_id, c.version FROM rm_candidate_stages s "
            "JOIN rm_candidates c ON c.candidate_id = s.candidate_id AND c.rec_to IS NULL "
            "WHERE s.rec_to IS NULL AND s.deadline_on IS NOT NULL AND s.valid_from < %s "
            "AND COALESCE(s.deadline_latest_on, s.deadline_on) >= %s",
            (day, day),
        )
        for candidate_id, version in sorted(rows):
            candidate = change.load(UUID(str(candidate_id)), int(version))
            assert isinstance(candidate, Candidate)
            change.replace(CANDIDATE_STAGES, candidate.id, stage_rows(candidate, self._calendar))


#: Cases whose derived rows a projection keeps (all forgotten at once past it: bounded memory).
_REMEMBERED_CASES = 50_000


def _remember(
    memo: dict[UUID, tuple[tuple[Any, ...], list[Row]]],
    case: UUID,
    inputs: tuple[Any, ...],
    rows: list[Row],
) -> None:
    if len(memo) >= _REMEMBERED_CASES:
        memo.clear()
    memo[case] = (inputs, rows)


def _days(rows: list[tuple[Any, ...]]) -> Iterator[tuple[date, str]]:
    for day, kind in rows:
        parsed = as_date(day)
        assert parsed is not None
        yield parsed, str(kind)
