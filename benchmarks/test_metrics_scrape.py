"""What metrics cost: one scrape of the collector, and the query monitor's per-statement record.

The collector reads the monitors at scrape time, so the hot path (``QueryMonitor.record``)
is not touched by Prometheus at all; these benchmarks show what a scrape costs with 50,
200 and 2,048 statement shapes (the monitor's limit), and how long the monitor's lock is
held while a scrape copies the counts (``histograms()``, which includes the copy under the
lock and building the snapshots after it).

    .venv/bin/pytest benchmarks/test_metrics_scrape.py -s
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from chanuka_db import Database
from chanuka_db.metrics import register_metrics
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.sql.compiler import Compiled


class _Failure(Exception):
    sqlstate = "23505"


def _fill(db: Database, shapes: int) -> None:
    """``shapes`` statement shapes with 20 timings each; one in ten also failed once."""
    record, failed = db.queries.record, db.queries.failed
    for n in range(shapes):
        compiled = Compiled(f'SELECT "id" FROM "bills" WHERE "id" = %s AND {n} = {n}', None, (), ())
        for i in range(20):
            record(compiled, [], 0.00005 * (1 + i), 1, None)  # type: ignore[arg-type]
        if n % 10 == 0:
            failed(compiled, [], 0.0002, _Failure(), None)  # type: ignore[arg-type]


@pytest.fixture
def services(database_url: DatabaseUrl) -> Iterator[Database]:
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url)
    with Database(config) as database:
        yield database


@pytest.mark.parametrize("shapes", [50, 200, 2048])
def test_scrape(benchmark: Any, services: Database, shapes: int) -> None:
    _fill(services, shapes)
    registry = CollectorRegistry()
    register_metrics(services, registry)
    text = generate_latest(registry)  # the first scrape also reads the ledger
    benchmark.extra_info["bytes"] = len(text)
    benchmark.extra_info["series"] = sum(
        1 for line in text.splitlines() if line and not line.startswith(b"#")
    )
    benchmark(generate_latest, registry)


@pytest.mark.parametrize("shapes", [200, 2048])
def test_monitor_copy_for_a_scrape(benchmark: Any, services: Database, shapes: int) -> None:
    _fill(services, shapes)
    assert len(benchmark(services.queries.histograms)) == shapes


def test_record_per_statement(benchmark: Any, services: Database) -> None:
    """The hot path the exporter reads from (unchanged by it): one ``record`` call."""
    record = services.queries.record
    shapes = [Compiled(f"SELECT {n} FROM bills", None, (), ()) for n in range(50)]

    def hundred() -> Callable[[], None] | None:
        for compiled in shapes * 2:
            record(compiled, [], 0.0001, 1, None)  # type: ignore[arg-type]
        return None

    benchmark(hundred)  # divide by 100 for one statement
