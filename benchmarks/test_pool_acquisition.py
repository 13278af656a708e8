"""Acquisition latency under contention: p50/p95/p99 with 1, 10, 50 and 100 threads.

Each thread runs ``with db.connection() as c: c.execute("SELECT 1")`` in a loop against
a pool of at most 20 connections; the percentiles come from the Database's own
acquisition histogram (the wait for a connection, not the query).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from chanuka_db.pool import Database

TOTAL_BORROWS = 6000


@pytest.mark.parametrize("threads", [1, 10, 50, 100])
def test_acquisition_latency(
    benchmark: Any, make_db: Callable[..., Database], threads: int
) -> None:
    db = make_db(pool_min=20, pool_max=20, acquire_timeout_s=60)
    per_thread = max(1, (TOTAL_BORROWS if benchmark.enabled else 200) // threads)

    def work() -> None:
        for _ in range(per_thread):
            with db.connection() as conn:
                conn.execute("SELECT 1")

    def run() -> None:
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    run()  # warm-up: the pool grows to 20, statements get prepared
    db.monitor.reset_timings()  # measure the timed run only
    benchmark.group = "acquisition latency (max 20 connections)"
    benchmark.pedantic(run, rounds=1, iterations=1)
    acquire = db.stats().acquire_time
    result = {f"p{q}_us": round(getattr(acquire, f"p{q}_s") * 1e6, 1) for q in (50, 95, 99)}
    benchmark.extra_info.update({"threads": threads, "borrows": acquire.count, **result})
    print(f"\n{threads:>3} threads, {acquire.count} borrows: {result}")
    assert acquire.count == threads * per_thread
    assert db.stats().returns_bad == 0
