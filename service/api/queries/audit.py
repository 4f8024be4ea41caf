"""Audit queries (Ủy ban Kiểm tra): the audit history, a case's or a unit's timeline, the hash
chain's verification and the access log.

- ``auditEntries`` pages the tenant's audit history (``rm_audit``) in SQL by recording position
  (keyset); both time axes: ``filter.asOf`` (business date) and ``asRecordedAt`` (recording
  time). Entries name candidates by case code and units by code, never a person's name.
- ``candidateTimeline`` / ``unitTimeline``: one case's / one unit's entries.
- ``verifyHistory`` (auditors only) recomputes the token's tenant's hash chain, optionally
  against a signed checkpoint kept outside the system.
- ``accessLog`` (auditors only): who read which candidate's personal data, newest first.

Organizers and auditors read the audit history; a branch secretary reads the timelines of the
cases in its units now (``candidateTimeline``); only auditors verify and read the access log. A
correction's entry lists its corrected values (``AuditEntry.changes``: "field: old → new"), read
decrypted from its event; a profile's values are given to the roles that read cases only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain import ids
from domain.checklist import FieldChange, shown
from domain.errors import DomainError, InvalidInput
from projections.queries import audit_history
from projections.queries.audit_history import AuditFilter, AuditPage
from projections.sql import Tx, placeholders
from service.api.context import ApiContext, get_context
from service.api.permissions import Capability, allows, needs
from service.api.queries.cases import case_readable
from service.api.queries.core import AsRecordedAt
from service.api.relay import (
    CARRIED_BY_ROW,
    After,
    Connection,
    First,
    connection,
    decode_cursor,
    page_size,
    selects,
)
from service.audit import access_log
from service.audit.checkpoints import Checkpoint, parse_checkpoints
from service.audit.verify import Break, CheckpointCheck, VerifyResult, verify_tenant

READ_AUDIT = needs(Capability.READ_AUDIT)
READ_CASES = needs(Capability.READ_CASES)
VERIFY_HISTORY = needs(Capability.VERIFY_HISTORY)


# --- types ------------------------------------------------------------------------------------
@strawberry.type(description="The document (văn bản) an event was backed by.")
class AuditDocument:
    kind: str = strawberry.field(description='Form of the document, e.g. "6-KNĐ".')
    number: str = strawberry.field(description='Its number, e.g. "12/NQ-CB".')
    issued_on: date = strawberry.field(description="Its date (ngày ban hành).")
    issuer: str = strawberry.field(description="The issuing body (cơ quan ban hành).")


@strawberry.type(
    description="One event of the tenant's history as the audit history (lịch sử kiểm tra) "
    "shows it: who did what, when, on which document. Candidates appear by case code only."
)
class AuditEntry:
    position: int = strawberry.field(
        description="Position of the event in the tenant's history (recording order)."
    )
    recorded_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    occurred_on: date | None = strawberry.field(
        description="Business date of the action (ngày trên văn bản); null for tenant settings."
    )
    event_type: str = strawberry.field(description='Event type, e.g. "Candidate.Rejected".')
    aggregate_type: str = strawberry.field(
        description="Kind of object the event belongs to: Candidate, OrgUnit, QuotaPlan, "
        "TenantPolicy."
    )
    actor_id: str = strawberry.field(description="User id of who recorded it.")
    role: str = strawberry.field(description="The role they acted in (vai trò).")
    document: AuditDocument | None = strawberry.field(
        description="The document backing the action, if any."
    )
    case_code: str | None = strawberry.field(
        description="The case (mã hồ sơ) the event concerns, for a candidate's event."
    )
    unit_code: str | None = strawberry.field(
        description="The unit (tổ chức đảng) the event concerns: for a case, the unit "
        "following the case now."
    )
    related_unit_code: str | None = strawberry.field(
        description="The other unit the event involves (a case's previous unit, a merge "
        "partner, a new parent), if any."
    )
    summary_vi: str = strawberry.field(description="One-line summary in Vietnamese.")
    summary_en: str = strawberry.field(description="One-line summary in English.")
    aggregate_key: strawberry.Private[str]
    aggregate_version: strawberry.Private[int]
    candidate_key: strawberry.Private[str | None]

    @strawberry.field(
        description="What a correction (đính chính) changed: each field with its value before "
        'and after ("field: old → new"); empty for other events. A profile\'s values are '
        "personal data: given to the roles that read cases (null for others), every read "
        "logged.",
        metadata=CARRIED_BY_ROW,  # one event read at most, for a correction only: one row
    )
    async def changes(self, info: Info) -> list[AuditChange]:
        if self.event_type not in CORRECTION_EVENTS:
            return []
        return await correction_changes(get_context(info), self)


@strawberry.type(description="One corrected value (đính chính): field: old → new.")
class AuditChange:
    field: str = strawberry.field(
        description='The step whose date was corrected (e.g. "ceremony") or the profile field '
        '(e.g. "birth_date").'
    )
    personal: bool = strawberry.field(description="Whether the values are personal data.")
    previous: str | None = strawberry.field(
        description="The value before (ISO date, enum value, text); null when the caller may "
        "not read personal data."
    )
    corrected: str | None = strawberry.field(
        description="The value after; null when the caller may not read personal data."
    )


CORRECTION_EVENTS = frozenset({"Candidate.StepDateCorrected", "Candidate.ProfileCorrected"})


async def correction_changes(ctx: ApiContext, entry: AuditEntry) -> list[AuditChange]:
    """The corrected values of one correction, read (decrypted) from its event in the store."""
    tenant, store = ctx.tenant, ctx.services.store
    aggregate_id, version = UUID(entry.aggregate_key), entry.aggregate_version

    def load() -> object | None:
        app = store.app(tenant, write=False)
        return next(iter(app.events.get(aggregate_id, gt=version - 1, lte=version)), None)

    event = await ctx.run_sync(load)
    if event is None:
        return []
    if entry.event_type == "Candidate.StepDateCorrected":
        return [
            AuditChange(
                field=str(getattr(event, "step", "")),
                personal=False,
                previous=shown(getattr(event, "previous_date", None)),
                corrected=shown(getattr(event, "corrected_date", None)),
            )
        ]
    changes: tuple[FieldChange, ...] = tuple(getattr(event, "changes", ()))
    allowed = allows(ctx.principal.roles, ctx.principal.tenant, Capability.READ_CASES)
    if allowed and changes and entry.candidate_key is not None:
        ctx.personal_read(entry.candidate_key, "graphql:AuditEntry.changes")
    return [
        AuditChange(
            field=c.field,
            personal=True,
            previous=c.previous if allowed else None,
            corrected=c.corrected if allowed else None,
        )
        for c in changes
    ]


@strawberry.input(
    description="Which audit entries to list; every criterion given must hold (none: all)."
)
class AuditFilterInput:
    actor_id: str | None = strawberry.field(
        default=None, description="Only entries recorded by this user id."
    )
    roles: list[str] | None = strawberry.field(
        default=None, description="Only entries recorded in these roles (vai trò)."
    )
    event_types: list[str] | None = strawberry.field(
        default=None, description='Only these event types, e.g. "Candidate.Rejected".'
    )
    aggregate_types: list[str] | None = strawberry.field(
        default=None, description="Only events of these kinds of object (Candidate, OrgUnit…)."
    )
    case_code: str | None = strawberry.field(
        default=None, description="Only events of this case (mã hồ sơ)."
    )
    unit_code: str | None = strawberry.field(
        default=None,
        description="Only events concerning this unit (tổ chức đảng): its own, its cases' and "
        "its quotas' events.",
    )
    include_related_units: bool = strawberry.field(
        default=False,
        description="With unitCode: also events of other units that involve it (moves, merges).",
    )
    occurred_from: date | None = strawberry.field(
        default=None, description="Business date on or after this day."
    )
    occurred_to: date | None = strawberry.field(
        default=None, description="Business date on or before this day."
    )
    recorded_from: datetime | None = strawberry.field(
        default=None, description="Recorded at or after this time (UTC when no offset)."
    )
    recorded_to: datetime | None = strawberry.field(
        default=None, description="Recorded at or before this time (UTC when no offset)."
    )
    as_of: date | None = strawberry.field(
        default=None,
        description="As of this business date: only actions dated on or before it.",
    )
    include_undated: bool = strawberry.field(
        default=False,
        description="Keep events without a business date (tenant settings) under the "
        "business-date criteria.",
    )


@strawberry.type(description="The first broken link of the hash chain (chuỗi băm).")
class ChainBreak:
    position: int = strawberry.field(description="Position where the chain breaks.")
    kind: str = strawberry.field(
        description="link_missing, event_missing, prev_mismatch, hash_mismatch or "
        "checkpoint_mismatch."
    )
    message_vi: str = strawberry.field(description="What differs, in Vietnamese.")
    message_en: str = strawberry.field(description="What differs, in English.")
    expected: str | None = strawberry.field(description="The hash stored or vouched for (hex).")
    found: str | None = strawberry.field(description="The hash recomputed (hex).")


@strawberry.type(description="How a signed checkpoint (điểm kiểm tra) fared.")
class CheckpointResult:
    position: int = strawberry.field(description="The position the checkpoint vouches for.")
    events: int = strawberry.field(description="Events the checkpoint counted up to it.")
    head_hash: str = strawberry.field(description="The head hash it vouches for (hex).")
    recorded_at: str = strawberry.field(description="When it was taken (ISO 8601, UTC).")
    public_key: str = strawberry.field(description="The key that signed it (base64).")
    signature_valid: bool = strawberry.field(description="Whether its signature is valid.")
    key_trusted: bool | None = strawberry.field(
        description="Whether it was signed by the trusted key (null: no trusted key given)."
    )
    matches: bool | None = strawberry.field(
        description="Whether the chain matched it (null: not reached, or bad signature)."
    )
    ok: bool = strawberry.field(description="Signature valid, key not distrusted, chain matches.")


@strawberry.type(
    name="VerifyResult",
    description="The verification of the tenant's hash chain (kiểm tra tính toàn vẹn).",
)
class VerifyResultType:
    tenant: str = strawberry.field(description="The tenant verified (the token's).")
    intact: bool = strawberry.field(
        description="No broken link, and every checkpoint given checked out."
    )
    events: int = strawberry.field(description="Events verified (all of them when intact).")
    head_position: int = strawberry.field(
        description="Position of the last verified event (0 when none)."
    )
    head_hash: str = strawberry.field(description="Hash of the last verified link (hex).")
    first_break: ChainBreak | None = strawberry.field(description="The first broken link, if any.")
    checkpoints: list[CheckpointResult] = strawberry.field(
        description="The checkpoints checked, with their outcome."
    )
    summary_vi: str = strawberry.field(description="One-line summary in Vietnamese.")
    summary_en: str = strawberry.field(description="One-line summary in English.")

    @classmethod
    def of(cls, result: VerifyResult) -> VerifyResultType:
        vi, en = result.summary()
        return cls(
            tenant=result.tenant,
            intact=result.intact,
            events=result.events,
            head_position=result.head_position,
            head_hash=result.head_hash,
            first_break=None if result.first_break is None else _break(result.first_break),
            checkpoints=[_checkpoint(c) for c in result.checkpoints],
            summary_vi=vi,
            summary_en=en,
        )


def _break(b: Break) -> ChainBreak:
    return ChainBreak(
        position=b.position,
        kind=b.kind,
        message_vi=b.message_vi,
        message_en=b.message_en,
        expected=b.expected,
        found=b.found,
    )


def _checkpoint(check: CheckpointCheck) -> CheckpointResult:
    c = check.checkpoint
    return CheckpointResult(
        position=c.position,
        events=c.events,
        head_hash=c.head_hash,
        recorded_at=c.recorded_at,
        public_key=c.public_key,
        signature_valid=check.signature_valid,
        key_trusted=check.key_trusted,
        matches=check.matches,
        ok=check.ok,
    )


@strawberry.type(
    description="One read of a candidate's personal data (nhật ký truy cập): who, when, which "
    "case, why."
)
class AccessLogEntry:
    entry_id: int = strawberry.field(
        name="id", description="Number of the entry (increasing with time)."
    )
    recorded_at: datetime = strawberry.field(description="When the data was read (UTC).")
    actor_id: str = strawberry.field(description="User id of the reader.")
    role: str = strawberry.field(description="The reader's role (vai trò).")
    candidate_id: str = strawberry.field(description="Id of the candidate whose data was read.")
    case_code: str | None = strawberry.field(
        description="The case code (mã hồ sơ) of that candidate (null if unknown)."
    )
    purpose: str = strawberry.field(description='What read it, e.g. "graphql:Candidate.profile".')


# --- helpers ----------------------------------------------------------------------------------
def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _int_cursor(after: str | None) -> int | None:
    """The integer keyset position of a cursor (bilingual refusal for one we did not issue)."""
    key = decode_cursor(after)
    if key is None:
        return None
    # ASCII digits, and few enough for a 64-bit integer (SQLite and PostgreSQL positions).
    if not (key.isascii() and key.isdigit()) or len(key) > 18:
        raise InvalidInput(
            "CURSOR_INVALID",
            "Con trỏ trang (after) không hợp lệ.",
            "The page cursor (after) is not valid.",
            field="after",
        )
    return int(key)


def _case_codes(tx: Tx, candidate_ids: Iterable[str | None]) -> dict[str, str]:
    """Case codes of candidate ids (from the candidates' cards)."""
    wanted = sorted({c for c in candidate_ids if c is not None})
    if not wanted:
        return {}
    rows = tx.fetchall(
        "SELECT DISTINCT candidate_id, case_code FROM rm_candidates "
        f"WHERE candidate_id IN ({placeholders(len(wanted))})",
        wanted,
    )
    return {str(r[0]): str(r[1]) for r in rows}


def _unit_codes(tx: Tx, unit_ids: Iterable[str | None]) -> dict[str, str]:
    """Codes of unit ids (unit codes never change), from the audit history's unit labels."""
    wanted = sorted({u for u in unit_ids if u is not None})
    if not wanted:
        return {}
    rows = tx.fetchall(
        "SELECT entity_id, code FROM rm_audit_units "
        f"WHERE rec_to IS NULL AND entity_id IN ({placeholders(len(wanted))})",
        wanted,
    )
    return {str(r[0]): str(r[1]) for r in rows}


def _entries(tx: Tx, found: Sequence[audit_history.AuditEntry]) -> list[AuditEntry]:
    """GraphQL entries of read-model entries (case and unit codes looked up in ``tx``)."""
    cases = _case_codes(tx, (e.candidate_id for e in found))
    units = _unit_codes(tx, [u for e in found for u in (e.unit_id, e.related_unit_id)])
    return [
        AuditEntry(
            position=e.position,
            recorded_at=e.recorded_at,
            occurred_on=e.occurred_on,
            event_type=e.event_type,
            aggregate_type=e.aggregate_type,
            actor_id=e.actor_id,
            role=e.role,
            document=None
            if e.document is None
            else AuditDocument(
                kind=e.document.kind,
                number=e.document.number,
                issued_on=e.document.issued_on,
                issuer=e.document.issuer,
            ),
            case_code=None if e.candidate_id is None else cases.get(e.candidate_id),
            unit_code=None if e.unit_id is None else units.get(e.unit_id),
            related_unit_code=None if e.related_unit_id is None else units.get(e.related_unit_id),
            summary_vi=e.summary_vi,
            summary_en=e.summary_en,
            aggregate_key=e.aggregate_id,
            aggregate_version=e.aggregate_version,
            candidate_key=e.candidate_id,
        )
        for e in found
    ]


async def _audit_connection(
    ctx: ApiContext,
    criteria: AuditFilter,
    first: int | None,
    after: str | None,
    *,
    descending: bool = False,
    with_count: bool = False,
) -> Connection[AuditEntry]:
    """A page of the audit history matching ``criteria`` (keyset by position, in SQL), counted
    in the same read when ``with_count``."""
    size = page_size(first)
    position = _int_cursor(after)

    def page(tx: Tx) -> tuple[AuditPage, list[AuditEntry], int | None]:
        found = audit_history.audit_entries(
            tx, criteria, first=size, after=position, descending=descending
        )
        total = audit_history.count_audit_entries(tx, criteria) if with_count else None
        return found, _entries(tx, found.entries), total

    async def count() -> int:
        return await ctx.read(lambda tx: audit_history.count_audit_entries(tx, criteria))

    found, entries, total = await ctx.read(page)
    return connection(entries, lambda e: str(e.position), found.has_more, count, total)


def _criteria(tenant: str, given: AuditFilterInput, recorded_at: datetime | None) -> AuditFilter:
    return AuditFilter(
        actor_id=given.actor_id,
        roles=tuple(given.roles or ()),
        event_types=tuple(given.event_types or ()),
        aggregate_types=tuple(given.aggregate_types or ()),
        candidate_id=None
        if given.case_code is None
        else str(ids.candidate_id(tenant, given.case_code)),
        unit_id=None if given.unit_code is None else str(ids.unit_id(tenant, given.unit_code)),
        include_related_units=given.include_related_units,
        occurred_from=given.occurred_from,
        occurred_to=given.occurred_to,
        recorded_from=_utc(given.recorded_from),
        recorded_to=_utc(given.recorded_to),
        as_of=given.as_of,
        recorded_at=_utc(recorded_at),
        include_undated=given.include_undated,
    )


def _own_checkpoints(tenant: str, text: str | None) -> list[Checkpoint]:
    """The checkpoint statements given (bilingual refusal for one of another tenant)."""
    if text is None or not text.strip():
        return []
    checkpoints = parse_checkpoints(text, "checkpoint")
    for c in checkpoints:
        if c.tenant != tenant:
            raise DomainError(
                "AUDIT_CHECKPOINT_OTHER_TENANT",
                f"Điểm kiểm tra thuộc đơn vị '{c.tenant}', không phải đơn vị '{tenant}' của "
                "mã truy cập.",
                f"The checkpoint is of tenant '{c.tenant}', not of the token's tenant '{tenant}'.",
                field="checkpoint",
            )
    return checkpoints


# --- queries ----------------------------------------------------------------------------------
@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The tenant's audit history (lịch sử kiểm tra), in recording order, in "
        "pages; filtered, and as the system knew it at a time.",
        permission_classes=READ_AUDIT,
    )
    async def audit_entries(
        self,
        info: Info,
        filter: Annotated[
            AuditFilterInput | None, strawberry.argument(description="Which entries to list.")
        ] = None,
        first: First = None,
        after: After = None,
        as_recorded_at: AsRecordedAt = None,
        newest_first: Annotated[
            bool, strawberry.argument(description="Newest entries first (default: oldest).")
        ] = False,
    ) -> Connection[AuditEntry]:
        ctx = get_context(info)
        criteria = _criteria(ctx.tenant, filter or AuditFilterInput(), as_recorded_at)
        return await _audit_connection(
            ctx,
            criteria,
            first,
            after,
            descending=newest_first,
            with_count=selects(info, "totalCount"),
        )

    @strawberry.field(
        description="Every entry of one case (hồ sơ), in recording order; empty for an "
        "unknown case code. A branch secretary reads the timelines of the cases in its units "
        "now (empty for another unit's case, as for an unknown one).",
        permission_classes=READ_CASES,
    )
    async def candidate_timeline(
        self,
        info: Info,
        case_code: Annotated[str, strawberry.argument(description="The case code (mã hồ sơ).")],
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="Only actions dated on or before this business date (default: all)."
            ),
        ] = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[AuditEntry]:
        ctx = get_context(info)
        candidate_id = str(ids.candidate_id(ctx.tenant, case_code))
        recorded_at = _utc(as_recorded_at)

        def timeline(tx: Tx) -> list[AuditEntry]:
            if not case_readable(ctx, tx, candidate_id):
                return []
            criteria = AuditFilter(candidate_id=candidate_id, as_of=as_of, recorded_at=recorded_at)
            found: list[audit_history.AuditEntry] = []
            after: int | None = None
            while True:
                page = audit_history.audit_entries(
                    tx, criteria, first=audit_history.MAX_PAGE_SIZE, after=after
                )
                found += page.entries
                if not page.has_more:
                    return _entries(tx, found)
                after = page.end_cursor

        return await ctx.read(timeline)

    @strawberry.field(
        description="One unit's entries (tổ chức đảng), in recording order, in pages: its own "
        "events, its cases' and quotas' events, and other units' events involving it.",
        permission_classes=READ_AUDIT,
    )
    async def unit_timeline(
        self,
        info: Info,
        unit_code: Annotated[str, strawberry.argument(description="The unit's code.")],
        first: First = None,
        after: After = None,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="Only actions dated on or before this business date (default: all)."
            ),
        ] = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Connection[AuditEntry]:
        ctx = get_context(info)
        criteria = AuditFilter(
            unit_id=str(ids.unit_id(ctx.tenant, unit_code)),
            include_related_units=True,
            as_of=as_of,
            recorded_at=_utc(as_recorded_at),
        )
        return await _audit_connection(
            ctx, criteria, first, after, with_count=selects(info, "totalCount")
        )

    @strawberry.field(
        description="Recompute the tenant's hash chain (chuỗi băm) and report the first broken "
        "link; optionally against signed checkpoints kept outside the system. Auditors only.",
        permission_classes=VERIFY_HISTORY,
    )
    async def verify_history(
        self,
        info: Info,
        checkpoint: Annotated[
            str | None,
            strawberry.argument(
                description="Signed checkpoint statement(s) (điểm kiểm tra) of this tenant: "
                "one JSON object, a JSON array, or JSON Lines."
            ),
        ] = None,
        public_key: Annotated[
            str | None,
            strawberry.argument(
                description="The deployment's trusted public key (base64); checkpoints signed "
                "by another key do not count as intact."
            ),
        ] = None,
    ) -> VerifyResultType:
        ctx = get_context(info)
        tenant = ctx.tenant
        checkpoints = _own_checkpoints(tenant, checkpoint)
        store = ctx.services.store
        result = await ctx.run_sync(
            lambda: verify_tenant(store, tenant, checkpoints, trusted_key=public_key)
        )
        return VerifyResultType.of(result)

    @strawberry.field(
        description="Who read which candidate's personal data, and when (nhật ký truy cập), "
        "newest first, in pages. Auditors only.",
        permission_classes=VERIFY_HISTORY,
    )
    async def access_log(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        actor: Annotated[
            str | None, strawberry.argument(description="Only reads by this user id.")
        ] = None,
        role: Annotated[
            str | None, strawberry.argument(description="Only reads in this role (vai trò).")
        ] = None,
        case_code: Annotated[
            str | None,
            strawberry.argument(description="Only reads of this case's data (mã hồ sơ)."),
        ] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(description="Read at or after this time (UTC when no offset)."),
        ] = None,
        until: Annotated[
            datetime | None,
            strawberry.argument(description="Read before this time (UTC when no offset)."),
        ] = None,
    ) -> Connection[AccessLogEntry]:
        ctx = get_context(info)
        tenant = ctx.tenant
        size = page_size(first)
        position = _int_cursor(after)
        candidate = None if case_code is None else str(ids.candidate_id(tenant, case_code))
        start, end = _utc(since), _utc(until)
        store = ctx.services.store
        found = await ctx.run_sync(
            lambda: access_log.access_entries(
                store,
                tenant,
                actor=actor,
                role=role,
                candidate=candidate,
                since=start,
                until=end,
                after=position,
                limit=size,
            )
        )
        cases = await ctx.read(lambda tx: _case_codes(tx, (e.candidate_id for e in found.entries)))
        entries = [
            AccessLogEntry(
                entry_id=e.id,
                recorded_at=e.recorded_at,
                actor_id=e.actor_id,
                role=e.role,
                candidate_id=e.candidate_id,
                case_code=cases.get(e.candidate_id),
                purpose=e.purpose,
            )
            for e in found.entries
        ]

        async def count() -> int:
            return await ctx.run_sync(
                lambda: access_log.count_access_entries(
                    store,
                    tenant,
                    actor=actor,
                    role=role,
                    candidate=candidate,
                    since=start,
                    until=end,
                )
            )

        return connection(entries, lambda e: str(e.entry_id), found.next_after is not None, count)
