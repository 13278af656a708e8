"""Paging: offset pages with a total, and keyset (cursor) pages on a unique sort key.

Offset paging is for screens that show "page 3 of 12"; it costs a count and gets slower
the deeper it goes. Keyset paging is for feeds and exports: each page starts strictly
after the last row of the previous one, so it stays fast at any depth and never skips or
repeats a row when rows are inserted meanwhile::

    listing = select(bills, BillSummary).where(bills.status == "introduced")

    page = paginate(listing.order_by(bills.created_at.desc(), bills.id.desc()), ex, page=2)
    page.items, page.total, page.has_next

    first = keyset_page(listing.order_by(bills.created_at.desc()), ex, size=20)
    second = keyset_page(listing.order_by(bills.created_at.desc()), ex, size=20,
                         after=first.next_cursor)

Keyset sort keys must end in something unique: the table's primary key is appended when
it is not among them. Rows must carry the sort columns as attributes (the cursor is built
from the last row). See :mod:`chanuka_db.sql.cursors` for what a cursor proves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.sql.binding import compare_binder
from chanuka_db.sql.compiler import Ctx, Raw, SqlNode, Template
from chanuka_db.sql.cursors import CursorCodec, default_codec
from chanuka_db.sql.select import Select
from chanuka_db.types.expr import (
    And,
    ColumnRef,
    Direction,
    Nulls,
    Or,
    Ordering,
    Predicate,
    info_of,
)

if TYPE_CHECKING:
    from chanuka_db.sql.executor import Executor

__all__ = ["MAX_PAGE_SIZE", "KeysetPage", "Page", "keyset_page", "paginate"]

T = TypeVar("T")
MAX_PAGE_SIZE: Final = 100


@attrs.frozen
class Page(Generic[T]):
    """One page of an offset listing: the rows, the total under the same filter, and more."""

    items: list[T]
    total: int
    page: int
    page_size: int
    has_next: bool

    @property
    def pages(self) -> int:
        """How many pages the total fills."""
        return max(1, -(-self.total // self.page_size))


@attrs.frozen
class KeysetPage(Generic[T]):
    """One page of a keyset listing; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[T]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        """Whether another page follows."""
        return self.next_cursor is not None


def _check_size(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(name, f"must be an integer from {low} to {high}, got {value!r}")
    return value


def _require_order(statement: Select[Any]) -> None:
    if not statement.orderings:
        raise TypeError("paging needs order_by(...): without it, pages are in no stable order")


def paginate(
    statement: Select[T],
    executor: Executor,
    *,
    page: int = 1,
    page_size: int = 20,
    max_page_size: int = MAX_PAGE_SIZE,
    **params: Any,
) -> Page[T]:
    """Page ``page`` (from 1) of an ordered select, with the total count under its filter.

    Two statements: the page, then ``count(*)`` with the same joins and WHERE. Run them in
    one transaction (REPEATABLE READ) when the total must match the page exactly under
    concurrent writes.
    """
    _require_order(statement)
    page = _check_size("page", page, 1, 2**31 - 1)
    page_size = _check_size("page_size", page_size, 1, max_page_size)
    offset = (page - 1) * page_size
    items = statement.limit(page_size).offset(offset).fetch_all(executor, **params)
    total = statement.count_rows().fetch_one(executor, **params)
    return Page(items, total, page, page_size, offset + len(items) < total)


class _Constant(SqlNode):
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append(self.text)
        return Raw(self.text) if ctx.render else None


_NOTHING_AFTER: Final = _Constant("FALSE")


class _RowAfter(SqlNode):
    """``(a, b) > (x, y)``: one index-friendly comparison when every key sorts one way."""

    __slots__ = ("columns", "descending", "values")

    def __init__(self, columns: Sequence[ColumnRef[Any]], values: Sequence[Any], descending: bool):
        self.columns = tuple(columns)
        self.values = tuple(values)
        self.descending = descending

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("row<" if self.descending else "row>")
        left = [ctx.column(column) for column in self.columns]
        right = [
            ctx.slot(value, compare_binder(column.info), column.name)
            for column, value in zip(self.columns, self.values, strict=True)
        ]
        if not ctx.render:
            return None
        names = {f"l{i}": term for i, term in enumerate(left)}
        names.update({f"r{i}": term for i, term in enumerate(right)})
        lhs = ",".join(f"{{l{i}}}" for i in range(len(left)))
        rhs = ",".join(f"{{r{i}}}" for i in range(len(right)))
        return Template(f"({lhs}){'<' if self.descending else '>'}({rhs})", **names)


@attrs.frozen
class _Key:
    column: ColumnRef[Any]
    descending: bool
    nulls_last: bool
    nullable: bool


def _keys(statement: Select[Any]) -> list[_Key]:
    keys = []
    for ordering in statement.orderings:
        if not isinstance(ordering, Ordering):
            raise TypeError("keyset paging sorts on columns only (not aggregates)")
        descending = ordering.direction is Direction.DESC
        # PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending.
        nulls_last = ordering.nulls is Nulls.LAST if ordering.nulls else not descending
        nullable = ordering.column.info.nullable
        keys.append(_Key(ordering.column, descending, nulls_last, nullable))
    table = statement.table
    named = {key.column.name for key in keys if key.column.table is table}
    last = keys[-1].descending
    for name in info_of(table).primary_key:
        if name not in named:  # make the sort key unique: ties broken by the primary key
            keys.append(_Key(getattr(table, name), last, not last, nullable=False))
    return keys


def _equal(key: _Key, value: Any) -> Predicate:
    equal: Predicate = key.column == value  # None becomes IS NULL
    return equal


def _beyond(key: _Key, value: Any) -> Predicate | None:
    """Rows strictly after ``value`` in this one column (None: there are none)."""
    column = key.column
    if value is None:
        return None if key.nulls_last else column.is_not_null()
    step: Predicate = column < value if key.descending else column > value
    if key.nullable and key.nulls_last:
        return Or((step, column.is_null()))
    return step


def _after(keys: list[_Key], values: list[Any]) -> Any:
    """The predicate "sorts strictly after ``values``"."""
    simple = all(not k.nullable for k in keys) and len({k.descending for k in keys}) == 1
    if simple:
        return _RowAfter([k.column for k in keys], values, keys[0].descending)
    disjuncts: list[Predicate] = []
    for index, key in enumerate(keys):
        step = _beyond(key, values[index])
        if step is None:
            continue
        equal = [_equal(k, v) for k, v in zip(keys[:index], values[:index], strict=True)]
        disjuncts.append(And((*equal, step)) if equal else step)
    if not disjuncts:
        return _NOTHING_AFTER
    return Or(tuple(disjuncts)) if len(disjuncts) > 1 else disjuncts[0]


def keyset_page(
    statement: Select[T],
    executor: Executor,
    *,
    size: int = 20,
    after: str | None = None,
    max_size: int = MAX_PAGE_SIZE,
    codec: CursorCodec | None = None,
    **params: Any,
) -> KeysetPage[T]:
    """The ``size`` rows of an ordered select that follow the cursor ``after``.

    The cursor must come from a page of the same query (same shape, sort and filter
    values); anything else raises :class:`InvalidInput` naming ``cursor``.
    """
    _require_order(statement)
    size = _check_size("size", size, 1, max_size)
    keys = _keys(statement)
    ordered = statement.order_by(*(Ordering(k.column, _direction(k), _nulls(k)) for k in keys))
    prepared, values = ordered.bind(params)
    scope = f"{prepared.compiled.text}\0{values!r}".encode()
    codec = codec or executor.cursors or default_codec()
    page_statement = ordered
    if after is not None:
        decoded = codec.decode(scope, after)
        if len(decoded) != len(keys):  # pragma: no cover - the MAC binds the key count
            raise InvalidInput("cursor", "does not match the sort keys")
        page_statement = ordered.where(_after(keys, decoded))
    rows = page_statement.limit(size + 1).fetch_all(executor, **params)
    if len(rows) <= size:
        return KeysetPage(rows, None)
    items = rows[:size]
    last = items[-1]
    try:
        cursor_values = [getattr(last, k.column.name) for k in keys]
    except AttributeError as exc:
        raise TypeError(f"keyset paging needs the sort columns in the row type: {exc}") from None
    return KeysetPage(items, codec.encode(scope, cursor_values))


def _direction(key: _Key) -> Direction:
    return Direction.DESC if key.descending else Direction.ASC


def _nulls(key: _Key) -> Nulls | None:
    return Nulls.LAST if key.nulls_last else Nulls.FIRST
