"""Organisation mutations over HTTP: the tree of units, quotas and the tenant's policy.

An organizer builds and reshapes the tree, sets quotas and changes the policy, each answered by
the changed object as it stands today; refusals come back as the ``DomainError`` member of the
result and record nothing; secretaries and leaders are refused with 403; ``tenantSettings``
shows the policy as recorded at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.commands import DeclareDayOff, ReportHeadcount
from domain.values import Role
from tests.api.conftest import Api
from tests.walks import bloc_tree

DOC = {"kind": "QĐ", "number": "12-QĐ/ĐU", "issuedOn": "2026-01-05", "issuer": "Đảng ủy Khối"}
ERROR = "... on DomainError { code messageVi messageEn field }"
UNIT = (
    "unit { code name kind status depth headcount admissionAuthority since "
    "parent { code name } mergedInto { code } }"
)
PLAN = (
    "plan { unitCode period startsOn endsOn targetKind percentMin percentMax headcount "
    "targetMin targetMax supplementary quota quotaMax }"
)
SETTINGS = (
    "settings { countingBasis sourcePoolRatio { minimum maximum } stalledThresholdDays "
    "daysOff workingDays }"
)

#: mutation -> (its arguments' signature, how they are passed, the payload's selection)
SIGNATURES: dict[str, tuple[str, str, str]] = {
    "establishUnit": ("$input: EstablishUnitInput!", "input: $input", UNIT),
    "renameUnit": ("$input: RenameUnitInput!", "input: $input", UNIT),
    "moveUnit": ("$input: MoveUnitInput!", "input: $input", UNIT),
    "mergeUnits": ("$input: MergeUnitsInput!", "input: $input", UNIT),
    "dissolveUnit": ("$input: DissolveUnitInput!", "input: $input", UNIT),
    "reportHeadcount": ("$input: ReportHeadcountInput!", "input: $input", UNIT),
    "setAdmissionAuthority": ("$input: SetAdmissionAuthorityInput!", "input: $input", UNIT),
    "setQuota": ("$input: SetQuotaInput!", "input: $input", PLAN),
    "assignSupplementaryQuota": ("$input: AssignSupplementaryQuotaInput!", "input: $input", PLAN),
    "adjustQuota": ("$input: AdjustQuotaInput!", "input: $input", PLAN),
    "recordOpeningBalance": ("$input: RecordOpeningBalanceInput!", "input: $input", PLAN),
    "chooseCountingBasis": ("$basis: CountingBasis!", "basis: $basis", SETTINGS),
    "setSourcePoolRatio": (
        "$minimum: String!, $maximum: String!",
        "minimum: $minimum, maximum: $maximum",
        SETTINGS,
    ),
    "setStalledThreshold": ("$days: Int!", "days: $days", SETTINGS),
    "declareDayOff": ("$input: CalendarDayInput!", "input: $input", SETTINGS),
    "declareWorkingDay": ("$input: CalendarDayInput!", "input: $input", SETTINGS),
    "recordCongress": ("$input: RecordCongressInput!", "input: $input", SETTINGS),
}

PAYLOADS = {UNIT: "UnitPayload", PLAN: "QuotaPayload", SETTINGS: "TenantSettingsPayload"}


def mutation(name: str) -> str:
    signature, arguments, selection = SIGNATURES[name]
    payload = PAYLOADS[selection]
    return (
        f"mutation({signature}) {{ r: {name}({arguments}) {{ __typename "
        f"... on {payload} {{ position {selection} }} {ERROR} }} }}"
    )


def send(api: Api, name: str, variables: dict[str, Any], token: str | None = None) -> Any:
    """Run mutation ``name`` and return its result (payload or domain error)."""
    return api.data(mutation(name), variables, token=token)["r"]


def ok(api: Api, name: str, variables: dict[str, Any]) -> Any:
    """Run mutation ``name``; it must succeed."""
    result = send(api, name, variables)
    assert result["__typename"] != "DomainError", result
    assert isinstance(result["position"], int)
    return result


def events(api: Api, tenant: str = "alpha") -> int:
    return int(api.store.app(tenant, write=False).recorder.max_notification_id() or 0)


def seed_tree(api: Api) -> None:
    """Tenant alpha: bloc KDN → grassroots committee DU → branch CB (120 members at 2025's end)."""
    h, p = api.handlers, api.principal()
    for command in bloc_tree(("CB", "Chi bộ Kỹ thuật")):
        h.handle(p, command)
    h.handle(p, ReportHeadcount(code="CB", members=120, occurred_on=date(2025, 12, 31)))


# --- units ------------------------------------------------------------------------------------
def establish(api: Api, code: str, kind: str, parent: str | None, **extra: Any) -> Any:
    unit = {"code": code, "name": f"Đơn vị {code}", "kind": kind, "parentCode": parent}
    return ok(api, "establishUnit", {"input": {**unit, "occurredOn": "2015-01-01", **extra}})[
        "unit"
    ]


def test_an_organizer_builds_and_reshapes_the_tree(api: Api) -> None:
    root = establish(api, "KDN", "COMMITTEE", None)
    assert root == {
        "code": "KDN",
        "name": "Đơn vị KDN",
        "kind": "committee",
        "status": "open",
        "depth": 0,
        "headcount": None,
        "admissionAuthority": None,
        "since": "2015-01-01",
        "parent": None,
        "mergedInto": None,
    }
    du = establish(
        api, "DU", "GRASSROOTS_COMMITTEE", "KDN", admissionAuthority="GRASSROOTS_COMMITTEE"
    )
    assert (du["depth"], du["parent"]["code"]) == (1, "KDN")
    assert du["admissionAuthority"] == "grassroots_committee"
    # a grassroots organisation without an authority given: the superior's standing committee
    du2 = establish(api, "DU2", "GRASSROOTS_COMMITTEE", "KDN")
    assert du2["admissionAuthority"] == "superior_standing_committee"
    for code in ("CB1", "CB2"):
        assert establish(api, code, "BRANCH", "DU")["depth"] == 2

    renamed = ok(
        api,
        "renameUnit",
        {"input": {"code": "CB1", "name": "Chi bộ Kỹ thuật", "occurredOn": "2025-07-01"}},
    )["unit"]
    assert (renamed["name"], renamed["since"]) == ("Chi bộ Kỹ thuật", "2025-07-01")

    moved = ok(
        api,
        "moveUnit",
        {"input": {"code": "CB2", "newParentCode": "DU2", "occurredOn": "2025-09-01"}},
    )["unit"]
    assert (moved["parent"]["code"], moved["depth"], moved["status"]) == ("DU2", 2, "open")

    merged = ok(
        api,
        "mergeUnits",
        {"input": {"code": "CB2", "intoCode": "CB1", "occurredOn": "2026-01-05", "document": DOC}},
    )
    assert merged["unit"]["code"] == "CB2"
    assert (merged["unit"]["status"], merged["unit"]["mergedInto"]) == ("merged", {"code": "CB1"})

    dissolved = ok(
        api,
        "dissolveUnit",
        {"input": {"code": "DU2", "occurredOn": "2026-02-01", "document": DOC}},
    )["unit"]
    assert (dissolved["code"], dissolved["status"]) == ("DU2", "dissolved")

    counted = ok(
        api,
        "reportHeadcount",
        {"input": {"code": "CB1", "members": 42, "occurredOn": "2026-06-30"}},
    )
    assert counted["unit"]["headcount"] == 42
    assert counted["position"] > merged["position"]

    authority = ok(
        api,
        "setAdmissionAuthority",
        {
            "input": {
                "code": "DU",
                "authority": "SUPERIOR_STANDING_COMMITTEE",
                "occurredOn": "2026-03-01",
                "document": DOC,
            }
        },
    )["unit"]
    assert authority["admissionAuthority"] == "superior_standing_committee"


def test_payloads_of_several_mutations_in_one_request_see_each_change(api: Api) -> None:
    seed_tree(api)
    step = "... on UnitPayload { unit { name headcount parent { name } } }"
    data = api.data(
        "mutation { "
        f'a: reportHeadcount(input: {{code: "CB", members: 50, occurredOn: "2026-01-01"}}) '
        f"{{ {step} }} "
        f'b: renameUnit(input: {{code: "DU", name: "Đảng bộ EVN", occurredOn: "2026-02-01"}}) '
        f"{{ {step} }} "
        f'c: reportHeadcount(input: {{code: "CB", members: 51, occurredOn: "2026-03-01"}}) '
        f"{{ {step} }} }}"
    )
    assert data["a"]["unit"]["parent"]["name"] == "Đảng bộ Công ty Điện lực"
    assert data["b"]["unit"]["name"] == "Đảng bộ EVN"
    assert data["c"]["unit"] == {
        "name": "Chi bộ Kỹ thuật",
        "headcount": 51,
        "parent": {"name": "Đảng bộ EVN"},
    }


# --- quotas -----------------------------------------------------------------------------------
def test_quotas_are_set_supplemented_and_adjusted(api: Api) -> None:
    seed_tree(api)
    term = {"unitCode": "DU", "period": "2025-2030"}
    plan = ok(
        api,
        "setQuota",
        {
            "input": {
                **term,
                "target": {"kind": "NUMBER", "minimum": "30"},
                "occurredOn": "2025-01-10",
                "document": {**DOC, "issuedOn": "2025-01-10"},
            }
        },
    )["plan"]
    assert plan == {
        "unitCode": "DU",
        "period": "term:2025-2030",
        "startsOn": "2025-01-01",
        "endsOn": "2030-12-31",
        "targetKind": "NUMBER",
        "percentMin": None,
        "percentMax": None,
        "headcount": None,
        "targetMin": 30,
        "targetMax": 30,
        "supplementary": 0,
        "quota": 30,
        "quotaMax": 30,
    }
    more = {"amount": 15, "reason": "Giao bổ sung", "occurredOn": "2026-03-01", "document": DOC}
    plan = ok(api, "assignSupplementaryQuota", {"input": {**term, **more}})["plan"]
    assert (plan["supplementary"], plan["quota"], plan["quotaMax"]) == (15, 45, 45)

    adjusted = ok(
        api,
        "adjustQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "term:2025-2030",  # the key is accepted too
                "target": {"kind": "RANGE", "minimum": "40", "maximum": "50"},
                "reason": "Sáp nhập đơn vị",
                "occurredOn": "2026-05-01",
                "document": DOC,
            }
        },
    )["plan"]
    assert adjusted["targetKind"] == "RANGE"
    assert (adjusted["targetMin"], adjusted["targetMax"]) == (40, 50)
    assert (adjusted["quota"], adjusted["quotaMax"]) == (55, 65)

    # a share of the headcount reported on or before the period's start, rounded up
    share = ok(
        api,
        "setQuota",
        {
            "input": {
                "unitCode": "CB",
                "period": "2026",
                "target": {"kind": "PERCENT_OF_HEADCOUNT", "minimum": "4", "maximum": "7"},
                "occurredOn": "2026-01-15",
            }
        },
    )["plan"]
    assert (share["period"], share["percentMin"], share["percentMax"]) == ("year:2026", "4", "7")
    assert (share["headcount"], share["targetMin"], share["targetMax"]) == (120, 5, 9)


# --- policy -----------------------------------------------------------------------------------
BALANCE_QUERY = (
    'query($asOf: Date) { quotaAttainment(period: "2026", asOf: $asOf) { code admitted '
    "openingBalance fromBalance plans { openingBalance openingAsOf openingDocument openingOverlap } } }"
)


def test_an_opening_balance_is_recorded_and_shown_marked_in_attainment(api: Api) -> None:
    """Admissions of 2026 up to 30/6 counted in a past report: the committee's and the
    bloc's admitted include them, marked, with the report named; another tenant sees none;
    refusals say why in both languages and record nothing."""
    seed_tree(api)
    year = {"unitCode": "DU", "period": "2026"}
    quota = {"target": {"kind": "NUMBER", "minimum": "20"}, "occurredOn": "2026-01-10"}
    ok(api, "setQuota", {"input": {**year, **quota}})
    report = {"kind": "BC", "number": "45-BC/ĐU", "issuedOn": "2026-07-02", "issuer": "Đảng ủy"}
    balance = {"admitted": 7, "asOf": "2026-06-30", "occurredOn": "2026-07-02", "document": report}
    ok(api, "recordOpeningBalance", {"input": {**year, **balance}})
    rows = {
        r["code"]: r for r in api.data(BALANCE_QUERY, {"asOf": "2026-11-01"})["quotaAttainment"]
    }
    du, kdn, cb = rows["DU"], rows["KDN"], rows["CB"]
    assert (du["admitted"], du["openingBalance"], du["fromBalance"]) == (7, 7, True)
    assert (kdn["admitted"], kdn["openingBalance"], kdn["fromBalance"]) == (7, 7, True)
    assert (cb["admitted"], cb["fromBalance"]) == (0, False)
    (plan,) = du["plans"]
    assert plan["openingBalance"] == 7
    assert plan["openingAsOf"] == "2026-06-30"
    assert plan["openingOverlap"] == 0  # no case counted twice
    assert "45-BC/ĐU" in plan["openingDocument"]
    early = {
        r["code"]: r for r in api.data(BALANCE_QUERY, {"asOf": "2026-06-29"})["quotaAttainment"]
    }
    assert early["DU"]["fromBalance"] is False
    other = api.data(BALANCE_QUERY, {"asOf": "2026-11-01"}, token=api.token("beta"))
    assert not any(r["fromBalance"] for r in other["quotaAttainment"])

    before = events(api)
    wrongs: list[tuple[dict[str, Any], str]] = [
        ({"admitted": -1}, "NUMBER_OUT_OF_RANGE"),
        ({"asOf": "2025-12-31"}, "OPENING_BALANCE_OUTSIDE_PERIOD"),
        ({"unitCode": "NOPE"}, "NOT_FOUND"),
        ({"unitCode": "CB"}, "NOT_FOUND"),  # no quota set for it: set the quota first
    ]
    for wrong, code in wrongs:
        result = send(api, "recordOpeningBalance", {"input": {**year, **balance, **wrong}})
        assert result["__typename"] == "DomainError", result
        assert result["code"] == code
        assert result["messageVi"]
        assert result["messageEn"]
    assert events(api) == before


SETTINGS_QUERY = (
    "query($at: DateTime) { tenantSettings(asRecordedAt: $at) { countingBasis "
    "sourcePoolRatio { minimum maximum } stalledThresholdDays daysOff workingDays } }"
)
DEFAULTS = {
    "countingBasis": "DECISION_DATE",
    "sourcePoolRatio": {"minimum": "1.5", "maximum": "2"},
    "stalledThresholdDays": 180,
    "daysOff": [],
    "workingDays": [],
}


def settings(api: Api, at: datetime | None = None, token: str | None = None) -> Any:
    variables = {"at": at.isoformat() if at else None}
    return api.data(SETTINGS_QUERY, variables, token=token)["tenantSettings"]


def test_policy_mutations_change_the_tenant_settings(api: Api) -> None:
    assert settings(api) == DEFAULTS
    before = datetime.now(UTC)

    basis = ok(api, "chooseCountingBasis", {"basis": "CEREMONY_DATE"})
    assert basis["settings"]["countingBasis"] == "CEREMONY_DATE"
    ratio = ok(api, "setSourcePoolRatio", {"minimum": "1.2", "maximum": "1.8"})
    assert ratio["settings"]["sourcePoolRatio"] == {"minimum": "1.2", "maximum": "1.8"}
    assert ok(api, "setStalledThreshold", {"days": 90})["settings"]["stalledThresholdDays"] == 90
    off = ok(api, "declareDayOff", {"input": {"day": "2026-12-31", "document": DOC}})
    assert off["settings"]["daysOff"] == ["2026-12-31"]
    working = ok(api, "declareWorkingDay", {"input": {"day": "2026-12-26", "notes": "làm bù"}})
    assert working["settings"]["workingDays"] == ["2026-12-26"]

    changed = {
        "countingBasis": "CEREMONY_DATE",
        "sourcePoolRatio": {"minimum": "1.2", "maximum": "1.8"},
        "stalledThresholdDays": 90,
        "daysOff": ["2026-12-31"],
        "workingDays": ["2026-12-26"],
    }
    assert working["settings"] == changed
    # a leader reads the settings too; as recorded before the changes they are the defaults
    leader = api.token("alpha", Role.LEADER)
    assert settings(api, token=leader) == changed
    assert settings(api, at=before, token=leader) == DEFAULTS
    # the other tenant's policy did not move
    assert settings(api, token=api.token("beta")) == DEFAULTS

    # a working day declared off again moves from one list to the other
    swapped = ok(api, "declareDayOff", {"input": {"day": "2026-12-26"}})["settings"]
    assert (swapped["daysOff"], swapped["workingDays"]) == (["2026-12-26", "2026-12-31"], [])


# --- refusals ---------------------------------------------------------------------------------
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    (
        "establishUnit",
        {"input": {"code": "X", "name": "Chi bộ X", "kind": "BRANCH", "occurredOn": "2020-01-01"}},
        "UNIT_PARENT_REQUIRED",
    ),
    (
        "establishUnit",
        {
            "input": {
                "code": "KDN",
                "name": "Đảng bộ khác",
                "kind": "COMMITTEE",
                "occurredOn": "2020-01-01",
            }
        },
        "UNIT_CODE_TAKEN",
    ),
    (
        "establishUnit",
        {
            "input": {
                "code": "CB9",
                "name": "Chi bộ 9",
                "kind": "BRANCH",
                "parentCode": "DU",
                "occurredOn": "2026-11-22",
            }
        },
        "DATE_IN_FUTURE",
    ),
    (
        "renameUnit",
        {"input": {"code": "NOPE", "name": "X", "occurredOn": "2020-01-01"}},
        "NOT_FOUND",
    ),
    (
        "moveUnit",
        {"input": {"code": "DU", "newParentCode": "CB", "occurredOn": "2020-01-01"}},
        "UNIT_MOVE_CYCLE",
    ),
    (
        "mergeUnits",
        {
            "input": {
                "code": "CB",
                "intoCode": "DU",
                "occurredOn": "2020-01-01",
                "document": {**DOC, "number": " "},
            }
        },
        "CODE_REQUIRED",
    ),
    (
        "dissolveUnit",
        {"input": {"code": "CB", "occurredOn": "2010-01-01", "document": DOC}},
        "DATE_BEFORE_UNIT_ESTABLISHED",
    ),
    (
        "reportHeadcount",
        {"input": {"code": "CB", "members": -1, "occurredOn": "2020-01-01"}},
        "NUMBER_OUT_OF_RANGE",
    ),
    (
        "setAdmissionAuthority",
        {
            "input": {
                "code": "CB",
                "authority": "GRASSROOTS_COMMITTEE",
                "occurredOn": "2020-01-01",
                "document": DOC,
            }
        },
        "ADMISSION_AUTHORITY_ON_NON_GRASSROOTS",
    ),
    (
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2024-13",
                "target": {"kind": "NUMBER", "minimum": "5"},
                "occurredOn": "2024-01-01",
            }
        },
        "PERIOD_INVALID",
    ),
    (
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2024",
                "target": {"kind": "PERCENT_OF_HEADCOUNT", "minimum": "5", "maximum": "150"},
                "occurredOn": "2024-01-01",
            }
        },
        "QUOTA_TARGET_INVALID",
    ),
    (
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2024",
                "target": {"kind": "NUMBER", "minimum": "3", "maximum": "5"},
                "occurredOn": "2024-01-01",
            }
        },
        "QUOTA_TARGET_INVALID",
    ),
    (
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2025",
                "target": {"kind": "NUMBER", "minimum": "5"},
                "occurredOn": "2025-01-01",
            }
        },
        "QUOTA_ALREADY_SET",
    ),
    (
        "assignSupplementaryQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2023",
                "amount": 3,
                "reason": "Bổ sung",
                "occurredOn": "2023-06-01",
                "document": DOC,
            }
        },
        "NOT_FOUND",
    ),
    (
        "adjustQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2025",
                "target": {"kind": "NUMBER", "minimum": "6"},
                "reason": " ",
                "occurredOn": "2025-06-01",
                "document": DOC,
            }
        },
        "TEXT_REQUIRED",
    ),
    (
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2024",
                "target": {"kind": "RANGE", "minimum": "năm", "maximum": "NaN"},
                "occurredOn": "2024-01-01",
            }
        },
        "INPUT_INVALID",
    ),
    (
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2024",
                "target": {"kind": "NUMBER", "minimum": "1e30"},
                "occurredOn": "2024-01-01",
            }
        },
        "NUMBER_INVALID",
    ),
    ("setStalledThreshold", {"days": 0}, "NUMBER_OUT_OF_RANGE"),
    ("setSourcePoolRatio", {"minimum": "Infinity", "maximum": "2"}, "NUMBER_INVALID"),
    ("setSourcePoolRatio", {"minimum": "1,5", "maximum": "2"}, "NUMBER_INVALID"),
    ("setSourcePoolRatio", {"minimum": "2", "maximum": "1.5"}, "SOURCE_POOL_RATIO_INVALID"),
    ("declareDayOff", {"input": {"day": "2026-05-01"}}, "DAY_ALREADY_DECLARED"),
]


def test_refusals_are_domain_errors_in_both_languages_and_record_nothing(api: Api) -> None:
    seed_tree(api)
    h, p = api.handlers, api.principal()
    ok(
        api,
        "setQuota",
        {
            "input": {
                "unitCode": "DU",
                "period": "2025",
                "target": {"kind": "NUMBER", "minimum": "5"},
                "occurredOn": "2025-01-01",
            }
        },
    )
    h.handle(p, DeclareDayOff(day=date(2026, 5, 1)))
    before = events(api)
    for name, variables, code in REFUSALS:
        error = send(api, name, variables)
        assert error["__typename"] == "DomainError", (name, error)
        assert error["code"] == code, (name, error)
        assert error["messageVi"].strip(), error
        assert error["messageEn"].strip(), error
        assert error["messageVi"] != error["messageEn"]
    assert events(api) == before


#: a well-formed call of each mutation (the tree of ``seed_tree``)
VALID_CALLS: dict[str, dict[str, Any]] = {
    "establishUnit": {
        "input": {
            "code": "CB2",
            "name": "Chi bộ 2",
            "kind": "BRANCH",
            "parentCode": "DU",
            "occurredOn": "2020-01-01",
        }
    },
    "renameUnit": {"input": {"code": "CB", "name": "Chi bộ mới", "occurredOn": "2020-01-01"}},
    "moveUnit": {"input": {"code": "CB", "newParentCode": "DU", "occurredOn": "2020-01-01"}},
    "mergeUnits": {
        "input": {"code": "CB", "intoCode": "CB", "occurredOn": "2020-01-01", "document": DOC}
    },
    "dissolveUnit": {"input": {"code": "CB", "occurredOn": "2020-01-01", "document": DOC}},
    "reportHeadcount": {"input": {"code": "CB", "members": 10, "occurredOn": "2020-01-01"}},
    "setAdmissionAuthority": {
        "input": {
            "code": "DU",
            "authority": "GRASSROOTS_COMMITTEE",
            "occurredOn": "2020-01-01",
            "document": DOC,
        }
    },
    "setQuota": {
        "input": {
            "unitCode": "CB",
            "period": "2024",
            "target": {"kind": "NUMBER", "minimum": "2"},
            "occurredOn": "2024-01-01",
        }
    },
    "assignSupplementaryQuota": {
        "input": {
            "unitCode": "CB",
            "period": "2024",
            "amount": 1,
            "reason": "Bổ sung",
            "occurredOn": "2024-06-01",
            "document": DOC,
        }
    },
    "adjustQuota": {
        "input": {
            "unitCode": "CB",
            "period": "2024",
            "target": {"kind": "NUMBER", "minimum": "3"},
            "reason": "Điều chỉnh",
            "occurredOn": "2024-06-01",
            "document": DOC,
        }
    },
    "recordOpeningBalance": {
        "input": {
            "unitCode": "CB",
            "period": "2024",
            "admitted": 3,
            "asOf": "2024-06-30",
            "occurredOn": "2024-07-02",
            "document": DOC,
        }
    },
    "chooseCountingBasis": {"basis": "CEREMONY_DATE"},
    "setSourcePoolRatio": {"minimum": "1", "maximum": "3"},
    "setStalledThreshold": {"days": 30},
    "declareDayOff": {"input": {"day": "2026-12-24"}},
    "declareWorkingDay": {"input": {"day": "2026-12-27"}},
    "recordCongress": {"input": {"occurredOn": "2020-07-15", "document": DOC}},
}


@pytest.mark.parametrize("role", [Role.BRANCH_SECRETARY, Role.LEADER], ids=lambda r: r.value)
def test_secretaries_and_leaders_may_not_change_the_organisation(api: Api, role: Role) -> None:
    assert set(VALID_CALLS) == set(SIGNATURES)
    seed_tree(api)
    token = api.token("alpha", role, units=("CB",))
    before = events(api)
    for name, variables in VALID_CALLS.items():
        response = api.post(mutation(name), variables, token=token)
        assert response.status_code == 403, (name, response.text)
        body = response.json()
        assert body["data"] is None or body["data"]["r"] is None, (name, body)
        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "FORBIDDEN", (name, body)
        assert extensions["messageVi"]
        assert extensions["messageEn"]
    assert events(api) == before
