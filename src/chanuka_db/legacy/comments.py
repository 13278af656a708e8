"""The old comment services' calls: a bill's threaded comments, and votes on a comment.

``getBillComments`` is the old ``CommentService``'s (``server/features/community/
comment.ts``), ``voteOnComment`` the old ``CommentVotingService``'s (``comment-voting.ts``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from typing_extensions import deprecated

from chanuka_db.errors import InvalidInput
from chanuka_db.legacy.deprecation import LegacyAPIWarning
from chanuka_db.legacy.service import LegacyService, profiles_of
from chanuka_db.legacy.shapes import as_uuid, check_keys, record
from chanuka_db.repositories import UnitOfWork
from chanuka_db.repositories.legislative import CommentView, Thread
from chanuka_db.repositories.user_rows import PublicUser
from chanuka_db.sql import Page
from chanuka_db.types import UserProfile

__all__ = ["DELETED_TEXT", "CommentService", "CommentVotingService"]

_FILTER_KEYS: Final = ("sort", "commentType", "expertOnly", "parentId", "limit", "offset")
# The old getBillComments loaded the first five replies of each top-level comment.
_REPLIES_SHOWN: Final = 5
# What the old service wrote over a comment its author deleted.
DELETED_TEXT: Final = "[Comment deleted by user]"


def _page(filters: Mapping[str, Any]) -> tuple[int, int]:
    """The old limit/offset as a page number and size (the offset must fall on a page)."""
    limit, offset = filters.get("limit", 20), filters.get("offset", 0)
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"filters.{name}", f"expected a whole number, got {value!r}")
    if limit == 0 or offset % limit:
        raise InvalidInput(
            "filters.offset", f"must be a multiple of limit ({limit}): pages are numbered now"
        )
    return offset // limit + 1, limit


def _refuse_unsupported(filters: Mapping[str, Any]) -> None:
    if filters.get("commentType") is not None:
        raise InvalidInput("filters.commentType", "not supported: use comments.list() filters")
    if filters.get("expertOnly"):
        raise InvalidInput("filters.expertOnly", "not supported: use the 'verified' sort")


class _Authors:
    """The accounts and profiles of the authors on a page (2 statements)."""

    def __init__(self, uow: UnitOfWork, comments: list[CommentView]) -> None:
        ids = list(dict.fromkeys(c.user_id for c in comments if c.user_id is not None))
        self.users: dict[uuid.UUID, PublicUser] = {
            user.id: user for user in (uow.users.get_many(ids).rows if ids else [])
        }
        self.profiles: dict[uuid.UUID, UserProfile] = profiles_of(uow, ids)

    def comment(self, view: CommentView, replies: list[CommentView]) -> dict[str, Any]:
        """The old CommentWithUser of ``view``, with ``replies`` (already shaped or not)."""
        shaped = record(view, drop=("author_name", "reply_count"))
        if view.is_deleted:
            shaped["content"] = DELETED_TEXT
        return {
            **shaped,
            "user": self._user(view.user_id),
            "userProfile": self._profile(view.user_id),
            "replies": [self.comment(reply, []) for reply in replies],
            "replyCount": view.reply_count,
            "netVotes": view.upvotes - view.downvotes,
        }

    def _user(self, user_id: uuid.UUID | None) -> dict[str, Any] | None:
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            return None
        return {
            "id": str(user.id),
            "name": user.name,
            "role": user.role,
            "verificationStatus": user.verification_status,
        }

    def _profile(self, user_id: uuid.UUID | None) -> dict[str, Any] | None:
        profile = self.profiles.get(user_id) if user_id is not None else None
        if profile is None:
            return None
        return {
            "expertise": profile.expertise,
            "organization": profile.organization,
            "reputationScore": profile.reputation_score,
        }


def _shaped(uow: UnitOfWork, found: Page[Thread]) -> dict[str, Any]:
    everyone = [view for thread in found.items for view in (thread.comment, *thread.replies)]
    authors = _Authors(uow, everyone)
    return {
        "comments": [authors.comment(t.comment, t.replies) for t in found.items],
        "totalCount": found.total,
        "hasMore": found.has_next,
    }


class CommentService(LegacyService):
    """The old ``CommentService``'s reads over the repositories (``getBillComments``)."""

    __slots__ = ()

    @deprecated(
        "CommentService.getBillComments() is deprecated: use "
        "db.repos.comments.list_threaded(bill_id, sort)"
        " (see docs/migrating.md#getbillcomments)",
        category=LegacyAPIWarning,
    )
    def getBillComments(
        self, bill_id: int, filters: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A page of the bill's comments with their authors: ``{comments, totalCount, hasMore}``.

        ``filters``: ``sort`` (``recent``, ``popular``, ``verified``, ``oldest``),
        ``limit`` (20), ``offset`` (0, a multiple of ``limit``), ``parentId`` (that
        comment's replies, oldest first, instead of the top-level comments). Top-level
        comments carry their first 5 replies. A deleted comment reads
        ``[Comment deleted by user]`` without its author. ``commentType`` and
        ``expertOnly`` are refused (no repository filter matches them). 4 statements in one
        snapshot (parentId: 4 too).
        """
        wanted = check_keys("filters", filters, _FILTER_KEYS)
        _refuse_unsupported(wanted)
        page, size = _page(wanted)
        parent = wanted.get("parentId")
        with self._snapshot() as uow:
            if parent is None:
                threads = uow.comments.list_threaded(
                    bill_id,
                    wanted.get("sort") or "recent",
                    page=page,
                    page_size=size,
                    replies=_REPLIES_SHOWN,
                )
            else:
                threads = _replies_of(uow, bill_id, parent, page, size)
            return _shaped(uow, threads)

    get_bill_comments = getBillComments


def _replies_of(uow: UnitOfWork, bill_id: int, parent: int, page: int, size: int) -> Page[Thread]:
    """The parent's direct replies as threads without replies (none if it is not the bill's)."""
    found = uow.comments.find(parent)
    if found is None or found.bill_id != bill_id:
        return Page([], 0, page, size, False)
    replies = uow.comments.replies(parent, page=page, page_size=size)
    return Page(
        [Thread(view, []) for view in replies.items],
        replies.total,
        replies.page,
        replies.page_size,
        replies.has_next,
    )


class CommentVotingService(LegacyService):
    """The old ``CommentVotingService`` over the repositories (``voteOnComment``)."""

    __slots__ = ()

    @deprecated(
        "CommentVotingService.voteOnComment() is deprecated: use "
        "uow.votes.toggle(comment_id, user_id, vote)"
        " (see docs/migrating.md#voteoncomment)",
        category=LegacyAPIWarning,
    )
    def voteOnComment(self, comment_id: int, user_id: object, vote_type: str) -> dict[str, Any]:
        """Vote ``up``/``down`` on a comment (the same vote again withdraws it).

        Returns ``{success, newUpvotes, newDownvotes, netVotes, userVote}``. Failures
        raise typed errors (the old service returned ``success: false`` with zeros):
        ``NotFound`` for a missing comment, ``InvalidInput`` for a deleted one or a bad
        vote. 2 statements in one unit of work acting as the voter.
        """
        user = as_uuid("user_id", user_id)
        with self._db.unit_of_work(actor=user) as uow:
            result = uow.votes.toggle(comment_id, user, vote_type)
        return {
            "success": True,
            "newUpvotes": result.upvotes,
            "newDownvotes": result.downvotes,
            "netVotes": result.upvotes - result.downvotes,
            "userVote": None if result.vote is None else result.vote.value,
        }

    vote_on_comment = voteOnComment
