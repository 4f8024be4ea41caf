"""Sponsors (người giới thiệu, 3-KNĐ): two full members who have worked with the candidate for at
least 12 months, or one member and a grassroots Youth Union (4-KNĐ) or Trade Union resolution."""

from __future__ import annotations

import dataclasses
from datetime import date

from domain.candidates import Candidate, Stage
from domain.errors import RuleViolation
from domain.rules import Sponsor
from domain.values import MassOrganization
from tests.domain.builders import AN, BINH, CUONG, SECRETARY, candidate_at, document, stage_of
from tests.domain.refusals import assert_refused

LETTER_DAY = date(2023, 9, 11)


def _applied(*, youth_union_member: bool = True, trade_union_member: bool = True) -> Candidate:
    person = dataclasses.replace(
        AN, is_youth_union_member=youth_union_member, is_trade_union_member=trade_union_member
    )
    return candidate_at(Stage.APPLIED, person=person)


def _sponsor(
    candidate: Candidate,
    sponsor: Sponsor,
    on: date = LETTER_DAY,
) -> None:
    """A sponsor letter; the unit has a Youth Union organisation exactly when the Youth Union
    introduced the candidate (the company has none otherwise)."""
    youth_union_organisation = candidate.union_introducer is MassOrganization.YOUTH_UNION
    candidate.add_sponsor(
        actor=SECRETARY,
        occurred_on=on,
        sponsor=sponsor,
        document=document("3-KNĐ", on, issuer=sponsor.full_name),
        youth_union_organisation=youth_union_organisation,
    )


def _introduce(
    candidate: Candidate,
    organization: MassOrganization,
    on: date = LETTER_DAY,
    *,
    youth_union_organisation: bool | None = None,
) -> None:
    """A union's introducing resolution; by default the unit has a Youth Union organisation
    exactly when the Youth Union introduces."""
    if youth_union_organisation is None:
        youth_union_organisation = organization is MassOrganization.YOUTH_UNION
    candidate.record_union_introduction(
        actor=SECRETARY,
        occurred_on=on,
        organization=organization,
        document=document("4-KNĐ", on, issuer="Ban Chấp hành Đoàn cơ sở"),
        youth_union_organisation=youth_union_organisation,
    )


def test_two_full_members_who_worked_with_him_for_years_complete_the_sponsorship() -> None:
    an = _applied()
    _sponsor(an, BINH)
    assert stage_of(an) is Stage.APPLIED
    _sponsor(an, CUONG)
    assert stage_of(an) is Stage.SPONSORED
    assert an.sponsorship_complete
    assert [record.letter.issuer for record in an.sponsors] == ["Trần Thị Bình", "Lê Văn Cường"]


def test_a_sponsor_who_is_not_a_full_member_is_refused() -> None:
    an = _applied()
    probationary = dataclasses.replace(BINH, full_member_since=None)
    error = assert_refused(
        an, lambda: _sponsor(an, probationary), "SPONSOR_NOT_FULL_MEMBER", RuleViolation
    )
    assert error.regulation is not None
    assert error.regulation.startswith("Điều lệ Đảng (2011); 24-QĐ/TW")


def test_a_sponsor_who_became_a_full_member_after_writing_the_letter_is_refused() -> None:
    an = _applied()
    too_soon = dataclasses.replace(BINH, full_member_since=date(2023, 9, 12))
    assert_refused(an, lambda: _sponsor(an, too_soon), "SPONSOR_NOT_FULL_MEMBER", RuleViolation)


def test_a_sponsor_who_became_a_full_member_on_the_day_of_the_letter_is_accepted() -> None:
    an = _applied()
    _sponsor(an, dataclasses.replace(BINH, full_member_since=LETTER_DAY))
    assert len(an.sponsors) == 1


def test_a_sponsor_who_has_worked_with_him_for_less_than_12_months_is_refused() -> None:
    an = _applied()
    newcomer = dataclasses.replace(CUONG, together_since=date(2022, 9, 12))
    error = assert_refused(
        an, lambda: _sponsor(an, newcomer), "SPONSOR_TOO_SHORT_TOGETHER", RuleViolation
    )
    assert "12/09/2022" in error.message_vi
    assert error.field == "sponsor.together_since"


def test_a_sponsor_who_has_worked_with_him_for_exactly_12_months_is_accepted() -> None:
    an = _applied()
    _sponsor(an, dataclasses.replace(CUONG, together_since=date(2022, 9, 11)))
    assert len(an.sponsors) == 1


def test_a_replacement_sponsor_is_exempt_from_the_12_months() -> None:
    # Bình moved away; Cường's colleague of three months takes over her sponsorship.
    an = _applied()
    replacement = Sponsor(
        member_id="DV-1204",
        full_name="Phạm Thị Dung",
        full_member_since=date(2018, 5, 19),
        together_since=date(2023, 6, 1),
        replacement=True,
    )
    _sponsor(an, CUONG)
    _sponsor(an, replacement)
    assert stage_of(an) is Stage.SPONSORED


def test_the_same_sponsor_twice_is_refused() -> None:
    an = _applied()
    _sponsor(an, BINH)
    assert_refused(an, lambda: _sponsor(an, BINH), "SPONSOR_DUPLICATE")


def test_a_third_sponsor_is_refused_once_the_sponsorship_is_complete() -> None:
    an = _applied()
    _sponsor(an, BINH)
    _sponsor(an, CUONG)
    third = dataclasses.replace(BINH, member_id="DV-2000", full_name="Hoàng Văn Em")
    assert_refused(an, lambda: _sponsor(an, third), "STEP_OUT_OF_ORDER")


def test_a_youth_union_resolution_and_one_sponsor_complete_the_sponsorship() -> None:
    an = _applied()
    _introduce(an, MassOrganization.YOUTH_UNION)
    assert stage_of(an) is Stage.APPLIED
    assert not an.sponsorship_complete
    _sponsor(an, BINH)
    assert stage_of(an) is Stage.SPONSORED
    assert an.union_introducer is MassOrganization.YOUTH_UNION
    assert an.union_introduction is not None
    assert an.union_introduction.kind == "4-KNĐ"


def test_one_sponsor_and_then_a_youth_union_resolution_complete_the_sponsorship_too() -> None:
    an = _applied()
    _sponsor(an, BINH)
    _introduce(an, MassOrganization.YOUTH_UNION)
    assert stage_of(an) is Stage.SPONSORED


def test_a_youth_union_introduction_of_someone_who_is_not_a_youth_union_member_is_refused() -> None:
    an = _applied(youth_union_member=False)
    assert_refused(
        an, lambda: _introduce(an, MassOrganization.YOUTH_UNION), "NOT_A_YOUTH_UNION_MEMBER"
    )


def test_a_grassroots_trade_union_committee_may_introduce_a_trade_union_member() -> None:
    an = _applied()
    _introduce(an, MassOrganization.TRADE_UNION)
    _sponsor(an, BINH)
    assert stage_of(an) is Stage.SPONSORED
    assert an.union_introducer is MassOrganization.TRADE_UNION


def test_a_trade_union_introduction_of_someone_who_is_not_a_trade_union_member_is_refused() -> None:
    an = _applied(trade_union_member=False)
    assert_refused(
        an, lambda: _introduce(an, MassOrganization.TRADE_UNION), "NOT_A_TRADE_UNION_MEMBER"
    )


def test_the_veterans_association_cannot_stand_in_for_a_sponsor() -> None:
    an = _applied()
    assert_refused(
        an, lambda: _introduce(an, MassOrganization.VETERANS_ASSOCIATION), "UNION_CANNOT_SPONSOR"
    )


def test_a_second_union_introduction_is_refused() -> None:
    an = _applied()
    _introduce(an, MassOrganization.YOUTH_UNION)
    assert_refused(
        an, lambda: _introduce(an, MassOrganization.TRADE_UNION), "UNION_INTRODUCTION_DUPLICATE"
    )
