"""Every documented ``ketnap`` command, run as a user would: a child process in a fresh
directory, with no ``KETNAP_*`` variable set (the README's defaults: SQLite in the relative
``./ketnap-data``), in the order of the README's "Command line" table.

Only what the README documents for a step is added to the child's environment: the signing key
for ``audit checkpoint`` (``KETNAP_SIGNING_KEY_FILE``, relative, as ``audit keygen`` suggests)
and the personal-data key file for ``audit import`` into another deployment (keys are never
exported). ``ketnap serve`` runs until stopped and is covered by the API tests.

Each command is a child process of its own, forked from one that has done the imports once
(:class:`tests.processes.KetnapForks`): forty fresh interpreters importing the application
cost most of this test's time and prove nothing more (the environment and the working
directory are read when a command runs, by ``service.bootstrap``).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.processes import ROOT, KetnapForks

Ketnap = Callable[..., subprocess.CompletedProcess[str]]


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its ``KETNAP_*`` variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNAP_")}
    env["PYTHONPATH"] = str(ROOT)  # the code under test, whatever the directory
    env.update(extra or {})
    return env


def _runner(forks: KetnapForks, cwd: Path) -> Ketnap:
    """``ketnap ARGS`` in ``cwd`` with no ``KETNAP_*`` variable but those in ``extra``."""

    def ketnap(
        *args: str, extra: dict[str, str] | None = None, expect: int = 0
    ) -> subprocess.CompletedProcess[str]:
        done = forks.run(list(args), cwd=cwd, env=_environment(extra), timeout=180)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        return done

    return ketnap


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A fresh, empty directory to run the commands in."""
    path = tmp_path / "fresh"
    path.mkdir()
    return path


@pytest.fixture
def forks(workdir: Path, tmp_path: Path) -> Iterator[KetnapForks]:
    """The fork server of the test's commands, started with their environment in ``workdir``."""
    server = KetnapForks(_environment(), workdir, tmp_path / "outputs")
    try:
        yield server
    finally:
        server.close()


def test_every_documented_command_works_from_a_fresh_directory_with_the_defaults(
    workdir: Path, tmp_path: Path, forks: KetnapForks
) -> None:
    ketnap = _runner(forks, workdir)

    out = ketnap("demo", "--candidates", "3", "--seed", "7").stdout
    assert "created 'demo'" in out
    assert (workdir / "ketnap-data" / "tenants" / "demo.sqlite").exists()
    assert (workdir / "ketnap-data" / "keys.json").exists()

    assert "Acme" in ketnap("tenants", "create", "acme", "--name", "Acme", "--kind", "other").stdout
    listed = json.loads(ketnap("tenants", "list", "--json").stdout)
    assert {t["slug"] for t in listed} == {"demo", "acme", "ba_ria_vung_tau"}  # merged in
    assert "disabled: acme" in ketnap("tenants", "disable", "acme", "--reason", "Tạm dừng").stdout
    assert "enabled: acme" in ketnap("tenants", "enable", "acme", "--reason", "Tiếp tục").stdout
    history = json.loads(ketnap("tenants", "history", "acme", "--json").stdout)
    assert [(h["change"], h["reason"]) for h in history] == [
        ("created", ""),
        ("disabled", "Tạm dừng"),
        ("enabled", "Tiếp tục"),
    ]

    events = ketnap("events", "--tenant", "demo", "--last", "5").stdout.splitlines()
    assert len(events) == 5
    assert (
        "period year:2024"
        in ketnap("report", "--tenant", "demo", "--period", "2024", "--as-of", "2024-12-31").stdout
    )
    form = ("report", "--tenant", "demo", "--form", "attainment", "--period", "2024")
    ketnap(*form, "--format", "xlsx", "--output", "bao-cao.xlsx")
    assert (workdir / "bao-cao.xlsx").read_bytes()[:2] == b"PK"  # a real spreadsheet (zip)
    assert "BÁO CÁO KẾT QUẢ" in ketnap(*form, "--format", "text").stdout

    # The import template as written, its example row put into a unit of the demo.
    assert "mau-nhap-ho-so.xlsx" in ketnap("import", "template").stdout
    ketnap("import", "template", "--format", "csv", "--output", "mau.csv")
    with (workdir / "mau.csv").open(encoding="utf-8-sig", newline="") as file:
        table = list(csv.reader(file))
    keys_row, example = table[1], table[2]
    example[keys_row.index("case_code")] = "NHAP-0001"
    example[keys_row.index("unit_code")] = "CB-DIEN-1"
    with (workdir / "ho-so.csv").open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows([table[0], keys_row, example])
    checked = ketnap("import", "cases", "ho-so.csv", "--tenant", "demo", "--dry-run")
    assert "1 nhập / imported" in checked.stdout
    assert "0 lỗi / invalid" in checked.stdout
    assert "1 nhập / imported" in ketnap("import", "cases", "ho-so.csv", "--tenant", "demo").stdout
    again = ketnap("import", "cases", "ho-so.csv", "--tenant", "demo").stdout
    assert "1 không đổi / unchanged" in again

    status = ketnap("projections", "status").stdout
    assert "candidates" in status
    assert "demo" in status
    assert "Tổng / total" in ketnap("projections", "rebuild", "--tenant", "demo").stdout
    assert "SQLite mode" in ketnap("worker").stdout  # catches up once and exits

    token = ketnap("token", "--tenant", "demo", "--role", "organizer").stdout.strip()
    assert token.count(".") == 2
    assert (workdir / "ketnap-data" / "dev-jwt-key.pem").exists()

    verified = ketnap("audit", "verify").stdout
    assert "demo: intact" in verified
    assert "acme: intact" in verified
    assert "linked 0 new events" in ketnap("audit", "chain", "--init", "--tenant", "demo").stdout

    keygen = ketnap("audit", "keygen", "--out", "signing.pem").stdout
    public = keygen.split("public key: ")[1].split()[0]
    assert f"KETNAP_SIGNING_KEY_FILE={workdir / 'signing.pem'}" in keygen
    signed = ketnap(
        "audit",
        "checkpoint",
        "--tenant",
        "demo",
        "--out",
        "cp.json",
        extra={"KETNAP_SIGNING_KEY_FILE": "signing.pem"},
    ).stdout
    assert json.loads(signed.splitlines()[0])["public_key"] == public
    ketnap("audit", "checkpoint", expect=2)  # no key configured: a bilingual refusal
    checked = ketnap("audit", "verify", "--checkpoint", "cp.json", "--public-key", public)
    assert "signature OK" in checked.stdout

    exported = ketnap("audit", "export", "--tenant", "demo", "--out", "demo.jsonl")
    assert "demo: " in exported.stderr
    assert json.loads((workdir / "demo.jsonl").read_text().splitlines()[0])["tenant"] == "demo"
    refused = ketnap("audit", "export", "--tenant", "nobody", "--out", "nobody.jsonl", expect=2)
    assert "TENANT_NOT_FOUND" in refused.stderr
    assert not (workdir / "nobody.jsonl").exists()  # no empty file left behind
    assert [p.name for p in workdir.iterdir() if p.name.startswith(".")] == []
    offline = ketnap(
        "audit", "verify-file", "demo.jsonl", "--checkpoint", "cp.json", "--public-key", public
    )
    assert "demo: intact" in offline.stdout
    assert "Equal" in ketnap("audit", "replay", "--tenant", "demo").stdout
    assert "no entries" in ketnap("audit", "access-log", "--tenant", "demo").stdout

    assert "demo: k1-" in ketnap("keys", "list").stdout
    generated = ketnap("keys", "generate", "--tenant", "demo").stdout
    assert str(workdir / "ketnap-data" / "keys.json") in generated
    assert ", k2-" in ketnap("keys", "list").stdout
    bad = ketnap("keys", "generate", "--tenant", "Not A Slug", expect=2)
    assert "Lỗi / Error [" in bad.stderr
    assert len(bad.stderr.splitlines()) >= 3  # code, Vietnamese, English

    # Into another fresh deployment, with the same personal-data keys (not in the export).
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    keys = {"KETNAP_KEY_FILE": str(workdir / "ketnap-data" / "keys.json")}
    imported = _runner(forks, elsewhere)("audit", "import", str(workdir / "demo.jsonl"), extra=keys)
    assert "imported 'demo'" in imported.stdout
    assert "demo: intact" in _runner(forks, elsewhere)("audit", "verify", extra=keys).stdout
