"""The health report: is the server reachable, how fast, and what is the pool doing."""

from __future__ import annotations

import json
from typing import Any

import attrs

from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.pool.monitoring import Alert, AlertKind, PoolStats, Severity
from chanuka_db.pool.resilience import BreakerState, CircuitBreaker

__all__ = ["HealthReport", "build_report"]


@attrs.frozen(kw_only=True)
class HealthReport:
    """The result of :meth:`Database.health`: read-only, printable, JSON-ready.

    ``healthy`` is true when the server answered ``SELECT 1`` through the pool and the
    circuit breaker is not open. Alerts are reported but do not by themselves make the
    database unhealthy.
    """

    healthy: bool
    reachable: bool
    url: str
    server_version: str | None
    latency_ms: float | None
    error: str | None
    breaker: BreakerState
    consecutive_failures: int
    pool: PoolStats
    alerts: tuple[Alert, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "healthy": self.healthy,
            "reachable": self.reachable,
            "url": self.url,
            "server_version": self.server_version,
            "latency_ms": self.latency_ms,
            "error": self.error,
            "breaker": self.breaker.value,
            "consecutive_failures": self.consecutive_failures,
            "pool": self.pool.as_dict(),
            "alerts": [alert.as_dict() for alert in self.alerts],
        }

    def to_json(self) -> str:
        """The report as one JSON document."""
        return json.dumps(self.as_dict(), indent=2)

    def render(self) -> str:
        """A short report for people."""
        pool = self.pool
        lines = [
            f"status: {'healthy' if self.healthy else 'UNHEALTHY'}",
            f"database: {self.url}",
            f"server: PostgreSQL {self.server_version}, SELECT 1 in {self.latency_ms:.2f} ms"
            if self.reachable and self.latency_ms is not None
            else f"server: unreachable ({self.error})",
            f"circuit breaker: {self.breaker.value}",
            f"pool: {pool.in_use} in use, {pool.idle} idle, {pool.waiting} waiting "
            f"(size {pool.size}, {pool.min_size}..{pool.max_size}); "
            f"utilization {pool.utilization:.0%}",
            f"acquisition: p50 {pool.acquire_time.p50_s * 1000:.2f} ms, "
            f"p99 {pool.acquire_time.p99_s * 1000:.2f} ms over {pool.acquisitions} borrows",
        ]
        lines += [f"alert ({a.severity.value}): {a.kind.value}: {a.message}" for a in self.alerts]
        return "\n".join(lines)


def build_report(
    *,
    url: DatabaseUrl | None,
    version: str | None,
    latency_s: float | None,
    error: str | None,
    breaker: CircuitBreaker,
    stats: PoolStats,
    alerts: list[Alert],
    elapsed_s: float,
) -> HealthReport:
    """Assemble a :class:`HealthReport` from one check's results."""
    reachable = error is None
    state = breaker.state
    firing = list(alerts)
    if state is BreakerState.OPEN:
        firing.append(
            Alert(AlertKind.BREAKER_OPEN, Severity.ERROR, "failing fast: circuit breaker open")
        )
    if not reachable:
        message = f"{error} (after {elapsed_s * 1000:.0f} ms)"
        firing.append(Alert(AlertKind.UNREACHABLE, Severity.ERROR, message))
    return HealthReport(
        healthy=reachable and state is not BreakerState.OPEN,
        reachable=reachable,
        url=url.redacted() if url is not None else "(embedded PostgreSQL, not started)",
        server_version=version,
        latency_ms=round(latency_s * 1000, 3) if latency_s is not None else None,
        error=error,
        breaker=state,
        consecutive_failures=breaker.consecutive_failures,
        pool=stats,
        alerts=tuple(firing),
    )
