"""Helpers for the moderation, regulatory and analytics repository tests: a Database, rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import attrs
import psycopg

from chanuka_db import Database
from chanuka_db.pool import Environment
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl
from chanuka_db.types import (
    NewBill,
    NewBillComment,
    NewSponsor,
    NewSponsorTransparency,
    NewUser,
    NewUserProfile,
)


def open_data(database_url: DatabaseUrl, **overrides: Any) -> Iterator[Database]:
    """The services' Database on the test's database (a fixture body: ``yield from``)."""
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url, **overrides)
    with Database(config) as database:
        yield database


@attrs.define
class World:
    """A few rows to moderate: users, a bill with a comment, a profile, a disclosure."""

    users: list[uuid.UUID]
    bill_id: int
    comment_id: int
    profile_id: int
    sponsor_id: int
    disclosure_id: int


def make_users(data: Database, count: int, *, start: int = 0, role: str = "citizen") -> list[Any]:
    """``count`` users in one statement; their ids in order."""
    news = [
        NewUser(email=f"user{n}@example.ke", password_hash="x", name=f"User {n}", role=role)
        for n in range(start, start + count)
    ]
    return [row.id for row in data.repos.users.add_many(news)]


def make_world(data: Database, users: int = 3) -> World:
    """Users, a bill, a comment by the first user, a profile of the second, a disclosure."""
    ids = make_users(data, users)
    with data.unit_of_work() as uow:
        sponsor = uow.sponsors.add(NewSponsor(name="Hon. Amina Wanjiru", role="MP"))
        bill = uow.bills.add(NewBill(title="Finance Bill 2026", sponsor_id=sponsor.id))
        comment = uow.comments.add(
            NewBillComment(bill_id=bill.id, user_id=ids[0], content="This clause is a scandal.")
        )
        profile = uow.user_profiles.add(NewUserProfile(user_id=ids[1], bio="Hello"))
        disclosure = uow.sponsor_transparency.add(
            NewSponsorTransparency(
                sponsor_id=sponsor.id, disclosure_type="shareholding", description="10% of Acme"
            )
        )
    return World(ids, bill.id, comment.id, profile.id, sponsor.id, disclosure.id)


def scalar(conn: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    """The one value of a one-row, one-column query (for assertions)."""
    row = conn.execute(sql.encode(), params).fetchone()
    assert row is not None
    return row[0]
