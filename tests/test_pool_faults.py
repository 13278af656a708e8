"""Faults: terminated backends, a server stopped and restarted, the breaker, safe retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors

from chanuka_db.errors import CommitUncertain, DatabaseUnavailable, PoolExhausted
from chanuka_db.pool import BreakerState, Database, DatabaseUrl, IsolationLevel
from chanuka_db.pool.config import DatabaseConfig, Environment
from chanuka_db.pool.embedded import EmbeddedServer, ensure_running
from chanuka_db.pool.resilience import (
    CircuitBreaker,
    RetryPolicy,
    is_connection_failure,
    is_retryable_conflict,
)
from tests.conftest import server_directory

# Quick to notice and quick to recover, so fault tests stay short.
FAST_FAILURE = {
    "check_idle_s": 0.0,
    "acquire_timeout_s": 1.0,
    "connect_timeout_s": 1.0,
    "breaker_threshold": 3,
    "breaker_cooldown_s": 0.3,
    "retry_attempts": 4,
    "retry_base_delay_ms": 20,
}


class Writers:
    """Threads writing unique tokens through db.transaction(), retrying only what is safe.

    A token is acknowledged when its transaction() returned. DatabaseUnavailable before
    COMMIT means it was not written, so the same token is tried again; CommitUncertain
    means it may have been, so it is never written twice.
    """

    def __init__(self, db: Database, threads: int, per_thread: int) -> None:
        self.db = db
        self.acknowledged: set[str] = set()
        self.uncertain: set[str] = set()
        self.unexpected: list[BaseException] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._write, args=(t, per_thread)) for t in range(threads)
        ]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in self._threads:
            thread.join(timeout=120)

    def _write(self, t: int, count: int) -> None:
        for n in range(count):
            token = f"{t}-{n}"
            self._write_one(token, deadline=time.monotonic() + 60)

    def _write_one(self, token: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with self.db.transaction() as tx:
                    tx.execute("INSERT INTO writes (token) VALUES (%s)", [token])
            except CommitUncertain:
                with self._lock:
                    self.uncertain.add(token)
                return
            except (DatabaseUnavailable, PoolExhausted):
                time.sleep(0.02)
                continue
            except BaseException as exc:
                self.unexpected.append(exc)
                return
            with self._lock:
                self.acknowledged.add(token)
            return
        self.unexpected.append(TimeoutError(f"{token} never written"))


def assert_writes_exact(conn: psycopg.Connection[Any], writers: Writers, total: int) -> None:
    assert not writers.unexpected, writers.unexpected[:3]
    rows = conn.execute("SELECT token, count(*) FROM writes GROUP BY token").fetchall()
    present = dict(rows)
    assert writers.acknowledged <= present.keys(), "an acknowledged write is missing"
    assert all(count == 1 for count in present.values()), "a write was duplicated"
    assert present.keys() <= writers.acknowledged | writers.uncertain
    assert len(writers.acknowledged) + len(writers.uncertain) == total


WRITES_TABLE = "CREATE TABLE writes (id bigserial PRIMARY KEY, token text NOT NULL)"


def terminate_backends(conn: psycopg.Connection[Any], application_name: str) -> int:
    rows = conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = %s "
        "AND pid <> pg_backend_pid()",
        [application_name],
    ).fetchall()
    return len(rows)


def test_terminated_backends_mid_load_recover_without_losing_writes(
    make_db: Callable[..., Database], conn: psycopg.Connection[Any]
) -> None:
    conn.execute(WRITES_TABLE)
    db = make_db(pool_min=4, pool_max=8, **{**FAST_FAILURE, "breaker_threshold": 50})
    killed = 0
    with Writers(db, threads=6, per_thread=60) as writers:
        for _ in range(3):
            time.sleep(0.15)
            killed += terminate_backends(conn, db.config.application_name)
    assert killed > 0
    assert_writes_exact(conn, writers, total=360)
    with db.transaction() as tx:
        assert tx.execute("SELECT 1").fetchone() == (1,)
    stats = db.stats()
    assert stats.in_use == 0
    assert stats.connections_lost + stats.returns_bad > 0  # the pool did see the failures


def test_a_lent_connection_whose_backend_died_surfaces_as_unavailable(
    make_db: Callable[..., Database], conn: psycopg.Connection[Any]
) -> None:
    db = make_db(pool_max=1, check_idle_s=3600)
    lost = pytest.raises(DatabaseUnavailable, match="lost the connection")
    with lost as err, db.connection() as c:
        terminate_backends(conn, db.config.application_name)
        time.sleep(0.1)
        c.execute("SELECT 1")
    assert is_connection_failure(err.value.__cause__ or err.value)
    with db.connection() as c:  # replaced by the pool
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_begin_on_a_dead_connection_is_retried_transparently(
    make_db: Callable[..., Database], conn: psycopg.Connection[Any]
) -> None:
    # check_idle_s is huge: the pool lends the dead connection without checking it, and
    # transaction() notices at BEGIN, before anything of the caller's ran.
    db = make_db(pool_min=1, pool_max=1, check_idle_s=3600, retry_base_delay_ms=1)
    with db.connection() as c:
        old_pid = c.info.backend_pid
    terminate_backends(conn, db.config.application_name)
    time.sleep(0.1)
    with db.transaction() as tx:
        assert tx.info.backend_pid != old_pid


# -- run(): what is re-run and what never is ---------------------------------------------


def test_run_does_not_rerun_a_callback_not_declared_idempotent(
    db: Database,
) -> None:
    calls: list[int] = []

    def kills_itself(tx: psycopg.Connection[Any]) -> None:
        calls.append(1)
        tx.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    with pytest.raises(DatabaseUnavailable):
        db.run(kills_itself)
    assert calls == [1]


def test_run_reruns_an_idempotent_callback_after_a_connection_failure(db: Database) -> None:
    calls: list[int] = []

    def dies_once(tx: psycopg.Connection[Any]) -> int:
        calls.append(1)
        if len(calls) == 1:
            tx.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        row = tx.execute("SELECT 41 + 1").fetchone()
        assert row is not None
        return int(row[0])

    assert db.run(dies_once, idempotent=True) == 42
    assert len(calls) == 2


def test_run_reruns_an_idempotent_callback_after_a_serialization_failure(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    conn.execute("CREATE TABLE counter (id int PRIMARY KEY, value int)")
    conn.execute("INSERT INTO counter VALUES (1, 0)")
    calls: list[int] = []

    def increment(tx: psycopg.Connection[Any]) -> None:
        calls.append(1)
        tx.execute("SELECT value FROM counter WHERE id = 1")  # takes the snapshot
        if len(calls) == 1:
            conn.execute("UPDATE counter SET value = value + 100 WHERE id = 1")
        tx.execute("UPDATE counter SET value = value + 1 WHERE id = 1")

    with pytest.raises(pg_errors.SerializationFailure):
        db.run(increment, isolation=IsolationLevel.REPEATABLE_READ)
    assert len(calls) == 1
    calls.clear()
    db.run(increment, idempotent=True, isolation=IsolationLevel.REPEATABLE_READ)
    assert len(calls) == 2
    assert conn.execute("SELECT value FROM counter").fetchone() == (201,)


def test_a_connection_lost_during_commit_is_uncertain_and_never_rerun(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    # A deferred constraint trigger runs inside COMMIT: it kills the session there.
    conn.execute(
        """
        CREATE TABLE doomed (id int);
        CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON doomed
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die();
        """
    )
    calls: list[int] = []

    def write(tx: psycopg.Connection[Any]) -> None:
        calls.append(1)
        tx.execute("INSERT INTO doomed VALUES (1)")

    with pytest.raises(CommitUncertain, match="may or may not have committed"):
        db.run(write, idempotent=True)
    assert calls == [1]
    assert db.stats().in_use == 0


def test_run_nested_in_a_transaction_is_never_rerun(db: Database) -> None:
    calls: list[int] = []

    def conflict(tx: psycopg.Connection[Any]) -> None:
        calls.append(1)
        raise pg_errors.SerializationFailure("simulated by the caller")

    with db.transaction(), pytest.raises(pg_errors.SerializationFailure):
        db.run(conflict, idempotent=True)
    assert calls == [1]


# -- classification, backoff and breaker as units ---------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (pg_errors.AdminShutdown("57P01"), True),
        (pg_errors.CrashShutdown("57P02"), True),
        (pg_errors.CannotConnectNow("57P03"), True),
        (pg_errors.TooManyConnections("53300"), True),
        (pg_errors.ConnectionFailure("08006"), True),
        (pg_errors.ProtocolViolation("08P01"), True),
        (psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (pg_errors.QueryCanceled("57014"), False),
        (pg_errors.UniqueViolation("23505"), False),
        (pg_errors.SerializationFailure("40001"), False),
        (ValueError("not a database error"), False),
    ],
)
def test_connection_failures_are_told_apart(error: Exception, expected: bool) -> None:
    assert is_connection_failure(error) is expected


def test_retryable_conflicts() -> None:
    assert is_retryable_conflict(pg_errors.SerializationFailure())
    assert is_retryable_conflict(pg_errors.DeadlockDetected())
    assert not is_retryable_conflict(pg_errors.UniqueViolation())


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap() -> None:
    policy = RetryPolicy(attempts=8, base_delay_s=0.1, max_delay_s=1.0)
    for _ in range(50):
        delays = list(policy.delays())
        assert len(delays) == 7
        for n, delay in enumerate(delays):
            assert 0 <= delay <= min(1.0, 0.1 * 2**n)
    assert list(RetryPolicy(attempts=1).delays()) == []


def test_breaker_opens_half_opens_and_closes() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown_s=0.2)
    assert breaker.admit() is False
    breaker.record_failure("one")
    breaker.record_failure("two")
    breaker.record_success()  # not consecutive any more
    for n in range(3):
        breaker.record_failure(f"failure {n}")
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(DatabaseUnavailable, match=r"circuit breaker open.*failure 2"):
        breaker.admit()
    time.sleep(0.25)
    assert breaker.admit() is True  # the trial
    assert breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(DatabaseUnavailable):
        breaker.admit()  # others still fail fast while the trial runs
    breaker.record_failure("trial failed")
    assert breaker.state is BreakerState.OPEN
    time.sleep(0.25)
    assert breaker.admit() is True
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.admit() is False


# -- a dedicated embedded server that can be stopped and restarted ----------------------


@pytest.fixture(scope="module")
def own_server() -> Iterator[EmbeddedServer]:
    with server_directory("chanuka-faults-") as scratch:
        yield from _own_server(scratch / "data")


def _own_server(data: Path) -> Iterator[EmbeddedServer]:
    server = ensure_running(Path(data), database="faults", cleanup="delete")
    try:
        yield server
    finally:
        server.start()  # leave it running for a clean delete even if a test failed
        server.close()


@pytest.fixture
def own_db(own_server: EmbeddedServer) -> Iterator[tuple[Database, DatabaseUrl]]:
    url = own_server.url("faults")
    with psycopg.connect(url.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS writes")
        conn.execute(WRITES_TABLE)
    config = DatabaseConfig.for_environment(
        Environment.TEST, url=url, pool_min=3, pool_max=6, **FAST_FAILURE
    )
    with Database(config) as db:
        yield db, url


@pytest.mark.embedded
def test_server_stopped_and_restarted_mid_load(
    own_server: EmbeddedServer, own_db: tuple[Database, DatabaseUrl]
) -> None:
    db, url = own_db
    with Writers(db, threads=4, per_thread=80) as writers:
        time.sleep(0.3)
        own_server.stop()
        time.sleep(1.5)
        own_server.start()
    assert own_server.url("faults") == url
    with psycopg.connect(url.conninfo(), autocommit=True) as conn:
        assert_writes_exact(conn, writers, total=320)
    with db.transaction() as tx:
        assert tx.execute("SELECT 1").fetchone() == (1,)
    assert db.breaker.state is BreakerState.CLOSED
    stats = db.stats()
    # The outage was seen: connections lost or refused. Which counter moves depends on where
    # each writer was when the server went away (mid-statement, idle in the pool, or
    # reconnecting), so under load any of them may be the one.
    assert stats.returns_bad + stats.connections_lost + stats.acquisition_errors > 0


@pytest.mark.embedded
def test_breaker_fails_fast_while_down_and_closes_when_back(own_server: EmbeddedServer) -> None:
    # Its own Database, with a cool-down well above the time one failed acquisition can take
    # (acquire timeout 1 s plus quick retries), so a loaded machine cannot slip past the
    # cool-down between the breaker opening and the fail-fast check.
    cooldown = 3.0
    settings = {**FAST_FAILURE, "breaker_cooldown_s": cooldown, "acquire_timeout_s": 1.0}
    config = DatabaseConfig.for_environment(
        Environment.TEST, url=own_server.url("faults"), pool_min=1, pool_max=3, **settings
    )
    with Database(config) as db:
        _breaker_cycle(own_server, db, cooldown)


def _breaker_cycle(own_server: EmbeddedServer, db: Database, cooldown: float) -> None:
    with db.connection() as c:
        c.execute("SELECT 1")
    own_server.stop()
    try:
        deadline = time.monotonic() + 30
        while db.breaker.state is not BreakerState.OPEN and time.monotonic() < deadline:
            with pytest.raises(DatabaseUnavailable), db.connection() as c:
                c.execute("SELECT 1")
        assert db.breaker.state is BreakerState.OPEN
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="circuit breaker open"), db.connection():
            pass
        assert time.monotonic() - started < 0.5  # fails fast: no 1 s acquire timeout
        report = db.health()
        assert not report.healthy and report.breaker is BreakerState.OPEN
        time.sleep(cooldown + 0.2)  # past the cool-down: the next caller is the trial, fails
        with pytest.raises(DatabaseUnavailable, match="still unreachable"), db.connection():
            pass
        assert db.breaker.state is BreakerState.OPEN
    finally:
        own_server.start()
    time.sleep(cooldown + 0.2)
    with db.transaction() as tx:  # the trial succeeds: the pool is renewed, breaker closed
        assert tx.execute("SELECT 1").fetchone() == (1,)
    assert db.breaker.state is BreakerState.CLOSED
    assert db.health().healthy


@pytest.mark.embedded
def test_database_with_no_url_starts_and_releases_the_embedded_server(
    server_tmp: Path,
) -> None:
    config = DatabaseConfig.for_environment(Environment.TEST, data_dir=server_tmp / "pgdata")
    with Database(config) as db:
        assert db.url.source == "embedded"
        with db.connection() as c:
            assert c.execute("SELECT current_database()").fetchone() == ("chanuka",)
    assert db._server is None
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(db.url.conninfo(), connect_timeout=2)
