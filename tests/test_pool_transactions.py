"""Transactions: commit, rollback, savepoints, isolation, read-only, and context scoping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors

from chanuka_db import Database as PublicDatabase
from chanuka_db.errors import InvalidInput, QueryError
from chanuka_db.pool import Database, IsolationLevel


class Boom(Exception):
    pass


@pytest.fixture
def table(conn: psycopg.Connection[Any]) -> str:
    conn.execute("CREATE TABLE items (id int PRIMARY KEY, label text)")
    return "items"


def ids(conn: psycopg.Connection[Any]) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM items ORDER BY id").fetchall()]


def test_the_package_exports_database() -> None:
    # chanuka_db.Database is the services' facade: the pool owner plus repositories.
    assert issubclass(PublicDatabase, Database)


@pytest.mark.usefixtures("table")
def test_commit_on_normal_exit(db: Database, conn: psycopg.Connection[Any]) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO items VALUES (1, 'a')")
        assert ids(conn) == []  # not visible to others before COMMIT
    assert ids(conn) == [1]


@pytest.mark.usefixtures("table")
def test_rollback_on_exception(db: Database, conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(Boom), db.transaction() as tx:  # noqa: PT012
        tx.execute("INSERT INTO items VALUES (1, 'a')")
        raise Boom
    assert ids(conn) == []


@pytest.mark.usefixtures("table")
def test_rollback_on_keyboard_interrupt_and_connection_returned(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    with pytest.raises(KeyboardInterrupt), db.transaction() as tx:  # noqa: PT012
        tx.execute("INSERT INTO items VALUES (1, 'a')")
        raise KeyboardInterrupt
    assert ids(conn) == []
    stats = db.stats()
    assert stats.in_use == 0 and stats.returns_bad == 0


@pytest.mark.usefixtures("table")
def test_nested_transaction_is_a_savepoint(db: Database, conn: psycopg.Connection[Any]) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO items VALUES (1, 'outer')")
        with pytest.raises(Boom), db.transaction() as inner:  # noqa: PT012
            assert inner is tx
            inner.execute("INSERT INTO items VALUES (2, 'inner, rolled back')")
            raise Boom
        with db.transaction() as inner:
            inner.execute("INSERT INTO items VALUES (3, 'inner, kept')")
            with pytest.raises(pg_errors.UniqueViolation), db.transaction() as deepest:
                deepest.execute("INSERT INTO items VALUES (3, 'duplicate')")
    assert ids(conn) == [1, 3]


@pytest.mark.usefixtures("table")
def test_inner_failure_unhandled_rolls_back_everything(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    with pytest.raises(Boom), db.transaction() as tx:  # noqa: PT012
        tx.execute("INSERT INTO items VALUES (1, 'outer')")
        with db.transaction() as inner:
            inner.execute("INSERT INTO items VALUES (2, 'inner')")
            raise Boom
    assert ids(conn) == []


@pytest.mark.usefixtures("table")
def test_a_swallowed_error_without_savepoint_is_not_committed(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    aborted = pytest.raises(QueryError, match="aborted by an earlier error")
    with aborted as err, db.transaction() as tx:
        tx.execute("INSERT INTO items VALUES (1, 'a')")
        with suppress(pg_errors.UniqueViolation):
            tx.execute("INSERT INTO items VALUES (1, 'duplicate')")
    assert err.value.sqlstate == "25P02"
    assert ids(conn) == []
    rolled_back = pytest.raises(QueryError, match="rolled back to its savepoint")
    with rolled_back, db.transaction() as tx:
        tx.execute("INSERT INTO items VALUES (5, 'kept')")
        with db.transaction() as inner, suppress(pg_errors.DivisionByZero):
            inner.execute("SELECT 1/0")
    assert ids(conn) == []


@pytest.mark.parametrize("level", list(IsolationLevel))
def test_isolation_level_is_honoured(db: Database, level: IsolationLevel) -> None:
    with db.transaction(isolation=level) as tx:
        shown = tx.execute("SHOW transaction_isolation").fetchone()
    assert shown == (level.value.lower(),)


def test_default_isolation_is_the_servers(db: Database) -> None:
    with db.transaction() as tx:
        assert tx.execute("SHOW transaction_isolation").fetchone() == ("read committed",)


@pytest.mark.usefixtures("table")
def test_repeatable_read_sees_a_snapshot(db: Database, conn: psycopg.Connection[Any]) -> None:
    with db.transaction(isolation=IsolationLevel.REPEATABLE_READ) as tx:
        assert tx.execute("SELECT count(*) FROM items").fetchone() == (0,)
        conn.execute("INSERT INTO items VALUES (1, 'concurrent')")
        assert tx.execute("SELECT count(*) FROM items").fetchone() == (0,)
    with db.transaction() as tx:
        assert tx.execute("SELECT count(*) FROM items").fetchone() == (1,)


@pytest.mark.usefixtures("table")
def test_read_only_rejects_writes(db: Database, conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(pg_errors.ReadOnlySqlTransaction), db.transaction(read_only=True) as tx:
        tx.execute("INSERT INTO items VALUES (1, 'a')")
    with db.transaction(read_only=True, deferrable=True) as tx:
        assert tx.execute("SHOW transaction_read_only").fetchone() == ("on",)
    assert ids(conn) == []
    with db.transaction() as tx:  # the next borrower of that connection may write
        assert tx.execute("SHOW transaction_read_only").fetchone() == ("off",)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"isolation": IsolationLevel.SERIALIZABLE}, "isolation"),
        ({"read_only": True}, "read_only"),
        ({"deferrable": True}, "deferrable"),
    ],
)
def test_nested_transactions_cannot_change_the_outer_options(
    db: Database, options: dict[str, Any], field: str
) -> None:
    with db.transaction(), pytest.raises(InvalidInput) as err, db.transaction(**options):
        pass
    assert err.value.field == field


def test_nested_transactions_may_repeat_the_outer_options(db: Database) -> None:
    level = IsolationLevel.SERIALIZABLE
    with (
        db.transaction(isolation=level, read_only=True),
        db.transaction(isolation=level, read_only=True) as inner,
    ):
        assert inner.execute("SHOW transaction_isolation").fetchone() == ("serializable",)


@pytest.mark.usefixtures("table")
def test_connection_inside_a_transaction_is_the_same_connection(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO items VALUES (1, 'a')")
        with db.connection() as same:
            assert same is tx
            assert same.execute("SELECT count(*) FROM items").fetchone() == (1,)
    assert ids(conn) == [1]
    assert db.stats().acquisitions == 1


@pytest.mark.usefixtures("table")
def test_transaction_inside_connection_uses_that_connection(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    with db.connection() as c:
        pid = c.info.backend_pid
        with db.transaction() as tx:
            assert tx.info.backend_pid == pid
            tx.execute("INSERT INTO items VALUES (1, 'a')")
        with pytest.raises(Boom), db.transaction() as tx:  # noqa: PT012
            tx.execute("INSERT INTO items VALUES (2, 'b')")
            raise Boom
        c.execute("BEGIN")  # a manual transaction: a nested transaction() is a savepoint
        with db.transaction() as tx:
            tx.execute("INSERT INTO items VALUES (3, 'c')")
        c.execute("ROLLBACK")
    assert ids(conn) == [1]


@pytest.mark.usefixtures("table")
def test_connection_is_autocommit(db: Database, conn: psycopg.Connection[Any]) -> None:
    with db.connection() as c:
        assert c.autocommit
        c.execute("INSERT INTO items VALUES (1, 'a')")
        assert ids(conn) == [1]


@pytest.mark.usefixtures("table")
def test_connection_left_in_a_transaction_is_rolled_back(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    with db.connection() as c:
        c.autocommit = False
        c.execute("INSERT INTO items VALUES (1, 'a')")
    assert ids(conn) == []
    with db.connection() as c:
        assert c.autocommit
    assert db.stats().returns_bad == 0


def test_threads_have_their_own_transactions(db: Database) -> None:
    seen: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        with db.transaction() as tx:
            barrier.wait(timeout=10)
            seen[name] = tx.info.backend_pid
            barrier.wait(timeout=10)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(set(seen.values())) == 2


def test_a_context_copied_into_another_thread_does_not_share_the_connection(
    db: Database,
) -> None:
    import contextvars

    result: list[int] = []
    with db.transaction() as tx:
        context = contextvars.copy_context()

        def other() -> None:
            with db.transaction() as mine:
                result.append(mine.info.backend_pid)

        thread = threading.Thread(target=context.run, args=(other,))
        thread.start()
        thread.join(timeout=30)
        assert result and result[0] != tx.info.backend_pid


def test_prepared_statements_survive_many_borrows(db: Database) -> None:
    # psycopg prepares from the 5th execution; DISCARD ALL would break the 7th borrow.
    pids = set()
    for i in range(60):
        with db.transaction() as tx:
            assert tx.execute("SELECT %s::int + 1", [i]).fetchone() == (i + 1,)
            pids.add(tx.info.backend_pid)
        with db.connection() as c:
            assert c.execute("SELECT %s::text", [str(i)]).fetchone() == (str(i),)
            prepared = c.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
    assert prepared is not None and prepared[0] >= 1
    assert len(pids) <= 2
    stats = db.stats()
    assert stats.returns_bad == 0 and stats.connections_lost == 0


def test_startup_settings_are_what_reset_all_returns_to(
    make_db: Callable[..., Database],
) -> None:
    db = make_db(pool_max=1, statement_timeout_ms=4321, application_name="bill-service")
    with db.connection() as c:
        pid = c.info.backend_pid
        assert c.execute("SHOW statement_timeout").fetchone() == ("4321ms",)
        assert c.execute("SHOW application_name").fetchone() == ("bill-service",)
        c.execute("SET statement_timeout = 5; SET application_name = 'someone-else'")
    with db.connection() as c:
        assert c.info.backend_pid == pid  # the same session, reset
        assert c.execute("SHOW statement_timeout").fetchone() == ("4321ms",)
        assert c.execute("SHOW application_name").fetchone() == ("bill-service",)


def test_statement_timeout_applies(make_db: Callable[..., Database]) -> None:
    db = make_db(statement_timeout_ms=50)
    with pytest.raises(pg_errors.QueryCanceled), db.connection() as c:
        c.execute("SELECT pg_sleep(2)")
    assert db.stats().returns_bad == 0


def test_client_side_attributes_are_restored(make_db: Callable[..., Database]) -> None:
    db = make_db(pool_max=1)
    with db.connection() as c:
        c.read_only = True
        c.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
        c.deferrable = True
        c.prepare_threshold = None
        c.row_factory = psycopg.rows.dict_row  # type: ignore[assignment]
    with db.connection() as c:
        assert (c.read_only, c.isolation_level, c.deferrable) == (None, None, None)
        assert c.prepare_threshold == 5
        assert c.execute("SELECT 1").fetchone() == (1,)
