"""What the legislative repositories return and accept: result rows and request enums."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Final

import attrs

from chanuka_db.types import Bill, BillEngagement, JsonValue, Sponsor

__all__ = [
    "BillDetail",
    "BillHeadline",
    "BillStats",
    "BillStatus",
    "BillSummary",
    "BillView",
    "CommentSort",
    "CommentStats",
    "CommentType",
    "CommentView",
    "EngagementKind",
    "EngagementTotals",
    "HistoryEntry",
    "SponsorshipView",
    "StatusChange",
    "Subscriber",
    "Thread",
    "TrackedBill",
    "UpsertResult",
    "VoteResult",
    "VoteType",
]


class BillStatus(enum.StrEnum):
    """The stages of a bill, in order; the last three end a bill before assent."""

    INTRODUCED = "introduced"
    FIRST_READING = "first_reading"
    COMMITTEE = "committee"
    SECOND_READING = "second_reading"
    THIRD_READING = "third_reading"
    PASSED = "passed"
    ASSENTED = "assented"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        """The stage as words (``second reading``)."""
        return self.value.replace("_", " ")


class EngagementKind(enum.StrEnum):
    """What a user did with a bill; each kind has a weight in the engagement score."""

    VIEW = "view"
    COMMENT = "comment"
    SHARE = "share"

    @property
    def weight(self) -> int:
        """Points this kind adds to the user's and the bill's engagement score."""
        return ENGAGEMENT_WEIGHTS[self]


ENGAGEMENT_WEIGHTS: Final = {
    EngagementKind.VIEW: 1,
    EngagementKind.COMMENT: 5,
    EngagementKind.SHARE: 3,
}


class CommentType(enum.StrEnum):
    """What a comment is."""

    GENERAL = "general"
    SUPPORT = "support"
    OPPOSITION = "opposition"
    QUESTION = "question"
    AMENDMENT_SUGGESTION = "amendment_suggestion"
    EXPERT_ANALYSIS = "expert_analysis"


class CommentSort(enum.StrEnum):
    """Orders of a bill's threads: newest, oldest, best score (up - down), verified first."""

    RECENT = "recent"
    OLDEST = "oldest"
    POPULAR = "popular"
    VERIFIED = "verified"


class VoteType(enum.StrEnum):
    """A vote on a comment (``comment_votes_vote_type_check`` allows exactly these)."""

    UP = "up"
    DOWN = "down"


@attrs.frozen
class BillSummary:
    """A bill as listings and search show it: no ``content``, analysis or search vector."""

    id: int
    title: str
    summary: str | None
    status: str
    bill_number: str | None
    sponsor_id: int | None
    category: str | None
    tags: list[str] | None
    view_count: int
    share_count: int
    comment_count: int
    engagement_score: Decimal
    complexity_score: int | None
    introduced_date: dt.datetime | None
    last_action_date: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class BillView(BillSummary):
    """A whole bill for its own page: the summary's columns and the long ones, no search vector."""

    description: str | None
    content: str | None
    constitutional_concerns: JsonValue | None
    stakeholder_analysis: JsonValue | None


@attrs.frozen
class BillHeadline:
    """The few columns that name a bill next to something else (history, notifications)."""

    id: int
    title: str
    status: str
    bill_number: str | None


@attrs.frozen
class SponsorshipView:
    """One sponsor of a bill with the link's type, date and state."""

    sponsorship_id: int
    sponsor_id: int
    name: str
    role: str
    party: str | None
    constituency: str | None
    sponsorship_type: str
    sponsorship_date: dt.datetime
    is_active: bool


@attrs.frozen
class EngagementTotals:
    """A bill's engagement counters (the sums over every user's ``bill_engagement`` row)."""

    bill_id: int
    view_count: int
    comment_count: int
    share_count: int
    engagement_score: Decimal


@attrs.frozen
class CommentView:
    """A comment as a thread shows it, with its author's name and how many replies it has.

    A soft-deleted comment stays in its thread as a placeholder: ``is_deleted`` is true and
    ``content``, ``user_id`` and ``author_name`` are ``None``.
    """

    id: int
    bill_id: int
    user_id: uuid.UUID | None
    author_name: str | None
    content: str | None
    comment_type: str
    is_verified: bool
    parent_comment_id: int | None
    upvotes: int
    downvotes: int
    is_deleted: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    reply_count: int

    @property
    def score(self) -> int:
        """Upvotes minus downvotes (the ``popular`` order)."""
        return self.upvotes - self.downvotes


@attrs.frozen
class Thread:
    """A top-level comment and the first replies to it (oldest first)."""

    comment: CommentView
    replies: list[CommentView]


@attrs.frozen
class BillDetail:
    """Everything a bill's page shows, read in two statements."""

    bill: BillView
    sponsor: Sponsor | None
    sponsorships: list[SponsorshipView]
    engagement: EngagementTotals
    latest_comments: list[CommentView]


@attrs.frozen
class BillStats:
    """How many bills there are, by status and by category, and which changed last."""

    total: int
    by_status: dict[str, int]
    by_category: dict[str | None, int]
    recently_updated: list[BillSummary]


@attrs.frozen
class UpsertResult:
    """What an ingestion batch did: rows inserted or changed, bill numbers left as they were."""

    rows: list[Bill]
    unchanged: list[str]


@attrs.frozen
class StatusChange:
    """The bill after ``update_status``, its status before, and how many users were told."""

    bill: Bill
    previous: str
    notified: int

    @property
    def changed(self) -> bool:
        """False when the bill already had that status (then nothing was written)."""
        return self.previous != self.bill.status


@attrs.frozen
class TrackedBill:
    """A bill a user engaged with, and that user's counters for it."""

    bill: BillSummary
    engagement: BillEngagement


@attrs.frozen
class HistoryEntry:
    """One line of a user's engagement history: their counters and the bill they are for."""

    engagement: BillEngagement
    bill: BillHeadline


@attrs.frozen
class Subscriber:
    """A user who follows a bill (has engaged with it), with their name."""

    user_id: uuid.UUID
    name: str
    engagement_score: Decimal
    last_engaged: dt.datetime


@attrs.frozen
class CommentStats:
    """Counts over one bill's comments."""

    bill_id: int
    total: int
    top_level: int
    replies: int
    deleted: int
    verified: int
    participants: int
    upvotes: int
    downvotes: int
    latest_at: dt.datetime | None


@attrs.frozen
class VoteResult:
    """A comment's tallies after a toggle, and the user's vote now (``None``: withdrawn)."""

    comment_id: int
    vote: VoteType | None
    upvotes: int
    downvotes: int
