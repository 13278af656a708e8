"""Repositories of the infrastructure domain: sync, security, compliance, notifications, misc.

The sync tables live in :mod:`.sync` and the security records (threat intelligence, the
security audit log, compliance checks) in :mod:`.security_ops`; both are re-exported here,
so this module names every repository of the domain.
"""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, Final

from chanuka_db.errors import NotFound
from chanuka_db.repositories import notifications
from chanuka_db.repositories.arguments import (
    check_bool,
    check_choice,
    check_duration,
    check_id,
    check_ids,
    check_instance,
    check_int,
    check_optional_text,
    check_text,
    check_uuid,
)
from chanuka_db.repositories.base import TableRepository
from chanuka_db.repositories.notifications import NotificationEvent, NotificationType
from chanuka_db.repositories.security_ops import (
    ComplianceCheckRepository,
    SecurityAuditLogRepository,
    ThreatIntelligenceRepository,
)
from chanuka_db.repositories.sync import (
    ConflictSourceRepository,
    SyncConflictRepository,
    SyncErrorRepository,
    SyncJobRepository,
)
from chanuka_db.repositories.tallies import read_tally, tally
from chanuka_db.sql import Page, paginate, select
from chanuka_db.types import (
    Department,
    DepartmentPatch,
    Evaluation,
    EvaluationPatch,
    NewDepartment,
    NewEvaluation,
    NewNotification,
    Notification,
    NotificationPatch,
    Param,
    tables,
)

__all__ = [
    "ComplianceCheckRepository",
    "ConflictSourceRepository",
    "DepartmentRepository",
    "EvaluationRepository",
    "NotificationRepository",
    "SecurityAuditLogRepository",
    "SyncConflictRepository",
    "SyncErrorRepository",
    "SyncJobRepository",
    "ThreatIntelligenceRepository",
]


MAX_NAME_LENGTH: Final = 200
_d, _v = tables.departments, tables.evaluations
_DEPARTMENT_BY_NAME = select(_d, Department).where(_d.name == Param("name"))
_ACTIVE_DEPARTMENTS = select(_d, Department).where(_d.is_active.eq(True)).order_by(_d.name.asc())
_EVALUATIONS = select(_v, Evaluation).order_by(_v.created_at.desc(), _v.id.desc())

_EVALUATION_STATUSES = tally(_v.status, within=_v.department_id)


class DepartmentRepository(TableRepository[Department, NewDepartment, DepartmentPatch]):
    """Departments (names are unique)."""

    table = tables.departments

    def get_by_name(self, name: str) -> Department:
        """The department called ``name`` (exactly); :class:`NotFound` when there is none."""
        with self._runner.reading() as ex:
            found = _DEPARTMENT_BY_NAME.fetch_optional(
                ex, name=check_text("name", name, max_length=MAX_NAME_LENGTH)
            )
        if found is None:
            raise NotFound("departments", name)
        return found

    def active(self) -> builtins.list[Department]:
        """The active departments, by name."""
        with self._runner.reading() as ex:
            return _ACTIVE_DEPARTMENTS.fetch_all(ex)


class EvaluationRepository(TableRepository[Evaluation, NewEvaluation, EvaluationPatch]):
    """Candidate evaluations, each in one department."""

    table = tables.evaluations

    def for_department(
        self,
        department_id: int,
        *,
        status: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[Evaluation]:
        """A department's evaluations (optionally in one ``status``), newest first."""
        statement = _EVALUATIONS.where(_v.department_id == check_id("department_id", department_id))
        wanted = check_optional_text("status", status, max_length=MAX_NAME_LENGTH)
        if wanted is not None:
            statement = statement.where(_v.status == wanted)
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size)

    def count_by_status(self, department_id: int) -> dict[str, int]:
        """How many of a department's evaluations are in each status; one statement."""
        key = check_id("department_id", department_id)
        return read_tally(self._runner, _EVALUATION_STATUSES, key)


class NotificationRepository(TableRepository[Notification, NewNotification, NotificationPatch]):
    """Rows of ``notifications``: each user's inbox, and events told to a bill's followers.

    Every inbox operation names its user and touches that user's rows only (the actor's,
    under row-level security). ``fan_out`` and ``purge`` write many users' rows: they are
    for the system path.
    """

    table = tables.notifications
    default_sort = (tables.notifications.created_at.desc(), tables.notifications.id.desc())

    def list_for_user(
        self,
        user_id: uuid.UUID,
        *,
        unread_only: bool = False,
        type: NotificationType | str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[Notification]:
        """One page of the user's notifications, newest first, with the total (2 statements)."""
        params: dict[str, Any] = {"user": check_uuid("user_id", user_id)}
        check_bool("unread_only", unread_only)
        if type is not None:
            params["type"] = check_choice("type", type, NotificationType).value
        statement = notifications.INBOX[(unread_only, type is not None)]
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size, **params)

    def unread_count(self, user_id: uuid.UUID) -> int:
        """How many of the user's notifications are unread (one indexed count)."""
        user = check_uuid("user_id", user_id)
        with self._runner.reading() as ex:
            return notifications.UNREAD_COUNT.fetch_one(ex, user=user)

    def mark_read(self, user_id: uuid.UUID, ids: Iterable[int]) -> int:
        """Mark the user's notifications ``ids`` read; how many were unread until now.

        Ids of other users' notifications are ignored: a user marks only their own.
        """
        params = {"user": check_uuid("user_id", user_id), "ids": check_ids("ids", ids)}
        with self._runner.reading() as ex:
            return ex.execute(notifications.MARK_READ, params)

    def mark_all_read(self, user_id: uuid.UUID) -> int:
        """Mark every notification of the user read; how many were unread."""
        user = check_uuid("user_id", user_id)
        with self._runner.reading() as ex:
            return ex.execute(notifications.MARK_ALL_READ, {"user": user})

    def fan_out(
        self, bill_id: int, event: NotificationEvent, *, exclude_user: uuid.UUID | None = None
    ) -> int:
        """Tell every follower of the bill about ``event``: one INSERT ... SELECT.

        Followers are the active users with an engagement row for the bill; ``exclude_user``
        (who caused the event) is left out. Returns how many notifications were written.
        """
        params: dict[str, Any] = {
            "bill": check_id("bill_id", bill_id),
            "exclude": None if exclude_user is None else check_uuid("exclude_user", exclude_user),
        }
        check_instance("event", event, NotificationEvent)
        params |= {"type": event.type.value, "title": event.title, "message": event.message}
        with self._runner.reading() as ex:
            return ex.execute(notifications.FAN_OUT, params)

    def purge(
        self, older_than: dt.timedelta, *, include_unread: bool = False, limit: int = 10_000
    ) -> int:
        """Delete old notifications, at most ``limit`` a call; how many went.

        Read ones older than ``older_than`` (unread ones too with ``include_unread``),
        oldest first. Call until it returns 0. System path.
        """
        params = {
            "age": check_duration(
                "older_than", older_than, low=dt.timedelta(days=1), high=dt.timedelta.max
            ),
            "unread": check_bool("include_unread", include_unread),
            "limit": check_int("limit", limit, low=1, high=100_000),
        }
        with self._runner.reading() as ex:
            return ex.execute(notifications.PURGE, params)
