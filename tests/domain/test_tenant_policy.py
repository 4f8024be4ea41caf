"""A tenant's own settings: which date counts an admission towards a quota, the source-pool
ratio, when a case counts as stalled, and the extra days off and working days its deadlines use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.candidates import Stage
from domain.ids import tenant_policy_id
from domain.rules import AdmissionAuthority
from domain.tenant_policy import CountingBasis, TenantPolicy
from tests.domain.builders import (
    CALENDAR,
    GRASSROOTS_COMMITTEE,
    ORGANIZER,
    TENANT,
    candidate_at,
    document,
    replayed,
    stage_of,
    state,
)
from tests.domain.refusals import assert_refused


def _policy() -> TenantPolicy:
    return TenantPolicy(id=tenant_policy_id(TENANT), tenant=TENANT, actor=ORGANIZER)


def test_a_new_tenant_counts_by_decision_date_wants_1_5_to_2_times_the_quota_in_its_pool() -> None:
    policy = _policy()
    assert policy.counting_basis is CountingBasis.DECISION_DATE
    assert policy.source_pool_ratio == (Decimal("1.5"), Decimal("2"))
    assert policy.stalled_after_days == 180
    assert policy.calendar == CALENDAR


def test_a_tenant_may_count_admissions_by_ceremony_date() -> None:
    policy = _policy()
    policy.choose_counting_basis(actor=ORGANIZER, basis=CountingBasis.CEREMONY_DATE)
    assert policy.counting_basis is CountingBasis.CEREMONY_DATE


def test_a_tenant_sets_its_own_source_pool_ratio() -> None:
    policy = _policy()
    policy.set_source_pool_ratio(actor=ORGANIZER, minimum=Decimal("1.5"), maximum=Decimal("2.5"))
    assert policy.source_pool_ratio == (Decimal("1.5"), Decimal("2.5"))


@pytest.mark.parametrize(
    ("minimum", "maximum"),
    [("0", "2"), ("-1", "2"), ("2", "1.5")],
    ids=["zero", "negative", "backwards"],
)
def test_an_impossible_source_pool_ratio_is_refused(minimum: str, maximum: str) -> None:
    policy = _policy()
    assert_refused(
        policy,
        lambda: policy.set_source_pool_ratio(
            actor=ORGANIZER, minimum=Decimal(minimum), maximum=Decimal(maximum)
        ),
        "SOURCE_POOL_RATIO_INVALID",
    )


def test_a_tenant_sets_when_a_case_without_steps_counts_as_stalled() -> None:
    policy = _policy()
    policy.set_stalled_threshold(actor=ORGANIZER, days=90)
    assert policy.stalled_after_days == 90


@pytest.mark.parametrize("days", [0, 3651])
def test_a_stall_threshold_outside_1_to_3650_days_is_refused(days: int) -> None:
    policy = _policy()
    assert_refused(
        policy,
        lambda: policy.set_stalled_threshold(actor=ORGANIZER, days=days),
        "STALLED_THRESHOLD_INVALID",
    )


def test_a_declared_day_off_is_skipped_by_the_tenants_deadlines() -> None:
    policy = _policy()
    policy.declare_day_off(
        actor=ORGANIZER,
        day=date(2025, 2, 3),
        document=document("Thông báo nghỉ", date(2025, 1, 10), issuer="Văn phòng Tỉnh ủy"),
    )
    assert not policy.calendar.is_working_day(date(2025, 2, 3))
    assert policy.calendar.add_working_days(date(2025, 1, 15), 60) == date(2025, 4, 18)


def test_a_declared_working_saturday_counts_in_the_tenants_deadlines() -> None:
    policy = _policy()
    policy.declare_working_day(actor=ORGANIZER, day=date(2025, 4, 26))
    assert policy.calendar.is_working_day(date(2025, 4, 26))
    assert policy.calendar.add_working_days(date(2025, 4, 10), 30) == date(2025, 5, 26)


def test_a_day_declared_twice_is_refused() -> None:
    policy = _policy()
    policy.declare_day_off(actor=ORGANIZER, day=date(2025, 2, 3))
    policy.declare_working_day(actor=ORGANIZER, day=date(2025, 4, 26))
    assert_refused(
        policy,
        lambda: policy.declare_day_off(actor=ORGANIZER, day=date(2025, 2, 3)),
        "DAY_ALREADY_DECLARED",
    )
    assert_refused(
        policy,
        lambda: policy.declare_working_day(actor=ORGANIZER, day=date(2025, 4, 26)),
        "DAY_ALREADY_DECLARED",
    )


def test_a_working_day_later_declared_off_is_off() -> None:
    policy = _policy()
    policy.declare_working_day(actor=ORGANIZER, day=date(2025, 4, 26))
    policy.declare_day_off(actor=ORGANIZER, day=date(2025, 4, 26))
    assert not policy.calendar.is_working_day(date(2025, 4, 26))
    assert policy.working_days == set()


def test_an_admission_decision_uses_the_tenants_calendar() -> None:
    # The branch resolved on 6 November 2023; nationally the decision is due 30 January 2024.
    # The province gave Friday 29 December 2023 off: the decision is due a day later.
    policy = _policy()
    policy.declare_day_off(actor=ORGANIZER, day=date(2023, 12, 29))
    an = candidate_at(Stage.COMMITTEE_RESOLVED)

    def decide(calendar_owner: str) -> None:
        an.record_admission_decision(
            actor=ORGANIZER,
            occurred_on=date(2024, 1, 31),
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            calendar=policy.calendar if calendar_owner == "tenant" else CALENDAR,
            document=document("9-KNĐ", date(2024, 1, 31), issuer=GRASSROOTS_COMMITTEE),
        )

    decide("tenant")
    assert stage_of(an) is Stage.DECIDED
    assert an.exceptions == []
    assert an.flags == []
    # on the national calendar the same decision is a day late: recorded, and flagged so
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    decide("national")
    assert [flag.code for flag in an.flags] == ["ADMISSION_DECISION_LATE"]


def test_a_tenant_policy_rebuilt_from_its_events_is_the_policy_that_recorded_them() -> None:
    policy = _policy()
    policy.choose_counting_basis(actor=ORGANIZER, basis=CountingBasis.CEREMONY_DATE)
    policy.set_source_pool_ratio(actor=ORGANIZER, minimum=Decimal("1.5"), maximum=Decimal("2"))
    policy.set_stalled_threshold(actor=ORGANIZER, days=120)
    policy.declare_day_off(actor=ORGANIZER, day=date(2025, 2, 3))
    policy.declare_working_day(actor=ORGANIZER, day=date(2025, 4, 26))
    events = policy.collect_events()
    assert state(replayed(events, TenantPolicy)) == state(policy)


def test_a_congress_is_recorded_with_its_resolution_and_one_a_year() -> None:
    """A term runs from one congress to the next (nhiệm kỳ đại hội): the tenant records the day
    its congress opened; a second congress in the same year is refused (CONGRESS_ALREADY_RECORDED)."""
    policy = _policy()
    resolution = document("Nghị quyết Đại hội", date(2020, 7, 15), issuer="Đại hội Đảng bộ Sở")
    policy.record_congress(actor=ORGANIZER, occurred_on=date(2020, 7, 15), document=resolution)
    assert policy.congresses == {date(2020, 7, 15): resolution}
    assert_refused(
        policy,
        lambda: policy.record_congress(
            actor=ORGANIZER, occurred_on=date(2020, 9, 1), document=resolution
        ),
        "CONGRESS_ALREADY_RECORDED",
    )
    assert state(replayed(policy.collect_events(), TenantPolicy)) == state(policy)
