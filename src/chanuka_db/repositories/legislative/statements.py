"""SQL shared by several legislative repositories: the engagement upsert and comment rows.

Both are fragments of ``trusted`` statements (literal text; every value a bound parameter),
written once and composed by the repositories that need them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from chanuka_db.repositories.arguments import (
    check_page,
)
from chanuka_db.repositories.legislative.rows import CommentView
from chanuka_db.sql import Page, Trusted, trusted

if TYPE_CHECKING:
    from chanuka_db.sql import Executor

__all__ = [
    "COMMENT_COLUMNS",
    "ENGAGE",
    "LATEST_COMMENTS",
    "comment_views",
    "map_page",
    "windowed_page",
]

T = TypeVar("T")
U = TypeVar("U")

# The engagement write, as two CTEs over a CTE ``src(bill_id, user_id, views, comments,
# shares, score)`` that the caller defines (one row per (bill, user)):
#   e       adds src to each user's counters and score: one INSERT ... ON CONFLICT DO UPDATE,
#           so the first engagement creates the row and later ones increment it atomically;
#   bumped  adds the same amounts to the bills' counters (col = col + n, under the row lock).
# ``bumped`` reads its bill ids through ``e``, so the user's row is always locked before the
# bill's row: every writer of both takes the locks in that order and none can deadlock.
# ``bills.updated_at`` is left alone: engagement is not an edit of the bill.
ENGAGE: Final = (
    "e AS ("
    " INSERT INTO bill_engagement AS be"
    " (bill_id, user_id, view_count, comment_count, share_count, engagement_score, last_engaged)"
    " SELECT bill_id, user_id, views, comments, shares, score, now() FROM src"
    " ON CONFLICT (bill_id, user_id) DO UPDATE SET"
    " view_count = be.view_count + EXCLUDED.view_count,"
    " comment_count = be.comment_count + EXCLUDED.comment_count,"
    " share_count = be.share_count + EXCLUDED.share_count,"
    " engagement_score = be.engagement_score + EXCLUDED.engagement_score,"
    " last_engaged = now(), updated_at = now()"
    " RETURNING be.*),"
    " bumped AS ("
    " UPDATE bills AS b SET view_count = b.view_count + d.views,"
    " comment_count = b.comment_count + d.comments,"
    " share_count = b.share_count + d.shares,"
    " engagement_score = b.engagement_score + d.score"
    " FROM (SELECT bill_id, sum(views) AS views, sum(comments) AS comments,"
    " sum(shares) AS shares, sum(score) AS score FROM src"
    " WHERE bill_id IN (SELECT bill_id FROM e) GROUP BY bill_id) AS d"
    " WHERE b.id = d.bill_id)"
)

# A CommentView from ``bill_comments AS c JOIN users AS u``. A soft-deleted comment keeps
# its place in the thread, but its text and author are not shown.
COMMENT_COLUMNS: Final = (
    "c.id, c.bill_id,"
    " CASE WHEN c.is_deleted THEN NULL ELSE c.user_id END,"
    " CASE WHEN c.is_deleted THEN NULL ELSE u.name END,"
    " CASE WHEN c.is_deleted THEN NULL ELSE c.content END,"
    " c.comment_type, c.is_verified, c.parent_comment_id, c.upvotes, c.downvotes,"
    " c.is_deleted, c.created_at, c.updated_at,"
    " (SELECT count(*) FROM bill_comments AS r WHERE r.parent_comment_id = c.id)::int"
)
_WIDTH: Final = 14

LATEST_COMMENTS: Final = trusted(
    "SELECT " + COMMENT_COLUMNS + " FROM bill_comments AS c JOIN users AS u ON u.id = c.user_id"
    " WHERE c.bill_id = %(bill)s AND NOT c.is_deleted"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s"
)


def comment_views(rows: Sequence[Sequence[Any]]) -> list[CommentView]:
    """CommentViews from rows that start with :data:`COMMENT_COLUMNS`."""
    return [CommentView(*row[:_WIDTH]) for row in rows]


def windowed_page(
    ex: Executor,
    statement: Trusted,
    count_statement: Trusted,
    params: Mapping[str, Any],
    *,
    page: int,
    page_size: int,
    build: Callable[[list[tuple[Any, ...]]], list[T]],
) -> Page[T]:
    """A page from ``statement``, whose last column is the total (``count(*) OVER ()``).

    ``statement`` takes ``%(limit)s``/``%(offset)s``. One statement; past the last page
    (no row to carry the total) ``count_statement`` counts. ``build`` makes the items.
    """
    number, size = check_page(page, page_size)
    offset = (number - 1) * size
    rows = ex.fetch_trusted(statement, {**params, "limit": size, "offset": offset})
    if rows:
        total = int(rows[0][-1])
    else:
        total = 0 if offset == 0 else int(ex.fetch_trusted(count_statement, params)[0][0])
    items = build(rows)
    return Page(items, total, number, size, offset + len(items) < total)


def map_page(page: Page[T], make: Callable[[T], U]) -> Page[U]:
    """The same page with each item made into something else."""
    return Page(
        [make(item) for item in page.items], page.total, page.page, page.page_size, page.has_next
    )
