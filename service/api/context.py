"""What every GraphQL resolver gets: the verified principal, the process's services, and helpers
that keep reads and writes scoped to the token's tenant.

- :meth:`ApiContext.read` runs a read-model query in a worker thread, in one read transaction
  of the token's tenant, after waiting for the caller's own latest write (read-your-writes);
  on the read replica when there is one (``KETNAP_READ_DATABASE_URL``,
  :mod:`service.replica_reads`), except in a request that wrote.
- :meth:`ApiContext.command` runs a command handler in a worker thread with the token's
  principal, waits until the read models have passed the new events (so the response and every
  later query with the same token see them) and remembers the position for this caller.
- :meth:`ApiContext.cut` turns ``asOf``/``asRecordedAt`` arguments into a
  :class:`~projections.cut.Cut`.
- ``unit_loader`` and ``profile_loader`` batch the units and the (decrypted) personal profiles a
  request asks for.
- :meth:`ApiContext.personal_read` notes a candidate whose personal fields were read; the
  notes are written to the access log before the response leaves (see ``schema.AccessLogger``).

No resolver ever takes a tenant from its arguments: ``tenant`` is the token's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import project_aggregate
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from domain import ids
from domain.candidates import Candidate as CandidateAggregate
from domain.dossier import RecordedDocument, documents_of
from domain.tenant_policy import TenantPolicy
from domain.values import PersonProfile, Role
from domain.working_days import WorkingCalendar
from projections.cut import Cut, position_recorded_by
from projections.queries import org_tree, pipeline
from projections.queries.org_tree import UnitNode
from projections.sql import Tx
from service.api.auth import ApiPrincipal, AuthError
from service.api.permissions import Forbidden
from service.bootstrap import Parts
from service.commands import CommandResult, Handlers, Principal
from service.read_models import ProjectionFailed, ProjectionLagging, ReadModels
from service.replica_reads import ReplicaReadModels, ReplicaWriteMarks
from service.settings import Settings
from service.store import Store
from service.write_marks import SharedWriteMarks, WriteMarks

T = TypeVar("T")


#: A profile's loader key: the recording time of the cut (None: everything recorded) and the
#: candidate id.
ProfileKey = tuple[datetime | None, str]


@dataclass
class Services:
    """The long-lived parts of the GraphQL service, shared by every request."""

    store: Store
    handlers: Handlers
    read_models: ReadModels
    settings: Settings
    marks: WriteMarks = field(default_factory=WriteMarks)
    today: Callable[[], date] = field(default=date.today)
    #: The read replica's read models, where queries read (None: the primary's).
    replica: ReplicaReadModels | None = None

    @classmethod
    def of(cls, parts: Parts) -> Services:
        """The service's parts, from the process's (``service.bootstrap``)."""
        return cls(
            store=parts.store,
            handlers=parts.handlers,
            read_models=parts.read_models,
            settings=parts.settings,
            marks=marks_for(parts),
            today=parts.today,
            replica=parts.replica,
        )


def marks_for(parts: Parts) -> WriteMarks:
    """Shared through the database when the worker projects (PostgreSQL, several replicas
    possible), else kept in this process (projections inline: one serving process); with a read
    replica every write's position is shared (:class:`ReplicaWriteMarks`)."""
    if parts.settings.read_database_url:
        return ReplicaWriteMarks(parts.store)
    if parts.settings.backend == "postgres" and not parts.read_models.inline:
        return SharedWriteMarks(parts.store)
    return WriteMarks()


@dataclass(frozen=True)
class CutKey:
    """A cut as given by the client: business date and recording time (hashable loader key)."""

    as_of: date
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class ReadScope:
    """A branch secretary's read scope: the unit ids a case must be in on the cut asked for
    (``on_cut``) and now (``now``: today, everything recorded) to be visible."""

    on_cut: frozenset[str]
    now: frozenset[str]

    def within(self, wanted: frozenset[str] | None) -> list[str]:
        """The units of the cut, narrowed to ``wanted`` when given (for a unit filter)."""
        return sorted(self.on_cut if wanted is None else self.on_cut & wanted)


class ApiContext:
    """Per-request context: principal, services, loaders and the personal-data reads."""

    def __init__(self, services: Services, principal: ApiPrincipal) -> None:
        self.services = services
        self.principal = principal
        self.personal_reads: dict[str, str] = {}  # candidate id -> purpose
        self.writing = False  # a mutation runs: the time budget lets it finish (limits.py)
        self._waited = False
        self._wrote = False  # a command ran: reads go to the primary its wait passed
        #: Position this request's own command wait saw the read models pass, per tenant: its
        #: payload read need not wait (nor re-read the tracking) for a mark at or before it.
        self._reached: dict[str, int] = {}
        self._unit_loader: DataLoader[tuple[CutKey, str], UnitNode | None] | None = None
        self._profile_loader: DataLoader[ProfileKey, PersonProfile | None] | None = None
        self._case_loader: DataLoader[ProfileKey, CaseRecord | None] | None = None
        #: Every unit of a cut, once this request has read them (one statement gives them all).
        self._units: dict[CutKey, dict[str, UnitNode]] = {}
        #: The GraphQL objects made of them (``types.unit_at``), by cut and unit id.
        self.unit_objects: dict[tuple[CutKey, str], object] = {}

    # Made on first use: most requests load neither.
    @property
    def unit_loader(self) -> DataLoader[tuple[CutKey, str], UnitNode | None]:
        if self._unit_loader is None:
            self._unit_loader = DataLoader(load_fn=self._load_units)
        return self._unit_loader

    @property
    def profile_loader(self) -> DataLoader[ProfileKey, PersonProfile | None]:
        if self._profile_loader is None:
            self._profile_loader = DataLoader(load_fn=self._load_profiles)
        return self._profile_loader

    # --- scope --------------------------------------------------------------------------------
    @property
    def tenant(self) -> str:
        """The token's tenant (a refusal for a token without one)."""
        if self.principal.tenant is None:
            raise Forbidden("đọc dữ liệu của đơn vị sử dụng", "read tenant data", field="tenant")
        return self.principal.tenant

    @property
    def command_principal(self) -> Principal:
        """The command handlers' principal for this caller."""
        try:
            return self.principal.command_principal()
        except AuthError as error:
            raise Forbidden("ghi dữ liệu", "record changes", field="tenant") from error

    def today(self) -> date:
        return self.services.today()

    # --- reading ------------------------------------------------------------------------------
    def _read_models(self) -> ReadModels:
        """Where this request reads: the replica when there is one, except after a command of
        this request (its payload reads the primary, which its own wait saw pass the write)."""
        replica = self.services.replica
        return self.services.read_models if replica is None or self._wrote else replica

    def _wait_for_own_writes(self, tenant: str, read_models: ReadModels) -> None:
        if self._waited:
            return
        marks, subject = self.services.marks, self.principal.subject
        mark = marks.get(tenant, subject)
        reached = 0 if read_models is self.services.replica else self._reached.get(tenant, 0)
        if mark is not None and mark > reached:
            marks.passed(tenant, subject, read_models.wait_for(tenant, mark))
        self._waited = True

    async def read(self, query: Callable[[Tx], T]) -> T:
        """Run ``query`` in one read transaction of the token's tenant (in a worker thread)."""
        tenant = self.tenant

        def run() -> T:
            read_models = self._read_models()
            self._wait_for_own_writes(tenant, read_models)
            with read_models.read(tenant) as tx:
                return query(tx)

        return await run_in_threadpool(run)

    def cut_key(self, as_of: date | None, recorded_at: datetime | None = None) -> CutKey:
        """The client's cut, today when ``as_of`` is not given."""
        return CutKey(as_of or self.today(), recorded_at)

    @staticmethod
    def cut(tx: Tx, key: CutKey) -> Cut:
        """The cut of ``key`` inside a read transaction (recording time → position)."""
        position = position_recorded_by(tx, key.recorded_at) if key.recorded_at else None
        return Cut(as_of=key.as_of, recorded=position)

    def read_units(self, tx: Tx, key: CutKey) -> dict[str, UnitNode]:
        """Every unit of the cut ``key`` (closed ones too), by id: for :meth:`keep_units`."""
        nodes = org_tree.units_on(tx, self.cut(tx, key), include_closed=True)
        return {n.unit_id: n for n in nodes}

    def keep_units(self, key: CutKey, nodes: dict[str, UnitNode]) -> None:
        """Keep every unit of a cut read by :meth:`read_units` for the rest of the request."""
        self._units[key] = nodes

    def units_read(self, key: CutKey) -> dict[str, UnitNode] | None:
        """Every unit of the cut ``key`` by id, if this request has read them: a resolver then
        answers at once (no DataLoader future, no coroutine per object)."""
        return self._units.get(key)

    def forget_units(self) -> None:
        """Drop the units read so far (the tree just changed)."""
        self._units.clear()
        self.unit_objects.clear()
        if self._unit_loader is not None:
            self._unit_loader.clear_all()

    async def _load_units(self, keys: list[tuple[CutKey, str]]) -> list[UnitNode | None]:
        # One read gives every unit of a cut: kept for the request (``keep_units``), so parents
        # and merge targets asked next cost no statement.
        cuts = {cut for cut, _ in keys if cut not in self._units}

        def query(tx: Tx) -> dict[CutKey, dict[str, UnitNode]]:
            return {key: self.read_units(tx, key) for key in cuts}

        if cuts:
            for key, nodes in (await self.read(query)).items():
                self.keep_units(key, nodes)
        return [self._units[cut].get(unit_id) for cut, unit_id in keys]

    async def _load_profiles(self, keys: list[ProfileKey]) -> list[PersonProfile | None]:
        """Personal data of each key's candidate, from its aggregate (decrypted by the tenant's
        application): at the aggregate version the read models knew at the recording time, the
        latest version without one (None when the case was not recorded yet then, or when it is
        not in a branch secretary's units now: see :meth:`read_scope`)."""
        versions, readable = await self._readable_versions(keys)
        tenant, store = self.tenant, self.services.store

        def load() -> list[PersonProfile | None]:
            app = store.app(tenant, write=False)
            people: list[PersonProfile | None] = []
            for key in keys:
                found, version = _readable(key, versions, readable)
                if not found:
                    people.append(None)
                    continue
                case = app.get(UUID(key[1]), CandidateAggregate, version=version)
                people.append(case.person)
            return people

        return await self.run_sync(load)

    @property
    def case_loader(self) -> DataLoader[ProfileKey, CaseRecord | None]:
        """Each key's case with its events (its documents), read like the profiles: batched per
        request, only for the cases the caller may read (see :meth:`_load_profiles`)."""
        if self._case_loader is None:
            self._case_loader = DataLoader(load_fn=self._load_cases)
        return self._case_loader

    async def _load_cases(self, keys: list[ProfileKey]) -> list[CaseRecord | None]:
        versions, readable = await self._readable_versions(keys)
        tenant, store = self.tenant, self.services.store

        def load() -> list[CaseRecord | None]:
            app = store.app(tenant, write=False)
            calendar = app.get(ids.tenant_policy_id(tenant), TenantPolicy).calendar
            cases: list[CaseRecord | None] = []
            for key in keys:
                found, version = _readable(key, versions, readable)
                events = list(app.events.get(UUID(key[1]), lte=version)) if found else []
                if not events:
                    cases.append(None)
                    continue
                case = project_aggregate(None, events)
                assert isinstance(case, CandidateAggregate)
                cases.append(CaseRecord(case, documents_of(events), calendar))
            return cases

        return await self.run_sync(load)

    async def _readable_versions(
        self, keys: list[ProfileKey]
    ) -> tuple[dict[ProfileKey, int | None], frozenset[str] | None]:
        """The aggregate version of each timed key (None: not recorded then), and the cases a
        branch secretary may read now (None: every case)."""
        timed = [key for key in keys if key[0] is not None]

        def versions_then(tx: Tx) -> tuple[dict[ProfileKey, int | None], frozenset[str] | None]:
            found: dict[ProfileKey, int | None] = {}
            positions: dict[datetime, int] = {}
            for at, candidate_id in timed:
                assert at is not None
                if at not in positions:
                    positions[at] = position_recorded_by(tx, at)
                known, params = Cut(as_of=date.min, recorded=positions[at]).known()
                row = tx.fetchone(
                    f"SELECT version FROM rm_candidates WHERE candidate_id = %s AND {known}",
                    [candidate_id, *params],
                )
                found[(at, candidate_id)] = None if row is None else int(row[0])
            readable: frozenset[str] | None = None
            if not self._reads_everything():
                wanted = sorted({candidate_id for _, candidate_id in keys})
                units = self._secretary_units(tx, Cut(as_of=self.today()))
                readable = pipeline.cases_now_in(tx, wanted, sorted(units))
            return found, readable

        if timed or not self._reads_everything():
            return await self.read(versions_then)
        return {}, None

    # --- writing ------------------------------------------------------------------------------
    async def command(self, run: Callable[[Handlers, Principal], CommandResult]) -> CommandResult:
        """Run a command handler as this caller, then wait for the read models to pass it."""
        principal = self.command_principal
        services = self.services

        def execute() -> CommandResult:
            self._wrote = True
            result = run(services.handlers, principal)
            services.marks.note(principal.tenant, self.principal.subject, result.position)
            # Saved either way: when the read models lag, later reads of this caller wait for
            # the position (see WriteMarks; on every replica); when they are stopped by a failed
            # projection, the payload's first read says PROJECTION_FAILED at once.
            tenant = principal.tenant
            try:
                reached = services.read_models.wait_for(tenant, result.position)
            except (ProjectionLagging, ProjectionFailed):
                if result.position is not None:
                    services.marks.outstanding(tenant, self.principal.subject, result.position)
            else:
                self._reached[tenant] = max(self._reached.get(tenant, 0), reached)
            return result

        return await run_in_threadpool(execute)

    def _writes_everywhere(self) -> bool:
        return self.principal.has(Role.ORGANIZER)

    async def case_command(
        self,
        run: Callable[[Handlers, Principal], CommandResult],
        *,
        case_code: str | None = None,
        unit_codes: tuple[str, ...] = (),
    ) -> CommandResult:
        """A command on a candidate's case: a branch secretary may only act on cases (or open
        cases in units) inside the units of its token, by the case's unit now
        (``Handlers.within_units``); organizers act anywhere. An unknown case is refused with the
        same FORBIDDEN as another unit's case, so the answer does not tell whether it exists."""
        if not self._writes_everywhere():
            principal = self.command_principal
            scope = self.principal.units
            handlers = self.services.handlers

            def allowed() -> bool:
                if not scope:
                    return False
                if case_code is not None and not handlers.within_units(
                    principal, scope, case_code=case_code
                ):
                    return False
                return all(
                    handlers.within_units(principal, scope, unit_code=code) for code in unit_codes
                )

            if not await run_in_threadpool(allowed):
                raise Forbidden(
                    "ghi cho hồ sơ hoặc đơn vị ngoài phạm vi được giao",
                    "record steps for a case or unit outside your units",
                    field="case_code" if case_code is not None else "unit_code",
                )
        return await self.command(run)

    def read_scope(self, tx: Tx, cut: Cut) -> ReadScope | None:
        """The cases this caller may read at ``cut`` (None: the whole tenant).

        Organizers, auditors and leaders read the whole tenant. A branch secretary reads a case
        only while it is in the units of its token (the open ones, and those under them,
        dissolved units left out: ``org_tree.scope_subtree``): in them on the cut asked for
        *and* now. So a case that has left its units is hidden at every cut (nothing recorded
        after it left leaks through an earlier ``asOf``), and one that came in from elsewhere
        shows only from the day it came in. Nothing when its token names no units.
        """
        if self._reads_everything():
            return None
        now = Cut(as_of=self.today())
        on_cut = self._secretary_units(tx, cut)
        return ReadScope(on_cut, on_cut if cut == now else self._secretary_units(tx, now))

    def _reads_everything(self) -> bool:
        return self.principal.has(Role.ORGANIZER, Role.AUDITOR, Role.LEADER)

    def _secretary_units(self, tx: Tx, cut: Cut) -> frozenset[str]:
        inside: set[str] = set()
        for code in self.principal.units:
            inside |= org_tree.scope_subtree(tx, cut, str(ids.unit_id(self.tenant, code)))
        return frozenset(inside)

    def units_under(self, tx: Tx, cut: Cut, codes: Sequence[str]) -> frozenset[str]:
        """Ids of the units ``codes`` names and every unit under them on ``cut.as_of``
        (codes unknown then name nothing)."""
        inside: set[str] = set()
        for code in codes:
            inside |= org_tree.subtree(tx, cut, str(ids.unit_id(self.tenant, code)))
        return frozenset(inside)

    async def run_sync(self, fn: Callable[[], T]) -> T:
        """Run blocking ``fn`` (store access outside the read models) in a worker thread."""
        return await run_in_threadpool(fn)

    # --- personal data ------------------------------------------------------------------------
    def personal_read(self, candidate_id: str, purpose: str) -> None:
        """Note that this request read the personal fields of ``candidate_id``."""
        self.personal_reads.setdefault(candidate_id, purpose)


@dataclass(frozen=True)
class CaseRecord:
    """A case as loaded from its history: the aggregate, every document its events carry, and
    the tenant's working-day calendar its deadlines count in."""

    candidate: CandidateAggregate
    documents: tuple[RecordedDocument, ...]
    calendar: WorkingCalendar


def _readable(
    key: ProfileKey, versions: dict[ProfileKey, int | None], readable: frozenset[str] | None
) -> tuple[bool, int | None]:
    """Whether a key's case may be loaded, and at which version (None: the latest)."""
    at, candidate_id = key
    version = versions.get(key)
    if (at is not None and version is None) or (
        readable is not None and candidate_id not in readable
    ):
        return False, None
    return True, version


def get_context(info: Any) -> ApiContext:
    """The request's :class:`ApiContext` from a resolver's ``info``."""
    context = info.context
    assert isinstance(context, ApiContext)
    return context
