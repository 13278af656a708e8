"""Borrow + SELECT 1 + return: Database against bare psycopg_pool and one raw connection.

Two kinds of measurement, in the same run and on the same database:

- pytest-benchmark timings of each client (wall time per operation);
- an interleaved comparison (``test_interleaved_overhead``): the clients take turns in
  short blocks, many rounds, and wall time *and* this process's CPU time per operation
  are reported as medians, so drift on the shared machine hits all clients alike.

Clients:
  raw              one psycopg connection, autocommit: ``execute("SELECT 1")``
  pool             bare psycopg_pool: getconn, SELECT 1, putconn (no session reset)
  pool+reset       the same, plus the session reset Database does (inline, one query)
  db.connection    ``with db.connection() as c: c.execute("SELECT 1")``
  pool tx          bare pool, ``with conn.transaction(): SELECT 1`` (BEGIN/COMMIT)
  pool tx+reset    the same, then the session reset as its own query
  db.transaction   ``with db.transaction() as c: c.execute("SELECT 1")``
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from benchmarks.helpers import interleave
from chanuka_db.pool import Database, DatabaseUrl
from chanuka_db.pool.session import RESET_SQL

Op = Callable[[], None]


@pytest.fixture
def clients(
    pinned: bool, make_db: Callable[..., Database], database_url: DatabaseUrl
) -> Iterator[dict[str, Op]]:
    conninfo = database_url.conninfo()
    raw = psycopg.connect(conninfo, autocommit=True)
    pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
        conninfo, min_size=5, max_size=20, kwargs={"autocommit": True}, open=True
    )
    pool.wait()
    tx_pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
        conninfo, min_size=5, max_size=20, kwargs={"autocommit": True}, open=True
    )
    tx_pool.wait()
    db = make_db(pool_min=5, pool_max=20)
    with db.connection():
        pass

    def raw_op() -> None:
        raw.execute("SELECT 1")

    def pool_op() -> None:
        conn = pool.getconn()
        conn.execute("SELECT 1")
        pool.putconn(conn)

    def pool_reset_op() -> None:
        conn = pool.getconn()
        conn.execute("SELECT 1")
        conn.execute(RESET_SQL, prepare=False)
        pool.putconn(conn)

    def db_connection_op() -> None:
        with db.connection() as conn:
            conn.execute("SELECT 1")

    def pool_tx_op() -> None:
        with tx_pool.connection() as conn, conn.transaction():
            conn.execute("SELECT 1")

    def pool_tx_reset_op() -> None:
        with tx_pool.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT 1")
            conn.execute(RESET_SQL, prepare=False)

    def db_transaction_op() -> None:
        with db.transaction() as conn:
            conn.execute("SELECT 1")

    try:
        yield {
            "raw": raw_op,
            "pool": pool_op,
            "pool+reset": pool_reset_op,
            "db.connection": db_connection_op,
            "pool tx": pool_tx_op,
            "pool tx+reset": pool_tx_reset_op,
            "db.transaction": db_transaction_op,
        }
        assert db.stats().returns_bad == 0
    finally:
        raw.close()
        pool.close()
        tx_pool.close()


CLIENTS = [
    "raw",
    "pool",
    "pool+reset",
    "db.connection",
    "pool tx",
    "pool tx+reset",
    "db.transaction",
]


@pytest.mark.parametrize("client", CLIENTS)
def test_borrow_select_1(benchmark: Any, clients: dict[str, Op], client: str) -> None:
    benchmark.group = "borrow + SELECT 1 + return"
    benchmark(clients[client])


def test_interleaved_overhead(benchmark: Any, clients: dict[str, Op], pinned: bool) -> None:
    rounds, block = (3, 50) if not benchmark.enabled else (30, 300)
    result = interleave({name: {"op": clients[name]} for name in CLIENTS}, ["op"],
                        rounds=rounds, block=block)  # fmt: skip
    wall = {name: result.wall[name, "op"] for name in CLIENTS}
    cpu = {name: result.cpu[name, "op"] for name in CLIENTS}
    lines = [
        f"interleaved, {rounds} rounds x {block} ops, pinned to one CPU: {pinned}",
        f"{'client':<16}{'wall µs/op':>12}{'cpu µs/op':>12}",
        *(f"{name:<16}{wall[name]:>12.1f}{cpu[name]:>12.1f}" for name in CLIENTS),
        _ratio("db.connection / pool+reset", wall, cpu, "db.connection", "pool+reset"),
        _ratio("db.connection / pool", wall, cpu, "db.connection", "pool"),
        _ratio("db.transaction / pool tx", wall, cpu, "db.transaction", "pool tx"),
        _ratio("db.transaction / pool tx+reset", wall, cpu, "db.transaction", "pool tx+reset"),
    ]
    report = "\n".join(lines)
    print("\n" + report)
    benchmark.extra_info.update({"wall_us": wall, "cpu_us": cpu})
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert all(value > 0 for value in wall.values())


def _ratio(
    label: str, wall: dict[str, float], cpu: dict[str, float], mine: str, theirs: str
) -> str:
    return (
        f"{label}: wall {wall[mine] / wall[theirs] - 1:+.1%}, "
        f"cpu {cpu[mine] / cpu[theirs] - 1:+.1%}"
    )
