"""``ketnap audit …``: the auditors' commands (Ủy ban Kiểm tra).

Commands live in the modules of their feature and register on :data:`audit` here; importing
this module (``service.cli`` does) brings them all in.
"""

from __future__ import annotations

import click


@click.group()
def audit() -> None:
    """Kiểm tra / audit: hash chain, verification, checkpoints, export, replay."""


def register_commands() -> None:
    """Import the feature modules so their ``@audit.command`` decorators run."""
    # Each feature module adds its commands to ``audit`` when imported (add yours here).
    import service.audit.access_log
    import service.audit.chain
    import service.audit.checkpoints
    import service.audit.export
    import service.audit.importing
    import service.audit.replay
    import service.audit.verify  # noqa: F401  (audit verify)
