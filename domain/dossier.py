"""Every document recorded for a case (hồ sơ), read from its events.

The aggregate keeps only the documents its rules read (the certificate, the letters, the
comment summaries, the exceptions); a secretary and an auditor need all of them: each
resolution, decision, consent and extension, with the step it backs. Every event of a case
carries its documents as attributes (``document``, ``personal_history``, ``extension``,
``superior_consent``, ``exception_documents``…), so they are collected generically: an event
type added later shows its documents with no change here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from domain.values import DocumentRef


class DocumentUse(Enum):
    """What a document does for its step."""

    STEP = "step"  # the step's own document (a resolution, a decision, a certificate…)
    EXCEPTION = "exception"  # a consent or approval allowing an exception (ngoại lệ)
    EXTENSION = "extension"  # an extension of a deadline (gia hạn)


#: The step an event records (by event name); other events are named by their event name.
EVENT_STEPS: dict[str, str] = {
    "Discovered": "discovered",
    "AddedToSympathizerList": "sympathizer",
    "HelperAssigned": "helper",
    "TestTaskAssigned": "test_task",
    "AwarenessCertificateRecorded": "awareness_certificate",
    "ApplicationSubmitted": "application",
    "SponsorAdded": "sponsor",
    "UnionIntroductionRecorded": "union_introduction",
    "BackgroundVerified": "verification",
    "CommentsRecorded": "comments",
    "BranchResolutionRecorded": "branch_resolution",
    "CommitteeResolutionRecorded": "committee_resolution",
    "AdmissionDecided": "admission_decision",
    "AdmittedAtCeremony": "ceremony",
    "NewMemberClassRecorded": "new_member_class",
    "RecognitionVoted": "recognition_vote",
    "RecognitionVoteFailed": "recognition_vote_failed",
    "RecognizedAsFullMember": "recognition_decision",
    "Rejected": "exit",
    "Withdrawn": "exit",
    "RemovedFromList": "exit",
    "MembershipEnded": "exit",
    "MovedToUnit": "move",
    "TransferredOut": "exit",
    "TransferredIn": "transferred_in",
    "StepDateCorrected": "correction",
    "ProfileCorrected": "correction",
}


@dataclass(frozen=True)
class RecordedDocument:
    """A document recorded for a case: the step it backs, on which date, for what use."""

    step: str
    use: DocumentUse
    attribute: str
    recorded_on: date | None
    document: DocumentRef


def _use(attribute: str) -> DocumentUse:
    if "extension" in attribute:
        return DocumentUse.EXTENSION
    if "consent" in attribute or "exception" in attribute:
        return DocumentUse.EXCEPTION
    return DocumentUse.STEP


def _documents_in(value: Any) -> list[DocumentRef]:
    if isinstance(value, DocumentRef):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, DocumentRef)]
    return []


def documents_of(events: Iterable[object]) -> tuple[RecordedDocument, ...]:
    """Every document the events of one case carry, in recording order."""
    found: list[RecordedDocument] = []
    for event in events:
        name = type(event).__name__
        step = EVENT_STEPS.get(name, name)
        occurred_on = getattr(event, "occurred_on", None)
        for attribute, value in vars(event).items():
            for document in _documents_in(value):
                found.append(
                    RecordedDocument(step, _use(attribute), attribute, occurred_on, document)
                )
    return tuple(found)
