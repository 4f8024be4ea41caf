"""The proving ground: ``python -m bench [--quick] [BENCHMARK …]``.

Runs the benchmarks of issue 12 (default: all of them, in this order), each against a baseline
measured in the same run, prints each one's table and then the targets table, and writes every
figure to a JSON file (``--json``, default ``bench-results.json``). PostgreSQL benchmarks get a
private cluster (``initdb`` in a temporary directory, its own port, PostgreSQL's default
durability: ``fsync`` on), removed at the end, unless ``--postgres-url`` names a database to use.
``--quick`` runs every benchmark at a smaller size (under 5 minutes on a 2-core machine); the
targets that need the full size are then shown as not comparable. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench.cluster import PostgresMissing, PrivateCluster
from bench.proving import profiles
from bench.proving.report import Section, table, targets_table

POSTGRES = {"writes", "rebuild", "connections", "imports", "catchup"}
ORDER = [
    "writes",
    "reads",
    "connections",
    "rebuild",
    "imports",
    "catchup",
    "scale",
    "term",
]  # longest last


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _runner(name: str) -> Callable[..., Section]:
    module = __import__(f"bench.proving.{name}", fromlist=["run"])
    runner: Callable[..., Section] = module.run
    return runner


@contextlib.contextmanager
def _database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    try:
        cluster = PrivateCluster(durable=True, max_connections=200, prefix="ketnap-bench-pg.")
    except PostgresMissing:
        sys.exit("PostgreSQL is not installed: apt-get install -y postgresql (or scripts/test)")
    try:
        cluster.start()
        _say(f"PostgreSQL cluster on port {cluster.port} (fsync on) in {cluster.root}")
        yield cluster.url
    finally:
        cluster.remove()


def _machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": cores,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def _write(path: Path, mode: str, started: datetime, sections: list[Section]) -> None:
    """All figures so far as JSON (after each benchmark: an interrupted run keeps them)."""
    path.write_text(
        json.dumps(
            {
                "mode": mode,
                "started": started.isoformat(),
                "machine": _machine(),
                "sections": [s.as_json() for s in sections],
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("benchmarks", nargs="*", choices=[[], *ORDER], metavar="BENCHMARK",
                        help=f"which to run (default: all): {', '.join(ORDER)}")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under 5 minutes")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--postgres-url", help="an empty database to use instead of a cluster")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample every ketnap process with py-spy into DIR; print each one's top frames",
    )
    args = parser.parse_args()
    profiles.directory = args.profile
    chosen = [b for b in ORDER if b in args.benchmarks] or ORDER
    if "reads" in chosen and shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    started = datetime.now(UTC)
    sections: list[Section] = []
    with (
        tempfile.TemporaryDirectory(prefix="ketnap-bench.") as work,
        contextlib.ExitStack() as stack,
    ):
        url = stack.enter_context(_database(args.postgres_url)) if POSTGRES & set(chosen) else ""
        for name in chosen:
            _say(f"{name} …")
            t0 = time.perf_counter()
            section = _runner(name)(url, Path(work), quick=args.quick, say=_say)
            section.seconds = round(time.perf_counter() - t0, 1)
            sections.append(section)
            print(f"\n## {section.title} ({section.seconds:.0f} s)\n")
            print(table(section.columns, section.rows), flush=True)
            _write(args.json, "quick" if args.quick else "full", started, sections)
    if args.profile is not None:
        for path in sorted(args.profile.glob("*.txt")):
            print(f"\n## Profile {path.stem} (py-spy, {path})\n")
            print(table(["function", "self %", "total %"], profiles.top(path)))
    targets = [t for s in sections for t in s.targets]
    mode = "quick" if args.quick else "full"
    print(f"\n## Targets ({mode} mode, {started:%Y-%m-%d %H:%M} UTC)\n")
    print(targets_table(targets))
    _write(args.json, mode, started, sections)
    print(f"\nfigures written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
