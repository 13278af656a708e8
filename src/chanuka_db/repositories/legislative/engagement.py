"""Engagement: what each user did with each bill, and the bills' counters that sum it up.

Invariant: a bill's ``view_count``, ``comment_count``, ``share_count`` and
``engagement_score`` equal the sums of its ``bill_engagement`` rows. ``record`` keeps it in
one statement; the generic writes of this repository (``add``, ``update``, ``delete``) shift
the bills' counters by what they wrote, in the same transaction.

``bill_engagement`` is personal data (row-level security): ``record``, ``user_history`` and
``tracked_bills`` concern one user, the actor; ``subscribers`` reads every user's rows of a
bill and is for the system path.
"""

from __future__ import annotations

import builtins
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from chanuka_db.errors import InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    check_choice,
    check_id,
    check_uuid,
)
from chanuka_db.repositories.base import TableRepository, parse_sort
from chanuka_db.repositories.legislative.bills import BillRepository
from chanuka_db.repositories.legislative.rows import (
    BillHeadline,
    BillSummary,
    EngagementKind,
    EngagementTotals,
    HistoryEntry,
    Subscriber,
    TrackedBill,
)
from chanuka_db.repositories.legislative.statements import ENGAGE, map_page
from chanuka_db.sql import Page, delete, paginate, select, trusted
from chanuka_db.types import BillEngagement, BillEngagementPatch, NewBillEngagement, Param, tables
from chanuka_db.types.expr import Ordering
from chanuka_db.types.models import Insert, Patch

__all__ = ["BillEngagementRepository"]

bills = tables.bills
_e = tables.bill_engagement
users = tables.users

_RECORD: Final = trusted(
    "WITH src AS (SELECT %(bill)s::int AS bill_id, %(user)s::uuid AS user_id,"
    " %(views)s::int AS views, %(comments)s::int AS comments, %(shares)s::int AS shares,"
    " %(score)s::numeric AS score), " + ENGAGE + " SELECT * FROM e"
)
# Add per-bill amounts to the bills' counters (ids sorted and distinct: one lock order).
_SHIFT_BILLS: Final = trusted(
    "UPDATE bills AS b SET view_count = b.view_count + d.views,"
    " comment_count = b.comment_count + d.comments, share_count = b.share_count + d.shares,"
    " engagement_score = b.engagement_score + d.score"
    " FROM unnest(%(ids)s::int[], %(views)s::int[], %(comments)s::int[], %(shares)s::int[],"
    " %(scores)s::numeric[]) AS d(bill_id, views, comments, shares, score)"
    " WHERE b.id = d.bill_id"
)
_TOTALS: Final = select(bills, EngagementTotals, bill_id=bills.id).where(bills.id == Param("bill"))
_HISTORY: Final = (
    select(_e, BillEngagement)
    .join(bills, on=bills.id == _e.bill_id, include=BillHeadline)
    .where(_e.user_id == Param("user"))
    .order_by(_e.last_engaged.desc(), _e.id.desc())
)
_SUBSCRIBERS: Final = (
    select(_e, Subscriber, name=users.name)
    .join(users, on=users.id == _e.user_id)
    .where((_e.bill_id == Param("bill")) & users.is_active.eq(True))
    .order_by(_e.last_engaged.desc(), _e.id.desc())
)
_LOCKED: Final = select(_e, BillEngagement).where(_e.id == Param("key")).for_update()
_DELETE: Final = delete(_e).where(_e.id == Param("key")).returning(BillEngagement)
_COUNTER_FIELDS: Final = ("view_count", "comment_count", "share_count", "engagement_score")
_FIXED: Final = ("bill_id", "user_id")


def _shift(ex: Any, changes: Iterable[tuple[BillEngagement, int]]) -> None:
    """Add (sign 1) or take away (sign -1) each row's counters to or from its bill's."""
    sums: dict[int, list[Any]] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for row, sign in changes:
        total = sums[row.bill_id]
        for index, name in enumerate(_COUNTER_FIELDS):
            total[index] += sign * getattr(row, name)
    if not sums:
        return
    ids = sorted(sums)
    columns = {"views": 0, "comments": 1, "shares": 2, "scores": 3}
    params: dict[str, Any] = {name: [sums[i][n] for i in ids] for name, n in columns.items()}
    ex.execute(_SHIFT_BILLS, {"ids": ids, **params})


def _tracked_sort(sort: object) -> tuple[Ordering, ...]:
    """Bill sort keys, plus ``last_engaged`` (the user's); default: last engaged first."""
    if sort is None:
        return (_e.last_engaged.desc(), bills.id.desc())
    items = [sort] if isinstance(sort, str | tuple) else sort
    if not isinstance(items, builtins.list) or len(items) > 8:
        raise InvalidInput("sort", "expected a field, a (field, direction) pair or up to 8 of them")
    keys: builtins.list[Ordering] = []
    for item in items:
        field = item.lstrip("-") if isinstance(item, str) else item[0] if item else None
        if field == "last_engaged":
            keys += parse_sort(_e, [item], allowed={"last_engaged"})
        else:
            keys += BillRepository.orderings([item])
    if not any(key.column.same_as(bills.id) for key in keys):
        keys.append(bills.id.asc())
    return tuple(keys)


class BillEngagementRepository(
    TableRepository[BillEngagement, NewBillEngagement, BillEngagementPatch]
):
    """Per-(bill, user) engagement counters and the bills' totals (see the module docs)."""

    table = tables.bill_engagement

    def record(
        self, bill_id: int, user_id: uuid.UUID, kind: EngagementKind | str
    ) -> BillEngagement:
        """Count one view, comment or share: the user's row and the bill's counters, 1 statement.

        ``INSERT ... ON CONFLICT DO UPDATE`` adds 1 to the user's counter of ``kind`` and
        the kind's weight (view 1, comment 5, share 3) to their score, and the same to the
        bill's counters, atomically. Returns the user's row. A comment added through
        ``comments.add`` is recorded by it: do not record it again.
        """
        what = check_choice("kind", kind, EngagementKind)
        params = {
            "bill": check_id("bill_id", bill_id),
            "user": check_uuid("user_id", user_id),
            "views": int(what is EngagementKind.VIEW),
            "comments": int(what is EngagementKind.COMMENT),
            "shares": int(what is EngagementKind.SHARE),
            "score": what.weight,
        }
        with self._runner.reading() as ex:
            (row,) = ex.fetch_trusted(_RECORD, params)
        return BillEngagement(*row)

    def bill_totals(self, bill_id: int) -> EngagementTotals:
        """A bill's engagement counters: 1 statement (the bill's own row)."""
        with self._runner.reading() as ex:
            totals = _TOTALS.fetch_optional(ex, bill=check_id("bill_id", bill_id))
        if totals is None:
            raise NotFound("bills", bill_id)
        return totals

    def user_history(
        self, user_id: uuid.UUID, *, page: int = 1, page_size: int = 20
    ) -> Page[HistoryEntry]:
        """The user's engagement rows with their bills, last engaged first: 2 statements."""
        user = check_uuid("user_id", user_id)
        with self._runner.reading() as ex:
            found = paginate(_HISTORY, ex, page=page, page_size=page_size, user=user)
        return map_page(found, lambda pair: HistoryEntry(*pair))

    def tracked_bills(
        self,
        user_id: uuid.UUID,
        filters: Mapping[str, Any] | None = None,
        sort: object = None,
        *,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[TrackedBill]:
        """Bills the user engaged with, under bill ``filters``, with the user's counters.

        ``sort`` takes the bills' sort fields and ``last_engaged`` (default
        ``-last_engaged``). 2 statements.
        """
        user = check_uuid("user_id", user_id)
        statement = (
            select(bills, BillSummary)
            .join(_e, on=_e.bill_id == bills.id, include=BillEngagement)
            .where(_e.user_id == user)
        )
        predicate = BillRepository.predicate(filters)
        if predicate is not None:
            statement = statement.where(predicate)
        statement = statement.order_by(*_tracked_sort(sort))
        with self._runner.reading() as ex:
            found = paginate(statement, ex, page=page, page_size=page_size)
        return map_page(found, lambda pair: TrackedBill(*pair))

    def subscribers(self, bill_id: int, *, page: int = 1, page_size: int = 100) -> Page[Subscriber]:
        """The bill's followers (active users who engaged with it), last engaged first.

        The same users ``notifications.fan_out`` writes to. 2 statements; system path.
        """
        bill = check_id("bill_id", bill_id)
        with self._runner.reading() as ex:
            return paginate(_SUBSCRIBERS, ex, page=page, page_size=page_size, bill=bill)

    # -- generic writes that keep the bills' counters -----------------------------------

    def add(self, new: NewBillEngagement) -> BillEngagement:
        """Insert an engagement row and add its counters to the bill's: 2 statements."""
        self._check_input(new, Insert, "new")
        return self.add_many([new])[0]

    def add_many(
        self, news: Iterable[NewBillEngagement], *, batch_size: int = 500
    ) -> builtins.list[BillEngagement]:
        """Insert rows (multi-row INSERT per batch), then shift the bills; one transaction."""
        with self._runner.atomic() as ex:
            rows = super().add_many(news, batch_size=batch_size)
            _shift(ex, ((row, 1) for row in rows))
        return rows

    def update(self, key: Any, patch: BillEngagementPatch) -> BillEngagement:
        """Change a row's counters (the bill's move by the difference): 3 statements."""
        self._check_input(patch, Patch, "patch")
        for name in _FIXED:
            if name in patch.changes():
                raise InvalidInput(f"patch.{name}", "an engagement row cannot move")
        with self._runner.atomic() as ex:
            before = _LOCKED.fetch_optional(ex, key=key)
            if before is None:
                raise NotFound("bill_engagement", key)
            after = super().update(key, patch)
            _shift(ex, [(before, -1), (after, 1)])
        return after

    def delete(self, key: Any) -> None:
        """Delete a row and take its counters off the bill's: 2 statements."""
        with self._runner.atomic() as ex:
            row = _DELETE.fetch_optional(ex, key=key)
            if row is None:
                raise NotFound("bill_engagement", key)
            _shift(ex, [(row, -1)])
