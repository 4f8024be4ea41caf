"""Pipeline read-model queries: the cases, stage counts, the funnel, time in stage, stalls.

Every function reads at one :class:`~projections.cut.Cut`: rows as recorded at
``cut.recorded`` (``known``), and the stage a case had on ``cut.as_of`` (business time, from
``rm_candidate_stages``). Units are raw unit ids (merged units are resolved by the org-tree
queries, not here).
"""

from __future__ import annotations

import json
import math
import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypedDict

from domain import rules
from domain.candidates import EXIT_STAGES, Stage
from domain.quotas import percent_of
from projections.cut import Cut
from projections.sql import CURRENT_INDEX_INFIX, Dialect, Tx, as_date, placeholders

#: The procedure in order (exits are not steps of it).
PROCEDURE: tuple[Stage, ...] = tuple(s for s in Stage if s not in EXIT_STAGES)
_RANK = {stage: number for number, stage in enumerate(PROCEDURE, start=1)}

#: Stages whose cases are expected to move on: a stall counts there. Probation is left out
#: (twelve months with no step is the rule there; its overdue recognition vote shows as a
#: deadline), and full members and exits have nothing left to do.
STALL_STAGES: tuple[Stage, ...] = tuple(
    s for s in PROCEDURE if s not in (Stage.PROBATIONARY, Stage.FULL_MEMBER)
)

MAX_PAGE = 500
#: Orders of the case list (keyset pages in each).
CaseOrder = Literal["case_code", "case_code_desc", "deadline"]


# --- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sponsorship:
    """A sponsoring member and the date of their letter."""

    member_id: str
    name: str
    letter_on: date


@dataclass(frozen=True)
class CandidateRow:
    """One case as it stood on the cut's date, as recorded at the cut's position."""

    candidate_id: str
    case_code: str
    full_name: str
    unit_id: str
    stage: Stage
    stage_since: date
    introduced_by: str
    step_dates: tuple[tuple[str, date], ...]  # steps dated on or before as_of, in order
    helpers: tuple[str, ...]  # assigned on or before as_of
    sponsors: tuple[Sponsorship, ...]  # letters dated on or before as_of
    deadline_step: str | None
    deadline_on: date | None
    deadline_latest_on: date | None
    overdue: bool  # the step is past its due date on as_of
    last_step_on: date  # the last step (or helper assignment) on or before as_of
    probation_ends_on: date | None = None  # 12 months after a ceremony on or before as_of
    full_member_since: date | None = None  # once recognised (or received as one) by as_of


@dataclass(frozen=True)
class CandidatePage:
    """A page of cases ordered by case code; ``end_cursor`` is the ``after`` of the next."""

    rows: tuple[CandidateRow, ...]
    has_next: bool
    end_cursor: str | None


def _case_filter(
    cut: Cut,
    unit_ids: Sequence[str] | None,
    stages: Sequence[Stage] | None,
    overdue_only: bool,
    current_unit_ids: Sequence[str] | None = None,
) -> tuple[list[str], list[Any]] | None:
    """WHERE clauses (and parameters) of a case list; None when it is empty by definition.

    ``current_unit_ids`` keeps the cases whose unit *now* (the last recorded row of
    ``rm_candidates``, whatever the cut) is one of them: a branch secretary's read scope must
    hold at the cut and now.
    """
    known_c, pc = cut.known("c")
    known_s, ps = cut.known("s")
    valid_s, vs = cut.valid("s")
    where = [known_c, known_s, valid_s]
    params: list[Any] = [*pc, *ps, *vs]
    if unit_ids is not None:
        if not unit_ids:
            return None
        where.append(f"s.unit_id IN ({placeholders(len(unit_ids))})")
        params += list(unit_ids)
    if current_unit_ids is not None:
        if not current_unit_ids:
            return None
        where.append(
            "EXISTS (SELECT 1 FROM rm_candidates n WHERE n.entity_id = c.entity_id "
            f"AND n.rec_to IS NULL AND n.unit_id IN ({placeholders(len(current_unit_ids))}))"
        )
        params += list(current_unit_ids)
    if stages is not None:
        if not stages:
            return None
        where.append(f"s.stage IN ({placeholders(len(stages))})")
        params += [s.value for s in stages]
    if overdue_only:
        where.append("s.deadline_on < %s")
        params.append(cut.as_of)
    return where, params


_CASE_COLUMNS = (
    "c.candidate_id, c.case_code, c.full_name, c.introduced_by, c.step_dates, "
    "c.helper_assignments, c.sponsors, s.unit_id, s.stage, s.stage_from, s.deadline_step, "
    "s.deadline_on, s.deadline_latest_on, c.ceremony_on, c.full_member_since"
)
_CASES_FROM = "FROM rm_candidates c JOIN rm_candidate_stages s ON s.candidate_id = c.candidate_id "
# The partial indexes of current rows (``projections.candidates``) the pages name on SQLite.
CASES_BY_CODE = f"rm_candidates{CURRENT_INDEX_INFIX}0"
CASES_BY_ID = f"rm_candidates{CURRENT_INDEX_INFIX}1"
STAGES_RUNNING_AFTER = f"rm_candidate_stages{CURRENT_INDEX_INFIX}1"
STAGES_BY_UNIT = f"rm_candidate_stages{CURRENT_INDEX_INFIX}2"
OPEN_STAGES_BY_DUE_DATE = f"rm_candidate_stages{CURRENT_INDEX_INFIX}3"
#: Due-date order: soonest first, nothing due last, then case code; and the same order on the
#: columns of a merged page (a compound SELECT is ordered by its columns, not expressions).
_DUE_ORDER = "s.deadline_on IS NULL, s.deadline_on, c.case_code"
_DUE_ORDER_OF_PAGE = "deadline_on IS NULL, deadline_on, case_code"


def _stages_first(index: str) -> str:
    """The FROM of a page on SQLite that starts from the stage rows on ``index`` and finds
    each one's case row by id (the order written out: ``CROSS JOIN``, the left table drives)."""
    return (
        f"FROM rm_candidate_stages s INDEXED BY {index} CROSS JOIN rm_candidates c "
        f"INDEXED BY {CASES_BY_ID} ON c.candidate_id = s.candidate_id "
    )


def _cases_by_code(cut: Cut, *, by_unit: bool, hinted: bool) -> str:
    """The FROM of a case page in case-code order.

    Walking the cases in case-code order (the partial index of current case rows) and joining
    each one's stage row stops after a page: the cost follows the page, not the tenant. SQLite's
    planner, without statistics, prefers to start from every current stage row and sort them
    (170 ms at 6,000 cases; after ``ANALYZE`` even worse), so on SQLite the order is written
    out: ``INDEXED BY`` the index, ``CROSS JOIN`` (the left table drives). PostgreSQL plans it
    from its statistics. At a past recording position the case rows are not the current ones,
    and the general join is used. A page of some units (``by_unit``) starts from the units'
    stage rows instead of walking every case.
    """
    if hinted and cut.recorded is None:
        if by_unit:  # the units' stage rows drive; their cases sorted
            return _stages_first(STAGES_BY_UNIT)
        return (
            f"FROM rm_candidates c INDEXED BY {CASES_BY_CODE} "
            "CROSS JOIN rm_candidate_stages s ON s.candidate_id = c.candidate_id "
        )
    return _CASES_FROM


def _deadline_page(
    cut: Cut, where: list[str], params: list[Any], limit: int, *, hinted: bool
) -> tuple[str, list[Any]]:
    """A page in due-date order (nothing due last, then case code), as recorded now.

    A case's stage on ``as_of`` is either its open stage row (``valid_to`` NULL: what it is
    today) or a closed one still running on ``as_of`` (only for a date in the past, or a stage
    recorded ahead). The open rows are walked in due-date order on their partial index
    (:data:`OPEN_STAGES_BY_DUE_DATE`) and stop after a page; the closed rows running on ``as_of``
    are few for a recent date. Each part brings at most a page, merged in order.
    """
    parts: tuple[tuple[str, list[Any], str], ...] = (
        ("s.valid_to IS NULL", [], OPEN_STAGES_BY_DUE_DATE),
        ("s.valid_to > %s", [cut.as_of], STAGES_RUNNING_AFTER),
    )
    selects = []
    values: list[Any] = []
    for condition, extra, index in parts:
        # SQLite, without statistics, would start from every current case row
        joined = _stages_first(index) if hinted else _CASES_FROM
        selects.append(
            f"SELECT * FROM (SELECT {_CASE_COLUMNS} {joined}"
            f"WHERE {condition} AND {' AND '.join(where)} ORDER BY {_DUE_ORDER} LIMIT %s) AS part"
        )
        values += [*extra, *params, limit]
    # a compound SELECT may only be ordered by its columns, not expressions: wrapped
    return (
        f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS page ORDER BY {_DUE_ORDER_OF_PAGE} LIMIT %s",
        [*values, limit],
    )


def _fetch_planned(
    tx: Tx, statement: Callable[[bool], tuple[str, list[Any]]]
) -> list[dict[str, Any]]:
    """Rows of ``statement(hinted)``: on SQLite with its plan written out (``INDEXED BY``),
    unless the tables predate the indexes named (a projection not yet rebuilt after an
    upgrade: an index missing, or another one under its name), which the plain statement
    reads correctly, only slower."""
    if tx.dialect is Dialect.SQLITE:
        try:
            return tx.fetchdicts(*statement(True))
        except sqlite3.OperationalError as error:
            # missing, or (an older layout) not one the statement's conditions can use
            if not str(error).startswith(("no such index", "no query solution")):
                raise
    return tx.fetchdicts(*statement(False))


def candidates(
    tx: Tx,
    cut: Cut,
    *,
    unit_ids: Sequence[str] | None = None,
    stages: Sequence[Stage] | None = None,
    overdue_only: bool = False,
    current_unit_ids: Sequence[str] | None = None,
    first: int = 50,
    after: str | None = None,
    order: CaseOrder = "case_code",
) -> CandidatePage:
    """The cases known at ``cut``, with their stage, unit and next deadline on ``cut.as_of``.

    Filters: units (raw ids) on ``as_of`` and, with ``current_unit_ids``, now; stages, and
    "overdue only" (the step due in the stage is past its due date on ``as_of``). Keyset
    pagination: ``first`` rows after ``after`` (the ``end_cursor`` of the previous page) in
    ``order``: ``case_code`` (default), ``case_code_desc``, or ``deadline`` (soonest due first,
    cases with nothing due last, then by case code).
    """
    first = max(1, min(first, MAX_PAGE))
    found = _case_filter(cut, unit_ids, stages, overdue_only, current_unit_ids)
    if found is None:
        return CandidatePage((), False, None)
    where, params = found
    if order == "deadline":
        order_by = _DUE_ORDER
        if after is not None:
            due, _, code = after.partition("|")
            if due:
                where.append(
                    "(s.deadline_on > %s OR (s.deadline_on = %s AND c.case_code > %s) "
                    "OR s.deadline_on IS NULL)"
                )
                day = date.fromisoformat(due)
                params += [day, day, code]
            else:
                where.append("s.deadline_on IS NULL AND c.case_code > %s")
                params.append(code)
        if cut.recorded is None:
            rows = _fetch_planned(
                tx, lambda hinted: _deadline_page(cut, where, params, first + 1, hinted=hinted)
            )
        else:
            rows = tx.fetchdicts(
                f"SELECT {_CASE_COLUMNS} "
                f"{_CASES_FROM}WHERE {' AND '.join(where)} ORDER BY {order_by} LIMIT %s",
                [*params, first + 1],
            )
    else:
        descending = order == "case_code_desc"
        by_unit = unit_ids is not None or current_unit_ids is not None
        if after is not None:
            where.append("c.case_code < %s" if descending else "c.case_code > %s")
            params.append(after)
        rows = _fetch_planned(
            tx,
            lambda hinted: (
                f"SELECT {_CASE_COLUMNS} "
                f"{_cases_by_code(cut, by_unit=by_unit, hinted=hinted)}"
                f"WHERE {' AND '.join(where)} "
                f"ORDER BY c.case_code{' DESC' if descending else ''} LIMIT %s",
                [*params, first + 1],
            ),
        )
    page = [_candidate_row(r, cut.as_of) for r in rows[:first]]
    return CandidatePage(
        tuple(page), len(rows) > first, case_cursor(page[-1], order) if page else None
    )


def case_cursor(row: CandidateRow, order: CaseOrder = "case_code") -> str:
    """The keyset position of ``row`` in ``order`` (what ``after`` takes)."""
    if order == "deadline":
        due = row.deadline_on.isoformat() if row.deadline_on else ""
        return f"{due}|{row.case_code}"
    return row.case_code


class CaseSelection(TypedDict):
    """The filters :func:`candidates` and :func:`count_candidates` share (one page and its
    count are asked with the same ones)."""

    cut: Cut
    unit_ids: Sequence[str] | None
    stages: Sequence[Stage] | None
    overdue_only: bool
    current_unit_ids: Sequence[str] | None


def count_candidates(
    tx: Tx,
    cut: Cut,
    *,
    unit_ids: Sequence[str] | None = None,
    stages: Sequence[Stage] | None = None,
    overdue_only: bool = False,
    current_unit_ids: Sequence[str] | None = None,
) -> int:
    """How many cases :func:`candidates` lists with the same filters (all pages)."""
    found = _case_filter(cut, unit_ids, stages, overdue_only, current_unit_ids)
    if found is None:
        return 0
    where, params = found
    row = tx.fetchone(f"SELECT COUNT(*) {_CASES_FROM}WHERE {' AND '.join(where)}", params)
    return int(row[0]) if row else 0


def candidate_by_id(
    tx: Tx,
    cut: Cut,
    candidate_id: str,
    *,
    unit_ids: Sequence[str] | None = None,
    current_unit_ids: Sequence[str] | None = None,
) -> CandidateRow | None:
    """One case at ``cut`` (None when unknown then, not in this tenant, or outside the units
    asked: ``unit_ids`` on ``cut.as_of``, ``current_unit_ids`` now, as in :func:`candidates`)."""
    found = _case_filter(cut, unit_ids, None, False, current_unit_ids)
    if found is None:
        return None
    where, params = found
    rows = tx.fetchdicts(
        f"SELECT {_CASE_COLUMNS} {_CASES_FROM}WHERE {' AND '.join(where)} AND c.candidate_id = %s",
        [*params, candidate_id],
    )
    return _candidate_row(rows[0], cut.as_of) if rows else None


def cases_now_in(tx: Tx, candidate_ids: Sequence[str], unit_ids: Sequence[str]) -> frozenset[str]:
    """Those of ``candidate_ids`` whose unit now (last recorded) is one of ``unit_ids``."""
    if not candidate_ids or not unit_ids:
        return frozenset()
    rows = tx.fetchall(
        "SELECT candidate_id FROM rm_candidates WHERE rec_to IS NULL "
        f"AND candidate_id IN ({placeholders(len(candidate_ids))}) "
        f"AND unit_id IN ({placeholders(len(unit_ids))})",
        [*candidate_ids, *unit_ids],
    )
    return frozenset(str(r[0]) for r in rows)


def _candidate_row(row: dict[str, Any], as_of: date) -> CandidateRow:
    steps = [(k, date.fromisoformat(v)) for k, v in json.loads(row["step_dates"]).items()]
    assigned = [
        (h["name"], date.fromisoformat(h["on"])) for h in json.loads(row["helper_assignments"])
    ]
    assigned = [(name, day) for name, day in assigned if day <= as_of]
    sponsors = [
        Sponsorship(s["member_id"], s["name"], date.fromisoformat(s["letter_on"]))
        for s in json.loads(row["sponsors"])
    ]
    deadline_on = as_date(row["deadline_on"])
    since = as_date(row["stage_from"])
    assert since is not None
    dated = [d for _, d in steps if d <= as_of] + [d for _, d in assigned]
    return CandidateRow(
        candidate_id=str(row["candidate_id"]),
        case_code=str(row["case_code"]),
        full_name=str(row["full_name"]),
        unit_id=str(row["unit_id"]),
        stage=Stage(row["stage"]),
        stage_since=since,
        introduced_by=str(row["introduced_by"]),
        step_dates=tuple((k, d) for k, d in steps if d <= as_of),
        helpers=tuple(name for name, _ in assigned),
        sponsors=tuple(s for s in sponsors if s.letter_on <= as_of),
        deadline_step=row["deadline_step"],
        deadline_on=deadline_on,
        deadline_latest_on=as_date(row["deadline_latest_on"]),
        overdue=deadline_on is not None and deadline_on < as_of,
        last_step_on=max(dated, default=since),
        **_membership(row, as_of, Stage(row["stage"])),
    )


def _membership(row: dict[str, Any], as_of: date, stage: Stage) -> dict[str, date | None]:
    """The end of probation and full membership as the case knew them on ``as_of``: from the
    ceremony on, and while the case is a full member (recognised, or received as one) or
    after its membership ended."""
    ceremony = as_date(row.get("ceremony_on"))
    since = as_date(row.get("full_member_since"))
    admitted = ceremony is not None and ceremony <= as_of
    member = stage in (Stage.FULL_MEMBER, Stage.MEMBERSHIP_ENDED)
    return {
        "probation_ends_on": rules.probation_end(ceremony) if admitted and ceremony else None,
        "full_member_since": since if member else None,
    }


# --- counts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    """How many cases of one unit were in (or entered) one stage."""

    unit_id: str
    stage: Stage
    count: int


def stage_counts(
    tx: Tx, cut: Cut, *, unit_ids: Sequence[str] | None = None
) -> tuple[StageCount, ...]:
    """Cases per unit and stage on ``cut.as_of`` (exits included, as their exit stage)."""
    known_s, ps = cut.known("s")
    valid_s, vs = cut.valid("s")
    return _count_by_unit_and_stage(
        tx, [known_s, valid_s], [*ps, *vs], unit_ids, now=cut.recorded is None
    )


def stage_entries(
    tx: Tx, cut: Cut, start: date, end: date, *, unit_ids: Sequence[str] | None = None
) -> tuple[StageCount, ...]:
    """Cases that entered each stage between ``start`` and ``end`` (inclusive), per unit.

    Only entries on or before ``cut.as_of`` count (later ones had not happened on that date);
    a move to another unit is not an entry. The unit is the one the case was in on entering.
    """
    end = min(end, cut.as_of)
    known_s, ps = cut.known("s")
    where = [known_s, "s.valid_from = s.stage_from", "s.valid_from >= %s", "s.valid_from <= %s"]
    return _count_by_unit_and_stage(
        tx, where, [*ps, start, end], unit_ids, now=cut.recorded is None
    )


def _count_by_unit_and_stage(
    tx: Tx, where: list[str], params: list[Any], unit_ids: Sequence[str] | None, *, now: bool
) -> tuple[StageCount, ...]:
    """Distinct cases per (unit, stage) among the stage rows matching ``where`` (``now``: as
    recorded now, ``where`` keeping the current rows only)."""
    if unit_ids is not None:
        if not unit_ids:
            return ()
        where = [*where, f"s.unit_id IN ({placeholders(len(unit_ids))})"]
        params = [*params, *unit_ids]

    def statement(hinted: bool) -> tuple[str, list[Any]]:
        # some units, as recorded now: their stage rows on their index (SQLite would start
        # from every current stage row)
        index = f" INDEXED BY {STAGES_BY_UNIT}" if hinted and now and unit_ids is not None else ""
        return (
            "SELECT s.unit_id, s.stage, COUNT(DISTINCT s.candidate_id) AS count "
            f"FROM rm_candidate_stages s{index} "
            f"WHERE {' AND '.join(where)} GROUP BY s.unit_id, s.stage",
            params,
        )

    rows = _fetch_planned(tx, statement)
    return _sorted_counts([(r["unit_id"], r["stage"], r["count"]) for r in rows])


def _sorted_counts(rows: list[tuple[Any, ...]]) -> tuple[StageCount, ...]:
    order = {stage: n for n, stage in enumerate(Stage)}
    counts = [StageCount(str(u), Stage(s), int(n)) for u, s, n in rows]
    return tuple(sorted(counts, key=lambda c: (c.unit_id, order[c.stage])))


# --- funnel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    """How many cases of the cohort reached a stage, and the share of the previous stage's."""

    stage: Stage
    reached: int
    conversion: Decimal | None  # % of the previous stage's cases that reached this one


@dataclass(frozen=True)
class SourceYield:
    """Cases introduced by one organisation and how many of them were admitted."""

    introduced_by: str
    introduced: int
    admitted: int
    percent: Decimal | None


@dataclass(frozen=True)
class Funnel:
    """The pipeline funnel of a cohort of cases (opened in a period)."""

    cases: int
    steps: tuple[FunnelStep, ...]
    by_source: tuple[SourceYield, ...]


def funnel(
    tx: Tx,
    cut: Cut,
    *,
    opened_from: date | None = None,
    opened_to: date | None = None,
    unit_ids: Sequence[str] | None = None,
) -> Funnel:
    """The funnel of the cases opened (discovered/introduced) in [``opened_from``,
    ``opened_to``], as things stood on ``cut.as_of``.

    A case reached a stage when it got there or further by ``as_of`` (a grassroots branch
    skips the committee resolution, yet its decided cases passed that point). Cases received
    by transfer started elsewhere and are left out. "Admitted" follows the tenant's counting
    basis: decided (default) or ceremony held, by ``as_of``. ``unit_ids`` selects cases by the
    unit that opened them.
    """
    known_c, pc = cut.known("c")
    known_s, ps = cut.known("s")
    ranks = " ".join(f"WHEN '{stage.value}' THEN {rank}" for stage, rank in _RANK.items())
    where = [known_c, "c.received_by_transfer = %s", "c.discovered_on <= %s"]
    params: list[Any] = [*pc, False, cut.as_of]
    if opened_from is not None:
        where.append("c.discovered_on >= %s")
        params.append(opened_from)
    if opened_to is not None:
        where.append("c.discovered_on <= %s")
        params.append(opened_to)
    if unit_ids is not None:
        if not unit_ids:
            return Funnel(0, tuple(FunnelStep(s, 0, None) for s in PROCEDURE), ())
        where.append(f"c.opened_unit_id IN ({placeholders(len(unit_ids))})")
        params += list(unit_ids)
    basis = counting_basis(tx, cut)
    admitted_on = "c.ceremony_on" if basis == "ceremony_date" else "c.decision_on"
    # One row per case: its furthest procedure stage by as_of, whether it was admitted by then.
    rows = tx.fetchall(
        "SELECT c.introduced_by, "
        f"CASE WHEN {admitted_on} IS NOT NULL AND {admitted_on} <= %s THEN 1 ELSE 0 END, "
        f"MAX(CASE s.stage {ranks} ELSE 0 END) "
        "FROM rm_candidates c JOIN rm_candidate_stages s ON s.candidate_id = c.candidate_id "
        f"AND {known_s} AND s.valid_from <= %s "
        f"WHERE {' AND '.join(where)} "
        f"GROUP BY c.candidate_id, c.introduced_by, {admitted_on}",
        [cut.as_of, *ps, cut.as_of, *params],
    )
    furthest: dict[int, int] = defaultdict(int)
    introduced: dict[str, int] = defaultdict(int)
    admitted: dict[str, int] = defaultdict(int)
    for source, was_admitted, rank in rows:
        furthest[int(rank)] += 1
        introduced[str(source)] += 1
        admitted[str(source)] += int(was_admitted)
    steps: list[FunnelStep] = []
    previous: int | None = None
    for stage in PROCEDURE:
        reached = sum(n for rank, n in furthest.items() if rank >= _RANK[stage])
        conversion = None if previous is None else percent_of(reached, previous)
        steps.append(FunnelStep(stage, reached, conversion))
        previous = reached
    by_source = tuple(
        SourceYield(s, introduced[s], admitted[s], percent_of(admitted[s], introduced[s]))
        for s in sorted(introduced)
    )
    return Funnel(len(rows), tuple(steps), by_source)


def counting_basis(tx: Tx, cut: Cut) -> str:
    """The tenant's counting basis as recorded at the cut ("decision_date" by default)."""
    known, params = cut.known()
    row = tx.fetchone(f"SELECT counting_basis FROM rm_policy WHERE {known}", params)
    return str(row[0]) if row else "decision_date"


# --- time in stage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageDuration:
    """Days spent in one stage by the cases of one unit: median and 90th percentile."""

    unit_id: str
    stage: Stage
    cases: int
    median_days: Decimal
    p90_days: int


def time_in_stage(
    tx: Tx, cut: Cut, *, unit_ids: Sequence[str] | None = None
) -> tuple[StageDuration, ...]:
    """Calendar days each case spent in each procedure stage, up to ``cut.as_of``.

    A stage counts from the day the case entered it to the day it left it, or to ``as_of``
    while it is still there (open stays count as they stand). A stay is the unit's where the
    case left the stage (or is on ``as_of``), even if it moved during the stay. Median (half
    days when the count is even) and 90th percentile by nearest rank (the smallest value with
    at least 90 % of the stays at or below it). Full membership and exits, having no end, are
    not measured.
    """
    known_s, ps = cut.known("s")
    measured = [s.value for s in PROCEDURE if s is not Stage.FULL_MEMBER]
    rows = tx.fetchall(
        "SELECT s.candidate_id, s.stage, s.stage_from, s.valid_from, s.valid_to, s.unit_id "
        f"FROM rm_candidate_stages s WHERE {known_s} AND s.valid_from <= %s "
        f"AND s.stage IN ({placeholders(len(measured))})",
        [*ps, cut.as_of, *measured],
    )
    # one stay per (case, stage, entry day): its end is the last piece's end, its unit that
    # piece's unit
    stays: dict[tuple[str, str, date], tuple[date, date, str]] = {}
    for candidate_id, stage, stage_from, valid_from, valid_to, unit_id in rows:
        entered = as_date(stage_from)
        starts = as_date(valid_from)
        assert entered is not None
        assert starts is not None
        ends = as_date(valid_to)
        ends = cut.as_of if ends is None or ends > cut.as_of else ends
        key = (str(candidate_id), str(stage), entered)
        current = stays.get(key)
        if current is None or starts >= current[0]:
            stays[key] = (starts, ends, str(unit_id))
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (_, stage, entered), (_, ends, unit_id) in stays.items():
        days[(unit_id, stage)].append((ends - entered).days)
    order = {stage: n for n, stage in enumerate(Stage)}
    result = [
        StageDuration(
            unit_id,
            Stage(stage),
            len(values),
            Decimal(str(statistics.median(values))).quantize(Decimal("0.1")),
            sorted(values)[math.ceil(0.9 * len(values)) - 1],
        )
        for (unit_id, stage), values in days.items()
        if unit_ids is None or unit_id in unit_ids
    ]
    return tuple(sorted(result, key=lambda d: (d.unit_id, order[d.stage])))


# --- stalled cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StalledCase:
    """A case with no step for longer than the tenant's threshold on ``as_of``."""

    candidate_id: str
    case_code: str
    unit_id: str
    stage: Stage
    last_step_on: date
    days_without_step: int


def stalled(
    tx: Tx,
    cut: Cut,
    *,
    unit_ids: Sequence[str] | None = None,
    current_unit_ids: Sequence[str] | None = None,
) -> tuple[StalledCase, ...]:
    """Cases in a stage that expects a next step (:data:`STALL_STAGES`) whose last step by
    ``as_of`` (a dated step or a helper's assignment; test tasks keep no date) is more
    than ``rm_policy.stalled_after_days`` calendar days before ``as_of``; ordered by case code.
    Units filter as in :func:`candidates`."""
    known_p, pp = cut.known()
    policy = tx.fetchone(f"SELECT stalled_after_days FROM rm_policy WHERE {known_p}", pp)
    threshold = int(policy[0]) if policy else 180
    result: list[StalledCase] = []
    after: str | None = None
    while True:
        page = candidates(
            tx,
            cut,
            unit_ids=unit_ids,
            current_unit_ids=current_unit_ids,
            stages=STALL_STAGES,
            first=MAX_PAGE,
            after=after,
        )
        for row in page.rows:
            last = row.last_step_on
            idle = (cut.as_of - last).days
            if idle > threshold:
                result.append(
                    StalledCase(row.candidate_id, row.case_code, row.unit_id, row.stage, last, idle)
                )
        if not page.has_next:
            return tuple(result)
        after = page.end_cursor
