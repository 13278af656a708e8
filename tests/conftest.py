"""Test harness: one real PostgreSQL per session, one fresh database per test.

The server is the embedded PostgreSQL 18 from the wheel, started in a temporary data
directory, unless ``DATABASE_URL`` is set, in which case that server is used. Database
names carry the process id and a random token, so parallel runs against one server never
collide. Nothing here mocks the database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from chanuka_db.pool import Database
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.pool.embedded import EmbeddedServer, ensure_running
from chanuka_db.repositories import Database as ServicesDatabase
from chanuka_db.sql.migrate import MigrationRunner
from tests.plan_gate_support import (  # noqa: F401 - autouse fixtures
    record_repository_statements,
    unjudged_statements,
)

# Throwaway servers need no durability; this makes CREATE DATABASE ... TEMPLATE fast.
_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
RUN_TOKEN = f"{os.getpid()}_{secrets.token_hex(3)}"
_counter = itertools.count(1)


class PgServer:
    """The session's server: an admin URL plus, when embedded, the handle to stop/start it."""

    def __init__(self, admin_url: DatabaseUrl, embedded: EmbeddedServer | None) -> None:
        self.admin_url = admin_url
        self.embedded = embedded
        with self.admin() as conn:
            self.version_num = int(conn.execute("SHOW server_version_num").fetchone()[0])

    def admin(self) -> psycopg.Connection[Any]:
        """An autocommit connection to the maintenance database."""
        return psycopg.connect(self.admin_url.conninfo(), autocommit=True)

    def create_database(self, name: str, template: str = "template0") -> DatabaseUrl:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return self.admin_url.with_database(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def server_directory(prefix: str = "chanuka-pg-") -> Iterator[Path]:
    """A scratch directory for an embedded server, OUTSIDE pytest's temporary root.

    pytest resets its root (``/tmp/pytest-of-<user>``) to mode 0700 whenever a session
    starts; a server running as its own system user (the run-as-root path) would lose its
    way to a data directory under it the moment a second pytest session starts.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def server_tmp() -> Iterator[Path]:
    """A scratch directory for a throwaway embedded server (see :func:`server_directory`)."""
    with server_directory() as path:
        yield path


def unique_name(kind: str) -> str:
    """A database name no other test, session or parallel run uses."""
    return f"chanuka_{kind}_{RUN_TOKEN}_{next(_counter)}"


def prepare_template(url: DatabaseUrl) -> None:
    """Bring the template database to the state every test starts from: the schema at head.

    Migrated once per session (about 0.3 s); each test's database is a copy of it.
    """
    MigrationRunner(url).migrate()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL: ``DATABASE_URL`` when set, else a throwaway embedded server."""
    external = os.environ.get("DATABASE_URL", "").strip()
    if external:
        url = DatabaseUrl.parse(external)
        yield PgServer(url.with_database(url.dbname or "postgres"), None)
        return
    with server_directory("chanuka-session-") as scratch:
        yield from _embedded_session(scratch / "data")


def _embedded_session(data_dir: Path) -> Iterator[PgServer]:
    server = ensure_running(
        data_dir, database="postgres", cleanup="delete", settings=_FAST_SETTINGS
    )
    try:
        yield PgServer(server.url("postgres"), server)
    finally:
        server.close()


@pytest.fixture(scope="session")
def template_database(pg_server: PgServer) -> Iterator[str]:
    """Name of the session's template database, prepared once and cloned per test."""
    name = unique_name("tpl")
    url = pg_server.create_database(name)
    try:
        prepare_template(url)
        yield name
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def database_url(pg_server: PgServer, template_database: str) -> Iterator[DatabaseUrl]:
    """A fresh database for this test, cloned from the session template; dropped afterwards."""
    name = unique_name("t")
    url = pg_server.create_database(name, template=template_database)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def empty_database_url(pg_server: PgServer) -> Iterator[DatabaseUrl]:
    """A fresh, empty database (from template0): for tests that build the schema themselves."""
    name = unique_name("e")
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def conn(database_url: DatabaseUrl) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit psycopg connection to this test's database (for assertions)."""
    with psycopg.connect(database_url.conninfo(), autocommit=True) as connection:
        yield connection


@pytest.fixture
def make_db(database_url: DatabaseUrl) -> Iterator[Callable[..., Database]]:
    """Open a :class:`Database` on this test's database: test profile plus overrides.

    Every Database it made is closed at the end of the test.
    """
    made: list[Database] = []

    def make(url: DatabaseUrl | None = None, **overrides: Any) -> Database:
        config = DatabaseConfig.for_environment(
            Environment.TEST, url=url or database_url, **overrides
        )
        database = Database(config).open()
        made.append(database)
        return database

    yield make
    for database in made:
        database.close()


@pytest.fixture
def db(make_db: Callable[..., Database]) -> Database:
    """An open :class:`Database` on this test's database, with the test profile."""
    return make_db()


class Login:
    """A throwaway login of this run that is a member of one of the project's roles.

    The tests connect as a member of ``chanuka_app`` or ``chanuka_system`` rather than as
    the role itself: those roles have no password (the embedded server trusts its socket, a
    server such as CI's PostgreSQL 15 asks for one), and a member has exactly the role's
    privileges and policies, and cannot become any other role.
    """

    def __init__(self, pg_server: PgServer, role: str) -> None:
        self.pg_server = pg_server
        self.name = f"chanuka_t_{role.removeprefix('chanuka_')}_{RUN_TOKEN}"
        self.password = secrets.token_hex(16)
        with pg_server.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(self.name), sql.Literal(self.password), sql.Identifier(role)
                )
            )

    def url(self, database: DatabaseUrl) -> DatabaseUrl:
        """``database`` as this login (the server's address and database kept)."""
        return database.with_params(user=self.name, password=self.password)

    def drop(self) -> None:
        with self.pg_server.admin() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(self.name)))


@pytest.fixture(scope="session")
def app_login(pg_server: PgServer, template_database: str) -> Iterator[Login]:
    """A login of this run with exactly ``chanuka_app``'s privileges (the roles exist once
    the template is migrated)."""
    login = Login(pg_server, "chanuka_app")
    try:
        yield login
    finally:
        login.drop()


@pytest.fixture(scope="session")
def system_login(pg_server: PgServer, template_database: str) -> Iterator[Login]:
    """A login of this run with exactly ``chanuka_system``'s privileges (background jobs)."""
    login = Login(pg_server, "chanuka_system")
    try:
        yield login
    finally:
        login.drop()


@pytest.fixture
def app_url(app_login: Login, database_url: DatabaseUrl) -> DatabaseUrl:
    """This test's database, as the application's login (``chanuka_app``)."""
    return app_login.url(database_url)


@pytest.fixture
def system_url(system_login: Login, database_url: DatabaseUrl) -> DatabaseUrl:
    """This test's database, as the background jobs' login (``chanuka_system``)."""
    return system_login.url(database_url)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every variable that configures chanuka-db or libpq from the environment."""
    for name in list(os.environ):
        if name.startswith(("CHANUKA_", "PG")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def repo_root() -> Path:
    """The checkout's top directory."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def monitor() -> Any:
    """A fresh query monitor (slow threshold 100 ms) for this test."""
    from chanuka_db.sql import QueryMonitor

    return QueryMonitor()


@pytest.fixture
def executor(conn: psycopg.Connection[Any], monitor: Any) -> Any:
    """A query-layer executor on this test's autocommit connection, recorded by ``monitor``."""
    from chanuka_db.sql import Executor

    return Executor(conn, monitor)


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[ServicesDatabase]:
    """The services' Database (repositories and units of work) on this test's database.

    Its pool waits up to 60 s for a connection, so tests with many threads never time out
    on a busy machine.
    """
    config = DatabaseConfig.for_environment(
        Environment.TEST, url=database_url, acquire_timeout_s=60.0
    )
    with ServicesDatabase(config) as database:
        yield database


@pytest.fixture(scope="session")
def seeded_small_url(pg_server: PgServer, template_database: str) -> Iterator[DatabaseUrl]:
    """A database of the session holding the generator's ``small`` load (seed 1), analyzed.

    Loaded once per session (about 7-15 s) for the tests that need realistic volumes: the
    query-plan gate and the demo. Tests may add rows; none may delete the seeded ones.
    """
    from chanuka_db.seed import seed

    name = unique_name("small")
    url = pg_server.create_database(name, template=template_database)
    try:
        seed(url, "small")
        yield url
    finally:
        pg_server.drop_database(name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``last`` run after all others (the plan gate explains what they ran)."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)
