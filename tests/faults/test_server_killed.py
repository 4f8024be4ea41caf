"""The server killed (SIGKILL) in the middle of a write load, on PostgreSQL: nothing acknowledged
is lost, nothing refused is stored, the chain is intact, the read models equal a rebuild.

The real ``ketnap serve`` and ``ketnap worker`` run as subprocesses on a fresh database of the
suite's cluster. Four clients record new cases as fast as they are answered; one command in
five names a unit that does not exist (refused, nothing may be stored). Once the load runs, the
server gets SIGKILL. Then:

- every case whose command was answered with success is in the history; no refused command
  left an event; a command cut off without an answer may have been stored or not (counted);
- the hash chain is intact;
- the worker catches up with the whole history, and every read-model table equals a rebuild;
- a new server on the same database serves again.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain import ids
from domain.commands import DiscoverCandidate
from domain.values import Actor, MassOrganization, Role
from service.api.auth import issue_dev_token
from service.audit.verify import verify_tenant
from service.commands import Handlers, Principal
from service.read_models import ReadModels
from service.store import Store
from tests.api.conftest import TODAY
from tests.conftest import PostgresDatabase, with_database
from tests.faults.clients import NO_ANSWER, Answer, send
from tests.processes import Ketnap, env_for, serve, start, wait_until
from tests.projections.test_rebuild import dump_read_models
from tests.walks import STEPS, bloc_tree, person

pytestmark = pytest.mark.postgres

TENANT = "alpha"
CLIENTS = 4


@pytest.fixture
def backend() -> str:
    """PostgreSQL: the service and the worker are separate processes on one database."""
    return "postgres"


@pytest.fixture
def processes() -> Iterator[list[Ketnap]]:
    started: list[Ketnap] = []
    try:
        yield started
    finally:
        for process in started:
            process.stop()


def test_server_killed_during_writes_loses_nothing_acknowledged(
    store: Store,
    postgres_database: PostgresDatabase,
    processes: list[Ketnap],
    tmp_path: Path,
) -> None:
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), TENANT, "Đảng bộ", "other")
    for command in bloc_tree(("CB1", "Chi bộ 1")):
        handlers.handle(Principal(TENANT, Actor("seed", Role.ORGANIZER)), command)
    env = env_for(
        store.settings,
        KETNAP_DATABASE_URL=with_database(postgres_database.admin_url, postgres_database.name),
    )
    processes.append(start(env, tmp_path / "worker.log", "worker", "--poll-interval", "0.5"))
    server = serve(env, tmp_path / "server.log")
    processes.append(server)
    base = server.base
    token = issue_dev_token(store.settings, subject="u1", roles=[Role.ORGANIZER], tenant=TENANT)

    sent: list[tuple[str, bool, Answer]] = []  # (case code, valid command, answer)
    lock = threading.Lock()

    def client(number: int) -> None:
        with httpx.Client(timeout=30) as http:
            for serial in range(10_000):
                code = f"HS-{number}-{serial}"
                valid = serial % 5 != 4
                command = DiscoverCandidate(
                    introduced_by=MassOrganization.BRANCH,
                    case_code=code,
                    unit_code="CB1" if valid else "NO-SUCH-UNIT",
                    person=person(),
                    occurred_on=STEPS.discovered,
                )
                answer = send(http, f"{base}/graphql", token, command)
                with lock:
                    sent.append((code, valid, answer))
                if answer.code == NO_ANSWER:
                    return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    wait_until(lambda: sum(a.ok for _, _, a in sent) >= 20, 60, "20 commands succeeded")
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    for thread in threads:
        thread.join(timeout=60)

    app = store.app(TENANT, write=False)

    def stored(code: str) -> bool:
        return ids.candidate_id(TENANT, code) in app.repository

    codes = Counter(answer.code for _, _, answer in sent)
    acknowledged = [code for code, _, answer in sent if answer.ok]
    refused = [code for code, _, answer in sent if not answer.ok and answer.code != NO_ANSWER]
    cut_off = [code for code, _, answer in sent if answer.code == NO_ANSWER]
    cut_off_stored = [code for code in cut_off if stored(code)]
    assert set(codes) <= {"OK", "NOT_FOUND", NO_ANSWER}, codes
    assert all(stored(code) for code in acknowledged)  # nothing acknowledged is lost
    assert not any(stored(code) for code in refused)  # nothing refused is stored
    assert all(valid for code, valid, answer in sent if answer.ok)
    head = int(app.recorder.max_notification_id() or 0)
    # Counted: an insert cut off by the kill may have taken a notification id (a gap).
    events = len(app.recorder.select_notifications(start=1, limit=10**6))
    assert events == 1 + 4 + len(acknowledged) + len(cut_off_stored)  # policy, units, cases
    assert verify_tenant(store, TENANT).intact

    read_models = ReadModels(store, inline=False)
    caught_up = wait_until(lambda: read_models.reached(TENANT) == head, 60, "the worker caught up")
    recovered = dump_read_models(read_models, TENANT)
    assert read_models.rebuild(TENANT).events == events
    rebuilt = dump_read_models(read_models, TENANT)
    for name, rows in rebuilt.items():
        assert recovered[name] == rows, f"{name}: differs from a rebuild after the kill"

    restart_at = time.monotonic()
    processes.append(serve(env, tmp_path / "server.log", port=server.port))
    restart = time.monotonic() - restart_at
    with httpx.Client(timeout=30) as http:
        again = DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-after",
            unit_code="CB1",
            person=person(),
            occurred_on=STEPS.discovered,
        )
        assert send(http, f"{base}/graphql", token, again).ok
    print(
        f"server SIGKILLed under {CLIENTS} writers: answers {dict(codes)}; acknowledged "
        f"{len(acknowledged)}, all stored; refused {len(refused)}, none stored; cut off "
        f"{len(cut_off)}, {len(cut_off_stored)} of them stored; head {head}; worker caught up "
        f"in {caught_up:.2f} s; read models equal a rebuild; restarted server served after "
        f"{restart:.1f} s"
    )
