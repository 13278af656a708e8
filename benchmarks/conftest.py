"""Benchmark harness: the tests' server and per-test databases, plus CPU pinning.

The fixtures are the ones in tests/conftest.py (imported, not copied). PITFALLS.md:
on this 2-vCPU machine a round trip costs ~14 µs when the client and its backend share
a CPU and ~95 µs when they do not, so comparisons pin both to one CPU when allowed.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import psutil
import pytest
from tests.conftest import (  # noqa: F401 - fixtures re-exported for the benchmarks
    Login,
    PgServer,
    app_login,
    clean_env,
    conn,
    database_url,
    db,
    make_db,
    pg_server,
    system_login,
    template_database,
)
from tests.seed_support import fresh_database

from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.seed import KnownValues, seed
from chanuka_db.sql.migrate import MigrationRunner


@pytest.fixture(scope="module")
def pinned(pg_server: PgServer) -> Iterator[bool]:  # noqa: F811 - the fixture
    """Pin this process and the embedded postmaster (so its new backends) to CPU 0.

    Yields whether pinning happened (not for an external server, where forbidden, or
    when ``CHANUKA_BENCH_PIN=0`` asks for the default, unpinned placement). Per module:
    the side-by-side comparisons want one CPU, while the hot operations and the 100-thread
    workload that may run later in the same session measure what a service sees on both.
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


# -- options, data at a scale, results -----------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chanuka-db benchmarks")
    group.addoption(
        "--scale",
        choices=["tiny", "small", "medium", "large"],
        default="small",
        help="data the hot-operation and concurrency benchmarks run on (default small)",
    )
    group.addoption(
        "--duration",
        type=float,
        default=None,
        help="seconds of the concurrency run (default 10; 3 with --benchmark-disable)",
    )
    group.addoption(
        "--perf-json",
        default=None,
        metavar="PATH",
        help="write the measured results to PATH (benchmarks/report.py renders them)",
    )


@attrs.frozen
class Logins:
    """The deployment's least-privilege logins (application, background jobs) of the run."""

    app: Login
    jobs: Login


@pytest.fixture(scope="session")
def logins(
    app_login: Login,  # noqa: F811 - the fixture
    system_login: Login,  # noqa: F811 - the fixture
) -> Logins:
    """The run's member logins of ``chanuka_app`` and ``chanuka_system``."""
    return Logins(app_login, system_login)


@pytest.fixture(scope="module")
def module_database_url(
    pg_server: PgServer,  # noqa: F811 - the fixture
    template_database: str,  # noqa: F811 - the fixture
) -> Iterator[DatabaseUrl]:
    """A migrated database shared by one benchmark module; dropped afterwards."""
    with fresh_database(pg_server, template_database) as url:
        yield url


@attrs.frozen
class Seeded:
    """A database holding the generator's load of ``scale``, and what it is known to hold."""

    url: DatabaseUrl
    scale: str
    known: KnownValues
    rows: int


_KEPT_SCALES = ("medium", "large")  # too slow to load every run: kept on the server


@pytest.fixture(scope="session")
def seeded(
    request: pytest.FixtureRequest,
    pg_server: PgServer,  # noqa: F811 - the fixture
    template_database: str,  # noqa: F811 - the fixture
) -> Iterator[Seeded]:
    """The ``--scale`` load in the database ``chanuka_bench_<scale>``, seeded once.

    A database of that name already on the server is migrated to head and reused (the
    seeder resumes an interrupted load and returns at once for a complete one), so a
    ``large`` load made by hand serves every later run; ``tiny`` and ``small`` databases
    created here are dropped at the end.
    """
    scale = request.config.getoption("--scale")
    name = f"chanuka_bench_{scale}"
    with pg_server.admin() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    url = (
        pg_server.admin_url.with_database(name)
        if exists
        else pg_server.create_database(name, template=template_database)
    )
    MigrationRunner(url).migrate()
    try:
        summary = seed(url, scale)
        yield Seeded(url, scale, summary.known, summary.rows)
    finally:
        if not exists and scale not in _KEPT_SCALES:
            pg_server.drop_database(name)


def _server(pg_server: PgServer) -> str:  # noqa: F811 - the fixture's type
    """``PostgreSQL 18.6 (embedded, fsync off)``: the server the numbers come from."""
    with pg_server.admin() as admin:
        version, fsync = (
            admin.execute(f"SHOW {name}").fetchone()[0] for name in ("server_version", "fsync")
        )
    where = "embedded" if pg_server.embedded is not None else "DATABASE_URL"
    return f"PostgreSQL {version} ({where}, fsync {fsync})"


@pytest.fixture(scope="session")
def perf_results(
    request: pytest.FixtureRequest,
    pg_server: PgServer,  # noqa: F811 - the fixture
) -> Iterator[dict[str, Any]]:
    """Sections of results the benchmarks fill; written to ``--perf-json`` at the end."""
    results: dict[str, Any] = {}
    yield results
    path = request.config.getoption("--perf-json")
    if path and results:
        from benchmarks.report import machine

        meta = {**machine(), "postgresql": _server(pg_server), **results.get("meta", {})}
        results["meta"] = meta
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
