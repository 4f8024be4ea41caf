"""Merging a tenant into another (2025 reform: 23 merged provincial committees from 1/7/2025,
Bà Rịa–Vũng Tàu into Hồ Chí Minh City), on both stores.

The source's history is closed and stays readable; its open units and cases go on in the
target from the merge date with their dossiers; codes that collide take the source's prefix;
a re-run resumes; refusals are bilingual and store nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from domain import ids
from domain.candidates import Candidate, ExitReason, Stage
from domain.commands import (
    Command,
    DisableTenant,
    EnableTenant,
    MergeTenant,
    RecordAdmissionDecision,
    RecordCommitteeResolution,
    RejectCandidate,
    ReportHeadcount,
)
from domain.errors import DomainError
from domain.org_units import OrgUnit
from domain.rules import AdmissionAuthority
from domain.tenant_merge import MergeClosing, MergeReception
from domain.values import Actor, DocumentRef, Role
from service import tenant_merge
from service.audit.checkpoints import generate_key
from service.audit.verify import verify_tenant
from service.cli import main
from service.commands import Handlers, Principal
from service.store import Store
from service.tenant_merge import MergeProgress, run_merge
from tests.conftest import SettingsCliRunner, StoreMaker
from tests.walks import DOSSIER_2025, bloc_tree, issued_by, walk

TODAY = date(2026, 11, 21)
MERGED_ON = date(2025, 7, 1)
OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
ORGANIZER = Actor("to-chuc", Role.ORGANIZER)
SOURCE = Principal("brvt", ORGANIZER)
TARGET = Principal("hcm", ORGANIZER)
RESOLUTION = DocumentRef("NQ", "202/2025/QH15", date(2025, 6, 12), "Quốc hội")
doc = issued_by("Chi bộ 1")


def merge(**changes: object) -> MergeTenant:
    fields: dict[str, object] = {
        "slug": SOURCE.tenant,
        "into": TARGET.tenant,
        "effective_on": MERGED_ON,
        "under_unit": "KDN",
        "document": RESOLUTION,
        "reason": "Hợp nhất tỉnh theo Nghị quyết 202/2025/QH15",
    }
    fields.update(changes)
    return MergeTenant(**fields)  # type: ignore[arg-type]


@pytest.fixture
def signed_store(store_maker: StoreMaker, tmp_path: Path) -> Store:
    """A store whose deployment has a signing key (the closing checkpoint is signed)."""
    key = tmp_path / "signing.pem"
    generate_key(key)
    return store_maker(signing_key_file=key)


@pytest.fixture
def handlers(signed_store: Store) -> Handlers:
    """Two provincial tenants with the same small tree (their codes collide): bloc KDN →
    grassroots committee DU → branch CB1. The source has a case with its branch's resolution
    (HS-1), an admitted member (HS-2, recognised in 2026, after the merge date) and a rejected
    case (HS-3); the target has a case HS-1 of its own."""
    h = Handlers(signed_store, today=lambda: TODAY)
    for principal in (SOURCE, TARGET):
        h.create_tenant(
            OPERATOR, principal.tenant, principal.tenant.upper(), "provincial_committee"
        )
        for unit in bloc_tree(("CB1", "Chi bộ 1")):
            h.handle(principal, unit)
    h.handle(SOURCE, ReportHeadcount(code="CB1", members=15, occurred_on=date(2025, 1, 1)))
    steps: list[Command] = [
        *walk("HS-1", Stage.BRANCH_RESOLVED, steps=DOSSIER_2025, documents=doc),
        *walk("HS-2", Stage.FULL_MEMBER, steps=DOSSIER_2025, documents=doc),
        *walk("HS-3", Stage.SYMPATHIZER, steps=DOSSIER_2025),
        RejectCandidate(
            case_code="HS-3",
            occurred_on=date(2024, 1, 8),
            reason=ExitReason.NOT_QUALIFIED,
            explanation="Không đủ tiêu chuẩn",
        ),
    ]
    for step in steps:
        h.handle(SOURCE, step)
    for command in walk("HS-1", Stage.SYMPATHIZER, steps=DOSSIER_2025):
        h.handle(TARGET, command)
    return h


def case(h: Handlers, tenant: str, code: str) -> Candidate:
    app = h.store.app(tenant, write=False)
    return app.get(ids.candidate_id(tenant, code), Candidate)


def test_a_merged_tenant_is_closed_and_its_open_units_and_cases_go_on_in_the_target(
    handlers: Handlers,
) -> None:
    """Merged from 1/7/2025: the target has the source's tree under its bloc (codes prefixed
    where they collide), the open cases at their stages with their dossiers, not the closed
    one; the source is merged (nothing more recorded) and its history is intact."""
    h = handlers
    seen: list[str] = []
    summary = run_merge(h, OPERATOR, merge(), progress=lambda p: seen.append(p.phase))

    assert (summary.units, summary.cases) == (3, 2)
    assert set(summary.collisions) == {"KDN", "DU", "CB1", "HS-1"}
    assert seen[0] == "units"
    assert seen[-1] == "completed"
    assert summary.source.merged_into == "hcm"
    assert summary.source.merged_on == MERGED_ON
    assert summary.source.disabled

    target = h.store.app("hcm", write=False)
    branch = target.get(ids.unit_id("hcm", "brvt-CB1"), OrgUnit)
    assert branch.parent_id is not None
    committee = target.get(branch.parent_id, OrgUnit)
    assert committee.code == "brvt-DU"
    assert committee.parent_id is not None
    assert target.get(committee.parent_id, OrgUnit).parent_id == ids.unit_id("hcm", "KDN")
    assert branch.headcount_on(MERGED_ON) == 15
    assert branch.established_on == MERGED_ON

    resolved = case(h, "hcm", "brvt-HS-1")
    assert resolved.stage is Stage.BRANCH_RESOLVED
    assert resolved.unit_id == branch.id
    assert resolved.branch_resolution_on == DOSSIER_2025.branch_resolution
    assert len(resolved.sponsors) == 2
    assert resolved.verification_passed is True
    assert resolved.stage_timeline() == [(Stage.BRANCH_RESOLVED, MERGED_ON)]
    origin = resolved.merged_from
    assert origin is not None
    assert origin.tenant == "brvt"
    assert origin.aggregate_id == ids.candidate_id("brvt", "HS-1")
    member = case(h, "hcm", "HS-2")
    assert member.stage is Stage.FULL_MEMBER
    # recorded in the source after the merge date: arrives on its last step, not before
    assert member.stage_timeline() == [(Stage.FULL_MEMBER, DOSSIER_2025.recognition_decision)]
    assert ids.candidate_id("hcm", "HS-3") not in target.repository
    assert case(h, "hcm", "HS-1").stage is Stage.SYMPATHIZER  # the target's own, untouched

    with pytest.raises(DomainError) as refused:
        h.handle(SOURCE, ReportHeadcount(code="CB1", members=16, occurred_on=date(2025, 8, 1)))
    assert refused.value.code == "TENANT_MERGED"
    assert "hcm" in refused.value.message_vi
    assert "01/07/2025" in refused.value.message_en
    with pytest.raises(DomainError) as enable:
        h.handle_platform(OPERATOR, EnableTenant(slug="brvt", reason="mở lại"))
    assert enable.value.code == "TENANT_MERGED"
    assert [e.change.value for e in h.store.registry.history("brvt")][-1] == "merged"


def test_the_source_chain_is_closed_by_a_signed_checkpoint_the_target_refers_to(
    handlers: Handlers,
) -> None:
    """The source's last event says where it went; its chain verifies against the signed
    closing checkpoint; the target's reception records that checkpoint's position and hash."""
    h = handlers
    summary = run_merge(h, OPERATOR, merge())
    source = h.store.app("brvt", write=False)
    closing = source.get(ids.closing_id("brvt"), MergeClosing)
    assert (closing.into, closing.effective_on) == ("hcm", MERGED_ON)
    assert source.recorder.max_notification_id() == summary.checkpoint_position

    reception = h.store.app("hcm", write=False).get(ids.reception_id("hcm", "brvt"), MergeReception)
    assert reception.completed
    checkpoint = reception.checkpoint
    result = verify_tenant(h.store, "brvt")
    assert result.first_break is None
    assert (result.head_position, result.head_hash) == (checkpoint.position, checkpoint.head_hash)
    assert summary.checkpoint_head_hash == checkpoint.head_hash


def test_a_case_received_by_merge_goes_on_with_the_same_deadlines_and_counts_in_the_target(
    handlers: Handlers,
) -> None:
    """Received at the branch's resolution of 6/5/2025: the committee resolves and the
    admission is decided in the target within 60 working days of that resolution, and the
    decision is the target's admission; the member admitted at the source is not."""
    h = handlers
    run_merge(h, OPERATOR, merge())
    h.handle(
        TARGET,
        RecordCommitteeResolution(
            case_code="brvt-HS-1",
            committee_members=9,
            votes_for=7,
            occurred_on=date(2025, 7, 10),
            document=doc("8-KNĐ", date(2025, 7, 10)),
        ),
    )
    h.handle(
        TARGET,
        RecordAdmissionDecision(
            case_code="brvt-HS-1",
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            occurred_on=date(2025, 7, 20),
            document=doc("9-KNĐ", date(2025, 7, 20)),
        ),
    )
    assert case(h, "hcm", "brvt-HS-1").stage is Stage.DECIDED
    with pytest.raises(DomainError) as late:
        h.handle(
            TARGET,
            RecordAdmissionDecision(
                case_code="brvt-HS-1",
                decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
                occurred_on=date(2025, 7, 21),
                document=doc("9-KNĐ", date(2025, 7, 21)),
            ),
        )
    assert late.value.code == "STEP_OUT_OF_ORDER"


def test_a_merge_that_failed_half_way_resumes_without_losing_or_doubling_anything(
    handlers: Handlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the units arrived: the re-run moves the cases, once."""
    h = handlers

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(tenant_merge._MergeRun, "move_cases", broken)
    with pytest.raises(RuntimeError):
        run_merge(h, OPERATOR, merge())
    assert h.store.registry.get("brvt").merged_into == "hcm"
    monkeypatch.undo()

    summary = run_merge(h, OPERATOR, merge())
    assert (summary.units, summary.cases) == (3, 2)
    again = run_merge(h, OPERATOR, merge())  # complete: answers the same summary
    assert (again.units, again.cases, again.collisions) == (3, 2, summary.collisions)
    target = h.store.app("hcm", write=False)
    units = target.get(ids.reception_id("hcm", "brvt"), MergeReception).units
    assert len(units) == 3


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"into": "brvt"}, "TENANT_MERGE_INTO_ITSELF"),
        ({"into": "nowhere"}, "TENANT_NOT_FOUND"),
        ({"slug": "nowhere"}, "TENANT_NOT_FOUND"),
        ({"effective_on": date(2027, 1, 1)}, "DATE_IN_FUTURE"),
        ({"under_unit": "NONE"}, "NOT_FOUND"),
        ({"under_unit": "CB1"}, "UNIT_PARENT_KIND_INVALID"),
    ],
)
def test_a_merge_that_cannot_happen_is_refused_bilingually_and_closes_nothing(
    handlers: Handlers, changes: dict[str, object], code: str
) -> None:
    """Into itself, unknown tenants, a date to come, a unit the source's root cannot sit
    under: refused in Vietnamese and English; the source stays open."""
    h = handlers
    with pytest.raises(DomainError) as refused:
        run_merge(h, OPERATOR, merge(**changes))
    error = refused.value
    codes = {error.code, *(v.code for v in getattr(error, "violations", []))}
    assert code in codes
    assert error.message_vi
    assert error.message_en
    assert h.store.registry.get("brvt").merged_into is None
    assert ids.closing_id("brvt") not in h.store.app("brvt", write=False).repository


def test_a_merge_into_a_disabled_or_merged_tenant_is_refused(handlers: Handlers) -> None:
    """A disabled target is refused; once merged, neither tenant can be merged again elsewhere."""
    h = handlers
    h.handle_platform(OPERATOR, DisableTenant(slug="hcm", reason="khóa"))
    with pytest.raises(DomainError) as disabled:
        run_merge(h, OPERATOR, merge())
    assert disabled.value.code == "TENANT_DISABLED"
    h.handle_platform(OPERATOR, EnableTenant(slug="hcm", reason="mở"))
    run_merge(h, OPERATOR, merge())
    h.create_tenant(OPERATOR, "other", "Other", "other")
    with pytest.raises(DomainError) as merged:
        run_merge(h, OPERATOR, merge(slug="other", into="brvt"))
    assert merged.value.code == "TENANT_MERGED"


def test_progress_is_told_for_every_unit_and_batch(handlers: Handlers) -> None:
    """The operator hears where a long merge stands."""
    states: list[tuple[str, int, int]] = []

    def hear(p: MergeProgress) -> None:
        states.append((p.phase, p.units, p.cases))

    run_merge(handlers, OPERATOR, merge(), progress=hear)
    assert ("units", 3, 0) in states
    assert ("cases", 3, 2) in states


MERGE_ARGS = [
    "tenants",
    "merge",
    "brvt",
    "--into",
    "hcm",
    "--on",
    "2025-07-01",
    "--under-unit",
    "KDN",
    "--doc-number",
    "202/2025/QH15",
    "--doc-date",
    "2025-06-12",
    "--doc-issuer",
    "Quốc hội",
    "--reason",
    "Hợp nhất tỉnh",
]


def test_the_operator_merges_from_the_command_line(handlers: Handlers) -> None:
    """``ketnap tenants merge``: refused bilingually without a signing key; with the
    deployment's key, prints progress and the summary; the list shows the merge."""
    settings = handlers.store.settings
    without_key = SettingsCliRunner(replace(settings, signing_key_file=None))
    refused = without_key.invoke(main, MERGE_ARGS)
    assert refused.exit_code == 2
    assert "AUDIT_KEY_NOT_CONFIGURED" in refused.output
    assert handlers.store.registry.get("brvt").merged_into is None

    cli = SettingsCliRunner(settings)
    merged = cli.invoke(main, MERGE_ARGS)
    assert merged.exit_code == 0, merged.output
    assert "brvt → hcm (01/07/2025): 3 đơn vị / units, 2 hồ sơ / cases" in merged.output
    listed = cli.invoke(main, ["tenants", "list"])
    assert "merged into hcm 01/07/2025" in listed.output
