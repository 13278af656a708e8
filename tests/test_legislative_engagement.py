"""Engagement: recording, a bill's totals, a user's history and tracked bills, followers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound
from chanuka_db.repositories.legislative import EngagementKind
from chanuka_db.types import BillEngagementPatch, NewBillEngagement
from tests.legislative_support import (
    add_bill,
    add_user,
    counters,
    data,
    engagement_sums,
    statements,
)

__all__ = ["data"]


def test_record_counts_each_kind_with_its_weight_in_one_statement(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, user = add_bill(data), add_user(data)
    with data.queries.count() as counted:
        first = data.repos.engagement.record(bill.id, user.id, EngagementKind.VIEW)
    assert counted.total == 1
    assert (first.view_count, first.engagement_score) == (1, Decimal(1))
    data.repos.engagement.record(bill.id, user.id, "view")
    data.repos.engagement.record(bill.id, user.id, "share")
    row = data.repos.engagement.record(bill.id, user.id, "comment")
    assert (row.view_count, row.comment_count, row.share_count) == (2, 1, 1)
    assert row.engagement_score == Decimal(2 * 1 + 5 + 3)
    assert row.id == first.id and row.last_engaged >= first.last_engaged
    assert counters(conn, bill.id) == (2, 1, 1, Decimal(10))
    assert data.repos.bills.get(bill.id).updated_at == bill.updated_at  # not an edit


def test_record_errors(data: Database) -> None:
    bill, user = add_bill(data), add_user(data)
    with pytest.raises(InvalidInput, match="kind"):
        data.repos.engagement.record(bill.id, user.id, "like")
    with pytest.raises(InvalidInput, match="user_id"):
        data.repos.engagement.record(bill.id, str(user.id), "view")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="bill_id"):
        data.repos.engagement.record(0, user.id, "view")
    with pytest.raises(InvalidReference):
        data.repos.engagement.record(bill.id + 1, user.id, "view")
    with pytest.raises(InvalidReference):
        data.repos.engagement.record(bill.id, uuid.uuid4(), "view")
    assert data.repos.engagement.count() == 0


def test_bill_totals(data: Database) -> None:
    bill, alice, bob = add_bill(data), add_user(data), add_user(data)
    for user, kind in ((alice, "view"), (bob, "view"), (bob, "share")):
        data.repos.engagement.record(bill.id, user.id, kind)
    assert statements(data, lambda: data.repos.engagement.bill_totals(bill.id)) == 1
    totals = data.repos.engagement.bill_totals(bill.id)
    assert (totals.view_count, totals.share_count, totals.engagement_score) == (2, 1, Decimal(5))
    with pytest.raises(NotFound):
        data.repos.engagement.bill_totals(bill.id + 1)


def test_user_history_and_tracked_bills(data: Database) -> None:
    user, other = add_user(data), add_user(data)
    finance = add_bill(data, "Finance", status="committee", tags=["tax"])
    roads = add_bill(data, "Roads", status="introduced")
    health = add_bill(data, "Health", status="committee")
    for bill in (finance, roads, health):
        data.repos.engagement.record(bill.id, user.id, "view")
    data.repos.engagement.record(finance.id, user.id, "share")  # the latest engagement
    data.repos.engagement.record(roads.id, other.id, "view")
    history = data.repos.engagement.user_history(user.id, page_size=2)
    assert (history.total, history.has_next) == (3, True)
    assert [e.bill.title for e in history.items] == ["Finance", "Health"]
    assert history.items[0].engagement.share_count == 1
    tracked = data.repos.engagement.tracked_bills(user.id, {"status": "committee"})
    assert [t.bill.title for t in tracked.items] == ["Finance", "Health"]
    assert tracked.items[0].engagement.user_id == user.id
    by_title = data.repos.engagement.tracked_bills(user.id, sort=["title"])
    assert [t.bill.title for t in by_title.items] == ["Finance", "Health", "Roads"]
    oldest = data.repos.engagement.tracked_bills(user.id, None, "last_engaged")
    assert [t.bill.title for t in oldest.items] == ["Roads", "Health", "Finance"]
    tagged = data.repos.engagement.tracked_bills(user.id, {"tags": ["tax"]})
    assert [t.bill.title for t in tagged.items] == ["Finance"]
    assert data.repos.engagement.tracked_bills(other.id).total == 1
    for size in (1, 50):
        assert (
            statements(
                data, lambda s=size: data.repos.engagement.tracked_bills(user.id, page_size=s)
            )
            == 2
        )


@pytest.mark.parametrize(
    ("sort", "field"),
    [
        ("content", "content"),
        (42, "sort"),
        (["title"] * 9, "sort"),
        ("-password_hash", "password_hash"),
    ],
)
def test_tracked_bills_refuses_bad_sorts(data: Database, sort: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        data.repos.engagement.tracked_bills(uuid.uuid4(), sort=sort)
    assert field in err.value.field
    with pytest.raises(InvalidInput, match="status"):
        data.repos.engagement.tracked_bills(uuid.uuid4(), {"status": "enacted"})


def test_subscribers_are_the_active_users_who_engaged(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill = add_bill(data)
    alice, bob, gone = add_user(data, "Alice"), add_user(data, "Bob"), add_user(data, "Gone")
    for user in (alice, gone, bob):
        data.repos.engagement.record(bill.id, user.id, "view")
    conn.execute("UPDATE users SET is_active = false WHERE id = %s", [gone.id])
    page = data.repos.engagement.subscribers(bill.id)
    assert [(s.name, s.user_id) for s in page.items] == [("Bob", bob.id), ("Alice", alice.id)]
    assert page.total == 2
    with pytest.raises(InvalidInput, match="bill_id"):
        data.repos.engagement.subscribers(-1)


def test_generic_writes_move_the_bill_counters_too(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, alice, bob = add_bill(data), add_user(data), add_user(data)
    row = data.repos.engagement.add(
        NewBillEngagement(
            bill_id=bill.id, user_id=alice.id, view_count=3, engagement_score=Decimal(3)
        )
    )
    data.repos.engagement.add_many(
        [
            NewBillEngagement(
                bill_id=bill.id, user_id=bob.id, share_count=2, engagement_score=Decimal(6)
            )
        ]
    )
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id) == (3, 0, 2, Decimal(9))
    data.repos.engagement.update(
        row.id, BillEngagementPatch(view_count=1, engagement_score=Decimal(1))
    )
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id) == (1, 0, 2, Decimal(7))
    data.repos.engagement.delete(row.id)
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id) == (0, 0, 2, Decimal(6))
    with pytest.raises(Conflict):
        data.repos.engagement.add(NewBillEngagement(bill_id=bill.id, user_id=bob.id))
    with pytest.raises(NotFound):
        data.repos.engagement.delete(row.id)
    with pytest.raises(NotFound):
        data.repos.engagement.update(row.id, BillEngagementPatch(view_count=1))
    with pytest.raises(InvalidInput, match="bill_id"):
        data.repos.engagement.update(row.id, BillEngagementPatch(bill_id=bill.id))
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id)


def test_single_generic_adds_name_their_argument(data: Database) -> None:
    with pytest.raises(InvalidInput, match=r"^new: expected NewBillEngagement"):
        data.repos.engagement.add(BillEngagementPatch(view_count=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"^new: expected NewBillTag"):
        data.repos.tags.add(BillEngagementPatch(view_count=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"^new: expected NewCommentVote"):
        data.repos.votes.add(BillEngagementPatch(view_count=1))  # type: ignore[arg-type]
