"""Running an import: every row's commands through the handlers, saved in batches.

For each row: its plan (:func:`.rows.plan_row`: the commands and the problems of its input);
a row whose case code is already stored is compared with it instead (unchanged, or reported as
different: corrections go through the correction commands, never through an import); otherwise
its commands run one after the other through :class:`.batching.BatchingHandlers` — the rules of
each step judged on its business date — and a refused step makes the row invalid (its case is
dropped from the batch; the steps after it cannot be judged). A dry run stores nothing. A real
run stores each full batch of valid rows in one transaction; with ``all_or_nothing`` it stores
every row in one transaction, and only if no row is invalid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.errors import DomainError, InputViolations
from domain.org_units import OrgUnit, grassroots_of
from service.case_import.batching import BatchingApp, BatchingHandlers, after_flush
from service.case_import.existing import stored_events
from service.case_import.reading import Sheet
from service.case_import.rows import Plan, Problem, UnitFacts, column_of, plan_row
from service.collector import fewer_collections
from service.commands import Handlers, Principal

#: Events saved per transaction (a batch closes with the row that reaches it). The tenant's
#: recorder links a large save's events in time linear in their number
#: (``service.store.postgres``); fewer, larger transactions spend less on commits and round
#: trips (3,000 cases into PostgreSQL: 2,000-event batches took 8.6 s where 200-event ones
#: took 11.2 s, see docs/import.md).
BATCH_EVENTS = 2000
#: Rows planned and looked up in the store together (one query for their stored cases).
CHUNK_ROWS = 200
#: Event attributes that say when and by whom, not what: a re-imported case compares without.
_CIRCUMSTANCES = frozenset({"timestamp", "actor"})


@dataclass
class ImportSummary:
    """What an import read, stored and refused."""

    dry_run: bool
    all_or_nothing: bool
    rows: int = 0
    imported: int = 0
    unchanged: int = 0
    invalid: int = 0
    events: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    #: The last stored event's position (read-your-writes), None if nothing was stored.
    position: int | None = None
    #: How long the read models took to catch up afterwards, where they run inline (SQLite).
    projection_seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        """Events stored (or, in a dry run, built) per second."""
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def stored_nothing(self) -> bool:
        """True when the run stored no event (a dry run, or all-or-nothing refused)."""
        return self.position is None

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (the report file)."""
        return {
            "dryRun": self.dry_run,
            "allOrNothing": self.all_or_nothing,
            "rows": self.rows,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "eventsPerSecond": round(self.events_per_second),
            "projectionSeconds": round(self.projection_seconds, 3),
            "problems": [p.as_dict() for p in self.problems],
        }


class _Units:
    """Facts of the units rows name, read once per import."""

    def __init__(self, handlers: Handlers, batch: BatchingApp) -> None:
        self.handlers = handlers
        self.batch = batch
        self.known: dict[str, UnitFacts | None] = {}

    def __call__(self, code: str) -> UnitFacts | None:
        if code not in self.known:
            self.known[code] = self._facts(code)
        return self.known[code]

    def _facts(self, code: str) -> UnitFacts | None:
        app: Any = self.batch
        try:
            unit: OrgUnit = self.handlers.unit(app, code)
        except DomainError:
            return None
        grassroots = grassroots_of(unit, self.handlers._ancestors(app, unit))
        return UnitFacts(unit, grassroots)


def _refusal(plan: Plan, error: DomainError, step_columns: dict[str, str], main: str) -> None:
    """A step's refusal as the row's problems, each at the column it names."""
    violations = (
        error.violations
        if isinstance(error, InputViolations)
        else [None]  # a rule: one problem, at the field it names
    )
    for violation in violations:
        if violation is None:
            key = column_of(step_columns, error.field, main)
            if error.code == "NOT_FOUND" and error.field == "unit" and "unit" not in step_columns:
                key = "unit_code"
            plan.problem(key, error.code, error.message_vi, error.message_en)
        else:
            key = column_of(step_columns, violation.path, main)
            plan.problem(key, violation.code, violation.message_vi, violation.message_en)


def _facts(events: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """What a case's events say, without when and by whom they were recorded."""
    return [
        (type(e).__qualname__, {k: v for k, v in vars(e).items() if k not in _CIRCUMSTANCES})
        for e in events
    ]


def plans(handlers: Handlers, principal: Principal, sheet: Sheet) -> list[Plan]:
    """Every row's plan (its commands and input problems), as :func:`import_cases` makes
    them — for entering a file's commands some other way (one at a time, in tests)."""
    batch = BatchingApp(handlers.store.app(principal.tenant, write=False))
    units = _Units(BatchingHandlers(handlers, batch), batch)
    return [plan_row(row, today=handlers.today(), unit_facts=units) for row in sheet.rows]


def import_cases(
    handlers: Handlers,
    principal: Principal,
    sheet: Sheet,
    *,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    batch_events: int = BATCH_EVENTS,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import ``sheet``'s rows into ``principal``'s tenant (see the module's docstring)."""
    with fewer_collections():
        return _import_cases(
            handlers,
            principal,
            sheet,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            batch_events=batch_events,
            progress=progress,
        )


def _import_cases(
    handlers: Handlers,
    principal: Principal,
    sheet: Sheet,
    *,
    dry_run: bool,
    all_or_nothing: bool,
    batch_events: int,
    progress: Callable[[int], None] | None,
) -> ImportSummary:
    started = time.perf_counter()
    summary = ImportSummary(dry_run=dry_run, all_or_nothing=all_or_nothing, rows=len(sheet.rows))
    store_app = handlers.store.app(principal.tenant, write=True)
    batch = BatchingApp(store_app)
    batching = BatchingHandlers(handlers, batch)
    units = _Units(batching, batch)
    today = handlers.today()
    flushed = after_flush(handlers)
    seen: dict[UUID, int] = {}
    built = pending = 0

    saver = _Saver(batch, summary)
    try:
        done = 0
        for first in range(0, len(sheet.rows), CHUNK_ROWS):
            chunk = sheet.rows[first : first + CHUNK_ROWS]
            plans = [plan_row(row, today=today, unit_facts=units) for row in chunk]
            ids_of: list[UUID | None] = []
            for plan in plans:
                case_id = (
                    ids.candidate_id(principal.tenant, plan.case_code) if plan.case_code else None
                )
                if case_id is not None and case_id in seen:
                    plan.problem(
                        "case_code",
                        "CASE_CODE_REPEATED",
                        f"Mã hồ sơ «{plan.case_code}» đã có ở dòng {seen[case_id]} của tệp.",
                        f"The case code '{plan.case_code}' is already on row {seen[case_id]} of the "
                        "file.",
                    )
                    case_id = None
                elif case_id is not None:
                    seen[case_id] = plan.row
                ids_of.append(case_id if not plan.problems else None)
            stored = stored_events(store_app, [i for i in ids_of if i is not None])
            for plan, case_id in zip(plans, ids_of, strict=True):
                if case_id is not None and case_id in stored:
                    _compare(batching, batch, principal, plan, case_id, stored[case_id], summary)
                elif case_id is not None:
                    batch.absent.add(case_id)
                    events = _run(batching, batch, principal, plan, case_id)
                    built += events
                    pending += events
                    if not plan.problems:
                        summary.imported += 1
                if plan.problems:
                    summary.invalid += 1
                    summary.problems.extend(plan.problems)
                if not dry_run and not all_or_nothing and pending >= batch_events:
                    saver.submit()
                    pending = 0
            done += len(chunk)
            if progress is not None:
                progress(done)
        if dry_run:
            summary.events = built
        elif all_or_nothing and summary.invalid:
            summary.imported = 0
            batch.pending.clear()
        else:
            saver.submit()
    finally:
        saver.finish()  # a failed save is raised here, after the batches before it
    summary.seconds = time.perf_counter() - started
    if summary.position is not None:
        # once, not per batch: where projections run inline (SQLite) they catch up here
        flushed(principal.tenant, summary.position)
        summary.projection_seconds = time.perf_counter() - started - summary.seconds
    return summary


class _Saver:
    """Stores the batches, each while the next one is being built.

    A batch's save (encoding its events, then PostgreSQL's or SQLite's work, during which the
    GIL is released) runs on one background thread while the rows of the next batch are
    planned and carried out on the caller's; at most one save is in flight, so the batches are
    stored one after the other, in order, each in its own transaction. A failed save is raised
    on the caller's thread, at the next :meth:`submit` or at :meth:`finish`; the batches before
    it stay stored, as without the overlap.
    """

    def __init__(self, batch: BatchingApp, summary: ImportSummary) -> None:
        self.batch = batch
        self.summary = summary
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ketnap-import")
        self.in_flight: Future[tuple[int, int | None]] | None = None

    def submit(self) -> None:
        """Start storing the batch's pending aggregates (after the previous save is done)."""
        aggregates = self.batch.detach()
        self._wait()
        if aggregates:
            self.in_flight = self.executor.submit(self.batch.store, aggregates)

    def finish(self) -> None:
        """Wait for the last save; then the thread ends."""
        try:
            self._wait()
        finally:
            self.executor.shutdown(wait=True)

    def _wait(self) -> None:
        if self.in_flight is None:
            return
        in_flight, self.in_flight = self.in_flight, None
        stored, position = in_flight.result()
        self.summary.events += stored
        if position is not None:
            self.summary.position = position


def _run(
    batching: BatchingHandlers,
    batch: BatchingApp,
    principal: Principal,
    plan: Plan,
    case_id: UUID,
) -> int:
    """Carry out the row's steps; the events its case now holds pending (0 if refused)."""
    for step in plan.steps:
        try:
            batching.handle_canonical(principal, step.command)
        except DomainError as error:
            _refusal(plan, error, dict(step.columns), step.main)
            batch.discard(case_id)
            return 0
    case = batch.pending.get(case_id)
    return len(case.pending_events) if case is not None else 0


def _compare(
    batching: BatchingHandlers,
    batch: BatchingApp,
    principal: Principal,
    plan: Plan,
    case_id: UUID,
    stored: list[Any],
    summary: ImportSummary,
) -> None:
    """A row whose case is stored: the same facts (unchanged) or a reported difference."""
    batch.hidden.add(case_id)
    try:
        for step in plan.steps:
            batching.handle_canonical(principal, step.command)
        fresh: Aggregate | None = batch.take(case_id)
    except DomainError:
        fresh = None
        batch.discard(case_id)
    finally:
        batch.hidden.discard(case_id)
    if fresh is not None and _facts(stored) == _facts(list(fresh.pending_events)):
        summary.unchanged += 1
        return
    plan.problem(
        "case_code",
        "CASE_EXISTS_DIFFERENT",
        f"Hồ sơ «{plan.case_code}» đã có và khác với dòng này; không ghi đè — sửa bằng các lệnh "
        "đính chính (correctStepDate, correctProfile…).",
        f"The case '{plan.case_code}' already exists and differs from this row; it is not "
        "overwritten — correct it with the correction commands (correctStepDate, "
        "correctProfile…).",
    )
