"""Loading: determinism, both load strategies, resuming, refusing, bad arguments, the command."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest

from chanuka_db.cli import main
from chanuka_db.errors import InvalidInput, SeedRefused
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.seed import LOAD_ORDER, TableStats, known_values, seed
from chanuka_db.sql.catalog import diff_catalogs, read_catalog
from tests.conftest import PgServer
from tests.seed_support import AS_OF, checksums, fresh_database, scalar


@pytest.fixture(scope="module")
def reference(pg_server: PgServer, template_database: str) -> dict[str, str]:
    """Checksums of an uninterrupted tiny load (seed 5), every index and key live."""
    with fresh_database(pg_server, template_database) as url:
        seed(url, "tiny", seed=5, as_of=AS_OF, defer_threshold=None)
        return checksums(url)


class _StopAt:
    """A progress sink that fails once ``table`` has started: an interrupted load."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.current = ""

    def phase(self, text: str) -> None:
        pass

    def table_started(self, table: str, estimate: int) -> None:
        self.current = table

    def advance(self, rows: int) -> None:
        if self.current == self.table:
            raise KeyboardInterrupt

    def table_finished(self, stats: TableStats) -> None:
        pass


def test_same_seed_same_rows_and_strategy_does_not_matter(
    pg_server: PgServer, template_database: str, reference: dict[str, str]
) -> None:
    # Deferred indexes and foreign keys for every table: same rows, same catalog.
    with fresh_database(pg_server, template_database) as url:
        seed(url, "tiny", seed=5, as_of=AS_OF, defer_threshold=0)
        assert checksums(url) == reference
        with (
            psycopg.connect(url.conninfo()) as have,
            psycopg.connect(
                pg_server.admin_url.with_database(template_database).conninfo()
            ) as want,
        ):
            assert diff_catalogs(read_catalog(want), read_catalog(have)) == []
            assert scalar(have, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == 0


def test_another_seed_or_date_gives_other_rows(
    pg_server: PgServer, template_database: str, reference: dict[str, str]
) -> None:
    with fresh_database(pg_server, template_database) as url:
        seed(url, "tiny", seed=6, as_of=AS_OF)
        other = checksums(url)
    differing = [t for t in LOAD_ORDER if other[t] != reference[t]]
    assert {"users", "bills", "bill_comments", "comment_votes", "analytics_events"} <= set(
        differing
    )


def test_interrupted_load_resumes_to_the_same_rows(
    pg_server: PgServer, template_database: str, reference: dict[str, str]
) -> None:
    with fresh_database(pg_server, template_database) as url:
        # Stop inside a roll-up table: the events before it are committed, the roll-ups are
        # not, and resuming must regenerate the events (without writing them) to fill them.
        with pytest.raises(KeyboardInterrupt):
            seed(
                url,
                "tiny",
                seed=5,
                as_of=AS_OF,
                defer_threshold=None,
                progress=_StopAt("user_activity_summary"),
            )
        with psycopg.connect(url.conninfo(), autocommit=True) as conn:
            assert scalar(conn, "SELECT count(*) FROM analytics_events") == 2_000
            assert scalar(conn, "SELECT count(*) FROM user_activity_summary") == 0
            assert scalar(conn, "SELECT finished_at IS NULL FROM chanuka_seed.load")
            # the interrupted table's transaction took its audit trigger's suspension with it
            assert scalar(conn, _AUDIT_TRIGGERS_OFF) == 0
        with pytest.raises(SeedRefused, match="no complete seed load"):
            known_values(url)
        summary = seed(url, "tiny", seed=5)  # the date comes from the ledger
        assert summary.as_of == AS_OF
        resumed = {t.table for t in summary.tables if t.earlier_run}
        assert "analytics_events" in resumed and "user_activity_summary" not in resumed
        assert checksums(url) == reference
        assert known_values(url) == summary.known


_AUDIT_TRIGGERS_OFF = (
    "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_changes' AND tgenabled <> 'O'"
)


def test_generated_rows_are_not_audited_and_later_writes_are(database_url: DatabaseUrl) -> None:
    seed(database_url, "tiny", seed=5, as_of=AS_OF)
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        assert scalar(conn, "SELECT count(*) FROM audit_log") == 0
        assert scalar(conn, _AUDIT_TRIGGERS_OFF) == 0
        assert scalar(conn, "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_changes'") > 40
        conn.execute("UPDATE bills SET title = title || ' (amended)' WHERE id = 1")
        assert scalar(conn, "SELECT count(*) FROM audit_log WHERE table_name = 'bills'") == 1


def test_complete_load_is_not_loaded_twice(pg_server: PgServer, template_database: str) -> None:
    with fresh_database(pg_server, template_database) as url:
        first = seed(url, "tiny", seed=3, as_of=AS_OF)
        before = checksums(url)
        again = seed(url, "tiny", seed=3)
        assert again.already_loaded and again.known == first.known
        assert again.row_counts == first.row_counts
        assert checksums(url) == before
        with pytest.raises(SeedRefused, match=r"seed 3.*asked for scale 'tiny', seed 4"):
            seed(url, "tiny", seed=4, as_of=AS_OF)
        with pytest.raises(SeedRefused, match="asked for scale 'small'"):
            seed(url, "small", seed=3)
        with pytest.raises(SeedRefused, match="as of 2025-07-01"):
            seed(url, "tiny", seed=3, as_of=dt.date(2025, 7, 1))
        assert checksums(url) == before


def test_foreign_data_is_refused_and_nothing_written(database_url: DatabaseUrl) -> None:
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        conn.execute("INSERT INTO departments (name) VALUES ('Ministry of Something')")
        with pytest.raises(SeedRefused, match="not empty: departments already hold rows"):
            seed(database_url, "tiny", as_of=AS_OF)
        assert scalar(conn, "SELECT to_regnamespace('chanuka_seed') IS NULL")
        assert scalar(conn, "SELECT count(*) FROM users") == 0


def test_resume_refuses_rows_it_did_not_write(pg_server: PgServer, template_database: str) -> None:
    with fresh_database(pg_server, template_database) as url:
        with pytest.raises(KeyboardInterrupt):
            seed(url, "tiny", seed=5, as_of=AS_OF, progress=_StopAt("bills"))
        with psycopg.connect(url.conninfo(), autocommit=True) as conn:
            conn.execute("INSERT INTO departments (name) VALUES ('Written by hand')")
        with pytest.raises(SeedRefused, match=r"cannot resume.*departments"):
            seed(url, "tiny", seed=5)


def test_a_second_concurrent_load_is_refused(database_url: DatabaseUrl) -> None:
    with psycopg.connect(database_url.conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (0x5EED_C4A7,))
        with pytest.raises(SeedRefused, match="another seed load is running"):
            seed(database_url, "tiny", as_of=AS_OF)


def test_unmigrated_database_is_refused(empty_database_url: DatabaseUrl) -> None:
    with pytest.raises(SeedRefused, match="does not exist; run 'chanuka-db migrate' first"):
        seed(empty_database_url, "tiny", as_of=AS_OF)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scale": "huge"}, "scale"),
        ({"scale": 3}, "scale"),
        ({"seed": -1}, "seed"),
        ({"seed": "1"}, "seed"),
        ({"seed": True}, "seed"),
        ({"as_of": "2025-01-01"}, "as_of"),
        ({"as_of": dt.datetime(2025, 1, 1)}, "as_of"),
    ],
)
def test_bad_arguments_are_refused_before_connecting(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"scale": "tiny", **kwargs}
    with pytest.raises(InvalidInput) as caught:
        seed("postgresql://nobody@127.0.0.1:1/none", **arguments)
    assert caught.value.field == field


def test_command_loads_and_reports(
    database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url.conninfo())
    argv = ["seed", "--scale", "tiny", "--seed", "2", "--as-of", "2025-06-30"]
    assert main(argv) == 0  # with progress bars (on stderr)
    captured = capsys.readouterr()
    assert "bill_comments" in captured.out and "rows/s" in captured.out and "total" in captured.out
    assert "generating users, bills" in captured.err
    assert main([*argv, "--json"]) == 0  # already loaded: reports it, changes nothing
    assert '"already_loaded": true' in capsys.readouterr().out
    assert main(["seed", "--scale", "tiny", "--seed", "9", "--no-progress"]) == 1
    assert "already holds a seed load" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["seed", "--scale", "huge"], "invalid choice: 'huge'"),
        (["seed", "--seed", "-4"], "seed: -4 is not an integer"),
        (["seed", "--as-of", "yesterday"], "not a date"),
    ],
)
def test_command_usage_errors_exit_2(
    argv: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    try:
        code = main(argv)  # refused by the generator's own checks
    except SystemExit as exit_:  # refused by argparse
        code = int(exit_.code or 0)
    assert code == 2
    assert message in capsys.readouterr().err
