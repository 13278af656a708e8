"""``chanuka-db demo`` end to end: on seeded data, on an empty database, twice, and refused."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from chanuka_db.cli import main
from chanuka_db.demo import OPERATIONS, run_demo
from chanuka_db.errors import InvalidInput
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from tests.conftest import Login

STEPS = (
    "A citizen registers and signs in",
    'She searches for "finance bill"',
    "She reads the bill and its discussion",
    "She comments, votes and follows the bill",
    "The bill moves on; its followers are told",
    "A moderator works the review queue",
    "The nightly analytics roll-up runs",
)


def _demo(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: DatabaseUrl,
    *args: str,
    logins: tuple[Login, Login] | None = None,
) -> tuple[int, str, str]:
    """Run ``chanuka-db demo`` on ``url``: as its (superuser) login, or with ``logins``
    (application, jobs) as the three least-privilege logins of a deployment."""
    if logins is None:
        monkeypatch.setenv("DATABASE_URL", url.conninfo())
    else:
        monkeypatch.setenv("DATABASE_URL", logins[0].url(url).conninfo())
        monkeypatch.setenv("DATABASE_MIGRATION_URL", url.conninfo())
        monkeypatch.setenv("DATABASE_SYSTEM_URL", logins[1].url(url).conninfo())
    code = main(["demo", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _report_rows(out: str) -> dict[str, list[str]]:
    """The operations table of the text report: name -> its columns."""
    lines = out.splitlines()
    start = next(
        n for n, line in enumerate(lines) if line.split()[:3] == ["operation", "calls", "stmts"]
    )
    end = next(n for n, line in enumerate(lines) if line.startswith("pool: "))
    return {line.split()[0]: line.split()[1:] for line in lines[start + 1 : end]}


def _citizens(url: DatabaseUrl) -> int:
    with psycopg.connect(url.conninfo()) as conn:
        row = conn.execute("SELECT count(*) FROM users WHERE email LIKE 'wanjiku.%'").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.usefixtures("clean_env")
def test_the_demo_tells_the_story_and_reports_every_operation_twice_over(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    seeded_small_url: DatabaseUrl,
    app_login: Login,
    system_login: Login,
) -> None:
    logins = (app_login, system_login)  # row-level security binds every call, as deployed
    before = _citizens(seeded_small_url)
    code, out, _ = _demo(
        monkeypatch, capsys, seeded_small_url, "--no-progress", "--rounds", "5", logins=logins
    )
    assert code == 0, out
    assert f"database: postgresql://{app_login.name}" in out
    assert "jobs: DATABASE_SYSTEM_URL is unset" not in out
    assert "data: scale small already loaded" in out
    for number, step in enumerate(STEPS, 1):
        assert f"{number}. {step}" in out
    rows = _report_rows(out)
    assert set(OPERATIONS) <= set(rows)
    # statements per call, as the repositories promise them (the N+1 guard of the report)
    assert rows["sessions.get_active_with_user"][1] == "2"  # whose token, then the session
    assert rows["comments.list_threaded"][1] in ("1-2", "2")
    assert rows["votes.toggle"][1] == "2"
    assert rows["notifications.fan_out"][1] == "1"
    assert rows["moderation.decide"][1] == "2"
    assert rows["analytics.rollup_day"][1] == "4"
    assert all(columns[-1] == "0" for columns in rows.values())  # no errors
    assert "pool: " in out and " 0 timeouts, 0 bad returns" in out
    assert "slow queries (over 100 ms):" in out
    assert "slowest statement shapes" in out

    again, out, _ = _demo(
        monkeypatch, capsys, seeded_small_url, "--no-progress", "--rounds", "2", logins=logins
    )
    assert again == 0, out
    assert _citizens(seeded_small_url) == before + 2  # one citizen per run; nothing else refused


@pytest.mark.usefixtures("clean_env")
def test_on_an_empty_database_it_migrates_seeds_and_reports_as_json(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    empty_database_url: DatabaseUrl,
) -> None:
    monkeypatch.setenv("CHANUKA_DB_SLOW_QUERY_MS", "0.01")  # every statement is "slow"
    code, out, err = _demo(
        monkeypatch, capsys, empty_database_url, "--scale", "tiny", "--rounds", "2", "--json"
    )
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    assert report["migrations_applied"] >= 13
    assert report["seed"]["scale"] == "tiny" and not report["seed"]["already_loaded"]
    assert [step["step"] for step in report["story"]] == list(STEPS)
    names = {op["name"] for op in report["operations"]}
    assert set(OPERATIONS) <= names
    assert report["slow_statements"], "a 0.01 ms threshold logs statements as slow"
    assert report["slow_statements"][0]["operation"].split()[0] in ("SELECT", "INSERT", "UPDATE")
    assert report["pool"]["acquisition_timeouts"] == 0
    assert len(report["slowest_shapes"]) == 5


@pytest.mark.usefixtures("clean_env")
def test_progress_bars_go_to_stderr_and_the_story_to_stdout(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: DatabaseUrl,
) -> None:
    code, out, err = _demo(monkeypatch, capsys, database_url, "--scale", "tiny", "--rounds", "1")
    assert code == 0, err
    assert "jobs: DATABASE_SYSTEM_URL is unset" in out  # the superuser's login runs them
    assert "bill_comments" in err  # a progress bar per table
    assert "data: scale tiny loaded" in out


@pytest.mark.usefixtures("clean_env")
def test_a_database_holding_other_rows_is_refused_before_the_story(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: DatabaseUrl,
    conn: psycopg.Connection[Any],
) -> None:
    conn.execute("INSERT INTO bills (title) VALUES ('A bill someone typed in')")
    code, out, err = _demo(monkeypatch, capsys, database_url, "--no-progress")
    assert code == 1
    assert "already hold rows that no seed load wrote" in err
    assert "1. A citizen registers" not in out
    assert _citizens(database_url) == 0


@pytest.mark.parametrize("args", [["--rounds", "0"], ["--rounds", "many"], ["--scale", "huge"]])
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", *args])
    assert exited.value.code == 2


@pytest.mark.parametrize(("option", "value"), [("rounds", 0), ("rounds", True), ("scale", "huge")])
def test_the_api_checks_its_arguments_before_connecting(option: str, value: object) -> None:
    config = DatabaseConfig.for_environment(
        Environment.TEST, url=DatabaseUrl.parse("postgresql://nobody@127.0.0.1:1/none")
    )
    with pytest.raises(InvalidInput) as refused:
        run_demo(config, **{option: value})  # type: ignore[arg-type]
    assert refused.value.field == option
