"""Sync jobs and errors, conflicts, security records, departments and evaluations."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound
from chanuka_db.repositories.security_ops import AuditSeverity, Severity
from chanuka_db.repositories.sync import ConflictResolution, SyncCounts, SyncErrorLevel
from chanuka_db.types import (
    NewComplianceCheck,
    NewConflictSource,
    NewDepartment,
    NewEvaluation,
    NewSecurityAuditLog,
    NewSyncConflict,
    NewSyncError,
    NewSyncJob,
)
from tests.users_support import add_user, race

NOW = dt.datetime(2026, 11, 26, 12, 0)


def test_ranked_enums_compare_by_meaning_not_by_name() -> None:
    assert Severity.CRITICAL.rank > Severity.HIGH.rank > Severity.MEDIUM.rank > Severity.LOW.rank
    assert sorted(["low", "critical", "medium", "high"]) != [s.value for s in Severity]
    assert Severity.HIGH.and_above() == ["high", "critical"]
    assert AuditSeverity.WARNING.and_above() == ["warning", "error", "critical"]
    assert SyncErrorLevel.ERROR.and_above() == ["error", "critical"]


# -- sync jobs and errors --------------------------------------------------------------------


def test_a_sync_job_runs_start_to_finish_with_counters_in_sql(data: Database) -> None:
    jobs = data.repos.sync_jobs
    with data.queries.count() as counted:
        job = jobs.start("bills-2026-11-26", data_source_id="parliament", endpoint_id="bills")
    assert counted.total == 1
    assert (job.status, job.records_processed, job.end_time) == ("running", 0, None)
    assert job.start_time is not None
    with pytest.raises(Conflict):
        jobs.start("bills-2026-11-26", data_source_id="parliament", endpoint_id="bills")
    jobs.add_counts(job.id, SyncCounts(processed=10, created=4))
    with data.queries.count() as counted:
        done = jobs.finish(
            job.id, "completed", SyncCounts(processed=5, updated=2, skipped=1), next_run_in=HOUR
        )
    assert counted.total == 1
    assert (done.status, done.records_processed, done.records_created) == ("completed", 15, 4)
    assert (done.records_updated, done.records_skipped) == (2, 1)
    assert done.last_sync_timestamp == job.start_time
    assert done.next_run_time is not None
    assert done.end_time is not None
    with pytest.raises(NotFound):
        jobs.finish(job.id)
    with pytest.raises(NotFound):
        jobs.add_counts(job.id, SyncCounts(processed=1))
    again = jobs.start(job.id, data_source_id="parliament", endpoint_id="bills")
    assert (again.status, again.records_processed) == ("running", 0)
    failed = jobs.finish(job.id, "failed")
    assert failed.last_sync_timestamp == job.start_time  # a failed run keeps the watermark
    assert failed.next_run_time is None


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda j: j.finish("x", "running"), "status"),
        (lambda j: j.finish("x", "exploded"), "status"),
        (lambda j: j.finish("x", counts=SyncCounts(processed=-1)), "counts.processed"),
        (lambda j: j.finish("x", next_run_in=dt.timedelta(days=400)), "next_run_in"),
        (lambda j: j.add_counts("x", {"processed": 1}), "counts"),
        (lambda j: j.start("", data_source_id="s", endpoint_id="e"), "job_id"),
        (lambda j: j.start("x", data_source_id=1, endpoint_id="e"), "data_source_id"),
        (
            lambda j: j.start("x", data_source_id="s", endpoint_id="e", is_incremental=1),
            "is_incremental",
        ),
        (lambda j: j.due(0), "limit"),
    ],
)
def test_sync_job_arguments_are_checked_before_any_sql(
    data: Database, call: Any, field: str
) -> None:
    with data.queries.count() as counted, pytest.raises(InvalidInput) as err:
        call(data.repos.sync_jobs)
    assert err.value.field == field
    assert counted.total == 0


def test_concurrent_counts_all_land(data: Database) -> None:
    job = data.repos.sync_jobs.start("feed", data_source_id="s", endpoint_id="e")

    def add(_: int) -> None:
        data.repos.sync_jobs.add_counts(job.id, SyncCounts(processed=3, created=1))

    _, errors = race(50, add)
    assert errors == []
    done = data.repos.sync_jobs.finish(job.id)
    assert (done.records_processed, done.records_created) == (150, 50)


def test_due_jobs_are_those_scheduled_in_the_past_and_not_running(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    jobs = data.repos.sync_jobs
    for name, minutes in (("later", 30), ("soon", -5), ("sooner", -10)):
        jobs.add(NewSyncJob(id=name, data_source_id="s", endpoint_id="e"))
        conn.execute(
            "UPDATE sync_jobs SET next_run_time = now() + make_interval(mins => %s) WHERE id = %s",
            [minutes, name],
        )
    jobs.add(NewSyncJob(id="unscheduled", data_source_id="s", endpoint_id="e"))
    assert [j.id for j in jobs.due()] == ["sooner", "soon"]
    jobs.start("sooner", data_source_id="s", endpoint_id="e")
    assert [j.id for j in jobs.due(limit=5)] == ["soon"]


def test_sync_errors_are_stored_in_one_statement_per_batch(data: Database) -> None:
    data.repos.sync_jobs.start("job", data_source_id="s", endpoint_id="e")
    levels = ["warning", "error", "critical", "error"] * 50
    errors = [
        NewSyncError(job_id="job", level=level, message=f"row {n} failed", record_id=str(n))
        for n, level in enumerate(levels)
    ]
    errors.append(NewSyncError(job_id="job", level="warning", message="old", timestamp=NOW))
    with data.queries.count() as counted:
        assert data.repos.sync_errors.record(errors) == 201
    assert counted.total == 1
    assert data.repos.sync_errors.record([]) == 0
    assert data.repos.sync_errors.level_counts("job") == {
        "critical": 50,
        "error": 100,
        "warning": 51,
    }
    worst = data.repos.sync_errors.for_job("job", min_level="error", page_size=10)
    assert worst.total == 150
    assert {e.level for e in worst.items} <= {"error", "critical"}
    everything = data.repos.sync_errors.for_job("job", page=21, page_size=10)
    assert [e.message for e in everything.items] == ["old"]  # oldest last


def test_a_bad_sync_error_stores_none_of_its_batch(data: Database) -> None:
    data.repos.sync_jobs.start("job", data_source_id="s", endpoint_id="e")
    good = NewSyncError(job_id="job", level="error", message="m")
    with pytest.raises(InvalidInput) as err:
        data.repos.sync_errors.record(
            [good, NewSyncError(job_id="job", level="fatal", message="m")]
        )
    assert err.value.field == "errors[1].level"
    with pytest.raises(InvalidInput, match=r"errors\[0\]\.id"):
        data.repos.sync_errors.record(
            [NewSyncError(id=5, job_id="job", level="error", message="m")]
        )
    with pytest.raises(InvalidReference):
        data.repos.sync_errors.record(
            [good, NewSyncError(job_id="nope", level="error", message="m")]
        )
    assert data.repos.sync_errors.count() == 0
    with pytest.raises(InvalidInput, match="errors"):
        data.repos.sync_errors.record("not a batch")  # type: ignore[arg-type]


def test_sorting_by_a_ranked_column_name_is_refused(data: Database) -> None:
    for repository, column in (
        (data.repos.sync_errors, "level"),
        (data.repos.threat_intelligence, "severity"),
        (data.repos.security_audit_logs, "severity"),
        (data.repos.compliance_checks, "priority"),
    ):
        with pytest.raises(InvalidInput):
            repository.list(sort=column)
        repository.list(sort="-id")


# -- conflicts and their sources -------------------------------------------------------------


def _source(conflict_id: str, source_id: str, value: str, priority: str) -> NewConflictSource:
    return NewConflictSource(
        conflict_id=conflict_id,
        source_id=source_id,
        source_name=source_id.title(),
        value=value,
        timestamp=NOW,
        priority=Decimal(priority),
        confidence=Decimal("0.80"),
    )


def test_conflicts_and_sources_are_recorded_together(data: Database) -> None:
    items = [
        (
            NewSyncConflict(id=f"c{n}", data_type="bill", record_id=f"B-{n}"),
            [
                _source(f"c{n}", "kenyalaw", "Passed", "0.50"),
                _source(f"c{n}", "gazette", "Assented", "0.90"),
            ],
        )
        for n in range(30)
    ]
    with data.queries.count() as counted:
        stored = data.repos.conflicts.record_many(items)
    assert counted.total == 2
    assert [c.conflict.id for c in stored] == [f"c{n}" for n in range(30)]
    first = stored[0]
    assert (first.conflict.resolution, first.conflict.confidence) == ("pending", Decimal("0.00"))
    assert [s.source_id for s in first.sources] == ["gazette", "kenyalaw"]  # by priority
    with data.queries.count() as counted:
        assert data.repos.conflicts.with_sources("c0") == first
    assert counted.total == 1
    assert data.repos.conflict_sources.for_conflict("c0") == first.sources
    assert data.repos.conflicts.pending(page_size=5).total == 30
    with pytest.raises(Conflict):  # the same record again: nothing of the batch is kept
        data.repos.conflicts.record_many(
            [
                (
                    NewSyncConflict(id="new", data_type="bill", record_id="B-new"),
                    [_source("new", "a", "v", "1")],
                ),
                (
                    NewSyncConflict(id="dup", data_type="bill", record_id="B-1"),
                    [_source("dup", "a", "v", "1")],
                ),
            ]
        )
    assert data.repos.conflicts.count() == 30
    assert data.repos.conflict_sources.count() == 60


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ((NewSyncConflict(id="c", data_type="bill", record_id="r"), []), "items[0].sources"),
        (
            (
                NewSyncConflict(id="c", data_type="bill", record_id="r"),
                [_source("d", "s", "v", "1")],
            ),
            "items[0].sources[0].conflict_id",
        ),
        (
            (
                NewSyncConflict(id="c", data_type="bill", record_id="r", resolution="manual"),
                [_source("c", "s", "v", "1")],
            ),
            "items[0].conflict.resolution",
        ),
        (
            (
                NewSyncConflict(id="c", data_type="bill", record_id="r", resolved_by="me"),
                [_source("c", "s", "v", "1")],
            ),
            "items[0].conflict.resolved_by",
        ),
        ("not a pair", "items[0]"),
        ((NewSyncConflict(id="c", data_type="bill", record_id="r"), ["x"]), "items[0].sources[0]"),
    ],
)
def test_bad_conflicts_are_refused_before_any_sql(data: Database, item: Any, field: str) -> None:
    with data.queries.count() as counted, pytest.raises(InvalidInput) as err:
        data.repos.conflicts.record_many([item])
    assert err.value.field == field
    assert counted.total == 0


def test_a_conflict_is_resolved_once(data: Database) -> None:
    data.repos.conflicts.record(
        NewSyncConflict(id="c", data_type="bill", record_id="r"), [_source("c", "s", "v", "1")]
    )
    resolved = data.repos.conflicts.resolve(
        "c",
        ConflictResolution.MANUAL,
        value="Assented",
        resolved_by="clerk-7",
        confidence=Decimal("0.95"),
    )
    assert (resolved.resolution, resolved.resolved_value, resolved.resolved_by) == (
        "manual",
        "Assented",
        "clerk-7",
    )
    assert resolved.resolved_at is not None
    assert resolved.confidence == Decimal("0.95")
    with pytest.raises(NotFound):
        data.repos.conflicts.resolve("c", "automatic", value="x", resolved_by="bot")
    with pytest.raises(NotFound):
        data.repos.conflicts.with_sources("missing")
    with pytest.raises(InvalidInput, match="resolution"):
        data.repos.conflicts.resolve("c", "pending", value="x", resolved_by="bot")
    with pytest.raises(InvalidInput, match="confidence"):
        data.repos.conflicts.resolve(
            "c", "manual", value="x", resolved_by="bot", confidence=Decimal(2)
        )
    assert data.repos.conflicts.pending().total == 0


# -- threat intelligence ---------------------------------------------------------------------


def test_bump_inserts_then_counts_and_only_raises_severity(data: Database) -> None:
    threats = data.repos.threat_intelligence
    assert threats.lookup("203.0.113.9") is None
    with data.queries.count() as counted:
        first = threats.bump(
            " 203.0.113.9", threat_type="scanner", source="internal", metadata={"path": "/wp"}
        )
    assert counted.total == 1
    assert (first.ip_address, first.occurrences, first.severity) == ("203.0.113.9", 1, "medium")
    raised = threats.bump(
        "203.0.113.9", threat_type="scanner", source="internal", severity="critical"
    )
    assert (raised.occurrences, raised.severity) == (2, "critical")
    kept = threats.bump(
        "203.0.113.9",
        threat_type="bot",
        source="external_feed",
        severity=Severity.LOW,
        metadata={"ua": "x"},
    )
    assert (kept.occurrences, kept.severity, kept.threat_type) == (3, "critical", "scanner")
    assert kept.metadata == {"path": "/wp", "ua": "x"}
    assert kept.last_seen >= first.last_seen
    assert kept.first_seen == first.first_seen
    assert threats.lookup("203.0.113.9") == kept
    v6 = threats.bump("2001:DB8::1", threat_type="bot", source="manual")
    assert v6.ip_address == "2001:db8::1"
    assert threats.lookup("2001:db8:0::1") == v6


def test_concurrent_bumps_of_one_ip_are_all_counted(data: Database) -> None:
    def bump(_: int) -> int:
        with data.unit_of_work() as uow:
            return uow.threat_intelligence.bump(
                "198.51.100.7", threat_type="bot", source="internal"
            ).occurrences

    seen, errors = race(50, bump)
    assert errors == []
    assert sorted(seen) == list(range(1, 51))
    record = data.repos.threat_intelligence.lookup("198.51.100.7")
    assert record is not None
    assert record.occurrences == 50
    assert data.repos.threat_intelligence.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ip": "999.0.0.1"}, "ip"),
        ({"ip": "example.com"}, "ip"),
        ({"severity": "urgent"}, "severity"),
        ({"source": "rumour"}, "source"),
        ({"threat_type": ""}, "threat_type"),
        ({"metadata": {"bad": float("nan")}}, "metadata.bad"),
    ],
)
def test_bump_checks_its_arguments_first(
    data: Database, change: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"ip": "192.0.2.1", "threat_type": "bot", "source": "internal"}
    arguments.update(change)
    with data.queries.count() as counted, pytest.raises(InvalidInput) as err:
        data.repos.threat_intelligence.bump(arguments.pop("ip"), **arguments)
    assert err.value.field == field
    assert counted.total == 0


def test_blocking_and_the_worst_threats(data: Database, conn: psycopg.Connection[Any]) -> None:
    threats = data.repos.threat_intelligence
    for ip, severity in (("192.0.2.1", "low"), ("192.0.2.2", "critical"), ("192.0.2.3", "high")):
        threats.bump(ip, threat_type="bot", source="internal", severity=severity)
    assert not threats.is_blocked("192.0.2.2")
    blocked = threats.block("192.0.2.2", duration=HOUR)
    assert blocked.blocked
    assert threats.is_blocked("192.0.2.2")
    threats.block("192.0.2.3")
    assert threats.block("192.0.2.3").expires_at is None
    conn.execute(
        "UPDATE threat_intelligence SET expires_at = now() - interval '1 s'"
        " WHERE ip_address = '192.0.2.2'"
    )
    assert not threats.is_blocked("192.0.2.2")  # the block expired
    assert not threats.unblock("192.0.2.3").blocked
    assert not threats.is_blocked("192.0.2.3")
    with pytest.raises(NotFound):
        threats.block("192.0.2.99")
    assert [t.severity for t in threats.worst()] == ["critical", "high", "low"]
    assert [t.ip_address for t in threats.worst(min_severity="high")] == ["192.0.2.2", "192.0.2.3"]


# -- the security audit log ------------------------------------------------------------------


def test_audit_events_are_appended_in_one_statement(data: Database) -> None:
    user = add_user(data)
    events = [
        NewSecurityAuditLog(
            event_type="login",
            result="success" if n % 3 else "failure",
            user_id=user.id if n % 2 else None,
            ip_address="196.201.214.10",
            severity=["info", "warning", "error", "critical"][n % 4],
            details={"attempt": n},
            risk_score=n % 100,
        )
        for n in range(300)
    ]
    events.append(NewSecurityAuditLog(event_type="export", result="blocked", timestamp=NOW))
    with data.queries.count() as counted:
        assert data.repos.security_audit_logs.append(events) == 301
    assert counted.total == 1
    assert data.repos.security_audit_logs.append([]) == 0
    recent = data.repos.security_audit_logs.recent(page_size=5)
    assert recent.total == 301
    assert recent.items[0].details == {"attempt": 299}
    last = data.repos.security_audit_logs.recent(page=61, page_size=5).items[-1]
    assert (last.event_type, last.severity, last.details, last.success, last.risk_score) == (
        "export",
        "info",
        {},
        True,
        0,
    )
    serious = data.repos.security_audit_logs.recent(min_severity="error", user_id=user.id)
    assert serious.total == 75
    assert {e.severity for e in serious.items} == {"critical"}  # odd n: warning or critical
    assert data.repos.security_audit_logs.recent(event_type="export").total == 1


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (NewSecurityAuditLog(event_type="login", result="maybe"), "events[1].result"),
        (
            NewSecurityAuditLog(event_type="login", result="success", severity="high"),
            "events[1].severity",
        ),
        (
            NewSecurityAuditLog(event_type="login", result="success", risk_score=101),
            "events[1].risk_score",
        ),
        (
            NewSecurityAuditLog(event_type="login", result="success", ip_address="::zz"),
            "events[1].ip_address",
        ),
        (NewSecurityAuditLog(event_type="login", result="success", id=3), "events[1].id"),
    ],
)
def test_a_bad_audit_event_stores_none_of_its_batch(
    data: Database, event: NewSecurityAuditLog, field: str
) -> None:
    good = NewSecurityAuditLog(event_type="login", result="success")
    with data.queries.count() as counted, pytest.raises(InvalidInput) as err:
        data.repos.security_audit_logs.append([good, event])
    assert err.value.field == field
    assert counted.total == 0
    with pytest.raises(InvalidReference):
        data.repos.security_audit_logs.append(
            [good, NewSecurityAuditLog(event_type="x", result="success", user_id=uuid.uuid4())]
        )
    assert data.repos.security_audit_logs.count() == 0


# -- compliance checks -----------------------------------------------------------------------


def test_due_checks_come_by_priority_rank_then_age(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    checks = data.repos.compliance_checks
    for name, priority, automated, minutes in (
        ("retention", "low", True, -60),
        ("encryption", "critical", True, -1),
        ("consent", "high", False, -30),
        ("backups", "medium", True, -120),
        ("later", "critical", True, 60),
    ):
        check = checks.add(
            NewComplianceCheck(
                check_name=name, check_type="gdpr", priority=priority, automated=automated
            )
        )
        conn.execute(
            "UPDATE compliance_checks SET next_check = now() + make_interval(mins => %s)"
            " WHERE id = %s",
            [minutes, check.id],
        )
    with data.queries.count() as counted:
        due = checks.due()
    assert counted.total == 1
    assert [c.check_name for c in due] == ["encryption", "consent", "backups", "retention"]
    assert [c.check_name for c in checks.due(automated=False)] == ["consent"]
    assert [c.check_name for c in checks.due(limit=1, automated=True)] == ["encryption"]
    with pytest.raises(InvalidInput, match="automated"):
        checks.due(automated="yes")  # type: ignore[arg-type]


def test_a_check_result_is_recorded_and_rescheduled(data: Database) -> None:
    check = data.repos.compliance_checks.add(
        NewComplianceCheck(check_name="tls", check_type="custom")
    )
    with data.queries.count() as counted:
        failing = data.repos.compliance_checks.record_result(
            check.id,
            "failing",
            findings=[{"host": "api", "issue": "TLS 1.0"}],
            remediation="disable TLS 1.0",
            next_check_in=dt.timedelta(days=1),
        )
    assert counted.total == 1
    assert (failing.status, failing.findings, failing.remediation) == (
        "failing",
        [{"host": "api", "issue": "TLS 1.0"}],
        "disable TLS 1.0",
    )
    assert failing.next_check is not None
    assert failing.next_check - failing.last_checked == dt.timedelta(days=1)
    passing = data.repos.compliance_checks.record_result(check.id, "passing")
    assert (passing.findings, passing.next_check, passing.remediation) == ([], None, None)
    with pytest.raises(NotFound):
        data.repos.compliance_checks.record_result(check.id + 1, "passing")
    with pytest.raises(InvalidInput, match="status"):
        data.repos.compliance_checks.record_result(check.id, "green")
    with pytest.raises(InvalidInput, match="findings"):
        data.repos.compliance_checks.record_result(check.id, "passing", findings=[{1: "x"}])  # type: ignore[dict-item]


# -- departments and evaluations -------------------------------------------------------------


def test_departments_and_their_evaluations(data: Database) -> None:
    ict = data.repos.departments.add(NewDepartment(name="ICT"))
    data.repos.departments.add(NewDepartment(name="Audit", is_active=False))
    legal = data.repos.departments.add(NewDepartment(name="Legal"))
    assert data.repos.departments.get_by_name("ICT") == ict
    with pytest.raises(NotFound):
        data.repos.departments.get_by_name("ict")
    assert [d.name for d in data.repos.departments.active()] == ["ICT", "Legal"]
    data.repos.evaluations.add_many(
        [
            NewEvaluation(candidate_name=f"C{n}", department_id=ict.id, status=s)
            for n, s in enumerate(["pending", "hired", "pending"])
        ]
    )
    data.repos.evaluations.add(NewEvaluation(candidate_name="L", department_id=legal.id))
    assert data.repos.evaluations.count_by_status(ict.id) == {"hired": 1, "pending": 2}
    page = data.repos.evaluations.for_department(ict.id, status="pending")
    assert (page.total, [e.candidate_name for e in page.items]) == (2, ["C2", "C0"])
    assert data.repos.evaluations.for_department(legal.id).total == 1
    with pytest.raises(InvalidInput, match="department_id"):
        data.repos.evaluations.for_department("ICT")  # type: ignore[arg-type]
    with pytest.raises(InvalidReference):
        data.repos.evaluations.add(NewEvaluation(candidate_name="X", department_id=ict.id + 99))


HOUR = dt.timedelta(hours=1)
