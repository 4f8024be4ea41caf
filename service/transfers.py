"""Cases transferred between two tenants of the same deployment, without a platform operator.

1. The organizer of tenant A records the exit: ``TransferCandidateOut`` with
   ``destination_tenant = B`` (:func:`check_destination`: B exists, is open, is not A). That is
   all A can do: it writes only its own history.
2. The transfer is then **pending**: the organizer of B reads it with ``transferOffer(fromTenant,
   caseCode)`` (:func:`transfer_offer`), the reference on the transfer paper. Any other tenant
   asking, or a case that was not addressed to B, or one already accepted, gets nothing — the
   same answer as an unknown case, so nobody learns about another tenant's cases.
3. The organizer of B accepts it: ``AcceptTransferredCase`` (:func:`accepted_case`) opens the
   case in B at the stage it had in A, with the personal data, the dossier rebuilt from A's
   events (``service.case_history.dossier_of``), the transfer document, and the reference
   ``A/<case code>`` (accepted once). B writes only B's history.

Nothing on this path writes into another tenant; reading A's history for B happens in its own
transaction (each transaction still touches one tenant's schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.utils import get_topic

from domain import ids
from domain.candidates import Candidate, Stage
from domain.commands import AcceptTransferredCase
from domain.errors import DomainError, InvalidInput, NotFound
from domain.values import DocumentRef
from service.case_history import dossier_of
from service.store import Store, TenantApplication
from service.store.registry import tenant_merged


def check_destination(store: Store, tenant: str, destination: str) -> None:
    """``destination`` is another open tenant of this deployment."""
    if destination == tenant:
        raise InvalidInput(
            "TRANSFER_TO_SAME_TENANT",
            "Hồ sơ chuyển trong cùng đơn vị sử dụng: hãy dùng chuyển chi bộ (moveCandidate).",
            "A transfer within the same tenant is a move to another branch (moveCandidate).",
            field="destination_tenant",
        )
    target = store.registry.get(destination)
    if target.merged_into is not None:
        raise tenant_merged(target, "destination_tenant")
    if target.disabled:
        raise DomainError(
            "TENANT_DISABLED",
            f"Đơn vị sử dụng '{destination}' đang bị khóa, không nhận hồ sơ.",
            f"The tenant '{destination}' is disabled and cannot receive cases.",
            field="destination_tenant",
        )


@dataclass(frozen=True)
class TransferOffer:
    """A pending transfer, as the receiving tenant sees it (no personal data)."""

    from_tenant: str
    from_tenant_name: str
    case_code: str
    stage: Stage
    transferred_on: date
    document: DocumentRef
    dossier_documents: int


def _no_offer(from_tenant: str, case_code: str) -> NotFound:
    return NotFound(
        "TRANSFER_NOT_FOUND",
        f"Không có hồ sơ «{case_code}» của '{from_tenant}' chuyển đến đơn vị này.",
        f"No case '{case_code}' of '{from_tenant}' was transferred to this tenant.",
        field="from_case_code",
    )


def _transferred(
    store: Store, tenant: str, from_tenant: str, case_code: str
) -> tuple[TenantApplication, Candidate, Any]:
    """A's app, case and its ``TransferredOut`` event, when the case was addressed to
    ``tenant``; else the same NotFound whatever the reason."""
    try:
        source = store.app(from_tenant, write=False)
        case = source.get(ids.candidate_id(from_tenant, case_code), Candidate)
    except (NotFound, InvalidInput):
        raise _no_offer(from_tenant, case_code) from None
    if case.stage is not Stage.TRANSFERRED_OUT or from_tenant == tenant:
        raise _no_offer(from_tenant, case_code)
    if getattr(case, "transferred_to_tenant", None) != tenant:
        raise _no_offer(from_tenant, case_code)
    exit_event = next(iter(source.repository.event_store.get(case.id, desc=True, limit=1)))
    return source, case, exit_event


def reference(from_tenant: str, case_code: str) -> str:
    """The reference of a transferred case: ``<tenant>/<case code>``."""
    return f"{from_tenant}/{case_code}"


def _accepted(app: TenantApplication, ref: str) -> bool:
    """Whether tenant ``app`` already accepted the case ``ref`` (its ``TransferredIn`` events,
    read by topic: transfers are few)."""
    topic = get_topic(Candidate.TransferredIn)  # type: ignore[attr-defined]
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start, 500, topics=[topic])
        if not notifications:
            return False
        for notification in notifications:
            event: Any = app.mapper.to_domain_event(notification)
            if getattr(event, "transfer_reference", None) == ref:
                return True
        start = notifications[-1].id + 1


def transfer_offer(store: Store, tenant: str, from_tenant: str, case_code: str) -> TransferOffer:
    """The case ``from_tenant`` transferred to ``tenant``, pending its acceptance; bilingual
    ``TRANSFER_NOT_FOUND`` otherwise (not addressed to it, unknown, or accepted)."""
    source, case, exit_event = _transferred(store, tenant, from_tenant, case_code)
    if _accepted(store.app(tenant, write=False), reference(from_tenant, case_code)):
        raise _no_offer(from_tenant, case_code)
    dossier = dossier_of(source, case)
    return TransferOffer(
        from_tenant=from_tenant,
        from_tenant_name=store.registry.get(from_tenant).name,
        case_code=case_code,
        stage=exit_event.stage_at_transfer,
        transferred_on=exit_event.occurred_on,
        document=exit_event.document,
        dossier_documents=len(dossier.documents()) if dossier else 0,
    )


def accepted_case(
    store: Store,
    p: Any,
    app: TenantApplication,
    c: AcceptTransferredCase,
    *,
    new_case: dict[str, Any],
    committee_resolution_required: bool,
) -> Candidate:
    """The case ``c`` accepts, opened in ``p``'s tenant (not saved)."""
    source, case, exit_event = _transferred(store, p.tenant, c.from_tenant, c.from_case_code)
    ref = reference(c.from_tenant, c.from_case_code)
    if _accepted(app, ref):
        raise InvalidInput(
            "TRANSFER_ALREADY_ACCEPTED",
            f"Hồ sơ «{c.from_case_code}» của '{c.from_tenant}' đã được nhận.",
            f"The case '{c.from_case_code}' of '{c.from_tenant}' was already accepted.",
            field="from_case_code",
        )
    if c.occurred_on < exit_event.occurred_on:
        raise InvalidInput(
            "DATE_BEFORE_TRANSFER",
            f"Ngày nhận {c.occurred_on:%d/%m/%Y} trước ngày chuyển đi "
            f"{exit_event.occurred_on:%d/%m/%Y}.",
            f"The date received {c.occurred_on:%d/%m/%Y} is before the transfer "
            f"({exit_event.occurred_on:%d/%m/%Y}).",
            field="occurred_on",
        )
    source_name = store.registry.get(c.from_tenant).name
    return Candidate.receive_transfer(
        **new_case,
        occurred_on=c.occurred_on,
        person=case.person,
        origin=f"{source_name} ({ref})",
        stage=exit_event.stage_at_transfer,
        awareness_certificate=case.awareness_certificate,
        ceremony_on=case.ceremony_on,
        new_member_class=case.new_member_class,
        full_member_since=case.full_member_since,
        dossier=dossier_of(source, case),
        committee_resolution_required=committee_resolution_required,
        transfer_reference=ref,
        introduced_by=case.introduced_by,
        document=exit_event.document,
        notes=c.notes,
    )
