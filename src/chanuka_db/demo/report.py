"""The demo's closing report as text: operations, statements, latency, pool, slow queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chanuka_db.sql.monitor import statement_summary

if TYPE_CHECKING:
    from chanuka_db.demo.runner import DemoReport

__all__ = ["render"]

_SQL_CHARS = 90


def _short(sql: str) -> str:
    """The statement on one line, cut to fit a terminal."""
    return " ".join(sql.split())[:_SQL_CHARS]


def _operations(report: DemoReport) -> list[str]:
    ops = report.operations
    calls = sum(op.calls for op in ops)
    lines = [
        f"operations: {calls:,} calls of {len(ops)} kinds "
        f"(the story, then {report.traffic_rounds} rounds of traffic in "
        f"{report.traffic_seconds:.2f} s); milliseconds from the service's side",
        f"  {'operation':<32}{'calls':>7}{'stmts':>7}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}",
    ]
    lines += [
        f"  {op.name:<32}{op.calls:>7}{op.statements:>7}{op.p50_ms:>9.2f}{op.p95_ms:>9.2f}"
        f"{op.errors:>8}"
        for op in ops
    ]
    return lines


def _pool(report: DemoReport) -> list[str]:
    pool, acquire = report.pool, report.pool.acquire_time
    return [
        f"pool: {pool.size} of at most {pool.max_size} connections open, "
        f"{pool.acquisitions:,} borrows, {pool.acquisition_timeouts} timeouts, "
        f"{pool.returns_bad} bad returns",
        f"  acquire p50 {acquire.p50_s * 1e3:.3f} ms, p95 {acquire.p95_s * 1e3:.3f} ms, "
        f"p99 {acquire.p99_s * 1e3:.3f} ms, max {acquire.max_s * 1e3:.3f} ms",
    ]


def _slow(report: DemoReport) -> list[str]:
    threshold = report.slow_threshold_ms
    if report.slow_statements:
        lines = [f"slow queries (over {threshold:.0f} ms): {len(report.slow_statements)}"]
        lines += [
            f"  {s.duration_ms:>9.1f} ms  {s.operation}: {_short(s.sql)}"
            for s in report.slow_statements
        ]
    else:
        lines = [f"slow queries (over {threshold:.0f} ms): none"]
    lines.append("slowest statement shapes (by their longest run):")
    lines += [
        f"  max {s.max_ms:>8.2f} ms  p50 {s.p50_ms:>7.2f} ms  x{s.count:<5} "
        f"{statement_summary(s.sql)}: {_short(s.sql)}"
        for s in report.slowest_shapes
    ]
    return lines


def render(report: DemoReport) -> list[str]:
    """The report's lines (the story itself was printed as it happened)."""
    header = [
        "",
        f"chanuka-db demo on PostgreSQL {report.server_version} ({report.url}), "
        f"schema {report.schema_version:04d}, scale {report.seed.scale} "
        f"({report.seed.rows:,} rows)",
    ]
    return [*header, *_operations(report), *_pool(report), *_slow(report)]
