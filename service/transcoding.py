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

Personal data (see docs/audit.md, "Personal data"): the values of :data:`PERSONAL_VALUE_TYPES`
and the event attributes of :data:`PERSONAL_TEXT_ATTRIBUTES` (wrapped in :class:`PersonalText`
by the application's mapper) are stored encrypted by :class:`EncryptedValueTranscoding`:
``{"_type_": "PersonProfile", "_data_": {"kid": "k1", "n": …, "ct": …}}``. The plaintext is the
value's ordinary JSON encoding, so decrypting gives back exactly what the clear encoding held;
events written before encryption (clear ``_data_``) still decode.

Values stored in an older shape are brought to the current one before the class is called
(:data:`VALUE_UPCASTS`): a ``PersonProfile`` stored while ethnicity and religion were free
text is read by :func:`person_from_free_text`.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Protocol

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain import checklist, rules, values
from domain.classifications import Ethnicity, Religion


class DateAsISO(Transcoding):
    """``datetime.date`` as ``YYYY-MM-DD`` (eventsourcing handles ``datetime`` but not ``date``)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        assert isinstance(data, str)
        return date.fromisoformat(data)


#: What a profile's fields were read as while they had defaults (values stored then always
#: held every field; a profile lacking one is read as it was read then).
_PERSON_FORMER_DEFAULTS: Mapping[str, Any] = {
    "education": values.EducationLevel.UPPER_SECONDARY,
    "professional_level": values.ProfessionalLevel.NONE,
    "political_theory": values.PoliticalTheoryLevel.NONE,
    "occupation": values.Occupation.WORKER,
    "workplace_type": values.WorkplaceType.OTHER,
    "is_youth_union_member": False,
    "is_trade_union_member": False,
}


def person_from_free_text(data: dict[str, Any]) -> dict[str, Any]:
    """A ``PersonProfile`` stored before the lists (ethnicity and religion as free text) in
    the current shape.

    A text naming a group or religion of the lists ("Kinh", "H'Mông", "Thiên chúa giáo",
    "không"; see :meth:`Ethnicity.from_text`) becomes it; any other text stays readable in the
    note — an undetermined ethnicity, another religion — until a profile correction classifies
    it. Values stored since hold the enums (decoded before this runs) and pass unchanged.
    """
    data = {**{k: v for k, v in _PERSON_FORMER_DEFAULTS.items() if k not in data}, **data}
    ethnicity = data.get("ethnicity", "")
    if isinstance(ethnicity, str):
        group = Ethnicity.from_text(ethnicity)
        data["ethnicity"] = group or Ethnicity.UNDETERMINED
        data.setdefault("ethnicity_note", "" if group else ethnicity.strip())
    religion = data.get("religion", "")
    if isinstance(religion, str):
        named = Religion.from_text(religion)
        data["religion"] = named or Religion.OTHER
        data.setdefault("religion_note", "" if named else religion.strip())
    return data


#: Per value type: how a value stored in an older shape is brought to the current one.
VALUE_UPCASTS: Mapping[type, Callable[[dict[str, Any]], dict[str, Any]]] = {
    values.PersonProfile: person_from_free_text,
}


class ValueTranscoding(Transcoding):
    """Transcoding of one enum or frozen-dataclass value type."""

    def __init__(self, value_type: type, name: str | None = None) -> None:
        self.type = value_type
        self.name = name or value_type.__qualname__
        self._upcast = VALUE_UPCASTS.get(value_type)
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
        kwargs = dict(data) if self._upcast is None else self._upcast(dict(data))
        for name, container in self._sequence_fields.items():
            if isinstance(kwargs.get(name), list):
                kwargs[name] = container(kwargs[name])
        return self.type(**kwargs)


@dataclass(frozen=True)
class PersonalText:
    """A personal ``str`` event attribute (a person's name), marked for encryption.

    The domain records such names as plain strings; the application's mapper wraps the
    attributes named in :data:`PERSONAL_TEXT_ATTRIBUTES` in this type before encoding and
    unwraps them after decoding, so the domain never sees it.
    """

    value: str


#: Value types holding a person's data, stored encrypted: the candidate's profile (name, birth
#: date, identity number, origin, levels), a sponsor (member id, name, membership dates), an
#: earlier Party membership (date and reason of leaving) and a corrected profile field (its
#: values before and after).
PERSONAL_VALUE_TYPES: tuple[type, ...] = (
    values.PersonProfile,
    rules.Sponsor,
    rules.PriorMembership,
    checklist.FieldChange,
    PersonalText,
)

#: Plain-``str`` event attributes holding a person's name, by event topic.
PERSONAL_TEXT_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "domain.candidates:Candidate.HelperAssigned": ("member_name",),
}


class PersonalDataCipher(Protocol):
    """Encrypts a value's JSON for one tenant (implemented by ``service.crypto.TenantKeyring``)."""

    def encrypt(self, type_name: str, plaintext: bytes) -> dict[str, str]:
        """The envelope ``{"kid", "n", "ct"}`` of ``plaintext``."""
        ...

    def decrypt(self, type_name: str, envelope: Mapping[str, Any]) -> bytes:
        """The plaintext of ``envelope``; raises a bilingual error without the key."""
        ...


ENVELOPE_KEYS = frozenset({"kid", "n", "ct"})


class EncryptedValueTranscoding(Transcoding):
    """A value type stored as an AES-GCM envelope of its ordinary JSON encoding.

    Same transcoding name as the clear one, so values stored in clear before encryption was
    introduced still decode (``decode`` accepts the clear dict or the envelope).
    """

    def __init__(
        self, inner: Transcoding, transcoder: JSONTranscoder, cipher: PersonalDataCipher
    ) -> None:
        self.type = inner.type
        self.name = inner.name
        self._inner = inner
        self._transcoder = transcoder
        self._cipher = cipher

    def encode(self, obj: Any) -> Any:
        plaintext = self._transcoder.encode(self._inner.encode(obj))
        return self._cipher.encrypt(self.name, plaintext)

    def decode(self, data: Any) -> Any:
        if isinstance(data, dict) and data.keys() == ENVELOPE_KEYS:
            data = self._transcoder.decode(self._cipher.decrypt(self.name, data))
        return self._inner.decode(data)


def register_value_transcodings(
    transcoder: JSONTranscoder,
    value_types: Iterable[type],
    *,
    cipher: PersonalDataCipher | None = None,
    personal: Iterable[type] = PERSONAL_VALUE_TYPES,
) -> None:
    """Register ``date`` and a :class:`ValueTranscoding` for each of ``value_types``.

    With a ``cipher``, the ``personal`` types (also registered when not in ``value_types``) are
    stored encrypted (:class:`EncryptedValueTranscoding`); without, in clear.
    """
    transcoder.register(DateAsISO())
    value_types = tuple(value_types)
    personal = tuple(personal)
    for value_type in (*value_types, *(t for t in personal if t not in value_types)):
        transcoding: Transcoding = ValueTranscoding(value_type)
        if cipher is not None and value_type in personal:
            transcoding = EncryptedValueTranscoding(transcoding, transcoder, cipher)
        existing = transcoder.names.get(transcoding.name)
        if existing is not None and existing.type is not value_type:
            msg = (
                f"Two value types share the transcoding name {transcoding.name!r}: "
                f"{existing.type!r} and {value_type!r}"
            )
            raise TypeError(msg)
        transcoder.register(transcoding)
