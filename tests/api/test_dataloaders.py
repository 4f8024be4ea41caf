"""No N+1: a page of cases with their units, parent units and sponsors reads the read models in
a fixed number of SQL statements, however long the page (units come through the request's
DataLoader, sponsors with the case rows)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from domain.candidates import Stage
from domain.commands import EstablishUnit
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, Sponsor
from projections.sql import Tx
from service.commands import Handlers, Principal
from tests.api.conftest import Api
from tests.walks import DOSSIER_2025, person, walk

CASES = 50
#: Statements a page takes whatever its size: the page itself, then one batch of units (the unit
#: versions, their depths and their headcounts), which also primes the loader with the parents,
#: and one insert of the access log (the sponsors' names are personal data).
MAX_STATEMENTS = 1 + 3 + 1
BRANCHES = {"CB1": "DU1", "CB2": "DU1", "CB3": "DU2"}
PAGE = """query Page($first: Int!) {
  candidates(first: $first) {
    edges { node { caseCode unit { code name parent { code } } sponsors { name } } }
  }
}"""
COUNTED = ("execute", "executemany", "fetchall", "fetchone", "fetchdicts")


@dataclass
class Statements:
    """Calls of :class:`~projections.sql.Tx` methods while :meth:`counting`."""

    calls: Counter[str] = field(default_factory=Counter)
    queries: list[str] = field(default_factory=list)
    active: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        """SQL statements run (``fetch*`` run theirs through ``execute``)."""
        return self.calls["execute"] + self.calls["executemany"]

    def note(self, name: str, args: tuple[Any, ...]) -> None:
        with self.lock:
            if not self.active:
                return
            self.calls[name] += 1
            if name in ("execute", "executemany") and args:
                self.queries.append(" ".join(str(args[0]).split())[:160])

    @contextmanager
    def counting(self) -> Iterator[Statements]:
        with self.lock:
            self.calls.clear()
            self.queries.clear()
            self.active = True
        try:
            yield self
        finally:
            with self.lock:
                self.active = False

    def report(self) -> str:
        return f"{dict(self.calls)}:\n  " + "\n  ".join(self.queries)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Statements:
    """Counts the read models' statements; the wrapped methods still run for real."""
    seen = Statements()

    def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Tx, *args: Any, **kwargs: Any) -> Any:
            seen.note(name, args)
            return original(self, *args, **kwargs)

        return wrapper

    for name in COUNTED:
        monkeypatch.setattr(Tx, name, counting(name, getattr(Tx, name)))
    return seen


def seed(h: Handlers, p: Principal) -> None:
    """A committee, two grassroots committees, three branches; ``CASES`` cases spread over the
    branches, the first two with a sponsor each."""
    established = date(2015, 1, 1)
    h.handle(
        p,
        EstablishUnit(
            code="KDN",
            name="Đảng bộ Khối",
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=established,
        ),
    )
    for code in sorted(set(BRANCHES.values())):
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Đảng bộ {code}",
                kind=UnitKind.GRASSROOTS_COMMITTEE,
                parent_code="KDN",
                occurred_on=established,
                admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            ),
        )
    for code, parent in BRANCHES.items():
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Chi bộ {code}",
                kind=UnitKind.BRANCH,
                parent_code=parent,
                occurred_on=established,
            ),
        )
    branches = list(BRANCHES)
    for n in range(CASES):
        who = person(f"Quần chúng {n}")
        unit_code = branches[n % len(branches)]
        for command in walk(
            f"HS-{n:03d}", Stage.DISCOVERED, steps=DOSSIER_2025, unit_code=unit_code, who=who
        ):
            h.handle(p, command)
    for n in range(2):
        sponsor = Sponsor(f"DV{n}", f"Đảng viên {n}", date(2010, 1, 1), date(2019, 1, 1))
        for command in walk(
            f"HS-{n:03d}",
            Stage.SPONSORED,
            after=Stage.DISCOVERED,
            steps=DOSSIER_2025,
            sponsors=[sponsor],
        ):
            h.handle(p, command)


def page(api: Api, statements: Statements, first: int) -> tuple[list[dict[str, Any]], int, str]:
    """The page's cases, and the statements it took."""
    with statements.counting():
        data = api.data(PAGE, {"first": first})
    nodes = [edge["node"] for edge in data["candidates"]["edges"]]
    return nodes, statements.total, statements.report()


def test_a_page_of_cases_with_units_and_sponsors_takes_a_fixed_number_of_statements(
    api: Api, statements: Statements
) -> None:
    seed(api.handlers, api.principal())
    # sponsors' names are logged reads: the first one creates the tenant's access-log table
    # (once per process), which is not the page's cost
    api.data(PAGE, {"first": 1})

    small, small_count, small_report = page(api, statements, 5)
    full, full_count, full_report = page(api, statements, CASES)

    assert [n["caseCode"] for n in small] == [f"HS-{n:03d}" for n in range(5)]
    assert len(full) == CASES
    assert full[0]["sponsors"] == [{"name": "Đảng viên 0"}]
    assert full[1]["sponsors"] == [{"name": "Đảng viên 1"}]
    assert all(n["sponsors"] == [] for n in full[2:])
    for n, node in enumerate(full):
        branch = list(BRANCHES)[n % len(BRANCHES)]
        assert node["unit"] == {
            "code": branch,
            "name": f"Chi bộ {branch}",
            "parent": {"code": BRANCHES[branch]},
        }

    assert small_count == full_count, (
        f"5 cases took {small_count} statements, {CASES} took {full_count}:\n"
        f"5: {small_report}\n{CASES}: {full_report}"
    )
    assert 0 < full_count <= MAX_STATEMENTS, full_report
    assert (
        statements.calls["fetchall"] + statements.calls["fetchone"] + statements.calls["fetchdicts"]
        <= full_count
    ), full_report
