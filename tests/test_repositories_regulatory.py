"""Sponsors (search, relations, a bill's sponsors), regulations with impacts and changes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from chanuka_db import Database
from chanuka_db.errors import InvalidInput, InvalidReference, NotFound
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.types import (
    NewBill,
    NewBillSponsorship,
    NewRegulation,
    NewRegulatoryChange,
    NewRegulatoryImpact,
    NewSponsor,
    NewSponsorAffiliation,
    NewSponsorTransparency,
    NewStakeholder,
    RegulationPatch,
)
from tests.domain_support import make_users, open_data


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    yield from open_data(database_url)


SPONSORS = [
    ("Hon. Amina Wanjiru", "ODM", "Kisumu Central"),
    ("Hon. Brian Otieno", "UDA", "Nakuru Town East"),
    ("Hon. Carol Mwangi", "Jubilee", "Kiambu"),
    ("Sen. David Kiprop", "UDA", "Uasin Gishu"),
    ("Hon. Esther 100% Achieng", None, None),
]


@pytest.fixture
def sponsors(data: Database) -> list[int]:
    news = [
        NewSponsor(name=name, role="MP", party=party, constituency=constituency)
        for name, party, constituency in SPONSORS
    ]
    return [row.id for row in data.repos.sponsors.add_many(news)]


def test_list_filters_and_sorts_by_party_and_constituency(
    data: Database, sponsors: list[int]
) -> None:
    repo = data.repos.sponsors
    page = repo.list({"party": "UDA"})
    assert [s.name for s in page.items] == ["Hon. Brian Otieno", "Sen. David Kiprop"]
    by_constituency = [s.constituency for s in repo.list(sort="-constituency").items]
    assert by_constituency[:2] == [None, "Uasin Gishu"]  # DESC puts NULL first, as SQL does
    assert repo.list({"constituency": {"ilike": "nakuru"}}).total == 1
    assert repo.count({"party": {"in": ["ODM", "Jubilee"]}}) == 2
    with pytest.raises(InvalidInput, match="email"):
        repo.list({"email": "a@b.ke"})
    with pytest.raises(InvalidInput, match="phone"):
        repo.list(sort="phone")


def test_search_matches_name_party_or_constituency(data: Database, sponsors: list[int]) -> None:
    repo = data.repos.sponsors
    assert [s.name for s in repo.search("uda").items] == ["Hon. Brian Otieno", "Sen. David Kiprop"]
    assert [s.name for s in repo.search("KIAMBU").items] == ["Hon. Carol Mwangi"]
    assert [s.name for s in repo.search("amina").items] == ["Hon. Amina Wanjiru"]
    assert [s.name for s in repo.search("100%").items] == ["Hon. Esther 100% Achieng"]
    assert repo.search("%").total == 1  # wildcards are taken literally
    narrowed = repo.search("hon.", {"party": "UDA"}, "-name")
    assert [s.name for s in narrowed.items] == ["Hon. Brian Otieno"]
    with data.queries.count() as counted:
        paged = repo.search("hon", page_size=2, page=2)
    assert counted.total == 2
    assert (len(paged.items), paged.total, paged.has_next) == (2, 4, False)


def test_list_is_two_statements_whatever_the_page_size(data: Database, sponsors: list[int]) -> None:
    for size in (1, 5, 100):
        with data.queries.count() as counted:
            page = data.repos.sponsors.list(
                {"is_active": True}, "-transparency_score", page_size=size
            )
        assert counted.total == 2  # the page and its total
        assert (len(page.items), page.total) == (min(size, 5), 5)


@pytest.mark.parametrize("text", ["", "  ", "x" * 201, None, "a\x00"])
def test_search_refuses_bad_text(data: Database, text: Any) -> None:
    with pytest.raises(InvalidInput, match="text"):
        data.repos.sponsors.search(text)


def _relations(data: Database, sponsors: list[int]) -> None:
    day = dt.datetime(2026, 1, 1)
    data.repos.sponsor_affiliations.add_many(
        [
            NewSponsorAffiliation(
                sponsor_id=sponsors[0],
                organization="Old Co",
                type="board",
                is_active=False,
                start_date=day,
            ),
            NewSponsorAffiliation(
                sponsor_id=sponsors[0], organization="Acme Ltd", type="board", start_date=day
            ),
            NewSponsorAffiliation(sponsor_id=sponsors[1], organization="Farmers", type="member"),
        ]
    )
    data.repos.sponsor_transparency.add_many(
        [
            NewSponsorTransparency(
                sponsor_id=sponsors[0],
                disclosure_type="shares",
                description="10% of Acme",
                amount=Decimal("1000.50"),
                date_reported=day,
                is_verified=True,
            ),
            NewSponsorTransparency(
                sponsor_id=sponsors[0],
                disclosure_type="gift",
                description="Trip",
                amount=Decimal("200.00"),
                date_reported=day + dt.timedelta(days=5),
            ),
        ]
    )


def test_get_with_relations_is_three_statements_in_input_order(
    data: Database, sponsors: list[int]
) -> None:
    _relations(data, sponsors)
    with data.queries.count() as counted:
        found = data.repos.sponsors.get_with_relations([sponsors[1], 999_999, sponsors[0]])
    assert counted.total == 3
    assert found.missing == [999_999]
    second, first = found.rows
    assert second.sponsor.id == sponsors[1]
    assert [a.organization for a in second.affiliations] == ["Farmers"]
    assert second.disclosures == []
    assert [a.organization for a in first.affiliations] == ["Acme Ltd", "Old Co"]
    assert [d.disclosure_type for d in first.disclosures] == ["gift", "shares"]
    with data.queries.count() as counted:
        everyone = data.repos.sponsors.get_with_relations(sponsors * 3)
    assert counted.total == 3  # whatever the number of sponsors
    assert [r.sponsor.id for r in everyone.rows] == sponsors
    assert data.repos.sponsors.get_with_relations([]).rows == []


@pytest.mark.parametrize("ids", [[0], ["1"], "12", [True], list(range(1, 1002))])
def test_get_with_relations_checks_the_ids(data: Database, ids: Any) -> None:
    with pytest.raises(InvalidInput, match="ids"):
        data.repos.sponsors.get_with_relations(ids)


def test_affiliations_disclosures_and_totals(data: Database, sponsors: list[int]) -> None:
    _relations(data, sponsors)
    affiliations = data.repos.sponsor_affiliations
    assert [a.organization for a in affiliations.for_sponsor(sponsors[0])] == ["Acme Ltd", "Old Co"]
    assert [a.organization for a in affiliations.for_sponsor(sponsors[0], active_only=True)] == [
        "Acme Ltd"
    ]
    disclosures = data.repos.sponsor_transparency
    assert len(disclosures.for_sponsor(sponsors[0])) == 2
    verified = disclosures.for_sponsor(sponsors[0], verified_only=True)
    assert [d.description for d in verified] == ["10% of Acme"]
    with data.queries.count() as counted:
        totals = disclosures.totals([sponsors[2], sponsors[0]])
    assert counted.total == 1
    assert [(t.sponsor_id, t.disclosures, t.verified, t.total_amount) for t in totals] == [
        (sponsors[2], 0, 0, None),
        (sponsors[0], 2, 1, Decimal("1200.50")),
    ]
    assert disclosures.totals([]) == []
    with pytest.raises(InvalidInput, match="sponsor_id"):
        affiliations.for_sponsor(-1)
    with pytest.raises(InvalidInput, match="verified_only"):
        disclosures.for_sponsor(sponsors[0], verified_only="yes")  # type: ignore[arg-type]


def test_sponsorships_for_a_bill_in_one_statement(data: Database, sponsors: list[int]) -> None:
    bill = data.repos.bills.add(NewBill(title="Finance Bill 2026"))
    lonely = data.repos.bills.add(NewBill(title="Nobody's Bill"))
    data.repos.bill_sponsorships.add_many(
        [
            NewBillSponsorship(
                bill_id=bill.id,
                sponsor_id=sponsors[2],
                sponsorship_type="primary",
                sponsorship_date=dt.datetime(2026, 1, 1),
            ),
            NewBillSponsorship(
                bill_id=bill.id,
                sponsor_id=sponsors[0],
                sponsorship_type="co-sponsor",
                sponsorship_date=dt.datetime(2026, 2, 1),
                is_active=False,
            ),
        ]
    )
    repo = data.repos.sponsors
    with data.queries.count() as counted:
        found = repo.sponsorships_for_bill(bill.id)
    assert counted.total == 1
    assert [(s.sponsor.name, s.sponsorship.sponsorship_type) for s in found] == [
        ("Hon. Carol Mwangi", "primary"),
        ("Hon. Amina Wanjiru", "co-sponsor"),
    ]
    assert [s.sponsor.id for s in repo.sponsorships_for_bill(bill.id, active_only=True)] == [
        sponsors[2]
    ]
    assert repo.sponsorships_for_bill(lonely.id) == []
    with pytest.raises(NotFound):
        repo.sponsorships_for_bill(lonely.id + 10)
    with pytest.raises(InvalidInput, match="bill_id"):
        repo.sponsorships_for_bill("1")  # type: ignore[arg-type]


# -- regulations ------------------------------------------------------------------------------


def test_regulation_detail_changes_and_impacts(data: Database, sponsors: list[int]) -> None:
    reporter = make_users(data, 1)[0]
    regulation = data.repos.regulations.add(
        NewRegulation(title="Data Protection Rules", sector="ict", sponsor_id=sponsors[0])
    )
    data.repos.regulatory_impact.add_many(
        [
            NewRegulatoryImpact(
                regulation_id=regulation.id, sector="banking", impact_score=Decimal("3.5")
            ),
            NewRegulatoryImpact(
                regulation_id=regulation.id, sector="telecom", impact_score=Decimal("8.0")
            ),
        ]
    )
    changes = data.repos.regulatory_changes
    for day in (1, 3, 2):
        recorded = changes.record(
            NewRegulatoryChange(
                regulation_id=regulation.id,
                change_type=f"amendment {day}",
                changed_at=dt.datetime(2026, 3, day),
                reported_by=reporter,
            )
        )
        assert recorded.change_type == f"amendment {day}"
    touched = data.repos.regulations.get(regulation.id)
    assert touched.updated_at > regulation.updated_at
    with data.queries.count() as counted:
        detail = data.repos.regulations.detail(regulation.id, changes=2)
    assert counted.total == 3
    assert detail.regulation == touched
    assert [i.sector for i in detail.impacts] == ["telecom", "banking"]
    assert [c.change_type for c in detail.changes] == ["amendment 3", "amendment 2"]
    assert data.repos.regulations.detail(regulation.id, changes=0).changes == []
    history = changes.for_regulation(regulation.id, page_size=2, page=2)
    assert ([c.change_type for c in history.items], history.total) == (["amendment 1"], 3)
    impacts = data.repos.regulatory_impact.for_regulation(regulation.id)
    assert [i.sector for i in impacts] == ["telecom", "banking"]
    with pytest.raises(NotFound):
        data.repos.regulations.detail(uuid.uuid4())
    with pytest.raises(InvalidInput, match="changes"):
        data.repos.regulations.detail(regulation.id, changes=101)
    with pytest.raises(InvalidInput, match="regulation_id"):
        changes.for_regulation("not a uuid")  # type: ignore[arg-type]


def test_recording_a_change_of_a_missing_regulation_writes_nothing(data: Database) -> None:
    with pytest.raises(InvalidReference):
        data.repos.regulatory_changes.record(NewRegulatoryChange(regulation_id=uuid.uuid4()))
    assert data.repos.regulatory_changes.count() == 0


def test_regulation_list_filters(data: Database) -> None:
    repo = data.repos.regulations
    repo.add_many(
        [
            NewRegulation(
                title="Data Rules",
                sector="ict",
                tags=["privacy"],
                effective_date=dt.datetime(2026, 1, 1),
            ),
            NewRegulation(
                title="Tax Rules", sector="finance", effective_date=dt.datetime(2026, 6, 1)
            ),
            NewRegulation(title="Draft", sector="finance"),
        ]
    )
    assert [r.title for r in repo.list().items] == ["Tax Rules", "Data Rules", "Draft"]
    assert [r.title for r in repo.list({"tags": {"contains": ["privacy"]}}).items] == ["Data Rules"]
    assert repo.count({"sector": "finance"}) == 2
    assert repo.count({"effective_date": {"ge": "2026-03-01T00:00:00"}}) == 1
    first = repo.list({"title": {"ilike": "data"}}).items[0]
    assert repo.update(first.id, RegulationPatch(status="active")).status == "active"
    with pytest.raises(InvalidInput, match="metadata"):
        repo.list({"metadata": {"eq": "{}"}})


def test_stakeholders_rank_by_influence(data: Database) -> None:
    repo = data.repos.stakeholders
    repo.add_many(
        [
            NewStakeholder(name="Kenya Bankers", type="association", sector="banking"),
            NewStakeholder(
                name="Safaricom", type="company", sector="telecom", influence=Decimal("9.5")
            ),
            NewStakeholder(
                name="Consumers Union", type="ngo", sector="banking", influence=Decimal("4")
            ),
        ]
    )
    assert [s.name for s in repo.list().items] == ["Safaricom", "Consumers Union", "Kenya Bankers"]
    assert [s.name for s in repo.list({"sector": "banking"}, "name").items] == [
        "Consumers Union",
        "Kenya Bankers",
    ]
    assert repo.count({"influence": {"ge": "4"}}) == 2
