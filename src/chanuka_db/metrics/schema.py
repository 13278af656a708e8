"""Schema metrics: where the database stands against the migrations this code ships.

Migrations run from the CLI (or a deploy job), not in the process that serves metrics,
so a failure cannot be counted where it happens and then scraped. What every process can
see is the ``schema_migrations`` ledger: a migration that failed is still pending (its
transaction, ledger row included, was rolled back; a no-transaction file records its row
only at the end), and an edited or missing file shows as ``changed`` or ``missing``.
The alert rules in ``docs/ops/alerts.yml`` fire on those states.

The ledger is read through the pool in a background thread at most once per
``interval_s``, so a scrape never waits on the database (it may, on the very first
scrape, wait up to ``first_wait_s`` for the first read).
"""

from __future__ import annotations

import logging
import threading
import time
from importlib.resources.abc import Traversable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from chanuka_db.pool import Database
from chanuka_db.pool.config import redact
from chanuka_db.sql.migrate_files import load_migrations
from chanuka_db.sql.migrate_ledger import read_ledger
from chanuka_db.sql.migrate_plan import MigrationState, MigrationStatus, compute_status

__all__ = ["SchemaWatcher"]

_log = logging.getLogger("chanuka_db.metrics")


class SchemaWatcher:
    """Keeps a recent :class:`MigrationStatus` of ``db`` for the schema metrics."""

    def __init__(
        self,
        db: Database,
        *,
        interval_s: float = 60.0,
        directory: Traversable | None = None,
        first_wait_s: float = 2.0,
    ) -> None:
        self.db = db
        self.interval_s = interval_s
        self.first_wait_s = first_wait_s
        self.migrations = load_migrations(directory)
        self._lock = threading.Lock()
        self._status: MigrationStatus | None = None
        self._checked_at = 0.0  # wall-clock time of the last successful read
        self._failures = 0
        self._started = -float("inf")  # monotonic time of the last read started
        self._thread: threading.Thread | None = None

    def refresh(self) -> None:
        """Read the ledger now; a failure is logged and counted, the last status is kept."""
        try:
            with self.db.connection() as conn:
                status = compute_status(self.migrations, read_ledger(conn))
        # A background reader must survive whatever the server or the pool raises (psycopg
        # errors included, which this layer does not import).
        except Exception as exc:
            with self._lock:
                self._failures += 1
            reason = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
            _log.warning(
                "could not read the migration ledger: %s",
                reason,
                extra={"event": "chanuka_db.metrics.schema_check_failed", "error": reason},
            )
            return
        with self._lock:
            self._status, self._checked_at = status, time.time()

    def describe(self) -> list[Metric]:
        """The schema families (for their names; nothing is read)."""
        return [_errors(0), *_status_families(MigrationStatus(()), 0.0)]

    def collect(self) -> list[Metric]:
        """The schema families (a read is started when the last one is older than the interval)."""
        self._start_due_read()
        with self._lock:
            status, checked_at, failures = self._status, self._checked_at, self._failures
        families = [_errors(failures)]
        if status is not None:
            families += _status_families(status, checked_at)
        return families

    def _start_due_read(self) -> None:
        with self._lock:
            now = time.monotonic()
            running = self._thread is not None and self._thread.is_alive()
            if running or now - self._started < self.interval_s:
                return
            self._started = now
            first = self._status is None
            thread = self._thread = threading.Thread(
                target=self.refresh, name="chanuka-db-schema-check", daemon=True
            )
        thread.start()
        if first:
            thread.join(self.first_wait_s)


def _errors(failures: int) -> Metric:
    return CounterMetricFamily(
        "chanuka_db_schema_check_errors",
        "Failed reads of the schema_migrations ledger by this process.",
        value=failures,
    )


def _status_families(status: MigrationStatus, checked_at: float) -> list[Metric]:
    by_state = GaugeMetricFamily(
        "chanuka_db_schema_migrations",
        "Migrations by state against the files this code ships: applied, pending, "
        "out_of_order, changed (edited after it was applied), missing (applied, no file).",
        labels=["state"],
    )
    for state in MigrationState:
        by_state.add_metric([state.value.replace("-", "_")], len(status.having(state)))
    return [
        GaugeMetricFamily(
            "chanuka_db_schema_version",
            "Highest migration version applied to the database (0: none).",
            value=status.current_version,
        ),
        GaugeMetricFamily(
            "chanuka_db_schema_head_version",
            "Highest migration version this code ships.",
            value=status.head_version,
        ),
        by_state,
        GaugeMetricFamily(
            "chanuka_db_schema_checked_timestamp_seconds",
            "Unix time of the last successful read of the ledger.",
            value=checked_at,
        ),
    ]
