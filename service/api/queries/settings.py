"""(to be written)"""

from __future__ import annotations

import strawberry


@strawberry.type
class SettingsQueries:
    pass
