"""Moderation: which content was reported, what the moderators decided, and the five tables.

Every report points at content that exists (a comment, a bill, a user profile or, in the
queue, a sponsor's disclosure). A comment whose removal stands is soft-deleted in
``bill_comments`` and has a 'remove' action; no other comment is deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import attrs

from chanuka_db.seed.clock import DAY, HOUR
from chanuka_db.seed.fake import json_text, pick_weighted
from chanuka_db.seed.plan import Notes, Row, table

if TYPE_CHECKING:
    import random

    from chanuka_db.seed.world import World

__all__ = ["Case", "Moderation", "build_moderation"]

_CATEGORIES: Final = (
    ("spam", 35),
    ("harassment", 20),
    ("misinformation", 25),
    ("inappropriate", 15),
    ("copyright", 2),
    ("other", 3),
)
_SEVERITY: Final = {
    "spam": "low",
    "harassment": "high",
    "misinformation": "high",
    "inappropriate": "medium",
    "copyright": "medium",
    "other": "low",
}
_PRIORITY: Final = {"low": 1, "medium": 2, "high": 4, "critical": 5}
_DECISIONS: Final = (("removed", 35), ("approved", 45), ("warned", 15), ("escalated", 5))
# decision -> (moderation_queue.status, content_flags.status, moderation_flags.status, action)
_OUTCOMES: Final = {
    "pending": ("pending", "pending", "pending", None),
    "removed": ("rejected", "reviewed", "resolved", "remove"),
    "approved": ("approved", "dismissed", "dismissed", "approve"),
    "warned": ("approved", "reviewed", "resolved", "warn"),
    "escalated": ("escalated", "escalated", "escalated", "escalate"),
}


@attrs.frozen
class Case:
    """One piece of reported content and its fate."""

    content_type: str
    content_id: int
    author: int | None
    reported: int
    reporters: list[int]
    category: str
    severity: str
    decision: str
    moderator: int | None
    reviewed: int | None
    reversed: bool


@attrs.frozen
class Moderation:
    """Every case, and the comments (by index) whose removal stands."""

    cases: list[Case]
    removed_comments: frozenset[int]


def _decide(world: World, rng: random.Random, reported: int) -> tuple[str, int | None, int | None]:
    """(decision, moderator index, review time): recent reports may still be pending."""
    if reported > world.now - 3 * DAY or rng.random() < 0.05:
        return "pending", None, None
    moderator = rng.choice(world.people.staff)
    reviewed = min(world.now - 1, reported + int(rng.expovariate(1 / (10 * HOUR))))
    return pick_weighted(rng, _DECISIONS), moderator, reviewed


def _case(world: World, rng: random.Random, target: tuple[str, int, int | None, int]) -> Case:
    content_type, content_id, author, created = target
    reported = min(world.now - 60, created + int(rng.expovariate(1 / (6 * HOUR))))
    who = -1 if author is None else author
    reporters = world.user_sample(rng, rng.choice((1, 1, 1, 2, 3, 5)), exclude=who)
    category = pick_weighted(rng, _CATEGORIES)
    severity = "critical" if rng.random() < 0.05 else _SEVERITY[category]
    decision, moderator, reviewed = _decide(world, rng, reported)
    reversed_ = decision == "removed" and rng.random() < 0.05
    return Case(
        content_type,
        content_id,
        author,
        reported,
        reporters,
        category,
        severity,
        decision,
        moderator,
        reviewed,
        reversed_,
    )


def _targets(world: World, rng: random.Random) -> list[tuple[str, int, int | None, int]]:
    """(content_type, content_id, author index, created) of everything that gets reported."""
    comments, bills, people = world.comments, world.bills, world.people
    flagged = sorted(rng.sample(range(comments.count), max(5, comments.count // 250)))
    targets: list[tuple[str, int, int | None, int]] = [
        ("bill_comment", c + 1, comments.user[c], comments.time[c]) for c in flagged
    ]
    for b in sorted(rng.sample(range(bills.count), max(2, bills.count // 100))):
        targets.append(("bill", b + 1, None, bills.created[b]))
    with_profile = [i for i in range(0, people.count, 7) if people.profile_ids[i]]
    for i in rng.sample(with_profile, max(2, min(len(with_profile), people.count // 500))):
        targets.append(("user_profile", people.profile_ids[i], i, people.created[i]))
    return targets


def build_moderation(world: World) -> Moderation:
    """Cases for 0.4% of comments, 1% of bills and 0.2% of profiles, decided by staff."""
    rng = world.rng("moderation")
    cases = [_case(world, rng, target) for target in _targets(world, rng)]
    removed = frozenset(
        case.content_id - 1
        for case in cases
        if case.content_type == "bill_comment" and case.decision == "removed" and not case.reversed
    )
    return Moderation(cases, removed)


def _score(rng: random.Random, high: bool) -> Decimal:
    return Decimal(f"{0.5 + rng.random() * 0.5 if high else rng.random() * 0.3:.4f}")


@table(
    "content_analysis",
    "id content_type content_id toxicity_score spam_score sentiment_score readability_score flags "
    "confidence model_version analyzed_at",
    estimate=lambda w: w.scale.comments // 20 + w.scale.comments // 250,
)
def content_analysis(world: World, notes: Notes) -> Iterator[Row]:
    """Machine scores for every reported comment and one in twenty others; one per comment."""
    comments, clock = world.comments, world.clock
    reported = {c.content_id: c for c in world.moderation.cases if c.content_type == "bill_comment"}
    rng = world.rng("rows/content_analysis")
    next_id = 1
    for c in range(comments.count):
        case = reported.get(c + 1)
        if case is None and c % 20:
            continue
        toxic = case is not None and case.category in ("harassment", "inappropriate")
        spam = case is not None and case.category == "spam"
        flags = [case.category] if case is not None else []
        yield (
            next_id,
            "bill_comment",
            c + 1,
            _score(rng, toxic),
            _score(rng, spam),
            Decimal(f"{rng.random():.4f}"),
            Decimal(f"{0.3 + rng.random() * 0.7:.4f}"),
            flags,
            Decimal(f"{0.6 + rng.random() * 0.4:.4f}"),
            "1.0",
            clock.ts(min(world.now - 1, comments.time[c] + 30)),
        )
        next_id += 1


@table(
    "content_flags",
    "id content_type content_id flagger_user_id flag_reason flag_category description status "
    "reviewed_by reviewed_at created_at",
    estimate=lambda w: int((w.scale.comments // 250 + w.scale.bills // 100) * 1.8),
)
def content_flags(world: World, notes: Notes) -> Iterator[Row]:
    """Each user's report of a case; the status follows the case's decision."""
    ids, clock = world.people.ids, world.clock
    rng = world.rng("rows/content_flags")
    next_id = 1
    for case in world.moderation.cases:
        status = _OUTCOMES[case.decision][1]
        for k, reporter in enumerate(case.reporters):
            when = min(world.now - 1, case.reported + k * rng.randrange(1, HOUR))
            yield (
                next_id,
                case.content_type,
                case.content_id,
                ids[reporter],
                f"Reported as {case.category}",
                case.category,
                "Please review this.",
                status,
                None if case.moderator is None else ids[case.moderator],
                None if case.reviewed is None else clock.tz(case.reviewed),
                clock.tz(when),
            )
            next_id += 1


@table(
    "moderation_flags",
    "id content_type content_id flag_type reason reported_by status severity auto_detected "
    "reviewed_by reviewed_at resolution created_at updated_at",
    estimate=lambda w: w.scale.comments // 250 + w.scale.bills // 100 + w.scale.users // 500,
)
def moderation_flags(world: World, notes: Notes) -> Iterator[Row]:
    """One consolidated flag per case; 30% were raised by the classifier (reported by an admin)."""
    ids, clock = world.people.ids, world.clock
    rng = world.rng("rows/moderation_flags")
    for k, case in enumerate(world.moderation.cases, start=1):
        auto = rng.random() < 0.3
        reviewed = None if case.reviewed is None else clock.ts(case.reviewed)
        yield (
            k,
            case.content_type,
            case.content_id,
            case.category,
            f"Reported as {case.category}",
            ids[0] if auto else ids[case.reporters[0]],
            _OUTCOMES[case.decision][2],
            case.severity,
            auto,
            None if case.moderator is None else ids[case.moderator],
            reviewed,
            None if case.decision == "pending" else case.decision,
            clock.ts(case.reported),
            reviewed or clock.ts(case.reported),
        )


def _queue_items(world: World) -> Iterator[tuple[str, int, int | None, Case | None]]:
    """(content_type, content_id, author, case) of every queue item: the cases, then disclosures."""
    for case in world.moderation.cases:
        yield case.content_type, case.content_id, case.author, case
    for s in range(0, world.sponsors.count, 10):
        yield "sponsor_transparency", s + 1, None, None


@table(
    "moderation_queue",
    "id content_type content_id user_id flags priority status auto_flagged flag_reasons "
    "moderator_id moderator_notes reviewed_at created_at updated_at",
    estimate=lambda w: w.scale.comments // 250 + w.scale.bills // 100 + w.scale.sponsors // 10,
)
def moderation_queue(world: World, notes: Notes) -> Iterator[Row]:
    """A queue item per case (priority from severity), plus disclosures awaiting a check."""
    ids, clock = world.people.ids, world.clock
    pending = 0
    for k, (content_type, content_id, author, case) in enumerate(_queue_items(world), start=1):
        if case is None:
            created = clock.tz(world.now - k * HOUR)
            yield (
                k,
                content_type,
                content_id,
                None,
                "[]",
                1,
                "pending",
                True,
                ["disclosure_check"],
                None,
                None,
                None,
                created,
                created,
            )
            pending += 1
            continue
        status = _OUTCOMES[case.decision][0]
        pending += status == "pending"
        reviewed = None if case.reviewed is None else clock.tz(case.reviewed)
        yield (
            k,
            content_type,
            content_id,
            None if author is None else ids[author],
            json_text([{"category": case.category, "reports": len(case.reporters)}]),
            _PRIORITY[case.severity],
            status,
            False,
            [case.category],
            None if case.moderator is None else ids[case.moderator],
            None if case.reviewed is None else f"Decision: {case.decision}",
            reviewed,
            clock.tz(case.reported),
            reviewed or clock.tz(case.reported),
        )
    notes["pending_queue_items"] = pending


@table(
    "moderation_actions",
    "id content_type content_id action_type reason moderator_id duration is_reversible "
    "reversed_at reversed_by created_at",
    estimate=lambda w: w.scale.comments // 300 + w.scale.bills // 120,
)
def moderation_actions(world: World, notes: Notes) -> Iterator[Row]:
    """What the moderator did for each decided case; a few removals were reversed on appeal."""
    ids, clock = world.people.ids, world.clock
    rng = world.rng("rows/moderation_actions")
    next_id = 1
    for case in world.moderation.cases:
        action = _OUTCOMES[case.decision][3]
        if action is None or case.moderator is None or case.reviewed is None:
            continue
        reversed_at = min(world.now - 1, case.reviewed + 2 * DAY) if case.reversed else None
        yield (
            next_id,
            case.content_type,
            case.content_id,
            action,
            f"{case.category}: {action}",
            ids[case.moderator],
            rng.choice((24, 72, 168)) if action == "warn" else None,
            action != "escalate",
            None if reversed_at is None else clock.ts(reversed_at),
            ids[rng.choice(world.people.staff)] if case.reversed else None,
            clock.ts(case.reviewed),
        )
        next_id += 1
