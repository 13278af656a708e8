"""``uow.audit``: the history of a row and the trail of an actor, through the repositories."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import InvalidInput
from chanuka_db.pool import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.types import NewAuditLog, NewNotification, NotificationPatch
from tests.security_support import USER_A, USER_B, add_users


def _database(url: DatabaseUrl, *, system: bool = False) -> Database:
    logins = {"system_url": url} if system else {}
    config = DatabaseConfig.for_environment(Environment.TEST, url=url, pool_min=0, **logins)
    return Database(config, system=system)


@pytest.fixture
def app(app_url: DatabaseUrl, conn: psycopg.Connection[Any]) -> Iterator[Database]:
    add_users(conn, USER_A, USER_B)
    with _database(app_url) as database:
        yield database


def _notify(db: Database, user: uuid.UUID) -> int:
    with db.unit_of_work(actor=user) as uow:
        note = uow.notifications.add(
            NewNotification(user_id=user, type="reply", title="hello", message="hi")
        )
        uow.notifications.update(note.id, NotificationPatch(is_read=True))
    return note.id


def test_a_user_reads_the_history_of_their_rows_and_their_own_trail(app: Database) -> None:
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    mine, theirs = _notify(app, USER_A), _notify(app, USER_B)
    with app.unit_of_work(actor=USER_A) as uow:
        history = uow.audit.for_record("notifications", mine)
        assert [r.operation for r in history.items] == ["INSERT", "UPDATE"]
        assert history.items[1].changed_columns == ["is_read"]
        assert history.items[1].new_values == {"is_read": True}
        assert uow.audit.for_record("notifications", theirs).total == 0  # B's trail
        trail = uow.audit.for_actor(USER_A, since=started)
        assert {r.record_id for r in trail.items} == {str(mine)}
        assert uow.audit.for_actor(USER_A, until=started).total == 0
        assert uow.audit.for_actor(USER_B).total == 0


# The whole trail, unfiltered or by operation: what only tests ask for (under row-level
# security a user's read is bound to their actor_id, which the plan gate's EXPLAIN, run as
# a superuser, would not see); not judged by the gate.
@pytest.mark.unjudged
def test_without_an_actor_the_trail_is_empty(app: Database) -> None:
    _notify(app, USER_A)
    with app.unit_of_work() as anonymous:
        assert anonymous.audit.list().total == 0


@pytest.mark.unjudged
def test_the_system_path_reads_every_trail(app: Database, system_url: DatabaseUrl) -> None:
    mine, theirs = _notify(app, USER_A), _notify(app, USER_B)
    with _database(system_url, system=True) as jobs, jobs.unit_of_work() as uow:
        for record in (mine, theirs):
            assert uow.audit.for_record("notifications", record).total == 2
        assert uow.audit.for_actor(USER_B).total == 2
        assert uow.audit.count({"operation": "INSERT", "table_name": "notifications"}) == 2


def test_arguments_are_checked_before_any_sql(app: Database) -> None:
    aware = dt.datetime.now(dt.UTC)
    with app.unit_of_work(actor=USER_A) as uow:
        bad_calls = [
            ("table", lambda: uow.audit.for_record("no_such_table", 1)),
            ("table", lambda: uow.audit.for_record("audit_log", 1)),
            ("table", lambda: uow.audit.for_record(3, 1)),  # type: ignore[arg-type]
            ("record_id", lambda: uow.audit.for_record("bills", None)),
            ("record_id", lambda: uow.audit.for_record("bills", True)),
            ("record_id", lambda: uow.audit.for_record("bills", "x" * 201)),
            ("record_id", lambda: uow.audit.for_record("bills", "1\x00")),
            ("actor", lambda: uow.audit.for_actor(str(USER_A))),  # type: ignore[arg-type]
            ("since", lambda: uow.audit.for_actor(USER_A, since=dt.datetime(2024, 1, 1))),
            ("until", lambda: uow.audit.for_actor(USER_A, since=aware, until=aware)),
        ]
        for field, call in bad_calls:
            with pytest.raises(InvalidInput) as refused:
                call()
            assert refused.value.field == field


def test_the_audit_cannot_be_written_through_the_layer(app: Database) -> None:
    new = NewAuditLog(table_name="bills", record_id="1", operation="INSERT")
    with app.unit_of_work(actor=USER_A) as uow:
        for call in (
            lambda: uow.audit.add(new),
            lambda: uow.audit.add_many([new]),
            lambda: uow.audit.update(1, None),  # type: ignore[arg-type]
            lambda: uow.audit.delete(1),
        ):
            with pytest.raises(InvalidInput, match="audit trigger only"):
                call()
