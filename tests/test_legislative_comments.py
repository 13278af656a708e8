"""Comments (threads, posting, edits, soft deletion, stats) and votes on comments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound
from chanuka_db.repositories.legislative import CommentSort, VoteType
from chanuka_db.types import (
    BillCommentPatch,
    CommentVotePatch,
    NewBillComment,
    NewCommentVote,
)
from tests.legislative_support import (
    add_bill,
    add_user,
    add_users,
    counters,
    data,
    engagement_sums,
    statements,
    vote_counts,
)

__all__ = ["data"]


def comment(
    data: Database, bill: Any, user: Any, text: str, parent: Any = None, **fields: Any
) -> Any:
    return data.repos.comments.add(
        NewBillComment(
            bill_id=bill.id,
            user_id=user.id,
            content=text,
            parent_comment_id=None if parent is None else parent.id,
            **fields,
        )
    )


# -- posting -----------------------------------------------------------------------------------


def test_add_posts_and_counts_engagement_in_one_statement(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, alice = add_bill(data), add_user(data)
    with data.queries.count() as counted:
        top = comment(data, bill, alice, "First!", comment_type="question")
    assert counted.total == 1
    reply = comment(data, bill, alice, "Answering myself", top)
    assert (top.comment_type, top.upvotes, top.is_deleted) == ("question", 0, False)
    assert reply.parent_comment_id == top.id
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id) == (0, 2, 0, Decimal(10))


def test_add_keeps_given_times_and_defaults_to_now(data: Database) -> None:
    bill, alice = add_bill(data), add_user(data)
    when = dt.datetime(2025, 6, 1, 9, 30)
    imported = comment(data, bill, alice, "From the old site", created_at=when)
    assert (imported.created_at, imported.updated_at) == (when, when)
    fresh = comment(data, bill, alice, "New")
    assert fresh.created_at > when
    assert fresh.updated_at == fresh.created_at


def test_a_reply_must_answer_a_live_comment_of_the_same_bill(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, other_bill, alice = add_bill(data), add_bill(data), add_user(data)
    elsewhere = comment(data, other_bill, alice, "on another bill")
    with pytest.raises(InvalidInput, match="parent_comment_id"):
        comment(data, bill, alice, "reply", elsewhere)
    data.repos.comments.soft_delete(elsewhere.id, alice.id)
    with pytest.raises(InvalidInput, match="parent_comment_id"):
        comment(data, other_bill, alice, "reply to a deleted one", elsewhere)
    fake = type("Missing", (), {"id": 999_999})()
    with pytest.raises(InvalidInput, match="parent_comment_id"):
        comment(data, bill, alice, "reply to nothing", fake)
    assert counters(conn, bill.id) == (0, 0, 0, Decimal(0))
    assert data.repos.comments.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": "   "}, "content"),
        ({"content": "x" * 10_001}, "content"),
        ({"comment_type": "rant"}, "comment_type"),
        ({"upvotes": 5}, "upvotes"),
        ({"is_deleted": True}, "is_deleted"),
        ({"parent_comment_id": 0}, "parent_comment_id"),
        ({"bill_id": 0}, "bill_id"),
    ],
)
def test_add_refuses_bad_comments(data: Database, fields: dict[str, Any], field: str) -> None:
    values = {"bill_id": 1, "user_id": uuid.uuid4(), "content": "ok"} | fields
    with pytest.raises(InvalidInput) as err:
        data.repos.comments.add(NewBillComment(**values))
    assert field in err.value.field


def test_add_with_a_missing_bill_or_user_is_an_invalid_reference(data: Database) -> None:
    bill, alice = add_bill(data), add_user(data)
    with pytest.raises(InvalidReference):
        data.repos.comments.add(NewBillComment(bill_id=bill.id + 1, user_id=alice.id, content="x"))
    with pytest.raises(InvalidReference):
        data.repos.comments.add(NewBillComment(bill_id=bill.id, user_id=uuid.uuid4(), content="x"))
    with pytest.raises(InvalidInput, match="expected NewBillComment"):
        data.repos.comments.add(BillCommentPatch(content="x"))  # type: ignore[arg-type]


def test_add_many_counts_engagement_and_checks_parents(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, other_bill = add_bill(data), add_bill(data)
    alice, bob = add_user(data), add_user(data)
    rows = data.repos.comments.add_many(
        [NewBillComment(bill_id=bill.id, user_id=u.id, content="x") for u in (alice, bob, bob)]
    )
    assert len(rows) == 3
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id) == (0, 3, 0, Decimal(15))
    misplaced = NewBillComment(
        bill_id=other_bill.id, user_id=alice.id, content="x", parent_comment_id=rows[0].id
    )
    with pytest.raises(InvalidInput, match="parent_comment_id"):
        data.repos.comments.add_many(
            [NewBillComment(bill_id=other_bill.id, user_id=alice.id, content="y"), misplaced]
        )
    assert data.repos.comments.count({"bill_id": other_bill.id}) == 0
    assert (
        counters(conn, other_bill.id)
        == engagement_sums(conn, other_bill.id)
        == (0, 0, 0, Decimal(0))
    )


def test_update_cannot_move_a_comment_or_set_its_tallies(data: Database) -> None:
    bill, alice = add_bill(data), add_user(data)
    row = comment(data, bill, alice, "text")
    assert data.repos.comments.update(row.id, BillCommentPatch(is_verified=True)).is_verified
    for patch, field in (
        (BillCommentPatch(bill_id=bill.id), "bill_id"),
        (BillCommentPatch(upvotes=3), "upvotes"),
        (BillCommentPatch(content=""), "content"),
        (BillCommentPatch(comment_type="rant"), "comment_type"),
    ):
        with pytest.raises(InvalidInput, match=field):
            data.repos.comments.update(row.id, patch)


# -- threads -----------------------------------------------------------------------------------


def _thread_fixture(data: Database) -> tuple[Any, list[Any], Any]:
    bill = add_bill(data)
    alice, bob, carol = add_user(data, "Alice"), add_user(data, "Bob"), add_user(data, "Carol")
    first = comment(data, bill, alice, "first")
    second = comment(data, bill, bob, "second", is_verified=True)
    third = comment(data, bill, carol, "third")
    for n in range(5):
        comment(data, bill, bob if n % 2 else carol, f"reply {n}", first)
    comment(data, bill, alice, "reply to second", second)
    for user in (bob, carol):
        data.repos.votes.toggle(third.id, user.id, "up")
    data.repos.votes.toggle(first.id, bob.id, "down")
    return bill, [first, second, third], alice


def test_list_threaded_sorts_with_authors_reply_counts_and_first_replies(data: Database) -> None:
    bill, (first, second, third), _ = _thread_fixture(data)
    page = data.repos.comments.list_threaded(bill.id, replies=2)
    assert [t.comment.content for t in page.items] == ["third", "second", "first"]
    assert page.total == 3
    by_id = {t.comment.id: t for t in page.items}
    assert by_id[first.id].comment.author_name == "Alice"
    assert by_id[first.id].comment.reply_count == 5
    assert [r.content for r in by_id[first.id].replies] == ["reply 0", "reply 1"]
    assert [r.author_name for r in by_id[first.id].replies] == ["Carol", "Bob"]
    assert [r.content for r in by_id[second.id].replies] == ["reply to second"]
    assert by_id[third.id].replies == []

    def order(sort: Any) -> list[str]:
        return [t.comment.content for t in data.repos.comments.list_threaded(bill.id, sort).items]

    assert order(CommentSort.OLDEST) == ["first", "second", "third"]
    assert order("popular") == ["third", "second", "first"]  # +2, 0, -1
    assert order("verified") == ["second", "third", "first"]
    assert by_id[third.id].comment.score == 2


def test_list_threaded_is_two_statements_whatever_the_page_size(data: Database) -> None:
    bill, _, _ = _thread_fixture(data)
    for size in (1, 3, 100):
        count = statements(
            data, lambda s=size: data.repos.comments.list_threaded(bill.id, page_size=s, replies=3)
        )
        assert count == 2
    assert statements(data, lambda: data.repos.comments.list_threaded(bill.id, replies=0)) == 1


def test_list_threaded_pages_and_their_total(data: Database) -> None:
    bill, _, _ = _thread_fixture(data)
    pages = [
        data.repos.comments.list_threaded(bill.id, "oldest", page=n, page_size=2) for n in (1, 2, 3)
    ]
    assert [[t.comment.content for t in p.items] for p in pages] == [
        ["first", "second"],
        ["third"],
        [],
    ]
    assert [(p.total, p.has_next) for p in pages] == [(3, True), (3, False), (3, False)]
    empty = add_bill(data)
    assert data.repos.comments.list_threaded(empty.id).total == 0
    with pytest.raises(InvalidInput, match="sort"):
        data.repos.comments.list_threaded(bill.id, "loudest")
    with pytest.raises(InvalidInput, match="replies"):
        data.repos.comments.list_threaded(bill.id, replies=21)
    with pytest.raises(InvalidInput, match="page_size"):
        data.repos.comments.list_threaded(bill.id, page_size=101)


def test_a_deleted_comment_stays_as_a_placeholder(data: Database) -> None:
    bill, (first, *_), alice = _thread_fixture(data)
    data.repos.comments.soft_delete(first.id, alice.id)
    (thread,) = [
        t for t in data.repos.comments.list_threaded(bill.id).items if t.comment.id == first.id
    ]
    placeholder = thread.comment
    assert placeholder.is_deleted
    assert (placeholder.content, placeholder.author_name, placeholder.user_id) == (None, None, None)
    assert placeholder.reply_count == 5 and len(thread.replies) == 3
    assert data.repos.comments.get(first.id).content == "first"  # the row is kept


def test_replies_pages(data: Database) -> None:
    _, (first, *_), _ = _thread_fixture(data)
    page = data.repos.comments.replies(first.id, page=2, page_size=2)
    assert [r.content for r in page.items] == ["reply 2", "reply 3"]
    assert (page.total, page.has_next) == (5, True)
    assert statements(data, lambda: data.repos.comments.replies(first.id, page_size=50)) == 1
    assert data.repos.comments.replies(first.id, page=9).total == 5


# -- owner actions and stats -------------------------------------------------------------------


def test_edit_and_soft_delete_by_the_owner_only(data: Database) -> None:
    bill, alice, bob = add_bill(data), add_user(data), add_user(data)
    row = comment(data, bill, alice, "draft")
    edited = data.repos.comments.edit(row.id, alice.id, "final")
    assert (edited.content, edited.updated_at >= row.updated_at) == ("final", True)
    with pytest.raises(NotFound):
        data.repos.comments.edit(row.id, bob.id, "hijack")
    with pytest.raises(NotFound):
        data.repos.comments.soft_delete(row.id, bob.id)
    with pytest.raises(InvalidInput, match="content"):
        data.repos.comments.edit(row.id, alice.id, "")
    data.repos.comments.soft_delete(row.id, alice.id)
    assert data.repos.comments.get(row.id).is_deleted
    with pytest.raises(NotFound):
        data.repos.comments.soft_delete(row.id, alice.id)
    with pytest.raises(NotFound):
        data.repos.comments.edit(row.id, alice.id, "after deletion")
    assert data.repos.comments.get(row.id).content == "final"


def test_stats_in_one_statement(data: Database) -> None:
    bill, _, alice = _thread_fixture(data)
    data.repos.comments.soft_delete(
        data.repos.comments.list_threaded(bill.id, "oldest").items[0].comment.id, alice.id
    )
    with data.queries.count() as counted:
        stats = data.repos.comments.stats(bill.id)
    assert counted.total == 1
    assert (stats.total, stats.top_level, stats.replies) == (9, 3, 6)
    assert (stats.deleted, stats.verified, stats.participants) == (1, 1, 3)
    assert (stats.upvotes, stats.downvotes) == (2, 1)
    assert stats.latest_at is not None
    empty = add_bill(data)
    assert data.repos.comments.stats(empty.id).total == 0
    with pytest.raises(NotFound):
        data.repos.comments.stats(empty.id + 1)


# -- votes -------------------------------------------------------------------------------------


def test_toggle_votes_withdraws_and_switches(data: Database, conn: psycopg.Connection[Any]) -> None:
    bill, alice, bob = add_bill(data), add_user(data), add_user(data)
    row = comment(data, bill, alice, "vote on me")
    toggle = data.repos.votes.toggle
    with data.queries.count() as counted:
        result = toggle(row.id, bob.id, VoteType.UP)
    assert counted.total == 2
    assert (result.vote, result.upvotes, result.downvotes) == (VoteType.UP, 1, 0)
    assert toggle(row.id, alice.id, "up").upvotes == 2
    assert (toggle(row.id, bob.id, "down").vote, vote_counts(conn, row.id)) == (
        VoteType.DOWN,
        ((1, 1), (1, 1)),
    )
    withdrawn = toggle(row.id, bob.id, "down")
    assert (withdrawn.vote, withdrawn.upvotes, withdrawn.downvotes) == (None, 1, 0)
    assert vote_counts(conn, row.id) == ((1, 0), (1, 0))


def test_toggle_errors(data: Database) -> None:
    bill, alice = add_bill(data), add_user(data)
    row = comment(data, bill, alice, "x")
    with pytest.raises(InvalidInput, match="vote"):
        data.repos.votes.toggle(row.id, alice.id, "sideways")
    with pytest.raises(NotFound):
        data.repos.votes.toggle(row.id + 1, alice.id, "up")
    with pytest.raises(InvalidReference):
        data.repos.votes.toggle(row.id, uuid.uuid4(), "up")
    data.repos.comments.soft_delete(row.id, alice.id)
    with pytest.raises(InvalidInput, match="deleted"):
        data.repos.votes.toggle(row.id, alice.id, "up")
    assert data.repos.votes.count() == 0


def test_generic_vote_writes_recount_the_tallies(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill = add_bill(data)
    users = add_users(data, 3)
    row = comment(data, bill, users[0], "x")
    vote = data.repos.votes.add(
        NewCommentVote(comment_id=row.id, user_id=users[0].id, vote_type="up")
    )
    data.repos.votes.add_many(
        [NewCommentVote(comment_id=row.id, user_id=u.id, vote_type="down") for u in users[1:]]
    )
    assert vote_counts(conn, row.id) == ((1, 2), (1, 2))
    data.repos.votes.update(vote.id, CommentVotePatch(vote_type="down"))
    assert vote_counts(conn, row.id) == ((0, 3), (0, 3))
    data.repos.votes.delete(vote.id)
    assert vote_counts(conn, row.id) == ((0, 2), (0, 2))
    with pytest.raises(NotFound):
        data.repos.votes.delete(vote.id)
    with pytest.raises(InvalidInput, match="vote_type"):
        data.repos.votes.add(
            NewCommentVote(comment_id=row.id, user_id=users[0].id, vote_type="meh")
        )
    with pytest.raises(InvalidInput, match="comment_id"):
        data.repos.votes.update(vote.id, CommentVotePatch(comment_id=row.id))
    with pytest.raises(Conflict):
        data.repos.votes.add(NewCommentVote(comment_id=row.id, user_id=users[1].id, vote_type="up"))
    assert vote_counts(conn, row.id) == ((0, 2), (0, 2))
