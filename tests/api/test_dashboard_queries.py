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
from domain.commands import AssignSupplementaryQuota, RenameUnit
from domain.quotas import Period
from domain.values import DocumentRef, Role
from projections.cut import Cut, position_recorded_by
from projections.queries import attainment, org_tree, pipeline, structure
from projections.sql import Tx
from service.api.permissions import Capability, capability_of
from service.api.queries.dashboards import DashboardQueries
from service.api.schema import schema
from service.demo import seed_demo
from tests.api.conftest import Api

DEMO = "demo"
AS_OF = date(2024, 12, 31)
PERIOD = Period.year(2024)


def seed(api: Api) -> None:
    """The demo tenant (fewer generated cases than the CLI's, to keep the test short)."""
    assert seed_demo(api.handlers, tenant=DEMO, candidates=80).refused == []


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
    plans { targetKind quota supplementary unit { code } }
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
  sourcePool(period: $period, unitCode: "DU-DIEN", asOf: $asOf) {
    unit { code } pool quota ratio ratioMin ratioMax insideBand organizations
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
            "plans": [
                {
                    "targetKind": p.target_kind,
                    "quota": p.quota,
                    "supplementary": p.supplementary,
                    "unit": {"code": codes[p.unit_id]},
                }
                for p in r.plans
            ],
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


def test_a_leader_reads_every_dashboard_as_the_read_models_compute_it(api: Api) -> None:
    seed(api)
    leader = api.token(DEMO, Role.LEADER, subject="leader")
    cut = Cut(AS_OF)
    variables = {"period": "2024", "asOf": AS_OF.isoformat()}

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
    assert figures["sourcePool"] == {
        "unit": {"code": "DU-DIEN"},
        "pool": pool.pool,
        "quota": pool.quota,
        "ratio": dec(pool.ratio),
        "ratioMin": dec(pool.ratio_min),
        "ratioMax": dec(pool.ratio_max),
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


def test_units_tree_paging_scope_and_the_two_time_axes(api: Api) -> None:
    seed(api)
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
