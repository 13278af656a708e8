"""Bound parameters: one :class:`Slot` per value, checked locally and dumped for psycopg.

Every value a statement carries becomes a slot. The slot remembers where the value goes
(a column, LIMIT, a search text...) so that it can be checked before anything reaches the
server (a bad value raises :class:`~chanuka_db.errors.InvalidInput` naming the column) and
so that the query monitor can tell a password from a page number when it logs parameters.
A slot holds either a value (ad-hoc statements) or the name of a :class:`Param` whose value
arrives when the statement runs.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from chanuka_db.errors import InvalidInput
from chanuka_db.sql.rows import dump
from chanuka_db.types.base import ColumnInfo, SqlKind
from chanuka_db.types.expr import Param

__all__ = [
    "ARRAY_KINDS",
    "Binder",
    "Slot",
    "array_binder",
    "bind_slots",
    "compare_binder",
    "count_binder",
    "dump_binder",
    "is_sensitive",
    "number_binder",
    "param_names",
    "pattern_binder",
    "store_binder",
    "text_binder",
]

Binder = Callable[[Any], Any]
"""Checks one value for its slot and returns what psycopg should bind."""

# Names that mark a parameter as secret in logs (column names, Param names, labels).
SENSITIVE: Final = re.compile(r"password|token|secret|hash", re.IGNORECASE)
ARRAY_KINDS: Final = frozenset({SqlKind.TEXT_ARRAY})
_MAX_BIGINT: Final = 2**63 - 1


def is_sensitive(label: str) -> bool:
    """Whether a parameter named ``label`` must be redacted in logs."""
    return SENSITIVE.search(label) is not None


class Slot:
    """One bound parameter: a value or a :class:`Param` name, its binder and its label."""

    __slots__ = ("bind", "label", "name", "value")

    def __init__(self, operand: Any, bind: Binder, label: str) -> None:
        if isinstance(operand, Param):
            self.name: str | None = operand.name
            self.value: Any = None
        else:
            self.name = None
            self.value = operand
        self.bind = bind
        self.label = label

    def __repr__(self) -> str:
        source = f"Param({self.name!r})" if self.name is not None else "value"
        return f"<slot {self.label}: {source}>"


def param_names(slots: tuple[Slot, ...]) -> frozenset[str]:
    """The :class:`Param` names the slots wait for."""
    return frozenset(slot.name for slot in slots if slot.name is not None)


def bind_slots(
    slots: tuple[Slot, ...], names: frozenset[str], params: Mapping[str, Any]
) -> list[Any]:
    """The values to send, in slot order: ``params`` fill the named slots, all are checked.

    ``names`` is :func:`param_names` of ``slots``. A missing parameter, or one the statement
    does not use, raises :class:`InvalidInput` (a misspelt keyword must not silently drop
    a filter).
    """
    values: list[Any] = []
    for slot in slots:
        if slot.name is None:
            values.append(slot.bind(slot.value))
            continue
        try:
            value = params[slot.name]
        except KeyError:
            raise InvalidInput(slot.name, "parameter is missing") from None
        values.append(slot.bind(value))
    if len(params) > len(names):  # every name was found above, so an extra one is unknown
        unknown = sorted(set(params) - names)[0]
        raise InvalidInput(unknown, "the statement has no such parameter")
    return values


def _none_compared(column: ColumnInfo) -> InvalidInput:
    return InvalidInput(
        column.name,
        "compared with None: use `== None` or .is_null() for IS NULL (= NULL never holds)",
    )


_BINDERS: dict[tuple[str, int], Binder] = {}


def _cached(kind: str, column: ColumnInfo, make: Callable[[ColumnInfo], Binder]) -> Binder:
    # ColumnInfo objects live as long as the registry, so their id is a stable, cheap key.
    key = (kind, id(column))
    binder = _BINDERS.get(key)
    if binder is None:
        binder = _BINDERS[key] = make(column)
    return binder


def _make_compare(column: ColumnInfo) -> Binder:
    check = column.check

    def bind(value: Any) -> Any:
        if value is None:
            raise _none_compared(column)
        check(value)
        return dump(column, value)

    return _fast(column, bind)


_INT_RANGES: Final = {
    SqlKind.SMALLINT: (-(2**15), 2**15 - 1),
    SqlKind.INTEGER: (-(2**31), 2**31 - 1),
    SqlKind.BIGINT: (-(2**63), 2**63 - 1),
}


def _fast(column: ColumnInfo, slow: Binder) -> Binder:
    """``slow`` behind a shortcut for the common, obviously valid values of a column.

    Ints in range, ASCII text without NUL within the length limit and UUIDs are accepted
    with one type test; anything else takes the full check (and its error message).
    """
    kind = column.kind
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]

        def bind_int(value: Any) -> Any:
            if type(value) is int and low <= value <= high:
                return value
            return slow(value)

        return bind_int
    if kind is SqlKind.TEXT or kind is SqlKind.VARCHAR:
        limit = column.max_length or 2**62

        def bind_text(value: Any) -> Any:
            if (
                type(value) is str
                and value.isascii()
                and "\x00" not in value
                and len(value) <= limit
            ):
                return value
            return slow(value)

        return bind_text
    if kind is SqlKind.UUID:

        def bind_uuid(value: Any) -> Any:
            return value if type(value) is uuid.UUID else slow(value)

        return bind_uuid
    return slow


def _make_store(column: ColumnInfo) -> Binder:
    check = column.check

    def bind(value: Any) -> Any:
        check(value)
        return dump(column, value)

    return _fast(column, bind)


def _make_array(column: ColumnInfo) -> Binder:
    if column.kind in ARRAY_KINDS:
        # contains/overlaps on an array column: the value is a list of elements.
        return _make_compare(column)
    check = column.check

    def bind(values: Any) -> Any:
        if isinstance(values, str | bytes | Mapping) or not hasattr(values, "__iter__"):
            raise InvalidInput(
                column.name, f"expected a list of values, got {type(values).__name__}"
            )
        items = list(values)
        for item in items:
            if item is None:
                raise _none_compared(column)
            check(item)
        return items

    return bind


def _make_pattern(column: ColumnInfo) -> Binder:
    def bind(value: Any) -> Any:
        return _plain_text(column.name, value)

    return bind


def _make_dump(column: ColumnInfo) -> Binder:
    if column.kind is not SqlKind.JSONB:
        return _identity

    def bind(value: Any) -> Any:
        return dump(column, value)

    return bind


def _identity(value: Any) -> Any:
    return value


def dump_binder(column: ColumnInfo) -> Binder:
    """For a value a New*/Patch instance already checked: only dumped (jsonb wrapped)."""
    return _cached("dump", column, _make_dump)


def compare_binder(column: ColumnInfo) -> Binder:
    """For a value compared with ``column``: checked as the column's type; None refused."""
    return _cached("compare", column, _make_compare)


def store_binder(column: ColumnInfo) -> Binder:
    """For a value written into ``column``: checked as the column's type (None if nullable)."""
    return _cached("store", column, _make_store)


def array_binder(column: ColumnInfo) -> Binder:
    """For ``IN``/``NOT IN`` (a list of column values) or ``@>``/``&&`` on an array column."""
    return _cached("array", column, _make_array)


def pattern_binder(column: ColumnInfo) -> Binder:
    """For a LIKE/ILIKE pattern on ``column``: any text PostgreSQL can hold."""
    return _cached("pattern", column, _make_pattern)


def _plain_text(label: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(label, f"expected str, got {type(value).__name__}")
    if "\x00" in value:
        raise InvalidInput(label, "contains a NUL character (\\x00), which PostgreSQL rejects")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(label, "is not valid UTF-8 (it holds a lone surrogate)") from None
    return value


def text_binder(label: str) -> Binder:
    """For free text such as a search query: a str PostgreSQL can hold."""

    def bind(value: Any) -> Any:
        return _plain_text(label, value)

    return bind


def count_binder(label: str) -> Binder:
    """For LIMIT/OFFSET: an int from 0 to the bigint maximum."""

    def bind(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(label, f"expected int, got {type(value).__name__}")
        if not 0 <= value <= _MAX_BIGINT:
            raise InvalidInput(label, f"{value} is not between 0 and {_MAX_BIGINT}")
        return value

    return bind


def number_binder(label: str) -> Binder:
    """For a finite float threshold (a relevance cut-off)."""

    def bind(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(label, f"expected a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise InvalidInput(label, f"{value} is not a finite number")
        return float(value)

    return bind
