r"""Filters and sort keys from a request, through an allow-list: never SQL text.

::

    BILL_FILTERS = Filters(bills, {
        "status": {"eq", "in"},
        "created_at": {"ge", "lt", "between"},
        "tags": {"contains"},
        "title": {"ilike"},
    })
    # ?status=introduced&created_at[ge]=2024-01-01&title[ilike]=50% off
    predicate = BILL_FILTERS.parse({"status": "introduced",
                                    "created_at": {"ge": "2024-01-01T00:00:00"},
                                    "title": {"ilike": "50% off"}})
    listing = select(bills, BillSummary).where(predicate)

A field or operator outside the allow-list, a value of the wrong type, or a string that
does not parse as the column's type raises :class:`~chanuka_db.errors.InvalidInput`
naming it. Values are bound parameters; ``ilike`` matches a substring with ``%``, ``_``
and ``\\`` in the text escaped, so a request cannot inject wildcards.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from chanuka_db.errors import InvalidInput
from chanuka_db.types.base import SqlKind
from chanuka_db.types.expr import (
    And,
    ColumnRef,
    Direction,
    Nulls,
    Ordering,
    Predicate,
    TableRef,
    column_of,
    info_of,
)

__all__ = ["FilterOp", "Filters", "escape_like", "ordering_of"]

MAX_FILTERS: Final = 32
MAX_LIST: Final = 1000
_TEXT_KINDS: Final = frozenset({SqlKind.TEXT, SqlKind.VARCHAR})
_UNORDERED_KINDS: Final = frozenset(
    {SqlKind.BOOLEAN, SqlKind.JSONB, SqlKind.TEXT_ARRAY, SqlKind.TSVECTOR, SqlKind.INET}
)
_INTEGER: Final = re.compile(r"[+-]?\d{1,20}")


class FilterOp(enum.StrEnum):
    """The operators a request may use."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    BETWEEN = "between"
    CONTAINS = "contains"
    ILIKE = "ilike"


_ORDERED_OPS: Final = frozenset(
    {FilterOp.LT, FilterOp.LE, FilterOp.GT, FilterOp.GE, FilterOp.BETWEEN}
)


def escape_like(text: str) -> str:
    r"""``text`` with LIKE's wildcards (``%``, ``_``) and escape (``\\``) taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError(text)


def _parse_int(text: str) -> int:
    if not _INTEGER.fullmatch(text.strip()):
        raise ValueError(text)
    return int(text)


def _parse_decimal(text: str) -> Decimal:
    value = Decimal(text.strip())
    if not value.is_finite():
        raise ValueError(text)
    return value


# How a string from a request becomes the column's Python type.
_PARSERS: Final[Mapping[SqlKind, Callable[[str], Any]]] = {
    SqlKind.SMALLINT: _parse_int,
    SqlKind.INTEGER: _parse_int,
    SqlKind.BIGINT: _parse_int,
    SqlKind.NUMERIC: _parse_decimal,
    SqlKind.BOOLEAN: _parse_bool,
    SqlKind.UUID: uuid.UUID,
    SqlKind.TIMESTAMP: dt.datetime.fromisoformat,
    SqlKind.TIMESTAMPTZ: dt.datetime.fromisoformat,
    SqlKind.DATE: dt.date.fromisoformat,
}


def _coerce(column: ColumnRef[Any], value: Any) -> Any:
    """A request string parsed as the column's type; other values are left for the binder."""
    info = column.info
    parser = _PARSERS.get(info.kind)
    if parser is None or not isinstance(value, str):
        return value
    try:
        return parser(value)
    except (ValueError, InvalidOperation):
        raise InvalidInput(info.name, f"{value[:80]!r} is not a valid {info.sql_type}") from None


def _as_list(field: str, value: Any, *, exactly: int | None = None) -> list[Any]:
    if isinstance(value, list | tuple):
        items = list(value)
    elif exactly is None:
        items = [value]
    else:
        raise InvalidInput(field, f"expected a list of {exactly} values")
    if exactly is not None and len(items) != exactly:
        raise InvalidInput(field, f"expected {exactly} values, got {len(items)}")
    if len(items) > MAX_LIST:
        raise InvalidInput(field, f"at most {MAX_LIST} values, got {len(items)}")
    return items


def _predicate(column: ColumnRef[Any], op: FilterOp, raw: Any) -> Predicate:
    name = column.name
    match op:
        case FilterOp.IN:
            return column.in_([_coerce(column, item) for item in _as_list(name, raw)])
        case FilterOp.BETWEEN:
            low, high = (_coerce(column, item) for item in _as_list(name, raw, exactly=2))
            return column.between(low, high)
        case FilterOp.CONTAINS:
            return column.contains(_as_list(name, raw))
        case FilterOp.ILIKE:
            if not isinstance(raw, str):
                raise InvalidInput(name, f"ilike takes text, got {type(raw).__name__}")
            return column.ilike(f"%{escape_like(raw)}%")
    if raw is None:
        raise InvalidInput(name, "a filter value cannot be null")
    value = _coerce(column, raw)
    comparisons: dict[FilterOp, Callable[[Any], Predicate]] = {
        FilterOp.EQ: column.eq,
        FilterOp.NE: column.ne,
        FilterOp.LT: column.__lt__,
        FilterOp.LE: column.__le__,
        FilterOp.GT: column.__gt__,
        FilterOp.GE: column.__ge__,
    }
    return comparisons[op](value)


def _allowed_ops(column: ColumnRef[Any], ops: Iterable[str | FilterOp]) -> frozenset[FilterOp]:
    info = column.info
    allowed = frozenset(FilterOp(op) for op in ops)
    problems = []
    if FilterOp.CONTAINS in allowed and info.kind is not SqlKind.TEXT_ARRAY:
        problems.append("contains needs an array column")
    if FilterOp.ILIKE in allowed and info.kind not in _TEXT_KINDS:
        problems.append("ilike needs a text column")
    if allowed & _ORDERED_OPS and info.kind in _UNORDERED_KINDS:
        problems.append("lt/le/gt/ge/between need an ordered column")
    if problems:
        raise TypeError(f"filter on {info.name} ({info.sql_type}): {'; '.join(problems)}")
    return allowed


class Filters:
    """The filters a request may apply to one table: fields and their operators."""

    __slots__ = ("_allowed", "_columns", "table")

    def __init__(self, table: TableRef, allowed: Mapping[str, Iterable[str | FilterOp]]) -> None:
        self.table = table
        info_of(table)
        self._columns: dict[str, ColumnRef[Any]] = {}
        self._allowed: dict[str, frozenset[FilterOp]] = {}
        for name, ops in allowed.items():
            column = column_of(table, name)
            self._columns[name] = column
            self._allowed[name] = _allowed_ops(column, ops)

    def parse(self, request: Mapping[str, Any]) -> Predicate | None:
        """The predicate for ``{field: value}`` (equality) or ``{field: {op: value}}``.

        ``None`` when the request has no filters. Raises :class:`InvalidInput` for any
        field, operator or value outside the allow-list.
        """
        if not isinstance(request, Mapping):
            raise InvalidInput("filters", f"expected a mapping, got {type(request).__name__}")
        parts = [part for field, spec in request.items() for part in self._field(field, spec)]
        if len(parts) > MAX_FILTERS:
            raise InvalidInput("filters", f"at most {MAX_FILTERS} conditions, got {len(parts)}")
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _field(self, field: Any, spec: Any) -> list[Predicate]:
        column = self._columns.get(field) if isinstance(field, str) else None
        if column is None:
            allowed = ", ".join(sorted(self._columns))
            label = field if isinstance(field, str) else repr(field)
            raise InvalidInput(label[:80], f"is not a filterable field (allowed: {allowed})")
        operations = spec.items() if isinstance(spec, Mapping) else [("eq", spec)]
        parts = []
        for op_name, raw in operations:
            op = FilterOp._value2member_map_.get(op_name) if isinstance(op_name, str) else None
            if op is None or op not in self._allowed[field]:
                allowed = ", ".join(sorted(self._allowed[field]))
                raise InvalidInput(
                    f"{field}.{str(op_name)[:40]}", f"operator not allowed ({allowed})"
                )
            parts.append(_predicate(column, op, raw))
        return parts


def ordering_of(
    table: TableRef,
    field: object,
    direction: object = "asc",
    *,
    allowed: Iterable[str] | None = None,
    nulls: Nulls | None = None,
) -> Ordering:
    """A sort key from request text, checked: never text spliced into ORDER BY.

    The column is looked up in the registry (and the allow-list when given), the
    direction parsed into :class:`Direction`; anything else raises :class:`InvalidInput`.
    """
    if not isinstance(field, str):
        raise InvalidInput(repr(field)[:80], "a sort field must be text")
    if allowed is not None and field not in set(allowed):
        raise InvalidInput(field[:80], "is not a sortable field")
    column = column_of(table, field)
    return Ordering(column, Direction.parse(direction), nulls)
