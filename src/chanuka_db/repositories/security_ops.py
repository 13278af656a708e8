"""Security operations records: threat intelligence, the security audit log, compliance checks.

Severities and priorities are ranked enums (critical > high > medium > low; for audit
events critical > error > warning > info): filters keep "this level or worse" and
orderings use the rank, never the alphabet, so none of these columns is a sort key by name.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from typing import Final

from chanuka_db.errors import InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    INT4_MAX,
    RankedEnum,
    check_choice,
    check_duration,
    check_fields,
    check_int,
    check_ip,
    check_items,
    check_optional_text,
    check_text,
    check_uuid,
)
from chanuka_db.repositories.base import TableRepository, column_arrays
from chanuka_db.sql import NOW, Page, count, paginate, select, select_value, trusted
from chanuka_db.sql.rows import dump
from chanuka_db.types import (
    UNSET,
    ComplianceCheck,
    ComplianceCheckPatch,
    JsonValue,
    NewComplianceCheck,
    NewSecurityAuditLog,
    NewThreatIntelligence,
    Param,
    SecurityAuditLog,
    SecurityAuditLogPatch,
    TableRef,
    ThreatIntelligence,
    ThreatIntelligencePatch,
    tables,
)
from chanuka_db.types.expr import Comparison, Op, info_of

__all__ = [
    "AuditResult",
    "AuditSeverity",
    "ComplianceCheckRepository",
    "ComplianceStatus",
    "SecurityAuditLogRepository",
    "Severity",
    "ThreatIntelligenceRepository",
    "ThreatSource",
]

MAX_BATCH: Final = 10_000
MAX_LABEL_LENGTH: Final = 100
MAX_TEXT_LENGTH: Final = 10_000
MAX_BLOCK: Final = dt.timedelta(days=3650)
MAX_CHECK_INTERVAL: Final = dt.timedelta(days=366)


class Severity(RankedEnum):
    """Severity of a threat, priority of a compliance check: low < medium < high < critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ThreatSource(enum.StrEnum):
    """Where a threat record came from."""

    INTERNAL = "internal"
    EXTERNAL_FEED = "external_feed"
    MANUAL = "manual"


class AuditSeverity(RankedEnum):
    """Severity of a security audit event: info < warning < error < critical."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class AuditResult(enum.StrEnum):
    """Outcome of an audited security event."""

    SUCCESS = "success"
    FAILURE = "failure"
    BLOCKED = "blocked"


class ComplianceStatus(enum.StrEnum):
    """Result of a compliance check."""

    PASSING = "passing"
    FAILING = "failing"
    WARNING = "warning"
    NOT_APPLICABLE = "not_applicable"


def _sortable_without(table: TableRef, *ranked: str) -> frozenset[str]:
    """Every column of ``table`` but the ranked and JSON ones: what a request may sort by."""
    excluded = {*ranked, "metadata", "details", "findings"}
    return frozenset(name for name in info_of(table).column_names if name not in excluded)


_t, _a, _k = tables.threat_intelligence, tables.security_audit_logs, tables.compliance_checks

_THREAT_COLUMNS: Final = (
    "id, ip_address, threat_type, severity, source, description, first_seen, last_seen,"
    " occurrences, blocked, is_active, expires_at, metadata, created_at, updated_at"
)
# One upsert per sighting: the first inserts occurrences = 1, every later one (concurrent ones
# too: ON CONFLICT serialises them on the row) adds 1 in SQL. Severity only ever rises, by
# rank; a new sighting reactivates the record and merges its metadata.
_BUMP_THREAT = trusted(
    """INSERT INTO threat_intelligence (ip_address, threat_type, severity, source, description,
                                     metadata)
    VALUES (%(ip)s, %(threat_type)s, %(severity)s, %(source)s, %(description)s,
            coalesce(%(metadata)s::jsonb, '{}'::jsonb))
    ON CONFLICT (ip_address) DO UPDATE
       SET occurrences = threat_intelligence.occurrences + 1,
           last_seen = now(), updated_at = now(), is_active = true,
           severity = CASE
               WHEN coalesce(array_position(ARRAY['low', 'medium', 'high', 'critical'],
                                            EXCLUDED.severity), 0)
                  > coalesce(array_position(ARRAY['low', 'medium', 'high', 'critical'],
                                            threat_intelligence.severity), 0)
               THEN EXCLUDED.severity ELSE threat_intelligence.severity END,
           description = coalesce(EXCLUDED.description, threat_intelligence.description),
           metadata = coalesce(threat_intelligence.metadata, '{}'::jsonb) || EXCLUDED.metadata
    RETURNING """
    + _THREAT_COLUMNS
)
_BLOCK_THREAT = trusted(
    """UPDATE threat_intelligence
       SET blocked = %(blocked)s, expires_at = now() + %(duration)s::interval, updated_at = now()
     WHERE ip_address = %(ip)s
    RETURNING """
    + _THREAT_COLUMNS
)
_WORST_THREATS = trusted(
    """SELECT """
    + _THREAT_COLUMNS
    + """ FROM threat_intelligence
     WHERE is_active AND severity = ANY(%(severities)s::text[])
     ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], severity),
              last_seen DESC, id
     LIMIT %(limit)s"""
)
_THREAT_BY_IP = select(_t, ThreatIntelligence).where(_t.ip_address == Param("ip"))
_BLOCKING = select_value(_t, count()).where(
    (_t.ip_address == Param("ip"))
    & _t.blocked.eq(True)
    & _t.is_active.eq(True)
    & (_t.expires_at.is_null() | Comparison(_t.expires_at, Op.GT, NOW))
)

_AUDIT_COLUMNS: Final = (
    "event_type",
    "user_id",
    "ip_address",
    "user_agent",
    "resource",
    "action",
    "result",
    "severity",
    "details",
    "session_id",
    "timestamp",
    "success",
    "risk_score",
)
# One statement for any number of events. Unset (or None) severity, details, timestamp,
# success and risk_score take the column defaults.
_APPEND_AUDIT = trusted(
    """INSERT INTO security_audit_logs
           (event_type, user_id, ip_address, user_agent, resource, action, result, severity,
            details, session_id, "timestamp", success, risk_score)
    SELECT e.event_type, e.user_id, e.ip_address, e.user_agent, e.resource, e.action,
           e.result, coalesce(e.severity, 'info'), coalesce(e.details, '{}'::jsonb),
           e.session_id, coalesce(e.at, now()), coalesce(e.success, true),
           coalesce(e.risk_score, 0)
      FROM unnest(%(event_type)s::text[], %(user_id)s::uuid[], %(ip_address)s::text[],
                  %(user_agent)s::text[], %(resource)s::text[], %(action)s::text[],
                  %(result)s::text[], %(severity)s::text[], %(details)s::jsonb[],
                  %(session_id)s::text[], %(timestamp)s::timestamp[], %(success)s::boolean[],
                  %(risk_score)s::integer[])
           AS e(event_type, user_id, ip_address, user_agent, resource, action, result,
                severity, details, session_id, at, success, risk_score)"""
)
_RECENT_AUDIT = select(_a, SecurityAuditLog).order_by(_a.timestamp.desc(), _a.id.desc())

_CHECK_COLUMNS: Final = (
    "id, check_name, check_type, description, status, last_checked, next_check, findings,"
    " remediation, priority, automated, created_at, updated_at"
)
_DUE_CHECKS = trusted(
    """SELECT """
    + _CHECK_COLUMNS
    + """ FROM compliance_checks
     WHERE next_check <= now() AND automated = ANY(%(automated)s::boolean[])
     ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], priority) NULLS LAST,
              next_check, id
     LIMIT %(limit)s"""
)
_RECORD_CHECK = trusted(
    """UPDATE compliance_checks
       SET status = %(status)s, findings = %(findings)s, remediation = %(remediation)s,
           last_checked = now(), next_check = now() + %(next_check_in)s::interval,
           updated_at = now()
     WHERE id = %(check_id)s
    RETURNING """
    + _CHECK_COLUMNS
)


class ThreatIntelligenceRepository(
    TableRepository[ThreatIntelligence, NewThreatIntelligence, ThreatIntelligencePatch]
):
    """Threat records, one per IP address (kept in canonical text form)."""

    table = tables.threat_intelligence
    sortable = _sortable_without(_t, "severity")

    def lookup(self, ip: str) -> ThreatIntelligence | None:
        """The record of ``ip``, or ``None``; one indexed statement."""
        with self._runner.reading() as ex:
            return _THREAT_BY_IP.fetch_optional(ex, ip=check_ip("ip", ip))

    def bump(
        self,
        ip: str,
        *,
        threat_type: str,
        source: ThreatSource | str,
        severity: Severity | str = Severity.MEDIUM,
        description: str | None = None,
        metadata: dict[str, JsonValue] | None = None,
    ) -> ThreatIntelligence:
        """Record a sighting of ``ip``: a new record, or one more occurrence of the old one.

        One ``INSERT ... ON CONFLICT DO UPDATE``: ``occurrences`` and ``last_seen`` move in
        SQL, so concurrent bumps of one IP are all counted. The severity is raised (never
        lowered), the record reactivated and ``metadata`` merged into what it had.
        """
        if metadata is not None:
            _t.metadata.info.check(metadata)
        params = {
            "ip": check_ip("ip", ip),
            "threat_type": check_text("threat_type", threat_type, max_length=MAX_LABEL_LENGTH),
            "source": check_choice("source", source, ThreatSource).value,
            "severity": check_choice("severity", severity, Severity).value,
            "description": check_optional_text(
                "description", description, max_length=MAX_TEXT_LENGTH
            ),
            "metadata": None if metadata is None else dump(_t.metadata.info, metadata),
        }
        with self._runner.reading() as ex:
            (row,) = ex.fetch_trusted(_BUMP_THREAT, params, ThreatIntelligence)
        threat: ThreatIntelligence = row
        return threat

    def is_blocked(self, ip: str) -> bool:
        """Whether ``ip`` is blocked now (active, blocked, and not past its expiry)."""
        with self._runner.reading() as ex:
            return bool(_BLOCKING.fetch_one(ex, ip=check_ip("ip", ip)))

    def block(self, ip: str, *, duration: dt.timedelta | None = None) -> ThreatIntelligence:
        """Block a known IP, for ``duration`` or (``None``) until unblocked; :class:`NotFound`."""
        length = None if duration is None else check_duration("duration", duration, high=MAX_BLOCK)
        return self._set_blocked(ip, blocked=True, duration=length)

    def unblock(self, ip: str) -> ThreatIntelligence:
        """Lift the block of a known IP; :class:`NotFound` for an unknown one."""
        return self._set_blocked(ip, blocked=False, duration=None)

    def _set_blocked(
        self, ip: str, *, blocked: bool, duration: dt.timedelta | None
    ) -> ThreatIntelligence:
        params = {"ip": check_ip("ip", ip), "blocked": blocked, "duration": duration}
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_BLOCK_THREAT, params, ThreatIntelligence)
        if not rows:
            raise NotFound("threat_intelligence", params["ip"])
        threat: ThreatIntelligence = rows[0]
        return threat

    def worst(
        self, limit: int = 50, *, min_severity: Severity | str = Severity.LOW
    ) -> builtins.list[ThreatIntelligence]:
        """Active records at ``min_severity`` or worse: most severe first, then latest seen."""
        params = {
            "severities": check_choice("min_severity", min_severity, Severity).and_above(),
            "limit": check_int("limit", limit, low=1, high=1000),
        }
        with self._runner.reading() as ex:
            return ex.fetch_trusted(_WORST_THREATS, params, ThreatIntelligence)


def _audit_event_arg(name: str, event: NewSecurityAuditLog) -> None:
    """An event's fields, result, severity and risk score, checked."""
    check_fields(name, event, _AUDIT_COLUMNS)
    check_choice(f"{name}.result", event.result, AuditResult)
    if event.severity is not UNSET:
        check_choice(f"{name}.severity", event.severity, AuditSeverity)
    if event.risk_score not in (UNSET, None):
        check_int(f"{name}.risk_score", event.risk_score, low=0, high=100)


class SecurityAuditLogRepository(
    TableRepository[SecurityAuditLog, NewSecurityAuditLog, SecurityAuditLogPatch]
):
    """The security audit trail: appended in batches, read newest first."""

    table = tables.security_audit_logs
    sortable = _sortable_without(_a, "severity")

    def append(self, events: Iterable[NewSecurityAuditLog]) -> int:
        """Store a batch of events in one statement, whatever its size; how many were stored.

        Results, severities, IP addresses and risk scores (0-100) are checked first; a bad
        event stores none of the batch.
        """
        rows = check_items("events", events, NewSecurityAuditLog, max_items=MAX_BATCH)
        for index, event in enumerate(rows):
            _audit_event_arg(f"events[{index}]", event)
        if not rows:
            return 0
        arrays = column_arrays(_a, rows, _AUDIT_COLUMNS)
        arrays["ip_address"] = [
            None if ip is None else check_ip(f"events[{index}].ip_address", ip)
            for index, ip in enumerate(arrays["ip_address"])
        ]
        with self._runner.reading() as ex:
            return ex.execute(_APPEND_AUDIT, arrays)

    def recent(
        self,
        *,
        min_severity: AuditSeverity | str | None = None,
        event_type: str | None = None,
        user_id: uuid.UUID | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[SecurityAuditLog]:
        """Events newest first, narrowed to ``min_severity`` or worse, a type, an account."""
        statement = _RECENT_AUDIT
        if min_severity is not None:
            levels = check_choice("min_severity", min_severity, AuditSeverity).and_above()
            statement = statement.where(_a.severity.in_(levels))
        if event_type is not None:
            kind = check_text("event_type", event_type, max_length=MAX_LABEL_LENGTH)
            statement = statement.where(_a.event_type == kind)
        if user_id is not None:
            statement = statement.where(_a.user_id == check_uuid("user_id", user_id))
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size)


class ComplianceCheckRepository(
    TableRepository[ComplianceCheck, NewComplianceCheck, ComplianceCheckPatch]
):
    """Scheduled compliance checks and their latest findings."""

    table = tables.compliance_checks
    sortable = _sortable_without(_k, "priority")

    def due(
        self, limit: int = 50, *, automated: bool | None = None
    ) -> builtins.list[ComplianceCheck]:
        """Checks whose time has come: highest priority first, then longest overdue.

        ``automated`` narrows to automated (True) or manual (False) checks.
        """
        if automated is not None and not isinstance(automated, bool):
            raise InvalidInput(
                "automated", f"expected bool or None, got {type(automated).__name__}"
            )
        params = {
            "automated": [True, False] if automated is None else [automated],
            "limit": check_int("limit", limit, low=1, high=1000),
        }
        with self._runner.reading() as ex:
            return ex.fetch_trusted(_DUE_CHECKS, params, ComplianceCheck)

    def record_result(
        self,
        check_id: int,
        status: ComplianceStatus | str,
        *,
        findings: builtins.list[JsonValue] | None = None,
        remediation: str | None = None,
        next_check_in: dt.timedelta | None = None,
    ) -> ComplianceCheck:
        """Store a run's outcome and schedule the next one (``None``: not scheduled).

        One statement; :class:`NotFound` when there is no check ``check_id``.
        """
        found = [] if findings is None else findings
        _k.findings.info.check(found)
        params = {
            "check_id": check_int("check_id", check_id, low=1, high=INT4_MAX),
            "status": check_choice("status", status, ComplianceStatus).value,
            "findings": dump(_k.findings.info, found),
            "remediation": check_optional_text(
                "remediation", remediation, max_length=MAX_TEXT_LENGTH
            ),
            "next_check_in": None
            if next_check_in is None
            else check_duration("next_check_in", next_check_in, high=MAX_CHECK_INTERVAL),
        }
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_RECORD_CHECK, params, ComplianceCheck)
        if not rows:
            raise NotFound("compliance_checks", check_id)
        check: ComplianceCheck = rows[0]
        return check
