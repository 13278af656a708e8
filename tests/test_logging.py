"""Structured logging: every event carries its stable name and fields, and never a secret."""

from __future__ import annotations

import ast
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import DatabaseUnavailable, MigrationFailed
from chanuka_db.logging import JsonFormatter
from chanuka_db.metrics import SchemaWatcher
from chanuka_db.pool import database as pool_database
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.pool.embedded import ensure_running
from chanuka_db.pool.monitoring import Ticker
from chanuka_db.sql import trusted
from chanuka_db.sql.migrate import MigrationRunner
from tests.conftest import PgServer, repo_root

SECRET_HASH = "$argon2id$v=19$THIS-HASH-MUST-NOT-BE-LOGGED"
CURSOR_SECRET = "cursor-secret-that-must-never-appear-0123456789"
FAKE_PASSWORD = "pw-that-must-never-appear"
EVENT = re.compile(r"^chanuka_db\.[a-z_]+\.[a-z_]+$")

# The fields each event carries besides ``event`` (docs/ops/logging.md lists the same).
FIELDS: dict[str, set[str]] = {
    "chanuka_db.pool.opened": {"url", "min_size", "max_size"},
    "chanuka_db.pool.slow_acquisition": {"duration_ms", "threshold_ms"},
    "chanuka_db.pool.utilization": {
        "severity", "utilization", "in_use", "max_size", "threshold", "duration_ms"
    },
    "chanuka_db.pool.connection_leak": {"duration_ms", "threshold_ms", "borrower", "stack"},
    "chanuka_db.pool.monitor_failed": set(),
    "chanuka_db.pool.reset_failed": {"error"},
    "chanuka_db.pool.retry": {"error", "delay_ms"},
    "chanuka_db.pool.rerun": {"error", "sqlstate", "delay_ms"},
    "chanuka_db.pool.health_failed": {"error"},
    "chanuka_db.breaker.opened": {"state", "consecutive_failures", "error", "cooldown_s"},
    "chanuka_db.breaker.closed": {"state"},
    "chanuka_db.query.slow": {
        "operation", "shape", "sql", "parameters", "plan", "duration_ms", "threshold_ms",
        "sqlstate", "failed",
    },
    "chanuka_db.migration.started": {"version", "migration", "direction", "file"},
    "chanuka_db.migration.applied": {"version", "migration", "direction", "file", "duration_ms"},
    "chanuka_db.migration.rolled_back": {
        "version", "migration", "direction", "file", "duration_ms"
    },
    "chanuka_db.migration.failed": {
        "version", "migration", "direction", "file", "line", "sqlstate", "duration_ms"
    },
    "chanuka_db.migration.up_to_date": {"version"},
    "chanuka_db.migration.nothing_to_roll_back": set(),
    "chanuka_db.migration.notice": {"notice_severity"},
    "chanuka_db.migration.backup": {"path"},
    "chanuka_db.migration.plan": set(),
    "chanuka_db.migration.baseline_check": set(),
    "chanuka_db.migration.baseline_dry_run": set(),
    "chanuka_db.migration.baseline_recorded": {"version"},
    "chanuka_db.migration.checksum_accepted": {"version", "migration"},
    "chanuka_db.metrics.schema_check_failed": {"error"},
    "chanuka_db.embedded.ready": {"data_dir", "pid"},
    "chanuka_db.security.login_unfit": {"login"},
}  # fmt: skip


class Events:
    """The chanuka_db records captured so far, looked up by event name."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def all(self) -> list[logging.LogRecord]:
        records = self.caplog.get_records("setup") + self.caplog.get_records("call")
        return [r for r in records if r.name.startswith("chanuka_db")]

    def named(self, event: str) -> list[logging.LogRecord]:
        return [r for r in self.all() if getattr(r, "event", None) == event]

    def check(self, event: str) -> logging.LogRecord:
        """The first record of ``event``, with every field the event promises."""
        found = self.named(event)
        assert found, f"no {event} among {sorted({getattr(r, 'event', '?') for r in self.all()})}"
        record = found[0]
        missing = {f for f in FIELDS[event] if not hasattr(record, f)}
        assert not missing, f"{event} lacks {missing}"
        return record


@pytest.fixture
def events(caplog: pytest.LogCaptureFixture) -> Iterator[Events]:
    caplog.set_level(logging.DEBUG, logger="chanuka_db")
    captured = Events(caplog)
    yield captured
    # Whatever a test logged, no record (message or field) carries a secret.
    formatter = JsonFormatter()
    for record in captured.all():
        assert EVENT.match(getattr(record, "event", "")), f"no event name: {record.getMessage()}"
        line = formatter.format(record)
        for secret in (SECRET_HASH, CURSOR_SECRET, FAKE_PASSWORD):
            assert secret not in line, line


def _url(pg_server: PgServer, database_url: DatabaseUrl) -> DatabaseUrl:
    # The embedded server trusts local connections, so a password can be added to the URL
    # to prove it is never logged; an external server needs its own.
    if pg_server.embedded is not None:
        return database_url.with_params(password=FAKE_PASSWORD)
    return database_url


@pytest.fixture
def busy(pg_server: PgServer, database_url: DatabaseUrl, events: Events) -> Iterator[Database]:
    """The services' Database with every threshold low enough to trip (opened while
    ``events`` already captures)."""
    config = DatabaseConfig.for_environment(
        Environment.TEST,
        url=_url(pg_server, database_url),
        pool_min=1,
        pool_max=2,
        slow_query_ms=5,
        slow_acquire_ms=0.0001,
        utilization_warn=0.3,
        utilization_window_s=0,
        leak_threshold_s=0.05,
        check_idle_s=3600,  # lend idle connections unchecked, so a killed one fails at BEGIN
        retry_attempts=6,
        retry_base_delay_ms=1,
        cursor_secret=CURSOR_SECRET,
    )
    with Database(config) as database:
        yield database


def test_pool_and_query_events(busy: Database, events: Events) -> None:
    events.check("chanuka_db.pool.opened")
    assert FAKE_PASSWORD not in events.check("chanuka_db.pool.opened").url
    with busy.connection() as conn:
        busy.executor(conn).fetch_trusted(
            trusted("SELECT pg_sleep(0.02), %(password_hash)s::text"),
            {"password_hash": SECRET_HASH},
        )
        time.sleep(0.06)
        busy.monitor.check()
    slow = events.check("chanuka_db.query.slow")
    assert slow.operation == "SELECT" and re.fullmatch(r"[0-9a-f]{8}", slow.shape)
    assert slow.duration_ms >= 20 and slow.sqlstate is None and slow.failed is False
    assert "***" in slow.parameters
    assert events.check("chanuka_db.pool.slow_acquisition").threshold_ms == 0.0001
    utilization = events.check("chanuka_db.pool.utilization")
    assert utilization.in_use == 1 and utilization.max_size == 2
    leak = events.check("chanuka_db.pool.connection_leak")
    assert leak.duration_ms >= 50 and "test_pool_and_query_events" in leak.stack


def test_retry_rerun_and_reset_events(
    busy: Database, events: Events, conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = []

    def conflict_once(c: psycopg.Connection[Any]) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            c.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
        return len(attempts)

    assert busy.run(conflict_once, idempotent=True) == 2
    assert events.check("chanuka_db.pool.rerun").sqlstate == "40001"

    with busy.connection() as borrowed:
        borrowed.execute("SELECT 1")
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with busy.transaction() as c:
        c.execute("SELECT 1")
    assert events.check("chanuka_db.pool.retry").delay_ms >= 0

    def refuse(_: Any) -> None:
        raise RuntimeError("reset refused")

    monkeypatch.setattr(pool_database, "release_state", refuse)
    with busy.connection():
        pass
    assert events.check("chanuka_db.pool.reset_failed").error == "reset refused"


def test_breaker_and_health_events(events: Events) -> None:
    unreachable = DatabaseUrl.parse(f"postgresql://nobody:{FAKE_PASSWORD}@127.0.0.1:1/none")
    config = DatabaseConfig.for_environment(
        Environment.TEST,
        url=unreachable,
        pool_min=0,
        connect_timeout_s=0.2,
        acquire_timeout_s=0.2,
        breaker_threshold=1,
        retry_attempts=1,
    )
    with Database(config) as db:
        db._next_health = 0.0
        db._tick()
        assert events.check("chanuka_db.breaker.opened").consecutive_failures >= 1
        assert events.check("chanuka_db.pool.health_failed").error
        db.breaker.record_success()
        assert events.check("chanuka_db.breaker.closed").state == "closed"


def test_monitor_and_metrics_failures_are_events(busy: Database, events: Events) -> None:
    def broken() -> None:
        raise RuntimeError("tick failed")

    ticker = Ticker(0.01, broken, "broken-ticker")
    ticker.start()
    deadline = time.monotonic() + 5
    while not events.named("chanuka_db.pool.monitor_failed") and time.monotonic() < deadline:
        time.sleep(0.01)
    ticker.stop()
    events.check("chanuka_db.pool.monitor_failed")

    watcher = SchemaWatcher(busy)
    busy.close()
    watcher.refresh()
    assert "closed" in events.check("chanuka_db.metrics.schema_check_failed").error


def _write(directory: Path, label: str, up: str, down: str) -> None:
    (directory / f"{label}.up.sql").write_text(up, encoding="utf-8")
    (directory / f"{label}.down.sql").write_text(down, encoding="utf-8")


def test_migration_events(empty_database_url: DatabaseUrl, tmp_path: Path, events: Events) -> None:
    _write(
        tmp_path,
        "0001_first",
        "CREATE TABLE first (id int);\nDO $$ BEGIN RAISE NOTICE 'hello'; END $$;\n",
        "DROP TABLE first;\n",
    )
    runner = MigrationRunner(empty_database_url, directory=tmp_path)
    runner.migrate(dry_run=True)
    events.check("chanuka_db.migration.plan")
    runner.migrate()
    assert events.check("chanuka_db.migration.started").direction == "up"
    assert events.check("chanuka_db.migration.notice").notice_severity == "NOTICE"
    applied = events.check("chanuka_db.migration.applied")
    assert (applied.version, applied.migration) == (1, "0001_first")
    runner.migrate()
    assert events.check("chanuka_db.migration.up_to_date").version == 1

    (tmp_path / "0001_first.up.sql").write_text("CREATE TABLE first (id bigint);\n")
    MigrationRunner(empty_database_url, directory=tmp_path).migrate(accept_changed=True)
    assert events.check("chanuka_db.migration.checksum_accepted").migration == "0001_first"

    _write(tmp_path, "0002_broken", "CREATE TABLE second (id int);\nSELECT 1/0;\n", "")
    with pytest.raises(MigrationFailed):
        MigrationRunner(empty_database_url, directory=tmp_path).migrate()
    failed = events.check("chanuka_db.migration.failed")
    assert (failed.version, failed.line, failed.sqlstate) == (2, 2, "22012")
    assert failed.levelno == logging.ERROR

    (tmp_path / "0002_broken.up.sql").unlink()
    (tmp_path / "0002_broken.down.sql").unlink()
    runner = MigrationRunner(empty_database_url, directory=tmp_path)
    runner.rollback()
    assert events.check("chanuka_db.migration.rolled_back").direction == "down"
    runner.rollback()
    events.check("chanuka_db.migration.nothing_to_roll_back")


def test_baseline_and_backup_events(
    empty_database_url: DatabaseUrl, tmp_path: Path, events: Events
) -> None:
    baseline = "-- chanuka:baseline\nCREATE TABLE kept (id int);\n"
    _write(tmp_path, "0001_kept", baseline, "DROP TABLE kept;\n")
    with psycopg.connect(empty_database_url.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (id int)")
    runner = MigrationRunner(empty_database_url, directory=tmp_path)
    runner.baseline(dry_run=True)
    events.check("chanuka_db.migration.baseline_check")
    events.check("chanuka_db.migration.baseline_dry_run")
    runner.baseline()
    assert events.check("chanuka_db.migration.baseline_recorded").version == 1
    _write(tmp_path, "0002_more", "CREATE TABLE more (id int);\n", "DROP TABLE more;\n")
    runner = MigrationRunner(empty_database_url, directory=tmp_path)
    runner.migrate(dry_run=True, backup=tmp_path / "before.dump")
    runner.migrate(backup=tmp_path / "before.dump")
    assert events.check("chanuka_db.migration.backup").path.endswith("before.dump")


@pytest.mark.embedded
def test_embedded_server_ready_event(pg_server: PgServer, events: Events) -> None:
    assert pg_server.embedded is not None
    ensure_running(pg_server.embedded.data_dir, database="postgres", cleanup="delete")
    assert events.check("chanuka_db.embedded.ready").pid == pg_server.embedded.pid


def test_an_over_privileged_login_is_an_event(make_db: Callable[..., Any], events: Events) -> None:
    with make_db().connection():  # the harness connects as a superuser
        pass
    assert events.check("chanuka_db.security.login_unfit").levelno == logging.INFO


def _events_in_source() -> set[str]:
    """Every event name the package can log: literal names, and the migration runner's."""
    names: set[str] = set()
    for path in (repo_root() / "src" / "chanuka_db").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'"event": "(chanuka_db\.[a-z_]+\.[a-z_]+)"', text))
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "_say"
            ):
                # the event argument: a literal, or a choice between literals
                names |= {
                    f"chanuka_db.migration.{each.value}"
                    for each in ast.walk(node.args[1])
                    if isinstance(each, ast.Constant) and isinstance(each.value, str)
                }
    return names


def test_every_event_is_documented_and_tested() -> None:
    documented = set(
        re.findall(
            r"^\| `(chanuka_db\.[a-z_]+\.[a-z_]+)`",
            (repo_root() / "docs" / "ops" / "logging.md").read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    assert _events_in_source() == documented
    assert set(FIELDS) == documented


def test_json_formatter_writes_one_object_with_the_fields() -> None:
    record = logging.LogRecord(
        "chanuka_db.sql", logging.WARNING, __file__, 1, "took %d ms", (5,), None
    )
    record.event = "chanuka_db.query.slow"
    record.duration_ms = 5.0
    record.api_token = "abc"
    record.actor = uuid.UUID(int=1)
    try:
        raise DatabaseUnavailable("gone")
    except DatabaseUnavailable:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line.replace("\\n", "")
    data = json.loads(line)
    assert data["message"] == "took 5 ms" and data["level"] == "WARNING"
    assert data["event"] == "chanuka_db.query.slow" and data["duration_ms"] == 5.0
    assert data["api_token"] == "***" and data["actor"] == str(uuid.UUID(int=1))
    assert "DatabaseUnavailable: gone" in data["exception"]
    assert data["time"].endswith("+00:00")
