"""Separate logins in the configuration, the start-up check of the login, and their commands."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from chanuka_db import Database as ServicesDatabase
from chanuka_db.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from chanuka_db.errors import ConfigError, DatabaseUnavailable
from chanuka_db.pool import Database, DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.pool.roles import inspect_url
from tests.conftest import Login, PgServer, server_directory

APP = "postgresql://app:s3cret@db.example/chanuka"
OWNER = "postgresql://owner:0wner-pw@db.example/chanuka"
JOBS = "postgresql://jobs:j0bs-pw@db.example/chanuka"


def test_three_logins_come_from_the_environment() -> None:
    config = DatabaseConfig.from_env(
        {"DATABASE_URL": APP, "DATABASE_MIGRATION_URL": OWNER, "DATABASE_SYSTEM_URL": JOBS}
    )
    assert config.migration_url is not None and config.migration_url.user == "owner"
    assert config.migration_url.source == "DATABASE_MIGRATION_URL"
    assert config.system_url is not None and config.system_url.user == "jobs"
    assert config.migrations_url == config.migration_url
    described = config.describe()
    assert described["migration_url"] == "postgresql://owner:***@db.example/chanuka"
    assert "pw" not in json.dumps(described) and "s3cret" not in repr(config)


def test_migrations_default_to_the_application_login_and_the_jobs_to_none() -> None:
    config = DatabaseConfig.from_env({"DATABASE_URL": APP})
    assert config.migrations_url == config.url and config.system_url is None
    assert config.describe()["migration_url"] == "(same as url)"
    assert config.describe()["system_url"] == "(unset)"
    embedded = DatabaseConfig.from_env({})
    assert embedded.migrations_url is None
    assert embedded.describe()["system_url"] == "(embedded PostgreSQL)"


@pytest.mark.parametrize("variable", ["DATABASE_MIGRATION_URL", "DATABASE_SYSTEM_URL"])
def test_bad_extra_logins_are_named(variable: str) -> None:
    with pytest.raises(ConfigError, match=variable) as bad:
        DatabaseConfig.from_env({"DATABASE_URL": APP, variable: "mysql://x:hunter2@h/db"})
    assert "hunter2" not in str(bad.value)
    with pytest.raises(ConfigError, match="without DATABASE_URL"):
        DatabaseConfig.from_env({variable: OWNER})


def test_the_system_pool_needs_its_own_login() -> None:
    config = DatabaseConfig.from_env({"DATABASE_URL": APP})
    with pytest.raises(ConfigError, match="DATABASE_SYSTEM_URL"):
        Database(config, system=True)


@contextlib.contextmanager
def opened(
    url: DatabaseUrl, environment: Environment, *, system: bool = False
) -> Iterator[Database]:
    """A small Database on ``url`` with the profile of ``environment``."""
    logins = {"system_url": url} if system else {}
    config = DatabaseConfig.for_environment(environment, url=url, pool_min=0, **logins)
    with Database(config, system=system) as db:
        yield db


def _borrow(db: Database) -> str:
    with db.connection() as conn:
        row = conn.execute("SELECT current_user").fetchone()
    return str(row[0]) if row else ""


def test_production_refuses_a_superuser_login(database_url: DatabaseUrl) -> None:
    with opened(database_url, Environment.PRODUCTION) as db:
        for _ in range(2):  # and keeps refusing
            with pytest.raises(ConfigError, match=r"DATABASE_URL.*is a superuser") as refused:
                _borrow(db)
            assert "docs/security.md" in str(refused.value)
        assert db.stats().in_use == 0  # the connection went back


def test_production_accepts_the_application_and_the_jobs_logins(
    app_url: DatabaseUrl, system_url: DatabaseUrl, app_login: Login
) -> None:
    with opened(app_url, Environment.PRODUCTION) as db:
        assert _borrow(db) == app_login.name
    with opened(system_url, Environment.PRODUCTION, system=True) as jobs:
        assert _borrow(jobs).startswith("chanuka_t_system_")
    with (
        opened(system_url, Environment.PRODUCTION) as as_app,
        pytest.raises(ConfigError, match="member of chanuka_system"),
    ):
        _borrow(as_app)  # the jobs' login is too strong for the application


def test_a_login_that_can_act_as_the_owner_is_refused(
    pg_server: PgServer, database_url: DatabaseUrl
) -> None:
    owner_member = Login(pg_server, "chanuka_owner")
    try:
        url = owner_member.url(database_url)
        assert inspect_url(url).owned_tables  # a few, for the message
        with (
            opened(url, Environment.PRODUCTION) as db,
            pytest.raises(ConfigError, match="may become the owner of tables"),
        ):
            _borrow(db)
    finally:
        owner_member.drop()


def test_development_warns_and_tests_only_note(
    database_url: DatabaseUrl, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "chanuka_db.security")
    for environment in (Environment.DEVELOPMENT, Environment.TEST):
        with opened(database_url, environment) as db:
            _borrow(db)
            _borrow(db)  # checked once per Database
    levels = [r.levelno for r in caplog.records if r.name == "chanuka_db.security"]
    assert levels == [logging.WARNING, logging.INFO]
    assert "superuser" in caplog.text


@pytest.mark.usefixtures("clean_env")
def test_check_roles_command(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: DatabaseUrl,
    app_url: DatabaseUrl,
    system_url: DatabaseUrl,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url.conninfo())
    assert main(["check-roles"]) == EXIT_FAILED
    assert "is a superuser" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", app_url.conninfo())
    monkeypatch.setenv("DATABASE_SYSTEM_URL", system_url.conninfo())
    assert main(["check-roles", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert [(r["setting"], r["problems"]) for r in report] == [("url", []), ("system_url", [])]
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:1/none")
    assert main(["check-roles"]) == EXIT_FAILED
    assert "cannot connect" in capsys.readouterr().err


def test_inspecting_an_unreachable_login_is_a_typed_error() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"\*\*\*"):
        inspect_url(
            DatabaseUrl.parse("postgresql://x:secret@127.0.0.1:1/none"), connect_timeout_s=1
        )


@pytest.mark.usefixtures("clean_env")
def test_db_url_shows_every_login(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", APP)
    monkeypatch.setenv("DATABASE_MIGRATION_URL", OWNER)
    assert main(["db-url"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "migrations: postgresql://owner:***@db.example/chanuka" in out
    assert "jobs: (unset: DATABASE_SYSTEM_URL)" in out
    monkeypatch.setenv("DATABASE_SYSTEM_URL", "not a url at all ://")
    assert main(["db-url"]) == EXIT_USAGE


# -- the embedded default: three logins, the application not a superuser ---------------------


@pytest.mark.embedded
def test_the_embedded_default_logs_in_as_the_application_and_migrates_as_superuser(
    clean_env: None,
) -> None:
    with server_directory("chanuka-logins-") as scratch:
        data_dir = scratch / "pgdata"
        config = DatabaseConfig.for_environment(
            Environment.PRODUCTION, data_dir=data_dir, pool_min=0
        )
        with Database(config) as app, Database(config, system=True) as jobs:
            assert (_borrow(app), _borrow(jobs)) == ("chanuka_app", "chanuka_system")
            # The command joins the running server from a process of its own, which lets
            # go of it on exit; this test's Databases stop it when they close.
            env = {**os.environ, "CHANUKA_DB_DATA_DIR": str(data_dir)}
            command = [sys.executable, "-m", "chanuka_db.cli", "db-url", "--json"]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    shown = json.loads(done.stdout)
    assert shown["url"].startswith("postgresql://chanuka_app@/chanuka?")
    assert shown["migration_url"].startswith("postgresql://postgres@/chanuka?")
    assert shown["system_url"].startswith("postgresql://chanuka_system@/chanuka?")


def test_the_services_database_migrates_as_the_migration_login(
    app_url: DatabaseUrl, database_url: DatabaseUrl
) -> None:
    config = DatabaseConfig.for_environment(
        Environment.TEST, url=app_url, migration_url=database_url, pool_min=0
    )
    with ServicesDatabase(config) as db:
        assert db.migration_url == database_url
        assert db.migrate() == ()  # at head already; as the application it could not even try
    alone = DatabaseConfig.for_environment(Environment.TEST, url=app_url, pool_min=0)
    assert Database(alone).migration_url == app_url
