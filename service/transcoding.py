"""JSON transcodings for the values stored in events: ``date`` and the domain's value types.

One generic :class:`ValueTranscoding` covers every type in ``domain.VALUE_TYPES``:

- an ``Enum`` is stored as its ``value``;
- a frozen dataclass is stored as a dict of its ``init`` fields. Nested values (dates, enums,
  other dataclasses) are encoded by the JSON encoder, which calls back into the transcoder, and
  decoded first (the JSON decoder works bottom-up), so decoding just calls the class. Fields
  declared as ``tuple[...]`` or ``frozenset[...]`` are stored as JSON lists and rebuilt.

The transcoding name is the class name (e.g. ``DocumentRef``): it is written into every stored
event, so renaming a value class needs an alias (register a second transcoding under the old
name) or an upcaster.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    """``datetime.date`` as ``YYYY-MM-DD`` (eventsourcing handles ``datetime`` but not ``date``)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        assert isinstance(data, str)
        return date.fromisoformat(data)


class ValueTranscoding(Transcoding):
    """Transcoding of one enum or frozen-dataclass value type."""

    def __init__(self, value_type: type, name: str | None = None) -> None:
        self.type = value_type
        self.name = name or value_type.__qualname__
        self._is_enum = issubclass(value_type, Enum)
        self._fields: tuple[str, ...] = ()
        self._sequence_fields: dict[str, type] = {}
        if self._is_enum:
            return
        if not dataclasses.is_dataclass(value_type):
            msg = f"{value_type!r} is neither an Enum nor a dataclass"
            raise TypeError(msg)
        params = getattr(value_type, "__dataclass_params__", None)
        if params is None or not params.frozen:
            msg = f"{value_type!r} must be a frozen dataclass to be stored in events"
            raise TypeError(msg)
        fields = [f for f in dataclasses.fields(value_type) if f.init]
        self._fields = tuple(f.name for f in fields)
        hints = typing.get_type_hints(value_type)
        for f in fields:
            origin = typing.get_origin(hints.get(f.name)) or hints.get(f.name)
            if origin in (tuple, frozenset):
                self._sequence_fields[f.name] = typing.cast("type", origin)

    def encode(self, obj: Any) -> Any:
        if self._is_enum:
            return obj.value
        data = {name: getattr(obj, name) for name in self._fields}
        for name, container in self._sequence_fields.items():
            if container is frozenset and isinstance(data[name], frozenset):
                data[name] = sorted(data[name])  # JSON has no sets; sorted: stable encoding
        return data

    def decode(self, data: Any) -> Any:
        if self._is_enum:
            return self.type(data)
        assert isinstance(data, dict)
        kwargs = dict(data)
        for name, container in self._sequence_fields.items():
            if isinstance(kwargs.get(name), list):
                kwargs[name] = container(kwargs[name])
        return self.type(**kwargs)


def register_value_transcodings(transcoder: JSONTranscoder, value_types: Iterable[type]) -> None:
    """Register ``date`` and a :class:`ValueTranscoding` for each of ``value_types``."""
    transcoder.register(DateAsISO())
    for value_type in value_types:
        transcoding = ValueTranscoding(value_type)
        existing = transcoder.names.get(transcoding.name)
        if existing is not None and existing.type is not value_type:
            msg = (
                f"Two value types share the transcoding name {transcoding.name!r}: "
                f"{existing.type!r} and {value_type!r}"
            )
            raise TypeError(msg)
        transcoder.register(transcoding)
