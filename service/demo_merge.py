"""The demo's merged tenant: the 2025 reform, Bà Rịa – Vũng Tàu merged into the demo tenant.

From 1/7/2025 the provincial committees merged (Bà Rịa – Vũng Tàu into Hồ Chí Minh City), and
their enterprise blocs with them. The demo seeds a small second tenant (``ba_ria_vung_tau``:
its bloc, an electricity company's committee and branch, a water company's branch, a few cases
at different stages, one rejected) through the same handlers and builder as the demo, then
merges it into the demo tenant (``MergeTenant``) under the demo's bloc: its codes collide with
the demo's and arrive prefixed, its open cases go on in the demo with their dossiers, the
rejected one stays in its closed history. A separate module so the demo's own seeding stays as
it was.
"""

from __future__ import annotations

from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.candidates import Stage
from domain.commands import (
    AcceptTransferredCase,
    EstablishUnit,
    MergeTenant,
    ReportHeadcount,
    TransferCandidateOut,
)
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority
from domain.values import Actor, DocumentRef, Role
from service.audit.checkpoints import load_signing_key
from service.commands import Handlers, Principal
from service.demo import DEMO_SLUG, ORGANIZER, DemoBuilder
from service.tenant_merge import MergeSummary

MERGED_SLUG = "ba_ria_vung_tau"
MERGED_NAME = "Đảng bộ Khối Doanh nghiệp tỉnh Bà Rịa – Vũng Tàu (dữ liệu mẫu)"
MERGED_ON = date(2025, 7, 1)
OPERATOR = Actor("demo-operator", Role.PLATFORM_OPERATOR)
#: Codes shared with the demo's tree (so the demo builder's lookups apply); they collide.
TREE: list[tuple[str, str, UnitKind, str | None, AdmissionAuthority | None]] = [
    ("KDN", "Đảng bộ Khối Doanh nghiệp tỉnh Bà Rịa – Vũng Tàu", UnitKind.COMMITTEE, None, None),
    (
        "DU-DIEN",
        "Đảng bộ Công ty Điện lực Bà Rịa – Vũng Tàu",
        UnitKind.GRASSROOTS_COMMITTEE,
        "KDN",
        AdmissionAuthority.GRASSROOTS_COMMITTEE,
    ),
    ("CB-DIEN-1", "Chi bộ Điện lực Vũng Tàu", UnitKind.BRANCH, "DU-DIEN", None),
    (
        "CBCS-CN",
        "Chi bộ Công ty Cấp nước Bà Rịa – Vũng Tàu",
        UnitKind.GRASSROOTS_BRANCH,
        "KDN",
        None,
    ),
]
#: (case, branch, opened on, stage aimed at)
CASES = [
    ("BR-001", "CB-DIEN-1", date(2023, 2, 6), Stage.PROBATIONARY),
    ("BR-002", "CB-DIEN-1", date(2024, 5, 6), Stage.BRANCH_RESOLVED),
    ("BR-003", "CBCS-CN", date(2024, 8, 5), Stage.VERIFIED),
    ("BR-004", "CBCS-CN", date(2024, 11, 4), Stage.SYMPATHIZER),
    ("BR-005", "CB-DIEN-1", date(2023, 9, 4), Stage.REJECTED),
    ("BR-006", "CBCS-CN", date(2024, 3, 4), Stage.SPONSORED),
]
#: A case Bà Rịa – Vũng Tàu transfers to the demo tenant before the merge (the organizers'
#: own path between tenants: no operator), and the demo's organizer accepts it.
TRANSFERRED = "BR-006"
TRANSFERRED_ON = date(2025, 5, 12)
RESOLUTION = DocumentRef(
    kind="Nghị quyết",
    number="202/2025/QH15",
    issued_on=date(2025, 6, 12),
    issuer="Quốc hội",
)


def merged_slug(into: str) -> str:
    """The demo's merged tenant next to ``into`` (``ba_ria_vung_tau`` next to the demo)."""
    return MERGED_SLUG if into == DEMO_SLUG else f"{into}_brvt"[:40]


def transfer_case(handlers: Handlers, builder: DemoBuilder, into: str) -> None:
    """BR-006 leaves Bà Rịa – Vũng Tàu for ``into`` with its dossier; ``into`` accepts it
    (as ``<code>-NHAN``) into its water company's branch a week later."""
    source = handlers.store.app(builder.p.tenant, write=False)
    case = handlers.candidate(source, TRANSFERRED)
    if case.stage.is_exit or case.last_step_on > TRANSFERRED_ON:
        return  # the seed took it elsewhere: nothing to transfer
    handlers.handle(
        builder.p,
        TransferCandidateOut(
            case_code=TRANSFERRED,
            destination=f"Đảng bộ {into}",
            destination_tenant=into,
            occurred_on=TRANSFERRED_ON,
            document=builder.doc("Giấy giới thiệu chuyển sinh hoạt", TRANSFERRED_ON, "Chi bộ"),
        ),
    )
    handlers.handle(
        Principal(into, ORGANIZER),
        AcceptTransferredCase(
            case_code=f"{TRANSFERRED}-NHAN",
            from_tenant=builder.p.tenant,
            from_case_code=TRANSFERRED,
            unit_code="CBCS-CN",
            occurred_on=TRANSFERRED_ON + timedelta(days=7),
        ),
    )


def seed_merged_tenant(handlers: Handlers, into: str = DEMO_SLUG, seed: int = 2025) -> MergeSummary:
    """Seed the Bà Rịa – Vũng Tàu tenant and merge it into ``into`` on 1/7/2025 (under its
    bloc ``KDN``). Signed with the deployment's key, or a throw-away one when none is
    configured (a demo: the statement carries its public key)."""
    slug = merged_slug(into)
    handlers.create_tenant(OPERATOR, slug, MERGED_NAME, "provincial_enterprise_bloc")
    builder = DemoBuilder(handlers, slug, seed)
    for code, name, kind, parent, authority in TREE:
        handlers.handle(
            builder.p,
            EstablishUnit(
                code=code,
                name=name,
                kind=kind,
                parent_code=parent,
                occurred_on=date(2016, 1, 4),
                admission_authority=authority,
            ),
        )
    handlers.handle(
        builder.p, ReportHeadcount(code="KDN", members=1840, occurred_on=date(2025, 1, 1))
    )
    for code, unit, start, target in CASES:
        builder.run_case(code, unit, start, target)
    transfer_case(handlers, builder, into)
    configured = handlers.store.settings.signing_key_file
    key = load_signing_key(configured) if configured else Ed25519PrivateKey.generate()
    command = MergeTenant(
        slug=slug,
        into=into,
        effective_on=MERGED_ON,
        under_unit="KDN",
        document=RESOLUTION,
        reason="Hợp nhất tỉnh Bà Rịa – Vũng Tàu vào Thành phố Hồ Chí Minh từ 01/7/2025",
    )
    return handlers.merge_tenant(OPERATOR, command, key=key)
