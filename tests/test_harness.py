"""The harness itself: per-test databases are fresh clones, isolated from each other."""

from __future__ import annotations

from typing import Any

import psycopg

from chanuka_db.pool.config import DatabaseUrl
from tests.conftest import RUN_TOKEN, PgServer, unique_name

_seen: dict[str, str] = {}


def _current_database(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def test_each_test_gets_its_own_database(conn: psycopg.Connection[Any]) -> None:
    name = _current_database(conn)
    assert RUN_TOKEN in name
    assert name not in _seen.values()
    _seen["first"] = name
    conn.execute("CREATE TABLE scratch (x int)")


def test_a_later_test_does_not_see_earlier_changes(conn: psycopg.Connection[Any]) -> None:
    name = _current_database(conn)
    assert name not in _seen.values()
    _seen["second"] = name
    row = conn.execute("SELECT to_regclass('public.scratch')").fetchone()
    assert row == (None,)


def test_databases_are_cloned_from_the_session_template(
    pg_server: PgServer, template_database: str, database_url: DatabaseUrl
) -> None:
    with pg_server.admin() as admin:
        names = {r[0] for r in admin.execute("SELECT datname FROM pg_database")}
    assert template_database in names
    assert database_url.dbname in names


def test_dropped_after_use(pg_server: PgServer) -> None:
    with pg_server.admin() as admin:
        names = {r[0] for r in admin.execute("SELECT datname FROM pg_database")}
    assert not set(_seen.values()) & names


def test_names_are_unique_per_call() -> None:
    assert unique_name("x") != unique_name("x")


def test_empty_database_has_no_tables(empty_database_url: DatabaseUrl) -> None:
    with psycopg.connect(empty_database_url.conninfo()) as c:
        row = c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert row == (0,)
