"""Argument checks that run before any SQL: ids, user ids, enums, text, paging, tags.

Each raises :class:`~chanuka_db.errors.InvalidInput` naming the argument, so a bad request
never reaches the server (and never half-writes anything).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from typing import Final, TypeVar

from chanuka_db.errors import InvalidInput

__all__ = [
    "MAX_ID",
    "MAX_TAGS",
    "check_choice",
    "check_id",
    "check_ids",
    "check_limit",
    "check_page",
    "check_tags",
    "check_text",
    "check_user",
]

E = TypeVar("E", bound=enum.Enum)
MAX_ID: Final = 2**31 - 1  # serial keys are int4
MAX_TAGS: Final = 50
MAX_TAG_CHARS: Final = 64
MAX_IDS: Final = 1000


def check_id(name: str, value: object) -> int:
    """A serial primary key: an ``int`` (not a bool) from 1 to 2**31-1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidInput(name, f"must be an id (an integer from 1 to {MAX_ID}), got {value!r}")
    return value


def check_ids(name: str, values: Iterable[object], *, at_most: int = MAX_IDS) -> list[int]:
    """Distinct ids in the order given (at least one, at most ``at_most``)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(name, f"expected a list of ids, got {type(values).__name__}")
    ids = list(dict.fromkeys(check_id(name, value) for value in values))
    if not 1 <= len(ids) <= at_most:
        raise InvalidInput(name, f"expected 1 to {at_most} ids, got {len(ids)}")
    return ids


def check_user(name: str, value: object) -> uuid.UUID:
    """A user id: a :class:`uuid.UUID`."""
    if not isinstance(value, uuid.UUID):
        raise InvalidInput(name, f"expected a uuid.UUID, got {type(value).__name__}")
    return value


def check_choice(name: str, kind: type[E], value: object) -> E:
    """A member of the enum ``kind``, given as a member or as its value."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(name, f"{value!r} is not one of: {allowed}") from None


def check_text(name: str, value: object, *, max_chars: int) -> str:
    """Text with something in it besides whitespace, at most ``max_chars`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(name, "must be non-empty text")
    if len(value) > max_chars:
        raise InvalidInput(name, f"is longer than {max_chars} characters")
    return value


def check_limit(name: str, value: object, low: int, high: int) -> int:
    """An integer from ``low`` to ``high`` (a page size, a number of rows to show)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(name, f"must be an integer from {low} to {high}, got {value!r}")
    return value


def check_page(page: object, page_size: object, *, max_size: int = 100) -> tuple[int, int]:
    """A page number (from 1) and a page size (1 to ``max_size``)."""
    return check_limit("page", page, 1, MAX_ID), check_limit("page_size", page_size, 1, max_size)


def check_tags(name: str, values: object, *, allow_empty: bool = False) -> list[str]:
    """Tags: distinct, non-blank, without surrounding spaces, at most 64 characters each."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise InvalidInput(name, f"expected a list of tags, got {type(values).__name__}")
    if not values and not allow_empty:
        raise InvalidInput(name, "expected at least one tag")
    if len(values) > MAX_TAGS:
        raise InvalidInput(name, f"at most {MAX_TAGS} tags, got {len(values)}")
    for tag in values:
        if not isinstance(tag, str) or not tag.strip() or tag != tag.strip():
            raise InvalidInput(name, f"{tag!r} is not a tag (non-blank text, no edge spaces)")
        if len(tag) > MAX_TAG_CHARS:
            raise InvalidInput(name, f"tag {tag[:20]!r}... is longer than {MAX_TAG_CHARS}")
    if len(set(values)) != len(values):
        raise InvalidInput(name, "lists a tag twice")
    return list(values)
