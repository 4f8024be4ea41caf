"""Reading one tenant's history to move its cases elsewhere (a tenant merge, a transfer between
tenants): the aggregates of a kind, in the order they were created, and a case's dossier as its
events recorded it. Reads only; imports nothing of the handlers or the audit tools."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.candidates import Candidate
from domain.transfer_dossier import (
    Dossier,
    DossierComments,
    DossierSponsor,
    DossierUnionIntroduction,
    DossierVerification,
)
from domain.values import DocumentRef
from service.store import TenantApplication


def aggregate_ids(app: TenantApplication, kind: type[Any], created: str) -> Iterator[UUID]:
    """Ids of the aggregates of ``kind`` in ``app``, in the order they were created (their
    creation event ``created``, read from the notification log by topic)."""
    topic = get_topic(getattr(kind, created))
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start, 500, topics=[topic])
        if not notifications:
            return
        for notification in notifications:
            yield UUID(str(notification.originator_id))
        start = notifications[-1].id + 1


def dossier_of(app: TenantApplication, case: Candidate) -> Dossier | None:
    """The dossier of ``case`` as its events recorded it (the latest document of each kind;
    the two latest sponsors and comment summaries), or None before the application."""
    found: dict[str, Any] = {}
    sponsors: list[DossierSponsor] = []
    comments: list[DossierComments] = []
    for stored in app.repository.event_store.get(case.id, lte=case.version):
        e: Any = stored
        name = type(e).__name__
        document: DocumentRef | None = getattr(e, "document", None)
        if name == "TransferredIn" and getattr(e, "dossier", None) is not None:
            earlier: Dossier = e.dossier
            found.update({k: v for k, v in vars(earlier).items() if v is not None})
            sponsors, comments = earlier.sponsors, earlier.all_comments
        elif name == "ApplicationSubmitted":
            found["application"], found["personal_history"] = document, e.personal_history
        elif name == "SponsorAdded" and document is not None:
            sponsors.append(DossierSponsor(e.sponsor, document))
        elif name == "UnionIntroductionRecorded" and document is not None:
            found["union_introduction"] = DossierUnionIntroduction(e.organization, document)
        elif name == "BackgroundVerified" and document is not None:
            found["verification"] = DossierVerification(e.passed, e.conclusion, document)
        elif name == "CommentsRecorded" and document is not None:
            comments.append(DossierComments(e.source, document))
        elif name == "BranchResolutionRecorded":
            found["branch_resolution"] = document
        elif name == "CommitteeResolutionRecorded":
            found["committee_resolution"] = document
        elif name == "AdmissionDecided":
            found["admission_decision"] = document
        elif name == "RecognitionVoted":
            found["recognition_vote"] = document
    for key in ("first_sponsor", "second_sponsor", "comments", "more_comments"):
        found.pop(key, None)
    latest_sponsors = sponsors[-2:]
    latest_comments = comments[-2:]
    if not found and not latest_sponsors and not latest_comments:
        return None
    return Dossier(
        **found,
        first_sponsor=latest_sponsors[0] if latest_sponsors else None,
        second_sponsor=latest_sponsors[1] if len(latest_sponsors) > 1 else None,
        comments=latest_comments[0] if latest_comments else None,
        more_comments=latest_comments[1] if len(latest_comments) > 1 else None,
    )
