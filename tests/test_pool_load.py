"""Lifecycle, exhaustion and concurrency: counts balance, waiters queue, nothing leaks."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors

from chanuka_db.errors import DatabaseUnavailable, PoolExhausted
from chanuka_db.pool import Database


@contextmanager
def holding(db: Database, count: int) -> Iterator[list[int]]:
    """``count`` threads each holding one connection until the block ends."""
    release = threading.Event()
    ready = threading.Barrier(count + 1)
    pids: list[int] = []

    def hold() -> None:
        with db.connection() as c:
            pids.append(c.info.backend_pid)
            ready.wait(timeout=30)
            release.wait(timeout=60)

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=30)
    try:
        yield pids
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)


def test_open_close_are_idempotent_and_close_is_final(make_db: Callable[..., Database]) -> None:
    db = make_db()
    assert db.open() is db
    with db.connection() as c:
        assert c.execute("SELECT 1").fetchone() == (1,)
    db.close()
    db.close()
    assert db.closed
    with pytest.raises(DatabaseUnavailable, match="closed"):
        db.open()
    with pytest.raises(DatabaseUnavailable, match="closed"), db.connection():
        pass


def test_first_use_opens_and_context_manager_closes(database_url: Any) -> None:
    from chanuka_db.pool.config import DatabaseConfig, Environment

    db = Database(DatabaseConfig.for_environment(Environment.TEST, url=database_url))
    assert db.url == database_url
    with db.transaction() as tx:
        assert tx.execute("SELECT 1").fetchone() == (1,)
    db.close()
    with Database(db.config) as again, again.connection() as c:
        assert c.execute("SELECT 2").fetchone() == (2,)
    assert again.closed


def test_from_env_reads_the_configuration(
    monkeypatch: pytest.MonkeyPatch, database_url: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url.conninfo())
    monkeypatch.setenv("CHANUKA_DB_POOL_MAX", "3")
    monkeypatch.setenv("CHANUKA_DB_POOL_MIN", "1")
    with Database.from_env() as db:
        assert db.config.pool_max == 3
        with db.connection() as c:
            assert c.execute("SELECT current_database()").fetchone() == (database_url.dbname,)


def test_close_while_a_connection_is_lent_does_not_hang(
    make_db: Callable[..., Database],
) -> None:
    db = make_db()
    started = time.monotonic()
    with db.connection() as c:
        c.execute("SELECT 1")
        db.close()
    assert time.monotonic() - started < 10


def test_acquisitions_and_returns_balance_over_10000_mixed_units(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    conn.execute("CREATE TABLE units (id int PRIMARY KEY)")
    rng = random.Random(7)
    committed = 0
    for i in range(10_000):
        kind = rng.randrange(5)
        try:
            if kind == 0:
                with db.connection() as c:
                    c.execute("SELECT count(*) FROM units")
            elif kind == 1:
                with db.transaction() as tx:
                    tx.execute("INSERT INTO units VALUES (%s)", [i])
                committed += 1
            elif kind == 2:
                with db.transaction() as tx:
                    tx.execute("INSERT INTO units VALUES (%s)", [-i - 1])
                    raise ValueError("application error after a write")
            elif kind == 3:
                with db.transaction() as tx:
                    tx.execute("INSERT INTO units VALUES (0)")  # duplicate after the first
                committed += 1
            else:
                with db.connection() as c:
                    c.execute("SELECT 1/0")
        except (ValueError, pg_errors.UniqueViolation, pg_errors.DivisionByZero):
            pass
    stats = db.stats()
    assert stats.acquisitions == 10_000
    assert stats.in_use == 0
    assert stats.usage_time.count == 10_000
    assert stats.returns_bad == 0 and stats.connections_lost == 0
    assert stats.size <= db.config.pool_max
    assert conn.execute("SELECT count(*) FROM units").fetchone() == (committed,)
    backends = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = %s AND state <> 'idle'",
        [db.config.application_name],
    ).fetchone()
    assert backends == (0,)


def test_the_21st_borrower_waits_for_a_returned_connection(
    make_db: Callable[..., Database],
) -> None:
    db = make_db(pool_max=20, acquire_timeout_s=20)
    got: list[float] = []
    with holding(db, 20) as pids:
        assert len(set(pids)) == 20
        assert db.stats().in_use == 20

        def twenty_first() -> None:
            with db.connection() as c:
                got.append(time.monotonic())
                c.execute("SELECT 1")

        waiter = threading.Thread(target=twenty_first)
        waiter.start()
        deadline = time.monotonic() + 10
        while db.stats().waiting < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert db.stats().waiting == 1
        assert not got
        released_at = time.monotonic()
    waiter.join(timeout=30)
    assert got and got[0] >= released_at
    assert db.stats().acquisition_timeouts == 0


def test_exhausted_pool_times_out_with_pool_exhausted(
    make_db: Callable[..., Database],
) -> None:
    # All 20 connections are opened before the holders borrow them: on a loaded machine
    # (or a TCP server with password auth) opening 20 on demand can outlast the short
    # acquire timeout this test is about.
    db = make_db(pool_min=20, pool_max=20, acquire_timeout_s=0.3)
    deadline = time.monotonic() + 60
    while db.stats().idle < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    with holding(db, 20):
        started = time.monotonic()
        exhausted = pytest.raises(PoolExhausted, match="all 20 connections in use")
        with exhausted as err, db.connection():
            pass
        assert time.monotonic() - started >= 0.25
        assert "acquire timeout" in str(err.value)
    stats = db.stats()
    assert stats.acquisition_timeouts == 1 and stats.in_use == 0


def test_waiters_are_served_first_in_first_out(make_db: Callable[..., Database]) -> None:
    db = make_db(pool_max=1, acquire_timeout_s=20)
    order: list[int] = []
    with holding(db, 1):
        waiters = []
        for n in range(5):
            waiter = threading.Thread(target=lambda n=n: _borrow_and_note(db, order, n))
            waiter.start()
            waiters.append(waiter)
            deadline = time.monotonic() + 10
            while db.stats().waiting < n + 1 and time.monotonic() < deadline:
                time.sleep(0.005)
    for waiter in waiters:
        waiter.join(timeout=30)
    assert order == [0, 1, 2, 3, 4]


def _borrow_and_note(db: Database, order: list[int], n: int) -> None:
    with db.connection():
        order.append(n)


def test_max_waiting_sheds_load_at_once(make_db: Callable[..., Database]) -> None:
    db = make_db(pool_max=1, max_waiting=1, acquire_timeout_s=10)
    with holding(db, 1):
        first = threading.Thread(target=lambda: _borrow_and_note(db, [], 0))
        first.start()
        deadline = time.monotonic() + 10
        while db.stats().waiting < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        started = time.monotonic()
        with pytest.raises(PoolExhausted, match=r"load shed.*max_waiting=1"), db.connection():
            pass
        assert time.monotonic() - started < 5
    first.join(timeout=30)
    assert db.stats().shed == 1


def test_100_threads_50_units_each_against_20_connections(
    make_db: Callable[..., Database], conn: psycopg.Connection[Any]
) -> None:
    conn.execute("CREATE TABLE ledger (thread int, n int, PRIMARY KEY (thread, n))")
    conn.execute("CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL)")
    conn.execute("INSERT INTO counters VALUES (1, 0)")
    db = make_db(pool_min=5, pool_max=20, acquire_timeout_s=60)
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for n in range(50):
                if n % 3 == 0:
                    with db.connection() as c:
                        c.execute("SELECT count(*) FROM ledger WHERE thread = %s", [t])
                else:
                    with db.transaction() as tx:
                        tx.execute("INSERT INTO ledger VALUES (%s, %s)", [t, n])
                        tx.execute("UPDATE counters SET value = value + 1 WHERE id = 1")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors
    writes = 100 * sum(1 for n in range(50) if n % 3)
    assert conn.execute("SELECT count(*) FROM ledger").fetchone() == (writes,)
    assert conn.execute("SELECT value FROM counters").fetchone() == (writes,)
    stats = db.stats()
    assert stats.acquisitions == 5000 and stats.in_use == 0
    assert stats.acquisition_timeouts == 0 and stats.returns_bad == 0
    assert stats.size <= 20
