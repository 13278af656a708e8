"""The demo's civic story, told through the repositories only.

A citizen registers and signs in, searches for "finance bill", reads a bill and its
discussion, comments, votes and follows the bill; the bill moves to its next stage and
its followers are told; she reports a misleading comment and a moderator works the review
queue; the nightly analytics roll-up runs. Each step is one or a few timed operations
(:class:`~.timing.Recorder`), and prints what it saw. Running it again works: each run
registers a new citizen, and the bill it moves is one that has a next stage left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from chanuka_db.errors import NotFound
from chanuka_db.repositories.legislative import (
    BillStatus,
    BillSummary,
    CommentSort,
    EngagementKind,
    VoteType,
)
from chanuka_db.repositories.moderation import (
    ContentRef,
    ContentType,
    Decision,
    FlagReason,
    QueueEntry,
    Severity,
)
from chanuka_db.repositories.users import hash_token, new_token
from chanuka_db.types import NewBillComment, NewUser, Session

if TYPE_CHECKING:
    from chanuka_db.demo.timing import Recorder
    from chanuka_db.repositories import Repositories
    from chanuka_db.seed import KnownValues

__all__ = ["CivicScenario", "hash_password", "next_stage", "verify_password"]

# The road to assent; rejected, withdrawn and lapsed bills go nowhere.
_ROAD: Final = tuple(BillStatus)[: tuple(BillStatus).index(BillStatus.ASSENTED) + 1]
_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1}
_SESSION_TTL: Final = dt.timedelta(days=14)
_REMOVABLE: Final = (ContentType.BILL_COMMENT, ContentType.USER_PROFILE)


def next_stage(status: str) -> BillStatus | None:
    """The stage after ``status`` on the way to assent (``None`` at the end of the road)."""
    current = BillStatus(status)
    if current not in _ROAD[:-1]:
        return None
    return _ROAD[_ROAD.index(current) + 1]


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash, as the auth service stores it (the database never sees a password)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` hashes to ``stored`` (made by :func:`hash_password`)."""
    kind, _, salt, _ = [*stored.split("$"), "", "", "", ""][:4]
    if kind != "scrypt" or not salt:
        return False
    return hmac.compare_digest(hash_password(password, salt=bytes.fromhex(salt)), stored)


class CivicScenario:
    """The scripted story; each method is a step and returns the lines it prints."""

    def __init__(self, recorder: Recorder, known: KnownValues, as_of: dt.date) -> None:
        self.recorder = recorder
        self.known = known
        self.as_of = as_of
        self.citizen: uuid.UUID | None = None
        self.token = ""
        self.bill: BillSummary | None = None
        self.top_comment: int | None = None
        self.doubtful: int | None = None  # a comment she finds misleading

    def steps(self) -> list[tuple[str, Callable[[], list[str]]]]:
        """The steps in order: a title and the method that runs it."""
        return [
            ("A citizen registers and signs in", self.register_and_sign_in),
            ('She searches for "finance bill"', self.search),
            ("She reads the bill and its discussion", self.read),
            ("She comments, votes and follows the bill", self.take_part),
            ("The bill moves on; its followers are told", self.advance),
            ("A moderator works the review queue", self.moderate),
            ("The nightly analytics roll-up runs", self.roll_up),
        ]

    def _me(self) -> uuid.UUID:
        if self.citizen is None:
            raise NotFound("users", "the demo's citizen (register first)")
        return self.citizen

    def _my_bill(self) -> BillSummary:
        if self.bill is None:
            raise NotFound("bills", "a bill found by the search (search first)")
        return self.bill

    def register_and_sign_in(self) -> list[str]:
        """Register an account, check the password, open a session, authenticate with it."""
        email = f"wanjiku.{secrets.token_hex(4)}@example.ke"
        password = secrets.token_urlsafe(12)
        new = NewUser(
            email=email,
            password_hash=hash_password(password),
            name="Wanjiku Kamau",
            first_name="Wanjiku",
            last_name="Kamau",
        )
        user = self.recorder.write("users.add", None, lambda u: u.users.add(new))
        self.citizen = user.id
        found = self.recorder.read("users.find_for_login", lambda r: r.users.find_for_login(email))
        if found is None or not verify_password(password, found.password_hash):
            raise NotFound("users", "the account just registered")
        self.token = new_token()
        session = self.recorder.write("login", user.id, self._login)
        signed_in = self.recorder.authenticate(hash_token(self.token))
        if signed_in is None:
            raise NotFound("sessions", "the session just created")
        return [
            f"registered {user.name} <{user.email}>",
            f"signed in: session {session.id[:12]}..., expires {session.expires_at:%Y-%m-%d}",
            f"a request with her token finds {signed_in.user.name} ({signed_in.user.role})",
        ]

    def _login(self, uow: Repositories) -> Session:
        me = self._me()
        uow.users.touch_last_login(me)
        return uow.sessions.create(
            me, hash_token(self.token), ttl=_SESSION_TTL, user_agent="chanuka-db demo"
        )

    def search(self) -> list[str]:
        """Search the bills still before Parliament; open the best hit."""
        phrase, live = "finance bill", {"status": {"in": [s.value for s in _ROAD[:-1]]}}
        found = self.recorder.read(
            "bills.search", lambda r: r.bills.search(phrase, live, page_size=10)
        )
        if not found.hits:  # every one has reached the end of its road: any will do
            found = self.recorder.read(
                "bills.search", lambda r: r.bills.search(phrase, page_size=10)
            )
        if not found.hits:
            raise NotFound("bills", f"a bill matching {phrase!r} (seed the database first)")
        chosen = found.hits[0].row
        self.bill = chosen
        by_status = ", ".join(f"{k} {v}" for k, v in sorted(found.facets["status"].items()))
        return [
            f"{found.total} bills before Parliament match ({by_status})",
            *(f"  {hit.rank:.3f}  {hit.row.title} [{hit.row.status}]" for hit in found.hits[:3]),
            f"she opens: {chosen.title}",
        ]

    def read(self) -> list[str]:
        """The bill's page (counted as a view) and the first page of its discussion."""
        me, bill = self._me(), self._my_bill()
        page = self.recorder.read("bills.detail", lambda r: r.bills.detail(bill.id))
        self.recorder.write(
            "engagement.record", me, lambda u: u.engagement.record(bill.id, me, EngagementKind.VIEW)
        )
        threads = self.recorder.read(
            "comments.list_threaded",
            lambda r: r.comments.list_threaded(bill.id, CommentSort.POPULAR, replies=3),
        )
        live = [t.comment for t in threads.items if not t.comment.is_deleted]
        self.top_comment = live[0].id if live else None
        others = [c for c in live[1:] if c.user_id != me]
        self.doubtful = others[-1].id if others else None
        sponsor = page.sponsor.name if page.sponsor else "no sponsor on record"
        lines = [
            f"{page.bill.title}: {page.bill.status}, sponsored by {sponsor}",
            f"{page.engagement.view_count:,} views, {page.engagement.comment_count:,} comments",
            f"{threads.total:,} threads; the most popular:",
        ]
        for comment in live[:2]:
            text = (comment.content or "")[:70]
            lines.append(f"  +{comment.score} {comment.author_name}: {text}")
        return lines

    def take_part(self) -> list[str]:
        """Comment, upvote the most popular comment, and see the bill among those followed."""
        me, bill = self._me(), self._my_bill()
        new = NewBillComment(
            bill_id=bill.id,
            user_id=me,
            content="The county allocations in this bill need public hearings in every ward.",
        )
        comment = self.recorder.write("comments.add", me, lambda u: u.comments.add(new))
        lines = [f"she commented (#{comment.id})"]
        top = self.top_comment
        if top is not None:
            vote = self.recorder.write(
                "votes.toggle", me, lambda u: u.votes.toggle(top, me, VoteType.UP)
            )
            lines.append(f"she upvoted #{top}: now +{vote.upvotes} / -{vote.downvotes}")
        tracked = self.recorder.read(
            "engagement.tracked_bills", lambda r: r.engagement.tracked_bills(me), actor=me
        )
        mine = next(t for t in tracked.items if t.bill.id == bill.id)
        lines.append(
            f"she follows {tracked.total} bill(s); on this one: {mine.engagement.view_count} "
            f"view(s), {mine.engagement.comment_count} comment(s)"
        )
        return lines

    def advance(self) -> list[str]:
        """The parliamentary feed moves the bill (a system job: no actor), then her inbox."""
        me, bill = self._me(), self._my_bill()
        stage = next_stage(bill.status)
        if stage is None:
            return [f"{bill.title} is {bill.status}: the end of its road, nothing to tell"]
        change = self.recorder.job(
            "bills.update_status", lambda u: u.bills.update_status(bill.id, stage)
        )
        unread = self.recorder.read(
            "notifications.unread_count", lambda r: r.notifications.unread_count(me), actor=me
        )
        inbox = self.recorder.read(
            "notifications.list_for_user",
            lambda r: r.notifications.list_for_user(me, unread_only=True, page_size=5),
            actor=me,
        )
        latest = inbox.items[0].message if inbox.items else "-"
        return [
            f"{change.previous} -> {change.bill.status}: {change.notified:,} followers told",
            f"her inbox: {unread} unread; latest: {latest}",
        ]

    def moderate(self) -> list[str]:
        """She reports a comment; a moderator decides the most severe open items."""
        me, lines = self._me(), []
        doubtful = self.doubtful
        if doubtful is not None:
            report = self.recorder.write(
                "moderation.flag",
                me,
                lambda u: u.moderation.flag(
                    ContentRef.comment(doubtful), FlagReason.MISINFORMATION, me,
                    details="The figures quoted here are not in the bill.",
                ),
            )  # fmt: skip
            lines.append(
                f"she reports comment #{doubtful} as misinformation: review item "
                f"#{report.item.id} now holds {report.flag_count} report(s)"
            )
        moderator = uuid.UUID(self.known.moderator_id)
        queue = self.recorder.read("moderation.queue", lambda r: r.moderation.queue(page_size=3))
        lines.append(f"{queue.total:,} open review items; the moderator takes the top three:")
        for entry in queue.items:
            lines.append(self._decide(entry, moderator))
        return lines

    def _decide(self, entry: QueueEntry, moderator: uuid.UUID) -> str:
        kind = ContentType(entry.item.content_type)
        if entry.severity.rank >= Severity.HIGH.rank and kind in _REMOVABLE:
            decision = Decision.REMOVE
        elif entry.severity.rank >= Severity.MEDIUM.rank:
            decision = Decision.WARN
        else:
            decision = Decision.APPROVE
        item = entry.item.id
        self.recorder.write(
            "moderation.decide",
            moderator,
            lambda u: u.moderation.decide(
                item, decision, moderator, reason=f"{decision.value} after review"
            ),
        )
        summary = (entry.summary or "(content gone)")[:50]
        return (
            f"  #{item} {entry.severity.value} {kind.value}, {entry.flag_count} report(s): "
            f"{decision.value} - {summary}"
        )

    def roll_up(self) -> list[str]:
        """Yesterday's events into the three daily summaries (a system job), then trending."""
        day = self.as_of - dt.timedelta(days=1)
        result = self.recorder.job("analytics.rollup_day", lambda u: u.analytics.rollup_day(day))
        trending = self.recorder.read(
            "analytics.trending_bills",
            lambda r: r.analytics.trending_bills(days=7, limit=3, as_of=day),
        )
        written = result.daily.written + result.users.written + result.bills.written
        lines = [
            f"{day}: {result.daily.groups} event groups, {result.users.groups:,} active users, "
            f"{result.bills.groups:,} bills with activity ({written:,} summary rows written)",
            "trending this week:",
        ]
        lines += [
            f"  {bill.title} [{bill.status}]: {bill.views:,} views, {bill.comments:,} comments"
            for bill in trending
        ]
        return lines
