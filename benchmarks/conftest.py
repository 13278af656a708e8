"""Benchmark harness: the tests' server and per-test databases, plus CPU pinning.

The fixtures are the ones in tests/conftest.py (imported, not copied). PITFALLS.md:
on this 2-vCPU machine a round trip costs ~14 µs when the client and its backend share
a CPU and ~95 µs when they do not, so comparisons pin both to one CPU when allowed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import psutil
import pytest
from tests.conftest import (  # noqa: F401 - fixtures re-exported for the benchmarks
    PgServer,
    clean_env,
    conn,
    database_url,
    db,
    make_db,
    pg_server,
    template_database,
)


@pytest.fixture(scope="session")
def pinned(pg_server: PgServer) -> Iterator[bool]:  # noqa: F811 - the fixture
    """Pin this process and the embedded postmaster (so its new backends) to CPU 0.

    Yields whether pinning happened (not for an external server, where forbidden, or
    when ``CHANUKA_BENCH_PIN=0`` asks for the default, unpinned placement).
    """
    if os.environ.get("CHANUKA_BENCH_PIN") == "0":
        yield False
        return
    if pg_server.embedded is None or not hasattr(os, "sched_setaffinity"):
        yield False
        return
    postmaster = psutil.Process(pg_server.embedded.pid)
    mine, theirs = os.sched_getaffinity(0), postmaster.cpu_affinity()
    try:
        os.sched_setaffinity(0, {0})
        postmaster.cpu_affinity([0])
    except (OSError, psutil.Error):
        yield False
        return
    try:
        yield True
    finally:
        os.sched_setaffinity(0, mine)
        with contextlib.suppress(psutil.Error):
            postmaster.cpu_affinity(theirs)
