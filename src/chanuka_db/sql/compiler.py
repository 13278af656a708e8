"""Compiles statement trees to parameterized SQL once per shape, and binds values every call.

A statement (``select(...).where(...)``) is a tree of pure value objects holding Python
values. Compiling walks the tree once and produces two things at the same time:

- a **shape key**: a flat tuple naming tables, columns, operators and *kinds* of operands
  (a bound slot, a column, ...) but never a value, so ``id == 5`` and ``id == 6`` (or
  ``id == Param("id")``) share one key, and an IN-list of any length is one slot;
- the **slots**: one :class:`~chanuka_db.sql.binding.Slot` per value, in walk order.

The key is looked up in a process-wide cache of :class:`Compiled` SQL. Only on a miss is
the tree walked again with ``render=True`` to build the PyPika query, which never sees a
value: each slot is handed to PyPika as a placeholder term (``%(_3)s``), and the rendered
text is then rewritten to psycopg's positional ``%s`` with the slot order recorded. So
PyPika's habits (quoting values itself, ``= null``, dates as strings) cannot reach a
statement, and a repeated shape costs a key walk, a dict lookup and the execute.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from typing import Any, Final, cast

import attrs
from pypika import Field, Table
from pypika.terms import Criterion, Parameter, Term

from chanuka_db.sql.binding import (
    Binder,
    Slot,
    array_binder,
    compare_binder,
    is_sensitive,
    param_names,
    pattern_binder,
)
from chanuka_db.types.base import ColumnInfo, SqlKind
from chanuka_db.types.expr import (
    And,
    Arithmetic,
    ColumnRef,
    Comparison,
    Direction,
    Not,
    Nulls,
    Op,
    Or,
    Ordering,
    info_of,
    name_of,
)

__all__ = [
    "CACHE",
    "Compiled",
    "Ctx",
    "Prepared",
    "Raw",
    "SqlNode",
    "StatementCache",
    "Template",
    "check_predicate",
    "compile_operand",
    "compile_ordering",
    "compile_predicate",
    "field",
    "finish",
    "order_term",
    "prepare",
    "table_term",
]

_MARKER: Final = re.compile(r"%\(_(\d+)\)s")
_ARRAY_OPS: Final = {
    Op.IN: "{left}=ANY({right})",
    Op.NOT_IN: "{left}<>ALL({right})",
    Op.CONTAINS: "{left}@>{right}",
    Op.OVERLAPS: "{left}&&{right}",
}
_BINARY_OPS: Final = {
    Op.EQ: "=",
    Op.NE: "<>",
    Op.LT: "<",
    Op.LE: "<=",
    Op.GT: ">",
    Op.GE: ">=",
    Op.LIKE: " LIKE ",
    Op.ILIKE: " ILIKE ",
}


class Raw(Term):
    """A fixed fragment of SQL written in this package (an operator, a keyword), never a value."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def get_sql(self, **kwargs: Any) -> str:
        """The fragment as written (plus its alias in a SELECT list)."""
        return _aliased(self.text, self.alias, kwargs)


class Template(Criterion):
    """``format`` of a fixed template with rendered terms: ``{left}=ANY({right})``."""

    def __init__(self, template: str, **terms: Any) -> None:
        super().__init__()
        self.template = template
        self.terms = terms

    def get_sql(self, **kwargs: Any) -> str:
        """The template with each term rendered in place."""
        parts = {name: term.get_sql(**kwargs) for name, term in self.terms.items()}
        return _aliased(self.template.format(**parts), self.alias, kwargs)


def _aliased(sql: str, alias: str | None, kwargs: dict[str, Any]) -> str:
    if alias and kwargs.get("with_alias"):
        return f'{sql} "{alias}"'
    return sql


class SqlNode:
    """A node this package defines itself (EXCLUDED.col, now(), a row comparison...).

    ``compile`` appends to the key and the slots like the built-in nodes and returns the
    PyPika term when ``ctx.render`` is true (``None`` otherwise).
    """

    __slots__ = ()

    def compile(self, ctx: Ctx) -> Any:
        """Add this node to ``ctx``; the PyPika term when rendering."""
        raise NotImplementedError


class Ctx:
    """One walk over a statement: the shape key and slots, and PyPika terms if rendering."""

    __slots__ = ("key", "render", "slots")

    def __init__(self, *, render: bool = False) -> None:
        self.key: list[Hashable] = []
        self.slots: list[Slot] = []
        self.render = render

    def slot(self, operand: Any, bind: Binder, label: str) -> Any:
        """A bound parameter for ``operand`` (a value or a :class:`Param`)."""
        index = len(self.slots)
        self.slots.append(Slot(operand, bind, label))
        self.key.append("?")
        return Parameter(f"%(_{index})s") if self.render else None

    def column(self, column: ColumnRef[Any]) -> Any:
        """A column reference: its table and name go into the key."""
        table = name_of(column.table)
        self.key.append(table)
        self.key.append(column.name)
        return field(table, column.name) if self.render else None


_TABLES: dict[str, Table] = {}


def table_term(name: str) -> Table:
    """The PyPika table for a registered table name (one object per table)."""
    table = _TABLES.get(name)
    if table is None:
        table = _TABLES[name] = Table(name)
    return table


def field(table: str, column: str) -> Field:
    """The PyPika field ``"table"."column"``."""
    return Field(column, table=table_term(table))


def _info(column: ColumnRef[Any]) -> ColumnInfo:
    return info_of(column.table).column(column.name)


_PREDICATE_TYPES: Final = (Comparison, And, Or, Not, SqlNode)


def check_predicate(predicate: object) -> None:
    """Refuse anything but a predicate object now, not when the statement runs."""
    if not isinstance(predicate, _PREDICATE_TYPES):
        raise TypeError(
            f"expected a predicate built from table columns (tables.bills.id == 5), "
            f"got {type(predicate).__name__}"
        )


def compile_predicate(predicate: object, ctx: Ctx) -> Any:
    """Add a predicate tree to ``ctx``; the PyPika criterion when rendering.

    Anything but a predicate (a bool from comparing plain values, a str of SQL) is a
    :class:`TypeError`: SQL text never enters through a WHERE.
    """
    kind = type(predicate)
    if kind is Comparison:
        return _comparison(predicate, ctx)  # type: ignore[arg-type]
    if kind is And or kind is Or:
        parts = predicate.parts  # type: ignore[attr-defined]
        ctx.key.append("and" if kind is And else "or")
        ctx.key.append(len(parts))
        terms = [compile_predicate(part, ctx) for part in parts]
        return _combine(terms, kind is And) if ctx.render else None
    if kind is Not:
        ctx.key.append("not")
        term = compile_predicate(predicate.part, ctx)  # type: ignore[attr-defined]
        return Template("NOT ({inner})", inner=term) if ctx.render else None
    check_predicate(predicate)
    return cast(SqlNode, predicate).compile(ctx)


def _combine(terms: list[Any], conjunction: bool) -> Any:
    if not terms:
        return Raw("TRUE" if conjunction else "FALSE")
    joiner = " AND " if conjunction else " OR "
    names = {f"p{i}": term for i, term in enumerate(terms)}
    return Template("(" + joiner.join(f"{{{name}}}" for name in names) + ")", **names)


def _comparison(comparison: Comparison, ctx: Ctx) -> Any:
    op = comparison.op
    column = comparison.column
    ctx.key.append(op)
    left = ctx.column(column)
    if op is Op.IS_NULL or op is Op.IS_NOT_NULL:
        suffix = " IS NULL" if op is Op.IS_NULL else " IS NOT NULL"
        return Template("{left}" + suffix, left=left) if ctx.render else None
    info = _info(column)
    if op in _ARRAY_OPS:
        right = _array_operand(comparison.operand, info, op, ctx)
        return Template(_ARRAY_OPS[op], left=left, right=right) if ctx.render else None
    if op is Op.BETWEEN:
        low, high = _pair(comparison.operand)
        low_term = compile_operand(low, info, ctx)
        high_term = compile_operand(high, info, ctx)
        if not ctx.render:
            return None
        return Template("{left} BETWEEN {low} AND {high}", left=left, low=low_term, high=high_term)
    bind = pattern_binder(info) if op is Op.LIKE or op is Op.ILIKE else None
    right = compile_operand(comparison.operand, info, ctx, bind)
    if not ctx.render:
        return None
    return Template("{left}" + _BINARY_OPS[op] + "{right}", left=left, right=right)


def _pair(operand: Any) -> tuple[Any, Any]:
    if not isinstance(operand, tuple) or len(operand) != 2:
        raise TypeError("between() takes exactly two bounds")
    return operand[0], operand[1]


def _array_operand(operand: Any, info: ColumnInfo, op: Op, ctx: Ctx) -> Any:
    is_array_column = info.kind is SqlKind.TEXT_ARRAY
    if (op is Op.IN or op is Op.NOT_IN) and (is_array_column or info.kind is SqlKind.JSONB):
        raise TypeError(
            f"in_()/not_in() on {info.name} ({info.sql_type}): use contains()/overlaps()"
        )
    if (op is Op.CONTAINS or op is Op.OVERLAPS) and not is_array_column:
        raise TypeError(
            f"contains()/overlaps() need an array column; {info.name} is {info.sql_type}"
        )
    term = ctx.slot(operand, array_binder(info), info.name)
    if not ctx.render:
        return None
    # One array parameter, cast to the column's array type: the text of the shape never
    # depends on the list length, and an empty list is typed too.
    cast = info.sql_type if is_array_column else f"{info.sql_type}[]"
    return Template("{p}::" + cast, p=term)


def compile_operand(operand: Any, info: ColumnInfo, ctx: Ctx, bind: Binder | None = None) -> Any:
    """The right-hand side of a comparison or assignment into ``info``'s column.

    A column or expression goes into the shape; a value or :class:`Param` becomes a slot
    checked by ``bind`` (default: compared as the column's type, ``None`` refused).
    """
    if isinstance(operand, ColumnRef):
        return ctx.column(operand)
    if isinstance(operand, SqlNode):
        return operand.compile(ctx)
    if isinstance(operand, Arithmetic):
        return _arithmetic(operand, info, ctx)
    return ctx.slot(operand, bind or compare_binder(info), info.name)


def _arithmetic(expression: Arithmetic, info: ColumnInfo, ctx: Ctx) -> Any:
    ctx.key.append(expression.op)
    left = compile_operand(expression.left, info, ctx)
    right = compile_operand(expression.right, info, ctx)
    if not ctx.render:
        return None
    return Template("({left}" + expression.op.value + "{right})", left=left, right=right)


def compile_ordering(ordering: object, ctx: Ctx) -> Any:
    """An ORDER BY key (an :class:`Ordering`, or a node with ``direction``/``nulls``)."""
    if not isinstance(ordering, Ordering):
        if isinstance(ordering, SqlNode):
            return ordering.compile(ctx)
        kind = type(ordering).__name__
        raise TypeError(f"order_by() takes orderings such as tables.bills.id.desc(), got {kind}")
    term = ctx.column(ordering.column)
    return order_term(term, ordering.direction, ordering.nulls, ctx)


def order_term(term: Any, direction: Direction, nulls: Nulls | None, ctx: Ctx) -> Any:
    """``term ASC|DESC [NULLS FIRST|LAST]`` from enums only."""
    if not isinstance(direction, Direction) or not (nulls is None or isinstance(nulls, Nulls)):
        raise TypeError("sort direction and nulls placement must be Direction and Nulls members")
    ctx.key.append(direction)
    ctx.key.append(nulls)
    if not ctx.render:
        return None
    suffix = " DESC" if direction is Direction.DESC else " ASC"
    if nulls is not None:
        suffix += " NULLS FIRST" if nulls is Nulls.FIRST else " NULLS LAST"
    return Template("{term}" + suffix, term=term)


@attrs.frozen
class Compiled:
    """The SQL of one shape, ready for psycopg: positional ``%s`` in text order.

    ``order`` maps each placeholder to the slot that fills it (``None`` when they are in
    slot order already); ``labels``/``sensitive`` describe the placeholders for logs.
    """

    text: str
    order: tuple[int, ...] | None
    labels: tuple[str, ...]
    sensitive: tuple[bool, ...]

    def arrange(self, values: list[Any]) -> list[Any]:
        """Slot-ordered values in placeholder order."""
        order = self.order
        return values if order is None else [values[i] for i in order]


@attrs.frozen
class Prepared:
    """A statement's compiled SQL together with its own slots (values or Param names)."""

    compiled: Compiled
    slots: tuple[Slot, ...]
    names: frozenset[str]


def finish(sql: str, slots: list[Slot]) -> Compiled:
    """Turn rendered text with ``%(_i)s`` markers into positional psycopg SQL."""
    pieces = _MARKER.split(sql)
    texts, indexes = pieces[0::2], [int(i) for i in pieces[1::2]]
    text = "%s".join(piece.replace("%", "%%") for piece in texts)
    order = tuple(indexes)
    labels = tuple(slots[i].label for i in order)
    sensitive = tuple(
        is_sensitive(slots[i].label) or is_sensitive(slots[i].name or "") for i in order
    )
    identity = order == tuple(range(len(slots)))
    return Compiled(text, None if identity else order, labels, sensitive)


class StatementCache:
    """Shape key -> :class:`Compiled`, bounded; counts renders so tests can see the cache work.

    Safe to share between threads: a race can render one shape twice, never mix two.
    """

    def __init__(self, max_size: int = 4096) -> None:
        self.max_size = max_size
        self._entries: dict[tuple[Hashable, ...], Compiled] = {}
        self._lock = threading.Lock()
        self.renders = 0
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[Hashable, ...]) -> Compiled | None:
        """The compiled SQL of ``key``, if rendered before."""
        return self._entries.get(key)

    def put(self, key: tuple[Hashable, ...], compiled: Compiled) -> Compiled:
        """Store a freshly rendered shape (evicting the oldest when full)."""
        with self._lock:
            self.renders += 1
            if len(self._entries) >= self.max_size:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = compiled
        return compiled

    def clear(self) -> None:
        """Forget every shape (tests)."""
        with self._lock:
            self._entries.clear()
            self.renders = 0
            self.hits = 0


CACHE: Final = StatementCache()


def prepare(walk: Callable[[Ctx], Any]) -> Prepared:
    """Compile a statement given its walk: key + slots, then cached SQL (rendered on a miss)."""
    ctx = Ctx()
    walk(ctx)
    key = tuple(ctx.key)
    compiled = CACHE.get(key)
    if compiled is None:
        rendering = Ctx(render=True)
        query = walk(rendering)
        if rendering.key != ctx.key:  # pragma: no cover - a walk must not depend on `render`
            raise AssertionError("statement walk differs between key and render passes")
        compiled = CACHE.put(key, finish(query.get_sql(), rendering.slots))
    slots = tuple(ctx.slots)
    return Prepared(compiled, slots, param_names(slots))
