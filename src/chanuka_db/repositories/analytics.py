"""Repositories of the analytics domain: the event stream, daily roll-ups, health metrics.

:class:`AnalyticsRepository` (``uow.analytics``) records events (one INSERT per batch),
rolls a day of events up into the three summary tables and ranks trending bills from them::

    db.repos.analytics.record_events(events)               # a batch: one statement per 1,000
    db.repos.analytics.rollup_day(dt.date(2026, 3, 1))     # idempotent: run it again any time
    db.repos.analytics.trending_bills(days=7, limit=10)    # from the bill summaries

The roll-ups read the event vocabulary the platform (and ``chanuka-db seed``) writes:
``bill_view``, ``bill_track``, ``share`` (of a bill), ``search`` and ``comment_vote`` (with
``{"vote": "up"|"down"}`` in ``event_data``); every type is counted in
``analytics_daily_summary``. Comments are counted from ``bill_comments`` (the record of
them), their sentiment from their ``content_analysis`` scores (>= 0.6 positive, <= 0.4
negative, neutral between; comments not analysed are in no sentiment column). Engagement
weighs a view 1, a comment 5 and a share 3, as bill engagement does. A day is a calendar
day in ``timezone`` (default UTC, as the generator's summaries are). Each roll-up is one
``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` statement that recomputes (never
accumulates) the day's rows, leaves rows whose numbers did not change untouched, and removes
rows of groups no longer in the day; a day with no events at all (purged, or never filled)
is left exactly as it is.

``user_activity_summary`` is personal data under row-level security: the roll-up of every
user's day is a system job and must run on the system path.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import uuid
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final, LiteralString

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.repositories.arguments import (
    check_date,
    check_id,
    check_instance,
    check_int,
    check_optional_text,
    check_text,
    check_uuid,
    check_window,
)
from chanuka_db.repositories.base import Runner, TableRepository
from chanuka_db.sql import Trusted, insert, select, trusted
from chanuka_db.types import (
    AnalyticsDailySummary,
    AnalyticsDailySummaryPatch,
    AnalyticsEvent,
    AnalyticsEventPatch,
    BillAnalyticsSummary,
    BillAnalyticsSummaryPatch,
    NewAnalyticsDailySummary,
    NewAnalyticsEvent,
    NewBillAnalyticsSummary,
    NewSystemHealthMetric,
    NewUserActivitySummary,
    Param,
    SystemHealthMetric,
    SystemHealthMetricPatch,
    UserActivitySummary,
    UserActivitySummaryPatch,
    tables,
)
from chanuka_db.types.expr import Nulls

__all__ = [
    "DEFAULT_TIMEZONE",
    "AnalyticsDailySummaryRepository",
    "AnalyticsEventRepository",
    "AnalyticsRepository",
    "BillAnalyticsSummaryRepository",
    "EventType",
    "MetricSummary",
    "RollupCount",
    "RollupResult",
    "SystemHealthMetricRepository",
    "TrendingBill",
    "UserActivitySummaryRepository",
]

DEFAULT_TIMEZONE: Final = "UTC"
EVENT_BATCH: Final = 1000
MAX_EVENT_BATCH: Final = 5000  # 13 columns x 5,000 rows stays under 65,535 parameters


class EventType(enum.StrEnum):
    """The event types the user and bill roll-ups count (any other type is still recorded)."""

    BILL_VIEW = "bill_view"
    BILL_TRACK = "bill_track"
    SHARE = "share"
    SEARCH = "search"
    COMMENT_VOTE = "comment_vote"  # event_data {"vote": "up"} or {"vote": "down"}


@attrs.frozen
class RollupCount:
    """One summary table's roll-up: groups the day has, rows written, stale rows removed."""

    groups: int
    written: int
    removed: int


@attrs.frozen
class RollupResult:
    """What :meth:`AnalyticsRepository.rollup_day` did to each summary table."""

    day: dt.date
    daily: RollupCount
    users: RollupCount
    bills: RollupCount


@attrs.frozen
class TrendingBill:
    """A bill's totals over the trending window, from ``bill_analytics_summary``."""

    bill_id: int
    title: str
    status: str
    views: int
    comments: int
    shares: int
    engagement_score: Decimal


@attrs.frozen
class MetricSummary:
    """One metric over a window: count, extremes, mean, 95th percentile, last value."""

    name: str
    count: int
    minimum: Decimal | None
    maximum: Decimal | None
    average: Decimal | None
    p95: float | None
    latest: Decimal | None


# -- roll-up statements ---------------------------------------------------------------------

# The day's events and comments: [day 00:00, next day 00:00) in the time zone, as instants
# (bill_comments.created_at is a timestamp without time zone, read in the session's zone,
# as now() wrote it).
_DAY: Final = """
    WITH day_events AS (
        SELECT e.* FROM analytics_events AS e
         WHERE e.created_at >= (%(day)s::date)::timestamp AT TIME ZONE %(tz)s::text
           AND e.created_at < (%(day)s::date + 1)::timestamp AT TIME ZONE %(tz)s::text
    ), day_comments AS (
        SELECT c.id, c.bill_id, c.user_id FROM bill_comments AS c
         WHERE c.created_at >= (%(day)s::date)::timestamp AT TIME ZONE %(tz)s::text
           AND c.created_at < (%(day)s::date + 1)::timestamp AT TIME ZONE %(tz)s::text
    ),"""


def _rollup(
    table: LiteralString,
    keys: tuple[LiteralString, ...],
    values: tuple[LiteralString, ...],
    fresh: LiteralString,
    *,
    nullable: tuple[LiteralString, ...] = (),
) -> Trusted:
    """One roll-up statement: ``fresh`` (CTEs ending in ``fresh``: keys, then values) upserted.

    Rows whose values did not change are not rewritten; rows of the day whose key is no
    longer in ``fresh`` are deleted; a day without events is left alone. Returns one row:
    groups, rows written, rows removed. Built at import time from the literal names given
    here (no value from outside reaches the text; the day and zone are parameters).

    Keys are compared with ``=`` unless listed in ``nullable`` (then ``IS NOT DISTINCT
    FROM``): only ``=`` lets the stale-row check be a hash anti-join. With ``IS NOT
    DISTINCT FROM`` on every key it was a nested loop over the day's rows times the
    day's groups: 60+ s for the users roll-up of a busy day at the ``large`` scale.
    """
    columns = ", ".join((*keys, *values))
    updates = ", ".join(f"{v} = EXCLUDED.{v}" for v in values)
    old = ", ".join(f"s.{v}" for v in values)
    new = ", ".join(f"EXCLUDED.{v}" for v in values)
    same_key = " AND ".join(
        f"f.{k} IS NOT DISTINCT FROM s.{k}" if k in nullable else f"f.{k} = s.{k}" for k in keys
    )
    return trusted(
        _DAY
        + fresh
        + f"""
    , kept AS (
        SELECT * FROM fresh WHERE EXISTS (SELECT 1 FROM day_events)
    ), written AS (
        INSERT INTO {table} AS s ({columns}, date)
        SELECT f.*, %(day)s::date FROM kept AS f
        ON CONFLICT ({", ".join(keys)}, date) DO UPDATE SET {updates}
        WHERE ({old}) IS DISTINCT FROM ({new})
        RETURNING 1
    ), removed AS (
        DELETE FROM {table} AS s
         WHERE s.date = %(day)s::date
           AND EXISTS (SELECT 1 FROM day_events)
           AND NOT EXISTS (SELECT 1 FROM kept AS f WHERE {same_key})
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM written),
           (SELECT count(*) FROM removed)
    """
    )


_ROLLUP_DAILY = _rollup(
    "analytics_daily_summary",
    ("event_type", "event_category"),
    (
        "total_events",
        "unique_users",
        "unique_sessions",
        "bill_interactions",
        "comment_interactions",
        "search_queries",
    ),
    """
    fresh AS (
        SELECT event_type, event_category,
               count(*)::integer AS total_events,
               count(DISTINCT user_id)::integer AS unique_users,
               count(DISTINCT session_id)::integer AS unique_sessions,
               count(bill_id)::integer AS bill_interactions,
               count(comment_id)::integer AS comment_interactions,
               count(*) FILTER (WHERE event_type = 'search')::integer AS search_queries
          FROM day_events
         GROUP BY event_type, event_category
    )""",
    nullable=("event_category",),
)

# Everyone with an event or a comment that day; session time is the span of each of their
# sessions' events, summed.
_ROLLUP_USERS = _rollup(
    "user_activity_summary",
    ("user_id",),
    (
        "bills_viewed",
        "bills_tracked",
        "comments_posted",
        "comments_upvoted",
        "comments_downvoted",
        "searches_performed",
        "session_duration_minutes",
        "engagement_score",
    ),
    """
    spans AS (
        SELECT user_id, sum(extract(epoch FROM last_seen - first_seen)) AS seconds
          FROM (SELECT user_id, session_id,
                       min(created_at) AS first_seen, max(created_at) AS last_seen
                  FROM day_events
                 WHERE user_id IS NOT NULL AND session_id IS NOT NULL
                 GROUP BY user_id, session_id) AS per_session
         GROUP BY user_id
    ), acted AS (
        SELECT user_id,
               count(*) FILTER (WHERE event_type = 'bill_view') AS viewed,
               count(*) FILTER (WHERE event_type = 'bill_track') AS tracked,
               count(*) FILTER (WHERE event_type = 'comment_vote'
                                  AND event_data ->> 'vote' = 'up') AS up,
               count(*) FILTER (WHERE event_type = 'comment_vote'
                                  AND event_data ->> 'vote' = 'down') AS down,
               count(*) FILTER (WHERE event_type = 'search') AS searches,
               count(*) FILTER (WHERE event_type = 'share') AS shares
          FROM day_events
         WHERE user_id IS NOT NULL
         GROUP BY user_id
    ), posted AS (
        SELECT user_id, count(*) AS comments FROM day_comments GROUP BY user_id
    ), fresh AS (
        SELECT coalesce(a.user_id, p.user_id) AS user_id,
               coalesce(a.viewed, 0)::integer, coalesce(a.tracked, 0)::integer,
               coalesce(p.comments, 0)::integer, coalesce(a.up, 0)::integer,
               coalesce(a.down, 0)::integer, coalesce(a.searches, 0)::integer,
               coalesce(floor(sp.seconds / 60), 0)::integer,
               (coalesce(a.viewed, 0) + 5 * coalesce(p.comments, 0)
                + 3 * coalesce(a.shares, 0))::numeric(10, 2)
          FROM acted AS a
          FULL JOIN posted AS p ON p.user_id = a.user_id
          LEFT JOIN spans AS sp ON sp.user_id = coalesce(a.user_id, p.user_id)
    )""",
)

# Every bill viewed, tracked, shared or commented on that day; unique viewers and trackers
# are signed-in users.
_ROLLUP_BILLS = _rollup(
    "bill_analytics_summary",
    ("bill_id",),
    (
        "views",
        "unique_viewers",
        "comments",
        "shares",
        "tracking_users",
        "engagement_score",
        "sentiment_positive",
        "sentiment_negative",
        "sentiment_neutral",
    ),
    """
    seen AS (
        SELECT bill_id,
               count(*) FILTER (WHERE event_type = 'bill_view') AS views,
               count(DISTINCT user_id) FILTER (WHERE event_type = 'bill_view') AS viewers,
               count(*) FILTER (WHERE event_type = 'share') AS shares,
               count(DISTINCT user_id) FILTER (WHERE event_type = 'bill_track') AS trackers
          FROM day_events
         WHERE bill_id IS NOT NULL AND event_type IN ('bill_view', 'bill_track', 'share')
         GROUP BY bill_id
    ), commented AS (
        SELECT c.bill_id, count(*) AS comments,
               count(*) FILTER (WHERE a.sentiment_score >= 0.6) AS positive,
               count(*) FILTER (WHERE a.sentiment_score <= 0.4) AS negative,
               count(*) FILTER (WHERE a.sentiment_score > 0.4 AND a.sentiment_score < 0.6)
                   AS neutral
          FROM day_comments AS c
          LEFT JOIN content_analysis AS a
            ON a.content_type = 'bill_comment' AND a.content_id = c.id
         GROUP BY c.bill_id
    ), fresh AS (
        SELECT coalesce(v.bill_id, m.bill_id) AS bill_id,
               coalesce(v.views, 0)::integer, coalesce(v.viewers, 0)::integer,
               coalesce(m.comments, 0)::integer, coalesce(v.shares, 0)::integer,
               coalesce(v.trackers, 0)::integer,
               (coalesce(v.views, 0) + 5 * coalesce(m.comments, 0)
                + 3 * coalesce(v.shares, 0))::numeric(10, 2),
               coalesce(m.positive, 0)::integer, coalesce(m.negative, 0)::integer,
               coalesce(m.neutral, 0)::integer
          FROM seen AS v
          FULL JOIN commented AS m ON m.bill_id = v.bill_id
    )""",
)

# Roll-ups of the same day take turns (until the transaction ends): two at once would upsert
# the same keys in different orders and could deadlock.
_LOCK_DAY = trusted(
    "SELECT pg_advisory_xact_lock(hashtext('chanuka_db.rollup_day'),"
    " %(day)s::date - DATE '2000-01-01')"
)

# The window ends on as_of (default: the latest day rolled up) and spans `days` days.
_TRENDING = trusted(
    """
    WITH span AS (
        SELECT coalesce(%(as_of)s::date, (SELECT max(date) FROM bill_analytics_summary))
               AS last_day
    )
    SELECT s.bill_id, b.title, b.status,
           coalesce(sum(s.views), 0)::bigint, coalesce(sum(s.comments), 0)::bigint,
           coalesce(sum(s.shares), 0)::bigint, coalesce(sum(s.engagement_score), 0) AS score
      FROM span
      JOIN bill_analytics_summary AS s
        ON s.date > span.last_day - %(days)s::integer AND s.date <= span.last_day
      JOIN bills AS b ON b.id = s.bill_id
     GROUP BY s.bill_id, b.title, b.status
     ORDER BY score DESC, 4 DESC, s.bill_id
     LIMIT %(limit)s
    """
)


def _timezone(name: object) -> str:
    text = check_text("timezone", name, max_length=64, strip=True)
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", f"{text!r} is not a known time zone") from None
    return text


class AnalyticsRepository:
    """Events in, daily roll-ups, trending bills: ``uow.analytics``.

    Statements: ``record_event`` 1, ``record_events`` 1 per batch (all in one transaction),
    ``rollup_day`` 4 (a per-day lock, then one per summary table, in one transaction),
    ``trending_bills`` 1.
    """

    __slots__ = ("_runner",)

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    def record_event(self, event: NewAnalyticsEvent) -> AnalyticsEvent:
        """Record one event; the stored row comes back."""
        return AnalyticsEventRepository(self._runner).add(event)

    def record_events(
        self, events: Iterable[NewAnalyticsEvent], *, batch_size: int = EVENT_BATCH
    ) -> int:
        """Record many events: one multi-row INSERT per batch, all or none; how many.

        Nothing comes back (events are write-only here), which keeps a batch one round trip
        of parameters in and a count out.
        """
        items = [
            check_instance(f"events[{index}]", event, NewAnalyticsEvent)
            for index, event in enumerate(events)
        ]
        size = check_int("batch_size", batch_size, low=1, high=MAX_EVENT_BATCH)
        written = 0
        with self._runner.atomic() as ex:
            for start in range(0, len(items), size):
                batch = items[start : start + size]
                written += insert(tables.analytics_events).values(*batch).execute(ex)
        return written

    def rollup_day(self, day: dt.date, *, timezone: str = DEFAULT_TIMEZONE) -> RollupResult:
        """Recompute the three daily summaries for ``day``: 4 statements, one transaction.

        Idempotent: running it again for the same day leaves the same rows (the unchanged
        ones are not even rewritten). Roll-ups of the same day wait for each other.
        """
        params = {"day": check_date("day", day), "tz": _timezone(timezone)}
        with self._runner.atomic() as ex:
            ex.fetch_trusted(_LOCK_DAY, {"day": params["day"]})
            (daily,) = ex.fetch_trusted(_ROLLUP_DAILY, params)
            (users,) = ex.fetch_trusted(_ROLLUP_USERS, params)
            (bills,) = ex.fetch_trusted(_ROLLUP_BILLS, params)
        return RollupResult(day, RollupCount(*daily), RollupCount(*users), RollupCount(*bills))

    def trending_bills(
        self, *, days: int = 7, limit: int = 10, as_of: dt.date | None = None
    ) -> list[TrendingBill]:
        """Bills with the highest engagement over the ``days`` days ending on ``as_of``.

        ``as_of`` defaults to the latest day rolled up. Ties go to more views, then the
        older bill. One statement, over the summaries only.
        """
        params = {
            "days": check_int("days", days, low=1, high=366),
            "limit": check_int("limit", limit, low=1, high=100),
            "as_of": None if as_of is None else check_date("as_of", as_of),
        }
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_TRENDING, params)
        return [TrendingBill(*row) for row in rows]


# -- table repositories -----------------------------------------------------------------------

_d = tables.analytics_daily_summary
_u = tables.user_activity_summary
_bs = tables.bill_analytics_summary
_m = tables.system_health_metrics

_DAILY_IN = (
    select(_d, AnalyticsDailySummary)
    .where(_d.date.between(Param("start"), Param("end")))
    .order_by(_d.date.asc(), _d.event_type.asc(), _d.event_category.asc(Nulls.FIRST))
)
_DAILY_OF_TYPE_IN = _DAILY_IN.where(_d.event_type == Param("event_type"))
_USER_DAYS = (
    select(_u, UserActivitySummary)
    .where((_u.user_id == Param("user")) & _u.date.between(Param("start"), Param("end")))
    .order_by(_u.date.asc())
)
_BILL_DAYS = (
    select(_bs, BillAnalyticsSummary)
    .where((_bs.bill_id == Param("bill")) & _bs.date.between(Param("start"), Param("end")))
    .order_by(_bs.date.asc())
)
_SERIES = (
    select(_m, SystemHealthMetric)
    .where(
        (_m.metric_name == Param("name"))
        & (_m.recorded_at >= Param("since"))
        & (_m.recorded_at < Param("until"))
    )
    .order_by(_m.recorded_at.asc(), _m.id.asc())
    .limit(Param("limit"))
)
# The latest row of every metric name, walking the (metric_name, recorded_at DESC) index one
# name at a time (a loose index scan), so the cost grows with the names, not the rows.
_LATEST = trusted(
    """
    WITH RECURSIVE names AS (
        (SELECT metric_name FROM system_health_metrics ORDER BY metric_name LIMIT 1)
        UNION ALL
        SELECT (SELECT m.metric_name FROM system_health_metrics AS m
                 WHERE m.metric_name > n.metric_name ORDER BY m.metric_name LIMIT 1)
          FROM names AS n
         WHERE n.metric_name IS NOT NULL
    )
    SELECT latest.*
      FROM names
     CROSS JOIN LATERAL (
           SELECT * FROM system_health_metrics AS m
            WHERE m.metric_name = names.metric_name AND m.recorded_at IS NOT NULL
            ORDER BY m.recorded_at DESC LIMIT 1) AS latest
     WHERE %(category)s::text IS NULL OR latest.metric_category = %(category)s::text
     ORDER BY latest.metric_name
    """
)
_SUMMARY = trusted(
    """
    SELECT count(*), min(metric_value), max(metric_value), avg(metric_value),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value::double precision),
           (array_agg(metric_value ORDER BY recorded_at DESC, id DESC))[1]
      FROM system_health_metrics
     WHERE metric_name = %(name)s AND recorded_at >= %(since)s AND recorded_at < %(until)s
    """
)


def _metric_value(value: object) -> Decimal:
    """A measurement as the exact decimal it prints as (floats from timers and gauges too)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise InvalidInput("value", f"expected a number, got {type(value).__name__}")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise InvalidInput("value", f"{value} is not a finite number")
    return number


def _day_range(start: object, end: object) -> dict[str, dt.date]:
    first, last = check_date("start", start), check_date("end", end)
    if first > last:
        raise InvalidInput("end", f"must not be before start ({first.isoformat()})")
    return {"start": first, "end": last}


class AnalyticsDailySummaryRepository(
    TableRepository[AnalyticsDailySummary, NewAnalyticsDailySummary, AnalyticsDailySummaryPatch]
):
    """Rows of ``analytics_daily_summary``: per day, event type and category."""

    table = tables.analytics_daily_summary

    def for_range(
        self, start: dt.date, end: dt.date, *, event_type: str | None = None
    ) -> builtins.list[AnalyticsDailySummary]:
        """The rows of days ``start`` to ``end`` (inclusive), by day and type: one statement."""
        params: dict[str, Any] = _day_range(start, end)
        statement = _DAILY_IN
        if event_type is not None:
            params["event_type"] = check_text("event_type", event_type, max_length=100, strip=True)
            statement = _DAILY_OF_TYPE_IN
        with self._runner.reading() as ex:
            return statement.fetch_all(ex, **params)


class AnalyticsEventRepository(
    TableRepository[AnalyticsEvent, NewAnalyticsEvent, AnalyticsEventPatch]
):
    """Rows of ``analytics_events`` (record them through ``uow.analytics``)."""

    table = tables.analytics_events


class BillAnalyticsSummaryRepository(
    TableRepository[BillAnalyticsSummary, NewBillAnalyticsSummary, BillAnalyticsSummaryPatch]
):
    """Rows of ``bill_analytics_summary``: per bill and day."""

    table = tables.bill_analytics_summary

    def for_bill(
        self, bill_id: int, start: dt.date, end: dt.date
    ) -> builtins.list[BillAnalyticsSummary]:
        """A bill's days from ``start`` to ``end`` (inclusive): one statement."""
        params = _day_range(start, end)
        with self._runner.reading() as ex:
            return _BILL_DAYS.fetch_all(ex, bill=check_id("bill_id", bill_id), **params)


class UserActivitySummaryRepository(
    TableRepository[UserActivitySummary, NewUserActivitySummary, UserActivitySummaryPatch]
):
    """Rows of ``user_activity_summary``: per user and day (personal: filtered by user)."""

    table = tables.user_activity_summary

    def for_user(
        self, user_id: uuid.UUID, start: dt.date, end: dt.date
    ) -> builtins.list[UserActivitySummary]:
        """A user's days from ``start`` to ``end`` (inclusive): one statement."""
        params = _day_range(start, end)
        with self._runner.reading() as ex:
            return _USER_DAYS.fetch_all(ex, user=check_uuid("user_id", user_id), **params)


class SystemHealthMetricRepository(
    TableRepository[SystemHealthMetric, NewSystemHealthMetric, SystemHealthMetricPatch]
):
    """Rows of ``system_health_metrics``: a time series per metric name."""

    table = tables.system_health_metrics

    def record(
        self,
        name: str,
        value: Decimal | float,
        *,
        category: str,
        unit: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> SystemHealthMetric:
        """Record one measurement now; the stored row comes back (one statement)."""
        metric = NewSystemHealthMetric(
            metric_name=check_text("name", name, max_length=200, strip=True),
            metric_value=_metric_value(value),
            metric_category=check_text("category", category, max_length=100, strip=True),
            metric_unit=unit,
            metadata={} if metadata is None else metadata,
        )
        return self.add(metric)

    def series(
        self, name: str, since: dt.datetime, until: dt.datetime, *, limit: int = 1000
    ) -> builtins.list[SystemHealthMetric]:
        """A metric's measurements in ``[since, until)``, oldest first: one statement."""
        start, end = check_window(since, until)
        with self._runner.reading() as ex:
            return _SERIES.fetch_all(
                ex,
                name=check_text("name", name, max_length=200, strip=True),
                since=start,
                until=end,
                limit=check_int("limit", limit, low=1, high=10_000),
            )

    def latest(self, category: str | None = None) -> builtins.list[SystemHealthMetric]:
        """The latest measurement of every metric (of ``category``), by name: one statement."""
        wanted = check_optional_text("category", category, max_length=100, strip=True)
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_LATEST, {"category": wanted})
        return [SystemHealthMetric(*row) for row in rows]

    def summary(self, name: str, since: dt.datetime, until: dt.datetime) -> MetricSummary:
        """Count, min, max, mean, p95 and last value of a metric in ``[since, until)``."""
        metric = check_text("name", name, max_length=200, strip=True)
        start, end = check_window(since, until)
        with self._runner.reading() as ex:
            (row,) = ex.fetch_trusted(_SUMMARY, {"name": metric, "since": start, "until": end})
        return MetricSummary(metric, *row)
