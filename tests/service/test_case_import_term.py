"""Done when (issue 14): a generated file of 10,000 historical cases — several units, every
stage, a few invalid rows of known kinds — imported on both stores. The dry run lists exactly
the invalid rows and stores nothing; the real run's figures (cases per branch and stage,
admission decisions per branch and year) equal the generated model's; a re-import adds nothing; the
tenant's hash chain verifies. (That batches store what the handlers store one command at a
time is ``test_case_import.test_batched_import_stores_what_the_handlers_store…``.) The cases
stop mostly at the first steps (``EARLY_OUTCOMES``, ~4 events a case) to keep the test's cost
small; ``python -m bench import`` imports the demo's mix.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from eventsourcing.application import project_aggregate

from domain import ids
from domain.values import Actor, Role
from service.audit.verify import verify_tenant
from service.case_import.existing import stored_events
from service.case_import.reading import read_sheet
from service.case_import.running import import_cases
from service.case_import.samples import (
    BRANCHES,
    EARLY_OUTCOMES,
    INVALID_KINDS,
    historical_file,
    set_up_tenant,
)
from service.case_import.template import write_csv
from service.commands import Principal
from tests.conftest import StoreMaker

TODAY = date(2026, 11, 21)
P = Principal("nhiem_ky", Actor("nhap-lieu", Role.ORGANIZER))
ROWS = 10_000


def test_a_term_of_ten_thousand_cases_imports_checked_and_once(store_maker: StoreMaker) -> None:
    parts = store_maker.parts(today=lambda: TODAY, inline=False)
    parts.handlers.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), P.tenant, "Khối", "other")
    set_up_tenant(parts.handlers, P)
    made = historical_file(ROWS, today=TODAY, outcomes=EARLY_OUTCOMES)
    assert set(made.stage_counts()) >= {stage for stage, _ in EARLY_OUTCOMES}
    sheet = read_sheet(write_csv(made.rows), max_bytes=parts.settings.max_import_bytes)
    app = parts.store.app(P.tenant, write=False)
    head = app.recorder.max_notification_id() or 0

    dry = import_cases(parts.handlers, P, sheet, dry_run=True)
    invalid_rows = {index + 3: kind for index, kind in made.invalid.items()}
    assert {(p.row, p.column, p.code) for p in dry.problems} == {
        (row, INVALID_KINDS[kind][1], INVALID_KINDS[kind][0]) for row, kind in invalid_rows.items()
    }
    assert (dry.invalid, dry.imported) == (len(INVALID_KINDS), ROWS - len(INVALID_KINDS))
    assert app.recorder.max_notification_id() == head

    real = import_cases(parts.handlers, P, sheet)
    assert {p.row for p in real.problems} == set(invalid_rows)
    assert real.imported == ROWS - len(INVALID_KINDS)
    assert real.events == dry.events == (app.recorder.max_notification_id() or 0) - head

    # the figures of what was stored (every case read back, in one query per 1,000), against
    # the model's: cases per branch and stage, admission decisions per branch and year (what
    # quota attainment counts); the dashboards' own reading of imported cases is checked by
    # tests/api/test_import_upload.py
    unit_of = {ids.unit_id(P.tenant, code): code for code in BRANCHES}
    codes = list(made.expected)
    cases: list[Any] = []
    for first in range(0, len(codes), 1_000):
        chunk = [ids.candidate_id(P.tenant, c) for c in codes[first : first + 1_000]]
        cases += [project_aggregate(None, e) for e in stored_events(app, chunk).values()]
    assert len(cases) == real.imported
    assert Counter((unit_of[c.unit_id], c.stage) for c in cases) == Counter(
        (e.unit_code, e.stage) for e in made.expected.values()
    )
    assert Counter(
        (unit_of[c.unit_id], c.decision_on.year) for c in cases if c.decision_on
    ) == Counter((e.unit_code, e.decided_on.year) for e in made.expected.values() if e.decided_on)

    again = import_cases(parts.handlers, P, sheet)
    assert (again.imported, again.unchanged, again.events) == (0, real.imported, 0)
    assert {p.row for p in again.problems} == set(invalid_rows)
    assert app.recorder.max_notification_id() == head + real.events
    assert verify_tenant(parts.store, P.tenant).intact
