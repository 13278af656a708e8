"""Bills: search, listing, a bill's page, stats, tags, ingestion and status changes.

``bills.tags`` and the ``bill_tags`` table hold the same set for every bill: each write
through :class:`BillRepository` or :class:`BillTagRepository` that changes one side
changes the other in the same transaction (add_tags/remove_tags in the same statement).
The engagement counters of a bill (views, comments, shares, score) are the sums of its
``bill_engagement`` rows; they are written by the engagement and comment repositories only,
so inputs here that set them are refused.
"""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

from chanuka_db.errors import InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    check_choice,
    check_collection,
    check_id,
    check_instance,
    check_int,
    check_tags,
    check_text,
)
from chanuka_db.repositories.base import TableRepository, parse_sort
from chanuka_db.repositories.infrastructure import NotificationRepository
from chanuka_db.repositories.legislative.rows import (
    BillDetail,
    BillStats,
    BillStatus,
    BillSummary,
    BillView,
    EngagementTotals,
    SponsorshipView,
    StatusChange,
    UpsertResult,
)
from chanuka_db.repositories.legislative.statements import (
    LATEST_COMMENTS,
    comment_views,
    windowed_page,
)
from chanuka_db.repositories.notifications import NotificationEvent, NotificationType
from chanuka_db.sql import (
    NOW,
    Filters,
    Page,
    SearchResult,
    assign,
    delete,
    excluded,
    excluded_differs,
    insert,
    paginate,
    search,
    select,
    trusted,
)
from chanuka_db.types import (
    UNSET,
    Bill,
    BillPatch,
    BillTag,
    BillTagPatch,
    NewBill,
    NewBillTag,
    Param,
    Predicate,
    Sponsor,
    tables,
)
from chanuka_db.types.expr import Ordering, column_of
from chanuka_db.types.models import Insert, Patch

__all__ = ["BillRepository", "BillTagRepository"]

bills = tables.bills
MAX_BATCH: Final = 5000
_RANGE: Final = ("ge", "gt", "le", "lt", "between")
# Written by the engagement and comment repositories only (see the module docstring).
_COUNTERS: Final = ("view_count", "share_count", "comment_count", "engagement_score")
# An upsert never rewrites these on a conflict.
_KEPT_ON_CONFLICT: Final = frozenset({"id", "bill_number", "created_at"})

# Make bill_tags hold exactly the tags in bills.tags for the bills ``ids``.
_SYNC_TAG_ROWS: Final = trusted(
    "WITH b AS (SELECT id, coalesce(tags, '{}') AS tags FROM bills WHERE id = ANY(%(ids)s::int[])),"
    " gone AS (DELETE FROM bill_tags AS t USING b WHERE t.bill_id = b.id AND t.tag <> ALL (b.tags))"
    " INSERT INTO bill_tags (bill_id, tag) SELECT b.id, tag FROM b, unnest(b.tags) AS tag"
    " ON CONFLICT (bill_id, tag) DO NOTHING"
)
# Append the new tags (in the order given) and insert their rows: one statement. The new
# array is computed from the row being updated, so concurrent add_tags never lose a tag.
_ADD_TAGS: Final = trusted(
    "WITH b AS (UPDATE bills SET updated_at = now(), tags = coalesce(tags, '{}') || ARRAY("
    " SELECT t FROM unnest(%(tags)s::text[]) WITH ORDINALITY AS u(t, n)"
    " WHERE t <> ALL (coalesce(bills.tags, '{}')) ORDER BY n)"
    " WHERE id = %(bill)s RETURNING id, tags),"
    " added AS (INSERT INTO bill_tags (bill_id, tag) SELECT b.id, tag FROM b, unnest(b.tags) AS tag"
    " ON CONFLICT (bill_id, tag) DO NOTHING)"
    " SELECT tags FROM b"
)
_REMOVE_TAGS: Final = trusted(
    "WITH b AS (UPDATE bills SET updated_at = now(), tags = ARRAY("
    " SELECT t FROM unnest(coalesce(tags, '{}')) WITH ORDINALITY AS u(t, n)"
    " WHERE t <> ALL (%(tags)s::text[]) ORDER BY n)"
    " WHERE id = %(bill)s RETURNING id, tags),"
    " gone AS (DELETE FROM bill_tags AS t USING b WHERE t.bill_id = b.id AND t.tag <> ALL (b.tags))"
    " SELECT tags FROM b"
)
# Bills carrying every one of the tags, found through bill_tags' (tag) index.
_WITH_ALL_TAGS: Final = trusted(
    "SELECT b.id, b.title, b.summary, b.status, b.bill_number, b.sponsor_id, b.category, b.tags,"
    " b.view_count, b.share_count, b.comment_count, b.engagement_score, b.complexity_score,"
    " b.introduced_date, b.last_action_date, b.created_at, b.updated_at, count(*) OVER ()"
    " FROM bills AS b WHERE b.id IN (SELECT bill_id FROM bill_tags WHERE tag = ANY(%(tags)s)"
    " GROUP BY bill_id HAVING count(*) = %(n)s)"
    " ORDER BY b.created_at DESC, b.id DESC LIMIT %(limit)s OFFSET %(offset)s"
)
_COUNT_WITH_ALL_TAGS: Final = trusted(
    "SELECT count(*) FROM (SELECT bill_id FROM bill_tags WHERE tag = ANY(%(tags)s)"
    " GROUP BY bill_id HAVING count(*) = %(n)s) AS tagged"
)
# The bill, its sponsors (as JSON: a handful of rows) and its primary sponsor, in one row.
_DETAIL: Final = trusted(
    "SELECT b.id, b.title, b.summary, b.status, b.bill_number, b.sponsor_id, b.category, b.tags,"
    " b.view_count, b.share_count, b.comment_count, b.engagement_score, b.complexity_score,"
    " b.introduced_date, b.last_action_date, b.created_at, b.updated_at,"
    " b.description, b.content, b.constitutional_concerns, b.stakeholder_analysis,"
    " coalesce((SELECT json_agg(json_build_object('sponsorship_id', bs.id, 'sponsor_id', s.id,"
    " 'name', s.name, 'role', s.role, 'party', s.party, 'constituency', s.constituency,"
    " 'sponsorship_type', bs.sponsorship_type, 'sponsorship_date', bs.sponsorship_date,"
    " 'is_active', bs.is_active) ORDER BY bs.sponsorship_date, bs.id)"
    " FROM bill_sponsorships AS bs JOIN sponsors AS s ON s.id = bs.sponsor_id"
    " WHERE bs.bill_id = b.id), '[]'::json),"
    " p.*"
    " FROM bills AS b LEFT JOIN sponsors AS p ON p.id = b.sponsor_id WHERE b.id = %(bill)s"
)
_VIEW_WIDTH: Final = 21
# Lock the bill, then change its status only if it differs; the old status comes back.
_SET_STATUS: Final = trusted(
    "UPDATE bills AS b SET status = %(status)s, last_action_date = now(), updated_at = now()"
    " FROM (SELECT id, status FROM bills WHERE id = %(bill)s FOR NO KEY UPDATE) AS before"
    " WHERE b.id = before.id AND before.status IS DISTINCT FROM %(status)s"
    " RETURNING b.*, before.status"
)
_STATS: Final = trusted(
    "SELECT GROUPING(status, category), status, category, count(*) FROM bills"
    " GROUP BY GROUPING SETS ((), (status), (category))"
)
_RECENTLY_UPDATED: Final = (
    select(bills, BillSummary)
    .order_by(bills.updated_at.desc(), bills.id.desc())
    .limit(Param("limit"))
)


def _statuses(spec: object) -> None:
    """Refuse a status filter naming an unknown status (it could only ever match nothing)."""
    # Other operators are the allow-list's to refuse, with its own message.
    values = [spec.get(op) for op in ("eq", "in")] if isinstance(spec, Mapping) else [spec]
    for value in values:
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is not None:
                check_choice("status", item, BillStatus)


class _BillFilters(Filters):
    """Bills' request filters: statuses must be known; a plain list of tags means all of them."""

    __slots__ = ()

    def parse(self, request: Mapping[str, Any]) -> Predicate | None:
        """As :meth:`Filters.parse`, after those two checks."""
        if isinstance(request, Mapping):
            if "status" in request:
                _statuses(request["status"])
            tags = request.get("tags")
            if tags is not None and not isinstance(tags, Mapping):
                request = {**request, "tags": {"contains": check_tags("tags", tags)}}
        return super().parse(request)


def _check_bill_input(name: str, value: NewBill | BillPatch) -> None:
    """Status known, tags well-formed, engagement counters untouched."""
    changes = value.changes()
    if "status" in changes:
        check_choice(f"{name}.status", changes["status"], BillStatus)
    if changes.get("tags") is not None:
        check_tags(f"{name}.tags", changes["tags"], allow_empty=True)
    for counter in _COUNTERS:
        if counter in changes:
            raise InvalidInput(
                f"{name}.{counter}", "is kept by the engagement repository: record engagement"
            )


def _sponsorships(items: list[dict[str, Any]]) -> list[SponsorshipView]:
    return [
        SponsorshipView(
            **{**item, "sponsorship_date": dt.datetime.fromisoformat(item["sponsorship_date"])}
        )
        for item in items
    ]


def _detail(row: tuple[Any, ...], latest: list[tuple[Any, ...]]) -> BillDetail:
    view = BillView(*row[:_VIEW_WIDTH])
    sponsor_values = row[_VIEW_WIDTH + 1 :]
    return BillDetail(
        bill=view,
        sponsor=Sponsor(*sponsor_values) if sponsor_values[0] is not None else None,
        sponsorships=_sponsorships(row[_VIEW_WIDTH]),
        engagement=EngagementTotals(
            view.id, view.view_count, view.comment_count, view.share_count, view.engagement_score
        ),
        latest_comments=comment_views(latest),
    )


def _grouped_counts(
    rows: list[tuple[Any, ...]],
) -> tuple[int, dict[str, int], dict[str | None, int]]:
    """Total, per status (in stage order), per category (most first) from GROUPING SETS rows."""
    total, by_status, by_category = 0, {}, {}
    for mask, status, category, n in rows:
        if mask == 3:
            total = n
        elif mask == 1:
            by_status[status] = n
        else:
            by_category[category] = n
    order = {status.value: index for index, status in enumerate(BillStatus)}
    statuses = sorted(by_status, key=lambda s: (order.get(s, len(order)), s))
    categories = sorted(by_category, key=lambda c: (-by_category[c], c or ""))
    return total, {s: by_status[s] for s in statuses}, {c: by_category[c] for c in categories}


def _upsert_input(items: list[object]) -> list[NewBill]:
    """Every item a NewBill with its own, non-blank bill number; no number twice."""
    seen: set[str] = set()
    news = []
    for index, value in enumerate(items):
        name = f"news[{index}]"
        item = check_instance(name, value, NewBill)
        _check_bill_input(name, item)
        number = item.bill_number
        if number is UNSET or number is None:
            raise InvalidInput(f"{name}.bill_number", "an upsert by bill number needs one")
        check_text(f"{name}.bill_number", number, max_length=100)
        if number in seen:
            raise InvalidInput(f"{name}.bill_number", f"{number!r} appears twice in one upsert")
        seen.add(number)
        news.append(item)
    return news


def _by_columns(batch: list[NewBill]) -> list[list[NewBill]]:
    """Rows grouped by the columns they set: UNSET must leave a stored column alone."""
    groups: dict[tuple[str, ...], list[NewBill]] = {}
    for item in batch:
        groups.setdefault(tuple(item.changes()), []).append(item)
    return list(groups.values())


def _upsert(rows: list[NewBill]) -> Any:
    """INSERT ... ON CONFLICT (bill_number) DO UPDATE of the columns these rows set."""
    columns = [
        column_of(bills, name) for name in rows[0].changes() if name not in _KEPT_ON_CONFLICT
    ]
    assignments: list[Any] = [excluded(column) for column in columns]
    if not any(column.name == "updated_at" for column in columns):
        assignments.append(assign(bills.updated_at, NOW))
    return (
        insert(bills, Bill)
        .values(*rows)
        .on_conflict(bills.bill_number)
        .do_update(*assignments, where=excluded_differs(*columns))
    )


def _actor(runner: object) -> uuid.UUID | None:
    """The unit of work's actor, when the runner is one."""
    actor = getattr(runner, "actor", None)
    return actor if isinstance(actor, uuid.UUID) else None


class BillRepository(TableRepository[Bill, NewBill, BillPatch]):
    """Bills: full-text search, listings without ``content``, a bill's page, tags, ingestion.

    Filters (``list``, ``count``, ``search``, ``engagement.tracked_bills``) take
    ``{"status": "committee"}``, ``{"status": {"in": [...]}}``, ``{"category": ...}``,
    ``{"sponsor_id": 7}``, ``{"introduced_date": {"ge": ..., "lt": ...}}`` (also
    ``last_action_date``, ``created_at``, ``updated_at``), ``{"tags": ["tax", "health"]}``
    (all of them), ``{"bill_number": ...}`` and ``{"title": {"ilike": "finance"}}``.
    """

    table = tables.bills
    filterable: ClassVar[Mapping[str, Iterable[str]] | None] = {
        "status": ("eq", "in"),
        "category": ("eq", "in"),
        "sponsor_id": ("eq", "in"),
        "bill_number": ("eq", "in"),
        "title": ("ilike",),
        "tags": ("contains",),
        "introduced_date": _RANGE,
        "last_action_date": _RANGE,
        "created_at": _RANGE,
        "updated_at": _RANGE,
    }
    sortable: ClassVar[frozenset[str] | None] = frozenset(
        {
            "id",
            "title",
            "status",
            "bill_number",
            "category",
            "introduced_date",
            "last_action_date",
            "created_at",
            "updated_at",
            "view_count",
            "share_count",
            "comment_count",
            "engagement_score",
            "complexity_score",
        }
    )
    default_sort = (bills.created_at.desc(), bills.id.desc())

    @classmethod
    def _filters(cls) -> Filters:
        return _BILL_FILTERS

    @classmethod
    def predicate(cls, filters: Mapping[str, Any] | None) -> Predicate | None:
        """The WHERE of a bills filter request (see the class docstring); None for none."""
        return cls._filters().parse(filters or {})

    @classmethod
    def orderings(cls, sort: object) -> tuple[Ordering, ...]:
        """Sort keys of a request, checked against ``sortable`` (nothing for ``None``)."""
        return parse_sort(bills, sort, allowed=cls.sortable)

    # -- reading ---------------------------------------------------------------------------

    def search(
        self,
        text: str,
        filters: Mapping[str, Any] | None = None,
        sort: object = None,
        *,
        page: int = 1,
        page_size: int = 20,
        min_rank: float | None = None,
    ) -> SearchResult[BillSummary]:
        """Bills matching ``text`` (web-search syntax), best first: 2 statements.

        Each hit has the bill's summary row, its ``ts_rank_cd`` rank and a highlighted
        snippet of its summary; ``total`` and the ``status``/``category`` facets count every
        match under the same filters. ``sort`` (e.g. ``"-introduced_date"``) orders by
        columns before relevance; ``None`` or ``"relevance"`` is relevance alone.
        ``min_rank`` drops weak matches before paging.
        """
        order = () if sort in (None, "relevance") else self.orderings(sort)
        predicate = self.predicate(filters)
        with self._runner.reading() as ex:
            return search(
                ex,
                bills,
                text,
                row_type=BillSummary,
                where=predicate,
                headline=bills.summary,
                facets=(bills.status, bills.category),
                min_rank=min_rank,
                order=order,
                page=page,
                page_size=page_size,
            )

    def list(  # type: ignore[override]  # summaries: a listing never loads content
        self,
        filters: Mapping[str, Any] | None = None,
        sort: object = None,
        *,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[BillSummary]:
        """One page of bill summaries (no ``content``) with the total: 2 statements."""
        statement = select(bills, BillSummary)
        predicate = self.predicate(filters)
        if predicate is not None:
            statement = statement.where(predicate)
        statement = statement.order_by(*self._sort_keys(sort))
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size)

    def detail(self, bill_id: int, *, comments: int = 5) -> BillDetail:
        """A bill's page in 2 statements (1 when ``comments`` is 0).

        The bill (without its search vector), its primary sponsor, all its sponsorships
        with their sponsors, its engagement totals and its ``comments`` latest comments.
        """
        params = {
            "bill": check_id("bill_id", bill_id),
            "limit": check_int("comments", comments, low=0, high=50),
        }
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_DETAIL, params)
            if not rows:
                raise NotFound("bills", bill_id)
            latest = ex.fetch_trusted(LATEST_COMMENTS, params) if comments else []
        return _detail(rows[0], latest)

    def stats(self, *, recent: int = 10) -> BillStats:
        """Bills by status and by category, and the ``recent`` last updated: 2 statements."""
        limit = check_int("recent", recent, low=0, high=100)
        with self._runner.reading() as ex:
            total, by_status, by_category = _grouped_counts(ex.fetch_trusted(_STATS))
            latest = _RECENTLY_UPDATED.fetch_all(ex, limit=limit) if limit else []
        return BillStats(total, by_status, by_category, latest)

    def with_all_tags(
        self, tags: builtins.list[str], *, page: int = 1, page_size: int = 20
    ) -> Page[BillSummary]:
        """Bills carrying every one of ``tags``, newest first (1 statement; 2 past the end)."""
        wanted = check_tags("tags", tags)
        with self._runner.reading() as ex:
            return windowed_page(
                ex,
                _WITH_ALL_TAGS,
                _COUNT_WITH_ALL_TAGS,
                {"tags": wanted, "n": len(wanted)},
                page=page,
                page_size=page_size,
                build=lambda rows: [BillSummary(*row[:-1]) for row in rows],
            )

    # -- writing ---------------------------------------------------------------------------

    def add(self, new: NewBill) -> Bill:
        """Insert a bill (its tags into ``bill_tags`` too: then 2 statements)."""
        self._check_input(new, Insert, "new")
        _check_bill_input("new", new)
        if not new.tags:
            return super().add(new)
        with self._runner.atomic() as ex:
            row = super().add(new)
            ex.execute(_SYNC_TAG_ROWS, {"ids": [row.id]})
        return row

    def add_many(self, news: Iterable[NewBill], *, batch_size: int = 500) -> builtins.list[Bill]:
        """Insert bills, a multi-row INSERT per batch, and their tags; one transaction."""
        items = check_collection("news", news)
        check_int("batch_size", batch_size, low=1, high=5000)
        for index, item in enumerate(items):
            self._check_input(item, Insert, f"news[{index}]")
            _check_bill_input(f"news[{index}]", item)
        with self._runner.atomic() as ex:
            rows = super().add_many(items, batch_size=batch_size)
            tagged = [row.id for row in rows if row.tags]
            if tagged:
                ex.execute(_SYNC_TAG_ROWS, {"ids": tagged})
        return rows

    def update(self, key: Any, patch: BillPatch) -> Bill:
        """Apply ``patch`` (status checked; new tags mirrored into ``bill_tags``)."""
        self._check_input(patch, Patch, "patch")
        _check_bill_input("patch", patch)
        if patch.tags is UNSET:
            return super().update(key, patch)
        with self._runner.atomic() as ex:
            row = super().update(key, patch)
            ex.execute(_SYNC_TAG_ROWS, {"ids": [row.id]})
        return row

    def add_tags(self, bill_id: int, tags: builtins.list[str]) -> builtins.list[str]:
        """Add ``tags`` to the bill (those it has are skipped); its tags after: 1 statement."""
        return self._retag(_ADD_TAGS, bill_id, tags)

    def remove_tags(self, bill_id: int, tags: builtins.list[str]) -> builtins.list[str]:
        """Remove ``tags`` from the bill (absent ones are ignored); its tags after: 1 statement."""
        return self._retag(_REMOVE_TAGS, bill_id, tags)

    def _retag(self, statement: Any, bill_id: int, tags: builtins.list[str]) -> builtins.list[str]:
        params = {"bill": check_id("bill_id", bill_id), "tags": check_tags("tags", tags)}
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(statement, params)
        if not rows:
            raise NotFound("bills", bill_id)
        return builtins.list(rows[0][0])

    def upsert_by_bill_number(
        self, news: Iterable[NewBill], *, batch_size: int = 500
    ) -> UpsertResult:
        """Ingest bills by ``bill_number``: insert new ones, update the columns each row sets.

        One ``INSERT ... ON CONFLICT (bill_number) DO UPDATE`` per batch (per batch and set of
        columns, when rows leave different columns UNSET: UNSET keeps the stored value), plus
        one statement for the tags of all batches; one transaction. A row identical to the
        stored one is not touched (its ``updated_at`` stays) and is listed in ``unchanged``.
        """
        items = _upsert_input(check_collection("news", news))
        size = check_int("batch_size", batch_size, low=1, high=MAX_BATCH)
        written: dict[str, Bill] = {}
        with self._runner.atomic() as ex:
            for start in range(0, len(items), size):
                # Sorted, so that concurrent ingestions lock rows in one order.
                batch = sorted(items[start : start + size], key=lambda b: str(b.bill_number))
                for group in _by_columns(batch):
                    written |= {str(r.bill_number): r for r in _upsert(group).fetch_all(ex)}
            tagged = [
                written[str(i.bill_number)].id
                for i in items
                if i.tags is not UNSET and str(i.bill_number) in written
            ]
            if tagged:
                ex.execute(_SYNC_TAG_ROWS, {"ids": tagged})
        numbers = [str(item.bill_number) for item in items]
        return UpsertResult(
            [written[n] for n in numbers if n in written], [n for n in numbers if n not in written]
        )

    def update_status(self, bill_id: int, status: BillStatus | str) -> StatusChange:
        """Move a bill to ``status`` and tell its followers, in one transaction: 2 statements.

        Sets ``last_action_date``/``updated_at`` and writes one ``bill_status_change``
        notification per follower (``notifications.fan_out``; the acting user of the unit of
        work is not told about their own change). A bill already in ``status`` is left as
        it is and nobody is told. The audit row comes from the audit trigger.
        """
        new = check_choice("status", status, BillStatus)
        params = {"bill": check_id("bill_id", bill_id), "status": new.value}
        with self._runner.atomic() as ex:
            rows = ex.fetch_trusted(_SET_STATUS, params)
            if not rows:
                bill = self.get(bill_id)  # NotFound, or already in that status
                return StatusChange(bill, bill.status, 0)
            *values, previous = rows[0]
            bill = Bill(*values)
            event = NotificationEvent(
                NotificationType.BILL_STATUS_CHANGE,
                "A bill you follow moved",
                f"{bill.title}: {new.label}",
            )
            told = NotificationRepository(self._runner).fan_out(
                bill.id, event, exclude_user=_actor(self._runner)
            )
        return StatusChange(bill, previous, told)


_BILL_FILTERS: Final = _BillFilters(bills, BillRepository.filterable or {})

# -- bill_tags ---------------------------------------------------------------------------------

# Set bills.tags from bill_tags (in the order the rows were added) for the bills ``ids``.
_SYNC_TAG_ARRAYS: Final = trusted(
    "UPDATE bills SET updated_at = now(),"
    " tags = ARRAY(SELECT tag FROM bill_tags WHERE bill_id = bills.id ORDER BY id)"
    " WHERE id = ANY(%(ids)s::int[])"
)
_DELETE_TAG: Final = (
    delete(tables.bill_tags).where(tables.bill_tags.id == Param("key")).returning(BillTag)
)


class BillTagRepository(TableRepository[BillTag, NewBillTag, BillTagPatch]):
    """Rows of ``bill_tags``; every write also sets ``bills.tags`` of the bills it touched.

    ``bills.add_tags``/``remove_tags`` are the usual way in (one statement each).
    """

    table = tables.bill_tags

    def add(self, new: NewBillTag) -> BillTag:
        """Insert one tag row and mirror it into ``bills.tags``: 2 statements."""
        self._check_input(new, Insert, "new")
        return self.add_many([new])[0]

    def add_many(
        self, news: Iterable[NewBillTag], *, batch_size: int = 500
    ) -> builtins.list[BillTag]:
        """Insert tag rows (a multi-row INSERT per batch), then mirror them; one transaction."""
        items = check_collection("news", news)
        check_int("batch_size", batch_size, low=1, high=5000)
        for index, item in enumerate(items):
            if type(item) is NewBillTag:
                check_tags(f"news[{index}].tag", [item.tag])
        with self._runner.atomic() as ex:
            rows = super().add_many(items, batch_size=batch_size)
            if rows:
                ex.execute(_SYNC_TAG_ARRAYS, {"ids": sorted({row.bill_id for row in rows})})
        return rows

    def update(self, key: Any, patch: BillTagPatch) -> BillTag:
        """Change a tag row (and ``bills.tags`` of the bills it left and joined)."""
        self._check_input(patch, Patch, "patch")
        if patch.tag is not UNSET:
            check_tags("patch.tag", [patch.tag])
        with self._runner.atomic() as ex:
            before = self.get(key)
            row = super().update(key, patch)
            ex.execute(_SYNC_TAG_ARRAYS, {"ids": sorted({before.bill_id, row.bill_id})})
        return row

    def delete(self, key: Any) -> None:
        """Delete a tag row and drop the tag from ``bills.tags``: 2 statements."""
        with self._runner.atomic() as ex:
            row = _DELETE_TAG.fetch_optional(ex, key=key)
            if row is None:
                raise NotFound("bill_tags", key)
            ex.execute(_SYNC_TAG_ARRAYS, {"ids": [row.bill_id]})
