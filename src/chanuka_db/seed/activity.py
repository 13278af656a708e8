"""Engagement and discussion: which users engaged with which bill, and the comment threads.

Engagement is generated bill by bill from a per-bill random stream (:func:`bill_pairs`), so
the ``bill_engagement`` rows can be generated again on demand while only the aggregates
and the comment and share "slots" are kept here. Comments are those slots sorted by time:
ids rise with ``created_at`` and threads interleave across bills, as in a live system.
"""

from __future__ import annotations

import random
from array import array
from typing import TYPE_CHECKING, Final

import attrs

from chanuka_db.seed.clock import DAY, HOUR

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__ = [
    "Comments",
    "Engagement",
    "PairBatch",
    "bill_pairs",
    "build_comments",
    "build_engagement",
    "engagement_score",
]

SUBSCRIBERS_KEPT: Final = 40
"""Engaged users remembered per bill, for status-change notifications."""
_UP_RATE: Final = 0.81  # floor(Exp(rate)) has mean 1 / (e^rate - 1): 0.8 up-votes
_DOWN_RATE: Final = 1.61  # and 0.25 down-votes per comment


def engagement_score(views: int, comments: int, shares: int) -> int:
    """Engagement weights of the platform: view 1, comment 5, share 3."""
    return views + 5 * comments + 3 * shares


@attrs.frozen
class PairBatch:
    """The engaged users of one bill with their counters and first/last engagement times."""

    users: list[int]
    views: list[int]
    comments: list[int]
    shares: list[int]
    first: list[int]
    last: list[int]


def bill_pairs(world: World, b: int) -> PairBatch:
    """Engagement of bill ``b`` (index): the same batch every time it is asked for."""
    bills, people = world.bills, world.people
    rng = random.Random(f"{world.seed}/engagement/{b}")
    n = bills.pairs[b]
    users = world.user_sample(rng, n)
    comments = [0] * n
    for _ in range(bills.comments[b]):
        comments[int(n * rng.random() ** 2)] += 1  # the engaged fifth comes first and talks most
    shares = [0] * n
    for _ in range(bills.shares[b]):
        shares[rng.randrange(n)] += 1
    opened, now, created = bills.created[b], world.now, people.created
    first, last, views = [], [], []
    expo, uniform = rng.expovariate, rng.random
    for u in users:
        low = max(opened, created[u])
        start = low + int(uniform() * (now - 60 - low))
        first.append(start)
        last.append(min(now - 1, start + int(expo(1 / (5 * DAY)))))
        views.append(1 + int(expo(0.6)))
    return PairBatch(users, views, comments, shares, first, last)


@attrs.frozen
class Slots:
    """Events placed on engagement pairs (one comment or one share each), in bill order."""

    bill: array[int] = attrs.field(factory=lambda: array("i"))
    user: array[int] = attrs.field(factory=lambda: array("i"))
    time: array[int] = attrs.field(factory=lambda: array("q"))

    def add(self, b: int, u: int, t: int) -> None:
        """Record one event of user ``u`` on bill ``b`` at ``t``."""
        self.bill.append(b)
        self.user.append(u)
        self.time.append(t)


@attrs.frozen
class Engagement:
    """Per-bill totals of the engagement pairs, and the comment and share slots they hold."""

    views: list[int]
    comment_slots: Slots
    share_slots: Slots
    subscribers: list[list[int]]


def build_engagement(world: World) -> Engagement:
    """One pass over every bill's pairs: totals, slots and a few subscribers per bill."""
    rng = world.rng("engagement/slots")
    engagement = Engagement([], Slots(), Slots(), [])
    for b in range(world.bills.count):
        batch = bill_pairs(world, b)
        engagement.views.append(sum(batch.views))
        engagement.subscribers.append(batch.users[:SUBSCRIBERS_KEPT])
        for j, u in enumerate(batch.users):
            span = batch.last[j] - batch.first[j]
            for _ in range(batch.comments[j]):
                engagement.comment_slots.add(b, u, batch.first[j] + int(rng.random() * span))
            for _ in range(batch.shares[j]):
                engagement.share_slots.add(b, u, batch.first[j] + int(rng.random() * span))
    return engagement


def time_order(slots: Slots) -> list[int]:
    """Indexes of ``slots`` sorted by time (ties by index): the order ids are given in."""
    n = len(slots.time)
    keys = [t * n + i for i, t in enumerate(slots.time)]
    keys.sort()
    return [k % n for k in keys]


@attrs.frozen
class Comments:
    """Comments by index (id = index + 1) in time order, with parents and vote tallies."""

    bill: array[int]
    user: array[int]
    time: array[int]
    parent: array[int]
    up: array[int]
    down: array[int]

    @property
    def count(self) -> int:
        """How many comments."""
        return len(self.bill)


def _parents(rng: random.Random, bills: array[int]) -> array[int]:
    """Parent comment id (0 for top level): a recent comment on the same bill, 45% of the time."""
    recent: dict[int, list[int]] = {}
    parents = array("i", [0]) * len(bills)
    for c, b in enumerate(bills):
        thread = recent.setdefault(b, [])
        if thread and rng.random() < 0.45:
            parents[c] = rng.choice(thread) + 1
        thread.append(c)
        if len(thread) > 30:
            del thread[0]
    return parents


def build_comments(world: World) -> Comments:
    """The comment slots in time order, threaded, with up/down tallies fixed in advance."""
    slots = world.engagement.comment_slots
    order = time_order(slots)
    bill = array("i", (slots.bill[i] for i in order))
    user = array("i", (slots.user[i] for i in order))
    time = array("q", (slots.time[i] for i in order))
    rng = world.rng("comments/threads")
    parent = _parents(rng, bill)
    up, down = array("i", [0]) * len(bill), array("i", [0]) * len(bill)
    most = world.scale.users - 1
    for c in range(len(bill)):
        boost = 1.0 if parent[c] else 1.6
        u = int(rng.expovariate(_UP_RATE) * boost)
        d = int(rng.expovariate(_DOWN_RATE) * boost)
        up[c], down[c] = min(u, most), min(d, most - min(u, most))
    return Comments(bill, user, time, parent, up, down)


def vote_delay(rng: random.Random) -> int:
    """Seconds between a comment and a vote on it."""
    return 60 + int(rng.expovariate(1 / (6 * HOUR)))
