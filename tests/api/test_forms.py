"""The committees' forms out (``GET /reports/{form}.{format}``): the spreadsheet read back with
openpyxl equals the GraphQL dashboards cell by cell, its totals are formulas over the rows, the
PDF's text (``pdftotext``) carries the figures and the Vietnamese intact, CSV and JSON say the
same, the cuts move the figures as they move the dashboards', and the route is guarded as
GraphQL is (token, tenant from the token, the dashboards' permission, bilingual refusals)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from domain.commands import AssignSupplementaryQuota, EstablishUnit
from domain.org_units import UnitKind
from domain.quotas import Period
from domain.values import DocumentRef, Role
from service.forms.xlsx import FIRST_DATA_ROW, HEADER_ROW
from tests.api.conftest import Api
from tests.api.test_dashboard_queries import AS_OF, DEMO

DASHBOARDS = """
query ($period: String!, $unit: String!, $asOf: Date, $at: DateTime) {
  unitReport(period: $period, unitCode: $unit, asOf: $asOf, asRecordedAt: $at) {
    attainment { code quota openingBalance admitted percent surplus met }
    sourcePool { pool ratio }
    membershipChange { admitted removed netGrowth }
    overdueCases
  }
  unitsMeetingQuota(period: $period, unitCode: $unit, asOf: $asOf, asRecordedAt: $at) {
    met total
  }
  stageCounts(unitCode: $unit, asOf: $asOf, asRecordedAt: $at) { unit { code } stage count }
  structure(period: $period, unitCode: $unit, asOf: $asOf, asRecordedAt: $at) {
    total {
      admitted ethnicMinority religious youthUnion18To30
      gender { key count } ageGroups { key count } education { key count }
      occupation { key count }
    }
    units {
      unit { code } admitted ethnicMinority religious youthUnion18To30
      gender { key count } ageGroups { key count }
    }
  }
}
"""
PIPELINE = (
    "DISCOVERED",
    "SYMPATHIZER",
    "AWARENESS_TRAINED",
    "APPLIED",
    "SPONSORED",
    "VERIFIED",
    "BRANCH_RESOLVED",
    "COMMITTEE_RESOLVED",
    "DECIDED",
)
_REFERENCE = re.compile(r"([A-Z]+)([0-9]+)")


def base(api: Api) -> str:
    return api.url.removesuffix("/graphql")


def fetch(api: Api, path: str, token: str | None, **params: str) -> httpx.Response:
    headers = {} if token is None else {"authorization": f"Bearer {token}"}
    return api.client.get(f"{base(api)}/reports/{path}", params=params, headers=headers)


def form(api: Api, path: str, token: str, **params: str) -> bytes:
    response = fetch(api, path, token, **params)
    assert response.status_code == 200, response.text
    return response.content


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {i["key"]: i["count"] for i in items}


def dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def evaluate(ws: Worksheet, formula: object) -> int:
    """A total cell's formula over the sheet's numbers: =SUM(C13:C20), =SUM(C13,C15), =C13-D13."""
    assert isinstance(formula, str), formula
    body = formula.removeprefix("=")
    if body.startswith("SUM("):
        total = 0
        for part in body[4:-1].split(","):
            first, _, last = part.partition(":")
            (col, start), (_, end) = (
                _REFERENCE.fullmatch(first).groups(),  # type: ignore[union-attr]
                _REFERENCE.fullmatch(last or first).groups(),  # type: ignore[union-attr]
            )
            total += sum(ws[f"{col}{r}"].value or 0 for r in range(int(start), int(end) + 1))
        return total
    left, right = body.split("-")
    return int(ws[left].value) - int(ws[right].value)


def table(ws: Worksheet) -> tuple[list[str], list[list[Any]]]:
    """The Vietnamese headers and the data rows of a sheet."""
    headers = [str(c.value) for c in ws[HEADER_ROW]]
    rows = []
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(headers), values_only=True):
        if all(v is None for v in row[1:]):
            break
        rows.append(list[Any](row))
    return headers, rows


def column(headers: list[str], label: str) -> int:
    return headers.index(label)


def test_the_forms_read_back_equal_the_dashboards_cell_by_cell_at_every_cut(
    demo_api: Api, tmp_path: Path
) -> None:
    api = demo_api  # the demo, seeded once per session: this test's own copy
    leader = api.token(DEMO, Role.LEADER, subject="leader")
    asked = {"period": "2024", "unit": "KDN", "asOf": AS_OF.isoformat()}
    dash = api.data(DASHBOARDS, asked, token=leader)
    report = {r["attainment"]["code"]: r for r in dash["unitReport"]}
    total = dash["structure"]["total"]
    assert total["admitted"] > 0
    assert 0 < total["youthUnion18To30"] <= counts(total["ageGroups"])["≤30"]

    # --- new members: the criteria, their subtotals as formulas, the units and their total
    book = load_workbook(io.BytesIO(form(api, "new-members.xlsx", leader, **asked)))
    assert book.sheetnames == ["Cơ cấu", "Theo đơn vị"]
    ws = book["Cơ cấu"]
    assert ws["A1"].value == "BIỂU THỐNG KÊ ĐẢNG VIÊN MỚI KẾT NẠP"
    assert str(ws.page_setup.paperSize) == "9"  # A4
    headers, rows = table(ws)
    assert headers[:3] == ["STT", "Chỉ tiêu thống kê", "Số lượng"]
    by_label = {r[1]: r[2] for r in rows}
    expected = {
        "Tổng số đảng viên mới kết nạp (all admitted)": total["admitted"],
        "Nữ (women)": counts(total["gender"]).get("female", 0),
        "Nam (men)": counts(total["gender"]).get("male", 0),
        "Dân tộc thiểu số (ethnic minorities)": total["ethnicMinority"],
        "Người có đạo (following a religion)": total["religious"],
        "Đoàn viên thanh niên từ 18 đến 30 tuổi (Youth Union members aged 18–30)": total[
            "youthUnion18To30"
        ],
        "Đến 30 tuổi (up to 30)": counts(total["ageGroups"])["≤30"],
        "Từ 31 đến 40 tuổi (31–40)": counts(total["ageGroups"])["31–40"],
        "Trung học phổ thông (upper secondary)": counts(total["education"]).get(
            "upper_secondary", 0
        ),
        "Công nhân (workers)": counts(total["occupation"]).get("worker", 0),
    }
    assert {k: by_label[k] for k in expected} == expected
    subtotals = [
        ws.cell(FIRST_DATA_ROW + i, 3).value for i, r in enumerate(rows) if r[1] == "Cộng (total)"
    ]
    assert len(subtotals) == 6
    for formula in subtotals:
        assert str(formula).startswith("=SUM("), formula
        assert evaluate(ws, formula) == total["admitted"]

    ws = book["Theo đơn vị"]
    headers, rows = table(ws)
    units = {u["unit"]["code"]: u for u in dash["structure"]["units"]}
    admitted, women = column(headers, "Tổng số kết nạp"), column(headers, "Nữ")
    minority, young = column(headers, "Dân tộc thiểu số"), column(headers, "Đến 30 tuổi")
    youth = column(headers, "Đoàn viên 18–30 tuổi")
    *unit_rows, total_row = rows
    assert sorted(r[0] for r in unit_rows) == sorted(units)
    for row in unit_rows:
        u = units[row[0]]
        assert row[admitted] == u["admitted"]
        assert row[women] == counts(u["gender"]).get("female", 0)
        assert row[minority] == u["ethnicMinority"]
        assert row[young] == counts(u["ageGroups"])["≤30"]
        assert row[youth] == u["youthUnion18To30"]
    at = FIRST_DATA_ROW + len(unit_rows)
    for index, figure in (
        (admitted, total["admitted"]),
        (women, counts(total["gender"]).get("female", 0)),
        (minority, total["ethnicMinority"]),
        (young, counts(total["ageGroups"])["≤30"]),
        (youth, total["youthUnion18To30"]),
    ):
        assert total_row[index].startswith("=SUM(")
        assert evaluate(ws, ws.cell(at, index + 1).value) == figure

    # --- membership change: each unit's row, net growth as a formula of the row
    ws = load_workbook(io.BytesIO(form(api, "membership-change.xlsx", leader, **asked)))[
        "Tăng, giảm"
    ]
    headers, rows = table(ws)
    assert rows[0][0] == "KDN"
    assert sorted(r[0] for r in rows) == sorted(report)
    for number, row in enumerate(rows):
        change = report[row[0]]["membershipChange"]
        assert row[2:4] == [change["admitted"], change["removed"]]
        assert evaluate(ws, row[4]) == change["netGrowth"]
        assert row[4] == f"=C{FIRST_DATA_ROW + number}-D{FIRST_DATA_ROW + number}"

    # --- attainment: the unit report's figures; the pipeline per unit and stage, summed
    book = load_workbook(io.BytesIO(form(api, "attainment.xlsx", leader, **asked)))
    ws = book["Chỉ tiêu"]
    headers, rows = table(ws)
    assert sorted(r[0] for r in rows) == sorted(report)
    for row in rows:
        r = report[row[0]]
        a = r["attainment"]
        cells = dict(zip(headers, row, strict=True))
        for label in ("Chỉ tiêu", "Đã kết nạp", "Tỷ lệ %", "Nguồn / chỉ tiêu", "Hồ sơ quá hạn"):
            assert cells[label] is None or isinstance(cells[label], int | float), label
        assert cells["Chỉ tiêu"] == a["quota"]
        assert cells["Số dư đầu kỳ"] == a["openingBalance"]
        assert cells["Đã kết nạp"] == a["admitted"]
        assert dec(cells["Tỷ lệ %"]) == dec(a["percent"])
        assert cells["Vượt (+) / thiếu (−)"] == a["surplus"]
        assert cells["Đạt chỉ tiêu"] == {True: "Đạt", False: "Chưa đạt", None: "—"}[a["met"]]
        assert cells["Nguồn kết nạp"] == r["sourcePool"]["pool"]
        assert dec(cells["Nguồn / chỉ tiêu"]) == dec(r["sourcePool"]["ratio"])
        assert cells["Hồ sơ quá hạn"] == r["overdueCases"]
    meeting = dash["unitsMeetingQuota"]
    assert f"{meeting['met']} / {meeting['total']}" in str(
        ws.cell(FIRST_DATA_ROW + len(rows) + 1, 1).value
    )
    ws = book["Nguồn theo bước"]
    headers, rows = table(ws)
    stages: dict[tuple[str, str], int] = {
        (c["unit"]["code"], c["stage"]): c["count"]
        for c in dash["stageCounts"]
        if c["stage"] in PIPELINE
    }
    *unit_rows, total_row = rows
    assert total_row[0] == "Tổng cộng"
    for row in unit_rows:
        assert row[1:] == [stages.get((row[0], s), 0) for s in PIPELINE], row[0]
    at = FIRST_DATA_ROW + len(unit_rows)
    for index, stage in enumerate(PIPELINE, start=1):
        formula = ws.cell(at, index + 1).value
        assert evaluate(ws, formula) == sum(n for (_, s), n in stages.items() if s == stage)
    assert sum(stages.values()) > 0

    # --- PDF: the text extracted carries the Vietnamese and the figures
    pdf = tmp_path / "new-members.pdf"
    pdf.write_bytes(form(api, "new-members.pdf", leader, **asked))
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdftotext(pdf)
    assert "BIỂU THỐNG KÊ ĐẢNG VIÊN MỚI KẾT NẠP" in text
    assert "Đảng bộ Khối Doanh nghiệp tỉnh" in text
    assert "Năm 2024 (01/01/2024 – 31/12/2024)" in text
    assert "Đảng viên mới kết nạp theo đơn vị" in text
    assert "Dân tộc thiểu số" in text
    line = next(x for x in text.splitlines() if "Dân tộc thiểu số (ethnic minorities)" in x)
    assert line.split()[-2:] == [
        str(total["ethnicMinority"]),
        f"{Decimal(total['ethnicMinority']) * 100 / total['admitted']:.2f}".replace(".", ","),
    ]
    line = next(x for x in text.splitlines() if "Tổng số đảng viên mới kết nạp" in x)
    assert line.split()[-2:] == [str(total["admitted"]), "100,00"]
    pdf = tmp_path / "attainment.pdf"
    pdf.write_bytes(form(api, "attainment.pdf", leader, **asked))
    text = pdftotext(pdf)
    top = report["KDN"]["attainment"]
    line = next(x for x in text.splitlines() if x.strip().startswith("KDN"))
    assert f" {top['quota']} " in line
    assert f" {top['admitted']} " in line
    assert "Đảng bộ Khối Doanh nghiệp tỉnh" in line

    # --- CSV (UTF-8 with BOM) and JSON say the same
    data = form(api, "new-members.csv", leader, **asked)
    assert data.startswith(b"\xef\xbb\xbf")
    found = {r[1]: r[2] for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))) if len(r) > 2}
    assert {k: int(found[k]) for k in expected} == expected
    body = json.loads(form(api, "attainment.json", leader, **asked))
    assert body["header"]["unitCode"] == "KDN"
    assert body["header"]["asOf"] == AS_OF.isoformat()
    quota_rows = body["tables"][0]["rows"]
    assert {
        r["cells"]["code"]: (
            r["cells"]["quota"],
            r["cells"]["admitted"],
            dec(r["cells"]["percent"]),
        )
        for r in quota_rows
    } == {
        code: (
            r["attainment"]["quota"],
            r["attainment"]["admitted"],
            dec(r["attainment"]["percent"]),
        )
        for code, r in report.items()
    }

    the_forms_stand_at_the_cut_asked_for(api)


def pdftotext(path: Path) -> str:
    """The PDF's text as ``pdftotext`` extracts it (poppler-utils; scripts/test installs it)."""
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext (poppler-utils) is needed: scripts/test installs it"
    result = subprocess.run(
        [tool, "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return result.stdout.decode()


def the_forms_stand_at_the_cut_asked_for(api: Api) -> None:
    """asOf and asRecordedAt move the forms' figures as they move the dashboards' (called on the
    seeded demo: a second seeding would double the test's cost)."""
    organizer = api.token(DEMO, Role.ORGANIZER, subject="organizer")
    asked = {"period": "2024", "unit": "DU-DIEN", "asOf": AS_OF.isoformat()}
    time.sleep(0.05)
    recorded = datetime.now(UTC)
    time.sleep(0.05)
    on = date(2024, 10, 1)
    api.handlers.handle(
        api.principal(DEMO),
        AssignSupplementaryQuota(
            unit_code="DU-DIEN",
            period=Period.year(2024),
            amount=3,
            reason="Giao bổ sung",
            occurred_on=on,
            document=DocumentRef("CV", "99/2024", on, "Đảng ủy Khối"),
        ),
    )

    def quota(**cut: str) -> tuple[int, int]:
        rows = json.loads(form(api, "attainment.json", organizer, **{**asked, **cut}))
        [top] = [r for r in rows["tables"][0]["rows"] if r["cells"]["code"] == "DU-DIEN"]
        variables = {
            "period": "2024",
            "unit": "DU-DIEN",
            "asOf": cut.get("asOf", asked["asOf"]),
            "at": cut.get("asRecordedAt"),
        }
        [dash] = [
            r["attainment"]
            for r in api.data(DASHBOARDS, variables, token=organizer)["unitReport"]
            if r["attainment"]["code"] == "DU-DIEN"
        ]
        assert (top["cells"]["quota"], top["cells"]["admitted"]) == (
            dash["quota"],
            dash["admitted"],
        )
        return top["cells"]["quota"], top["cells"]["admitted"]

    now, then = quota(), quota(asRecordedAt=recorded.isoformat())
    assert now[0] == then[0] + 3  # the supplementary quota was recorded after the time asked
    september = quota(asOf="2024-09-30")
    assert september[0] == then[0]  # dated 1 October
    assert september[1] <= now[1]

    def admitted(day: str) -> int:
        body = json.loads(form(api, "new-members.json", organizer, **{**asked, "asOf": day}))
        figure = body["tables"][0]["rows"][0]["cells"]["count"]
        variables = {"period": "2024", "unit": "DU-DIEN", "asOf": day, "at": None}
        assert (
            figure
            == api.data(DASHBOARDS, variables, token=organizer)["structure"]["total"]["admitted"]
        )
        return int(figure)

    assert admitted("2024-03-31") < admitted(AS_OF.isoformat())


def establish(api: Api, tenant: str, code: str, name: str) -> None:
    api.handlers.handle(
        api.principal(tenant),
        EstablishUnit(
            code=code,
            name=name,
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=date(2015, 1, 1),
        ),
    )


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    [found] = response.json()["errors"]
    extensions: dict[str, Any] = found["extensions"]
    assert extensions["code"] == code, extensions
    assert extensions["messageVi"]
    assert extensions["messageEn"]
    assert extensions["messageVi"] != extensions["messageEn"]
    return extensions


def test_the_forms_route_is_guarded_as_graphql_is(api: Api) -> None:
    establish(api, "beta", "KDN", "Đảng bộ Bê-ta (không được lộ)")
    establish(api, "alpha", "AK", "Đảng bộ An-pha")
    beta = api.token("beta", Role.LEADER, subject="b")
    alpha = api.token("alpha", Role.LEADER, subject="a")
    asked = {"period": "2024", "asOf": "2024-12-31"}

    response = fetch(api, "attainment.csv", beta, **asked)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="attainment_KDN_2024_2024-12-31.csv"'
    )
    assert "Đảng bộ Bê-ta (không được lộ)" in response.content.decode("utf-8-sig")
    # every role with the dashboards' permission reads the forms, a branch secretary too
    secretary = api.token("beta", Role.BRANCH_SECRETARY, units=("KDN",), subject="s")
    assert fetch(api, "new-members.xlsx", secretary, **asked).status_code == 200
    # the tenant is the token's: alpha sees its own tree, never beta's unit
    mine = fetch(api, "attainment.json", alpha, **asked)
    assert mine.status_code == 200, mine.text
    assert "Bê-ta" not in mine.text
    assert json.loads(mine.content)["header"]["unitCode"] == "AK"
    assert (
        "Bê-ta"
        not in error(
            fetch(api, "attainment.json", alpha, unit="KDN", **asked), 404, "NOT_FOUND"
        ).values()
    )

    error(fetch(api, "attainment.xlsx", None, **asked), 401, "TOKEN_MISSING")
    refused = fetch(api, "attainment.xlsx", "not-a-token", **asked)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    operator = api.token(None, Role.PLATFORM_OPERATOR, subject="ops")
    error(fetch(api, "attainment.xlsx", operator, **asked), 403, "FORBIDDEN")
    ghost = api.token("ghost", Role.LEADER, subject="g")
    error(fetch(api, "attainment.xlsx", ghost, **asked), 403, "TENANT_UNKNOWN")

    error(fetch(api, "nope.xlsx", beta, **asked), 404, "FORM_NOT_FOUND")
    error(fetch(api, "attainment.docx", beta, **asked), 400, "FORMAT_INVALID")
    error(fetch(api, "attainment.xlsx", beta, period="2024-Q5"), 400, "PERIOD_INVALID")
    bad = error(fetch(api, "attainment.xlsx", beta, asOf="31/12/2024"), 400, "PARAMETER_INVALID")
    assert bad["messageVi"].startswith("Tham số asOf")
    error(fetch(api, "attainment.xlsx", beta, asRecordedAt="hôm qua"), 400, "PARAMETER_INVALID")
    error(fetch(api, "attainment.xlsx", beta, tenant="alpha"), 400, "PARAMETER_UNKNOWN")
    error(fetch(api, "attainment.xlsx", beta, unit="NOPE", **asked), 404, "NOT_FOUND")
    assert api.client.post(f"{base(api)}/reports/attainment.csv").status_code == 405


@pytest.mark.parametrize("backend", ["sqlite"])  # the command line over the same code
def test_ketnap_report_writes_a_form_and_refuses_bad_arguments_in_both_languages(
    api: Api, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from service.cli import main

    establish(api, "beta", "KDN", "Đảng bộ Bê-ta")
    runner = CliRunner()
    settings = api.services.settings
    out = tmp_path / "form.xlsx"
    args = ["report", "--tenant", "beta", "--period", "2024-Q3", "--as-of", "2024-09-30"]
    result = runner.invoke(
        main,
        [*args, "--form", "attainment", "--format", "xlsx", "--output", str(out)],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["Chỉ tiêu"]
    assert ws.cell(FIRST_DATA_ROW, 1).value == "KDN"
    assert ws.cell(FIRST_DATA_ROW, 2).value == "Đảng bộ Bê-ta"
    result = runner.invoke(main, [*args, "--form", "new-members", "--format", "json"], obj=settings)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout_bytes)["header"]["period"] == "quarter:2024-Q3"
    plain = runner.invoke(main, args, obj=settings)  # the text report stays the default
    assert plain.exit_code == 0
    assert "Chỉ tiêu kết nạp / quota attainment" in plain.output
    for extra, code in (
        (["--form", "nope"], "FORM_NOT_FOUND"),
        (["--form", "attainment", "--format", "docx"], "FORMAT_INVALID"),
        (["--format", "pdf"], "FORM_REQUIRED"),
        (["--form", "attainment", "--unit", "NOPE"], "NOT_FOUND"),
    ):
        refused = runner.invoke(main, [*args, *extra], obj=settings)
        assert refused.exit_code == 2, refused.output
        assert f"[{code}]" in refused.output
