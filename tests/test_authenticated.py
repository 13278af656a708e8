"""``db.authenticated(token_hash)``: a request's sign-in check and its work in one borrow.

Everything runs on the application's login under row-level security, as a service would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from chanuka_db import Database, NotAuthenticated
from chanuka_db.errors import InvalidInput, QueryError
from chanuka_db.pool import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.repositories import AuthenticatedUnitOfWork
from chanuka_db.types import UserPatch
from tests.security_support import USER_A, USER_B, add_users
from tests.users_support import fresh_hash


def add_session(
    conn: psycopg.Connection[Any], user: uuid.UUID, *, expires: str = "1 day", active: bool = True
) -> str:
    """A session of ``user`` (as the superuser) whose expiry is ``now() + expires``."""
    token_hash = fresh_hash()
    conn.execute(
        "INSERT INTO sessions (id, user_id, expires_at, is_active)"
        " VALUES (%s, %s, now() + %s::interval, %s)",
        (token_hash, user, expires, active),
    )
    return token_hash


@pytest.fixture
def db(app_url: DatabaseUrl, conn: psycopg.Connection[Any]) -> Iterator[Database]:
    """The services' Database on the application's login; users A and B exist."""
    add_users(conn, USER_A, USER_B)
    config = DatabaseConfig.for_environment(Environment.TEST, url=app_url, pool_min=0, pool_max=2)
    with Database(config) as database:
        yield database


def test_the_token_owner_is_the_actor_in_one_borrow_and_two_statements(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    mine, other_device = add_session(conn, USER_A), add_session(conn, USER_A)
    add_session(conn, USER_B)
    borrowed = db.stats().acquisitions
    with db.queries.count() as counted, db.authenticated(mine) as uow:
        assert counted.total == 2  # whose token (binding the actor), then session + account
        assert isinstance(uow, AuthenticatedUnitOfWork)
        assert uow.actor == USER_A
        assert (uow.session.session.id, uow.session.user.id) == (mine, USER_A)
        # row-level security now shows A's own sessions and nobody else's
        assert {s.id for s in uow.sessions.list_active(USER_A)} == {mine, other_device}
        assert uow.sessions.count() == 2
        assert uow.sessions.list_active(USER_B) == []
    assert db.stats().acquisitions == borrowed + 1


def test_the_work_commits_as_the_owner_and_an_exception_rolls_it_back(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    mine, kept, ended = (add_session(conn, USER_A) for _ in range(3))

    def revoke_then_fail() -> None:
        with db.authenticated(mine) as uow:
            assert uow.sessions.revoke(USER_A, kept)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        revoke_then_fail()
    with db.authenticated(mine) as uow:
        assert uow.sessions.revoke(USER_A, ended)
    active = conn.execute("SELECT id FROM sessions WHERE is_active").fetchall()
    assert {row[0] for row in active} == {mine, kept}
    (actor,) = conn.execute(
        "SELECT actor_id FROM audit_log WHERE table_name = 'sessions' AND operation = 'UPDATE'"
    ).fetchone() or (None,)
    assert actor == USER_A  # the audit names the token's owner


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked", "deactivated account"])
def test_a_token_that_is_no_active_session_is_refused_and_binds_nobody(
    case: str, db: Database, conn: psycopg.Connection[Any]
) -> None:
    token_hash = {
        "unknown": fresh_hash,
        "expired": lambda: add_session(conn, USER_A, expires="-1 second"),
        "revoked": lambda: add_session(conn, USER_A, active=False),
        "deactivated account": lambda: add_session(conn, USER_B),
    }[case]()
    if case == "deactivated account":
        with db.unit_of_work(actor=USER_B) as uow:
            uow.users.update(USER_B, UserPatch(is_active=False))
    with pytest.raises(NotAuthenticated) as refused, db.authenticated(token_hash):
        pytest.fail("the block must not run")
    assert token_hash not in str(refused.value)
    # the borrow came back clean: no actor is left bound for the next borrower
    for _ in range(2):  # both pooled connections
        with db.unit_of_work() as uow:
            assert uow.sessions.count() == 0
    assert db.stats().in_use == 0


def test_bad_tokens_and_nesting_are_refused_before_any_statement(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    mine = add_session(conn, USER_A)
    with db.queries.count() as counted:
        for bad in ("a raw token, not its hash", mine.upper(), None):
            with pytest.raises(InvalidInput, match="token_hash"), db.authenticated(bad):  # type: ignore[arg-type]
                pytest.fail("the block must not run")
    assert counted.total == 0
    for outer in (lambda: db.unit_of_work(actor=USER_A), lambda: db.authenticated(mine)):
        with outer(), pytest.raises(InvalidInput, match="before opening a unit of work"):
            db.authenticated(mine).__enter__()


def test_a_nested_unit_of_work_keeps_the_owner_and_read_only_refuses_writes(
    db: Database, conn: psycopg.Connection[Any]
) -> None:
    mine, other = add_session(conn, USER_A), add_session(conn, USER_A)
    with db.authenticated(mine) as uow:
        with db.unit_of_work(actor=USER_A) as inner:
            assert inner is uow
        with pytest.raises(InvalidInput, match="actor"), db.unit_of_work(actor=USER_B):
            pytest.fail("the block must not run")

    def write_in_read_only() -> None:
        with db.authenticated(mine, read_only=True) as uow:
            assert uow.session.user.id == USER_A
            uow.sessions.revoke(USER_A, other)

    with pytest.raises(QueryError) as refused:
        write_in_read_only()
    assert refused.value.sqlstate == "25006"  # read_only_sql_transaction
    assert conn.execute("SELECT is_active FROM sessions WHERE id = %s", (other,)).fetchone() == (
        True,
    )
