"""Argument checks for domain operations: each raises InvalidInput naming the argument.

Repository methods check their arguments with these before any SQL is sent, so a bad
request costs no round trip and the error names what the caller passed (``reporter``,
``since``), not a column deep inside a statement.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

from chanuka_db.errors import InvalidInput
from chanuka_db.sql.binding import text_binder

__all__ = [
    "INT4_MAX",
    "check_aware",
    "check_bool",
    "check_choice",
    "check_choices",
    "check_date",
    "check_id",
    "check_ids",
    "check_int",
    "check_keys",
    "check_text",
    "check_uuid",
    "check_window",
]

INT4_MAX: Final = 2**31 - 1
MAX_IDS: Final = 1000
E = TypeVar("E", bound=enum.Enum)


def _type(value: object) -> str:
    return type(value).__name__


def check_choice(enum_type: type[E], value: object, name: str) -> E:
    """``value`` as a member of ``enum_type`` (a member or its value); else InvalidInput."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise InvalidInput(name, f"{value!r} is not one of: {allowed}") from None


def check_choices(enum_type: type[E], values: object, name: str) -> tuple[E, ...]:
    """One member, or an iterable of members/values, as a non-empty tuple without repeats."""
    if isinstance(values, str | enum_type) or not isinstance(values, Iterable):
        return (check_choice(enum_type, values, name),)
    chosen = tuple(dict.fromkeys(check_choice(enum_type, v, name) for v in values))
    if not chosen:
        raise InvalidInput(name, "must name at least one value")
    return chosen


def check_int(value: object, name: str, *, low: int, high: int) -> int:
    """An int (never a bool) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, f"expected int, got {_type(value)}")
    if not low <= value <= high:
        raise InvalidInput(name, f"must be from {low} to {high}, got {value}")
    return value


def check_id(value: object, name: str) -> int:
    """A serial id: a positive int that fits ``integer``."""
    return check_int(value, name, low=1, high=INT4_MAX)


def check_ids(values: object, name: str) -> list[int]:
    """Serial ids from an iterable, duplicates once, in the order given (at most 1,000)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(name, f"expected an iterable of ids, got {_type(values)}")
    ids = list(dict.fromkeys(check_id(v, f"{name}[{i}]") for i, v in enumerate(values)))
    if len(ids) > MAX_IDS:
        raise InvalidInput(name, f"at most {MAX_IDS} ids at once, got {len(ids)}")
    return ids


def check_uuid(value: object, name: str) -> uuid.UUID:
    """A :class:`uuid.UUID` (user ids)."""
    if not isinstance(value, uuid.UUID):
        raise InvalidInput(name, f"expected uuid.UUID, got {_type(value)}")
    return value


def check_bool(value: object, name: str) -> bool:
    """A bool."""
    if not isinstance(value, bool):
        raise InvalidInput(name, f"expected bool, got {_type(value)}")
    return value


def check_text(value: object, name: str, *, max_length: int, allow_empty: bool = False) -> str:
    """Text PostgreSQL can store (no NUL, valid UTF-8), stripped, at most ``max_length`` long."""
    if not isinstance(value, str):
        raise InvalidInput(name, f"expected str, got {_type(value)}")
    text = value.strip()
    if not text and not allow_empty:
        raise InvalidInput(name, "must not be empty")
    if len(text) > max_length:
        raise InvalidInput(name, f"is {len(text)} characters long; {max_length} at most")
    return str(text_binder(name)(text))  # no NUL, no lone surrogate


def check_aware(value: object, name: str) -> dt.datetime:
    """A timezone-aware datetime (an instant, comparable with every timestamp column)."""
    if not isinstance(value, dt.datetime):
        raise InvalidInput(name, f"expected datetime, got {_type(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(name, "must be timezone-aware (an instant, not a wall-clock time)")
    return value


def check_window(since: object, until: object) -> tuple[dt.datetime, dt.datetime]:
    """Two aware datetimes with ``since < until`` (a half-open window ``[since, until)``)."""
    start, end = check_aware(since, "since"), check_aware(until, "until")
    if start >= end:
        raise InvalidInput("until", f"must be after since ({start.isoformat()})")
    return start, end


def check_date(value: object, name: str) -> dt.date:
    """A calendar date (a datetime is refused: it would silently drop its time)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput(name, f"expected date, got {_type(value)}")
    return value


def check_keys(request: Mapping[str, Any] | None, allowed: Iterable[str], name: str) -> None:
    """Refuse keys of ``request`` outside ``allowed`` (a typo never silently filters nothing)."""
    if request is None:
        return
    if not isinstance(request, Mapping):
        raise InvalidInput(name, f"expected a mapping, got {_type(request)}")
    unknown = sorted(set(request) - set(allowed))
    if unknown:
        raise InvalidInput(
            name, f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {sorted(allowed)}"
        )
