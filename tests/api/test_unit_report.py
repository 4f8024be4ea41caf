"""A quarterly or yearly report in one request: quarter and month targets derived from the year
plan where none is set, and every unit of a subtree with its attainment, source pool,
membership change and overdue cases — the per-unit queries' answers, in a fixed number of
statements whatever the number of units, and nothing for another tenant's token."""

from __future__ import annotations

from typing import Any

from domain.values import Role
from tests.api.conftest import Api
from tests.api.test_dashboard_queries import AS_OF, DEMO
from tests.api.test_dataloaders import Statements, statements

__all__ = ["statements"]  # the fixture, used here by name

QUARTER = """
query ($period: String!, $asOf: Date) {
  quotaAttainment(period: $period, asOf: $asOf) {
    code source quota target supplementary: plans { supplementary planSource quota unit { code } }
  }
}
"""

POOL = "pool quota quotaMax ratio ratioMin ratioMax neededMin neededMax insideBand organizations"

REPORT = f"""
query ($period: String!, $unit: String!, $asOf: Date) {{
  unitReport(period: $period, unitCode: $unit, asOf: $asOf) {{
    attainment {{ code source quota quotaMax admitted percent met
                  plans {{ planSource target: quota }} }}
    sourcePool {{ {POOL} }}
    membershipChange {{ admitted removed netGrowth }}
    overdueCases
  }}
}}
"""

ONE_UNIT = f"""
query ($period: String!, $unit: String!, $asOf: Date) {{
  quotaAttainment(period: $period, unitCode: $unit, asOf: $asOf) {{
    code source quota quotaMax admitted percent met plans {{ planSource target: quota }}
  }}
  sourcePool(period: $period, unitCode: $unit, asOf: $asOf) {{
    {POOL}
  }}
  membershipChange(period: $period, unitCode: $unit, asOf: $asOf) {{
    admitted removed netGrowth
  }}
  candidates(filter: {{unitCodes: [$unit], overdueOnly: true}}, asOf: $asOf, first: 1) {{ totalCount }}
}}
"""


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in rows}


def test_a_quarter_without_its_own_plan_is_held_to_its_share_of_the_year(demo_api: Api) -> None:
    api = demo_api  # the demo, seeded once per session: this test's own copy
    leader = api.token(DEMO, Role.LEADER, subject="leader")
    variables = {"period": "2024-Q3", "asOf": AS_OF.isoformat()}
    rows = by_code(api.data(QUARTER, variables, token=leader)["quotaAttainment"])
    # KDN has a plan set for each quarter of 2024 (6); DU-DIEN only its year's 7, DU-XD 5
    assert rows["KDN"]["supplementary"] == [
        {"supplementary": 0, "planSource": "SET", "quota": 6, "unit": {"code": "KDN"}}
    ]
    dien = rows["DU-DIEN"]
    assert dien["source"] == "plan"
    [plan] = dien["supplementary"]
    assert plan["planSource"] == "DERIVED_FROM_YEAR"
    assert dien["target"] == 2  # 7 × 3 ÷ 12 = 1.75, rounded up
    assert rows["DU-XD"]["target"] == 2  # 5 × 3 ÷ 12 = 1.25
    month = by_code(
        api.data(QUARTER, {**variables, "period": "2024-08"}, token=leader)["quotaAttainment"]
    )
    assert month["DU-DIEN"]["target"] == 1  # 7 ÷ 12, rounded up
    assert month["DU-DIEN"]["supplementary"][0]["planSource"] == "DERIVED_FROM_YEAR"
    year = by_code(
        api.data(QUARTER, {**variables, "period": "2024"}, token=leader)["quotaAttainment"]
    )
    assert year["DU-DIEN"]["target"] == 7
    assert year["DU-DIEN"]["supplementary"][0]["planSource"] == "SET"


def test_the_report_of_a_subtree_is_the_per_unit_queries_in_a_fixed_number_of_statements(
    demo_api: Api, statements: Statements
) -> None:
    api = demo_api  # the demo, seeded once per session: this test's own copy
    leader = api.token(DEMO, Role.LEADER, subject="leader")
    organizer = api.token(DEMO, Role.ORGANIZER, subject="organizer")  # reads the case list
    for period in ("2024-Q3", "2024"):
        variables = {"period": period, "asOf": AS_OF.isoformat()}
        costs = {}
        reports = {}
        for top in ("DU-DIEN", "KDN"):
            with statements.counting():
                reports[top] = api.data(REPORT, {**variables, "unit": top}, token=leader)[
                    "unitReport"
                ]
            costs[top] = statements.total
        # the whole tree costs what a small subtree costs: no statement per unit
        assert len(reports["KDN"]) > len(reports["DU-DIEN"]) > 1
        assert costs["KDN"] == costs["DU-DIEN"], statements.report()
        overdue = 0
        for row in reports["KDN"]:
            code = row["attainment"]["code"]
            one = api.data(ONE_UNIT, {**variables, "unit": code}, token=organizer)
            [expected] = [r for r in one["quotaAttainment"] if r["code"] == code]
            assert row["attainment"] == expected, code
            assert row["sourcePool"] == one["sourcePool"], code
            assert row["membershipChange"] == one["membershipChange"], code
            assert row["overdueCases"] == one["candidates"]["totalCount"], code
            overdue += row["overdueCases"]
        assert overdue > 0, "the demo has overdue cases: the count is exercised"


def test_another_tenants_token_sees_no_unit_of_the_report(demo_api: Api) -> None:
    api = demo_api  # the demo, seeded once per session: this test's own copy
    stranger = api.token("alpha", Role.LEADER, subject="stranger")
    result = api.gql(REPORT, {"period": "2024", "unit": "KDN"}, token=stranger)
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND", error
