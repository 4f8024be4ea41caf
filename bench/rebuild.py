"""Rebuild benchmark: many tenants, many events, every projection, on PostgreSQL.

Run with ``bash bench/run`` (starts a private PostgreSQL cluster) or
``KETNAP_BENCH_POSTGRES_URL=postgresql://… python -m bench.rebuild``. See bench/README.md.
:func:`measure` does the whole run and returns the figures (the proving ground calls it).

How the history is made (the command handlers save ~700 aggregates/s, far too slow for 1M):

1. A *template* tenant (slug ``benchtpl``) is seeded once with the demo (``seed_demo``, all
   event types, through the command handlers and the domain rules) in a throw-away SQLite
   store, with enough cases to reach ``--events``; its first ``--events`` stored events are
   kept (a prefix of a history is a valid history: each aggregate keeps a prefix of its own
   versions). While it is seeded, every id the handlers derive (``domain.ids``:
   ``uuid5(tenant namespace, natural key)``) is recorded with its natural key.
2. Each benchmark tenant ``bench_NNN`` is created through the registry (schema, tables,
   trigger), and the template's stored rows are copied into ``t_bench_NNN.ketnap_events`` with
   one ``COPY``, after rewriting, in the ids and the stored state, every template id to the id
   the same natural key has in the new tenant and the ``tenant`` attribute to the new slug.
   Personal data is stored encrypted and bound to its tenant (``service.crypto``), so each
   encrypted value is decrypted with the template's key and encrypted again with the new
   tenant's (one key file for the run, ``KETNAP_KEY_FILE`` in the work directory); then the
   tenant's hash chain is written over the copied events (``ketnap audit chain --init``).
   So each tenant's events are exactly what the handlers would have stored for it (only the
   recording timestamps are the template's); the first and last tenants' aggregates are all
   loaded through ``TenantApplication.get`` (which refuses another tenant's aggregate) and
   their ids checked against ``domain.ids``, and their chains verified.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from domain import ids
from service.audit.verify import verify_tenant
from service.bootstrap import bootstrap
from service.crypto import KeySource, TenantKeyring, is_envelope
from service.demo import seed_demo
from service.read_models import ReadModels
from service.settings import Settings
from service.store import Store
from service.store.registry import tenant_schema
from service.store.tenant_chain import init_tenant

TEMPLATE = "benchtpl"
TODAY = date(2026, 11, 21)
EVENTS_PER_CASE = 10.8  # demo average, used to size the template (checked afterwards)
_TOKEN = re.compile(
    rb'"benchtpl"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}'
)
_ID_FUNCTIONS = ("unit_id", "candidate_id", "quota_plan_id", "tenant_policy_id")

StoredRow = tuple[UUID, int, str, bytes]


def say(message: str) -> None:
    """Progress, on stderr, flushed."""
    print(message, file=sys.stderr, flush=True)


# --- the template history ---------------------------------------------------------------------
class Template:
    """The template tenant's stored events, split for fast per-tenant rewriting."""

    def __init__(
        self,
        rows: list[StoredRow],
        keys: dict[UUID, tuple[str, tuple[Any, ...]]],
        key_source: KeySource,
    ):
        self.key_source = key_source  # the personal-data keys of the template and the tenants
        self.keys = keys  # template id -> (domain.ids function, natural key arguments)
        self.rows = rows
        # Each state split into literal pieces and tokens (ids, the slug), once.
        self.pieces = [_TOKEN.split(state) for *_, state in rows]
        self.tokens = [_TOKEN.findall(state) for *_, state in rows]

    def ids_for(self, tenant: str) -> dict[UUID, UUID]:
        """Template id -> the id of the same natural key in ``tenant``."""
        return {old: getattr(ids, fn)(tenant, *args) for old, (fn, args) in self.keys.items()}

    def rows_for(self, tenant: str) -> Iterator[StoredRow]:
        """The template's rows, rewritten for ``tenant`` (personal data re-encrypted for it)."""
        source = TenantKeyring(TEMPLATE, self.key_source)
        target = TenantKeyring(tenant, self.key_source)
        for originator, version, topic, state in self._rewritten(tenant):
            if b'"ct"' in state:
                state = json.dumps(
                    _reencrypt(json.loads(state), source, target),
                    separators=(",", ":"),
                    ensure_ascii=False,
                ).encode()
            yield originator, version, topic, state

    def _rewritten(self, tenant: str) -> Iterator[StoredRow]:
        """The template's rows with ids and slug rewritten for ``tenant``."""
        mapping = self.ids_for(tenant)
        replace: dict[bytes, bytes] = {b'"benchtpl"': json.dumps(tenant).encode()}
        for old, new in mapping.items():
            replace[old.hex.encode()] = new.hex.encode()
            replace[str(old).encode()] = str(new).encode()
        for (originator, version, topic, _), pieces, tokens in zip(
            self.rows, self.pieces, self.tokens, strict=True
        ):
            parts = [pieces[0]]
            for token, piece in zip(tokens, pieces[1:], strict=True):
                parts.append(replace.get(token, token))
                parts.append(piece)
            yield mapping.get(originator, originator), version, topic, b"".join(parts)


@contextmanager
def _recording_ids() -> Iterator[dict[UUID, tuple[str, tuple[Any, ...]]]]:
    """Record every id ``domain.ids`` derives for the template tenant, with its natural key."""
    keys: dict[UUID, tuple[str, tuple[Any, ...]]] = {}
    originals: dict[str, Callable[..., UUID]] = {n: getattr(ids, n) for n in _ID_FUNCTIONS}

    def recorder(name: str) -> Callable[..., UUID]:
        original = originals[name]

        def derive(tenant: str, *args: Any) -> UUID:
            result = original(tenant, *args)
            if tenant == TEMPLATE:
                keys[result] = (name, args)
            return result

        return derive

    for name in _ID_FUNCTIONS:
        setattr(ids, name, recorder(name))
    try:
        yield keys
    finally:
        for name, original in originals.items():
            setattr(ids, name, original)


def build_template(
    events: int, workdir: Path, key_file: Path, progress: Callable[[str], None] = say
) -> Template:
    """Seed the demo into a throw-away SQLite store until it has ``events`` events."""
    cases = max(20, math.ceil(events / EVENTS_PER_CASE))
    while True:
        data = Path(tempfile.mkdtemp(dir=workdir, prefix="template-"))
        progress(f"template: seeding the demo with {cases} cases in SQLite ({data})")
        started = time.perf_counter()
        settings = Settings(data_dir=data, key_file=key_file)
        with (
            _recording_ids() as keys,
            bootstrap(settings, inline=False, today=lambda: TODAY) as parts,
        ):
            seed_demo(parts.handlers, tenant=TEMPLATE, candidates=cases, progress=progress)
        with sqlite3.connect(data / "tenants" / f"{TEMPLATE}.sqlite") as conn:
            stored = conn.execute(
                "SELECT originator_id, originator_version, topic, state FROM stored_events "
                "ORDER BY rowid LIMIT ?",
                (events,),
            ).fetchall()
        progress(f"template: {len(stored)} events in {time.perf_counter() - started:.1f} s")
        if len(stored) >= events:
            rows = [(UUID(o), int(v), str(t), bytes(s)) for o, v, t, s in stored]
            unknown = {r[0] for r in rows} - set(keys)
            if unknown:
                msg = f"{len(unknown)} aggregate ids not derived through domain.ids"
                raise RuntimeError(msg)
            return Template(rows, dict(keys), KeySource.configured(key_file=key_file))
        cases = math.ceil(cases * events / max(1, len(stored)) * 1.05)


def _reencrypt(value: Any, source: TenantKeyring, target: TenantKeyring) -> Any:
    """``value`` (decoded stored state) with every encrypted envelope moved to ``target``."""
    if isinstance(value, dict):
        data = value.get("_data_")
        if "_type_" in value and isinstance(data, dict) and is_envelope(data):
            kind = str(value["_type_"])
            plaintext = source.decrypt(kind, data)
            return {**value, "_data_": target.encrypt(kind, plaintext)}
        return {k: _reencrypt(v, source, target) for k, v in value.items()}
    if isinstance(value, list):
        return [_reencrypt(v, source, target) for v in value]
    return value


# --- the benchmark tenants ---------------------------------------------------------------------
def create_tenants(
    store: Store, template: Template, slugs: list[str], progress: Callable[[str], None] = say
) -> None:
    """Create each tenant and COPY the template's rows, rewritten, into its events table."""
    datastore: Any = store._backend.datastore  # type: ignore[attr-defined]
    started = time.perf_counter()
    total = 0
    for number, slug in enumerate(slugs, 1):
        store.registry.create(slug, f"Bench tenant {slug}", "other")
        table = sql.Identifier(tenant_schema(slug), "ketnap_events")
        statement = sql.SQL(
            "COPY {} (originator_id, originator_version, topic, state) FROM STDIN"
        ).format(table)
        with (
            datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(statement) as copy,
        ):
            for row in template.rows_for(slug):
                copy.write_row(row)
        init_tenant(store, slug)  # the hash chain over the copied events
        total += len(template.rows)
        elapsed = time.perf_counter() - started
        if number % 10 == 0 or number == len(slugs):
            progress(
                f"tenants: {number}/{len(slugs)} created, {total:,} events copied "
                f"({total / elapsed:,.0f} events/s)"
            )


def check_tenant(store: Store, template: Template, slug: str) -> None:
    """Load every aggregate of ``slug`` through its application (refuses other tenants' ids)."""
    app = store.app(slug, write=False)
    mapping = template.ids_for(slug)
    for old, (fn, args) in template.keys.items():
        assert mapping[old] == getattr(ids, fn)(slug, *args)
    for originator in {r[0] for r in template.rows}:
        aggregate = app.get(mapping[originator])
        assert getattr(aggregate, "tenant", None) == slug
    assert verify_tenant(store, slug).intact


# --- measuring ---------------------------------------------------------------------------------
def raw_read(store: Store, slugs: list[str], page: int) -> tuple[int, float]:
    """Read every tenant's stored event rows with psycopg, JSON-decoding each state."""
    datastore: Any = store._backend.datastore  # type: ignore[attr-defined]
    rows = 0
    started = time.perf_counter()
    with datastore.get_connection() as conn:
        for slug in slugs:
            query = sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
            ).format(sql.Identifier(tenant_schema(slug), "ketnap_events"))
            last = 0
            with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
                while True:
                    batch = cur.execute(query, (last, page)).fetchall()
                    if not batch:
                        break
                    for row in batch:
                        json.loads(row[4])
                    rows += len(batch)
                    last = batch[-1][0]
            conn.rollback()
    return rows, time.perf_counter() - started


def rebuild_all(
    read_models: ReadModels, slugs: list[str], progress: Callable[[str], None] = say
) -> tuple[int, float, list[float]]:
    """Rebuild every projection of every tenant; returns events, seconds (wall) and each
    tenant's seconds."""
    for slug in slugs:  # tables created before timing
        read_models.projector(slug)
    events = 0
    per_tenant: list[float] = []
    started = time.perf_counter()
    for number, slug in enumerate(slugs, 1):
        began = time.perf_counter()
        report = read_models.rebuild(slug)
        per_tenant.append(time.perf_counter() - began)
        events += report.events
        if number % 10 == 0 or number == len(slugs):
            elapsed = time.perf_counter() - started
            progress(
                f"rebuild: {number}/{len(slugs)} tenants, {events:,} events ({events / elapsed:,.0f}/s)"
            )
    return events, time.perf_counter() - started, per_tenant


def measure(
    postgres_url: str,
    *,
    tenants: int,
    events: int,
    batch_size: int = 500,
    read_page: int = 500,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fill ``postgres_url`` (an empty database) with ``tenants`` tenants of ``events`` events
    each, read them raw, rebuild them, read them raw again; returns the figures.

    Keys: ``tenants``, ``events`` (rebuilt in total), ``rebuild_seconds``,
    ``rebuild_events_per_s``, ``raw_read_rows``, ``raw_read_rows_per_s`` (the better of the two
    reads, before and after the rebuild), ``raw_read_rows_per_s_before``/``_after``, ``ratio``
    (rebuild ÷ raw read) and ``tenant_seconds`` (each tenant's rebuild, in order).
    """
    tell = progress or say
    slugs = [f"bench_{n:03d}" for n in range(tenants)]
    with tempfile.TemporaryDirectory(prefix="ketnap-bench-") as workdir:
        # One key file for the template and every tenant (keys never live in the database).
        key_file = Path(workdir) / "keys.json"
        template = build_template(events, Path(workdir), key_file, tell)
        settings = Settings(
            data_dir=Path(workdir) / "unused",
            database_url=postgres_url,
            pg_pool_size=2,
            projection_batch_size=batch_size,
            key_file=key_file,
        )
        with bootstrap(settings) as parts:
            store = parts.store
            create_tenants(store, template, slugs, tell)
            for slug in {slugs[0], slugs[-1]}:
                check_tenant(store, template, slug)
            tell("checked: every aggregate of the first and last tenant loads in its tenant")
            raw_read(store, slugs[:1], read_page)  # warm-up (connection, plans)
            read_rows, read_seconds = raw_read(store, slugs, read_page)
            tell(f"raw read: {read_rows:,} rows in {read_seconds:.1f} s")
            rebuilt, seconds, per_tenant = rebuild_all(parts.read_models, slugs, tell)
            read_rows2, read_seconds2 = raw_read(store, slugs, read_page)
    before, after = read_rows / read_seconds, read_rows2 / read_seconds2
    read_rate = max(before, after)
    rate = rebuilt / seconds
    return {
        "tenants": tenants,
        "events": rebuilt,
        "rebuild_seconds": seconds,
        "rebuild_events_per_s": rate,
        "raw_read_rows": read_rows,
        "raw_read_rows_per_s": read_rate,
        "raw_read_rows_per_s_before": before,
        "raw_read_rows_per_s_after": after,
        "ratio": rate / read_rate,
        "tenant_seconds": per_tenant,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--events", type=int, default=10_000, help="events per tenant")
    parser.add_argument("--batch-size", type=int, default=500, help="projection batch size")
    parser.add_argument("--read-page", type=int, default=500, help="rows per raw-read query")
    parser.add_argument(
        "--postgres-url",
        required=True,
        help="a database to fill, empty (bash bench/run starts one and passes it)",
    )
    args = parser.parse_args(argv)
    figures = measure(
        args.postgres_url,
        tenants=args.tenants,
        events=args.events,
        batch_size=args.batch_size,
        read_page=args.read_page,
    )
    seconds = sorted(figures["tenant_seconds"])
    print(f"tenants              {figures['tenants']}")
    print(f"events               {figures['events']:,}")
    print(f"rebuild seconds      {figures['rebuild_seconds']:.1f}")
    print(f"rebuild events/s     {figures['rebuild_events_per_s']:,.0f}")
    print(
        f"raw read rows/s      {figures['raw_read_rows_per_s']:,.0f}  (rows "
        f"{figures['raw_read_rows']:,}; {figures['raw_read_rows_per_s_before']:,.0f} before, "
        f"{figures['raw_read_rows_per_s_after']:,.0f} after)"
    )
    print(f"rebuild / raw read   {figures['ratio']:.3f}")
    print(
        f"tenant seconds       p50 {_quantile(seconds, 0.5):.2f}  p95 "
        f"{_quantile(seconds, 0.95):.2f}  p99 {_quantile(seconds, 0.99):.2f}  max {seconds[-1]:.2f}"
    )
    return 0


def _quantile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of sorted ``ordered`` (nearest rank)."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


if __name__ == "__main__":
    sys.exit(main())
