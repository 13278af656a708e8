"""``chanuka-db migrate|rollback|status|baseline|schema-docs`` through main()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chanuka_db.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.sql.migrate_files import load_migrations
from tests.migration_support import ROOT

HEAD = len(load_migrations())  # the newest shipped migration's number


@pytest.fixture
def target(
    clean_env: None, empty_database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch
) -> DatabaseUrl:
    monkeypatch.setenv("DATABASE_URL", empty_database_url.conninfo())
    return empty_database_url


def test_migrate_status_rollback_round(
    target: DatabaseUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--to", "3", "--dry-run"]) == EXIT_OK
    assert "would apply 0003_legislative" in capsys.readouterr().out
    assert main(["migrate", "--to", "3"]) == EXIT_OK
    assert "applied 0003_legislative" in capsys.readouterr().out
    assert main(["status", "--json"]) == EXIT_OK
    status = json.loads(capsys.readouterr().out)
    assert (status["current_version"], status["up_to_date"]) == (3, False)
    assert status["migrations"][3]["state"] == "pending"
    assert main(["rollback", "--steps", "2"]) == EXIT_OK
    assert main(["status"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"at 0001, head {HEAD:04d}" in out
    assert "applied      0001_users" in out
    assert "pending      0002_regulatory" in out


def test_bad_targets_are_usage_errors_and_refusals_exit_1(
    target: DatabaseUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--to", "99"]) == EXIT_USAGE
    assert "no migration has that version" in capsys.readouterr().err
    assert main(["rollback", "--to", "99"]) == EXIT_USAGE
    with pytest.raises(SystemExit) as exited:
        main(["rollback", "--steps", "1", "--to", "0"])
    assert exited.value.code == EXIT_USAGE
    assert main(["migrate"]) == EXIT_OK
    assert main(["baseline"]) == EXIT_FAILED
    assert f"already has {HEAD} applied migration(s)" in capsys.readouterr().err


def test_baseline_of_an_empty_database_lists_the_missing_tables(
    target: DatabaseUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "--dry-run"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "table users missing" in err
    assert "nothing was recorded" in err


def test_schema_docs_writes_and_checks(
    target: DatabaseUrl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "schema.md"
    assert main(["schema-docs", "--output", str(output)]) == EXIT_FAILED
    assert "run 'chanuka-db migrate'" in capsys.readouterr().err
    assert main(["migrate"]) == EXIT_OK
    assert main(["schema-docs", "--output", str(output), "--check"]) == EXIT_FAILED
    assert main(["schema-docs", "--output", str(output)]) == EXIT_OK
    assert main(["schema-docs", "--output", str(output), "--check"]) == EXIT_OK
    assert output.read_text() == (ROOT / "docs" / "schema.md").read_text()
