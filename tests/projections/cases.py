"""Scripted histories for the candidate read-model tests.

A small tree (bloc committee → grassroots committee DU → branches CB1, CB2) and cases taken
step by step through the command handlers on the dates of :data:`STEPS`. For cohorts of a
hundred cases and more, :func:`bulk_cases` runs the same domain methods and saves every case
in one transaction, then lets the projections catch up once (the handlers' per-command
round-trips and inline projection would make such a test slow, and add nothing).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain import ids
from domain.candidates import Candidate, Stage
from domain.commands import (
    AddSponsor,
    AddToSympathizerList,
    DiscoverCandidate,
    EstablishUnit,
    HoldAdmissionCeremony,
    RecordAdmissionDecision,
    RecordAwarenessCertificate,
    RecordBackgroundVerification,
    RecordBranchResolution,
    RecordComments,
    RecordCommitteeResolution,
    SubmitApplication,
)
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, Sponsor
from domain.values import DocumentRef, Gender, MassOrganization, PersonProfile
from domain.working_days import WorkingCalendar
from service.commands import CommandResult
from tests.projections.conftest import ORGANIZER, TENANT, World


def unit(code: str) -> str:
    """The raw id (as stored in read models) of unit ``code``."""
    return str(ids.unit_id(TENANT, code))


def case_id(code: str) -> str:
    """The id of case ``code``."""
    return str(ids.candidate_id(TENANT, code))


def doc(kind: str, on: date) -> DocumentRef:
    """A document of form ``kind`` dated ``on``."""
    return DocumentRef(kind, f"{kind}-{on:%Y%m%d}", on, "Chi bộ")


def person(
    name: str = "Nguyễn Thị Lan", born: date = date(1996, 4, 12), **changes: Any
) -> PersonProfile:
    """A candidate's profile."""
    return dataclasses.replace(PersonProfile(name, born, Gender.FEMALE), **changes)


def full_member(member_id: str) -> Sponsor:
    """An official member who has worked with the candidate for years."""
    return Sponsor(member_id, f"Đảng viên {member_id}", date(2010, 1, 1), date(2019, 1, 1))


@dataclass(frozen=True)
class Steps:
    """The business dates of one case's steps."""

    discovered: date = date(2025, 1, 6)
    sympathizer: date = date(2025, 2, 3)
    certificate: date = date(2025, 3, 3)
    application: date = date(2025, 4, 1)
    sponsors: date = date(2025, 4, 8)
    verification: date = date(2025, 5, 5)
    comments: date = date(2025, 5, 6)
    branch_resolution: date = date(2025, 6, 2)
    committee_resolution: date = date(2025, 6, 16)
    decision: date = date(2025, 7, 1)
    decision_received: date = date(2025, 7, 2)
    ceremony: date = date(2025, 7, 15)


STEPS = Steps()


def establish_tree(world: World) -> None:
    """KDN (the bloc) → DU (grassroots committee, decides admissions) → branches CB1, CB2."""
    h, p = world.handlers, world.principal
    on = date(2015, 1, 1)
    h.handle(
        p,
        EstablishUnit(
            code="KDN",
            name="Đảng bộ Khối",
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=on,
        ),
    )
    h.handle(
        p,
        EstablishUnit(
            code="DU",
            name="Đảng bộ Công ty Điện lực",
            kind=UnitKind.GRASSROOTS_COMMITTEE,
            parent_code="KDN",
            occurred_on=on,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        ),
    )
    for code in ("CB1", "CB2"):
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Chi bộ {code}",
                kind=UnitKind.BRANCH,
                parent_code="DU",
                occurred_on=on,
            ),
        )


_ORDER = list(Stage)


def take_case(
    world: World,
    code: str,
    until: Stage,
    *,
    steps: Steps = STEPS,
    unit_code: str = "CB1",
    who: PersonProfile | None = None,
    introduced_by: MassOrganization = MassOrganization.BRANCH,
    after: Stage | None = None,
) -> CommandResult | None:
    """Open case ``code`` and take it through the handlers, step by step, to ``until``
    (or, with ``after``, go on from that stage of an existing case)."""
    h, p = world.handlers, world.principal
    reach = _ORDER.index(until)
    result: CommandResult | None = None
    if after is None:
        result = h.handle(
            p,
            DiscoverCandidate(
                case_code=code,
                unit_code=unit_code,
                person=who or person(),
                occurred_on=steps.discovered,
                introduced_by=introduced_by,
            ),
        )
    done = -1 if after is None else _ORDER.index(after)

    def wants(stage: Stage) -> bool:
        return done < _ORDER.index(stage) <= reach

    if wants(Stage.SYMPATHIZER):
        result = h.handle(p, AddToSympathizerList(case_code=code, occurred_on=steps.sympathizer))
    if wants(Stage.AWARENESS_TRAINED):
        result = h.handle(
            p,
            RecordAwarenessCertificate(
                case_code=code,
                occurred_on=steps.certificate,
                document=doc("GCN", steps.certificate),
            ),
        )
    if wants(Stage.APPLIED):
        result = h.handle(
            p,
            SubmitApplication(
                case_code=code,
                occurred_on=steps.application,
                document=doc("1-KNĐ", steps.application),
                personal_history=doc("2-KNĐ", steps.application),
            ),
        )
    if wants(Stage.SPONSORED):
        for member in ("DV1", "DV2"):
            result = h.handle(
                p,
                AddSponsor(
                    case_code=code,
                    sponsor=full_member(member),
                    occurred_on=steps.sponsors,
                    document=doc("3-KNĐ", steps.sponsors),
                ),
            )
    if wants(Stage.VERIFIED):
        result = h.handle(
            p,
            RecordBackgroundVerification(
                case_code=code,
                passed=True,
                conclusion="Đạt",
                occurred_on=steps.verification,
                document=doc("KL", steps.verification),
            ),
        )
        result = h.handle(
            p,
            RecordComments(
                case_code=code,
                source="Công đoàn cơ sở",
                occurred_on=steps.comments,
                document=doc("5-KNĐ", steps.comments),
            ),
        )
    if wants(Stage.BRANCH_RESOLVED):
        result = h.handle(
            p,
            RecordBranchResolution(
                case_code=code,
                official_members=12,
                votes_for=9,
                occurred_on=steps.branch_resolution,
                document=doc("6-KNĐ", steps.branch_resolution),
            ),
        )
    if wants(Stage.COMMITTEE_RESOLVED):
        result = h.handle(
            p,
            RecordCommitteeResolution(
                case_code=code,
                committee_members=9,
                votes_for=7,
                occurred_on=steps.committee_resolution,
                document=doc("8-KNĐ", steps.committee_resolution),
            ),
        )
    if wants(Stage.DECIDED):
        result = h.handle(
            p,
            RecordAdmissionDecision(
                case_code=code,
                decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
                occurred_on=steps.decision,
                document=doc("9-KNĐ", steps.decision),
            ),
        )
    if wants(Stage.PROBATIONARY):
        result = h.handle(
            p,
            HoldAdmissionCeremony(
                case_code=code,
                occurred_on=steps.ceremony,
                decision_received_on=steps.decision_received,
            ),
        )
    return result


@dataclass(frozen=True)
class BulkCase:
    """One case of a cohort: code, unit, source, profile, and whether it is admitted."""

    code: str
    introduced_by: MassOrganization
    admitted: bool
    unit_code: str = "CB1"
    who: PersonProfile | None = None
    steps: Steps = STEPS


def bulk_cases(world: World, cases: list[BulkCase]) -> None:
    """Record ``cases`` in one save: discovered, and if ``admitted`` taken to the decision by
    the shortest road the rules allow (a Youth Union resolution plus one sponsor)."""
    app = world.store.app(world.principal.tenant, write=True)
    calendar = WorkingCalendar()
    made: list[Candidate] = []
    for case in cases:
        s = case.steps
        candidate = Candidate.discover(
            id=ids.candidate_id(TENANT, case.code),
            tenant=TENANT,
            actor=ORGANIZER,
            occurred_on=s.discovered,
            case_code=case.code,
            unit_id=UUID(unit(case.unit_code)),
            unit_admits_candidates=True,
            person=case.who or person(is_youth_union_member=True),
            introduced_by=case.introduced_by,
        )
        if case.admitted:
            _admit(candidate, s, calendar)
        made.append(candidate)
    app.save(*made)


def _admit(c: Candidate, s: Steps, calendar: WorkingCalendar) -> None:
    a = ORGANIZER
    c.add_to_sympathizer_list(actor=a, occurred_on=s.sympathizer)
    c.record_awareness_certificate(
        actor=a, occurred_on=s.certificate, document=doc("GCN", s.certificate)
    )
    c.submit_application(
        actor=a,
        occurred_on=s.application,
        document=doc("1-KNĐ", s.application),
        personal_history=doc("2-KNĐ", s.application),
    )
    c.add_sponsor(
        actor=a,
        occurred_on=s.sponsors,
        sponsor=full_member("DV1"),
        document=doc("3-KNĐ", s.sponsors),
    )
    c.record_union_introduction(
        actor=a,
        occurred_on=s.sponsors,
        organization=MassOrganization.YOUTH_UNION,
        document=doc("4-KNĐ", s.sponsors),
    )
    c.record_background_verification(
        actor=a,
        occurred_on=s.verification,
        passed=True,
        conclusion="Đạt",
        document=doc("KL", s.verification),
    )
    c.record_comments(
        actor=a, occurred_on=s.comments, source="Đoàn", document=doc("5-KNĐ", s.comments)
    )
    c.record_branch_resolution(
        actor=a,
        occurred_on=s.branch_resolution,
        official_members=12,
        votes_for=9,
        document=doc("6-KNĐ", s.branch_resolution),
        committee_resolution_required=False,
    )
    c.record_admission_decision(
        actor=a,
        occurred_on=s.decision,
        decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        calendar=calendar,
        document=doc("9-KNĐ", s.decision),
    )
