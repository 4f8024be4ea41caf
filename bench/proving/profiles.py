"""Profiles of the benchmarks' ``ketnap`` processes with py-spy (``python -m bench --profile``).

Each process is sampled (100 Hz, the thread holding the GIL: where Python spends CPU) into a collapsed-stack
file; :func:`top` reads one back into the functions with the most samples: *self* (the frame
running) and *total* (on the stack), as shares of all samples.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

#: Where profiles go; None: no profiling (set by ``python -m bench --profile DIR``).
directory: Path | None = None


@dataclass
class Recording:
    """A running py-spy and the file it writes."""

    process: subprocess.Popen[bytes]
    path: Path

    def finish(self) -> None:
        """Wait until py-spy has written its file (it ends with the process it samples)."""
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(timeout=10)


def record(pid: int, name: str) -> Recording | None:
    """Start sampling ``pid`` into ``directory/name.txt`` (None when not profiling)."""
    if directory is None:
        return None
    beside = Path(sys.executable).parent / "py-spy"  # the venv's, when it is not on PATH
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if spy is None:
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.txt"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{name}-{n}.txt"
    process = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--nonblocking", "--gil",
         "--output", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return Recording(process, path)


def top(path: Path, count: int = 15) -> list[tuple[str, float, float]]:
    """The ``count`` functions with the most samples: (function, self %, total %)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        n = int(number)
        frames = [_short(f) for f in stack.split(";")]
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    if not samples:
        return []
    return [
        (frame, 100 * n / samples, 100 * total[frame] / samples)
        for frame, n in own.most_common(count)
    ]


def _short(frame: str) -> str:
    """``func (/path/to/site-packages/pkg/mod.py:12)`` → ``func (pkg/mod.py:12)``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/work/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name
