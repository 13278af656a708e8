"""The other tables hanging off a bill: generic repositories (every table has one).

Sponsorships, verifications, analysis results, section conflicts and social shares need
nothing beyond the generic operations yet; their domain queries belong to the services that
use them (a bill's sponsorships are read by ``bills.detail``).
"""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    Analysis,
    AnalysisPatch,
    BillSectionConflict,
    BillSectionConflictPatch,
    BillSponsorship,
    BillSponsorshipPatch,
    CitizenVerification,
    CitizenVerificationPatch,
    ExpertVerification,
    ExpertVerificationPatch,
    NewAnalysis,
    NewBillSectionConflict,
    NewBillSponsorship,
    NewCitizenVerification,
    NewExpertVerification,
    NewSocialShare,
    SocialShare,
    SocialSharePatch,
    tables,
)

__all__ = [
    "AnalysisRepository",
    "BillSectionConflictRepository",
    "BillSponsorshipRepository",
    "CitizenVerificationRepository",
    "ExpertVerificationRepository",
    "SocialShareRepository",
]


class AnalysisRepository(TableRepository[Analysis, NewAnalysis, AnalysisPatch]):
    """Rows of ``analysis``."""

    table = tables.analysis


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


class CitizenVerificationRepository(
    TableRepository[CitizenVerification, NewCitizenVerification, CitizenVerificationPatch]
):
    """Rows of ``citizen_verifications``."""

    table = tables.citizen_verifications


class ExpertVerificationRepository(
    TableRepository[ExpertVerification, NewExpertVerification, ExpertVerificationPatch]
):
    """Rows of ``expert_verifications``."""

    table = tables.expert_verifications


class SocialShareRepository(TableRepository[SocialShare, NewSocialShare, SocialSharePatch]):
    """Rows of ``social_shares``."""

    table = tables.social_shares
