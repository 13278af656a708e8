"""Migrations against databases that hold data: round trips, improvements, baseline adoption."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from chanuka_db.errors import BaselineMismatch, MigrationError
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.sql.catalog import diff_catalogs, read_catalog
from chanuka_db.sql.migrate import MigrationRunner
from tests.migration_support import build_old_style_database, seed, table_checksums


def connect(url: DatabaseUrl) -> psycopg.Connection[Any]:
    return psycopg.connect(url.conninfo(), autocommit=True)


def assert_rows_kept(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> None:
    """Every table keeps its rows; tables the migrations added (the audit) start empty."""
    assert {name: after[name] for name in before} == before
    added = {name: count for name, (count, _) in after.items() if name not in before}
    assert added == dict.fromkeys(added, 0)


def test_every_migration_round_trips_and_keeps_other_tables_data(
    empty_database_url: DatabaseUrl,
) -> None:
    """up -> down -> up per migration: identical catalogs, untouched tables keep their rows."""
    runner = MigrationRunner(empty_database_url)
    ledger = {"schema_migrations"}
    with connect(empty_database_url) as conn:
        for migration in runner.migrations:
            before, data_before = read_catalog(conn), table_checksums(conn)
            runner.migrate(to=migration.version)
            created = read_catalog(conn).tables.keys() - before.tables.keys()
            seed(conn, rows=2, tables=set(created) or {"__none__"})
            after, data_after = read_catalog(conn), table_checksums(conn)

            runner.rollback(steps=1)
            assert diff_catalogs(before, read_catalog(conn), ignore_tables=ledger) == [], (
                f"down {migration.label}"
            )
            assert table_checksums(conn) == data_before, f"down {migration.label}"

            runner.migrate(to=migration.version)
            assert diff_catalogs(after, read_catalog(conn), ignore_tables=ledger) == [], (
                f"up {migration.label}"
            )
            kept = {
                name: sums for name, sums in table_checksums(conn).items() if name not in created
            }
            assert kept == {n: s for n, s in data_after.items() if n not in created}
            seed(conn, rows=2, tables=set(created) or {"__none__"})


def test_improvements_keep_every_row_of_a_filled_database(database_url: DatabaseUrl) -> None:
    runner = MigrationRunner(database_url)
    runner.rollback(to=6)
    with connect(database_url) as conn:
        seed(conn, rows=4)
        before = table_checksums(conn)
        assert all(count == 4 for count, _ in before.values())
        runner.migrate()
        assert_rows_kept(before, table_checksums(conn))


@pytest.fixture
def old_database(empty_database_url: DatabaseUrl) -> DatabaseUrl:
    """A filled database as the old tooling left it (spec DDL + drizzle_migrations rows)."""
    with connect(empty_database_url) as conn:
        build_old_style_database(conn)
        seed(conn, rows=3)
    return empty_database_url


def test_baseline_adopts_an_old_database_and_migrate_finishes_it(
    old_database: DatabaseUrl, database_url: DatabaseUrl
) -> None:
    with connect(old_database) as conn:
        before = table_checksums(conn)
        drizzle = conn.execute("SELECT * FROM drizzle_migrations ORDER BY id").fetchall()
    with pytest.raises(MigrationError, match="baseline"):
        MigrationRunner(old_database).migrate()

    runner = MigrationRunner(old_database)
    assert [m.version for m in runner.baseline(dry_run=True)] == [1, 2, 3, 4, 5, 6]
    assert runner.status().current_version == 0
    adopted = runner.baseline()
    assert [m.label for m in adopted][-1] == "0006_infrastructure"
    status = runner.status()
    assert all(e.ledger.baseline for e in status.entries if e.ledger is not None)
    assert status.current_version == 6
    with pytest.raises(MigrationError, match="already has 6 applied"):
        runner.baseline()
    runner.migrate()

    with connect(old_database) as conn, connect(database_url) as fresh:
        assert_rows_kept(before, table_checksums(conn))
        assert conn.execute("SELECT * FROM drizzle_migrations ORDER BY id").fetchall() == drizzle
        differences = diff_catalogs(
            read_catalog(fresh), read_catalog(conn), ignore_tables={"drizzle_migrations"}
        )
    assert differences == []


def test_baseline_lists_every_difference_and_records_nothing(old_database: DatabaseUrl) -> None:
    with connect(old_database) as conn:
        conn.execute("DROP INDEX bills_status_idx")
        conn.execute("ALTER TABLE sponsors ADD COLUMN nickname text")
        conn.execute("ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin'")
        conn.execute("ALTER TABLE sessions ALTER COLUMN token SET NOT NULL")
        conn.execute("DROP TRIGGER moderation_queue_updated_at ON moderation_queue")
        conn.execute("CREATE TABLE leftovers (id integer)")
    runner = MigrationRunner(old_database)
    with pytest.raises(BaselineMismatch) as failure:
        runner.baseline()
    assert sorted(failure.value.differences) == [
        "bills: index bills_status_idx missing",
        "moderation_queue: trigger moderation_queue_updated_at missing",
        "sessions.token: not_null False expected, found True",
        "sponsors: column nickname not expected",
        "table leftovers not expected",
        "users.role: default \"'citizen'::text\" expected, found \"'admin'::text\"",
    ]
    assert "in 6 place(s); nothing was recorded" in str(failure.value)
    assert runner.status().current_version == 0
    with connect(old_database) as conn:
        schemas = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'chanuka_baseline_check%'"
        )
        assert schemas.fetchone() == (0,)
