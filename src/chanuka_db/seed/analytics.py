"""The analytics stream and its daily roll-ups, computed from the same events as they are made.

``analytics_events`` is the client-side tracking stream (views, searches, votes, shares,
logins) of the last ``scale.event_days`` days, in visits: one visitor, one session id, a
burst of events. Every reference in it exists and predates the event; it is a sample of
behaviour, not a ledger of the write tables. The roll-ups are exact aggregates of it (plus,
where a column counts comments, of ``bill_comments``), as defined on each table below.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Final

from chanuka_db.seed import vocab
from chanuka_db.seed.clock import DAY, HOUR
from chanuka_db.seed.fake import kenyan_ip
from chanuka_db.seed.plan import Notes, Row, table
from chanuka_db.seed.world import allocate

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__ = ["Rollups"]

# (event_type, event_category, weight, needs a signed-in user)
_KINDS: Final = (
    ("bill_view", "engagement", 40, False),
    ("page_view", "navigation", 15, False),
    ("search", "search", 12, False),
    ("comment_view", "engagement", 12, False),
    ("comment_vote", "engagement", 7, True),
    ("sponsor_view", "navigation", 5, False),
    ("bill_track", "engagement", 4, True),
    ("share", "engagement", 3, False),
)
_KIND_WEIGHTS: Final = tuple(accumulate(k[2] for k in _KINDS))
# Activity by hour of day (UTC): Kenya (UTC+3) reads in the morning and the evening.
_HOURS: Final = tuple(
    accumulate((1, 1, 2, 4, 6, 6, 5, 4, 4, 4, 4, 4, 5, 5, 6, 8, 9, 9, 7, 5, 3, 2, 1, 1))
)
_REFERRERS: Final = (
    None,
    None,
    "https://www.google.com/",
    "https://t.co/",
    "https://wa.me/",
    "https://www.facebook.com/",
    "https://www.chanuka.ke/",
)
_PLATFORMS: Final = ("whatsapp", "twitter", "facebook", "telegram")
_USER_SLOTS: Final = {"bill_view": 0, "bill_track": 1, "search": 5, "share": 7}
_BILL_KINDS: Final = ("bill_view", "bill_track", "share")
_SENTIMENT: Final = 3  # comments split positive / negative / neutral by id modulo 3


class Rollups:
    """Roll-up rows, appended day by day while the events are generated."""

    def __init__(self) -> None:
        self.daily: list[Row] = []
        self.users: list[Row] = []
        self.bills: list[Row] = []
        self.busiest_day: tuple[int, str] = (0, "")


class _Day:
    """Accumulators of one UTC day."""

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], list[Any]] = {}
        self.users: dict[
            int, list[int]
        ] = {}  # viewed, tracked, comments, up, down, searches, minutes, shares
        self.bills: dict[int, list[Any]] = {}  # views, viewers, comments, shares, trackers, +, -, =
        self.events = 0

    def kind(self, key: tuple[str, str]) -> list[Any]:
        entry = self.kinds.get(key)
        if entry is None:
            entry = self.kinds[key] = [0, set(), set(), 0, 0, 0]
        return entry

    def user(self, u: int) -> list[int]:
        entry = self.users.get(u)
        if entry is None:
            entry = self.users[u] = [0] * 8
        return entry

    def bill(self, b: int) -> list[Any]:
        entry = self.bills.get(b)
        if entry is None:
            entry = self.bills[b] = [0, set(), 0, 0, set(), 0, 0, 0]
        return entry


class _Visitors:
    """Picks who visits, which bill and which comment, respecting when each came to exist."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.user_created = world.people.created
        self.bill_created = world.bills.created
        self.bill_weights = list(accumulate(world.bills.pairs))
        self.bill_ids = range(world.bills.count)
        self.comment_times = world.comments.time

    def user(self, t: int) -> int | None:
        """A signed-in user registered before ``t`` (the engaged fifth 60% of the time), or None."""
        rng = self.rng
        if rng.random() < 0.3:
            return None
        registered = bisect.bisect_right(self.user_created, t)
        if not registered:
            return None
        engaged = min(registered, self.world.scale.active_users)
        return rng.randrange(engaged) if rng.random() < 0.6 else rng.randrange(registered)

    def bill(self, t: int) -> int | None:
        """A bill by popularity that existed at ``t``, or None after three misses."""
        for _ in range(3):
            b = self.rng.choices(self.bill_ids, cum_weights=self.bill_weights)[0]
            if self.bill_created[b] <= t:
                return b
        return None

    def comment(self, t: int) -> int | None:
        """A comment made before ``t``, recent ones more often, or None."""
        limit = bisect.bisect_right(self.comment_times, t)
        if not limit:
            return None
        back = int(self.rng.expovariate(1 / max(1.0, limit * 0.05)))
        return limit - 1 - min(limit - 1, back)


def _event_kind(rng: random.Random, signed_in: bool) -> tuple[str, str, int, bool]:
    while True:
        kind = _KINDS[bisect.bisect_right(_KIND_WEIGHTS, rng.random() * _KIND_WEIGHTS[-1])]
        if signed_in or not kind[3]:
            return kind


def _targets(
    visitors: _Visitors, kind: str, t: int
) -> tuple[int | None, int | None, int | None, str, str]:
    """(bill, comment, sponsor, event_data, page_url) of one event; references are indexes."""
    rng = visitors.rng
    if kind in ("bill_view", "bill_track", "share"):
        b = visitors.bill(t)
        data = (
            f'{{"duration_ms":{rng.randrange(2_000, 300_000)}}}'
            if kind == "bill_view"
            else f'{{"platform":"{rng.choice(_PLATFORMS)}"}}'
            if kind == "share"
            else "{}"
        )
        return b, None, None, data, "/bills" if b is None else f"/bills/{b + 1}"
    if kind in ("comment_view", "comment_vote"):
        c = visitors.comment(t)
        b = None if c is None else visitors.world.comments.bill[c]
        data = (
            f'{{"vote":"{"up" if rng.random() < 0.75 else "down"}"}}'
            if kind == "comment_vote"
            else "{}"
        )
        return b, c, None, data, "/bills" if b is None else f"/bills/{b + 1}#comments"
    if kind == "search":
        query = rng.choice(vocab.SEARCH_PHRASES)
        return (
            None,
            None,
            None,
            f'{{"query":"{query}","results":{rng.randrange(0, 200)}}}',
            "/search",
        )
    if kind == "sponsor_view":
        s = rng.randrange(visitors.world.sponsors.count)
        return None, None, s, "{}", f"/sponsors/{s + 1}"
    return None, None, None, "{}", "/"


def _account(
    day: _Day,
    kind: str,
    category: str,
    user: int | None,
    *,
    session: str,
    targets: tuple[int | None, int | None, int | None, str, str],
) -> None:
    """Count one event into the day's roll-ups."""
    bill, comment, _, data, _ = targets
    entry = day.kind((kind, category))
    entry[0] += 1
    entry[2].add(session)
    entry[3] += bill is not None
    entry[4] += comment is not None
    entry[5] += kind == "search"
    if user is not None:
        entry[1].add(user)
        slot = _USER_SLOTS.get(kind)
        if kind == "comment_vote":
            slot = 3 if '"up"' in data else 4
        if slot is not None:
            day.user(user)[slot] += 1
    if bill is not None and kind in _BILL_KINDS:
        _account_bill(day.bill(bill), kind, user)


def _account_bill(counters: list[Any], kind: str, user: int | None) -> None:
    """Count a view, share or tracking of a bill into its day."""
    if kind == "bill_view":
        counters[0] += 1
        if user is not None:
            counters[1].add(user)
    elif kind == "share":
        counters[3] += 1
    elif user is not None:
        counters[4].add(user)


def _visit(
    visitors: _Visitors, day: _Day, start: int, *, budget: int, first_id: int
) -> Iterator[Row]:
    """The events of one visit (at most ``budget``), counted into ``day``."""
    world = visitors.world
    rng, clock, ids = visitors.rng, world.clock, world.people.ids
    user = visitors.user(start)
    session = f"sid_{rng.getrandbits(64):016x}"
    agent, ip, referrer = rng.choice(vocab.USER_AGENTS), kenyan_ip(rng), rng.choice(_REFERRERS)
    end = start - start % DAY + DAY - 1
    t = start
    length = min(budget, 2 + int(rng.expovariate(1 / 10)))
    for k in range(length):
        if k == 0 and user is not None and rng.random() < 0.3:
            kind: tuple[str, str, int, bool] = ("login", "auth", 0, True)
        else:
            kind = _event_kind(rng, user is not None)
        targets = _targets(visitors, kind[0], t)
        bill, comment, sponsor, data, url = targets
        _account(day, kind[0], kind[1], user, session=session, targets=targets)
        yield (
            first_id + k,
            kind[0],
            kind[1],
            None if user is None else ids[user],
            session,
            None if bill is None else bill + 1,
            None if comment is None else comment + 1,
            None if sponsor is None else sponsor + 1,
            data,
            agent,
            ip,
            referrer,
            url,
            clock.tz(t),
        )
        t = min(end, t + 10 + int(rng.expovariate(1 / 60)))
    if user is not None:
        day.user(user)[6] += (t - start) // 60


def _day_weights(days: int) -> list[float]:
    """Growth over the window, quieter weekends."""
    return [(1 + 1.5 * d / days) * (0.7 if d % 7 in (5, 6) else 1.0) for d in range(days)]


def _add_comments(world: World, day: _Day, first: int, last: int) -> int:
    """Count the comments made in [first, last) into the day; returns the next comment index."""
    comments = world.comments
    c = bisect.bisect_left(comments.time, first)
    while c < comments.count and comments.time[c] < last:
        day.user(comments.user[c])[2] += 1
        entry = day.bill(comments.bill[c])
        entry[2] += 1
        entry[5 + (c + 1) % _SENTIMENT] += 1
        c += 1
    return c


@table(
    "analytics_events",
    "id event_type event_category user_id session_id bill_id comment_id sponsor_id event_data "
    "user_agent ip_address referrer page_url created_at",
    estimate=lambda w: w.scale.events,
    feeds=True,
)
def analytics_events(world: World, notes: Notes) -> Iterator[Row]:
    """Exactly ``scale.events`` events in visits over the last days; fills the roll-ups."""
    scale, now = world.scale, world.now
    rng = world.rng("rows/analytics_events")
    visitors = _Visitors(world, rng)
    next_id = 1
    for d, events in enumerate(allocate(scale.events, _day_weights(scale.event_days))):
        day_start = now - (scale.event_days - d) * DAY
        day = _Day()
        budget = events
        while budget > 0:
            hour = bisect.bisect_right(_HOURS, rng.random() * _HOURS[-1])
            start = day_start + hour * HOUR + rng.randrange(HOUR)
            for row in _visit(visitors, day, start, budget=budget, first_id=next_id):
                yield row
                next_id += 1
                budget -= 1
        _add_comments(world, day, day_start, day_start + DAY)
        _flush(world, day, day_start)


def _flush(world: World, day: _Day, day_start: int) -> None:
    """Turn one day's accumulators into roll-up rows."""
    rollups, clock, ids = world.rollups, world.clock, world.people.ids
    date = clock.date(day_start)
    ran_at = clock.tz(min(world.now, day_start + DAY + 600))
    total = 0
    for (kind, category), (count, users, sessions, bills, comments, searches) in sorted(
        day.kinds.items()
    ):
        total += count
        rollups.daily.append(
            (
                len(rollups.daily) + 1,
                date,
                kind,
                category,
                count,
                len(users),
                len(sessions),
                bills,
                comments,
                searches,
                ran_at,
            )
        )
    for u in sorted(day.users):
        viewed, tracked, posted, up, down, searches, minutes, shares = day.users[u]
        rollups.users.append(
            (
                len(rollups.users) + 1,
                ids[u],
                date,
                viewed,
                tracked,
                posted,
                up,
                down,
                searches,
                minutes,
                viewed + 5 * posted + 3 * shares,
                ran_at,
                ran_at,
            )
        )
    for b in sorted(day.bills):
        views, viewers, comments, shares, trackers, positive, negative, neutral = day.bills[b]
        rollups.bills.append(
            (
                len(rollups.bills) + 1,
                b + 1,
                date,
                views,
                len(viewers),
                comments,
                shares,
                len(trackers),
                views + 5 * comments + 3 * shares,
                positive,
                negative,
                neutral,
                ran_at,
                ran_at,
            )
        )
    if total > rollups.busiest_day[0]:
        rollups.busiest_day = (total, date)


@table(
    "analytics_daily_summary",
    "id date event_type event_category total_events unique_users unique_sessions "
    "bill_interactions comment_interactions search_queries created_at",
    estimate=lambda w: w.scale.event_days * (len(_KINDS) + 1),
)
def analytics_daily_summary(world: World, notes: Notes) -> Iterator[Row]:
    """Per (day, event_type, event_category): counts, distinct users and sessions, references."""
    notes["busiest_event_day"] = world.rollups.busiest_day[1]
    yield from world.rollups.daily


@table(
    "user_activity_summary",
    "id user_id date bills_viewed bills_tracked comments_posted comments_upvoted "
    "comments_downvoted searches_performed session_duration_minutes engagement_score "
    "created_at updated_at",
    estimate=lambda w: w.scale.events // 14,
)
def user_activity_summary(world: World, notes: Notes) -> Iterator[Row]:
    """Per (user, day) with events or comments: event counts, comments from bill_comments."""
    yield from world.rollups.users


@table(
    "bill_analytics_summary",
    "id bill_id date views unique_viewers comments shares tracking_users engagement_score "
    "sentiment_positive sentiment_negative sentiment_neutral created_at updated_at",
    estimate=lambda w: w.scale.events // 8,
)
def bill_analytics_summary(world: World, notes: Notes) -> Iterator[Row]:
    """Per (bill, day) with views, shares, tracking or comments; comments from bill_comments."""
    yield from world.rollups.bills
