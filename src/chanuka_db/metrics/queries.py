"""Query metrics: the query monitor's per-shape histograms as labelled Prometheus series.

Each statement shape becomes one label set, ``operation`` (``"SELECT bills"``: verb and
table) and ``shape`` (8 hex digits of a hash of the SQL text, stable across processes),
never the SQL itself. Labels are handed out first come, first served, up to
``max_shapes``; statements of any later shape are summed under
``operation="other", shape="other"``, so the number of series stays bounded however
many shapes the code produces.

Exported counts never go down while the process lives. The query monitor forgets its
oldest shape when it tracks too many, and ``reset()`` forgets all: this collector keeps
what it last saw of a shape that disappeared (or started again from zero) and adds it to
its label's total, so a series only goes up (increments between the last scrape and the
moment a shape was forgotten are lost).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from itertools import accumulate
from typing import Final

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from chanuka_db.errors import InvalidInput
from chanuka_db.metrics.families import histogram_buckets
from chanuka_db.sql.monitor import (
    BUCKET_BOUNDS,
    QueryMonitor,
    ShapeHistogram,
    ShapeTimings,
    statement_id,
    statement_summary,
)

__all__ = ["OTHER", "QUERY_BOUNDS", "SUCCESS", "QueryCollector"]

# One bucket per octave from 16 µs (no round trip is faster) to 134 s.
QUERY_INDEXES: Final = tuple(range(16, len(BUCKET_BOUNDS), 4))
QUERY_BOUNDS: Final = tuple(repr(round(BUCKET_BOUNDS[i], 12)) for i in QUERY_INDEXES)
SUCCESS: Final = "00000"  # SQLSTATE successful_completion: the label of statements that worked
OTHER: Final = "other"
_LABELS: Final = ("operation", "shape")


class _Series:
    """What one label set exports: durations per SQLSTATE, rows and slow statements."""

    __slots__ = ("durations", "rows", "slow", "statements")

    def __init__(self) -> None:
        # SQLSTATE -> (cumulative counts at QUERY_BOUNDS, then the total; sum of seconds)
        self.durations: dict[str, tuple[list[int], float]] = {}
        self.rows = 0
        self.slow = 0
        self.statements = 0

    @classmethod
    def of(cls, histogram: ShapeHistogram) -> _Series:
        """The exported form of one shape: successes are all statements minus the failures."""
        series = cls()
        succeeded, succeeded_s = _cumulative(histogram.timings), histogram.timings.sum_s
        for sqlstate, timings in histogram.failed.items():
            failed = _cumulative(timings)
            series.durations[sqlstate] = (failed, timings.sum_s)
            succeeded = [a - b for a, b in zip(succeeded, failed, strict=True)]
            succeeded_s -= timings.sum_s
        if succeeded[-1]:
            series.durations[SUCCESS] = (succeeded, max(succeeded_s, 0.0))
        series.rows, series.slow = histogram.rows, histogram.slow
        series.statements = histogram.timings.count
        return series

    def add(self, other: _Series) -> None:
        """Add ``other``'s counts to this one."""
        for sqlstate, (counts, seconds) in other.durations.items():
            mine = self.durations.get(sqlstate)
            if mine is None:
                self.durations[sqlstate] = (list(counts), seconds)
            else:
                summed = [a + b for a, b in zip(mine[0], counts, strict=True)]
                self.durations[sqlstate] = (summed, mine[1] + seconds)
        self.rows += other.rows
        self.slow += other.slow
        self.statements += other.statements

    def restarted_since(self, before: _Series) -> bool:
        """True when a count is lower than ``before``: the monitor started this shape anew."""
        if (
            self.statements < before.statements
            or self.rows < before.rows
            or self.slow < before.slow
        ):
            return True
        return any(
            self.durations.get(sqlstate, ([0], 0.0))[0][-1] < counts[-1]
            for sqlstate, (counts, _) in before.durations.items()
        )


def _cumulative(timings: ShapeTimings) -> list[int]:
    running = list(accumulate(timings.buckets))
    return [running[i] for i in QUERY_INDEXES] + [running[-1]]


class _Label:
    """One exported label set and the shapes counted under it (one, or many for "other")."""

    __slots__ = ("members", "retired", "values")

    def __init__(self, operation: str, shape: str) -> None:
        self.values = (operation, shape)
        self.members: dict[str, _Series] = {}  # SQL text -> what was seen of it last
        self.retired = _Series()  # counts of shapes the monitor has forgotten since

    def see(self, sql: str, current: _Series) -> None:
        """Record a shape's counts now; a restart keeps its earlier counts in ``retired``."""
        before = self.members.get(sql)
        if before is not None and current.restarted_since(before):
            self.retired.add(before)
        self.members[sql] = current

    def forget_missing(self, live: set[str]) -> None:
        """Keep the counts of member shapes that the monitor no longer tracks."""
        for sql in [sql for sql in self.members if sql not in live]:
            self.retired.add(self.members.pop(sql))

    def total(self) -> _Series:
        """Everything counted under this label set."""
        total = _Series()
        total.add(self.retired)
        for series in self.members.values():
            total.add(series)
        return total


class QueryCollector:
    """Reads a :class:`QueryMonitor` at scrape time into bounded, monotonic series.

    Thread-safe (scrapes may overlap). ``max_shapes`` bounds the labelled shapes; the rest
    are summed under ``other``.
    """

    def __init__(self, monitor: QueryMonitor, *, max_shapes: int = 200) -> None:
        if max_shapes < 1:
            raise InvalidInput("max_shapes", f"{max_shapes}: must be at least 1")
        self.monitor = monitor
        self.max_shapes = max_shapes
        self._lock = threading.Lock()
        self._by_sql: dict[str, _Label] = {}
        self._ids: set[str] = set()
        self._other = _Label(OTHER, OTHER)

    def label_of(self, sql: str) -> tuple[str, str]:
        """The ``(operation, shape)`` labels under which the statement ``sql`` is exported."""
        with self._lock:
            return self._label(sql).values

    def _label(self, sql: str) -> _Label:
        label = self._by_sql.get(sql)
        if label is not None:
            return label
        if len(self._by_sql) >= self.max_shapes:
            return self._other
        shape = statement_id(sql)
        if shape in self._ids:  # two texts with one hash: rare, but series must stay apart
            shape = f"{shape}_{sum(i.startswith(shape) for i in self._ids) + 1}"
        self._ids.add(shape)
        label = self._by_sql[sql] = _Label(statement_summary(sql), shape)
        return label

    def describe(self) -> list[Metric]:
        """The query families, empty."""
        return _families([], 0)

    def collect(self) -> list[Metric]:
        """The query families, read from the monitor now."""
        histograms = self.monitor.histograms()
        with self._lock:
            labels = self._update(histograms)
            totals = [(label.values, label.total()) for label in labels]
        return _families(totals, len(histograms))

    def _update(self, histograms: Iterable[ShapeHistogram]) -> list[_Label]:
        live: set[str] = set()
        for histogram in histograms:
            live.add(histogram.sql)
            self._label(histogram.sql).see(histogram.sql, _Series.of(histogram))
        labels = [*self._by_sql.values(), self._other]
        for label in labels:
            label.forget_missing(live)
        return [label for label in labels if label.members or label.retired.statements]


def _families(totals: list[tuple[tuple[str, str], _Series]], tracked: int) -> list[Metric]:
    durations = HistogramMetricFamily(
        "chanuka_db_query_duration_seconds",
        "Statement durations by shape (operation: verb and table; shape: hash of the SQL "
        "text) and SQLSTATE (00000 for success).",
        labels=[*_LABELS, "sqlstate"],
    )
    slow = CounterMetricFamily(
        "chanuka_db_query_slow",
        "Statements at or above the slow-statement threshold (each one is logged).",
        labels=list(_LABELS),
    )
    rows = CounterMetricFamily(
        "chanuka_db_query_rows",
        "Rows returned or touched by statements.",
        labels=list(_LABELS),
    )
    for values, series in totals:
        for sqlstate, (counts, seconds) in sorted(series.durations.items()):
            buckets = histogram_buckets(QUERY_BOUNDS, counts)
            durations.add_metric([*values, sqlstate], buckets, seconds)
        slow.add_metric(list(values), series.slow)
        rows.add_metric(list(values), series.rows)
    shapes = GaugeMetricFamily(
        "chanuka_db_query_shapes",
        "Statement shapes the query monitor tracks now.",
        value=tracked,
    )
    return [durations, slow, rows, shapes]
