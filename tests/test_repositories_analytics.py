"""Analytics: events in batches, idempotent daily roll-ups, trending bills, health metrics."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import InvalidInput, InvalidReference
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.repositories.analytics import RollupCount
from chanuka_db.seed import seed
from chanuka_db.types import (
    NewAnalyticsDailySummary,
    NewAnalyticsEvent,
    NewBill,
    NewBillComment,
    NewContentAnalysis,
    NewSystemHealthMetric,
)
from tests.domain_support import make_users, open_data

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    yield from open_data(database_url)


def at(hour: float, day: dt.date = DAY) -> dt.datetime:
    """A moment of ``day`` in UTC (hours may run past 24 or below 0)."""
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(hours=hour)


def event(kind: str, when: dt.datetime, **fields: Any) -> NewAnalyticsEvent:
    category = kind.partition("_")[0]  # bill_view: bill, search: search
    return NewAnalyticsEvent(event_type=kind, event_category=category, created_at=when, **fields)


def _table(conn: psycopg.Connection[Any], name: str) -> list[tuple[Any, ...]]:
    query = {
        "analytics_daily_summary": "SELECT * FROM analytics_daily_summary ORDER BY id",
        "user_activity_summary": "SELECT * FROM user_activity_summary ORDER BY id",
        "bill_analytics_summary": "SELECT * FROM bill_analytics_summary ORDER BY id",
    }[name]
    return conn.execute(query.encode()).fetchall()


SUMMARIES = ("analytics_daily_summary", "user_activity_summary", "bill_analytics_summary")


# -- events -----------------------------------------------------------------------------------


def test_record_event_and_batches_in_one_transaction(data: Database) -> None:
    analytics = data.repos.analytics
    one = analytics.record_event(
        event("search", at(10), event_data={"q": "finance"}, ip_address=ipaddress.ip_address("::1"))
    )
    assert (one.event_type, one.event_data, one.created_at) == ("search", {"q": "finance"}, at(10))
    many = [event("bill_view", at(11), session_id=f"s{n}") for n in range(25)]
    with data.queries.count() as counted:
        assert analytics.record_events(many, batch_size=10) == 25
    assert counted.total == 3  # one INSERT per batch
    assert data.repos.analytics_events.count() == 26
    assert analytics.record_events([]) == 0


def test_a_bad_batch_writes_nothing(data: Database) -> None:
    analytics = data.repos.analytics
    good = [event("bill_view", at(1)) for _ in range(5)]
    with pytest.raises(InvalidReference):
        analytics.record_events([*good, event("bill_view", at(1), bill_id=999)], batch_size=5)
    with pytest.raises(InvalidInput, match=r"events\[1\]"):
        analytics.record_events([good[0], "bill_view"])  # type: ignore[list-item]
    with pytest.raises(InvalidInput, match="batch_size"):
        analytics.record_events(good, batch_size=5001)
    assert data.repos.analytics_events.count() == 0


# -- roll-ups ---------------------------------------------------------------------------------


def _comment(data: Database, bill: int, user: Any, when: dt.datetime, text: str = "x") -> int:
    naive = when.astimezone(dt.UTC).replace(tzinfo=None)  # the server's zone is UTC
    row = data.repos.comments.add(
        NewBillComment(bill_id=bill, user_id=user, content=text, created_at=naive)
    )
    return row.id


def _activity(data: Database) -> dict[str, Any]:
    """A day of activity by three users and an anonymous visitor on three bills."""
    alice, bob, carol = make_users(data, 3)
    f, h, roads = (
        data.repos.bills.add(NewBill(title=t)).id for t in ("Finance", "Health", "Roads")
    )
    happy = _comment(data, f, alice, at(9.5), "+")
    angry = _comment(data, f, bob, at(12.2), "-")
    _comment(data, roads, carol, at(20))  # a comment, no events: carol and roads get rows
    _comment(data, f, carol, at(-1))  # the day before
    data.repos.content_analysis.add_many(
        [
            NewContentAnalysis(
                content_type="bill_comment", content_id=happy, sentiment_score=Decimal("0.9")
            ),
            NewContentAnalysis(
                content_type="bill_comment", content_id=angry, sentiment_score=Decimal("0.1")
            ),
        ]
    )
    vote_up = {"vote": "up"}
    events = [
        event("bill_view", at(8), user_id=alice, session_id="a1", bill_id=f),
        event("bill_view", at(8.5), user_id=alice, session_id="a1", bill_id=f),
        event("bill_view", at(9), user_id=alice, session_id="a1", bill_id=h),
        event("share", at(10), user_id=alice, session_id="a2", bill_id=f),
        event("bill_track", at(10.25), user_id=alice, session_id="a2", bill_id=f),
        event("search", at(12), user_id=bob, session_id="b1"),
        event("bill_view", at(12.1), user_id=bob, session_id="b1", bill_id=f),
        event(
            "comment_vote",
            at(12.3),
            user_id=bob,
            session_id="b1",
            bill_id=f,
            comment_id=happy,
            event_data=vote_up,
        ),
        event("bill_view", at(13), session_id="anon", bill_id=f),
        event("bill_view", at(13.1), session_id="anon", bill_id=f),
        # just before the day and at its end: not part of it
        event("bill_view", at(-0.5), user_id=alice, session_id="x", bill_id=h),
        event("bill_view", at(24), user_id=alice, session_id="x", bill_id=h),
    ]
    data.repos.analytics.record_events(events)
    return {"alice": alice, "bob": bob, "carol": carol, "finance": f, "health": h, "roads": roads}


def test_rollup_day_fills_the_three_summaries(data: Database) -> None:
    world = _activity(data)
    with data.queries.count() as counted:
        result = data.repos.analytics.rollup_day(DAY)
    assert counted.total == 4
    assert result.daily == RollupCount(5, 5, 0)
    assert result.users == RollupCount(3, 3, 0)
    assert result.bills == RollupCount(3, 3, 0)

    daily = {row.event_type: row for row in data.repos.analytics_daily_summary.for_range(DAY, DAY)}
    views = daily["bill_view"]
    assert (views.total_events, views.unique_users, views.unique_sessions) == (6, 2, 3)
    assert (views.bill_interactions, views.comment_interactions, views.event_category) == (
        6,
        0,
        "bill",
    )
    assert daily["search"].search_queries == 1
    assert (daily["comment_vote"].comment_interactions, daily["share"].total_events) == (1, 1)

    def user(name: str) -> Any:
        (row,) = data.repos.user_activity_summary.for_user(world[name], DAY, DAY)
        return row

    alice, bob, carol = user("alice"), user("bob"), user("carol")
    assert (alice.bills_viewed, alice.bills_tracked, alice.comments_posted) == (3, 1, 1)
    assert alice.session_duration_minutes == 60 + 15  # a1: 8:00-9:00, a2: 10:00-10:15
    assert alice.engagement_score == Decimal(3 + 5 + 3)
    assert (bob.searches_performed, bob.comments_upvoted, bob.comments_downvoted) == (1, 1, 0)
    assert (bob.session_duration_minutes, bob.engagement_score) == (18, Decimal(1 + 5))
    assert (carol.comments_posted, carol.bills_viewed, carol.engagement_score) == (1, 0, 5)

    def bill(name: str) -> Any:
        (row,) = data.repos.bill_analytics_summary.for_bill(world[name], DAY, DAY)
        return row

    finance = bill("finance")
    assert (finance.views, finance.unique_viewers, finance.comments, finance.shares) == (5, 2, 2, 1)
    assert (finance.tracking_users, finance.engagement_score) == (1, Decimal(5 + 10 + 3))
    assert (finance.sentiment_positive, finance.sentiment_negative, finance.sentiment_neutral) == (
        1,
        1,
        0,
    )
    assert (bill("health").views, bill("health").unique_viewers) == (1, 1)
    roads = bill("roads")
    assert (roads.views, roads.comments, roads.engagement_score, roads.sentiment_neutral) == (
        0,
        1,
        5,
        0,  # not analysed: in no sentiment column
    )


def test_rollup_is_idempotent_and_recomputes_never_accumulates(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    world = _activity(data)
    analytics = data.repos.analytics
    analytics.rollup_day(DAY)
    first = {name: _table(conn, name) for name in SUMMARIES}
    again = analytics.rollup_day(DAY)
    assert (again.daily.written, again.users.written, again.bills.written) == (0, 0, 0)
    assert {name: _table(conn, name) for name in SUMMARIES} == first  # updated_at included

    analytics.record_event(
        event("bill_view", at(15), user_id=world["bob"], bill_id=world["health"])
    )
    changed = analytics.rollup_day(DAY)
    assert (changed.daily.written, changed.users.written, changed.bills.written) == (1, 1, 1)
    health = data.repos.bill_analytics_summary.for_bill(world["health"], DAY, DAY)[0]
    assert (health.views, health.unique_viewers) == (2, 2)

    conn.execute("DELETE FROM analytics_events WHERE event_type = 'search'")
    shrunk = analytics.rollup_day(DAY)
    assert shrunk.daily.removed == 1
    assert "search" not in {r.event_type for r in data.repos.analytics_daily_summary.list().items}

    before_purge = {name: _table(conn, name) for name in SUMMARIES}
    conn.execute("DELETE FROM analytics_events")  # a purged day is left as it is
    purged = analytics.rollup_day(DAY)
    assert (purged.daily, purged.users, purged.bills) == (RollupCount(0, 0, 0),) * 3
    assert {name: _table(conn, name) for name in SUMMARIES} == before_purge


def test_rollup_replaces_a_legacy_null_category_row(data: Database) -> None:
    data.repos.analytics_daily_summary.add(
        NewAnalyticsDailySummary(date=DAY, event_type="bill_view", total_events=99)
    )
    data.repos.analytics.record_event(event("bill_view", at(9)))
    result = data.repos.analytics.rollup_day(DAY)
    assert result.daily == RollupCount(1, 1, 1)
    rows = data.repos.analytics_daily_summary.list().items
    assert [(r.event_category, r.total_events) for r in rows] == [("bill", 1)]


def test_a_day_is_a_calendar_day_in_the_time_zone(data: Database) -> None:
    analytics = data.repos.analytics
    late_before = dt.datetime.combine(DAY, dt.time(), dt.UTC) - dt.timedelta(hours=1, minutes=30)
    late_on = dt.datetime.combine(DAY, dt.time(22, 30), dt.UTC)
    analytics.record_events([event("search", late_before), event("bill_view", late_on)])
    in_utc = analytics.rollup_day(DAY)
    assert [r.event_type for r in data.repos.analytics_daily_summary.list().items] == ["bill_view"]
    assert in_utc.daily == RollupCount(1, 1, 0)
    in_nairobi = analytics.rollup_day(DAY, timezone="Africa/Nairobi")  # UTC+3
    assert [r.event_type for r in data.repos.analytics_daily_summary.list().items] == ["search"]
    assert in_nairobi.daily == RollupCount(1, 1, 1)


def test_rollups_agree_with_the_seed_generators_summaries(
    database_url: DatabaseUrl, data: Database, conn: psycopg.Connection[Any]
) -> None:
    """Two independent implementations of the same definitions, over a generated month.

    The generator has no sentiment model and times a visit to its last step, so
    sentiment and session minutes are left out of the comparison.
    """
    seed(database_url, "tiny", seed=3, as_of=dt.date(2026, 3, 1))
    generated = {name: _comparable(conn, name) for name in SUMMARIES}
    days = sorted({row[0] for row in generated["analytics_daily_summary"]})
    assert len(days) > 20
    for day in days:
        data.repos.analytics.rollup_day(day)
    for name in SUMMARIES:
        assert _comparable(conn, name) == generated[name], name


def _comparable(conn: psycopg.Connection[Any], name: str) -> list[tuple[Any, ...]]:
    query = {
        "analytics_daily_summary": "SELECT date, event_type, event_category, total_events,"
        " unique_users, unique_sessions, bill_interactions, comment_interactions, search_queries"
        " FROM analytics_daily_summary ORDER BY 1, 2, 3",
        "user_activity_summary": "SELECT date, user_id, bills_viewed, bills_tracked,"
        " comments_posted, comments_upvoted, comments_downvoted, searches_performed,"
        " engagement_score FROM user_activity_summary ORDER BY 1, 2",
        "bill_analytics_summary": "SELECT date, bill_id, views, unique_viewers, comments, shares,"
        " tracking_users, engagement_score FROM bill_analytics_summary ORDER BY 1, 2",
    }[name]
    return conn.execute(query.encode()).fetchall()


def test_concurrent_rollups_of_one_day_take_turns(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    _activity(data)
    data.repos.analytics.rollup_day(DAY)
    expected = {name: _comparable(conn, name) for name in SUMMARIES}
    conn.execute(
        "DELETE FROM analytics_daily_summary; DELETE FROM user_activity_summary;"
        " DELETE FROM bill_analytics_summary"
    )
    start = threading.Barrier(6)

    def rollup(_: int) -> Any:
        start.wait()
        with data.unit_of_work() as uow:
            return uow.analytics.rollup_day(DAY)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(rollup, range(6)))
    assert sum(r.daily.written for r in results) == 5  # written once, then unchanged
    assert {name: _comparable(conn, name) for name in SUMMARIES} == expected


def test_rollup_day_checks_its_arguments(data: Database) -> None:
    analytics = data.repos.analytics
    with pytest.raises(InvalidInput, match="day"):
        analytics.rollup_day(dt.datetime(2026, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="timezone"):
        analytics.rollup_day(DAY, timezone="Mars/Olympus")
    with pytest.raises(InvalidInput, match="timezone"):
        analytics.rollup_day(DAY, timezone="../etc")
    assert analytics.rollup_day(DAY, timezone="Africa/Nairobi").daily.groups == 0


# -- trending ---------------------------------------------------------------------------------


def test_trending_bills_from_the_summaries(data: Database) -> None:
    bills = data.repos.bills.add_many([NewBill(title=f"Bill {n}") for n in range(4)])
    ids = [b.id for b in bills]
    (author,) = make_users(data, 1)
    analytics = data.repos.analytics
    plan = {  # day offset -> [(bill index, views, comments, shares)]
        0: [(0, 10, 0, 0), (1, 1, 2, 0)],
        1: [(1, 0, 0, 1), (2, 4, 1, 1)],
        5: [(3, 50, 0, 0)],
    }
    for offset, rows in plan.items():
        day = DAY + dt.timedelta(days=offset)
        events = [
            event(kind, at(9, day), bill_id=ids[index])
            for index, views, _, shares in rows
            for kind, n in (("bill_view", views), ("share", shares))
            for _ in range(n)
        ]
        for index, _, comments, _ in rows:
            for _ in range(comments):
                _comment(data, ids[index], author, at(10, day))
        analytics.record_events(events)
        analytics.rollup_day(day)
    with data.queries.count() as counted:
        latest = analytics.trending_bills(days=7)
    assert counted.total == 1
    assert [(t.title, t.engagement_score) for t in latest] == [
        ("Bill 3", 50),
        ("Bill 1", 14),  # 1 view + 2 comments + 1 share
        ("Bill 2", 12),
        ("Bill 0", 10),
    ]
    assert (latest[1].views, latest[1].comments, latest[1].shares) == (1, 2, 1)
    early = analytics.trending_bills(days=2, as_of=DAY + dt.timedelta(days=1), limit=2)
    assert [t.title for t in early] == ["Bill 1", "Bill 2"]
    assert analytics.trending_bills(days=1, as_of=DAY - dt.timedelta(days=1)) == []
    with pytest.raises(InvalidInput, match="days"):
        analytics.trending_bills(days=0)
    with pytest.raises(InvalidInput, match="limit"):
        analytics.trending_bills(limit=101)
    with pytest.raises(InvalidInput, match="as_of"):
        analytics.trending_bills(as_of="2026-03-02")  # type: ignore[arg-type]


def test_trending_ties_go_to_views_then_the_older_bill(data: Database) -> None:
    a, b, c = (data.repos.bills.add(NewBill(title=t)).id for t in "abc")
    (author,) = make_users(data, 1)
    analytics = data.repos.analytics
    _comment(data, b, author, at(9))
    events = [event("bill_view", at(9), bill_id=a) for _ in range(5)]
    events += [event("bill_view", at(9), bill_id=c) for _ in range(5)]
    analytics.record_events(events)
    analytics.rollup_day(DAY)
    assert [t.bill_id for t in analytics.trending_bills()] == [a, c, b]


def test_summary_reads_check_ranges(data: Database) -> None:
    with pytest.raises(InvalidInput, match="end"):
        data.repos.analytics_daily_summary.for_range(DAY, DAY - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="start"):
        data.repos.bill_analytics_summary.for_bill(1, "2026-01-01", DAY)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="user_id"):
        data.repos.user_activity_summary.for_user("me", DAY, DAY)  # type: ignore[arg-type]
    data.repos.analytics.record_events(
        [event("bill_view", at(9)), event("search", at(9)), event("search", at(33))]
    )
    data.repos.analytics.rollup_day(DAY)
    data.repos.analytics.rollup_day(DAY + dt.timedelta(days=1))
    summaries = data.repos.analytics_daily_summary
    both = summaries.for_range(DAY, DAY + dt.timedelta(days=1), event_type="search")
    assert [(r.date, r.total_events) for r in both] == [(DAY, 1), (DAY + dt.timedelta(days=1), 1)]
    assert len(summaries.for_range(DAY, DAY)) == 2


# -- health metrics ---------------------------------------------------------------------------


def test_metrics_record_series_latest_and_summary(data: Database) -> None:
    metrics = data.repos.system_health_metrics
    first = metrics.record("db.latency_ms", 1.5, category="database", unit="ms")
    assert (first.metric_value, first.metadata) == (Decimal("1.5"), {})
    metrics.record("db.latency_ms", 3, category="database", metadata={"host": "a"})
    metrics.record("db.latency_ms", Decimal("2.25"), category="database")
    metrics.record("api.errors", 7, category="api")
    start = first.recorded_at
    assert start is not None
    window = (start - dt.timedelta(minutes=1), start + dt.timedelta(minutes=1))
    series = metrics.series("db.latency_ms", *window)
    assert [m.metric_value for m in series] == [Decimal("1.5"), Decimal(3), Decimal("2.25")]
    assert len(metrics.series("db.latency_ms", *window, limit=2)) == 2
    assert [(m.metric_name, m.metric_value) for m in metrics.latest()] == [
        ("api.errors", Decimal(7)),
        ("db.latency_ms", Decimal("2.25")),
    ]
    assert [m.metric_name for m in metrics.latest("api")] == ["api.errors"]
    summary = metrics.summary("db.latency_ms", *window)
    assert (summary.count, summary.minimum, summary.maximum, summary.latest) == (
        3,
        Decimal("1.5"),
        Decimal(3),
        Decimal("2.25"),
    )
    assert summary.average == Decimal("2.25")
    assert summary.p95 == pytest.approx(2.925)
    nothing = metrics.summary("nope", *window)
    assert (nothing.count, nothing.maximum, nothing.p95) == (0, None, None)


def test_latest_is_one_walk_per_metric_name(data: Database) -> None:
    base = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    rows = [
        NewSystemHealthMetric(
            metric_name=f"m{n % 3}",
            metric_value=Decimal(n),
            metric_category="c",
            recorded_at=base + dt.timedelta(seconds=n),
        )
        for n in range(300)
    ]
    rows.append(
        NewSystemHealthMetric(
            metric_name="m0", metric_value=1, metric_category="c", recorded_at=None
        )
    )
    data.repos.system_health_metrics.add_many(rows)
    latest = data.repos.system_health_metrics.latest()
    assert [(m.metric_name, m.metric_value) for m in latest] == [
        ("m0", Decimal(297)),
        ("m1", Decimal(298)),
        ("m2", Decimal(299)),
    ]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"value": True}, "value"),
        ({"value": "1"}, "value"),
        ({"value": float("nan")}, "value"),
        ({"name": ""}, "name"),
        ({"category": None}, "category"),
        ({"metadata": {"x": object()}}, "metadata"),
    ],
)
def test_record_metric_checks_its_arguments(
    data: Database, call: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"name": "m", "value": 1, "category": "c"}
    arguments.update(call)
    with pytest.raises(InvalidInput) as refused:
        data.repos.system_health_metrics.record(**arguments)
    assert refused.value.field.startswith(field)
    assert data.repos.system_health_metrics.count() == 0


def test_metric_windows_must_be_aware(data: Database) -> None:
    naive = dt.datetime(2026, 3, 2)
    with pytest.raises(InvalidInput, match="since"):
        data.repos.system_health_metrics.series("m", naive, naive)
    later = dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
    with pytest.raises(InvalidInput, match="until"):
        data.repos.system_health_metrics.summary("m", later, later)
    with pytest.raises(InvalidInput, match="limit"):
        data.repos.system_health_metrics.series("m", later, later + dt.timedelta(1), limit=0)
