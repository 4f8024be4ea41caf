"""What the command line prints from stored data cannot forge a line or drive the terminal.

A token's ``sub`` is stored as the actor of the events it records and of the reads it makes;
the token checks now refuse control characters, but history recorded before (or imported)
keeps whatever it holds. ``ketnap events`` and ``ketnap audit access-log`` print such values
escaped: one line per entry, no escape character. (Tenant names and the values of commands are
canonical already: no control characters get in that way.)
"""

from __future__ import annotations

from datetime import date

from domain.commands import EstablishUnit
from domain.org_units import UnitKind
from domain.values import Actor, Role
from service.audit.access_log import record_personal_read
from service.cli import main
from service.commands import Handlers, Principal
from service.escaping import printable
from service.store import Store
from tests.conftest import SettingsCliRunner

OPS = Actor("ops", Role.PLATFORM_OPERATOR)
#: An actor id that, printed raw, ends its line and prints a forged event in red.
FORGED = (
    "user-9\n     99 Candidate.Admitted                          2025-01-01 \x1b[31mauditor\x1b[0m"
)


def test_stored_control_characters_are_printed_escaped(
    store: Store, cli: SettingsCliRunner
) -> None:
    handlers = Handlers(store, today=lambda: date(2026, 11, 21))
    handlers.create_tenant(OPS, "alpha", "Đảng bộ Alpha", "other")
    forger = Principal("alpha", Actor(FORGED, Role.ORGANIZER))
    handlers.handle(
        forger,
        EstablishUnit(
            code="KDN",
            name="Đảng bộ Khối",
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=date(2015, 1, 1),
        ),
    )
    record_personal_read(store, forger, ["c1"], "graphql:Candidate.fullName")
    history = store.app("alpha", write=False).recorder.max_notification_id() or 0

    events = cli.invoke(main, ["events", "--tenant", "alpha", "--last", "100"])
    assert events.exit_code == 0, events.output
    assert len(events.output.strip().splitlines()) == history
    assert "\x1b" not in events.output
    assert printable(FORGED) in events.output

    reads = cli.invoke(main, ["audit", "access-log", "--tenant", "alpha"])
    assert reads.exit_code == 0, reads.output
    assert len(reads.output.strip().splitlines()) == 1
    assert "\x1b" not in reads.output


def test_printable_escapes_what_is_not_printable_and_keeps_vietnamese() -> None:
    assert printable("Nguyễn Thị Lan") == "Nguyễn Thị Lan"
    assert printable("a\nb\x1b[31m\u202ec\u2028") == "a\\nb\\x1b[31m\\u202ec\\u2028"
    assert printable("x" * 10, 4) == "xxxx…"
    assert printable("\n" * 10, 2) == "\\n\\n…"
