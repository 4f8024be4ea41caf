"""Which rules guard which step, read as a list: the checklist of a case and the re-check of a
correction both run them.

A :class:`Check` names a rule of :mod:`domain.rules` (the rule's logic lives there only), the
step it guards (the step whose business date is the day the rule is judged on), the facts of
the case it reads, and how to call the rule's function on :class:`CaseFacts`. Two users:

- ``Candidate.checklist``: every check of the next step, run on the day asked, each violation
  collected (all of them, not the first);
- the corrections (``Candidate.correct_step_date`` / ``correct_profile``): every check whose
  step was recorded and which reads the corrected value, run on the corrected facts — a
  correction is refused (or flagged) exactly as the original step would have been.

Adding a rule is one line in :data:`CHECKS` (and, for a document or fact the step needs, one
line in :data:`REQUIREMENTS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain import inputs as spec
from domain import rules
from domain.errors import InvalidInput, RuleViolation
from domain.inputs import value
from domain.rules import PriorMembership, RecognitionForm, Rule
from domain.values import DocumentRef, MassOrganization, PersonProfile
from domain.working_days import WorkingCalendar


# --- value objects (stored in events, shown by the API) ---------------------------------------
@value
class Finding:
    """A rule's verdict on a case, with its code, bilingual explanation and citation: a
    violation in a checklist, or a flag carried by a correction (e.g. a vote now late)."""

    code: str = spec.code("The rule's stable code, e.g. AGE_OUT_OF_RANGE.")
    message_vi: str = spec.text("What the rule says of the case, in Vietnamese.")
    message_en: str = spec.text("What the rule says of the case, in English.")
    regulation: str = spec.text("The citation of the rule on the step's date.", default="")
    field: str = spec.code("The fact or input concerned.", default="")

    @classmethod
    def of(cls, violation: RuleViolation) -> Finding:
        """The finding of a rule's violation."""
        return cls(
            violation.code,
            violation.message_vi,
            violation.message_en,
            violation.regulation or "",
            violation.field or "",
        )


@value
class FieldChange:
    """One corrected value (đính chính): the field, its value before and after, as text.

    Personal data (a profile's fields): stored encrypted with the event (``service.transcoding``).
    """

    field: str = spec.code("The corrected field, e.g. birth_date.")
    previous: str = spec.text("Its value before the correction.")
    corrected: str = spec.text("Its value after the correction.")


def shown(raw: object) -> str:
    """A value as a correction records it: ISO dates, enum values, true/false, text."""
    if raw is None:
        return ""
    if isinstance(raw, Enum):
        return str(raw.value)
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


def profile_changes(before: PersonProfile, after: PersonProfile) -> tuple[FieldChange, ...]:
    """Every field of the profile that differs, with both values (generic over its fields)."""
    names = [name for name in vars(before) if not name.startswith("_")]
    return tuple(
        FieldChange(name, shown(getattr(before, name)), shown(getattr(after, name)))
        for name in names
        if getattr(before, name) != getattr(after, name)
    )


# --- the facts a rule reads -------------------------------------------------------------------
@dataclass(frozen=True)
class DossierDocument:
    """A document of the dossier that must be fresh at the branch meeting (≤ 12 months)."""

    step: str
    what_vi: str
    what_en: str
    dated: date


@dataclass(frozen=True)
class CaseFacts:
    """What the rules read of a case: its person, the business date of every step recorded,
    its documents. A correction checks a copy with the corrected value."""

    person: PersonProfile
    dates: Mapping[str, date]
    calendar: WorkingCalendar
    awareness_certificate_on: date | None = None
    dossier: tuple[DossierDocument, ...] = ()
    prior_membership: PriorMembership | None = None
    decision_received_on: date | None = None
    new_member_class: DocumentRef | None = None
    failed_recognition_votes: int = 0
    sponsors: int = 0
    union_introduction: bool = False
    verification_passed: bool | None = None
    comments: int = 0
    committee_resolution_required: bool = True
    exceptions: tuple[DocumentRef, ...] = ()
    #: The organisation whose resolution stands in for a sponsor (4-KNĐ), if any.
    union_introducer: MassOrganization | None = None
    #: The papers of the recognition dossier recorded (10-, 11-, 12-, 15-KNĐ).
    recognition_documents: frozenset[RecognitionForm] = frozenset()
    #: Facts of the case's unit, not of the case (the service gives them; None: not known —
    #: never declared, or a correction, which judges only what the case itself records).
    youth_union_organisation: bool | None = None
    under_grassroots_committee: bool | None = None

    def on(self, step: str) -> list[date]:
        """The dates of ``step`` (failed recognition votes: every attempt's)."""
        return [day for name, day in self.dates.items() if _is_step(name, step)]


def _is_step(name: str, step: str) -> bool:
    return name == step or name.startswith(step + "_")


#: The fact of the awareness certificate's date, and the steps whose documents the dossier's
#: freshness rule reads (the letters, the union's resolution, the comment summaries).
AWARENESS = "awareness_certificate"
DOSSIER_STEPS = ("sponsor", "union_introduction", "comments")


# --- the checks -------------------------------------------------------------------------------
#: How a check calls its rule: (facts, day judged, exception document or None) → the calls to
#: make, each raising the rule's ``RuleViolation`` or not (several: one per document checked).
Calls = Callable[[CaseFacts, date, DocumentRef | None], Iterable[Callable[[], object]]]


@dataclass(frozen=True)
class Check:
    """A rule guarding a step: judged on the step's date, reading some facts of the case."""

    rule: Rule
    step: str
    reads: frozenset[str]
    calls: Calls
    #: The step may carry a document that lets the rule pass (a consent, an extension).
    exception: bool = False
    #: Judged again when a correction touches what it reads (False: the rule counts what came
    #: before the step, e.g. earlier failed votes, which a correction does not change).
    recheck: bool = True

    def run(
        self, facts: CaseFacts, on: date, exception: DocumentRef | None = None
    ) -> list[RuleViolation]:
        """Every violation of this rule by ``facts`` on ``on`` (empty: it holds)."""
        found: list[RuleViolation] = []
        for call in self.calls(facts, on, exception):
            try:
                call()
            except RuleViolation as violation:
                found.append(violation)
        return found


def _one(call: Callable[[], object]) -> list[Callable[[], object]]:
    return [call]


def _first(f: CaseFacts, step: str) -> date | None:
    dates = f.on(step)
    return dates[0] if dates else None


# Each function below calls one rule of ``domain.rules`` on the facts (no rule logic here).
def _age(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    return _one(lambda: rules.check_age(f.person.birth_date, on, over_60_consent=e))


def _education(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    # The special area of an exception is not kept with the case: a level below lower
    # secondary is judged as without one (the exception document alone does not suffice).
    level = f.person.education
    return _one(lambda: rules.check_education(level, on, special_area=None, exception_document=e))


def _certificate(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    issued = f.awareness_certificate_on
    if issued is None:
        return []
    return _one(lambda: rules.check_awareness_certificate(issued, on))


def _dossier(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    def fresh(d: DossierDocument) -> Callable[[], object]:
        return lambda: rules.check_dossier_document_fresh(d.what_vi, d.what_en, d.dated, on)

    return [fresh(d) for d in f.dossier]


def _route(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    def judge() -> None:
        try:
            rules.check_sponsorship_route(
                birth_date=f.person.birth_date,
                member_sponsors=f.sponsors,
                union=f.union_introducer,
                youth_union_organisation=f.youth_union_organisation,
                on=on,
            )
        except InvalidInput as undeclared:  # the unit's fact is missing: the meeting is refused
            raise rules.SPONSORSHIP_ROUTE.violation(
                on, undeclared.message_vi, undeclared.message_en, undeclared.field or ""
            ) from None

    return _one(judge)


def _recognition_papers(
    f: CaseFacts, on: date, e: DocumentRef | None
) -> Iterable[Callable[[], object]]:
    return _one(
        lambda: rules.check_recognition_dossier(
            f.recognition_documents, rules.BRANCH_RECOGNITION_FORMS, on
        )
    )


def _grassroots_resolution(
    f: CaseFacts, on: date, e: DocumentRef | None
) -> Iterable[Callable[[], object]]:
    if not f.under_grassroots_committee or "recognition_vote" not in f.dates:
        return []
    return _one(
        lambda: rules.check_recognition_dossier(
            f.recognition_documents, (RecognitionForm.GRASSROOTS_RESOLUTION,), on
        )
    )


def _readmission(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    prior = f.prior_membership
    if prior is None:
        return []
    return _one(lambda: rules.check_readmission(prior, on, consent=e))


def _decision_deadline(
    f: CaseFacts, on: date, e: DocumentRef | None
) -> Iterable[Callable[[], object]]:
    resolved = _first(f, "branch_resolution")
    if resolved is None:
        return []
    return _one(
        lambda: _raise_flag(
            rules.admission_decision_lateness(f.calendar, resolved, on, extension=e)[1]
        )
    )


def _ceremony_deadline(
    f: CaseFacts, on: date, e: DocumentRef | None
) -> Iterable[Callable[[], object]]:
    # Before the ceremony the day the decision arrives is not known: the decision's own date is
    # the earliest it can be, the strictest reading (as ``domain.deadlines`` does).
    received = f.decision_received_on or _first(f, "admission_decision")
    if received is None:
        return []
    return _one(
        lambda: _raise_flag(
            rules.ceremony_lateness(f.calendar, received, on, superior_consent=e)[1]
        )
    )


def _probation(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    ceremony = _first(f, "ceremony")
    if ceremony is None:
        return []
    return _one(lambda: rules.check_probation_ended(ceremony, on))


def _new_member_class(
    f: CaseFacts, on: date, e: DocumentRef | None
) -> Iterable[Callable[[], object]]:
    return _one(lambda: rules.check_new_member_class(f.new_member_class, on))


def _attempts(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    return _one(lambda: rules.check_recognition_attempts(f.failed_recognition_votes, on))


def _vote_on_time(f: CaseFacts, on: date, e: DocumentRef | None) -> Iterable[Callable[[], object]]:
    ceremony = _first(f, "ceremony")
    if ceremony is None:
        return []
    return _one(lambda: check_recognition_vote_on_time(f.calendar, ceremony, on))


def _recognition_deadline(
    f: CaseFacts, on: date, e: DocumentRef | None
) -> Iterable[Callable[[], object]]:
    voted = f.dates.get("recognition_vote")
    if voted is not None:
        return _one(
            lambda: _raise_flag(
                rules.recognition_decision_lateness(f.calendar, voted, on, extension=e)[1]
            )
        )
    # escalated after three failed votes: the superior decides once probation has ended
    return _probation(f, on, e)


def _raise_flag(flag: rules.Flag | None) -> None:
    """A late step is recorded and flagged, not refused: its flag, raised as the rule's verdict
    so a checklist or a correction reports it (``FLAG_ONLY`` keeps it a flag)."""
    if flag is not None:
        raise RuleViolation(
            flag.code,
            flag.message_vi,
            flag.message_en,
            regulation=flag.regulation,
            field=flag.step,
        )


def check_recognition_vote_on_time(calendar: WorkingCalendar, ceremony_on: date, on: date) -> None:
    """The recognition vote comes within 30 working days after probation ends; a late vote is
    recorded and flagged, never refused (``rules.recognition_vote_is_late`` decides)."""
    if rules.recognition_vote_is_late(calendar, ceremony_on, on):
        due = calendar.add_working_days(
            rules.probation_end(ceremony_on), rules.RECOGNITION_VOTE_WORKING_DAYS
        )
        raise rules.RECOGNITION_VOTE_DEADLINE.violation(
            on,
            f"Chi bộ xét công nhận ngày {on:%d/%m/%Y}, quá 30 ngày làm việc sau khi hết thời kỳ "
            f"dự bị (hạn {due:%d/%m/%Y}).",
            f"The branch voted on recognition on {on:%d/%m/%Y}, more than 30 working days after "
            f"probation ended (due {due:%d/%m/%Y}).",
            "meeting_date",
        )


def _reads(*facts: str) -> frozenset[str]:
    return frozenset(facts)


#: Every rule guarding a step: (rule, step judged on, facts read, call, options). One line each.
CHECKS: tuple[Check, ...] = (
    # the branch meeting (nghị quyết chi bộ, 6-KNĐ)
    Check(rules.AGE, "branch_resolution", _reads("birth_date"), _age, exception=True),
    Check(rules.EDUCATION, "branch_resolution", _reads("education"), _education, exception=True),
    Check(rules.AWARENESS_CERTIFICATE, "branch_resolution", _reads(AWARENESS), _certificate),
    Check(rules.DOSSIER_FRESH, "branch_resolution", _reads(*DOSSIER_STEPS), _dossier),
    # the route needs the unit's declared Youth Union fact, which a correction does not know
    Check(rules.SPONSORSHIP_ROUTE, "branch_resolution", _reads(), _route, recheck=False),
    Check(rules.READMISSION, "branch_resolution", _reads(), _readmission, exception=True),
    # the admission decision (9-KNĐ) and the ceremony
    Check(
        rules.ADMISSION_DECISION_DEADLINE,
        "admission_decision",
        _reads("branch_resolution"),
        _decision_deadline,
        exception=True,
    ),
    Check(rules.CEREMONY_DEADLINE, "ceremony", _reads(), _ceremony_deadline, exception=True),
    # recognition as a full member
    Check(rules.PROBATION, "recognition_vote", _reads("ceremony"), _probation),
    Check(rules.NEW_MEMBER_CLASS, "recognition_vote", _reads(), _new_member_class, recheck=False),
    Check(
        rules.RECOGNITION_DOSSIER, "recognition_vote", _reads(), _recognition_papers, recheck=False
    ),
    Check(
        rules.RECOGNITION_VOTES_EXHAUSTED, "recognition_vote", _reads(), _attempts, recheck=False
    ),
    Check(rules.RECOGNITION_VOTE_DEADLINE, "recognition_vote", _reads("ceremony"), _vote_on_time),
    Check(
        rules.RECOGNITION_DECISION_DEADLINE,
        "recognition_decision",
        _reads("recognition_vote", "ceremony"),
        _recognition_deadline,
        exception=True,
    ),
    Check(
        rules.RECOGNITION_DOSSIER,
        "recognition_decision",
        _reads(),
        _grassroots_resolution,
        recheck=False,
    ),
)

#: Checks that only flag (the step is recorded, flagged late): never a refusal. A decision or
#: ceremony past its term happened: it is recorded with a late flag and a responsibility review.
FLAG_ONLY: frozenset[str] = frozenset(
    {
        rules.RECOGNITION_VOTE_DEADLINE.code,
        rules.ADMISSION_DECISION_DEADLINE.code,
        rules.CEREMONY_DEADLINE.code,
        rules.RECOGNITION_DECISION_DEADLINE.code,
    }
)

#: Deadline rules a correction flags instead of refusing: the same as the steps.
FLAGGED_ON_CORRECTION: frozenset[str] = FLAG_ONLY


def checks_of(step: str) -> list[Check]:
    """The checks guarding ``step`` (every attempt of a repeated step: a failed vote too)."""
    return [c for c in CHECKS if _is_step(step, c.step)]


# --- what a step needs ------------------------------------------------------------------------
class Need(Enum):
    """What kind of thing a step needs."""

    DOCUMENT = "document"
    FACT = "fact"


@dataclass(frozen=True)
class Requirement:
    """A document or fact a step needs, and whether the case has it (None: given with the step)."""

    code: str
    need: Need
    label_vi: str
    label_en: str
    met: Callable[[CaseFacts], bool | None]
    rule: Rule | None = None


def _given(_: CaseFacts) -> None:
    return None


def _has_paper(form: RecognitionForm) -> Callable[[CaseFacts], bool | None]:
    return lambda f: form in f.recognition_documents


def _grassroots_paper(f: CaseFacts) -> bool | None:
    """15-KNĐ is needed only where the branch sits under a grassroots committee."""
    if f.under_grassroots_committee is None:
        return None
    return (
        RecognitionForm.GRASSROOTS_RESOLUTION in f.recognition_documents
        if f.under_grassroots_committee
        else True
    )


REQUIREMENTS: Mapping[str, tuple[Requirement, ...]] = {
    "sympathizer": (
        Requirement(
            "BRANCH_DECISION",
            Need.DOCUMENT,
            "Nghị quyết/quyết định của chi bộ đưa vào danh sách cảm tình Đảng (nếu có)",
            "The branch's decision to list the sympathizer (if any)",
            _given,
        ),
    ),
    "awareness_certificate": (
        Requirement(
            "AWARENESS_CERTIFICATE",
            Need.DOCUMENT,
            "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng",
            "The awareness-class certificate",
            lambda f: f.awareness_certificate_on is not None,
            rules.AWARENESS_CERTIFICATE,
        ),
    ),
    "application": (
        Requirement(
            "APPLICATION",
            Need.DOCUMENT,
            "Đơn xin vào Đảng (1-KNĐ)",
            "The application (1-KNĐ)",
            lambda f: "application" in f.dates,
        ),
        Requirement(
            "PERSONAL_HISTORY",
            Need.DOCUMENT,
            "Lý lịch người xin vào Đảng (2-KNĐ)",
            "The personal history (2-KNĐ)",
            lambda f: "application" in f.dates,
        ),
    ),
    "sponsor": (
        Requirement(
            "SPONSORS",
            Need.DOCUMENT,
            "Hai giấy giới thiệu của đảng viên chính thức (3-KNĐ), hoặc một giấy và nghị quyết giới thiệu của Đoàn Thanh niên/Công đoàn (4-KNĐ)",
            "Two full members' sponsor letters (3-KNĐ), or one and the Youth Union's/Trade Union's introducing resolution (4-KNĐ)",
            lambda f: f.sponsors >= 2 or (f.sponsors == 1 and f.union_introduction),
            rules.SPONSOR_FULL_MEMBER,
        ),
    ),
    "verification": (
        Requirement(
            "VERIFICATION",
            Need.DOCUMENT,
            "Kết luận thẩm tra lý lịch (đạt)",
            "The background verification's conclusion (passed)",
            lambda f: f.verification_passed is True,
        ),
        Requirement(
            "COMMENTS",
            Need.DOCUMENT,
            "Tổng hợp ý kiến nhận xét của đoàn thể và nơi cư trú (5-KNĐ)",
            "Comment summaries of mass organisations and of the place of residence (5-KNĐ)",
            lambda f: f.comments > 0,
        ),
    ),
    "branch_resolution": (
        Requirement(
            "BRANCH_RESOLUTION",
            Need.DOCUMENT,
            "Nghị quyết chi bộ đề nghị kết nạp (6-KNĐ)",
            "The branch resolution proposing admission (6-KNĐ)",
            _given,
        ),
        Requirement(
            "BRANCH_TWO_THIRDS",
            Need.FACT,
            "Ít nhất hai phần ba đảng viên chính thức tán thành",
            "At least two thirds of the full members in favour",
            _given,
            rules.TWO_THIRDS,
        ),
    ),
    "committee_resolution": (
        Requirement(
            "COMMITTEE_RESOLUTION",
            Need.DOCUMENT,
            "Nghị quyết đảng ủy cơ sở (8-KNĐ)",
            "The grassroots committee's resolution (8-KNĐ)",
            _given,
        ),
        Requirement(
            "COMMITTEE_TWO_THIRDS",
            Need.FACT,
            "Ít nhất hai phần ba đảng ủy viên tán thành",
            "At least two thirds of the committee members in favour",
            _given,
            rules.TWO_THIRDS,
        ),
    ),
    "admission_decision": (
        Requirement(
            "ADMISSION_DECISION",
            Need.DOCUMENT,
            "Quyết định kết nạp (9-KNĐ) của cấp ủy có thẩm quyền",
            "The admission decision (9-KNĐ) of the committee with authority",
            _given,
            rules.ADMISSION_AUTHORITY,
        ),
    ),
    "ceremony": (
        Requirement(
            "DECISION_RECEIVED",
            Need.FACT,
            "Ngày chi bộ nhận quyết định kết nạp",
            "The day the branch received the decision",
            _given,
            rules.CEREMONY_DEADLINE,
        ),
    ),
    "recognition_vote": (
        Requirement(
            "NEW_MEMBER_CLASS",
            Need.DOCUMENT,
            "Giấy chứng nhận lớp bồi dưỡng đảng viên mới",
            "The new-member class certificate",
            lambda f: f.new_member_class is not None,
            rules.NEW_MEMBER_CLASS,
        ),
        *(
            Requirement(
                f"RECOGNITION_PAPER_{form.name}",
                Need.DOCUMENT,
                form.label_vi[:1].upper() + form.label_vi[1:],
                f"The recognition dossier's {form.value}",
                _has_paper(form),
                rules.RECOGNITION_DOSSIER,
            )
            for form in rules.BRANCH_RECOGNITION_FORMS
        ),
        Requirement(
            "RECOGNITION_RESOLUTION",
            Need.DOCUMENT,
            "Nghị quyết chi bộ đề nghị công nhận đảng viên chính thức",
            "The branch's resolution proposing recognition",
            _given,
        ),
    ),
    "recognition_decision": (
        Requirement(
            "RECOGNITION_PAPER_GRASSROOTS_RESOLUTION",
            Need.DOCUMENT,
            "Nghị quyết của đảng ủy cơ sở đề nghị công nhận (15-KNĐ), nơi chi bộ trực thuộc đảng "
            "ủy cơ sở",
            "The grassroots committee's resolution (15-KNĐ), where the branch sits under one",
            _grassroots_paper,
            rules.RECOGNITION_DOSSIER,
        ),
        Requirement(
            "RECOGNITION_DECISION",
            Need.DOCUMENT,
            "Quyết định công nhận đảng viên chính thức",
            "The recognition decision",
            _given,
        ),
    ),
}


@dataclass(frozen=True)
class ChecklistItem:
    """One thing the next step needs: a document or a fact, and whether the case has it."""

    code: str
    need: Need
    label_vi: str
    label_en: str
    met: bool | None
    regulation: str


@dataclass(frozen=True)
class Checklist:
    """What a case's next step needs, and every rule that would refuse (or flag) it on a day."""

    on: date
    next_step: str | None
    items: tuple[ChecklistItem, ...]
    violations: tuple[Finding, ...]
    flags: tuple[Finding, ...]

    @property
    def ready(self) -> bool:
        """Nothing missing, nothing that would refuse the step."""
        return not self.violations and all(item.met is not False for item in self.items)


def checklist(facts: CaseFacts, next_step: str | None, on: date) -> Checklist:
    """Run every check of ``next_step`` on ``on``: all violations, not the first."""
    if next_step is None:
        return Checklist(on, None, (), (), ())
    items = tuple(
        ChecklistItem(
            r.code,
            r.need,
            r.label_vi,
            r.label_en,
            r.met(facts),
            "" if r.rule is None else r.rule.cite(on),
        )
        for r in REQUIREMENTS.get(next_step, ())
    )
    violations: list[Finding] = []
    flags: list[Finding] = []
    for check in checks_of(next_step):
        for violation in check.run(facts, on):
            (flags if violation.code in FLAG_ONLY else violations).append(Finding.of(violation))
    return Checklist(on, next_step, items, tuple(violations), tuple(flags))


def recheck(
    before: CaseFacts, after: CaseFacts, corrected: frozenset[str]
) -> tuple[list[RuleViolation], list[Finding]]:
    """A correction of the facts named ``corrected``: every check of a recorded step that reads
    one of them (or guards a step whose date moved), run on the corrected facts on the step's
    (corrected) date. Returns the refusals and the flags.

    An exception document recorded with the step (a consent, an extension) still counts: when
    the check needed one on the facts as recorded, the step carried it.
    """
    refusals: list[RuleViolation] = []
    flags: list[Finding] = []
    for check in (c for c in CHECKS if c.recheck):
        steps = [name for name in after.dates if _is_step(name, check.step)]
        for step in steps:
            if step not in corrected and not (check.reads & corrected):
                continue
            exception = None
            needed = check.exception and before.exceptions and step in before.dates
            if needed and check.run(before, before.dates[step]):
                exception = before.exceptions[0]
            for violation in check.run(after, after.dates[step], exception):
                if violation.code in FLAGGED_ON_CORRECTION:
                    flags.append(Finding.of(violation))
                else:
                    refusals.append(violation)
    return refusals, flags
