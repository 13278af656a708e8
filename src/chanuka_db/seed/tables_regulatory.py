"""Rows of the regulatory domain: sponsors and their disclosures, regulations, stakeholders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from chanuka_db.seed import vocab
from chanuka_db.seed.clock import DAY
from chanuka_db.seed.fake import json_text, person_name, pick_weighted
from chanuka_db.seed.plan import Notes, Row, table
from chanuka_db.seed.world import uuid_text

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__: list[str] = []

_CONFLICT: Final = (("low", 55), ("medium", 30), ("high", 12), ("critical", 3))
_ROLE_TITLES: Final = {
    "mp": "Member of the National Assembly",
    "senator": "Senator",
    "woman_representative": "County Woman Representative",
    "nominated_mp": "Nominated Member of the National Assembly",
    "former_mp": "Former Member of the National Assembly",
}
_AFFILIATIONS: Final = (
    ("Kenya Farmers Association", "business"),
    ("Law Society of Kenya", "professional"),
    ("Kenya Private Sector Alliance", "business"),
    ("Safaricom PLC", "business"),
    ("Equity Group Holdings", "business"),
    ("Kenya Sugar Board", "government"),
    ("Mumias Sugar Company", "business"),
    ("Kenya Tea Development Agency", "business"),
    ("Red Cross Kenya", "ngo"),
    ("Anglican Church of Kenya", "religious"),
    ("SUPKEM", "religious"),
    ("Kenya National Chamber of Commerce", "business"),
    ("Parliamentary Budget Committee", "political"),
    ("Africa Nazarene University", "academic"),
)
_DISCLOSURES: Final = (
    "asset_declaration",
    "business_interest",
    "gift",
    "sponsored_travel",
    "shareholding",
    "land_holding",
)
_REGULATION_STATUSES: Final = (
    ("in_force", 45),
    ("published", 20),
    ("proposed", 20),
    ("under_review", 10),
    ("revoked", 5),
)
_STAKEHOLDERS: Final = (
    ("Kenya Association of Manufacturers", "industry"),
    ("Central Organization of Trade Unions", "labour"),
    ("Kenya National Union of Teachers", "labour"),
    ("Kenya Medical Practitioners Union", "labour"),
    ("Kenya Private Sector Alliance", "industry"),
    ("Law Society of Kenya", "professional"),
    ("Katiba Institute", "civil_society"),
    ("Mzalendo Trust", "civil_society"),
    ("Kenya Human Rights Commission", "civil_society"),
    ("Council of Governors", "government"),
    ("Kenya Bankers Association", "industry"),
    ("Kenya Tea Growers Association", "agriculture"),
    ("Matatu Owners Association", "transport"),
    ("Kenya Alliance of Resident Associations", "community"),
)


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


@table(
    "sponsors",
    "id name role party constituency email phone bio photo_url conflict_level financial_exposure "
    "voting_alignment transparency_score is_active created_at updated_at",
    estimate=lambda w: w.scale.sponsors,
)
def sponsors(world: World, notes: Notes) -> Iterator[Row]:
    """Legislators in their seats; (name, email) is unique because the email carries the id."""
    seats, clock = world.sponsors, world.clock
    rng = world.rng("rows/sponsors")
    created = clock.at(dt.date(world.first_year, 1, 1))
    for s in range(seats.count):
        first, last = person_name(rng)
        where = seats.constituency_or_county(s)
        yield (
            s + 1,
            f"Hon. {first} {last}",
            _ROLE_TITLES[seats.roles[s]],
            seats.parties[s],
            where,
            f"{first.lower()}.{last.lower()}.{s + 1}@parliament.go.ke",
            f"+2547{rng.randrange(10**8):08d}",
            f"{_ROLE_TITLES[seats.roles[s]]} for {where or 'the nation'} ({seats.parties[s]}).",
            f"https://www.parliament.go.ke/photos/{s + 1}.jpg",
            pick_weighted(rng, _CONFLICT),
            _money(rng.random() * 5e7),
            _money(40 + rng.random() * 60),
            _money(rng.random() * 100),
            seats.active[s],
            clock.ts(created + s),
            clock.ts(created + s + rng.randrange(365 * DAY)),
        )
    notes["sponsor_id"] = seats.leaders[0] + 1


@table(
    "sponsor_affiliations",
    "id sponsor_id organization role type conflict_type start_date end_date is_active "
    "created_at updated_at",
    estimate=lambda w: w.scale.sponsors * 2,
)
def sponsor_affiliations(world: World, notes: Notes) -> Iterator[Row]:
    """One to three organisations per sponsor; a past one has an end date."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/sponsor_affiliations")
    next_id = 1
    for s in range(world.sponsors.count):
        for organization, kind in rng.sample(_AFFILIATIONS, rng.randint(1, 3)):
            start = now - rng.randrange(15 * 365) * DAY
            ended = rng.random() < 0.3
            end = start + rng.randrange(1, max(2, (now - start) // DAY)) * DAY if ended else None
            conflict = "financial" if kind == "business" and rng.random() < 0.4 else None
            yield (
                next_id,
                s + 1,
                organization,
                rng.choice(("member", "director", "patron", "chair")),
                kind,
                conflict,
                clock.ts(start),
                None if end is None else clock.ts(end),
                not ended,
                clock.ts(start),
                clock.ts(end or start),
            )
            next_id += 1


@table(
    "sponsor_transparency",
    "id sponsor_id disclosure_type description amount source date_reported is_verified "
    "created_at updated_at",
    estimate=lambda w: int(w.scale.sponsors * 2.5),
)
def sponsor_transparency(world: World, notes: Notes) -> Iterator[Row]:
    """One to four disclosures per sponsor, filed with the Ethics and Anti-Corruption Commission."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/sponsor_transparency")
    next_id = 1
    for s in range(world.sponsors.count):
        for kind in rng.sample(_DISCLOSURES, rng.randint(1, 4)):
            reported = now - rng.randrange(1, 5 * 365) * DAY
            amount = (
                _money(rng.lognormvariate(13, 1.5))
                if kind != "gift"
                else _money(rng.random() * 5e5)
            )
            yield (
                next_id,
                s + 1,
                kind,
                f"{kind.replace('_', ' ').capitalize()} declared for the period",
                min(amount, Decimal("9999999999.99")),
                "Ethics and Anti-Corruption Commission",
                clock.ts(reported),
                rng.random() < 0.6,
                clock.ts(reported),
                clock.ts(reported),
            )
            next_id += 1


def regulation_ids(world: World) -> list[str]:
    """The uuid of every regulation (stable: its own stream)."""
    rng = world.rng("regulations/ids")
    return [uuid_text(rng) for _ in range(world.scale.regulations)]


@table(
    "regulations",
    "id title description content status source sector tags sponsor_id effective_date "
    "compliance_deadline affected_stakeholders estimated_impact metadata created_at updated_at",
    estimate=lambda w: w.scale.regulations,
)
def regulations(world: World, notes: Notes) -> Iterator[Row]:
    """Subsidiary legislation made under the Acts, gazetted with a deadline to comply."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/regulations")
    for r, regulation_id in enumerate(regulation_ids(world)):
        subject, category = rng.choice(vocab.SUBJECTS)
        published = now - rng.randrange(1, 8 * 365) * DAY
        effective = published + rng.randrange(30, 180) * DAY
        notice = f"Legal Notice No. {rng.randint(1, 250)} of {clock.year(published)}"
        yield (
            regulation_id,
            f"The {subject} Regulations, {clock.year(published)}",
            f"Regulations made under the {subject} Act.",
            rng.choice(vocab.SECTION_CLAUSES),
            pick_weighted(rng, _REGULATION_STATUSES),
            f"Kenya Gazette Supplement, {notice}",
            category,
            list(vocab.CATEGORY_TAGS[category][:2]),
            rng.randrange(world.sponsors.count) + 1 if rng.random() < 0.5 else None,
            clock.ts(effective),
            clock.ts(effective + rng.randrange(90, 720) * DAY),
            rng.randrange(10, 50_000),
            _money(rng.random() * 1e6),
            json_text({"legal_notice": notice}),
            clock.ts(published),
            clock.ts(published + r),
        )


@table(
    "regulatory_impact",
    "id regulation_id sector impact_level affected_entities mitigation impact_score created_at "
    "updated_at",
    estimate=lambda w: w.scale.regulations * 2,
)
def regulatory_impact(world: World, notes: Notes) -> Iterator[Row]:
    """One to three sector assessments per regulation."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/regulatory_impact")
    next_id = 1
    for regulation_id in regulation_ids(world):
        for sector in rng.sample(sorted(vocab.CATEGORY_TAGS), rng.randint(1, 3)):
            level = rng.choice(("low", "medium", "high"))
            when = clock.ts(now - rng.randrange(1, 1000) * DAY)
            yield (
                next_id,
                regulation_id,
                sector,
                level,
                json_text([f"{sector} operators", "county governments"]),
                json_text({"transition_period_months": rng.choice((3, 6, 12))}),
                _money(rng.random() * 100),
                when,
                when,
            )
            next_id += 1


@table(
    "regulatory_changes",
    "id regulation_id change_type changes_requirements shortens_deadline adds_costs "
    "affects_compliance details changed_at reported_by created_at",
    estimate=lambda w: int(w.scale.regulations * 1.5),
)
def regulatory_changes(world: World, notes: Notes) -> Iterator[Row]:
    """Zero to three amendments per regulation, half of them reported by a user."""
    clock, now = world.clock, world.now
    people = world.people
    rng = world.rng("rows/regulatory_changes")
    next_id = 1
    for regulation_id in regulation_ids(world):
        for _ in range(rng.randint(0, 3)):
            when = now - rng.randrange(1, 900) * DAY
            reporter = people.ids[rng.randrange(people.count)] if rng.random() < 0.5 else None
            yield (
                next_id,
                regulation_id,
                rng.choice(("amendment", "extension", "revocation", "correction")),
                rng.random() < 0.5,
                rng.random() < 0.2,
                rng.random() < 0.3,
                rng.random() < 0.4,
                json_text({"gazette_page": rng.randint(1, 400)}),
                clock.ts(when),
                reporter,
                clock.ts(when),
            )
            next_id += 1


@table(
    "stakeholders",
    "id name email organization sector type influence voting_history created_at updated_at",
    estimate=lambda w: w.scale.stakeholders,
)
def stakeholders(world: World, notes: Notes) -> Iterator[Row]:
    """Organisations and individuals with a stake in legislation."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/stakeholders")
    for k in range(world.scale.stakeholders):
        if k < len(_STAKEHOLDERS):
            name, sector = _STAKEHOLDERS[k]
            kind, organization = "organization", name
        else:
            first, last = person_name(rng)
            name, sector = f"{first} {last}", rng.choice(sorted(vocab.CATEGORY_TAGS))
            kind, organization = "individual", rng.choice(_STAKEHOLDERS)[0]
        when = clock.ts(now - rng.randrange(1, 1500) * DAY)
        history = json_text(
            [
                {
                    "bill_id": rng.randrange(world.bills.count) + 1,
                    "position": rng.choice(("support", "oppose")),
                }
            ]
        )
        yield (
            k + 1,
            name,
            f"contact{k + 1}@{name.split()[0].lower()}.or.ke",
            organization,
            sector,
            kind,
            _money(rng.random() * 100),
            history,
            when,
            when,
        )
