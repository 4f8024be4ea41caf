"""The cast and the paperwork of the domain tests: one tenant, its people, its documents, and a
candidate taken through the procedure to any stage on the dates of one story.

The story: Nguyễn Văn An, a Youth Union member working at a provincial power company, is found by
the technical department's branch in March 2023, admitted at a ceremony on 5 January 2024 and
recognised as a full member from 5 January 2025, the end of his twelve months of probation.
The company has no grassroots Youth Union organisation of its own (its young workers are in the
bloc's Youth Union), so two full members sponsor him (Charter Art. 4).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate

from domain.candidates import Candidate, Stage
from domain.classifications import Ethnicity, Religion
from domain.ids import candidate_id, unit_id
from domain.rules import AdmissionAuthority, PriorMembership, RecognitionForm, Sponsor
from domain.values import (
    Actor,
    DocumentRef,
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PersonProfile,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    Role,
    WorkplaceType,
)
from domain.working_days import WorkingCalendar, add_months

TENANT = "dang-uy-khoi-doanh-nghiep-tinh"
BRANCH = "Chi bộ Phòng Kỹ thuật"
GRASSROOTS_COMMITTEE = "Đảng ủy Công ty Điện lực tỉnh"
SUPERIOR_COMMITTEE = "Ban Thường vụ Đảng ủy Khối Doanh nghiệp tỉnh"
PROVINCIAL_STANDING_COMMITTEE = "Ban Thường vụ Tỉnh ủy"

BRANCH_ID = unit_id(TENANT, "CB-KT")
OTHER_BRANCH_ID = unit_id(TENANT, "CB-KD")

ORGANIZER = Actor("organizer.lan", Role.ORGANIZER)
SECRETARY = Actor("secretary.hung", Role.BRANCH_SECRETARY)

CALENDAR = WorkingCalendar()
"""The national calendar: weekends and public holidays (Tết included) are not working days."""

AN = PersonProfile(
    full_name="Nguyễn Văn An",
    birth_date=date(1998, 5, 10),
    gender=Gender.MALE,
    ethnicity=Ethnicity.KINH,
    religion=Religion.NONE,
    education=EducationLevel.UPPER_SECONDARY,
    professional_level=ProfessionalLevel.COLLEGE,
    political_theory=PoliticalTheoryLevel.NONE,
    occupation=Occupation.WORKER,
    workplace_type=WorkplaceType.STATE_ENTERPRISE,
    is_youth_union_member=True,
    is_trade_union_member=True,
)

BINH = Sponsor(
    member_id="DV-0457",
    full_name="Trần Thị Bình",
    full_member_since=date(2012, 8, 19),
    together_since=date(2019, 1, 2),
)
CUONG = Sponsor(
    member_id="DV-0912",
    full_name="Lê Văn Cường",
    full_member_since=date(2015, 3, 2),
    together_since=date(2020, 7, 1),
)


@dataclass(frozen=True)
class Story:
    """The business dates of each step of one candidate's case."""

    discovered: date = date(2023, 3, 6)
    sympathizer: date = date(2023, 3, 20)
    helper: date = date(2023, 3, 21)
    awareness_certificate: date = date(2023, 6, 15)
    application: date = date(2023, 9, 4)
    sponsor_letters: date = date(2023, 9, 11)
    residence_comments: date = date(2023, 10, 2)
    youth_union_comments: date = date(2023, 10, 4)
    verification: date = date(2023, 10, 16)
    branch_resolution: date = date(2023, 11, 6)
    committee_resolution: date = date(2023, 11, 20)
    admission_decision: date = date(2023, 12, 15)
    decision_received: date = date(2023, 12, 18)
    ceremony: date = date(2024, 1, 5)
    new_member_class: date = date(2024, 4, 10)
    recognition_vote: date = date(2025, 1, 10)
    recognition_decision: date = date(2025, 2, 10)

    def shifted(self, **dates: date) -> Story:
        """The same story with some steps on other dates."""
        return dataclasses.replace(self, **dates)

    def months_later(self, months: int) -> Story:
        """The same story told ``months`` later (every step the same day of a later month)."""
        return Story(
            **{
                step.name: add_months(getattr(self, step.name), months)
                for step in dataclasses.fields(self)
            }
        )


STORY = Story()


def document(
    kind: str, on: date, *, issuer: str = BRANCH, number: str | None = None
) -> DocumentRef:
    """A document of form ``kind`` issued on ``on``; its number is made up from the form."""
    return DocumentRef(
        kind=kind, number=number or f"{kind}/{on:%Y%m%d}", issued_on=on, issuer=issuer
    )


def consent(on: date, *, issuer: str = PROVINCIAL_STANDING_COMMITTEE) -> DocumentRef:
    """A written consent (văn bản đồng ý) of a higher committee."""
    return document("Văn bản đồng ý", on, issuer=issuer)


def born(birth_date: date, **changes: Any) -> PersonProfile:
    """Nguyễn Văn An, born on another day (and otherwise changed as asked)."""
    return dataclasses.replace(AN, birth_date=birth_date, **changes)


def discovered(
    *,
    person: PersonProfile = AN,
    on: date = STORY.discovered,
    case_code: str = "QC-2023-001",
    prior_membership: PriorMembership | None = None,
) -> Candidate:
    """A case opened by the branch, which found the person itself."""
    return Candidate.discover(
        id=candidate_id(TENANT, case_code),
        tenant=TENANT,
        actor=SECRETARY,
        occurred_on=on,
        case_code=case_code,
        unit_id=BRANCH_ID,
        unit_admits_candidates=True,
        person=person,
        introduced_by=MassOrganization.BRANCH,
        prior_membership=prior_membership,
    )


def candidate_at(
    stage: Stage,
    *,
    person: PersonProfile = AN,
    story: Story = STORY,
    prior_membership: PriorMembership | None = None,
    committee_resolution_required: bool = True,
    case_code: str = "QC-2023-001",
) -> Candidate:
    """A candidate taken through the procedure, step by step on ``story``'s dates, to ``stage``.

    Only stages on the road to full membership can be reached this way; exits are tested on the
    candidate this returns.
    """
    candidate = discovered(
        person=person,
        on=story.discovered,
        case_code=case_code,
        prior_membership=prior_membership,
    )
    while candidate.stage is not stage:
        if candidate.stage not in _NEXT_STEP:
            raise AssertionError(f"{stage} cannot be reached on the road to full membership")
        _NEXT_STEP[candidate.stage](candidate, story, committee_resolution_required)
    return candidate


def _sympathize(candidate: Candidate, story: Story, _: bool) -> None:
    candidate.add_to_sympathizer_list(
        actor=SECRETARY,
        occurred_on=story.sympathizer,
        document=document("Nghị quyết chi bộ", story.sympathizer),
    )
    candidate.assign_helper(actor=SECRETARY, occurred_on=story.helper, member_name=BINH.full_name)


def _train(candidate: Candidate, story: Story, _: bool) -> None:
    candidate.record_awareness_certificate(
        actor=ORGANIZER,
        occurred_on=story.awareness_certificate,
        document=document(
            "Giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng",
            story.awareness_certificate,
            issuer="Trung tâm Chính trị",
        ),
    )


def _apply(candidate: Candidate, story: Story, _: bool) -> None:
    candidate.submit_application(
        actor=SECRETARY,
        occurred_on=story.application,
        document=document("1-KNĐ", story.application, issuer=candidate.person.full_name),
        personal_history=document("2-KNĐ", story.application, issuer=candidate.person.full_name),
    )


def _sponsor(candidate: Candidate, story: Story, _: bool) -> None:
    for sponsor in (BINH, CUONG):
        candidate.add_sponsor(
            actor=SECRETARY,
            occurred_on=story.sponsor_letters,
            sponsor=sponsor,
            document=document("3-KNĐ", story.sponsor_letters, issuer=sponsor.full_name),
            youth_union_organisation=False,
        )


def _verify(candidate: Candidate, story: Story, _: bool) -> None:
    candidate.record_comments(
        actor=SECRETARY,
        occurred_on=story.residence_comments,
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", story.residence_comments, issuer="Chi bộ khu dân cư số 3"),
    )
    candidate.record_comments(
        actor=SECRETARY,
        occurred_on=story.youth_union_comments,
        source="Đoàn Thanh niên Công ty",
        document=document("5-KNĐ", story.youth_union_comments, issuer="Đoàn Thanh niên Công ty"),
    )
    candidate.record_background_verification(
        actor=ORGANIZER,
        occurred_on=story.verification,
        passed=True,
        conclusion="Lịch sử chính trị của bản thân và gia đình rõ ràng.",
        document=document("Kết luận thẩm tra", story.verification, issuer=GRASSROOTS_COMMITTEE),
    )


def _resolve_in_branch(candidate: Candidate, story: Story, committee_required: bool) -> None:
    readmission = candidate.prior_membership is not None
    candidate.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=story.branch_resolution,
        official_members=9,
        votes_for=8,
        document=document("6-KNĐ", story.branch_resolution),
        committee_resolution_required=committee_required,
        readmission_consent=consent(story.branch_resolution) if readmission else None,
        youth_union_organisation=False,
    )


def _resolve_in_committee_or_decide(candidate: Candidate, story: Story, _: bool) -> None:
    if not candidate.committee_resolution_required:
        _decide(candidate, story, _)
        return
    candidate.record_committee_resolution(
        actor=ORGANIZER,
        occurred_on=story.committee_resolution,
        committee_members=9,
        votes_for=7,
        document=document("8-KNĐ", story.committee_resolution, issuer=GRASSROOTS_COMMITTEE),
    )


def _decide(candidate: Candidate, story: Story, _: bool) -> None:
    candidate.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=story.admission_decision,
        decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", story.admission_decision, issuer=GRASSROOTS_COMMITTEE),
    )


def _admit(candidate: Candidate, story: Story, _: bool) -> None:
    candidate.hold_admission_ceremony(
        actor=SECRETARY,
        occurred_on=story.ceremony,
        decision_received_on=story.decision_received,
        calendar=CALENDAR,
        document=document("Biên bản lễ kết nạp", story.ceremony),
    )


def _recommend_recognition(candidate: Candidate, story: Story, _: bool) -> None:
    if candidate.new_member_class is None:
        candidate.record_new_member_class(
            actor=ORGANIZER,
            occurred_on=story.new_member_class,
            document=document(
                "Giấy chứng nhận lớp bồi dưỡng đảng viên mới",
                story.new_member_class,
                issuer="Trung tâm Chính trị",
            ),
        )
    record_recognition_papers(  # written in the last days of probation, before the meeting
        candidate,
        story.recognition_vote - timedelta(days=10),
        [f for f in RECOGNITION_PAPERS_BEFORE_THE_VOTE if f not in candidate.recognition_documents],
    )
    candidate.record_recognition_vote(
        actor=SECRETARY,
        occurred_on=story.recognition_vote,
        official_members=9,
        votes_for=8,
        calendar=CALENDAR,
        document=document("Nghị quyết đề nghị công nhận", story.recognition_vote),
    )


RECOGNITION_PAPERS_BEFORE_THE_VOTE = (
    RecognitionForm.SELF_REVIEW,
    RecognitionForm.HELPER_COMMENT,
    RecognitionForm.COMMENTS_SUMMARY,
)


def record_recognition_papers(
    candidate: Candidate,
    on: date,
    forms: Sequence[RecognitionForm] = RECOGNITION_PAPERS_BEFORE_THE_VOTE,
) -> None:
    """The papers of the recognition dossier (10-, 11-, 12-KNĐ by default), all dated ``on``."""
    for form in forms:
        candidate.record_recognition_document(
            actor=SECRETARY,
            occurred_on=on,
            form=form,
            document=document(form.value, on),
        )


def _recognize(candidate: Candidate, story: Story, committee_required: bool) -> None:
    if committee_required and RecognitionForm.GRASSROOTS_RESOLUTION not in (
        candidate.recognition_documents
    ):
        candidate.record_recognition_document(
            actor=ORGANIZER,
            occurred_on=story.recognition_decision,
            form=RecognitionForm.GRASSROOTS_RESOLUTION,
            document=document("15-KNĐ", story.recognition_decision, issuer=GRASSROOTS_COMMITTEE),
        )
    candidate.record_recognition_decision(
        actor=ORGANIZER,
        occurred_on=story.recognition_decision,
        calendar=CALENDAR,
        under_grassroots_committee=committee_required,
        document=document(
            "Quyết định công nhận", story.recognition_decision, issuer=GRASSROOTS_COMMITTEE
        ),
    )


_NEXT_STEP: dict[Stage, Callable[[Candidate, Story, bool], None]] = {
    Stage.DISCOVERED: _sympathize,
    Stage.SYMPATHIZER: _train,
    Stage.AWARENESS_TRAINED: _apply,
    Stage.APPLIED: _sponsor,
    Stage.SPONSORED: _verify,
    Stage.VERIFIED: _resolve_in_branch,
    Stage.BRANCH_RESOLVED: _resolve_in_committee_or_decide,
    Stage.COMMITTEE_RESOLVED: _decide,
    Stage.DECIDED: _admit,
    Stage.PROBATIONARY: _recommend_recognition,
    Stage.RECOGNITION_VOTED: _recognize,
}


AggregateT = TypeVar("AggregateT", bound=Aggregate)


def replayed(events: Sequence[CanMutateAggregate[UUID]], as_type: type[AggregateT]) -> AggregateT:
    """The aggregate rebuilt from its events alone, the way the event store rebuilds it."""
    aggregate: Any = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    assert isinstance(aggregate, as_type)
    return aggregate


def state(aggregate: Aggregate) -> dict[str, Any]:
    """What an aggregate knows, without its list of events waiting to be saved."""
    return {name: value for name, value in vars(aggregate).items() if name != "_pending_events"}


def stage_of(candidate: Candidate) -> Stage:
    """Where the case stands now, read afresh each time (so a test can follow it step by step)."""
    return candidate.stage


def last_event(aggregate: Aggregate) -> tuple[str, dict[str, Any]]:
    """The name and the attributes of the newest event waiting to be saved."""
    newest = aggregate.pending_events[-1]
    return type(newest).__name__, vars(newest)
