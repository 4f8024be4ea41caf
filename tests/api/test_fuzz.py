"""Fuzzing the API: requests generated from ``schema.graphql`` (hypothesis-graphql) over real
HTTP, on each backend, with every kind of token (``tests/fuzzing.py`` says how).

Bounded and reproducible: a fixed number of examples for each mutation and for queries,
derandomized, no example database. Every answer: no 5xx, a JSON object, no ``INTERNAL_ERROR``,
every error with its code and both languages, a refused mutation stores no event, tenant
``beta`` never gains one. The run must also reach the command
handlers (mutations answered with a payload or a ``DomainError``, some accepted), or it would
prove little. ``python -m bench.fuzz`` is the longer run.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from domain.values import Role
from tests.api.conftest import Api
from tests.fuzzing import (
    CALLERS,
    ENABLE_HOME,
    HOME,
    OTHER,
    Caller,
    Request,
    Tally,
    check,
    mutation_names,
    requests,
    seed,
)

#: Examples of each mutation, and of queries (11-25 s per backend on our 2-core machines, by load).
EACH_MUTATION = 3
QUERIES = 50
OPERATOR = Caller("operator", None, (Role.PLATFORM_OPERATOR,))


def _head(api: Api, tenant: str) -> int:
    return int(api.store.app(tenant, write=False).recorder.max_notification_id() or 0)


def _token(api: Api, caller: Caller) -> str:
    return api.token(caller.tenant, *caller.roles, units=caller.units, subject="fuzz-user")


def _fuzz(api: Api, strategy: st.SearchStrategy[Request], examples: int, tally: Tally) -> None:
    """Send ``examples`` requests drawn from ``strategy`` and check each answer."""

    def heads() -> tuple[int, int]:
        return _head(api, HOME), _head(api, OTHER)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        # A request takes tens of milliseconds, and documents are large: not a problem here.
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(strategy)
    def send(request: Request) -> None:
        before = heads()
        response = api.post(request.document, request.variables, token=_token(api, request.caller))
        problems = check(request, response.status_code, response.text, heads, before, tally)
        assert not problems, tally.failures[-1]
        if request.field == "disableTenant":  # the home tenant takes writes again
            api.post(ENABLE_HOME, token=_token(api, OPERATOR))
            assert not api.store.registry.get(HOME).disabled

    send()


def test_fuzzed_requests_break_nothing(api: Api) -> None:
    seed(api.handlers)
    tally = Tally()
    started = time.monotonic()
    names = mutation_names()
    # The simplest example of every other mutation comes from the branch secretary (its scope).
    secretary_first = [CALLERS[3], *CALLERS[:3], *CALLERS[4:]]
    for number, name in enumerate(names):
        callers = secretary_first if number % 2 else CALLERS
        _fuzz(api, requests(name, callers), EACH_MUTATION, tally)
    _fuzz(api, requests(), QUERIES, tally)
    elapsed = time.monotonic() - started
    print(f"{tally.requests} requests in {elapsed:.1f} s: {dict(tally.statuses)}")
    print(f"by caller: {dict(tally.operations)}")
    print(f"answered by a handler: {dict(tally.handled_mutations)}")
    print(f"accepted: {dict(tally.accepted_mutations)}")
    print(f"error codes: {dict(tally.codes.most_common(20))}")
    assert tally.requests >= len(names) * EACH_MUTATION + QUERIES
    assert len(tally.handled_mutations) >= len(names) // 2, tally.handled_mutations
    assert len(tally.accepted_mutations) >= 5, tally.accepted_mutations
