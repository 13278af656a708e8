"""Repositories of the moderation domain: reports, review queue, moderator actions, scores.

:class:`ModerationRepository` (``uow.moderation``) is the domain's workflow over its tables::

    with db.unit_of_work(actor=citizen) as uow:            # a citizen reports a comment
        uow.moderation.flag(ContentRef.comment(comment_id), FlagReason.HARASSMENT, citizen)

    with db.unit_of_work(actor=moderator) as uow:          # a moderator works the queue
        page = uow.moderation.queue({"content_type": "bill_comment"}, page=1)
        uow.moderation.decide(page.items[0].item.id, Decision.REMOVE, moderator,
                              reason="personal attack")

What a flag writes. Content is addressed polymorphically by ``(content_type, content_id)``
with no foreign key (spec section 7.2), so :meth:`ModerationRepository.flag` checks that the
content exists (and is not already removed) in the same statement that records the report.
A report is one ``moderation_flags`` row (who reported, why, how severe; reviewed later);
all open reports of one piece of content merge into ONE ``moderation_queue`` item, whose
``flags`` array lists them (``{"flag_id", "reason", "severity"}``) and whose priority grows
with the number of reports (1 report: 1, ... 5 or more: 5). Both writes are one
``INSERT ... ON CONFLICT`` statement on the partial unique indexes of migration 0014, so
concurrent reports merge instead of racing, and a reporter's repeated report of the same
content is the same report. ``content_flags`` (the older category-checked report table, which
refuses ``sponsor_transparency``) is not written: recording every report twice is the
duplication the consolidation removes; it keeps its generic repository for the rows it holds.

An item's severity is the highest severity among its reports, ranked critical > high >
medium > low; an item none of whose reports has a recognised severity counts as medium (the
column's default). It is read from the item's own ``flags`` array with containment tests
(``flags @> '[{"severity": "critical"}]'``): no join and no set-returning function per item.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, LiteralString, NoReturn

import attrs

from chanuka_db.errors import Conflict, InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    check_bool,
    check_choice,
    check_choices,
    check_id,
    check_keys,
    check_optional_text,
    check_page,
    check_text,
    check_uuid,
    check_window,
)
from chanuka_db.repositories.base import Runner, TableRepository
from chanuka_db.sql import NOW, Page, Trusted, Update, assign, select, trusted, update
from chanuka_db.sql.paging import MAX_PAGE_SIZE
from chanuka_db.types import (
    ContentAnalysis,
    ContentAnalysisPatch,
    ContentFlag,
    ContentFlagPatch,
    ModerationAction,
    ModerationActionPatch,
    ModerationFlag,
    ModerationFlagPatch,
    ModerationQueueItem,
    ModerationQueueItemPatch,
    NewContentAnalysis,
    NewContentFlag,
    NewModerationAction,
    NewModerationFlag,
    NewModerationQueueItem,
    Param,
    tables,
)

if TYPE_CHECKING:
    from chanuka_db.sql import Executor

__all__ = [
    "ContentAnalysisRepository",
    "ContentFlagRepository",
    "ContentRef",
    "ContentType",
    "Decision",
    "DecisionResult",
    "FlagReason",
    "FlagResult",
    "FlagStatus",
    "ModerationActionRepository",
    "ModerationFlagRepository",
    "ModerationQueueItemRepository",
    "ModerationRepository",
    "ModerationStats",
    "QueueEntry",
    "QueueStatus",
    "Severity",
]


class ContentType(enum.StrEnum):
    """What a report can be about (the values ``moderation_queue`` accepts)."""

    BILL_COMMENT = "bill_comment"
    BILL = "bill"
    USER_PROFILE = "user_profile"
    SPONSOR_TRANSPARENCY = "sponsor_transparency"


class Severity(enum.StrEnum):
    """How serious a report is; compare by :attr:`rank`, never alphabetically."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """1 (low) to 4 (critical)."""
        return _RANKS[self]

    @classmethod
    def of_rank(cls, rank: int) -> Severity:
        """The severity with ``rank`` (1-4)."""
        return _BY_RANK[rank]


_RANKS: Final = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
_BY_RANK: Final = {rank: severity for severity, rank in _RANKS.items()}


class FlagReason(enum.StrEnum):
    """Why content was reported (the categories ``content_flags`` has always checked)."""

    SPAM = "spam"
    HARASSMENT = "harassment"
    MISINFORMATION = "misinformation"
    INAPPROPRIATE = "inappropriate"
    COPYRIGHT = "copyright"
    OTHER = "other"


# A report's severity unless the reporter (or a detector) says otherwise.
DEFAULT_SEVERITY: Final = {
    FlagReason.SPAM: Severity.LOW,
    FlagReason.HARASSMENT: Severity.HIGH,
    FlagReason.MISINFORMATION: Severity.MEDIUM,
    FlagReason.INAPPROPRIATE: Severity.MEDIUM,
    FlagReason.COPYRIGHT: Severity.MEDIUM,
    FlagReason.OTHER: Severity.LOW,
}


class FlagStatus(enum.StrEnum):
    """A report's state: open (pending, escalated) or decided (resolved: upheld; dismissed)."""

    PENDING = "pending"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class QueueStatus(enum.StrEnum):
    """A review item's state (the values ``moderation_queue`` accepts)."""

    PENDING = "pending"
    ESCALATED = "escalated"
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_STATUSES: Final = (QueueStatus.PENDING, QueueStatus.ESCALATED)


class Decision(enum.StrEnum):
    """What a moderator decides about an open item (``moderation_actions.action_type``).

    - ``approve``: the reports are unfounded (dismissed); the content stays (item approved).
    - ``warn``: the reports are upheld (resolved), the content stays, its author is warned.
    - ``remove``: the reports are upheld (resolved) and the content is hidden: a comment is
      soft-deleted (``is_deleted``), a profile made private (``is_public = false``);
      bills and disclosures cannot be removed this way (item rejected).
    - ``escalate``: a senior moderator must decide; the item stays open at priority 5.
    """

    APPROVE = "approve"
    WARN = "warn"
    REMOVE = "remove"
    ESCALATE = "escalate"


_OUTCOME: Final = {  # decision -> (item status, report status)
    Decision.APPROVE: (QueueStatus.APPROVED, FlagStatus.DISMISSED),
    Decision.WARN: (QueueStatus.APPROVED, FlagStatus.RESOLVED),
    Decision.REMOVE: (QueueStatus.REJECTED, FlagStatus.RESOLVED),
    Decision.ESCALATE: (QueueStatus.ESCALATED, FlagStatus.ESCALATED),
}
_REMOVABLE: Final = frozenset({ContentType.BILL_COMMENT, ContentType.USER_PROFILE})
MAX_REASON: Final = 2000


@attrs.frozen
class ContentRef:
    """A piece of content: its type and id (``ContentRef.comment(5)``)."""

    type: ContentType
    id: int

    @classmethod
    def parse(cls, value: object, name: str = "content") -> ContentRef:
        """A ContentRef, or a ``(type, id)`` pair from a request, checked."""
        if isinstance(value, ContentRef):
            return cls(check_choice(f"{name}.type", value.type, ContentType), value.id)
        if not isinstance(value, tuple) or len(value) != 2:
            raise InvalidInput(name, f"expected ContentRef or (type, id), got {value!r}")
        return cls(check_choice(f"{name}.type", value[0], ContentType), value[1])

    def __attrs_post_init__(self) -> None:
        check_id("content.id", self.id)

    @classmethod
    def comment(cls, comment_id: int) -> ContentRef:
        """A bill comment."""
        return cls(ContentType.BILL_COMMENT, comment_id)

    @classmethod
    def bill(cls, bill_id: int) -> ContentRef:
        """A bill."""
        return cls(ContentType.BILL, bill_id)

    @classmethod
    def profile(cls, profile_id: int) -> ContentRef:
        """A user profile (``user_profiles.id``)."""
        return cls(ContentType.USER_PROFILE, profile_id)

    @classmethod
    def disclosure(cls, transparency_id: int) -> ContentRef:
        """A sponsor's disclosure (``sponsor_transparency.id``)."""
        return cls(ContentType.SPONSOR_TRANSPARENCY, transparency_id)


@attrs.frozen
class FlagResult:
    """A recorded report and the open review item it was merged into.

    ``duplicate`` is true when the reporter already had an open report of this content:
    nothing was written and ``flag`` is that earlier report.
    """

    flag: ModerationFlag
    item: ModerationQueueItem
    duplicate: bool

    @property
    def flag_count(self) -> int:
        """How many reports the item holds."""
        return _flag_count(self.item.flags)


@attrs.frozen
class QueueEntry:
    """One item of the review queue with what a moderator needs to see first.

    ``summary`` is the content in a line (a bill's title, a comment's first 160
    characters, a profile owner's name, a sponsor and disclosure type; ``None`` when the
    content is gone or not visible) and ``author_name`` the name of whoever wrote it.
    """

    item: ModerationQueueItem
    severity: Severity
    flag_count: int
    summary: str | None
    author_name: str | None


@attrs.frozen
class DecisionResult:
    """What :meth:`ModerationRepository.decide` wrote."""

    item: ModerationQueueItem
    action: ModerationAction
    flags_closed: int
    content_changed: bool


@attrs.frozen
class ModerationStats:
    """Moderation activity over ``[since, until)``, plus the backlog now.

    Reports counted are those made in the window; severities are listed from critical down.
    ``median_time_to_decision`` is over items decided in the window (``None`` if none).
    """

    since: dt.datetime
    until: dt.datetime
    flags_total: int
    flags_by_status: dict[str, int]
    flags_by_severity: dict[str, int]
    flags_by_reason: dict[str, int]
    actions_by_type: dict[str, int]
    active_moderators: int
    open_items: int
    escalated_items: int
    decided_items: int
    median_time_to_decision: dt.timedelta | None


def _flag_count(flags: object) -> int:
    return len(flags) if isinstance(flags, list) else 1


# -- statements -------------------------------------------------------------------------------

_FLAG_COLUMNS: Final = len(attrs.fields(ModerationFlag))
_ITEM_COLUMNS: Final = len(attrs.fields(ModerationQueueItem))

# The content must exist (no foreign key can say so); its author becomes the item's user_id.
_FLAG = trusted(
    """
    WITH target AS (
        SELECT c.user_id AS author FROM bill_comments AS c
         WHERE %(content_type)s::text = 'bill_comment' AND c.id = %(content_id)s::integer
           AND NOT c.is_deleted
        UNION ALL
        SELECT NULL::uuid FROM bills AS b
         WHERE %(content_type)s::text = 'bill' AND b.id = %(content_id)s::integer
        UNION ALL
        SELECT p.user_id FROM user_profiles AS p
         WHERE %(content_type)s::text = 'user_profile' AND p.id = %(content_id)s::integer
        UNION ALL
        SELECT NULL::uuid FROM sponsor_transparency AS t
         WHERE %(content_type)s::text = 'sponsor_transparency'
           AND t.id = %(content_id)s::integer
    ), report AS (
        INSERT INTO moderation_flags
               (content_type, content_id, flag_type, reason, reported_by, severity,
                auto_detected)
        SELECT %(content_type)s::text, %(content_id)s::integer, %(reason)s::text,
               %(details)s::text, %(reporter)s::uuid, %(severity)s::text, %(auto)s::boolean
          FROM target
        ON CONFLICT (content_type, content_id, reported_by)
           WHERE status IN ('pending', 'escalated') DO NOTHING
        RETURNING *
    ), item AS (
        INSERT INTO moderation_queue AS q
               (content_type, content_id, user_id, flags, priority, auto_flagged, flag_reasons)
        SELECT r.content_type, r.content_id, (SELECT author FROM target),
               jsonb_build_array(jsonb_build_object(
                   'flag_id', r.id, 'reason', r.flag_type, 'severity', r.severity)),
               1, r.auto_detected, ARRAY[r.flag_type]
          FROM report AS r
        ON CONFLICT (content_type, content_id) WHERE status IN ('pending', 'escalated')
        DO UPDATE SET
            flags = CASE jsonb_typeof(q.flags) WHEN 'array' THEN q.flags
                         ELSE jsonb_build_array(q.flags) END || EXCLUDED.flags,
            priority = greatest(q.priority, least(5, 1 + CASE jsonb_typeof(q.flags)
                           WHEN 'array' THEN jsonb_array_length(q.flags) ELSE 1 END)),
            auto_flagged = coalesce(q.auto_flagged, false) OR EXCLUDED.auto_flagged,
            flag_reasons = CASE WHEN EXCLUDED.flag_reasons <@ q.flag_reasons THEN q.flag_reasons
                                ELSE coalesce(q.flag_reasons, '{}') || EXCLUDED.flag_reasons END
        RETURNING q.*
    )
    SELECT (SELECT count(*) FROM target) AS found, report.*, item.*
      FROM (VALUES (1)) AS one
      LEFT JOIN report ON true
      LEFT JOIN item ON true
    """
)

# The reporter's open report and the open item it lives in (a repeated report).
_OPEN_REPORT = trusted(
    """
    SELECT f.*, q.*
      FROM moderation_flags AS f
      JOIN moderation_queue AS q
        ON q.content_type = f.content_type AND q.content_id = f.content_id
       AND q.status IN ('pending', 'escalated')
     WHERE f.content_type = %(content_type)s AND f.content_id = %(content_id)s
       AND f.reported_by = %(reporter)s AND f.status IN ('pending', 'escalated')
    """
)


# One page of the queue, its total, each item's severity, and the content's summary: the
# total is counted over the filtered items before the page is cut, and the content is joined
# to the page's rows only.
def _queue_statement(where: LiteralString) -> Trusted:
    """The queue's statement over the items matching ``where`` (literal SQL, a fixed shape)."""
    return trusted(
        """
    WITH ranked AS (
        SELECT q.id, q.priority, q.created_at,
               CASE WHEN q.flags @> '[{"severity": "critical"}]' THEN 4
                    WHEN q.flags @> '[{"severity": "high"}]' THEN 3
                    WHEN q.flags @> '[{"severity": "medium"}]' THEN 2
                    WHEN q.flags @> '[{"severity": "low"}]' THEN 1
                    ELSE 2 END AS severity_rank
          FROM moderation_queue AS q
         WHERE """
        + where
        + """
    ), matched AS (
        SELECT * FROM ranked
         WHERE %(min_rank)s::integer <= 1 OR severity_rank >= %(min_rank)s::integer
    )
    SELECT t.total,
           p.id, p.content_type, p.content_id, p.user_id, p.flags, p.priority, p.status,
           p.auto_flagged, p.flag_reasons, p.moderator_id, p.moderator_notes, p.reviewed_at,
           p.created_at, p.updated_at,
           r.severity_rank,
           CASE jsonb_typeof(p.flags) WHEN 'array' THEN jsonb_array_length(p.flags) ELSE 1 END,
           coalesce(b.title,
                    CASE WHEN length(c.content) > 160 THEN left(c.content, 159) || '…'
                         ELSE c.content END,
                    pu.name,
                    sp.name || ': ' || st.disclosure_type) AS summary,
           au.name AS author_name
      FROM (SELECT count(*) AS total FROM matched) AS t
      LEFT JOIN LATERAL (
            SELECT * FROM matched
             ORDER BY severity_rank DESC, priority DESC, created_at, id
             LIMIT %(limit)s OFFSET %(offset)s) AS r ON true
      LEFT JOIN moderation_queue AS p ON p.id = r.id
      LEFT JOIN bills AS b ON p.content_type = 'bill' AND b.id = p.content_id
      LEFT JOIN bill_comments AS c ON p.content_type = 'bill_comment' AND c.id = p.content_id
      LEFT JOIN user_profiles AS up ON p.content_type = 'user_profile' AND up.id = p.content_id
      LEFT JOIN users AS pu ON pu.id = up.user_id
      LEFT JOIN sponsor_transparency AS st
        ON p.content_type = 'sponsor_transparency' AND st.id = p.content_id
      LEFT JOIN sponsors AS sp ON sp.id = st.sponsor_id
      LEFT JOIN users AS au ON au.id = p.user_id
     ORDER BY r.severity_rank DESC, r.priority DESC, r.created_at, r.id
    """
    )


_QUEUE = _queue_statement(
    """q.status = ANY(%(statuses)s::text[])
           AND (%(content_type)s::text IS NULL OR q.content_type = %(content_type)s::text)
           AND (%(auto_flagged)s::boolean IS NULL
                OR coalesce(q.auto_flagged, false) = %(auto_flagged)s::boolean)"""
)
_ENTRY = _queue_statement("q.id = %(item)s::integer")  # an index lookup, not a scan

_q = tables.moderation_queue
_ITEM_BY_ID = select(_q, ModerationQueueItem).where(_q.id == Param("id"))


def _close_item(decision: Decision) -> Update[ModerationQueueItem]:
    """UPDATE of an open item to the decision's status (escalation: from pending only)."""
    status, _ = _OUTCOME[decision]
    changes = [
        assign(_q.status, status.value),
        assign(_q.moderator_id, Param("moderator")),
        assign(_q.moderator_notes, Param("notes")),
        assign(_q.reviewed_at, NOW),
    ]
    allowed = [QueueStatus.PENDING.value]
    if decision is Decision.ESCALATE:
        changes.append(assign(_q.priority, 5))
    else:
        allowed.append(QueueStatus.ESCALATED.value)
    return (
        update(_q)
        .set(*changes)
        .where((_q.id == Param("item")) & _q.status.in_(allowed))
        .returning(ModerationQueueItem)
    )


_CLOSE_ITEM: Final = {decision: _close_item(decision) for decision in Decision}

# Everything else a decision writes, after the item is locked (see decide()).
_APPLY_DECISION = trusted(
    """
    WITH closed AS (
        UPDATE moderation_flags
           SET status = %(flag_status)s, reviewed_by = %(moderator)s, reviewed_at = now(),
               resolution = %(reason)s, updated_at = now()
         WHERE content_type = %(content_type)s AND content_id = %(content_id)s
           AND status IN ('pending', 'escalated')
        RETURNING id
    ), action AS (
        INSERT INTO moderation_actions
               (content_type, content_id, action_type, reason, moderator_id, is_reversible)
        VALUES (%(content_type)s, %(content_id)s, %(action)s, %(reason)s, %(moderator)s,
                %(remove)s)
        RETURNING *
    ), hidden_comment AS (
        UPDATE bill_comments SET is_deleted = true, updated_at = now()
         WHERE %(remove)s AND %(content_type)s = 'bill_comment' AND id = %(content_id)s
           AND NOT is_deleted
        RETURNING id
    ), hidden_profile AS (
        UPDATE user_profiles SET is_public = false, updated_at = now()
         WHERE %(remove)s AND %(content_type)s = 'user_profile' AND id = %(content_id)s
           AND is_public
        RETURNING id
    )
    SELECT (SELECT count(*) FROM closed),
           (SELECT count(*) FROM hidden_comment) + (SELECT count(*) FROM hidden_profile),
           action.*
      FROM action
    """
)

_STATS_FLAGS = trusted(
    """
    SELECT grouping(status, severity, flag_type), status, severity, flag_type, count(*)
      FROM moderation_flags
     WHERE created_at >= %(since)s AND created_at < %(until)s
     GROUP BY GROUPING SETS ((status), (severity), (flag_type), ())
    """
)
_STATS_ACTIONS = trusted(
    """
    SELECT action_type, count(*), count(DISTINCT moderator_id)
      FROM moderation_actions
     WHERE created_at >= %(since)s AND created_at < %(until)s
     GROUP BY ROLLUP (action_type)
    """
)
_STATS_QUEUE = trusted(
    """
    SELECT count(*) FILTER (WHERE status IN ('pending', 'escalated')),
           count(*) FILTER (WHERE status = 'escalated'),
           count(*) FILTER (WHERE decided),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY reviewed_at - created_at)
               FILTER (WHERE decided)
      FROM moderation_queue,
           LATERAL (SELECT status IN ('approved', 'rejected')
                           AND reviewed_at >= %(since)s AND reviewed_at < %(until)s) AS d(decided)
     WHERE status IN ('pending', 'escalated')
        OR (reviewed_at >= %(since)s AND reviewed_at < %(until)s)
    """
)


# -- the domain repository ------------------------------------------------------------------------


@attrs.frozen
class _QueueFilter:
    statuses: tuple[QueueStatus, ...] = OPEN_STATUSES
    content_type: ContentType | None = None
    min_severity: Severity | None = None
    auto_flagged: bool | None = None

    @classmethod
    def parse(cls, request: Mapping[str, Any] | None) -> _QueueFilter:
        check_keys("filters", request, ("status", "content_type", "min_severity", "auto_flagged"))
        request = request or {}
        found = cls()
        if "status" in request:
            statuses = check_choices("filters.status", request["status"], QueueStatus)
            found = attrs.evolve(found, statuses=statuses)
        if request.get("content_type") is not None:
            kind = check_choice("filters.content_type", request["content_type"], ContentType)
            found = attrs.evolve(found, content_type=kind)
        if request.get("min_severity") is not None:
            least = check_choice("filters.min_severity", request["min_severity"], Severity)
            found = attrs.evolve(found, min_severity=least)
        if request.get("auto_flagged") is not None:
            auto = check_bool("filters.auto_flagged", request["auto_flagged"])
            found = attrs.evolve(found, auto_flagged=auto)
        return found

    def params(self) -> dict[str, Any]:
        return {
            "statuses": [status.value for status in self.statuses],
            "content_type": None if self.content_type is None else self.content_type.value,
            "auto_flagged": self.auto_flagged,
            "min_rank": 0 if self.min_severity is None else self.min_severity.rank,
        }


def _queue_entry(row: Sequence[Any]) -> QueueEntry:
    end = 1 + _ITEM_COLUMNS
    rank, flag_count, summary, author = row[end:]
    return QueueEntry(
        ModerationQueueItem(*row[1:end]), Severity.of_rank(rank), flag_count, summary, author
    )


class ModerationRepository:
    """The moderation workflow over the five moderation tables: flag, queue, decide, stats.

    Reachable as ``uow.moderation`` (and ``db.repos.moderation``). Statements: ``flag`` 1
    (2 for a repeated report), ``queue`` 1 whatever the page size, ``entry`` 1, ``decide``
    2 in one transaction, ``stats`` 3.
    """

    __slots__ = ("_runner",)

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    def flag(
        self,
        content: ContentRef | tuple[str, int],
        reason: FlagReason | str,
        reporter: uuid.UUID,
        *,
        details: str | None = None,
        severity: Severity | str | None = None,
        auto_detected: bool = False,
    ) -> FlagResult:
        """Record a report of ``content`` by ``reporter`` and merge it into the open item.

        ``details`` is the reporter's own words (default: the reason); ``severity``
        defaults by reason (harassment high, spam and other low, the rest medium).
        Raises :class:`NotFound` when the content does not exist (or was removed),
        :class:`InvalidReference` when the reporter is not a user, :class:`InvalidInput`
        for a bad argument. Concurrent reports of the same content end in one open item
        whose ``flags`` lists every one of them.
        """
        ref = ContentRef.parse(content)
        why = check_choice("reason", reason, FlagReason)
        params = {
            "content_type": ref.type.value,
            "content_id": ref.id,
            "reason": why.value,
            "details": why.value
            if details is None
            else check_text("details", details, max_length=MAX_REASON),
            "reporter": check_uuid("reporter", reporter),
            "severity": (
                DEFAULT_SEVERITY[why]
                if severity is None
                else check_choice("severity", severity, Severity)
            ).value,
            "auto": check_bool("auto_detected", auto_detected),
        }
        with self._runner.reading() as ex:
            (row,) = ex.fetch_trusted(_FLAG, params)
            if not row[0]:
                raise NotFound(ref.type.value, ref.id)
            if row[1] is not None:
                return FlagResult(*_flag_and_item(row[1:]), duplicate=False)
            return self._open_report(ex, params)

    @staticmethod
    def _open_report(ex: Executor, params: dict[str, Any]) -> FlagResult:
        keys = ("content_type", "content_id", "reporter")
        rows = ex.fetch_trusted(_OPEN_REPORT, {key: params[key] for key in keys})
        if not rows:
            # Decided between the two statements; the caller may simply report again.
            raise Conflict("the reporter's open report was decided meanwhile; flag again")
        return FlagResult(*_flag_and_item(rows[0]), duplicate=True)

    def queue(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[QueueEntry]:
        """One page of review items, most severe first, then by priority, oldest first.

        ``filters``: ``status`` (one or several; default the open ones, pending and
        escalated), ``content_type``, ``min_severity``, ``auto_flagged``. One statement.
        """
        wanted = _QueueFilter.parse(filters)
        number, size = check_page(page, page_size, max_size=MAX_PAGE_SIZE)
        params = wanted.params() | {"limit": size, "offset": (number - 1) * size}
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_QUEUE, params)
        total = rows[0][0]
        items = [_queue_entry(row) for row in rows if row[1] is not None]
        return Page(items, total, number, size, (number - 1) * size + len(items) < total)

    def entry(self, item: int) -> QueueEntry:
        """One review item (open or decided) as the queue shows it: one statement.

        :class:`NotFound` when there is no such item.
        """
        item_id = check_id("item", item)
        params = {"item": item_id, "min_rank": 0, "limit": 1, "offset": 0}
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_ENTRY, params)
        if rows[0][1] is None:
            raise NotFound("moderation_queue", item_id)
        return _queue_entry(rows[0])

    def decide(
        self,
        item: int,
        decision: Decision | str,
        moderator: uuid.UUID,
        *,
        reason: str,
        notes: str | None = None,
    ) -> DecisionResult:
        """Decide the open review item ``item``: reports, action and content in one transaction.

        Writes the item's status (and moderator, notes, time), closes every open report of
        the content (resolved, dismissed or escalated, with ``reason`` as the resolution),
        records a ``moderation_actions`` row, and for ``remove`` hides the content. Raises
        :class:`NotFound` for an unknown item, :class:`Conflict` for one already decided
        (or escalating an escalated one), :class:`InvalidInput` for ``remove`` on a bill
        or a disclosure, :class:`InvalidReference` when the moderator is not a user.
        """
        item_id = check_id("item", item)
        chosen = check_choice("decision", decision, Decision)
        moderator_id = check_uuid("moderator", moderator)
        why = check_text("reason", reason, max_length=MAX_REASON)
        note = check_optional_text("notes", notes, max_length=MAX_REASON)
        _, flag_status = _OUTCOME[chosen]
        with self._runner.atomic() as ex:
            # First lock the item: a report merging into it concurrently either committed
            # before (and its flag row is seen by the next statement) or waits, then opens
            # a new item once this transaction ends.
            closed = _CLOSE_ITEM[chosen].fetch_optional(
                ex, item=item_id, moderator=moderator_id, notes=note
            )
            if closed is None:
                self._refuse(ex, item_id, chosen)
            kind = ContentType(closed.content_type)
            if chosen is Decision.REMOVE and kind not in _REMOVABLE:
                raise InvalidInput("decision", f"a {kind.value} cannot be removed by moderation")
            (row,) = ex.fetch_trusted(
                _APPLY_DECISION,
                {
                    "flag_status": flag_status.value,
                    "moderator": moderator_id,
                    "reason": why,
                    "content_type": kind.value,
                    "content_id": closed.content_id,
                    "action": chosen.value,
                    "remove": chosen is Decision.REMOVE,
                },
            )
        return DecisionResult(closed, ModerationAction(*row[2:]), row[0], bool(row[1]))

    @staticmethod
    def _refuse(ex: Executor, item_id: int, decision: Decision) -> NoReturn:
        current = _ITEM_BY_ID.fetch_optional(ex, id=item_id)
        if current is None:
            raise NotFound("moderation_queue", item_id)
        raise Conflict(
            f"moderation_queue item {item_id} is {current.status}: it cannot take {decision.value}"
        )

    def stats(self, since: dt.datetime, until: dt.datetime) -> ModerationStats:
        """Reports, actions and decisions in ``[since, until)`` (aware datetimes); 3 statements."""
        start, end = check_window(since, until)
        window = {"since": start, "until": end}
        with self._runner.reading() as ex:
            flag_rows = ex.fetch_trusted(_STATS_FLAGS, window)
            action_rows = ex.fetch_trusted(_STATS_ACTIONS, window)
            (queue_row,) = ex.fetch_trusted(_STATS_QUEUE, window)
        by_set: dict[int, dict[str, int]] = {3: {}, 5: {}, 6: {}, 7: {}}
        for grouping, status, severity, reason, count in flag_rows:
            by_set[grouping][status or severity or reason or ""] = count
        actions = {kind: count for kind, count, _ in action_rows if kind is not None}
        moderators = next((n for kind, _, n in action_rows if kind is None), 0)
        open_items, escalated, decided, median = queue_row
        return ModerationStats(
            since=start,
            until=end,
            flags_total=by_set[7].get("", 0),
            flags_by_status=by_set[3],
            flags_by_severity=_by_rank(by_set[5]),
            flags_by_reason=by_set[6],
            actions_by_type=actions,
            active_moderators=moderators,
            open_items=open_items,
            escalated_items=escalated,
            decided_items=decided,
            median_time_to_decision=median,
        )


def _flag_and_item(row: Sequence[Any]) -> tuple[ModerationFlag, ModerationQueueItem]:
    flag = ModerationFlag(*row[:_FLAG_COLUMNS])
    return flag, ModerationQueueItem(*row[_FLAG_COLUMNS : _FLAG_COLUMNS + _ITEM_COLUMNS])


def _by_rank(counts: dict[str, int]) -> dict[str, int]:
    """Severities from critical down; values outside the scale last, alphabetically."""
    known = [s.value for s in sorted(Severity, key=lambda s: -s.rank) if s.value in counts]
    return {name: counts[name] for name in [*known, *sorted(set(counts) - set(known))]}


# -- table repositories -----------------------------------------------------------------------


class ContentAnalysisRepository(
    TableRepository[ContentAnalysis, NewContentAnalysis, ContentAnalysisPatch]
):
    """Rows of ``content_analysis``."""

    table = tables.content_analysis


class ContentFlagRepository(TableRepository[ContentFlag, NewContentFlag, ContentFlagPatch]):
    """Rows of ``content_flags``."""

    table = tables.content_flags


class ModerationActionRepository(
    TableRepository[ModerationAction, NewModerationAction, ModerationActionPatch]
):
    """Rows of ``moderation_actions``."""

    table = tables.moderation_actions


class ModerationFlagRepository(
    TableRepository[ModerationFlag, NewModerationFlag, ModerationFlagPatch]
):
    """Rows of ``moderation_flags``."""

    table = tables.moderation_flags


class ModerationQueueItemRepository(
    TableRepository[ModerationQueueItem, NewModerationQueueItem, ModerationQueueItemPatch]
):
    """Rows of ``moderation_queue``."""

    table = tables.moderation_queue
