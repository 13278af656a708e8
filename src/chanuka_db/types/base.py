"""Runtime support for the generated row types: UNSET, column and table metadata, the registry."""

from __future__ import annotations

import datetime as dt
import enum
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Any, Final, TypeAlias

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.types.expr import TableRef, attach

__all__ = [
    "UNSET",
    "ColumnInfo",
    "InetValue",
    "JsonValue",
    "Registry",
    "SqlKind",
    "TableInfo",
    "Unset",
]


class Unset(enum.Enum):
    """Type of :data:`UNSET`: "leave this column alone", distinct from ``None`` (SQL NULL)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET
"""An omitted insert column (the database default applies) or an untouched patch column."""

JsonValue: TypeAlias = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None
InetValue: TypeAlias = IPv4Address | IPv6Address | IPv4Interface | IPv6Interface

INT4_RANGE: Final = (-(2**31), 2**31 - 1)
INT8_RANGE: Final = (-(2**63), 2**63 - 1)
INT2_RANGE: Final = (-(2**15), 2**15 - 1)


class SqlKind(enum.StrEnum):
    """The column types this schema uses, each with one Python type and one edge check."""

    SMALLINT = "smallint"
    INTEGER = "integer"
    BIGINT = "bigint"
    TEXT = "text"
    VARCHAR = "varchar"
    UUID = "uuid"
    TIMESTAMP = "timestamp"
    TIMESTAMPTZ = "timestamptz"
    DATE = "date"
    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    JSONB = "jsonb"
    TEXT_ARRAY = "text[]"
    INET = "inet"
    TSVECTOR = "tsvector"


def _fail(field: str, reason: str) -> InvalidInput:
    return InvalidInput(field, reason)


def _type_name(value: object) -> str:
    return type(value).__name__


def _check_string(where: str, value: str) -> None:
    """PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate."""
    if "\x00" in value:
        raise _fail(where, "contains a NUL character (\\x00), which PostgreSQL rejects")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail(where, "is not valid UTF-8 (it holds a lone surrogate)") from None


def _check_text(column: ColumnInfo, value: object) -> None:
    if not isinstance(value, str):
        raise _fail(column.name, f"expected str, got {_type_name(value)}")
    _check_string(column.name, value)
    if column.max_length is not None and len(value) > column.max_length:
        raise _fail(column.name, f"is {len(value)} characters long; {column.max_length} at most")


def _check_int(column: ColumnInfo, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(column.name, f"expected int, got {_type_name(value)}")
    low, high = {
        SqlKind.SMALLINT: INT2_RANGE,
        SqlKind.BIGINT: INT8_RANGE,
    }.get(column.kind, INT4_RANGE)
    if not low <= value <= high:
        raise _fail(column.name, f"{value} is out of range for {column.sql_type} [{low}, {high}]")


def _check_numeric(column: ColumnInfo, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise _fail(column.name, f"expected Decimal or int, got {_type_name(value)}")
    number = Decimal(value)
    if not number.is_finite():
        raise _fail(column.name, f"{value} is not a finite number")
    if column.precision is not None:
        integer_digits = max(number.adjusted() + 1, 0) if number else 0
        allowed = column.precision - (column.scale or 0)
        if integer_digits > allowed:
            raise _fail(
                column.name,
                f"{value} does not fit {column.sql_type} ({allowed} integer digits at most)",
            )


def _check_timestamp(column: ColumnInfo, value: object) -> None:
    if not isinstance(value, dt.datetime):
        raise _fail(column.name, f"expected datetime, got {_type_name(value)}")
    aware = value.tzinfo is not None and value.utcoffset() is not None
    if column.kind is SqlKind.TIMESTAMP and aware:
        raise _fail(column.name, "timestamp without time zone takes a naive datetime")
    if column.kind is SqlKind.TIMESTAMPTZ and not aware:
        raise _fail(column.name, "timestamp with time zone takes an aware datetime")


def _check_date(column: ColumnInfo, value: object) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _fail(column.name, f"expected date, got {_type_name(value)}")


def _check_instance(
    kind: type | tuple[type, ...], label: str
) -> Callable[[ColumnInfo, object], None]:
    def check(column: ColumnInfo, value: object) -> None:
        if isinstance(value, bool) and kind is not bool:
            raise _fail(column.name, f"expected {label}, got bool")
        if not isinstance(value, kind):
            raise _fail(column.name, f"expected {label}, got {_type_name(value)}")

    return check


def _check_text_array(column: ColumnInfo, value: object) -> None:
    if not isinstance(value, list | tuple):
        raise _fail(column.name, f"expected list[str], got {_type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _fail(f"{column.name}[{index}]", f"expected str, got {_type_name(item)}")
        _check_string(f"{column.name}[{index}]", item)


def _check_json(column: ColumnInfo, value: object, path: str = "") -> None:
    where = f"{column.name}{path}"
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(column, item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _fail(where, f"JSON object keys must be str, got {_type_name(key)}")
            _check_json_scalar(where, key)
            _check_json(column, item, f"{path}.{key}")
    else:
        _check_json_scalar(where, value)


def _check_json_scalar(where: str, value: object) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(where, "JSON has no NaN or Infinity")
    if isinstance(value, str):
        _check_string(where, value)
    elif not isinstance(value, float):
        raise _fail(where, f"{_type_name(value)} is not a JSON value")


_CHECKS: Final[Mapping[SqlKind, Callable[[ColumnInfo, Any], None]]] = {
    SqlKind.SMALLINT: _check_int,
    SqlKind.INTEGER: _check_int,
    SqlKind.BIGINT: _check_int,
    SqlKind.TEXT: _check_text,
    SqlKind.VARCHAR: _check_text,
    SqlKind.TSVECTOR: _check_text,
    SqlKind.UUID: _check_instance(uuid.UUID, "uuid.UUID"),
    SqlKind.TIMESTAMP: _check_timestamp,
    SqlKind.TIMESTAMPTZ: _check_timestamp,
    SqlKind.DATE: _check_date,
    SqlKind.NUMERIC: _check_numeric,
    SqlKind.BOOLEAN: _check_instance(bool, "bool"),
    SqlKind.JSONB: _check_json,
    SqlKind.TEXT_ARRAY: _check_text_array,
    SqlKind.INET: _check_instance(
        (IPv4Address, IPv6Address, IPv4Interface, IPv6Interface), "an ipaddress address"
    ),
}


@attrs.frozen
class ColumnInfo:
    """One column as the migrated catalog describes it.

    ``writable`` is false for columns the database maintains itself (the trigger-filled
    ``bills.search_vector``); they are read, never inserted or patched.
    """

    name: str
    sql_type: str
    kind: SqlKind
    nullable: bool
    has_default: bool
    primary_key: bool = False
    writable: bool = True
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    references: tuple[str, str] | None = None

    @property
    def required_on_insert(self) -> bool:
        """NOT NULL without a default: an insert must give a value."""
        return self.writable and not self.nullable and not self.has_default

    def check(self, value: object) -> None:
        """Raise :class:`InvalidInput` naming this column unless ``value`` fits it.

        ``UNSET`` always fits (the column is left out); ``None`` fits nullable columns.
        """
        if value is UNSET:
            return
        if value is None:
            if not self.nullable:
                raise _fail(self.name, "must not be None (the column is NOT NULL)")
            return
        _CHECKS[self.kind](self, value)

    def validator(self, _instance: object, _attribute: object, value: object) -> None:
        """The same check, with the signature attrs validators use."""
        self.check(value)


@attrs.frozen
class TableInfo:
    """One table: its columns, key, domain, and the classes generated for it."""

    name: str
    domain: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    row_type: type
    new_type: type
    patch_type: type
    ref: TableRef
    _by_name: Mapping[str, ColumnInfo] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})
        attach(self.ref, self)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in table order (the order the row type takes them)."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnInfo:
        """The column called ``name``; :class:`InvalidInput` naming it when there is none."""
        try:
            return self._by_name[name]
        except (KeyError, TypeError):
            label = name if isinstance(name, str) else repr(name)
            raise _fail(label, f"no such column in {self.name}") from None

    def has_column(self, name: str) -> bool:
        """Whether ``name`` is a column of this table."""
        return name in self._by_name


class Registry(Mapping[str, TableInfo]):
    """Every table of the schema by name: what the query layer checks identifiers against."""

    def __init__(self, tables: Iterable[TableInfo]) -> None:
        self._tables: dict[str, TableInfo] = {}
        self._by_type: dict[type, TableInfo] = {}
        for table in tables:
            if table.name in self._tables:
                raise ValueError(f"table {table.name} registered twice")
            self._tables[table.name] = table
            for cls in (table.row_type, table.new_type, table.patch_type):
                self._by_type[cls] = table

    def __getitem__(self, name: str) -> TableInfo:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def table(self, name: str) -> TableInfo:
        """The table called ``name``; :class:`InvalidInput` naming it when there is none."""
        table = self._tables.get(name) if isinstance(name, str) else None
        if table is None:
            raise _fail(name if isinstance(name, str) else repr(name), "no such table")
        return table

    def for_type(self, cls: type) -> TableInfo:
        """The table whose row, New or Patch class ``cls`` is."""
        try:
            return self._by_type[cls]
        except KeyError:
            raise _fail(getattr(cls, "__name__", repr(cls)), "not a registered row type") from None

    def in_domain(self, domain: str) -> tuple[TableInfo, ...]:
        """Tables of one domain (legislative, users, regulatory, analytics, ...)."""
        return tuple(t for t in self._tables.values() if t.domain == domain)
