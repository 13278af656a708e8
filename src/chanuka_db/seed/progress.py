"""Progress of a load on a terminal: one bar per table with its rate, then a rate table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from chanuka_db.seed.summary import SeedSummary, TableStats

__all__ = ["RichProgress", "report_lines"]


class RichProgress:
    """A :class:`~chanuka_db.seed.runner.Progress` that draws rich progress bars on stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>14}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bars.stop()

    def phase(self, text: str) -> None:
        """Print a step that has no bar."""
        self._bars.console.print(text, highlight=False)

    def table_started(self, table: str, estimate: int) -> None:
        """Open a bar for ``table``."""
        self._task = self._bars.add_task(table, total=max(1, estimate), rate="")

    def advance(self, rows: int) -> None:
        """Move the current bar."""
        if self._task is not None:
            self._bars.advance(self._task, rows)
            speed: Any = self._bars.tasks[-1].speed
            if speed:
                self._bars.update(self._task, rate=f"{speed:,.0f} rows/s")

    def table_finished(self, stats: TableStats) -> None:
        """Close the bar at the real row count (a full bar for a table an earlier run loaded)."""
        if self._task is None or stats.earlier_run:
            self._task = self._bars.add_task(stats.table, total=max(1, stats.rows), rate="")
            rate = "earlier run"
        else:
            rate = f"{stats.rows_per_second:,.0f} rows/s"
        self._bars.update(self._task, total=stats.rows, completed=stats.rows, rate=rate)
        self._task = None


def report_lines(summary: SeedSummary) -> list[str]:
    """The load as text: per table rows, seconds and rate, then the totals."""
    title = "already loaded" if summary.already_loaded else "loaded"
    lines = [f"{title}: scale {summary.scale}, seed {summary.seed}, as of {summary.as_of}", ""]
    lines.append(f"{'table':<28} {'rows':>12} {'seconds':>9} {'rows/s':>11}")
    for table in summary.tables:
        note = "  (earlier run)" if table.earlier_run else ""
        lines.append(
            f"{table.table:<28} {table.rows:>12,} {table.seconds:>9.2f} "
            f"{table.rows_per_second:>11,.0f}{note}"
        )
    lines.append(
        f"{'total':<28} {summary.rows:>12,} {summary.load_seconds:>9.2f} "
        f"{summary.rows_per_second:>11,.0f}"
    )
    lines.append(
        f"(this run: {summary.world_seconds:.2f} s generating the world, "
        f"{summary.finishing_seconds:.2f} s for sequences and ANALYZE)"
    )
    return lines
