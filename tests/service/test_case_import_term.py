"""Done when (issue 14): a generated file of 10,000 historical cases — several units, every
stage, a few invalid rows of known kinds — imported on both stores. The dry run lists exactly
the invalid rows and stores nothing; the real run's figures (cases per unit and stage,
admissions per branch and year) equal the generated model's; a re-import adds nothing; the
tenant's hash chain verifies. (That batches store what the handlers store one command at a
time is ``test_case_import.test_batched_import_stores_what_the_handlers_store…``.) The cases
stop mostly at the first steps (``EARLY_OUTCOMES``, ~4 events a case) to keep the test's cost
small; ``python -m bench import`` imports the demo's mix.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from domain import ids
from domain.quotas import Period
from domain.values import Actor, Role
from projections.cut import Cut
from projections.queries.attainment import admitted_by_unit
from projections.queries.pipeline import stage_counts
from service.audit.verify import verify_tenant
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

    parts.read_models.rebuild(P.tenant, ["policy", "units", "candidates"])  # what the figures read
    unit_of = {str(ids.unit_id(P.tenant, code)): code for code in BRANCHES}
    with parts.read_models.read(P.tenant) as tx:
        counts = {(unit_of[c.unit_id], c.stage): c.count for c in stage_counts(tx, Cut(TODAY))}
        admitted = {
            year: {
                unit_of[u]: n
                for u, n in admitted_by_unit(tx, Cut(TODAY), Period.year(year)).items()
                if u in unit_of
            }
            for year in range(2016, TODAY.year + 1)
        }
    expected = Counter((e.unit_code, e.stage) for e in made.expected.values())
    assert counts == dict(expected)
    for year, by_unit in admitted.items():
        assert by_unit == dict(made.decided_in(date(year, 1, 1), date(year, 12, 31))), year

    again = import_cases(parts.handlers, P, sheet)
    assert (again.imported, again.unchanged, again.events) == (0, real.imported, 0)
    assert {p.row for p in again.problems} == set(invalid_rows)
    assert app.recorder.max_notification_id() == head + real.events
    assert verify_tenant(parts.store, P.tenant).intact
