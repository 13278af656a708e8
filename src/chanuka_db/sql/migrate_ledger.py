"""The ``schema_migrations`` ledger: one row per applied migration file."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import attrs
import psycopg

from chanuka_db.sql.migrate_files import Migration

__all__ = ["LEDGER_TABLE", "LedgerEntry", "ensure_ledger", "forget", "read_ledger", "record"]

LEDGER_TABLE: Final = "schema_migrations"

_CREATE: Final = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer     NOT NULL,
    applied_by  text        NOT NULL DEFAULT current_user,
    baseline    boolean     NOT NULL DEFAULT false
)
"""
_COMMENT: Final = (
    b"COMMENT ON TABLE schema_migrations IS 'chanuka-db migration ledger: one row per applied"
    b" migration file (sha256 of its up file); written by chanuka-db migrate/baseline'"
)


@attrs.frozen
class LedgerEntry:
    """What the ledger records about one applied migration."""

    version: int
    name: str
    checksum: str
    applied_at: dt.datetime
    duration_ms: int
    applied_by: str
    baseline: bool


def ensure_ledger(conn: psycopg.Connection[Any]) -> None:
    """Create the ledger table when it does not exist yet."""
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
        conn.execute(_CREATE)
        conn.execute(_COMMENT)


def read_ledger(conn: psycopg.Connection[Any]) -> dict[int, LedgerEntry]:
    """The applied migrations by version; empty when the ledger does not exist."""
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
        return {}
    rows = conn.execute(
        "SELECT version, name, checksum, applied_at, duration_ms, applied_by, baseline"
        " FROM schema_migrations ORDER BY version"
    ).fetchall()
    return {row[0]: LedgerEntry(*row) for row in rows}


def record(
    conn: psycopg.Connection[Any], migration: Migration, duration_ms: int, *, baseline: bool
) -> None:
    """Record ``migration`` as applied (or as adopted by ``baseline``)."""
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum, duration_ms, baseline)"
        " VALUES (%s, %s, %s, %s, %s)",
        (migration.version, migration.name, migration.up.checksum, duration_ms, baseline),
    )


def accept_checksum(conn: psycopg.Connection[Any], migration: Migration) -> None:
    """Record the current checksum of an applied file that was edited on purpose."""
    conn.execute(
        "UPDATE schema_migrations SET checksum = %s, name = %s WHERE version = %s",
        (migration.up.checksum, migration.name, migration.version),
    )


def forget(conn: psycopg.Connection[Any], version: int) -> None:
    """Remove ``version`` from the ledger (after its down file ran)."""
    conn.execute("DELETE FROM schema_migrations WHERE version = %s", (version,))
