"""Import of existing cases: the template round trip, bad files and cells, the rules at the
steps' dates, all-or-nothing, re-import, and the batched write path against the handlers one
command at a time (the same events, the chain intact)."""

from __future__ import annotations

import csv
import gc
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from domain import ids
from domain.candidates import Candidate, Stage
from domain.commands import DeclareYouthUnionOrganisation, EstablishUnit, RenameUnit
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority
from domain.values import Actor, Role
from service.audit.verify import verify_tenant
from service.bootstrap import Parts
from service.case_import.columns import BY_KEY, COLUMNS
from service.case_import.reading import ImportRefused, Sheet, read_sheet
from service.case_import.running import ImportSummary, import_cases, plans
from service.case_import.samples import TREE, historical_file, set_up_tenant
from service.case_import.template import EXAMPLE, write_csv
from service.cli import main
from service.collector import GC_THRESHOLD
from service.commands import Handlers, Principal
from service.errors import ConcurrentChange
from tests.conftest import SettingsCliRunner, StoreMaker

TODAY = date(2026, 11, 21)
OPS = Actor("ops", Role.PLATFORM_OPERATOR)
P = Principal("lich_su", Actor("nhap-lieu", Role.ORGANIZER))
MAX = 5_000_000


@pytest.fixture
def parts(store_maker: StoreMaker) -> Parts:
    """A tenant with the generator's units (projections inline)."""
    parts = store_maker.parts(today=lambda: TODAY)
    parts.handlers.create_tenant(OPS, P.tenant, "Đảng bộ Khối các cơ quan tỉnh", "other")
    set_up_tenant(parts.handlers, P)
    return parts


def example_units(h: Handlers, p: Principal) -> None:
    """The units the template's example row names: CB-01 under the grassroots committee DU-01."""
    for code, kind, parent, authority in (
        ("TINH", UnitKind.COMMITTEE, None, None),
        ("DU-01", UnitKind.GRASSROOTS_COMMITTEE, "TINH", AdmissionAuthority.GRASSROOTS_COMMITTEE),
        ("CB-01", UnitKind.BRANCH, "DU-01", None),
    ):
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Đơn vị {code}",
                kind=kind,
                parent_code=parent,
                occurred_on=date(2015, 1, 5),
                admission_authority=authority,
            ),
        )
    h.handle(
        p, DeclareYouthUnionOrganisation(code="DU-01", present=False, occurred_on=date(2015, 1, 5))
    )


def sheet_of(rows: list[dict[str, Any]]) -> Sheet:
    return read_sheet(write_csv(rows), max_bytes=MAX)


def events(parts: Parts, tenant: str = P.tenant) -> int:
    return parts.store.app(tenant, write=False).recorder.max_notification_id() or 0


def problems(summary: ImportSummary) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in summary.problems]


# --- the template ---------------------------------------------------------------------------
def test_template_round_trip_through_the_cli(store_maker: StoreMaker, tmp_path: Path) -> None:
    """`ketnap import template` writes an XLSX a clerk fills (Vietnamese headers, dates as
    dates); the filled file imports through `ketnap import cases` and the case reaches full
    membership; a dry run before stored nothing."""
    parts = store_maker.parts(today=lambda: TODAY)
    parts.handlers.create_tenant(OPS, "mau", "Mẫu", "other")
    example_units(parts.handlers, Principal("mau", P.actor))
    cli = SettingsCliRunner(parts.settings)
    path = tmp_path / "mau.xlsx"
    result = cli.invoke(main, ["import", "template", "--output", str(path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    sheet = book["Hồ sơ"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Mã hồ sơ", "Mã chi bộ", "Họ và tên"]
    assert [c.value for c in sheet[2]][:2] == ["case_code", "unit_code"]
    assert isinstance(sheet.cell(3, headers.index("Ngày sinh") + 1).value, datetime)
    assert {r[1].value for r in book["Hướng dẫn"].iter_rows(min_row=2)} == set(BY_KEY)
    # the clerk adds a second person, discovered only, and saves
    row: dict[str, Any] = {c.key: None for c in COLUMNS}
    row |= {
        "case_code": "HS-0002",
        "unit_code": "CB-01",
        "full_name": "Phạm Văn Nam",
        "birth_date": date(1990, 2, 3),
        "gender": "Nam",
        "ethnicity": "Tày",
        "religion": "Không",
        "education": "Trung học phổ thông",
        "professional_level": "Cao đẳng",
        "political_theory": "Không",
        "occupation": "Công nhân",
        "workplace_type": "Doanh nghiệp nhà nước",
        "youth_union_member": "Không",
        "trade_union_member": "Có",
        "discovered_on": date(2026, 5, 4),
        "introduced_by": "Chi bộ",
    }
    sheet.append([row[c.key] for c in COLUMNS])
    book.save(path)
    before = events(parts, "mau")
    dry = cli.invoke(main, ["import", "cases", str(path), "--tenant", "mau", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 nhập / imported" in dry.output
    assert events(parts, "mau") == before
    real = cli.invoke(main, ["import", "cases", str(path), "--tenant", "mau"])
    assert real.exit_code == 0, real.output
    app = parts.store.app("mau", write=False)
    full = app.get(ids.candidate_id("mau", "HS-0001"), Candidate)
    assert full.stage is Stage.FULL_MEMBER
    assert full.person.full_name == "Nguyễn Thị Mai"
    assert app.get(ids.candidate_id("mau", "HS-0002"), Candidate).stage is Stage.DISCOVERED
    again = cli.invoke(main, ["import", "cases", str(path), "--tenant", "mau"])
    assert again.exit_code == 0, again.output
    assert "2 không đổi / unchanged" in again.output


def test_csv_with_bom_iso_dates_codes_and_labels(parts: Parts) -> None:
    """CSV in UTF-8 with or without BOM; dates dd/mm/yyyy or ISO; lists by label or code,
    any case, with or without diacritics."""
    made = historical_file(3, today=TODAY, invalid=())
    rows = [dict(r) for r in made.rows]
    rows[0]["gender"] = "nu" if rows[0]["gender"] == "Nữ" else "MALE"
    rows[1]["education"] = "UPPER_SECONDARY"
    text = write_csv(rows).decode("utf-8-sig")
    text = text.replace(f"{rows[2]['birth_date']:%d/%m/%Y}", rows[2]["birth_date"].isoformat())
    summary = import_cases(parts.handlers, P, read_sheet(text.encode(), max_bytes=MAX))
    assert problems(summary) == []
    assert summary.imported == 3


# --- bad files ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "IMPORT_FILE_TYPE"),
        (b"PK\x03\x04 not really a zip", "IMPORT_FILE_TYPE"),
        ("Tên,Tuổi\nA,1\n".encode("utf-16"), "IMPORT_FILE_TYPE"),
        (b"\n\n", "IMPORT_HEADER_MISSING"),
        ("Mã hồ sơ,Mã chi bộ,Ngày sinh\nX,Y,01/01/2000\n".encode(), "IMPORT_COLUMN_MISSING"),
    ],
)
def test_a_file_that_is_not_the_template_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        read_sheet(data, max_bytes=MAX)
    assert refused.value.code == code
    assert refused.value.message_vi
    assert refused.value.message_en


def test_unknown_and_repeated_columns_and_size_are_refused() -> None:
    header = [c.vi for c in COLUMNS]
    for extra, code in (
        (["Cột lạ"], "IMPORT_COLUMN_UNKNOWN"),
        (["Họ và tên"], "IMPORT_COLUMN_REPEATED"),
    ):
        out = io.StringIO()
        csv.writer(out).writerow(header + extra)
        data = out.getvalue().encode()
        with pytest.raises(ImportRefused) as refused:
            read_sheet(data, max_bytes=MAX)
        assert refused.value.code == code
        assert extra[0] in refused.value.message_vi
    with pytest.raises(ImportRefused) as refused:
        read_sheet(write_csv(), max_bytes=100)
    assert refused.value.code == "IMPORT_FILE_TOO_LARGE"


def test_every_problem_of_every_row_is_reported_with_its_column(parts: Parts) -> None:
    """A dry run names each bad cell: look-alike codes with invisible characters, a huge cell,
    a date in the future, an unknown unit, a missing value, a bad vote count — all of a row's
    input problems at once, and stores nothing."""
    made = historical_file(6, today=TODAY, invalid=())
    rows = [dict(r) for r in made.rows]
    rows[0]["case_code"] = "LS\u200b-1"  # zero-width space
    rows[0]["full_name"] = "x" * 20_000
    rows[0]["gender"] = "Không rõ"
    rows[1]["unit_code"] = "CB-YT-\u202e1"  # a right-to-left override: reads "CB-YT-1"
    rows[2]["discovered_on"] = TODAY + timedelta(days=3)
    rows[3]["unit_code"] = "CB-KHONG-CO"
    rows[4]["identity_number"] = "12345"
    del rows[4]["religion"]
    before = events(parts)
    summary = import_cases(parts.handlers, P, sheet_of(rows), dry_run=True)
    found = set(problems(summary))
    assert {
        (3, "Mã hồ sơ", "CODE_INVISIBLE_CHARACTER"),
        (3, "Họ và tên", "CELL_TOO_LONG"),
        (3, "Giới tính", "VALUE_UNKNOWN"),
        (4, "Mã chi bộ", "CODE_INVISIBLE_CHARACTER"),
        (5, "Ngày phát hiện", "DATE_IN_FUTURE"),
        (6, "Mã chi bộ", "NOT_FOUND"),
        (7, "Số định danh cá nhân", "IDENTITY_NUMBER_INVALID"),
        (7, "Tôn giáo", "FIELD_REQUIRED"),
    } <= found, found
    assert {row for row, _, _ in found} == {3, 4, 5, 6, 7}
    assert summary.invalid == 5
    assert summary.imported == 1
    assert events(parts) == before
    for p in summary.problems:
        assert p.message_vi
        assert p.message_en
        assert p.message_vi != p.message_en


def test_rules_are_judged_at_the_steps_dates(parts: Parts) -> None:
    """The same rules as the API at each step's date: a branch resolution before the person is
    18 is refused (AGE) at its column; the row stores nothing, the others are stored."""
    made = historical_file(40, today=TODAY, invalid=())
    rows = [dict(r) for r in made.rows]
    # a case of a unit without a Youth Union organisation (two members introduce the young)
    target = next(
        i
        for i, r in enumerate(rows)
        if "branch_on" in r
        and r["unit_code"] in {"CB-GD-1", "CB-GD-2", "CBCS-TC"}
        and (r["branch_on"] - r["discovered_on"]).days < 600
    )
    rows[target]["birth_date"] = rows[target]["branch_on"] - timedelta(days=365 * 17 + 300)
    summary = import_cases(parts.handlers, P, sheet_of(rows))
    assert [(p.row, p.column) for p in summary.problems] == [
        (target + 3, "Ngày nghị quyết chi bộ (6-KNĐ)")
    ]
    assert summary.problems[0].code.startswith("AGE") or "tuổi" in summary.problems[0].message_vi
    assert summary.imported == 39
    app = parts.store.app(P.tenant, write=False)
    assert ids.candidate_id(P.tenant, rows[target]["case_code"]) not in app.repository


def test_all_or_nothing_stores_nothing_when_a_row_is_invalid(parts: Parts) -> None:
    made = historical_file(20, today=TODAY, invalid=("unknown_ethnicity",))
    before = events(parts)
    refused = import_cases(parts.handlers, P, sheet_of(made.rows), all_or_nothing=True)
    assert refused.invalid == 1
    assert refused.imported == 0
    assert refused.position is None
    assert events(parts) == before
    valid = [r for i, r in enumerate(made.rows) if i not in made.invalid]
    stored = import_cases(parts.handlers, P, sheet_of(valid), all_or_nothing=True)
    assert stored.invalid == 0
    assert stored.imported == 19
    assert events(parts) == before + stored.events


def test_a_failed_save_is_raised_to_the_importer_and_stores_nothing_of_its_batch(
    parts: Parts,
) -> None:
    """The batches are saved on a background thread; a save that fails (here: the first row's
    case entered by someone else meanwhile) is raised to the caller, not lost on that thread."""
    made = historical_file(250, today=TODAY, invalid=())
    sheet = sheet_of(made.rows)
    first = plans(parts.handlers, P, sheet)[0].steps[0].command
    before = events(parts)

    def someone_else_enters_the_first_case(done: int) -> None:
        if done == 200:  # after the first chunk, before the one save (batch_events: all)
            parts.handlers.handle(P, first)

    with pytest.raises(ConcurrentChange):
        import_cases(
            parts.handlers,
            P,
            sheet,
            batch_events=10**6,
            progress=someone_else_enters_the_first_case,
        )
    assert events(parts) == before + 1  # only the other writer's event
    assert verify_tenant(parts.store, P.tenant).intact


def test_the_collector_runs_less_often_during_an_import_and_as_before_after_it(
    parts: Parts,
) -> None:
    """An import raises the garbage collector's first threshold (its objects made full
    collections cost a quarter of the import) and puts it back, even when the import fails."""
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    made = historical_file(5, today=TODAY, invalid=())
    import_cases(
        parts.handlers, P, sheet_of(made.rows), progress=lambda _: during.append(gc.get_threshold())
    )
    assert during
    assert during[0][0] >= GC_THRESHOLD > before[0]
    assert gc.get_threshold() == before

    def fail(_: int) -> None:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        import_cases(parts.handlers, P, sheet_of(made.rows), dry_run=True, progress=fail)
    assert gc.get_threshold() == before


def test_the_read_models_catch_up_with_the_collector_running_less_often(
    store_maker: StoreMaker,
) -> None:
    """The catch-up after an import (here: projections not inline) holds many objects too: it
    runs with the raised threshold (service.collector), and puts it back."""
    parts = store_maker.parts(today=lambda: TODAY, inline=False)
    parts.handlers.create_tenant(OPS, P.tenant, P.tenant, "other")
    set_up_tenant(parts.handlers, P)
    import_cases(parts.handlers, P, sheet_of(historical_file(5, today=TODAY, invalid=()).rows))
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    report = parts.read_models.catch_up(
        P.tenant, progress=lambda _: during.append(gc.get_threshold())
    )
    assert report.events > 0
    assert during
    assert during[0][0] >= GC_THRESHOLD > before[0]
    assert gc.get_threshold() == before


def test_re_import_changes_nothing_and_a_different_row_is_reported(parts: Parts) -> None:
    made = historical_file(30, today=TODAY, invalid=())
    first = import_cases(parts.handlers, P, sheet_of(made.rows))
    assert first.imported == 30
    stored = events(parts)
    again = import_cases(parts.handlers, P, sheet_of(made.rows))
    assert (again.unchanged, again.imported, again.events) == (30, 0, 0)
    changed = [dict(r) for r in made.rows]
    changed[5]["full_name"] = "Tên Khác Hẳn"
    changed.append(dict(changed[6]))  # the same case twice in one file
    third = import_cases(parts.handlers, P, sheet_of(changed))
    assert problems(third) == [
        (8, "Mã hồ sơ", "CASE_EXISTS_DIFFERENT"),
        (33, "Mã hồ sơ", "CASE_CODE_REPEATED"),
    ]
    assert third.unchanged == 29
    assert events(parts) == stored


def test_batched_import_stores_what_the_handlers_store_one_command_at_a_time(
    store_maker: StoreMaker,
) -> None:
    """The same rows imported in batches (one transaction per ~200 events) and entered command
    by command through `Handlers.handle` give the same events per case; the tenant's hash chain
    verifies after the batches."""
    parts = store_maker.parts(today=lambda: TODAY, inline=False)
    made = historical_file(120, today=TODAY, invalid=())
    sheet = sheet_of(made.rows)
    one, batched = Principal("tung_lenh", P.actor), Principal("theo_lo", P.actor)
    for p in (one, batched):
        parts.handlers.create_tenant(OPS, p.tenant, p.tenant, "other")
        set_up_tenant(parts.handlers, p)
    # ~200-event batches: several saves, each overlapping the next batch's rows
    summary = import_cases(parts.handlers, batched, sheet, batch_events=200)
    assert summary.imported == 120
    for plan in plans(parts.handlers, one, sheet):  # the rows' commands, one at a time
        for step in plan.steps:
            parts.handlers.handle(one, step.command)

    def history(tenant: str) -> list[tuple[str, str]]:
        app = parts.store.app(tenant, write=False)
        # the tenants' unit ids differ (uuid5 of the tenant): compared by code
        units = {str(ids.unit_id(tenant, unit[0])): unit[0] for unit in TREE}
        out = []
        for code in made.expected:
            case = app.get(ids.candidate_id(tenant, code), Candidate)
            out.append((code, case.stage.value))
            for event in app.events.get(case.id):
                state = {
                    k: v
                    for k, v in vars(event).items()
                    if k not in {"timestamp", "originator_id", "tenant", "id"}
                }
                text = json.dumps(state, default=str, sort_keys=True)
                for unit_id, unit_code in units.items():
                    text = text.replace(unit_id, unit_code)
                out.append((type(event).__qualname__, text))
        return out

    batched_history = history(batched.tenant)
    assert batched_history == history(one.tenant)
    assert {(code, e.stage.value) for code, e in made.expected.items()} <= set(batched_history)
    assert verify_tenant(parts.store, batched.tenant).intact


def test_import_report_file_and_exit_status(parts: Parts, tmp_path: Path) -> None:
    made = historical_file(12, today=TODAY, invalid=("future_date", "unknown_unit"))
    path = tmp_path / "ho-so.csv"
    path.write_bytes(write_csv(made.rows))
    cli = SettingsCliRunner(parts.settings)
    report = tmp_path / "loi.csv"
    result = cli.invoke(
        main,
        ["import", "cases", str(path), "--tenant", P.tenant, "--dry-run", "--report", str(report)],
    )
    assert result.exit_code == 2, result.output
    assert "DATE_IN_FUTURE" in result.output
    assert "NOT_FOUND" in result.output
    lines = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert sorted(line["code"] for line in lines) == ["DATE_IN_FUTURE", "NOT_FOUND"]
    json_report = tmp_path / "loi.json"
    cli.invoke(
        main,
        [
            "import",
            "cases",
            str(path),
            "--tenant",
            P.tenant,
            "--dry-run",
            "--report",
            str(json_report),
        ],
    )
    assert json.loads(json_report.read_text())["invalid"] == 2


# --- the paths beyond discovery: received, failed vote, test task, over 60, late steps, moves ---
def paths_units(h: Handlers, p: Principal) -> None:
    """The example's units, a second branch CB-02 under DU-01, and CB-01 renamed on 1/6/2022
    (between the example's branch resolution and its recognition vote)."""
    example_units(h, p)
    h.handle(
        p,
        EstablishUnit(
            code="CB-02",
            name="Chi bộ Phòng Hai",
            kind=UnitKind.BRANCH,
            parent_code="DU-01",
            occurred_on=date(2015, 1, 5),
        ),
    )
    h.handle(p, RenameUnit(code="CB-01", name="Chi bộ Văn phòng", occurred_on=date(2022, 6, 1)))


def _until(row: dict[str, Any], last: str) -> dict[str, Any]:
    """``row`` without the steps after the column ``last`` (the template's order)."""
    keys = [c.key for c in COLUMNS]
    cut = keys.index(last)
    return {k: x for k, x in row.items() if k not in keys[cut + 1 :] or k == "notes"}


def paths_rows() -> list[dict[str, Any]]:
    """One row per new path, each on the template's example."""
    base = dict(EXAMPLE)
    received = {
        k: x
        for k, x in base.items()
        if k not in {"discovered_on", "introduced_by", "sympathizer_on", "helper_on", "helper_name"}
    } | {
        "case_code": "NHAN-1",
        "received_on": date(2021, 9, 25),
        "received_from": "Đảng ủy phường Cửa Nam",
        "received_no": "15-GCT/ĐU",
        "received_stage": "VERIFIED",  # by its code; labels read too
    }
    failed = base | {
        "case_code": "LAI-1",
        "branch_failed_on": date(2021, 9, 28),
        "branch_failed_no": "11-NQ/CB",
        "branch_failed_members": 25,
        "branch_failed_votes": 12,
    }
    older = base | {
        "case_code": "TREN60-1",
        "birth_date": date(1958, 1, 10),
        "task_on": date(2021, 5, 10),
        "task_text": "Tổ chức hội thao công đoàn",
        "over60_no": "88-CV/TU",
        "over60_by": "Ban Thường vụ Tỉnh ủy",
        "over60_health": "Có",
        "over60_prestige": "Có",
        "over60_place": "Yêu cầu đặc biệt",
    }
    late = _until(base, "decision_authority") | {
        "case_code": "CHAM-1",
        "decision_on": date(2022, 3, 1),  # beyond 60 working days of 5/10/2021
        "decision_review_on": date(2022, 3, 20),
        "decision_review_no": "02-BB/ĐU",
        "decision_review_by": "Đảng ủy cơ sở DU-01",
    }
    extended = _until(base, "decision_authority") | {
        "case_code": "GIAHAN-1",
        "decision_on": date(2022, 1, 20),
        "decision_extension_no": "05-CV/ĐUK",
        "decision_extension_by": "Ban Thường vụ Đảng ủy Khối",
    }
    moved = base | {
        "case_code": "CHUYEN-1",
        "move_on": date(2021, 9, 15),
        "move_unit": "CB-02",
        "move_no": "07-QĐ/ĐU",
    }
    return [received, failed, older, late, extended, moved]


def test_new_paths_import_as_the_handlers_store_them_one_command_at_a_time(
    store_maker: StoreMaker,
) -> None:
    """A case received from another committee, a failed branch vote then a passed one, a test
    task and an over-60 consent, a late decision and its review, an extension, a move between
    branches: imported in a batch they give the same events as their commands entered one at a
    time through `Handlers.handle`, and the issuers are the units' names on the steps' dates."""
    parts = store_maker.parts(today=lambda: TODAY, inline=False)
    sheet = sheet_of(paths_rows())
    one, batched = Principal("tung_lenh", P.actor), Principal("theo_lo", P.actor)
    for p in (one, batched):
        parts.handlers.create_tenant(OPS, p.tenant, p.tenant, "other")
        paths_units(parts.handlers, p)
    summary = import_cases(parts.handlers, batched, sheet)
    assert problems(summary) == []
    assert summary.imported == 6
    for plan in plans(parts.handlers, one, sheet):
        for step in plan.steps:
            parts.handlers.handle(one, step.command)

    def history(tenant: str) -> dict[str, list[tuple[str, str]]]:
        app = parts.store.app(tenant, write=False)
        units = {str(ids.unit_id(tenant, code)): code for code in ("CB-01", "CB-02")}
        out = {}
        for row in paths_rows():
            found = []
            for event in app.events.get(ids.candidate_id(tenant, row["case_code"])):
                state = {
                    k: x
                    for k, x in vars(event).items()
                    if k not in {"timestamp", "originator_id", "tenant", "id"}
                }
                text = json.dumps(state, default=str, sort_keys=True, ensure_ascii=False)
                for unit_id, code in units.items():
                    text = text.replace(unit_id, code)
                found.append((type(event).__qualname__.removeprefix("Candidate."), text))
            out[row["case_code"]] = found
        return out

    assert history(batched.tenant) == history(one.tenant)
    again = import_cases(parts.handlers, batched, sheet)  # the natural key holds for them too
    assert (again.unchanged, again.imported, again.events) == (6, 0, 0)
    app = parts.store.app(batched.tenant, write=False)
    stored: dict[str, dict[str, Any]] = {
        row["case_code"]: {
            type(e).__qualname__.removeprefix("Candidate."): e
            for e in app.events.get(ids.candidate_id(batched.tenant, row["case_code"]))
        }
        for row in paths_rows()
    }
    kinds = {code: list(events) for code, events in stored.items()}
    assert kinds["NHAN-1"][:2] == ["Discovered", "TransferredIn"]
    assert kinds["NHAN-1"][-1] == "RecognizedAsFullMember"
    transferred = stored["NHAN-1"]["TransferredIn"]
    assert transferred.stage is Stage.VERIFIED
    assert transferred.origin == "Đảng ủy phường Cửa Nam"
    assert transferred.dossier.verification.passed
    assert kinds["LAI-1"].index("BranchVoteFailed") < kinds["LAI-1"].index(
        "BranchResolutionRecorded"
    )
    assert {"TestTaskAssigned", "Over60AdmissionConsented"} <= set(kinds["TREN60-1"])
    assert kinds["CHAM-1"][-2:] == ["StepRecordedLate", "DelayReviewed"]
    assert stored["GIAHAN-1"]["AdmissionDecided"].extension.number == "05-CV/ĐUK"
    assert "StepRecordedLate" not in kinds["GIAHAN-1"]
    assert kinds["CHUYEN-1"].index("MovedToUnit") < kinds["CHUYEN-1"].index("CommentsRecorded")

    def issuer(code: str, event: str) -> str:
        return str(stored[code][event].document.issuer)

    # the branch resolution (5/10/2021) before CB-01's rename, the recognition vote after it
    assert issuer("LAI-1", "BranchResolutionRecorded") == "Đơn vị CB-01"
    assert issuer("LAI-1", "RecognitionVoted") == "Chi bộ Văn phòng"
    # after the move, the new branch's; received, the sending committee's transfer document
    assert issuer("CHUYEN-1", "BranchResolutionRecorded") == "Chi bộ Phòng Hai"
    assert issuer("NHAN-1", "TransferredIn") == "Đảng ủy phường Cửa Nam"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_bad_cell_in_each_new_column_is_reported_at_its_column(
    store_maker: StoreMaker,
) -> None:
    """A dry run names each new column's bad cell, and a step the received dossier cannot
    carry, and refusals of the rules at the column they concern."""
    parts = store_maker.parts(today=lambda: TODAY)
    parts.handlers.create_tenant(OPS, P.tenant, P.tenant, "other")
    paths_units(parts.handlers, P)
    received, failed, older, late, extended, moved = paths_rows()
    base = dict(EXAMPLE)

    def review(step: str, on: Any, no: str = "1/BB", by: str | None = "Đảng ủy") -> dict[str, Any]:
        return {f"{step}_review_on": on, f"{step}_review_no": no, f"{step}_review_by": by}

    bad: list[tuple[dict[str, Any], str, str]] = [
        (received | {"received_on": "31/02/2021"}, "received_on", "DATE_INVALID"),
        (received | {"received_stage": "Đã chuyển đi"}, "received_stage", "VALUE_UNKNOWN"),
        (received | {"received_full_since": "sau"}, "received_full_since", "DATE_INVALID"),
        (
            {k: x for k, x in received.items() if k != "received_no"},
            "received_no",
            "FIELD_REQUIRED",
        ),
        (received | {"discovered_on": date(2021, 3, 1)}, "discovered_on", "NOT_FOR_RECEIVED_CASE"),
        (received | {"sympathizer_on": date(2021, 4, 5)}, "sympathizer_on", "STEP_BEFORE_RECEIPT"),
        (received | {"received_stage": "Đảng viên dự bị"}, "ceremony_on", "CEREMONY_DATE_REQUIRED"),
        (
            {k: x for k, x in received.items() if not k.startswith("verification")},
            "verification_on",
            "DOSSIER_INCOMPLETE",
        ),
        (failed | {"branch_failed_votes": 20}, "branch_failed_votes", "VOTE_NOT_FAILED"),
        (failed | {"branch_failed_members": "nhiều"}, "branch_failed_members", "NUMBER_EXPECTED"),
        (
            {k: x for k, x in failed.items() if k != "branch_failed_no"},
            "branch_failed_no",
            "DOCUMENT_REQUIRED",
        ),
        ({k: x for k, x in older.items() if k != "task_text"}, "task_text", "FIELD_REQUIRED"),
        (older | {"over60_place": "Ở xa"}, "over60_place", "VALUE_UNKNOWN"),
        (older | {"over60_health": "có lẽ"}, "over60_health", "YES_NO_EXPECTED"),
        (
            {k: x for k, x in older.items() if k != "over60_no"},
            "over60_no",
            "OVER_60_CONDITIONS_NOT_MET",
        ),
        (older | {"over60_prestige": "Không"}, "over60_health", "OVER_60_CONDITIONS_NOT_MET"),
        (
            late | {"decision_review_on": TODAY + timedelta(days=2)},
            "decision_review_on",
            "DATE_IN_FUTURE",
        ),
        (late | {"decision_review_by": None}, "decision_review_by", "FIELD_REQUIRED"),
        (
            extended | {"decision_extension_no": "05\u200b-CV"},
            "decision_extension_no",
            "CODE_INVISIBLE_CHARACTER",
        ),
        (moved | {"move_unit": "CB-KHONG"}, "move_unit", "NOT_FOUND"),
        (moved | {"move_unit": "CB-01"}, "move_unit", "SAME_UNIT"),
        (moved | {"move_on": "15/13/2021"}, "move_on", "DATE_INVALID"),
        ({k: x for k, x in moved.items() if k != "move_no"}, "move_no", "DOCUMENT_REQUIRED"),
        (moved | {"move_by": "Đảng ủy\u202e X"}, "move_by", "NAME_INVALID_CHARACTER"),
        (received | {"received_from": "x" * 400}, "received_from", "NAME_TOO_LONG"),
        (failed | {"branch_failed_on": "hôm qua"}, "branch_failed_on", "DATE_INVALID"),
        (older | {"task_on": "32/01/2021"}, "task_on", "DATE_INVALID"),
        (older | {"over60_by": None}, "over60_by", "FIELD_REQUIRED"),
        (older | {"over60_prestige": "hmm"}, "over60_prestige", "YES_NO_EXPECTED"),
        (extended | {"decision_extension_by": None}, "decision_extension_by", "FIELD_REQUIRED"),
        (
            base | {"ceremony_consent_no": "1\u200b/CV"},
            "ceremony_consent_no",
            "CODE_INVISIBLE_CHARACTER",
        ),
        (base | {"ceremony_consent_no": "1/CV"}, "ceremony_consent_by", "FIELD_REQUIRED"),
        (
            base | {"recognition_extension_no": "2\u200b/CV"},
            "recognition_extension_no",
            "CODE_INVISIBLE_CHARACTER",
        ),
        (base | {"recognition_extension_no": "2/CV"}, "recognition_extension_by", "FIELD_REQUIRED"),
        (base | review("ceremony", date(2022, 1, 5)), "ceremony_review_on", "NO_DELAY_REVIEW_OPEN"),
        (
            base | review("ceremony", date(2022, 1, 5), no="3\u200b/BB"),
            "ceremony_review_no",
            "CODE_INVISIBLE_CHARACTER",
        ),
        (
            base | review("ceremony", date(2022, 1, 5), by=None),
            "ceremony_review_by",
            "FIELD_REQUIRED",
        ),
        (base | review("recognition", "1/2/2O23"), "recognition_review_on", "DATE_INVALID"),
        (
            base | review("recognition", date(2023, 2, 1), no="4\u200b/BB"),
            "recognition_review_no",
            "CODE_INVISIBLE_CHARACTER",
        ),
        (
            base | review("recognition", date(2023, 2, 1), by="x" * 400),
            "recognition_review_by",
            "NAME_TOO_LONG",
        ),
    ]
    rows = [row | {"case_code": f"SAI-{i}"} for i, (row, _, _) in enumerate(bad)]
    summary = import_cases(parts.handlers, P, sheet_of(rows), dry_run=True)
    found = problems(summary)
    for i, (_, key, code) in enumerate(bad):
        assert (i + 3, BY_KEY[key].vi, code) in found, (
            key,
            code,
            [f for f in found if f[0] == i + 3],
        )
    assert summary.invalid == len(bad)
    for p in summary.problems:
        assert p.message_vi
        assert p.message_en != p.message_vi
