"""Rows of the operational tables: sync conflicts, compliance, threats, audit log, metrics."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from chanuka_db.seed import vocab
from chanuka_db.seed.clock import DAY, HOUR, MINUTE
from chanuka_db.seed.fake import json_text, kenyan_ip, pick_weighted
from chanuka_db.seed.plan import Notes, Row, table

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__: list[str] = []

_COMPLIANCE: Final = (
    ("Data Protection Act 2019 audit", "privacy", "high"),
    ("Password policy", "security", "high"),
    ("Session expiry enforcement", "security", "medium"),
    ("Backup restore drill", "operations", "high"),
    ("Access review of moderators", "security", "medium"),
    ("Audit log retention", "privacy", "medium"),
    ("TLS certificate expiry", "security", "critical"),
    ("Analytics data retention", "privacy", "low"),
    ("Accessibility of bill pages", "accessibility", "low"),
    ("Dependency vulnerability scan", "security", "high"),
    ("Row-level security policies", "security", "critical"),
    ("Public participation records", "governance", "medium"),
)
_THREATS: Final = (
    ("brute_force", 40),
    ("credential_stuffing", 25),
    ("scraping", 20),
    ("sql_injection", 10),
    ("ddos", 5),
)
_FOREIGN_PREFIXES: Final = ("45.", "185.", "103.", "91.", "194.", "77.")
# (event_type, result, severity, weight)
_AUDIT_EVENTS: Final = (
    ("login_success", "success", "info", 60),
    ("login_failure", "failure", "warning", 20),
    ("password_reset_requested", "success", "info", 6),
    ("session_revoked", "success", "info", 6),
    ("permission_denied", "failure", "warning", 5),
    ("mfa_enabled", "success", "info", 3),
)
# (metric_name, unit, category, typical value, spread)
_METRICS: Final = (
    ("db.pool.active_connections", "count", "database", 6.0, 4.0),
    ("db.query.p95_ms", "ms", "database", 8.0, 5.0),
    ("api.requests_per_minute", "rpm", "api", 900.0, 600.0),
    ("api.error_rate", "percent", "api", 0.4, 0.3),
    ("host.cpu_percent", "percent", "host", 35.0, 20.0),
    ("host.memory_mb", "MB", "host", 2_400.0, 600.0),
)
_RESOLUTIONS: Final = (
    ("pending", 30),
    ("source_priority", 40),
    ("manual", 20),
    ("latest_wins", 10),
)
_CONFLICT_SOURCES: Final = ("parliament-hansard", "kenya-gazette", "kenya-law", "county-assemblies")


def _conflicts(world: World) -> list[tuple[str, str, int]]:
    """(id, data_type, record_id) per conflict: bills and sponsors whose sources disagree."""
    rng = world.rng("conflicts")
    bills = sorted(rng.sample(range(1, world.bills.count + 1), max(2, world.bills.count // 20)))
    sponsors = sorted(
        rng.sample(range(1, world.sponsors.count + 1), max(2, world.sponsors.count // 20))
    )
    records = [("bill", b) for b in bills] + [("sponsor", s) for s in sponsors]
    return [(f"conflict_{k + 1:06d}", kind, record) for k, (kind, record) in enumerate(records)]


@table(
    "conflicts",
    "id data_type record_id resolution resolved_value resolved_by resolved_at confidence "
    "created_at updated_at",
    estimate=lambda w: w.scale.bills // 20 + w.scale.sponsors // 20,
)
def conflicts(world: World, notes: Notes) -> Iterator[Row]:
    """Records whose sources disagree; one per (data_type, record_id)."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/conflicts")
    for conflict_id, kind, record in _conflicts(world):
        resolution = pick_weighted(rng, _RESOLUTIONS)
        found = now - rng.randrange(1, 400) * DAY
        resolved = None if resolution == "pending" else found + rng.randrange(1, 72) * HOUR
        yield (
            conflict_id,
            kind,
            str(record),
            resolution,
            None if resolved is None else f"value from {rng.choice(_CONFLICT_SOURCES)}",
            None if resolved is None else "sync-bot" if resolution != "manual" else "data-steward",
            None if resolved is None else clock.ts(min(now - 1, resolved)),
            Decimal(f"{rng.random():.2f}"),
            clock.ts(found),
            clock.ts(min(now - 1, resolved or found)),
        )


@table(
    "conflict_sources",
    "id conflict_id source_id source_name value timestamp priority confidence created_at",
    estimate=lambda w: int((w.scale.bills // 20 + w.scale.sponsors // 20) * 2.5),
)
def conflict_sources(world: World, notes: Notes) -> Iterator[Row]:
    """The two or three competing values of each conflict."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/conflict_sources")
    next_id = 1
    for conflict_id, kind, record in _conflicts(world):
        for source in rng.sample(_CONFLICT_SOURCES, rng.randint(2, 3)):
            when = clock.ts(now - rng.randrange(1, 400) * DAY)
            yield (
                next_id,
                conflict_id,
                f"{source}:{kind}:{record}",
                source,
                f"{kind} {record} as published by {source}",
                when,
                Decimal(f"{rng.random():.2f}"),
                Decimal(f"{rng.random():.2f}"),
                when,
            )
            next_id += 1


@table(
    "compliance_checks",
    "id check_name check_type description status last_checked next_check findings remediation "
    "priority automated created_at updated_at",
    estimate=lambda w: len(_COMPLIANCE),
)
def compliance_checks(world: World, notes: Notes) -> Iterator[Row]:
    """The platform's scheduled compliance and security checks with their last result."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/compliance_checks")
    for k, (name, kind, priority) in enumerate(_COMPLIANCE, start=1):
        status = rng.choice(("passing", "passing", "passing", "warning", "failing"))
        checked = now - rng.randrange(1, 30) * DAY
        findings = (
            "[]" if status == "passing" else json_text([{"finding": f"{name}: needs attention"}])
        )
        yield (
            k,
            name,
            kind,
            f"{name} ({kind})",
            status,
            clock.ts(checked),
            clock.ts(checked + 30 * DAY),
            findings,
            None if status == "passing" else "Assign an owner and fix within 14 days.",
            priority,
            rng.random() < 0.8,
            clock.ts(world.platform_start),
            clock.ts(checked),
        )


@table(
    "threat_intelligence",
    "id ip_address threat_type severity source description first_seen last_seen occurrences "
    "blocked is_active expires_at metadata created_at updated_at",
    estimate=lambda w: max(20, w.scale.users // 200),
)
def threat_intelligence(world: World, notes: Notes) -> Iterator[Row]:
    """Hostile addresses (one row per IP) seen by the platform's edge."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/threat_intelligence")
    for k in range(max(20, world.scale.users // 200)):
        prefix = _FOREIGN_PREFIXES[k % len(_FOREIGN_PREFIXES)]
        ip = f"{prefix}{k // 65536 % 256}.{k // 256 % 256}.{k % 256}"
        kind = pick_weighted(rng, _THREATS)
        first = now - rng.randrange(1, 365) * DAY
        last = min(now - 1, first + rng.randrange(1, 60) * DAY)
        blocked = kind in ("sql_injection", "ddos") or rng.random() < 0.4
        yield (
            k + 1,
            ip,
            kind,
            "high" if blocked else "medium",
            rng.choice(("waf", "rate_limiter", "abuseipdb")),
            f"{kind.replace('_', ' ')} from {ip}",
            clock.ts(first),
            clock.ts(last),
            rng.randint(1, 500),
            blocked,
            last > now - 90 * DAY,
            clock.ts(last + 90 * DAY),
            json_text({"asn": rng.randrange(1_000, 65_000)}),
            clock.ts(first),
            clock.ts(last),
        )


@table(
    "security_audit_logs",
    "id event_type user_id ip_address user_agent resource action result severity details "
    "session_id timestamp created_at success risk_score",
    estimate=lambda w: w.scale.users // 2,
)
def security_audit_logs(world: World, notes: Notes) -> Iterator[Row]:
    """Sign-ins, failures, resets and denials of the last months, oldest first."""
    clock, now, ids = world.clock, world.now, world.people.ids
    rng = world.rng("rows/security_audit_logs")
    count = world.scale.users // 2
    span = 180 * DAY
    for k in range(count):
        when = now - span + k * span // count + rng.randrange(MINUTE)
        kind, result, severity, _ = _AUDIT_EVENTS[
            rng.choices(range(len(_AUDIT_EVENTS)), [e[3] for e in _AUDIT_EVENTS])[0]
        ]
        user = rng.randrange(world.people.count)
        risk = rng.randrange(40, 100) if result == "failure" else rng.randrange(0, 30)
        yield (
            k + 1,
            kind,
            ids[user] if world.people.created[user] <= when else None,
            kenyan_ip(rng),
            rng.choice(vocab.USER_AGENTS),
            "/api/auth",
            kind.split("_")[0],
            result,
            severity,
            json_text({"method": "password"}),
            f"sid_{rng.getrandbits(64):016x}",
            clock.ts(when),
            clock.ts(when),
            result == "success",
            risk,
        )


@table(
    "system_health_metrics",
    "id metric_name metric_value metric_unit metric_category recorded_at metadata",
    estimate=lambda w: (
        len(_METRICS) * w.scale.event_days * DAY // (w.scale.health_interval_minutes * MINUTE)
    ),
)
def system_health_metrics(world: World, notes: Notes) -> Iterator[Row]:
    """Six metrics sampled every ``scale.health_interval_minutes`` over the event window."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/system_health_metrics")
    step = world.scale.health_interval_minutes * MINUTE
    start = now - world.scale.event_days * DAY
    next_id = 1
    for t in range(start, now, step):
        for name, unit, category, typical, spread in _METRICS:
            value = max(0.0, rng.gauss(typical, spread / 3))
            yield (
                next_id,
                name,
                Decimal(f"{value:.3f}"),
                unit,
                category,
                clock.tz(t),
                json_text({"host": f"api-{next_id % 3 + 1}"}),
            )
            next_id += 1
