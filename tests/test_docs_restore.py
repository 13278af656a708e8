"""The runbook's restore procedure works: a `migrate --backup` dump restores into a new database.

Step 3 of "Restoring from the migrate --backup dump" in docs/ops/runbook.md, with the same
tools as the dump (the server's own major version where this machine has it, else the
embedded wheel's) and the same two variants: a direct ``pg_restore`` when the tools match
the server or the server is 17+, the SQL replay without ``SET transaction_timeout`` when a
15/16 server was dumped by pg_dump 18. It runs against whichever server the suite uses, so
CI covers both.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.sql.migrate_backup import find_pg_dump
from chanuka_db.sql.migrate_files import load_migrations
from tests.conftest import PgServer

FINGERPRINT = (
    "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM bills),"
    " (SELECT string_agg(title, ',' ORDER BY id) FROM bills),"
    " (SELECT max(version) FROM schema_migrations)"
)


def fingerprint(url: DatabaseUrl) -> tuple[Any, ...]:
    with psycopg.connect(url.conninfo(), autocommit=True) as conn:
        row = conn.execute(FINGERPRINT).fetchone()
    assert row is not None
    return tuple(row)


def _tool(name: str, server_version: int) -> str:
    return str(find_pg_dump(server_version // 10000).parent / name)


def _tools_match(server_version: int) -> bool:
    """Whether the dump was taken with the server's own major version (or the server is 17+)."""
    major = server_version // 10000
    return major >= 17 or find_pg_dump(major) != find_pg_dump()


def _env(url: DatabaseUrl) -> dict[str, str]:
    env = dict(os.environ)
    password = url.mapping.get("password")
    if password is not None:
        env["PGPASSWORD"] = password
    return env


def restore(dump: Path, target: DatabaseUrl, server_version: int) -> None:
    """The runbook's step 3, as written there."""
    dbname = target.with_params(password=None).conninfo()
    env = _env(target)
    pg_restore, psql = _tool("pg_restore", server_version), _tool("psql", server_version)
    if _tools_match(server_version):
        subprocess.run(
            [pg_restore, f"--dbname={dbname}", "--exit-on-error", "--single-transaction",
             str(dump)],
            env=env, check=True, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return
    script = subprocess.run(
        [pg_restore, "--file=-", str(dump)],
        env=env, check=True, capture_output=True, text=True, timeout=300,
    ).stdout  # fmt: skip
    replay = "\n".join(
        line for line in script.splitlines() if not line.startswith("SET transaction_timeout = ")
    )
    subprocess.run(
        [psql, "-d", dbname, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
         "-o", os.devnull],
        input=replay, env=env, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_backup_restores_into_a_new_database(
    database_url: DatabaseUrl, empty_database_url: DatabaseUrl, pg_server: PgServer, tmp_path: Path
) -> None:
    scratch = empty_database_url  # the runbook's `createdb chanuka_restore`
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (email, password_hash, name) VALUES ('amina@example.ke', '!', 'A')"
        )
        conn.execute("INSERT INTO bills (title) VALUES ('The Finance Bill, 2026'), ('Roads')")
    before = fingerprint(database_url)
    assert before[:2] == (1, 2)
    assert before[3] == max(m.version for m in load_migrations())

    dump = tmp_path / "before.dump"
    MigrationRunner(database_url).migrate(backup=dump)  # nothing pending: the dump alone
    assert dump.stat().st_size > 0
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        conn.execute("DELETE FROM bills")  # the damage the restore undoes

    restore(dump, scratch, pg_server.version_num)
    assert fingerprint(scratch) == before
    assert fingerprint(database_url)[1] == 0
