"""100 citizens at once: a mixed civic workload on 100 threads against at most 20 connections.

Each thread runs ``CivicWorkload.mixed()`` (``chanuka_db.demo.MIX``: every request
authenticates; browsing, searching, reading bills and threads, recording views; fewer
comments, votes and notification reads; a rare status fan-out) on one shared
``chanuka_db.Database`` for ``--duration`` seconds (default 10; 3 in the CI smoke run)
after a short warm-up. Reported: throughput, p50/p95/p99 per operation (wall time of the
call, which includes waiting for a connection), the pool's acquisition percentiles,
acquisition timeouts (must be 0), errors (must be 0) and the process's resident memory
(sampled every 50 ms during the run, and the process's lifetime peak).
"""

from __future__ import annotations

import resource
import threading
import time
from typing import Any

import psutil

from benchmarks.conftest import Logins, Seeded
from benchmarks.test_hot_operations import cast_of, services
from chanuka_db.demo import OPERATIONS, CivicWorkload
from chanuka_db.errors import ChanukaDbError

THREADS = 100
POOL_MAX = 20
WARM_UP_S = 1.0


class _Peak:
    """Samples this process's resident memory until stopped; keeps the largest."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _run(workloads: list[CivicWorkload], seconds: float) -> list[BaseException]:
    """Every workload on its own thread until ``seconds`` pass; what the threads raised."""
    deadline = time.monotonic() + seconds
    failures: list[BaseException] = []

    def citizen(workload: CivicWorkload) -> None:
        while time.monotonic() < deadline:
            try:
                workload.mixed()
            except ChanukaDbError as exc:  # recorded as an error; the citizen goes on
                failures.append(exc)

    threads = [threading.Thread(target=citizen, args=(w,)) for w in workloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_mixed_workload_on_100_threads(
    benchmark: Any, seeded: Seeded, logins: Logins, perf_results: dict[str, Any], request: Any
) -> None:
    duration = request.config.getoption("--duration") or (10.0 if benchmark.enabled else 3.0)
    with services(seeded, logins, pool_min=POOL_MAX, pool_max=POOL_MAX) as recorder:
        db, cast = recorder.db, cast_of(recorder, seeded)
        workloads = [CivicWorkload(recorder, cast, seed=n) for n in range(THREADS)]
        _run(workloads, WARM_UP_S)
        recorder.reset()
        db.monitor.reset_timings()
        before = db.stats()
        rss_before = psutil.Process().memory_info().rss
        with _Peak() as memory:
            started = time.perf_counter()
            failures = _run(workloads, duration)
            elapsed = time.perf_counter() - started
        after = db.stats()
    stats = sorted(recorder.stats(), key=lambda op: OPERATIONS.index(op.name))
    calls = sum(op.calls for op in stats)
    acquire = after.acquire_time
    result = {
        "threads": THREADS,
        "pool_max": POOL_MAX,
        "scale": seeded.scale,
        "duration_s": round(elapsed, 3),
        "calls": calls,
        "throughput_per_s": round(calls / elapsed, 1),
        "errors": len(failures),
        "timeouts": after.acquisition_timeouts - before.acquisition_timeouts,
        "acquire_ms": {
            "p50": round(acquire.p50_s * 1e3, 3),
            "p95": round(acquire.p95_s * 1e3, 3),
            "p99": round(acquire.p99_s * 1e3, 3),
            "max": round(acquire.max_s * 1e3, 3),
        },
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_peak_mb": round(memory.peak / 2**20, 1),
        # ru_maxrss is in KiB on Linux: the whole process's peak, the seeding included
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "operations": [op.as_json() for op in stats],
    }
    perf_results["concurrency"] = result
    print(
        f"\n{THREADS} threads, {POOL_MAX} connections, {elapsed:.1f} s at scale {seeded.scale}: "
        f"{calls:,} calls, {result['throughput_per_s']:,} calls/s, {result['errors']} errors, "
        f"{result['timeouts']} timeouts; acquire {result['acquire_ms']}; RSS "
        f"{result['rss_before_mb']} -> peak {result['rss_peak_mb']} MB"
    )
    for op in stats:
        print(f"  {op.name:<32}{op.calls:>7}{op.p50_ms:>9.2f}{op.p95_ms:>9.2f}{op.p99_ms:>9.2f}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert result["timeouts"] == 0
    assert not failures, failures[:3]
    assert calls > 0
