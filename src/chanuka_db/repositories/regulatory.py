"""Repositories of the regulatory domain: sponsors, regulations, stakeholders.

Sponsors are the legislators behind bills: ``list``/``search`` them by name, party and
constituency, load several with their affiliations and disclosures in three statements
(:meth:`SponsorRepository.get_with_relations`), or list a bill's sponsors
(:meth:`SponsorRepository.sponsorships_for_bill`, a read of ``bill_sponsorships``, which
belongs to the legislative domain). Regulations come with their sector impacts and change
history (:meth:`RegulationRepository.detail`); stakeholders rank by influence.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs

from chanuka_db.errors import NotFound
from chanuka_db.repositories.arguments import (
    check_bool,
    check_id,
    check_ids,
    check_int,
    check_text,
    check_uuid,
)
from chanuka_db.repositories.base import Found, TableRepository
from chanuka_db.sql import (
    NOW,
    JoinKind,
    Page,
    Select,
    assign,
    escape_like,
    paginate,
    select,
    trusted,
    update,
)
from chanuka_db.types import (
    BillSponsorship,
    NewRegulation,
    NewRegulatoryChange,
    NewRegulatoryImpact,
    NewSponsor,
    NewSponsorAffiliation,
    NewSponsorTransparency,
    NewStakeholder,
    Param,
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
from chanuka_db.types.expr import Nulls, Predicate
from chanuka_db.types.models import Insert

__all__ = [
    "DisclosureTotals",
    "RegulationDetail",
    "RegulationRepository",
    "RegulatoryChangeRepository",
    "RegulatoryImpactRepository",
    "SponsorAffiliationRepository",
    "SponsorRepository",
    "SponsorTransparencyRepository",
    "SponsorWithRelations",
    "Sponsorship",
    "StakeholderRepository",
]

MAX_SEARCH: Final = 200
_TEXT: Final = ("eq", "in", "ilike")
_s = tables.sponsors
_a = tables.sponsor_affiliations
_t = tables.sponsor_transparency
_b = tables.bills
_bs = tables.bill_sponsorships
_r = tables.regulations
_rc = tables.regulatory_changes
_ri = tables.regulatory_impact
_sh = tables.stakeholders


# -- results ----------------------------------------------------------------------------------


@attrs.frozen
class SponsorWithRelations:
    """A sponsor with all their affiliations (active first) and disclosures (newest first)."""

    sponsor: Sponsor
    affiliations: list[SponsorAffiliation]
    disclosures: list[SponsorTransparency]


@attrs.frozen
class Sponsorship:
    """One sponsor of a bill and how they sponsor it."""

    sponsorship: BillSponsorship
    sponsor: Sponsor


@attrs.frozen
class DisclosureTotals:
    """A sponsor's disclosures in numbers (amounts summed where given)."""

    sponsor_id: int
    disclosures: int
    verified: int
    total_amount: Decimal | None


@attrs.frozen
class RegulationDetail:
    """A regulation, its impact by sector (highest first) and its latest changes."""

    regulation: Regulation
    impacts: list[RegulatoryImpact]
    changes: list[RegulatoryChange]


@attrs.frozen
class _BillKey:
    id: int


# -- statements -------------------------------------------------------------------------------

_SPONSORS_BY_IDS = select(_s, Sponsor).where(_s.id.in_(Param("ids")))
_AFFILIATIONS_OF = (
    select(_a, SponsorAffiliation)
    .where(_a.sponsor_id.in_(Param("ids")))
    .order_by(_a.sponsor_id.asc(), _a.is_active.desc(), _a.start_date.desc(Nulls.LAST), _a.id.asc())
)
_ACTIVE_AFFILIATIONS_OF = _AFFILIATIONS_OF.where(_a.is_active == True)  # noqa: E712
_DISCLOSURES_OF = (
    select(_t, SponsorTransparency)
    .where(_t.sponsor_id.in_(Param("ids")))
    .order_by(_t.sponsor_id.asc(), _t.date_reported.desc(Nulls.LAST), _t.id.desc())
)
_VERIFIED_DISCLOSURES_OF = _DISCLOSURES_OF.where(_t.is_verified == True)  # noqa: E712
_TOTALS = trusted(
    """
    SELECT sponsor_id, count(*), count(*) FILTER (WHERE is_verified), sum(amount)
      FROM sponsor_transparency
     WHERE sponsor_id = ANY(%(ids)s::integer[])
     GROUP BY sponsor_id
    """
)


_SponsorshipRow = tuple[tuple["_BillKey", BillSponsorship | None], Sponsor | None]


def _sponsorships(*, active_only: bool) -> Select[_SponsorshipRow]:
    """A bill's key LEFT JOIN its sponsorships and sponsors: no row means no such bill."""
    on: Predicate = _bs.bill_id == _b.id
    if active_only:
        on = on & (_bs.is_active == True)  # noqa: E712 - a predicate, not a comparison
    return (
        select(_b, _BillKey)
        .join(_bs, on=on, kind=JoinKind.LEFT, include=BillSponsorship)
        .join(_s, on=_s.id == _bs.sponsor_id, kind=JoinKind.LEFT, include=Sponsor)
        .where(_b.id == Param("bill"))
        .order_by(_bs.sponsorship_date.asc(), _bs.id.asc())
    )


_SPONSORSHIPS: Final = {flag: _sponsorships(active_only=flag) for flag in (False, True)}

_REGULATION = select(_r, Regulation).where(_r.id == Param("id"))
_IMPACTS_OF = (
    select(_ri, RegulatoryImpact)
    .where(_ri.regulation_id == Param("id"))
    .order_by(_ri.impact_score.desc(Nulls.LAST), _ri.id.asc())
)
_CHANGES_OF = (
    select(_rc, RegulatoryChange)
    .where(_rc.regulation_id == Param("id"))
    .order_by(_rc.changed_at.desc(), _rc.id.desc())
)
_LATEST_CHANGES_OF = _CHANGES_OF.limit(Param("limit"))
_TOUCH_REGULATION = update(_r).set(assign(_r.updated_at, NOW)).where(_r.id == Param("id"))


# -- sponsors ---------------------------------------------------------------------------------


class SponsorRepository(TableRepository[Sponsor, NewSponsor, SponsorPatch]):
    """Rows of ``sponsors``: list and search by name, party and constituency, with relations.

    Contact details (email, phone) can be read but not filtered or sorted by.
    """

    table = tables.sponsors
    filterable: ClassVar[Mapping[str, Iterable[str]] | None] = {
        "name": _TEXT,
        "party": _TEXT,
        "constituency": _TEXT,
        "role": _TEXT,
        "conflict_level": ("eq", "in"),
        "is_active": ("eq",),
        "transparency_score": ("ge", "le", "between"),
        "financial_exposure": ("ge", "le", "between"),
    }
    sortable: ClassVar[frozenset[str] | None] = frozenset(
        {"name", "party", "constituency", "transparency_score", "financial_exposure", "created_at"}
    )
    default_sort = (_s.name.asc(),)

    def search(
        self,
        text: str,
        filters: Mapping[str, Any] | None = None,
        sort: object = None,
        *,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[Sponsor]:
        """Sponsors whose name, party or constituency contains ``text`` (any case).

        ``filters`` and ``sort`` as for :meth:`list`. Two statements (the page, the total).
        Sponsors are a few hundred legislators, so a substring match over the table is
        cheap; there is no full-text index to use.
        """
        wanted = check_text("text", text, max_length=MAX_SEARCH, strip=True)
        pattern = f"%{escape_like(wanted)}%"
        matches = _s.name.ilike(pattern) | _s.party.ilike(pattern) | _s.constituency.ilike(pattern)
        statement = self._filtered(filters).where(matches).order_by(*self._sort_keys(sort))
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size)

    def get_with_relations(self, ids: Iterable[int]) -> Found[SponsorWithRelations, int]:
        """Sponsors with their affiliations and disclosures, in the order asked: 3 statements.

        Ids with no sponsor are reported in ``missing``; at most 1,000 ids.
        """
        wanted = check_ids("ids", ids, allow_empty=True)
        if not wanted:
            return Found([], [])
        with self._runner.reading() as ex:
            sponsors = _SPONSORS_BY_IDS.fetch_all(ex, ids=wanted)
            affiliations = _AFFILIATIONS_OF.fetch_all(ex, ids=wanted)
            disclosures = _DISCLOSURES_OF.fetch_all(ex, ids=wanted)
        found = {s.id: SponsorWithRelations(s, [], []) for s in sponsors}
        for affiliation in affiliations:
            if affiliation.sponsor_id in found:
                found[affiliation.sponsor_id].affiliations.append(affiliation)
        for disclosure in disclosures:
            if disclosure.sponsor_id in found:
                found[disclosure.sponsor_id].disclosures.append(disclosure)
        missing = [i for i in wanted if i not in found]
        return Found([found[i] for i in wanted if i in found], missing)

    def sponsorships_for_bill(
        self, bill_id: int, *, active_only: bool = False
    ) -> builtins.list[Sponsorship]:
        """The sponsors of a bill, earliest sponsorship first: one statement.

        :class:`NotFound` when the bill does not exist (a bill without sponsors gives ``[]``).
        """
        bill = check_id("bill_id", bill_id)
        statement = _SPONSORSHIPS[check_bool("active_only", active_only)]
        with self._runner.reading() as ex:
            rows = statement.fetch_all(ex, bill=bill)
        if not rows:
            raise NotFound("bills", bill)
        return [
            Sponsorship(sponsorship, sponsor)
            for (_, sponsorship), sponsor in rows
            if sponsorship is not None and sponsor is not None
        ]


class SponsorAffiliationRepository(
    TableRepository[SponsorAffiliation, NewSponsorAffiliation, SponsorAffiliationPatch]
):
    """Rows of ``sponsor_affiliations``: the organisations a sponsor is (or was) part of."""

    table = tables.sponsor_affiliations

    def for_sponsor(
        self, sponsor_id: int, *, active_only: bool = False
    ) -> builtins.list[SponsorAffiliation]:
        """A sponsor's affiliations, active first, then the latest started: one statement."""
        active = check_bool("active_only", active_only)
        statement = _ACTIVE_AFFILIATIONS_OF if active else _AFFILIATIONS_OF
        with self._runner.reading() as ex:
            return statement.fetch_all(ex, ids=[check_id("sponsor_id", sponsor_id)])


class SponsorTransparencyRepository(
    TableRepository[SponsorTransparency, NewSponsorTransparency, SponsorTransparencyPatch]
):
    """Rows of ``sponsor_transparency``: a sponsor's disclosures (financial or other)."""

    table = tables.sponsor_transparency

    def for_sponsor(
        self, sponsor_id: int, *, verified_only: bool = False
    ) -> builtins.list[SponsorTransparency]:
        """A sponsor's disclosures, latest reported first: one statement."""
        verified = check_bool("verified_only", verified_only)
        statement = _VERIFIED_DISCLOSURES_OF if verified else _DISCLOSURES_OF
        with self._runner.reading() as ex:
            return statement.fetch_all(ex, ids=[check_id("sponsor_id", sponsor_id)])

    def totals(self, sponsor_ids: Iterable[int]) -> builtins.list[DisclosureTotals]:
        """Per sponsor asked: disclosures, how many verified, amounts summed (one statement).

        Sponsors with no disclosure get zeros; in the order asked.
        """
        wanted = check_ids("sponsor_ids", sponsor_ids, allow_empty=True)
        if not wanted:
            return []
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_TOTALS, {"ids": wanted})
        found = {row[0]: DisclosureTotals(*row) for row in rows}
        return [found.get(sponsor, DisclosureTotals(sponsor, 0, 0, None)) for sponsor in wanted]


# -- regulations ------------------------------------------------------------------------------


class RegulationRepository(TableRepository[Regulation, NewRegulation, RegulationPatch]):
    """Rows of ``regulations`` (uuid ids); :meth:`detail` adds impacts and changes."""

    table = tables.regulations
    filterable: ClassVar[Mapping[str, Iterable[str]] | None] = {
        "title": ("ilike",),
        "status": ("eq", "in"),
        "sector": ("eq", "in"),
        "source": ("eq", "in"),
        "tags": ("contains",),
        "sponsor_id": ("eq", "in"),
        "effective_date": ("ge", "lt", "between"),
        "compliance_deadline": ("ge", "lt", "between"),
        "estimated_impact": ("ge", "le"),
    }
    sortable: ClassVar[frozenset[str] | None] = frozenset(
        {"title", "status", "effective_date", "compliance_deadline", "estimated_impact"}
        | {"created_at", "updated_at"}
    )
    default_sort = (_r.effective_date.desc(Nulls.LAST),)

    def detail(self, regulation_id: uuid.UUID, *, changes: int = 10) -> RegulationDetail:
        """The regulation, every sector impact and the ``changes`` latest changes: 3 statements.

        :class:`NotFound` when there is no such regulation.
        """
        key = check_uuid("regulation_id", regulation_id)
        latest = check_int("changes", changes, low=0, high=100)
        with self._runner.reading() as ex:
            regulation = _REGULATION.fetch_optional(ex, id=key)
            if regulation is None:
                raise NotFound("regulations", key)
            impacts = _IMPACTS_OF.fetch_all(ex, id=key)
            history = _LATEST_CHANGES_OF.fetch_all(ex, id=key, limit=latest) if latest else []
        return RegulationDetail(regulation, impacts, history)


class RegulatoryChangeRepository(
    TableRepository[RegulatoryChange, NewRegulatoryChange, RegulatoryChangePatch]
):
    """Rows of ``regulatory_changes``: a regulation's change history."""

    table = tables.regulatory_changes
    default_sort = (_rc.changed_at.desc(),)

    def record(self, change: NewRegulatoryChange) -> RegulatoryChange:
        """Add a change and mark its regulation updated, in one transaction (2 statements).

        :class:`InvalidReference` when the regulation (or reporting user) does not exist.
        """
        self._check_input(change, Insert, "change")
        with self._runner.atomic() as ex:
            row = self.add(change)
            _TOUCH_REGULATION.execute(ex, id=row.regulation_id)
        return row

    def for_regulation(
        self, regulation_id: uuid.UUID, *, page: int = 1, page_size: int = 20
    ) -> Page[RegulatoryChange]:
        """A regulation's changes, newest first (the page and its total: 2 statements)."""
        key = check_uuid("regulation_id", regulation_id)
        with self._runner.reading() as ex:
            return paginate(_CHANGES_OF, ex, page=page, page_size=page_size, id=key)


class RegulatoryImpactRepository(
    TableRepository[RegulatoryImpact, NewRegulatoryImpact, RegulatoryImpactPatch]
):
    """Rows of ``regulatory_impact``: a regulation's assessed impact per sector."""

    table = tables.regulatory_impact
    default_sort = (_ri.impact_score.desc(Nulls.LAST),)

    def for_regulation(self, regulation_id: uuid.UUID) -> builtins.list[RegulatoryImpact]:
        """A regulation's impacts, highest score first: one statement."""
        key = check_uuid("regulation_id", regulation_id)
        with self._runner.reading() as ex:
            return _IMPACTS_OF.fetch_all(ex, id=key)


# -- stakeholders -----------------------------------------------------------------------------


class StakeholderRepository(TableRepository[Stakeholder, NewStakeholder, StakeholderPatch]):
    """Rows of ``stakeholders``: interested people and organisations, by influence."""

    table = tables.stakeholders
    filterable: ClassVar[Mapping[str, Iterable[str]] | None] = {
        "name": ("ilike", "eq"),
        "organization": _TEXT,
        "sector": ("eq", "in"),
        "type": ("eq", "in"),
        "influence": ("ge", "le", "between"),
    }
    sortable: ClassVar[frozenset[str] | None] = frozenset(
        {"name", "organization", "sector", "type", "influence", "created_at"}
    )
    default_sort = (_sh.influence.desc(), _sh.name.asc())
