"""The rules as the texts write them (issue 13): the Youth Union route of the Charter's Article 4,
the recognition dossier (10-, 11-, 12-, 15-KNĐ), admission over 60 with the consent of a committee
directly under the Central Committee and its conditions, re-admission 60 months after a minor
conviction is expunged, the third form of admission authority, three failed votes under the
implementing regulation, and each citation naming only the texts in force on the business date.
docs/regulations.md lists every rule with its text, source and dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from domain import rules
from domain.candidates import Candidate, Stage
from domain.errors import InvalidInput, RuleViolation
from domain.rules import (
    ALL_RULES,
    AdmissionAuthority,
    LeavingReason,
    Over60Conditions,
    Over60Place,
    PriorMembership,
    RecognitionForm,
    Sponsor,
    guidance_on,
    operational_guide_on,
)
from domain.values import MassOrganization
from service.transcoding import ValueTranscoding
from tests.domain.builders import (
    AN,
    BINH,
    CALENDAR,
    CUONG,
    ORGANIZER,
    SECRETARY,
    STORY,
    born,
    candidate_at,
    consent,
    document,
    last_event,
    record_recognition_papers,
    stage_of,
)
from tests.domain.refusals import assert_refused

REGULATIONS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "regulations.md"
LETTERS = STORY.sponsor_letters  # 11 September 2023
MEETING = STORY.branch_resolution  # 6 November 2023


def _applied(person: object = AN) -> Candidate:
    return candidate_at(Stage.APPLIED, person=person)  # type: ignore[arg-type]


def _sponsor(
    candidate: Candidate, sponsor: Sponsor, *, youth_union_organisation: bool | None
) -> None:
    candidate.add_sponsor(
        actor=SECRETARY,
        occurred_on=LETTERS,
        sponsor=sponsor,
        document=document("3-KNĐ", LETTERS, issuer=sponsor.full_name),
        youth_union_organisation=youth_union_organisation,
    )


def _introduce(
    candidate: Candidate, organization: MassOrganization, *, youth_union_organisation: bool | None
) -> None:
    candidate.record_union_introduction(
        actor=SECRETARY,
        occurred_on=LETTERS,
        organization=organization,
        document=document("4-KNĐ", LETTERS, issuer="Ban Chấp hành cơ sở"),
        youth_union_organisation=youth_union_organisation,
    )


# --- Charter Art. 4: the Youth Union route ----------------------------------------------------


def test_where_a_youth_union_exists_two_members_cannot_sponsor_a_candidate_of_youth_union_age() -> (
    None
):
    """Charter Art. 4: where a Youth Union organisation exists, a candidate of Youth Union age is
    introduced by the Youth Union committee (4-KNĐ) and ONE full member."""
    an = _applied()  # 25 years old
    _sponsor(an, BINH, youth_union_organisation=True)
    error = assert_refused(
        an,
        lambda: _sponsor(an, CUONG, youth_union_organisation=True),
        "SPONSORSHIP_ROUTE_INVALID",
        RuleViolation,
    )
    assert error.regulation is not None
    assert error.regulation.startswith("Điều lệ Đảng (2011); 24-QĐ/TW — Điều 4")


def test_where_a_youth_union_exists_its_committee_and_one_member_introduce_a_young_candidate() -> (
    None
):
    an = _applied()
    _introduce(an, MassOrganization.YOUTH_UNION, youth_union_organisation=True)
    _sponsor(an, BINH, youth_union_organisation=True)
    assert stage_of(an) is Stage.SPONSORED


def test_where_a_youth_union_exists_the_trade_union_cannot_stand_in_for_a_sponsor() -> None:
    """Charter Art. 4: the Trade Union route applies only where there is no Youth Union."""
    an = _applied()
    assert_refused(
        an,
        lambda: _introduce(an, MassOrganization.TRADE_UNION, youth_union_organisation=True),
        "SPONSORSHIP_ROUTE_INVALID",
        RuleViolation,
    )


def test_where_there_is_no_youth_union_the_trade_union_and_one_member_introduce_the_candidate() -> (
    None
):
    an = _applied()
    _introduce(an, MassOrganization.TRADE_UNION, youth_union_organisation=False)
    _sponsor(an, BINH, youth_union_organisation=False)
    assert stage_of(an) is Stage.SPONSORED


def test_where_there_is_no_youth_union_two_members_sponsor_a_young_candidate() -> None:
    an = _applied()
    _sponsor(an, BINH, youth_union_organisation=False)
    _sponsor(an, CUONG, youth_union_organisation=False)
    assert stage_of(an) is Stage.SPONSORED


def test_a_candidate_past_youth_union_age_is_sponsored_by_two_members_even_where_it_exists() -> (
    None
):
    older = _applied(born(date(1990, 2, 1)))  # 33 when the letters are written
    _sponsor(older, BINH, youth_union_organisation=True)
    _sponsor(older, CUONG, youth_union_organisation=True)
    assert stage_of(older) is Stage.SPONSORED


def test_a_youth_union_resolution_where_the_unit_declared_no_youth_union_is_refused() -> None:
    an = _applied()
    assert_refused(
        an,
        lambda: _introduce(an, MassOrganization.YOUTH_UNION, youth_union_organisation=False),
        "SPONSORSHIP_ROUTE_INVALID",
        RuleViolation,
    )


def test_whether_the_unit_has_a_youth_union_must_be_declared_before_a_young_candidate_is_sponsored() -> (
    None
):
    """A declared fact, never a silent default: undeclared, the route cannot be decided."""
    an = _applied()
    _sponsor(an, BINH, youth_union_organisation=None)  # one letter decides nothing yet
    assert_refused(
        an,
        lambda: _sponsor(an, CUONG, youth_union_organisation=None),
        "YOUTH_UNION_ORGANISATION_UNDECLARED",
        InvalidInput,
    )
    assert_refused(
        an,
        lambda: _introduce(an, MassOrganization.TRADE_UNION, youth_union_organisation=None),
        "YOUTH_UNION_ORGANISATION_UNDECLARED",
        InvalidInput,
    )


def test_the_branch_meeting_checks_the_route_again_on_its_own_date() -> None:
    """Sponsored by two members while the company had no Youth Union; by the meeting one exists
    and he is still of Youth Union age: the branch cannot resolve on that sponsorship."""
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an,
        lambda: an.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=MEETING,
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", MEETING),
            committee_resolution_required=True,
            youth_union_organisation=True,
        ),
        "SPONSORSHIP_ROUTE_INVALID",
        RuleViolation,
    )


@pytest.mark.parametrize(
    ("birth_date", "youth"),
    [
        (date(1993, 11, 6), True),  # exactly 30 years on 6 November 2023
        (date(1993, 11, 30), True),  # 30 in months (the day is not counted, as for age 18–60)
        (date(1993, 10, 31), False),  # 30 in October 2023: past Youth Union age in November
    ],
)
def test_youth_union_age_is_up_to_30_counted_in_months(birth_date: date, youth: bool) -> None:
    assert rules.is_youth_union_age(birth_date, MEETING) is youth


# --- the recognition dossier: 10-, 11-, 12-KNĐ and 15-KNĐ -------------------------------------


def _probationary_with_class() -> Candidate:
    an = candidate_at(Stage.PROBATIONARY)
    an.record_new_member_class(
        actor=ORGANIZER,
        occurred_on=STORY.new_member_class,
        document=document("Giấy chứng nhận", STORY.new_member_class),
    )
    return an


def _vote(candidate: Candidate) -> None:
    candidate.record_recognition_vote(
        actor=SECRETARY,
        occurred_on=STORY.recognition_vote,
        official_members=9,
        votes_for=8,
        calendar=CALENDAR,
        document=document("13-KNĐ", STORY.recognition_vote),
    )


def _decide(candidate: Candidate, *, under_grassroots_committee: bool) -> None:
    candidate.record_recognition_decision(
        actor=ORGANIZER,
        occurred_on=STORY.recognition_decision,
        calendar=CALENDAR,
        document=document("Quyết định công nhận", STORY.recognition_decision),
        under_grassroots_committee=under_grassroots_committee,
    )


@pytest.mark.parametrize("lacking", rules.BRANCH_RECOGNITION_FORMS, ids=lambda f: f.value)
def test_the_branch_cannot_vote_on_recognition_without_each_paper_of_the_dossier(
    lacking: RecognitionForm,
) -> None:
    """12-HD/BTCTW (2022): the self-review (10-KNĐ), the helper's comment (11-KNĐ) and the
    summary of the organisations' comments (12-KNĐ) come before the branch's vote."""
    an = _probationary_with_class()
    others = [f for f in rules.BRANCH_RECOGNITION_FORMS if f is not lacking]
    record_recognition_papers(an, date(2025, 1, 6), others)
    error = assert_refused(an, lambda: _vote(an), "RECOGNITION_DOSSIER_INCOMPLETE", RuleViolation)
    assert lacking.value in error.message_en
    assert error.regulation is not None
    assert error.regulation.startswith("12-HD/BTCTW ngày 18/01/2022")


def test_under_a_grassroots_committee_recognition_needs_its_resolution_15_knd() -> None:
    an = _probationary_with_class()
    record_recognition_papers(an, date(2025, 1, 6))
    _vote(an)
    assert_refused(
        an,
        lambda: _decide(an, under_grassroots_committee=True),
        "RECOGNITION_DOSSIER_INCOMPLETE",
        RuleViolation,
    )
    record_recognition_papers(an, date(2025, 1, 20), [RecognitionForm.GRASSROOTS_RESOLUTION])
    _decide(an, under_grassroots_committee=True)
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.recognition_documents[RecognitionForm.GRASSROOTS_RESOLUTION].kind == "15-KNĐ"


def test_a_grassroots_branch_needs_no_grassroots_committee_resolution() -> None:
    an = _probationary_with_class()
    record_recognition_papers(an, date(2025, 1, 6))
    _vote(an)
    _decide(an, under_grassroots_committee=False)
    assert stage_of(an) is Stage.FULL_MEMBER


def test_the_grassroots_committee_resolution_cannot_precede_the_branch_vote() -> None:
    an = _probationary_with_class()
    assert_refused(
        an,
        lambda: record_recognition_papers(
            an, date(2025, 1, 6), [RecognitionForm.GRASSROOTS_RESOLUTION]
        ),
        "STEP_OUT_OF_ORDER",
    )


# --- admission over 60 ------------------------------------------------------------------------


def _resolve_over_60(conditions: Over60Conditions | None) -> tuple[Candidate, object]:
    elder = candidate_at(Stage.VERIFIED, person=born(date(1962, 3, 1)))  # 61 at the meeting
    consent_doc = consent(date(2023, 10, 30), issuer="Ban Thường vụ Tỉnh ủy")

    def resolve() -> None:
        elder.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=MEETING,
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", MEETING),
            committee_resolution_required=True,
            over_60_consent=consent_doc,
            over_60_conditions=conditions,
            youth_union_organisation=False,
        )

    return elder, resolve


def test_over_60_the_consent_alone_is_not_enough_its_conditions_are_declared() -> None:
    """01-HD/TW (2021) point 1.1: good health and prestige; a place with no party organisation
    or member, or a special need; the consent of a committee directly under the Centre."""
    elder, resolve = _resolve_over_60(None)
    error = assert_refused(elder, resolve, "OVER_60_CONDITIONS_NOT_MET", RuleViolation)  # type: ignore[arg-type]
    assert error.field == "over_60_conditions"


def test_over_60_without_good_health_is_refused() -> None:
    frail = Over60Conditions(good_health=False, prestige=True, place=Over60Place.SPECIAL_NEED)
    elder, resolve = _resolve_over_60(frail)
    error = assert_refused(elder, resolve, "OVER_60_CONDITIONS_NOT_MET", RuleViolation)  # type: ignore[arg-type]
    assert "sức khỏe" in error.message_vi


def test_over_60_with_consent_and_conditions_records_both() -> None:
    conditions = Over60Conditions(
        good_health=True, prestige=True, place=Over60Place.NO_PARTY_ORGANISATION
    )
    elder, resolve = _resolve_over_60(conditions)
    resolve()  # type: ignore[operator]
    events = [type(e).__name__ for e in elder.pending_events]
    assert events[-2:] == ["Over60AdmissionConsented", "BranchResolutionRecorded"]
    assert vars(elder.pending_events[-2])["conditions"] == conditions
    assert elder.over_60_conditions == conditions


# --- re-admission: 60 months after a minor conviction is expunged ------------------------------


def _readmission_case(prior: PriorMembership) -> Candidate:
    return candidate_at(
        Stage.VERIFIED, person=born(date(1985, 4, 2)), prior_membership=prior, case_code="KL-1"
    )


def _resolve_readmission(case: Candidate) -> None:
    case.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=MEETING,
        official_members=9,
        votes_for=9,
        document=document("6-KNĐ", MEETING),
        committee_resolution_required=True,
        readmission_consent=consent(date(2023, 10, 20)),
    )


def test_a_minor_conviction_expunged_less_than_60_months_ago_bars_re_admission() -> None:
    """29-QĐ/TW point 3 and 294-QĐ/TW point 3.5.1: a person convicted of a less serious crime is
    re-admitted only 60 months after the conviction is expunged, though 36 months have passed
    since leaving."""
    prior = PriorMembership(
        left_on=date(2015, 3, 2),
        reason=LeavingReason.MINOR_CRIME,
        conviction_expunged_on=date(2019, 1, 15),
    )
    case = _readmission_case(prior)
    error = assert_refused(
        case, lambda: _resolve_readmission(case), "READMISSION_NOT_ALLOWED", RuleViolation
    )
    assert error.field == "prior_membership.conviction_expunged_on"
    assert "15/01/2024" in error.message_vi


def test_a_minor_conviction_expunged_60_months_before_the_meeting_allows_re_admission() -> None:
    prior = PriorMembership(
        left_on=date(2015, 3, 2),
        reason=LeavingReason.MINOR_CRIME,
        conviction_expunged_on=date(2018, 11, 6),
    )
    case = _readmission_case(prior)
    _resolve_readmission(case)
    assert stage_of(case) is Stage.BRANCH_RESOLVED


def test_a_minor_conviction_without_its_expungement_date_is_refused() -> None:
    prior = PriorMembership(left_on=date(2015, 3, 2), reason=LeavingReason.MINOR_CRIME)
    case = _readmission_case(prior)
    assert_refused(
        case, lambda: _resolve_readmission(case), "READMISSION_NOT_ALLOWED", RuleViolation
    )


def test_a_prior_membership_stored_before_the_expungement_date_existed_still_loads() -> None:
    stored = {"left_on": date(2019, 6, 1), "reason": LeavingReason.REMOVED_FROM_LIST}
    loaded = ValueTranscoding(PriorMembership).decode(stored)
    assert loaded == PriorMembership(
        left_on=date(2019, 6, 1), reason=LeavingReason.REMOVED_FROM_LIST
    )
    assert loaded.conviction_expunged_on is None


# --- the third form of admission authority ------------------------------------------------------


def test_under_a_provincial_committee_its_standing_officers_with_department_heads_may_decide() -> (
    None
):
    """29-QĐ/TW point 4.3.2c: at provincial committees and committees directly under the Central
    Committee, the standing officers with the standing-committee members heading the party
    departments decide; the standing committee as a whole may too."""
    third = AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS
    rules.check_admission_authority(third, third, date(2024, 6, 1))
    rules.check_admission_authority(
        third, AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE, date(2024, 6, 1)
    )
    with pytest.raises(RuleViolation):
        rules.check_admission_authority(
            third, AdmissionAuthority.GRASSROOTS_COMMITTEE, date(2024, 6, 1)
        )


def test_the_standing_officers_form_is_refused_where_the_unit_is_not_declared_under_one() -> None:
    with pytest.raises(RuleViolation) as refusal:
        rules.check_admission_authority(
            AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
            AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS,
            date(2024, 6, 1),
        )
    assert refusal.value.code == "ADMISSION_AUTHORITY_MISMATCH"


def test_a_decision_by_the_standing_officers_is_recorded_for_a_unit_declared_under_them() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    an.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=STORY.admission_decision,
        decided_by=AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS,
        unit_authority=AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS,
        calendar=CALENDAR,
        document=document("9-KNĐ", STORY.admission_decision, issuer="Thường trực Tỉnh ủy"),
    )
    assert last_event(an)[1]["decided_by"] is AdmissionAuthority.PROVINCIAL_STANDING_OFFICERS


# --- three failed votes: the implementing regulation, point 4.2c ---------------------------------


def test_three_failed_votes_cite_the_implementing_regulation_not_the_guidance() -> None:
    cited = rules.RECOGNITION_VOTES_EXHAUSTED.cite(date(2024, 6, 1))
    assert cited.startswith("24-QĐ/TW, điểm 4.2c")
    assert "HD" not in cited.split(" — ")[0]


# --- the chain of texts, by business date ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2011, 6, 1), "Hướng dẫn thi hành Điều lệ Đảng (khóa X)"),
        (date(2012, 1, 5), "01-HD/TW ngày 05/01/2012"),
        (date(2016, 9, 19), "01-HD/TW ngày 05/01/2012"),
        (date(2016, 9, 20), "01-HD/TW ngày 20/09/2016"),
        (date(2021, 9, 27), "01-HD/TW ngày 20/09/2016"),
        (date(2021, 9, 28), "01-HD/TW ngày 28/09/2021"),
        (date(2025, 7, 1), "06-HD/TW ngày 09/06/2025"),
    ],
)
def test_the_secretariats_guidance_runs_01_2012_01_2016_01_2021_06_2025(
    day: date, label: str
) -> None:
    assert guidance_on(day).label == label


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2012, 5, 16), "Hướng dẫn nghiệp vụ công tác đảng viên (trước 2012)"),
        (date(2012, 5, 17), "12-HD/BTCTW ngày 17/05/2012"),
        (date(2017, 6, 4), "12-HD/BTCTW ngày 17/05/2012"),
        (date(2017, 6, 5), "09-HD/BTCTW ngày 05/06/2017"),
        (date(2022, 1, 17), "09-HD/BTCTW ngày 05/06/2017"),
        (date(2022, 1, 18), "12-HD/BTCTW ngày 18/01/2022"),
        (date(2025, 8, 1), "12-HD/BTCTW ngày 18/01/2022"),
    ],
)
def test_the_organisation_commissions_guides_run_12_2012_09_2017_12_2022(
    day: date, label: str
) -> None:
    assert operational_guide_on(day).label == label


def test_no_rule_cites_a_guide_of_the_organisation_commission_as_the_secretariats_guidance() -> (
    None
):
    assert all("BTCTW" not in text.code for text in rules.GUIDANCE)
    assert all("HD/TW" not in text.code for text in rules.OPERATIONAL_GUIDES)


def test_a_branch_vote_of_15_june_2010_cites_neither_the_2011_charter_nor_45_qd_tw() -> None:
    """The Charter of 2011 is in force from 19/01/2011 and 45-QĐ/TW from 01/11/2011."""
    with pytest.raises(RuleViolation) as refusal:
        rules.check_two_thirds(5, 9, date(2010, 6, 15), body_vi="Chi bộ", body_en="Branch")
    cited = refusal.value.regulation
    assert cited is not None
    assert "2011" not in cited
    assert "45-QĐ/TW" not in cited
    assert cited.startswith(
        "Điều lệ Đảng (Đại hội X, 2006); Quy định thi hành Điều lệ Đảng (khóa X)"
    )


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
@pytest.mark.parametrize(
    "day",
    [
        date(2010, 6, 15),
        date(2011, 6, 1),
        date(2014, 3, 3),
        date(2019, 5, 5),
        date(2022, 3, 1),
        date(2025, 3, 1),
        date(2025, 8, 1),
    ],
)
def test_every_rule_cites_only_texts_in_force_on_the_business_date(
    rule: rules.Rule, day: date
) -> None:
    texts = [rule.text_on(day)]
    if rule.basis is rules.Basis.CHARTER:
        texts.append(rules.implementing_regulation_on(day))
    for text in texts:
        assert text.in_force_on(day), (rule.code, day, text.label)
        assert text.label in rule.cite(day)


def test_every_rule_is_in_docs_regulations_md() -> None:
    """docs/regulations.md lists every rule of domain.rules.ALL_RULES by its code."""
    page = REGULATIONS_PAGE.read_text(encoding="utf-8")
    listed = set(re.findall(r"`([A-Z0-9_]+)`", page))
    missing = [rule.code for rule in ALL_RULES if rule.code not in listed]
    assert not missing, f"docs/regulations.md lacks {missing}"
