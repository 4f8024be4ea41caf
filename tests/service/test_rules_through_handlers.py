"""The rules of issue 13 through the handlers: the Youth Union organisation is a unit's declared
fact, found on the branch or up to its grassroots organisation (Charter Art. 4), and the
recognition decision asks for the grassroots committee's resolution (15-KNĐ) only where the
branch sits under a grassroots committee (docs/regulations.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from domain import ids
from domain.candidates import Candidate, Stage
from domain.commands import (
    Command,
    DeclareYouthUnionOrganisation,
    EstablishUnit,
    RecordUnionIntroduction,
)
from domain.errors import DomainError
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, RecognitionForm
from domain.values import Actor, MassOrganization, Role
from service.commands import Handlers, Principal
from service.store import Store
from tests.walks import DOSSIER_2025, issued_by, person, walk

TODAY = date(2026, 11, 21)
P = Principal("bloc_rules", Actor("to-chuc-1", Role.ORGANIZER))
EST = date(2015, 1, 1)
doc = issued_by("Chi bộ Phòng Kỹ thuật")
YOUNG = person("Trần Văn Trẻ", date(1999, 6, 1), is_youth_union_member=True)


@pytest.fixture
def handlers(store: Store) -> Handlers:
    """KDN → DU (grassroots committee, deciding) → CB; nothing declared about the Youth Union."""
    h = Handlers(store, today=lambda: TODAY)
    h.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), P.tenant, "Khối DN", "other")
    for command in (
        EstablishUnit(
            code="KDN",
            name="Đảng bộ Khối",
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=EST,
        ),
        EstablishUnit(
            code="DU",
            name="Đảng bộ Công ty",
            kind=UnitKind.GRASSROOTS_COMMITTEE,
            parent_code="KDN",
            occurred_on=EST,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        ),
        EstablishUnit(
            code="CB",
            name="Chi bộ Phòng Kỹ thuật",
            kind=UnitKind.BRANCH,
            parent_code="DU",
            occurred_on=EST,
        ),
    ):
        h.handle(P, command)
    return h


def _case(h: Handlers, code: str) -> Candidate:
    return h.store.app(P.tenant, write=False).get(ids.candidate_id(P.tenant, code), Candidate)


def _run(h: Handlers, commands: Sequence[Command]) -> None:
    for command in commands:
        h.handle(P, command)


def test_two_members_cannot_sponsor_a_young_candidate_until_the_youth_union_fact_is_declared(
    handlers: Handlers,
) -> None:
    steps = walk(
        "HS-1", Stage.SPONSORED, steps=DOSSIER_2025, unit_code="CB", who=YOUNG, documents=doc
    )
    *before, last = steps
    _run(handlers, before)
    with pytest.raises(DomainError) as refusal:
        handlers.handle(P, last)
    assert refusal.value.code == "YOUTH_UNION_ORGANISATION_UNDECLARED"
    handlers.handle(
        P, DeclareYouthUnionOrganisation(code="DU", present=False, occurred_on=date(2020, 1, 1))
    )
    handlers.handle(P, last)
    assert _case(handlers, "HS-1").stage is Stage.SPONSORED


def test_the_branchs_own_declaration_counts_before_its_grassroots_organisations(
    handlers: Handlers,
) -> None:
    """The company declares no Youth Union; the branch (a youth centre) declares one: there a
    young candidate needs the Youth Union's resolution, two members are refused."""
    handlers.handle(
        P, DeclareYouthUnionOrganisation(code="DU", present=False, occurred_on=date(2020, 1, 1))
    )
    handlers.handle(
        P, DeclareYouthUnionOrganisation(code="CB", present=True, occurred_on=date(2024, 1, 1))
    )
    steps = walk(
        "HS-2", Stage.SPONSORED, steps=DOSSIER_2025, unit_code="CB", who=YOUNG, documents=doc
    )
    *before, last = steps
    _run(handlers, before)
    with pytest.raises(DomainError) as refusal:
        handlers.handle(P, last)
    assert refusal.value.code == "SPONSORSHIP_ROUTE_INVALID"
    handlers.handle(
        P,
        RecordUnionIntroduction(
            case_code="HS-2",
            organization=MassOrganization.YOUTH_UNION,
            occurred_on=DOSSIER_2025.sponsors,
            document=doc("4-KNĐ", DOSSIER_2025.sponsors),
        ),
    )
    assert _case(handlers, "HS-2").stage is Stage.SPONSORED


def test_under_a_grassroots_committee_the_recognition_decision_needs_15_knd(
    handlers: Handlers,
) -> None:
    handlers.handle(
        P, DeclareYouthUnionOrganisation(code="DU", present=False, occurred_on=date(2020, 1, 1))
    )
    commands = walk("HS-3", Stage.FULL_MEMBER, steps=DOSSIER_2025, unit_code="CB", documents=doc)
    resolution = next(
        c for c in commands if getattr(c, "form", None) is RecognitionForm.GRASSROOTS_RESOLUTION
    )
    *before, decision = [c for c in commands if c is not resolution]
    _run(handlers, before)
    with pytest.raises(DomainError) as refusal:
        handlers.handle(P, decision)
    assert refusal.value.code == "RECOGNITION_DOSSIER_INCOMPLETE"
    handlers.handle(P, resolution)
    handlers.handle(P, decision)
    assert _case(handlers, "HS-3").stage is Stage.FULL_MEMBER
