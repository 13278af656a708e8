"""Repositories of the infrastructure domain: sync, security, compliance, notifications, misc."""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    ComplianceCheck,
    ComplianceCheckPatch,
    ConflictSource,
    ConflictSourcePatch,
    Department,
    DepartmentPatch,
    Evaluation,
    EvaluationPatch,
    NewComplianceCheck,
    NewConflictSource,
    NewDepartment,
    NewEvaluation,
    NewNotification,
    NewSecurityAuditLog,
    NewSyncConflict,
    NewSyncError,
    NewSyncJob,
    NewThreatIntelligence,
    Notification,
    NotificationPatch,
    SecurityAuditLog,
    SecurityAuditLogPatch,
    SyncConflict,
    SyncConflictPatch,
    SyncError,
    SyncErrorPatch,
    SyncJob,
    SyncJobPatch,
    ThreatIntelligence,
    ThreatIntelligencePatch,
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


class ComplianceCheckRepository(
    TableRepository[ComplianceCheck, NewComplianceCheck, ComplianceCheckPatch]
):
    """Rows of ``compliance_checks``."""

    table = tables.compliance_checks


class ConflictSourceRepository(
    TableRepository[ConflictSource, NewConflictSource, ConflictSourcePatch]
):
    """Rows of ``conflict_sources``."""

    table = tables.conflict_sources


class SyncConflictRepository(TableRepository[SyncConflict, NewSyncConflict, SyncConflictPatch]):
    """Rows of ``conflicts``."""

    table = tables.conflicts


class DepartmentRepository(TableRepository[Department, NewDepartment, DepartmentPatch]):
    """Rows of ``departments``."""

    table = tables.departments


class EvaluationRepository(TableRepository[Evaluation, NewEvaluation, EvaluationPatch]):
    """Rows of ``evaluations``."""

    table = tables.evaluations


class NotificationRepository(TableRepository[Notification, NewNotification, NotificationPatch]):
    """Rows of ``notifications``."""

    table = tables.notifications


class SecurityAuditLogRepository(
    TableRepository[SecurityAuditLog, NewSecurityAuditLog, SecurityAuditLogPatch]
):
    """Rows of ``security_audit_logs``."""

    table = tables.security_audit_logs


class SyncErrorRepository(TableRepository[SyncError, NewSyncError, SyncErrorPatch]):
    """Rows of ``sync_errors``."""

    table = tables.sync_errors


class SyncJobRepository(TableRepository[SyncJob, NewSyncJob, SyncJobPatch]):
    """Rows of ``sync_jobs``."""

    table = tables.sync_jobs


class ThreatIntelligenceRepository(
    TableRepository[ThreatIntelligence, NewThreatIntelligence, ThreatIntelligencePatch]
):
    """Rows of ``threat_intelligence``."""

    table = tables.threat_intelligence
