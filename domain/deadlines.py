"""The term the procedure sets for a case's next step, in each stage.

Each stage that waits on a step with a legal term names its rule from :mod:`domain.rules` (the
numbers live there only):

- branch / grassroots committee resolved → **admission decision** within 60 working days of the
  branch resolution, 90 at the latest with an extension;
- decided → **ceremony** within 30 working days of the decision (the rule counts from when the
  branch *received* the decision, which is only known at the ceremony: the decision date is the
  earliest such day, so this is the strictest reading; later only with the superior's consent,
  so no "latest" date);
- probationary → the branch's **recognition vote** within 30 working days after the 12 months of
  probation end;
- recognition voted → the **recognition decision** within 30 working days of the vote (+30);
- awareness trained … verified → the **branch resolution** must come while the dossier is still
  valid: the awareness-class certificate (60 months from its date, else the class is attended
  again) and, once the sponsorship is complete (sponsored, verified), each current sponsor
  letter, union resolution and comment summary (12 months from its date, else it is redone) —
  the earliest expiry is the due date, and the case is overdue past it until the stale paper is
  redone. (A passed stage's row is computed from the papers current now: a paper redone later
  moves it too.)

Working days are the tenant's calendar (weekends, public holidays with Tết, declared days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import rules
from domain.candidates import Candidate, Stage
from domain.rules import Rule
from domain.values import DocumentRef
from domain.working_days import WorkingCalendar, add_months

_CERTIFICATE_STAGES = frozenset(
    {Stage.AWARENESS_TRAINED, Stage.APPLIED, Stage.SPONSORED, Stage.VERIFIED}
)
#: From here the dossier's papers (3-KNĐ, 4-KNĐ, 5-KNĐ) bound the branch meeting's term too.
_PAPER_STAGES = frozenset({Stage.SPONSORED, Stage.VERIFIED})


@dataclass(frozen=True)
class Deadline:
    """The step due next, when it is due, and the latest date an extension allows (if any)."""

    step: str
    due_on: date
    latest_on: date | None
    rule: Rule

    def is_overdue(self, on: date) -> bool:
        """Whether the step is late on ``on`` (past the due date; an extension may still cover
        it up to ``latest_on``)."""
        return self.due_on < on


def deadline_in_stage(
    candidate: Candidate, stage: Stage, calendar: WorkingCalendar
) -> Deadline | None:
    """The deadline of the step that ends ``stage`` for this case, or None when no term applies.

    ``stage`` may be a stage the case has passed: the dates it depends on stay recorded, so the
    deadline a past stage had can still be compared with when the step actually came.
    """
    if stage in _CERTIFICATE_STAGES:
        return _dossier_expiry(candidate, with_papers=stage in _PAPER_STAGES)
    if stage in (Stage.BRANCH_RESOLVED, Stage.COMMITTEE_RESOLVED):
        if candidate.branch_resolution_on is None:
            return None
        due = calendar.add_working_days(candidate.branch_resolution_on, rules.DECISION_WORKING_DAYS)
        latest = calendar.add_working_days(due, rules.DECISION_EXTENSION_WORKING_DAYS)
        return Deadline("admission_decision", due, latest, rules.ADMISSION_DECISION_DEADLINE)
    if stage is Stage.DECIDED:
        if candidate.decision_on is None:
            return None
        due = calendar.add_working_days(candidate.decision_on, rules.CEREMONY_WORKING_DAYS)
        return Deadline("ceremony", due, None, rules.CEREMONY_DEADLINE)
    if stage is Stage.PROBATIONARY:
        if candidate.ceremony_on is None:
            return None
        due = calendar.add_working_days(
            rules.probation_end(candidate.ceremony_on), rules.RECOGNITION_VOTE_WORKING_DAYS
        )
        return Deadline("recognition_vote", due, None, rules.RECOGNITION_VOTE_DEADLINE)
    if stage is Stage.RECOGNITION_VOTED:
        if candidate.recognition_vote_on is None:
            return None
        due = calendar.add_working_days(
            candidate.recognition_vote_on, rules.RECOGNITION_DECISION_WORKING_DAYS
        )
        latest = calendar.add_working_days(due, rules.RECOGNITION_DECISION_EXTENSION_WORKING_DAYS)
        return Deadline("recognition_decision", due, latest, rules.RECOGNITION_DECISION_DEADLINE)
    return None


def _dossier_expiry(candidate: Candidate, *, with_papers: bool) -> Deadline | None:
    """The first day the current dossier is no longer valid for the branch meeting: the
    certificate's 60 months or (``with_papers``) a sponsor letter's, union resolution's or
    comment summary's 12 (the certificate first on a tie)."""
    expiries: list[tuple[date, Rule]] = []
    certificate = candidate.awareness_certificate
    if certificate is not None:
        expiries.append(
            (
                add_months(certificate.issued_on, rules.AWARENESS_CERTIFICATE_MONTHS),
                rules.AWARENESS_CERTIFICATE,
            )
        )
    papers: list[DocumentRef] = []
    if with_papers:
        papers += [record.letter for record in candidate.sponsors]
        papers += [summary.document for summary in candidate.comments]
        if candidate.union_introduction is not None:
            papers.append(candidate.union_introduction)
    if papers:
        oldest = min(paper.issued_on for paper in papers)
        expiries.append((add_months(oldest, rules.DOSSIER_VALID_MONTHS), rules.DOSSIER_FRESH))
    if not expiries:
        return None
    due, rule = min(expiries, key=lambda expiry: expiry[0])
    return Deadline("branch_resolution", due, None, rule)


def next_deadline(candidate: Candidate, calendar: WorkingCalendar) -> Deadline | None:
    """The deadline of the case's next step in its current stage (None when no term applies)."""
    return deadline_in_stage(candidate, candidate.stage, calendar)
