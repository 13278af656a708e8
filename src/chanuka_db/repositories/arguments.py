"""Argument checks that repository methods run before any SQL, each naming the argument.

Every check takes the argument's name first and its value second (as every error of the
project names the field first), returns the value to use, and raises
:class:`~chanuka_db.errors.InvalidInput` naming the argument otherwise: a bad request costs
no round trip, never leaves anything half-written, and the error names what the caller
passed (``reporter``, ``news[2].tag``), not a column deep inside a statement.

Text is returned as given (comments, reasons and credentials are stored exactly as
written); ``strip=True`` is for values that are keys or search terms, where stray edge
spaces would otherwise split one key in two.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

from chanuka_db.errors import InvalidInput
from chanuka_db.sql.binding import text_binder
from chanuka_db.types.models import Insert

__all__ = [
    "INT4_MAX",
    "MAX_IDS",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "RankedEnum",
    "check_aware",
    "check_bool",
    "check_choice",
    "check_choices",
    "check_collection",
    "check_date",
    "check_duration",
    "check_fields",
    "check_id",
    "check_ids",
    "check_instance",
    "check_int",
    "check_ip",
    "check_items",
    "check_keys",
    "check_optional_text",
    "check_page",
    "check_tags",
    "check_text",
    "check_token_hash",
    "check_uuid",
    "check_window",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

INT4_MAX: Final = 2**31 - 1  # serial keys and counters are int4
MAX_IDS: Final = 1000
MAX_TAGS: Final = 50
MAX_TAG_LENGTH: Final = 64
_TOKEN_HASH: Final = re.compile(r"[0-9a-f]{64}")


class RankedEnum(enum.StrEnum):
    """A string enum whose members are declared from least to most severe.

    ``rank`` is the position, so severities compare by meaning (critical > high > medium >
    low), never alphabetically; ``and_above()`` lists the values a "at least" filter keeps.
    """

    @property
    def rank(self) -> int:
        """0 for the least severe member, counting up."""
        return list(type(self)).index(self)

    def and_above(self) -> list[str]:
        """This value and every more severe one, as stored strings."""
        return [member.value for member in type(self) if member.rank >= self.rank]


def _type(value: object) -> str:
    return type(value).__name__


# -- numbers, ids, flags -------------------------------------------------------------------


def check_int(name: str, value: object, *, low: int, high: int) -> int:
    """An ``int`` (never a bool) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, f"expected int, got {_type(value)}")
    if not low <= value <= high:
        raise InvalidInput(name, f"must be from {low} to {high}, got {value}")
    return value


def check_id(name: str, value: object) -> int:
    """A serial primary key: an ``int`` (not a bool) from 1 to 2**31-1."""
    return check_int(name, value, low=1, high=INT4_MAX)


def check_ids(name: str, values: object, *, allow_empty: bool = False) -> list[int]:
    """Ids from an iterable, duplicates once, in the order given (at most 1,000).

    A bad one is named ``name[i]``. An empty list is refused unless ``allow_empty``
    (a batch read of nothing is an answer; a write of nothing is a mistake).
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(name, f"expected an iterable of ids, got {_type(values)}")
    ids = list(dict.fromkeys(check_id(f"{name}[{i}]", v) for i, v in enumerate(values)))
    if not ids and not allow_empty:
        raise InvalidInput(name, "expected at least one id")
    if len(ids) > MAX_IDS:
        raise InvalidInput(name, f"at most {MAX_IDS} ids at once, got {len(ids)}")
    return ids


def check_uuid(name: str, value: object) -> uuid.UUID:
    """A :class:`uuid.UUID` (user ids; a string is refused: ids come from rows, not text)."""
    if not isinstance(value, uuid.UUID):
        raise InvalidInput(name, f"expected uuid.UUID, got {_type(value)}")
    return value


def check_bool(name: str, value: object) -> bool:
    """A ``bool`` (not a truthy value of another type)."""
    if not isinstance(value, bool):
        raise InvalidInput(name, f"expected bool, got {_type(value)}")
    return value


def check_page(page: object, page_size: object, *, max_size: int = 100) -> tuple[int, int]:
    """A page number (from 1) and a page size (1 to ``max_size``)."""
    return (
        check_int("page", page, low=1, high=INT4_MAX),
        check_int("page_size", page_size, low=1, high=max_size),
    )


# -- enumerations ----------------------------------------------------------------------------


def check_choice(name: str, value: object, kind: type[E]) -> E:
    """A member of the enum ``kind``, given as a member or as its value."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(name, f"{value!r} is not one of: {allowed}") from None


def check_choices(name: str, values: object, kind: type[E]) -> tuple[E, ...]:
    """One member, or an iterable of members/values, as a non-empty tuple without repeats."""
    if isinstance(values, str | kind) or not isinstance(values, Iterable):
        return (check_choice(name, values, kind),)
    chosen = tuple(dict.fromkeys(check_choice(name, value, kind) for value in values))
    if not chosen:
        raise InvalidInput(name, "must name at least one value")
    return chosen


# -- text --------------------------------------------------------------------------------------


def check_text(
    name: str, value: object, *, max_length: int, min_length: int = 1, strip: bool = False
) -> str:
    """Text PostgreSQL can store (no NUL, valid UTF-8) of ``min_length`` to ``max_length``.

    With ``min_length`` of 1 or more the text must hold more than whitespace. It comes back
    as given, or without edge whitespace when ``strip`` (keys and search terms).
    """
    text: str = text_binder(name)(value)
    if strip:
        text = text.strip()
    if min_length > 0 and not text.strip():
        raise InvalidInput(name, "must not be blank")
    if not min_length <= len(text) <= max_length:
        raise InvalidInput(
            name, f"is {len(text)} characters long; {min_length} to {max_length} allowed"
        )
    return text


def check_optional_text(
    name: str, value: object, *, max_length: int, strip: bool = False
) -> str | None:
    """``None``, or text as :func:`check_text` checks it."""
    return None if value is None else check_text(name, value, max_length=max_length, strip=strip)


def check_tags(name: str, values: object, *, allow_empty: bool = False) -> list[str]:
    """Tags: distinct, non-blank, without edge spaces, at most 64 characters each."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise InvalidInput(name, f"expected a list of tags, got {_type(values)}")
    if not values and not allow_empty:
        raise InvalidInput(name, "expected at least one tag")
    if len(values) > MAX_TAGS:
        raise InvalidInput(name, f"at most {MAX_TAGS} tags, got {len(values)}")
    for tag in values:
        text = check_text(name, tag, max_length=MAX_TAG_LENGTH)
        if text != text.strip():
            raise InvalidInput(name, f"{text!r} is not a tag (no edge spaces)")
    if len(set(values)) != len(values):
        raise InvalidInput(name, "lists a tag twice")
    return list(values)


def check_token_hash(name: str, value: object) -> str:
    """A token hash as ``hash_token`` makes it: 64 lower-case hex digits (SHA-256).

    Refusing anything else means a raw token passed by mistake is never stored or sent.
    The value is not echoed in the error (it is a credential's digest).
    """
    if not isinstance(value, str) or _TOKEN_HASH.fullmatch(value) is None:
        raise InvalidInput(name, "expected a SHA-256 hex digest (64 lower-case hex digits)")
    return value


def check_ip(name: str, value: object) -> str:
    """An IPv4 or IPv6 address (str or ``ipaddress`` object), in its canonical text form."""
    if not isinstance(value, str | ipaddress.IPv4Address | ipaddress.IPv6Address):
        raise InvalidInput(name, f"expected an IP address, got {_type(value)}")
    try:
        return str(ipaddress.ip_address(value.strip() if isinstance(value, str) else value))
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not an IPv4 or IPv6 address") from None


# -- time ------------------------------------------------------------------------------------


def check_aware(name: str, value: object) -> dt.datetime:
    """A timezone-aware datetime (an instant, comparable with every timestamp column)."""
    if not isinstance(value, dt.datetime):
        raise InvalidInput(name, f"expected datetime, got {_type(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(name, "must be timezone-aware (an instant, not a wall-clock time)")
    return value


def check_window(since: object, until: object) -> tuple[dt.datetime, dt.datetime]:
    """Two aware datetimes with ``since < until`` (a half-open window ``[since, until)``)."""
    start, end = check_aware("since", since), check_aware("until", until)
    if start >= end:
        raise InvalidInput("until", f"must be after since ({start.isoformat()})")
    return start, end


def check_date(name: str, value: object) -> dt.date:
    """A calendar date (a datetime is refused: it would silently drop its time)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput(name, f"expected date, got {_type(value)}")
    return value


def check_duration(
    name: str,
    value: object,
    *,
    high: dt.timedelta,
    low: dt.timedelta = dt.timedelta(seconds=1),
) -> dt.timedelta:
    """A :class:`datetime.timedelta` from ``low`` to ``high`` (a lifetime, an interval)."""
    if not isinstance(value, dt.timedelta):
        raise InvalidInput(name, f"expected datetime.timedelta, got {_type(value)}")
    if not low <= value <= high:
        raise InvalidInput(name, f"must be from {low} to {high}, got {value}")
    return value


# -- shapes: typed rows, lists of them, request mappings -------------------------------------


def check_instance(name: str, value: object, cls: type[T]) -> T:
    """``value`` itself when it is exactly a ``cls`` (a New*/Patch of the right table)."""
    if type(value) is not cls:
        raise InvalidInput(name, f"expected {cls.__name__}, got {_type(value)}")
    return value


def check_items(name: str, values: object, cls: type[T], *, max_items: int) -> list[T]:
    """A list of up to ``max_items`` instances of ``cls`` (``name[i]`` names a bad one)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(name, f"expected an iterable of {cls.__name__}")
    items = list(values)
    if len(items) > max_items:
        raise InvalidInput(name, f"{len(items)} items; {max_items} at most")
    return [check_instance(f"{name}[{index}]", item, cls) for index, item in enumerate(items)]


def check_fields(name: str, row: Insert, allowed: Iterable[str]) -> None:
    """Refuse a field ``row`` sets outside ``allowed`` (never silently drop what was asked)."""
    extra = sorted(set(row.changes()) - set(allowed))
    if extra:
        raise InvalidInput(f"{name}.{extra[0]}", f"cannot be set here (allowed: {sorted(allowed)})")


def check_keys(name: str, request: Mapping[str, Any] | None, allowed: Iterable[str]) -> None:
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


def check_collection(name: str, values: object) -> list[Any]:
    """``values`` as a list when it is a collection of items; a string or a mapping is refused.

    A ``str``, ``bytes`` or mapping is iterable but is never what a caller means by a list
    of keys or rows, and ``None`` or a scalar is not iterable at all: all are
    :class:`InvalidInput` naming the argument.
    """
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidInput(name, f"expected a collection of items, got {type(values).__name__}")
    return list(values)
