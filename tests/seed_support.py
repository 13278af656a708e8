"""Helpers for the seed tests: a fixed date, per-table checksums, one-off databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.seed import LOAD_ORDER
from tests.conftest import PgServer, unique_name

AS_OF = dt.date(2025, 6, 30)


def checksums(url: DatabaseUrl) -> dict[str, str]:
    """md5 over every row's text of every domain table, order-independent."""
    result = {}
    with psycopg.connect(url.conninfo(), autocommit=True) as conn:
        for table in LOAD_ORDER:
            query = sql.SQL(
                "SELECT count(*) || ':'"
                " || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {} t"
            ).format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            result[table] = row[0]
    return result


@contextmanager
def fresh_database(pg_server: PgServer, template: str) -> Iterator[DatabaseUrl]:
    """A migrated database of its own, dropped afterwards."""
    name = unique_name("seed")
    url = pg_server.create_database(name, template=template)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


def scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    """The single value ``query`` returns."""
    row = conn.execute(query.encode(), params).fetchone()
    assert row is not None
    return row[0]
