"""What the notifications repository takes: notification types and events, and its SQL.

The repository itself is ``NotificationRepository`` in :mod:`.infrastructure` (the table's
domain); this module holds its vocabulary and statements so that the legislative
repositories can announce events without importing the whole infrastructure domain.

Row-level security: ``notifications`` is a personal table. Reading and marking go through
the user's own id (and RLS, where enabled, also requires it to be the actor); ``fan_out``
and ``purge`` write rows of many users and need the system path.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.repositories.arguments import (
    check_choice,
    check_text,
)
from chanuka_db.sql import count, select, select_value, trusted
from chanuka_db.types import Notification, Param, tables
from chanuka_db.types.expr import And

__all__ = [
    "FAN_OUT",
    "INBOX",
    "MARK_ALL_READ",
    "MARK_READ",
    "MAX_MESSAGE_CHARS",
    "MAX_TITLE_CHARS",
    "PURGE",
    "UNREAD_COUNT",
    "NotificationEvent",
    "NotificationType",
]

MAX_TITLE_CHARS: Final = 200
MAX_MESSAGE_CHARS: Final = 2000


class NotificationType(enum.StrEnum):
    """Kinds of notification."""

    COMMENT_REPLY = "comment_reply"
    BILL_STATUS_CHANGE = "bill_status_change"
    WEEKLY_DIGEST = "weekly_digest"


def _to_type(value: object) -> NotificationType:
    return check_choice("type", value, NotificationType)


def _check_title(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    check_text("title", value, max_length=MAX_TITLE_CHARS)


def _clip_message(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("message", "must be non-empty text")
    # A message quotes a bill's title, which has no length limit: shorten, never refuse.
    return value if len(value) <= MAX_MESSAGE_CHARS else value[: MAX_MESSAGE_CHARS - 1] + "…"


@attrs.frozen
class NotificationEvent:
    """What to tell users: a type, a title and a message (checked when made)."""

    type: NotificationType = attrs.field(converter=_to_type)
    title: str = attrs.field(validator=_check_title)
    message: str = attrs.field(converter=_clip_message)


# One INSERT ... SELECT over the bill's followers: active users with an engagement row.
FAN_OUT: Final = trusted(
    "INSERT INTO notifications (user_id, type, title, message, related_bill_id)"
    " SELECT e.user_id, %(type)s, %(title)s, %(message)s, e.bill_id"
    " FROM bill_engagement AS e JOIN users AS u ON u.id = e.user_id"
    " WHERE e.bill_id = %(bill)s AND u.is_active"
    " AND e.user_id IS DISTINCT FROM %(exclude)s::uuid"
)
MARK_READ: Final = trusted(
    "UPDATE notifications SET is_read = true"
    " WHERE user_id = %(user)s AND id = ANY(%(ids)s::int[]) AND NOT is_read"
)
MARK_ALL_READ: Final = trusted(
    "UPDATE notifications SET is_read = true WHERE user_id = %(user)s AND NOT is_read"
)
# Oldest first, at most ``limit`` rows a call, so a purge never holds long locks.
PURGE: Final = trusted(
    "DELETE FROM notifications WHERE id IN ("
    " SELECT id FROM notifications WHERE created_at < localtimestamp - %(age)s::interval"
    " AND (is_read OR %(unread)s) ORDER BY created_at LIMIT %(limit)s)"
)

_n = tables.notifications
_MINE: Final = _n.user_id == Param("user")
_UNREAD: Final = _n.is_read.eq(False)
_OF_TYPE: Final = _n.type == Param("type")
# The inbox, newest first, for each combination of (unread only, one type): built once.
INBOX: Final = {
    (unread, typed): select(_n, Notification)
    .where(And((_MINE, *((_UNREAD,) if unread else ()), *((_OF_TYPE,) if typed else ()))))
    .order_by(_n.created_at.desc(), _n.id.desc())
    for unread in (False, True)
    for typed in (False, True)
}
UNREAD_COUNT: Final = select_value(_n, count()).where(_MINE & _UNREAD)
