"""``ketnap projections status|rebuild`` and ``ketnap worker`` in SQLite mode (CliRunner)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner, Result

from domain.commands import SetStalledThreshold
from projections import all_projections
from service.cli import main
from service.commands import Handlers, Principal
from service.demo import ORGANIZER
from service.read_models import ProjectionFailed, ReadModels
from service.store import Store
from tests.conftest import Seeding, SettingsCliRunner, StoreMaker


def _run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, list(args), catch_exceptions=False)


def _tenant(handlers: Handlers, slug: str, commands: int) -> None:
    """A tenant with 1 + ``commands`` events (its default policy, then policy changes)."""
    handlers.create_tenant(ORGANIZER, slug, slug.title(), "other")
    for days in range(commands):
        handlers.handle(Principal(slug, ORGANIZER), SetStalledThreshold(days=30 + days))


def test_status_shows_every_projection_of_every_tenant(store: Store, cli: CliRunner) -> None:
    handlers = Handlers(store, today=lambda: date(2026, 11, 21))
    _tenant(handlers, "one", 12)
    _tenant(handlers, "two", 0)
    head = ReadModels(store).projector("one").head()
    ReadModels(store, inline=True).catch_up("two")

    result = _run(cli, "projections", "status")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == [
        "tenant", "projection", "version", "position", "head", "lag", "updated", "at"
    ]  # fmt: skip
    names = [p.name for p in all_projections()]
    rows = [line.split() for line in lines[1:]]
    assert [(r[0], r[1]) for r in rows] == [(t, n) for t in ("one", "two") for n in names]
    for row in rows:
        if row[0] == "two":
            assert row[3:6] == ["1", "1", "0"]  # caught up: position = head, lag 0
        else:
            assert row[3:6] == ["0", str(head), str(head)]  # recorded, not projected yet

    only = _run(cli, "projections", "status", "--tenant", "two")
    assert only.exit_code == 0
    assert len(only.output.strip().splitlines()) == 1 + len(names)


def test_rebuild_reports_each_tenant_and_the_total(store: Store, cli: CliRunner) -> None:
    handlers = Handlers(store, today=lambda: date(2026, 11, 21))
    _tenant(handlers, "one", 12)
    _tenant(handlers, "two", 7)
    heads = {t: ReadModels(store).projector(t).head() for t in ("one", "two")}

    result = _run(cli, "projections", "rebuild")
    assert result.exit_code == 0, result.output
    per_tenant = re.findall(
        r"^(\w+): (\d+) events in [\d.]+ s = [\d,]+ events/s$", result.output, re.M
    )
    assert per_tenant == [(t, str(h)) for t, h in heads.items()]
    total = re.search(r"total: (\d+) events in [\d.]+ s = [\d,]+ events/s", result.output)
    assert total is not None
    assert int(total[1]) == sum(heads.values())
    assert ReadModels(store).reached("one") == heads["one"]

    name = all_projections()[0].name
    one = _run(cli, "projections", "rebuild", "--tenant", "two", "--projection", name)
    assert one.exit_code == 0, one.output
    assert f"two: {heads['two']} events" in one.output


def test_unknown_tenant_or_projection_is_refused_bilingually(store: Store, cli: CliRunner) -> None:
    Handlers(store).create_tenant(ORGANIZER, "one", "One", "other")
    for args in (
        ("projections", "status", "--tenant", "khong_co"),
        ("projections", "rebuild", "--tenant", "khong_co"),
    ):
        result = _run(cli, *args)
        assert result.exit_code == 2
        assert "TENANT_NOT_FOUND" in result.output
        assert "Không tìm thấy đơn vị 'khong_co'" in result.output
        assert "There is no tenant 'khong_co'" in result.output
    result = _run(cli, "projections", "rebuild", "--projection", "khong_co")
    assert result.exit_code == 2
    assert "PROJECTION_NOT_FOUND" in result.output
    assert "Không có bảng đọc" in result.output
    assert "There is no projection khong_co" in result.output


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_worker_in_sqlite_mode_catches_up_once_and_explains(
    store: Store, cli: CliRunner
) -> None:
    Handlers(store).create_tenant(ORGANIZER, "one", "One", "other")
    result = _run(cli, "worker")
    assert result.exit_code == 0, result.output
    assert "Chế độ SQLite" in result.output
    assert "projections run inline" in result.output
    assert "one: 1 events" in result.output
    assert ReadModels(store).reached("one") == 1


def test_report_shows_the_read_model_figures_at_the_cut(
    seeded_store_maker: Callable[[Seeding], StoreMaker],
) -> None:
    from domain.quotas import Period
    from projections.cut import Cut
    from projections.queries.attainment import unit_attainment
    from projections.queries.structure import admitted_structure
    from tests.api.conftest import DEMO_SEEDING

    # the API tests' demo (seeded once per run), this test's own copy
    store = seeded_store_maker(DEMO_SEEDING)()
    cli = SettingsCliRunner(replace(store.settings, signing_key_file=None))
    read_models = ReadModels(store, inline=True)
    read_models.catch_up("demo")
    with read_models.read("demo") as tx:
        expected = {
            row.code: row
            for row in (
                unit_attainment(tx, Cut(date(2024, 12, 31)), Period.year(2024), unit_id)
                for (unit_id,) in tx.fetchall(
                    "SELECT DISTINCT unit_id FROM rm_quota_plans WHERE period_key = 'year:2024'"
                )
            )
        }
        cut = Cut(date(2024, 12, 31))
        members = admitted_structure(tx, cut, date(2024, 1, 1), date(2024, 12, 31)).total
    out = _run(cli, "report", "--tenant", "demo", "--period", "2024", "--as-of", "2024-12-31")
    assert out.exit_code == 0, out.output
    assert "period year:2024" in out.output
    for code, row in expected.items():
        line = next(line for line in out.output.splitlines() if f" {code} " in f" {line} ")
        assert f"{row.quota:>9,} {row.admitted:>8,}" in line, line
    assert (
        f"dân tộc thiểu số / ethnic minority: {members.ethnic_minority}; "
        f"có đạo / religious: {members.religious}"
    ) in out.output
    assert "Nhật ký gần nhất / latest audit entries" in out.output

    refused = cli.invoke(main, ["report", "--tenant", "demo", "--period", "2024-13"])
    assert refused.exit_code == 2
    assert "PERIOD_INVALID" in refused.output


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_worker_refuses_to_start_without_the_personal_data_keys(
    store: Store, cli: SettingsCliRunner
) -> None:
    no_keys = replace(cli.settings, key_file=None, inline_keys="")
    result = cli.invoke(main, ["worker"], obj=no_keys)
    assert result.exit_code == 2
    assert "PERSONAL_DATA_KEYS_NOT_CONFIGURED" in result.output
    assert "KETNAP_KEY_FILE" in result.output
    assert "cần khóa dữ liệu cá nhân" in result.output
    assert "needs the tenants' personal-data keys" in result.output


def test_status_shows_a_failed_projection_and_retry_clears_it(store: Store, cli: CliRunner) -> None:
    from tests.projections.test_failures import POISON, Thresholds, with_thresholds

    handlers = Handlers(store, today=lambda: date(2026, 11, 21))
    _tenant(handlers, "one", 2)
    position = handlers.handle(Principal("one", ORGANIZER), SetStalledThreshold(days=POISON))
    poison = position.position
    assert poison is not None
    Thresholds.broken = True
    with pytest.raises(ProjectionFailed):
        ReadModels(store, projections=with_thresholds, inline=False).catch_up("one")

    status = _run(cli, "projections", "status", "--tenant", "one")
    assert status.exit_code == 0, status.output
    assert re.search(
        rf"^  FAILED one {Thresholds.name} at position {poison} \(attempt 1, next try "
        r"[\d-]+ [\d:]+\): \w+",
        status.output,
        re.M,
    ), status.output
    assert "ketnap projections retry" in status.output
    rows = [line.split() for line in status.output.splitlines()[1:7]]
    assert {row[3] for row in rows} == {str(poison - 1)}  # stopped before it

    unknown = _run(cli, "projections", "retry", "--projection", "nope")
    assert unknown.exit_code == 2
    assert "PROJECTION_NOT_FOUND" in unknown.output
    retried = _run(cli, "projections", "retry", "--tenant", "one")
    assert retried.exit_code == 0, retried.output
    assert f"one {Thresholds.name} from position {poison}" in retried.output
    assert ReadModels(store).failure("one") is None
    again = _run(cli, "projections", "retry")
    assert "no failure recorded" in again.output
