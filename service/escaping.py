"""Stored or client text made safe to print on one line of a terminal or a log.

A value printed by ``ketnap events``, ``ketnap tenants list`` or the server log comes from a
client in the end (a token's ``sub``, a tenant's name): a newline in it would forge a line of
its own, an ANSI escape would recolour or rewrite the terminal, a bidi override would reorder
what the reader sees. :func:`printable` escapes every such character, visibly and reversibly.
"""

from __future__ import annotations


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with every character that is not printable (control, format, line and
    paragraph separators, other than the plain space) escaped as Python writes it (``\\n``,
    ``\\x1b``, ``\\u202e``), cut to ``limit`` characters (then ending in "…")."""
    cut = limit is not None and len(text) > limit
    shown = text[:limit] if cut else text
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in shown)
    return escaped + "…" if cut else escaped
