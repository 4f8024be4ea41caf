"""The dashboard queries answer what the read models compute, at the asked cut, to leaders too.

The demo tenant gives rich data; every figure is compared with the same query function called
directly on the read models, so these tests check the wiring (arguments, cut, units, paging),
not the figures themselves (``tests/projections`` does that).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLNamedType, GraphQLObjectType, get_named_type
from strawberry.utils.str_converters import to_camel_case

from domain import ids
from domain.commands import (
    AssignSupplementaryQuota,
    EstablishUnit,
    RenameUnit,
    ReportHeadcount,
)
from domain.org_units import UnitKind
from domain.quotas import Period, percent_of
from domain.values import DocumentRef, Role
from projections.cut import Cut, position_recorded_by
from projections.queries import attainment, org_tree, pipeline, structure
from projections.sql import Tx
from service.api.permissions import Capability, capability_of
from service.api.queries.dashboards import DashboardQueries
from service.api.schema import schema
from tests.api.conftest import DEMO, Api

__all__ = ["DEMO"]  # the demo tenant's slug, imported from here by the other modules

AS_OF = date(2024, 12, 31)
PERIOD = Period.year(2024)


@contextmanager
def read_models(api: Api) -> Iterator[Tx]:
    with api.services.read_models.read(DEMO) as tx:
        yield tx


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def codes_by_id(tx: Tx, cut: Cut) -> dict[str, str]:
    return {n.unit_id: n.code for n in org_tree.units_on(tx, cut, include_closed=True)}


def unit_id(code: str) -> str:
    return str(ids.unit_id(DEMO, code))


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    assert result["data"] is None, result
    [error] = result["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


ATTAINMENT = """
query ($period: String!, $unit: String, $asOf: Date, $at: DateTime) {
  quotaAttainment(period: $period, unitCode: $unit, asOf: $asOf, asRecordedAt: $at) {
    code name source quota quotaMax admitted percent surplus met unresolvedPlans
    target targetMax targetPercent targetSurplus rangeStatus
    plans { targetKind quota supplementary headcount headcountRolledUp unit { code } }
    subUnits {
      quota quotaMax target targetMax admitted percent surplus targetPercent targetSurplus
      rangeStatus met unresolvedPlans plans { unit { code } }
    }
    unit { code name }
  }
}
"""

FIGURES = """
query ($period: String!, $asOf: Date) {
  unitsMeetingQuota(period: $period, asOf: $asOf) {
    met total unitsMet { code } unitsShort { code }
  }
  coverage(period: $period, asOf: $asOf) {
    organizations admitting percent withoutAdmission { code }
  }
  unitCoverage: coverage(period: $period, unitCode: "DU-DIEN", asOf: $asOf) {
    organizations admitting percent withoutAdmission { code }
  }
  sourcePool(period: $period, unitCode: "DU-DIEN", asOf: $asOf) {
    unit { code } pool quota quotaMax ratio ratioMin ratioMax neededMin neededMax insideBand
    organizations
    withoutCandidates { code }
  }
  membershipChange(period: $period, unitCode: "KDN", asOf: $asOf) {
    unit { code } admitted removed netGrowth
  }
}
"""

PIPELINE = """
query ($period: String!, $asOf: Date) {
  stageCounts(asOf: $asOf) { unit { code } stage count }
  branch: stageCounts(unitCode: "DU-DIEN", asOf: $asOf) { unit { code } stage count }
  stageEntries(period: $period, asOf: $asOf) { unit { code } stage count }
  funnel(period: $period, asOf: $asOf) {
    cases
    steps { stage reached conversion }
    bySource { introducedBy introduced admitted percent }
  }
  timeInStage(asOf: $asOf) { unit { code } stage cases medianDays p90Days }
}
"""

STRUCTURE = """
query ($period: String!, $unit: String, $asOf: Date) {
  structure(period: $period, unitCode: $unit, asOf: $asOf) {
    basis start end
    total { unit { code } admitted ageGroups { key count } gender { key count }
            ethnicity { key count } religion { key count } education { key count }
            professionalLevel { key count } politicalTheory { key count }
            occupation { key count } workplaceType { key count } ethnicMinority religious }
    units { unit { code } admitted ageGroups { key count } occupation { key count } }
  }
}
"""

STALLED = """
query ($first: Int, $after: String, $unit: String, $asOf: Date) {
  stalledCases(first: $first, after: $after, unitCode: $unit, asOf: $asOf) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { caseCode stage lastStepOn daysWithoutStep unit { code } } }
  }
}
"""

UNITS = """
query ($first: Int, $after: String, $closed: Boolean!, $asOf: Date) {
  orgUnits(first: $first, after: $after, includeClosed: $closed, asOf: $asOf) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code name kind status depth headcount admissionAuthority since
                   parent { code } } }
  }
}
"""

TREE = """
query ($root: String, $asOf: Date, $at: DateTime) {
  orgTree(rootCode: $root, asOf: $asOf, asRecordedAt: $at) { code name depth }
}
"""


def expected_roll_up(
    figures: attainment.QuotaFigures | None, codes: dict[str, str]
) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {
        "quota": figures.quota,
        "quotaMax": figures.quota_max,
        "target": figures.target,
        "targetMax": figures.target_max,
        "admitted": figures.admitted,
        "percent": dec(figures.percent),
        "surplus": figures.surplus,
        "targetPercent": dec(figures.target_percent),
        "targetSurplus": figures.target_surplus,
        "rangeStatus": None if figures.range_status is None else figures.range_status.name,
        "met": figures.met,
        "unresolvedPlans": figures.unresolved_plans,
        "plans": [{"unit": {"code": codes[p.unit_id]}} for p in figures.plans],
    }


def expected_attainment(
    rows: tuple[attainment.UnitAttainment, ...], codes: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "name": r.name,
            "source": r.source,
            "quota": r.quota,
            "quotaMax": r.quota_max,
            "admitted": r.admitted,
            "percent": dec(r.percent),
            "surplus": r.surplus,
            "met": r.met,
            "unresolvedPlans": r.unresolved_plans,
            "target": r.figures.target,
            "targetMax": r.figures.target_max,
            "targetPercent": dec(r.figures.target_percent),
            "targetSurplus": r.figures.target_surplus,
            "rangeStatus": None if r.figures.range_status is None else r.figures.range_status.name,
            "plans": [
                {
                    "targetKind": p.target_kind,
                    "quota": p.quota,
                    "supplementary": p.supplementary,
                    "headcount": p.headcount,
                    "headcountRolledUp": p.headcount_rolled_up,
                    "unit": {"code": codes[p.unit_id]},
                }
                for p in r.plans
            ],
            "subUnits": expected_roll_up(r.sub_units, codes),
            "unit": {"code": r.code, "name": r.name},
        }
        for r in rows
    ]


def expected_traits(figures: structure.MemberStructure, *names: str) -> dict[str, Any]:
    keys = {
        "ageGroups": figures.age_groups,
        "gender": figures.trait("gender"),
        "ethnicity": figures.trait("ethnicity"),
        "religion": figures.trait("religion"),
        "education": figures.trait("education"),
        "professionalLevel": figures.trait("professional_level"),
        "politicalTheory": figures.trait("political_theory"),
        "occupation": figures.trait("occupation"),
        "workplaceType": figures.trait("workplace_type"),
    }
    return {n: [{"key": k, "count": c} for k, c in keys[n]] for n in names}


def stalled_pages(api: Api, token: str, **variables: Any) -> tuple[list[dict[str, Any]], int]:
    """Every stalled case, page by page (pages of 7), and the total count."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = api.data(STALLED, {"first": 7, "after": after, **variables}, token=token)
        connection = page["stalledCases"]
        found += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return found, connection["totalCount"]
        after = connection["pageInfo"]["endCursor"]


def one_unit_meets_its_quota(api: Api, variables: dict[str, Any]) -> None:
    """The demo's random cases decide which units meet their quota; so that the figures show
    both kinds whatever the draw, the first planned unit below its quota with admissions gets a
    (negative) supplementary assignment down to exactly what it admitted."""
    organizer = api.token(DEMO, Role.ORGANIZER, subject="organizer")
    rows = api.data(ATTAINMENT, variables, token=organizer)["quotaAttainment"]
    if any(r["met"] for r in rows):
        return
    row = next(r for r in rows if r["met"] is False and r["admitted"] > 0)
    on = date(2024, 11, 1)
    api.handlers.handle(
        api.principal(DEMO),
        AssignSupplementaryQuota(
            unit_code=row["unit"]["code"],
            period=PERIOD,
            amount=row["admitted"] - row["quota"],
            reason="Điều chỉnh theo tình hình thực tế",
            occurred_on=on,
            document=DocumentRef("CV", "98/2024", on, "Đảng ủy Khối"),
        ),
    )


def test_a_leader_reads_every_dashboard_as_the_read_models_compute_it(demo_api: Api) -> None:
    api = demo_api  # the demo, seeded once per session: this test's own copy
    leader = api.token(DEMO, Role.LEADER, subject="leader")
    cut = Cut(AS_OF)
    variables = {"period": "2024", "asOf": AS_OF.isoformat()}
    one_unit_meets_its_quota(api, variables)

    attained = api.data(ATTAINMENT, variables, token=leader)["quotaAttainment"]
    figures = api.data(FIGURES, variables, token=leader)
    flow = api.data(PIPELINE, variables, token=leader)
    members = api.data(STRUCTURE, variables, token=leader)["structure"]
    branch_members = api.data(STRUCTURE, {**variables, "unit": "DU-DIEN"}, token=leader)
    stalled, stalled_total = stalled_pages(api, leader, asOf=AS_OF.isoformat())

    with read_models(api) as tx:
        codes = codes_by_id(tx, cut)
        rows = attainment.quota_attainment(tx, cut, PERIOD)
        meeting = attainment.units_meeting_quota(tx, cut, PERIOD)
        cover = attainment.coverage(tx, cut, PERIOD)
        dien_cover = attainment.coverage(tx, cut, PERIOD, unit_id("DU-DIEN"))
        pool = attainment.source_pool(tx, cut, PERIOD, unit_id("DU-DIEN"))
        change = attainment.membership_change(tx, cut, PERIOD, unit_id("KDN"))
        counts = pipeline.stage_counts(tx, cut)
        dien = sorted(org_tree.subtree(tx, cut, unit_id("DU-DIEN")))
        dien_counts = pipeline.stage_counts(tx, cut, unit_ids=dien)
        entries = pipeline.stage_entries(tx, cut, PERIOD.start, PERIOD.end)
        funnel = pipeline.funnel(tx, cut, opened_from=PERIOD.start, opened_to=PERIOD.end)
        durations = pipeline.time_in_stage(tx, cut)
        admitted = structure.admitted_structure(tx, cut, PERIOD.start, PERIOD.end)
        dien_admitted = structure.admitted_structure(
            tx, cut, PERIOD.start, PERIOD.end, unit_ids=dien
        )
        stalls = pipeline.stalled(tx, cut)

    # quota attainment, rolled up over the tree; not vacuous
    assert attained == expected_attainment(rows, codes)
    assert any(r["met"] for r in attained)
    assert any(r["met"] is False for r in attained)

    assert figures["unitsMeetingQuota"] == {
        "met": meeting.met,
        "total": meeting.total,
        "unitsMet": [{"code": codes[u]} for u in meeting.units_met],
        "unitsShort": [{"code": codes[u]} for u in meeting.units_short],
    }
    assert meeting.total > 0
    assert figures["coverage"] == {
        "organizations": cover.organizations,
        "admitting": cover.admitting,
        "percent": dec(cover.percent),
        "withoutAdmission": [{"code": codes[u]} for u in cover.without_admission],
    }
    assert cover.organizations > 0
    assert figures["unitCoverage"] == {
        "organizations": dien_cover.organizations,
        "admitting": dien_cover.admitting,
        "percent": dec(dien_cover.percent),
        "withoutAdmission": [{"code": codes[u]} for u in dien_cover.without_admission],
    }
    assert 0 < dien_cover.organizations < cover.organizations
    assert figures["sourcePool"] == {
        "unit": {"code": "DU-DIEN"},
        "pool": pool.pool,
        "quota": pool.quota,
        "quotaMax": pool.quota_max,
        "ratio": dec(pool.ratio),
        "ratioMin": dec(pool.ratio_min),
        "ratioMax": dec(pool.ratio_max),
        "neededMin": pool.needed_min,
        "neededMax": pool.needed_max,
        "insideBand": pool.inside_band,
        "organizations": pool.organizations,
        "withoutCandidates": [{"code": codes[u]} for u in pool.without_candidates],
    }
    assert figures["membershipChange"] == {
        "unit": {"code": "KDN"},
        "admitted": change.admitted,
        "removed": change.removed,
        "netGrowth": change.net_growth,
    }
    assert change.admitted > 0

    def stage_rows(found: tuple[pipeline.StageCount, ...]) -> list[dict[str, Any]]:
        return [
            {"unit": {"code": codes[c.unit_id]}, "stage": c.stage.name, "count": c.count}
            for c in found
        ]

    assert flow["stageCounts"] == stage_rows(counts)
    assert counts
    assert flow["branch"] == stage_rows(dien_counts)
    assert dien_counts
    assert len(dien_counts) < len(counts)
    assert flow["stageEntries"] == stage_rows(entries)
    assert entries
    assert flow["funnel"] == {
        "cases": funnel.cases,
        "steps": [
            {"stage": s.stage.name, "reached": s.reached, "conversion": dec(s.conversion)}
            for s in funnel.steps
        ],
        "bySource": [
            {
                "introducedBy": s.introduced_by,
                "introduced": s.introduced,
                "admitted": s.admitted,
                "percent": dec(s.percent),
            }
            for s in funnel.by_source
        ],
    }
    assert funnel.cases > 0
    assert flow["timeInStage"] == [
        {
            "unit": {"code": codes[d.unit_id]},
            "stage": d.stage.name,
            "cases": d.cases,
            "medianDays": dec(d.median_days),
            "p90Days": d.p90_days,
        }
        for d in durations
    ]
    assert durations

    every_trait = (
        "ageGroups",
        "gender",
        "ethnicity",
        "religion",
        "education",
        "professionalLevel",
        "politicalTheory",
        "occupation",
        "workplaceType",
    )
    assert members == {
        "basis": admitted.basis,
        "start": PERIOD.start.isoformat(),
        "end": PERIOD.end.isoformat(),
        "total": {
            "unit": None,
            "admitted": admitted.total.admitted,
            **expected_traits(admitted.total, *every_trait),
            "ethnicMinority": admitted.total.ethnic_minority,
            "religious": admitted.total.religious,
        },
        "units": [
            {
                "unit": {"code": codes[str(u.unit_id)]},
                "admitted": u.admitted,
                **expected_traits(u, "ageGroups", "occupation"),
            }
            for u in admitted.units
        ],
    }
    assert admitted.total.admitted > 0
    branch_total = branch_members["structure"]["total"]
    assert branch_total["admitted"] == dien_admitted.total.admitted
    assert 0 < dien_admitted.total.admitted < admitted.total.admitted

    # stalled cases: every one, by case code, no name
    assert stalled == [
        {
            "caseCode": s.case_code,
            "stage": s.stage.name,
            "lastStepOn": s.last_step_on.isoformat(),
            "daysWithoutStep": s.days_without_step,
            "unit": {"code": codes[s.unit_id]},
        }
        for s in sorted(stalls, key=lambda s: s.case_code)
    ]
    assert stalled_total == len(stalls) > 7
    no_names = api.gql("{ stalledCases { edges { node { caseCode fullName } } } }", token=leader)
    assert no_names["errors"]
    assert no_names.get("data") is None


def test_units_tree_paging_scope_and_the_two_time_axes(demo_api: Api) -> None:
    api = demo_api  # the demo, seeded once per session: this test's own copy
    organizer = api.token(DEMO, subject="organizer")
    mid_year = date(2024, 6, 30)

    # the units, in pages of 5 by code (closed ones included), as units_on sees them
    listed: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"first": 5, "after": after, "closed": True, "asOf": AS_OF.isoformat()}
        connection = api.data(UNITS, variables, token=organizer)["orgUnits"]
        listed += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    open_only = api.data(UNITS, {"closed": False, "asOf": AS_OF.isoformat()}, token=organizer)
    tree = api.data(TREE, {"asOf": AS_OF.isoformat()}, token=organizer)["orgTree"]
    branch = api.data(TREE, {"root": "DU-DIEN", "asOf": AS_OF.isoformat()}, token=organizer)
    with read_models(api) as tx:
        cut = Cut(AS_OF)
        nodes = org_tree.units_on(tx, cut, include_closed=True)
        codes = {n.unit_id: n.code for n in nodes}
        whole = org_tree.org_tree(tx, cut)
        dien = org_tree.org_tree(tx, cut, unit_id("DU-DIEN"))
    assert listed == [
        {
            "code": n.code,
            "name": n.name,
            "kind": n.kind,
            "status": n.status,
            "depth": n.depth,
            "headcount": n.headcount,
            "admissionAuthority": n.admission_authority,
            "since": n.since.isoformat(),
            "parent": None if n.parent_id is None else {"code": codes[n.parent_id]},
        }
        for n in sorted(nodes, key=lambda n: n.code)
    ]
    assert connection["totalCount"] == len(nodes)
    assert any(n.status != "open" for n in nodes)
    opened = open_only["orgUnits"]
    assert [e["node"]["code"] for e in opened["edges"]] == sorted(
        n.code for n in nodes if n.status == "open"
    )
    assert opened["totalCount"] == len(opened["edges"]) < len(nodes)
    assert tree == [{"code": n.code, "name": n.name, "depth": n.depth} for n in whole]
    assert [u["code"] for u in branch["orgTree"]] == [n.code for n in dien]
    assert branch["orgTree"][0]["code"] == "DU-DIEN"
    assert len(dien) < len(whole)

    # a branch secretary lists the stalled cases of its units only
    secretary = api.token(DEMO, Role.BRANCH_SECRETARY, units=("DU-DIEN",), subject="secretary")
    mine, mine_total = stalled_pages(api, secretary)
    everyone_total = stalled_pages(api, organizer)[1]
    with read_models(api) as tx:
        today = Cut(api.services.today())
        inside = sorted(org_tree.subtree(tx, today, unit_id("DU-DIEN")))
        expected = sorted(c.case_code for c in pipeline.stalled(tx, today, unit_ids=inside))
    assert [c["caseCode"] for c in mine] == expected
    assert mine_total == len(expected)
    assert 0 < mine_total < everyone_total

    # asOf: the figures as they stood on each date
    before = {
        "period": "2024",
        "unit": "DU-DIEN",
        "asOf": mid_year.isoformat(),
    }
    early = api.data(ATTAINMENT, before, token=organizer)["quotaAttainment"]
    late = api.data(ATTAINMENT, {**before, "asOf": AS_OF.isoformat()}, token=organizer)
    with read_models(api) as tx:
        for day, answer in ((mid_year, early), (AS_OF, late["quotaAttainment"])):
            cut = Cut(day)
            inside_then = org_tree.subtree(tx, cut, unit_id("DU-DIEN"))
            rows = [
                r for r in attainment.quota_attainment(tx, cut, PERIOD) if r.unit_id in inside_then
            ]
            assert answer == expected_attainment(tuple(rows), codes_by_id(tx, cut))
    assert early[0]["code"] == "DU-DIEN"
    assert early[0]["admitted"] < late["quotaAttainment"][0]["admitted"]

    # asRecordedAt: a supplementary quota and a backdated renaming recorded after time T
    time.sleep(0.05)
    recorded = datetime.now(UTC)
    time.sleep(0.05)
    principal = api.principal(DEMO)
    on = date(2024, 10, 1)
    api.handlers.handle(
        principal,
        AssignSupplementaryQuota(
            unit_code="DU-DIEN",
            period=PERIOD,
            amount=3,
            reason="Giao bổ sung",
            occurred_on=on,
            document=DocumentRef("CV", "99/2024", on, "Đảng ủy Khối"),
        ),
    )
    api.handlers.handle(
        principal,
        RenameUnit(
            code="CB-DIEN-2", name="Chi bộ Điện lực Trung tâm", occurred_on=date(2024, 1, 1)
        ),
    )
    old_name = "Chi bộ Điện lực thành phố"
    at = recorded.isoformat()
    now = api.data(ATTAINMENT, {**before, "asOf": AS_OF.isoformat()}, token=organizer)
    then = api.data(ATTAINMENT, {**before, "asOf": AS_OF.isoformat(), "at": at}, token=organizer)
    september = api.data(ATTAINMENT, {**before, "asOf": "2024-09-30"}, token=organizer)
    old_quota = late["quotaAttainment"][0]["quota"]
    assert old_quota is not None
    assert now["quotaAttainment"][0]["quota"] == old_quota + 3
    assert then["quotaAttainment"] == late["quotaAttainment"]
    assert september["quotaAttainment"][0]["quota"] == old_quota  # dated 1 October
    with read_models(api) as tx:
        position = position_recorded_by(tx, recorded)
        cut = Cut(AS_OF, position)
        rows = [
            r
            for r in attainment.quota_attainment(tx, cut, PERIOD)
            if r.unit_id in org_tree.subtree(tx, cut, unit_id("DU-DIEN"))
        ]
        codes_then = codes_by_id(tx, cut)
    assert then["quotaAttainment"] == expected_attainment(tuple(rows), codes_then)

    def name_of(rows: list[dict[str, Any]]) -> str:
        [name] = [r["name"] for r in rows if r["code"] == "CB-DIEN-2"]
        return str(name)

    renamed = api.data(TREE, {"asOf": mid_year.isoformat()}, token=organizer)["orgTree"]
    known_then = api.data(TREE, {"asOf": mid_year.isoformat(), "at": at}, token=organizer)
    assert name_of(renamed) == "Chi bộ Điện lực Trung tâm"
    assert name_of(known_then["orgTree"]) == old_name
    # related units come through the loader at the same cut
    units_then = [r["unit"] for r in then["quotaAttainment"]]
    units_now = [r["unit"] for r in now["quotaAttainment"]]
    assert name_of(units_then) == old_name
    assert name_of(units_now) == "Chi bộ Điện lực Trung tâm"


def test_bad_periods_and_unknown_units_are_refused_in_both_languages(api: Api) -> None:
    leader = api.token("alpha", Role.LEADER, subject="leader")
    for period in ("next year", "2024-13", "2024-Q5", "2020-2040"):
        error = error_of(
            api.gql(
                "query ($p: String!) { coverage(period: $p) { organizations } }",
                {"p": period},
                token=leader,
            )
        )
        assert error["code"] == "PERIOD_INVALID", (period, error)
        assert error["messageVi"]
        assert error["messageEn"]
        assert error["messageVi"] != error["messageEn"]
        assert error["field"] == "period"

    for document, field in (
        ('{ sourcePool(period: "2024", unitCode: "NOPE") { pool } }', "unitCode"),
        ('{ membershipChange(period: "2024", unitCode: "NOPE") { removed } }', "unitCode"),
        ('{ quotaAttainment(period: "2024", unitCode: "NOPE") { code } }', "unitCode"),
        ('{ stageCounts(unitCode: "NOPE") { count } }', "unitCode"),
        ('{ orgTree(rootCode: "NOPE") { code } }', "rootCode"),
    ):
        error = error_of(api.gql(document, token=leader))
        assert error["code"] == "NOT_FOUND", (document, error)
        assert "NOPE" in error["messageVi"]
        assert "NOPE" in error["messageEn"]
        assert error["field"] == field

    error = error_of(api.gql("{ orgUnits(first: 0) { totalCount } }", token=leader))
    assert error["code"] == "PAGE_SIZE_INVALID"
    error = error_of(api.gql('{ stalledCases(after: "bogus") { totalCount } }', token=leader))
    assert error["code"] == "CURSOR_INVALID"

    # an empty tenant has empty figures
    empty = api.data(
        '{ quotaAttainment(period: "2024") { code } orgTree { code }'
        " orgUnits { totalCount edges { cursor } } stalledCases { totalCount } }",
        token=leader,
    )
    assert empty == {
        "quotaAttainment": [],
        "orgTree": [],
        "orgUnits": {"totalCount": 0, "edges": []},
        "stalledCases": {"totalCount": 0},
    }

    # a platform operator reads no tenant's figures
    operator = api.token(None, Role.PLATFORM_OPERATOR, subject="ops")
    response = api.post('{ coverage(period: "2024") { organizations } }', token=operator)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _reachable(type_: GraphQLNamedType, seen: dict[str, GraphQLObjectType]) -> None:
    if not isinstance(type_, GraphQLObjectType) or type_.name in seen:
        return
    seen[type_.name] = type_
    for field in type_.fields.values():
        _reachable(get_named_type(field.type), seen)


def test_dashboards_are_described_guarded_and_show_no_candidate() -> None:
    definition = DashboardQueries.__strawberry_definition__  # type: ignore[attr-defined]
    names = [to_camel_case(f.python_name) for f in definition.fields]
    for field in definition.fields:
        assert capability_of(field.permission_classes) is Capability.READ_DASHBOARDS
    query = schema._schema.query_type
    assert query is not None
    seen: dict[str, GraphQLObjectType] = {}
    for name in names:
        field = query.fields[name]
        assert field.description, name
        for arg_name, arg in field.args.items():
            assert arg.description, (name, arg_name)
        _reachable(get_named_type(field.type), seen)
    assert {"quotaAttainment", "structure", "stalledCases", "orgUnits", "orgTree"} <= set(names)
    assert "Candidate" not in seen
    for type_name, type_ in seen.items():
        assert type_.description, type_name
        for field_name, field in type_.fields.items():
            assert field.description, (type_name, field_name)
            assert field_name != "fullName", type_name


# --- the figures say what the committees' documents say (issue 13) ------------------------------
DOCUMENT_FIGURES = """
query ($asOf: Date) {
  term: quotaAttainment(period: "2020-2025", unitCode: "KDN", asOf: $asOf) {
    code source target quota admitted targetPercent targetSurplus percent surplus
  }
  next: quotaAttainment(period: "2025-2030", unitCode: "KDN", asOf: $asOf) { code admitted }
  year: quotaAttainment(period: "2024", unitCode: "KDN", asOf: "2024-12-31") {
    code source quota quotaMax admitted rangeStatus
    subUnits { quota quotaMax admitted rangeStatus plans { unit { code } } }
  }
  unitsMeetingQuota(period: "2024", asOf: "2024-12-31") {
    total unitsMet { code } unitsShort { code }
  }
  tenantSettings { congresses }
}
"""


def test_the_demo_dashboards_say_what_the_documents_say(demo_api: Api) -> None:
    """Through the API, on the demo bloc: its 2020–2025 term (a congress resolution's 120, and
    15 assigned in 2021) reads against the resolution's own 120 and against 135 (seed 001's
    "32 of 30" and "45"); the term counts from the recorded congress of 20/8/2020 to the day
    before that of 15/8/2025, and what follows counts in 2025–2030, never twice; the bloc's
    own 2024 range plan shows beside its sub-units' roll-up (seed 004), and the units meeting
    quota are those sub-units, not the bloc (seed 004's "10 of 15")."""
    api = demo_api  # the demo, seeded once per session: this test's own copy
    leader = api.token(DEMO, Role.LEADER, subject="leader")
    found = api.data(DOCUMENT_FIGURES, {"asOf": "2026-11-21"}, token=leader)
    with read_models(api) as tx:
        rows = tx.fetchall(
            "SELECT decision_on FROM rm_admissions WHERE rec_to IS NULL AND decision_on IS NOT NULL"
        )
    decided = [day if isinstance(day, date) else date.fromisoformat(str(day)) for (day,) in rows]
    in_term = sum(date(2020, 8, 20) <= d <= date(2025, 8, 14) for d in decided)
    after = sum(date(2025, 8, 15) <= d <= date(2026, 11, 21) for d in decided)
    assert in_term
    assert after

    term = found["term"][0]  # the unit first, then the units under it
    assert (term["code"], term["source"], term["target"], term["quota"]) == (
        "KDN",
        "plan",
        120,
        135,
    )
    assert term["admitted"] == in_term
    assert Decimal(term["targetPercent"]) == attainment_percent(in_term, 120)
    assert term["targetSurplus"] == in_term - 120
    assert Decimal(term["percent"]) == attainment_percent(in_term, 135)
    following = found["next"][0]
    assert following["admitted"] == after

    year = found["year"][0]
    assert (year["source"], year["quota"], year["quotaMax"]) == ("plan", 20, 25)
    assert year["rangeStatus"] in {"BELOW", "WITHIN", "ABOVE"}
    assert year["subUnits"] is not None
    assert {p["unit"]["code"] for p in year["subUnits"]["plans"]} == {
        "DU-DIEN",
        "DU-XD",
        "CBCS-CN",
        "DU-NH",
    }
    assert year["subUnits"]["admitted"] == year["admitted"]
    meeting = found["unitsMeetingQuota"]
    counted = {u["code"] for u in meeting["unitsMet"] + meeting["unitsShort"]}
    assert counted == {"DU-DIEN", "DU-XD", "CBCS-CN", "DU-NH"}
    assert meeting["total"] == 4
    assert found["tenantSettings"]["congresses"] == ["2020-08-20", "2025-08-15"]


def attainment_percent(admitted: int, quota: int) -> Decimal:
    """Admitted / quota in %, two decimals half-up, as the documents write it."""
    value = percent_of(admitted, quota)
    assert value is not None
    return value


GRASSROOTS_ROOT = """
mutation ($unit: EstablishUnitInput!) {
  establishUnit(input: $unit) { __typename ... on DomainError { code } }
}
"""


def test_a_department_committee_is_the_root_of_its_tenant_with_its_branches_headcount(
    api: Api,
) -> None:
    """Seed 001: the Đảng ủy Sở LĐ-TB&XH, a grassroots committee with 11 branches and 196
    members, is a tenant of its own: established with no parent (it was refused with
    UNIT_PARENT_REQUIRED), its headcount the sum its branches report, its congress recorded."""
    organizer = api.token("alpha")
    root = {
        "code": "DU-SO",
        "name": "Đảng bộ Sở Lao động - Thương binh và Xã hội",
        "kind": "GRASSROOTS_COMMITTEE",
        "occurredOn": "2015-01-05",
    }
    assert api.data(GRASSROOTS_ROOT, {"unit": root}, token=organizer)["establishUnit"] == {
        "__typename": "UnitPayload"
    }
    h, p = api.handlers, api.principal()
    for n in range(11):
        code = f"CB-{n:02d}"
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Chi bộ {n}",
                kind=UnitKind.BRANCH,
                parent_code="DU-SO",
                occurred_on=date(2015, 1, 5),
            ),
        )
        h.handle(
            p,
            ReportHeadcount(code=code, members=36 if n == 0 else 16, occurred_on=date(2023, 1, 1)),
        )
    recorded = api.data(
        "mutation ($input: RecordCongressInput!) { recordCongress(input: $input) { __typename "
        "... on TenantSettingsPayload { settings { congresses } } } }",
        {
            "input": {
                "occurredOn": "2020-07-15",
                "document": {
                    "kind": "Nghị quyết Đại hội",
                    "number": "01-NQ/ĐH",
                    "issuedOn": "2020-07-15",
                    "issuer": "Đại hội Đảng bộ Sở",
                },
            }
        },
        token=organizer,
    )["recordCongress"]
    assert recorded["settings"]["congresses"] == ["2020-07-15"]
    tree = api.data(
        'query { orgTree(rootCode: "DU-SO", asOf: "2023-09-30") '
        "{ code depth headcount headcountRolledUp } tenantSettings { congresses } }",
        token=organizer,
    )
    assert tree["orgTree"][0] == {
        "code": "DU-SO",
        "depth": 0,
        "headcount": 196,
        "headcountRolledUp": True,
    }
    assert len(tree["orgTree"]) == 12
    assert tree["tenantSettings"]["congresses"] == ["2020-07-15"]
