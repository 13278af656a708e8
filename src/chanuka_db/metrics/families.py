"""Metric families read from the pool's snapshots: connections, waits, errors, breaker, health.

Everything here is built at scrape time from what the pool already keeps
(:meth:`Database.stats`, the circuit breaker, the last health report): nothing is counted
twice and the hot path does no extra work for Prometheus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from chanuka_db.pool import BreakerState, HealthReport, HistogramSnapshot, PoolStats
from chanuka_db.pool.monitoring import BUCKET_BOUNDS

__all__ = [
    "POOL_BOUNDS",
    "breaker_families",
    "describe_health",
    "health_families",
    "histogram_buckets",
    "pool_families",
]

# The monitors' buckets are 4 per octave; one per octave is exported (1 µs .. 134 s for
# the pool), which keeps every exported count exact while cutting the series count by 4.
POOL_INDEXES: Final = tuple(range(0, len(BUCKET_BOUNDS), 4))
POOL_BOUNDS: Final = tuple(repr(round(BUCKET_BOUNDS[i], 12)) for i in POOL_INDEXES)


def histogram_buckets(bounds: Sequence[str], cumulative: Sequence[int]) -> list[tuple[str, float]]:
    """``(le, count)`` pairs for a histogram family; ``cumulative`` ends with the total."""
    pairs: list[tuple[str, float]] = list(zip(bounds, cumulative, strict=False))
    pairs.append(("+Inf", cumulative[-1]))
    return pairs


def _pool_histogram(name: str, documentation: str, snapshot: HistogramSnapshot) -> Metric:
    # The snapshot lists buckets up to the largest value seen; above it, all are counted.
    listed = snapshot.buckets
    cumulative = [listed[i][1] if i < len(listed) else snapshot.count for i in POOL_INDEXES]
    cumulative.append(snapshot.count)
    family = HistogramMetricFamily(name, documentation)
    family.add_metric([], histogram_buckets(POOL_BOUNDS, cumulative), snapshot.sum_s)
    return family


def pool_families(stats: PoolStats) -> list[Metric]:
    """The pool's sizes, counters and the acquire/usage histograms."""
    connections = GaugeMetricFamily(
        "chanuka_db_pool_connections",
        "Open connections by state: used (lent out) or idle (in the pool).",
        labels=["state"],
    )
    connections.add_metric(["idle"], stats.idle)
    connections.add_metric(["used"], stats.in_use)
    errors = CounterMetricFamily(
        "chanuka_db_pool_errors",
        "Connection failures: connect (a new connection failed), unavailable (a borrow failed "
        "because the server was unreachable), lost (a pooled connection was found dead), "
        "bad_return (a connection came back broken and was discarded).",
        labels=["kind"],
    )
    errors.add_metric(["connect"], stats.connection_errors)
    errors.add_metric(["unavailable"], stats.acquisition_errors)
    errors.add_metric(["lost"], stats.connections_lost)
    errors.add_metric(["bad_return"], stats.returns_bad)
    return [
        connections,
        GaugeMetricFamily(
            "chanuka_db_pool_connections_max",
            "Most connections the pool may open.",
            value=stats.max_size,
        ),
        GaugeMetricFamily(
            "chanuka_db_pool_connections_min",
            "Connections the pool keeps open even when idle.",
            value=stats.min_size,
        ),
        GaugeMetricFamily(
            "chanuka_db_pool_pending_requests",
            "Callers waiting for a connection now.",
            value=stats.waiting,
        ),
        CounterMetricFamily(
            "chanuka_db_pool_acquisitions",
            "Connections lent out.",
            value=stats.acquisitions,
        ),
        CounterMetricFamily(
            "chanuka_db_pool_timeouts",
            "Borrows that gave up after the acquire timeout with every connection in use.",
            value=stats.acquisition_timeouts,
        ),
        CounterMetricFamily(
            "chanuka_db_pool_shed",
            "Borrows refused at once because max_waiting callers were already queued.",
            value=stats.shed,
        ),
        errors,
        CounterMetricFamily(
            "chanuka_db_pool_slow_acquisitions",
            "Borrows that waited longer than the slow-acquisition threshold.",
            value=stats.slow_acquisitions,
        ),
        CounterMetricFamily(
            "chanuka_db_pool_leaks",
            "Borrows reported as leaks: held longer than the leak threshold.",
            value=stats.leaks_detected,
        ),
        _pool_histogram(
            "chanuka_db_pool_acquire_seconds",
            "Time a caller waited for a connection.",
            stats.acquire_time,
        ),
        _pool_histogram(
            "chanuka_db_pool_usage_seconds",
            "Time a connection was held, from borrow to return.",
            stats.usage_time,
        ),
    ]


def breaker_families(state: BreakerState, consecutive_failures: int) -> list[Metric]:
    """The circuit breaker: one series per state (1 for the current one)."""
    states = GaugeMetricFamily(
        "chanuka_db_circuit_breaker_state",
        "Circuit breaker state: 1 for the current state, 0 for the others.",
        labels=["state"],
    )
    for each in BreakerState:
        states.add_metric([each.value], 1.0 if each is state else 0.0)
    return [
        states,
        GaugeMetricFamily(
            "chanuka_db_circuit_breaker_consecutive_failures",
            "Connection failures since the last success.",
            value=consecutive_failures,
        ),
    ]


def describe_health() -> list[Metric]:
    """The health families, empty (their samples exist only once a check ran)."""
    return [
        GaugeMetricFamily(_UP, _UP_HELP),
        GaugeMetricFamily(_LATENCY, _LATENCY_HELP),
    ]


_UP: Final = "chanuka_db_up"
_UP_HELP: Final = "1 when the last health check reached the server, else 0."
_LATENCY: Final = "chanuka_db_health_check_latency_seconds"
_LATENCY_HELP: Final = "Round trip of the last health check's SELECT 1."


def health_families(report: HealthReport | None) -> list[Metric]:
    """The last background health check (``SELECT 1`` through the pool), once one ran."""
    if report is None:
        return []
    families: list[Metric] = [
        GaugeMetricFamily(_UP, _UP_HELP, value=1.0 if report.reachable else 0.0)
    ]
    if report.latency_ms is not None:
        families.append(GaugeMetricFamily(_LATENCY, _LATENCY_HELP, value=report.latency_ms / 1000))
    return families
