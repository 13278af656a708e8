"""The bill browsing and commenting example service runs, as a module and as a script."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from types import ModuleType
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.pool.config import DatabaseUrl
from tests.conftest import repo_root
from tests.legislative_support import counters, data, engagement_sums, vote_counts

__all__ = ["data"]

SCRIPT = repo_root() / "examples" / "bill_service.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bill_service_example", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_scenario_runs_and_leaves_consistent_counters(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    example = _load()
    lines = example.scenario(data)
    assert lines[0] == "ingested: 3 written, 0 unchanged"
    assert "top: 'Will the mobile money levy apply to M-Pesa?' by Amina, +2, 1 reply" in lines[3]
    assert lines[4] == "engagement: 3 views, 3 comments, 1 shares, score 21.00"
    assert lines[5] == "status: introduced -> first_reading, 3 told"
    assert lines[6] == "Amina's inbox: 1 unread; latest: The Finance Bill, 2026: first reading"
    again = example.scenario(data)  # idempotent ingestion; the bill moves on a stage
    assert again[0] == "ingested: 0 written, 3 unchanged"
    assert again[5].startswith("status: first_reading -> committee")
    (finance,) = conn.execute("SELECT id FROM bills WHERE bill_number = 'NA-2026-001'").fetchall()
    assert counters(conn, finance[0]) == engagement_sums(conn, finance[0])
    for (comment_id,) in conn.execute("SELECT id FROM bill_comments").fetchall():
        stored, counted = vote_counts(conn, comment_id)
        assert stored == counted


def test_the_next_stage_stops_at_assent() -> None:
    example = _load()
    assert example._next_stage("third_reading").value == "passed"
    assert example._next_stage("assented") is None
    assert example._next_stage("withdrawn") is None


@pytest.mark.usefixtures("clean_env")
def test_the_script_runs_against_database_url(database_url: DatabaseUrl) -> None:
    env = {**os.environ, "DATABASE_URL": database_url.conninfo(), "CHANUKA_ENV": "test"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ingested: 3 written, 0 unchanged" in done.stdout
    assert "Amina follows 1 bill(s)" in done.stdout
