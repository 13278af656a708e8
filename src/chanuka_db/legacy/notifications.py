"""The old notification service's call (``server/services/notification.ts``): create one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from typing_extensions import deprecated

from chanuka_db.errors import InvalidInput
from chanuka_db.legacy.deprecation import LegacyAPIWarning
from chanuka_db.legacy.service import LegacyService
from chanuka_db.legacy.shapes import as_uuid, check_keys, record
from chanuka_db.repositories.notifications import NotificationType
from chanuka_db.types import NewNotification

__all__ = ["NOTIFICATION_TYPES", "NotificationService"]

_DATA_KEYS: Final = ("userId", "type", "title", "message", "relatedBillId", "metadata")
# The old NotificationData types, and the repositories' own.
NOTIFICATION_TYPES: Final = frozenset(
    {"bill_update", "comment_reply", "verification_status", "system_alert"}
    | {kind.value for kind in NotificationType}
)


def _new_notification(data: Mapping[str, Any]) -> NewNotification:
    for key in ("userId", "type", "title", "message"):
        if data.get(key) is None:
            raise InvalidInput(f"data.{key}", "is required")
    if data["type"] not in NOTIFICATION_TYPES:
        allowed = sorted(NOTIFICATION_TYPES)
        raise InvalidInput("data.type", f"{data['type']!r} is not one of {allowed}")
    return NewNotification(
        user_id=as_uuid("data.userId", data["userId"]),
        type=data["type"],
        title=data["title"],
        message=data["message"],
        related_bill_id=data.get("relatedBillId"),
    )


class NotificationService(LegacyService):
    """The old ``NotificationService``'s write over the repositories (``createNotification``)."""

    __slots__ = ()

    @deprecated(
        "NotificationService.createNotification() is deprecated: use "
        "uow.notifications.add(NewNotification(...))"
        " (see docs/migrating.md#createnotification)",
        category=LegacyAPIWarning,
    )
    def createNotification(
        self, data: Mapping[str, Any], *, actor: object = None
    ) -> dict[str, Any]:
        """Store a notification for ``data["userId"]``; the stored row, camelCased.

        ``data``: ``userId``, ``type`` (the old ``bill_update``, ``comment_reply``,
        ``verification_status``, ``system_alert``, or the repositories'
        ``bill_status_change``, ``weekly_digest``), ``title``, ``message``,
        ``relatedBillId`` (optional); ``metadata`` is accepted and, as before, not stored.
        ``actor`` is the user on whose behalf it is written (default: none, the system
        path, which row-level security requires for another user's inbox). 1 statement.
        """
        new = _new_notification(check_keys("data", data, _DATA_KEYS))
        acting = None if actor is None else as_uuid("actor", actor)
        with self._db.unit_of_work(actor=acting) as uow:
            row = uow.notifications.add(new)
        return record(row)

    create_notification = createNotification
