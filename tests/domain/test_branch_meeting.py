"""What the branch meeting (nghị quyết chi bộ, 6-KNĐ) and the grassroots committee (8-KNĐ) check,
on the meeting date: age, education, the awareness certificate, the age of the dossier's papers,
and at least two thirds in favour — each citing the regulation in force that day."""

from __future__ import annotations

from datetime import date

from domain.candidates import Candidate, Stage
from domain.errors import InvalidInput, RuleViolation, StageOrderError
from domain.rules import AdmissionAuthority, Over60Conditions, Over60Place
from domain.values import DocumentRef, EducationLevel, MassOrganization, SpecialArea
from tests.domain.builders import (
    BINH,
    CALENDAR,
    GRASSROOTS_COMMITTEE,
    ORGANIZER,
    SECRETARY,
    STORY,
    born,
    candidate_at,
    consent,
    document,
    last_event,
    stage_of,
)
from tests.domain.refusals import assert_refused

MEETING = STORY.branch_resolution  # Monday 6 November 2023
CENTRAL_LEVEL_STANDING_COMMITTEE = "Ban Thường vụ Tỉnh ủy (cấp ủy trực thuộc Trung ương)"
HEALTHY_RESPECTED_NO_PARTY = Over60Conditions(
    good_health=True, prestige=True, place=Over60Place.NO_PARTY_ORGANISATION
)


def _resolve(
    candidate: Candidate,
    *,
    on: date = MEETING,
    official_members: int = 9,
    votes_for: int = 8,
    special_area: SpecialArea | None = None,
    education_exception: DocumentRef | None = None,
    over_60_consent: DocumentRef | None = None,
    over_60_conditions: Over60Conditions | None = None,
    committee_resolution_required: bool = True,
) -> None:
    candidate.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=on,
        official_members=official_members,
        votes_for=votes_for,
        document=document("6-KNĐ", on),
        committee_resolution_required=committee_resolution_required,
        special_area=special_area,
        education_exception=education_exception,
        over_60_consent=over_60_consent,
        over_60_conditions=over_60_conditions,
        # the Youth Union introduced him only where it exists; else the company has none
        youth_union_organisation=candidate.union_introducer is MassOrganization.YOUTH_UNION,
    )


def _verified(birth_date: date = date(1998, 5, 10), **person: object) -> Candidate:
    return candidate_at(Stage.VERIFIED, person=born(birth_date, **person))


# --- age, 18 to 60 counted in months -------------------------------------------------------------


def test_a_candidate_aged_17_years_and_11_months_at_the_meeting_is_refused() -> None:
    an = _verified(date(2005, 12, 1))
    error = assert_refused(an, lambda: _resolve(an), "AGE_OUT_OF_RANGE", RuleViolation)
    assert "17 tuổi 11 tháng" in error.message_vi
    assert error.field == "person.birth_date"


def test_a_candidate_18_in_months_is_accepted_though_his_birthday_is_later_that_month() -> None:
    # Born 30 November 2005: on 6 November 2023 he is 18 years counted in months.
    an = _verified(date(2005, 11, 30))
    _resolve(an)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.exceptions == []


def test_a_candidate_60_in_months_is_accepted_without_consent() -> None:
    an = _verified(date(1963, 11, 25))
    _resolve(an)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.exceptions == []


def test_a_candidate_over_60_is_refused_without_the_consent_of_a_committee_under_the_centre() -> (
    None
):
    """01-HD/TW (2016, 2021) point 1.1: the standing committee of the committee directly under
    the Central Committee consents in writing — not a "provincial-level" committee."""
    an = _verified(date(1963, 10, 25))
    error = assert_refused(an, lambda: _resolve(an), "OVER_60_CONDITIONS_NOT_MET", RuleViolation)
    assert error.field == "over_60_consent"
    assert "trực thuộc Trung ương" in error.message_vi
    assert "tỉnh ủy" not in error.message_vi
    assert error.regulation is not None
    assert error.regulation.startswith("01-HD/TW ngày 28/09/2021")


def test_a_candidate_over_60_is_accepted_with_consent_and_the_consent_is_recorded() -> None:
    an = _verified(date(1963, 10, 25))
    centre_consent = consent(date(2023, 10, 30), issuer=CENTRAL_LEVEL_STANDING_COMMITTEE)
    _resolve(an, over_60_consent=centre_consent, over_60_conditions=HEALTHY_RESPECTED_NO_PARTY)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.exceptions == [centre_consent]
    assert an.over_60_conditions == HEALTHY_RESPECTED_NO_PARTY
    name, recorded = last_event(an)
    assert name == "BranchResolutionRecorded"
    assert recorded["exception_documents"] == [centre_consent]


# --- education --------------------------------------------------------------------------------------


def test_a_lower_secondary_diploma_is_enough() -> None:
    an = _verified(education=EducationLevel.LOWER_SECONDARY)
    _resolve(an)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_primary_education_is_refused() -> None:
    an = _verified(education=EducationLevel.PRIMARY)
    assert_refused(an, lambda: _resolve(an), "EDUCATION_INSUFFICIENT", RuleViolation)


def test_primary_education_in_a_mountain_area_is_accepted_with_the_exception_document() -> None:
    an = _verified(education=EducationLevel.PRIMARY)
    approval = document("Văn bản đồng ý", date(2023, 10, 25), issuer="Ban Tổ chức Tỉnh ủy")
    _resolve(an, special_area=SpecialArea.MOUNTAIN, education_exception=approval)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.exceptions == [approval]
    assert last_event(an)[1]["exception_documents"] == [approval]


def test_primary_education_in_a_special_area_without_the_exception_document_is_refused() -> None:
    an = _verified(education=EducationLevel.PRIMARY)
    error = assert_refused(
        an,
        lambda: _resolve(an, special_area=SpecialArea.ISLAND),
        "EDUCATION_INSUFFICIENT",
        RuleViolation,
    )
    assert error.field == "education_exception_document"


def test_no_schooling_is_refused_even_in_a_special_area() -> None:
    an = _verified(education=EducationLevel.NONE)
    approval = document("Văn bản đồng ý", date(2023, 10, 25), issuer="Ban Tổ chức Tỉnh ủy")
    assert_refused(
        an,
        lambda: _resolve(an, special_area=SpecialArea.BORDER, education_exception=approval),
        "EDUCATION_INSUFFICIENT",
        RuleViolation,
    )


def test_a_village_elder_without_schooling_is_accepted_with_provincial_approval() -> None:
    an = _verified(date(1965, 2, 1), education=EducationLevel.NONE)
    approval = consent(date(2023, 10, 25))
    _resolve(an, special_area=SpecialArea.VILLAGE_ELDER, education_exception=approval)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.exceptions == [approval]


def test_a_village_elder_without_provincial_approval_is_refused() -> None:
    an = _verified(date(1965, 2, 1), education=EducationLevel.NONE)
    assert_refused(
        an,
        lambda: _resolve(an, special_area=SpecialArea.VILLAGE_ELDER),
        "EDUCATION_INSUFFICIENT",
        RuleViolation,
    )


# --- the awareness certificate, valid 60 months ----------------------------------------------------

A_CASE_FROM_2018 = STORY.shifted(
    discovered=date(2018, 3, 5), sympathizer=date(2018, 3, 19), helper=date(2018, 3, 20)
)


def test_an_awareness_certificate_older_than_60_months_at_the_meeting_is_refused() -> None:
    an = candidate_at(
        Stage.VERIFIED, story=A_CASE_FROM_2018.shifted(awareness_certificate=date(2018, 11, 5))
    )
    error = assert_refused(an, lambda: _resolve(an), "AWARENESS_CERTIFICATE_EXPIRED", RuleViolation)
    assert "05/11/2023" in error.message_en


def test_an_awareness_certificate_on_its_last_valid_day_is_accepted() -> None:
    an = candidate_at(
        Stage.VERIFIED, story=A_CASE_FROM_2018.shifted(awareness_certificate=date(2018, 11, 6))
    )
    _resolve(an)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_certificate_earned_before_the_case_was_opened_counts_while_still_valid() -> None:
    # An attended the class at university in May 2021, two years before the branch found him.
    an = candidate_at(Stage.VERIFIED, story=STORY.shifted(awareness_certificate=date(2021, 5, 20)))
    assert an.awareness_certificate is not None
    assert an.awareness_certificate.issued_on < STORY.discovered
    _resolve(an)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_certificate_dated_before_the_candidate_was_born_is_refused() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    assert_refused(
        an,
        lambda: an.record_awareness_certificate(
            actor=ORGANIZER,
            occurred_on=date(1998, 5, 9),
            document=document("Giấy chứng nhận", date(1998, 5, 9)),
        ),
        "DATE_BEFORE_PREVIOUS_STEP",
    )


# --- papers older than 12 months are redone -------------------------------------------------------


def test_a_sponsor_letter_older_than_12_months_at_the_meeting_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED)  # the letters are of 11 September 2023
    error = assert_refused(
        an, lambda: _resolve(an, on=date(2024, 9, 12)), "DOSSIER_DOCUMENT_STALE", RuleViolation
    )
    assert "Trần Thị Bình" in error.message_en
    assert error.regulation is not None
    assert error.regulation.startswith("01-HD/TW")


def test_a_sponsor_letter_exactly_12_months_old_at_the_meeting_is_accepted() -> None:
    an = candidate_at(Stage.VERIFIED)
    _resolve(an, on=date(2024, 9, 11))
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_comment_summary_older_than_12_months_at_the_meeting_is_refused() -> None:
    an = candidate_at(Stage.SPONSORED)
    # The residents' comments were gathered for an earlier attempt, in October 2022.
    an.record_comments(
        actor=SECRETARY,
        occurred_on=STORY.residence_comments,
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", date(2022, 10, 31), issuer="Chi bộ khu dân cư số 3"),
    )
    _verify(an)
    error = assert_refused(an, lambda: _resolve(an), "DOSSIER_DOCUMENT_STALE", RuleViolation)
    assert "Chi ủy khu dân cư số 3" in error.message_vi


def test_a_youth_union_resolution_older_than_12_months_at_the_meeting_is_refused() -> None:
    an = candidate_at(Stage.APPLIED)
    an.record_union_introduction(
        actor=SECRETARY,
        occurred_on=STORY.sponsor_letters,
        organization=MassOrganization.YOUTH_UNION,
        document=document("4-KNĐ", date(2022, 10, 20), issuer="Đoàn Thanh niên Công ty"),
    )
    an.add_sponsor(
        actor=SECRETARY,
        occurred_on=STORY.sponsor_letters,
        sponsor=BINH,
        document=document("3-KNĐ", STORY.sponsor_letters, issuer=BINH.full_name),
    )
    an.record_comments(
        actor=SECRETARY,
        occurred_on=STORY.residence_comments,
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", STORY.residence_comments),
    )
    _verify(an)
    error = assert_refused(an, lambda: _resolve(an), "DOSSIER_DOCUMENT_STALE", RuleViolation)
    assert "union introducing resolution" in error.message_en


def _verify(candidate: Candidate) -> None:
    candidate.record_background_verification(
        actor=ORGANIZER,
        occurred_on=STORY.verification,
        passed=True,
        conclusion="Đạt",
        document=document("Kết luận thẩm tra", STORY.verification, issuer=GRASSROOTS_COMMITTEE),
    )


# --- votes: at least two thirds -------------------------------------------------------------------


def test_a_branch_resolution_with_exactly_two_thirds_in_favour_is_accepted() -> None:
    an = candidate_at(Stage.VERIFIED)
    _resolve(an, official_members=9, votes_for=6)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    name, recorded = last_event(an)
    assert (name, recorded["official_members"], recorded["votes_for"]) == (
        "BranchResolutionRecorded",
        9,
        6,
    )


def test_a_branch_vote_with_60_percent_agreement_is_recorded_as_a_failed_vote() -> None:
    an = candidate_at(Stage.VERIFIED)
    _resolve(an, official_members=10, votes_for=6)
    assert stage_of(an) is Stage.VERIFIED
    (failed,) = an.flags
    assert failed.code == "VOTE_BELOW_TWO_THIRDS"
    assert "6/10 (60.00%)" in failed.message_en


def test_a_branch_vote_with_5_of_9_in_favour_proposes_no_admission() -> None:
    an = candidate_at(Stage.VERIFIED)
    _resolve(an, official_members=9, votes_for=5)
    assert stage_of(an) is Stage.VERIFIED
    assert an.branch_resolution_on is None
    name, recorded = last_event(an)
    assert (name, recorded["votes_for"], recorded["attempt"]) == ("BranchVoteFailed", 5, 1)


def test_more_votes_in_favour_than_official_members_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an,
        lambda: _resolve(an, official_members=9, votes_for=10),
        "VOTE_COUNTS_INVALID",
        InvalidInput,
    )


def test_a_branch_with_no_official_members_cannot_vote() -> None:
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an,
        lambda: _resolve(an, official_members=0, votes_for=0),
        "VOTE_COUNTS_INVALID",
        InvalidInput,
    )


def _committee_resolves(candidate: Candidate, members: int, votes_for: int) -> None:
    candidate.record_committee_resolution(
        actor=ORGANIZER,
        occurred_on=STORY.committee_resolution,
        committee_members=members,
        votes_for=votes_for,
        document=document("8-KNĐ", STORY.committee_resolution, issuer=GRASSROOTS_COMMITTEE),
    )


def test_a_committee_resolution_with_exactly_two_thirds_in_favour_is_accepted() -> None:
    an = candidate_at(Stage.BRANCH_RESOLVED)
    _committee_resolves(an, 9, 6)
    assert stage_of(an) is Stage.COMMITTEE_RESOLVED


def test_a_committee_vote_with_5_of_9_in_favour_is_recorded_as_a_failed_vote() -> None:
    an = candidate_at(Stage.BRANCH_RESOLVED)
    _committee_resolves(an, 9, 5)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert last_event(an)[0] == "CommitteeVoteFailed"


def test_a_committee_resolution_with_impossible_counts_is_refused() -> None:
    an = candidate_at(Stage.BRANCH_RESOLVED)
    assert_refused(an, lambda: _committee_resolves(an, 9, 11), "VOTE_COUNTS_INVALID")


def test_a_grassroots_branch_goes_from_its_resolution_straight_to_the_decision() -> None:
    an = candidate_at(Stage.VERIFIED)
    _resolve(an, committee_resolution_required=False)
    assert an.committee_resolution_required is False
    error = assert_refused(
        an,
        lambda: _committee_resolves(an, 9, 9),
        "COMMITTEE_RESOLUTION_NOT_APPLICABLE",
        StageOrderError,
    )
    assert error.field == "stage"
    an.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=STORY.admission_decision,
        decided_by=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        unit_authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", STORY.admission_decision),
    )
    assert stage_of(an) is Stage.DECIDED


# --- the regulation cited is the one in force on the meeting date ---------------------------------


def test_a_vote_failed_on_1_june_2024_cites_regulation_24() -> None:
    an = candidate_at(Stage.VERIFIED)
    _resolve(an, on=date(2024, 6, 1), votes_for=5)
    assert an.flags[0].regulation.startswith("Điều lệ Đảng (2011); 24-QĐ/TW")


def test_a_vote_failed_on_1_march_2025_cites_regulation_232() -> None:
    an = candidate_at(Stage.VERIFIED, story=STORY.months_later(16))
    _resolve(an, on=date(2025, 3, 1), votes_for=5)
    assert an.flags[0].regulation.startswith("Điều lệ Đảng (2011); 232-QĐ/TW")


def test_a_vote_failed_on_1_august_2025_cites_regulation_294() -> None:
    an = candidate_at(Stage.VERIFIED, story=STORY.months_later(20))
    _resolve(an, on=date(2025, 8, 1), votes_for=5)
    assert an.flags[0].regulation.startswith("Điều lệ Đảng (2011); 294-QĐ/TW")


def test_an_under_age_candidate_refused_on_1_august_2025_cites_regulation_294() -> None:
    young = born(date(2007, 9, 1))
    an = candidate_at(Stage.VERIFIED, person=young, story=STORY.months_later(20))
    error = assert_refused(an, lambda: _resolve(an, on=date(2025, 8, 1)), "AGE_OUT_OF_RANGE")
    assert error.regulation is not None
    assert error.regulation.startswith("294-QĐ/TW — tuổi đời")
