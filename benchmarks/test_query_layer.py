"""Repository, query layer, raw psycopg (same SQL) and SQLAlchemy Core 2, side by side.

Operations (5 000 bills with text, one autocommit connection per client), each what a
bills repository method does, so every client runs the same statements:

  point   ``bills.get(id)``: a bill by primary key, all 22 columns into a row object
  adhoc   the same with the statement built anew on every call (the layer's cache path;
          no repository column: repositories keep module-level statements)
  page    ``bills.list({"status": "passed"}, page=n)``: 20 summaries without ``content``,
          newest first, LIMIT/OFFSET, and the total (2 statements)
  fts     ``bills.search("finance budget", page_size=10)``: ranked hits with headlines,
          then the total and status/category facets (2 statements, websearch_to_tsquery)
  insert  ``bills.add(NewBill(title=...))``: one bill, RETURNING the row (the search
          trigger and GIN index make it server-bound)
  bulk    ``bills.add_many(100 bills)``: one multi-row INSERT ... RETURNING in a
          transaction; ``raw-copy`` loads the same 100 titles with COPY (returns nothing:
          the floor)

Clients:

  repository    ``BillRepository`` on one executor (argument checks, filter parsing, the
                layer; everything but the pool borrow)
  layer         ``chanuka_db.sql`` statements through an Executor (monitored)
  raw           psycopg with the SQL text and values the repository sent (captured from
                its query monitor), prepare=True, rows built by the same row factories:
                the same work minus the layer; the limit
  raw-tuples    the same with psycopg's tuple rows (the floor)
  sqlalchemy    SQLAlchemy Core 2 constructs (cached compilation), Row objects: the peer

The fixture checks that the repository and the layer send identical SQL text. Run
``pytest benchmarks/test_query_layer.py -s`` for the interleaved table; with
``--perf-json PATH`` the medians go into the results file (``benchmarks/report.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import psycopg
import pytest
import sqlalchemy as sa

from benchmarks.helpers import Cycle, ExecutorRunner, Interleaved, interleave
from chanuka_db.pool import DatabaseUrl
from chanuka_db.repositories.legislative import BillRepository, BillSummary
from chanuka_db.sql import Executor, QueryMonitor, insert, paginate, search, select
from chanuka_db.sql.compiler import Compiled
from chanuka_db.sql.rows import built_row
from chanuka_db.sql.search import hit_factory
from chanuka_db.types import Bill, NewBill, Param, tables

Op = Callable[[], Any]
bills = tables.bills
BILLS = 5000
BULK = 100
PHRASE = "finance budget"
CLIENTS = ["repository", "layer", "raw", "raw-tuples", "sqlalchemy", "raw-copy"]
OPERATIONS = ["point", "adhoc", "page", "fts", "insert", "bulk"]
TITLES = [f"Bulk bill {n}" for n in range(BULK)]

BY_ID = select(bills, Bill).where(bills.id == Param("id"))
LISTING = (
    select(bills, BillSummary)
    .where(bills.status == Param("status"))
    .order_by(bills.created_at.desc(), bills.id.desc())
)
ADD = insert(bills).returning(Bill)

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


@pytest.fixture(scope="module")
def seeded(module_database_url: DatabaseUrl) -> str:
    with psycopg.connect(module_database_url.conninfo(), autocommit=True) as conn:
        conn.execute(SEED, [BILLS])
        conn.execute("ANALYZE bills")
    return module_database_url.conninfo()


class Capture(QueryMonitor):
    """A query monitor that also keeps each statement's text and values, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Sequence[Any] | Mapping[str, Any]]] = []

    def record(
        self,
        compiled: Compiled,
        values: Sequence[Any] | Mapping[str, Any],
        seconds: float,
        rows: int,
        conn: psycopg.Connection[Any],
    ) -> None:
        self.sent.append((compiled.text, values))
        super().record(compiled, values, seconds, rows, conn)


def _repository_ops(executor: Executor, ids: Cycle) -> dict[str, Op]:
    repo = BillRepository(ExecutorRunner(executor))
    news = [NewBill(title=title) for title in TITLES]
    return {
        "point": lambda: repo.get(ids.next()),
        "page": lambda: repo.list({"status": "passed"}, page=1 + ids.next() % 50),
        "fts": lambda: repo.search(PHRASE, page_size=10),
        "insert": lambda: repo.add(NewBill(title="New bill")),
        "bulk": lambda: repo.add_many(news),
    }


def _layer_ops(executor: Executor, ids: Cycle) -> dict[str, Op]:
    conn = executor.conn

    def page() -> Any:
        return paginate(LISTING, executor, page=1 + ids.next() % 50, status="passed")

    def fts() -> Any:
        return search(
            executor, bills, PHRASE, row_type=BillSummary, headline=bills.summary,
            facets=(bills.status, bills.category), page_size=10,
        )  # fmt: skip

    def bulk() -> Any:
        with conn.transaction():
            return ADD.values(*(NewBill(title=t) for t in TITLES)).fetch_all(executor)

    return {
        "point": lambda: BY_ID.fetch_one(executor, id=ids.next()),
        "adhoc": lambda: select(bills, Bill).where(bills.id == ids.next()).fetch_one(executor),
        "page": page,
        "fts": fts,
        "insert": lambda: ADD.values(NewBill(title="New bill")).fetch_one(executor),
        "bulk": bulk,
    }


def _sent(conn: psycopg.Connection[Any], make: Callable[[Executor, Cycle], dict[str, Op]],
          operation: str) -> list[str]:  # fmt: skip
    """The SQL texts one call of ``operation`` sends (in a transaction rolled back after)."""
    capture = Capture()
    with conn.transaction(force_rollback=True):
        make(Executor(conn, capture), Cycle(BILLS))[operation]()
    return [text for text, _ in capture.sent]


def _captured(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """Each operation's statements as the repository sends them, checked against the layer's."""
    texts = {}
    for operation in ("point", "page", "fts", "insert", "bulk"):
        texts[operation] = _sent(conn, _repository_ops, operation)
        assert _sent(conn, _layer_ops, operation) == texts[operation], operation
    return texts


@attrs.frozen
class _Cursors:
    bill: psycopg.Cursor[Any]
    summary: psycopg.Cursor[Any]
    hit: psycopg.Cursor[Any]
    plain: psycopg.Cursor[Any]


def _cursors(conn: psycopg.Connection[Any], typed: bool) -> _Cursors:
    def factory(cls: type) -> Any:
        return built_row(cls) if typed else psycopg.rows.tuple_row

    width = len(attrs.fields(BillSummary))
    hits = hit_factory(width, BillSummary, True) if typed else psycopg.rows.tuple_row
    return _Cursors(
        conn.cursor(row_factory=factory(Bill)),
        conn.cursor(row_factory=factory(BillSummary)),
        conn.cursor(row_factory=hits),
        conn.cursor(),
    )


def _raw_ops(
    conn: psycopg.Connection[Any], ids: Cycle, texts: dict[str, list[str]], typed: bool
) -> dict[str, Op]:
    c = _cursors(conn, typed)
    (point_sql,), (page_sql, total_sql) = texts["point"], texts["page"]
    (hits_sql, facets_sql), (insert_sql,), (bulk_sql,) = (
        texts["fts"],
        texts["insert"],
        texts["bulk"],
    )

    def point() -> Any:
        return c.bill.execute(point_sql, [ids.next()], prepare=True).fetchone()

    def page() -> Any:
        offset = ids.next() % 50 * 20
        items = c.summary.execute(page_sql, ["passed", 20, offset], prepare=True).fetchall()
        total = c.plain.execute(total_sql, ["passed"], prepare=True).fetchone()
        return items, total

    def fts() -> Any:
        hits = c.hit.execute(hits_sql, [PHRASE, 10, 0], prepare=True).fetchall()
        facets = c.plain.execute(facets_sql, [PHRASE], prepare=True).fetchall()
        return hits, facets

    def add() -> Any:
        return c.bill.execute(insert_sql, ["New bill"], prepare=True).fetchone()

    def bulk() -> Any:
        with conn.transaction():
            return c.bill.execute(bulk_sql, TITLES, prepare=True).fetchall()

    return {"point": point, "adhoc": point, "page": page, "fts": fts, "insert": add, "bulk": bulk}


def _copy_ops(conn: psycopg.Connection[Any]) -> dict[str, Op]:
    cursor = conn.cursor()

    def bulk() -> None:
        with conn.transaction(), cursor.copy("COPY bills (title) FROM STDIN") as copy:
            for title in TITLES:
                copy.write_row((title,))

    return {"bulk": bulk}


class _Alchemy:
    """SQLAlchemy Core 2 statements for the same operations (compiled once, then cached)."""

    def __init__(self, conninfo: str) -> None:
        url = sa.engine.make_url("postgresql+psycopg://").set(query={"conninfo": conninfo})
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.tx_conn = self.engine.connect()  # bulk loads run in a transaction, as elsewhere
        self.table = table = sa.Table("bills", sa.MetaData(), autoload_with=self.conn)
        c = table.c
        summary = [c[f.name] for f in attrs.fields(BillSummary)]
        self.by_id = sa.select(table).where(c.id == sa.bindparam("id"))
        passed = c.status == sa.bindparam("status")
        self.page = (
            sa.select(*summary).where(passed).order_by(c.created_at.desc(), c.id.desc())
            .limit(20).offset(sa.bindparam("offset"))
        )  # fmt: skip
        self.total = sa.select(sa.func.count()).select_from(table).where(passed)
        self._search(summary)
        self.add = sa.insert(table).returning(*table.c)

    def _search(self, summary: list[Any]) -> None:
        c = self.table.c
        english = sa.literal_column("'english'::regconfig")
        q = sa.func.websearch_to_tsquery(english, sa.bindparam("q")).table_valued().alias("q")
        rank = sa.func.ts_rank_cd(c.search_vector, q.column)
        options = sa.literal_column(
            "'MaxFragments=2, MaxWords=25, MinWords=8, StartSel=<b>, StopSel=</b>'"
        )
        headline = sa.func.ts_headline(english, c.summary, q.column, options)
        matches = c.search_vector.op("@@")(q.column)
        self.hits = (
            sa.select(*summary, rank.label("rank"), headline.label("headline"))
            .select_from(self.table).join(q, sa.true()).where(matches)
            .order_by(rank.desc(), c.id).limit(10).offset(0)
        )  # fmt: skip
        self.facets = (
            sa.select(
                sa.func.grouping(c.status, c.category).label("grouping"),
                c.status, c.category, sa.func.count().label("count"),
            )
            .select_from(self.table).join(q, sa.true()).where(matches)
            .group_by(sa.func.grouping_sets(
                sa.tuple_(), sa.tuple_(c.status), sa.tuple_(c.category)))
        )  # fmt: skip

    def ops(self, ids: Cycle) -> dict[str, Op]:
        conn, table = self.conn, self.table
        rows = [{"title": title} for title in TITLES]

        def page() -> Any:
            params = {"status": "passed", "offset": ids.next() % 50 * 20}
            return conn.execute(self.page, params).all(), conn.execute(self.total, params).one()

        def fts() -> Any:
            hits = conn.execute(self.hits, {"q": PHRASE}).all()
            return hits, conn.execute(self.facets, {"q": PHRASE}).all()

        def bulk() -> Any:
            with self.tx_conn.begin():
                return self.tx_conn.execute(self.add, rows).all()

        return {
            "point": lambda: conn.execute(self.by_id, {"id": ids.next()}).one(),
            "adhoc": lambda: conn.execute(sa.select(table).where(table.c.id == ids.next())).one(),
            "page": page,
            "fts": fts,
            "insert": lambda: conn.execute(self.add, {"title": "New bill"}).one(),
            "bulk": bulk,
        }

    def close(self) -> None:
        self.conn.close()
        self.tx_conn.close()
        self.engine.dispose()


@pytest.fixture(scope="module")
def clients(seeded: str) -> Iterator[dict[str, dict[str, Op]]]:
    ids = Cycle(BILLS)
    conns = [psycopg.connect(seeded, autocommit=True) for _ in range(5)]
    texts = _captured(conns[0])
    alchemy = _Alchemy(seeded)
    try:
        yield {
            "repository": _repository_ops(Executor(conns[0], QueryMonitor()), ids),
            "layer": _layer_ops(Executor(conns[1], QueryMonitor()), ids),
            "raw": _raw_ops(conns[2], ids, texts, typed=True),
            "raw-tuples": _raw_ops(conns[3], ids, texts, typed=False),
            "sqlalchemy": alchemy.ops(ids),
            "raw-copy": _copy_ops(conns[4]),
        }
    finally:
        alchemy.close()
        for conn in conns:
            conn.close()


# Every client with every operation it has (raw-copy only loads: the interleaved run has it).
PAIRS = [
    (client, operation)
    for operation in OPERATIONS
    for client in CLIENTS[:5]
    if (client, operation) != ("repository", "adhoc")
]


@pytest.mark.parametrize(("client", "operation"), PAIRS)
def test_operation(
    benchmark: Any, clients: dict[str, dict[str, Op]], client: str, operation: str
) -> None:
    benchmark.group = f"side by side: {operation}"
    benchmark(clients[client][operation])


def _block_of(block: int) -> Callable[[str], int]:
    slow = {"fts": block // 10, "insert": block // 10, "bulk": block // 40}
    return lambda operation: slow.get(operation, block)


def test_interleaved(
    benchmark: Any, clients: dict[str, dict[str, Op]], pinned: bool, perf_results: dict[str, Any]
) -> None:
    rounds, block = (2, 5) if not benchmark.enabled else (15, 200)
    result = interleave(clients, OPERATIONS, rounds=rounds, block=block, block_of=_block_of(block))
    print("\n" + _report(result, pinned))
    perf_results["side_by_side"] = {
        **result.as_json(),
        "pinned": pinned,
        "clients": CLIENTS,
        "operations": OPERATIONS,
        "bills": BILLS,
        "bulk_rows": BULK,
    }
    benchmark.extra_info.update(result.as_json())
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert all(value > 0 for value in result.wall.values())


def _report(result: Interleaved, pinned: bool) -> str:
    wall, cpu = result.wall, result.cpu
    lines = [
        f"interleaved medians, {result.rounds} rounds, blocks of {result.block} (fts/insert "
        f"{result.block // 10}, bulk {max(result.block // 40, 1)}), pinned to one CPU: "
        f"{pinned}; wall µs/op (cpu µs/op)",
        *result.table(CLIENTS, OPERATIONS),
        "repository and layer vs raw (same SQL, same rows): wall ratio, CPU overhead per call",
    ]
    for op in OPERATIONS:
        mine = "repository" if ("repository", op) in wall else "layer"
        ratio = wall[mine, op] / wall["raw", op]
        overhead = cpu[mine, op] - cpu["raw", op]
        versus = wall[mine, op] / wall["sqlalchemy", op]
        lines.append(
            f"  {op:<8} {mine:<10} {ratio:5.2f}x raw, {overhead:+7.1f} µs CPU, "
            f"{versus:5.2f}x sqlalchemy"
        )
    return "\n".join(lines)
