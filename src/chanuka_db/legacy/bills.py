"""The old bill service's calls (``server/features/bills/bill-service.ts``), on the repositories.

``getAllBills``/``getBillById``/``recordEngagement`` are the methods of the old
``BillService``; ``incrementBillViews`` is the old storage layer's (``IStorage``). Each
returns what the old call returned, as :mod:`.shapes` describes; what changed underneath
is listed in ``docs/migrating.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Final

from typing_extensions import deprecated

from chanuka_db.errors import InvalidInput, NotFound
from chanuka_db.legacy.deprecation import LegacyAPIWarning
from chanuka_db.legacy.service import LegacyService, engaged_users
from chanuka_db.legacy.shapes import as_uuid, check_keys, js_value, record
from chanuka_db.repositories.legislative import BillView, CommentView, EngagementKind
from chanuka_db.types import Bill, Sponsor

__all__ = ["BillService"]

_FILTER_KEYS: Final = ("status", "category", "search", "sponsorId", "tags", "dateFrom", "dateTo")
_PAGINATION_KEYS: Final = ("page", "limit", "sortBy", "sortOrder")
# The old getSortColumn(): sortBy -> column; the default ("date") is the introduction date.
_SORT_COLUMNS: Final = {
    "date": "introduced_date",
    "title": "title",
    "engagement": "view_count",
    "status": "status",
}
_SAME_NAME: Final = {"status": "status", "category": "category", "sponsorId": "sponsor_id"}
# The old recentComments: the bill's five newest comments, these columns.
_RECENT_COMMENT_FIELDS: Final = (
    "id",
    "content",
    "commentType",
    "upvotes",
    "downvotes",
    "createdAt",
    "userId",
    "isVerified",
)


def _timestamp(name: str, value: object) -> dt.datetime:
    """A date bound (datetime, date or ISO-8601 text) as a naive UTC ``timestamp``."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(name, f"not an ISO-8601 date: {value!r}") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise InvalidInput(name, f"expected a date, got {type(value).__name__}")


def _bill_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """The old BillFilters as the bills repository's filters (``search`` aside)."""
    wanted = {new: filters[old] for old, new in _SAME_NAME.items() if filters.get(old) is not None}
    if filters.get("tags"):
        wanted["tags"] = filters["tags"]
    dates = {}
    if filters.get("dateFrom") is not None:
        dates["ge"] = _timestamp("filters.dateFrom", filters["dateFrom"])
    if filters.get("dateTo") is not None:
        dates["le"] = _timestamp("filters.dateTo", filters["dateTo"])
    if dates:
        wanted["introduced_date"] = dates
    return wanted


def _sort(pagination: Mapping[str, Any]) -> str:
    """The old sortBy/sortOrder (default: newest introduced first) as a sort field."""
    by = pagination.get("sortBy") or "date"
    order = pagination.get("sortOrder") or "desc"
    if by not in _SORT_COLUMNS:
        raise InvalidInput("pagination.sortBy", f"{by!r} is not one of {sorted(_SORT_COLUMNS)}")
    if order not in ("asc", "desc"):
        raise InvalidInput("pagination.sortOrder", f"{order!r} is not 'asc' or 'desc'")
    return ("-" if order == "desc" else "") + _SORT_COLUMNS[by]


def _bill(row: Bill | BillView) -> dict[str, Any]:
    return record(row, drop=("search_vector",))


def _engagement(bill: Bill | BillView, engaged: int) -> dict[str, int]:
    """The old engagement summary; the bill's counters are the sums of its engagement rows."""
    return {
        "totalViews": bill.view_count,
        "totalComments": bill.comment_count,
        "totalShares": bill.share_count,
        "uniqueViewers": engaged,
        "totalEngagements": engaged,
    }


def _recent_comment(comment: CommentView) -> dict[str, Any]:
    full = record(comment)
    return {key: full[key] for key in _RECENT_COMMENT_FIELDS}


def _sponsor_info(sponsor: Sponsor | None) -> dict[str, Any] | None:
    if sponsor is None:
        return None
    return {"id": sponsor.id, "name": sponsor.name, "role": sponsor.role, "party": sponsor.party}


class BillService(LegacyService):
    """The old ``BillService`` (and ``IStorage``'s bill counters) over the repositories.

    ``BillService(db).getAllBills(...)``; every method also has its snake_case name.
    """

    __slots__ = ()

    @deprecated(
        "BillService.getAllBills() is deprecated: use "
        "db.repos.bills.list() or db.repos.bills.search()"
        " (see docs/migrating.md#getallbills)",
        category=LegacyAPIWarning,
    )
    def getAllBills(
        self,
        filters: Mapping[str, Any] | None = None,
        pagination: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A page of bills with their engagement: ``{bills, pagination, metadata}``.

        ``filters``: ``status``, ``category``, ``sponsorId``, ``tags`` (all of them),
        ``dateFrom``/``dateTo`` (introduction date), ``search`` (full-text, where the old
        service matched substrings with ILIKE). ``pagination``: ``page`` (1),
        ``limit`` (10), ``sortBy`` (``date``, ``title``, ``engagement``, ``status``),
        ``sortOrder`` (``desc``). 4 statements in one snapshot.
        """
        wanted = check_keys("filters", filters, _FILTER_KEYS)
        paging = check_keys("pagination", pagination, _PAGINATION_KEYS)
        page, limit = paging.get("page", 1), paging.get("limit", 10)
        sort, where, text = _sort(paging), _bill_filters(wanted), wanted.get("search")
        with self._snapshot() as uow:
            if text:
                found = uow.bills.search(text, where, sort, page=page, page_size=limit)
                ids, total = [hit.row.id for hit in found.hits], found.total
            else:
                listed = uow.bills.list(where, sort, page=page, page_size=limit)
                ids, total = [row.id for row in listed.items], listed.total
            rows = uow.bills.get_many(ids).rows
            engaged = engaged_users(uow, ids)
        return {
            "bills": [
                {**_bill(row), "engagement": _engagement(row, engaged.get(row.id, 0))}
                for row in rows
            ],
            "pagination": {
                "page": page,
                "limit": limit,
                "total": total,
                "pages": math.ceil(total / limit),
            },
            "metadata": {
                "source": "database",
                "timestamp": js_value(dt.datetime.now(dt.UTC)),
                "cacheHit": False,
            },
        }

    get_all_bills = getAllBills

    @deprecated(
        "BillService.getBillById() is deprecated: use "
        "db.repos.bills.detail(bill_id)"
        " (see docs/migrating.md#getbillbyid)",
        category=LegacyAPIWarning,
    )
    def getBillById(self, bill_id: int) -> dict[str, Any] | None:
        """The bill with its engagement, 5 newest comments and sponsor; ``None`` if none.

        3 statements in one snapshot.
        """
        with self._snapshot() as uow:
            try:
                detail = uow.bills.detail(bill_id, comments=5)
            except NotFound:
                return None
            engaged = engaged_users(uow, [detail.bill.id]).get(detail.bill.id, 0)
        return {
            **_bill(detail.bill),
            "engagement": _engagement(detail.bill, engaged),
            "recentComments": [_recent_comment(c) for c in detail.latest_comments],
            "sponsorInfo": _sponsor_info(detail.sponsor),
        }

    get_bill_by_id = getBillById

    @deprecated(
        "BillService.incrementBillViews() is deprecated: use "
        "uow.engagement.record(bill_id, user_id, EngagementKind.VIEW)"
        " (see docs/migrating.md#incrementbillviews)",
        category=LegacyAPIWarning,
    )
    def incrementBillViews(self, bill_id: int, user_id: object = None) -> dict[str, Any]:
        """Count a view of the bill by ``user_id``; the bill afterwards (``NotFound`` if none).

        A bill's counters are the sums of its users' engagement, so a view is counted for
        a signed-in user only: without ``user_id`` nothing is counted (the old storage
        counted anonymous views too). 2 statements in one unit of work acting as the user.
        """
        user = None if user_id is None else as_uuid("user_id", user_id)
        with self._db.unit_of_work(actor=user) as uow:
            if user is not None:
                uow.engagement.record(bill_id, user, EngagementKind.VIEW)
            bill = uow.bills.get(bill_id)
        return _bill(bill)

    increment_bill_views = incrementBillViews

    @deprecated(
        "BillService.recordEngagement() is deprecated: use "
        "uow.engagement.record(bill_id, user_id, kind)"
        " (see docs/migrating.md#recordengagement)",
        category=LegacyAPIWarning,
    )
    def recordEngagement(self, bill_id: int, user_id: object, engagement_type: str) -> None:
        """Count a ``view``, ``comment`` or ``share`` of the bill by the user (returns nothing).

        Scores are weighted now (view 1, comment 5, share 3; the old service added 1 for
        any kind), and the bill's comment count moves with comments too. 1 statement.
        """
        user = as_uuid("user_id", user_id)
        with self._db.unit_of_work(actor=user) as uow:
            uow.engagement.record(bill_id, user, engagement_type)

    record_engagement = recordEngagement
