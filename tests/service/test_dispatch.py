"""The one command path (docs/commands.md): every command has a handler, and a command carried
out by a family's handler calls the domain method of the same name with its own fields."""

from __future__ import annotations

import inspect

import pytest

from domain.candidates import Candidate
from domain.commands import (
    COMMANDS,
    CaseCommand,
    Command,
    PolicyChange,
    QuotaChange,
    RejectCandidate,
    UnitChange,
)
from domain.org_units import OrgUnit
from domain.quotas import QuotaPlan
from domain.tenant_policy import TenantPolicy
from service.commands import arguments_of, handler_of, method_name

#: The families whose one handler loads the aggregate and calls the command's method.
FAMILIES: dict[type[Command], type] = {
    CaseCommand: Candidate,
    UnitChange: OrgUnit,
    QuotaChange: QuotaPlan,
    PolicyChange: TenantPolicy,
}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_every_command_has_a_handler(command: type[Command]) -> None:
    assert callable(handler_of(command))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_a_family_handler_calls_the_same_named_domain_method_with_the_commands_fields(
    command: type[Command],
) -> None:
    family = next(base for base in command.__mro__ if base in FAMILIES)
    if handler_of(command) is not handler_of(family):
        return  # a command with its own handler (a creation, a move, a merge, a correction)
    method = getattr(FAMILIES[family], method_name(command))
    parameters = inspect.signature(method).parameters
    assert "actor" in parameters
    missing = [name for name in arguments_of(command) if name not in parameters]
    assert not missing, (command.__name__, missing)


def test_the_method_is_named_after_the_command_unless_listed() -> None:
    assert method_name(RejectCandidate) == "reject"
    assert method_name(next(c for c in COMMANDS if c.__name__ == "AddSponsor")) == "add_sponsor"
