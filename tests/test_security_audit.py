"""The audit: one correct row per INSERT, UPDATE and DELETE of every table, same transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import psycopg
import psycopg.rows
import pytest
from psycopg import errors as pg_errors
from psycopg import sql

from chanuka_db.cli import EXIT_OK, EXIT_USAGE, main
from chanuka_db.errors import InvalidInput
from chanuka_db.pool import DatabaseUrl
from chanuka_db.sql.audit import purge_audit
from chanuka_db.sql.catalog import Table, read_catalog
from tests.migration_support import dependency_order, seed
from tests.security_support import (
    IGNORED_COLUMNS,
    REDACTED,
    SECRET_COLUMNS,
    USER_A,
    acting_as,
    add_personal_row,
    add_users,
    connect,
)
from tests.strategies import CHECKED_VALUES

# Tables whose BEFORE UPDATE trigger also sets updated_at.
_TOUCHES_UPDATED_AT = {"bill_analytics_summary", "moderation_queue", "user_activity_summary"}


def domain_tables(conn: psycopg.Connection[Any]) -> list[Table]:
    """Every audited table (all domain tables but the audit), parents before children."""
    return [t for t in dependency_order(read_catalog(conn)) if t.domain and t.name != "audit_log"]


def audit_rows(conn: psycopg.Connection[Any], **where: Any) -> list[dict[str, Any]]:
    """Audit rows (as dicts), oldest first, matching ``where`` (column = value)."""
    conditions = sql.SQL(" AND ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in where
    )
    query = sql.SQL("SELECT * FROM audit_log WHERE {} ORDER BY id").format(
        conditions if where else sql.SQL("true")
    )
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(query, where).fetchall()


def row_json(conn: psycopg.Connection[Any], table: str, record_id: Any) -> dict[str, Any]:
    """The row as the audit should show it: ignored columns out, secrets redacted."""
    query = sql.SQL("SELECT to_jsonb(t) FROM {} AS t WHERE id = %s").format(sql.Identifier(table))
    row = conn.execute(query, (record_id,)).fetchone()
    assert row is not None
    values = {k: v for k, v in row[0].items() if k not in IGNORED_COLUMNS.get(table, ())}
    return values | dict.fromkeys(SECRET_COLUMNS.get(table, ()), REDACTED)


def editable_column(table: Table) -> tuple[str, str]:
    """A column of ``table`` that can take another valid value, and the SQL that changes it."""
    keys = {"id"} | {
        d.split("(")[1].split(")")[0] for d in table.constraints.values() if "FOREIGN KEY" in d
    }
    changes = (
        ("boolean", "NOT {c}"),
        ("text", "coalesce({c}, '') || ' (ed.)'"),
        ("integer", "coalesce({c}, 0) + 1"),
        ("timestamp without time zone", "coalesce({c}, now()) + interval '1 day'"),
    )
    for kind, change in changes:
        for column in table.columns:
            checked = (table.name, column.name) in CHECKED_VALUES
            if column.type == kind and column.name not in keys and not checked:
                return column.name, change.format(c=sql.Identifier(column.name).as_string())
    raise AssertionError(f"{table.name} has no editable column")


@pytest.fixture
def filled(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """One row in every audited table (written as the superuser, no actor); id by table."""
    tables = domain_tables(conn)
    seed(conn, rows=1, tables={t.name for t in tables})
    found = {}
    for table in tables:
        query = sql.SQL("SELECT id FROM {}").format(sql.Identifier(table.name))
        (found[table.name],) = conn.execute(query).fetchone() or (None,)
    return found


def test_every_write_to_every_table_leaves_exactly_one_correct_audit_row(
    conn: psycopg.Connection[Any], filled: dict[str, Any]
) -> None:
    tables = domain_tables(conn)
    assert len(tables) >= 46  # the spec's; a table added later is covered by itself
    me = conn.execute("SELECT current_user").fetchone()
    for table in tables:
        [inserted] = audit_rows(conn, table_name=table.name, operation="INSERT")
        expected = row_json(conn, table.name, filled[table.name])
        assert inserted["new_values"] == expected, table.name
        assert inserted["old_values"] is None
        assert inserted["changed_columns"] == sorted(expected)
        assert inserted["record_id"] == str(filled[table.name])
        assert (inserted["actor_id"], inserted["app_role"]) == (None, None)
        assert (inserted["db_role"],) == me

    for table in tables:
        column, change = editable_column(table)
        before = row_json(conn, table.name, filled[table.name])
        with conn.transaction():
            txid = conn.execute("SELECT txid_current()").fetchone()
            conn.execute(
                sql.SQL("UPDATE {} SET {} = {} WHERE id = %s").format(
                    sql.Identifier(table.name), sql.Identifier(column), sql.SQL(change)
                ),
                (filled[table.name],),
            )
        after = row_json(conn, table.name, filled[table.name])
        [updated] = audit_rows(conn, table_name=table.name, operation="UPDATE")
        changed = sorted(
            {column} | ({"updated_at"} if table.name in _TOUCHES_UPDATED_AT else set())
        )
        assert updated["changed_columns"] == changed, table.name
        assert updated["old_values"] == {c: before[c] for c in changed}
        assert updated["new_values"] == {c: after[c] for c in changed}
        assert (updated["transaction_id"],) == txid

    for table in reversed(tables):
        before = row_json(conn, table.name, filled[table.name])
        delete = sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(table.name))
        assert conn.execute(delete, (filled[table.name],)).rowcount == 1
        [deleted] = audit_rows(conn, table_name=table.name, operation="DELETE")
        assert (deleted["old_values"], deleted["new_values"]) == (before, None), table.name
    counts = Counter((r["table_name"], r["operation"]) for r in audit_rows(conn))
    assert set(counts.values()) == {1} and len(counts) == 3 * len(tables)


def test_a_rolled_back_or_failed_write_leaves_no_audit(
    conn: psycopg.Connection[Any], filled: dict[str, Any]
) -> None:
    before = len(audit_rows(conn))
    with conn.transaction():
        conn.execute("INSERT INTO bills (title) VALUES ('rolled back')")
        conn.execute("UPDATE sponsors SET name = 'x'")
        conn.execute("DELETE FROM bill_tags")
        assert len(audit_rows(conn)) == before + 3  # written in the transaction ...
        raise psycopg.Rollback  # ... and gone with it
    with pytest.raises(pg_errors.UniqueViolation):  # the 2nd row fails: the 1st is undone
        conn.execute("INSERT INTO departments (name) VALUES ('a'), ('a')")
    assert len(audit_rows(conn)) == before


def test_the_actor_the_login_and_the_system_mode_are_recorded(
    conn: psycopg.Connection[Any], app_url: DatabaseUrl, system_url: DatabaseUrl
) -> None:
    add_users(conn, USER_A)
    with connect(app_url) as app, acting_as(app, USER_A):
        add_personal_row(app, "notifications", USER_A)
        app_login = app.execute("SELECT current_user").fetchone()
    with connect(system_url) as jobs, jobs.transaction():
        jobs.execute("SELECT set_config('app.role', 'system', true)")
        jobs.execute("UPDATE notifications SET is_read = true")
        jobs_login = jobs.execute("SELECT current_user").fetchone()
    inserted, updated = audit_rows(conn, table_name="notifications")
    assert (inserted["actor_id"], inserted["db_role"], inserted["app_role"]) == (
        USER_A,
        *(app_login or ()),
        None,
    )
    assert (updated["actor_id"], updated["db_role"], updated["app_role"]) == (
        None,
        *(jobs_login or ()),
        "system",
    )
    assert updated["changed_columns"] == ["is_read"]


def test_upserts_multi_row_statements_and_cascades_are_audited_row_by_row(
    conn: psycopg.Connection[Any],
) -> None:
    add_users(conn, USER_A)
    bill = add_personal_row(conn, "bill_engagement", USER_A)
    record_view = (
        "INSERT INTO bill_engagement (bill_id, user_id, view_count)"
        " SELECT bill_id, user_id, 1 FROM bill_engagement WHERE id = %s"
        " ON CONFLICT (bill_id, user_id) DO UPDATE SET view_count = bill_engagement.view_count + 1"
    )
    conn.execute(record_view, (bill,))
    conn.execute(
        record_view.split(" ON CONFLICT", maxsplit=1)[0] + " ON CONFLICT DO NOTHING", (bill,)
    )
    operations = [r["operation"] for r in audit_rows(conn, table_name="bill_engagement")]
    assert operations == ["INSERT", "UPDATE"]
    conn.execute(
        "INSERT INTO user_interests (user_id, interest) VALUES (%s, 'a'), (%s, 'b')",
        (USER_A, USER_A),
    )
    assert len(audit_rows(conn, table_name="user_interests")) == 2
    conn.execute("DELETE FROM users WHERE id = %s", (USER_A,))  # cascades to its rows
    cascaded = {
        (r["table_name"], r["operation"]) for r in audit_rows(conn) if r["operation"] == "DELETE"
    }
    assert cascaded == {
        ("users", "DELETE"),
        ("user_interests", "DELETE"),
        ("bill_engagement", "DELETE"),
    }


def test_secrets_never_reach_the_audit(conn: psycopg.Connection[Any]) -> None:
    secrets = {
        "users": "pbkdf2-SECRET-1",
        "sessions": "tok-SECRET-2",
        "password_resets": "reset-SECRET-3",
        "refresh_tokens": "refresh-SECRET-4",
    }
    conn.execute(
        "INSERT INTO users (id, email, password_hash, name) VALUES (%s, 'a@x', %s, 'A')",
        (USER_A, secrets["users"]),
    )
    conn.execute(
        "INSERT INTO sessions (id, user_id, expires_at, token) VALUES ('s1', %s, now(), %s)",
        (USER_A, secrets["sessions"]),
    )
    conn.execute(
        "INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES (%s, %s, now())",
        (USER_A, secrets["password_resets"]),
    )
    conn.execute(
        "INSERT INTO refresh_tokens (session_id, token_hash, expires_at) VALUES ('s1', %s, now())",
        (secrets["refresh_tokens"],),
    )
    conn.execute(
        "INSERT INTO user_social_profiles (user_id, provider, provider_id, access_token,"
        " refresh_token) VALUES (%s, 'x', '1', 'oauth-SECRET-5', 'oauth-SECRET-6')",
        (USER_A,),
    )
    conn.execute("UPDATE users SET password_hash = 'pbkdf2-SECRET-7', name = 'B'")
    conn.execute("UPDATE sessions SET token = 'tok-SECRET-8'")
    conn.execute("DELETE FROM users")
    everything = conn.execute("SELECT string_agg(a::text, '|') FROM audit_log AS a").fetchone()
    assert everything is not None and "SECRET" not in everything[0]
    [update] = audit_rows(conn, table_name="users", operation="UPDATE")
    assert update["changed_columns"] == ["name", "password_hash"]
    assert (
        update["old_values"]["password_hash"] == update["new_values"]["password_hash"] == REDACTED
    )


def test_the_application_cannot_forge_change_delete_or_bypass_the_audit(
    conn: psycopg.Connection[Any], app_url: DatabaseUrl
) -> None:
    conn.execute("INSERT INTO bills (title) VALUES ('audited')")
    with connect(app_url) as app:
        for statement in (
            "INSERT INTO audit_log (table_name, record_id, operation) VALUES ('b', '1', 'INSERT')",
            "UPDATE audit_log SET actor_id = NULL",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "SELECT audit_purge(interval '1 day')",
            "ALTER TABLE bills DISABLE TRIGGER audit_changes",
            "DROP TRIGGER audit_changes ON bills",
            "SELECT audit_enable('bills')",
            "SELECT secure_schema()",
        ):
            with pytest.raises(pg_errors.InsufficientPrivilege):
                app.execute(statement)
        # A temporary table cannot capture the audit: the trigger's search_path ends in pg_temp.
        app.execute("CREATE TEMP TABLE audit_log (LIKE pg_catalog.pg_class)")
        app.execute("UPDATE bills SET title = 'changed by the app'")
    [update] = audit_rows(conn, table_name="bills", operation="UPDATE")
    assert update["new_values"] == {"title": "changed by the app"}


def test_the_audit_triggers_are_current_and_cover_every_table(
    conn: psycopg.Connection[Any],
) -> None:
    """A column added without re-running audit_enable() would not be redacted: catch that."""
    names = conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
        " AND relkind = 'r' AND coalesce(obj_description(oid, 'pg_class'), '') NOT LIKE 'domain: %'"
    ).fetchall()
    assert names == [("schema_migrations",)]  # every other table is a domain table
    triggers = conn.execute(
        "SELECT tgrelid::regclass::text, oid FROM pg_trigger WHERE tgname = 'audit_changes'"
        " AND tgenabled = 'O'"
    ).fetchall()
    assert {t for t, _ in triggers} == {t.name for t in domain_tables(conn)}
    with conn.transaction():
        conn.execute("SELECT secure_schema()")
        after = conn.execute(
            "SELECT tgrelid::regclass::text, oid FROM pg_trigger WHERE tgname = 'audit_changes'"
        ).fetchall()
        assert sorted(after) == sorted(triggers)  # nothing was stale: nothing was rebuilt
        conn.execute("ALTER TABLE bills ADD COLUMN api_key text")
        conn.execute("SELECT audit_enable('bills')")
        args = conn.execute(
            "SELECT encode(tgargs, 'escape') FROM pg_trigger WHERE tgname = 'audit_changes'"
            " AND tgrelid = 'bills'::regclass"
        ).fetchone()
        assert args is not None and "{api_key}" in args[0]
        raise psycopg.Rollback  # leave the schema as the migrations made it


def _add_old_audit(conn: psycopg.Connection[Any], days_ago: list[int]) -> None:
    for days in days_ago:
        conn.execute(
            "INSERT INTO audit_log (occurred_at, table_name, record_id, operation)"
            " VALUES (now() - make_interval(days => %s), 'bills', '1', 'INSERT')",
            (days,),
        )


def test_retention_purges_old_rows_in_batches_and_leaves_a_trace(
    conn: psycopg.Connection[Any], system_url: DatabaseUrl, app_url: DatabaseUrl
) -> None:
    _add_old_audit(conn, [400, 399, 398, 397, 396, 10, 0])
    lines: list[str] = []
    purged = purge_audit(conn, older_than=dt.timedelta(days=365), batch_size=2, echo=lines.append)
    assert purged == 5 and len(lines) == 3
    left = [r["operation"] for r in audit_rows(conn)]
    assert left == ["INSERT", "INSERT", "PURGE", "PURGE", "PURGE"]
    with pytest.raises(InvalidInput, match="older_than"):
        purge_audit(conn, older_than=dt.timedelta(hours=23))
    with pytest.raises(InvalidInput, match="batch_size"):
        purge_audit(conn, older_than=dt.timedelta(days=30), batch_size=0)
    with pytest.raises(pg_errors.InvalidParameterValue, match="at least one day"):
        conn.execute("SELECT audit_purge(interval '1 hour')")
    with connect(system_url) as jobs:
        assert purge_audit(jobs, older_than=dt.timedelta(days=5)) == 1
    with connect(app_url) as app, pytest.raises(pg_errors.InsufficientPrivilege):
        purge_audit(app, older_than=dt.timedelta(days=5))


@pytest.mark.usefixtures("clean_env")
def test_audit_purge_command(
    conn: psycopg.Connection[Any],
    database_url: DatabaseUrl,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _add_old_audit(conn, [100, 1])
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("DATABASE_MIGRATION_URL", database_url.conninfo())  # purge as the owner
    assert main(["audit-purge", "--older-than", "30"]) == EXIT_OK
    assert "purged 1 audit rows older than 30 days" in capsys.readouterr().out
    assert main(["audit-purge", "--older-than", "0.5"]) == EXIT_USAGE
    assert "older_than" in capsys.readouterr().err
    rows = audit_rows(conn)
    assert [r["operation"] for r in rows] == ["INSERT", "PURGE"]
    assert rows[1]["new_values"]["purged_rows"] == 1
