"""The repository base: the operations every table has, run through a unit of work or the pool.

A repository never opens a connection: it asks its :class:`Runner` for an executor.
Inside a unit of work that is the transaction's executor (and a SAVEPOINT for operations
of several statements, so a failure leaves nothing half-written even when the caller
handles the error); on a plain ``Database`` each call borrows a connection.

Every generic operation is one statement (``add_many``: one per batch, all in one
transaction) built once per repository class and bound to new values on each call.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Protocol, TypeVar, cast

import attrs

from chanuka_db.errors import InvalidInput, NotFound
from chanuka_db.repositories.arguments import check_collection, check_instance, check_int
from chanuka_db.sql import (
    NOW,
    Filters,
    Page,
    assign,
    delete,
    insert,
    ordering_of,
    paginate,
    select,
    select_value,
    update,
)
from chanuka_db.sql import count as count_
from chanuka_db.sql.rows import dump
from chanuka_db.types import UNSET, Param
from chanuka_db.types.base import SqlKind, TableInfo
from chanuka_db.types.expr import ColumnRef, Ordering, TableRef, column_of, info_of
from chanuka_db.types.models import Insert, Patch

if TYPE_CHECKING:
    from chanuka_db.sql import Executor

__all__ = [
    "SECRET_COLUMNS",
    "Found",
    "Runner",
    "TableRepository",
    "column_arrays",
    "parse_sort",
]

RowT = TypeVar("RowT")
NewT = TypeVar("NewT", bound=Insert)
PatchT = TypeVar("PatchT", bound=Patch)
K = TypeVar("K")

# Columns that hold credentials: never filterable or sortable from a request.
SECRET_COLUMNS: Final = frozenset(
    {"password_hash", "token_hash", "token", "refresh_token", "access_token"}
)
ADD_MANY_BATCH: Final = 500
_FILTER_OPS_BY_KIND: Final = {
    SqlKind.TEXT: ("eq", "ne", "in", "ilike"),
    SqlKind.VARCHAR: ("eq", "ne", "in", "ilike"),
    SqlKind.TEXT_ARRAY: ("contains",),
    SqlKind.BOOLEAN: ("eq",),
    SqlKind.JSONB: (),
    SqlKind.TSVECTOR: (),
    SqlKind.INET: ("eq",),
}
_RANGE_OPS: Final = ("eq", "ne", "in", "lt", "le", "gt", "ge", "between")


class Runner(Protocol):
    """Where a repository's statements run."""

    def reading(self) -> contextlib.AbstractContextManager[Executor]:
        """An executor for one statement (or reads that need no atomicity)."""
        ...

    def atomic(self) -> contextlib.AbstractContextManager[Executor]:
        """An executor inside an all-or-nothing block (a transaction or a savepoint)."""
        ...


@attrs.frozen
class Found(Generic[RowT, K]):
    """The result of ``get_many``: rows in the order asked for, and the keys not found."""

    rows: list[RowT]
    missing: list[K]


def parse_sort(
    table: TableRef, sort: object, *, allowed: Iterable[str] | None = None
) -> tuple[Ordering, ...]:
    """Sort keys from a request: ``"-created_at"``, ``["status", "-id"]`` or ``[("id", "desc")]``.

    Each field is checked against the registry and ``allowed``; a direction is ``asc`` or
    ``desc`` (a leading ``-`` means desc). Anything else raises :class:`InvalidInput`.
    """
    if sort is None:
        return ()
    items = [sort] if isinstance(sort, str | tuple) else sort
    if not isinstance(items, list):
        raise InvalidInput("sort", f"expected a field name or a list, got {type(sort).__name__}")
    if len(items) > 8:
        raise InvalidInput("sort", "at most 8 sort keys")
    keys = []
    for item in items:
        field, direction = _sort_item(item)
        keys.append(ordering_of(table, field, direction, allowed=allowed))
    return tuple(keys)


def _sort_item(item: object) -> tuple[object, object]:
    if isinstance(item, str):
        return (item[1:], "desc") if item.startswith("-") else (item, "asc")
    if isinstance(item, tuple) and len(item) == 2:
        return item[0], item[1]
    raise InvalidInput("sort", f"{item!r} is not a field or a (field, direction) pair")


def column_arrays(
    table: TableRef, rows: Sequence[Insert], names: Sequence[str]
) -> dict[str, list[Any]]:
    """For each column in ``names``, its values across ``rows`` (UNSET as NULL, JSON dumped).

    The parameters of a batch insert written as ``INSERT ... SELECT ... FROM unnest(...)``:
    one statement, and one statement text, whatever the batch size.
    """
    info = info_of(table)
    arrays: dict[str, list[Any]] = {}
    for name in names:
        column = info.column(name)
        arrays[name] = [
            None if (value := getattr(row, name)) is UNSET else dump(column, value) for row in rows
        ]
    return arrays


@attrs.frozen
class _Statements:
    """The generic statements of one repository class, built once."""

    by_id: Any
    by_ids: Any
    delete_by_id: Any


_STATEMENTS: dict[type, _Statements] = {}


class TableRepository(Generic[RowT, NewT, PatchT]):
    """Generic operations on one table: get, get_many, add, add_many, update, delete, list, count.

    Subclasses set ``table`` (a typed table from ``chanuka_db.types.tables``) and may
    narrow ``sortable``/``filterable`` (what a request may sort and filter by; by default
    every non-secret column, with operators that suit its type) and ``default_sort``.
    Domain operations are methods of the subclasses.
    """

    table: ClassVar[TableRef]
    sortable: ClassVar[frozenset[str] | None] = None
    filterable: ClassVar[Mapping[str, Iterable[str]] | None] = None
    default_sort: ClassVar[tuple[Ordering, ...] | None] = None

    __slots__ = ("_runner",)

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    # -- metadata --------------------------------------------------------------------------

    @classmethod
    def info(cls) -> TableInfo:
        """The table's registry entry."""
        return info_of(cls.table)

    @classmethod
    def row_type(cls) -> type[RowT]:
        """The full row class of the table."""
        return cast("type[RowT]", cls.info().row_type)

    @classmethod
    def key(cls) -> ColumnRef[Any]:
        """The primary-key column (every table here has a single-column key)."""
        (name,) = cls.info().primary_key
        return column_of(cls.table, name)

    @classmethod
    def _statements(cls) -> _Statements:
        statements = _STATEMENTS.get(cls)
        if statements is None:
            key, row = cls.key(), cls.row_type()
            statements = _STATEMENTS[cls] = _Statements(
                by_id=select(cls.table, row).where(key == Param("key")),
                by_ids=select(cls.table, row).where(key.in_(Param("keys"))),
                delete_by_id=delete(cls.table).where(key == Param("key")),
            )
        return statements

    # -- reads -----------------------------------------------------------------------------

    def find(self, key: Any) -> RowT | None:
        """The row with primary key ``key``, or ``None``."""
        with self._runner.reading() as ex:
            return cast("RowT | None", self._statements().by_id.fetch_optional(ex, key=key))

    def get(self, key: Any) -> RowT:
        """The row with primary key ``key``; :class:`NotFound` when there is none."""
        row = self.find(key)
        if row is None:
            raise NotFound(self.info().name, key)
        return row

    def get_many(self, keys: Iterable[K]) -> Found[RowT, K]:
        """Rows for ``keys`` in one statement, in the order asked (duplicates once).

        Keys with no row are reported in ``missing``, in the order asked.
        """
        wanted = list(dict.fromkeys(check_collection("keys", keys)))
        if not wanted:
            return Found([], [])
        with self._runner.reading() as ex:
            rows = self._statements().by_ids.fetch_all(ex, keys=wanted)
        name = self.key().name
        by_key = {getattr(row, name): row for row in rows}
        return Found(
            [by_key[k] for k in wanted if k in by_key], [k for k in wanted if k not in by_key]
        )

    def list(
        self,
        filters: Mapping[str, Any] | None = None,
        sort: object = None,
        *,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[RowT]:
        """One page of rows matching ``filters``, sorted by ``sort``, with the total."""
        statement = self._filtered(filters).order_by(*self._sort_keys(sort))
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size)

    def count(self, filters: Mapping[str, Any] | None = None) -> int:
        """How many rows match ``filters``."""
        statement = select_value(self.table, count_())
        predicate = self._filters().parse(filters or {})
        if predicate is not None:
            statement = statement.where(predicate)
        with self._runner.reading() as ex:
            return statement.fetch_one(ex)

    def _filtered(self, filters: Mapping[str, Any] | None) -> Any:
        statement = select(self.table, self.row_type())
        predicate = self._filters().parse(filters or {})
        return statement if predicate is None else statement.where(predicate)

    @classmethod
    def _filters(cls) -> Filters:
        allowed = cls.filterable
        if allowed is None:
            allowed = {
                c.name: _FILTER_OPS_BY_KIND.get(c.kind, _RANGE_OPS)
                for c in cls.info().columns
                if c.name not in SECRET_COLUMNS and _FILTER_OPS_BY_KIND.get(c.kind, _RANGE_OPS)
            }
        return Filters(cls.table, allowed)

    @classmethod
    def _sort_keys(cls, sort: object) -> tuple[Ordering, ...]:
        allowed = cls.sortable
        if allowed is None:
            allowed = frozenset(
                c.name
                for c in cls.info().columns
                if c.name not in SECRET_COLUMNS
                and c.kind not in (SqlKind.JSONB, SqlKind.TSVECTOR, SqlKind.TEXT_ARRAY)
            )
        keys = parse_sort(cls.table, sort, allowed=allowed) or cls.default_sort or ()
        key = cls.key()
        if not any(k.column.same_as(key) for k in keys):
            keys = (*keys, key.asc())  # a unique last key: pages never overlap
        return keys

    # -- writes ----------------------------------------------------------------------------

    def _check_input(self, value: object, kind: type, what: str) -> None:
        check_instance(
            what, value, self.info().new_type if kind is Insert else self.info().patch_type
        )

    def add(self, new: NewT) -> RowT:
        """Insert one row; the stored row (defaults filled in) comes back."""
        self._check_input(new, Insert, "new")
        with self._runner.reading() as ex:
            return insert(self.table, self.row_type()).values(new).fetch_one(ex)

    def add_many(
        self, news: Iterable[NewT], *, batch_size: int = ADD_MANY_BATCH
    ) -> builtins.list[RowT]:
        """Insert many rows: one multi-row INSERT per batch, all in one transaction."""
        items = check_collection("news", news)
        for index, new in enumerate(items):
            self._check_input(new, Insert, f"news[{index}]")
        check_int("batch_size", batch_size, low=1, high=5000)
        rows: builtins.list[RowT] = []
        with self._runner.atomic() as ex:
            for start in range(0, len(items), batch_size):
                batch = items[start : start + batch_size]
                rows += insert(self.table, self.row_type()).values(*batch).fetch_all(ex)
        return rows

    def update(self, key: Any, patch: PatchT) -> RowT:
        """Apply ``patch`` to the row ``key``; the updated row comes back.

        ``updated_at`` (where the table has one) is set to now() unless the patch sets it.
        Raises :class:`NotFound` when the row does not exist and :class:`InvalidInput`
        for an empty patch.
        """
        self._check_input(patch, Patch, "patch")
        changes = patch.changes()
        if not changes:
            raise InvalidInput("patch", "sets no column: nothing to update")
        assignments: list[Any] = [patch]
        if self.info().has_column("updated_at") and "updated_at" not in changes:
            assignments.append(assign(column_of(self.table, "updated_at"), NOW))
        statement = (
            update(self.table)
            .set(*assignments)
            .where(self.key() == Param("key"))
            .returning(self.row_type())
        )
        with self._runner.reading() as ex:
            row = statement.fetch_optional(ex, key=key)
        if row is None:
            raise NotFound(self.info().name, key)
        return row

    def delete(self, key: Any) -> None:
        """Delete the row ``key``; :class:`NotFound` when there is none."""
        with self._runner.reading() as ex:
            deleted = self._statements().delete_by_id.execute(ex, key=key)
        if not deleted:
            raise NotFound(self.info().name, key)
