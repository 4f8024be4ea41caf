"""A case's dossier as GraphQL shows it (``Candidate.dossier``): every document recorded, the
exceptions and consents used, the extensions, the flags — rebuilt from the case's history (the
aggregate and its events, through the request's ``case_loader``: batched, loaded only when a
query asks for it, only for cases the caller may read). Its weight in the request's row estimate
is that of a case's personal data (``limits.FIELD_ROWS``), so a page asking for it stays bounded
by ``KETNAP_MAX_QUERY_ROWS``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from domain.candidates import CaseFlag
from domain.dossier import DocumentUse, RecordedDocument
from service.api.context import CaseRecord, get_context


@strawberry.type(description="A document recorded for a case (văn bản trong hồ sơ).")
class CaseDocument:
    step: str = strawberry.field(
        description='The step it backs, e.g. "branch_resolution", "admission_decision".'
    )
    use: str = strawberry.field(
        description="step (the step's own document), exception (a consent or approval allowing "
        "an exception) or extension (of a deadline)."
    )
    recorded_on: date | None = strawberry.field(description="Business date of the step.")
    kind: str = strawberry.field(description='Form of the document, e.g. "6-KNĐ".')
    number: str = strawberry.field(description='Its number, e.g. "12/NQ-CB".')
    issued_on: date = strawberry.field(description="Its date (ngày ban hành).")
    issuer: str = strawberry.field(description="The issuing body (cơ quan ban hành).")

    @classmethod
    def of(cls, recorded: RecordedDocument) -> CaseDocument:
        d = recorded.document
        return cls(
            step=recorded.step,
            use=recorded.use.value,
            recorded_on=recorded.recorded_on,
            kind=d.kind,
            number=d.number,
            issued_on=d.issued_on,
            issuer=d.issuer,
        )


@strawberry.type(description="Something a case is flagged for (cảnh báo), on its date.")
class CaseFlagType:
    code: str = strawberry.field(
        description="Stable code: VOTE_BELOW_TWO_THIRDS, ADMISSION_DECISION_LATE, "
        "CEREMONY_LATE, RECOGNITION_DECISION_LATE, RECOGNITION_VOTE_LATE, "
        "RECOGNITION_VOTE_FAILED, ESCALATED_TO_SUPERIOR…"
    )
    on: date = strawberry.field(description="Business date it concerns.")
    message_vi: str = strawberry.field(description="What it means, in Vietnamese.")
    message_en: str = strawberry.field(description="What it means, in English.")
    regulation: str = strawberry.field(description="The rule's citation on that date.")
    due_on: date | None = strawberry.field(description="For a late step: the day it was due.")
    review_required: bool = strawberry.field(
        description="A late step: the committee reviews who was responsible for the delay "
        "(kiểm điểm trách nhiệm); recordDelayReview closes it."
    )
    reviewed_on: date | None = strawberry.field(
        description="When that review was recorded; null while it is open."
    )

    @classmethod
    def of(cls, flag: CaseFlag) -> CaseFlagType:
        return cls(
            code=flag.code,
            on=flag.on,
            message_vi=flag.message_vi,
            message_en=flag.message_en,
            regulation=flag.regulation,
            due_on=flag.due_on,
            review_required=flag.review_required,
            reviewed_on=flag.reviewed_on,
        )


@strawberry.type(
    description="A case's dossier (hồ sơ) from its history, on the asked date: every document "
    "recorded, the exceptions and consents used, the extensions, what the case is flagged for."
)
class CaseDossier:
    documents: list[CaseDocument] = strawberry.field(
        description="Every document recorded, in recording order (steps dated on or before the "
        "asked date)."
    )
    exceptions: list[CaseDocument] = strawberry.field(
        description="Consents and approvals used for an exception (ngoại lệ): over 60, "
        "education, re-admission, a late ceremony."
    )
    extensions: list[CaseDocument] = strawberry.field(
        description="Extensions of a deadline (gia hạn): the admission or recognition decision."
    )
    flags: list[CaseFlagType] = strawberry.field(
        description="What the case is flagged for: failed branch, committee and recognition "
        "votes, late steps (with their responsibility review), escalation to the superior "
        "committee."
    )

    @classmethod
    def of(cls, record: CaseRecord, as_of: date) -> CaseDossier:
        documents = [d for d in record.documents if d.recorded_on is None or d.recorded_on <= as_of]
        return cls(
            documents=[CaseDocument.of(d) for d in documents],
            exceptions=[CaseDocument.of(d) for d in documents if d.use is DocumentUse.EXCEPTION],
            extensions=[CaseDocument.of(d) for d in documents if d.use is DocumentUse.EXTENSION],
            flags=[
                CaseFlagType.of(f)
                for f in record.candidate.case_flags(record.calendar)
                if f.on <= as_of
            ],
        )


async def dossier(root: strawberry.Parent[Any], info: Info) -> CaseDossier | None:
    """``Candidate.dossier``: the case's history through the request's loader."""
    record = await get_context(info).case_loader.load((root.cut.recorded_at, root.candidate_id))
    return None if record is None else CaseDossier.of(record, root.cut.as_of)
