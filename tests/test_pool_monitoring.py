"""Monitoring: histograms, stats snapshots, and the alerts at (and not below) their thresholds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanuka_db.pool import AlertKind, Database, Severity
from chanuka_db.pool.monitoring import BUCKET_BOUNDS, Histogram, Ticker
from tests.test_pool_load import holding

LOGGER = "chanuka_db.pool"


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and r.name == LOGGER]


@given(st.lists(st.floats(min_value=1e-6, max_value=100.0), min_size=1, max_size=300))
def test_histogram_percentiles_are_within_one_bucket(values: list[float]) -> None:
    histogram = Histogram()
    for value in values:
        histogram.record(value)
    ordered = sorted(values)
    snapshot = histogram.snapshot()
    assert snapshot.count == len(values)
    assert snapshot.min_s == ordered[0] and snapshot.max_s == ordered[-1]
    assert snapshot.sum_s == pytest.approx(sum(values))
    for fraction, estimate in ((0.5, snapshot.p50_s), (0.95, snapshot.p95_s)):
        exact = ordered[max(0, int(fraction * len(ordered) + 0.999999) - 1)]
        assert exact / 1.19 - 1e-12 <= estimate <= exact * 1.19 + 1e-12
    assert snapshot.buckets[-1][1] == len(values)


def test_empty_histogram_and_overflow() -> None:
    histogram = Histogram()
    assert histogram.snapshot().p99_s == 0.0
    histogram.record(BUCKET_BOUNDS[-1] * 10)
    assert histogram.percentile(0.5) == BUCKET_BOUNDS[-1] * 10


def test_stats_are_a_read_only_snapshot(db: Database) -> None:
    with db.connection() as c:
        c.execute("SELECT 1")
        during = db.stats()
    after = db.stats()
    assert during.in_use == 1 and after.in_use == 0
    assert during.utilization == 1 / db.config.pool_max
    assert after.acquisitions == 1 and after.acquire_time.count == 1
    assert after.usage_time.count == 1 and after.usage_time.max_s > 0
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        after.in_use = 3  # type: ignore[misc]
    as_dict = after.as_dict()
    assert as_dict["acquisitions"] == 1 and "p99_ms" in as_dict["acquire_time"]
    db.monitor.reset_timings()
    assert db.stats().acquire_time.count == 0 and db.stats().acquisitions == 1


def test_utilization_alerts_fire_above_their_thresholds_and_not_at_them(
    make_db: Callable[..., Database], caplog: pytest.LogCaptureFixture
) -> None:
    db = make_db(pool_max=10, utilization_window_s=0.2, acquire_timeout_s=20)
    caplog.set_level(logging.WARNING, LOGGER)
    with holding(db, 8):  # 80%: at the warning threshold, not above it
        db.monitor.check(time.monotonic() + 1)
        assert not messages(caplog, logging.WARNING)
        assert not db.monitor.alerts()
    with holding(db, 9):  # 90%: above 80%, at the error threshold
        db.monitor.check()  # not yet sustained for the window
        assert not messages(caplog, logging.WARNING)
        db.monitor.check(time.monotonic() + 1)
        warnings = messages(caplog, logging.WARNING)
        assert len(warnings) == 1 and "90% (9 of 10 connections in use) above 80%" in warnings[0]
        assert not messages(caplog, logging.ERROR)
        db.monitor.check(time.monotonic() + 2)  # logged once per episode
        assert len(messages(caplog, logging.WARNING)) == 1
        [alert] = db.monitor.alerts()
        assert (alert.kind, alert.severity) == (AlertKind.UTILIZATION, Severity.WARNING)
    with holding(db, 10):  # 100%: above 90%
        db.monitor.check(time.monotonic() + 1)
        errors = messages(caplog, logging.ERROR)
        assert len(errors) == 1 and "above 90%" in errors[0]
    assert not db.monitor.alerts()


def test_utilization_window_zero_logs_at_once(
    make_db: Callable[..., Database], caplog: pytest.LogCaptureFixture
) -> None:
    db = make_db(pool_max=1, utilization_window_s=0)
    caplog.set_level(logging.WARNING, LOGGER)
    with db.connection():
        assert any("above 90%" in m for m in messages(caplog, logging.ERROR))


def test_slow_acquisition_warns_above_threshold_only(
    make_db: Callable[..., Database], caplog: pytest.LogCaptureFixture
) -> None:
    db = make_db(pool_max=1, slow_acquire_ms=200, acquire_timeout_s=20)
    caplog.set_level(logging.WARNING, LOGGER)
    with db.connection():
        pass
    assert not messages(caplog, logging.WARNING)
    release = threading.Event()

    def hold() -> None:
        with db.connection():
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    while db.stats().in_use < 1:
        time.sleep(0.005)
    threading.Timer(0.4, release.set).start()
    with db.connection():
        pass
    holder.join()
    warnings = messages(caplog, logging.WARNING)
    assert len(warnings) == 1 and "slow connection acquisition" in warnings[0]
    assert db.stats().slow_acquisitions == 1
    assert [a.kind for a in db.monitor.alerts()] == [AlertKind.SLOW_ACQUISITION]


def borrower_that_holds(db: Database, seconds: float, then: Callable[[], Any]) -> Any:
    with db.connection():
        time.sleep(seconds)
        return then()


def test_leak_warning_names_the_borrower_and_fires_once(
    make_db: Callable[..., Database], caplog: pytest.LogCaptureFixture
) -> None:
    db = make_db(leak_threshold_s=0.3)
    caplog.set_level(logging.WARNING, LOGGER)
    borrower_that_holds(db, 0.05, db.monitor.check)
    assert not messages(caplog, logging.WARNING)

    def check_twice() -> list[Any]:
        db.monitor.check()
        db.monitor.check()
        return db.monitor.alerts()

    alerts = borrower_that_holds(db, 0.4, check_twice)
    [warning] = messages(caplog, logging.WARNING)
    assert "leak threshold 0.3 s" in warning
    assert "borrower_that_holds" in warning and "test_leak_warning_names" in warning
    assert [a.kind for a in alerts] == [AlertKind.CONNECTION_LEAK]
    assert db.stats().leaks_detected == 1
    assert not db.monitor.alerts()


def test_background_monitor_reports_leaks_by_itself(
    make_db: Callable[..., Database], caplog: pytest.LogCaptureFixture
) -> None:
    db = make_db(leak_threshold_s=0.2, health_interval_s=0.3)
    caplog.set_level(logging.WARNING, LOGGER)
    with db.connection():
        deadline = time.monotonic() + 10
        while not messages(caplog, logging.WARNING) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "borrower's stack" in messages(caplog, logging.WARNING)[0]
    deadline = time.monotonic() + 10
    while db.last_health is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db.last_health is not None and db.last_health.reachable


def test_ticker_survives_a_failing_tick(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def tick() -> None:
        calls.append(1)
        raise RuntimeError("one bad check")

    ticker = Ticker(0.01, tick, "test-ticker")
    ticker.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    ticker.stop()
    assert len(calls) >= 3
    assert "pool monitor tick failed" in caplog.text
