"""The chanuka-db command line: version, help, db-url, and the exit code conventions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chanuka_db import __version__
from chanuka_db.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chanuka_db.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"chanuka-db {__version__}"
    result = run("--help")
    assert result.returncode == EXIT_OK
    assert "db-url" in result.stdout and "Exit codes" in result.stdout


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "usage:" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error() -> None:
    assert run("frobnicate").returncode == EXIT_USAGE


@pytest.mark.usefixtures("clean_env")
def test_db_url_prints_the_redacted_configured_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:hunter2@db.example/chanuka")
    assert main(["db-url", "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "url": "postgresql://app:***@db.example/chanuka",
        "migration_url": "postgresql://app:***@db.example/chanuka",  # the same login by default
        "system_url": None,
        "source": "DATABASE_URL",
        "embedded": False,
    }


@pytest.mark.embedded
@pytest.mark.usefixtures("clean_env")
def test_db_url_with_no_configuration_starts_the_embedded_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], server_tmp: object
) -> None:
    monkeypatch.setenv("CHANUKA_DB_DATA_DIR", f"{server_tmp}/pgdata")
    assert main(["db-url"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "/chanuka?host=" in out and "embedded PostgreSQL" in out


@pytest.mark.usefixtures("clean_env")
def test_bad_configuration_exits_2_without_leaking(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:hunter2@db:0/chanuka")
    assert main(["db-url"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and "hunter2" not in err


@pytest.mark.usefixtures("clean_env")
def test_server_command_refuses_when_a_url_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/chanuka")
    assert main(["server"]) == EXIT_USAGE


@pytest.mark.embedded
@pytest.mark.usefixtures("clean_env")
def test_embedded_start_failure_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    blocker = f"{tmp_path}/file"
    with open(blocker, "w") as fh:
        fh.write("not a directory")
    monkeypatch.setenv("CHANUKA_DB_DATA_DIR", f"{blocker}/pgdata")
    assert main(["db-url"]) == EXIT_FAILED
    assert "embedded PostgreSQL" in capsys.readouterr().err
