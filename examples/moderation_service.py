"""Moderation: a small service written only against chanuka-db.

Citizens report content; reports of the same comment merge into one review item; a
moderator works the queue, most severe first, and decides. A decision closes the reports,
records the moderator's action, hides the content and logs an analytics event, all in one
unit of work. The service never sees a connection or SQL. Run a short scripted scenario::

    python examples/moderation_service.py   # the embedded server, or DATABASE_URL

It migrates the database first, then adds a few people, a bill and two comments (new ones
on every run) and walks through reporting, the queue, decisions and the day's numbers.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from typing import Final

from chanuka_db import Database, DatabaseConfig
from chanuka_db.repositories import UnitOfWork
from chanuka_db.repositories.moderation import (
    ContentRef,
    ContentType,
    Decision,
    DecisionResult,
    FlagReason,
    FlagResult,
    ModerationStats,
    QueueEntry,
    Severity,
)
from chanuka_db.sql import Page
from chanuka_db.types import NewAnalyticsEvent, NewBill, NewBillComment, NewUser

MODERATOR_ROLES: Final = frozenset({"moderator", "admin"})


class NotAModerator(PermissionError):
    """The acting user may not see the queue or decide."""


class ModerationService:
    """What the report button and the moderators' desk need."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- citizens -------------------------------------------------------------------------

    def report_comment(
        self,
        citizen: uuid.UUID,
        comment_id: int,
        reason: FlagReason,
        details: str | None = None,
    ) -> FlagResult:
        """A citizen reports a comment; a repeated report by them changes nothing."""
        with self.db.unit_of_work(actor=citizen) as uow:
            return uow.moderation.flag(
                ContentRef.comment(comment_id), reason, citizen, details=details
            )

    # -- moderators -----------------------------------------------------------------------

    def queue(
        self,
        moderator: uuid.UUID,
        *,
        content_type: ContentType | None = None,
        min_severity: Severity | None = None,
        page: int = 1,
    ) -> Page[QueueEntry]:
        """The open review items, most severe first, with what each is about."""
        with self.db.unit_of_work(actor=moderator, read_only=True) as uow:
            self._require_moderator(uow, moderator)
            filters = {"content_type": content_type, "min_severity": min_severity}
            return uow.moderation.queue(filters, page=page)

    def open_item(self, moderator: uuid.UUID, item_id: int) -> QueueEntry:
        """One review item, as the queue shows it."""
        with self.db.unit_of_work(actor=moderator, read_only=True) as uow:
            self._require_moderator(uow, moderator)
            return uow.moderation.entry(item_id)

    def decide(
        self, moderator: uuid.UUID, item_id: int, decision: Decision, reason: str
    ) -> DecisionResult:
        """Decide an item; the decision and its analytics event commit together."""
        with self.db.unit_of_work(actor=moderator) as uow:
            self._require_moderator(uow, moderator)
            result = uow.moderation.decide(item_id, decision, moderator, reason=reason)
            item = result.item
            uow.analytics.record_event(
                NewAnalyticsEvent(
                    event_type="moderation_decision",
                    event_category="moderation",
                    user_id=moderator,
                    comment_id=item.content_id if item.content_type == "bill_comment" else None,
                    event_data={"item": item.id, "decision": decision.value},
                )
            )
            return result

    def numbers(
        self, moderator: uuid.UUID, since: dt.datetime, until: dt.datetime
    ) -> ModerationStats:
        """Reports, decisions and the backlog for the moderators' dashboard."""
        with self.db.unit_of_work(actor=moderator, read_only=True) as uow:
            self._require_moderator(uow, moderator)
            return uow.moderation.stats(since, until)

    @staticmethod
    def _require_moderator(uow: UnitOfWork, user_id: uuid.UUID) -> None:
        user = uow.users.find(user_id)
        if user is None or user.role not in MODERATOR_ROLES:
            raise NotAModerator(f"user {user_id} may not moderate")


# -- the scenario ------------------------------------------------------------------------------


def _people(db: Database) -> dict[str, uuid.UUID]:
    """Three citizens and a moderator (new e-mail addresses on every run)."""
    run = uuid.uuid4().hex[:8]
    roles = {"Amina": "citizen", "Brian": "citizen", "Chebet": "citizen", "Wanjiku": "moderator"}
    no_login = "!"  # not a hash any password matches: these people never sign in
    news = [
        NewUser(
            email=f"{name.lower()}.{run}@example.ke", password_hash=no_login, name=name, role=role
        )
        for name, role in roles.items()
    ]
    return {row.name: row.id for row in db.repos.users.add_many(news)}


def scenario(db: Database) -> list[str]:
    """Walk through the service once; the lines describe what happened."""
    service = ModerationService(db)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    people = _people(db)
    amina, brian, chebet, wanjiku = (people[n] for n in ("Amina", "Brian", "Chebet", "Wanjiku"))
    with db.unit_of_work(actor=brian) as uow:
        bill = uow.bills.add(NewBill(title="The Finance Bill, 2026"))
        attack = uow.comments.add(
            NewBillComment(bill_id=bill.id, user_id=brian, content="Only a fool would back this.")
        )
    with db.unit_of_work(actor=chebet) as uow:
        spam = uow.comments.add(
            NewBillComment(bill_id=bill.id, user_id=chebet, content="Cheap loans at example.ke!")
        )
    out: list[str] = []

    first = service.report_comment(amina, attack.id, FlagReason.HARASSMENT, "A personal attack")
    second = service.report_comment(chebet, attack.id, FlagReason.HARASSMENT)
    again = service.report_comment(amina, attack.id, FlagReason.HARASSMENT)
    advert = service.report_comment(amina, spam.id, FlagReason.SPAM)
    out.append(
        f"reports of Brian's comment: {second.flag_count} in one item"
        f" (same item: {first.item.id == second.item.id}; Amina's repeat was "
        f"{'merged' if again.duplicate else 'recorded'})"
    )

    try:
        service.queue(brian)
    except NotAModerator:
        out.append("Brian asked for the queue: refused, not a moderator")

    waiting = service.queue(wanjiku)
    out.append(f"queue: {waiting.total} open item(s), most severe first")
    for item_id in (second.item.id, advert.item.id):
        entry = service.open_item(wanjiku, item_id)
        out.append(
            f"an item: {entry.severity.value}, {entry.flag_count} report(s):"
            f" {entry.summary!r} by {entry.author_name}"
        )
    removed = service.decide(wanjiku, second.item.id, Decision.REMOVE, "personal attack")
    warned = service.decide(wanjiku, advert.item.id, Decision.WARN, "advertising")
    hidden = db.repos.comments.get(attack.id).is_deleted
    out.append(
        f"decided: remove ({removed.flags_closed} reports upheld, comment hidden: {hidden});"
        f" warn ({warned.flags_closed} report upheld, comment kept)"
    )

    numbers = service.numbers(wanjiku, started, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    out.append(
        f"since the start: {numbers.flags_total} reports {numbers.flags_by_status},"
        f" actions {numbers.actions_by_type}, {numbers.decided_items} items decided"
    )
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
