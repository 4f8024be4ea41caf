"""Figures of the proving ground: latency histograms, summary tables, targets, JSON.

Latencies are recorded in an HDR histogram (microseconds, 3 significant digits), from which
p50/p95/p99 are read. Each benchmark returns a :class:`Section`: its own table (rows of named
figures) and the targets of issue 12 it measured, each with the measured value and whether it
is met; ``python -m bench`` prints every section, then the targets table, and writes all of it
as JSON.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

#: Progress messages go to stderr through one of these.
Say = Callable[[str], None]


class Latencies:
    """Durations in seconds, kept in an HDR histogram (1 µs … 10 min)."""

    def __init__(self, values: Iterable[float] = ()) -> None:
        self._histogram = HdrHistogram(1, 600_000_000, 3)
        for value in values:
            self.add(value)

    def add(self, seconds: float) -> None:
        self._histogram.record_value(max(1, round(seconds * 1_000_000)))

    def merge(self, other: Latencies) -> None:
        self._histogram.add(other._histogram)

    @property
    def count(self) -> int:
        return int(self._histogram.get_total_count())

    def ms(self, percentile: float) -> float:
        """The ``percentile`` (0–100) in milliseconds."""
        return float(self._histogram.get_value_at_percentile(percentile)) / 1000

    def summary(self) -> dict[str, float]:
        """Count, p50, p95, p99 and max in ms."""
        return {
            "count": self.count,
            "p50_ms": round(self.ms(50), 2),
            "p95_ms": round(self.ms(95), 2),
            "p99_ms": round(self.ms(99), 2),
            "max_ms": round(self._histogram.get_max_value() / 1000, 2),
        }


def median(values: Sequence[float]) -> float:
    """The median of the rounds (0 for none)."""
    return float(statistics.median(values)) if values else 0.0


@dataclass
class Target:
    """One line of the issue's targets table, with what this run measured."""

    measure: str
    before: str
    target: str
    measured: str
    met: bool | None  # None: not comparable in this mode (e.g. --quick at a smaller size)
    note: str = ""


@dataclass
class Section:
    """What one benchmark measured."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    targets: list[Target] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = [asdict(t) for t in self.targets]
        return data


def fmt(value: Any) -> str:
    """A figure for a table: thousands separated, floats to 3 significant places."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (pipes), numbers right-aligned."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(row[i], int | float) and not isinstance(row[i], bool) for row in rows)
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(
                v.rjust(w) if n else v.ljust(w)
                for v, w, n in zip(values, widths, numeric, strict=True)
            )
            + " |"
        )

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if n else ("-" * (w + 2))
            for w, n in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join([line(list(columns)), rule, *(line(r) for r in cells)])


def targets_table(targets: Sequence[Target]) -> str:
    """The issue's targets with this run's figures."""
    return table(
        ["measure", "before", "target", "measured", "met"],
        [
            [t.measure, t.before, t.target, t.measured + (f" ({t.note})" if t.note else ""), t.met]
            for t in targets
        ],
    )
