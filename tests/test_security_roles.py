"""Least privilege: the roles, who owns what, what the application login can and cannot do."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg import sql

from chanuka_db.errors import MigrationFailed
from chanuka_db.pool import DatabaseUrl
from chanuka_db.pool.embedded import EmbeddedServer, ensure_running
from chanuka_db.sql.catalog import read_catalog
from chanuka_db.sql.migrate import MigrationRunner
from tests.conftest import RUN_TOKEN, PgServer, server_directory, unique_name
from tests.security_support import connect

DML = {"SELECT", "INSERT", "UPDATE", "DELETE"}


def privileges(conn: psycopg.Connection[Any], role: str) -> dict[str, set[str]]:
    """Table and sequence privileges ``role`` holds in the schema, by object."""
    rows = conn.execute(
        "SELECT c.relname, a.privilege_type FROM pg_class c,"
        " aclexplode(c.relacl) a WHERE c.relnamespace = current_schema()::regnamespace"
        " AND a.grantee = %s::regrole",
        (role,),
    ).fetchall()
    found: dict[str, set[str]] = {}
    for name, privilege in rows:
        found.setdefault(name, set()).add(privilege)
    return found


def test_the_roles_exist_with_least_privilege_attributes(conn: psycopg.Connection[Any]) -> None:
    roles = conn.execute(
        "SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole,"
        " rolreplication FROM pg_roles WHERE rolname LIKE 'chanuka\\_%%' AND rolname IN"
        " ('chanuka_owner', 'chanuka_app', 'chanuka_system') ORDER BY 1"
    ).fetchall()
    assert roles == [
        ("chanuka_app", True, False, False, False, False, False),
        ("chanuka_owner", False, False, False, False, False, False),
        ("chanuka_system", True, False, False, False, False, False),
    ]
    no_password = conn.execute(
        "SELECT count(*) FROM pg_authid WHERE rolname IN ('chanuka_app', 'chanuka_system',"
        " 'chanuka_owner') AND rolpassword IS NOT NULL"
    ).fetchone()
    assert no_password == (0,)  # passwords are the operator's, never a migration's


def test_the_owner_role_owns_everything_and_the_application_only_has_dml(
    conn: psycopg.Connection[Any],
) -> None:
    owners = conn.execute(
        "SELECT DISTINCT relowner::regrole::text FROM pg_class"
        " WHERE relnamespace = current_schema()::regnamespace"
        " UNION SELECT DISTINCT proowner::regrole::text FROM pg_proc"
        " WHERE pronamespace = current_schema()::regnamespace"
    ).fetchall()
    assert owners == [("chanuka_owner",)]
    catalog = read_catalog(conn)
    domain = {name for name, table in catalog.tables.items() if table.domain}
    serials = {
        name
        for name, owner in catalog.sequences.items()
        if owner.split(" owned by ")[-1].split(".")[0] in domain
    }
    assert len(domain) >= 47 and len(serials) >= 41  # the spec's 46 and the audit, so far
    for role in ("chanuka_app", "chanuka_system"):
        granted = privileges(conn, role)
        assert granted.pop("audit_log") == {"SELECT"}
        assert granted.pop("schema_migrations") == {"SELECT"}
        tables = {name for name, privs in granted.items() if privs == DML}
        sequences = {name for name, privs in granted.items() if privs == {"USAGE"}}
        assert tables | sequences == set(granted), granted
        assert tables == domain - {"audit_log"}
        assert sequences == serials - {"audit_log_id_seq"}
    functions = conn.execute(
        "SELECT p.proname FROM pg_proc p, aclexplode(p.proacl) a"
        " WHERE p.pronamespace = current_schema()::regnamespace"
        " AND a.grantee = 'chanuka_app'::regrole ORDER BY 1"
    ).fetchall()
    assert functions == [
        ("auth_password_reset_owner",),
        ("auth_refresh_token_owner",),
        ("auth_session_owner",),
        ("auth_social_login_owners",),
    ]
    definers = conn.execute(
        "SELECT proname, proconfig FROM pg_proc WHERE prosecdef"
        " AND pronamespace = current_schema()::regnamespace ORDER BY 1"
    ).fetchall()
    for name, config in definers:  # each runs with a fixed search_path, pg_temp last
        assert "search_path=public, pg_temp" in config, name


DDL_AND_ESCAPES = [
    "CREATE TABLE mine (id int)",
    "CREATE INDEX ON bills (title)",
    "ALTER TABLE bills ADD COLUMN x int",
    "DROP TABLE bills",
    "TRUNCATE bills",
    "ALTER TABLE notifications DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE notifications NO FORCE ROW LEVEL SECURITY",
    "DROP POLICY notifications_owner ON notifications",
    "CREATE POLICY mine ON notifications USING (true)",
    "ALTER TABLE notifications DISABLE TRIGGER audit_changes",
    "SET session_replication_role = replica",  # would skip every trigger, the audit's too
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA mine",
    "ALTER SYSTEM SET row_security = off",
    "ALTER TABLE notifications OWNER TO chanuka_app",
    "SET ROLE chanuka_owner",
    "COPY bills TO PROGRAM 'cat'",
    "SELECT auth_owner_lookup('SELECT id FROM users LIMIT 1', '')",  # runs any query as owner
]


@pytest.mark.parametrize("statement", DDL_AND_ESCAPES)
def test_the_application_cannot_change_the_schema_or_escape_its_limits(
    statement: str, app_url: DatabaseUrl, system_url: DatabaseUrl
) -> None:
    for url in (app_url, system_url):
        with connect(url) as login, pytest.raises(pg_errors.InsufficientPrivilege):
            login.execute(statement)


def test_rolling_back_leaves_the_roles_and_other_databases_alone(
    empty_database_url: DatabaseUrl, conn: psycopg.Connection[Any]
) -> None:
    runner = MigrationRunner(empty_database_url)
    runner.migrate()
    runner.rollback(to=16)
    with connect(empty_database_url) as rolled_back:
        assert privileges(rolled_back, "chanuka_app") == {}
        owners = rolled_back.execute(
            "SELECT DISTINCT relowner::regrole::text = current_user FROM pg_class"
            " WHERE relnamespace = current_schema()::regnamespace"
        ).fetchall()
        assert owners == [(True,)]  # handed back to the login that rolled back
    assert privileges(conn, "chanuka_app")["bills"] == DML  # another database: untouched
    roles = conn.execute(
        "SELECT count(*) FROM pg_roles WHERE rolname IN ('chanuka_app', 'chanuka_owner')"
    )
    assert roles.fetchone() == (2,)
    runner.migrate()
    with connect(empty_database_url) as again:
        assert privileges(again, "chanuka_app")["bills"] == DML


class _Deployer:
    """A non-superuser login owning a fresh database, as in production (test-run names)."""

    def __init__(self, pg_server: PgServer, *, member: bool) -> None:
        self.pg_server = pg_server
        self.name = f"chanuka_t_deploy_{RUN_TOKEN}_{secrets.token_hex(2)}"
        self.password = secrets.token_hex(12)
        self.database = unique_name("deploy")
        with pg_server.admin() as admin:
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(self.name), sql.Literal(self.password)
                )
            )
            if member:
                admin.execute(
                    sql.SQL("GRANT chanuka_owner TO {}").format(sql.Identifier(self.name))
                )
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                    sql.Identifier(self.database), sql.Identifier(self.name)
                )
            )
        self.url = pg_server.admin_url.with_params(
            dbname=self.database, user=self.name, password=self.password
        )

    def drop(self) -> None:
        self.pg_server.drop_database(self.database)
        with self.pg_server.admin() as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(self.name)))


@pytest.fixture
def deployer(pg_server: PgServer, template_database: str) -> Iterator[_Deployer]:
    login = _Deployer(pg_server, member=True)
    try:
        yield login
    finally:
        login.drop()


def test_a_production_login_that_is_a_member_of_the_owner_role_migrates(
    deployer: _Deployer,
) -> None:
    MigrationRunner(deployer.url).migrate()
    admin_url = deployer.pg_server.admin_url.with_database(deployer.database)
    with connect(admin_url) as conn:
        owners = conn.execute(
            "SELECT DISTINCT relowner::regrole::text FROM pg_class"
            " WHERE relnamespace = current_schema()::regnamespace"
        ).fetchall()
        assert owners == [("chanuka_owner",)]
        assert privileges(conn, "chanuka_app")["notifications"] == DML
    MigrationRunner(deployer.url).rollback(to=15)  # and rolls back: ownership comes home
    with connect(deployer.url) as conn:
        mine = conn.execute(
            "SELECT bool_and(relowner::regrole::text = current_user) FROM pg_class"
            " WHERE relnamespace = current_schema()::regnamespace"
        ).fetchone()
        assert mine == (True,)


def test_a_login_outside_the_owner_role_is_told_what_to_do(
    pg_server: PgServer, template_database: str
) -> None:
    outsider = _Deployer(pg_server, member=False)
    try:
        with pytest.raises(MigrationFailed, match="must be a member of chanuka_owner") as failed:
            MigrationRunner(outsider.url).migrate()
        assert "GRANT chanuka_owner TO" in str(failed.value)
        assert failed.value.file == "0017_roles.up.sql"
    finally:
        outsider.drop()


# -- on a server of its own: roles created from nothing, concurrently ----------------------


@pytest.fixture(scope="module")
def bare_server() -> Iterator[EmbeddedServer]:
    """An embedded server where the project's roles do not exist yet."""
    with server_directory("chanuka-roles-") as scratch:
        server = ensure_running(scratch / "data", database="postgres", cleanup="delete")
        try:
            yield server
        finally:
            server.close()


def _fresh_database(server: EmbeddedServer) -> DatabaseUrl:
    name = unique_name("bare")
    with connect(server.url("postgres")) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.url(name)


@pytest.mark.embedded
def test_two_databases_creating_the_roles_at_once_both_succeed(
    bare_server: EmbeddedServer,
) -> None:
    with connect(bare_server.url("postgres")) as admin:
        admin.execute("DROP ROLE IF EXISTS chanuka_app, chanuka_system, chanuka_owner")
    first, second = _fresh_database(bare_server), _fresh_database(bare_server)
    MigrationRunner(first).migrate(to=16)
    failures: list[BaseException] = []
    with connect(first) as holder:
        # The first database's migration creates chanuka_owner and is held before COMMIT ...
        holder.execute("BEGIN")
        holder.execute("CREATE ROLE chanuka_owner NOLOGIN")
        migrating = threading.Thread(
            target=lambda: _collect(failures, MigrationRunner(second).migrate)
        )
        migrating.start()
        _wait_until_blocked(bare_server, second.dbname or "")
        holder.execute("COMMIT")  # ... so the second one's CREATE ROLE hits a duplicate
        migrating.join(timeout=60)
    assert failures == []
    MigrationRunner(first).migrate()
    with connect(second) as conn:
        assert privileges(conn, "chanuka_app")["bills"] == DML


def _collect(failures: list[BaseException], action: Any) -> None:
    try:
        action()
    except BaseException as exc:
        failures.append(exc)


def _wait_until_blocked(server: EmbeddedServer, database: str) -> None:
    deadline = time.monotonic() + 30
    with connect(server.url("postgres")) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND wait_event_type = 'Lock'",
                (database,),
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second migration never waited for the role")


@pytest.mark.embedded
def test_a_role_that_bypasses_row_level_security_stops_the_migration(
    bare_server: EmbeddedServer,
) -> None:
    url = _fresh_database(bare_server)
    with connect(bare_server.url("postgres")) as admin:
        admin.execute(
            "DO $$ BEGIN CREATE ROLE chanuka_app LOGIN; EXCEPTION WHEN duplicate_object THEN END $$"
        )
        admin.execute("ALTER ROLE chanuka_app BYPASSRLS")
        try:
            with pytest.raises(
                MigrationFailed, match="chanuka_app is a superuser or has BYPASSRLS"
            ):
                MigrationRunner(url).migrate()
        finally:
            admin.execute("ALTER ROLE chanuka_app NOBYPASSRLS")
    assert MigrationRunner(url).status().current_version == 16
