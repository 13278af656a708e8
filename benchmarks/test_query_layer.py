"""The query layer against raw psycopg (same SQL text, prepared) and SQLAlchemy Core 2.

Operations (5 000 bills with text, on one autocommit connection per client):

  point     a bill by primary key (all 22 columns into a row object)
  adhoc     the same, but the statement is built anew on every call (cache path)
  page      20 summaries: status filter, ORDER BY created_at DESC, id DESC, LIMIT/OFFSET
  fts       search(): ranked page of 10 + total (2 statements), websearch_to_tsquery
  insert    one bill, RETURNING id (server-bound: trigger + GIN index)

Clients:

  layer         chanuka_db.sql statements through an Executor (monitored)
  raw           psycopg, the layer's own SQL text, prepare=True, rows built by the same
                row factories (attrs classes, SearchHit): the same work minus the layer
  raw-tuples    the same with psycopg's default tuple rows (the floor)
  sqlalchemy    SQLAlchemy Core 2 constructs (cached compilation), Row objects

``test_interleaved`` takes turns between clients in short blocks and reports medians of
wall and process-CPU time per operation; the CPU difference layer - raw is the layer's
Python overhead per repeated shape. Run ``pytest benchmarks/test_query_layer.py -s``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import psycopg
import pytest
import sqlalchemy as sa

from benchmarks.test_pool_overhead import measure
from chanuka_db.pool import DatabaseUrl
from chanuka_db.sql import Executor, QueryMonitor, insert, search, select
from chanuka_db.sql.rows import built_row
from chanuka_db.sql.search import hit_factory
from chanuka_db.types import Bill, NewBill, Param, tables

Op = Callable[[], Any]
bills = tables.bills
BILLS = 5000
BY_ID = select(bills, Bill).where(bills.id == Param("id"))


@attrs.frozen
class Summary:
    id: int
    title: str
    status: str
    category: str | None
    created_at: dt.datetime


PAGE = (
    select(bills, Summary)
    .where(bills.status == Param("status"))
    .order_by(bills.created_at.desc(), bills.id.desc())
    .limit(20)
    .offset(Param("offset"))
)
ADD = insert(bills).returning(Summary)

SEED = """
INSERT INTO bills (title, summary, content, status, category, created_at)
SELECT 'Bill ' || i || CASE WHEN i %% 7 = 0 THEN ' finance' ELSE ' health' END,
       'About ' || CASE WHEN i %% 3 = 0 THEN 'taxes and the budget' ELSE 'clinics' END,
       repeat('lorem ipsum dolor sit amet ', 20) || i,
       CASE WHEN i %% 2 = 0 THEN 'introduced' ELSE 'passed' END,
       CASE WHEN i %% 5 = 0 THEN NULL ELSE 'cat' || (i %% 4) END,
       timestamp '2026-01-01' + i * interval '1 minute'
FROM generate_series(1, %s) AS i
"""


@pytest.fixture
def seeded(database_url: DatabaseUrl) -> str:
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        conn.execute(SEED, [BILLS])
        conn.execute("ANALYZE bills")
    return database_url.conninfo()


class Counter:
    """Cycles through ids so every call does the same work on a different row."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n = self.n % BILLS + 1
        return self.n


def _layer_ops(conn: psycopg.Connection[Any], ids: Counter) -> dict[str, Op]:
    executor = Executor(conn, QueryMonitor())

    def fts() -> Any:
        return search(executor, bills, "finance budget", page_size=10)

    return {
        "point": lambda: BY_ID.fetch_one(executor, id=ids.next()),
        "adhoc": lambda: select(bills, Bill).where(bills.id == ids.next()).fetch_one(executor),
        "page": lambda: PAGE.fetch_all(executor, status="passed", offset=ids.next() % 50 * 20),
        "fts": fts,
        "insert": lambda: ADD.values(NewBill(title="New bill")).fetch_one(executor),
    }


def _fts_sql() -> tuple[str, str]:
    from chanuka_db.sql.compiler import CACHE

    texts = [key for key in CACHE._entries.values() if "ts_rank_cd" in key.text]
    page = next(c.text for c in texts if "LIMIT" in c.text)
    total = next(c.text for c in CACHE._entries.values() if "count(*)" in c.text and "@@" in c.text)
    return page, total


def _raw_ops(conn: psycopg.Connection[Any], ids: Counter, typed: bool) -> dict[str, Op]:
    def factory(cls: type) -> Any:
        return built_row(cls) if typed else psycopg.rows.tuple_row

    point_sql = BY_ID.prepared().compiled.text
    page_sql = PAGE.prepared().compiled.text
    insert_sql = ADD.values(NewBill(title="x")).prepared().compiled.text
    fts_page, fts_total = _fts_sql()
    bill_rows = conn.cursor(row_factory=factory(Bill))
    summary_rows = conn.cursor(row_factory=factory(Summary))
    hit_rows = conn.cursor(row_factory=hit_factory(len(attrs.fields(Bill)), Bill, False))
    plain = conn.cursor(row_factory=psycopg.rows.scalar_row)
    if not typed:
        hit_rows = conn.cursor()

    def point() -> Any:
        return bill_rows.execute(point_sql, [ids.next()], prepare=True).fetchone()

    def page() -> Any:
        params = ["passed", 20, ids.next() % 50 * 20]
        return summary_rows.execute(page_sql, params, prepare=True).fetchall()

    def fts() -> Any:
        hits = hit_rows.execute(fts_page, ["finance budget", 10, 0], prepare=True).fetchall()
        total = plain.execute(fts_total, ["finance budget"], prepare=True).fetchone()
        return hits, total

    def add() -> Any:
        return summary_rows.execute(insert_sql, ["New bill"], prepare=True).fetchone()

    return {"point": point, "adhoc": point, "page": page, "fts": fts, "insert": add}


def _sqlalchemy_ops(conninfo: str, ids: Counter) -> tuple[dict[str, Op], sa.Connection]:
    url = sa.engine.make_url("postgresql+psycopg://").set(query={"conninfo": conninfo})
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    conn = engine.connect()
    meta = sa.MetaData()
    table = sa.Table("bills", meta, autoload_with=conn)
    c = table.c
    by_id = sa.select(table).where(c.id == sa.bindparam("id"))
    page = (
        sa.select(c.id, c.title, c.status, c.category, c.created_at)
        .where(c.status == sa.bindparam("status"))
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(20)
        .offset(sa.bindparam("offset"))
    )
    q = (
        sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), sa.bindparam("q"))
        .table_valued()
        .alias("q")
    )
    rank = sa.func.ts_rank_cd(c.search_vector, q.column)
    matches = c.search_vector.op("@@")(q.column)
    fts_page = (
        sa.select(table, rank.label("rank"))
        .select_from(table)
        .join(q, sa.true())
        .where(matches)
        .order_by(rank.desc(), c.id)
        .limit(10)
        .offset(0)
    )
    fts_total = sa.select(sa.func.count()).select_from(table).join(q, sa.true()).where(matches)
    add = (
        sa.insert(table)
        .values(title=sa.bindparam("title"))
        .returning(c.id, c.title, c.status, c.category, c.created_at)
    )

    def fts() -> Any:
        hits = conn.execute(fts_page, {"q": "finance budget"}).all()
        total = conn.execute(fts_total, {"q": "finance budget"}).scalar_one()
        return hits, total

    ops: dict[str, Op] = {
        "point": lambda: conn.execute(by_id, {"id": ids.next()}).one(),
        "adhoc": lambda: conn.execute(sa.select(table).where(c.id == ids.next())).one(),
        "page": lambda: conn.execute(
            page, {"status": "passed", "offset": ids.next() % 50 * 20}
        ).all(),
        "fts": fts,
        "insert": lambda: conn.execute(add, {"title": "New bill"}).one(),
    }
    return ops, conn


CLIENTS = ["layer", "raw", "raw-tuples", "sqlalchemy"]
OPERATIONS = ["point", "adhoc", "page", "fts", "insert"]


@pytest.fixture
def clients(seeded: str, pinned: bool) -> Iterator[dict[str, dict[str, Op]]]:
    ids = Counter()
    conns = [psycopg.connect(seeded, autocommit=True) for _ in range(3)]
    layer = _layer_ops(conns[0], ids)
    for op in layer.values():  # compile every shape once (the raw clients reuse the text)
        op()
    alchemy, alchemy_conn = _sqlalchemy_ops(seeded, ids)
    try:
        yield {
            "layer": layer,
            "raw": _raw_ops(conns[1], ids, typed=True),
            "raw-tuples": _raw_ops(conns[2], ids, typed=False),
            "sqlalchemy": alchemy,
        }
    finally:
        alchemy_conn.close()
        for conn in conns:
            conn.close()


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("client", CLIENTS)
def test_operation(
    benchmark: Any, clients: dict[str, dict[str, Op]], client: str, operation: str
) -> None:
    benchmark.group = operation
    benchmark(clients[client][operation])


def test_interleaved(benchmark: Any, clients: dict[str, dict[str, Op]], pinned: bool) -> None:
    rounds, block = (2, 5) if not benchmark.enabled else (15, 200)
    wall: dict[tuple[str, str], float] = {}
    cpu: dict[tuple[str, str], float] = {}
    for operation in OPERATIONS:
        block_size = block // 10 if operation in ("fts", "insert") else block
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CLIENTS}
        for name in CLIENTS:
            measure(clients[name][operation], max(block_size // 4, 1))  # warm-up
        for _ in range(rounds):
            for name in CLIENTS:
                samples[name].append(measure(clients[name][operation], max(block_size, 1)))
        for name in CLIENTS:
            wall[name, operation] = statistics.median(s[0] for s in samples[name])
            cpu[name, operation] = statistics.median(s[1] for s in samples[name])
    print("\n" + _report(wall, cpu, rounds, block, pinned))
    benchmark.extra_info.update({"wall_us": {f"{k[0]} {k[1]}": v for k, v in wall.items()}})
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert all(value > 0 for value in wall.values())


def _report(
    wall: dict[tuple[str, str], float],
    cpu: dict[tuple[str, str], float],
    rounds: int,
    block: int,
    pinned: bool,
) -> str:
    header = f"{'operation':<10}" + "".join(f"{name:>24}" for name in CLIENTS)
    lines = [
        f"interleaved medians, {rounds} rounds, blocks of {block} (fts/insert {block // 10}), "
        f"pinned to one CPU: {pinned}; wall µs/op (cpu µs/op)",
        header,
    ]
    for operation in OPERATIONS:
        cells = "".join(
            f"{wall[name, operation]:>14.1f} ({cpu[name, operation]:>6.1f})" for name in CLIENTS
        )
        lines.append(f"{operation:<10}{cells}")
    lines.append("layer vs raw (same SQL, same rows): wall ratio, CPU overhead µs per call")
    for operation in OPERATIONS:
        ratio = wall["layer", operation] / wall["raw", operation]
        overhead = cpu["layer", operation] - cpu["raw", operation]
        versus = wall["layer", operation] / wall["sqlalchemy", operation]
        lines.append(
            f"  {operation:<8} {ratio:5.2f}x raw, {overhead:+6.1f} µs CPU, "
            f"{versus:5.2f}x sqlalchemy"
        )
    return "\n".join(lines)
