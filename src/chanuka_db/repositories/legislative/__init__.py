"""Repositories of the legislative domain: bills and everything attached to a bill.

- :mod:`.bills`: bills (search, listings, a bill's page, stats, tags, ingestion, status)
  and ``bill_tags``;
- :mod:`.engagement`: per-user engagement and the bills' counters;
- :mod:`.comments`: threads, posting, owner edits, soft deletion, and votes;
- :mod:`.attached`: the other tables attached to a bill (generic repositories);
- :mod:`.rows`: what these return and the enums they take.
"""

from chanuka_db.repositories.legislative.attached import (
    AnalysisRepository,
    BillSectionConflictRepository,
    BillSponsorshipRepository,
    CitizenVerificationRepository,
    ExpertVerificationRepository,
    SocialShareRepository,
)
from chanuka_db.repositories.legislative.bills import BillRepository, BillTagRepository
from chanuka_db.repositories.legislative.comments import (
    BillCommentRepository,
    CommentVoteRepository,
)
from chanuka_db.repositories.legislative.engagement import BillEngagementRepository
from chanuka_db.repositories.legislative.rows import (
    BillDetail,
    BillHeadline,
    BillStats,
    BillStatus,
    BillSummary,
    BillView,
    CommentSort,
    CommentStats,
    CommentType,
    CommentView,
    EngagementKind,
    EngagementTotals,
    HistoryEntry,
    SponsorshipView,
    StatusChange,
    Subscriber,
    Thread,
    TrackedBill,
    UpsertResult,
    VoteResult,
    VoteType,
)

__all__ = [
    "AnalysisRepository",
    "BillCommentRepository",
    "BillDetail",
    "BillEngagementRepository",
    "BillHeadline",
    "BillRepository",
    "BillSectionConflictRepository",
    "BillSponsorshipRepository",
    "BillStats",
    "BillStatus",
    "BillSummary",
    "BillTagRepository",
    "BillView",
    "CitizenVerificationRepository",
    "CommentSort",
    "CommentStats",
    "CommentType",
    "CommentView",
    "CommentVoteRepository",
    "EngagementKind",
    "EngagementTotals",
    "ExpertVerificationRepository",
    "HistoryEntry",
    "SocialShareRepository",
    "SponsorshipView",
    "StatusChange",
    "Subscriber",
    "Thread",
    "TrackedBill",
    "UpsertResult",
    "VoteResult",
    "VoteType",
]
