"""Running a load: check the database, generate the world, COPY table by table, finish.

A load is resumable: each table commits with its ledger row, so a second run with the same
scale, seed and date skips the tables already there and loads the rest. Anything else is
refused before a row is written (:class:`~chanuka_db.errors.SeedRefused`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Final, Protocol

from chanuka_db.errors import InvalidInput, SeedRefused
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.seed import (  # noqa: F401 - importing the table modules registers them
    analytics,
    moderation,
    tables_infrastructure,
    tables_legislative,
    tables_operations,
    tables_regulatory,
    tables_users,
)
from chanuka_db.seed.plan import LOAD_ORDER, TABLES, Notes
from chanuka_db.seed.scales import Scale, scale_named
from chanuka_db.seed.summary import KnownValues, SeedSummary, TableStats
from chanuka_db.seed.world import World
from chanuka_db.sql.bulk import BulkSession, LedgerRecord, LoadedTable

__all__ = ["DEFER_THRESHOLD", "GENERATOR_VERSION", "Progress", "check_arguments", "run"]

GENERATOR_VERSION: Final = 2
"""Bumped whenever the same (scale, seed, date) would generate different rows."""

DEFER_THRESHOLD: Final = 50_000
"""Tables expected to hold at least this many rows load with indexes and foreign keys deferred."""


class Progress(Protocol):
    """Where a load reports what it is doing (the CLI draws bars; the API default is silent)."""

    def phase(self, text: str) -> None:
        """A step outside the table loads began (building the world, ANALYZE)."""

    def table_started(self, table: str, estimate: int) -> None:
        """``table`` starts loading; about ``estimate`` rows."""

    def advance(self, rows: int) -> None:
        """``rows`` more rows went into the current table."""

    def table_finished(self, stats: TableStats) -> None:
        """The current table committed (or was skipped: loaded by an earlier run)."""


class _Silent:
    def phase(self, text: str) -> None:
        pass

    def table_started(self, table: str, estimate: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def table_finished(self, stats: TableStats) -> None:
        pass


def check_arguments(scale: str | Scale, seed: int, as_of: dt.date | None) -> Scale:
    """The scale asked for; :class:`InvalidInput` naming a bad scale, seed or date."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InvalidInput("seed", f"{seed!r} is not an integer in [0, 2**63)")
    if as_of is not None and (isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date)):
        raise InvalidInput("as_of", f"{as_of!r} is not a date")
    return scale if isinstance(scale, Scale) else scale_named(scale)


def _describe(record: LedgerRecord) -> str:
    state = "complete" if record.finished else "interrupted"
    return (
        f"scale {record.scale!r}, seed {record.seed}, as of {record.as_of} "
        f"(generator version {record.generator_version}, {state})"
    )


def _check_resumable(record: LedgerRecord, scale: Scale, seed: int, as_of: dt.date | None) -> None:
    asked = (scale.name, seed, GENERATOR_VERSION)
    held = (record.scale, record.seed, record.generator_version)
    if asked != held or (as_of is not None and as_of != record.as_of):
        when = "" if as_of is None else f", as of {as_of}"
        raise SeedRefused(
            f"this database already holds a seed load of {_describe(record)}; asked for scale "
            f"{scale.name!r}, seed {seed}{when} (generator version {GENERATOR_VERSION}). "
            "Seed a freshly migrated database instead."
        )


def _check_empty(session: BulkSession, tables: Iterable[str], why: str) -> None:
    occupied = session.non_empty(tables)
    if occupied:
        raise SeedRefused(
            f"{why}: {', '.join(occupied)} already hold rows that no seed load wrote; "
            "seed a freshly migrated database ('chanuka-db migrate' on an empty one)"
        )


def _prepare(
    session: BulkSession, scale: Scale, seed: int, as_of: dt.date | None
) -> tuple[dt.date, dict[str, LoadedTable], bool]:
    """(as_of, tables already loaded, finished) after checking that this load may go on."""
    record = session.ledger()
    if record is None:
        _check_empty(session, LOAD_ORDER, "the database is not empty")
        day = as_of or dt.datetime.now(dt.UTC).date()
        session.start(scale=scale.name, seed=seed, as_of=day, generator_version=GENERATOR_VERSION)
        return day, {}, False
    _check_resumable(record, scale, seed, as_of)
    loaded = session.loaded_tables()
    if not record.finished:
        remaining = [t for t in LOAD_ORDER if t not in loaded]
        _check_empty(session, remaining, f"cannot resume the load of {_describe(record)}")
    return record.as_of, loaded, record.finished


def _build_world(world: World, progress: Progress) -> float:
    """Generate the shared parts up front so table rates measure loading, not planning."""
    progress.phase("generating users, bills, engagement, comments and moderation cases")
    started = time.perf_counter()
    _ = world.people, world.sponsors, world.bills, world.engagement, world.comments
    _ = world.moderation
    return time.perf_counter() - started


def _load_tables(
    session: BulkSession,
    world: World,
    loaded: dict[str, LoadedTable],
    defer_threshold: int | None,
    progress: Progress,
) -> tuple[list[TableStats], Notes]:
    stats: list[TableStats] = []
    notes: Notes = {}
    for name in LOAD_ORDER:
        spec = TABLES[name]
        earlier = loaded.get(name)
        if earlier is not None:
            if spec.feeds:
                for _ in spec.rows(world, {}):
                    pass  # regenerate the state later tables read; the rows are already there
            notes.update(earlier.notes)
            stats.append(TableStats(name, earlier.rows, earlier.seconds, earlier_run=True))
            progress.table_finished(stats[-1])
            continue
        estimate = spec.estimate(world)
        progress.table_started(name, estimate)
        table_notes: Notes = {}
        defer = defer_threshold is not None and estimate >= defer_threshold
        result = session.copy_table(
            name,
            spec.columns,
            spec.rows(world, table_notes),
            defer=defer,
            notes=table_notes,
            progress=progress.advance,
        )
        notes.update(table_notes)
        stats.append(TableStats(name, result.rows, result.seconds))
        progress.table_finished(stats[-1])
    return stats, notes


def _finish(session: BulkSession, progress: Progress) -> float:
    progress.phase("fixing sequences and analyzing")
    started = time.perf_counter()
    session.reset_sequences(LOAD_ORDER)
    session.analyze(LOAD_ORDER)
    return time.perf_counter() - started


def _from_ledger(
    loaded: dict[str, LoadedTable], scale: Scale, seed: int, as_of: dt.date
) -> SeedSummary:
    """The summary of a load that was already complete: nothing to do."""
    notes: Notes = {}
    for table in loaded.values():
        notes.update(table.notes)
    tables = tuple(
        TableStats(name, loaded[name].rows, loaded[name].seconds, earlier_run=True)
        for name in LOAD_ORDER
    )
    return SeedSummary(
        scale.name, seed, as_of, tables, KnownValues.from_notes(notes), already_loaded=True
    )


def run(
    url: DatabaseUrl,
    scale: str | Scale,
    *,
    seed: int,
    as_of: dt.date | None,
    defer_threshold: int | None,
    progress: Progress | None,
) -> SeedSummary:
    """Load (or resume loading) ``scale`` into the database at ``url``."""
    chosen = check_arguments(scale, seed, as_of)
    report = progress or _Silent()
    with BulkSession(url) as session:
        session.lock()
        day, loaded, finished = _prepare(session, chosen, seed, as_of)
        if finished:
            return _from_ledger(loaded, chosen, seed, day)
        world = World(chosen, seed, day)
        world_seconds = _build_world(world, report)
        stats, notes = _load_tables(session, world, loaded, defer_threshold, report)
        finishing = _finish(session, report)
        summary = SeedSummary(
            chosen.name,
            seed,
            day,
            tuple(stats),
            KnownValues.from_notes(notes),
            world_seconds,
            finishing,
        )
        session.finish(summary.as_json())
        return summary
