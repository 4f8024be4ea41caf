"""Hostile documents shared by the request-cost tests and ``bench/request_cost.py``."""

from __future__ import annotations

#: A case's personal data, as an attacker asks for it (each case weighs 10 rows).
PROFILE = "fullName profile { birthDate gender ethnicity identityNumber }"


def fragment_bomb(levels: int) -> str:
    """``orgTree`` with 2^levels fragment spreads written in a few hundred bytes."""
    fragments = [f"fragment F{i} on OrgUnit {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on OrgUnit {{ code }}")
    return "{ orgTree { ...F0 } } " + " ".join(fragments)
