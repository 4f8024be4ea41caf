"""Scripted histories for the candidate read-model tests.

A small tree (bloc committee → grassroots committee DU → branches CB1, CB2) and cases taken
step by step through the command handlers (the commands of :func:`tests.walks.walk`) on
the dates of :data:`tests.walks.STEPS`. For cohorts of a
hundred cases and more, :func:`bulk_cases` runs the same domain methods and saves every case
in one transaction, then lets the projections catch up once (the handlers' per-command
round-trips and inline projection would make such a test slow, and add nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain import ids
from domain.candidates import Candidate, Stage
from domain.rules import AdmissionAuthority
from domain.values import MassOrganization, PersonProfile
from domain.working_days import WorkingCalendar
from service.commands import CommandResult
from tests.projections.conftest import ORGANIZER, TENANT, World
from tests.walks import STEPS, Steps, bloc_tree, doc, full_member, person, walk


def unit(code: str) -> str:
    """The raw id (as stored in read models) of unit ``code``."""
    return str(ids.unit_id(TENANT, code))


def case_id(code: str) -> str:
    """The id of case ``code``."""
    return str(ids.candidate_id(TENANT, code))


def establish_tree(world: World) -> None:
    """KDN (the bloc) → DU (grassroots committee, decides admissions) → branches CB1, CB2."""
    for command in bloc_tree(("CB1", "Chi bộ CB1"), ("CB2", "Chi bộ CB2")):
        world.handlers.handle(world.principal, command)


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
    result: CommandResult | None = None
    for command in walk(
        code,
        until,
        after=after,
        steps=steps,
        unit_code=unit_code,
        who=who,
        introduced_by=introduced_by,
    ):
        result = world.handlers.handle(world.principal, command)
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
