"""Hypothesis strategies derived from the registry, and minimal parent rows for foreign keys.

Shared by the round-trip tests and later property tests: a strategy per column kind, New*
instances for any table, and a factory that inserts the rows a foreign key needs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from ipaddress import ip_interface
from typing import Any

import psycopg
from hypothesis import strategies as st
from psycopg import sql

from chanuka_db.sql.rows import dump
from chanuka_db.types import REGISTRY, UNSET, ColumnInfo, SqlKind, TableInfo

# Columns under a CHECK constraint take only these values (test_types_roundtrip checks that
# every CHECK in the catalog is listed here, so a new constraint cannot be missed).
CHECKED_VALUES: dict[tuple[str, str], list[Any]] = {
    ("moderation_queue", "content_type"): [
        "bill_comment",
        "bill",
        "user_profile",
        "sponsor_transparency",
    ],
    ("moderation_queue", "status"): ["pending", "approved", "rejected", "escalated"],
    ("moderation_queue", "priority"): [1, 2, 3, 4, 5],
    ("content_flags", "content_type"): ["bill_comment", "bill", "user_profile"],
    ("content_flags", "flag_category"): [
        "spam",
        "harassment",
        "misinformation",
        "inappropriate",
        "copyright",
        "other",
    ],
    ("content_flags", "status"): ["pending", "reviewed", "dismissed", "escalated"],
    ("user_profiles", "reputation_score"): [0, 1, 250, 2**31 - 1],
    ("comment_votes", "vote_type"): ["up", "down"],
    ("audit_log", "operation"): ["INSERT", "UPDATE", "DELETE", "PURGE"],
}

_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_UTC_OFFSETS = [dt.UTC, dt.timezone(dt.timedelta(hours=3)), dt.timezone(dt.timedelta(hours=-5))]


def text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text PostgreSQL can store: no NUL, no lone surrogates, unicode welcome."""
    return st.text(alphabet=_TEXT, max_size=max_size)


def json_values() -> st.SearchStrategy[Any]:
    """JSON values that survive jsonb exactly (finite, moderate floats; NUL-free text).

    Never a top-level JSON null: Python ``None`` means SQL NULL in this layer.
    """
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | text(12)
        | st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(8), inner, max_size=3),
        max_leaves=8,
    ).filter(lambda value: value is not None)


def _numeric(column: ColumnInfo) -> st.SearchStrategy[Decimal]:
    if column.precision is None:
        return st.decimals(min_value=-(10**12), max_value=10**12, places=6)
    scale = column.scale or 0
    bound = Decimal(10) ** (column.precision - scale) - Decimal(1).scaleb(-scale)
    return st.decimals(min_value=-bound, max_value=bound, places=scale)


def _inet() -> st.SearchStrategy[Any]:
    networks = st.ip_addresses().flatmap(
        lambda a: st.integers(1, a.max_prefixlen - 1).map(lambda p: ip_interface(f"{a}/{p}"))
    )
    return st.ip_addresses() | networks


def value_strategy(column: ColumnInfo) -> st.SearchStrategy[Any]:
    """Values of the column's Python type that the column accepts (ignoring foreign keys)."""
    by_kind: dict[SqlKind, st.SearchStrategy[Any]] = {
        SqlKind.SMALLINT: st.integers(-(2**15), 2**15 - 1),
        SqlKind.INTEGER: st.integers(-(2**31), 2**31 - 1),
        SqlKind.BIGINT: st.integers(-(2**63), 2**63 - 1),
        SqlKind.TEXT: text(),
        SqlKind.VARCHAR: text(column.max_length or 40),
        SqlKind.UUID: st.uuids(),
        SqlKind.TIMESTAMP: st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)),
        SqlKind.TIMESTAMPTZ: st.datetimes(
            dt.datetime(1900, 1, 1),
            dt.datetime(2200, 1, 1),
            timezones=st.sampled_from(_UTC_OFFSETS),
        ),
        SqlKind.DATE: st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)),
        SqlKind.NUMERIC: _numeric(column),
        SqlKind.BOOLEAN: st.booleans(),
        SqlKind.JSONB: json_values(),
        SqlKind.TEXT_ARRAY: st.lists(text(12), max_size=4),
        SqlKind.INET: _inet(),
    }
    return by_kind[column.kind]


class ParentRows:
    """Inserts minimal rows that foreign keys point at, with unique deterministic values."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self._counter = itertools.count(1)

    def minimal_value(self, table: str, column: ColumnInfo) -> Any:
        """A valid, unique-enough value for a required column of a parent row."""
        n = next(self._counter)
        if column.references:
            return self.key_for(column.references[0])
        checked = CHECKED_VALUES.get((table, column.name))
        if checked:
            return checked[0]
        samples: dict[SqlKind, Any] = {
            SqlKind.TEXT: f"parent-{n}",
            SqlKind.VARCHAR: f"p{n}",
            SqlKind.INTEGER: n,
            SqlKind.SMALLINT: n,
            SqlKind.BIGINT: n,
            SqlKind.NUMERIC: Decimal(0),
            SqlKind.BOOLEAN: False,
            SqlKind.TIMESTAMP: dt.datetime(2026, 1, 1),
            SqlKind.TIMESTAMPTZ: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            SqlKind.DATE: dt.date(2026, 1, 1),
            SqlKind.JSONB: {},
            SqlKind.TEXT_ARRAY: [],
        }
        return samples[column.kind]

    def key_for(self, table_name: str) -> Any:
        """Insert a minimal row into ``table_name`` (and its own parents); return its key."""
        table = REGISTRY.table(table_name)
        values = {
            c.name: self.minimal_value(table.name, c) for c in table.columns if c.required_on_insert
        }
        (key,) = insert(self.conn, table, values, returning=table.primary_key)
        return key


def insert(
    conn: psycopg.Connection[Any],
    table: TableInfo,
    values: dict[str, Any],
    *,
    returning: tuple[str, ...],
) -> tuple[Any, ...]:
    """INSERT one row with bound parameters; return the ``returning`` columns."""
    columns = [table.column(name) for name in values]
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns) if columns else sql.SQL(""),
        sql.SQL(", ").join(sql.Placeholder() for _ in columns),
        sql.SQL(", ").join(sql.Identifier(name) for name in returning),
    )
    if not columns:
        statement = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING {}").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in returning)
        )
    row = conn.execute(statement, [dump(c, values[c.name]) for c in columns]).fetchone()
    assert row is not None
    return tuple(row)


@st.composite
def new_rows(draw: st.DrawFn, table: TableInfo, parents: ParentRows) -> Any:
    """A New* instance for ``table``: optional columns sometimes UNSET, FKs to real parents."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if not column.writable:
            continue
        if not column.required_on_insert and draw(st.booleans()):
            continue  # leave it UNSET: the database default (or NULL) applies
        values[column.name] = draw(_column_value(table, column, parents))
    return table.new_type(**values)


def _column_value(
    table: TableInfo, column: ColumnInfo, parents: ParentRows
) -> st.SearchStrategy[Any]:
    if column.references:
        ref_table = column.references[0]
        if ref_table == table.name:
            return st.none()  # a self-reference (a reply's parent): keep it a top-level row
        parent = st.builds(lambda: parents.key_for(ref_table))
        return parent | st.none() if column.nullable else parent
    choices = CHECKED_VALUES.get((table.name, column.name))
    strategy = st.sampled_from(choices) if choices else value_strategy(column)
    return strategy | st.none() if column.nullable else strategy


__all__ = [
    "CHECKED_VALUES",
    "UNSET",
    "ParentRows",
    "insert",
    "json_values",
    "new_rows",
    "text",
    "value_strategy",
]
