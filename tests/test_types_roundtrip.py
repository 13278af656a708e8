"""Every table: a New* built from registry-derived strategies goes in and comes back equal.

Also: the generated modules match the migrated schema (drift gate), the catalog's CHECK
constraints are all known to the strategies, and a patch's UNSET/None semantics hold.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from ipaddress import ip_interface
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

import chanuka_db.types as types_package
from chanuka_db.sql.catalog import read_catalog
from chanuka_db.sql.introspect import table_specs
from chanuka_db.sql.rows import attrs_row, dump
from chanuka_db.types import REGISTRY, UNSET, BillPatch, NewBill, TableInfo
from chanuka_db.types.generator import render_modules
from tests.strategies import CHECKED_VALUES, ParentRows, insert, new_rows

PACKAGE_DIR = Path(types_package.__file__).parent


def test_generated_modules_match_the_migrated_schema(conn: psycopg.Connection[Any]) -> None:
    """The drift gate: regenerate from the database and compare with the committed files."""
    files = render_modules(table_specs(read_catalog(conn)))
    stale = [name for name, text in files.items() if (PACKAGE_DIR / name).read_text() != text]
    assert not stale, f"types are stale, run `chanuka-db gen-types`: {stale}"


def test_every_check_constraint_is_known_to_the_strategies(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute(
        """
        SELECT c.relname, a.attname
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (k.conkey)
        WHERE k.contype = 'c' AND n.nspname = 'public'
        """
    ).fetchall()
    assert rows
    assert {(t, c) for t, c in rows} <= set(CHECKED_VALUES)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple):
        expected = list(expected)
    if hasattr(expected, "max_prefixlen") and actual is not None:
        return bool(ip_interface(expected) == ip_interface(actual))
    return bool(expected == actual)


def _read_back(conn: psycopg.Connection[Any], table: TableInfo, key: tuple[Any, ...]) -> Any:
    statement = sql.SQL("SELECT {} FROM {} WHERE {}").format(
        sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names),
        sql.Identifier(table.name),
        sql.SQL(" AND ").join(
            sql.SQL("{} = %s").format(sql.Identifier(name)) for name in table.primary_key
        ),
    )
    with conn.cursor(row_factory=attrs_row(table.row_type)) as cursor:
        return cursor.execute(statement, list(key)).fetchone()


@pytest.mark.parametrize("table_name", sorted(REGISTRY))
def test_round_trip_of_every_column_type(conn: psycopg.Connection[Any], table_name: str) -> None:
    table = REGISTRY.table(table_name)
    parents = ParentRows(conn)

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def round_trip(data: st.DataObject) -> None:
        with conn.transaction(force_rollback=True):
            new = data.draw(new_rows(table, parents))
            given_values = new.changes()
            key = insert(conn, table, given_values, returning=table.primary_key)
            row = _read_back(conn, table, key)
            assert isinstance(row, table.row_type)
            for column in table.columns:
                value = getattr(row, column.name)
                if column.name in given_values:
                    assert _same(given_values[column.name], value), column.name
                elif not column.nullable:
                    assert value is not None, f"{column.name} got no default"

    round_trip()


def test_database_types_come_back_as_python_types(conn: psycopg.Connection[Any]) -> None:
    bills = REGISTRY.table("bills")
    new = NewBill(
        title="Finance Bill 2026",
        engagement_score=Decimal("12.50"),
        constitutional_concerns=[{"article": 43, "note": "ñ"}],
        tags=[],
        introduced_date=dt.datetime(2026, 3, 1, 9, 30),
    )
    key = insert(conn, bills, new.changes(), returning=("id",))
    row = _read_back(conn, bills, key)
    assert row.engagement_score == Decimal("12.50")
    assert isinstance(row.engagement_score, Decimal)
    assert row.constitutional_concerns == [{"article": 43, "note": "ñ"}]
    assert row.tags == []
    assert row.introduced_date.tzinfo is None
    assert row.created_at.tzinfo is None
    assert "financ" in row.search_vector


def test_patch_unset_leaves_a_column_and_none_sets_null(conn: psycopg.Connection[Any]) -> None:
    bills = REGISTRY.table("bills")
    (bill_id,) = insert(
        conn, bills, NewBill(title="t", summary="s", category="c").changes(), returning=("id",)
    )
    patch = BillPatch(summary=None, status="passed")
    changes = patch.changes()
    conn.execute(
        sql.SQL("UPDATE bills SET {} WHERE id = %s").format(
            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(n)) for n in changes)
        ),
        [*(dump(bills.column(n), v) for n, v in changes.items()), bill_id],
    )
    row = _read_back(conn, bills, (bill_id,))
    assert row.summary is None
    assert row.status == "passed"
    assert row.category == "c"
    assert BillPatch(category=UNSET).changes() == {}
