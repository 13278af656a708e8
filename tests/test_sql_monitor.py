"""The query monitor: per-shape stats, counters per context, the slow log with redacted plans."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from chanuka_db.errors import InvalidInput, QueryError
from chanuka_db.pool.config import DatabaseConfig
from chanuka_db.sql import Executor, QueryMonitor, assign, insert, select, trusted, update
from chanuka_db.sql.compiler import Compiled
from chanuka_db.sql.monitor import redacted_params
from chanuka_db.types import NewUser, Param, User, tables

users = tables.users
SECRET_HASH = "$argon2id$v=19$m=65536$SUPERSECRETHASHVALUE"
SET_PASSWORD = (
    update(users).set(assign(users.password_hash, Param("hash"))).where(users.id == Param("id"))
)


def _slow_trigger(conn: psycopg.Connection[Any], seconds: float) -> None:
    """Updates of users sleep, and each one that really runs leaves a row in a ledger."""
    conn.execute("CREATE TABLE update_ledger (user_id uuid, at timestamptz DEFAULT now())")
    conn.execute(
        f"""
        CREATE FUNCTION slow_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_sleep({seconds});
            INSERT INTO update_ledger (user_id) VALUES (NEW.id);
            RETURN NEW;
        END $$;
        CREATE TRIGGER slow_update BEFORE UPDATE ON users
            FOR EACH ROW EXECUTE FUNCTION slow_update();
        """
    )


def _times_out(conn: psycopg.Connection[Any], executor: Executor, sql: Any, params: Any) -> None:
    """Run ``sql`` in a transaction whose statement timeout (80 ms) it exceeds."""
    with conn.transaction():
        conn.execute("SET LOCAL statement_timeout = '80ms'")
        executor.fetch_trusted(sql, params)


def _user(executor: Executor) -> User:
    new = NewUser(email="slow@example.org", name="Slow", password_hash="old")
    return insert(users, User).values(new).fetch_one(executor)


def test_a_slow_write_is_logged_with_redacted_params_and_a_plan_and_runs_once(
    conn: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    _slow_trigger(conn, 0.15)
    monitor = QueryMonitor.from_config(DatabaseConfig(slow_query_ms=100))
    executor = Executor(conn, monitor)
    user = _user(executor)
    with caplog.at_level(logging.WARNING, logger="chanuka_db.sql"):
        SET_PASSWORD.execute(executor, hash=SECRET_HASH, id=user.id)
    (record,) = [r for r in caplog.records if r.name == "chanuka_db.sql"]
    assert record.levelno == logging.WARNING
    assert record.sql == SET_PASSWORD.prepared().compiled.text  # type: ignore[attr-defined]
    assert record.parameters == f"password_hash=***, id={user.id!r}"  # type: ignore[attr-defined]
    assert "Update on users" in record.plan  # type: ignore[attr-defined]
    assert "Index Cond" in record.plan  # type: ignore[attr-defined]
    assert record.duration_ms >= 150  # type: ignore[attr-defined]
    assert SECRET_HASH not in caplog.text
    assert "SUPERSECRET" not in caplog.text
    ledger = conn.execute("SELECT count(*) FROM update_ledger").fetchone()
    assert ledger == (1,), "EXPLAIN must not run the write again"
    assert conn.execute("SELECT password_hash FROM users").fetchone() == (SECRET_HASH,)


def test_a_failed_slow_statement_is_never_explained_inside_its_failed_transaction(
    conn: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    monitor = QueryMonitor(slow_query_ms=50)
    executor = Executor(conn, monitor)
    failing = trusted("SELECT pg_sleep(%(seconds)s), %(token)s::text")
    with (
        caplog.at_level(logging.WARNING, logger="chanuka_db.sql"),
        pytest.raises(QueryError, match="statement timeout") as err,
    ):
        _times_out(conn, executor, failing, {"seconds": 5, "token": "abc"})
    assert err.value.sqlstate == "57014"
    (record,) = caplog.records
    assert "failed" in record.getMessage()
    assert record.parameters == "seconds=5, token=***"  # type: ignore[attr-defined]
    assert "not explained: the statement's transaction failed" in record.plan  # type: ignore[attr-defined]
    stats = monitor.shape(failing.text)
    assert stats is not None
    assert stats.errors == {"57014": 1}


def test_a_separate_connection_explains_statements_of_failed_transactions(
    conn: psycopg.Connection[Any], database_url: Any, caplog: pytest.LogCaptureFixture
) -> None:
    @contextlib.contextmanager
    def separate() -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(database_url.conninfo(), autocommit=True) as other:
            yield other

    monitor = QueryMonitor(slow_query_ms=50, explain_connection=separate)
    executor = Executor(conn, monitor)
    failing = trusted("SELECT pg_sleep(%s), %s::text")
    with caplog.at_level(logging.WARNING, logger="chanuka_db.sql"), pytest.raises(QueryError):
        _times_out(conn, executor, failing, [5, "abc"])
    (record,) = caplog.records
    assert record.parameters == "$1=***, $2=***"  # type: ignore[attr-defined]
    assert "Result" in record.plan  # type: ignore[attr-defined]


def test_an_unexplainable_statement_is_logged_with_the_reason(
    conn: psycopg.Connection[Any], caplog: pytest.LogCaptureFixture
) -> None:
    executor = Executor(conn, QueryMonitor(slow_query_ms=0.001))
    with caplog.at_level(logging.WARNING, logger="chanuka_db.sql"), conn.transaction():
        executor.execute(trusted("SET LOCAL work_mem = '8MB'"))
        assert conn.execute("SHOW work_mem").fetchone() == ("8MB",)  # the savepoint kept it
    (record,) = caplog.records
    assert record.plan.startswith("(not explained: syntax error")  # type: ignore[attr-defined]


def test_stats_per_shape(executor: Executor, monitor: QueryMonitor) -> None:
    by_email = select(users, User).where(users.email == Param("email"))
    for n in range(10):
        by_email.fetch_all(executor, email=f"{n}@example.org")
    with pytest.raises(InvalidInput):
        executor.execute(trusted("SELECT 1/0"))
    stats = monitor.shape(by_email.prepared().compiled.text)
    assert stats is not None
    assert (stats.count, stats.rows, stats.errors) == (10, 0, {})
    assert 0 < stats.p50_ms <= stats.p95_ms <= stats.max_ms <= stats.total_ms
    assert stats.mean_ms == pytest.approx(stats.total_ms / 10)
    shapes = {s.sql: s for s in monitor.stats()}
    assert shapes["SELECT 1/0"].errors == {"22012": 1}
    monitor.reset()
    assert monitor.stats() == []


def test_percentiles_follow_the_distribution() -> None:
    monitor = QueryMonitor(slow_query_ms=10_000)
    compiled = Compiled("SELECT 1", None, (), ())
    for millis in range(1, 101):
        monitor.record(compiled, [], millis / 1000, 1, None)  # type: ignore[arg-type]
    stats = monitor.shape("SELECT 1")
    assert stats is not None
    assert stats.p50_ms == pytest.approx(50, rel=0.2)
    assert stats.p95_ms == pytest.approx(95, rel=0.2)
    assert stats.max_ms == pytest.approx(100)
    assert stats.rows == 100
    tiny = QueryMonitor(max_shapes=2)
    for n in range(3):
        tiny.record(Compiled(f"SELECT {n}", None, (), ()), [], 0.0, 0, None)  # type: ignore[arg-type]
    assert [s.sql for s in tiny.stats()] == ["SELECT 1", "SELECT 2"] or len(tiny.stats()) == 2


def test_counts_nest_and_only_see_their_own_context(
    executor: Executor, monitor: QueryMonitor
) -> None:
    probe = select(users, User).where(users.id == Param("id"))
    with monitor.count() as outer:
        probe.fetch_all(executor, id=uuid.uuid4())
        with monitor.count() as inner:
            probe.fetch_all(executor, id=uuid.uuid4())
            probe.fetch_all(executor, id=uuid.uuid4())
    assert (outer.total, inner.total) == (3, 2)
    assert inner.statements == [probe.prepared().compiled.text] * 2
    other = QueryMonitor()
    with other.count() as elsewhere:
        probe.fetch_all(executor, id=uuid.uuid4())
    assert elsewhere.total == 0, "a count belongs to its own monitor"
    assert repr(outer) == "<StatementCount total=3>"


def test_log_parameters_are_redacted_and_shortened() -> None:
    compiled = Compiled("SELECT", None, ("content", "api_token", "id"), (False, True, False))
    text = redacted_params(compiled, ["x" * 500, "tok", 7])
    assert text.startswith("content='xxxx")
    assert "... (502 chars)" in text
    assert "api_token=***" in text
    assert text.endswith("id=7")
    assert redacted_params(compiled, []) == "none"
    assert redacted_params(Compiled("SELECT", None, (), ()), [1]) == "$1=***"


def test_default_monitor_is_shared_by_executors_made_without_one(
    conn: psycopg.Connection[Any],
) -> None:
    assert Executor(conn).monitor is Executor(conn).monitor
