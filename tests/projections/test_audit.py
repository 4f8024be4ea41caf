"""The audit history: one row per event, filtered, bitemporal and paged, on both backends."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

import domain
from domain import ids
from domain.candidates import Candidate
from domain.commands import (
    AddSponsor,
    AddToSympathizerList,
    CorrectStepDate,
    DiscoverCandidate,
    EstablishUnit,
    MergeUnits,
    MoveCandidate,
    RecordAwarenessCertificate,
    RecordBackgroundVerification,
    RecordBranchResolution,
    RecordComments,
    RecordCommitteeResolution,
    SubmitApplication,
)
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, Sponsor
from domain.values import Actor, DocumentRef, MassOrganization, PersonProfile, Role
from projections.audit_summaries import SUMMARIES
from projections.queries.audit_history import (
    AuditDocument,
    AuditEntry,
    AuditFilter,
    audit_entries,
    audit_entry,
    candidate_timeline,
    count_audit_entries,
    unit_timeline,
)
from projections.sql import Tx
from service.commands import Handlers, Principal
from service.demo import seed_demo
from service.read_models import ReadModels
from service.settings import Settings
from service.store import Store
from tests.projections.conftest import TENANT, TODAY, World
from tests.walks import person as a_person

SECRETARY = Principal(TENANT, Actor("bi-thu-cb", Role.BRANCH_SECRETARY))
HS1 = str(ids.candidate_id(TENANT, "HS-1"))
HS2 = str(ids.candidate_id(TENANT, "HS-2"))
CB = str(ids.unit_id(TENANT, "CB"))
CB2 = str(ids.unit_id(TENANT, "CB2"))
DU = str(ids.unit_id(TENANT, "DU"))

# Positions of the scripted history (see ``history``).
POLICY, KDN_CREATED, DU_CREATED, CB_CREATED, CB2_CREATED = 1, 2, 3, 4, 5
DISCOVERED, SYMPATHIZER, CERTIFICATE, HS2_DISCOVERED, APPLICATION = 6, 7, 8, 9, 10
SPONSOR_1, SPONSOR_2, VERIFIED, COMMENTS, BRANCH_RESOLUTION = 11, 12, 13, 14, 15
CORRECTION, MOVED = 16, 17
HS1_POSITIONS = [DISCOVERED, SYMPATHIZER, CERTIFICATE, *range(APPLICATION, MOVED + 1)]


def doc(kind: str, number: str, on: date, issuer: str = "Chi bộ Phòng Kỹ thuật") -> DocumentRef:
    return DocumentRef(kind, number, on, issuer)


def person() -> PersonProfile:
    """Past Youth Union age when sponsored: two members sponsor her wherever she works."""
    return a_person("Nguyễn Thị Lan", date(1986, 4, 12))


def sponsor(member_id: str) -> Sponsor:
    return Sponsor(member_id, f"Đảng viên {member_id}", date(2010, 1, 1), date(2019, 1, 1))


def history(world: World) -> None:
    """A tree, two cases, a backdated certificate, a branch resolution, a correction, a move."""
    h, p = world.handlers, world.principal
    established = date(2015, 1, 1)
    for code, name, kind, parent in (
        ("KDN", "Đảng bộ Khối", UnitKind.COMMITTEE, None),
        ("DU", "Đảng bộ Công ty Điện lực", UnitKind.GRASSROOTS_COMMITTEE, "KDN"),
        ("CB", "Chi bộ Phòng Kỹ thuật", UnitKind.BRANCH, "DU"),
        ("CB2", "Chi bộ Phòng Kinh doanh", UnitKind.BRANCH, "DU"),
    ):
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=name,
                kind=kind,
                parent_code=parent,
                occurred_on=established,
                admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE
                if code == "DU"
                else None,
            ),
        )
    h.handle(
        p,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-1",
            unit_code="CB",
            person=person(),
            occurred_on=date(2023, 10, 2),
        ),
    )
    h.handle(
        SECRETARY,
        AddToSympathizerList(
            case_code="HS-1", occurred_on=date(2023, 11, 6), notes="Theo đề nghị của tổ công đoàn"
        ),
    )
    # backdated: a class attended years before the case was opened, recorded now
    h.handle(
        SECRETARY,
        RecordAwarenessCertificate(
            case_code="HS-1",
            occurred_on=date(2021, 5, 20),
            document=doc("GCN", "88-GCN/TTCT", date(2021, 5, 20), "Trung tâm Chính trị"),
        ),
    )
    h.handle(
        p,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-2",
            unit_code="CB2",
            person=person(),
            occurred_on=date(2024, 2, 1),
        ),
    )
    h.handle(
        p,
        SubmitApplication(
            case_code="HS-1",
            occurred_on=date(2025, 3, 3),
            document=doc("1-KNĐ", "01", date(2025, 3, 3)),
            personal_history=doc("2-KNĐ", "02", date(2025, 3, 3)),
        ),
    )
    for member in ("DV1", "DV2"):
        h.handle(
            p,
            AddSponsor(
                case_code="HS-1",
                sponsor=sponsor(member),
                occurred_on=date(2025, 3, 10),
                document=doc("3-KNĐ", f"GT-{member}", date(2025, 3, 10)),
            ),
        )
    h.handle(
        p,
        RecordBackgroundVerification(
            case_code="HS-1",
            passed=True,
            conclusion="Đạt",
            occurred_on=date(2025, 4, 15),
            document=doc("KL", "15-KL/ĐU", date(2025, 4, 15), "Đảng ủy Công ty Điện lực"),
        ),
    )
    h.handle(
        p,
        RecordComments(
            case_code="HS-1",
            source="Công đoàn cơ sở",
            occurred_on=date(2025, 4, 20),
            document=doc("5-KNĐ", "20-BC/CĐ", date(2025, 4, 20)),
        ),
    )
    h.handle(
        SECRETARY,
        RecordBranchResolution(
            case_code="HS-1",
            official_members=10,
            votes_for=9,
            occurred_on=date(2025, 5, 6),
            document=doc("6-KNĐ", "12-NQ/CB", date(2025, 5, 6)),
        ),
    )
    h.handle(
        p,
        CorrectStepDate(
            case_code="HS-1",
            step="sympathizer",
            corrected_date=date(2023, 11, 7),
            reason="Nhập nhầm ngày họp chi bộ",
            occurred_on=date(2025, 6, 1),
        ),
    )
    h.handle(
        p,
        MoveCandidate(
            case_code="HS-1",
            unit_code="CB2",
            occurred_on=date(2025, 6, 10),
            document=doc("QĐ", "30-QĐ/ĐU", date(2025, 6, 10), "Đảng ủy Công ty Điện lực"),
        ),
    )


def positions(entries: tuple[AuditEntry, ...]) -> list[int]:
    return [e.position for e in entries]


def matching(tx: Tx, criteria: AuditFilter) -> list[int]:
    """Positions of every entry matching ``criteria`` (asserting the count agrees)."""
    found = positions(audit_entries(tx, criteria, first=500).entries)
    assert count_audit_entries(tx, criteria) == len(found)
    return found


def test_a_case_timeline_lists_each_of_its_events_in_recording_order(world: World) -> None:
    history(world)
    with world.read() as tx:
        timeline = candidate_timeline(tx, HS1)
        resolution = audit_entry(tx, BRANCH_RESOLUTION)
        first = audit_entry(tx, POLICY)
    assert not timeline.has_more
    assert [
        (e.position, e.event_type, e.occurred_on, e.actor_id, e.role, e.aggregate_version)
        for e in timeline.entries
    ] == [
        (6, "Candidate.Discovered", date(2023, 10, 2), "to-chuc-1", "organizer", 1),
        (7, "Candidate.AddedToSympathizerList", date(2023, 11, 6), "bi-thu-cb", "branch_secretary", 2),
        (8, "Candidate.AwarenessCertificateRecorded", date(2021, 5, 20), "bi-thu-cb", "branch_secretary", 3),
        (10, "Candidate.ApplicationSubmitted", date(2025, 3, 3), "to-chuc-1", "organizer", 4),
        (11, "Candidate.SponsorAdded", date(2025, 3, 10), "to-chuc-1", "organizer", 5),
        (12, "Candidate.SponsorAdded", date(2025, 3, 10), "to-chuc-1", "organizer", 6),
        (13, "Candidate.BackgroundVerified", date(2025, 4, 15), "to-chuc-1", "organizer", 7),
        (14, "Candidate.CommentsRecorded", date(2025, 4, 20), "to-chuc-1", "organizer", 8),
        (15, "Candidate.BranchResolutionRecorded", date(2025, 5, 6), "bi-thu-cb", "branch_secretary", 9),
        (16, "Candidate.StepDateCorrected", date(2025, 6, 1), "to-chuc-1", "organizer", 10),
        (17, "Candidate.MovedToUnit", date(2025, 6, 10), "to-chuc-1", "organizer", 11),
    ]  # fmt: skip
    entries = timeline.entries
    assert {e.candidate_id for e in entries} == {HS1}
    assert {e.aggregate_id for e in entries} == {HS1}
    assert {e.aggregate_type for e in entries} == {"Candidate"}
    # the unit following the case: CB until it moved to CB2 (the move names CB as related)
    assert [e.unit_id for e in entries] == [CB] * 10 + [CB2]
    assert [e.related_unit_id for e in entries] == [None] * 10 + [CB]
    assert entries[1].notes == "Theo đề nghị của tổ công đoàn"
    assert entries[0].notes is None
    assert entries[0].document is None
    assert entries[0].summary_vi == (
        "HS-1 — Chi bộ phát hiện, mở hồ sơ tại Chi bộ Phòng Kỹ thuật (CB)"
    )
    assert entries[-1].summary_vi == (
        "HS-1 — Chuyển sinh hoạt từ Chi bộ Phòng Kỹ thuật (CB) sang Chi bộ Phòng Kinh doanh "
        "(CB2) (QĐ số 30-QĐ/ĐU ngày 10/06/2025)"
    )
    assert entries[-1].summary_en == (
        "HS-1 — Moved from Chi bộ Phòng Kỹ thuật (CB) to Chi bộ Phòng Kinh doanh (CB2) "
        "(QĐ 30-QĐ/ĐU of 10/06/2025)"
    )
    # one whole row
    assert resolution is not None
    assert resolution.recorded_at.tzinfo is not None
    assert resolution == AuditEntry(
        position=BRANCH_RESOLUTION,
        recorded_at=resolution.recorded_at,
        occurred_on=date(2025, 5, 6),
        actor_id="bi-thu-cb",
        role="branch_secretary",
        event_type="Candidate.BranchResolutionRecorded",
        aggregate_type="Candidate",
        aggregate_id=HS1,
        aggregate_version=9,
        candidate_id=HS1,
        unit_id=CB,
        related_unit_id=None,
        document=AuditDocument("6-KNĐ", "12-NQ/CB", date(2025, 5, 6), "Chi bộ Phòng Kỹ thuật"),
        notes=None,
        summary_vi="HS-1 — Chi bộ biểu quyết kết nạp: 9/10 đảng viên chính thức tán thành "
        "(NQ số 12-NQ/CB ngày 06/05/2025)",
        summary_en="HS-1 — Branch resolution to admit: 9 of 10 official members in favour "
        "(resolution 12-NQ/CB of 06/05/2025)",
    )
    # the tenant's policy: no business date, no candidate, no unit
    assert first is not None
    assert (first.event_type, first.occurred_on, first.actor_id, first.role) == (
        "TenantPolicy.Created",
        None,
        "ops",
        "platform_operator",
    )
    assert (first.candidate_id, first.unit_id) == (None, None)
    # recording times never go back
    with world.read() as tx:
        everything = audit_entries(tx, first=500).entries
    assert positions(everything) == list(range(1, MOVED + 1))
    times = [e.recorded_at for e in everything]
    assert times == sorted(times)


def test_entries_filter_by_actor_role_type_aggregate_and_business_date(world: World) -> None:
    history(world)
    with world.read() as tx:
        assert matching(tx, AuditFilter(actor_id="bi-thu-cb")) == [
            SYMPATHIZER,
            CERTIFICATE,
            BRANCH_RESOLUTION,
        ]
        assert matching(tx, AuditFilter(roles=("platform_operator",))) == [POLICY]
        assert matching(tx, AuditFilter(event_types=("Candidate.Discovered",))) == [
            DISCOVERED,
            HS2_DISCOVERED,
        ]
        assert matching(
            tx, AuditFilter(event_types=("Candidate.SponsorAdded", "Candidate.MovedToUnit"))
        ) == [SPONSOR_1, SPONSOR_2, MOVED]
        assert matching(tx, AuditFilter(aggregate_types=("OrgUnit",))) == [2, 3, 4, 5]
        assert matching(tx, AuditFilter(candidate_id=HS2)) == [HS2_DISCOVERED]
        assert matching(tx, AuditFilter(aggregate_id=CB)) == [CB_CREATED]
        # business dates, inclusive at both ends
        spring = AuditFilter(occurred_from=date(2025, 3, 10), occurred_to=date(2025, 4, 20))
        assert matching(tx, spring) == [SPONSOR_1, SPONSOR_2, VERIFIED, COMMENTS]
        assert matching(tx, dataclasses.replace(spring, actor_id="bi-thu-cb")) == []
        assert matching(tx, AuditFilter(occurred_to=date(2015, 1, 1))) == [2, 3, 4, 5]
        assert matching(tx, AuditFilter(occurred_to=date(2015, 1, 1), include_undated=True)) == [
            POLICY,
            2,
            3,
            4,
            5,
        ]
        # recording-time range: everything recorded from the branch resolution on
        at = audit_entry(tx, BRANCH_RESOLUTION)
        assert at is not None
        assert matching(tx, AuditFilter(recorded_from=at.recorded_at)) == [15, 16, 17]
        assert matching(tx, AuditFilter(recorded_to=at.recorded_at, candidate_id=HS2)) == [9]
        assert count_audit_entries(tx) == MOVED
        assert matching(tx, AuditFilter(actor_id="nobody")) == []


def test_a_backdated_entry_shows_as_of_its_business_date_but_not_before_it_was_recorded(
    world: World,
) -> None:
    history(world)
    with world.read() as tx:
        sympathizer = audit_entry(tx, SYMPATHIZER)
        certificate = audit_entry(tx, CERTIFICATE)
        assert sympathizer is not None
        assert certificate is not None
        case = AuditFilter(candidate_id=HS1)
        # as of the business date: the certificate of 2021 is there before the case opened
        assert matching(tx, dataclasses.replace(case, as_of=date(2022, 12, 31))) == [CERTIFICATE]
        as_of_2023 = dataclasses.replace(case, as_of=date(2023, 12, 31))
        assert matching(tx, as_of_2023) == [DISCOVERED, SYMPATHIZER, CERTIFICATE]
        # as recorded just before it was recorded, it is not known yet, whatever the date
        assert matching(tx, dataclasses.replace(as_of_2023, recorded_position=SYMPATHIZER)) == [
            DISCOVERED,
            SYMPATHIZER,
        ]
        before = sympathizer.recorded_at + (certificate.recorded_at - sympathizer.recorded_at) / 2
        assert matching(tx, dataclasses.replace(as_of_2023, recorded_at=before)) == [
            DISCOVERED,
            SYMPATHIZER,
        ]
        assert matching(
            tx, dataclasses.replace(as_of_2023, recorded_at=certificate.recorded_at)
        ) == [DISCOVERED, SYMPATHIZER, CERTIFICATE]
        # a naive recording time is taken as UTC
        naive = sympathizer.recorded_at.astimezone(UTC).replace(tzinfo=None)
        assert matching(tx, AuditFilter(recorded_at=naive)) == list(range(1, SYMPATHIZER + 1))
        assert matching(tx, AuditFilter(recorded_at=datetime(2000, 1, 1, tzinfo=UTC))) == []
        # the timeline helper takes the same two axes
        timeline = candidate_timeline(
            tx, HS1, as_of=date(2023, 12, 31), recorded_position=CERTIFICATE
        )
    assert positions(timeline.entries) == [DISCOVERED, SYMPATHIZER, CERTIFICATE]
    assert certificate.occurred_on == date(2021, 5, 20)
    assert certificate.summary_vi == (
        "HS-1 — Hoàn thành lớp bồi dưỡng nhận thức về Đảng (GCN số 88-GCN/TTCT ngày 20/05/2021)"
    )
    assert certificate.document == AuditDocument(
        "GCN", "88-GCN/TTCT", date(2021, 5, 20), "Trung tâm Chính trị"
    )


def test_a_corrected_step_date_is_a_row_of_its_own_and_the_original_stays(world: World) -> None:
    history(world)
    with world.read() as tx:
        original = audit_entry(tx, SYMPATHIZER)
        correction = audit_entry(tx, CORRECTION)
        corrections = matching(tx, AuditFilter(event_types=("Candidate.StepDateCorrected",)))
    assert corrections == [CORRECTION]
    assert original is not None
    assert correction is not None
    assert (original.event_type, original.occurred_on) == (
        "Candidate.AddedToSympathizerList",
        date(2023, 11, 6),
    )
    assert original.summary_vi == "HS-1 — Đưa vào danh sách cảm tình Đảng"
    assert original.summary_en == "HS-1 — Added to the sympathizer list"
    assert (correction.occurred_on, correction.aggregate_version, correction.candidate_id) == (
        date(2025, 6, 1),
        10,
        HS1,
    )
    assert correction.summary_vi == (
        "HS-1 — Đính chính ngày của bước «đưa vào danh sách cảm tình Đảng»: "
        "06/11/2023 → 07/11/2023; lý do: Nhập nhầm ngày họp chi bộ"
    )
    assert correction.summary_en == (
        "HS-1 — Date of step “sympathizer list” corrected: 06/11/2023 → 07/11/2023; "
        "reason: Nhập nhầm ngày họp chi bộ"
    )


def test_pages_follow_positions_both_ways_and_stay_stable(world: World) -> None:
    history(world)
    with world.read() as tx:
        pages = [audit_entries(tx, first=5)]
        while pages[-1].has_more:
            pages.append(audit_entries(tx, first=5, after=pages[-1].end_cursor))
        assert [positions(p.entries) for p in pages] == [
            [1, 2, 3, 4, 5],
            [6, 7, 8, 9, 10],
            [11, 12, 13, 14, 15],
            [16, 17],
        ]
        newest = audit_entries(tx, first=4, descending=True)
        assert positions(newest.entries) == [17, 16, 15, 14]
        assert newest.has_more
        older = audit_entries(tx, first=4, descending=True, after=newest.end_cursor)
        assert positions(older.entries) == [13, 12, 11, 10]
        last = audit_entries(tx, first=17, descending=True, after=2)
        assert positions(last.entries) == [1]
        assert not last.has_more
        # pages of a filter
        case = AuditFilter(candidate_id=HS1)
        page = audit_entries(tx, case, first=3, after=CERTIFICATE)
        assert positions(page.entries) == [10, 11, 12]
        assert page.has_more
        tail = audit_entries(tx, case, first=3, after=15)
        assert positions(tail.entries) == [16, 17]
        assert not tail.has_more
        empty = audit_entries(tx, case, after=MOVED)
        assert empty.entries == ()
        assert empty.end_cursor is None
        assert not empty.has_more
        assert count_audit_entries(tx, case) == len(HS1_POSITIONS)
        for first in (0, 501):
            with pytest.raises(ValueError, match="first"):
                audit_entries(tx, first=first)


def test_a_unit_timeline_follows_moves_and_merges_and_a_rebuild_gives_the_same_rows(
    world: World,
) -> None:
    history(world)
    h, p = world.handlers, world.principal
    h.handle(
        p,
        MergeUnits(
            code="CB2",
            into_code="CB",
            occurred_on=date(2025, 7, 1),
            document=doc("QĐ", "40-QĐ/ĐU", date(2025, 7, 1), "Đảng ủy Công ty Điện lực"),
        ),
    )
    h.handle(
        p,
        RecordCommitteeResolution(
            case_code="HS-1",
            committee_members=9,
            votes_for=7,
            occurred_on=date(2025, 7, 10),
            document=doc("8-KNĐ", "7-NQ/ĐU", date(2025, 7, 10), "Đảng ủy Công ty Điện lực"),
        ),
    )
    merged, absorbed, committee = MOVED + 1, MOVED + 2, MOVED + 3
    with world.read() as tx:
        own = unit_timeline(tx, CB, include_related=False)
        related = unit_timeline(tx, CB)
        cb2 = unit_timeline(tx, CB2, include_related=False)
        du = unit_timeline(tx, DU, include_related=False)
        merge = audit_entry(tx, merged)
        before = tx.fetchall("SELECT * FROM rm_audit ORDER BY position")
    cb_cases = [p for p in HS1_POSITIONS if p != MOVED]
    # CB: its creation, HS-1 until it left, what it absorbed and HS-1 again after the merge
    assert positions(own.entries) == [CB_CREATED, *cb_cases, absorbed, committee]
    assert positions(related.entries) == [CB_CREATED, *cb_cases, MOVED, merged, absorbed, committee]
    assert positions(cb2.entries) == [CB2_CREATED, HS2_DISCOVERED, MOVED, merged]
    assert positions(du.entries) == [DU_CREATED]
    assert merge is not None
    assert (merge.unit_id, merge.related_unit_id) == (CB2, CB)
    assert merge.summary_vi == (
        "Hợp nhất Chi bộ Phòng Kinh doanh (CB2) vào Chi bộ Phòng Kỹ thuật (CB) "
        "(QĐ số 40-QĐ/ĐU ngày 01/07/2025)"
    )
    # a replay of the whole history writes exactly the same rows
    report = world.read_models.rebuild(TENANT, ["audit"])
    assert report.events == committee
    with world.read() as tx:
        assert tx.fetchall("SELECT * FROM rm_audit ORDER BY position") == before


def test_every_event_type_has_a_summary() -> None:
    assert set(SUMMARIES) == set(domain.event_type_names())


def test_every_event_of_the_demo_gets_a_summary_in_both_languages(tmp_path: Path) -> None:
    store = Store.from_settings(Settings(data_dir=tmp_path / "data"))
    try:
        seed_demo(Handlers(store, today=lambda: TODAY))
        report = ReadModels(store, inline=False).catch_up("demo")
        with ReadModels(store).read("demo") as tx:
            rows = tx.fetchall(
                "SELECT event_type, summary_vi, summary_en, candidate_id FROM rm_audit"
            )
        # the tenant merged into the demo (issue 13) ends with its closing event
        ReadModels(store, inline=False).catch_up("ba_ria_vung_tau")
        with ReadModels(store).read("ba_ria_vung_tau") as tx:
            closed = tx.fetchall("SELECT event_type, summary_vi, summary_en FROM rm_audit")
        app = store.app("demo", write=False)
        cases = {
            case_id: app.get(UUID(case_id), Candidate)
            for case_id in {r[3] for r in rows if r[3] is not None}
        }
    finally:
        store.close()
    assert len(rows) == report.head == report.events
    assert {r[0] for r in rows} | {r[0] for r in closed} == set(domain.event_type_names())
    assert all(vi.strip() and en.strip() and vi != en for _, vi, en, _ in rows)
    assert all(vi.strip() and en.strip() and vi != en for _, vi, en in closed)
    # every unit named was known; a candidate is named by the case code, never by name
    assert not [vi for _, vi, _, _ in rows if "không rõ" in vi or "unknown unit" in vi]
    for _, vi, en, case_id in rows:
        if case_id is None:
            continue
        case = cases[case_id]
        assert vi.startswith(f"{case.case_code} — ")
        assert en.startswith(f"{case.case_code} — ")
        assert case.person.full_name not in vi + en
