"""Comments on bills (threads, posting, editing, soft deletion) and votes on comments.

Counters, and what keeps them:

- ``bill_comments.upvotes``/``downvotes`` equal the comment's ``comment_votes`` rows by
  type, under any concurrency: every vote write first locks the comment's row
  (``FOR NO KEY UPDATE``), so writes to one comment's votes take turns, and each then
  adjusts (``toggle``) or recounts (generic writes) the tallies in the same transaction.
- Posting a comment counts as engagement of kind ``comment`` (the author's
  ``bill_engagement`` row and the bill's ``comment_count``/``engagement_score``), in the
  same statement as the insert. Soft deletion keeps the row and the counts: the comment
  stays in its thread as a placeholder, and what the user did stays done.
"""

from __future__ import annotations

import builtins
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final, LiteralString

from chanuka_db.errors import InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    check_choice,
    check_collection,
    check_id,
    check_int,
    check_text,
    check_uuid,
)
from chanuka_db.repositories.base import TableRepository
from chanuka_db.repositories.legislative.rows import (
    CommentSort,
    CommentStats,
    CommentType,
    CommentView,
    EngagementKind,
    Thread,
    VoteResult,
    VoteType,
)
from chanuka_db.repositories.legislative.statements import (
    COMMENT_COLUMNS,
    ENGAGE,
    comment_views,
    windowed_page,
)
from chanuka_db.sql import NOW, Page, Trusted, assign, trusted, update
from chanuka_db.types import (
    UNSET,
    BillComment,
    BillCommentPatch,
    CommentVote,
    CommentVotePatch,
    NewBillComment,
    NewCommentVote,
    Param,
    tables,
)
from chanuka_db.types.models import Insert, Patch

__all__ = ["MAX_COMMENT_CHARS", "BillCommentRepository", "CommentVoteRepository"]

MAX_COMMENT_CHARS: Final = 10_000
MAX_REPLIES_SHOWN: Final = 20
_c = tables.bill_comments

# Insert the comment if its parent (if any) is a live comment of the same bill, and count it
# as the author's engagement: one statement. No row back: the parent did not qualify.
_ADD: Final = trusted(
    "WITH c AS (INSERT INTO bill_comments"
    " (bill_id, user_id, content, comment_type, is_verified, parent_comment_id,"
    " created_at, updated_at)"
    " SELECT %(bill)s::int, %(user)s::uuid, %(content)s::text, %(type)s::text,"
    " %(verified)s::boolean, %(parent)s::int,"
    " coalesce(%(created)s::timestamp, now()),"
    " coalesce(%(updated)s::timestamp, %(created)s::timestamp, now())"
    " WHERE %(parent)s::int IS NULL OR EXISTS (SELECT FROM bill_comments AS p"
    " WHERE p.id = %(parent)s::int AND p.bill_id = %(bill)s::int AND NOT p.is_deleted)"
    " RETURNING *),"
    " src AS (SELECT bill_id, user_id, 0 AS views, 1 AS comments, 0 AS shares,"
    " %(weight)s::numeric AS score FROM c), " + ENGAGE + " SELECT * FROM c"
)
# After a bulk insert: count the comments as engagement, and report replies whose parent
# is not a live comment of the same bill (then the caller rolls everything back).
_ENGAGE_ADDED: Final = trusted(
    "WITH src AS (SELECT bill_id, user_id, 0 AS views, count(*)::int AS comments, 0 AS shares,"
    " count(*) * %(weight)s::numeric AS score FROM bill_comments WHERE id = ANY(%(ids)s::int[])"
    " GROUP BY bill_id, user_id ORDER BY bill_id, user_id), " + ENGAGE + " SELECT count(*)"
    " FROM bill_comments AS c JOIN bill_comments AS p ON p.id = c.parent_comment_id"
    " WHERE c.id = ANY(%(ids)s::int[]) AND (p.bill_id <> c.bill_id OR p.is_deleted)"
)
_EDIT: Final = (
    update(_c)
    .set(assign(_c.content, Param("content")), assign(_c.updated_at, NOW))
    .where((_c.id == Param("comment")) & (_c.user_id == Param("user")) & _c.is_deleted.eq(False))
    .returning(BillComment)
)
_SOFT_DELETE: Final = (
    update(_c)
    .set(assign(_c.is_deleted, True), assign(_c.updated_at, NOW))
    .where((_c.id == Param("comment")) & (_c.user_id == Param("user")) & _c.is_deleted.eq(False))
)
_STATS: Final = trusted(
    "SELECT EXISTS (SELECT FROM bills WHERE id = %(bill)s), count(*)::int,"
    " (count(*) FILTER (WHERE parent_comment_id IS NULL))::int,"
    " (count(*) FILTER (WHERE parent_comment_id IS NOT NULL))::int,"
    " (count(*) FILTER (WHERE is_deleted))::int, (count(*) FILTER (WHERE is_verified))::int,"
    " count(DISTINCT user_id)::int, coalesce(sum(upvotes), 0)::int,"
    " coalesce(sum(downvotes), 0)::int, max(created_at)"
    " FROM bill_comments WHERE bill_id = %(bill)s"
)


def _threads(order: LiteralString) -> Trusted:
    """A page of top-level comments in ``order``, with the total in every row.

    The page is cut first, so authors and reply counts are looked up for its rows only.
    The total is an uncorrelated subquery (run once, an index-only count), not a window
    over every comment: the recent and oldest pages then read 20 rows by the index.
    """
    return trusted(
        "WITH c AS (SELECT *, (SELECT count(*) FROM bill_comments"
        " WHERE bill_id = %(bill)s AND parent_comment_id IS NULL) AS total FROM bill_comments AS c"
        " WHERE c.bill_id = %(bill)s AND c.parent_comment_id IS NULL"
        " ORDER BY " + order + " LIMIT %(limit)s OFFSET %(offset)s)"
        " SELECT " + COMMENT_COLUMNS + ", c.total FROM c JOIN users AS u ON u.id = c.user_id"
        " ORDER BY " + order
    )


_THREADS: Final = {
    CommentSort.RECENT: _threads("c.created_at DESC, c.id DESC"),
    CommentSort.OLDEST: _threads("c.created_at, c.id"),
    CommentSort.POPULAR: _threads(
        # bigint as in the index (migration 0019): the score of int counters never overflows
        "c.upvotes::bigint - c.downvotes DESC, c.created_at DESC, c.id DESC"
    ),
    CommentSort.VERIFIED: _threads("c.is_verified DESC, c.created_at DESC, c.id DESC"),
}
_COUNT_THREADS: Final = trusted(
    "SELECT count(*) FROM bill_comments WHERE bill_id = %(bill)s AND parent_comment_id IS NULL"
)
# The first %(limit)s replies (oldest first) of each parent: a top-N per parent, one statement.
_FIRST_REPLIES: Final = trusted(
    "SELECT " + COMMENT_COLUMNS + " FROM unnest(%(parents)s::int[]) AS p(id)"
    " CROSS JOIN LATERAL (SELECT * FROM bill_comments AS x WHERE x.parent_comment_id = p.id"
    " ORDER BY x.created_at, x.id LIMIT %(limit)s) AS c"
    " JOIN users AS u ON u.id = c.user_id ORDER BY c.parent_comment_id, c.created_at, c.id"
)
_REPLIES: Final = trusted(
    "SELECT " + COMMENT_COLUMNS + ", count(*) OVER () FROM bill_comments AS c"
    " JOIN users AS u ON u.id = c.user_id WHERE c.parent_comment_id = %(parent)s"
    " ORDER BY c.created_at, c.id LIMIT %(limit)s OFFSET %(offset)s"
)
_COUNT_REPLIES: Final = trusted(
    "SELECT count(*) FROM bill_comments WHERE parent_comment_id = %(parent)s"
)
# Columns a comment gets from the repository, never from the caller.
_MANAGED: Final = ("id", "upvotes", "downvotes", "is_deleted")
_FIXED: Final = ("bill_id", "user_id", "parent_comment_id", "upvotes", "downvotes")


def _check_new(name: str, new: NewBillComment) -> None:
    """The author's part of a new comment: text, type and parent are checked here."""
    changes = new.changes()
    for field in _MANAGED:
        if field in changes:
            raise InvalidInput(f"{name}.{field}", "is set by the repository, not by the caller")
    check_id(f"{name}.bill_id", new.bill_id)
    check_uuid(f"{name}.user_id", new.user_id)
    check_text(f"{name}.content", new.content, max_length=MAX_COMMENT_CHARS)
    if new.comment_type is not UNSET:
        check_choice(f"{name}.comment_type", new.comment_type, CommentType)
    if new.parent_comment_id not in (UNSET, None):
        check_id(f"{name}.parent_comment_id", new.parent_comment_id)


def _threads_from(rows: list[tuple[Any, ...]], replies: list[CommentView]) -> list[Thread]:
    by_parent: dict[int | None, list[CommentView]] = defaultdict(list)
    for reply in replies:
        by_parent[reply.parent_comment_id].append(reply)
    return [Thread(comment, by_parent[comment.id]) for comment in comment_views(rows)]


class BillCommentRepository(TableRepository[BillComment, NewBillComment, BillCommentPatch]):
    """Comments on bills: threads, posting (counted as engagement), owner edits, soft delete."""

    table = tables.bill_comments
    default_sort = (tables.bill_comments.created_at.desc(), tables.bill_comments.id.desc())

    def add(self, new: NewBillComment) -> BillComment:
        """Post a comment (a reply when ``parent_comment_id`` is set): 1 statement.

        The parent must be a live comment of the same bill (``InvalidInput`` otherwise); a
        missing bill or user is ``InvalidReference``. The comment counts as the author's
        engagement of kind ``comment`` (their row and the bill's counters).
        """
        self._check_input(new, Insert, "new")
        _check_new("new", new)
        params = {
            "bill": new.bill_id,
            "user": new.user_id,
            "content": new.content,
            "type": CommentType.GENERAL.value if new.comment_type is UNSET else new.comment_type,
            "verified": False if new.is_verified is UNSET else new.is_verified,
            "parent": None if new.parent_comment_id is UNSET else new.parent_comment_id,
            # Given times are kept (imports, back-fills); otherwise the database's now().
            "created": None if new.created_at is UNSET else new.created_at,
            "updated": None if new.updated_at is UNSET else new.updated_at,
            "weight": EngagementKind.COMMENT.weight,
        }
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_ADD, params)
        if not rows:
            raise InvalidInput(
                "parent_comment_id", "must be a comment of the same bill that is not deleted"
            )
        return BillComment(*rows[0])

    def add_many(
        self, news: Iterable[NewBillComment], *, batch_size: int = 500
    ) -> builtins.list[BillComment]:
        """Post comments in bulk (imports), in one transaction.

        Multi-row INSERTs, then 1 statement that counts the engagement and checks the
        parents: when a parent is not a live comment of the same bill, nothing stays.
        """
        items = check_collection("news", news)
        check_int("batch_size", batch_size, low=1, high=5000)
        for index, item in enumerate(items):
            self._check_input(item, Insert, f"news[{index}]")
            _check_new(f"news[{index}]", item)
        with self._runner.atomic() as ex:
            rows = super().add_many(items, batch_size=batch_size)
            params = {"ids": [row.id for row in rows], "weight": EngagementKind.COMMENT.weight}
            if rows and ex.fetch_trusted(_ENGAGE_ADDED, params)[0][0]:
                raise InvalidInput(
                    "parent_comment_id", "must be a comment of the same bill that is not deleted"
                )
        return rows

    def update(self, key: Any, patch: BillCommentPatch) -> BillComment:
        """Change a comment's text, type or flags; it cannot move, and votes are counted."""
        self._check_input(patch, Patch, "patch")
        for field in _FIXED:
            if field in patch.changes():
                raise InvalidInput(f"patch.{field}", "cannot be changed on a comment")
        if patch.content is not UNSET:
            check_text("patch.content", patch.content, max_length=MAX_COMMENT_CHARS)
        if patch.comment_type is not UNSET:
            check_choice("patch.comment_type", patch.comment_type, CommentType)
        return super().update(key, patch)

    def list_threaded(
        self,
        bill_id: int,
        sort: CommentSort | str = CommentSort.RECENT,
        *,
        page: int = 1,
        page_size: int = 20,
        replies: int = 3,
    ) -> Page[Thread]:
        """A page of the bill's top-level comments with their first ``replies`` replies.

        Each comment carries its author's name and its number of replies; the total counts
        top-level comments. Sorts: ``recent``, ``oldest``, ``popular`` (upvotes minus
        downvotes), ``verified`` (verified first, then recent). 2 statements whatever the
        page size (1 for a page with no comments or ``replies=0``).
        """
        order = check_choice("sort", sort, CommentSort)
        shown = check_int("replies", replies, low=0, high=MAX_REPLIES_SHOWN)
        params = {"bill": check_id("bill_id", bill_id)}
        with self._runner.reading() as ex:

            def build(rows: list[tuple[Any, ...]]) -> list[Thread]:
                if not rows or not shown:
                    return _threads_from(rows, [])
                found = ex.fetch_trusted(
                    _FIRST_REPLIES, {"parents": [row[0] for row in rows], "limit": shown}
                )
                return _threads_from(rows, comment_views(found))

            return windowed_page(
                ex,
                _THREADS[order],
                _COUNT_THREADS,
                params,
                page=page,
                page_size=page_size,
                build=build,
            )

    def replies(self, comment_id: int, *, page: int = 1, page_size: int = 20) -> Page[CommentView]:
        """A page of a comment's direct replies, oldest first, with the total: 1 statement."""
        params = {"parent": check_id("comment_id", comment_id)}
        with self._runner.reading() as ex:
            return windowed_page(
                ex,
                _REPLIES,
                _COUNT_REPLIES,
                params,
                page=page,
                page_size=page_size,
                build=comment_views,
            )

    def edit(self, comment_id: int, user_id: uuid.UUID, content: str) -> BillComment:
        """The author changes their comment's text: 1 statement.

        :class:`NotFound` when there is no live comment ``comment_id`` by ``user_id``.
        """
        params = {
            "comment": check_id("comment_id", comment_id),
            "user": check_uuid("user_id", user_id),
            "content": check_text("content", content, max_length=MAX_COMMENT_CHARS),
        }
        with self._runner.reading() as ex:
            row = _EDIT.fetch_optional(ex, **params)
        if row is None:
            raise NotFound("bill_comments", comment_id)
        return row

    def soft_delete(self, comment_id: int, user_id: uuid.UUID) -> None:
        """The author deletes their comment: flagged ``is_deleted``, the row kept: 1 statement.

        Its replies and votes stay; threads show it as a placeholder. :class:`NotFound`
        when there is no live comment ``comment_id`` by ``user_id``.
        """
        params = {
            "comment": check_id("comment_id", comment_id),
            "user": check_uuid("user_id", user_id),
        }
        with self._runner.reading() as ex:
            deleted = _SOFT_DELETE.execute(ex, **params)
        if not deleted:
            raise NotFound("bill_comments", comment_id)

    def stats(self, bill_id: int) -> CommentStats:
        """Counts over the bill's comments (all of them, deleted ones included): 1 statement."""
        params = {"bill": check_id("bill_id", bill_id)}
        with self._runner.reading() as ex:
            ((exists, *counts),) = ex.fetch_trusted(_STATS, params)
        if not exists:
            raise NotFound("bills", bill_id)
        return CommentStats(bill_id, *counts)


# -- votes -----------------------------------------------------------------------------------

_LOCK_COMMENTS: Final = trusted(
    "SELECT id, is_deleted FROM bill_comments WHERE id = ANY(%(ids)s::int[])"
    " ORDER BY id FOR NO KEY UPDATE"
)
_LOCK_COMMENT_OF_VOTE: Final = trusted(
    "SELECT id FROM bill_comments"
    " WHERE id = (SELECT comment_id FROM comment_votes WHERE id = %(vote)s) FOR NO KEY UPDATE"
)
# Run with the comment's row locked (so this snapshot sees every earlier vote on it): the
# user's vote goes none -> vote, vote -> none (same type again) or other type -> vote, and
# the tallies move by the same amounts, in one statement.
_TOGGLE: Final = trusted(
    "WITH old AS (SELECT id, vote_type FROM comment_votes"
    " WHERE comment_id = %(comment)s AND user_id = %(user)s),"
    " change AS (SELECT (SELECT vote_type FROM old) AS before,"
    " CASE WHEN (SELECT vote_type FROM old) IS NOT DISTINCT FROM %(vote)s::text THEN NULL"
    " ELSE %(vote)s::text END AS after),"
    " removed AS (DELETE FROM comment_votes AS v USING old, change"
    " WHERE v.id = old.id AND change.after IS NULL),"
    " changed AS (UPDATE comment_votes AS v SET vote_type = change.after, updated_at = now()"
    " FROM old, change WHERE v.id = old.id AND change.after IS NOT NULL),"
    " added AS (INSERT INTO comment_votes (comment_id, user_id, vote_type)"
    " SELECT %(comment)s::int, %(user)s::uuid, change.after FROM change"
    " WHERE change.before IS NULL)"
    " UPDATE bill_comments AS c SET"
    " upvotes = c.upvotes + (change.after IS NOT DISTINCT FROM 'up')::int"
    " - (change.before IS NOT DISTINCT FROM 'up')::int,"
    " downvotes = c.downvotes + (change.after IS NOT DISTINCT FROM 'down')::int"
    " - (change.before IS NOT DISTINCT FROM 'down')::int"
    " FROM change WHERE c.id = %(comment)s RETURNING change.after, c.upvotes, c.downvotes"
)
_RECOUNT: Final = trusted(
    "UPDATE bill_comments AS c SET"
    " upvotes = (SELECT count(*) FROM comment_votes AS v"
    " WHERE v.comment_id = c.id AND v.vote_type = 'up'),"
    " downvotes = (SELECT count(*) FROM comment_votes AS v"
    " WHERE v.comment_id = c.id AND v.vote_type = 'down')"
    " WHERE c.id = ANY(%(ids)s::int[])"
)


class CommentVoteRepository(TableRepository[CommentVote, NewCommentVote, CommentVotePatch]):
    """Votes on comments; the comments' tallies always equal the votes (module docs)."""

    table = tables.comment_votes

    def toggle(self, comment_id: int, user_id: uuid.UUID, vote: VoteType | str) -> VoteResult:
        """The user votes ``vote`` on a comment; the same vote again withdraws it.

        One transaction of 2 statements: lock the comment, then change the vote and the
        tallies together. :class:`NotFound` for a missing comment, :class:`InvalidInput`
        for a deleted one.
        """
        kind = check_choice("vote", vote, VoteType)
        comment = check_id("comment_id", comment_id)
        params = {"comment": comment, "user": check_uuid("user_id", user_id), "vote": kind.value}
        with self._runner.atomic() as ex:
            locked = ex.fetch_trusted(_LOCK_COMMENTS, {"ids": [comment]})
            if not locked:
                raise NotFound("bill_comments", comment_id)
            if locked[0][1]:
                raise InvalidInput("comment_id", "the comment is deleted: it takes no votes")
            ((after, upvotes, downvotes),) = ex.fetch_trusted(_TOGGLE, params)
        return VoteResult(comment, None if after is None else VoteType(after), upvotes, downvotes)

    def add(self, new: NewCommentVote) -> CommentVote:
        """Insert a vote and count it: 3 statements (lock, insert, recount)."""
        self._check_input(new, Insert, "new")
        return self.add_many([new])[0]

    def add_many(
        self, news: Iterable[NewCommentVote], *, batch_size: int = 500
    ) -> builtins.list[CommentVote]:
        """Insert votes (multi-row INSERT per batch) and recount their comments.

        One transaction; the comments are locked first, as ``toggle`` does.
        """
        items = check_collection("news", news)
        check_int("batch_size", batch_size, low=1, high=5000)
        for index, item in enumerate(items):
            self._check_input(item, Insert, f"news[{index}]")
            check_choice(f"news[{index}].vote_type", item.vote_type, VoteType)
        ids = sorted({item.comment_id for item in items})
        with self._runner.atomic() as ex:
            if ids:
                ex.fetch_trusted(_LOCK_COMMENTS, {"ids": ids})
            rows = super().add_many(items, batch_size=batch_size)
            if ids:
                ex.execute(_RECOUNT, {"ids": ids})
        return rows

    def update(self, key: Any, patch: CommentVotePatch) -> CommentVote:
        """Change a vote's type and recount: 3 statements. A vote cannot move."""
        self._check_input(patch, Patch, "patch")
        for field in ("comment_id", "user_id"):
            if field in patch.changes():
                raise InvalidInput(
                    f"patch.{field}", "a vote cannot move to another comment or user"
                )
        if patch.vote_type is not UNSET:
            check_choice("patch.vote_type", patch.vote_type, VoteType)
        with self._runner.atomic() as ex:
            comment = self._lock_comment_of(ex, key)
            row = super().update(key, patch)
            ex.execute(_RECOUNT, {"ids": [comment]})
        return row

    def delete(self, key: Any) -> None:
        """Delete a vote and recount: 3 statements."""
        with self._runner.atomic() as ex:
            comment = self._lock_comment_of(ex, key)
            super().delete(key)
            ex.execute(_RECOUNT, {"ids": [comment]})

    @staticmethod
    def _lock_comment_of(ex: Any, key: Any) -> int:
        rows = ex.fetch_trusted(_LOCK_COMMENT_OF_VOTE, {"vote": check_id("key", key)})
        if not rows:
            raise NotFound("comment_votes", key)
        return int(rows[0][0])
