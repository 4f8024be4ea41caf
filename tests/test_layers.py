"""Dependencies point one way — ``domain`` ← ``projections`` ← ``service`` (store ← handlers ←
API/CLI/worker) — and no module imports itself back.

The contracts are written once, in ``pyproject.toml`` (``[tool.importlinter]``); this test runs
``lint-imports`` on them, so a change that breaks one fails the suite with import-linter's
report (which import, along which chain). ``acyclic_siblings`` there forbids cycles between
siblings; :func:`module_cycles` also finds the ones between a package and its own modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
OUR_PACKAGES = ("domain", "projections", "service")


def test_the_layering_contracts_in_pyproject_are_kept() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert len(contracts) >= 4, "the layering contracts are missing from pyproject.toml"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())",
            "--no-cache",
            "--no-logo",
            str(ROOT / "pyproject.toml"),
        ],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = f"lint-imports exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout, report


def module_cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """For each import of ``modules`` that a chain leads back from: that chain, as a cycle."""
    cycles: list[list[str]] = []
    for importer in sorted(modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & modules):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.append([importer, *back])
    return cycles


def test_no_module_imports_itself_back() -> None:
    # Imports under ``if TYPE_CHECKING:`` and inside functions count: hiding a cycle is a cycle.
    graph = grimp.build_graph(*OUR_PACKAGES, cache_dir=None)
    ours = {m for m in graph.modules if m.split(".")[0] in OUR_PACKAGES}
    cycles = module_cycles(graph, ours)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_module_cycles_finds_a_cycle_through_a_package_and_its_module() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("app.store", "app.store.chain"),
        ("app.store.chain", "app.audit.cli"),
        ("app.audit.cli", "app.store"),
        ("app.audit.cli", "app.domain"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    cycles = module_cycles(graph, set(graph.modules))
    assert ["app.store", "app.store.chain", "app.audit.cli", "app.store"] in cycles
    assert all("app.domain" not in cycle for cycle in cycles)
