"""A case received from another committee in the middle of its dossier (nhận chuyển hồ sơ đến)
goes on from the same stage, with the dossier it carries, under the same rules.

DOMAIN.md: "Exits at any stage: … transferred to another unit or tenant"; the receiving branch
checks the dossier as its own (12-HD/BTCTW: sponsor letters, union resolutions and comment
summaries older than 12 months are redone; the decision within 60 working days of the branch's
resolution).
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.candidates import Candidate, Stage
from domain.errors import InvalidInput, RuleViolation
from domain.ids import candidate_id
from domain.rules import AdmissionAuthority
from domain.tenant_merge import MergeOrigin
from domain.transfer_dossier import (
    Dossier,
    DossierComments,
    DossierSponsor,
    DossierVerification,
)
from domain.values import DocumentRef
from tests.domain.builders import (
    BINH,
    BRANCH_ID,
    CALENDAR,
    CUONG,
    ORGANIZER,
    SECRETARY,
    TENANT,
    born,
    document,
    replayed,
    stage_of,
    state,
)
from tests.domain.refusals import refused

RECEIVED = date(2024, 6, 3)
CERTIFICATE = document("Giấy chứng nhận", date(2023, 8, 1), issuer="Trung tâm Chính trị")
APPLIED = date(2023, 9, 4)
LETTERS = date(2023, 9, 11)


def dossier(**changes: object) -> Dossier:
    """The dossier of a case verified at its first committee (letters of 11/09/2023)."""
    fields: dict[str, object] = {
        "application": document("1-KNĐ", APPLIED),
        "personal_history": document("2-KNĐ", APPLIED),
        "first_sponsor": DossierSponsor(BINH, document("3-KNĐ", LETTERS, number="1")),
        "second_sponsor": DossierSponsor(CUONG, document("3-KNĐ", LETTERS, number="2")),
        "verification": DossierVerification(True, "Đạt", document("KL", date(2023, 10, 16))),
        "comments": DossierComments("Khu dân cư", document("5-KNĐ", date(2023, 10, 2))),
    }
    fields.update(changes)
    return Dossier(**fields)  # type: ignore[arg-type]


def received(stage: Stage, carried: Dossier | None, on: date = RECEIVED) -> Candidate:
    return Candidate.receive_transfer(
        id=candidate_id(TENANT, "CD-2024-007"),
        tenant=TENANT,
        actor=ORGANIZER,
        occurred_on=on,
        case_code="CD-2024-007",
        unit_id=BRANCH_ID,
        unit_admits_candidates=True,
        person=born(date(1996, 2, 14), full_name="Võ Thị Hạnh"),
        origin="Đảng ủy Tổng công ty Điện lực miền Trung",
        stage=stage,
        awareness_certificate=CERTIFICATE,
        dossier=carried,
        committee_resolution_required=False,
        document=document("Giấy giới thiệu sinh hoạt đảng", on),
    )


def resolve(hanh: Candidate, on: date) -> None:
    hanh.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=on,
        official_members=12,
        votes_for=10,
        document=document("6-KNĐ", on),
        committee_resolution_required=False,
        youth_union_organisation=False,
    )


def test_a_verified_case_received_with_its_dossier_is_resolved_by_the_receiving_branch() -> None:
    """Verified at the first committee, received with its dossier: the receiving branch
    resolves it within the 12 months of the sponsor letters (11/09/2023 → 11/09/2024)."""
    hanh = received(Stage.VERIFIED, dossier())
    assert stage_of(hanh) is Stage.VERIFIED
    assert [r.sponsor for r in hanh.sponsors] == [BINH, CUONG]
    assert hanh.step_dates["sponsor"] == LETTERS
    resolve(hanh, date(2024, 7, 1))
    assert stage_of(hanh) is Stage.BRANCH_RESOLVED


def test_the_freshness_rule_checks_the_received_letters_as_the_branchs_own() -> None:
    """12-HD/BTCTW: a sponsor letter older than 12 months must be redone — the letters of
    11/09/2023 are stale at a branch meeting on 14/10/2024, whichever committee wrote them."""
    hanh = received(Stage.VERIFIED, dossier())
    with refused(RuleViolation) as refusal:
        resolve(hanh, date(2024, 10, 14))
    assert refusal.value.code == "DOSSIER_DOCUMENT_STALE"


def test_a_case_received_after_the_branchs_resolution_is_decided_within_its_deadline() -> None:
    """Received after the branch's resolution of 06/11/2023: the 60 working days of the
    admission decision run from that resolution, not from the day it was received."""
    resolution = document("6-KNĐ", date(2023, 11, 6))
    hanh = received(
        Stage.BRANCH_RESOLVED, dossier(branch_resolution=resolution), on=date(2023, 12, 1)
    )
    assert hanh.branch_resolution_on == date(2023, 11, 6)
    hanh.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=date(2024, 1, 15),
        decided_by=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        unit_authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", date(2024, 1, 15)),
    )
    assert hanh.flags == []
    # the same case decided on 29/03/2024 is past the term counted from the resolution: recorded,
    # flagged late with the due date of 06/11/2023 + 60 working days (29-QĐ/TW 4.3.1)
    late = received(
        Stage.BRANCH_RESOLVED, dossier(branch_resolution=resolution), on=date(2023, 12, 1)
    )
    late.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=date(2024, 3, 29),
        decided_by=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        unit_authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", date(2024, 3, 29)),
    )
    [flag] = late.flags
    assert flag.code == "ADMISSION_DECISION_LATE"
    assert flag.due_on == CALENDAR.add_working_days(date(2023, 11, 6), 60)
    assert stage_of(hanh) is Stage.DECIDED


@pytest.mark.parametrize(
    ("stage", "missing", "field"),
    [
        (Stage.APPLIED, {"application": None}, "dossier.application"),
        (Stage.SPONSORED, {"second_sponsor": None}, "dossier.first_sponsor"),
        (Stage.VERIFIED, {"comments": None}, "dossier.comments"),
        (
            Stage.VERIFIED,
            {"verification": DossierVerification(False, "Không đạt", document("KL", APPLIED))},
            "dossier.verification",
        ),
        (Stage.BRANCH_RESOLVED, {}, "dossier.branch_resolution"),
        (
            Stage.DECIDED,
            {"branch_resolution": document("6-KNĐ", APPLIED)},
            "dossier.admission_decision",
        ),
    ],
    ids=lambda v: v.value if isinstance(v, Stage) else None,
)
def test_a_case_received_without_what_its_stage_needs_is_refused(
    stage: Stage, missing: dict[str, object], field: str
) -> None:
    """Each stage carries its documents: the application from the applied stage, two
    sponsors (or one and a union), a passed verification and comments, the resolutions, the
    decision."""
    with refused(InvalidInput) as refusal:
        received(stage, dossier(**missing))
    assert refusal.value.code == "DOSSIER_INCOMPLETE"
    assert refusal.value.field == field
    assert refusal.value.message_vi
    assert refusal.value.message_en


def test_a_dossier_document_dated_after_the_case_was_received_is_refused() -> None:
    later = document("1-KNĐ", date(2024, 7, 1))
    with refused(InvalidInput) as refusal:
        received(Stage.APPLIED, dossier(application=later))
    assert refusal.value.code == "DOSSIER_DATE_AFTER_RECEIPT"


def test_a_received_case_replays_and_an_event_stored_before_the_dossier_still_loads() -> None:
    """The dossier, the committee flag and the merge origin were added to ``TransferredIn``
    with defaults: an event stored without them loads as a case received without a dossier."""
    origin = MergeOrigin(TENANT, candidate_id("brvt", "X"), 7, "X", 42, "ab" * 32)
    hanh = Candidate.receive_transfer(
        id=candidate_id(TENANT, "CD-2024-008"),
        tenant=TENANT,
        actor=ORGANIZER,
        occurred_on=RECEIVED,
        case_code="CD-2024-008",
        unit_id=BRANCH_ID,
        unit_admits_candidates=True,
        person=born(date(1996, 2, 14)),
        origin="Tỉnh ủy Bà Rịa – Vũng Tàu",
        stage=Stage.VERIFIED,
        awareness_certificate=CERTIFICATE,
        dossier=dossier(),
        merged_from=origin,
        document=DocumentRef("NQ", "202/2025/QH15", date(2024, 6, 1), "Quốc hội"),
    )
    events = hanh.collect_events()
    assert state(replayed(events, Candidate)) == state(hanh)
    assert hanh.merged_from == origin
    for name in ("dossier", "committee_resolution_required", "merged_from"):
        del events[1].__dict__[name]
    old = replayed(events, Candidate)
    assert old.stage is Stage.VERIFIED
    assert old.sponsors == []
    assert old.merged_from is None
