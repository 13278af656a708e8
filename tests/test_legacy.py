"""The legacy adapters return exactly what the old Chanuka services returned.

The expected dicts are written here from the old TypeScript (``bill-service.ts``,
``comment.ts``, ``comment-voting.ts``, ``notification.ts``, the storage layer's
``incrementBillViews``): their camelCase keys spelled out literally, their values as the
old JSON API carried them (dates as ``Date.toJSON()`` strings, numerics as text), read back
from the database with plain SQL, independently of the adapters' own conversion.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database, InvalidInput, InvalidReference, NotFound
from chanuka_db.legacy import (
    BillService,
    CommentService,
    CommentVotingService,
    ContentModerationService,
    NotificationService,
)
from chanuka_db.repositories.legislative import EngagementKind, VoteType
from chanuka_db.types import NewBillComment, NewUserProfile, User
from tests.legislative_support import (
    add_bill,
    add_sponsor,
    add_user,
    counters,
    data,
    engagement_sums,
    statements,
)

__all__ = ["data"]

pytestmark = pytest.mark.filterwarnings("ignore::chanuka_db.legacy.LegacyAPIWarning")

# The old Drizzle `bills` row: camelCase property -> column (search_vector was never read).
OLD_BILL_COLUMNS = {
    "id": "id",
    "title": "title",
    "description": "description",
    "content": "content",
    "summary": "summary",
    "status": "status",
    "billNumber": "bill_number",
    "sponsorId": "sponsor_id",
    "category": "category",
    "tags": "tags",
    "viewCount": "view_count",
    "shareCount": "share_count",
    "commentCount": "comment_count",
    "engagementScore": "engagement_score",
    "complexityScore": "complexity_score",
    "constitutionalConcerns": "constitutional_concerns",
    "stakeholderAnalysis": "stakeholder_analysis",
    "introducedDate": "introduced_date",
    "lastActionDate": "last_action_date",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
OLD_COMMENT_COLUMNS = {
    "id": "id",
    "billId": "bill_id",
    "userId": "user_id",
    "content": "content",
    "commentType": "comment_type",
    "isVerified": "is_verified",
    "parentCommentId": "parent_comment_id",
    "upvotes": "upvotes",
    "downvotes": "downvotes",
    "isDeleted": "is_deleted",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# The old engagement summary of a bill (bill-service.ts, BillWithEngagement.engagement).
ENGAGEMENT_KEYS = (
    "totalViews",
    "totalComments",
    "totalShares",
    "uniqueViewers",
    "totalEngagements",
)


def old_engagement(views: int = 0, comments: int = 0, shares: int = 0, users: int = 0) -> dict:
    return dict(zip(ENGAGEMENT_KEYS, (views, comments, shares, users, users), strict=True))


# The finance fixture: two views, a comment, a share, by two users.
FINANCE_ENGAGEMENT = old_engagement(views=2, comments=1, shares=1, users=2)


def json_value(value: Any) -> Any:
    """What JSON.stringify made of a Drizzle value (a Date, a numeric string, a uuid)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def stored(conn: psycopg.Connection[Any], table: str, key: int, columns: dict[str, str]) -> dict:
    names = ", ".join(columns.values())
    row = conn.execute(f"SELECT {names} FROM {table} WHERE id = %s", [key]).fetchone()
    assert row is not None
    return {old: json_value(value) for old, value in zip(columns, row, strict=True)}


def old_bill(conn: psycopg.Connection[Any], bill_id: int) -> dict[str, Any]:
    return stored(conn, "bills", bill_id, OLD_BILL_COLUMNS)


def old_comment(conn: psycopg.Connection[Any], comment_id: int) -> dict[str, Any]:
    return stored(conn, "bill_comments", comment_id, OLD_COMMENT_COLUMNS)


def say(data: Database, user: User, bill_id: int, text: str, parent: int | None = None) -> Any:
    new = NewBillComment(bill_id=bill_id, user_id=user.id, content=text, parent_comment_id=parent)
    with data.unit_of_work(actor=user.id) as uow:
        return uow.comments.add(new)


@pytest.fixture
def finance(data: Database) -> dict[str, Any]:
    """A sponsored bill that two citizens read; Amina asks a question, Brian shares it."""
    sponsor = add_sponsor(data)
    bill = add_bill(
        data,
        "The Finance Bill, 2026",
        bill_number="NA-2026-001",
        summary="Income tax bands and a mobile money levy.",
        description="Amends the Income Tax Act.",
        content="PART I - PRELIMINARY",
        status="committee",
        category="finance",
        tags=["tax", "budget"],
        sponsor_id=sponsor.id,
        complexity_score=7,
        constitutional_concerns=["Article 201"],
        stakeholder_analysis={"beneficiaries": ["counties"]},
        introduced_date=dt.datetime(2026, 2, 3, 10, 0, 0, 250_000),
    )
    amina, brian = add_user(data, "Amina"), add_user(data, "Brian")
    engagement = data.repos.engagement
    engagement.record(bill.id, amina.id, EngagementKind.VIEW)
    engagement.record(bill.id, brian.id, EngagementKind.VIEW)
    engagement.record(bill.id, brian.id, EngagementKind.SHARE)
    question = say(data, amina, bill.id, "Does the levy apply to M-Pesa?")
    return {"sponsor": sponsor, "bill": bill, "amina": amina, "brian": brian, "question": question}


# -- getBillById -----------------------------------------------------------------------------


def test_get_bill_by_id_returns_the_old_bill_with_engagement(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    bill, question, sponsor = finance["bill"], finance["question"], finance["sponsor"]
    service = BillService(data)
    assert statements(data, lambda: service.getBillById(bill.id)) == 3
    got = service.getBillById(bill.id)
    expected = {
        **old_bill(conn, bill.id),
        "engagement": FINANCE_ENGAGEMENT,
        "recentComments": [
            {
                "id": question.id,
                "content": "Does the levy apply to M-Pesa?",
                "commentType": "general",
                "upvotes": 0,
                "downvotes": 0,
                "createdAt": json_value(question.created_at),
                "userId": str(finance["amina"].id),
                "isVerified": False,
            }
        ],
        "sponsorInfo": {"id": sponsor.id, "name": "Hon. Wanjiku", "role": "MP", "party": "ODM"},
    }
    assert got == expected
    assert got["engagementScore"] == "10.00"  # views 1 + 1, a comment 5, a share 3
    assert got["introducedDate"] == "2026-02-03T10:00:00.250Z"
    assert got["tags"] == ["tax", "budget"]
    assert got["constitutionalConcerns"] == ["Article 201"]
    assert ISO_MS.match(got["createdAt"])


def test_get_bill_by_id_of_a_missing_bill_is_none_and_a_bad_id_is_refused(data: Database) -> None:
    service = BillService(data)
    assert service.get_bill_by_id(987_654) is None
    bare = add_bill(data, "An unsponsored bill")
    got = service.getBillById(bare.id)
    assert got is not None
    assert (got["sponsorInfo"], got["recentComments"], got["sponsorId"]) == (None, [], None)
    assert got["engagement"] == old_engagement()
    with pytest.raises(InvalidInput, match="bill_id"):
        service.getBillById("1")


# -- getAllBills -----------------------------------------------------------------------------


def test_get_all_bills_returns_the_old_page(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    older = add_bill(
        data, "The Roads Bill, 2025", status="committee", introduced_date=dt.datetime(2025, 5, 1)
    )
    add_bill(data, "The Health Bill, 2026", status="introduced")
    service = BillService(data)
    assert statements(data, lambda: service.getAllBills({"status": "committee"})) == 4
    got = service.getAllBills({"status": "committee"}, {"page": 1, "limit": 10})
    assert set(got) == {"bills", "pagination", "metadata"}
    assert got["pagination"] == {"page": 1, "limit": 10, "total": 2, "pages": 1}
    assert got["metadata"]["source"] == "database"
    assert got["metadata"]["cacheHit"] is False
    assert ISO_MS.match(got["metadata"]["timestamp"])
    assert got["bills"] == [  # newest introduced first, as the old default sort
        {
            **old_bill(conn, finance["bill"].id),
            "engagement": FINANCE_ENGAGEMENT,
        },
        {**old_bill(conn, older.id), "engagement": old_engagement()},
    ]


def test_get_all_bills_filters_sorts_searches_and_pages(
    data: Database, finance: dict[str, Any]
) -> None:
    add_bill(data, "The Roads Bill, 2025", tags=["roads"], introduced_date=dt.datetime(2025, 5, 1))
    add_bill(data, "The Health Bill, 2026", tags=["tax"], introduced_date=dt.datetime(2026, 1, 9))
    service = BillService(data)

    def titles(filters: dict[str, Any], pagination: dict[str, Any] | None = None) -> list[str]:
        return [bill["title"] for bill in service.getAllBills(filters, pagination)["bills"]]

    assert titles({"tags": ["tax"]}) == ["The Finance Bill, 2026", "The Health Bill, 2026"]
    assert titles({"dateFrom": "2026-01-01", "dateTo": dt.datetime(2026, 1, 31)}) == [
        "The Health Bill, 2026"
    ]
    assert titles({"dateFrom": dt.date(2026, 2, 1)}) == ["The Finance Bill, 2026"]
    assert titles({}, {"sortBy": "title", "sortOrder": "asc"}) == [
        "The Finance Bill, 2026",
        "The Health Bill, 2026",
        "The Roads Bill, 2025",
    ]
    assert titles({}, {"sortBy": "engagement"})[0] == "The Finance Bill, 2026"
    assert titles({"search": "levy"}) == ["The Finance Bill, 2026"]
    assert titles({"sponsorId": finance["sponsor"].id, "category": "finance"}) == [
        "The Finance Bill, 2026"
    ]
    second = service.get_all_bills({}, {"page": 2, "limit": 2})
    assert second["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}
    assert [bill["title"] for bill in second["bills"]] == ["The Roads Bill, 2025"]
    assert service.getAllBills({"status": "lapsed"})["pagination"]["pages"] == 0


@pytest.mark.parametrize(
    ("filters", "pagination", "field"),
    [
        ({"statuss": "x"}, None, "filters"),
        ("committee", None, "filters"),
        ({}, {"sortBy": "views"}, "pagination.sortBy"),
        ({}, {"sortOrder": "up"}, "pagination.sortOrder"),
        ({"dateFrom": "yesterday"}, None, "filters.dateFrom"),
        ({"dateTo": 20260101}, None, "filters.dateTo"),
        ({}, {"limit": 1000}, "page_size"),
        ({"status": "in_limbo"}, None, "status"),
    ],
)
def test_get_all_bills_refuses_bad_requests(
    data: Database, filters: Any, pagination: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        BillService(data).getAllBills(filters, pagination)
    assert caught.value.field == field


def test_an_aware_date_bound_is_taken_in_utc(data: Database) -> None:
    add_bill(data, "Late bill", introduced_date=dt.datetime(2026, 3, 1, 22, 30))
    nairobi = dt.timezone(dt.timedelta(hours=3))
    since = dt.datetime(2026, 3, 2, 1, 0, tzinfo=nairobi)  # 22:00 UTC on the 1st
    bills = BillService(data).getAllBills({"dateFrom": since})["bills"]
    assert [bill["title"] for bill in bills] == ["Late bill"]


# -- incrementBillViews and recordEngagement ----------------------------------------------------


def test_increment_bill_views_counts_a_signed_in_view_and_returns_the_old_bill(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    bill, amina = finance["bill"], finance["amina"]
    service = BillService(data)
    got = service.incrementBillViews(bill.id, str(amina.id))
    assert got == old_bill(conn, bill.id)
    assert got["viewCount"] == 3
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id)
    assert statements(data, lambda: service.incrementBillViews(bill.id, amina.id)) == 3  # + actor


def test_increment_bill_views_without_a_user_counts_nothing(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    bill = finance["bill"]
    service = BillService(data)
    before = old_bill(conn, bill.id)
    assert service.increment_bill_views(bill.id) == before
    with pytest.raises(NotFound):
        service.incrementBillViews(987_654)
    with pytest.raises(InvalidInput, match="user_id"):
        service.incrementBillViews(bill.id, "not-a-uuid")
    with pytest.raises(InvalidReference):
        service.incrementBillViews(987_654, uuid.uuid4())


def test_record_engagement_returns_nothing_and_keeps_the_counters(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    bill, brian = finance["bill"], finance["brian"]
    service = BillService(data)
    assert service.recordEngagement(bill.id, str(brian.id), "share") is None
    assert service.record_engagement(bill.id, brian.id, "comment") is None
    assert counters(conn, bill.id) == (2, 2, 2, Decimal("18.00"))
    assert counters(conn, bill.id) == engagement_sums(conn, bill.id)
    with pytest.raises(InvalidInput, match="kind"):
        service.recordEngagement(bill.id, brian.id, "like")


# -- getBillComments ------------------------------------------------------------------------


@pytest.fixture
def discussion(data: Database, finance: dict[str, Any]) -> dict[str, Any]:
    """The question gets two replies and a vote; Amina has a profile; a comment is deleted."""
    bill, amina, brian = finance["bill"], finance["amina"], finance["brian"]
    data.repos.user_profiles.upsert(
        NewUserProfile(
            user_id=amina.id, organization="Okoa Uchumi", expertise=["tax"], reputation_score=12
        )
    )
    question = finance["question"]
    first = say(data, brian, bill.id, "Yes, above 100 shillings.", question.id)
    second = say(data, amina, bill.id, "Thanks!", question.id)
    with data.unit_of_work(actor=brian.id) as uow:
        uow.votes.toggle(question.id, brian.id, VoteType.UP)
    gone = say(data, brian, bill.id, "I take it back.")
    data.repos.comments.soft_delete(gone.id, brian.id)
    return {**finance, "replies": [first, second], "gone": gone}


def _user(account: User) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "name": account.name,
        "role": account.role,
        "verificationStatus": account.verification_status,
    }


def test_get_bill_comments_returns_the_old_threads(
    data: Database, conn: psycopg.Connection[Any], discussion: dict[str, Any]
) -> None:
    bill, amina, brian = discussion["bill"], discussion["amina"], discussion["brian"]
    question, (first, second), gone = (
        discussion["question"],
        discussion["replies"],
        discussion["gone"],
    )
    service = CommentService(data)
    assert statements(data, lambda: service.getBillComments(bill.id)) == 4
    got = service.getBillComments(bill.id, {"sort": "oldest"})
    amina_profile = {"expertise": ["tax"], "organization": "Okoa Uchumi", "reputationScore": 12}

    def reply(row: Any, author: User, profile: dict[str, Any] | None) -> dict[str, Any]:
        return {
            **old_comment(conn, row.id),
            "user": _user(author),
            "userProfile": profile,
            "replies": [],
            "replyCount": 0,
            "netVotes": 0,
        }

    expected_question = {
        **old_comment(conn, question.id),
        "user": _user(amina),
        "userProfile": amina_profile,
        "replies": [reply(first, brian, None), reply(second, amina, amina_profile)],
        "replyCount": 2,
        "netVotes": 1,
    }
    expected_gone = {
        **old_comment(conn, gone.id),
        "userId": None,
        "content": "[Comment deleted by user]",
        "user": None,
        "userProfile": None,
        "replies": [],
        "replyCount": 0,
        "netVotes": 0,
    }
    assert got == {
        "comments": [expected_question, expected_gone],
        "totalCount": 2,
        "hasMore": False,
    }
    assert got["comments"][0]["upvotes"] == 1


def test_get_bill_comments_pages_and_lists_replies(
    data: Database, discussion: dict[str, Any]
) -> None:
    bill, question = discussion["bill"], discussion["question"]
    service = CommentService(data)
    first = service.get_bill_comments(bill.id, {"limit": 1, "sort": "recent"})
    assert (first["totalCount"], first["hasMore"]) == (2, True)
    assert first["comments"][0]["id"] == discussion["gone"].id
    second = service.getBillComments(bill.id, {"limit": 1, "offset": 1})
    assert [c["id"] for c in second["comments"]] == [question.id]
    assert second["hasMore"] is False
    replies = service.getBillComments(bill.id, {"parentId": question.id})
    assert [c["content"] for c in replies["comments"]] == ["Yes, above 100 shillings.", "Thanks!"]
    assert (replies["totalCount"], replies["comments"][0]["replies"]) == (2, [])
    other = add_bill(data, "Another bill")
    assert service.getBillComments(other.id, {"parentId": question.id}) == {
        "comments": [],
        "totalCount": 0,
        "hasMore": False,
    }


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"offset": 5, "limit": 20}, "filters.offset"),
        ({"limit": 0}, "filters.offset"),
        ({"limit": "20"}, "filters.limit"),
        ({"offset": -20}, "filters.offset"),
        ({"commentType": "question"}, "filters.commentType"),
        ({"expertOnly": True}, "filters.expertOnly"),
        ({"sort": "best"}, "sort"),
        ({"order": "recent"}, "filters"),
    ],
)
def test_get_bill_comments_refuses_what_it_cannot_honour(
    data: Database, finance: dict[str, Any], filters: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        CommentService(data).getBillComments(finance["bill"].id, filters)
    assert caught.value.field == field


# -- voteOnComment --------------------------------------------------------------------------


def test_vote_on_comment_returns_the_old_vote_result(
    data: Database, finance: dict[str, Any]
) -> None:
    question, brian = finance["question"], finance["brian"]
    service = CommentVotingService(data)
    up = {"success": True, "newUpvotes": 1, "newDownvotes": 0, "netVotes": 1, "userVote": "up"}
    assert service.voteOnComment(question.id, str(brian.id), "up") == up
    withdrawn = {**up, "newUpvotes": 0, "netVotes": 0, "userVote": None}
    assert service.vote_on_comment(question.id, brian.id, "up") == withdrawn
    down = {**up, "newUpvotes": 0, "newDownvotes": 1, "netVotes": -1, "userVote": "down"}
    assert service.voteOnComment(question.id, brian.id, "down") == down
    assert statements(data, lambda: service.voteOnComment(question.id, brian.id, "up")) == 3
    with pytest.raises(NotFound):
        service.voteOnComment(987_654, brian.id, "up")
    with pytest.raises(InvalidInput, match="vote"):
        service.voteOnComment(question.id, brian.id, "sideways")


# -- createNotification ---------------------------------------------------------------------


def test_create_notification_returns_the_old_row(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    amina, bill = finance["amina"], finance["bill"]
    service = NotificationService(data)
    got = service.createNotification(
        {
            "userId": str(amina.id),
            "type": "bill_update",
            "title": "Bill Update: committee",
            "message": "The Finance Bill, 2026 is in committee.",
            "relatedBillId": bill.id,
            "metadata": {"source": "clerk"},
        }
    )
    columns = {
        "id": "id",
        "userId": "user_id",
        "type": "type",
        "title": "title",
        "message": "message",
        "relatedBillId": "related_bill_id",
        "isRead": "is_read",
        "createdAt": "created_at",
    }
    assert got == stored(conn, "notifications", got["id"], columns)
    assert (got["userId"], got["isRead"], got["relatedBillId"]) == (str(amina.id), False, bill.id)
    plain = {"userId": amina.id, "type": "system_alert", "title": "Hi", "message": "Welcome"}
    assert service.create_notification(plain, actor=amina.id)["relatedBillId"] is None
    assert statements(data, lambda: service.createNotification(plain)) == 1


@pytest.mark.parametrize(
    ("data_", "field"),
    [
        ({"type": "system_alert", "title": "t", "message": "m"}, "data.userId"),
        ({"userId": "x", "type": "system_alert", "title": "t", "message": "m"}, "data.userId"),
        ({"userId": str(uuid.uuid4()), "type": "sms", "title": "t", "message": "m"}, "data.type"),
        ({"userId": str(uuid.uuid4()), "type": "system_alert", "title": "t"}, "data.message"),
        ({"user_id": "x"}, "data"),
    ],
)
def test_create_notification_refuses_bad_data(
    data: Database, data_: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        NotificationService(data).createNotification(data_)
    assert caught.value.field == field


def test_a_service_needs_the_services_database() -> None:
    with pytest.raises(InvalidInput, match="db"):
        BillService("postgresql://localhost/chanuka")  # type: ignore[arg-type]


# -- flagContent (the old createReport) -------------------------------------------------------


def test_flag_content_returns_the_old_report_result(
    data: Database, conn: psycopg.Connection[Any], finance: dict[str, Any]
) -> None:
    question, brian = finance["question"], finance["brian"]
    service = ContentModerationService(data)
    got = service.flagContent(
        "comment", question.id, "harassment", "Personal attack", str(brian.id), False, "in reply"
    )
    assert set(got) == {"success", "message", "reportId"}
    assert (got["success"], got["message"]) == (True, "Content reported successfully")
    row = conn.execute(
        "SELECT content_type, content_id, flag_type, reason, reported_by, severity, auto_detected"
        " FROM moderation_flags WHERE id = %s",
        [got["reportId"]],
    ).fetchone()
    assert row == (
        "bill_comment",
        question.id,
        "harassment",
        "Personal attack; in reply",
        brian.id,
        "high",
        False,
    )
    again = service.createReport("bill_comment", question.id, "harassment", "Again", brian.id)
    assert again == {
        "success": True,
        "message": "Existing report updated",
        "reportId": got["reportId"],
    }
    amina = finance["amina"]
    bill = service.flag_content("bill", finance["bill"].id, "spam", "Ads", amina.id, True)
    assert bill["message"] == "Content reported successfully"
    assert bill["reportId"] != got["reportId"]


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        (("post", 1, "spam", "r"), InvalidInput, "content_type"),
        (("bill", 1, "rude", "r"), InvalidInput, "reason"),
        (("bill", 1, "spam", "  "), InvalidInput, "reason"),
        (("bill", 1, "spam", "r", "someone"), InvalidInput, "reported_by"),
        (("bill", 1, "spam", "r", None, False, 42), InvalidInput, "description"),
        (("bill", 987_654, "spam", "r"), NotFound, None),
    ],
)
def test_flag_content_refuses_bad_reports(
    data: Database, finance: dict[str, Any], args: tuple[Any, ...], error: type, field: str | None
) -> None:
    reporter = finance["amina"].id
    full = (*args[:4], args[4] if len(args) > 4 and args[4] else reporter, *args[5:])
    with pytest.raises(error) as caught:
        ContentModerationService(data).flagContent(*full)
    if field is not None:
        assert caught.value.field == field
