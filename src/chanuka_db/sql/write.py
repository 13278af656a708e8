"""INSERT, UPDATE, DELETE and upsert from the generated New*/Patch inputs.

::

    from chanuka_db.sql import assign, delete, excluded, insert, update, upsert

    bill = insert(bills).values(NewBill(title="Finance Bill")).returning(Bill).fetch_one(ex)
    insert(bills).values(*many).execute(ex)                 # one multi-row statement

    update(bills).set(BillPatch(status="passed")).where(bills.id == bill.id).execute(ex)
    update(bills).set(assign(bills.view_count, bills.view_count + 1)).where(...).execute(ex)
    delete(bills).where(bills.id == bill.id).execute(ex)
    update(bills).set(patch).where_all().execute(ex)        # every row: only on purpose

    e = tables.bill_engagement
    upsert(e, NewBillEngagement(...), on=(e.bill_id, e.user_id),
           update=[assign(e.view_count, e.view_count + excluded(e.view_count))])

    # re-ingesting identical data touches nothing (and RETURNING leaves those rows out)
    insert(bills).values(*news).on_conflict(bills.bill_number).do_update(
        excluded(bills.title), where=excluded_differs(bills.title))

UNSET fields of an insert are left out, so the column default applies; a multi-row insert
writes ``DEFAULT`` where a row leaves a column UNSET that another row sets. An UPDATE or
DELETE without ``where()`` is refused unless ``where_all()`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, overload

from pypika import PostgreSQLQuery

from chanuka_db.errors import InvalidInput, NotFound, QueryError
from chanuka_db.sql.binding import dump_binder, store_binder
from chanuka_db.sql.compiler import (
    Ctx,
    Raw,
    SqlNode,
    Template,
    check_predicate,
    compile_operand,
    compile_predicate,
    table_term,
)
from chanuka_db.sql.compiler import field as field_term
from chanuka_db.sql.select import RowSpec, row_spec
from chanuka_db.sql.statement import Statement
from chanuka_db.types.base import TableInfo
from chanuka_db.types.expr import (
    And,
    Arithmetic,
    ArithOp,
    ColumnRef,
    Predicate,
    TableRef,
    info_of,
    name_of,
)
from chanuka_db.types.models import Insert as NewRow
from chanuka_db.types.models import Patch

if TYPE_CHECKING:
    from chanuka_db.sql.executor import Executor

__all__ = [
    "NOW",
    "Assignment",
    "Delete",
    "Excluded",
    "Insert",
    "Update",
    "assign",
    "delete",
    "excluded",
    "excluded_differs",
    "insert",
    "update",
    "upsert",
]

R = TypeVar("R")
T = TypeVar("T")


class Excluded(SqlNode):
    """``EXCLUDED.column``: the value an ON CONFLICT DO UPDATE would have inserted."""

    __slots__ = ("column",)

    def __init__(self, column: ColumnRef[Any]) -> None:
        if not isinstance(column, ColumnRef):
            raise TypeError(f"excluded() takes a column, got {type(column).__name__}")
        self.column = column

    def compile(self, ctx: Ctx) -> Any:
        """Add ``EXCLUDED.col`` to the key; the term when rendering."""
        ctx.key.append("excluded")
        ctx.key.append(self.column.name)
        return Raw(f'EXCLUDED."{self.column.name}"') if ctx.render else None

    def __add__(self, other: object) -> Arithmetic:
        return Arithmetic(self, ArithOp.ADD, other)

    def __sub__(self, other: object) -> Arithmetic:
        return Arithmetic(self, ArithOp.SUB, other)


class _Now(SqlNode):
    __slots__ = ()

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("now()")
        return Raw("now()") if ctx.render else None


NOW = _Now()
"""``now()``, the transaction's timestamp: ``assign(bills.updated_at, NOW)``."""


def excluded(column: ColumnRef[Any]) -> Excluded:
    """``EXCLUDED.column``; alone in ``do_update()`` it means ``column = EXCLUDED.column``."""
    return Excluded(column)


class _DiffersFromExcluded(SqlNode):
    """``("t"."a","t"."b") IS DISTINCT FROM (EXCLUDED."a",EXCLUDED."b")``."""

    __slots__ = ("columns",)

    def __init__(self, columns: tuple[ColumnRef[Any], ...]) -> None:
        self.columns = columns

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("differs")
        terms = [ctx.column(column) for column in self.columns]
        news = [Excluded(column).compile(ctx) for column in self.columns]
        if not ctx.render:
            return None
        names = {f"t{i}": term for i, term in enumerate(terms)}
        names.update({f"e{i}": term for i, term in enumerate(news)})
        left = ",".join(f"{{t{i}}}" for i in range(len(terms)))
        right = ",".join(f"{{e{i}}}" for i in range(len(news)))
        return Template(f"ROW({left}) IS DISTINCT FROM ROW({right})", **names)


def excluded_differs(*columns: ColumnRef[Any]) -> SqlNode:
    """For ``do_update(where=...)``: the stored row differs from the new one in ``columns``.

    NULLs compare as values (``IS DISTINCT FROM``), so an upsert that would write what is
    already there updates nothing: no ``updated_at`` bump, no trigger, no RETURNING row.
    """
    if not columns:
        raise TypeError("excluded_differs() needs at least one column")
    for column in columns:
        if not isinstance(column, ColumnRef):
            raise TypeError(f"excluded_differs() takes columns, got {type(column).__name__}")
    return _DiffersFromExcluded(tuple(columns))


class Assignment:
    """``column = value`` in SET: a value, a :class:`Param`, a column or an expression.

    ``checked`` marks a value taken from a Patch, which validated it when it was made.
    """

    __slots__ = ("checked", "column", "value")

    def __init__(self, column: ColumnRef[Any], value: Any, *, checked: bool = False) -> None:
        if not isinstance(column, ColumnRef):
            raise TypeError(f"assign() takes a column first, got {type(column).__name__}")
        self.column = column
        self.value = value
        self.checked = checked


def assign(column: ColumnRef[Any], value: Any) -> Assignment:
    """``SET column = value`` (``bills.view_count + 1``, ``excluded(col)``, ``NOW``...)."""
    return Assignment(column, value)


_COLUMN_ORDER: dict[str, tuple[str, ...]] = {}


def _column_order(table: TableRef) -> tuple[str, ...]:
    """The table's column names in table order (cached: inserts need it on every call)."""
    name = name_of(table)
    order = _COLUMN_ORDER.get(name)
    if order is None:
        order = _COLUMN_ORDER[name] = info_of(table).column_names
    return order


def _check_table(table: TableRef, value: object, kind: type) -> TableInfo:
    info = info_of(table)
    if not isinstance(value, kind) or getattr(value, "__table__", None) != info.name:
        expected = info.new_type if kind is NewRow else info.patch_type
        raise TypeError(f"expected {expected.__name__} for {info.name}, got {type(value).__name__}")
    return info


def _assignments(table: TableRef, items: Sequence[Any]) -> tuple[Assignment, ...]:
    """Patches, ``excluded(col)`` and ``assign(col, value)`` as one list of assignments."""
    result: list[Assignment] = []
    for item in items:
        if isinstance(item, Patch):
            _check_table(table, item, Patch)
            result.extend(
                Assignment(getattr(table, k), v, checked=True) for k, v in item.changes().items()
            )
        elif isinstance(item, Excluded):
            result.append(Assignment(item.column, item))
        elif isinstance(item, Assignment):
            result.append(item)
        else:
            raise TypeError(
                f"expected a Patch, assign(...) or excluded(...), got {type(item).__name__}"
            )
    for assignment in result:
        if name_of(assignment.column.table) != name_of(table):
            raise TypeError(f"{assignment.column!r} is not a column of {name_of(table)}")
    return tuple(result)


def _compile_assignments(assignments: tuple[Assignment, ...], ctx: Ctx) -> list[tuple[Any, Any]]:
    pairs = []
    for assignment in assignments:
        info = assignment.column.info
        ctx.key.append(info.name)
        binder = dump_binder(info) if assignment.checked else store_binder(info)
        term = compile_operand(assignment.value, info, ctx, binder)
        if ctx.render:
            pairs.append((field_term(name_of(assignment.column.table), info.name), term))
    return pairs


class _Returning(Statement, Generic[R]):
    """Shared by INSERT/UPDATE/DELETE: RETURNING rows, or just a count of touched rows."""

    __slots__ = ()

    def _returning_terms(self, ctx: Ctx, query: Any) -> Any:
        spec: RowSpec | None = self._returning  # type: ignore[attr-defined]
        if spec is None:
            return query
        ctx.key.append("returning")
        ctx.key.append(spec.token)
        return query.returning(*spec.terms()) if ctx.render else None

    def execute(self, executor: Executor, /, **params: Any) -> int:
        """Run it; the number of rows inserted, updated or deleted."""
        prepared, values = self._bind_checked(params)
        return executor.run(prepared.compiled, values)

    def fetch_all(self, executor: Executor, /, **params: Any) -> list[R]:
        """Run it and return the RETURNING rows."""
        spec = self._returning  # type: ignore[attr-defined]
        if spec is None:
            raise TypeError("fetch_*() needs .returning(...); use execute() for a count")
        prepared, values = self._bind_checked(params)
        return executor.fetch(prepared.compiled, values, spec.factory)

    def fetch_one(self, executor: Executor, /, **params: Any) -> R:
        """Run it and return the one RETURNING row (:class:`NotFound` if it touched none)."""
        rows = self.fetch_all(executor, **params)
        if not rows:
            raise NotFound(name_of(self._table), params or "the statement's filter")  # type: ignore[attr-defined]
        if len(rows) > 1:
            raise QueryError(f"expected one row, the statement returned {len(rows)}")
        return rows[0]

    def fetch_optional(self, executor: Executor, /, **params: Any) -> R | None:
        """The one RETURNING row, or ``None`` (an insert that DO NOTHING skipped)."""
        rows = self.fetch_all(executor, **params)
        if len(rows) > 1:
            raise QueryError(f"expected at most one row, the statement returned {len(rows)}")
        return rows[0] if rows else None

    def _bind_checked(self, params: dict[str, Any]) -> Any:
        return self.bind(params)


def _returning_spec(table: TableRef, row_type: type | None) -> RowSpec:
    return row_spec(table, row_type or info_of(table).row_type, {})


# -- INSERT ---------------------------------------------------------------------------------


class Insert(_Returning[R]):
    """INSERT of New* rows; build it with :func:`insert`."""

    __slots__ = ("_columns", "_conflict", "_returning", "_rows", "_table")
    _fields: ClassVar[tuple[str, ...]] = __slots__
    _columns: tuple[str, ...]
    _conflict: tuple[tuple[ColumnRef[Any], ...], tuple[Assignment, ...] | None, Any] | None
    _returning: RowSpec | None
    _rows: tuple[dict[str, Any], ...]
    _table: TableRef

    def values(self, *rows: NewRow) -> Insert[R]:
        """The rows to insert (New* instances of this table); UNSET fields are left out."""
        if not rows:
            raise InvalidInput("values", "an insert needs at least one row")
        changes = []
        for row in rows:
            _check_table(self._table, row, NewRow)
            changes.append(row.changes())
        present = {name for change in changes for name in change}
        columns = tuple(name for name in _column_order(self._table) if name in present)
        return self._evolve(_columns=columns, _rows=tuple(changes))

    @overload
    def returning(self) -> Insert[Any]: ...
    @overload
    def returning(self, row_type: type[T]) -> Insert[T]: ...

    def returning(self, row_type: type | None = None) -> Insert[Any]:
        """Return the inserted rows as ``row_type`` (default: the table's row class)."""
        return self._evolve(_returning=_returning_spec(self._table, row_type))

    def on_conflict(self, *columns: ColumnRef[Any]) -> OnConflict[R]:
        """``ON CONFLICT (columns)``: follow with ``do_nothing()`` or ``do_update(...)``."""
        for column in columns:
            if not isinstance(column, ColumnRef) or name_of(column.table) != name_of(self._table):
                raise TypeError(
                    f"conflict target {column!r} is not a column of {name_of(self._table)}"
                )
        return OnConflict(self, tuple(columns))

    def _walk(self, ctx: Ctx) -> Any:
        if not self._rows:
            raise TypeError("insert() needs .values(...)")
        table = name_of(self._table)
        info = info_of(self._table)
        ctx.key.extend(("insert", table, self._columns))
        query: Any = PostgreSQLQuery.into(table_term(table)) if ctx.render else None
        columns = self._columns or info.primary_key[:1]
        if ctx.render:
            query = query.columns(*[field_term(table, name) for name in columns])
        for row in self._rows:
            ctx.key.append(tuple(name in row for name in columns))
            terms = [self._value(info, name, row, ctx) for name in columns]
            query = query.insert(*terms) if ctx.render else None
        query = self._conflict_terms(ctx, query)
        return self._returning_terms(ctx, query)

    @staticmethod
    def _value(info: TableInfo, name: str, row: dict[str, Any], ctx: Ctx) -> Any:
        if name not in row:
            return Raw("DEFAULT") if ctx.render else None
        column = info.column(name)
        return ctx.slot(row[name], dump_binder(column), column.name)

    def _conflict_terms(self, ctx: Ctx, query: Any) -> Any:
        conflict = self._conflict
        if conflict is None:
            return query
        targets, assignments, where = conflict
        ctx.key.append("conflict")
        ctx.key.append(tuple(column.name for column in targets))
        if ctx.render:
            query = query.on_conflict(*[field_term(name_of(c.table), c.name) for c in targets])
        if assignments is None:
            ctx.key.append("nothing")
            return query.do_nothing() if ctx.render else None
        for column, term in _compile_assignments(assignments, ctx):
            query = query.do_update(column, term)
        if where is not None:
            ctx.key.append("where")
            criterion = compile_predicate(where, ctx)
            query = query.where(criterion) if ctx.render else None
        return query


class OnConflict(Generic[R]):
    """The ``ON CONFLICT (...)`` step of an insert: choose what happens on a conflict."""

    __slots__ = ("_insert", "_targets")

    def __init__(self, insert: Insert[R], targets: tuple[ColumnRef[Any], ...]) -> None:
        self._insert = insert
        self._targets = targets

    def do_nothing(self) -> Insert[R]:
        """Skip rows that conflict (``RETURNING`` then leaves them out)."""
        return self._insert._evolve(_conflict=(self._targets, None, None))

    def do_update(self, *assignments: Any, where: Predicate | SqlNode | None = None) -> Insert[R]:
        """Update the existing row instead.

        ``assignments`` are Patches, ``assign(col, expr)`` and ``excluded(col)``; with none,
        every inserted column except the conflict target takes its EXCLUDED value.
        """
        insert = self._insert
        table = insert._table
        if not assignments:
            targets = {column.name for column in self._targets}
            assignments = tuple(
                excluded(getattr(table, name)) for name in insert._columns if name not in targets
            )
            if not assignments:
                raise InvalidInput("do_update", "no inserted column is left to update")
        if where is not None:
            check_predicate(where)
        resolved = _assignments(table, assignments)
        return insert._evolve(_conflict=(self._targets, resolved, where))


@overload
def insert(table: TableRef) -> Insert[Any]: ...
@overload
def insert(table: TableRef, row_type: type[R]) -> Insert[R]: ...


def insert(table: TableRef, row_type: type | None = None) -> Insert[Any]:
    """INSERT INTO ``table``; add ``.values(...)`` (``row_type`` is for ``returning()``)."""
    info_of(table)
    statement: Insert[Any] = Insert._new(
        _table=table, _columns=(), _rows=(), _conflict=None, _returning=None
    )
    return statement.returning(row_type) if row_type is not None else statement


def upsert(
    table: TableRef,
    *rows: NewRow,
    on: Sequence[ColumnRef[Any]],
    update: Sequence[Any] = (),
) -> Insert[Any]:
    """INSERT ... ON CONFLICT (``on``) DO UPDATE ... RETURNING the row.

    ``update`` as in :meth:`OnConflict.do_update` (default: every inserted column that is
    not part of ``on`` takes the new value).
    """
    statement = insert(table).values(*rows).on_conflict(*on).do_update(*update)
    return statement.returning()


# -- UPDATE and DELETE ----------------------------------------------------------------------

_ALL_ROWS = "all rows"


def _where(current: Any, predicate: Predicate) -> Any:
    check_predicate(predicate)
    if current is None or current is _ALL_ROWS:
        return predicate
    return And((current, predicate))


def _walk_where(where: Any, kind: str, table: str, ctx: Ctx, query: Any) -> Any:
    if where is None:
        raise QueryError(
            f"{kind} {table} without where(): add a filter, or call where_all() to "
            f"{kind.lower()} every row on purpose"
        )
    if where is _ALL_ROWS:
        ctx.key.append(_ALL_ROWS)
        return query
    ctx.key.append("where")
    criterion = compile_predicate(where, ctx)
    return query.where(criterion) if ctx.render else None


class _Filtered(_Returning[R]):
    """UPDATE and DELETE: a WHERE is required, or ``where_all()`` on purpose."""

    __slots__ = ()
    _where: Any

    def where(self, predicate: Predicate) -> Self:
        """Only the rows where ``predicate`` holds (ANDed with earlier calls)."""
        return self._evolve(_where=_where(self._where, predicate))

    def where_all(self) -> Self:
        """Every row of the table: an explicit choice, never a forgotten filter."""
        return self._evolve(_where=_ALL_ROWS)


class Update(_Filtered[R]):
    """UPDATE of one table; build it with :func:`update`."""

    __slots__ = ("_assignments", "_returning", "_table", "_where")
    _fields: ClassVar[tuple[str, ...]] = __slots__
    _assignments: tuple[Assignment, ...]
    _returning: RowSpec | None
    _table: TableRef
    _where: Any

    def set(self, *assignments: Any) -> Update[R]:
        """What to change: Patches (UNSET fields untouched) and ``assign(col, expr)``."""
        resolved = _assignments(self._table, assignments)
        if not resolved:
            raise InvalidInput("patch", "changes nothing (every field is UNSET)")
        return self._evolve(_assignments=self._assignments + resolved)

    @overload
    def returning(self) -> Update[Any]: ...
    @overload
    def returning(self, row_type: type[T]) -> Update[T]: ...

    def returning(self, row_type: type | None = None) -> Update[Any]:
        """Return the updated rows as ``row_type`` (default: the table's row class)."""
        return self._evolve(_returning=_returning_spec(self._table, row_type))

    def _walk(self, ctx: Ctx) -> Any:
        table = name_of(self._table)
        if not self._assignments:
            raise InvalidInput("patch", "an update needs set(...) with at least one change")
        ctx.key.extend(("update", table))
        query: Any = PostgreSQLQuery.update(table_term(table)) if ctx.render else None
        for column, term in _compile_assignments(self._assignments, ctx):
            query = query.set(column, term)
        query = _walk_where(self._where, "UPDATE", table, ctx, query)
        return self._returning_terms(ctx, query)


def update(table: TableRef) -> Update[Any]:
    """UPDATE ``table``: add ``.set(...)`` and ``.where(...)`` (or ``.where_all()``)."""
    info_of(table)
    return Update._new(_table=table, _assignments=(), _where=None, _returning=None)


class Delete(_Filtered[R]):
    """DELETE from one table; build it with :func:`delete`."""

    __slots__ = ("_returning", "_table", "_where")
    _fields: ClassVar[tuple[str, ...]] = __slots__
    _returning: RowSpec | None
    _table: TableRef
    _where: Any

    @overload
    def returning(self) -> Delete[Any]: ...
    @overload
    def returning(self, row_type: type[T]) -> Delete[T]: ...

    def returning(self, row_type: type | None = None) -> Delete[Any]:
        """Return the deleted rows as ``row_type``."""
        return self._evolve(_returning=_returning_spec(self._table, row_type))

    def _walk(self, ctx: Ctx) -> Any:
        table = name_of(self._table)
        ctx.key.extend(("delete", table))
        query: Any = PostgreSQLQuery.from_(table_term(table)).delete() if ctx.render else None
        query = _walk_where(self._where, "DELETE", table, ctx, query)
        return self._returning_terms(ctx, query)


def delete(table: TableRef) -> Delete[Any]:
    """DELETE FROM ``table``: add ``.where(...)`` (or ``.where_all()``)."""
    info_of(table)
    return Delete._new(_table=table, _where=None, _returning=None)
