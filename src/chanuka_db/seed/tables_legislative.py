"""Rows of the legislative domain: bills and everything hanging off a bill.

Counters agree with their sources by construction: a bill's ``view_count``,
``comment_count`` and ``share_count`` are the sums over its ``bill_engagement`` rows, which
count its ``bill_comments`` and ``social_shares`` per user; ``engagement_score`` is
views + 5 x comments + 3 x shares on both levels; a comment's ``upvotes``/``downvotes`` are
its ``comment_votes`` by type; ``bills.tags`` is the set of its ``bill_tags``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from chanuka_db.seed import vocab
from chanuka_db.seed.activity import bill_pairs, engagement_score, time_order, vote_delay
from chanuka_db.seed.clock import DAY, HOUR
from chanuka_db.seed.fake import json_text, pick_weighted
from chanuka_db.seed.plan import Notes, Row, table

if TYPE_CHECKING:
    from chanuka_db.seed.world import Bills, World

__all__: list[str] = []

_COMMENT_TYPES: Final = (
    ("general", 60),
    ("support", 12),
    ("opposition", 12),
    ("question", 10),
    ("amendment_suggestion", 6),
)
_PLATFORMS: Final = (
    ("whatsapp", 45),
    ("twitter", 22),
    ("facebook", 22),
    ("telegram", 7),
    ("linkedin", 4),
)
_ANALYSES: Final = ("summary", "impact", "constitutional", "sentiment", "cost_benefit")
_CONFLICTS: Final = ("constitutional", "existing_law", "county_function", "fiscal", "rights")
_SEVERITIES: Final = (("low", 40), ("medium", 35), ("high", 20), ("critical", 5))
_VERIFICATION_TYPES: Final = ("accuracy", "impact", "constitutionality", "implementation")


def _bill_text(rng: random.Random, bills: Bills, b: int) -> tuple[str, str, str]:
    """(summary, description, content) of bill ``b``: the text full-text search indexes."""
    title = bills.title(b)
    subject = vocab.SUBJECTS[bills.subjects[b]][0]
    first, second = rng.sample(vocab.SUMMARY_PHRASES, 2)
    summary = f"{title} {first} and {second}."
    description = (
        f"A Bill for an Act of Parliament to amend the law relating to {subject.lower()}, "
        f"to provide for county participation and for connected purposes. It {second}."
    )
    clauses = rng.choices(vocab.SECTION_CLAUSES, k=rng.randint(4, 14))
    body = " ".join(f"{n}. {clause}" for n, clause in enumerate(clauses, start=3))
    content = (
        f"PART I - PRELIMINARY. 1. Short title. This Act may be cited as the {subject} Act. "
        f"2. Interpretation. In this Act, unless the context otherwise requires, the Authority "
        f"means the body established under this Act for {subject.lower()}. {body}"
    )
    return summary, description, content


@table(
    "bills",
    "id title description content summary status bill_number sponsor_id category tags view_count "
    "share_count comment_count engagement_score complexity_score constitutional_concerns "
    "stakeholder_analysis introduced_date last_action_date created_at updated_at",
    estimate=lambda w: w.scale.bills,
)
def bills(world: World, notes: Notes) -> Iterator[Row]:
    """Bills with counters summed from their engagement (the search trigger fills search_vector)."""
    all_bills, views, clock = world.bills, world.engagement.views, world.clock
    rng = world.rng("rows/bills")
    for b in range(all_bills.count):
        summary, description, content = _bill_text(rng, all_bills, b)
        comments, shares = all_bills.comments[b], all_bills.shares[b]
        concerns = (
            json_text(
                [{"article": rng.choice((10, 43, 174, 201, 209)), "concern": "public finance"}]
            )
            if rng.random() < 0.15
            else "[]"
        )
        yield (
            b + 1,
            all_bills.title(b),
            description,
            content,
            summary,
            all_bills.statuses[b],
            all_bills.number(b),
            all_bills.sponsors[b],
            all_bills.category(b),
            all_bills.tags[b],
            views[b],
            shares,
            comments,
            engagement_score(views[b], comments, shares),
            rng.randint(1, 10),
            concerns,
            json_text({"supporters": rng.randint(0, 40), "opponents": rng.randint(0, 40)}),
            clock.ts(all_bills.introduced[b]),
            clock.ts(all_bills.last_action[b]),
            clock.ts(all_bills.created[b]),
            clock.ts(max(all_bills.created[b], all_bills.last_action[b])),
        )
    top = all_bills.most_popular
    notes.update(
        most_popular_bill_id=top + 1,
        most_popular_bill_title=all_bills.title(top),
        most_commented_bill_id=max(range(all_bills.count), key=all_bills.comments.__getitem__) + 1,
        search_phrase="finance bill",
        search_min_matches=sum(1 for s in all_bills.subjects if s == 0),
    )


@table("bill_tags", "id bill_id tag created_at", estimate=lambda w: int(w.scale.bills * 2.7))
def bill_tags(world: World, notes: Notes) -> Iterator[Row]:
    """One row per element of ``bills.tags``."""
    all_bills, clock = world.bills, world.clock
    next_id = 1
    for b in range(all_bills.count):
        created = clock.ts(all_bills.created[b])
        for tag in all_bills.tags[b]:
            yield (next_id, b + 1, tag, created)
            next_id += 1


@table(
    "bill_sponsorships",
    "id bill_id sponsor_id sponsorship_type sponsorship_date is_active created_at",
    estimate=lambda w: int(w.scale.bills * 2),
)
def bill_sponsorships(world: World, notes: Notes) -> Iterator[Row]:
    """The primary sponsor (``bills.sponsor_id``) and up to three co-sponsors per bill."""
    all_bills, clock = world.bills, world.clock
    rng = world.rng("rows/bill_sponsorships")
    count = world.sponsors.count
    next_id = 1
    for b in range(all_bills.count):
        primary = all_bills.sponsors[b]
        others = {rng.randrange(count) + 1 for _ in range(rng.randint(0, 3))} - {primary}
        when = clock.ts(all_bills.introduced[b])
        for k, sponsor in enumerate([primary, *sorted(others)]):
            kind = "primary" if k == 0 else "co_sponsor"
            yield (next_id, b + 1, sponsor, kind, when, rng.random() < 0.97, when)
            next_id += 1


@table(
    "bill_engagement",
    "id bill_id user_id view_count comment_count share_count engagement_score last_engaged "
    "created_at updated_at",
    estimate=lambda w: w.scale.engagement,
)
def bill_engagement(world: World, notes: Notes) -> Iterator[Row]:
    """One row per (bill, user) pair, regenerated bill by bill from its own stream."""
    ids, clock = world.people.ids, world.clock
    ts = clock.ts
    next_id = 1
    for b in range(world.bills.count):
        batch = bill_pairs(world, b)
        bill_id = b + 1
        for j, u in enumerate(batch.users):
            v, c, s = batch.views[j], batch.comments[j], batch.shares[j]
            last = ts(batch.last[j])
            score = engagement_score(v, c, s)
            yield (next_id, bill_id, ids[u], v, c, s, score, last, ts(batch.first[j]), last)
            next_id += 1


def _comment_text(rng: random.Random) -> str:
    closer = rng.choice(vocab.COMMENT_CLOSERS)
    text = f"{rng.choice(vocab.COMMENT_OPENERS)} {rng.choice(vocab.COMMENT_BODIES)}."
    return f"{text} {closer}" if closer else text


@table(
    "bill_comments",
    "id bill_id user_id content comment_type is_verified parent_comment_id upvotes downvotes "
    "is_deleted created_at updated_at",
    estimate=lambda w: w.scale.comments,
)
def bill_comments(world: World, notes: Notes) -> Iterator[Row]:
    """Comments in time order; experts' are verified analyses; removed ones are soft-deleted."""
    comments, ids, clock = world.comments, world.people.ids, world.clock
    experts = world.people.expert_range
    removed = world.moderation.removed_comments
    rng = world.rng("rows/bill_comments")
    best = 0
    for c in range(comments.count):
        author = comments.user[c]
        expert = author in experts
        kind = "expert_analysis" if expert else pick_weighted(rng, _COMMENT_TYPES)
        created = comments.time[c]
        edited = created + rng.randrange(HOUR) if rng.random() < 0.05 else created
        up, down = comments.up[c], comments.down[c]
        if up + down > comments.up[best] + comments.down[best]:
            best = c
        yield (
            c + 1,
            comments.bill[c] + 1,
            ids[author],
            _comment_text(rng),
            kind,
            expert,
            comments.parent[c] or None,
            up,
            down,
            c in removed,
            clock.ts(created),
            clock.ts(edited),
        )
    notes["most_voted_comment_id"] = best + 1


@table(
    "comment_votes",
    "id comment_id user_id vote_type created_at updated_at",
    estimate=lambda w: int(w.scale.comments * 1.1),
)
def comment_votes(world: World, notes: Notes) -> Iterator[Row]:
    """Exactly ``upvotes`` 'up' and ``downvotes`` 'down' votes per comment, by distinct users."""
    comments, ids, clock, now = world.comments, world.people.ids, world.clock, world.now
    rng = world.rng("rows/comment_votes")
    next_id = 1
    for c in range(comments.count):
        up, total = comments.up[c], comments.up[c] + comments.down[c]
        if not total:
            continue
        voters = world.user_sample(rng, total, exclude=comments.user[c])
        for k, voter in enumerate(voters):
            when = clock.ts(min(now - 1, comments.time[c] + vote_delay(rng)))
            yield (next_id, c + 1, ids[voter], "up" if k < up else "down", when, when)
            next_id += 1


@table(
    "social_shares",
    "id bill_id platform user_id metadata share_date likes shares comments created_at",
    estimate=lambda w: w.scale.shares,
)
def social_shares(world: World, notes: Notes) -> Iterator[Row]:
    """Shares in time order; each is counted in its engagement pair and in ``bills.share_count``."""
    slots, ids, clock = world.engagement.share_slots, world.people.ids, world.clock
    rng = world.rng("rows/social_shares")
    for k, i in enumerate(time_order(slots), start=1):
        platform = pick_weighted(rng, _PLATFORMS)
        when = clock.ts(slots.time[i])
        yield (
            k,
            slots.bill[i] + 1,
            platform,
            ids[slots.user[i]],
            json_text({"utm_source": platform, "via": "share_button"}),
            when,
            int(rng.expovariate(0.1)),
            int(rng.expovariate(0.5)),
            int(rng.expovariate(0.8)),
            when,
        )


@table(
    "citizen_verifications",
    "id bill_id citizen_id verification_type verification_status confidence evidence expertise "
    "reasoning endorsements disputes created_at updated_at",
    estimate=lambda w: int(w.scale.bills * 1.5),
)
def citizen_verifications(world: World, notes: Notes) -> Iterator[Row]:
    """Checks of a bill by users who engaged with it; one per (bill, citizen, type)."""
    subscribers, ids, clock, now = (
        world.engagement.subscribers,
        world.people.ids,
        world.clock,
        world.now,
    )
    rng = world.rng("rows/citizen_verifications")
    for b in range(world.bills.count):
        citizens = subscribers[b][: rng.choice((0, 1, 1, 2, 3))]
        for u in citizens:
            kind = rng.choice(_VERIFICATION_TYPES)
            when = max(world.bills.created[b], now - rng.randrange(1, 700) * DAY)
            yield (
                f"cv_{rng.getrandbits(96):024x}",
                b + 1,
                ids[u],
                kind,
                rng.choice(("pending", "verified", "verified", "disputed")),
                rng.randint(20, 100),
                json_text([{"source": "Kenya Gazette", "page": rng.randint(1, 300)}]),
                json_text({"area": world.bills.category(b)}),
                f"Checked the {kind} of the bill against the Gazette and the Hansard.",
                rng.randint(0, 30),
                rng.randint(0, 5),
                clock.ts(when),
                clock.ts(when),
            )


@table(
    "expert_verifications",
    "id bill_id expert_id verification_status confidence feedback created_at updated_at",
    estimate=lambda w: int(w.scale.bills * 0.6),
)
def expert_verifications(world: World, notes: Notes) -> Iterator[Row]:
    """Reviews by experts on about a third of bills; one per (bill, expert)."""
    experts, ids, clock, now = world.people.expert_range, world.people.ids, world.clock, world.now
    rng = world.rng("rows/expert_verifications")
    next_id = 1
    for b in range(world.bills.count):
        if rng.random() > 0.3:
            continue
        for expert in rng.sample(experts, min(len(experts), rng.randint(1, 3))):
            when = clock.ts(max(world.bills.created[b], now - rng.randrange(1, 700) * DAY))
            yield (
                next_id,
                b + 1,
                ids[expert],
                rng.choice(("approved", "needs_revision", "rejected")),
                Decimal(f"{rng.random():.4f}"),
                "Reviewed against the Constitution and existing law.",
                when,
                when,
            )
            next_id += 1


@table(
    "bill_section_conflicts",
    "id bill_id section_number conflict_type severity description recommendation is_resolved "
    "created_at updated_at",
    estimate=lambda w: int(w.scale.bills * 0.6),
)
def bill_section_conflicts(world: World, notes: Notes) -> Iterator[Row]:
    """Problems found in sections of 30% of bills."""
    clock = world.clock
    rng = world.rng("rows/bill_section_conflicts")
    next_id = 1
    for b in range(world.bills.count):
        if rng.random() > 0.3:
            continue
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(_CONFLICTS)
            when = clock.ts(world.bills.created[b] + rng.randrange(DAY))
            yield (
                next_id,
                b + 1,
                f"{rng.randint(3, 60)}({rng.randint(1, 5)})",
                kind,
                pick_weighted(rng, _SEVERITIES),
                f"The section conflicts with {kind.replace('_', ' ')}.",
                "Amend the section or delete it.",
                rng.random() < 0.3,
                when,
                when,
            )
            next_id += 1


@table(
    "analysis",
    "id bill_id analysis_type results confidence model_version is_approved approved_by "
    "created_at updated_at",
    estimate=lambda w: int(w.scale.bills * 2),
)
def analysis(world: World, notes: Notes) -> Iterator[Row]:
    """One to three automated analyses per bill; one per (bill, type); some approved by staff."""
    people, clock = world.people, world.clock
    rng = world.rng("rows/analysis")
    reviewers = range(people.admins + people.moderators + people.experts)
    next_id = 1
    for b in range(world.bills.count):
        for kind in rng.sample(_ANALYSES, rng.randint(1, 3)):
            approved = rng.random() < 0.4
            when = clock.ts(world.bills.created[b] + rng.randrange(3 * DAY))
            yield (
                next_id,
                b + 1,
                kind,
                json_text({"score": round(rng.random(), 3), "kind": kind}),
                Decimal(f"{rng.random():.4f}"),
                rng.choice(("1.0", "1.1", "2.0")),
                approved,
                people.ids[rng.choice(reviewers)] if approved else None,
                when,
                when,
            )
            next_id += 1
