"""Correction events keep their history readable, on both stores: a ``ProfileCorrected`` stored
before it carried its fields' old and new values (issue 13) still loads and replays, and the new
one carries them encrypted like the rest of a person's data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from domain.candidates import Candidate
from domain.checklist import FieldChange
from domain.working_days import WorkingCalendar
from service.store import Store
from tests.conftest import StoreMaker
from tests.store.test_personal_data import (
    ORGANIZER,
    PEOPLE,
    T,
    case,
    discover,
    profile,
    set_up,
)

CORRECTED = profile("Hoàng Thị Quỳnh Xuyếnn", "079196099999")


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, store_maker: StoreMaker) -> Path:
    path = tmp_path / "secrets" / "keys.json"
    store_maker.key_file = path
    return path


def _stored_states(store: Store, event: str) -> list[dict[str, object]]:
    app = store.app(T.tenant, write=False)
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    return [json.loads(n.state) for n in notifications if n.topic.endswith(event)]


def _correct(store: Store, *, as_before_issue_13: bool) -> Candidate:
    app = store.app(T.tenant)
    an = case(store, T, "HS-1")
    an.correct_profile(
        actor=ORGANIZER,
        occurred_on=date(2025, 3, 4),
        person=CORRECTED,
        reason="Sai chính tả",
        calendar=WorkingCalendar(),
    )
    if as_before_issue_13:
        del an.pending_events[-1].__dict__["changes"]  # the event as the code stored it then
    app.save(an)
    return an


def test_a_profile_correction_stored_without_its_changes_still_loads(
    store: Store, store_maker: StoreMaker
) -> None:
    h = set_up(store, T)
    discover(h, T, "HS-1", profile(*PEOPLE[0]))
    _correct(store, as_before_issue_13=True)
    (stored,) = _stored_states(store, "ProfileCorrected")
    assert "changes" not in stored
    for reader in (store, store_maker()):  # and after a restart
        assert case(reader, T, "HS-1").person == CORRECTED
        app = reader.app(T.tenant, write=False)
        last = list(app.events.get(case(reader, T, "HS-1").id))[-1]
        assert getattr(last, "changes", ()) == ()


def test_a_profile_correction_carries_its_changes_encrypted(
    store: Store, store_maker: StoreMaker
) -> None:
    h = set_up(store, T)
    discover(h, T, "HS-1", profile(*PEOPLE[0]))
    _correct(store, as_before_issue_13=False)
    (stored,) = _stored_states(store, "ProfileCorrected")
    changes = stored["changes"]
    assert isinstance(changes, list)
    assert all(set(c["_data_"]) == {"kid", "n", "ct"} for c in changes)
    assert "079196099999" not in json.dumps(stored)
    app = store_maker().app(T.tenant, write=False)
    last = list(app.events.get(case(store, T, "HS-1").id))[-1]
    assert list(getattr(last, "changes", ())) == [
        FieldChange("full_name", "Hoàng Thị Quỳnh Xuyến", "Hoàng Thị Quỳnh Xuyếnn"),
        FieldChange("identity_number", "079196012345", "079196099999"),
    ]


def test_a_step_date_correction_stored_without_its_flags_still_loads(
    store: Store, store_maker: StoreMaker
) -> None:
    h = set_up(store, T)
    discover(h, T, "HS-1", profile(*PEOPLE[0]))
    app = store.app(T.tenant)
    an = case(store, T, "HS-1")
    an.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2025, 3, 4),
        step="discovered",
        corrected_date=date(2024, 1, 3),
        reason="Nhập nhầm ngày",
        calendar=WorkingCalendar(),
    )
    del an.pending_events[-1].__dict__["flags"]  # the event as the code stored it then
    app.save(an)
    (stored,) = _stored_states(store, "StepDateCorrected")
    assert "flags" not in stored
    for reader in (store, store_maker()):
        assert case(reader, T, "HS-1").step_dates["discovered"] == date(2024, 1, 3)
