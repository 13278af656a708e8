"""What a load reports: rows and rates per table, and known values for benchmarks and the demo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["KnownValues", "SeedSummary", "TableStats"]


@attrs.frozen
class TableStats:
    """One table's load: rows, seconds, and whether an earlier run loaded it."""

    table: str
    rows: int
    seconds: float
    earlier_run: bool = False

    @property
    def rows_per_second(self) -> float:
        """Load rate (rows divided by the seconds of its transaction)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@attrs.frozen
class KnownValues:
    """Ids and values a seeded database is known to hold (for benchmarks, tests, the demo)."""

    most_popular_bill_id: int
    most_popular_bill_title: str
    most_commented_bill_id: int
    search_phrase: str
    search_min_matches: int
    most_voted_comment_id: int
    session_id: str
    session_token_hash: str
    session_user_id: str
    moderator_id: str
    moderator_email: str
    sponsor_id: int
    pending_queue_items: int
    notified_user_id: str
    notified_user_unread: int
    busiest_event_day: str

    @classmethod
    def from_notes(cls, notes: Mapping[str, Any]) -> KnownValues:
        """Build from the generators' notes (every field must be present)."""
        return cls(**{f.name: notes[f.name] for f in attrs.fields(cls)})


@attrs.frozen
class SeedSummary:
    """The outcome of :func:`chanuka_db.seed.seed`."""

    scale: str
    seed: int
    as_of: dt.date
    tables: tuple[TableStats, ...]
    known: KnownValues
    world_seconds: float = 0.0
    finishing_seconds: float = 0.0
    already_loaded: bool = False

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows per table."""
        return {t.table: t.rows for t in self.tables}

    @property
    def rows(self) -> int:
        """Rows in all tables."""
        return sum(t.rows for t in self.tables)

    @property
    def load_seconds(self) -> float:
        """Seconds spent in this run: generating the world, loading tables, ANALYZE."""
        this_run = sum(t.seconds for t in self.tables if not t.earlier_run)
        return self.world_seconds + this_run + self.finishing_seconds

    @property
    def rows_per_second(self) -> float:
        """Rows loaded in this run per second of this run."""
        rows = sum(t.rows for t in self.tables if not t.earlier_run)
        return rows / self.load_seconds if self.load_seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form (kept in the ledger and printed by ``chanuka-db seed --json``)."""
        return {
            "scale": self.scale,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "rows": self.rows,
            "world_seconds": round(self.world_seconds, 3),
            "finishing_seconds": round(self.finishing_seconds, 3),
            "tables": [
                {
                    "table": t.table,
                    "rows": t.rows,
                    "seconds": round(t.seconds, 3),
                    "rows_per_second": round(t.rows_per_second),
                    "earlier_run": t.earlier_run,
                }
                for t in self.tables
            ],
            "known": attrs.asdict(self.known),
        }
