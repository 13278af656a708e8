"""Hot legislative operations through the repositories against raw psycopg (same SQL).

Data: 1 000 bills (1 kB of text each), 300 users; one busy bill with 300 top-level
comments, 5 replies each, and votes. One autocommit connection per client.

  threads   comments.list_threaded: a page of 20 threads with 3 replies each (2 statements)
  detail    bills.detail: bill, sponsors, totals and 5 latest comments (2 statements)
  listing   bills.list: a page of 20 summaries with a status filter, and the total
  record    engagement.record of a view (1 statement: upsert + the bill's counters)
  toggle    votes.toggle (lock + toggle in a transaction)

Clients:

  repo    the repositories on one connection (an Executor with its query monitor)
  raw     psycopg with the repositories' own SQL text, prepare=True, the same row classes
  n+1     only for threads: what the old services did, a query for the page and then
          three per comment (its author, its reply count, its first replies)

``test_interleaved`` alternates the clients in blocks and prints medians of wall and
process-CPU µs per operation. Run ``pytest benchmarks/test_legislative.py -s``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from benchmarks.helpers import Cycle, ExecutorRunner, Interleaved, interleave
from chanuka_db.pool import DatabaseUrl
from chanuka_db.repositories.legislative import (
    BillCommentRepository,
    BillEngagementRepository,
    BillRepository,
    CommentVoteRepository,
)
from chanuka_db.repositories.legislative import bills as bills_module
from chanuka_db.repositories.legislative import comments as comments_module
from chanuka_db.repositories.legislative import engagement as engagement_module
from chanuka_db.repositories.legislative.rows import BillSummary, Thread
from chanuka_db.repositories.legislative.statements import LATEST_COMMENTS, comment_views
from chanuka_db.sql import Executor, QueryMonitor
from chanuka_db.sql.compiler import CACHE

Op = Callable[[], Any]
BILLS, USERS, TOP, REPLIES = 1000, 300, 300, 5

SEED = """
INSERT INTO users (id, email, password_hash, name)
SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
       'user' || i || '@example.ke', '!', 'Citizen ' || i
FROM generate_series(1, {users}) AS i;
INSERT INTO sponsors (name, role, party) VALUES ('Hon. A', 'MP', 'ODM'), ('Hon. B', 'MP', 'UDA');
INSERT INTO bills (title, summary, content, status, category, sponsor_id, created_at)
SELECT 'Bill ' || i, 'About taxes ' || i, repeat('lorem ipsum dolor sit amet ', 40),
       CASE WHEN i % 2 = 0 THEN 'introduced' ELSE 'committee' END, 'cat' || (i % 4),
       1 + i % 2, timestamp '2026-01-01' + i * interval '1 minute'
FROM generate_series(1, {bills}) AS i;
INSERT INTO bill_sponsorships (bill_id, sponsor_id, sponsorship_type)
SELECT 1, s, CASE s WHEN 1 THEN 'primary' ELSE 'co-sponsor' END FROM generate_series(1, 2) s;
INSERT INTO bill_comments (bill_id, user_id, content, created_at)
SELECT 1, ('00000000-0000-0000-0000-' || lpad((1 + i % {users})::text, 12, '0'))::uuid,
       'Comment ' || i, timestamp '2026-02-01' + i * interval '1 minute'
FROM generate_series(1, {top}) AS i;
INSERT INTO bill_comments (bill_id, user_id, content, parent_comment_id, created_at)
SELECT 1, ('00000000-0000-0000-0000-' || lpad((1 + (p * 7 + r) % {users})::text, 12, '0'))::uuid,
       'Reply ' || r, p, timestamp '2026-03-01' + (p * 10 + r) * interval '1 minute'
FROM generate_series(1, {top}) AS p, generate_series(1, {replies}) AS r;
ANALYZE;
"""


def user(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-0000-0000-{n:012d}")


@pytest.fixture
def seeded(database_url: DatabaseUrl) -> str:
    sql = SEED.format(users=USERS, bills=BILLS, top=TOP, replies=REPLIES)
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        conn.execute(sql.encode())
    return database_url.conninfo()


def _turns() -> Cycle:
    """Cycles through users and pages so that every call does comparable work."""
    return Cycle(2**31)


def _repo_ops(conn: psycopg.Connection[Any], turns: Cycle) -> dict[str, Op]:
    runner = ExecutorRunner(Executor(conn, QueryMonitor()))
    bills, comments = BillRepository(runner), BillCommentRepository(runner)
    engagement, votes = BillEngagementRepository(runner), CommentVoteRepository(runner)
    return {
        "threads": lambda: comments.list_threaded(1, page=1 + turns.next() % 10, replies=3),
        "detail": lambda: bills.detail(1 + turns.next() % 50),
        "listing": lambda: bills.list({"status": "committee"}, page=1 + turns.next() % 20),
        "record": lambda: engagement.record(2, user(1 + turns.next() % USERS), "view"),
        "toggle": lambda: votes.toggle(1, user(1 + turns.next() % USERS), "up"),
    }


def _listing_sql() -> tuple[str, str]:
    """The texts of ``bills.list({"status": ...})`` (other listings may be cached too)."""
    texts = [
        c.text
        for c in CACHE._entries.values()
        if c.text.endswith(('FROM "bills" WHERE "status"=%s', '"id" DESC LIMIT %s OFFSET %s'))
        and 'WHERE "status"=%s' in c.text
    ]
    page = next(t for t in texts if "LIMIT" in t and '"summary"' in t and "@@" not in t)
    total = next(t for t in texts if t.startswith("SELECT count(*)") and "@@" not in t)
    return page, total


def _raw_ops(conn: psycopg.Connection[Any], turns: Cycle) -> dict[str, Op]:
    cur = conn.cursor()
    threads_sql = comments_module._THREADS[comments_module.CommentSort.RECENT].text
    replies_sql = comments_module._FIRST_REPLIES.text
    detail_sql, latest_sql = bills_module._DETAIL.text, LATEST_COMMENTS.text
    record_sql = engagement_module._RECORD.text
    lock_sql, toggle_sql = comments_module._LOCK_COMMENTS.text, comments_module._TOGGLE.text
    page_sql, total_sql = _listing_sql()

    def threads() -> list[Thread]:
        offset = turns.next() % 10 * 20
        rows = cur.execute(
            threads_sql, {"bill": 1, "limit": 20, "offset": offset}, prepare=True
        ).fetchall()
        found = cur.execute(
            replies_sql, {"parents": [r[0] for r in rows], "limit": 3}, prepare=True
        ).fetchall()
        return comments_module._threads_from(rows, comment_views(found))

    def detail() -> Any:
        params = {"bill": 1 + turns.next() % 50, "limit": 5}
        row = cur.execute(detail_sql, params, prepare=True).fetchone()
        latest = cur.execute(latest_sql, params, prepare=True).fetchall()
        return bills_module._detail(row, latest)  # type: ignore[arg-type]

    def listing() -> Any:
        offset = turns.next() % 20 * 20
        rows = cur.execute(page_sql, ["committee", 20, offset], prepare=True).fetchall()
        total = cur.execute(total_sql, ["committee"], prepare=True).fetchone()
        return [BillSummary(*r) for r in rows], total

    def record() -> Any:
        params = {"bill": 2, "user": user(1 + turns.next() % USERS), "views": 1,
                  "comments": 0, "shares": 0, "score": 1}  # fmt: skip
        return cur.execute(record_sql, params, prepare=True).fetchone()

    def toggle() -> Any:
        params = {"comment": 1, "user": user(1 + turns.next() % USERS), "vote": "up"}
        with conn.transaction():
            cur.execute(lock_sql, {"ids": [1]}, prepare=True)
            return cur.execute(toggle_sql, params, prepare=True).fetchone()

    return {"threads": threads, "detail": detail, "listing": listing, "record": record,
            "toggle": toggle}  # fmt: skip


def _n_plus_one(conn: psycopg.Connection[Any], turns: Cycle) -> Op:
    cur = conn.cursor()
    top = (
        "SELECT id, bill_id, user_id, content, comment_type, is_verified, parent_comment_id,"
        " upvotes, downvotes, is_deleted, created_at, updated_at FROM bill_comments"
        " WHERE bill_id = %s AND parent_comment_id IS NULL"
        " ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET %s"
    )
    author = "SELECT name FROM users WHERE id = %s"
    count = "SELECT count(*) FROM bill_comments WHERE parent_comment_id = %s"
    replies = (
        "SELECT id, user_id, content, created_at FROM bill_comments"
        " WHERE parent_comment_id = %s ORDER BY created_at, id LIMIT 3"
    )

    def threads() -> list[Any]:
        page = cur.execute(top, [1, turns.next() % 10 * 20], prepare=True).fetchall()
        result = []
        for row in page:
            name = cur.execute(author, [row[2]], prepare=True).fetchone()
            n = cur.execute(count, [row[0]], prepare=True).fetchone()
            first = cur.execute(replies, [row[0]], prepare=True).fetchall()
            result.append((row, name, n, first))
        return result

    return threads


CLIENTS = ["repo", "raw", "n+1"]
OPERATIONS = ["threads", "detail", "listing", "record", "toggle"]


@pytest.fixture
def clients(seeded: str, pinned: bool) -> Iterator[dict[str, dict[str, Op]]]:
    turns = _turns()
    conns = [psycopg.connect(seeded, autocommit=True) for _ in range(3)]
    repo = _repo_ops(conns[0], turns)
    for op in repo.values():  # compile every shape once (the raw client reuses the text)
        op()
    try:
        yield {
            "repo": repo,
            "raw": _raw_ops(conns[1], turns),
            "n+1": {"threads": _n_plus_one(conns[2], turns)},
        }
    finally:
        for conn in conns:
            conn.close()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation(benchmark: Any, clients: dict[str, dict[str, Op]], operation: str) -> None:
    benchmark.group = f"legislative {operation}"
    benchmark(clients["repo"][operation])


def test_interleaved(benchmark: Any, clients: dict[str, dict[str, Op]], pinned: bool) -> None:
    rounds, block = (2, 4) if not benchmark.enabled else (15, 100)
    result = interleave(clients, OPERATIONS, rounds=rounds, block=block)
    print("\n" + _report(result, pinned))
    benchmark.extra_info.update(result.as_json())
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert all(value > 0 for value in result.wall.values())


def _report(result: Interleaved, pinned: bool) -> str:
    wall, cpu = result.wall, result.cpu
    lines = [
        f"interleaved medians, {result.rounds} rounds, blocks of {result.block}, pinned to one "
        f"CPU: {pinned}; wall µs/op (client CPU µs/op)",
        *result.table(CLIENTS, OPERATIONS),
        "repo vs raw (same SQL, same rows): wall ratio, client CPU overhead per call",
    ]
    for operation in OPERATIONS:
        ratio = wall["repo", operation] / wall["raw", operation]
        overhead = cpu["repo", operation] - cpu["raw", operation]
        lines.append(f"  {operation:<8} {ratio:5.2f}x, {overhead:+6.1f} µs CPU")
    naive = wall["n+1", "threads"] / wall["repo", "threads"]
    lines.append(f"threads: the N+1 pattern (61 statements) takes {naive:.1f}x the repository's 2")
    return "\n".join(lines)
