"""``chanuka-db baseline``: checks that a database built by the old tooling is our baseline.

The expected schema is built, not described: the baseline migrations run inside a scratch
schema of the very database being adopted, in a transaction that is always rolled back, and
that schema's catalog is compared with the live one. Needs no second database and no
``CREATEDB``, and leaves nothing behind.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any, Final

import psycopg
from psycopg import sql

from chanuka_db.sql.catalog import diff_catalogs, read_catalog
from chanuka_db.sql.migrate_files import Migration, MigrationScript
from chanuka_db.sql.migrate_ledger import LEDGER_TABLE

__all__ = ["IGNORED_TABLES", "differences"]

# The old runner's ledger stays (untouched) beside ours; neither is part of the baseline.
IGNORED_TABLES: Final = frozenset({"drizzle_migrations", LEDGER_TABLE})

RunScript = Callable[[psycopg.Connection[Any], MigrationScript], None]


def differences(
    conn: psycopg.Connection[Any], baseline: Sequence[Migration], run: RunScript
) -> list[str]:
    """Every difference between the live schema and what ``baseline`` builds (empty: match).

    ``run`` executes a script's statements (the runner's, so a broken file is reported the
    usual way). Column order and table comments are not compared: neither changes what the
    schema accepts or how it behaves.
    """
    row = conn.execute("SELECT current_schema()").fetchone()
    live = row[0] if row and row[0] else "public"
    scratch = f"chanuka_baseline_check_{secrets.token_hex(4)}"
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(scratch)))
        conn.execute("SELECT set_config('search_path', %s, true)", (scratch,))
        for migration in baseline:
            run(conn, migration.up)
        expected = read_catalog(conn, scratch)
        actual = read_catalog(conn, live)
    return diff_catalogs(
        expected, actual, ignore_tables=IGNORED_TABLES, column_order=False, comments=False
    )
