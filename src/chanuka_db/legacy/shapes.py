"""The old services' output: camelCase keys and values as their JSON API carried them.

The TypeScript services returned Drizzle rows (camelCase property names) that the HTTP
layer serialised with ``JSON.stringify``; a port of code written against them expects the
same dicts. So :func:`js_value` turns a value into what that JSON held:

- a ``datetime`` into ``"2026-03-01T09:30:00.000Z"`` (a JavaScript ``Date``: UTC, in
  milliseconds; Drizzle read ``timestamp without time zone`` as UTC);
- a ``Decimal`` (``numeric`` column) into its text, ``"12.00"`` (Drizzle returned numerics
  as strings);
- a ``UUID`` into its text; an enum into its value; lists element by element; JSON values
  (``jsonb``) as they are.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

import attrs

from chanuka_db.errors import InvalidInput

__all__ = ["as_uuid", "camel", "check_keys", "js_value", "record"]


def camel(name: str) -> str:
    """``view_count`` -> ``viewCount``: a column name as the Drizzle schema spelled it."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _js_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def js_value(value: Any) -> Any:
    """``value`` as the old JSON API carried it (see the module docstring)."""
    if isinstance(value, dt.datetime):
        return _js_datetime(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | uuid.UUID | dt.date):
        return str(value)
    if isinstance(value, list):
        return [js_value(item) for item in value]
    return value


def record(row: Any, *, drop: Collection[str] = ()) -> dict[str, Any]:
    """Every field of the attrs row ``row`` but ``drop``, camelCased, with JSON values."""
    return {
        camel(field.name): js_value(getattr(row, field.name))
        for field in attrs.fields(type(row))
        if field.name not in drop
    }


def check_keys(name: str, given: object, allowed: Collection[str]) -> Mapping[str, Any]:
    """``given`` as a mapping whose keys are all ``allowed`` (a typo is an error, not ignored)."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise InvalidInput(name, f"expected a dict, got {type(given).__name__}")
    unknown = sorted(str(key) for key in given if key not in allowed)
    if unknown:
        raise InvalidInput(name, f"unknown key(s) {unknown}; accepted: {sorted(allowed)}")
    return given


def as_uuid(name: str, value: object) -> uuid.UUID:
    """A user id from the old code (a UUID or its text) as a ``uuid.UUID``."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise InvalidInput(name, f"expected a user id (a UUID or its text), got {value!r}")
