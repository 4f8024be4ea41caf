"""Command handlers on both stores: bad input is refused bilingually and stores nothing;
the whole pipeline runs through the handlers; one tenant cannot reach another's data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from domain import ids
from domain.candidates import Candidate, Stage
from domain.commands import (
    AddSponsor,
    AddToSympathizerList,
    DiscoverCandidate,
    EstablishUnit,
    MergeUnits,
    RecordAdmissionDecision,
    RecordBranchResolution,
    SetQuota,
)
from domain.errors import DomainError, NotFound
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget
from domain.rules import AdmissionAuthority, Sponsor
from domain.values import Actor, MassOrganization, Role
from service.commands import Handlers, Principal
from service.store import Store, TenantApplication
from tests.walks import DOSSIER_2025, Steps, Vote, bloc_tree, issued_by, person, walk

TODAY = date(2026, 11, 21)
ORGANIZER = Actor("to-chuc-1", Role.ORGANIZER)
A = Principal("bloc_a", ORGANIZER)
B = Principal("bloc_b", ORGANIZER)
doc = issued_by("Chi bộ Phòng Kỹ thuật")


@pytest.fixture
def handlers(store: Store) -> Handlers:
    """Two tenants with the same small tree: bloc → grassroots committee → branch."""
    h = Handlers(store, today=lambda: TODAY)
    for principal in (A, B):
        h.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), principal.tenant, "Khối DN", "other")
        for command in bloc_tree(("CB", "Chi bộ Phòng Kỹ thuật")):
            h.handle(principal, command)
    return h


def events_of(h: Handlers, principal: Principal) -> int:
    return h.store.app(principal.tenant, write=False).recorder.max_notification_id() or 0


def case_of(h: Handlers, principal: Principal, code: str) -> Candidate:
    app: TenantApplication = h.store.app(principal.tenant, write=False)
    return app.get(ids.candidate_id(principal.tenant, code), Candidate)


def verified_case(h: Handlers, code: str = "HS-1", certificate_on: date = date(2024, 3, 1)) -> None:
    """A case of tenant A with a complete, verified dossier (ready for the branch meeting)."""
    steps = replace(DOSSIER_2025, certificate=certificate_on)
    for command in walk(code, Stage.VERIFIED, steps=steps, unit_code="CB", documents=doc):
        h.handle(A, command)


def assert_refused(h: Handlers, code: str, action: Callable[[], object]) -> DomainError:
    """``action`` is refused with ``code`` and a message in both languages; nothing is stored."""
    before = (events_of(h, A), events_of(h, B))
    with pytest.raises(DomainError) as caught:
        action()
    error = caught.value
    assert error.code == code
    assert error.message_vi.strip()
    assert error.message_en.strip()
    assert error.message_vi != error.message_en
    assert (events_of(h, A), events_of(h, B)) == before
    return error


def test_a_candidate_goes_from_discovery_to_full_membership(handlers: Handlers) -> None:
    h = handlers
    verified_case(h)
    walked = walk(
        "HS-1", Stage.FULL_MEMBER, after=Stage.VERIFIED, steps=DOSSIER_2025, documents=doc
    )
    positions = [h.handle(A, command).position for command in walked]
    recorded = [p for p in positions if p is not None]
    assert len(recorded) == len(positions)
    assert recorded == sorted(set(recorded))
    assert recorded[-1] == events_of(h, A)
    case = case_of(h, A, "HS-1")
    assert case.stage is Stage.FULL_MEMBER
    assert case.full_member_since == date(2026, 7, 2)


def test_a_candidate_in_an_unknown_unit_is_refused(handlers: Handlers) -> None:
    error = assert_refused(
        handlers,
        "NOT_FOUND",
        lambda: handlers.handle(
            A,
            DiscoverCandidate(
                introduced_by=MassOrganization.BRANCH,
                case_code="HS-9",
                unit_code="KHONG-CO",
                person=person(),
                occurred_on=date(2025, 1, 6),
            ),
        ),
    )
    assert "KHONG-CO" in error.message_en


def test_a_step_out_of_order_is_refused(handlers: Handlers) -> None:
    handlers.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-2",
            unit_code="CB",
            person=person(),
            occurred_on=date(2025, 1, 6),
        ),
    )
    assert_refused(
        handlers,
        "STEP_OUT_OF_ORDER",
        lambda: handlers.handle(
            A,
            RecordBranchResolution(
                case_code="HS-2",
                official_members=9,
                votes_for=9,
                occurred_on=date(2025, 2, 3),
                document=doc("6-KNĐ", date(2025, 2, 3)),
            ),
        ),
    )


def test_a_business_date_in_the_future_is_refused(handlers: Handlers) -> None:
    assert_refused(
        handlers,
        "DATE_IN_FUTURE",
        lambda: handlers.handle(
            A,
            DiscoverCandidate(
                introduced_by=MassOrganization.BRANCH,
                case_code="HS-3",
                unit_code="CB",
                person=person(),
                occurred_on=date(2026, 12, 1),
            ),
        ),
    )


def test_a_step_dated_before_the_previous_step_is_refused(handlers: Handlers) -> None:
    handlers.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-4",
            unit_code="CB",
            person=person(),
            occurred_on=date(2025, 3, 3),
        ),
    )
    assert_refused(
        handlers,
        "DATE_BEFORE_PREVIOUS_STEP",
        lambda: handlers.handle(
            A, AddToSympathizerList(case_code="HS-4", occurred_on=date(2025, 2, 27))
        ),
    )


def test_a_branch_vote_below_two_thirds_is_recorded_as_failed(handlers: Handlers) -> None:
    verified_case(handlers)
    before = events_of(handlers, A)
    handlers.handle(
        A,
        RecordBranchResolution(
            case_code="HS-1",
            official_members=12,
            votes_for=7,
            occurred_on=date(2025, 5, 6),
            document=doc("6-KNĐ", date(2025, 5, 6)),
        ),
    )
    assert events_of(handlers, A) == before + 1
    case = case_of(handlers, A, "HS-1")
    assert case.stage is Stage.VERIFIED
    (failed,) = case.flags
    assert failed.code == "VOTE_BELOW_TWO_THIRDS"
    assert "232-QĐ/TW" in failed.regulation


def test_an_expired_awareness_certificate_is_refused_at_the_branch_meeting(
    handlers: Handlers,
) -> None:
    verified_case(handlers, certificate_on=date(2020, 3, 2))
    assert_refused(
        handlers,
        "AWARENESS_CERTIFICATE_EXPIRED",
        lambda: handlers.handle(
            A,
            RecordBranchResolution(
                case_code="HS-1",
                official_members=12,
                votes_for=12,
                occurred_on=date(2025, 5, 6),
                document=doc("6-KNĐ", date(2025, 5, 6)),
            ),
        ),
    )


def test_a_sponsor_who_is_not_a_full_member_is_refused(handlers: Handlers) -> None:
    h = handlers
    steps = Steps(
        discovered=date(2024, 1, 8),
        sympathizer=date(2024, 2, 1),
        certificate=date(2024, 5, 2),
        application=date(2024, 6, 3),
    )
    for command in walk("HS-5", Stage.APPLIED, steps=steps, unit_code="CB", documents=doc):
        h.handle(A, command)
    probationary = Sponsor("DV9", "Trần Văn Dự Bị", None, date(2020, 1, 1))
    assert_refused(
        h,
        "SPONSOR_NOT_FULL_MEMBER",
        lambda: h.handle(
            A,
            AddSponsor(
                case_code="HS-5",
                sponsor=probationary,
                occurred_on=date(2024, 6, 10),
                document=doc("3-KNĐ", date(2024, 6, 10)),
            ),
        ),
    )


def test_a_decision_by_a_committee_without_authority_is_refused(handlers: Handlers) -> None:
    h = handlers
    verified_case(h)
    for command in walk(
        "HS-1",
        Stage.COMMITTEE_RESOLVED,
        after=Stage.VERIFIED,
        steps=DOSSIER_2025,
        documents=doc,
        branch_vote=Vote(12, 12),
        committee_vote=Vote(9, 9),
    ):
        h.handle(A, command)
    assert_refused(
        h,
        "ADMISSION_AUTHORITY_MISMATCH",
        lambda: h.handle(
            A,
            RecordAdmissionDecision(
                case_code="HS-1",
                decided_by=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
                occurred_on=date(2025, 6, 16),
                document=doc("9-KNĐ", date(2025, 6, 16)),
            ),
        ),
    )


def test_a_duplicate_case_code_unit_code_or_quota_is_refused(handlers: Handlers) -> None:
    h = handlers
    h.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-6",
            unit_code="CB",
            person=person(),
            occurred_on=date(2025, 1, 6),
        ),
    )
    assert_refused(
        h,
        "CASE_CODE_TAKEN",
        lambda: h.handle(
            A,
            DiscoverCandidate(
                introduced_by=MassOrganization.BRANCH,
                case_code="HS-6",
                unit_code="CB",
                person=person(),
                occurred_on=date(2025, 1, 6),
            ),
        ),
    )
    assert_refused(
        h,
        "UNIT_CODE_TAKEN",
        lambda: h.handle(
            A,
            EstablishUnit(
                code="CB",
                name="Chi bộ khác",
                kind=UnitKind.BRANCH,
                parent_code="DU",
                occurred_on=date(2025, 1, 6),
            ),
        ),
    )
    h.handle(
        A,
        SetQuota(
            unit_code="KDN",
            period=Period.year(2025),
            target=QuotaTarget.number(20),
            occurred_on=date(2024, 12, 15),
        ),
    )
    assert_refused(
        h,
        "QUOTA_ALREADY_SET",
        lambda: h.handle(
            A,
            SetQuota(
                unit_code="KDN",
                period=Period.year(2025),
                target=QuotaTarget.number(25),
                occurred_on=date(2024, 12, 20),
            ),
        ),
    )


def test_a_candidate_cannot_be_followed_by_a_committee(handlers: Handlers) -> None:
    assert_refused(
        handlers,
        "UNIT_DOES_NOT_ADMIT",
        lambda: handlers.handle(
            A,
            DiscoverCandidate(
                introduced_by=MassOrganization.BRANCH,
                case_code="HS-7",
                unit_code="DU",
                person=person(),
                occurred_on=date(2025, 1, 6),
            ),
        ),
    )


def test_tenant_b_cannot_see_or_change_a_case_of_tenant_a(handlers: Handlers) -> None:
    h = handlers
    h.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-A",
            unit_code="CB",
            person=person(),
            occurred_on=date(2025, 1, 6),
        ),
    )
    # the same case code in tenant B names nothing there
    assert_refused(
        h,
        "NOT_FOUND",
        lambda: h.handle(B, AddToSympathizerList(case_code="HS-A", occurred_on=date(2025, 2, 3))),
    )
    # tenant A's id, asked of tenant B's store, does not exist there
    a_id = ids.candidate_id(A.tenant, "HS-A")
    with pytest.raises(NotFound):
        h.store.app(B.tenant).get(a_id)
    assert ids.candidate_id(B.tenant, "HS-A") != a_id
    assert case_of(h, A, "HS-A").stage is Stage.DISCOVERED


def test_an_aggregate_of_tenant_a_cannot_be_saved_into_tenant_b(handlers: Handlers) -> None:
    h = handlers
    h.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-A",
            unit_code="CB",
            person=person(),
            occurred_on=date(2025, 1, 6),
        ),
    )
    stolen = case_of(h, A, "HS-A")
    stolen.add_to_sympathizer_list(actor=ORGANIZER, occurred_on=date(2025, 2, 3))
    assert_refused(h, "TENANT_MISMATCH", lambda: h.store.app(B.tenant).save(stolen))


def test_cases_of_a_merged_branch_follow_it_into_the_surviving_branch(
    handlers: Handlers,
) -> None:
    h = handlers
    for code in ("CBCS-1", "CBCS-2"):
        h.handle(
            A,
            EstablishUnit(
                code=code,
                name=f"Chi bộ cơ sở {code}",
                kind=UnitKind.GRASSROOTS_BRANCH,
                parent_code="KDN",
                occurred_on=date(2015, 1, 1),
            ),
        )
    h.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-M",
            unit_code="CBCS-1",
            person=person(),
            occurred_on=date(2025, 1, 6),
        ),
    )
    h.handle(
        A,
        MergeUnits(
            code="CBCS-1",
            into_code="CBCS-2",
            occurred_on=date(2025, 7, 1),
            document=doc("QĐ hợp nhất", date(2025, 7, 1)),
        ),
    )
    app = h.store.app(A.tenant)
    assert h.unit(app, "CBCS-1").code == "CBCS-2"
    assert h.candidate_unit(app, case_of(h, A, "HS-M")).code == "CBCS-2"
    h.handle(A, AddToSympathizerList(case_code="HS-M", occurred_on=date(2025, 8, 4)))
    # a new case cannot be opened in the merged-away branch's name: it lands in the survivor
    h.handle(
        A,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-N",
            unit_code="CBCS-1",
            person=person(),
            occurred_on=date(2025, 8, 4),
        ),
    )
    assert case_of(h, A, "HS-N").unit_id == ids.unit_id(A.tenant, "CBCS-2")


def test_a_disabled_tenant_records_nothing(handlers: Handlers) -> None:
    handlers.store.registry.disable(A.tenant)
    assert_refused(
        handlers,
        "TENANT_DISABLED",
        lambda: handlers.handle(
            A,
            DiscoverCandidate(
                introduced_by=MassOrganization.BRANCH,
                case_code="HS-8",
                unit_code="CB",
                person=person(),
                occurred_on=date(2025, 1, 6),
            ),
        ),
    )
