"""Repositories of the legislative domain: bills and everything attached to a bill."""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    Analysis,
    AnalysisPatch,
    Bill,
    BillComment,
    BillCommentPatch,
    BillEngagement,
    BillEngagementPatch,
    BillPatch,
    BillSectionConflict,
    BillSectionConflictPatch,
    BillSponsorship,
    BillSponsorshipPatch,
    BillTag,
    BillTagPatch,
    CitizenVerification,
    CitizenVerificationPatch,
    CommentVote,
    CommentVotePatch,
    ExpertVerification,
    ExpertVerificationPatch,
    NewAnalysis,
    NewBill,
    NewBillComment,
    NewBillEngagement,
    NewBillSectionConflict,
    NewBillSponsorship,
    NewBillTag,
    NewCitizenVerification,
    NewCommentVote,
    NewExpertVerification,
    NewSocialShare,
    SocialShare,
    SocialSharePatch,
    tables,
)

__all__ = [
    "AnalysisRepository",
    "BillCommentRepository",
    "BillEngagementRepository",
    "BillRepository",
    "BillSectionConflictRepository",
    "BillSponsorshipRepository",
    "BillTagRepository",
    "CitizenVerificationRepository",
    "CommentVoteRepository",
    "ExpertVerificationRepository",
    "SocialShareRepository",
]


class AnalysisRepository(TableRepository[Analysis, NewAnalysis, AnalysisPatch]):
    """Rows of ``analysis``."""

    table = tables.analysis


class BillCommentRepository(TableRepository[BillComment, NewBillComment, BillCommentPatch]):
    """Rows of ``bill_comments``."""

    table = tables.bill_comments


class BillEngagementRepository(
    TableRepository[BillEngagement, NewBillEngagement, BillEngagementPatch]
):
    """Rows of ``bill_engagement``."""

    table = tables.bill_engagement


class BillSectionConflictRepository(
    TableRepository[BillSectionConflict, NewBillSectionConflict, BillSectionConflictPatch]
):
    """Rows of ``bill_section_conflicts``."""

    table = tables.bill_section_conflicts


class BillSponsorshipRepository(
    TableRepository[BillSponsorship, NewBillSponsorship, BillSponsorshipPatch]
):
    """Rows of ``bill_sponsorships``."""

    table = tables.bill_sponsorships


class BillTagRepository(TableRepository[BillTag, NewBillTag, BillTagPatch]):
    """Rows of ``bill_tags``."""

    table = tables.bill_tags


class BillRepository(TableRepository[Bill, NewBill, BillPatch]):
    """Rows of ``bills``."""

    table = tables.bills


class CitizenVerificationRepository(
    TableRepository[CitizenVerification, NewCitizenVerification, CitizenVerificationPatch]
):
    """Rows of ``citizen_verifications``."""

    table = tables.citizen_verifications


class CommentVoteRepository(TableRepository[CommentVote, NewCommentVote, CommentVotePatch]):
    """Rows of ``comment_votes``."""

    table = tables.comment_votes


class ExpertVerificationRepository(
    TableRepository[ExpertVerification, NewExpertVerification, ExpertVerificationPatch]
):
    """Rows of ``expert_verifications``."""

    table = tables.expert_verifications


class SocialShareRepository(TableRepository[SocialShare, NewSocialShare, SocialSharePatch]):
    """Rows of ``social_shares``."""

    table = tables.social_shares
