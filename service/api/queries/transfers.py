"""A pending transfer from another tenant of this deployment (``service.transfers``), as the
receiving tenant's organizer reads it before accepting it: stage, dates, the transfer document
and how many dossier documents come with it — no personal data. Only the tenant the case was
addressed to gets an answer; any other gets the same null as for an unknown case."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.candidates import Stage
from domain.errors import NotFound
from service.api.context import get_context
from service.api.permissions import Capability, needs
from service.transfers import TransferOffer, transfer_offer


@strawberry.type(
    name="TransferOffer",
    description="A case another tenant transferred to this one, waiting to be accepted "
    "(acceptTransferredCase).",
)
class TransferOfferType:
    from_tenant: str = strawberry.field(description="The tenant it comes from (slug).")
    from_tenant_name: str = strawberry.field(description="That tenant's name.")
    case_code: str = strawberry.field(description="Its case code there.")
    stage: Stage = strawberry.field(description="The stage it had when it left.")
    transferred_on: date = strawberry.field(description="Date it was transferred out.")
    document_kind: str = strawberry.field(description="The transfer document's form.")
    document_number: str = strawberry.field(description="Its number.")
    document_issued_on: date = strawberry.field(description="Its date.")
    document_issuer: str = strawberry.field(description="Its issuing body.")
    dossier_documents: int = strawberry.field(
        description="Dossier documents that come with it (application, letters, resolutions…)."
    )

    @classmethod
    def of(cls, offer: TransferOffer) -> TransferOfferType:
        return cls(
            from_tenant=offer.from_tenant,
            from_tenant_name=offer.from_tenant_name,
            case_code=offer.case_code,
            stage=offer.stage,
            transferred_on=offer.transferred_on,
            document_kind=offer.document.kind,
            document_number=offer.document.number,
            document_issued_on=offer.document.issued_on,
            document_issuer=offer.document.issuer,
            dossier_documents=offer.dossier_documents,
        )


@strawberry.type
class TransferQueries:
    @strawberry.field(
        description="A case transferred to this tenant by another tenant of the deployment, "
        "pending acceptance; null when there is none (or it was not addressed to this tenant).",
        permission_classes=needs(Capability.WRITE),
    )
    async def transfer_offer(
        self,
        info: Info,
        from_tenant: Annotated[str, strawberry.argument(description="The sending tenant.")],
        case_code: Annotated[str, strawberry.argument(description="The case code there.")],
    ) -> TransferOfferType | None:
        ctx = get_context(info)
        store = ctx.services.store
        tenant = ctx.tenant

        def read() -> TransferOfferType | None:
            try:
                return TransferOfferType.of(transfer_offer(store, tenant, from_tenant, case_code))
            except NotFound:
                return None

        return await ctx.run_sync(read)
