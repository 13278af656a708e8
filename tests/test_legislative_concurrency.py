"""50 threads at once on one comment or one bill: the counters equal the rows at the end.

One Database shared by all threads; each thread works in its own units of work. The
invariants are checked with count(*)/sum() over the underlying rows.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.repositories.legislative import EngagementKind
from chanuka_db.types import NewBillComment
from tests.legislative_support import (
    add_bill,
    add_user,
    add_users,
    counters,
    data,
    engagement_sums,
    vote_counts,
)

__all__ = ["data"]

THREADS = 50


def run_together(work: Callable[[int], None]) -> None:
    """Run ``work(n)`` in 50 threads released at the same moment; re-raise any failure."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def body(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]


@pytest.mark.slow
def test_fifty_threads_toggling_votes_on_one_comment(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill = add_bill(data)
    voters = add_users(data, 25)  # two threads per voter: the same user races too
    target = data.repos.comments.add(
        NewBillComment(bill_id=bill.id, user_id=voters[0].id, content="vote on me")
    )

    def work(n: int) -> None:
        rng = random.Random(n)
        user = voters[n % len(voters)].id
        for _ in range(6):
            with data.unit_of_work(actor=user) as uow:
                uow.votes.toggle(target.id, user, rng.choice(("up", "down")))

    run_together(work)
    stored, counted = vote_counts(conn, target.id)
    assert stored == counted
    assert (
        sum(counted)
        == conn.execute(
            "SELECT count(*) FROM comment_votes WHERE comment_id = %s", [target.id]
        ).fetchone()[0]
    )  # type: ignore[index]
    assert data.stats().returns_bad == 0


@pytest.mark.slow
def test_fifty_threads_recording_engagement_on_one_bill(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill = add_bill(data)
    users = add_users(data, 20)  # several threads per user: their row is contended too
    kinds = list(EngagementKind)
    done: list[tuple[int, EngagementKind]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        rng = random.Random(n)
        for _ in range(8):
            user = rng.randrange(len(users))
            kind = rng.choice(kinds)
            with data.unit_of_work(actor=users[user].id) as uow:
                uow.engagement.record(bill.id, users[user].id, kind)
            with lock:
                done.append((user, kind))

    run_together(work)
    assert len(done) == THREADS * 8
    expected = (
        sum(k is EngagementKind.VIEW for _, k in done),
        sum(k is EngagementKind.COMMENT for _, k in done),
        sum(k is EngagementKind.SHARE for _, k in done),
        Decimal(sum(k.weight for _, k in done)),
    )
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id) == expected
    per_user = dict(
        conn.execute(
            "SELECT user_id, view_count + comment_count + share_count FROM bill_engagement"
            " WHERE bill_id = %s",
            [bill.id],
        ).fetchall()
    )
    for index, user in enumerate(users):
        assert per_user.get(user.id, 0) == sum(u == index for u, _ in done)


@pytest.mark.slow
def test_fifty_threads_posting_replies_on_one_bill(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, author = add_bill(data), add_user(data)
    root = data.repos.comments.add(
        NewBillComment(bill_id=bill.id, user_id=author.id, content="root")
    )
    users = add_users(data, 10)

    def work(n: int) -> None:
        user = users[n % len(users)].id
        with data.unit_of_work(actor=user) as uow:
            uow.comments.add(
                NewBillComment(
                    bill_id=bill.id, user_id=user, content=f"reply {n}", parent_comment_id=root.id
                )
            )
            uow.engagement.record(bill.id, user, "view")

    run_together(work)
    rows = conn.execute(
        "SELECT count(*) FROM bill_comments WHERE bill_id = %s", [bill.id]
    ).fetchone()
    assert rows == (THREADS + 1,)
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id)
    assert counters(conn, bill.id)[:2] == (THREADS, THREADS + 1)
