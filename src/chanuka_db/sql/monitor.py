"""The query monitor: per-shape timings and errors, a slow-statement log with plans, counters.

Every statement an :class:`~chanuka_db.sql.executor.Executor` runs is recorded here, keyed
by its SQL text (one text per shape, since values are bound): count, total, p50/p95/max,
rows, and errors by SQLSTATE. Recording costs about a microsecond (a lock, a dict lookup,
a histogram bucket).

A statement slower than ``slow_query_ms`` is logged at WARNING on the ``chanuka_db.sql``
logger with its text, its parameters (values bound to columns or parameters named like
password/token/secret/hash shown as ``***``) and its plan from a plain ``EXPLAIN``: never
``EXPLAIN ANALYZE``, which would run a slow write a second time. The plan is taken on the
statement's own connection inside a savepoint, unless that connection's transaction has
failed; then on ``explain_connection()`` when one was given, else the entry says that no
plan was taken and why.

``with monitor.count() as c: ...`` counts the statements run inside the block by the
current thread or task only (a context variable), so tests can forbid N+1 queries while
other work runs concurrently.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final

import attrs
import psycopg
from psycopg.pq import TransactionStatus

from chanuka_db.sql.compiler import Compiled

if TYPE_CHECKING:
    from chanuka_db.pool.config import DatabaseConfig

__all__ = [
    "QueryMonitor",
    "ShapeStats",
    "StatementCount",
]

_log = logging.getLogger("chanuka_db.sql")

REDACTED: Final = "***"
# Histogram buckets: 4 per octave from 1 µs (the last one is open-ended, about 2 minutes).
_BUCKETS_PER_OCTAVE: Final = 4
_BUCKET_COUNT: Final = 4 * 27 + 2
_MAX_VALUE_CHARS: Final = 200

ExplainConnection = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


def _bucket(seconds: float) -> int:
    if seconds <= 1e-6:
        return 0
    index = int(_BUCKETS_PER_OCTAVE * math.log2(seconds * 1e6)) + 1
    return min(index, _BUCKET_COUNT - 1)


def _bucket_bound(index: int) -> float:
    return 1e-6 * 2 ** (index / _BUCKETS_PER_OCTAVE)


@attrs.frozen(kw_only=True)
class ShapeStats:
    """What the monitor knows about one statement shape (times in milliseconds).

    Percentiles come from log-spaced buckets (about 19% wide) and are exact to that
    precision; ``max_ms`` and ``total_ms`` are exact.
    """

    sql: str
    count: int
    total_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    rows: int
    errors: dict[str, int]

    @property
    def mean_ms(self) -> float:
        """Average duration."""
        return self.total_ms / self.count if self.count else 0.0


class _Shape:
    """Mutable per-shape counters; only touched under the monitor's lock."""

    __slots__ = ("buckets", "count", "errors", "max_s", "rows", "total_s")

    def __init__(self) -> None:
        self.count = 0
        self.total_s = 0.0
        self.max_s = 0.0
        self.rows = 0
        self.buckets = [0] * _BUCKET_COUNT
        self.errors: dict[str, int] = {}

    def add(self, seconds: float, rows: int) -> None:
        self.count += 1
        self.total_s += seconds
        self.rows += rows
        self.max_s = max(seconds, self.max_s)
        self.buckets[_bucket(seconds)] += 1

    def percentile(self, fraction: float) -> float:
        rank = fraction * self.count
        seen = 0
        for index, in_bucket in enumerate(self.buckets):
            if in_bucket and seen + in_bucket >= rank:
                low = _bucket_bound(index - 1) if index else 0.0
                estimate = low + (_bucket_bound(index) - low) * (rank - seen) / in_bucket
                return min(estimate, self.max_s)
            seen += in_bucket
        return self.max_s

    def snapshot(self, sql: str) -> ShapeStats:
        return ShapeStats(
            sql=sql,
            count=self.count,
            total_ms=self.total_s * 1000,
            p50_ms=self.percentile(0.50) * 1000,
            p95_ms=self.percentile(0.95) * 1000,
            max_ms=self.max_s * 1000,
            rows=self.rows,
            errors=dict(self.errors),
        )


class StatementCount:
    """Statements run inside one ``monitor.count()`` block (this thread or task only)."""

    __slots__ = ("statements",)

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def total(self) -> int:
        """How many statements ran."""
        return len(self.statements)

    def __repr__(self) -> str:
        return f"<StatementCount total={self.total}>"


class QueryMonitor:
    """Times and counts every statement; logs slow ones with redacted parameters and a plan.

    Thread-safe; one per :class:`Database` (or process). ``explain_connection`` lends a
    separate connection (a context manager) for plans of statements whose transaction
    failed; without it such statements are logged without a plan.
    """

    def __init__(
        self,
        *,
        slow_query_ms: float = 100.0,
        explain_connection: ExplainConnection | None = None,
        max_shapes: int = 2048,
    ) -> None:
        self.slow_query_s = slow_query_ms / 1000
        self.explain_connection = explain_connection
        self.max_shapes = max_shapes
        self._shapes: dict[str, _Shape] = {}
        self._lock = threading.Lock()
        self._counts: ContextVar[tuple[StatementCount, ...]] = ContextVar(
            f"chanuka_db_statement_counts_{id(self):x}", default=()
        )

    @classmethod
    def from_config(
        cls, config: DatabaseConfig, *, explain_connection: ExplainConnection | None = None
    ) -> QueryMonitor:
        """A monitor with the configured slow-statement threshold."""
        return cls(slow_query_ms=config.slow_query_ms, explain_connection=explain_connection)

    # -- recording (the executor calls these) ---------------------------------------------

    def record(
        self,
        compiled: Compiled,
        values: Sequence[Any] | Mapping[str, Any],
        seconds: float,
        rows: int,
        conn: psycopg.Connection[Any],
    ) -> None:
        """One statement finished in ``seconds`` with ``rows`` rows (the hot path: kept short)."""
        sql = compiled.text
        for counter in self._counts.get():
            counter.statements.append(sql)
        with self._lock:
            (self._shapes.get(sql) or self._new_shape(sql)).add(seconds, rows)
        if seconds >= self.slow_query_s:
            self._log_slow(compiled, values, seconds, conn, None)

    def failed(
        self,
        compiled: Compiled,
        values: Sequence[Any] | Mapping[str, Any],
        seconds: float,
        error: BaseException,
        conn: psycopg.Connection[Any],
    ) -> None:
        """One statement failed after ``seconds``."""
        sqlstate = getattr(error, "sqlstate", None) or type(error).__name__
        self._add(compiled.text, seconds, 0, sqlstate)
        if seconds >= self.slow_query_s:
            self._log_slow(compiled, values, seconds, conn, error)

    def _new_shape(self, sql: str) -> _Shape:
        """Start counting a shape (the caller holds the lock); the oldest goes when full."""
        if len(self._shapes) >= self.max_shapes:
            del self._shapes[next(iter(self._shapes))]
        shape = self._shapes[sql] = _Shape()
        return shape

    def _add(self, sql: str, seconds: float, rows: int, sqlstate: str | None) -> None:
        for counter in self._counts.get():
            counter.statements.append(sql)
        with self._lock:
            shape = self._shapes.get(sql) or self._new_shape(sql)
            shape.add(seconds, rows)
            if sqlstate is not None:
                shape.errors[sqlstate] = shape.errors.get(sqlstate, 0) + 1

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def count(self) -> Iterator[StatementCount]:
        """Count the statements this thread or task runs inside the block."""
        counter = StatementCount()
        token = self._counts.set((*self._counts.get(), counter))
        try:
            yield counter
        finally:
            self._counts.reset(token)

    def stats(self) -> list[ShapeStats]:
        """Every shape seen, most total time first."""
        with self._lock:
            snapshots = [shape.snapshot(sql) for sql, shape in self._shapes.items()]
        return sorted(snapshots, key=lambda s: s.total_ms, reverse=True)

    def shape(self, sql: str) -> ShapeStats | None:
        """The stats of the shape whose SQL text is ``sql``, if it ran."""
        with self._lock:
            shape = self._shapes.get(sql)
            return shape.snapshot(sql) if shape else None

    def reset(self) -> None:
        """Forget all shapes."""
        with self._lock:
            self._shapes.clear()

    # -- the slow log ----------------------------------------------------------------------

    def _log_slow(
        self,
        compiled: Compiled,
        values: Sequence[Any] | Mapping[str, Any],
        seconds: float,
        conn: psycopg.Connection[Any],
        error: BaseException | None,
    ) -> None:
        params = redacted_params(compiled, values)
        plan = self._plan(compiled, values, conn)
        outcome = "failed" if error is not None else "took"
        _log.warning(
            "slow statement %s %.1f ms (threshold %.0f ms): %s\nparameters: %s\nplan:\n%s",
            outcome,
            seconds * 1000,
            self.slow_query_s * 1000,
            compiled.text,
            params,
            plan,
            extra={
                "sql": compiled.text,
                "parameters": params,
                "plan": plan,
                "duration_ms": seconds * 1000,
                "sqlstate": getattr(error, "sqlstate", None),
            },
        )

    def _plan(
        self,
        compiled: Compiled,
        values: Sequence[Any] | Mapping[str, Any],
        conn: psycopg.Connection[Any],
    ) -> str:
        """The plain EXPLAIN of the statement, or a line saying why there is none."""
        try:
            status = conn.info.transaction_status
        except psycopg.Error:  # pragma: no cover - a closed connection has no status
            status = TransactionStatus.UNKNOWN
        if status in (TransactionStatus.IDLE, TransactionStatus.INTRANS):
            return explain(conn, compiled, values)
        if self.explain_connection is None:
            return (
                "(not explained: the statement's transaction failed and the monitor has no "
                "separate connection for plans)"
            )
        with self.explain_connection() as other:
            return explain(other, compiled, values)


def explain(
    conn: psycopg.Connection[Any], compiled: Compiled, values: Sequence[Any] | Mapping[str, Any]
) -> str:
    """``EXPLAIN`` (never ANALYZE: nothing runs) inside a savepoint, so a failure is harmless."""
    try:
        with conn.transaction():
            cursor = conn.execute(f"EXPLAIN {compiled.text}", values, prepare=False)
            return "\n".join(str(row[0]) for row in cursor.fetchall())
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"(not explained: {first_line})"


def redacted_params(compiled: Compiled, values: Sequence[Any] | Mapping[str, Any]) -> str:
    """The parameters for a log line: sensitive ones as ``***``, long ones shortened."""
    if not values:
        return "none"
    if isinstance(values, Mapping):
        values = list(values.values())
    labels = compiled.labels
    sensitive = compiled.sensitive
    shown = []
    for index, value in enumerate(values):
        label = labels[index] if index < len(labels) else f"${index + 1}"
        secret = sensitive[index] if index < len(sensitive) else True
        text = REDACTED if secret else _short(repr(value))
        shown.append(f"{label}={text}")
    return ", ".join(shown)


def _short(text: str) -> str:
    if len(text) <= _MAX_VALUE_CHARS:
        return text
    return f"{text[:_MAX_VALUE_CHARS]}... ({len(text)} chars)"
