"""Prometheus metrics: values match the monitors, names are conventional, series stay bounded."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from chanuka_db import Conflict, Database
from chanuka_db.cli import main
from chanuka_db.errors import ConfigError, InvalidInput, MigrationFailed
from chanuka_db.metrics import DatabaseCollector, register_metrics, serve_metrics
from chanuka_db.metrics.queries import QUERY_BOUNDS, QueryCollector
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.sql import QueryMonitor, trusted
from chanuka_db.sql.compiler import Compiled
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.sql.monitor import statement_id, statement_summary
from chanuka_db.types import NewUser

NAME = re.compile(r"^chanuka_db_[a-z0-9_]+$")


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    """The services' Database, with a slow-statement threshold low enough to trip."""
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url, slow_query_ms=40)
    with Database(config) as database:
        yield database


def samples(registry: CollectorRegistry) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in registry.collect()
        for s in family.samples
    }


def value(scraped: dict[Any, float], name: str, **labels: str) -> float:
    return scraped[(name, frozenset(labels.items()))]


def do_some_work(data: Database) -> None:
    """Inserts, reads, a conflict (23505), a slow statement and a borrow that waits a while."""
    with data.unit_of_work() as uow:
        users = [
            uow.users.add(NewUser(email=f"u{i}@example.org", name=f"U{i}", password_hash="h"))
            for i in range(5)
        ]
    for user in users:
        data.repos.users.get(user.id)
    with pytest.raises(Conflict):
        data.repos.users.add(NewUser(email="u0@example.org", name="again", password_hash="h"))
    with data.connection() as conn:
        data.executor(conn).execute(trusted("SELECT pg_sleep(0.05)"))


def test_collector_values_match_the_pool_and_the_query_monitor(data: Database) -> None:
    do_some_work(data)
    registry = CollectorRegistry()
    collector = register_metrics(data, registry, schema_interval_s=None)
    scraped = samples(registry)
    stats = data.stats()  # nothing borrows in between: the collector reads, never borrows

    assert value(scraped, "chanuka_db_pool_acquisitions_total") == stats.acquisitions > 0
    assert value(scraped, "chanuka_db_pool_connections", state="used") == stats.in_use == 0
    assert value(scraped, "chanuka_db_pool_connections", state="idle") == stats.idle
    assert value(scraped, "chanuka_db_pool_connections_max") == stats.max_size
    assert value(scraped, "chanuka_db_pool_pending_requests") == stats.waiting
    assert value(scraped, "chanuka_db_pool_timeouts_total") == stats.acquisition_timeouts
    assert value(scraped, "chanuka_db_pool_errors_total", kind="connect") == stats.connection_errors
    for metric, snapshot in (
        ("chanuka_db_pool_acquire_seconds", stats.acquire_time),
        ("chanuka_db_pool_usage_seconds", stats.usage_time),
    ):
        assert value(scraped, f"{metric}_count") == snapshot.count
        assert value(scraped, f"{metric}_sum") == pytest.approx(snapshot.sum_s)
        below_1ms = sum(1 for b, _ in snapshot.buckets if b <= 0.001024)
        expected = snapshot.buckets[below_1ms - 1][1] if below_1ms else 0
        assert value(scraped, f"{metric}_bucket", le="0.001024") == expected
        assert value(scraped, f"{metric}_bucket", le="+Inf") == snapshot.count
    assert value(scraped, "chanuka_db_circuit_breaker_state", state="closed") == 1
    assert value(scraped, "chanuka_db_circuit_breaker_state", state="open") == 0

    assert collector.queries is not None
    shapes = data.queries.stats()
    assert value(scraped, "chanuka_db_query_shapes") == len(shapes)
    for shape in shapes:
        operation, shape_id = collector.queries.label_of(shape.sql)
        assert (operation, shape_id) == (statement_summary(shape.sql), statement_id(shape.sql))
        labels = {"operation": operation, "shape": shape_id}
        failed = dict(shape.errors)
        ok = value(scraped, "chanuka_db_query_duration_seconds_count", **labels, sqlstate="00000")
        assert ok == shape.count - sum(failed.values())
        for sqlstate, count in failed.items():
            assert (
                value(
                    scraped, "chanuka_db_query_duration_seconds_count", **labels, sqlstate=sqlstate
                )
                == count
            )
        assert value(scraped, "chanuka_db_query_rows_total", **labels) == shape.rows
    conflict = next(s for s in shapes if s.errors)
    assert conflict.errors == {"23505": 1} and conflict.sql.startswith("INSERT INTO")
    sleep = next(s for s in shapes if "pg_sleep" in s.sql)
    sleep_labels = dict(
        zip(("operation", "shape"), collector.queries.label_of(sleep.sql), strict=True)
    )
    assert value(scraped, "chanuka_db_query_slow_total", **sleep_labels) == 1
    assert value(scraped, "chanuka_db_query_duration_seconds_bucket", **sleep_labels,
                 sqlstate="00000", le="0.032768") == 0  # fmt: skip
    assert value(scraped, "chanuka_db_query_duration_seconds_bucket", **sleep_labels,
                 sqlstate="00000", le="0.065536") == 1  # fmt: skip


def test_health_and_schema_metrics(data: Database) -> None:
    registry = CollectorRegistry()
    register_metrics(data, registry)
    report = data.health()
    scraped = samples(registry)
    head = max(int(p.name[:4]) for p in files("chanuka_db.sql.migrations").iterdir()
               if p.name.endswith(".up.sql"))  # fmt: skip
    assert value(scraped, "chanuka_db_up") == 1
    assert value(scraped, "chanuka_db_health_check_latency_seconds") == pytest.approx(
        report.latency_ms / 1000
    )
    assert value(scraped, "chanuka_db_schema_version") == head
    assert value(scraped, "chanuka_db_schema_head_version") == head
    assert value(scraped, "chanuka_db_schema_migrations", state="applied") == head
    assert value(scraped, "chanuka_db_schema_migrations", state="pending") == 0
    assert value(scraped, "chanuka_db_schema_check_errors_total") == 0
    assert value(scraped, "chanuka_db_info", version=pytest.importorskip("chanuka_db").__version__,
                 application=data.config.application_name) == 1  # fmt: skip


def _copy_shipped_migrations(target: Path) -> Path:
    target.mkdir()
    for item in files("chanuka_db.sql.migrations").iterdir():
        if item.name.endswith(".sql"):
            (target / item.name).write_bytes(item.read_bytes())
    return target


def test_a_failed_migration_shows_as_pending_in_the_exporter(
    data: Database, database_url: DatabaseUrl, tmp_path: Path
) -> None:
    directory = _copy_shipped_migrations(tmp_path / "migrations")
    (directory / "9001_broken.up.sql").write_text("CREATE TABLE broken (id int);\nSELECT 1/0;\n")
    (directory / "9001_broken.down.sql").write_text("DROP TABLE broken;\n")
    with pytest.raises(MigrationFailed):
        MigrationRunner(database_url, directory=directory, echo=lambda _: None).migrate()

    registry = CollectorRegistry()
    collector = register_metrics(data, registry, migrations=directory)
    scraped = samples(registry)
    assert value(scraped, "chanuka_db_schema_head_version") == 9001
    assert value(scraped, "chanuka_db_schema_version") < 9001
    assert value(scraped, "chanuka_db_schema_migrations", state="pending") == 1

    # Once the file is fixed and applied, the next read says so.
    (directory / "9001_broken.up.sql").write_text("CREATE TABLE broken (id int);\n")
    MigrationRunner(database_url, directory=directory, echo=lambda _: None).migrate()
    assert collector.schema is not None
    collector.schema.refresh()
    scraped = samples(registry)
    assert value(scraped, "chanuka_db_schema_version") == 9001
    assert value(scraped, "chanuka_db_schema_migrations", state="pending") == 0
    shutil.rmtree(directory)


def test_schema_read_failures_are_counted_and_the_last_status_kept(data: Database) -> None:
    collector = DatabaseCollector(data)
    assert collector.schema is not None
    first = {f.name: f for f in collector.schema.collect()}  # the first read, waited for
    assert first["chanuka_db_schema_version"].samples[0].value > 0
    data.close()
    collector.schema.refresh()
    families = {f.name: f for f in collector.schema.collect()}  # no new read: not due yet
    assert families["chanuka_db_schema_check_errors"].samples[0].value == 1
    assert (
        families["chanuka_db_schema_version"].samples == first["chanuka_db_schema_version"].samples
    )


def test_the_endpoint_serves_the_text_format(data: Database) -> None:
    registry = CollectorRegistry()
    register_metrics(data, registry, schema_interval_s=None)
    with serve_metrics(registry, port=0) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(server.url, timeout=10) as response:  # noqa: S310 - local
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = response.read().decode()
    parsed = {family.name: family for family in text_string_to_metric_families(text)}
    assert parsed["chanuka_db_pool_connections_max"].samples[0].value == data.config.pool_max
    assert parsed["chanuka_db_pool_acquire_seconds"].type == "histogram"


def test_serving_refuses_a_bad_port() -> None:
    with pytest.raises(ConfigError, match="between 0 and 65535"):
        serve_metrics(CollectorRegistry(), port=70000)
    with (
        serve_metrics(CollectorRegistry(), port=0) as server,
        pytest.raises(ConfigError, match="cannot listen"),
    ):
        serve_metrics(CollectorRegistry(), port=server.port)


def test_names_are_unique_conventional_and_described(data: Database) -> None:
    do_some_work(data)
    data.health()
    registry = CollectorRegistry()
    collector = register_metrics(data, registry)
    families = list(registry.collect())
    names = [family.name for family in families]
    assert len(names) == len(set(names))
    for family in families:
        assert NAME.match(family.name), family.name
        assert family.documentation, family.name
        assert not family.name.endswith(("_ms", "_milliseconds", "_total")), family.name
        if family.type == "counter":
            assert all(s.name == f"{family.name}_total" for s in family.samples), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
        if family.type == "gauge":
            assert all(s.name == family.name for s in family.samples), family.name
    assert sorted(f.name for f in collector.describe()) == sorted(names)
    with pytest.raises(ValueError, match="Duplicated"):
        register_metrics(data, registry)


# -- label cardinality and monotonic counts (synthetic statements, no server needed) ------


def _record(
    monitor: QueryMonitor, sql: str, seconds: float = 0.001, fail: str | None = None
) -> None:
    compiled = Compiled(sql, None, (), ())
    if fail is None:
        monitor.record(compiled, [], seconds, 1, None)  # type: ignore[arg-type]
    else:
        error = type("Failure", (Exception,), {"sqlstate": fail})()
        monitor.failed(compiled, [], seconds, error, None)  # type: ignore[arg-type]


def _query_samples(collector: QueryCollector) -> dict[tuple[str, frozenset[Any]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in collector.collect()
        for s in family.samples
    }


def test_label_cardinality_is_bounded_with_many_shapes() -> None:
    monitor = QueryMonitor()
    collector = QueryCollector(monitor, max_shapes=50)
    for n in range(400):
        _record(monitor, f'SELECT "id" FROM "bills" WHERE "id" = %s AND {n} = {n}')
        _record(monitor, f'SELECT "id" FROM "bills" WHERE "id" = %s AND {n} = {n}', fail="57014")
    scraped = _query_samples(collector)
    label_sets = {
        (dict(labels)["operation"], dict(labels)["shape"])
        for (name, labels) in scraped
        if name == "chanuka_db_query_duration_seconds_count"
    }
    assert len(label_sets) == 51
    assert ("other", "other") in label_sets
    assert {operation for operation, _ in label_sets} == {"SELECT bills", "other"}
    counts = [
        v for (name, _), v in scraped.items() if name == "chanuka_db_query_duration_seconds_count"
    ]
    assert sum(counts) == 800
    other = {"operation": "other", "shape": "other"}
    assert (
        value(scraped, "chanuka_db_query_duration_seconds_count", **other, sqlstate="57014") == 350
    )
    buckets = len(QUERY_BOUNDS) + 1
    assert sum(1 for name, _ in scraped if name.endswith("_bucket")) == 51 * 2 * buckets


def test_counts_never_go_down_when_the_monitor_forgets_shapes() -> None:
    monitor = QueryMonitor(max_shapes=8)
    collector = QueryCollector(monitor, max_shapes=4)
    previous: dict[Any, float] = {}
    for round_ in range(6):
        for n in range(round_ * 5, round_ * 5 + 10):  # new shapes push old ones out
            _record(monitor, f"UPDATE bills SET x = {n}", seconds=0.002)
            _record(monitor, f"UPDATE bills SET x = {n}", fail="40001")
        if round_ == 3:
            monitor.reset()
        scraped = _query_samples(collector)
        for key, before in previous.items():
            if key[0] != "chanuka_db_query_shapes":
                assert scraped.get(key, -1) >= before, key
        previous = scraped
    total = sum(
        v for (name, _), v in previous.items() if name == "chanuka_db_query_duration_seconds_count"
    )
    assert total <= 6 * 20  # nothing counted twice
    assert total >= 6 * 20 - 40  # at most what was forgotten between two scrapes is lost


def test_a_restarted_shape_keeps_its_earlier_counts() -> None:
    monitor = QueryMonitor()
    collector = QueryCollector(monitor)
    sql = "DELETE FROM sessions WHERE id = %s"
    for _ in range(5):
        _record(monitor, sql)
    labels = dict(zip(("operation", "shape"), collector.label_of(sql), strict=True))
    assert value(_query_samples(collector), "chanuka_db_query_rows_total", **labels) == 5
    monitor.reset()
    _record(monitor, sql)
    assert value(_query_samples(collector), "chanuka_db_query_rows_total", **labels) == 6


def test_shape_labels() -> None:
    assert statement_summary('SELECT "a" FROM "public"."bills" JOIN x') == "SELECT bills"
    assert statement_summary('insert into "bill_tags" ("tag") values (%s)') == "INSERT bill_tags"
    assert statement_summary("UPDATE users SET name = %s") == "UPDATE users"
    assert statement_summary("SELECT set_config('app.user_id', %s, true)") == "SELECT"
    assert statement_summary("  ") == "unknown"
    assert statement_id("SELECT 1") == statement_id("SELECT 1") != statement_id("SELECT 2")
    assert re.fullmatch(r"[0-9a-f]{8}", statement_id("SELECT 1"))
    collector = QueryCollector(QueryMonitor())
    collector._ids.add(statement_id("SELECT 1"))  # a hash already taken by another text
    assert collector.label_of("SELECT 1") == ("SELECT", f"{statement_id('SELECT 1')}_2")
    with pytest.raises(InvalidInput, match="max_shapes"):
        QueryCollector(QueryMonitor(), max_shapes=0)
    with pytest.raises(InvalidInput, match="schema_interval_s"):
        DatabaseCollector(Database(DatabaseConfig.for_environment(Environment.TEST)),
                          schema_interval_s=0)  # fmt: skip


# -- chanuka-db metrics ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape_then_stop(url: str, found: dict[str, str]) -> None:
    """Scrape ``url`` once it answers, then ask the command to stop (SIGTERM)."""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local
                    found["text"] = response.read().decode()
                    return
            except OSError:
                time.sleep(0.1)
    finally:
        os.kill(os.getpid(), signal.SIGTERM)


@pytest.fixture
def exporter_env(
    clean_env: None, database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment the command reads: this test's database, the test profile."""
    monkeypatch.setenv("DATABASE_URL", database_url.conninfo())
    monkeypatch.setenv("CHANUKA_ENV", "test")


@pytest.mark.usefixtures("exporter_env")
def test_the_metrics_command_serves_until_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    found: dict[str, str] = {}
    helper = threading.Thread(
        target=_scrape_then_stop, args=(f"http://127.0.0.1:{port}/metrics", found)
    )
    before = signal.getsignal(signal.SIGTERM)
    helper.start()
    assert main(["metrics", "--port", str(port), "--max-shapes", "10"]) == 0
    helper.join()
    assert signal.getsignal(signal.SIGTERM) is before
    assert (
        f"serving chanuka-db metrics on http://127.0.0.1:{port}/metrics" in capsys.readouterr().out
    )
    families = {f.name for f in text_string_to_metric_families(found["text"])}
    assert {"chanuka_db_pool_connections", "chanuka_db_schema_version"} <= families
    assert "process_cpu_seconds" in families  # the exporter's own process metrics too


@pytest.mark.usefixtures("exporter_env")
def test_the_metrics_command_refuses_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["metrics", "--port", str(busy.getsockname()[1])]) == 2
    assert "cannot listen" in capsys.readouterr().err


def test_a_pool_database_without_a_query_monitor(db: Any) -> None:
    collector = DatabaseCollector(db, schema_interval_s=None)
    assert collector.queries is None and collector.schema is None
    names = {family.name for family in collector.collect()}
    assert "chanuka_db_pool_connections" in names
    assert not any(name.startswith(("chanuka_db_query", "chanuka_db_schema")) for name in names)
    assert names <= {family.name for family in collector.describe()}
    monitor = QueryMonitor()
    assert DatabaseCollector(db, queries=monitor).queries is not None
