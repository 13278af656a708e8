"""Conversions between Python values and PostgreSQL: row factories for attrs rows, and dumping."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from psycopg.rows import BaseRowFactory, RowMaker
from psycopg.types.json import Jsonb

from chanuka_db.errors import QueryError
from chanuka_db.types.base import ColumnInfo, SqlKind

if TYPE_CHECKING:
    from psycopg._cursor_base import BaseCursor

__all__ = ["attrs_row", "built_row", "dump", "field_names"]

T = TypeVar("T")


@functools.cache
def field_names(cls: type) -> tuple[str, ...]:
    """The attrs field names of ``cls`` in constructor order (cached per class)."""
    return tuple(f.name for f in attrs.fields(cls))


@functools.cache
def attrs_row(cls: type[T]) -> BaseRowFactory[T]:
    """A psycopg row factory building ``cls`` positionally from each row, no dict in between.

    The statement must select exactly the class's fields in order (the query layer builds
    the select list from the class, so it does); a mismatch is reported once per cursor as
    a :class:`QueryError` naming both lists, never a silently shifted row. One factory per
    class (cached), so an executor reuses its cursor for trusted SQL returning ``cls`` too.
    """
    expected = field_names(cls)  # type: ignore[arg-type]  # classes are hashable

    def factory(cursor: BaseCursor[Any, Any]) -> RowMaker[T]:
        description = cursor.description
        if description is not None:
            names = tuple(column.name for column in description)
            if names != expected:
                raise QueryError(f"columns {names} do not match {cls.__name__} fields {expected}")

        def make(values: Sequence[Any]) -> T:
            return cls(*values)

        return make

    return factory


@functools.cache
def built_row(cls: type[T]) -> BaseRowFactory[T]:
    """Like :func:`attrs_row` without the column-name check, for SQL built from ``cls``.

    The query layer renders the select list from the class's fields, so the check can
    only ever pass; skipping it saves building ``cursor.description`` on every execute.
    One factory per class (cached), so executors can keep one cursor per factory.
    """

    def factory(_cursor: BaseCursor[Any, Any]) -> RowMaker[T]:
        return lambda values: cls(*values)

    return factory


def dump(column: ColumnInfo, value: Any) -> Any:
    """The parameter psycopg should bind for ``value`` in ``column``.

    Only jsonb needs help: psycopg has no default dumper for dicts, and a Python list would
    otherwise become a PostgreSQL array. Everything else keeps its Python type.
    """
    if column.kind is SqlKind.JSONB and value is not None:
        return Jsonb(value)
    return value
