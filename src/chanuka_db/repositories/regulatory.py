"""Repositories of the regulatory domain: sponsors, regulations, stakeholders."""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    NewRegulation,
    NewRegulatoryChange,
    NewRegulatoryImpact,
    NewSponsor,
    NewSponsorAffiliation,
    NewSponsorTransparency,
    NewStakeholder,
    Regulation,
    RegulationPatch,
    RegulatoryChange,
    RegulatoryChangePatch,
    RegulatoryImpact,
    RegulatoryImpactPatch,
    Sponsor,
    SponsorAffiliation,
    SponsorAffiliationPatch,
    SponsorPatch,
    SponsorTransparency,
    SponsorTransparencyPatch,
    Stakeholder,
    StakeholderPatch,
    tables,
)

__all__ = [
    "RegulationRepository",
    "RegulatoryChangeRepository",
    "RegulatoryImpactRepository",
    "SponsorAffiliationRepository",
    "SponsorRepository",
    "SponsorTransparencyRepository",
    "StakeholderRepository",
]


class RegulationRepository(TableRepository[Regulation, NewRegulation, RegulationPatch]):
    """Rows of ``regulations``."""

    table = tables.regulations


class RegulatoryChangeRepository(
    TableRepository[RegulatoryChange, NewRegulatoryChange, RegulatoryChangePatch]
):
    """Rows of ``regulatory_changes``."""

    table = tables.regulatory_changes


class RegulatoryImpactRepository(
    TableRepository[RegulatoryImpact, NewRegulatoryImpact, RegulatoryImpactPatch]
):
    """Rows of ``regulatory_impact``."""

    table = tables.regulatory_impact


class SponsorAffiliationRepository(
    TableRepository[SponsorAffiliation, NewSponsorAffiliation, SponsorAffiliationPatch]
):
    """Rows of ``sponsor_affiliations``."""

    table = tables.sponsor_affiliations


class SponsorTransparencyRepository(
    TableRepository[SponsorTransparency, NewSponsorTransparency, SponsorTransparencyPatch]
):
    """Rows of ``sponsor_transparency``."""

    table = tables.sponsor_transparency


class SponsorRepository(TableRepository[Sponsor, NewSponsor, SponsorPatch]):
    """Rows of ``sponsors``."""

    table = tables.sponsors


class StakeholderRepository(TableRepository[Stakeholder, NewStakeholder, StakeholderPatch]):
    """Rows of ``stakeholders``."""

    table = tables.stakeholders
