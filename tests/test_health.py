"""db.health() and `chanuka-db health`: the report, its JSON, and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from chanuka_db.cli import EXIT_FAILED, EXIT_OK, main
from chanuka_db.pool import AlertKind, BreakerState, Database, DatabaseUrl, HealthReport


def test_health_of_a_reachable_database(db: Database, pg_server: object) -> None:
    report = db.health()
    assert isinstance(report, HealthReport)
    assert report.healthy and report.reachable and report.error is None
    assert report.server_version and report.server_version[0].isdigit()
    assert report.latency_ms is not None and report.latency_ms > 0
    assert report.breaker is BreakerState.CLOSED
    assert report.pool.acquisitions >= 1 and report.pool.in_use == 0
    assert report.alerts == ()
    assert db.last_health is report
    text = report.render()
    assert "status: healthy" in text and "PostgreSQL" in text
    as_json = json.loads(report.to_json())
    assert as_json["healthy"] is True and as_json["breaker"] == "closed"
    assert "password" not in report.to_json()


def test_health_of_an_unreachable_database(make_db: Callable[..., Database]) -> None:
    nowhere = DatabaseUrl.parse("postgresql://nobody:secret@127.0.0.1:1/none")
    db = make_db(url=nowhere, acquire_timeout_s=0.3, connect_timeout_s=1, pool_min=0)
    report = db.health()
    assert not report.healthy and not report.reachable
    assert report.error and "no connection to the server" in report.error
    assert AlertKind.UNREACHABLE in {a.kind for a in report.alerts}
    assert "secret" not in report.to_json() and "***" in report.url
    assert "UNHEALTHY" in report.render() and "unreachable" in report.render()


@pytest.mark.usefixtures("clean_env")
def test_health_command_prints_json_and_exits_0(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: DatabaseUrl,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url.conninfo())
    assert main(["health", "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["healthy"] is True and out["pool"]["max_size"] == 20
    assert main(["health"]) == EXIT_OK
    assert "status: healthy" in capsys.readouterr().out


@pytest.mark.usefixtures("clean_env")
def test_health_command_exits_1_when_unhealthy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    monkeypatch.setenv("CHANUKA_DB_ACQUIRE_TIMEOUT_S", "0.3")
    monkeypatch.setenv("CHANUKA_DB_CONNECT_TIMEOUT_S", "1")
    assert main(["health", "--json"]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert json.loads(out)["healthy"] is False and "secret" not in out
