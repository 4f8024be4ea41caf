"""A batching unit of work: the command handlers, saving many cases in one transaction.

The handlers (``service.commands``) load an aggregate, call one domain method and save it. For
an import of thousands of cases a save per command would cost a transaction each (~1 ms of
client time and a round trip in PostgreSQL). :class:`BatchingHandlers` are the same handlers on
a :class:`BatchingApp`: an aggregate read once stays cached (units, the tenant's policy), an
aggregate saved is kept in memory with its pending events instead, and :meth:`BatchingApp.store`
saves the ones :meth:`BatchingApp.detach` took out with one ``app.save`` — one transaction, in
which the tenant's recorders write
the events, their notifications and the hash chain exactly as for any save. Nothing else
changes: the commands are made canonical and carried out by the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, BaseAggregate

from domain.errors import NotFound
from service.commands import Handlers, Principal
from service.store import TenantApplication


class _Repository:
    """``id in app.repository`` as the handlers ask it: pending aggregates count as stored."""

    def __init__(self, batch: BatchingApp) -> None:
        self._batch = batch

    def __contains__(self, aggregate_id: UUID) -> bool:
        batch = self._batch
        if aggregate_id in batch.pending:
            return True
        if aggregate_id in batch.hidden or aggregate_id in batch.absent:
            return False
        if aggregate_id in batch.cache:
            return True
        return aggregate_id in batch.app.repository


@dataclass(eq=False)
class BatchingApp:
    """A tenant application seen through a unit of work (what the handlers use of it)."""

    app: TenantApplication
    #: Aggregates read from the store, by id (read again only after :meth:`forget`).
    cache: dict[UUID, BaseAggregate[UUID]] = field(default_factory=dict)
    #: Aggregates saved in this batch, not yet stored, by id (in order of their first save).
    pending: dict[UUID, Aggregate] = field(default_factory=dict)
    #: Ids treated as absent although stored (a stored case compared with its row).
    hidden: set[UUID] = field(default_factory=set)
    #: Ids the caller found absent from the store (not asked again; pending ones count).
    absent: set[UUID] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.repository = _Repository(self)

    @property
    def tenant(self) -> str:
        """The tenant's slug."""
        return self.app.tenant

    def get(self, aggregate_id: UUID, aggregate_type: type[Any] = Aggregate) -> Any:
        """The pending aggregate, else the cached one, else the stored one (then cached)."""
        found: BaseAggregate[UUID] | None = self.pending.get(aggregate_id)
        if found is None:
            if aggregate_id in self.hidden or aggregate_id in self.absent:
                raise NotFound("NOT_FOUND", "Không tìm thấy.", "Not found.", field="id")
            found = self.cache.get(aggregate_id)
        if found is None:
            found = self.app.get(aggregate_id, aggregate_type)
            self.cache[aggregate_id] = found
        elif not isinstance(found, aggregate_type):
            raise NotFound("NOT_FOUND", "Không tìm thấy.", "Not found.", field="id")
        return found

    def save(self, *aggregates: Aggregate | None) -> list[Any]:
        """Keep ``aggregates`` for the batch's one save; nothing is stored yet."""
        for aggregate in aggregates:
            if aggregate is not None:
                self.pending[aggregate.id] = aggregate
        return []

    def discard(self, aggregate_id: UUID) -> None:
        """Drop an aggregate whose row was refused (its pending events go with it)."""
        self.pending.pop(aggregate_id, None)
        self.cache.pop(aggregate_id, None)

    def take(self, aggregate_id: UUID) -> Aggregate | None:
        """Remove and return a pending aggregate (not to be saved)."""
        return self.pending.pop(aggregate_id, None)

    def detach(self) -> list[Aggregate]:
        """Take every pending aggregate out of the batch, to be saved by :meth:`store` (the
        batch goes on collecting the next ones meanwhile)."""
        aggregates = list(self.pending.values())
        self.pending.clear()
        return aggregates

    def store(self, aggregates: Iterable[Aggregate]) -> tuple[int, int | None]:
        """Save ``aggregates`` in one transaction: (events stored, last position)."""
        recordings = self.app.save(*aggregates)
        positions = [r.notification.id for r in recordings]
        return len(recordings), max(positions) if positions else None


class BatchingHandlers(Handlers):
    """The process's handlers, writing through one :class:`BatchingApp` per import."""

    def __init__(self, handlers: Handlers, batch: BatchingApp) -> None:
        super().__init__(handlers.store, today=handlers.today, after_save=None)
        self.batch = batch

    def _app(self, principal: Principal) -> TenantApplication:
        if principal.tenant != self.batch.tenant:
            raise ValueError("a batch writes one tenant")
        return cast(TenantApplication, self.batch)


def after_flush(handlers: Handlers) -> Callable[[str, int | None], None]:
    """What to call once the batches are stored: the process's own ``after_save`` (inline
    projections in SQLite mode), or nothing."""
    return handlers.after_save or (lambda tenant, position: None)
