"""Every hot repository operation on the generator's data: p50/p95/p99 and statements.

The starred operations of the repositories issue (``chanuka_db.demo.OPERATIONS``), run as a
service runs them: one ``chanuka_db.Database`` (pool of at most 20 connections) on the
application's login, so row-level security and the audit trigger are in every time; reads
on ``db.repos`` (personal ones as the user), writes in a unit of work acting as the user,
the status fan-out on the jobs' login; inputs drawn from the data
(``gather_cast``: the most engaged bills with a 1/rank skew, active citizens, their live
sessions, live comments). One thread; latency is wall time from the service's side,
including the borrow, ``BEGIN``/``COMMIT`` for writes and building the result objects.

Data: ``--scale`` (default ``small``: 5,000 users, 1,000 bills, 25,000 comments;
``large``: 1 M users, 100 k bills, 5 M comments, loaded by hand once, see README).

``test_percentiles`` interleaves the operations (one call of each per round, 300 rounds
after 20 warm-up rounds) and records exact percentiles; ``test_operation`` gives each
operation to pytest-benchmark. Not pinned to a CPU: this is what a service on this
machine sees.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.conftest import Logins, Seeded
from chanuka_db import Database
from chanuka_db.demo import OPERATIONS, CivicWorkload, Recorder, gather_cast
from chanuka_db.demo.workload import Cast
from chanuka_db.pool.config import DatabaseConfig, Environment


@contextlib.contextmanager
def services(seeded: Seeded, logins: Logins, **overrides: Any) -> Iterator[Recorder]:
    """A recorder on the services' Database and the jobs' Database, on the seeded data.

    As deployed: the application's login (row-level security binds it; test profile, at
    most 20 connections) and the jobs' login on the system path, so that the times include
    the policies and the audit trigger.
    """
    settings: dict[str, Any] = {"pool_min": 5, "pool_max": 20, **overrides}
    config = DatabaseConfig.for_environment(
        Environment.TEST,
        url=logins.app.url(seeded.url),
        migration_url=seeded.url,
        system_url=logins.jobs.url(seeded.url),
        **settings,
    )
    with Database(config) as db, Database(config, system=True) as jobs:
        yield Recorder(db, jobs)


def cast_of(recorder: Recorder, seeded: Seeded) -> Cast:
    """The traffic's ids, read on the system path (it sees every user's sessions)."""
    with recorder.jobs.unit_of_work(read_only=True) as everyone:
        return gather_cast(everyone, seeded.known)


@pytest.fixture(scope="module")
def workload(seeded: Seeded, logins: Logins) -> Iterator[CivicWorkload]:
    with services(seeded, logins) as recorder:
        yield CivicWorkload(recorder, cast_of(recorder, seeded), seed=1)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation(benchmark: Any, workload: CivicWorkload, operation: str) -> None:
    benchmark.group = f"hot operations ({workload.recorder.db.url.dbname})"
    benchmark(workload.run, operation)


def test_percentiles(
    benchmark: Any, workload: CivicWorkload, seeded: Seeded, perf_results: dict[str, Any]
) -> None:
    warm_up, rounds = (1, 3) if not benchmark.enabled else (20, 300)
    recorder = workload.recorder
    for _ in range(warm_up):
        for name in OPERATIONS:
            workload.run(name)
    recorder.reset()
    for _ in range(rounds):
        for name in OPERATIONS:
            workload.run(name)
    stats = recorder.stats()
    print(f"\nhot operations at scale {seeded.scale}, {rounds} rounds (ms)")
    print(f"{'operation':<32}{'stmts':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for op in stats:
        print(
            f"{op.name:<32}{op.statements:>6}{op.p50_ms:>9.3f}{op.p95_ms:>9.3f}"
            f"{op.p99_ms:>9.3f}{op.max_ms:>9.3f}"
        )
    perf_results["hot_operations"] = {
        "scale": seeded.scale,
        "rows": seeded.rows,
        "rounds": rounds,
        "operations": [op.as_json() for op in stats],
    }
    perf_results.setdefault("meta", {})["scale"] = seeded.scale
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert [op.name for op in stats] == list(OPERATIONS)
    assert all(op.errors == 0 and op.calls == rounds for op in stats)
