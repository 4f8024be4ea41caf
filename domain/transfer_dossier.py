"""The dossier a case carries when it moves to another committee (hồ sơ chuyển kèm).

A case can leave at any stage before admission, or once admitted (``TRANSFERABLE_STAGES`` in
``domain.candidates``): the receiving branch goes on from the same stage, so it needs the
documents the next steps check — the application and personal history (1-KNĐ, 2-KNĐ), the
sponsors' letters (3-KNĐ) or a union's introduction (4-KNĐ), the verification conclusion and
the comments (5-KNĐ), the branch's and the committee's resolutions (6-KNĐ, 8-KNĐ), the
admission decision (9-KNĐ), the branch's recognition vote. The awareness certificate, the
ceremony and the new-member class stay separate fields of ``ReceiveTransferredCandidate`` (they
existed before the dossier did).

Each document's own date is the date of its step at the new place, so the freshness rules
(sponsor letters, comments, the certificate) and the deadlines (decision within 60 working days
of the branch resolution, ceremony, recognition) run on the same dates as they would have where
the case was opened. Two sponsors and two comment summaries: what the branch meeting checks; the
full history of a case stays with the committee it came from.
"""

from __future__ import annotations

from datetime import date

from domain import inputs as spec
from domain.errors import InvalidInput
from domain.inputs import value
from domain.rules import Sponsor
from domain.values import DocumentRef, MassOrganization


@value
class DossierSponsor:
    """A sponsoring member and the letter (người giới thiệu, 3-KNĐ)."""

    sponsor: Sponsor = spec.given("The sponsoring member.")
    letter: DocumentRef = spec.given("The sponsor's letter (3-KNĐ).")


@value
class DossierUnionIntroduction:
    """A Youth Union (4-KNĐ) or Trade Union resolution standing in for one sponsor."""

    organization: MassOrganization = spec.given("YOUTH_UNION or TRADE_UNION.")
    resolution: DocumentRef = spec.given("The introducing resolution.")


@value
class DossierVerification:
    """The background verification's conclusion (kết luận thẩm tra lý lịch)."""

    passed: bool = spec.given("Whether it passed (a failed one cannot move on).")
    conclusion: str = spec.text("The conclusion, in words.", required=True)
    document: DocumentRef = spec.given("The conclusion's document.")


@value
class DossierComments:
    """Comments of a mass organisation or the place of residence (5-KNĐ)."""

    source: str = spec.name("Who gave the comments (nơi nhận xét).")
    document: DocumentRef = spec.given("The comment summary (5-KNĐ).")


@value
class Dossier:
    """The documents a moved case carries (hồ sơ chuyển kèm); each one's date is its step's."""

    application: DocumentRef | None = spec.given(
        "The application (đơn xin vào Đảng, 1-KNĐ); from the applied stage.", default=None
    )
    personal_history: DocumentRef | None = spec.given(
        "The personal history (lý lịch, 2-KNĐ); from the applied stage.", default=None
    )
    first_sponsor: DossierSponsor | None = spec.given("A sponsor and letter.", default=None)
    second_sponsor: DossierSponsor | None = spec.given(
        "The second sponsor (or a union's introduction).", default=None
    )
    union_introduction: DossierUnionIntroduction | None = spec.given(
        "A union's introduction standing in for one sponsor.", default=None
    )
    verification: DossierVerification | None = spec.given(
        "The verification conclusion; from the verified stage.", default=None
    )
    comments: DossierComments | None = spec.given(
        "Comments (5-KNĐ); from the verified stage.", default=None
    )
    more_comments: DossierComments | None = spec.given("Further comments (5-KNĐ).", default=None)
    branch_resolution: DocumentRef | None = spec.given(
        "The branch's resolution (6-KNĐ); from the branch-resolved stage.", default=None
    )
    committee_resolution: DocumentRef | None = spec.given(
        "The grassroots committee's resolution (8-KNĐ), where there is one.", default=None
    )
    admission_decision: DocumentRef | None = spec.given(
        "The admission decision (9-KNĐ); from the decided stage.", default=None
    )
    recognition_vote: DocumentRef | None = spec.given(
        "The branch's recognition vote, for a case received after it.", default=None
    )

    @property
    def sponsors(self) -> list[DossierSponsor]:
        """The sponsors given, first one first."""
        return [s for s in (self.first_sponsor, self.second_sponsor) if s is not None]

    @property
    def all_comments(self) -> list[DossierComments]:
        """The comment summaries given."""
        return [c for c in (self.comments, self.more_comments) if c is not None]

    def documents(self) -> list[tuple[str, DocumentRef]]:
        """Every document given, with the step it stands for (the case's ``stepDates`` key)."""
        found: list[tuple[str, DocumentRef | None]] = [
            ("application", self.application),
            ("personal_history", self.personal_history),
            *(("sponsor", s.letter) for s in self.sponsors),
            (
                "union_introduction",
                self.union_introduction.resolution if self.union_introduction else None,
            ),
            ("verification", self.verification.document if self.verification else None),
            *(("comments", c.document) for c in self.all_comments),
            ("branch_resolution", self.branch_resolution),
            ("committee_resolution", self.committee_resolution),
            ("admission_decision", self.admission_decision),
            ("recognition_vote", self.recognition_vote),
        ]
        return [(step, document) for step, document in found if document is not None]

    def step_dates(self) -> dict[str, date]:
        """The latest date of each step the dossier stands for."""
        dates: dict[str, date] = {}
        for step, document in self.documents():
            dates[step] = max(dates.get(step, document.issued_on), document.issued_on)
        return dates


def dossier_missing(what_vi: str, what_en: str, field: str) -> InvalidInput:
    """Refusal of a moved case whose dossier lacks what its stage needs."""
    return InvalidInput(
        "DOSSIER_INCOMPLETE",
        f"Hồ sơ chuyển đến thiếu {what_vi} (cần cho bước đã đạt).",
        f"The transferred dossier lacks {what_en} (needed at the stage reached).",
        field=f"dossier.{field}",
    )
