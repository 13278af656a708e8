"""Running the demo: migrate, seed, the story, a little traffic, then what it all cost.

Everything goes through the public pieces a service or an operator uses:
``Database.migrate()``, :func:`chanuka_db.seed.seed` (which resumes an interrupted load
and returns at once when the load is complete) and the repositories.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import attrs

from chanuka_db.demo.scenario import CivicScenario
from chanuka_db.demo.timing import OperationStats, Recorder
from chanuka_db.demo.workload import OPERATIONS, CivicWorkload, gather_cast
from chanuka_db.errors import InvalidInput
from chanuka_db.pool import DatabaseConfig, PoolStats
from chanuka_db.repositories import Database
from chanuka_db.seed import Progress, SeedSummary, scale_named, seed
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.sql.monitor import ShapeStats, statement_summary

__all__ = ["DemoReport", "SlowStatement", "run_demo"]

DEFAULT_ROUNDS: Final = 40
"""Rounds of traffic: each hot operation runs this many times after the story."""
_SLOWEST: Final = 5
_MAX_ROUNDS: Final = 100_000


@attrs.frozen
class SlowStatement:
    """A statement the query monitor logged as slow (over ``CHANUKA_DB_SLOW_QUERY_MS``)."""

    operation: str  # "SELECT bills": the verb and first table, never a value
    duration_ms: float
    sql: str


@attrs.frozen(kw_only=True)
class DemoReport:
    """What the demo did and what it cost."""

    url: str
    server_version: str
    schema_version: int
    migrations_applied: int
    seed: SeedSummary
    story: list[tuple[str, list[str]]]
    operations: list[OperationStats]
    traffic_rounds: int
    traffic_seconds: float
    pool: PoolStats
    slowest_shapes: list[ShapeStats]
    slow_statements: list[SlowStatement]
    slow_threshold_ms: float

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form (``chanuka-db demo --json``)."""
        return {
            "url": self.url,
            "server_version": self.server_version,
            "schema_version": self.schema_version,
            "migrations_applied": self.migrations_applied,
            "seed": {**self.seed.as_json(), "already_loaded": self.seed.already_loaded},
            "story": [{"step": title, "lines": lines} for title, lines in self.story],
            "operations": [op.as_json() for op in self.operations],
            "traffic": {"rounds": self.traffic_rounds, "seconds": round(self.traffic_seconds, 3)},
            "pool": self.pool.as_dict(),
            "slowest_shapes": [
                {
                    "operation": statement_summary(s.sql),
                    "calls": s.count,
                    "p50_ms": round(s.p50_ms, 3),
                    "p95_ms": round(s.p95_ms, 3),
                    "max_ms": round(s.max_ms, 3),
                    "sql": s.sql,
                }
                for s in self.slowest_shapes
            ],
            "slow_statements": [attrs.asdict(s) for s in self.slow_statements],
            "slow_threshold_ms": self.slow_threshold_ms,
        }


class _SlowLog(logging.Handler):
    """Collects the query monitor's slow-statement records instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[SlowStatement] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "chanuka_db.query.slow":
            sql = str(getattr(record, "sql", ""))
            self.found.append(
                SlowStatement(
                    operation=str(getattr(record, "operation", statement_summary(sql))),
                    duration_ms=round(float(getattr(record, "duration_ms", 0.0)), 3),
                    sql=sql,
                )
            )


@contextmanager
def _collect_slow() -> Iterator[_SlowLog]:
    logger = logging.getLogger("chanuka_db.sql")
    handler, propagate = _SlowLog(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # the report lists them; no plan dumps in the middle of it
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _traffic(recorder: Recorder, known: Any, rounds: int) -> float:
    """Each hot operation ``rounds`` times, interleaved; the seconds it took."""
    with recorder.jobs.unit_of_work(read_only=True) as everyone:
        cast = gather_cast(everyone, known)
    workload = CivicWorkload(recorder, cast, seed=rounds)
    started = time.perf_counter()
    for _ in range(rounds):
        for name in OPERATIONS:
            workload.run(name)
    return time.perf_counter() - started


def _jobs_database(
    config: DatabaseConfig, echo: Callable[[str], None]
) -> contextlib.AbstractContextManager[Database | None]:
    """The background jobs' Database on the system path, when a login for it is known.

    The embedded server has one; a configured server has one when ``DATABASE_SYSTEM_URL``
    is set. Otherwise the jobs (status fan-out, roll-up) run on the application's login,
    which works for a login that row-level security does not bind (an owner or superuser,
    as in a development database) and fails on a least-privilege one, naming the policy.
    """
    if config.embedded or config.system_url is not None:
        return Database(config, system=True)
    echo("jobs: DATABASE_SYSTEM_URL is unset, so they run on the application's login")
    return contextlib.nullcontext()


def run_demo(
    config: DatabaseConfig,
    *,
    scale: str = "small",
    rounds: int = DEFAULT_ROUNDS,
    progress: Progress | None = None,
    echo: Callable[[str], None] = print,
) -> DemoReport:
    """Migrate, seed ``scale`` (unless loaded), tell the story, run traffic; the report.

    ``echo`` receives each line of the story as it happens (and a line per phase).
    A bad ``scale`` or ``rounds`` is :class:`~chanuka_db.errors.InvalidInput` before
    anything runs; a database holding rows no seed load wrote is
    :class:`~chanuka_db.errors.SeedRefused`.
    """
    scale_named(scale)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= _MAX_ROUNDS:
        raise InvalidInput("rounds", f"must be an integer from 1 to {_MAX_ROUNDS}, got {rounds!r}")
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(Database(config))
        jobs = stack.enter_context(_jobs_database(config, echo)) or db
        slow = stack.enter_context(_collect_slow())
        echo(f"database: {db.url.redacted()}")
        applied = db.migrate()
        schema = MigrationRunner(db.migration_url).status().current_version
        echo(f"schema: version {schema:04d} ({len(applied)} migration(s) applied now)")
        loaded = seed(db.migration_url, scale, progress=progress)  # the owner: COPY, indexes
        state = "already loaded" if loaded.already_loaded else "loaded"
        echo(f"data: scale {loaded.scale} {state} ({loaded.rows:,} rows, as of {loaded.as_of})")
        recorder = Recorder(db, jobs)
        story = []
        for number, (title, step) in enumerate(
            CivicScenario(recorder, loaded.known, loaded.as_of).steps(), 1
        ):
            echo(f"{number}. {title}")
            lines = step()
            for line in lines:
                echo(f"   {line}")
            story.append((title, lines))
        echo(f"traffic: every hot operation {rounds} times, interleaved")
        seconds = _traffic(recorder, loaded.known, rounds)
        shapes = sorted(db.queries.stats(), key=lambda s: s.max_ms, reverse=True)
        return DemoReport(
            url=db.url.redacted(),
            server_version=db.health().server_version or "unknown",
            schema_version=schema,
            migrations_applied=len(applied),
            seed=loaded,
            story=story,
            operations=recorder.stats(),
            traffic_rounds=rounds,
            traffic_seconds=seconds,
            pool=db.stats(),
            slowest_shapes=shapes[:_SLOWEST],
            slow_statements=list(slow.found),
            slow_threshold_ms=config.slow_query_ms,
        )
