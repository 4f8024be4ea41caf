"""A case transferred between two tenants of the same deployment (chuyển hồ sơ sang đơn vị
khác), on both stores: the sending organizer only records the exit; the receiving organizer
reads the pending transfer and accepts it; it goes on there from the same stage with its
dossier. DOMAIN.md: "Exits at any stage: … transferred to another unit or tenant"."""

from __future__ import annotations

from datetime import date

import pytest

from domain import ids
from domain.candidates import Candidate, Stage
from domain.commands import AcceptTransferredCase, RecordBranchResolution, TransferCandidateOut
from domain.errors import DomainError, NotFound
from domain.values import Actor, Role
from service.commands import Handlers, Principal
from service.store import Store
from service.transfers import transfer_offer
from tests.walks import DOSSIER_2025, bloc_tree, issued_by, walk

TODAY = date(2026, 11, 21)
OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
A = Principal("bloc_a", Actor("to-chuc-a", Role.ORGANIZER))
B = Principal("bloc_b", Actor("to-chuc-b", Role.ORGANIZER))
C = Principal("bloc_c", Actor("to-chuc-c", Role.ORGANIZER))
doc = issued_by("Chi bộ 1")
LEFT = date(2025, 4, 25)


def transfer(to: str | None = "bloc_b", case_code: str = "HS-1") -> TransferCandidateOut:
    return TransferCandidateOut(
        case_code=case_code,
        destination="Đảng ủy Khối B",
        destination_tenant=to,
        occurred_on=LEFT,
        document=doc("Giấy giới thiệu chuyển sinh hoạt", LEFT),
    )


def accept(code: str = "NHAN-1", from_case: str = "HS-1") -> AcceptTransferredCase:
    return AcceptTransferredCase(
        case_code=code,
        from_tenant="bloc_a",
        from_case_code=from_case,
        unit_code="CB1",
        occurred_on=date(2025, 5, 5),
    )


@pytest.fixture
def handlers(store: Store) -> Handlers:
    """Three tenants, same tree; in A a case verified in April 2025 (HS-1) and one at the
    sympathizer stage (HS-2)."""
    h = Handlers(store, today=lambda: TODAY)
    for principal in (A, B, C):
        h.create_tenant(OPERATOR, principal.tenant, principal.tenant, "other")
        for unit in bloc_tree(("CB1", "Chi bộ 1")):
            h.handle(principal, unit)
    for step in [
        *walk("HS-1", Stage.VERIFIED, steps=DOSSIER_2025, documents=doc),
        *walk("HS-2", Stage.SYMPATHIZER, steps=DOSSIER_2025),
    ]:
        h.handle(A, step)
    return h


def test_a_case_transferred_to_another_tenant_is_accepted_there_with_its_dossier(
    handlers: Handlers,
) -> None:
    """A records the exit; B sees the pending transfer (no personal data), accepts it, and its
    branch resolves the case on the letters of 10/03/2025 (still within 12 months)."""
    h = handlers
    h.handle(A, transfer())
    offer = transfer_offer(h.store, "bloc_b", "bloc_a", "HS-1")
    assert (offer.stage, offer.transferred_on) == (Stage.VERIFIED, LEFT)
    assert offer.dossier_documents == 6  # application, history, 2 letters, verification, comments

    h.handle(B, accept())
    app = h.store.app("bloc_b", write=False)
    arrived = app.get(ids.candidate_id("bloc_b", "NHAN-1"), Candidate)
    original = h.store.app("bloc_a", write=False).get(ids.candidate_id("bloc_a", "HS-1"), Candidate)
    assert arrived.stage is Stage.VERIFIED
    assert arrived.person == original.person
    assert arrived.sponsors == original.sponsors
    assert arrived.transfer_reference == "bloc_a/HS-1"
    assert arrived.stage_timeline() == [(Stage.VERIFIED, date(2025, 5, 5))]
    h.handle(
        B,
        RecordBranchResolution(
            case_code="NHAN-1",
            official_members=12,
            votes_for=9,
            occurred_on=date(2025, 6, 2),
            document=doc("6-KNĐ", date(2025, 6, 2)),
        ),
    )
    with pytest.raises(NotFound):
        transfer_offer(h.store, "bloc_b", "bloc_a", "HS-1")  # accepted: no longer pending
    with pytest.raises(DomainError) as twice:
        h.handle(B, accept(code="NHAN-2"))
    assert twice.value.code == "TRANSFER_ALREADY_ACCEPTED"


def test_only_the_tenant_a_case_was_addressed_to_sees_or_accepts_it(handlers: Handlers) -> None:
    """Tenant isolation: C gets the same "not found" as for an unknown case, and cannot accept
    it; a case transferred with no tenant named, or not transferred, is nobody's offer."""
    h = handlers
    h.handle(A, transfer())
    h.handle(A, transfer(to=None, case_code="HS-2"))
    for tenant, case_code in [("bloc_c", "HS-1"), ("bloc_a", "HS-1"), ("bloc_b", "HS-2")]:
        with pytest.raises(NotFound) as hidden:
            transfer_offer(h.store, tenant, "bloc_a", case_code)
        assert hidden.value.code == "TRANSFER_NOT_FOUND"
    with pytest.raises(NotFound) as unknown:
        transfer_offer(h.store, "bloc_b", "bloc_a", "NO-SUCH")
    assert unknown.value.code == "TRANSFER_NOT_FOUND"
    with pytest.raises(DomainError) as refused:
        h.handle(C, accept())
    assert refused.value.code == "TRANSFER_NOT_FOUND"
    assert ids.candidate_id("bloc_c", "NHAN-1") not in h.store.app("bloc_c").repository


@pytest.mark.parametrize(
    ("to", "code"),
    [("bloc_a", "TRANSFER_TO_SAME_TENANT"), ("nowhere", "TENANT_NOT_FOUND")],
)
def test_a_transfer_to_itself_or_to_an_unknown_tenant_is_refused(
    handlers: Handlers, to: str, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        handlers.handle(A, transfer(to=to))
    assert refused.value.code == code
    assert refused.value.message_vi
    assert refused.value.message_en


def test_a_case_is_accepted_no_earlier_than_it_left(handlers: Handlers) -> None:
    handlers.handle(A, transfer())
    with pytest.raises(DomainError) as early:
        handlers.handle(
            B,
            AcceptTransferredCase(
                case_code="NHAN-1",
                from_tenant="bloc_a",
                from_case_code="HS-1",
                unit_code="CB1",
                occurred_on=date(2025, 4, 1),
            ),
        )
    assert early.value.code == "DATE_BEFORE_TRANSFER"
