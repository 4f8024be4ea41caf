"""How a refusal must look: a named error with a stable code, a Vietnamese and an English
message (and the regulation, for a rule), and no trace left on the aggregate."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest
from eventsourcing.domain import Aggregate

from domain.errors import DomainError, RuleViolation
from tests.domain.builders import state


def assert_well_formed(error: DomainError) -> None:
    """Every refusal is explained in both languages; a rule's refusal cites its source."""
    assert error.code.strip()
    assert error.code == error.code.upper()
    assert error.message_vi.strip()
    assert error.message_en.strip()
    assert error.message_vi != error.message_en
    if isinstance(error, RuleViolation):
        assert error.regulation is not None
        assert error.regulation.strip()
    assert error.as_dict()["code"] == error.code


def assert_refused(
    aggregate: Aggregate,
    command: Callable[[], object],
    code: str,
    kind: type[DomainError] = DomainError,
) -> DomainError:
    """``command`` on ``aggregate`` is refused with ``code``, and the aggregate is unchanged:
    no new event waits to be saved and its state is what it was (a rejected command leaves no
    trace)."""
    events_before = list(aggregate.pending_events)
    state_before = copy.deepcopy(state(aggregate))
    with pytest.raises(kind) as refusal:
        command()
    error = refusal.value
    assert error.code == code, error.as_dict()
    assert_well_formed(error)
    assert aggregate.pending_events == events_before
    assert state(aggregate) == state_before
    return error


ErrorT = TypeVar("ErrorT", bound=DomainError)


@contextmanager
def refused(kind: type[ErrorT]) -> Iterator[pytest.ExceptionInfo[ErrorT]]:
    """Like ``pytest.raises(kind)``, for a refusal that has no aggregate to leave a trace on
    (a case never opened, a value never built); the refusal must explain itself all the same."""
    with pytest.raises(kind) as refusal:
        yield refusal
    assert_well_formed(refusal.value)
