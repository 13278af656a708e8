"""The moderation workflow: flag (an upsert), the ranked queue, decisions, statistics."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.repositories.moderation import (
    ContentRef,
    ContentType,
    Decision,
    FlagReason,
    Severity,
)
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.types import (
    BillCommentPatch,
    NewBillComment,
    NewModerationQueueItem,
    UserProfilePatch,
)
from tests.domain_support import World, make_users, make_world, open_data, scalar


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    yield from open_data(database_url)


@pytest.fixture
def world(data: Database) -> World:
    return make_world(data)


def _rows(conn: psycopg.Connection[Any], sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return conn.execute(sql.encode(), params).fetchall()


def _open_items(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return _rows(
        conn,
        "SELECT content_type, content_id, jsonb_array_length(flags), priority FROM"
        " moderation_queue WHERE status IN ('pending', 'escalated') ORDER BY id",
    )


# -- flag -------------------------------------------------------------------------------------


def test_flag_records_a_report_and_opens_one_item_in_one_statement(
    data: Database, world: World
) -> None:
    reporter = world.users[2]
    with data.queries.count() as counted:
        result = data.repos.moderation.flag(
            ContentRef.comment(world.comment_id), FlagReason.HARASSMENT, reporter
        )
    assert counted.total == 1
    assert not result.duplicate
    assert result.flag.reported_by == reporter
    assert (result.flag.flag_type, result.flag.severity) == ("harassment", "high")
    assert result.flag.reason == "harassment"
    assert result.flag.status == "pending"
    assert result.item.user_id == world.users[0]  # the comment's author
    assert result.item.flags == [
        {"flag_id": result.flag.id, "reason": "harassment", "severity": "high"}
    ]
    assert (result.item.priority, result.item.flag_reasons, result.flag_count) == (
        1,
        ["harassment"],
        1,
    )
    assert data.repos.moderation_queue.get(result.item.id) == result.item
    assert data.repos.moderation_flags.get(result.flag.id) == result.flag
    assert data.repos.content_flags.count() == 0  # a report is written once


def test_reports_of_the_same_content_merge_into_one_item(data: Database, world: World) -> None:
    moderation = data.repos.moderation
    content = ("bill_comment", world.comment_id)
    first = moderation.flag(content, "spam", world.users[1])
    second = moderation.flag(content, "misinformation", world.users[2], details="Not true")
    assert second.item.id == first.item.id
    assert second.flag.id != first.flag.id
    assert second.flag.reason == "Not true"
    assert second.flag_count == 2
    assert second.item.priority == 2
    assert second.item.flag_reasons == ["spam", "misinformation"]
    third = moderation.flag(content, "spam", world.users[0], severity="critical")
    assert third.item.flag_reasons == ["spam", "misinformation"]  # no repeats
    assert third.flag.severity == "critical"
    assert third.flag_count == 3


def test_a_repeated_report_is_the_same_report(data: Database, world: World) -> None:
    moderation = data.repos.moderation
    first = moderation.flag(ContentRef.bill(world.bill_id), "other", world.users[1])
    with data.queries.count() as counted:
        again = moderation.flag(ContentRef.bill(world.bill_id), "spam", world.users[1])
    assert counted.total == 2
    assert again.duplicate
    assert again.flag == first.flag
    assert again.item == first.item
    assert data.repos.moderation_flags.count() == 1


def test_every_content_type_can_be_flagged_and_its_author_is_kept(
    data: Database, world: World
) -> None:
    moderation = data.repos.moderation
    reporter = world.users[2]
    bill = moderation.flag(ContentRef.bill(world.bill_id), "misinformation", reporter)
    profile = moderation.flag(ContentRef.profile(world.profile_id), "inappropriate", reporter)
    disclosure = moderation.flag(ContentRef.disclosure(world.disclosure_id), "other", reporter)
    assert bill.item.user_id is None
    assert profile.item.user_id == world.users[1]
    assert disclosure.item.user_id is None
    assert {bill.item.content_type, profile.item.content_type, disclosure.item.content_type} == {
        "bill",
        "user_profile",
        "sponsor_transparency",
    }


def test_flag_refuses_missing_or_removed_content_and_writes_nothing(
    data: Database, world: World
) -> None:
    moderation = data.repos.moderation
    reporter = world.users[2]
    for content in [
        ContentRef.comment(world.comment_id + 100),
        ContentRef.bill(world.bill_id + 100),
        ContentRef.profile(world.profile_id + 100),
        ContentRef.disclosure(world.disclosure_id + 100),
    ]:
        with pytest.raises(NotFound) as missing:
            moderation.flag(content, "spam", reporter)
        assert missing.value.table == content.type.value
    data.repos.comments.update(world.comment_id, BillCommentPatch(is_deleted=True))
    with pytest.raises(NotFound):
        moderation.flag(ContentRef.comment(world.comment_id), "spam", reporter)
    with pytest.raises(InvalidReference):
        moderation.flag(ContentRef.bill(world.bill_id), "spam", uuid.uuid4())
    assert data.repos.moderation_flags.count() == 0
    assert data.repos.moderation_queue.count() == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"content": ("video", 1)}, "content.type"),
        ({"content": ("bill", 0)}, "content.id"),
        ({"content": ("bill", True)}, "content.id"),
        ({"content": ("bill", 2**31)}, "content.id"),
        ({"content": "bill:1"}, "content"),
        ({"reason": "rude"}, "reason"),
        ({"reporter": "not-a-uuid"}, "reporter"),
        ({"details": ""}, "details"),
        ({"details": "x" * 2001}, "details"),
        ({"details": "a\x00b"}, "details"),
        ({"details": 5}, "details"),
        ({"severity": "urgent"}, "severity"),
        ({"auto_detected": "yes"}, "auto_detected"),
    ],
)
def test_flag_checks_its_arguments_before_any_sql(
    data: Database, call: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {
        "content": ("bill", 1),
        "reason": "spam",
        "reporter": uuid.uuid4(),
    }
    arguments.update(call)
    with data.queries.count() as counted, pytest.raises(InvalidInput) as refused:
        data.repos.moderation.flag(**arguments)
    assert refused.value.field == field
    assert counted.total == 0


def _then_fail(data: Database, actor: uuid.UUID, work: Any) -> None:
    with data.unit_of_work(actor=actor) as uow:
        work(uow)
        raise RuntimeError("the service failed afterwards")


def test_a_flag_in_a_failed_unit_of_work_leaves_nothing(data: Database, world: World) -> None:
    reporter = world.users[2]
    content = ContentRef.comment(world.comment_id)
    with pytest.raises(RuntimeError):
        _then_fail(data, reporter, lambda uow: uow.moderation.flag(content, "spam", reporter))
    assert data.repos.moderation_flags.count() == 0
    assert data.repos.moderation_queue.count() == 0


def test_fifty_threads_flagging_the_same_content_end_with_one_item(
    data: Database, world: World, conn: psycopg.Connection[Any]
) -> None:
    reporters = make_users(data, 50, start=100)
    start = threading.Barrier(50)

    def report(reporter: uuid.UUID) -> int:
        start.wait()
        with data.unit_of_work(actor=reporter) as uow:
            return uow.moderation.flag(
                ContentRef.comment(world.comment_id), FlagReason.SPAM, reporter
            ).item.id

    with ThreadPoolExecutor(max_workers=50) as pool:
        item_ids = set(pool.map(report, reporters))
    assert len(item_ids) == 1
    assert _open_items(conn) == [("bill_comment", world.comment_id, 50, 5)]
    flags = scalar(
        conn,
        "SELECT count(*) FROM moderation_flags WHERE content_id = %s AND status = 'pending'",
        world.comment_id,
    )
    listed = scalar(
        conn,
        "SELECT count(DISTINCT e->>'flag_id') FROM moderation_queue,"
        " jsonb_array_elements(flags) AS e",
    )
    assert flags == listed == 50


def test_reports_racing_decisions_are_never_lost_or_orphaned(
    data: Database, world: World, conn: psycopg.Connection[Any]
) -> None:
    """Every report is listed by exactly one item; open reports only by the open item."""
    reporters = make_users(data, 30, start=200)
    moderator = make_users(data, 1, start=300, role="moderator")[0]
    content = ContentRef.comment(world.comment_id)
    stop = threading.Event()

    def report(reporter: uuid.UUID) -> None:
        with data.unit_of_work(actor=reporter) as uow:
            uow.moderation.flag(content, FlagReason.SPAM, reporter)

    def moderate() -> int:
        decided = 0
        while not (stop.is_set() and decided):
            page = data.repos.moderation.queue()
            for entry in page.items:
                try:
                    data.repos.moderation.decide(
                        entry.item.id, Decision.APPROVE, moderator, reason="fine"
                    )
                    decided += 1
                except Conflict:
                    pass
        return decided

    with ThreadPoolExecutor(max_workers=9) as pool:
        moderating = pool.submit(moderate)
        list(pool.map(report, reporters))
        stop.set()
        decided = moderating.result()
    listed = _rows(
        conn,
        "SELECT (e->>'flag_id')::int, q.status FROM moderation_queue q,"
        " jsonb_array_elements(q.flags) e ORDER BY 1",
    )
    flags = _rows(conn, "SELECT id, status FROM moderation_flags ORDER BY id")
    assert [flag_id for flag_id, _ in listed] == [flag_id for flag_id, _ in flags]
    for (_, item_status), (_, flag_status) in zip(listed, flags, strict=True):
        assert (item_status == "pending") == (flag_status == "pending")
    assert len(_open_items(conn)) <= 1
    assert decided >= 1


# -- queue ------------------------------------------------------------------------------------


def _comments(data: Database, world: World, count: int) -> list[int]:
    news = [
        NewBillComment(bill_id=world.bill_id, user_id=world.users[0], content=f"Comment {n}")
        for n in range(count)
    ]
    return [row.id for row in data.repos.comments.add_many(news)]


def test_queue_ranks_severity_critical_first_never_alphabetically(
    data: Database, world: World
) -> None:
    comments = _comments(data, world, 5)
    moderation = data.repos.moderation
    order = ["medium", "low", "critical", "high"]
    for comment_id, severity in zip(comments, order, strict=False):
        moderation.flag(ContentRef.comment(comment_id), "other", world.users[1], severity=severity)
    # Same severity: more reports (a higher priority) first.
    moderation.flag(ContentRef.comment(comments[4]), "other", world.users[1], severity="high")
    moderation.flag(ContentRef.comment(comments[4]), "other", world.users[2], severity="low")
    page = moderation.queue()
    assert [(e.severity, e.item.content_id) for e in page.items] == [
        (Severity.CRITICAL, comments[2]),
        (Severity.HIGH, comments[4]),
        (Severity.HIGH, comments[3]),
        (Severity.MEDIUM, comments[0]),
        (Severity.LOW, comments[1]),
    ]
    assert page.total == 5
    assert [e.flag_count for e in page.items] == [1, 2, 1, 1, 1]
    assert page.items[0].summary == "Comment 2"
    assert page.items[0].author_name == "User 0"


def test_items_without_recognised_severities_count_as_medium(data: Database, world: World) -> None:
    legacy: list[Any] = [{"legacy": True}, [], [{"severity": "urgent"}, {"note": "x"}]]
    for n, flags in enumerate(legacy):
        data.repos.moderation_queue.add(
            NewModerationQueueItem(content_type="bill", content_id=world.bill_id + n, flags=flags)
        )
    data.repos.moderation.flag(ContentRef.comment(world.comment_id), "spam", world.users[1])
    page = data.repos.moderation.queue()
    assert [(e.severity, e.flag_count) for e in page.items] == [
        (Severity.MEDIUM, 1),
        (Severity.MEDIUM, 0),
        (Severity.MEDIUM, 2),
        (Severity.LOW, 1),
    ]
    assert [e.summary for e in page.items] == [
        "Finance Bill 2026",
        None,
        None,
        "This clause is a scandal.",
    ]


def test_queue_is_one_statement_whatever_the_page_size(data: Database, world: World) -> None:
    comments = _comments(data, world, 30)
    for comment_id in comments:
        data.repos.moderation.flag(ContentRef.comment(comment_id), "spam", world.users[1])
    for size in (1, 30, 100):
        with data.queries.count() as counted:
            page = data.repos.moderation.queue(page_size=size)
        assert counted.total == 1
        assert (len(page.items), page.total) == (min(size, 30), 30)
    second = data.repos.moderation.queue(page=2, page_size=20)
    assert (len(second.items), second.has_next) == (10, False)
    beyond = data.repos.moderation.queue(page=5, page_size=20)
    assert (beyond.items, beyond.total, beyond.has_next) == ([], 30, False)


def test_queue_summarises_every_kind_of_content(data: Database, world: World) -> None:
    moderation = data.repos.moderation
    long_comment = data.repos.comments.add(
        NewBillComment(bill_id=world.bill_id, user_id=world.users[0], content="word " * 100)
    )
    reporter = world.users[2]
    moderation.flag(ContentRef.bill(world.bill_id), "spam", reporter)
    moderation.flag(ContentRef.profile(world.profile_id), "spam", reporter)
    moderation.flag(ContentRef.disclosure(world.disclosure_id), "spam", reporter)
    moderation.flag(ContentRef.comment(long_comment.id), "spam", reporter)
    summaries = {e.item.content_type: e.summary for e in moderation.queue().items}
    assert summaries["bill"] == "Finance Bill 2026"
    assert summaries["user_profile"] == "User 1"
    assert summaries["sponsor_transparency"] == "Hon. Amina Wanjiru: shareholding"
    comment = summaries["bill_comment"]
    assert comment is not None
    assert len(comment) == 160
    assert comment.endswith("…")


def test_entry_shows_one_item_open_or_decided(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    moderation = data.repos.moderation
    flagged = moderation.flag(ContentRef.bill(world.bill_id), "harassment", world.users[1])
    with data.queries.count() as counted:
        entry = moderation.entry(flagged.item.id)
    assert counted.total == 1
    assert (entry.item, entry.severity, entry.summary) == (
        flagged.item,
        Severity.HIGH,
        "Finance Bill 2026",
    )
    moderation.decide(flagged.item.id, "approve", moderator, reason="fine")
    assert moderation.entry(flagged.item.id).item.status == "approved"
    with pytest.raises(NotFound):
        moderation.entry(flagged.item.id + 1)
    with pytest.raises(InvalidInput, match="item"):
        moderation.entry(0)


def test_queue_filters(data: Database, world: World) -> None:
    moderation = data.repos.moderation
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    reporter = world.users[2]
    bill = moderation.flag(ContentRef.bill(world.bill_id), "spam", reporter, auto_detected=True)
    moderation.flag(ContentRef.comment(world.comment_id), "harassment", reporter)
    profile = moderation.flag(ContentRef.profile(world.profile_id), "other", reporter)
    moderation.decide(profile.item.id, "approve", moderator, reason="fine")

    def ids(filters: dict[str, Any]) -> list[str]:
        return [e.item.content_type for e in moderation.queue(filters).items]

    assert ids({}) == ["bill_comment", "bill"]
    assert ids({"content_type": "bill"}) == ["bill"]
    assert ids({"min_severity": "high"}) == ["bill_comment"]
    assert ids({"auto_flagged": True}) == ["bill"]
    assert ids({"auto_flagged": False}) == ["bill_comment"]
    assert ids({"status": "approved"}) == ["user_profile"]
    assert ids({"status": ["pending", "approved"], "content_type": None}) == [
        "bill_comment",
        "bill",
        "user_profile",
    ]
    assert bill.item.auto_flagged


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"state": "pending"}, "filters"),
        ({"status": "open"}, "filters.status"),
        ({"status": []}, "filters.status"),
        ({"content_type": "video"}, "filters.content_type"),
        ({"min_severity": "severe"}, "filters.min_severity"),
        ({"auto_flagged": "yes"}, "filters.auto_flagged"),
        ("status=pending", "filters"),
    ],
)
def test_queue_refuses_bad_filters(data: Database, filters: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        data.repos.moderation.queue(filters)
    assert refused.value.field == field


def test_queue_refuses_bad_pages(data: Database) -> None:
    with pytest.raises(InvalidInput, match="page_size"):
        data.repos.moderation.queue(page_size=101)
    with pytest.raises(InvalidInput, match="page"):
        data.repos.moderation.queue(page=0)


# -- decide -----------------------------------------------------------------------------------


def _flagged_comment(data: Database, world: World) -> int:
    moderation = data.repos.moderation
    moderation.flag(ContentRef.comment(world.comment_id), "harassment", world.users[1])
    return moderation.flag(ContentRef.comment(world.comment_id), "spam", world.users[2]).item.id


def test_remove_soft_deletes_a_comment_in_one_transaction(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    item_id = _flagged_comment(data, world)
    with data.queries.count() as counted:
        result = data.repos.moderation.decide(
            item_id, Decision.REMOVE, moderator, reason="personal attack", notes="second warning"
        )
    assert counted.total == 2
    assert (result.flags_closed, result.content_changed) == (2, True)
    assert result.item.status == "rejected"
    assert (result.item.moderator_id, result.item.moderator_notes) == (moderator, "second warning")
    assert result.item.reviewed_at is not None
    assert result.action.action_type == "remove"
    assert (result.action.content_type, result.action.content_id) == (
        "bill_comment",
        world.comment_id,
    )
    assert (result.action.reason, result.action.moderator_id) == ("personal attack", moderator)
    assert result.action.is_reversible
    comment = data.repos.comments.get(world.comment_id)
    assert comment.is_deleted
    assert comment.content == "This clause is a scandal."  # the row is kept
    flags = data.repos.moderation_flags.list().items
    assert {(f.status, f.reviewed_by, f.resolution) for f in flags} == {
        ("resolved", moderator, "personal attack")
    }
    assert data.repos.moderation_actions.get(result.action.id) == result.action


def test_remove_hides_a_profile(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    flagged = data.repos.moderation.flag(
        ContentRef.profile(world.profile_id), "inappropriate", world.users[2]
    )
    result = data.repos.moderation.decide(flagged.item.id, "remove", moderator, reason="obscene")
    assert result.content_changed
    assert data.repos.user_profiles.get(world.profile_id).is_public is False


def test_approve_and_warn_keep_the_content(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    moderation = data.repos.moderation
    item_id = _flagged_comment(data, world)
    approved = moderation.decide(item_id, "approve", moderator, reason="robust debate")
    assert (approved.item.status, approved.flags_closed, approved.content_changed) == (
        "approved",
        2,
        False,
    )
    assert not approved.action.is_reversible
    assert {f.status for f in data.repos.moderation_flags.list().items} == {"dismissed"}
    again = moderation.flag(ContentRef.comment(world.comment_id), "spam", world.users[1])
    assert again.item.id != item_id  # decided items are history: a new item opens
    assert not again.duplicate
    warned = moderation.decide(again.item.id, "warn", moderator, reason="tone it down")
    assert (warned.item.status, warned.flags_closed) == ("approved", 1)
    assert not data.repos.comments.get(world.comment_id).is_deleted


def test_escalation_keeps_the_item_open_for_new_reports(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    moderation = data.repos.moderation
    item_id = _flagged_comment(data, world)
    escalated = moderation.decide(item_id, "escalate", moderator, reason="legal question")
    assert (escalated.item.status, escalated.item.priority, escalated.flags_closed) == (
        "escalated",
        5,
        2,
    )
    assert {f.status for f in data.repos.moderation_flags.list().items} == {"escalated"}
    with pytest.raises(Conflict, match="escalated"):
        moderation.decide(item_id, "escalate", moderator, reason="again")
    late = moderation.flag(ContentRef.comment(world.comment_id), "other", world.users[0])
    assert late.item.id == item_id
    assert late.flag_count == 3
    assert moderation.queue({"status": "escalated"}).items[0].item.id == item_id
    # An escalated reporter's report stays open: reporting again is the same report.
    assert moderation.flag(ContentRef.comment(world.comment_id), "spam", world.users[1]).duplicate
    removed = moderation.decide(item_id, "remove", moderator, reason="unlawful")
    assert removed.flags_closed == 3
    assert {f.status for f in data.repos.moderation_flags.list().items} == {"resolved"}


def test_decide_refuses_and_writes_nothing(
    data: Database, world: World, conn: psycopg.Connection[Any]
) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    moderation = data.repos.moderation
    bill = moderation.flag(ContentRef.bill(world.bill_id), "misinformation", world.users[1])
    before = _rows(conn, "SELECT * FROM moderation_queue")
    with pytest.raises(InvalidInput, match="a bill cannot be removed"):
        moderation.decide(bill.item.id, "remove", moderator, reason="wrong")
    with pytest.raises(InvalidReference):
        moderation.decide(bill.item.id, "approve", uuid.uuid4(), reason="wrong")
    with pytest.raises(NotFound):
        moderation.decide(bill.item.id + 1, "approve", moderator, reason="x")
    assert _rows(conn, "SELECT * FROM moderation_queue") == before
    assert data.repos.moderation_actions.count() == 0
    assert {f.status for f in data.repos.moderation_flags.list().items} == {"pending"}
    moderation.decide(bill.item.id, "approve", moderator, reason="accurate")
    with pytest.raises(Conflict, match="approved"):
        moderation.decide(bill.item.id, "warn", moderator, reason="x")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"item": 0}, "item"),
        ({"item": "1"}, "item"),
        ({"decision": "ban"}, "decision"),
        ({"moderator": None}, "moderator"),
        ({"reason": "  "}, "reason"),
        ({"reason": None}, "reason"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_decide_checks_its_arguments(data: Database, call: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "item": 1,
        "decision": "approve",
        "moderator": uuid.uuid4(),
        "reason": "r",
    }
    arguments.update(call)
    with data.queries.count() as counted, pytest.raises(InvalidInput) as refused:
        data.repos.moderation.decide(**arguments)
    assert refused.value.field == field
    assert counted.total == 0


def test_decide_inside_a_unit_of_work_is_undone_with_it(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    item_id = _flagged_comment(data, world)
    with pytest.raises(RuntimeError):
        _then_fail(
            data,
            moderator,
            lambda uow: uow.moderation.decide(item_id, "remove", moderator, reason="attack"),
        )
    assert not data.repos.comments.get(world.comment_id).is_deleted
    assert data.repos.moderation_queue.get(item_id).status == "pending"


def test_hidden_profiles_stay_hidden_when_hidden_again(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    data.repos.user_profiles.update(world.profile_id, UserProfilePatch(is_public=False))
    flagged = data.repos.moderation.flag(
        ContentRef.profile(world.profile_id), "spam", world.users[2]
    )
    result = data.repos.moderation.decide(flagged.item.id, "remove", moderator, reason="spam")
    assert not result.content_changed  # already private
    assert result.item.status == "rejected"


# -- stats ------------------------------------------------------------------------------------


def test_stats_in_three_set_based_statements(data: Database, world: World) -> None:
    moderator = make_users(data, 1, start=50, role="moderator")[0]
    moderation = data.repos.moderation
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    item_id = _flagged_comment(data, world)
    moderation.flag(ContentRef.bill(world.bill_id), "misinformation", world.users[1])
    profile = moderation.flag(ContentRef.profile(world.profile_id), "other", world.users[2])
    moderation.flag(ContentRef.disclosure(world.disclosure_id), "spam", world.users[2])
    moderation.decide(item_id, "remove", moderator, reason="attack")
    moderation.decide(profile.item.id, "escalate", moderator, reason="unsure")
    after = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    with data.queries.count() as counted:
        stats = moderation.stats(before, after)
    assert counted.total == 3
    assert stats.flags_total == 5
    assert stats.flags_by_status == {"resolved": 2, "pending": 2, "escalated": 1}
    assert list(stats.flags_by_severity.items()) == [("high", 1), ("medium", 1), ("low", 3)]
    assert stats.flags_by_reason == {"harassment": 1, "spam": 2, "misinformation": 1, "other": 1}
    assert stats.actions_by_type == {"remove": 1, "escalate": 1}
    assert stats.active_moderators == 1
    assert (stats.open_items, stats.escalated_items, stats.decided_items) == (3, 1, 1)
    assert stats.median_time_to_decision is not None
    assert stats.median_time_to_decision >= dt.timedelta(0)
    empty = moderation.stats(after, after + dt.timedelta(days=1))
    assert (empty.flags_total, empty.flags_by_status, empty.actions_by_type) == (0, {}, {})
    assert (empty.active_moderators, empty.decided_items) == (0, 0)
    assert empty.median_time_to_decision is None
    assert empty.open_items == 3  # the backlog is now, whatever the window


def test_stats_orders_unknown_severities_last(data: Database, world: World) -> None:
    from chanuka_db.types import NewModerationFlag

    data.repos.moderation_flags.add(
        NewModerationFlag(
            content_type="bill",
            content_id=world.bill_id,
            flag_type="spam",
            reason="legacy",
            reported_by=world.users[0],
            severity="urgent",
        )
    )
    data.repos.moderation.flag(ContentRef.bill(world.bill_id), "harassment", world.users[1])
    now = dt.datetime.now(dt.UTC)
    stats = data.repos.moderation.stats(now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    assert list(stats.flags_by_severity) == ["high", "urgent"]


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        (dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 3), "since"),
        (dt.datetime(2026, 1, 2, tzinfo=dt.UTC), dt.date(2026, 1, 3), "until"),
        (dt.datetime(2026, 1, 2, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "until"),
    ],
)
def test_stats_needs_an_aware_window(data: Database, since: Any, until: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        data.repos.moderation.stats(since, until)
    assert refused.value.field == field


def test_content_ref_helpers() -> None:
    assert ContentRef.parse(("bill_comment", 3)) == ContentRef(ContentType.BILL_COMMENT, 3)
    assert ContentRef.parse(ContentRef.comment(3)) == ContentRef.comment(3)
    assert Severity.CRITICAL.rank > Severity.HIGH.rank > Severity.MEDIUM.rank > Severity.LOW.rank
    assert sorted(Severity, key=lambda s: s.rank)[-1] is Severity.CRITICAL


# -- migration --------------------------------------------------------------------------------


def _runner_before_open_item_keys(database_url: DatabaseUrl) -> MigrationRunner:
    runner = MigrationRunner(database_url)
    (version,) = [m.version for m in runner.migrations if m.name == "moderation_open_item_keys"]
    runner.rollback(to=version - 1)
    return runner


def test_migration_merges_duplicate_open_items_and_reports(database_url: DatabaseUrl) -> None:
    runner = _runner_before_open_item_keys(database_url)
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        reporter, other = (
            conn.execute(
                "INSERT INTO users (email, password_hash, name) VALUES (%s, 'x', 'U') RETURNING id",
                (email,),
            ).fetchone()[0]  # type: ignore[index]
            for email in ("a@x.ke", "b@x.ke")
        )
        queue = (
            "INSERT INTO moderation_queue (content_type, content_id, flags, priority, status,"
            " flag_reasons, auto_flagged) VALUES (%s, %s, %s::jsonb, %s, %s, %s, %s)"
        )
        for row in [
            ("bill", 1, '[{"flag_id": 1}]', 1, "pending", ["spam"], False),
            ("bill", 1, '{"legacy": true}', 4, "escalated", ["other", "spam"], True),
            ("bill", 1, "[]", 2, "approved", None, False),  # decided: history, untouched
            ("bill", 2, '[{"flag_id": 3}]', 1, "pending", None, False),
        ]:
            conn.execute(queue, row)
        flags = (
            "INSERT INTO moderation_flags (content_type, content_id, flag_type, reason,"
            " reported_by, status) VALUES ('bill', 1, 'spam', 'r', %s, %s)"
        )
        for who, status in [(reporter, "pending"), (reporter, "pending"), (reporter, "resolved")]:
            conn.execute(flags, (who, status))
        conn.execute(flags, (other, "escalated"))
        runner.migrate()
        assert _rows(
            conn,
            "SELECT content_id, flags, priority, status, flag_reasons, auto_flagged"
            " FROM moderation_queue ORDER BY id",
        ) == [
            (1, [{"flag_id": 1}, {"legacy": True}], 4, "pending", ["other", "spam"], True),
            (1, [], 2, "approved", None, False),
            (2, [{"flag_id": 3}], 1, "pending", None, False),
        ]
        flag_rows = _rows(conn, "SELECT id, status, resolution FROM moderation_flags ORDER BY id")
        first = flag_rows[0][0]
        assert [row[1:] for row in flag_rows] == [
            ("pending", None),
            ("dismissed", f"duplicate of flag #{first}"),
            ("resolved", None),
            ("escalated", None),
        ]
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(queue, ("bill", 2, "[]", 1, "escalated", None, False))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(flags, (reporter, "escalated"))
