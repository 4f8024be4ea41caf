"""Read-model queries: SQL over the projections' tables at a :class:`~projections.cut.Cut`."""
