"""SELECT: typed rows from registered tables, with joins, aggregates, ordering and paging.

::

    from chanuka_db.types import Bill, Param, tables
    from chanuka_db.sql import select, count

    bills = tables.bills
    BY_ID = select(bills, Bill).where(bills.id == Param("id"))     # module level: compiled once
    bill = BY_ID.fetch_one(executor, id=5)

    recent = (
        select(bills, BillSummary)                  # any attrs class whose fields are columns
        .where((bills.status == "introduced") & bills.tags.contains(["finance"]))
        .order_by(bills.created_at.desc(), bills.id.desc())
        .limit(20)
        .fetch_all(executor)
    )

    per_status = (
        select(bills, StatusCount, status=bills.status, n=count())
        .group_by(bills.status)
        .fetch_all(executor)
    )

A row class's fields are matched to columns by name; keyword arguments map a field to any
other column (of a joined table too) or an aggregate. ``.join(..., include=Sponsor)``
returns ``(row, Sponsor)`` pairs (``Sponsor | None`` for a left join).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

import attrs
from psycopg.rows import BaseRowFactory, RowMaker, scalar_row
from pypika import JoinType, PostgreSQLQuery

from chanuka_db.errors import NotFound, QueryError
from chanuka_db.sql.binding import bind_slots, count_binder
from chanuka_db.sql.compiler import (
    Ctx,
    Raw,
    SqlNode,
    Template,
    check_predicate,
    compile_ordering,
    compile_predicate,
    order_term,
    table_term,
)
from chanuka_db.sql.rows import built_row, field_names
from chanuka_db.sql.statement import Statement
from chanuka_db.types.base import SqlKind
from chanuka_db.types.expr import (
    And,
    ColumnRef,
    Direction,
    Nulls,
    Ordering,
    Param,
    Predicate,
    TableRef,
    info_of,
    name_of,
)

if TYPE_CHECKING:
    from chanuka_db.sql.executor import Executor

__all__ = [
    "Aggregate",
    "JoinKind",
    "RowSpec",
    "Select",
    "SortKey",
    "avg",
    "count",
    "count_distinct",
    "max_",
    "min_",
    "select",
    "select_value",
    "sum_",
]

T = TypeVar("T")
R = TypeVar("R")
J = TypeVar("J")


class JoinKind(enum.Enum):
    """How a join keeps rows."""

    INNER = "inner"
    LEFT = "left"


class Aggregate(SqlNode, Generic[T]):
    """``count(*)``, ``sum(col)``...; ``T`` is the Python type of the result."""

    __slots__ = ("column", "distinct", "template")

    def __init__(self, template: str, column: ColumnRef[Any] | None, *, distinct: bool = False):
        self.template = template
        self.column = column
        self.distinct = distinct

    def compile(self, ctx: Ctx) -> Any:
        """Add the aggregate to the key; its term when rendering."""
        ctx.key.append(self.template)
        if self.column is None:
            return Raw(self.template) if ctx.render else None
        term = ctx.column(self.column)
        return Template(self.template, c=term) if ctx.render else None

    def asc(self, nulls: Nulls | None = None) -> SortKey:
        """Sort by this aggregate, ascending."""
        return SortKey(self, Direction.ASC, nulls)

    def desc(self, nulls: Nulls | None = None) -> SortKey:
        """Sort by this aggregate, descending."""
        return SortKey(self, Direction.DESC, nulls)


class SortKey(SqlNode):
    """An ORDER BY key on an aggregate (columns use ``column.asc()``/``.desc()``)."""

    __slots__ = ("direction", "expression", "nulls")

    def __init__(self, expression: SqlNode, direction: Direction, nulls: Nulls | None) -> None:
        self.expression = expression
        self.direction = direction
        self.nulls = nulls

    def compile(self, ctx: Ctx) -> Any:
        """Add the key to ``ctx``; ``expr DIRECTION [NULLS ...]`` when rendering."""
        term = self.expression.compile(ctx)
        return order_term(term, self.direction, self.nulls, ctx)


def count(column: ColumnRef[Any] | None = None) -> Aggregate[int]:
    """``count(*)``, or ``count(column)`` (rows where it is not NULL)."""
    if column is None:
        return Aggregate("count(*)", None)
    return Aggregate("count({c})", column)


def count_distinct(column: ColumnRef[Any]) -> Aggregate[int]:
    """``count(DISTINCT column)``."""
    return Aggregate("count(DISTINCT {c})", column, distinct=True)


def sum_(column: ColumnRef[T]) -> Aggregate[T | None]:
    """``sum(column)``: int for integer columns (as bigint), else Decimal; None over no rows."""
    integer = info_of(column.table).column(column.name).kind in _INTEGER_KINDS
    return Aggregate("sum({c})::bigint" if integer else "sum({c})", column)


def avg(column: ColumnRef[Any]) -> Aggregate[Decimal | None]:
    """``avg(column)`` as a Decimal (None if no rows)."""
    return Aggregate("avg({c})", column)


def min_(column: ColumnRef[T]) -> Aggregate[T | None]:
    """``min(column)``."""
    return Aggregate("min({c})", column)


def max_(column: ColumnRef[T]) -> Aggregate[T | None]:
    """``max(column)``."""
    return Aggregate("max({c})", column)


_INTEGER_KINDS = frozenset({SqlKind.SMALLINT, SqlKind.INTEGER, SqlKind.BIGINT})
_SPEC_TOKENS: dict[tuple[Any, ...], int] = {}


@attrs.frozen(eq=False)
class RowSpec:
    """What a SELECT list holds and how rows are built from it.

    ``items`` pairs each output name with a column or aggregate; ``token`` is an interned
    number standing for the list in shape keys (equal lists, equal tokens).
    """

    items: tuple[tuple[str, ColumnRef[Any] | SqlNode], ...]
    factory: BaseRowFactory[Any]
    row_type: type | None
    token: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        ctx = Ctx()
        for name, expression in self.items:
            ctx.key.append(name)
            _select_item(expression, ctx)
        if ctx.slots:  # pragma: no cover - columns and aggregates carry no values
            raise TypeError("a SELECT list cannot carry values")
        key = (self.row_type, *ctx.key)
        object.__setattr__(self, "token", _SPEC_TOKENS.setdefault(key, len(_SPEC_TOKENS) + 1))

    @property
    def factory_class(self) -> type:
        """The row class (for joined rows, which are built from several specs)."""
        if self.row_type is None:
            raise TypeError("this select list has no row class")
        return self.row_type

    def terms(self) -> list[Any]:
        """The PyPika select terms, aliased to the output names where they differ."""
        ctx = Ctx(render=True)
        terms = []
        for name, expression in self.items:
            term = _select_item(expression, ctx)
            if not (isinstance(expression, ColumnRef) and expression.name == name):
                term = term.as_(name)
            terms.append(term)
        return terms


def _select_item(expression: object, ctx: Ctx) -> Any:
    if isinstance(expression, ColumnRef):
        return ctx.column(expression)
    if isinstance(expression, SqlNode):
        return expression.compile(ctx)
    raise TypeError(f"a selected field must be a column or an aggregate, got {expression!r}")


_ROW_SPECS: dict[tuple[str, type], RowSpec] = {}


def row_spec(table: TableRef, row_type: type, overrides: dict[str, Any]) -> RowSpec:
    """The select list that fills ``row_type``: fields by column name, or from ``overrides``."""
    key = (name_of(table), row_type)
    if not overrides and key in _ROW_SPECS:
        return _ROW_SPECS[key]
    info = info_of(table)
    remaining = dict(overrides)
    items: list[tuple[str, Any]] = []
    for name in field_names(row_type):
        if name in remaining:
            items.append((name, remaining.pop(name)))
        elif info.has_column(name):
            items.append((name, getattr(table, name)))
        else:
            raise TypeError(
                f"{row_type.__name__}.{name} is not a column of {info.name}; "
                f"map it with select(..., {name}=<column or aggregate>)"
            )
    if remaining:
        raise TypeError(f"{row_type.__name__} has no field(s) {', '.join(sorted(remaining))}")
    spec = RowSpec(tuple(items), built_row(row_type), row_type)
    if not overrides:
        _ROW_SPECS[key] = spec
    return spec


@attrs.frozen(eq=False)
class _Join:
    table: TableRef
    on: Predicate
    kind: JoinKind


def _segments_factory(specs: Sequence[RowSpec], optional: Sequence[bool]) -> BaseRowFactory[Any]:
    """Rows as nested pairs ``((a, b), c)``; a left-joined part with no match is None."""
    makers: list[tuple[Callable[..., Any], int, int, bool]] = []
    start = 0
    for spec, nullable in zip(specs, optional, strict=True):
        width = len(spec.items)
        makers.append((spec.factory_class, start, start + width, nullable))
        start += width

    def factory(_cursor: Any) -> RowMaker[Any]:
        def make(values: Sequence[Any]) -> Any:
            result: Any = None
            for index, (cls, low, high, nullable) in enumerate(makers):
                part = values[low:high]
                row = None if nullable and all(v is None for v in part) else cls(*part)
                result = row if index == 0 else (result, row)
            return result

        return make

    return factory


class Select(Statement, Generic[R]):
    """A SELECT statement producing rows of type ``R``; build it with :func:`select`."""

    __slots__ = (
        "_factory",
        "_from",
        "_group",
        "_joins",
        "_limit",
        "_lock",
        "_offset",
        "_optional",
        "_order",
        "_specs",
        "_table",
        "_where",
    )
    _fields: ClassVar[tuple[str, ...]] = __slots__
    _factory: BaseRowFactory[Any]
    _from: tuple[SqlNode, ...]
    _group: tuple[ColumnRef[Any] | SqlNode, ...]
    _joins: tuple[_Join, ...]
    _limit: int | Param | None
    _lock: tuple[str, bool, bool] | None
    _offset: int | Param | None
    _optional: tuple[bool, ...]
    _order: tuple[Any, ...]
    _specs: tuple[RowSpec, ...]
    _table: TableRef
    _where: Predicate | SqlNode | None

    # -- building ----------------------------------------------------------------------------

    def where(self, predicate: Predicate | SqlNode) -> Select[R]:
        """Keep rows where ``predicate`` holds (ANDed with earlier ``where`` calls)."""
        check_predicate(predicate)
        combined = predicate if self._where is None else And((self._where, predicate))  # type: ignore[arg-type]
        return self._evolve(_where=combined)

    @overload
    def join(
        self, table: TableRef, *, on: Predicate, kind: JoinKind = ..., include: None = None
    ) -> Select[R]: ...
    @overload
    def join(
        self,
        table: TableRef,
        *,
        on: Predicate,
        kind: Literal[JoinKind.INNER] = ...,
        include: type[J],
    ) -> Select[tuple[R, J]]: ...
    @overload
    def join(
        self, table: TableRef, *, on: Predicate, kind: Literal[JoinKind.LEFT], include: type[J]
    ) -> Select[tuple[R, J | None]]: ...

    def join(
        self,
        table: TableRef,
        *,
        on: Predicate,
        kind: JoinKind = JoinKind.INNER,
        include: type | None = None,
    ) -> Select[Any]:
        """Join ``table`` on ``on``; with ``include``, rows become ``(row, included_row)``."""
        if not isinstance(kind, JoinKind):
            raise TypeError(f"kind must be a JoinKind, got {kind!r}")
        info_of(table)
        check_predicate(on)
        joins = (*self._joins, _Join(table, on, kind))
        if include is None:
            return self._evolve(_joins=joins)
        if self._specs[0].row_type is None:
            raise TypeError("include= needs a row class on the left side too")
        specs = (*self._specs, row_spec(table, include, {}))
        optional = (*self._optional, kind is JoinKind.LEFT)
        factory = _segments_factory(specs, optional)
        return self._evolve(_joins=joins, _specs=specs, _optional=optional, _factory=factory)

    def order_by(self, *keys: Any) -> Select[R]:
        """Sort by ``keys`` (``col.asc()``, ``col.desc(Nulls.LAST)``, ``count().desc()``)."""
        for key in keys:
            if not isinstance(key, Ordering | SqlNode):
                raise TypeError(
                    f"order_by() takes orderings such as tables.bills.id.desc(), got {key!r}"
                )
        return self._evolve(_order=keys)

    def group_by(self, *columns: ColumnRef[Any] | SqlNode) -> Select[R]:
        """Group rows by ``columns`` (select aggregates for the rest)."""
        for column in columns:
            if not isinstance(column, ColumnRef | SqlNode):
                raise TypeError(f"group_by() takes columns, got {type(column).__name__}")
        return self._evolve(_group=columns)

    def limit(self, limit: int | Param | None) -> Select[R]:
        """At most ``limit`` rows (a bound parameter; ``None`` removes the limit)."""
        return self._evolve(_limit=limit)

    def offset(self, offset: int | Param | None) -> Select[R]:
        """Skip ``offset`` rows (a bound parameter)."""
        return self._evolve(_offset=offset)

    def also_from(self, *items: SqlNode) -> Select[R]:
        """More FROM items after the table (``FROM bills, websearch_to_tsquery(...) q``)."""
        return self._evolve(_from=self._from + items)

    def select_as(self, spec: RowSpec) -> Select[Any]:
        """The same FROM/WHERE/ORDER with another select list (used by search and paging)."""
        return self._evolve(_specs=(spec,), _optional=(False,), _factory=spec.factory)

    def for_update(self, *, skip_locked: bool = False, nowait: bool = False) -> Select[R]:
        """Lock the selected rows (``FOR UPDATE [SKIP LOCKED | NOWAIT]``)."""
        return self._evolve(_lock=("update", bool(skip_locked), bool(nowait)))

    # -- running -----------------------------------------------------------------------------

    def fetch_all(self, executor: Executor, /, **params: Any) -> list[R]:
        """All rows."""
        prepared = self._prepared or self.prepared()
        values = bind_slots(prepared.slots, prepared.names, params)
        return executor.fetch(prepared.compiled, values, self._factory)

    def fetch_one(self, executor: Executor, /, **params: Any) -> R:
        """Exactly one row: :class:`NotFound` if none, :class:`QueryError` if several."""
        rows = self.fetch_all(executor, **params)
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise NotFound(name_of(self._table), params or "the statement's filter")
        raise QueryError(f"expected one row from {name_of(self._table)}, got {len(rows)}")

    def fetch_optional(self, executor: Executor, /, **params: Any) -> R | None:
        """The one row, or ``None``; :class:`QueryError` if several."""
        rows = self.fetch_all(executor, **params)
        if len(rows) > 1:
            raise QueryError(
                f"expected at most one row from {name_of(self._table)}, got {len(rows)}"
            )
        return rows[0] if rows else None

    # -- derived statements ----------------------------------------------------------------

    @property
    def table(self) -> TableRef:
        """The table in FROM."""
        return self._table

    @property
    def row_type(self) -> type | None:
        """The class rows are built from (``None`` for a single value or joined pairs)."""
        return self._specs[0].row_type if len(self._specs) == 1 else None

    @property
    def orderings(self) -> tuple[Any, ...]:
        """The ORDER BY keys."""
        return self._order

    @property
    def predicate(self) -> Predicate | SqlNode | None:
        """The WHERE predicate (all ``where`` calls ANDed)."""
        return self._where

    def count_rows(self) -> Select[int]:
        """``SELECT count(*)`` over the same FROM, joins and WHERE (no order, no paging)."""
        if self._group:
            raise TypeError("count_rows() of a grouped select is not supported")
        spec = RowSpec((("count", count()),), scalar_row, None)
        counted: Select[int] = self._evolve(
            _specs=(spec,),
            _optional=(False,),
            _factory=scalar_row,
            _order=(),
            _limit=None,
            _offset=None,
            _lock=None,
        )  # type: ignore[assignment]  # the row type changes with the select list
        return counted

    # -- compiling ---------------------------------------------------------------------------

    def _walk(self, ctx: Ctx) -> Any:
        key = ctx.key
        table = name_of(self._table)
        key.append("select")
        key.append(table)
        for spec in self._specs:
            key.append(spec.token)
        query: Any = None
        if ctx.render:
            terms = [term for spec in self._specs for term in spec.terms()]
            query = PostgreSQLQuery.from_(table_term(table)).select(*terms)
        for item in self._from:
            term = item.compile(ctx)
            query = query.from_(term) if ctx.render else None
        for join in self._joins:
            key.append(join.kind)
            key.append(name_of(join.table))
            on = compile_predicate(join.on, ctx)
            if ctx.render:
                how = JoinType.left if join.kind is JoinKind.LEFT else JoinType.inner
                query = query.join(table_term(name_of(join.table)), how=how).on(on)
        return self._walk_tail(ctx, query)

    def _walk_tail(self, ctx: Ctx, query: Any) -> Any:
        key = ctx.key
        if self._where is not None:
            key.append("where")
            criterion = compile_predicate(self._where, ctx)
            query = query.where(criterion) if ctx.render else None
        if self._group:
            key.append("group")
            terms = [_select_item(column, ctx) for column in self._group]
            query = query.groupby(*terms) if ctx.render else None
        if self._order:
            key.append("order")
            terms = [compile_ordering(ordering, ctx) for ordering in self._order]
            query = query.orderby(*terms) if ctx.render else None
        if self._limit is not None:
            key.append("limit")
            term = ctx.slot(self._limit, count_binder("limit"), "limit")
            query = query.limit(term) if ctx.render else None
        if self._offset is not None:
            key.append("offset")
            term = ctx.slot(self._offset, count_binder("offset"), "offset")
            query = query.offset(term) if ctx.render else None
        if self._lock is not None:
            key.append(self._lock)
            _, skip_locked, nowait = self._lock
            query = query.for_update(skip_locked=skip_locked, nowait=nowait) if ctx.render else None
        return query


@overload
def select(table: TableRef, /) -> Select[Any]: ...
@overload
def select(table: TableRef, row_type: type[R], /, **columns: Any) -> Select[R]: ...


def select(table: TableRef, row_type: type | None = None, /, **columns: Any) -> Select[Any]:
    """SELECT from ``table`` into ``row_type`` (default: the table's row class).

    Fields of ``row_type`` are filled from the columns of the same name; ``columns`` maps
    other fields to any column (of a joined table too) or an aggregate.
    """
    info = info_of(table)
    return _select(table, row_spec(table, row_type or info.row_type, columns))


def select_value(table: TableRef, expression: ColumnRef[T] | Aggregate[T]) -> Select[T]:
    """SELECT one column or aggregate; rows are plain values (``fetch_one`` gives the value)."""
    info_of(table)
    return _select(table, RowSpec((("value", expression),), scalar_row, None))


def _select(table: TableRef, spec: RowSpec) -> Select[Any]:
    return Select._new(
        _table=table,
        _specs=(spec,),
        _optional=(False,),
        _factory=spec.factory,
        _joins=(),
        _from=(),
        _where=None,
        _order=(),
        _group=(),
        _limit=None,
        _offset=None,
        _lock=None,
    )
