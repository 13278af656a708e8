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

:meth:`QueryMonitor.histograms` hands exporters (``chanuka_db.metrics``) each shape's raw
bucket counts, with failed statements also kept per SQLSTATE and slow ones counted; only
the failure and slow paths do that extra work, so recording a statement costs the same.
:func:`statement_id` and :func:`statement_summary` name a shape briefly and stably (for
metric labels and log fields) without its text.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
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
    "BUCKET_BOUNDS",
    "QueryMonitor",
    "ShapeHistogram",
    "ShapeStats",
    "ShapeTimings",
    "StatementCount",
    "statement_id",
    "statement_summary",
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


# Upper bounds (seconds) of every bucket but the last, which is open-ended: the same
# bounds as the pool's histograms (chanuka_db.pool.monitoring.BUCKET_BOUNDS).
BUCKET_BOUNDS: Final[tuple[float, ...]] = tuple(
    _bucket_bound(index) for index in range(_BUCKET_COUNT - 1)
)
# The first table a statement names: after FROM, INTO or UPDATE, quoted or not.
_TARGET: Final = re.compile(
    r'\b(?:FROM|INTO|UPDATE)\s+((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
    r'(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))*)',
    re.IGNORECASE,
)
_VERB: Final = re.compile(r"\s*([A-Za-z]+)")
_MAX_SUMMARY_CHARS: Final = 64


def statement_id(sql: str) -> str:
    """A short, stable name for a statement shape: 8 hex digits of a hash of its text.

    The same SQL text gives the same id in every process and release, so a dashboard or
    a log search can follow one shape; the text itself (which may be long) is not needed.
    """
    return hashlib.blake2b(sql.encode("utf-8"), digest_size=4).hexdigest()


def statement_summary(sql: str) -> str:
    """``"SELECT bills"``: the statement's verb and the first table it names.

    OpenTelemetry's ``db.query.summary``; low cardinality, never a value (values are bound
    parameters). Only the verb when no table is named (``SELECT set_config(...)``).
    """
    verb = _VERB.match(sql)
    if verb is None:
        return "unknown"
    target = _TARGET.search(sql)
    if target is None:
        return verb.group(1).upper()
    table = target.group(1).rsplit(".", 1)[-1].strip('"').replace('""', '"')
    return f"{verb.group(1).upper()} {table}"[:_MAX_SUMMARY_CHARS]


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


@attrs.frozen(kw_only=True)
class ShapeTimings:
    """Durations of some statements as raw bucket counts (not cumulative), count and sum.

    ``buckets[i]`` counts durations up to ``BUCKET_BOUNDS[i]`` (and above the bound
    before it); the last bucket counts everything above ``BUCKET_BOUNDS[-1]``.
    """

    count: int
    sum_s: float
    buckets: tuple[int, ...] = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class ShapeHistogram:
    """One shape's timings for exporters: every statement, the failed ones by SQLSTATE.

    ``timings`` includes the failed statements; ``slow`` counts the statements at or above
    the slow threshold (the ones logged).
    """

    sql: str
    timings: ShapeTimings
    failed: dict[str, ShapeTimings]
    rows: int
    slow: int


class _Shape:
    """Mutable per-shape counters; only touched under the monitor's lock."""

    __slots__ = ("buckets", "count", "errors", "failures", "max_s", "rows", "slow", "total_s")

    def __init__(self) -> None:
        self.count = 0
        self.total_s = 0.0
        self.max_s = 0.0
        self.rows = 0
        self.buckets = [0] * _BUCKET_COUNT
        self.errors: dict[str, int] = {}
        self.failures: dict[str, _Shape] = {}  # timings of failed statements by SQLSTATE
        self.slow = 0

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

    def timings(self) -> ShapeTimings:
        return ShapeTimings(count=self.count, sum_s=self.total_s, buckets=tuple(self.buckets))

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


_COPY_CHUNK: Final = 128


def _copy(sql: str, shape: _Shape) -> tuple[Any, ...]:
    """Plain copies of a shape's counts (the caller holds the monitor's lock)."""
    failed = [(state, f.count, f.total_s, tuple(f.buckets)) for state, f in shape.failures.items()]
    return (sql, shape.count, shape.total_s, tuple(shape.buckets), failed, shape.rows, shape.slow)


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
                failure = shape.failures.get(sqlstate)
                if failure is None:
                    failure = shape.failures[sqlstate] = _Shape()
                failure.add(seconds, 0)

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

    def histograms(self) -> list[ShapeHistogram]:
        """Every shape's raw bucket counts (for exporters), in no particular order.

        The counts are copied under the lock a chunk of shapes at a time (about 0.15 ms
        each), so a scrape never stalls the statements being recorded for long.
        """
        with self._lock:
            shapes = list(self._shapes.items())
        copies: list[tuple[Any, ...]] = []
        for start in range(0, len(shapes), _COPY_CHUNK):
            with self._lock:
                copies += [_copy(sql, shape) for sql, shape in shapes[start : start + _COPY_CHUNK]]
        return [
            ShapeHistogram(
                sql=sql,
                timings=ShapeTimings(count=count, sum_s=total, buckets=buckets),
                failed={
                    state: ShapeTimings(count=n, sum_s=s, buckets=b) for state, n, s, b in failed
                },
                rows=rows,
                slow=slow,
            )
            for sql, count, total, buckets, failed, rows, slow in copies
        ]

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
        with self._lock:
            shape = self._shapes.get(compiled.text)
            if shape is not None:
                shape.slow += 1
        params = redacted_params(compiled, values)
        plan = redacted_plan(self._plan(compiled, values, conn), compiled, values)
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
                "event": "chanuka_db.query.slow",
                "operation": statement_summary(compiled.text),
                "shape": statement_id(compiled.text),
                "sql": compiled.text,
                "parameters": params,
                "plan": plan,
                "duration_ms": seconds * 1000,
                "threshold_ms": self.slow_query_s * 1000,
                "sqlstate": getattr(error, "sqlstate", None),
                "failed": error is not None,
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


def redacted_plan(plan: str, compiled: Compiled, values: Sequence[Any] | Mapping[str, Any]) -> str:
    """The plan with every sensitive parameter's value masked.

    A plain EXPLAIN of a statement with bound values prints them as literals (``Index
    Cond: (id = '<token hash>'::text)``), so the redaction of the parameter list alone would
    leak them through the plan.
    """
    items = list(values.values()) if isinstance(values, Mapping) else list(values)
    sensitive = compiled.sensitive
    for index, value in enumerate(items):
        secret = sensitive[index] if index < len(sensitive) else True
        text = str(value) if value is not None else ""
        if secret and len(text) >= 4:  # shorter values would mask unrelated plan text
            plan = plan.replace(text.replace("'", "''"), REDACTED).replace(text, REDACTED)
    return plan


def _short(text: str) -> str:
    if len(text) <= _MAX_VALUE_CHARS:
        return text
    return f"{text[:_MAX_VALUE_CHARS]}... ({len(text)} chars)"
