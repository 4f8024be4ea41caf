"""HTTP load with ``wrk`` (Debian package): one request, fixed connections, for some seconds;
requests/s and latency percentiles (read in wrk's Lua ``done`` hook)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int


def script(path: Path, *, body: str | None = None, bearer: str | None = None) -> Path:
    """A Lua script: POST ``body`` as JSON with ``bearer`` (GET without a body)."""
    lines = []
    if body is not None:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = {json.dumps(body)}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    if bearer is not None:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {bearer}"')
    path.write_text("\n".join(lines) + DONE, encoding="utf-8")
    return path


def load(url: str, lua: Path, *, seconds: float, connections: int = 8, threads: int = 2) -> Load:
    """Run wrk against ``url``; fails when a request failed or was not answered 2xx."""
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    result = json.loads(out.split("RESULT", 1)[1])
    if result["errors"] or result["non2xx"]:
        raise RuntimeError(f"wrk {url} with {lua.name}: {result}")
    return Load(
        rate=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        requests=result["requests"],
    )
