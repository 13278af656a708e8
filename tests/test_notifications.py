"""Notifications: a user's inbox, marking read, fan-out to a bill's followers, purging."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import InvalidInput
from chanuka_db.repositories.notifications import NotificationEvent, NotificationType
from chanuka_db.types import NewNotification
from tests.legislative_support import add_bill, add_user, data, statements

__all__ = ["data"]

MOVED = NotificationEvent(
    NotificationType.BILL_STATUS_CHANGE, "A bill you follow moved", "Finance Bill: passed"
)


def _inbox(data: Database, user: Any, kinds: list[str]) -> list[Any]:
    return data.repos.notifications.add_many(
        [
            NewNotification(user_id=user.id, type=kind, title=f"t{i}", message="m")
            for i, kind in enumerate(kinds)
        ]
    )


def test_list_for_user_shows_only_their_notifications_newest_first(data: Database) -> None:
    alice, bob = add_user(data), add_user(data)
    rows = _inbox(data, alice, ["comment_reply", "weekly_digest", "comment_reply"])
    _inbox(data, bob, ["comment_reply"])
    data.repos.notifications.mark_read(alice.id, [rows[2].id])
    page = data.repos.notifications.list_for_user(alice.id)
    assert [n.id for n in page.items] == [rows[2].id, rows[1].id, rows[0].id]
    assert {n.user_id for n in page.items} == {alice.id}
    unread = data.repos.notifications.list_for_user(alice.id, unread_only=True)
    assert [n.id for n in unread.items] == [rows[1].id, rows[0].id]
    replies = data.repos.notifications.list_for_user(alice.id, type="comment_reply", page_size=1)
    assert ([n.id for n in replies.items], replies.total) == ([rows[2].id], 2)
    both = data.repos.notifications.list_for_user(
        alice.id, unread_only=True, type=NotificationType.COMMENT_REPLY
    )
    assert [n.id for n in both.items] == [rows[0].id]
    for size in (1, 100):
        assert (
            statements(
                data, lambda s=size: data.repos.notifications.list_for_user(alice.id, page_size=s)
            )
            == 2
        )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"user_id": "alice"}, "user_id"),
        ({"unread_only": "yes"}, "unread_only"),
        ({"type": "spam"}, "type"),
        ({"page": 0}, "page"),
    ],
)
def test_list_for_user_refuses_bad_arguments(
    data: Database, arguments: dict[str, Any], field: str
) -> None:
    values = {"user_id": uuid.uuid4()} | arguments
    user = values.pop("user_id")
    with pytest.raises(InvalidInput) as err:
        data.repos.notifications.list_for_user(user, **values)
    assert field in err.value.field


def test_unread_count_and_marking(data: Database) -> None:
    alice, bob = add_user(data), add_user(data)
    rows = _inbox(data, alice, ["comment_reply"] * 3)
    theirs = _inbox(data, bob, ["comment_reply"])
    assert statements(data, lambda: data.repos.notifications.unread_count(alice.id)) == 1
    assert data.repos.notifications.unread_count(alice.id) == 3
    # bob's id is ignored: a user marks only their own
    assert data.repos.notifications.mark_read(alice.id, [rows[0].id, rows[0].id, theirs[0].id]) == 1
    assert data.repos.notifications.mark_read(alice.id, [rows[0].id]) == 0
    assert data.repos.notifications.unread_count(bob.id) == 1
    assert data.repos.notifications.mark_all_read(alice.id) == 2
    assert data.repos.notifications.unread_count(alice.id) == 0
    with pytest.raises(InvalidInput, match="ids"):
        data.repos.notifications.mark_read(alice.id, [])
    with pytest.raises(InvalidInput, match="ids"):
        data.repos.notifications.mark_read(alice.id, ["1"])  # type: ignore[list-item]
    with pytest.raises(InvalidInput, match="user_id"):
        data.repos.notifications.mark_all_read(None)  # type: ignore[arg-type]


def test_fan_out_is_one_insert_select_over_the_followers(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, quiet = add_bill(data), add_bill(data)
    followers = [add_user(data) for _ in range(5)]
    for user in followers:
        data.repos.engagement.record(bill.id, user.id, "view")
    data.repos.engagement.record(quiet.id, followers[0].id, "view")
    conn.execute("UPDATE users SET is_active = false WHERE id = %s", [followers[4].id])
    with data.queries.count() as counted:
        told = data.repos.notifications.fan_out(bill.id, MOVED, exclude_user=followers[0].id)
    assert (counted.total, told) == (1, 3)
    rows = conn.execute(
        "SELECT user_id, type, title, related_bill_id FROM notifications"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(u.id for u in followers[1:4])
    assert {r[1:] for r in rows} == {("bill_status_change", "A bill you follow moved", bill.id)}
    assert data.repos.notifications.fan_out(add_bill(data).id, MOVED) == 0


def test_events_are_checked_when_made(data: Database) -> None:
    with pytest.raises(InvalidInput, match="type"):
        NotificationEvent("spam", "t", "m")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="title"):
        NotificationEvent(NotificationType.WEEKLY_DIGEST, " ", "m")
    with pytest.raises(InvalidInput, match="message"):
        NotificationEvent(NotificationType.WEEKLY_DIGEST, "t", "")
    long = NotificationEvent("weekly_digest", "t", "x" * 5000)  # type: ignore[arg-type]
    assert long.type is NotificationType.WEEKLY_DIGEST and len(long.message) == 2000
    with pytest.raises(InvalidInput, match="event"):
        data.repos.notifications.fan_out(1, "moved")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="exclude_user"):
        data.repos.notifications.fan_out(1, MOVED, exclude_user=5)  # type: ignore[arg-type]


def test_purge_deletes_old_read_notifications_in_batches(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    alice = add_user(data)
    rows = _inbox(data, alice, ["weekly_digest"] * 5)
    conn.execute(
        "UPDATE notifications SET created_at = localtimestamp - interval '40 days',"
        " is_read = id <> %s WHERE id <> %s",
        [rows[0].id, rows[4].id],
    )
    assert data.repos.notifications.purge(dt.timedelta(days=30), limit=2) == 2
    assert data.repos.notifications.purge(dt.timedelta(days=30)) == 1
    assert data.repos.notifications.purge(dt.timedelta(days=30)) == 0
    assert data.repos.notifications.purge(dt.timedelta(days=30), include_unread=True) == 1
    left = conn.execute("SELECT id FROM notifications").fetchall()
    assert left == [(rows[4].id,)]
    for bad in (dt.timedelta(hours=1), 30):
        with pytest.raises(InvalidInput, match="older_than"):
            data.repos.notifications.purge(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="limit"):
        data.repos.notifications.purge(dt.timedelta(days=1), limit=0)
    with pytest.raises(InvalidInput, match="include_unread"):
        data.repos.notifications.purge(dt.timedelta(days=1), include_unread=1)  # type: ignore[arg-type]
