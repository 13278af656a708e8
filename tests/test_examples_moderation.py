"""The moderation example service runs, as a module and as a script, and checks moderators."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.repositories.moderation import Decision, FlagReason, Severity
from tests.conftest import repo_root
from tests.domain_support import make_users, make_world, open_data, scalar

SCRIPT = repo_root() / "examples" / "moderation_service.py"


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    yield from open_data(database_url)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("moderation_service_example", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_scenario_reports_merges_and_decides(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    lines = _load().scenario(data)
    assert lines == [
        "reports of Brian's comment: 2 in one item (same item: True; Amina's repeat was merged)",
        "Brian asked for the queue: refused, not a moderator",
        "queue: 2 open item(s), most severe first",
        "an item: high, 2 report(s): 'Only a fool would back this.' by Brian",
        "an item: low, 1 report(s): 'Cheap loans at example.ke!' by Chebet",
        "decided: remove (2 reports upheld, comment hidden: True); warn (1 report upheld,"
        " comment kept)",
        "since the start: 3 reports {'resolved': 3}, actions {'remove': 1, 'warn': 1},"
        " 2 items decided",
    ]
    events = scalar(
        conn, "SELECT count(*) FROM analytics_events WHERE event_type = 'moderation_decision'"
    )
    assert events == 2


def _desk(data: Database, role: str, reason: FlagReason) -> tuple[ModuleType, Any, Any, Any]:
    """The example module, its service, a moderator with ``role`` and a flagged comment."""
    example = _load()
    service = example.ModerationService(data)
    world = make_world(data)
    moderator = make_users(data, 1, start=50, role=role)[0]
    flagged = service.report_comment(world.users[1], world.comment_id, reason)
    return example, service, moderator, (world, flagged)


def test_only_moderators_work_the_queue(data: Database) -> None:
    example, service, moderator, (world, flagged) = _desk(data, "admin", FlagReason.SPAM)
    for outsider in (world.users[0], uuid.uuid4()):
        with pytest.raises(example.NotAModerator):
            service.decide(outsider, flagged.item.id, Decision.REMOVE, "spam")
    assert data.repos.moderation_actions.count() == 0
    page = service.queue(moderator, min_severity=Severity.LOW)
    assert [e.item.id for e in page.items] == [flagged.item.id]
    assert service.queue(moderator, min_severity=Severity.HIGH).items == []


def test_a_failed_decision_leaves_no_analytics_event(data: Database) -> None:
    _, service, moderator, (_, flagged) = _desk(data, "moderator", FlagReason.OTHER)
    service.decide(moderator, flagged.item.id, Decision.APPROVE, "fine")
    with pytest.raises(Conflict, match="approved"):
        service.decide(moderator, flagged.item.id, Decision.REMOVE, "changed my mind")
    assert data.repos.analytics_events.count() == 1


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
    assert "Brian asked for the queue: refused, not a moderator" in done.stdout
    assert "comment hidden: True" in done.stdout
