"""The per-tenant event store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from uuid import UUID, uuid5

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidInput, NotFound
from domain.ids import tenant_namespace
from domain.values import (
    Actor,
    DocumentRef,
    EducationLevel,
    Gender,
    Occupation,
    PersonProfile,
    Role,
)
from service.store import (
    ConcurrentChange,
    Store,
    TenantDisabled,
    TenantKind,
    TenantMismatch,
)
from tests.conftest import StoreMaker
from tests.walks import person

KIND = TenantKind.CORPORATE_GROUP


class Dossier(Aggregate):
    """A small aggregate for these tests (independent of the domain's aggregates)."""

    @staticmethod
    def create_id(tenant: str, code: str) -> UUID:
        return uuid5(tenant_namespace(tenant), f"dossier:{code}")

    @event("Opened")
    def __init__(self, tenant: str, code: str) -> None:
        self.tenant = tenant
        self.code = code
        self.steps: list[tuple[date, DocumentRef, Actor, str]] = []
        self.profile: PersonProfile | None = None

    @event("StepRecorded")
    def record_step(
        self, occurred_on: date, document: DocumentRef, actor: Actor, note: str = ""
    ) -> None:
        self.steps.append((occurred_on, document, actor, note))

    @event("ProfileSet")
    def set_profile(self, profile: PersonProfile) -> None:
        self.profile = profile


def document(number: str = "12/NQ-CB") -> DocumentRef:
    return DocumentRef(kind="6-KNĐ", number=number, issued_on=date(2024, 3, 4), issuer="Chi bộ X")


ORGANIZER = Actor("u-1", Role.ORGANIZER)


def opened(tenant: str, code: str = "c-1") -> Dossier:
    dossier = Dossier(tenant, code)
    dossier.record_step(date(2024, 3, 5), document(), ORGANIZER, "ghi chú")
    return dossier


def test_round_trip(store_maker: StoreMaker) -> None:
    store = store_maker()
    store.registry.create("acme", "Tập đoàn Acme", KIND)
    app = store.app("acme")
    dossier = opened("acme")
    profile = person(
        "Nguyễn Văn A",
        date(1995, 7, 1),
        gender=Gender.MALE,
        education=EducationLevel.UPPER_SECONDARY,
        occupation=Occupation.WORKER,
    )
    dossier.set_profile(profile)
    recordings = app.save(dossier)
    assert [r.domain_event.originator_version for r in recordings] == [1, 2, 3]
    assert all(r.notification.id for r in recordings)

    # Read back through a second store on the same data: nothing comes from memory.
    again = store_maker().app("acme").get(dossier.id, Dossier)
    assert again.steps == dossier.steps
    occurred_on, doc, actor, note = again.steps[0]
    assert type(occurred_on) is date
    assert type(doc) is DocumentRef
    assert type(doc.issued_on) is date
    assert type(actor) is Actor
    assert actor.role is Role.ORGANIZER
    assert note == "ghi chú"
    assert again.profile == profile
    assert again.profile is not None
    assert again.profile.gender is Gender.MALE
    assert type(again.profile.birth_date) is date
    assert again.version == 3


def test_get_unknown_and_wrong_type(store: Store) -> None:
    store.registry.create("acme", "Acme", KIND)
    app = store.app("acme")
    with pytest.raises(NotFound) as info:
        app.get(Dossier.create_id("acme", "nope"))
    assert info.value.message_vi
    assert info.value.message_en
    app.save(opened("acme"))

    class Other(Aggregate):
        pass

    with pytest.raises(NotFound):
        app.get(Dossier.create_id("acme", "c-1"), Other)


def test_tenant_isolation(store: Store) -> None:
    store.registry.create("tenant_a", "A", KIND)
    store.registry.create("tenant_b", "B", KIND)
    app_a, app_b = store.app("tenant_a"), store.app("tenant_b")
    dossier = opened("tenant_a")
    app_a.save(dossier)

    # An id of tenant A is unknown in tenant B.
    with pytest.raises(NotFound):
        app_b.get(dossier.id)

    # Handing tenant A's aggregate to tenant B's store is refused...
    intruder = opened("tenant_a", "c-2")
    with pytest.raises(TenantMismatch):
        app_b.save(intruder)
    # ...and if it got stored there anyway (bypassing the check), reading it is refused.
    Application.save(app_b, intruder)
    with pytest.raises(NotFound) as info:
        app_b.get(intruder.id)
    assert info.value.code == "OTHER_TENANT_ID"
    assert "another tenant" in info.value.message_en
    assert app_a.get(dossier.id, Dossier).tenant == "tenant_a"


def test_duplicate_slug(store: Store) -> None:
    store.registry.create("acme", "Acme", KIND)
    with pytest.raises(InvalidInput) as info:
        store.registry.create("acme", "Acme again", TenantKind.OTHER)
    assert info.value.code == "TENANT_SLUG_TAKEN"
    assert info.value.message_vi
    assert info.value.message_en
    assert [t.name for t in store.registry.list()] == ["Acme"]


@pytest.mark.parametrize("slug", ["a", "Acme", "a-b", "ab cd", "x" * 41, "đảng", "", "a;b"])
def test_invalid_slug(store: Store, slug: str) -> None:
    with pytest.raises(InvalidInput) as info:
        store.registry.create(slug, "Name", KIND)
    assert info.value.code == "TENANT_SLUG_INVALID"
    assert info.value.field == "slug"
    assert "a-z" in info.value.message_vi
    assert "a-z" in info.value.message_en
    with pytest.raises(InvalidInput):
        store.app(slug)


def test_registry_fields(store: Store) -> None:
    created = store.registry.create("ab", "  Khối DN tỉnh  ", "provincial_enterprise_bloc")
    assert created.name == "Khối DN tỉnh"
    assert created.kind is TenantKind.PROVINCIAL_ENTERPRISE_BLOC
    assert store.registry.get("ab") == created
    assert created.schema == "t_ab"
    with pytest.raises(InvalidInput) as kind_error:
        store.registry.create("cd", "Name", "ministry")
    assert kind_error.value.code == "TENANT_KIND_INVALID"
    with pytest.raises(InvalidInput) as name_error:
        store.registry.create("cd", " ", KIND)
    assert name_error.value.code == "TENANT_NAME_INVALID"
    with pytest.raises(NotFound) as unknown:
        store.app("nobody")
    assert unknown.value.code == "TENANT_NOT_FOUND"
    assert [t.slug for t in store.registry.list()] == ["ab"]


def test_disabled_tenant(store_maker: StoreMaker) -> None:
    store = store_maker()
    store.registry.create("acme", "Acme", KIND)
    app = store.app("acme")
    dossier = opened("acme")
    app.save(dossier)

    store.registry.disable("acme")
    assert store.registry.get("acme").disabled
    # The open application stops writing at once...
    dossier.record_step(date(2024, 4, 1), document("13"), ORGANIZER)
    with pytest.raises(TenantDisabled) as info:
        app.save(dossier)
    assert info.value.code == "TENANT_DISABLED"
    assert info.value.message_vi
    assert info.value.message_en
    # ...and it cannot be opened for writes, in this process or a fresh one.
    with pytest.raises(TenantDisabled):
        store.app("acme")
    fresh = store_maker()
    with pytest.raises(TenantDisabled):
        fresh.app("acme")
    # Its history can still be read.
    reader = fresh.app("acme", write=False)
    assert reader.get(dossier.id, Dossier).version == 2
    with pytest.raises(TenantDisabled):
        reader.save(opened("acme", "c-9"))

    store.registry.enable("acme")
    store.app("acme").save(opened("acme", "c-3"))


def test_optimistic_concurrency(store: Store) -> None:
    store.registry.create("acme", "Acme", KIND)
    app = store.app("acme")
    app.save(opened("acme"))
    dossier_id = Dossier.create_id("acme", "c-1")

    first = app.get(dossier_id, Dossier)
    second = app.get(dossier_id, Dossier)
    first.record_step(date(2024, 4, 1), document("first"), ORGANIZER, "first")
    second.record_step(date(2024, 4, 2), document("second-1"), ORGANIZER, "second")
    second.record_step(date(2024, 4, 3), document("second-2"), ORGANIZER, "second")
    app.save(first)
    with pytest.raises(ConcurrentChange) as info:
        app.save(second)
    assert isinstance(info.value, DomainError)
    assert info.value.code == "CONCURRENT_CHANGE"
    assert info.value.message_vi == "Dữ liệu vừa bị thay đổi đồng thời, vui lòng thử lại."
    assert info.value.message_en == "The record was changed concurrently; retry."

    stored = app.get(dossier_id, Dossier)
    assert stored.version == 3
    assert [step[3] for step in stored.steps] == ["ghi chú", "first"]
    assert len(app.recorder.select_events(dossier_id)) == 3


def test_lru_cap(store_maker: StoreMaker) -> None:
    store = store_maker(app_cache_size=3)
    slugs = [f"t{i}" for i in range(6)]
    for slug in slugs:
        store.registry.create(slug, slug.upper(), KIND)
    for slug in slugs:
        store.app(slug).save(opened(slug))
        assert len(store.open_tenants) <= 3
    assert store.open_tenants == ["t3", "t4", "t5"]
    t4 = store.app("t4")
    assert store.app("t4") is t4
    assert store.open_tenants == ["t3", "t5", "t4"]
    # An evicted tenant reopens with its history intact.
    assert store.app("t0").get(Dossier.create_id("t0", "c-1"), Dossier).tenant == "t0"
    assert store.open_tenants == ["t5", "t4", "t0"]
    if store.backend == "sqlite" and Path("/proc/self/fd").is_dir():
        # Evicted SQLite applications let go of their files.
        held = open_files_under(store.settings.data_dir / "tenants")
        assert held
        assert held <= {f"{slug}.sqlite" for slug in ("t5", "t4", "t0")}


def open_files_under(directory: Path) -> set[str]:
    """Names of the files in ``directory`` this process holds open (Linux)."""
    names = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = Path(fd.readlink())
        except OSError:
            continue
        if target.parent == directory.resolve():
            names.add(target.name.removesuffix("-wal").removesuffix("-shm"))
    return names


def test_dropping_an_application_leaves_the_others_working(store_maker: StoreMaker) -> None:
    store = store_maker(app_cache_size=1)
    store.registry.create("one", "One", KIND)
    store.registry.create("two", "Two", KIND)
    for _ in range(3):  # evicted and reopened each time: the pool must survive
        store.app("one").save(opened("one", code=f"c-{_}"))
        gc.collect()
        store.app("two").save(opened("two", code=f"c-{_}"))
        gc.collect()
    app = store.app("one")
    app.close()  # closing one tenant's application closes nothing shared
    del app
    gc.collect()
    assert store.app("two").get(Dossier.create_id("two", "c-2"), Dossier).version == 2


def test_creation_is_all_or_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = store.registry

    class Boom(Exception):
        pass

    def fail(*args: object, **kwargs: object) -> None:
        raise Boom

    if store.backend == "sqlite":
        monkeypatch.setattr(registry, "_provision", fail)
    else:
        real = registry._create_statements  # type: ignore[attr-defined]
        monkeypatch.setattr(
            registry,
            "_create_statements",
            lambda slug: [*real(slug), *real(slug)],  # CREATE TYPE twice: fails mid-way
        )
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the backend raises
        registry.create("acme", "Acme", KIND)
    with pytest.raises(NotFound):
        registry.get("acme")
    assert registry.list() == []
    if store.backend == "sqlite":
        tenants_dir = Path(store.settings.data_dir) / "tenants"
        assert list(tenants_dir.iterdir()) == []

    monkeypatch.undo()
    registry.create("acme", "Acme", KIND)
    store.app("acme").save(opened("acme"))
