"""Fixtures and builders for the legislative and notification repository tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.pool import Environment
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl
from chanuka_db.types import NewBill, NewSponsor, NewUser, Sponsor, User

_numbers = itertools.count(1)


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    """The services' Database (repositories and units of work) on this test's database."""
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url, pool_max=30)
    with Database(config) as database:
        yield database


def add_user(data: Database, name: str = "", *, active: bool = True) -> User:
    n = next(_numbers)
    return data.repos.users.add(
        NewUser(
            email=f"user{n}.{uuid.uuid4().hex[:6]}@example.ke",
            password_hash="x",
            name=name or f"Citizen {n}",
            is_active=active,
        )
    )


def add_users(data: Database, count: int) -> list[User]:
    return data.repos.users.add_many(
        [
            NewUser(
                email=f"bulk{i}.{uuid.uuid4().hex[:6]}@example.ke", password_hash="x", name=f"U{i}"
            )
            for i in range(count)
        ]
    )


def add_sponsor(data: Database, name: str = "Hon. Wanjiku") -> Sponsor:
    return data.repos.sponsors.add(
        NewSponsor(name=name, role="MP", party="ODM", constituency="Kibra")
    )


def add_bill(data: Database, title: str = "", **fields: Any) -> Any:
    return data.repos.bills.add(NewBill(title=title or f"Bill {next(_numbers)}", **fields))


def counters(conn: psycopg.Connection[Any], bill_id: int) -> tuple[int, int, int, Decimal]:
    row = conn.execute(
        "SELECT view_count, comment_count, share_count, engagement_score FROM bills WHERE id = %s",
        [bill_id],
    ).fetchone()
    assert row is not None
    return row


def engagement_sums(conn: psycopg.Connection[Any], bill_id: int) -> tuple[int, int, int, Decimal]:
    row = conn.execute(
        "SELECT coalesce(sum(view_count), 0)::int, coalesce(sum(comment_count), 0)::int,"
        " coalesce(sum(share_count), 0)::int, coalesce(sum(engagement_score), 0)"
        " FROM bill_engagement WHERE bill_id = %s",
        [bill_id],
    ).fetchone()
    assert row is not None
    return row


def vote_counts(
    conn: psycopg.Connection[Any], comment_id: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """(upvotes, downvotes) stored on the comment, and counted in comment_votes."""
    stored = conn.execute(
        "SELECT upvotes, downvotes FROM bill_comments WHERE id = %s", [comment_id]
    ).fetchone()
    counted = conn.execute(
        "SELECT count(*) FILTER (WHERE vote_type = 'up'),"
        " count(*) FILTER (WHERE vote_type = 'down') FROM comment_votes WHERE comment_id = %s",
        [comment_id],
    ).fetchone()
    assert stored is not None and counted is not None
    return stored, counted


def tag_sets(conn: psycopg.Connection[Any], bill_id: int) -> tuple[list[str], set[str]]:
    """bills.tags and the bill's bill_tags rows."""
    row = conn.execute("SELECT coalesce(tags, '{}') FROM bills WHERE id = %s", [bill_id]).fetchone()
    rows = conn.execute("SELECT tag FROM bill_tags WHERE bill_id = %s", [bill_id]).fetchall()
    assert row is not None
    return row[0], {tag for (tag,) in rows}


def statements(data: Database, operation: Callable[[], object]) -> int:
    """How many statements ``operation`` ran (this thread)."""
    with data.queries.count() as counted:
        operation()
    return counted.total
