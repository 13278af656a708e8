"""The migration runner on small migration directories of its own (tmp_path)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from chanuka_db.errors import (
    ChecksumMismatch,
    DatabaseUnavailable,
    InvalidInput,
    LockTimeout,
    MigrationError,
    MigrationFailed,
    MissingMigration,
    OutOfOrder,
)
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.sql.catalog import read_catalog
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.sql.migrate_backup import find_pg_dump
from chanuka_db.sql.migrate_files import load_migrations, split_statements
from chanuka_db.sql.migrate_lock import LOCK_KEY
from chanuka_db.sql.migrate_plan import MigrationState

FILES = {
    "0001_first": (
        "CREATE TABLE first (id integer PRIMARY KEY, note text);\n",
        "DROP TABLE first;",
    ),
    "0002_second": (
        "-- the second table\nCREATE TABLE second (id integer PRIMARY KEY);\n"
        "INSERT INTO second VALUES (1), (2);\n",
        "DROP TABLE second;",
    ),
}


def write(directory: Path, label: str, up: str, down: str = "SELECT 1;") -> None:
    (directory / f"{label}.up.sql").write_text(up, encoding="utf-8")
    (directory / f"{label}.down.sql").write_text(down, encoding="utf-8")


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    for label, (up, down) in FILES.items():
        write(tmp_path, label, up, down)
    return tmp_path


def runner(url: DatabaseUrl, directory: Path, **options: Any) -> MigrationRunner:
    lines: list[str] = []
    made = MigrationRunner(url, directory=directory, echo=lines.append, **options)
    made.lines = lines  # type: ignore[attr-defined]
    return made


def ledger(url: DatabaseUrl) -> list[tuple[int, str]]:
    with psycopg.connect(url.conninfo()) as conn:
        return [tuple(r) for r in conn.execute("SELECT version, name FROM schema_migrations")]


def test_migrate_applies_in_order_records_and_reports(
    empty_database_url: DatabaseUrl, migrations_dir: Path
) -> None:
    first = runner(empty_database_url, migrations_dir)
    assert [m.label for m in first.migrate()] == ["0001_first", "0002_second"]
    assert ledger(empty_database_url) == [(1, "first"), (2, "second")]
    status = first.status()
    assert status.up_to_date
    assert (status.current_version, status.head_version) == (2, 2)
    entry = status.entries[0].as_json()
    assert entry["state"] == "applied"
    assert entry["baseline"] is False
    assert runner(empty_database_url, migrations_dir).migrate() == ()


def test_dry_run_prints_plan_and_sql_and_changes_nothing(
    empty_database_url: DatabaseUrl, migrations_dir: Path
) -> None:
    dry = runner(empty_database_url, migrations_dir)
    planned = dry.migrate(dry_run=True, backup=Path("x.dump"))
    assert [m.version for m in planned] == [1, 2]
    text = "\n".join(dry.lines)  # type: ignore[attr-defined]
    assert "would apply 0001_first" in text
    assert "CREATE TABLE second" in text
    assert "would back up" in text
    with psycopg.connect(empty_database_url.conninfo()) as conn:
        assert read_catalog(conn).tables == {}


def test_migrate_to_and_rollback_steps_and_to(
    empty_database_url: DatabaseUrl, migrations_dir: Path
) -> None:
    run = runner(empty_database_url, migrations_dir)
    run.migrate(to=1)
    assert run.status().having(MigrationState.PENDING)[0].version == 2
    run.migrate()
    assert [m.version for m in run.rollback(dry_run=True)] == [2]
    assert [m.version for m in run.rollback(steps=1)] == [2]
    run.migrate()
    assert [m.version for m in run.rollback(to=0)] == [2, 1]
    assert ledger(empty_database_url) == []
    assert run.rollback() == ()
    with pytest.raises(InvalidInput, match="no migration has that version"):
        run.migrate(to=7)
    with pytest.raises(InvalidInput, match="at least 1"):
        run.rollback(steps=0)
    run.migrate()
    with pytest.raises(InvalidInput, match="use rollback"):
        run.migrate(to=1)


def test_a_broken_file_leaves_catalog_and_ledger_as_they_were(
    empty_database_url: DatabaseUrl, migrations_dir: Path
) -> None:
    write(
        migrations_dir,
        "0003_broken",
        "CREATE TABLE third (id integer);\n\nCREATE INDEX third_idx\n    ON third (missing);\n",
    )
    run = runner(empty_database_url, migrations_dir)
    run.migrate(to=2)
    with psycopg.connect(empty_database_url.conninfo()) as conn:
        before = read_catalog(conn)
    with pytest.raises(MigrationFailed) as failure:
        run.migrate()
    message = str(failure.value)
    assert message.startswith('0003_broken.up.sql, line 3: column "missing" does not exist')
    assert "[SQLSTATE 42703]" in message
    assert "rolled back" in message
    assert "password" not in message
    assert (failure.value.file, failure.value.line) == ("0003_broken.up.sql", 3)
    with psycopg.connect(empty_database_url.conninfo()) as conn:
        assert read_catalog(conn) == before
    assert ledger(empty_database_url) == [(1, "first"), (2, "second")]


def test_a_syntax_error_is_located_on_its_own_line(
    empty_database_url: DatabaseUrl, tmp_path: Path
) -> None:
    write(tmp_path, "0001_typo", "SELECT 1;\nSELECT\n    1,\n    2 +;\n")
    with pytest.raises(MigrationFailed, match=r"^0001_typo.up.sql, line 4: syntax error"):
        runner(empty_database_url, tmp_path).migrate()


def test_a_failing_no_transaction_file_can_be_run_again(
    empty_database_url: DatabaseUrl, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "0001_concurrent",
        "-- chanuka:no-transaction\nCREATE TABLE t (id integer);\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);\nSELECT 1/0;\n",
    )
    run = runner(empty_database_url, tmp_path)
    with pytest.raises(MigrationFailed, match="line 4: division by zero") as failure:
        run.migrate()
    assert "runs without a transaction" in str(failure.value)
    assert ledger(empty_database_url) == []


def test_changed_out_of_order_and_missing_files_are_refused(
    empty_database_url: DatabaseUrl, migrations_dir: Path
) -> None:
    runner(empty_database_url, migrations_dir).migrate()
    (migrations_dir / "0001_first.up.sql").write_text("CREATE TABLE first (id int);\n")
    with pytest.raises(ChecksumMismatch, match=r"0001_first changed after they were applied"):
        runner(empty_database_url, migrations_dir).migrate()
    accepting = runner(empty_database_url, migrations_dir)
    accepting.migrate(accept_changed=True)
    assert "recorded the new checksum of 0001_first" in "\n".join(accepting.lines)  # type: ignore[attr-defined]
    assert runner(empty_database_url, migrations_dir).status().up_to_date

    write(migrations_dir, "0000_early", "CREATE TABLE early (id integer);")
    late = runner(empty_database_url, migrations_dir)
    assert late.status().having(MigrationState.OUT_OF_ORDER)[0].label == "0000_early"
    with pytest.raises(OutOfOrder, match=r"0000_early are numbered below .* \(0002\)"):
        late.migrate()
    assert [m.version for m in late.migrate(allow_out_of_order=True)] == [0]

    for name in ("0002_second.up.sql", "0002_second.down.sql"):
        (migrations_dir / name).unlink()
    gone = runner(empty_database_url, migrations_dir)
    assert gone.status().having(MigrationState.MISSING)[0].label == "0002_second"
    with pytest.raises(MissingMigration, match="0002_second are not on disk"):
        gone.migrate()
    with pytest.raises(MissingMigration):
        gone.rollback()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"1_bad.up.sql": ""}, "NNNN_name.up.sql"),
        ({"0001_a.up.sql": "SELECT 1;"}, "0001_a.down.sql is missing"),
        ({"0001_a.up.sql": "-- chanuka:fast\nSELECT 1;", "0001_a.down.sql": ""}, "unknown"),
        ({"0001_a.up.sql": "SELECT 1;\nCOMMIT;", "0001_a.down.sql": ""}, "line 2: COMMIT"),
        (
            {
                "0001_a.up.sql": "",
                "0001_a.down.sql": "",
                "0001_b.up.sql": "",
                "0001_b.down.sql": "",
            },
            "used twice",
        ),
    ],
)
def test_malformed_migration_directories_are_refused(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "README.txt").write_text("ignored")
    with pytest.raises(MigrationError, match=message):
        load_migrations(tmp_path)


def test_splitter_keeps_semicolons_inside_quotes_comments_and_bodies() -> None:
    text = (
        "-- lead; comment\nCREATE TABLE a (\"x;y\" text DEFAULT 'a;''b');\n"
        "/* block; /* nested; */ still; */ SELECT E'it\\'s;';\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;\n"
        "DO $$ BEGIN PERFORM 1; END $$;\nSELECT 2"
    )
    statements = split_statements(text)
    assert [s.line for s in statements] == [2, 3, 4, 5, 6]
    assert statements[1].text == "SELECT E'it\\'s;'"
    assert statements[2].text.endswith("$body$ SELECT 1; $body$")
    assert statements[4].text == "SELECT 2"
    assert split_statements("-- only a comment\n") == ()


def test_four_concurrent_runners_apply_each_file_exactly_once(
    empty_database_url: DatabaseUrl,
) -> None:
    runners = [MigrationRunner(empty_database_url, lock_timeout_s=120) for _ in range(4)]
    applied: list[list[int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run(one: MigrationRunner) -> None:
        start.wait()
        try:
            applied.append([m.version for m in one.migrate()])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(one,)) for one in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    versions = sorted(v for one in applied for v in one)
    assert versions == [m.version for m in runners[0].migrations]
    assert sum(1 for one in applied if one) == 1
    assert runners[0].status().up_to_date


def test_a_held_lock_times_out_with_the_holder_named(
    empty_database_url: DatabaseUrl, migrations_dir: Path
) -> None:
    with psycopg.connect(empty_database_url.conninfo(), autocommit=True) as holder:
        holder.execute("SET application_name = 'someone else'")
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        with pytest.raises(LockTimeout, match=r"for over 0.3 s \(pid \d+, application 'someone"):
            runner(empty_database_url, migrations_dir, lock_timeout_s=0.3).migrate()
    assert runner(empty_database_url, migrations_dir).migrate()


def test_backup_is_a_pg_dump_taken_before_migrating(
    empty_database_url: DatabaseUrl, migrations_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "backups" / "before.dump"
    runner(empty_database_url, migrations_dir).migrate(to=1)
    runner(empty_database_url, migrations_dir).migrate(backup=target)
    listing = subprocess.run(
        [str(find_pg_dump().with_name("pg_restore")), "--list", str(target)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE public first" in listing
    assert "TABLE public second" not in listing


def test_backup_failure_stops_before_anything_changes(
    empty_database_url: DatabaseUrl, migrations_dir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(MigrationError, match=r"backup of .* failed"):
        runner(empty_database_url, migrations_dir).migrate(backup=blocker / "x" / "y.dump")
    assert ledger(empty_database_url) == []


def test_unreachable_database_is_a_clear_error(migrations_dir: Path) -> None:
    url = DatabaseUrl.parse("postgresql://u:hunter2@127.0.0.1:1/x?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match=r"cannot connect to .*u:\*\*\*@") as failure:
        MigrationRunner(url, directory=migrations_dir).status()
    assert "hunter2" not in str(failure.value)


def test_migrate_refuses_an_old_tooling_database_without_baseline(
    empty_database_url: DatabaseUrl,
) -> None:
    with psycopg.connect(empty_database_url.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE drizzle_migrations (id serial PRIMARY KEY)")
    with pytest.raises(MigrationError, match="run 'chanuka-db baseline' to adopt it"):
        MigrationRunner(empty_database_url).migrate()


def test_module_functions_use_the_shipped_migrations(empty_database_url: DatabaseUrl) -> None:
    from chanuka_db.sql import migrate

    head = len(load_migrations())
    assert len(migrate.migrate(empty_database_url)) == head
    assert migrate.status(empty_database_url).up_to_date
    assert [m.version for m in migrate.rollback(empty_database_url, steps=2)] == [head, head - 1]
    with pytest.raises(MigrationError, match=f"already has {head - 2} applied"):
        migrate.baseline(empty_database_url)


@pytest.mark.skipif(
    not Path("/usr/lib/postgresql/15/bin/pg_dump").is_file(), reason="Debian's PostgreSQL 15 absent"
)
def test_backup_prefers_the_servers_own_pg_dump() -> None:
    # A PostgreSQL 15 server is dumped with pg_dump 15, so its own pg_restore reads the archive.
    assert find_pg_dump(15) == Path("/usr/lib/postgresql/15/bin/pg_dump")
    assert find_pg_dump(18) == find_pg_dump()  # the wheel's pg_dump 18
    assert find_pg_dump(99) == find_pg_dump()  # no such server version here: the wheel's
