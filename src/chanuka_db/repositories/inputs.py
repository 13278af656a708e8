"""Argument checks that repository methods run before any SQL, each naming the argument.

Every check returns the value to use (normalised where that is part of the contract, as
with IP addresses) or raises :class:`~chanuka_db.errors.InvalidInput` with the argument's
name, so a bad request never reaches the server and never leaves anything half-written.
:func:`column_arrays` then shapes checked inserts into one array per column, for batch
inserts written as ``INSERT ... SELECT ... FROM unnest(...)``: one statement, and one
statement text, whatever the batch size.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Final, TypeVar

from chanuka_db.errors import InvalidInput
from chanuka_db.sql.binding import text_binder
from chanuka_db.sql.rows import dump
from chanuka_db.types import UNSET, TableRef
from chanuka_db.types.expr import info_of
from chanuka_db.types.models import Insert

__all__ = [
    "RankedEnum",
    "column_arrays",
    "duration_arg",
    "enum_arg",
    "instance_arg",
    "int_arg",
    "ip_arg",
    "items_arg",
    "only_fields",
    "optional_text_arg",
    "text_arg",
    "token_hash_arg",
    "uuid_arg",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

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


def _type_name(value: object) -> str:
    return type(value).__name__


def uuid_arg(name: str, value: object) -> uuid.UUID:
    """A :class:`uuid.UUID` (a string is refused: ids come from rows, not from text)."""
    if not isinstance(value, uuid.UUID):
        raise InvalidInput(name, f"expected uuid.UUID, got {_type_name(value)}")
    return value


def text_arg(name: str, value: object, *, max_length: int, min_length: int = 1) -> str:
    """A string of ``min_length`` to ``max_length`` characters that PostgreSQL can store."""
    text: str = text_binder(name)(value)  # a str without NUL or lone surrogates
    if not min_length <= len(text) <= max_length:
        raise InvalidInput(
            name, f"is {len(text)} characters long; {min_length} to {max_length} allowed"
        )
    return text


def optional_text_arg(name: str, value: object, *, max_length: int) -> str | None:
    """``None``, or text as :func:`text_arg` checks it."""
    return None if value is None else text_arg(name, value, max_length=max_length)


def int_arg(name: str, value: object, *, low: int, high: int) -> int:
    """An ``int`` (not a bool) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, f"expected int, got {_type_name(value)}")
    if not low <= value <= high:
        raise InvalidInput(name, f"must be from {low} to {high}, got {value}")
    return value


def duration_arg(
    name: str,
    value: object,
    *,
    high: dt.timedelta,
    low: dt.timedelta = dt.timedelta(seconds=1),
) -> dt.timedelta:
    """A :class:`datetime.timedelta` from ``low`` to ``high`` (a lifetime, an interval)."""
    if not isinstance(value, dt.timedelta):
        raise InvalidInput(name, f"expected datetime.timedelta, got {_type_name(value)}")
    if not low <= value <= high:
        raise InvalidInput(name, f"must be from {low} to {high}, got {value}")
    return value


def enum_arg(name: str, value: object, cls: type[E]) -> E:
    """A member of ``cls``, given as the member or its value; anything else is refused."""
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in cls)
        raise InvalidInput(name, f"{value!r} is not one of: {allowed}") from None


def token_hash_arg(name: str, value: object) -> str:
    """A token hash as ``hash_token`` makes it: 64 lower-case hex digits (SHA-256).

    Refusing anything else means a raw token passed by mistake is never stored or sent.
    The value is not echoed in the error (it is a credential's digest).
    """
    if not isinstance(value, str) or _TOKEN_HASH.fullmatch(value) is None:
        raise InvalidInput(name, "expected a SHA-256 hex digest (64 lower-case hex digits)")
    return value


def ip_arg(name: str, value: object) -> str:
    """An IPv4 or IPv6 address (str or ``ipaddress`` object), in its canonical text form."""
    if not isinstance(value, str | ipaddress.IPv4Address | ipaddress.IPv6Address):
        raise InvalidInput(name, f"expected an IP address, got {_type_name(value)}")
    try:
        return str(ipaddress.ip_address(value.strip() if isinstance(value, str) else value))
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not an IPv4 or IPv6 address") from None


def instance_arg(name: str, value: object, cls: type[T]) -> T:
    """``value`` itself when it is exactly a ``cls`` (a New*/Patch of the right table)."""
    if type(value) is not cls:
        raise InvalidInput(name, f"expected {cls.__name__}, got {_type_name(value)}")
    return value


def items_arg(name: str, values: Iterable[Any], cls: type[T], *, max_items: int) -> list[T]:
    """A list of up to ``max_items`` instances of ``cls`` (``name[i]`` names a bad one)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(name, f"expected an iterable of {cls.__name__}")
    items = list(values)
    if len(items) > max_items:
        raise InvalidInput(name, f"{len(items)} items; {max_items} at most")
    return [instance_arg(f"{name}[{index}]", item, cls) for index, item in enumerate(items)]


def only_fields(name: str, row: Insert, allowed: Iterable[str]) -> None:
    """Refuse a field ``row`` sets outside ``allowed`` (never silently drop what was asked)."""
    extra = sorted(set(row.changes()) - set(allowed))
    if extra:
        raise InvalidInput(f"{name}.{extra[0]}", f"cannot be set here (allowed: {sorted(allowed)})")


def column_arrays(
    table: TableRef, rows: Sequence[Insert], names: Sequence[str]
) -> dict[str, list[Any]]:
    """For each column in ``names``, its values across ``rows`` (UNSET as NULL, JSON dumped)."""
    info = info_of(table)
    arrays: dict[str, list[Any]] = {}
    for name in names:
        column = info.column(name)
        arrays[name] = [
            None if (value := getattr(row, name)) is UNSET else dump(column, value) for row in rows
        ]
    return arrays
