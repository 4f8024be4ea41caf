"""Auditors' tools: the tamper-evident hash chain, verification, checkpoints, export/import,
replay-and-compare, and the access log of personal data (issue 5)."""
