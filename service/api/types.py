"""GraphQL object types shared by queries and mutation payloads: cases and units.

Leaf fields are plain attributes (cheap); related objects (a case's unit) come through the
request's DataLoaders. Fields holding personal data (a candidate's ``fullName``, the names of
its sponsors and helpers) note the read in the request's access log (written before the response
leaves), as a read of the case. ``Candidate.profile`` loads the
decrypted personal data from the case's aggregate (not the read models), batched per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from domain.candidates import Stage
from domain.classifications import Ethnicity, Religion
from domain.values import (
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PersonProfile,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    WorkplaceType,
)
from projections.queries.org_tree import UnitNode
from projections.queries.pipeline import CandidateRow
from service.api.context import ApiContext, CutKey, get_context
from service.api.dossier import CaseDossier
from service.api.dossier import dossier as case_dossier
from service.api.relay import CARRIED_BY_ROW, Node, global_id

StageEnum = strawberry.enum(
    Stage, name="Stage", description="Stage of a case in the admission procedure (bước)."
)
MassOrganizationEnum = strawberry.enum(
    MassOrganization,
    name="MassOrganization",
    description="Mass organisation introducing a candidate (tổ chức chính trị - xã hội).",
)


@strawberry.type(description="A unit of the party organisation (tổ chức đảng) on a date.")
class OrgUnit(Node):
    unit_id: strawberry.Private[str]
    code: str = strawberry.field(description="The unit's code, unique in the tenant.")
    name: str = strawberry.field(description="Name on that date.")
    kind: str = strawberry.field(
        description="Kind: committee (đảng bộ), grassroots committee (đảng bộ cơ sở), branch "
        "(chi bộ)…"
    )
    status: str = strawberry.field(description="open, merged or dissolved on that date.")
    depth: int = strawberry.field(description="Levels below the root on that date (root: 0).")
    headcount: int | None = strawberry.field(
        description="Party members (số đảng viên) by the unit's latest report on or before the "
        "date; a unit with no report of its own shows the sum of its sub-units' (see "
        "headcountRolledUp)."
    )
    headcount_rolled_up: bool = strawberry.field(
        description="Whether headcount is the sum of the sub-units' headcounts (cộng từ các "
        "đơn vị trực thuộc) because the unit reported none of its own."
    )
    admission_authority: str | None = strawberry.field(
        description="Who decides admissions for the unit (thẩm quyền kết nạp), when set."
    )
    since: date = strawberry.field(description="Start of this version of the unit.")
    parent_key: strawberry.Private[str | None]
    merged_into_key: strawberry.Private[str | None]
    cut: strawberry.Private[CutKey]

    @classmethod
    def of(cls, node: UnitNode, cut: CutKey) -> OrgUnit:
        return cls(
            id=global_id("OrgUnit", node.unit_id),
            unit_id=node.unit_id,
            code=node.code,
            name=node.name,
            kind=node.kind,
            status=node.status,
            depth=node.depth,
            headcount=node.headcount,
            headcount_rolled_up=node.headcount_rolled_up,
            admission_authority=node.admission_authority,
            since=node.since,
            parent_key=node.parent_id,
            merged_into_key=node.merged_into,
            cut=cut,
        )

    @strawberry.field(
        description="The unit above (cấp ủy cấp trên) on that date.",
        graphql_type="OrgUnit | None",
    )
    def parent(self, info: Info) -> MaybeUnit:
        return _parent(self, info)

    @strawberry.field(
        description="The unit this one was merged into (sáp nhập), if merged.",
        graphql_type="OrgUnit | None",
    )
    def merged_into(self, info: Info) -> MaybeUnit:
        if self.merged_into_key is None:
            return None
        return unit_at(info, self.cut, self.merged_into_key)


#: A unit, or the awaitable of one when the request has not read its cut's units yet.
MaybeUnit = OrgUnit | None | Awaitable[OrgUnit | None]


def _parent(source: OrgUnit, info: Any) -> MaybeUnit:
    return None if source.parent_key is None else unit_at(info, source.cut, source.parent_key)


def _unit(source: Candidate, info: Any) -> MaybeUnit:
    return unit_at(info, source.cut, source.unit_key)


#: graphql-core resolvers of fields without arguments, permissions or field extensions, set in
#: place of strawberry's wrappers (``schema.build_schema``): on a page of fifty cases with their
#: units and parents, strawberry's per-call work (its ``Info``, the arguments, the extension
#: chain) was a sixth of the execution. Same answers as the strawberry resolvers above.
DIRECT_RESOLVERS: dict[tuple[str, str], Callable[[Any, Any], MaybeUnit]] = {
    ("OrgUnit", "parent"): _parent,
    ("Candidate", "unit"): _unit,
}


def unit_at(info: Any, cut: CutKey, unit_id: str) -> MaybeUnit:
    """The unit ``unit_id`` on ``cut``: at once when the request has read the cut's units (a
    page of cases reads them with the page), else through the request's DataLoader. A resolver
    returning a value, not a coroutine, spares graphql-core a task per object of a page."""
    ctx = get_context(info)
    known = ctx.units_read(cut)
    if known is None:
        return _load_unit(ctx, cut, unit_id)
    made = ctx.unit_objects.get((cut, unit_id))  # a page's cases share a few units
    if made is None:
        node = known.get(unit_id)
        if node is None:
            return None
        made = ctx.unit_objects[(cut, unit_id)] = OrgUnit.of(node, cut)
    assert isinstance(made, OrgUnit)
    return made


async def _load_unit(ctx: ApiContext, cut: CutKey, unit_id: str) -> OrgUnit | None:
    node = await ctx.unit_loader.load((cut, unit_id))
    return None if node is None else OrgUnit.of(node, cut)


@strawberry.type(description="A step of the case and its business date.")
class StepDate:
    step: str = strawberry.field(description="The step (e.g. branch_resolution).")
    on: date = strawberry.field(description="Business date of the step (on its document).")


@strawberry.type(description="A sponsoring member (người giới thiệu) and the date of the letter.")
class Sponsorship:
    candidate_id: strawberry.Private[str]
    name_value: strawberry.Private[str]
    member_id: str = strawberry.field(description="The sponsor's member id.")
    letter_on: date = strawberry.field(description="Date of the sponsorship letter (3-KNĐ).")

    @strawberry.field(description="The sponsor's name: personal data, every read is logged.")
    def name(self, info: Info) -> str:
        # logged as a read of the case it appears in (the access log is kept per case)
        get_context(info).personal_read(self.candidate_id, "graphql:Sponsorship.name")
        return self.name_value


@strawberry.type(description="The next step's deadline (thời hạn) in the case's current stage.")
class Deadline:
    step: str = strawberry.field(description="The step that is due.")
    due_on: date = strawberry.field(description="Due date (working days where the rule says so).")
    latest_on: date | None = strawberry.field(
        description="The last date allowed with an extension, where the rule allows one."
    )
    overdue: bool = strawberry.field(description="Past its due date on the asked date.")


def _step_dates(root: strawberry.Parent[Any]) -> list[StepDate]:
    row: CandidateRow = root.row
    return [StepDate(step=s, on=d) for s, d in row.step_dates]


def _sponsors(root: strawberry.Parent[Any]) -> list[Sponsorship]:
    row: CandidateRow = root.row
    return [
        Sponsorship(
            candidate_id=row.candidate_id,
            name_value=s.name,
            member_id=s.member_id,
            letter_on=s.letter_on,
        )
        for s in row.sponsors
    ]


@strawberry.type(
    description="A candidate's case (hồ sơ quần chúng) as it stood on a date; "
    "the name is personal data and its reads are logged."
)
class Candidate(Node):
    row: strawberry.Private[CandidateRow]
    candidate_id: strawberry.Private[str]
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    full_name_value: strawberry.Private[str]
    case_code: str = strawberry.field(description="The case code (mã hồ sơ), unique in the tenant.")
    stage: Stage = strawberry.field(description="Stage on that date.")
    stage_since: date = strawberry.field(description="Date the case entered that stage.")
    introduced_by: str = strawberry.field(
        description="Who introduced the candidate (tổ chức giới thiệu)."
    )
    # Lists built only when asked (most pages do not ask): resolvers over the row, carried by
    # it (``limits.RowCost`` counts each as one row, as for an attribute).
    step_dates: list[StepDate] = strawberry.field(
        resolver=_step_dates,
        description="Steps dated on or before that date, in order.",
        metadata=CARRIED_BY_ROW,
    )
    helper_names: strawberry.Private[tuple[str, ...]]
    sponsors: list[Sponsorship] = strawberry.field(
        resolver=_sponsors,
        description="Sponsors (người giới thiệu) with letters on or before that date.",
        metadata=CARRIED_BY_ROW,
    )
    deadline: Deadline | None = strawberry.field(description="The next step's deadline, if any.")
    last_step_on: date = strawberry.field(
        description="Date of the last step on or before that date."
    )
    probation_ends_on: date | None = strawberry.field(
        description="End of the 12 months of probation (hết thời kỳ dự bị), once admitted at a "
        "ceremony on or before that date; moves with a corrected ceremony date."
    )
    full_member_since: date | None = strawberry.field(
        description="Full member (đảng viên chính thức) since: the end of probation, once "
        "recognised on or before that date (or received as a full member)."
    )
    dossier: CaseDossier | None = strawberry.field(
        resolver=case_dossier,
        description="The case's dossier from its history: every document, the exceptions and "
        "consents used, the extensions, the flags (loaded only when asked).",
    )

    @classmethod
    def of(cls, row: CandidateRow, cut: CutKey) -> Candidate:
        deadline = None
        if row.deadline_step is not None and row.deadline_on is not None:
            deadline = Deadline(
                step=row.deadline_step,
                due_on=row.deadline_on,
                latest_on=row.deadline_latest_on,
                overdue=row.overdue,
            )
        return cls(
            id=global_id("Candidate", row.candidate_id),
            row=row,
            candidate_id=row.candidate_id,
            unit_key=row.unit_id,
            cut=cut,
            full_name_value=row.full_name,
            case_code=row.case_code,
            stage=row.stage,
            stage_since=row.stage_since,
            introduced_by=row.introduced_by,
            helper_names=row.helpers,
            deadline=deadline,
            last_step_on=row.last_step_on,
            probation_ends_on=row.probation_ends_on,
            full_member_since=row.full_member_since,
        )

    @strawberry.field(description="Full name (họ và tên): personal data, every read is logged.")
    def full_name(self, info: Info) -> str:
        get_context(info).personal_read(self.candidate_id, "graphql:Candidate.fullName")
        return self.full_name_value

    @strawberry.field(
        description="Members assigned to help (đảng viên giúp đỡ), on or before that date: "
        "their names are personal data, every read is logged."
    )
    def helpers(self, info: Info) -> list[str]:
        if self.helper_names:
            get_context(info).personal_read(self.candidate_id, "graphql:Candidate.helpers")
        return list(self.helper_names)

    @strawberry.field(
        description="The unit (chi bộ) the case was in on that date.",
        graphql_type="OrgUnit | None",
    )
    def unit(self, info: Info) -> MaybeUnit:
        return _unit(self, info)

    @strawberry.field(
        description="Personal data (lý lịch tóm tắt) from the case's history, decrypted; as "
        "recorded at the case's recording time. Every read is logged (nhật ký truy cập)."
    )
    async def profile(self, info: Info) -> CandidateProfile | None:
        ctx = get_context(info)
        ctx.personal_read(self.candidate_id, "graphql:Candidate.profile")
        person = await ctx.profile_loader.load((self.cut.recorded_at, self.candidate_id))
        return None if person is None else CandidateProfile.of(person)


# --- personal data (Candidate.profile) --------------------------------------------------------
GenderEnum = strawberry.enum(Gender, name="Gender", description="Gender (giới tính).")
EducationLevelEnum = strawberry.enum(
    EducationLevel,
    name="EducationLevel",
    description="General education level (trình độ giáo dục phổ thông).",
)
ProfessionalLevelEnum = strawberry.enum(
    ProfessionalLevel,
    name="ProfessionalLevel",
    description="Professional qualification (trình độ chuyên môn).",
)
PoliticalTheoryLevelEnum = strawberry.enum(
    PoliticalTheoryLevel,
    name="PoliticalTheoryLevel",
    description="Political theory level (trình độ lý luận chính trị).",
)
OccupationEnum = strawberry.enum(
    Occupation, name="Occupation", description="Occupation category (nghề nghiệp)."
)
WorkplaceTypeEnum = strawberry.enum(
    WorkplaceType,
    name="WorkplaceType",
    description="Kind of workplace (loại hình nơi làm việc).",
)


def _labelled(enum: Any, labels: Callable[[Any], str]) -> Any:
    """``enum`` with each value described by its Vietnamese name (read by introspection and
    printed in schema.graphql), for lists a client shows by name."""
    for value in enum.__strawberry_definition__.values:
        value.description = labels(enum[value.name])
    return enum


EthnicityEnum = _labelled(
    strawberry.enum(
        Ethnicity,
        name="Ethnicity",
        description="Ethnic group (dân tộc): the 54 groups of Vietnam (Danh mục các dân tộc Việt "
        "Nam, 121-TCTK/PPCĐ 1979), a foreign origin, or UNDETERMINED (only for records made "
        "before the list; refused as input). Each value's description is its Vietnamese name.",
    ),
    lambda e: e.label_vi,
)
ReligionEnum = _labelled(
    strawberry.enum(
        Religion,
        name="Religion",
        description="Religion (tôn giáo): none, the 16 religions recognised by the State, or "
        "OTHER (named in the profile's religionNote). Each value's description is its "
        "Vietnamese name.",
    ),
    lambda r: r.label_vi,
)


@strawberry.type(
    description="A candidate's personal data (lý lịch tóm tắt): personal data, every read is "
    "logged."
)
class CandidateProfile:
    birth_date: date = strawberry.field(description="Date of birth (ngày sinh).")
    gender: Gender = strawberry.field(description="Gender (giới tính).")
    ethnicity: Ethnicity = strawberry.field(description="Ethnic group (dân tộc).")
    ethnicity_vi: str = strawberry.field(
        description="The ethnic group's Vietnamese name (tên dân tộc)."
    )
    ethnicity_note: str = strawberry.field(
        description="The ethnic group as written in the papers, or the text of a record made "
        "before the list (then ethnicity is UNDETERMINED); empty when none."
    )
    religion: Religion = strawberry.field(description="Religion (tôn giáo).")
    religion_vi: str = strawberry.field(description="The religion's Vietnamese name.")
    religion_note: str = strawberry.field(
        description="The religion's name with OTHER, or the text of a record made before the "
        "list; empty when none."
    )
    education: EducationLevel = strawberry.field(
        description="General education (trình độ giáo dục phổ thông)."
    )
    professional_level: ProfessionalLevel = strawberry.field(
        description="Professional qualification (trình độ chuyên môn)."
    )
    political_theory: PoliticalTheoryLevel = strawberry.field(
        description="Political theory level (trình độ lý luận chính trị)."
    )
    occupation: Occupation = strawberry.field(description="Occupation (nghề nghiệp).")
    workplace_type: WorkplaceType = strawberry.field(
        description="Kind of workplace (loại hình nơi làm việc)."
    )
    identity_number: str = strawberry.field(
        description="Citizen identity number (số căn cước công dân); empty when not recorded."
    )
    youth_union_member: bool = strawberry.field(
        description="Member of the Youth Union (đoàn viên Đoàn Thanh niên)."
    )
    trade_union_member: bool = strawberry.field(
        description="Member of the Trade Union (đoàn viên Công đoàn)."
    )

    @classmethod
    def of(cls, person: PersonProfile) -> CandidateProfile:
        return cls(
            birth_date=person.birth_date,
            gender=person.gender,
            ethnicity=person.ethnicity,
            ethnicity_vi=person.ethnicity.label_vi,
            ethnicity_note=person.ethnicity_note,
            religion=person.religion,
            religion_vi=person.religion.label_vi,
            religion_note=person.religion_note,
            education=person.education,
            professional_level=person.professional_level,
            political_theory=person.political_theory,
            occupation=person.occupation,
            workplace_type=person.workplace_type,
            identity_number=person.identity_number,
            youth_union_member=person.is_youth_union_member,
            trade_union_member=person.is_trade_union_member,
        )
