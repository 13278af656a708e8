"""Row-level security: one user never reads or changes another's personal rows.

Every statement here runs on the application's login (a member of ``chanuka_app``) with the
actor bound as the unit of work binds it, against a real PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors

from chanuka_db import Database as ServicesDatabase
from chanuka_db.errors import NotFound
from chanuka_db.pool import Database, DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.repositories.auth import hash_token, new_token
from chanuka_db.types import REGISTRY, NewUserSocialProfile
from tests.security_support import (
    PERSONAL_ROWS,
    USER_A,
    USER_B,
    acting_as,
    add_personal_row,
    add_users,
    connect,
    ids,
    owner_change,
)

PERSONAL_TABLES = list(PERSONAL_ROWS)  # sessions first: refresh tokens need one


@pytest.fixture
def rows(conn: psycopg.Connection[Any]) -> dict[str, dict[uuid.UUID, Any]]:
    """One row of every personal table for user A and one for user B (written as superuser)."""
    add_users(conn, USER_A, USER_B)
    return {
        table: {user: add_personal_row(conn, table, user) for user in (USER_A, USER_B)}
        for table in PERSONAL_TABLES
    }


@pytest.fixture
def app(app_url: DatabaseUrl) -> Iterator[psycopg.Connection[Any]]:
    with connect(app_url) as connection:
        yield connection


def test_personal_tables_are_forced_and_only_they_and_users_have_policies(
    conn: psycopg.Connection[Any],
) -> None:
    forced = conn.execute(
        "SELECT relname, relforcerowsecurity FROM pg_class"
        " WHERE relrowsecurity AND relnamespace = current_schema()::regnamespace ORDER BY 1"
    ).fetchall()
    assert dict(forced) == {
        **dict.fromkeys(PERSONAL_TABLES, True),
        "users": True,
        "audit_log": False,  # written only by its owner's trigger and purge
    }


@pytest.mark.parametrize("table", PERSONAL_TABLES)
def test_a_user_sees_and_changes_only_their_own_rows(
    table: str,
    rows: dict[str, dict[uuid.UUID, Any]],
    app: psycopg.Connection[Any],
    conn: psycopg.Connection[Any],
) -> None:
    mine, theirs = rows[table][USER_A], rows[table][USER_B]
    give_away = {"other": USER_B, "id": mine}
    with acting_as(app, USER_A):
        assert ids(app, table) == {mine}
        assert app.execute(f"UPDATE {table} SET id = id WHERE id = %s", (theirs,)).rowcount == 0
        assert app.execute(f"DELETE FROM {table} WHERE id = %s", (theirs,)).rowcount == 0
        assert app.execute(f"UPDATE {table} SET id = id WHERE id = %s", (mine,)).rowcount == 1
        with (
            pytest.raises(pg_errors.InsufficientPrivilege, match="row-level security"),
            app.transaction(),  # give my row away
        ):
            app.execute(f"UPDATE {table} SET {owner_change(table)} WHERE id = %(id)s", give_away)
        with (
            pytest.raises(pg_errors.InsufficientPrivilege, match="row-level security"),
            app.transaction(),  # write a row in someone else's name
        ):
            add_personal_row(app, table, USER_B)
    with acting_as(app, USER_B):
        assert ids(app, table) == {theirs}
    assert ids(conn, table) >= {mine, theirs}  # nothing was changed or deleted


@pytest.mark.parametrize("table", PERSONAL_TABLES)
def test_a_user_writes_their_own_rows(
    table: str, rows: dict[str, dict[uuid.UUID, Any]], app: psycopg.Connection[Any]
) -> None:
    if table in {"user_profiles", "bill_engagement"}:  # one row per user (per bill)
        with acting_as(app, USER_A):
            deleted = app.execute(f"DELETE FROM {table} WHERE id = %s", (rows[table][USER_A],))
            assert deleted.rowcount == 1
    with acting_as(app, USER_A):
        new = add_personal_row(app, table, USER_A)  # INSERT ... RETURNING passes SELECT too
        assert new in ids(app, table)


def test_no_actor_and_an_empty_actor_see_nothing(
    rows: dict[str, dict[uuid.UUID, Any]], app: psycopg.Connection[Any]
) -> None:
    with acting_as(app, USER_A):
        assert all(ids(app, table) for table in PERSONAL_TABLES)
    # After a transaction-local setting ends the value is '' (not NULL) for the session.
    assert app.execute("SELECT current_setting('app.user_id', true)").fetchone() == ("",)
    for actor in (None, ""):
        with app.transaction():
            if actor is not None:
                app.execute("SELECT set_config('app.user_id', %s, true)", (actor,))
            for table in PERSONAL_TABLES:
                assert ids(app, table) == set(), table
                assert app.execute(f"UPDATE {table} SET id = id").rowcount == 0
                assert app.execute(f"DELETE FROM {table}").rowcount == 0
    with pytest.raises(pg_errors.InvalidTextRepresentation), acting_as(app, "not-a-uuid"):
        ids(app, "notifications")  # a malformed actor is an error, never "all rows"


def test_the_application_cannot_take_the_system_path(
    rows: dict[str, dict[uuid.UUID, Any]], app: psycopg.Connection[Any]
) -> None:
    with app.transaction():
        app.execute("SELECT set_config('app.role', 'system', true)")
        assert all(ids(app, table) == set() for table in PERSONAL_TABLES)
    for role in ("chanuka_system", "chanuka_owner", "postgres"):
        with pytest.raises(pg_errors.InsufficientPrivilege), app.transaction():
            app.execute("SELECT set_config('role', %s, true)", (role,))
    with pytest.raises(pg_errors.InsufficientPrivilege):
        app.execute("SET ROLE chanuka_system")
    with pytest.raises(pg_errors.InsufficientPrivilege):
        app.execute("SET row_security = off; SELECT * FROM notifications")


def test_the_system_path_sees_everything_only_when_asked(
    rows: dict[str, dict[uuid.UUID, Any]], system_url: DatabaseUrl
) -> None:
    with connect(system_url) as jobs:
        with jobs.transaction():
            assert all(ids(jobs, table) == set() for table in PERSONAL_TABLES)
        with acting_as(jobs, USER_B):
            assert ids(jobs, "notifications") == {rows["notifications"][USER_B]}
        with jobs.transaction():
            jobs.execute("SELECT set_config('app.role', 'system', true)")
            for table in PERSONAL_TABLES:
                assert ids(jobs, table) == set(rows[table].values()), table
            assert jobs.execute("DELETE FROM notifications").rowcount == 2
            add_personal_row(jobs, "notifications", USER_B)  # e.g. a fan-out job


def test_public_profiles_are_readable_and_still_not_writable(
    rows: dict[str, dict[uuid.UUID, Any]],
    app: psycopg.Connection[Any],
    conn: psycopg.Connection[Any],
) -> None:
    conn.execute("UPDATE user_profiles SET is_public = true WHERE user_id = %s", (USER_B,))
    with acting_as(app, USER_A):
        assert ids(app, "user_profiles") == set(rows["user_profiles"].values())
        changed = app.execute(
            "UPDATE user_profiles SET bio = 'hacked' WHERE user_id = %s", [USER_B]
        )
        assert changed.rowcount == 0
    with app.transaction():
        assert ids(app, "user_profiles") == {rows["user_profiles"][USER_B]}  # anonymous too


def test_accounts_are_public_to_read_but_only_their_owner_changes_them(
    rows: dict[str, dict[uuid.UUID, Any]], app: psycopg.Connection[Any]
) -> None:
    with app.transaction():  # no actor yet: a login looks the account up; a visitor registers
        assert ids(app, "users") == {USER_A, USER_B}
        new = app.execute(
            "INSERT INTO users (email, password_hash, name) VALUES ('c@x', 'h', 'C') RETURNING id"
        ).fetchone()
        assert new is not None
        assert app.execute("UPDATE users SET name = 'x'").rowcount == 0
    with acting_as(app, USER_A):
        assert app.execute("UPDATE users SET name = 'renamed'").rowcount == 1
        assert app.execute("DELETE FROM users WHERE id = %s", (USER_B,)).rowcount == 0
        with pytest.raises(pg_errors.InsufficientPrivilege), app.transaction():
            app.execute("UPDATE users SET id = %s WHERE id = %s", (uuid.uuid4(), USER_A))
    with acting_as(app, new[0]):
        assert app.execute("DELETE FROM users").rowcount == 1  # closing one's own account


def test_a_token_holder_learns_only_whose_token_it_is(
    rows: dict[str, dict[uuid.UUID, Any]], app: psycopg.Connection[Any]
) -> None:
    session = app.execute(
        "SELECT auth_session_owner('nope'), auth_refresh_token_owner('nope'),"
        " auth_password_reset_owner('nope')"
    ).fetchone()
    assert session == (None, None, None)
    with acting_as(app, USER_B):
        session_id, refresh, reset = app.execute(
            "SELECT (SELECT min(id) FROM sessions), (SELECT token_hash FROM refresh_tokens),"
            " (SELECT token_hash FROM password_resets)"
        ).fetchone() or (None, None, None)
    found = app.execute(
        "SELECT auth_session_owner(%s), auth_refresh_token_owner(%s),"
        " auth_password_reset_owner(%s), current_setting('app.role', true)",
        (session_id, refresh, reset),
    ).fetchone()
    assert found == (USER_B, USER_B, USER_B, "")  # and the function's system mode did not leak
    assert ids(app, "sessions") == set()


def test_the_audit_trail_of_a_user_is_theirs_alone(
    rows: dict[str, dict[uuid.UUID, Any]], app: psycopg.Connection[Any]
) -> None:
    with acting_as(app, USER_A):
        app.execute("UPDATE notifications SET is_read = true")
    with acting_as(app, USER_B):
        app.execute("UPDATE notifications SET is_read = true")
        trail = app.execute("SELECT DISTINCT actor_id FROM audit_log").fetchall()
    assert trail == [(USER_B,)]
    assert app.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)  # no actor


def test_ten_thousand_pooled_borrows_never_leak_an_actor(
    rows: dict[str, dict[uuid.UUID, Any]],
    conn: psycopg.Connection[Any],
    app_url: DatabaseUrl,
    make_db: Callable[..., Database],
) -> None:
    """Borrowers alternate: bind A, bind nothing, bind B for the session (a careless
    borrower), bind nothing. One connection serves them all; one statement per borrow."""
    conn.execute(
        "CREATE FUNCTION visible_owners(actor text, session_wide boolean) RETURNS text"
        " LANGUAGE plpgsql AS $$ BEGIN"
        " PERFORM set_config('app.user_id', actor, NOT session_wide);"
        " RETURN (SELECT string_agg(DISTINCT user_id::text, ',') FROM notifications)"
        " || ' ' || pg_backend_pid(); END $$"
    )
    plain = "SELECT (SELECT string_agg(DISTINCT user_id::text, ',') FROM notifications)"
    plain += " || ' ' || pg_backend_pid(), coalesce(current_setting('app.user_id', true), '')"
    db = make_db(url=app_url, pool_min=1, pool_max=1)
    seen: dict[str, int] = {}
    backends = set()
    for n in range(10_000):
        with db.connection() as c:
            if n % 2:
                owners, leftover = c.execute(plain).fetchone() or (None, None)
                assert owners is None and leftover == "", f"borrow {n} saw {owners}"
                continue
            actor, session_wide = (USER_A, False) if n % 4 == 0 else (USER_B, True)
            row = c.execute("SELECT visible_owners(%s, %s)", (str(actor), session_wide)).fetchone()
            owners, backend = row[0].split(" ") if row else ("", "")
            assert owners == str(actor), f"borrow {n} as {actor} saw {owners}"
            seen[owners] = seen.get(owners, 0) + 1
            backends.add(backend)
    assert seen == {str(USER_A): 2500, str(USER_B): 2500}
    assert len(backends) == 1  # the same server session served every borrower
    assert db.stats().returns_bad == 0


# -- the same rules through the repositories and the unit of work ---------------------------

PATCHES: dict[str, dict[str, Any]] = {
    "sessions": {"is_active": False},
    "refresh_tokens": {"is_revoked": True},
    "password_resets": {"is_used": True},
    "notifications": {"is_read": True},
    "user_progress": {"achievement_value": 5},
    "user_interests": {"interest": "budget"},
    "user_social_profiles": {"username": "renamed"},
    "user_profiles": {"bio": "renamed"},
    "user_activity_summary": {"bills_viewed": 3},
    "bill_engagement": {"view_count": 3},
}


def test_every_repository_method_keeps_users_apart(
    rows: dict[str, dict[uuid.UUID, Any]], app_url: DatabaseUrl
) -> None:
    config = DatabaseConfig.for_environment(Environment.TEST, url=app_url, pool_min=0)
    with ServicesDatabase(config) as db:
        for table in PERSONAL_TABLES:
            repo_name, mine, theirs = table, rows[table][USER_A], rows[table][USER_B]
            patch = REGISTRY.table(table).patch_type(**PATCHES[table])
            with db.unit_of_work(actor=USER_A) as uow:
                repo = getattr(uow, repo_name)
                assert [r.id for r in repo.list().items] == [mine], table
                assert repo.count() == 1 and repo.find(theirs) is None
                assert repo.get_many([mine, theirs]).missing == [theirs]
                for method, args in (("get", ()), ("delete", ()), ("update", (patch,))):
                    with pytest.raises(NotFound):
                        getattr(repo, method)(theirs, *args)
                assert repo.update(mine, patch).id == mine
            with db.unit_of_work() as nobody:
                assert getattr(nobody, repo_name).count() == 0, table
        assert db.repos.notifications.count() == 0  # no unit of work, no actor: nothing


def test_sign_in_flows_work_for_the_application_under_row_level_security(
    app_url: DatabaseUrl, conn: psycopg.Connection[Any]
) -> None:
    """A request holds a token and no actor: the owner lookup binds one, then it all works."""
    add_users(conn, USER_A)
    session, refresh, reset = (hash_token(new_token()) for _ in range(3))
    config = DatabaseConfig.for_environment(Environment.TEST, url=app_url, pool_min=0)
    with ServicesDatabase(config) as db:
        with db.unit_of_work(actor=USER_A) as uow:  # sign-in, after the password check
            uow.sessions.create(USER_A, session, ttl=dt.timedelta(hours=1))
            uow.refresh_tokens.issue(USER_A, session, refresh, ttl=dt.timedelta(days=1))
            uow.password_resets.create(USER_A, reset)
        with db.unit_of_work() as request:  # a later request: only the token is known
            assert request.sessions.get_active_with_user(session) is None  # RLS: no actor
            owners = [
                request.sessions.owner_of(session),
                request.refresh_tokens.owner_of(refresh),
                request.password_resets.owner_of(reset),
            ]
        assert owners == [USER_A] * 3
        login = {"provider": "google", "provider_id": "g-123"}
        with db.unit_of_work(actor=USER_A) as uow:
            uow.user_social_profiles.link(NewUserSocialProfile(user_id=USER_A, **login))
        with db.unit_of_work() as request:  # "sign in with Google": vouched for, no actor yet
            assert request.user_social_profiles.find_by_provider(**login) is None  # RLS
            assert request.user_social_profiles.owner_of(**login) == USER_A
            assert request.user_social_profiles.owner_of("google", "nobody") is None
        with db.unit_of_work(actor=owners[0]) as uow:
            found = uow.sessions.get_active_with_user(session)
            assert found is not None
            uow.refresh_tokens.rotate(refresh, hash_token(new_token()), ttl=dt.timedelta(days=1))
            assert uow.password_resets.consume(reset, "new-hash") == USER_A


def test_a_bill_status_fan_out_reaches_followers_only_on_the_system_path(
    app_url: DatabaseUrl, system_url: DatabaseUrl, conn: psycopg.Connection[Any]
) -> None:
    """Telling every follower writes other users' rows: the jobs' Database does it; on the
    application's, row-level security lets the actor see no one else's engagement."""
    add_users(conn, USER_A, USER_B)
    bill = conn.execute("SELECT min(id) FROM bills").fetchone()[0]  # type: ignore[index]
    for user in (USER_A, USER_B):
        add_personal_row(conn, "bill_engagement", user)
    app_config = DatabaseConfig.for_environment(Environment.TEST, url=app_url, pool_min=0)
    with ServicesDatabase(app_config) as app, app.unit_of_work(actor=USER_A) as uow:
        assert uow.bills.update_status(bill, "committee").notified == 0
    jobs_config = DatabaseConfig.for_environment(
        Environment.TEST, url=app_url, system_url=system_url, pool_min=0
    )
    with ServicesDatabase(jobs_config, system=True) as jobs, jobs.unit_of_work() as uow:
        assert uow.bills.update_status(bill, "passed").notified == 2
    owners = conn.execute("SELECT user_id FROM notifications ORDER BY user_id").fetchall()
    assert owners == [(USER_A,), (USER_B,)]
