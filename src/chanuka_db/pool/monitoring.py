"""Pool monitoring: borrow timings, live stats snapshots, and the alerts they raise.

psycopg_pool keeps only sums, so every borrow is timed here into fixed-bucket histograms
(log-spaced, about 19% wide: percentiles within that precision, and buckets a Prometheus
exporter can publish as they are). A small histogram is written here rather than taken
from a library because recording must cost well under a microsecond under the pool's
lock, and the HDR libraries for Python cost more per record and are not thread-safe.
"""

from __future__ import annotations

import bisect
import enum
import logging
import threading
import time
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any, Final

import attrs

from chanuka_db.pool.config import DatabaseConfig

__all__ = [
    "Alert",
    "AlertKind",
    "Borrow",
    "Histogram",
    "HistogramSnapshot",
    "Monitor",
    "PoolStats",
    "Severity",
    "Ticker",
]

_log = logging.getLogger("chanuka_db.pool")

# Bucket upper bounds in seconds: 1 µs * 2**(i/4), up to about 2 minutes.
BUCKET_BOUNDS: Final[tuple[float, ...]] = tuple(1e-6 * 2 ** (i / 4) for i in range(4 * 27 + 1))
# A slow acquisition stays on the list of firing alerts for this long.
SLOW_ACQUISITION_ALERT_S: Final = 60.0


@attrs.frozen(kw_only=True)
class HistogramSnapshot:
    """A read-only copy of a timing histogram (all times in seconds).

    ``buckets`` holds ``(upper_bound_s, cumulative_count)`` pairs, Prometheus style, for
    every bucket up to the largest value recorded.
    """

    count: int
    sum_s: float
    min_s: float
    max_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    buckets: tuple[tuple[float, int], ...] = attrs.field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, in milliseconds (buckets left out)."""
        ms = {f"{name}_ms": round(getattr(self, f"{name}_s") * 1000, 4) for name in _TIMES}
        return {"count": self.count, **ms}


_TIMES: Final = ("sum", "min", "max", "p50", "p95", "p99")


class Histogram:
    """Counts of durations in fixed log-spaced buckets, with exact count, sum, min and max.

    Not locked itself: :class:`Monitor` records under its own lock.
    """

    def __init__(self) -> None:
        self._counts = [0] * (len(BUCKET_BOUNDS) + 1)
        self.count = 0
        self.sum_s = 0.0
        self.min_s = 0.0
        self.max_s = 0.0

    def record(self, seconds: float) -> None:
        """Add one duration."""
        self._counts[bisect.bisect_left(BUCKET_BOUNDS, seconds)] += 1
        if not self.count or seconds < self.min_s:
            self.min_s = seconds
        self.max_s = max(self.max_s, seconds)
        self.count += 1
        self.sum_s += seconds

    def percentile(self, fraction: float) -> float:
        """The value below which ``fraction`` of the recorded durations fall (interpolated)."""
        if not self.count:
            return 0.0
        rank = fraction * self.count
        seen = 0
        for index, in_bucket in enumerate(self._counts):
            if in_bucket and seen + in_bucket >= rank:
                low = BUCKET_BOUNDS[index - 1] if index else 0.0
                high = BUCKET_BOUNDS[index] if index < len(BUCKET_BOUNDS) else self.max_s
                estimate = low + (high - low) * (rank - seen) / in_bucket
                return min(max(estimate, self.min_s), self.max_s)
            seen += in_bucket
        return self.max_s  # pragma: no cover - the loop always reaches the rank

    def snapshot(self) -> HistogramSnapshot:
        """A read-only copy with p50, p95 and p99."""
        cumulative: list[tuple[float, int]] = []
        running = 0
        for bound, in_bucket in zip(BUCKET_BOUNDS, self._counts, strict=False):
            running += in_bucket
            cumulative.append((bound, running))
            if running == self.count:
                break
        return HistogramSnapshot(
            count=self.count,
            sum_s=self.sum_s,
            min_s=self.min_s,
            max_s=self.max_s,
            p50_s=self.percentile(0.50),
            p95_s=self.percentile(0.95),
            p99_s=self.percentile(0.99),
            buckets=tuple(cumulative),
        )


class Severity(enum.StrEnum):
    """How bad a firing alert is (the log level it was logged at)."""

    WARNING = "warning"
    ERROR = "error"


class AlertKind(enum.StrEnum):
    """What an alert is about."""

    UTILIZATION = "utilization"
    SLOW_ACQUISITION = "slow_acquisition"
    CONNECTION_LEAK = "connection_leak"
    BREAKER_OPEN = "breaker_open"
    UNREACHABLE = "unreachable"


@attrs.frozen
class Alert:
    """One alert that is firing now."""

    kind: AlertKind
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"kind": self.kind.value, "severity": self.severity.value, "message": self.message}


@attrs.frozen(kw_only=True)
class PoolStats:
    """A read-only snapshot of the pool: sizes, counters and timing histograms.

    ``in_use`` counts connections lent out now; ``utilization`` is ``in_use / max_size``.
    ``acquisition_timeouts`` are :class:`PoolExhausted` after waiting, ``shed`` the ones
    refused at once because ``max_waiting`` callers were queued, ``acquisition_errors``
    the acquisitions that failed because the server was unreachable.
    """

    min_size: int
    max_size: int
    size: int
    in_use: int
    idle: int
    waiting: int
    utilization: float
    acquisitions: int
    acquisition_timeouts: int
    shed: int
    acquisition_errors: int
    connection_errors: int
    connections_lost: int
    returns_bad: int
    slow_acquisitions: int
    leaks_detected: int
    acquire_time: HistogramSnapshot
    usage_time: HistogramSnapshot

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (times in milliseconds)."""
        values = attrs.asdict(self, recurse=False)
        values["acquire_time"] = self.acquire_time.as_dict()
        values["usage_time"] = self.usage_time.as_dict()
        values["utilization"] = round(self.utilization, 4)
        return values


class Borrow:
    """One connection lent out: when, to which thread, from which frame of code."""

    __slots__ = ("conn", "frame", "leak_reported", "pool", "started", "thread")

    def __init__(self, conn: Any, pool: Any, started: float, frame: FrameType | None) -> None:
        self.conn = conn
        self.pool = pool
        self.started = started
        self.frame = frame
        self.thread = threading.get_ident()  # a name only when a leak is reported
        self.leak_reported = False

    def stack(self) -> str:
        """Where the borrower is now: its code frame and callers, formatted on demand.

        Only a reference to the frame is kept at borrow time (nanoseconds); formatting a
        stack costs ~10 µs, so it happens only when a leak is reported.
        """
        return "".join(traceback.format_stack(self.frame)) if self.frame else "(unknown)\n"


class Monitor:
    """Counts, times and watches every borrow of one pool; logs the alerts it sees.

    Alerts: utilization above ``utilization_warn`` (WARNING) or ``utilization_error``
    (ERROR) for at least ``utilization_window_s``; any acquisition slower than
    ``slow_acquire_ms`` (WARNING); any connection held longer than ``leak_threshold_s``
    (WARNING with the borrower's stack, once per borrow). Thread-safe.
    """

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        self.acquire_time = Histogram()
        self.usage_time = Histogram()
        self._lock = threading.Lock()
        self._borrows: dict[int, Borrow] = {}
        self._max_size = config.pool_max
        self._slow_acquire_s = config.slow_acquire_ms / 1000
        self.counts = dict.fromkeys(_COUNTERS, 0)
        self._level: Severity | None = None  # utilization level now
        self._level_since = time.monotonic()
        self._level_reported: Severity | None = None
        self._last_slow_at: float | None = None

    # -- recording (hot path) ---------------------------------------------------------

    def borrowed(self, borrow: Borrow, waited_s: float) -> None:
        """Record a successful acquisition after waiting ``waited_s``."""
        with self._lock:
            self._borrows[id(borrow)] = borrow
            self.acquire_time.record(waited_s)
            self.counts["acquisitions"] += 1
            self._track_utilization(borrow.started)
            if waited_s >= self._slow_acquire_s:
                self.counts["slow_acquisitions"] += 1
                self._last_slow_at = borrow.started
        if waited_s >= self._slow_acquire_s:
            _log.warning(
                "slow connection acquisition: waited %.0f ms (threshold %.0f ms)",
                waited_s * 1000,
                self.config.slow_acquire_ms,
                extra={
                    "event": "chanuka_db.pool.slow_acquisition",
                    "duration_ms": waited_s * 1000,
                    "threshold_ms": self.config.slow_acquire_ms,
                },
            )

    def returned(self, borrow: Borrow, now: float) -> None:
        """Record the end of a borrow."""
        with self._lock:
            del self._borrows[id(borrow)]
            self.usage_time.record(now - borrow.started)
            self._track_utilization(now)
        borrow.frame = None  # drop the reference to the borrower's frame and its locals

    def reset_timings(self) -> None:
        """Empty the acquisition and usage histograms (counters are kept)."""
        with self._lock:
            self.acquire_time = Histogram()
            self.usage_time = Histogram()

    def count(self, counter: str) -> None:
        """Add one to a named counter (``acquisition_timeouts``, ``shed``, ...)."""
        with self._lock:
            self.counts[counter] += 1

    @property
    def in_use(self) -> int:
        """Connections lent out now."""
        return len(self._borrows)

    def _track_utilization(self, now: float) -> None:
        level = self._utilization_level(len(self._borrows))
        if level != self._level:
            self._level, self._level_since = level, now
            if level is None:
                self._level_reported = None
        if level is not None and self.config.utilization_window_s == 0:
            self._report_utilization(now)

    def _utilization_level(self, in_use: int) -> Severity | None:
        utilization = in_use / self._max_size
        if utilization > self.config.utilization_error:
            return Severity.ERROR
        if utilization > self.config.utilization_warn:
            return Severity.WARNING
        return None

    # -- alerts (background) ----------------------------------------------------------

    def check(self, now: float | None = None) -> None:
        """Evaluate the sustained-utilization and leak alerts, logging new ones."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._report_utilization(now)
            leaks = [b for b in self._borrows.values() if self._is_leak(b, now)]
            fresh = [b for b in leaks if not b.leak_reported]
            for borrow in fresh:
                borrow.leak_reported = True
                self.counts["leaks_detected"] += 1
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        for borrow in fresh:
            stack = borrow.stack()
            _log.warning(
                "connection held for %.1f s (leak threshold %.1f s) by thread %s; "
                "borrower's stack:\n%s",
                now - borrow.started,
                self.config.leak_threshold_s,
                names.get(borrow.thread, borrow.thread),
                stack,
                extra={
                    "event": "chanuka_db.pool.connection_leak",
                    "duration_ms": (now - borrow.started) * 1000,
                    "threshold_ms": self.config.leak_threshold_s * 1000,
                    "borrower": str(names.get(borrow.thread, borrow.thread)),
                    "stack": stack,
                },
            )

    def _is_leak(self, borrow: Borrow, now: float) -> bool:
        return now - borrow.started > self.config.leak_threshold_s

    def _report_utilization(self, now: float) -> None:
        level = self._level
        if level is None or level == self._level_reported:
            return
        if now - self._level_since < self.config.utilization_window_s:
            return
        self._level_reported = level
        threshold = (
            self.config.utilization_error
            if level is Severity.ERROR
            else self.config.utilization_warn
        )
        _log.log(
            logging.ERROR if level is Severity.ERROR else logging.WARNING,
            "pool utilization %.0f%% (%d of %d connections in use) above %.0f%% for %.1f s",
            100 * len(self._borrows) / self._max_size,
            len(self._borrows),
            self._max_size,
            100 * threshold,
            now - self._level_since,
            extra={
                "event": "chanuka_db.pool.utilization",
                "severity": level.value,
                "utilization": len(self._borrows) / self._max_size,
                "in_use": len(self._borrows),
                "max_size": self._max_size,
                "threshold": threshold,
                "duration_ms": (now - self._level_since) * 1000,
            },
        )

    def alerts(self, now: float | None = None) -> list[Alert]:
        """The monitor's alerts firing now (utilization, slow acquisition, leaks)."""
        now = time.monotonic() if now is None else now
        firing: list[Alert] = []
        with self._lock:
            if self._level_reported is not None:
                message = f"{len(self._borrows)} of {self._max_size} connections in use"
                firing.append(Alert(AlertKind.UTILIZATION, self._level_reported, message))
            if self._last_slow_at is not None and now - self._last_slow_at < (
                SLOW_ACQUISITION_ALERT_S
            ):
                message = f"an acquisition took over {self.config.slow_acquire_ms:.0f} ms"
                firing.append(Alert(AlertKind.SLOW_ACQUISITION, Severity.WARNING, message))
            leaks = sum(self._is_leak(b, now) for b in self._borrows.values())
        if leaks:
            message = f"{leaks} connection(s) held over {self.config.leak_threshold_s:g} s"
            firing.append(Alert(AlertKind.CONNECTION_LEAK, Severity.WARNING, message))
        return firing

    def snapshot(self, pool_stats: dict[str, int]) -> PoolStats:
        """A read-only :class:`PoolStats` from this monitor and psycopg_pool's own stats."""
        with self._lock:
            in_use = len(self._borrows)
            counts = dict(self.counts)
            acquire, usage = self.acquire_time.snapshot(), self.usage_time.snapshot()
        return PoolStats(
            min_size=pool_stats.get("pool_min", self.config.pool_min),
            max_size=pool_stats.get("pool_max", self._max_size),
            size=pool_stats.get("pool_size", 0),
            in_use=in_use,
            idle=pool_stats.get("pool_available", 0),
            waiting=pool_stats.get("requests_waiting", 0),
            utilization=in_use / self._max_size,
            connection_errors=pool_stats.get("connections_errors", 0),
            connections_lost=pool_stats.get("connections_lost", 0),
            returns_bad=pool_stats.get("returns_bad", 0),
            acquire_time=acquire,
            usage_time=usage,
            **counts,
        )


_COUNTERS: Final = (
    "acquisitions",
    "acquisition_timeouts",
    "shed",
    "acquisition_errors",
    "slow_acquisitions",
    "leaks_detected",
)


class Ticker:
    """A daemon thread calling ``tick`` every ``interval_s`` until :meth:`stop`."""

    def __init__(self, interval_s: float, tick: Callable[[], None], name: str) -> None:
        self._interval_s = interval_s
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait up to ``timeout`` for the current tick to finish."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._tick()
            except Exception:  # a monitor must outlive any one failed check
                _log.exception(
                    "pool monitor tick failed", extra={"event": "chanuka_db.pool.monitor_failed"}
                )
