"""A civic workload: the hot repository operations with inputs drawn from the data itself.

Citizens authenticate, browse and search bills, read a bill and its threads, record
views, comment, vote and read their notifications; the system fans a status change out to
a bill's followers. The demo's traffic, the hot-operation benchmarks and the concurrency
benchmark all run these, so they report the same operations under the same names.

Inputs come from the data through the repositories only (:func:`gather_cast`): the most
engaged bills (chosen with a 1/rank skew, as real attention is), active citizens, their
live sessions, live comments on the busiest bills.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.repositories.legislative import (
    BillStatus,
    CommentSort,
    EngagementKind,
    Thread,
    VoteType,
)
from chanuka_db.repositories.notifications import NotificationEvent, NotificationType
from chanuka_db.types import NewBillComment

if TYPE_CHECKING:
    from chanuka_db.demo.timing import Recorder
    from chanuka_db.repositories import Repositories
    from chanuka_db.seed import KnownValues

__all__ = ["MIX", "OPERATIONS", "Cast", "CivicWorkload", "gather_cast"]

T = TypeVar("T")

# The hot operations (the starred ones of the repositories issue), in report order.
OPERATIONS: Final = (
    "sessions.get_active_with_user",
    "bills.list",
    "bills.search",
    "bills.detail",
    "comments.list_threaded",
    "engagement.record",
    "comments.add",
    "votes.toggle",
    "notifications.list_for_user",
    "notifications.unread_count",
    "notifications.fan_out",
)
# Relative frequency of each operation in mixed traffic: every request authenticates;
# reads outnumber writes about five to one; a status change is rare.
MIX: Final[Mapping[str, int]] = {
    "sessions.get_active_with_user": 20,
    "bills.list": 12,
    "bills.search": 10,
    "bills.detail": 14,
    "comments.list_threaded": 14,
    "engagement.record": 10,
    "comments.add": 3,
    "votes.toggle": 4,
    "notifications.list_for_user": 4,
    "notifications.unread_count": 8,
    "notifications.fan_out": 1,
}
PHRASES: Final = (
    "finance bill",
    "county allocation",
    "health insurance",
    "housing levy",
    "education",
    "land registration",
    "digital tax",
)
_BROWSE_STATUSES: Final = (None, BillStatus.INTRODUCED, BillStatus.COMMITTEE, BillStatus.PASSED)
_SORTS: Final = tuple(CommentSort)
_EVENT: Final = NotificationEvent(
    NotificationType.BILL_STATUS_CHANGE, "A bill you follow moved", "It is now in committee"
)
_PAGE: Final = 100


@attrs.frozen
class Cast:
    """Who and what the traffic uses: ids that exist in the data, gathered once."""

    bills: tuple[int, ...]  # most engaged first
    any_bills: tuple[int, ...]  # a uniform sample: typical bills, most with few followers
    citizens: tuple[uuid.UUID, ...]
    sessions: tuple[str, ...]  # token hashes (a session's id) of live sessions
    comments: tuple[int, ...]  # live comments on the busiest bills
    phrases: tuple[str, ...]

    def __attrs_post_init__(self) -> None:
        for name in ("bills", "any_bills", "citizens", "sessions", "comments", "phrases"):
            if not getattr(self, name):
                raise InvalidInput(name, "the data holds none: seed the database first")


def _pages(fetch: Callable[[int], list[T]], wanted: int) -> list[T]:
    """Items of consecutive pages of ``fetch(page)`` until ``wanted`` or the end."""
    found: list[T] = []
    for page in itertools.count(1):
        items = fetch(page)
        found += items
        if len(items) < _PAGE or len(found) >= wanted:
            return found[:wanted]
    raise AssertionError("unreachable")  # pragma: no cover


def _live_comments(threads: Iterable[Thread]) -> list[int]:
    ids = []
    for thread in threads:
        ids += [c.id for c in (thread.comment, *thread.replies) if not c.is_deleted]
    return ids


def gather_cast(
    repos: Repositories,
    known: KnownValues,
    *,
    bills: int = 200,
    citizens: int = 200,
    sessions: int = 100,
    busy_bills: int = 10,
) -> Cast:
    """Ids for the traffic, read through the repositories (a few dozen statements).

    ``repos`` must see every user's sessions: a unit of work of the jobs' Database.

    ``known`` (the seed's known values) adds its session, its notified user and its
    search phrase, so they are exercised even when the samples miss them.
    """
    popular = _pages(
        lambda p: repos.bills.list(sort="-engagement_score", page=p, page_size=_PAGE).items,
        bills,
    )
    bill_ids = tuple(b.id for b in popular)
    any_bills = _uniform_bills(repos, bills)
    users = _pages(
        lambda p: repos.users.list({"is_active": True}, sort="id", page=p, page_size=_PAGE).items,
        citizens,
    )
    people = [uuid.UUID(known.notified_user_id), *(u.id for u in users)]
    tokens = [known.session_token_hash]
    for person in people:
        if len(tokens) >= sessions:
            break
        tokens += [s.id for s in repos.sessions.list_active(person)]
    comment_ids: list[int] = []
    for bill in bill_ids[:busy_bills]:
        page = repos.comments.list_threaded(bill, CommentSort.POPULAR, page_size=20, replies=3)
        comment_ids += _live_comments(page.items)
    phrases = (known.search_phrase, *(p for p in PHRASES if p != known.search_phrase))
    return Cast(
        bill_ids,
        any_bills,
        tuple(dict.fromkeys(people)),
        tuple(tokens[:sessions]),
        tuple(comment_ids),
        phrases,
    )


def _uniform_bills(repos: Repositories, wanted: int) -> tuple[int, ...]:
    """About ``wanted`` bills drawn uniformly by id, in 2 statements.

    What "any bill" is like, unlike the busiest ones (at ``large`` the busiest bill has
    800,000 followers: telling them all is a bulk write, not an interactive operation).
    """
    newest = repos.bills.list(sort="-id", page_size=1).items
    if not newest:
        return ()
    top = newest[0].id
    ids = random.Random(top).sample(range(1, top + 1), min(wanted, top))
    return tuple(sorted(row.id for row in repos.bills.get_many(ids).rows))


class CivicWorkload:
    """The hot operations with chosen inputs, run through a :class:`Recorder`.

    One per thread (it holds a random generator); many may share one recorder and cast.
    """

    def __init__(self, recorder: Recorder, cast: Cast, *, seed: int = 0) -> None:
        self.recorder = recorder
        self.cast = cast
        self.rng = random.Random(seed)
        # 1/rank attention: the busiest bill is read about 40 times as often as the 200th.
        self._bill_weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(cast.bills)))
        )
        self._posted = 0
        self.operations: dict[str, Callable[[], object]] = {
            "sessions.get_active_with_user": self.authenticate,
            "bills.list": self.browse,
            "bills.search": self.search,
            "bills.detail": self.read_bill,
            "comments.list_threaded": self.read_threads,
            "engagement.record": self.record_view,
            "comments.add": self.comment,
            "votes.toggle": self.vote,
            "notifications.list_for_user": self.inbox,
            "notifications.unread_count": self.unread,
            "notifications.fan_out": self.fan_out,
        }
        mix = [(name, MIX[name]) for name in OPERATIONS]
        self._mix_names = [name for name, _ in mix]
        self._mix_weights = list(itertools.accumulate(weight for _, weight in mix))

    # -- inputs ------------------------------------------------------------------------------

    def bill(self) -> int:
        """A bill, the most engaged ones most often."""
        return self.rng.choices(self.cast.bills, cum_weights=self._bill_weights)[0]

    def citizen(self) -> uuid.UUID:
        """An active citizen."""
        return self.rng.choice(self.cast.citizens)

    # -- the operations ----------------------------------------------------------------------

    def run(self, name: str) -> object:
        """Run the operation ``name`` once (see :data:`OPERATIONS`)."""
        return self.operations[name]()

    def mixed(self) -> str:
        """Run one operation drawn by :data:`MIX`; its name."""
        name = self.rng.choices(self._mix_names, cum_weights=self._mix_weights)[0]
        self.operations[name]()
        return name

    def authenticate(self) -> object:
        """Every request: whose token it is, then the session and its account as them."""
        return self.recorder.authenticate(self.rng.choice(self.cast.sessions))

    def browse(self) -> object:
        """A page of the newest bills, of one stage or all."""
        status = self.rng.choice(_BROWSE_STATUSES)
        filters = {} if status is None else {"status": status.value}
        page = self.rng.randint(1, 3)
        return self.recorder.read("bills.list", lambda r: r.bills.list(filters, page=page))

    def search(self) -> object:
        """Search bills by a phrase, best first, with facets."""
        phrase = self.rng.choice(self.cast.phrases)
        return self.recorder.read("bills.search", lambda r: r.bills.search(phrase, page_size=10))

    def read_bill(self) -> object:
        """A bill's page: the bill, sponsors, totals, latest comments."""
        bill = self.bill()
        return self.recorder.read("bills.detail", lambda r: r.bills.detail(bill))

    def read_threads(self) -> object:
        """The first page of a bill's discussion, in one of the four orders."""
        bill, order = self.bill(), self.rng.choice(_SORTS)
        return self.recorder.read(
            "comments.list_threaded", lambda r: r.comments.list_threaded(bill, order, replies=3)
        )

    def record_view(self) -> object:
        """A citizen viewed a bill."""
        bill, user = self.bill(), self.citizen()
        return self.recorder.write(
            "engagement.record",
            user,
            lambda u: u.engagement.record(bill, user, EngagementKind.VIEW),
        )

    def comment(self) -> object:
        """A citizen comments on a bill."""
        bill, user = self.bill(), self.citizen()
        self._posted += 1
        new = NewBillComment(
            bill_id=bill, user_id=user, content=f"Comment {self._posted}: this clause needs work."
        )
        return self.recorder.write("comments.add", user, lambda u: u.comments.add(new))

    def vote(self) -> object:
        """A citizen votes a comment up or down (the same vote again withdraws it)."""
        comment, user = self.rng.choice(self.cast.comments), self.citizen()
        vote = self.rng.choice((VoteType.UP, VoteType.UP, VoteType.DOWN))
        return self.recorder.write(
            "votes.toggle", user, lambda u: u.votes.toggle(comment, user, vote)
        )

    def inbox(self) -> object:
        """A citizen's newest notifications."""
        user = self.citizen()
        return self.recorder.read(
            "notifications.list_for_user", lambda r: r.notifications.list_for_user(user), actor=user
        )

    def unread(self) -> object:
        """The unread badge."""
        user = self.citizen()
        return self.recorder.read(
            "notifications.unread_count", lambda r: r.notifications.unread_count(user), actor=user
        )

    def fan_out(self) -> object:
        """The system tells a bill's followers that it moved (any bill, not the busiest)."""
        bill = self.rng.choice(self.cast.any_bills)
        return self.recorder.job(
            "notifications.fan_out", lambda u: u.notifications.fan_out(bill, _EVENT)
        )
