"""What a mutation's read-your-writes wait costs the read models, on each backend.

The tracking positions are read by one statement with no transaction around it (on
PostgreSQL a read transaction adds BEGIN, SET TRANSACTION, SET LOCAL search_path and COMMIT),
and a payload read right after the command's own wait does not wait (nor read the tracking)
again for the position that wait already saw passed. Counted at the ``ReadModelDB`` layer: every
read the request makes of the read models goes through it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from projections.sql import ReadModelDB, Tx
from tests.api.conftest import Api

ESTABLISH = (
    "mutation($input: EstablishUnitInput!) { establishUnit(input: $input) { __typename "
    "... on UnitPayload { position unit { code } } ... on DomainError { code messageEn } } }"
)


class _Counting(ReadModelDB):
    """Passes everything to ``inner``; notes each read transaction and each single read."""

    def __init__(self, inner: ReadModelDB, log: list[tuple[str, str]]) -> None:
        self.inner = inner
        self.log = log
        self.dialect = inner.dialect
        self.tenant = inner.tenant

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        with self.inner.transaction(write=write) as tx:
            if not write:
                self.log.append(("read transaction", ""))
            yield tx

    def read_once(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.log.append(("single read", sql))
        return self.inner.read_once(sql, params)

    def table(self, name: str) -> str:
        return self.inner.table(name)

    def lock_statement(self) -> str | None:
        return self.inner.lock_statement()


def test_a_mutation_and_its_payload_read_the_tracking_once_in_one_statement(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = {
        "input": {
            "code": "U1",
            "name": "Đơn vị U1",
            "kind": "COMMITTEE",
            "parentCode": None,
            "occurredOn": "2015-01-01",
        }
    }
    warm = dict(variables, input=dict(variables["input"], code="U0", name="Đơn vị U0"))
    assert api.data(ESTABLISH, warm)["establishUnit"]["__typename"] == "UnitPayload"

    log: list[tuple[str, str]] = []
    store = api.store
    real = store.read_models
    monkeypatch.setattr(store, "read_models", lambda slug: _Counting(real(slug), log))

    body = api.data(ESTABLISH, variables)["establishUnit"]
    assert body["__typename"] == "UnitPayload", body
    assert body["unit"] == {"code": "U1"}

    tracking = [entry for entry in log if "projection_tracking" in entry[1]]
    # Once, by the command's wait; the payload's read does not wait again for that position.
    assert [kind for kind, _ in tracking] == ["single read"], log
    # The only read transaction is the payload's own query (no transaction for the tracking).
    assert [entry for entry in log if entry[0] == "read transaction"] == [
        ("read transaction", "")
    ], log
