"""The tests' one walk: the commands that take a case from discovery to a stage.

:func:`walk` returns the same command objects the API, the CLI and the demo build, in the order
of the procedure, dated by a :class:`Steps`; a test hands them to the handlers
(``for c in walk(...): h.handle(p, c)``) and overrides only what it is about: the dates, the
unit, the person, the sponsors, the documents, a vote, the deciding committee.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.candidates import Stage
from domain.classifications import Ethnicity, Religion
from domain.commands import (
    AddSponsor,
    AddToSympathizerList,
    CaseCommand,
    DeclareYouthUnionOrganisation,
    DiscoverCandidate,
    EstablishUnit,
    HoldAdmissionCeremony,
    RecordAdmissionDecision,
    RecordAwarenessCertificate,
    RecordBackgroundVerification,
    RecordBranchResolution,
    RecordComments,
    RecordCommitteeResolution,
    RecordNewMemberClass,
    RecordRecognitionDecision,
    RecordRecognitionDocument,
    RecordRecognitionVote,
    SubmitApplication,
    UnitChange,
)
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, RecognitionForm, Sponsor
from domain.values import (
    DocumentRef,
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PersonProfile,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    WorkplaceType,
)

#: Makes the document of a step from its form (``"6-KNĐ"``) and date.
Documents = Callable[[str, date], DocumentRef]


def issued_by(issuer: str) -> Documents:
    """Documents of ``issuer``, numbered after their form and date (``6-KNĐ-20250602``)."""

    def document(kind: str, on: date) -> DocumentRef:
        return DocumentRef(kind, f"{kind}-{on:%Y%m%d}", on, issuer)

    return document


#: A document of form ``kind`` dated ``on``, issued by the branch: ``doc(kind, on)``.
doc: Documents = issued_by("Chi bộ")


def person(
    name: str = "Nguyễn Thị Lan", born: date = date(1996, 4, 12), **changes: Any
) -> PersonProfile:
    """A candidate's profile: a Kinh woman without religion, upper-secondary schooling, a worker
    without a degree or political training, in neither union (unless ``changes`` say)."""
    return dataclasses.replace(
        PersonProfile(
            full_name=name,
            birth_date=born,
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.KINH,
            religion=Religion.NONE,
            education=EducationLevel.UPPER_SECONDARY,
            professional_level=ProfessionalLevel.NONE,
            political_theory=PoliticalTheoryLevel.NONE,
            occupation=Occupation.WORKER,
            workplace_type=WorkplaceType.OTHER,
            is_youth_union_member=False,
            is_trade_union_member=False,
        ),
        **changes,
    )


#: The facts of :func:`person` every ``PersonInput`` must give, as a GraphQL client writes them
#: (variables: enum names as strings).
PERSON_FACTS: dict[str, Any] = {
    "ethnicity": "KINH",
    "religion": "NONE",
    "education": "UPPER_SECONDARY",
    "professionalLevel": "NONE",
    "politicalTheory": "NONE",
    "occupation": "WORKER",
    "workplaceType": "OTHER",
    "youthUnionMember": False,
    "tradeUnionMember": False,
}


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
    new_member_class: date = date(2025, 10, 1)
    recognition_vote: date = date(2026, 7, 20)
    recognition_decision: date = date(2026, 8, 3)


STEPS = Steps()

#: A case found in autumn 2023, certified in March 2024, its dossier complete in April 2025.
DOSSIER_2025 = Steps(
    discovered=date(2023, 10, 2),
    sympathizer=date(2023, 11, 6),
    certificate=date(2024, 3, 1),
    application=date(2025, 3, 3),
    sponsors=date(2025, 3, 10),
    verification=date(2025, 4, 15),
    comments=date(2025, 4, 20),
    branch_resolution=date(2025, 5, 6),
    committee_resolution=date(2025, 5, 20),
    decision=date(2025, 6, 16),
    decision_received=date(2025, 6, 18),
    ceremony=date(2025, 7, 2),
    new_member_class=date(2025, 10, 1),
    recognition_vote=date(2026, 7, 10),
    recognition_decision=date(2026, 7, 30),
)


@dataclass(frozen=True)
class Vote:
    """A vote: the members entitled to vote and those in favour."""

    members: int
    votes_for: int


SPONSORS = (full_member("DV1"), full_member("DV2"))
#: The recognition dossier the branch considers before its vote (10-, 11-, 12-KNĐ).
RECOGNITION_PAPERS = (
    RecognitionForm.SELF_REVIEW,
    RecognitionForm.HELPER_COMMENT,
    RecognitionForm.COMMENTS_SUMMARY,
)
_ORDER = list(Stage)


def walk(
    code: str,
    until: Stage,
    *,
    after: Stage | None = None,
    steps: Steps = STEPS,
    unit_code: str = "CB1",
    who: PersonProfile | None = None,
    introduced_by: MassOrganization = MassOrganization.BRANCH,
    discovery_document: DocumentRef | None = None,
    documents: Documents = doc,
    sponsors: Sequence[Sponsor] = SPONSORS,
    branch_vote: Vote = Vote(12, 9),
    committee_vote: Vote | None = Vote(9, 7),
    decided_by: AdmissionAuthority = AdmissionAuthority.GRASSROOTS_COMMITTEE,
    recognition_vote: Vote = Vote(12, 12),
) -> list[CaseCommand]:
    """The commands that open case ``code`` and take it, step by step, to ``until`` (or, with
    ``after``, go on from that stage of an existing case). ``committee_vote=None`` skips the
    committee's resolution (a grassroots branch has none)."""
    reach = _ORDER.index(until)
    if reach > _ORDER.index(Stage.FULL_MEMBER):
        raise ValueError(f"{until} is an exit, not a stage a walk reaches")
    done = -1 if after is None else _ORDER.index(after)

    def wants(stage: Stage) -> bool:
        return done < _ORDER.index(stage) <= reach

    s = steps
    commands: list[CaseCommand] = []
    if wants(Stage.DISCOVERED):
        commands.append(
            DiscoverCandidate(
                case_code=code,
                unit_code=unit_code,
                person=who or person(),
                occurred_on=s.discovered,
                introduced_by=introduced_by,
                document=discovery_document,
            )
        )
    if wants(Stage.SYMPATHIZER):
        commands.append(AddToSympathizerList(case_code=code, occurred_on=s.sympathizer))
    if wants(Stage.AWARENESS_TRAINED):
        commands.append(
            RecordAwarenessCertificate(
                case_code=code,
                occurred_on=s.certificate,
                document=documents("GCN", s.certificate),
            )
        )
    if wants(Stage.APPLIED):
        commands.append(
            SubmitApplication(
                case_code=code,
                occurred_on=s.application,
                document=documents("1-KNĐ", s.application),
                personal_history=documents("2-KNĐ", s.application),
            )
        )
    if wants(Stage.SPONSORED):
        commands += [
            AddSponsor(
                case_code=code,
                sponsor=sponsor,
                occurred_on=s.sponsors,
                document=documents("3-KNĐ", s.sponsors),
            )
            for sponsor in sponsors
        ]
    if wants(Stage.VERIFIED):
        commands += [
            RecordBackgroundVerification(
                case_code=code,
                passed=True,
                conclusion="Đạt",
                occurred_on=s.verification,
                document=documents("KL", s.verification),
            ),
            RecordComments(
                case_code=code,
                source="Công đoàn cơ sở",
                occurred_on=s.comments,
                document=documents("5-KNĐ", s.comments),
            ),
        ]
    if wants(Stage.BRANCH_RESOLVED):
        commands.append(
            RecordBranchResolution(
                case_code=code,
                official_members=branch_vote.members,
                votes_for=branch_vote.votes_for,
                occurred_on=s.branch_resolution,
                document=documents("6-KNĐ", s.branch_resolution),
            )
        )
    if wants(Stage.COMMITTEE_RESOLVED) and committee_vote is not None:
        commands.append(
            RecordCommitteeResolution(
                case_code=code,
                committee_members=committee_vote.members,
                votes_for=committee_vote.votes_for,
                occurred_on=s.committee_resolution,
                document=documents("8-KNĐ", s.committee_resolution),
            )
        )
    if wants(Stage.DECIDED):
        commands.append(
            RecordAdmissionDecision(
                case_code=code,
                decided_by=decided_by,
                occurred_on=s.decision,
                document=documents("9-KNĐ", s.decision),
            )
        )
    if wants(Stage.PROBATIONARY):
        commands.append(
            HoldAdmissionCeremony(
                case_code=code,
                occurred_on=s.ceremony,
                decision_received_on=s.decision_received,
            )
        )
    if wants(Stage.RECOGNITION_VOTED):
        commands += [
            RecordNewMemberClass(
                case_code=code,
                occurred_on=s.new_member_class,
                document=documents("GCN", s.new_member_class),
            ),
            *(
                RecordRecognitionDocument(
                    case_code=code,
                    form=form,
                    occurred_on=s.recognition_vote,
                    document=documents(form.value, s.recognition_vote),
                )
                for form in RECOGNITION_PAPERS
            ),
            RecordRecognitionVote(
                case_code=code,
                official_members=recognition_vote.members,
                votes_for=recognition_vote.votes_for,
                occurred_on=s.recognition_vote,
                document=documents("NQ", s.recognition_vote),
            ),
        ]
    if wants(Stage.FULL_MEMBER):
        if committee_vote is not None:  # under a grassroots committee: its resolution, 15-KNĐ
            commands.append(
                RecordRecognitionDocument(
                    case_code=code,
                    form=RecognitionForm.GRASSROOTS_RESOLUTION,
                    occurred_on=s.recognition_vote,
                    document=documents("15-KNĐ", s.recognition_vote),
                )
            )
        commands.append(
            RecordRecognitionDecision(
                case_code=code,
                occurred_on=s.recognition_decision,
                document=documents("QĐ", s.recognition_decision),
            )
        )
    return commands


def bloc_tree(*branches: tuple[str, str], on: date = date(2015, 1, 1)) -> list[UnitChange]:
    """The tests' tree: the bloc KDN → grassroots committee DU (which decides admissions, and
    has declared it has no Youth Union organisation, so two members sponsor any candidate) →
    the ``branches`` given as (code, name), all established on ``on``."""
    return [
        EstablishUnit(
            code="KDN",
            name="Đảng bộ Khối",
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=on,
        ),
        EstablishUnit(
            code="DU",
            name="Đảng bộ Công ty Điện lực",
            kind=UnitKind.GRASSROOTS_COMMITTEE,
            parent_code="KDN",
            occurred_on=on,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        ),
        DeclareYouthUnionOrganisation(code="DU", present=False, occurred_on=on),
        *(
            EstablishUnit(
                code=code, name=name, kind=UnitKind.BRANCH, parent_code="DU", occurred_on=on
            )
            for code, name in branches
        ),
    ]
