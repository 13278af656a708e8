"""Bill browsing and commenting: a small service written only against chanuka-db.

It shows the intended use: a service holds one ``Database`` (the pool), opens a unit of
work per request with the acting user, and calls repositories; it never sees a
connection or SQL. Run it for a short scripted scenario::

    python examples/bill_service.py        # the embedded server, or DATABASE_URL

It migrates the database first, then seeds a few bills (idempotent: by bill number) and
users, and walks through browsing, reading, commenting, voting and a status change.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

import attrs

from chanuka_db import Database, DatabaseConfig
from chanuka_db.repositories.legislative import (
    BillDetail,
    BillStatus,
    BillSummary,
    CommentSort,
    EngagementKind,
    StatusChange,
    Thread,
    TrackedBill,
    VoteResult,
    VoteType,
)
from chanuka_db.sql import Page, SearchResult
from chanuka_db.types import (
    BillComment,
    NewBill,
    NewBillComment,
    NewSocialShare,
    NewUser,
    Notification,
)


@attrs.frozen
class Inbox:
    """A user's newest notifications and how many are unread."""

    unread: int
    latest: list[Notification]


class BillService:
    """What the bill pages and the discussion under them need."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- browsing (single reads: no unit of work needed) -------------------------------------

    def browse(
        self, *, status: str | None = None, tags: list[str] | None = None, page: int = 1
    ) -> Page[BillSummary]:
        """Newest bills first, optionally of one stage and carrying all ``tags``."""
        filters: dict[str, Any] = {}
        if status is not None:
            filters["status"] = status
        if tags:
            filters["tags"] = tags
        return self.db.repos.bills.list(filters, page=page, page_size=10)

    def search(self, text: str, *, page: int = 1) -> SearchResult[BillSummary]:
        """Bills matching ``text``, best first, with counts per status and category."""
        return self.db.repos.bills.search(text, page=page, page_size=10)

    def discussion(self, bill_id: int, sort: str = "recent", page: int = 1) -> Page[Thread]:
        """A page of the bill's threads (2 statements, whatever the page holds)."""
        return self.db.repos.comments.list_threaded(bill_id, sort, page=page, replies=3)

    # -- a reader's actions (one unit of work each, acting as the reader) ------------------

    def open_bill(self, bill_id: int, reader: uuid.UUID | None) -> BillDetail:
        """The bill's page; a signed-in reader's view is counted in the same transaction."""
        with self.db.unit_of_work(actor=reader) as uow:
            if reader is not None:
                uow.engagement.record(bill_id, reader, EngagementKind.VIEW)
            return uow.bills.detail(bill_id, comments=3)

    def comment(
        self, author: uuid.UUID, bill_id: int, text: str, *, reply_to: int | None = None
    ) -> BillComment:
        """Post a comment or a reply (counted as the author's engagement)."""
        new = NewBillComment(
            bill_id=bill_id, user_id=author, content=text, parent_comment_id=reply_to
        )
        with self.db.unit_of_work(actor=author) as uow:
            return uow.comments.add(new)

    def vote(self, voter: uuid.UUID, comment_id: int, vote: VoteType) -> VoteResult:
        """Vote on a comment; the same vote again withdraws it."""
        with self.db.unit_of_work(actor=voter) as uow:
            return uow.votes.toggle(comment_id, voter, vote)

    def share(self, user: uuid.UUID, bill_id: int, platform: str) -> None:
        """Record a share: the share itself and the engagement, all or nothing."""
        with self.db.unit_of_work(actor=user) as uow:
            uow.social_shares.add(NewSocialShare(bill_id=bill_id, user_id=user, platform=platform))
            uow.engagement.record(bill_id, user, EngagementKind.SHARE)

    def my_bills(self, user: uuid.UUID) -> Page[TrackedBill]:
        """The bills the user follows, most recently engaged first."""
        with self.db.unit_of_work(actor=user, read_only=True) as uow:
            return uow.engagement.tracked_bills(user)

    def inbox(self, user: uuid.UUID) -> Inbox:
        """The user's newest notifications and the unread count."""
        with self.db.unit_of_work(actor=user, read_only=True) as uow:
            latest = uow.notifications.list_for_user(user, page_size=5).items
            return Inbox(uow.notifications.unread_count(user), latest)

    # -- the clerk's desk --------------------------------------------------------------------

    def advance(self, bill_id: int, status: BillStatus, clerk: uuid.UUID) -> StatusChange:
        """Move a bill to its next stage and tell its followers, in one transaction.

        The fan-out writes other users' notifications: with row-level security on, run it
        through the system path (a Database on the system login), not a user's.
        """
        with self.db.unit_of_work(actor=clerk) as uow:
            return uow.bills.update_status(bill_id, status)


# -- the scripted scenario ---------------------------------------------------------------------

BILLS = [
    NewBill(
        title="The Finance Bill, 2026",
        bill_number="NA-2026-001",
        summary="Changes to income tax bands and a levy on mobile money transfers.",
        category="finance",
        tags=["tax", "budget"],
    ),
    NewBill(
        title="The County Health Facilities Bill, 2026",
        bill_number="NA-2026-002",
        summary="Standards and finance for county health facilities.",
        category="health",
        tags=["health", "county-governance"],
    ),
    NewBill(
        title="The Public Roads (Tolls) Bill, 2026",
        bill_number="NA-2026-003",
        summary="Tolls on national trunk roads and a roads levy fund.",
        category="transport",
        tags=["roads", "tax"],
    ),
]


def _people(db: Database) -> dict[str, uuid.UUID]:
    """Three citizens and a clerk (new e-mail addresses on every run)."""
    run = uuid.uuid4().hex[:8]
    names = ("Amina", "Brian", "Chebet", "Clerk")
    no_login = "!"  # not a hash any password matches: these people never sign in
    news = [
        NewUser(email=f"{n.lower()}.{run}@example.ke", password_hash=no_login, name=n)
        for n in names
    ]
    rows = db.repos.users.add_many(news)
    return {row.name: row.id for row in rows}


def _next_stage(status: str) -> BillStatus | None:
    """The stage after ``status`` on the way to assent (None at the end of the road)."""
    road = list(BillStatus)[: list(BillStatus).index(BillStatus.ASSENTED) + 1]
    current = BillStatus(status)
    return road[road.index(current) + 1] if current in road[:-1] else None


def scenario(db: Database) -> list[str]:
    """Walk through the service once; the lines describe what happened."""
    service = BillService(db)
    out: list[str] = []
    ingested = db.repos.bills.upsert_by_bill_number(BILLS)
    out.append(f"ingested: {len(ingested.rows)} written, {len(ingested.unchanged)} unchanged")
    people = _people(db)
    amina, brian, chebet, clerk = (people[n] for n in ("Amina", "Brian", "Chebet", "Clerk"))

    found = service.search("finance")
    out.append(f"search 'finance': {found.total} bills, best: {found.hits[0].row.title}")
    taxed = service.browse(tags=["tax"])
    out.append(f"bills tagged tax: {taxed.total}")

    finance = next(hit.row for hit in found.hits if hit.row.bill_number == "NA-2026-001")
    for reader in (amina, brian, chebet):
        service.open_bill(finance.id, reader)
    question = service.comment(amina, finance.id, "Will the mobile money levy apply to M-Pesa?")
    answer = "Yes, to every transfer above 100 shillings."
    service.comment(brian, finance.id, answer, reply_to=question.id)
    service.comment(chebet, finance.id, "The tax bands look fair to me.")
    service.vote(brian, question.id, VoteType.UP)
    service.vote(chebet, question.id, VoteType.UP)
    service.share(chebet, finance.id, "whatsapp")

    threads = service.discussion(finance.id, sort=CommentSort.POPULAR)
    top = threads.items[0]
    out.append(
        f"discussion: {threads.total} threads; top: {top.comment.content!r} by "
        f"{top.comment.author_name}, +{top.comment.score}, {top.comment.reply_count} reply"
    )
    page = service.open_bill(finance.id, None)
    totals = page.engagement
    out.append(
        f"engagement: {totals.view_count} views, {totals.comment_count} comments, "
        f"{totals.share_count} shares, score {totals.engagement_score}"
    )
    stage = _next_stage(page.bill.status)
    if stage is None:
        out.append(f"status: {page.bill.status}, the last stage")
    else:
        moved = service.advance(finance.id, stage, clerk)
        out.append(f"status: {moved.previous} -> {moved.bill.status}, {moved.notified} told")
    inbox = service.inbox(amina)
    latest = inbox.latest[0].message if inbox.latest else "-"
    out.append(f"Amina's inbox: {inbox.unread} unread; latest: {latest}")
    out.append(f"Amina follows {service.my_bills(amina).total} bill(s)")
    return out


def main() -> int:
    """Migrate, then run the scenario against the embedded server or DATABASE_URL."""
    db = Database(DatabaseConfig.from_env())
    with db:
        db.migrate()
        for line in scenario(db):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
