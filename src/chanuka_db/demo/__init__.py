"""``chanuka-db demo``: the data layer at work on realistic data, and what it cost.

::

    from chanuka_db.demo import run_demo, render
    from chanuka_db.pool import DatabaseConfig

    report = run_demo(DatabaseConfig.from_env(), scale="small")
    for line in render(report):
        print(line)

It migrates the database, seeds it (once: a complete load is found and kept), tells a
civic story through the repositories (:mod:`.scenario`), runs each hot operation a few
dozen times (:mod:`.workload`), and reports operations, statements per operation,
latency percentiles (:mod:`.timing`), pool statistics and slow queries (:mod:`.report`).
The workload and the recorder are also what the benchmarks under ``benchmarks/`` run.
"""

from __future__ import annotations

from chanuka_db.demo.report import render
from chanuka_db.demo.runner import DEFAULT_ROUNDS, DemoReport, SlowStatement, run_demo
from chanuka_db.demo.timing import OperationStats, Recorder, percentile
from chanuka_db.demo.workload import MIX, OPERATIONS, Cast, CivicWorkload, gather_cast

__all__ = [
    "DEFAULT_ROUNDS",
    "MIX",
    "OPERATIONS",
    "Cast",
    "CivicWorkload",
    "DemoReport",
    "OperationStats",
    "Recorder",
    "SlowStatement",
    "gather_cast",
    "percentile",
    "render",
    "run_demo",
]
