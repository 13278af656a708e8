"""Repositories of the infrastructure domain: sync, security, compliance, notifications, misc.

The sync tables live in :mod:`.sync` and the security records (threat intelligence, the
security audit log, compliance checks) in :mod:`.security_ops`; both are re-exported here,
so this module names every repository of the domain.
"""

from __future__ import annotations

import builtins
from typing import Final

from chanuka_db.errors import NotFound
from chanuka_db.repositories.base import TableRepository
from chanuka_db.repositories.inputs import int_arg, optional_text_arg, text_arg
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


def _department_id_arg(department_id: object) -> int:
    return int_arg("department_id", department_id, low=1, high=2**31 - 1)


class DepartmentRepository(TableRepository[Department, NewDepartment, DepartmentPatch]):
    """Departments (names are unique)."""

    table = tables.departments

    def get_by_name(self, name: str) -> Department:
        """The department called ``name`` (exactly); :class:`NotFound` when there is none."""
        with self._runner.reading() as ex:
            found = _DEPARTMENT_BY_NAME.fetch_optional(
                ex, name=text_arg("name", name, max_length=MAX_NAME_LENGTH)
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
        statement = _EVALUATIONS.where(_v.department_id == _department_id_arg(department_id))
        wanted = optional_text_arg("status", status, max_length=MAX_NAME_LENGTH)
        if wanted is not None:
            statement = statement.where(_v.status == wanted)
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size)

    def count_by_status(self, department_id: int) -> dict[str, int]:
        """How many of a department's evaluations are in each status; one statement."""
        key = _department_id_arg(department_id)
        return read_tally(self._runner, _EVALUATION_STATUSES, key)


class NotificationRepository(TableRepository[Notification, NewNotification, NotificationPatch]):
    """Rows of ``notifications``."""

    table = tables.notifications
