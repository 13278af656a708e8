"""Deterministic, realistic data for every table, loaded with COPY: ``chanuka-db seed``.

Use from Python (benchmarks, the demo, tests)::

    from chanuka_db.seed import seed, known_values

    summary = seed(url, "small", seed=7)        # loads, or resumes, or finds it done
    summary.row_counts["bills"]                  # 1000
    summary.known.most_popular_bill_id           # ids and values the data is known to hold
    known_values(url)                            # the same, read back from the seed ledger

The same (scale, seed, as_of) always produces the same rows; ``as_of`` (default: today, UTC)
is the "now" of the data: the newest events are from the day before, live sessions expire
after it.
"""

from __future__ import annotations

import datetime as dt

from chanuka_db.errors import SeedRefused
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.seed.plan import LOAD_ORDER
from chanuka_db.seed.runner import DEFER_THRESHOLD, GENERATOR_VERSION, Progress, run
from chanuka_db.seed.scales import SCALES, Scale, scale_named
from chanuka_db.seed.summary import KnownValues, SeedSummary, TableStats
from chanuka_db.sql.bulk import BulkSession

__all__ = [
    "DEFER_THRESHOLD",
    "GENERATOR_VERSION",
    "LOAD_ORDER",
    "SCALES",
    "KnownValues",
    "Progress",
    "Scale",
    "SeedSummary",
    "TableStats",
    "known_values",
    "scale_named",
    "seed",
]


def _url(url: DatabaseUrl | str) -> DatabaseUrl:
    return url if isinstance(url, DatabaseUrl) else DatabaseUrl.parse(url, source="argument")


def seed(
    url: DatabaseUrl | str,
    scale: str | Scale = "tiny",
    *,
    seed: int = 1,
    as_of: dt.date | None = None,
    defer_threshold: int | None = DEFER_THRESHOLD,
    progress: Progress | None = None,
) -> SeedSummary:
    """Fill the (migrated, empty) database at ``url`` with ``scale``'s data for ``seed``.

    Resumes an interrupted load of the same scale, seed and date; returns at once when that
    load is complete; refuses (:class:`~chanuka_db.errors.SeedRefused`) anything else.
    Tables expected to hold ``defer_threshold`` rows or more load with their secondary
    indexes and foreign keys re-created after the COPY, in the same transaction (None: load
    everything with every index and constraint live). Bad arguments raise
    :class:`~chanuka_db.errors.InvalidInput`.
    """
    return run(
        _url(url), scale, seed=seed, as_of=as_of, defer_threshold=defer_threshold,
        progress=progress,
    )  # fmt: skip


def known_values(url: DatabaseUrl | str) -> KnownValues:
    """The known values of the complete load at ``url`` (:class:`SeedRefused` if there is none)."""
    with BulkSession(_url(url)) as session:
        record = session.ledger()
        if record is None or not record.finished:
            raise SeedRefused(f"{_url(url).redacted()}: no complete seed load in this database")
        notes: dict[str, object] = {}
        for table in session.loaded_tables().values():
            notes.update(table.notes)
    return KnownValues.from_notes(notes)
