"""The moderation repository against raw psycopg running the same SQL text.

Data: 3 000 users, 1 bill, 6 000 comments, 1 000 of them already reported (the open queue).

  flag      a citizen reports a comment not yet reported (a new item: the upsert's insert)
  merge     another citizen reports an already-reported comment (the upsert's update)
  queue     the first page of 20 open items, severity first, with summaries and the total
  entry     one item as the queue shows it

Clients, each on its own autocommit connection:

  repository   ``ModerationRepository`` on a one-connection runner: argument checks, the
               statement through a monitored Executor, result objects
  raw          psycopg with the repository's own SQL text, ``prepare=True``, the same
               result objects built from the rows (the repository minus its checks and
               monitoring)

Run ``pytest benchmarks/test_moderation.py -s`` for the interleaved table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from benchmarks.helpers import ExecutorRunner, interleave
from chanuka_db.pool import DatabaseUrl
from chanuka_db.repositories import moderation as m
from chanuka_db.sql import Executor, QueryMonitor

Op = Callable[[], Any]
USERS, COMMENTS, OPEN = 3000, 6000, 1000
CLIENTS = ["repository", "raw"]
OPERATIONS = ["flag", "merge", "queue", "entry"]

SEED = (
    "INSERT INTO users (email, password_hash, name)"
    " SELECT 'user' || g || '@example.ke', '!', 'User ' || g FROM generate_series(1, %(users)s) g",
    "INSERT INTO bills (title) VALUES ('The Finance Bill, 2026')",
    "INSERT INTO bill_comments (bill_id, user_id, content)"
    " SELECT (SELECT min(id) FROM bills), u.ids[1 + g %% %(users)s],"
    " 'Comment ' || g || ' ' || repeat('on the levy ', 10)"
    " FROM generate_series(1, %(comments)s) g,"
    " (SELECT array_agg(id ORDER BY id) AS ids FROM users) u",
)


class Sequence:
    """Hands out comment ids and reporters so each call does the same work on new rows."""

    def __init__(self, comments: list[int], users: list[uuid.UUID]) -> None:
        self.comments, self.users, self.n, self.m = comments, users, 0, 0

    def fresh_comment(self) -> int:
        self.n += 1
        return self.comments[OPEN + self.n]

    def reporter(self) -> uuid.UUID:
        self.m += 1
        return self.users[self.m % len(self.users)]


@pytest.fixture
def seeded(database_url: DatabaseUrl) -> tuple[str, Sequence]:
    url = database_url.conninfo()
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SEED:
            conn.execute(statement.encode(), {"users": USERS, "comments": COMMENTS})
        users = [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]
        comments = [row[0] for row in conn.execute("SELECT id FROM bill_comments ORDER BY id")]
        repository = m.ModerationRepository(ExecutorRunner(Executor(conn, QueryMonitor())))
        severities = list(m.Severity)
        for n, comment in enumerate(comments[:OPEN]):
            repository.flag(
                m.ContentRef.comment(comment), "other", users[n], severity=severities[n % 4]
            )
        conn.execute("ANALYZE")
    return url, Sequence(comments, users)


def _repository_ops(conn: psycopg.Connection[Any], seq: Sequence) -> dict[str, Op]:
    repository = m.ModerationRepository(ExecutorRunner(Executor(conn, QueryMonitor())))
    busy = m.ContentRef.comment(seq.comments[0])
    item = repository.queue().items[0].item.id
    return {
        "flag": lambda: repository.flag(
            m.ContentRef.comment(seq.fresh_comment()), m.FlagReason.SPAM, seq.reporter()
        ),
        "merge": lambda: repository.flag(busy, m.FlagReason.SPAM, seq.reporter()),
        "queue": lambda: repository.queue(page_size=20),
        "entry": lambda: repository.entry(item),
    }


def _raw_ops(conn: psycopg.Connection[Any], seq: Sequence) -> dict[str, Op]:
    busy = seq.comments[1]
    page = {"statuses": ["pending", "escalated"], "content_type": None}
    page |= {"auto_flagged": None, "min_rank": 0, "limit": 20, "offset": 0}

    def flag(comment: int) -> Any:
        params = {"content_type": "bill_comment", "content_id": comment, "reason": "spam"}
        params |= {"details": "spam", "reporter": seq.reporter(), "severity": "low"}
        params["auto"] = False
        (row,) = conn.execute(m._FLAG.text, params, prepare=True).fetchall()
        return m.FlagResult(*m._flag_and_item(row[1:]), duplicate=False)

    def queue(statement: Any, params: dict[str, Any]) -> Any:
        rows = conn.execute(statement.text, params, prepare=True).fetchall()
        return [m._queue_entry(row) for row in rows if row[1] is not None], rows[0][0]

    item = queue(m._QUEUE, page)[0][0].item.id
    one = {"item": item, "min_rank": 0, "limit": 1, "offset": 0}
    return {
        "flag": lambda: flag(seq.fresh_comment()),
        "merge": lambda: flag(busy),
        "queue": lambda: queue(m._QUEUE, page),
        "entry": lambda: queue(m._ENTRY, one)[0][0],
    }


@pytest.fixture
def clients(seeded: tuple[str, Sequence], pinned: bool) -> Iterator[dict[str, dict[str, Op]]]:
    url, seq = seeded
    conns = [psycopg.connect(url, autocommit=True) for _ in CLIENTS]
    try:
        yield {"repository": _repository_ops(conns[0], seq), "raw": _raw_ops(conns[1], seq)}
    finally:
        for conn in conns:
            conn.close()


def test_interleaved(benchmark: Any, clients: dict[str, dict[str, Op]], pinned: bool) -> None:
    rounds, block = (2, 5) if not benchmark.enabled else (10, 100)
    result = interleave(clients, OPERATIONS, rounds=rounds, block=block)
    wall, cpu = result.wall, result.cpu
    lines = [
        f"interleaved medians, {rounds} rounds of {block}, pinned to one CPU: {pinned};"
        " wall µs/op (client CPU µs/op)",
        f"{'operation':<10}" + "".join(f"{name:>24}" for name in CLIENTS) + "   repository/raw",
    ]
    for operation in OPERATIONS:
        ratio = wall["repository", operation] / wall["raw", operation]
        extra = cpu["repository", operation] - cpu["raw", operation]
        cells = result.cells(CLIENTS, operation)
        lines.append(f"{operation:<10}{cells}   {ratio:5.2f}x, {extra:+6.1f} µs CPU")
    print("\n" + "\n".join(lines))
    benchmark.extra_info.update(result.as_json())
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert all(value > 0 for value in wall.values())
