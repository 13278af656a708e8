"""Moderation: which content was reported, what the moderators decided, and the five tables.

The rows are those ``ModerationRepository`` (``chanuka_db.repositories.moderation``) writes
for the same history of ``flag`` and ``decide`` calls: each report is one
``moderation_flags`` row (reason, the reporter's words or the reason itself, a severity by
reason unless the reporter said critical); all reports of one piece of content merge into
ONE ``moderation_queue`` item whose ``flags`` lists them (``flag_id``, ``reason``,
``severity``), whose priority is their number (1-5; 5 once escalated) and whose
``flag_reasons`` and ``auto_flagged`` sum them up. A decision closes every report of its
item with the moderator's reason and records one ``moderation_actions`` row; only
comments and profiles are removed (a comment soft-deleted, a profile made private), and
only a removal is reversible. ``content_flags`` gets no rows: the repository never writes it.

Every report points at content that exists (a comment, a bill, a user profile or a sponsor's
disclosure) and comes before the decision on it. A comment whose removal stands is
soft-deleted in ``bill_comments`` and has a 'remove' action; no other comment is deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Final, TypeAlias

import attrs

from chanuka_db.seed.clock import DAY, HOUR
from chanuka_db.seed.fake import json_text, pick_weighted
from chanuka_db.seed.plan import Notes, Row, table

if TYPE_CHECKING:
    import random

    from chanuka_db.seed.world import World

__all__ = ["Case", "Moderation", "Report", "build_moderation"]

# The moderation repository's vocabulary (chanuka_db.repositories.moderation: FlagReason,
# DEFAULT_SEVERITY, Decision and what each decision writes). The seed may not import a
# repository (they are sibling layers); tests/test_seed_generator.py keeps the two equal.
REASONS: Final = (
    ("spam", 35),
    ("harassment", 20),
    ("misinformation", 25),
    ("inappropriate", 15),
    ("copyright", 2),
    ("other", 3),
)
DEFAULT_SEVERITY: Final = {
    "spam": "low",
    "harassment": "high",
    "misinformation": "medium",
    "inappropriate": "medium",
    "copyright": "medium",
    "other": "low",
}
REMOVABLE: Final = frozenset({"bill_comment", "user_profile"})
# decision -> (moderation_queue.status, moderation_flags.status, moderation_actions.action_type)
OUTCOMES: Final = {
    "pending": ("pending", "pending", None),
    "removed": ("rejected", "resolved", "remove"),
    "approved": ("approved", "dismissed", "approve"),
    "warned": ("approved", "resolved", "warn"),
    "escalated": ("escalated", "escalated", "escalate"),
}
_DECISIONS: Final = (("removed", 35), ("approved", 45), ("warned", 15), ("escalated", 5))
# A bill or a disclosure cannot be removed by moderation: the repository refuses it.
_DECISIONS_KEEPING: Final = (("approved", 70), ("warned", 20), ("escalated", 10))
DETECTOR: Final = 0
"""The account (an admin) the content classifier and the disclosure checks report as."""
_REPORTER_WORDS: Final = {
    "spam": "Posting the same link under every bill.",
    "harassment": "Personal attack on another commenter.",
    "misinformation": "This misquotes what the bill says.",
    "inappropriate": "Offensive language.",
    "copyright": "Copied from a newspaper article.",
    "other": "Please review this.",
}


_Target: TypeAlias = tuple[str, int, int | None, int]
"""(content_type, content_id, author index, created) of a piece of content."""


@attrs.frozen
class Report:
    """One report, as ``ModerationRepository.flag`` records it.

    It is one ``moderation_flags`` row (``flag_id``) and one entry of its item's ``flags``.
    ``details`` is the reporter's own words, or the reason itself (the repository's default).
    """

    flag_id: int
    reporter: int
    reason: str
    details: str
    severity: str
    auto: bool
    time: int


@attrs.frozen
class Case:
    """One piece of reported content, its reports (one review item) and their fate.

    ``category`` is the first report's reason; ``reported`` the first report's time. Every
    report comes before ``reviewed``: they all merged into the one item the moderator decided.
    """

    content_type: str
    content_id: int
    author: int | None
    reported: int
    reports: tuple[Report, ...]
    category: str
    decision: str
    moderator: int | None
    reviewed: int | None
    reversed: bool

    @property
    def item_status(self) -> str:
        """``moderation_queue.status`` after the decision."""
        return OUTCOMES[self.decision][0]

    @property
    def flag_status(self) -> str:
        """``moderation_flags.status`` of every report after the decision."""
        return OUTCOMES[self.decision][1]

    @property
    def action(self) -> str | None:
        """``moderation_actions.action_type`` of the decision (None while pending)."""
        return OUTCOMES[self.decision][2]

    @property
    def resolution(self) -> str | None:
        """The moderator's reason: the action's ``reason`` and every report's ``resolution``."""
        return None if self.action is None else f"{self.category}: {self.action}"

    @property
    def priority(self) -> int:
        """The item's priority as the repository keeps it: the reports (1-5); 5 if escalated."""
        return 5 if self.decision == "escalated" else min(5, len(self.reports))

    @property
    def reasons(self) -> list[str]:
        """``flag_reasons``: each report's reason once, in order of first appearance."""
        return list(dict.fromkeys(report.reason for report in self.reports))

    @property
    def last_report(self) -> int:
        """When the last report merged into the item."""
        return self.reports[-1].time


@attrs.frozen
class Moderation:
    """Every case, and the comments (by index) and profiles (by id) whose removal stands."""

    cases: list[Case]
    removed_comments: frozenset[int]
    removed_profiles: frozenset[int]


def _decide(
    world: World, rng: random.Random, reported: int, removable: bool
) -> tuple[str, int | None, int | None]:
    """(decision, moderator index, review time): recent reports may still be pending."""
    if reported > world.now - 3 * DAY or rng.random() < 0.05:
        return "pending", None, None
    moderator = rng.choice(world.people.staff)
    reviewed = min(world.now - 1, reported + int(rng.expovariate(1 / (10 * HOUR))))
    return pick_weighted(rng, _DECISIONS if removable else _DECISIONS_KEEPING), moderator, reviewed


@attrs.define
class _Reporting:
    """Turns who reported what into :class:`Report` rows, numbering them as they are made."""

    rng: random.Random
    next_flag: int = 1

    def report(self, reporter: int, reason: str, severity: str, time: int, *, auto: bool) -> Report:
        """The next report; a person writes their own words one time in three."""
        words = _REPORTER_WORDS[reason] if not auto and self.rng.random() < 1 / 3 else reason
        made = Report(self.next_flag, reporter, reason, words, severity, auto, time)
        self.next_flag += 1
        return made

    def reports(
        self,
        people: list[int],
        category: str,
        critical: bool,
        window: tuple[int, int],
        author: int | None,
    ) -> tuple[Report, ...]:
        """The case's reports in time order within ``window``: maybe the classifier's first.

        The first report gives the case its category (and says so when it is critical); later
        reporters mostly agree. Each reporter reports once (an open report is never repeated).
        """
        rng = self.rng
        auto = author != DETECTOR and rng.random() < 0.3
        who = [(DETECTOR, True)] if auto else []
        who += [(p, False) for p in people if not (auto and p == DETECTOR)]
        first, last = window
        made, time = [], first
        for k, (reporter, by_classifier) in enumerate(who):
            same = k == 0 or rng.random() < 0.75
            reason = category if same else pick_weighted(rng, REASONS)
            severity = "critical" if k == 0 and critical else DEFAULT_SEVERITY[reason]
            made.append(self.report(reporter, reason, severity, time, auto=by_classifier))
            time = min(last, time + rng.randrange(1, HOUR))
        return tuple(made)


def _case(world: World, rng: random.Random, reporting: _Reporting, target: _Target) -> Case:
    content_type, content_id, author, created = target
    reported = min(world.now - 60, created + int(rng.expovariate(1 / (6 * HOUR))))
    who = -1 if author is None else author
    people = world.user_sample(rng, rng.choice((1, 1, 1, 2, 3, 5)), exclude=who)
    category = pick_weighted(rng, REASONS)
    critical = rng.random() < 0.05
    decision, moderator, reviewed = _decide(world, rng, reported, content_type in REMOVABLE)
    reversed_ = decision == "removed" and rng.random() < 0.05
    last = world.now - 1 if reviewed is None else max(reported, reviewed - 1)
    reports = reporting.reports(people, category, critical, (reported, last), author)
    return Case(
        content_type,
        content_id,
        author,
        reported,
        reports,
        category,
        decision,
        moderator,
        reviewed,
        reversed_,
    )


def _targets(world: World, rng: random.Random) -> list[_Target]:
    """(content_type, content_id, author index, created) of everything that gets reported."""
    comments, bills, people = world.comments, world.bills, world.people
    flagged = sorted(rng.sample(range(comments.count), max(5, comments.count // 250)))
    targets: list[_Target] = [
        ("bill_comment", c + 1, comments.user[c], comments.time[c]) for c in flagged
    ]
    for b in sorted(rng.sample(range(bills.count), max(2, bills.count // 100))):
        targets.append(("bill", b + 1, None, bills.created[b]))
    with_profile = [i for i in range(0, people.count, 7) if people.profile_ids[i]]
    for i in rng.sample(with_profile, max(2, min(len(with_profile), people.count // 500))):
        targets.append(("user_profile", people.profile_ids[i], i, people.created[i]))
    return targets


def _disclosure_checks(world: World, reporting: _Reporting) -> Iterator[Case]:
    """Disclosures 1, 11, 21, ... (a tenth of the sponsors' count), awaiting review.

    The disclosure checks report them as the classifier does: auto-detected, reason 'other'.
    """
    for k, s in enumerate(range(0, world.sponsors.count, 10), start=1):
        when = world.now - k * HOUR
        check = reporting.report(DETECTOR, "other", DEFAULT_SEVERITY["other"], when, auto=True)
        yield Case(
            "sponsor_transparency",
            s + 1,
            None,
            when,
            (check,),
            "other",
            "pending",
            None,
            None,
            False,
        )


def build_moderation(world: World) -> Moderation:
    """Cases for 0.4% of comments, 1% of bills, 0.2% of profiles and the disclosure checks."""
    rng = world.rng("moderation")
    reporting = _Reporting(world.rng("moderation/reports"))
    cases = [_case(world, rng, reporting, target) for target in _targets(world, rng)]
    cases += _disclosure_checks(world, reporting)
    standing = [case for case in cases if case.decision == "removed" and not case.reversed]
    return Moderation(
        cases,
        frozenset(c.content_id - 1 for c in standing if c.content_type == "bill_comment"),
        frozenset(c.content_id for c in standing if c.content_type == "user_profile"),
    )


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
    estimate=lambda w: 0,
)
def content_flags(world: World, notes: Notes) -> Iterator[Row]:
    """No rows: a report is one ``moderation_flags`` row, as the moderation repository writes it.

    ``content_flags`` held the same reports a second time (by category); the repository
    never writes it, so neither does the generator. The table stays in the schema.
    """
    return iter(())


@table(
    "moderation_flags",
    "id content_type content_id flag_type reason reported_by status severity auto_detected "
    "reviewed_by reviewed_at resolution created_at updated_at",
    estimate=lambda w: (
        int(w.scale.comments // 250 * 1.8 + w.scale.bills // 100 * 1.8)
        + w.scale.users // 500
        + w.scale.sponsors // 10
    ),
)
def moderation_flags(world: World, notes: Notes) -> Iterator[Row]:
    """Every report; a decision closed all of its item's reports with the moderator's reason."""
    ids, clock = world.people.ids, world.clock
    for case in world.moderation.cases:
        moderator = None if case.moderator is None else ids[case.moderator]
        reviewed = None if case.reviewed is None else clock.ts(case.reviewed)
        for report in case.reports:
            created = clock.ts(report.time)
            yield (
                report.flag_id,
                case.content_type,
                case.content_id,
                report.reason,
                report.details,
                ids[report.reporter],
                case.flag_status,
                report.severity,
                report.auto,
                moderator,
                reviewed,
                case.resolution,
                created,
                reviewed or created,
            )


def _flags(case: Case) -> str:
    """The item's ``flags``: one entry a report, as the repository appends them."""
    return json_text(
        [{"flag_id": r.flag_id, "reason": r.reason, "severity": r.severity} for r in case.reports]
    )


@table(
    "moderation_queue",
    "id content_type content_id user_id flags priority status auto_flagged flag_reasons "
    "moderator_id moderator_notes reviewed_at created_at updated_at",
    estimate=lambda w: w.scale.comments // 250 + w.scale.bills // 100 + w.scale.sponsors // 10,
)
def moderation_queue(world: World, notes: Notes) -> Iterator[Row]:
    """One review item per case, holding all of its reports; priority counts them."""
    ids, clock = world.people.ids, world.clock
    pending = 0
    for k, case in enumerate(world.moderation.cases, start=1):
        pending += case.item_status == "pending"
        reviewed = None if case.reviewed is None else clock.tz(case.reviewed)
        yield (
            k,
            case.content_type,
            case.content_id,
            None if case.author is None else ids[case.author],
            _flags(case),
            case.priority,
            case.item_status,
            any(report.auto for report in case.reports),
            case.reasons,
            None if case.moderator is None else ids[case.moderator],
            None if case.reviewed is None else f"Decision: {case.decision}",
            reviewed,
            clock.tz(case.reported),
            reviewed or clock.tz(case.last_report),
        )
    notes["pending_queue_items"] = pending


@table(
    "moderation_actions",
    "id content_type content_id action_type reason moderator_id duration is_reversible "
    "reversed_at reversed_by created_at",
    estimate=lambda w: w.scale.comments // 300 + w.scale.bills // 120,
)
def moderation_actions(world: World, notes: Notes) -> Iterator[Row]:
    """What the moderator decided for each decided case; a few removals were reversed on appeal.

    As the repository writes them: no duration, and only a removal is reversible.
    """
    ids, clock = world.people.ids, world.clock
    rng = world.rng("rows/moderation_actions")
    next_id = 1
    for case in world.moderation.cases:
        action = case.action
        if action is None or case.moderator is None or case.reviewed is None:
            continue
        reversed_at = min(world.now - 1, case.reviewed + 2 * DAY) if case.reversed else None
        yield (
            next_id,
            case.content_type,
            case.content_id,
            action,
            case.resolution,
            ids[case.moderator],
            None,
            action == "remove",
            None if reversed_at is None else clock.ts(reversed_at),
            ids[rng.choice(world.people.staff)] if case.reversed else None,
            clock.ts(case.reviewed),
        )
        next_id += 1
