"""The organisation tree of a tenant over time: units are established under a unit of the right
kind, renamed, moved, merged and dissolved on business dates, and their history survives."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput, StageOrderError
from domain.ids import unit_id
from domain.org_units import OrgUnit, UnitKind, grassroots_of
from domain.rules import AdmissionAuthority
from tests.domain.builders import (
    ORGANIZER,
    SUPERIOR_COMMITTEE,
    TENANT,
    document,
    replayed,
    state,
)
from tests.domain.refusals import assert_refused, refused

ESTABLISHED = date(2020, 1, 2)
REFORM = date(2025, 7, 1)  # the 2025 reorganisation of the bloc


def _establish(
    code: str,
    name: str,
    kind: UnitKind,
    parent: OrgUnit | None,
    *,
    on: date = ESTABLISHED,
    admission_authority: AdmissionAuthority | None = None,
) -> OrgUnit:
    return OrgUnit.establish(
        id=unit_id(TENANT, code),
        tenant=TENANT,
        actor=ORGANIZER,
        occurred_on=on,
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        admission_authority=admission_authority,
        document=document("Quyết định thành lập", on, issuer=SUPERIOR_COMMITTEE),
    )


def _bloc() -> OrgUnit:
    return _establish("KDN", "Đảng bộ Khối Doanh nghiệp tỉnh", UnitKind.COMMITTEE, None)


def _power_company(bloc: OrgUnit) -> OrgUnit:
    return _establish(
        "DU-DIEN",
        "Đảng bộ Công ty Điện lực tỉnh",
        UnitKind.GRASSROOTS_COMMITTEE,
        bloc,
        admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
    )


def _branch(parent: OrgUnit, code: str = "CB-KT", name: str = "Chi bộ Phòng Kỹ thuật") -> OrgUnit:
    return _establish(code, name, UnitKind.BRANCH, parent)


def test_a_bloc_committee_a_grassroots_committee_and_its_branches_form_the_tree() -> None:
    bloc = _bloc()
    company = _power_company(bloc)
    branch = _branch(company)
    cell = _establish("TO-110", "Tổ đảng Trạm biến áp 110kV", UnitKind.CELL, branch)

    assert bloc.parent_id is None
    assert company.parent_id == bloc.id
    assert branch.parent_id == company.id
    assert cell.parent_id == branch.id
    assert branch.id == unit_id(TENANT, "CB-KT")
    assert branch.established_on == ESTABLISHED
    assert branch.is_open
    assert [unit.kind.admits_candidates for unit in (bloc, company, branch, cell)] == [
        False,
        False,
        True,
        False,
    ]
    assert grassroots_of(branch, [company, bloc]) is company


def test_a_grassroots_branch_sits_directly_under_the_bloc_and_follows_candidates_itself() -> None:
    water = _establish("CBCS-CN", "Chi bộ Công ty Cấp nước", UnitKind.GRASSROOTS_BRANCH, _bloc())
    assert water.kind.is_grassroots
    assert water.kind.admits_candidates
    assert grassroots_of(water, []) is water


def test_only_a_committee_may_be_the_root_of_the_tree() -> None:
    with refused(InvalidInput) as refusal:
        _establish("CB-X", "Chi bộ X", UnitKind.BRANCH, None)
    assert refusal.value.code == "UNIT_PARENT_REQUIRED"


def test_a_department_committee_that_is_a_grassroots_committee_is_the_root_of_its_tenant() -> None:
    """Seed 001: the Đảng ủy Sở LĐ-TB&XH is a grassroots committee with 11 branches under it,
    its own congress resolution (2020–2025) and its own quota of 30: as a tenant it is the root
    of its tree, its branches directly under it (was refused with UNIT_PARENT_REQUIRED)."""
    department = _establish("DU-SO", "Đảng bộ Sở LĐ-TB&XH", UnitKind.GRASSROOTS_COMMITTEE, None)
    branches = [
        _establish(f"CB-{n:02d}", f"Chi bộ {n}", UnitKind.BRANCH, department) for n in range(11)
    ]
    assert department.parent_id is None
    assert department.kind.is_grassroots
    assert all(b.parent_id == department.id for b in branches)
    assert grassroots_of(branches[0], [department]) is department


@pytest.mark.parametrize(
    ("kind", "parent_kind"),
    [
        (UnitKind.BRANCH, UnitKind.COMMITTEE),
        (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_COMMITTEE),
        (UnitKind.CELL, UnitKind.GRASSROOTS_COMMITTEE),
        (UnitKind.SUBORDINATE_COMMITTEE, UnitKind.GRASSROOTS_COMMITTEE),
    ],
    ids=lambda kind: kind.value,
)
def test_a_unit_under_a_parent_of_the_wrong_kind_is_refused(
    kind: UnitKind, parent_kind: UnitKind
) -> None:
    parents = {UnitKind.COMMITTEE: _bloc(), UnitKind.GRASSROOTS_COMMITTEE: _power_company(_bloc())}
    with refused(InvalidInput) as refusal:
        _establish("X-1", "Đơn vị X", kind, parents[parent_kind])
    assert refusal.value.code == "UNIT_PARENT_KIND_INVALID"
    assert parent_kind.label_vi in refusal.value.message_vi


@pytest.mark.parametrize(("code", "name"), [("", "Chi bộ X"), ("X" * 65, "Chi bộ X"), ("X", " ")])
def test_a_unit_needs_a_code_and_a_name(code: str, name: str) -> None:
    with refused(InvalidInput) as refusal:
        _establish(code, name, UnitKind.BRANCH, _power_company(_bloc()))
    assert refusal.value.code in {"UNIT_CODE_INVALID", "UNIT_NAME_INVALID"}


def test_a_unit_established_before_its_parent_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        _establish(
            "CB-X", "Chi bộ X", UnitKind.BRANCH, _power_company(_bloc()), on=date(2019, 12, 31)
        )
    assert refusal.value.code == "DATE_BEFORE_UNIT_ESTABLISHED"


def test_a_unit_established_under_a_dissolved_parent_is_refused() -> None:
    company = _power_company(_bloc())
    company.dissolve(
        actor=ORGANIZER,
        occurred_on=REFORM,
        document=document("Quyết định giải thể", REFORM, issuer=SUPERIOR_COMMITTEE),
    )
    with refused(StageOrderError) as refusal:
        _establish("CB-X", "Chi bộ X", UnitKind.BRANCH, company, on=date(2025, 8, 1))
    assert refusal.value.code == "UNIT_CLOSED"


# --- rename and move, effective from a business date -----------------------------------------------


def test_a_renamed_unit_keeps_its_old_name_for_dates_before_the_renaming() -> None:
    branch = _branch(_power_company(_bloc()))
    branch.rename(actor=ORGANIZER, occurred_on=REFORM, name=" Chi bộ Kỹ thuật – Công nghệ ")
    assert branch.name == "Chi bộ Kỹ thuật – Công nghệ"
    assert branch.name_on(date(2025, 6, 30)) == "Chi bộ Phòng Kỹ thuật"
    assert branch.name_on(REFORM) == "Chi bộ Kỹ thuật – Công nghệ"
    assert branch.name_on(date(2026, 1, 1)) == "Chi bộ Kỹ thuật – Công nghệ"


def test_a_renaming_recorded_late_still_applies_from_its_own_date() -> None:
    branch = _branch(_power_company(_bloc()))
    branch.rename(actor=ORGANIZER, occurred_on=date(2024, 3, 1), name="Chi bộ Kỹ thuật")
    branch.rename(actor=ORGANIZER, occurred_on=date(2022, 3, 1), name="Chi bộ Phòng Kỹ thuật số")
    assert branch.name_on(date(2023, 1, 1)) == "Chi bộ Phòng Kỹ thuật số"
    assert branch.name_on(date(2024, 3, 1)) == "Chi bộ Kỹ thuật"


def test_a_moved_unit_keeps_its_old_parent_for_dates_before_the_move() -> None:
    bloc = _bloc()
    power = _power_company(bloc)
    energy = _establish(
        "DU-NL", "Đảng bộ Tổng công ty Năng lượng", UnitKind.GRASSROOTS_COMMITTEE, bloc
    )
    branch = _branch(power)
    branch.move(actor=ORGANIZER, occurred_on=REFORM, new_parent=energy)
    assert branch.parent_id == energy.id
    assert branch.parent_on(date(2025, 6, 30)) == power.id
    assert branch.parent_on(REFORM) == energy.id
    events = branch.collect_events()
    assert vars(events[-1])["old_parent_id"] == power.id


def test_a_unit_moved_under_a_parent_of_the_wrong_kind_is_refused() -> None:
    bloc = _bloc()
    branch = _branch(_power_company(bloc))
    assert_refused(
        branch,
        lambda: branch.move(actor=ORGANIZER, occurred_on=REFORM, new_parent=bloc),
        "UNIT_PARENT_KIND_INVALID",
    )


def test_a_unit_moved_under_itself_is_refused() -> None:
    bloc = _bloc()
    assert_refused(
        bloc,
        lambda: bloc.move(actor=ORGANIZER, occurred_on=REFORM, new_parent=bloc),
        "UNIT_MOVE_INTO_ITSELF",
    )


# --- merge and dissolve -------------------------------------------------------------------------


def test_a_merged_branch_is_closed_and_the_branch_it_joined_records_absorbing_it() -> None:
    company = _power_company(_bloc())
    technical = _branch(company)
    city = _branch(company, "CB-TP", "Chi bộ Điện lực thành phố")
    decision = document("Quyết định hợp nhất", REFORM, issuer="Đảng ủy Công ty Điện lực tỉnh")

    technical.merge_into(actor=ORGANIZER, occurred_on=REFORM, target=city, document=decision)

    assert technical.merged_into == city.id
    assert technical.closed_on == REFORM
    assert not technical.is_open
    assert city.absorbed == [technical.id]
    assert city.is_open
    merged, merged_event = (
        type(technical.pending_events[-1]).__name__,
        vars(technical.pending_events[-1]),
    )
    absorbed, absorbed_event = type(city.pending_events[-1]).__name__, vars(city.pending_events[-1])
    assert (merged, merged_event["target_id"]) == ("MergedInto", city.id)
    assert (absorbed, absorbed_event["source_id"]) == ("Absorbed", technical.id)
    assert merged_event["document"] == absorbed_event["document"] == decision
    # Its history survives the merger.
    assert technical.name_on(date(2024, 1, 1)) == "Chi bộ Phòng Kỹ thuật"


def test_a_unit_merged_away_accepts_no_further_change() -> None:
    company = _power_company(_bloc())
    technical = _branch(company)
    city = _branch(company, "CB-TP", "Chi bộ Điện lực thành phố")
    technical.merge_into(
        actor=ORGANIZER,
        occurred_on=REFORM,
        target=city,
        document=document("Quyết định hợp nhất", REFORM),
    )
    later = date(2025, 8, 1)
    for change in (
        lambda: technical.rename(actor=ORGANIZER, occurred_on=later, name="Chi bộ mới"),
        lambda: technical.report_headcount(actor=ORGANIZER, occurred_on=later, members=12),
        lambda: technical.dissolve(
            actor=ORGANIZER, occurred_on=later, document=document("Quyết định", later)
        ),
        lambda: city.merge_into(
            actor=ORGANIZER,
            occurred_on=later,
            target=technical,
            document=document("Quyết định", later),
        ),
    ):
        assert_refused(technical, change, "UNIT_CLOSED", StageOrderError)


def test_a_branch_is_not_merged_into_a_grassroots_committee() -> None:
    company = _power_company(_bloc())
    branch = _branch(company)
    assert_refused(
        branch,
        lambda: branch.merge_into(
            actor=ORGANIZER,
            occurred_on=REFORM,
            target=company,
            document=document("Quyết định hợp nhất", REFORM),
        ),
        "UNIT_MERGE_KIND_MISMATCH",
    )


def test_a_unit_is_not_merged_into_itself() -> None:
    branch = _branch(_power_company(_bloc()))
    assert_refused(
        branch,
        lambda: branch.merge_into(
            actor=ORGANIZER,
            occurred_on=REFORM,
            target=branch,
            document=document("Quyết định hợp nhất", REFORM),
        ),
        "UNIT_MERGE_INTO_ITSELF",
    )


def test_a_dissolved_unit_is_closed_but_keeps_its_history() -> None:
    company = _power_company(_bloc())
    branch = _branch(company)
    branch.report_headcount(actor=ORGANIZER, occurred_on=date(2024, 12, 31), members=14)
    branch.dissolve(
        actor=ORGANIZER,
        occurred_on=REFORM,
        document=document("Quyết định giải thể", REFORM, issuer="Đảng ủy Công ty Điện lực tỉnh"),
    )
    assert branch.closed_on == REFORM
    assert branch.merged_into is None
    assert branch.name_on(date(2024, 12, 31)) == "Chi bộ Phòng Kỹ thuật"
    assert branch.headcount_on(date(2025, 1, 1)) == 14
    assert_refused(
        branch,
        lambda: branch.rename(actor=ORGANIZER, occurred_on=REFORM, name="Chi bộ mới"),
        "UNIT_CLOSED",
    )


# --- headcount ------------------------------------------------------------------------------------


def test_the_headcount_on_a_date_is_the_latest_reported_on_or_before_it() -> None:
    bloc = _bloc()
    bloc.report_headcount(actor=ORGANIZER, occurred_on=date(2024, 12, 31), members=3232)
    bloc.report_headcount(actor=ORGANIZER, occurred_on=date(2025, 6, 30), members=3190)
    assert bloc.headcount_on(date(2024, 6, 1)) is None
    assert bloc.headcount_on(date(2024, 12, 31)) == 3232
    assert bloc.headcount_on(date(2025, 1, 15)) == 3232
    assert bloc.headcount_on(date(2025, 7, 1)) == 3190


def test_a_negative_headcount_is_refused() -> None:
    bloc = _bloc()
    assert_refused(
        bloc,
        lambda: bloc.report_headcount(actor=ORGANIZER, occurred_on=date(2024, 12, 31), members=-1),
        "HEADCOUNT_NEGATIVE",
    )


# --- admission authority --------------------------------------------------------------------------


def test_a_grassroots_organisation_is_decided_for_by_the_superior_unless_authorised() -> None:
    bloc = _bloc()
    construction = _establish(
        "DU-XD", "Đảng bộ Tổng công ty Xây dựng", UnitKind.GRASSROOTS_COMMITTEE, bloc
    )
    assert construction.admission_authority is AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE
    assert _power_company(bloc).admission_authority is AdmissionAuthority.GRASSROOTS_COMMITTEE
    assert bloc.admission_authority is None
    assert _branch(construction).admission_authority is None


def test_a_grassroots_committee_authorised_later_decides_itself() -> None:
    bloc = _bloc()
    bank = _establish(
        "DU-NH", "Đảng bộ Ngân hàng Thương mại tỉnh", UnitKind.GRASSROOTS_COMMITTEE, bloc
    )
    bank.set_admission_authority(
        actor=ORGANIZER,
        occurred_on=date(2021, 6, 1),
        authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        document=document("Quyết định ủy quyền", date(2021, 6, 1), issuer=SUPERIOR_COMMITTEE),
    )
    assert bank.admission_authority is AdmissionAuthority.GRASSROOTS_COMMITTEE


def test_a_branch_carries_no_admission_authority() -> None:
    company = _power_company(_bloc())
    with refused(InvalidInput) as refusal:
        _establish(
            "CB-X",
            "Chi bộ X",
            UnitKind.BRANCH,
            company,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        )
    assert refusal.value.code == "ADMISSION_AUTHORITY_ON_NON_GRASSROOTS"
    branch = _branch(company)
    assert_refused(
        branch,
        lambda: branch.set_admission_authority(
            actor=ORGANIZER,
            occurred_on=REFORM,
            authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
            document=document("Quyết định", REFORM),
        ),
        "ADMISSION_AUTHORITY_ON_NON_GRASSROOTS",
    )


def test_a_grassroots_branch_is_not_authorised_to_decide_admissions_itself() -> None:
    bloc = _bloc()
    water = _establish("CBCS-CN", "Chi bộ Công ty Cấp nước", UnitKind.GRASSROOTS_BRANCH, bloc)
    assert water.admission_authority is AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE
    assert_refused(
        water,
        lambda: water.set_admission_authority(
            actor=ORGANIZER,
            occurred_on=REFORM,
            authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            document=document("Quyết định", REFORM),
        ),
        "ADMISSION_AUTHORITY_INVALID",
    )
    with refused(InvalidInput) as refusal:
        _establish(
            "CBCS-VT",
            "Chi bộ Công ty Vận tải hành khách",
            UnitKind.GRASSROOTS_BRANCH,
            bloc,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        )
    assert refusal.value.code == "ADMISSION_AUTHORITY_INVALID"


# --- history --------------------------------------------------------------------------------------


def test_a_unit_rebuilt_from_its_events_is_the_unit_that_recorded_them() -> None:
    bloc = _bloc()
    company = _power_company(bloc)
    energy = _establish(
        "DU-NL", "Đảng bộ Tổng công ty Năng lượng", UnitKind.GRASSROOTS_COMMITTEE, bloc
    )
    branch = _branch(company)
    city = _branch(company, "CB-TP", "Chi bộ Điện lực thành phố")
    branch.report_headcount(actor=ORGANIZER, occurred_on=date(2024, 12, 31), members=14)
    branch.rename(actor=ORGANIZER, occurred_on=date(2025, 3, 1), name="Chi bộ Kỹ thuật")
    branch.move(actor=ORGANIZER, occurred_on=date(2025, 4, 1), new_parent=energy)
    city.move(actor=ORGANIZER, occurred_on=date(2025, 4, 1), new_parent=energy)
    branch.merge_into(
        actor=ORGANIZER, occurred_on=REFORM, target=city, document=document("Quyết định", REFORM)
    )
    company.set_admission_authority(
        actor=ORGANIZER,
        occurred_on=date(2025, 5, 1),
        authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        document=document("Quyết định", date(2025, 5, 1)),
    )
    company.dissolve(actor=ORGANIZER, occurred_on=REFORM, document=document("Quyết định", REFORM))
    for unit in (bloc, company, energy, branch, city):
        events = unit.collect_events()
        assert state(replayed(events, OrgUnit)) == state(unit)


def test_a_unit_above_the_grassroots_belongs_to_no_grassroots_organisation() -> None:
    bloc = _bloc()
    with refused(InvalidInput) as refusal:
        grassroots_of(bloc, [])
    assert refusal.value.code == "UNIT_NOT_UNDER_GRASSROOTS"


def test_a_grassroots_committee_cannot_be_merged_into_a_branch() -> None:
    bloc = _bloc()
    company = _power_company(bloc)
    branch = _branch(company)
    assert_refused(
        company,
        lambda: company.merge_into(
            actor=ORGANIZER,
            occurred_on=REFORM,
            target=branch,
            document=document("Quyết định hợp nhất", REFORM, issuer=SUPERIOR_COMMITTEE),
        ),
        "UNIT_MERGE_KIND_MISMATCH",
        InvalidInput,
    )
