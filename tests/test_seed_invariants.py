"""The tiny dataset: every table filled, and every relationship and counter consistent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from chanuka_db import Database, UnitOfWork
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.repositories.moderation import QueueEntry, QueueStatus, Severity
from chanuka_db.seed import LOAD_ORDER, SeedSummary, seed
from chanuka_db.types import REGISTRY
from tests.conftest import PgServer
from tests.seed_support import AS_OF, fresh_database, scalar


@pytest.fixture(scope="module")
def seeded(
    pg_server: PgServer, template_database: str
) -> Iterator[tuple[DatabaseUrl, SeedSummary]]:
    """One tiny load shared by the read-only tests of this module."""
    with fresh_database(pg_server, template_database) as url:
        yield url, seed(url, "tiny", seed=11, as_of=AS_OF)


@pytest.fixture
def db(seeded: tuple[DatabaseUrl, SeedSummary]) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(seeded[0].conninfo(), autocommit=True) as conn:
        yield conn


def _none(conn: psycopg.Connection[Any], query: str) -> None:
    """``query`` lists offending rows; there must be none."""
    rows = conn.execute(query.encode()).fetchall()
    assert rows == [], rows[:5]


def test_every_table_is_filled_and_counted(
    seeded: tuple[DatabaseUrl, SeedSummary], db: psycopg.Connection[Any]
) -> None:
    _, summary = seeded
    assert [t.table for t in summary.tables] == list(LOAD_ORDER)
    for table in LOAD_ORDER:
        count = scalar(db, f"SELECT count(*) FROM {table}")
        # content_flags: a report is one moderation_flags row, as the repository writes it
        assert count == 0 if table == "content_flags" else count > 0, table
        assert count == summary.row_counts[table], table
    assert summary.row_counts["users"] == 200
    assert summary.row_counts["bills"] == 60
    assert summary.row_counts["bill_engagement"] == 1_200
    assert summary.row_counts["bill_comments"] == 600
    assert summary.row_counts["analytics_events"] == 2_000


def test_vote_tallies_equal_the_votes(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT c.id FROM bill_comments c
          LEFT JOIN (SELECT comment_id, count(*) FILTER (WHERE vote_type = 'up') AS up,
                            count(*) FILTER (WHERE vote_type = 'down') AS down
                       FROM comment_votes GROUP BY comment_id) v ON v.comment_id = c.id
         WHERE c.upvotes <> coalesce(v.up, 0) OR c.downvotes <> coalesce(v.down, 0)""",
    )
    _none(
        db,
        "SELECT v.id FROM comment_votes v JOIN bill_comments c ON c.id = v.comment_id"
        " WHERE v.user_id = c.user_id OR v.created_at < c.created_at",
    )
    assert scalar(db, "SELECT sum(upvotes + downvotes) FROM bill_comments") > 0


def test_engagement_counts_its_comments_and_shares(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT e.id FROM bill_engagement e
          LEFT JOIN (SELECT bill_id, user_id, count(*) AS n FROM bill_comments GROUP BY 1, 2) c
                 USING (bill_id, user_id)
          LEFT JOIN (SELECT bill_id, user_id, count(*) AS n FROM social_shares GROUP BY 1, 2) s
                 USING (bill_id, user_id)
         WHERE e.comment_count <> coalesce(c.n, 0) OR e.share_count <> coalesce(s.n, 0)
            OR e.engagement_score <> e.view_count + 5 * e.comment_count + 3 * e.share_count
            OR e.view_count < 1 OR e.last_engaged < e.created_at""",
    )
    _none(
        db,
        """
        SELECT c.id FROM bill_comments c
          LEFT JOIN bill_engagement e USING (bill_id, user_id) WHERE e.id IS NULL""",
    )


def test_bill_counters_equal_their_sources(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT b.id FROM bills b
          LEFT JOIN (SELECT bill_id, sum(view_count) AS v, sum(comment_count) AS c,
                            sum(share_count) AS s, sum(engagement_score) AS e
                       FROM bill_engagement GROUP BY bill_id) e ON e.bill_id = b.id
          LEFT JOIN (SELECT bill_id, count(*) AS n FROM bill_comments GROUP BY bill_id) c
                 ON c.bill_id = b.id
          LEFT JOIN (SELECT bill_id, count(*) AS n FROM social_shares GROUP BY bill_id) s
                 ON s.bill_id = b.id
         WHERE b.view_count <> coalesce(e.v, 0) OR b.comment_count <> coalesce(c.n, 0)
            OR b.comment_count <> coalesce(e.c, 0) OR b.share_count <> coalesce(s.n, 0)
            OR b.share_count <> coalesce(e.s, 0) OR b.engagement_score <> coalesce(e.e, 0)""",
    )


def test_popularity_is_skewed(db: psycopg.Connection[Any]) -> None:
    top_tenth = scalar(
        db,
        """
        SELECT sum(comment_count)::float / (SELECT sum(comment_count) FROM bills)
          FROM (SELECT comment_count FROM bills ORDER BY comment_count DESC LIMIT 6) t""",
    )
    assert top_tenth > 0.4  # a tenth of the bills draw far more than a tenth of the comments


def test_tags_match_and_sponsorships_name_the_primary_sponsor(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT b.id FROM bills b
          LEFT JOIN (SELECT bill_id, array_agg(tag ORDER BY tag) AS tags FROM bill_tags
                      GROUP BY bill_id) t ON t.bill_id = b.id
         WHERE b.tags IS DISTINCT FROM t.tags""",
    )
    _none(
        db,
        """
        SELECT b.id FROM bills b
         WHERE NOT EXISTS (SELECT FROM bill_sponsorships s
                            WHERE s.bill_id = b.id AND s.sponsor_id = b.sponsor_id
                              AND s.sponsorship_type = 'primary')""",
    )


def test_threads_stay_on_their_bill_and_in_time(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT c.id FROM bill_comments c JOIN bill_comments p ON p.id = c.parent_comment_id
         WHERE p.bill_id <> c.bill_id OR p.created_at > c.created_at OR p.id >= c.id""",
    )
    _none(
        db,
        """
        SELECT c.id FROM bill_comments c JOIN bills b ON b.id = c.bill_id
          JOIN users u ON u.id = c.user_id
         WHERE c.created_at < b.created_at OR c.created_at < u.created_at""",
    )
    assert scalar(db, "SELECT count(*) FROM bill_comments WHERE parent_comment_id IS NOT NULL") > 0


def test_moderation_points_at_real_content(db: psycopg.Connection[Any]) -> None:
    exists = """
        CASE {alias}.content_type
          WHEN 'bill_comment'
               THEN EXISTS (SELECT FROM bill_comments x WHERE x.id = {alias}.content_id)
          WHEN 'bill'
               THEN EXISTS (SELECT FROM bills x WHERE x.id = {alias}.content_id)
          WHEN 'user_profile'
               THEN EXISTS (SELECT FROM user_profiles x WHERE x.id = {alias}.content_id)
          WHEN 'sponsor_transparency'
               THEN EXISTS (SELECT FROM sponsor_transparency x WHERE x.id = {alias}.content_id)
          ELSE false END"""
    for table in (
        "content_analysis",
        "moderation_actions",
        "moderation_flags",
        "moderation_queue",
        "content_flags",
    ):
        _none(db, f"SELECT m.id FROM {table} m WHERE NOT ({exists.format(alias='m')})")
    # a comment is deleted exactly when a removal of it stands
    _none(
        db,
        """
        SELECT c.id FROM bill_comments c
         WHERE c.is_deleted <> EXISTS (SELECT FROM moderation_actions a
                                        WHERE a.content_type = 'bill_comment'
                                          AND a.content_id = c.id
                                          AND a.action_type = 'remove'
                                          AND a.reversed_at IS NULL)""",
    )
    assert scalar(db, "SELECT count(*) FROM moderation_queue WHERE status = 'pending'") > 0


def test_each_report_is_listed_once_by_its_content_s_item(db: psycopg.Connection[Any]) -> None:
    entries = """
        SELECT q.id AS item, q.content_type, q.content_id, (e->>'flag_id')::int AS flag_id,
               e->>'reason' AS reason, e->>'severity' AS severity
          FROM moderation_queue q, jsonb_array_elements(q.flags) e"""
    _none(
        db,
        f"""
        SELECT coalesce(e.flag_id, f.id) FROM ({entries}) e
          FULL JOIN moderation_flags f ON f.id = e.flag_id
         WHERE (e.content_type, e.content_id, e.reason, e.severity)
               IS DISTINCT FROM (f.content_type, f.content_id, f.flag_type, f.severity)""",
    )
    _none(db, f"SELECT flag_id FROM ({entries}) e GROUP BY flag_id HAVING count(*) > 1")
    _none(
        db,
        "SELECT content_type, content_id FROM moderation_queue"
        " GROUP BY content_type, content_id HAVING count(*) > 1",
    )
    # real severities: the reasons' defaults and reporters' "critical", not one default
    assert scalar(db, "SELECT count(DISTINCT severity) FROM moderation_flags") >= 3
    assert scalar(db, "SELECT max(jsonb_array_length(flags)) FROM moderation_queue") > 1


def test_items_sum_up_their_reports_as_the_repository_does(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT q.id FROM moderation_queue q
          JOIN LATERAL (
                SELECT count(*) AS n, bool_or(auto_detected) AS auto,
                       array_agg(DISTINCT status) AS statuses,
                       bool_and(reviewed_by IS NOT DISTINCT FROM q.moderator_id) AS same_moderator,
                       max(created_at) AS last_report, min(created_at) AS first_report
                  FROM moderation_flags f
                 WHERE f.content_type = q.content_type AND f.content_id = q.content_id) f ON true
         WHERE q.priority <> CASE q.status WHEN 'escalated' THEN 5 ELSE least(5, f.n) END
            OR q.auto_flagged IS DISTINCT FROM f.auto
            OR q.flag_reasons <> ARRAY(SELECT e->>'reason'
                                         FROM jsonb_array_elements(q.flags) WITH ORDINALITY e(e, n)
                                        GROUP BY 1 ORDER BY min(n))
            OR f.statuses::text <> CASE q.status WHEN 'pending' THEN '{pending}'
                                                 WHEN 'escalated' THEN '{escalated}'
                                                 WHEN 'rejected' THEN '{resolved}'
                                                 ELSE f.statuses::text END
            OR (q.status = 'approved' AND f.statuses::text NOT IN ('{dismissed}', '{resolved}'))
            OR NOT f.same_moderator
            OR q.created_at <> f.first_report AT TIME ZONE 'UTC'
            OR f.last_report > coalesce(q.reviewed_at AT TIME ZONE 'UTC', f.last_report)""",
    )


def test_a_decided_item_has_one_action_as_the_repository_records_it(
    db: psycopg.Connection[Any],
) -> None:
    _none(
        db,
        """
        SELECT q.id, a.id FROM moderation_queue q
          LEFT JOIN moderation_actions a USING (content_type, content_id)
         WHERE (q.status = 'pending') <> (a.id IS NULL)
            OR (a.id IS NOT NULL
                AND ((q.status, a.action_type) NOT IN (('rejected', 'remove'),
                        ('approved', 'approve'), ('approved', 'warn'), ('escalated', 'escalate'))
                     OR a.is_reversible <> (a.action_type = 'remove')
                     OR a.duration IS NOT NULL
                     OR a.moderator_id <> q.moderator_id
                     OR EXISTS (SELECT FROM moderation_flags f
                                 WHERE f.content_type = q.content_type
                                   AND f.content_id = q.content_id
                                   AND f.resolution IS DISTINCT FROM a.reason)))""",
    )
    _none(
        db,
        "SELECT id FROM moderation_actions WHERE action_type = 'remove'"
        " AND content_type NOT IN ('bill_comment', 'user_profile')",
    )
    _none(
        db,
        """
        SELECT p.id FROM user_profiles p
          JOIN moderation_actions a
            ON a.content_type = 'user_profile' AND a.content_id = p.id
           AND a.action_type = 'remove' AND a.reversed_at IS NULL
         WHERE p.is_public""",
    )


def _whole_queue(uow: UnitOfWork) -> list[QueueEntry]:
    """Every item, decided ones too, page by page as a moderator's screen reads them."""
    everything = {"status": list(QueueStatus)}
    entries: list[QueueEntry] = []
    page = uow.moderation.queue(everything, page_size=100)
    while page.items:
        entries += page.items
        page = uow.moderation.queue(everything, page=page.page + 1, page_size=100)
    return entries


def test_the_repository_reads_and_extends_the_seeded_queue(
    seeded: tuple[DatabaseUrl, SeedSummary], db: psycopg.Connection[Any]
) -> None:
    url, summary = seeded
    config = DatabaseConfig.for_environment(Environment.TEST, url=url)
    with Database(config) as database:
        with database.unit_of_work() as uow:
            entries = _whole_queue(uow)
        assert len(entries) == scalar(db, "SELECT count(*) FROM moderation_queue")
        for entry in entries:
            reports, highest = db.execute(
                """SELECT count(*), max(CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                                                      WHEN 'medium' THEN 2 ELSE 1 END)
                     FROM moderation_flags WHERE content_type = %s AND content_id = %s""",
                (entry.item.content_type, entry.item.content_id),
            ).fetchone() or (0, 0)
            assert entry.flag_count == reports, entry.item
            assert entry.severity.rank == highest, entry.item
        assert {entry.severity for entry in entries} - {Severity.MEDIUM}  # not all the default
        assert max(entry.flag_count for entry in entries) > 1
        entry = next(e for e in entries if e.item.status in ("pending", "escalated"))
        moderator = uuid.UUID(summary.known.moderator_id)
        with pytest.raises(_RolledBack):
            _flag_then_decide(database, entry, _new_reporter(db, entry), moderator)


class _RolledBack(Exception):
    """Leaves the shared seeded database as it was."""


def _new_reporter(db: psycopg.Connection[Any], entry: QueueEntry) -> uuid.UUID:
    """A user with no report of ``entry``'s content."""
    found = scalar(
        db,
        "SELECT id::text FROM users WHERE id NOT IN (SELECT reported_by FROM moderation_flags"
        " WHERE content_type = %s AND content_id = %s) ORDER BY id LIMIT 1",
        (entry.item.content_type, entry.item.content_id),
    )
    return uuid.UUID(found)


def _flag_then_decide(
    database: Database, entry: QueueEntry, reporter: uuid.UUID, moderator: uuid.UUID
) -> None:
    """A new report merges into the seeded item; deciding it closes every report; undone."""
    with database.unit_of_work(actor=moderator) as uow:
        content = (entry.item.content_type, entry.item.content_id)
        flagged = uow.moderation.flag(content, "spam", reporter)
        assert (flagged.item.id, flagged.flag_count) == (entry.item.id, entry.flag_count + 1)
        assert flagged.item.priority == min(5, max(entry.item.priority, entry.flag_count + 1))
        decided = uow.moderation.decide(entry.item.id, "approve", moderator, reason="fine")
        assert decided.flags_closed == entry.flag_count + 1
        raise _RolledBack


def test_sessions_and_tokens_expire_realistically(db: psycopg.Connection[Any]) -> None:
    now = AS_OF.isoformat()
    _none(db, "SELECT id FROM sessions WHERE expires_at <> created_at + interval '30 days'")
    _none(db, f"SELECT id FROM sessions WHERE is_active AND expires_at <= '{now}'")
    _none(db, "SELECT id FROM password_resets WHERE expires_at <> created_at + interval '1 hour'")
    _none(
        db,
        """
        SELECT s.id FROM sessions s JOIN refresh_tokens r ON r.session_id = s.id
         GROUP BY s.id, s.is_active
        HAVING count(*) FILTER (WHERE NOT r.is_revoked)
          <> (CASE WHEN s.is_active THEN 1 ELSE 0 END)""",
    )
    assert scalar(db, f"SELECT count(*) FROM sessions WHERE is_active AND expires_at > '{now}'") > 0


def test_daily_summary_is_the_events_rolled_up(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        WITH rolled AS (SELECT (created_at AT TIME ZONE 'UTC')::date, event_type, event_category,
                               count(*), count(DISTINCT user_id), count(DISTINCT session_id),
                               count(bill_id), count(comment_id),
                               count(*) FILTER (WHERE event_type = 'search')
                          FROM analytics_events GROUP BY 1, 2, 3),
             stored AS (SELECT date, event_type, event_category, total_events, unique_users,
                               unique_sessions, bill_interactions, comment_interactions,
                               search_queries
                          FROM analytics_daily_summary)
        (TABLE rolled EXCEPT TABLE stored) UNION ALL (TABLE stored EXCEPT TABLE rolled)""",
    )


def test_user_and_bill_rollups_match_events_and_comments(db: psycopg.Connection[Any]) -> None:
    window = "(SELECT min(date) FROM analytics_daily_summary)"
    _none(
        db,
        f"""
        WITH ev AS (SELECT user_id, (created_at AT TIME ZONE 'UTC')::date AS date,
                           count(*) FILTER (WHERE event_type = 'bill_view') AS viewed,
                           count(*) FILTER (WHERE event_type = 'search') AS searches
                      FROM analytics_events WHERE user_id IS NOT NULL GROUP BY 1, 2),
             cm AS (SELECT user_id, created_at::date AS date, count(*) AS posted FROM bill_comments
                     WHERE created_at::date >= {window} GROUP BY 1, 2)
        SELECT coalesce(ev.user_id, cm.user_id), u.id FROM ev FULL JOIN cm USING (user_id, date)
          FULL JOIN user_activity_summary u
            ON u.user_id = coalesce(ev.user_id, cm.user_id) AND u.date = coalesce(ev.date, cm.date)
         WHERE u.id IS NULL OR u.bills_viewed <> coalesce(ev.viewed, 0)
            OR u.searches_performed <> coalesce(ev.searches, 0)
            OR u.comments_posted <> coalesce(cm.posted, 0)""",
    )
    _none(
        db,
        f"""
        WITH ev AS (SELECT bill_id, (created_at AT TIME ZONE 'UTC')::date AS date,
                           count(*) FILTER (WHERE event_type = 'bill_view') AS views,
                           count(DISTINCT user_id) FILTER (WHERE event_type = 'bill_view')
                             AS viewers,
                           count(*) FILTER (WHERE event_type = 'share') AS shares
                      FROM analytics_events
                     WHERE event_type IN ('bill_view', 'share', 'bill_track')
                       AND bill_id IS NOT NULL
                     GROUP BY 1, 2),
             cm AS (SELECT bill_id, created_at::date AS date, count(*) AS n FROM bill_comments
                     WHERE created_at::date >= {window} GROUP BY 1, 2)
        SELECT coalesce(ev.bill_id, cm.bill_id), s.id FROM ev FULL JOIN cm USING (bill_id, date)
          FULL JOIN bill_analytics_summary s
            ON s.bill_id = coalesce(ev.bill_id, cm.bill_id) AND s.date = coalesce(ev.date, cm.date)
         WHERE s.id IS NULL OR s.views <> coalesce(ev.views, 0)
            OR s.unique_viewers <> coalesce(ev.viewers, 0) OR s.shares <> coalesce(ev.shares, 0)
            OR s.comments <> coalesce(cm.n, 0)
            OR s.comments <> s.sentiment_positive + s.sentiment_negative + s.sentiment_neutral""",
    )


def test_events_reference_what_existed_then(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT e.id FROM analytics_events e
          LEFT JOIN bills b ON b.id = e.bill_id
          LEFT JOIN bill_comments c ON c.id = e.comment_id
          LEFT JOIN users u ON u.id = e.user_id
         WHERE e.created_at AT TIME ZONE 'UTC' < b.created_at
            OR e.created_at AT TIME ZONE 'UTC' < c.created_at
            OR e.created_at AT TIME ZONE 'UTC' < u.created_at
            OR (c.id IS NOT NULL AND c.bill_id <> e.bill_id)""",
    )


def test_notifications_reach_engaged_users(db: psycopg.Connection[Any]) -> None:
    _none(
        db,
        """
        SELECT n.id FROM notifications n
         WHERE n.type = 'bill_status_change'
           AND NOT EXISTS (SELECT FROM bill_engagement e
                            WHERE e.bill_id = n.related_bill_id AND e.user_id = n.user_id)""",
    )
    _none(
        db,
        """
        SELECT n.id FROM notifications n
         WHERE n.type = 'comment_reply'
           AND NOT EXISTS (SELECT FROM bill_comments p
                            WHERE p.user_id = n.user_id AND p.bill_id = n.related_bill_id)""",
    )
    assert scalar(db, "SELECT count(DISTINCT type) FROM notifications") == 3


def test_known_values_hold(
    seeded: tuple[DatabaseUrl, SeedSummary], db: psycopg.Connection[Any]
) -> None:
    known = seeded[1].known
    assert (
        scalar(db, "SELECT id FROM bills ORDER BY view_count DESC LIMIT 1")
        == known.most_popular_bill_id
    )
    assert scalar(db, "SELECT title FROM bills WHERE id = %s", (known.most_popular_bill_id,)) == (
        known.most_popular_bill_title
    )
    assert scalar(db, "SELECT id FROM bills ORDER BY comment_count DESC, id LIMIT 1") == (
        known.most_commented_bill_id
    )
    matches = scalar(
        db,
        "SELECT count(*) FROM bills, websearch_to_tsquery('english', %s) q"
        " WHERE search_vector @@ q",
        (known.search_phrase,),
    )
    assert matches >= known.search_min_matches > 0
    assert (
        scalar(
            db,
            "SELECT u.id::text FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.id = %s AND s.token IS NULL AND s.is_active AND s.expires_at > %s",
            (known.session_token_hash, AS_OF),
        )
        == known.session_user_id
    )
    assert scalar(db, "SELECT role FROM users WHERE id = %s", (known.moderator_id,)) == "moderator"
    assert scalar(db, "SELECT email FROM users WHERE id = %s", (known.moderator_id,)) == (
        known.moderator_email
    )
    assert (
        scalar(
            db,
            "SELECT count(*) FROM notifications WHERE user_id = %s AND NOT is_read",
            (known.notified_user_id,),
        )
        == known.notified_user_unread
    )
    assert scalar(db, "SELECT count(*) FROM moderation_queue WHERE status = 'pending'") == (
        known.pending_queue_items
    )
    assert scalar(db, "SELECT max(upvotes + downvotes) FROM bill_comments") == scalar(
        db,
        "SELECT upvotes + downvotes FROM bill_comments WHERE id = %s",
        (known.most_voted_comment_id,),
    )


def test_sequences_continue_after_the_loaded_ids(db: psycopg.Connection[Any]) -> None:
    bill_id = scalar(db, "SELECT max(id) FROM bills")
    with db.transaction(force_rollback=True):
        new_id = scalar(
            db,
            "INSERT INTO bill_tags (bill_id, tag) VALUES (%s, 'sequence-check') RETURNING id",
            (bill_id,),
        )
        assert new_id == scalar(db, "SELECT count(*) FROM bill_tags")


def test_every_time_is_in_range_and_nothing_was_created_after_as_of(
    db: psycopg.Connection[Any],
) -> None:
    creation = {"created_at", "analyzed_at", "recorded_at", "timestamp"}
    for table in LOAD_ORDER:
        for column in REGISTRY.table(table).columns:
            if column.kind.value not in ("timestamp", "timestamptz", "date"):
                continue
            utc = " AT TIME ZONE 'UTC'" if column.kind.value == "timestamptz" else ""
            low, high, created_late = db.execute(
                sql.SQL(
                    "SELECT min({c}{utc})::date, max({c}{utc})::date,"
                    " coalesce(bool_or({c}{utc} > {as_of}), false) FROM {t}"
                ).format(
                    c=sql.Identifier(column.name),
                    utc=sql.SQL(utc),
                    as_of=sql.Literal(AS_OF.isoformat()),
                    t=sql.Identifier(table),
                )
            ).fetchone() or (None, None, None)
            if low is None:
                continue
            assert AS_OF.replace(year=AS_OF.year - 21) <= low, (table, column.name, low)
            assert high <= AS_OF.replace(year=AS_OF.year + 3), (table, column.name, high)
            assert not (column.name in creation and created_late), (table, column.name)


def test_the_seeded_session_authenticates_through_the_repository(
    database_url: DatabaseUrl,
) -> None:
    summary = seed(database_url, "tiny", seed=3)  # as of today: its sessions are live now
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url)
    with Database(config) as database, database.unit_of_work() as uow:
        found = uow.sessions.get_active_with_user(summary.known.session_token_hash)
    assert found is not None
    assert str(found.user.id) == summary.known.session_user_id
