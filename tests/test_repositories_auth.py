"""Sessions, refresh tokens and password resets against the migrated schema."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, NotFound
from chanuka_db.pool import Environment
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl
from chanuka_db.repositories import auth
from chanuka_db.repositories.users import PublicUser, SessionWithUser, hash_token, new_token
from chanuka_db.types import UserPatch
from tests.users_support import add_user, expire, explain, fresh_hash, race

HOUR = dt.timedelta(hours=1)


def test_tokens_are_random_and_hashes_are_sha256_hex() -> None:
    token = new_token()
    assert len(token) >= 43
    assert new_token() != token
    digest = hash_token(token)
    assert digest == hash_token(token)
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    for bad in ("short", 42, "x" * 1025):
        with pytest.raises(InvalidInput, match="token"):
            hash_token(bad)  # type: ignore[arg-type]


def test_a_session_is_created_and_found_with_its_user_in_one_statement(data: Database) -> None:
    user = add_user(data)
    token_hash = fresh_hash()
    with data.queries.count() as counted:
        session = data.repos.sessions.create(
            user.id, token_hash, ttl=HOUR, ip_address=" 196.201.214.10 ", user_agent="Firefox"
        )
    assert counted.total == 1
    assert (session.id, session.user_id, session.is_active) == (token_hash, user.id, True)
    assert session.expires_at - session.created_at == HOUR  # computed by the server
    assert (session.ip_address, session.user_agent, session.token) == (
        "196.201.214.10",
        "Firefox",
        None,
    )
    with data.queries.count() as counted:
        found = data.repos.sessions.get_active_with_user(token_hash)
    assert counted.total == 1
    assert found == SessionWithUser(session, user)
    assert isinstance(found.user, PublicUser)
    assert not hasattr(found.user, "password_hash")


def test_the_session_lookup_is_two_primary_key_probes(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    sql, params = auth._ACTIVE_SESSION.sql(token_hash=fresh_hash())
    plan = explain(conn, sql, params)
    assert "sessions_pkey" in plan
    assert "users_pkey" in plan
    assert "Seq Scan" not in plan


def test_expired_revoked_unknown_and_deactivated_sessions_are_not_returned(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    user, other = add_user(data, 1), add_user(data, 2)
    expired, revoked, live, deactivated = (fresh_hash() for _ in range(4))
    for token_hash in (expired, revoked, live):
        data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    data.repos.sessions.create(other.id, deactivated, ttl=HOUR)
    expire(conn, "sessions", "id", expired)
    assert data.repos.sessions.revoke(user.id, revoked)
    data.repos.users.update(other.id, UserPatch(is_active=False))
    for token_hash in (expired, revoked, deactivated, fresh_hash()):
        assert data.repos.sessions.get_active_with_user(token_hash) is None
    assert data.repos.sessions.get_active_with_user(live) is not None
    assert [s.id for s in data.repos.sessions.list_active(user.id)] == [live]


def test_sessions_only_for_existing_active_users_and_unique_hashes(data: Database) -> None:
    user = add_user(data)
    inactive = add_user(data, 2, is_active=False)
    token_hash = fresh_hash()
    data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    with pytest.raises(Conflict):
        data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    for user_id in (inactive.id, uuid.uuid4()):
        with pytest.raises(NotFound):
            data.repos.sessions.create(user_id, fresh_hash(), ttl=HOUR)
    assert data.repos.sessions.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"user_id": "not-a-uuid"}, "user_id"),
        ({"token_hash": "a raw token, not its hash"}, "token_hash"),
        ({"token_hash": "A" * 64}, "token_hash"),
        ({"ttl": 3600}, "ttl"),
        ({"ttl": dt.timedelta(0)}, "ttl"),
        ({"ttl": dt.timedelta(days=400)}, "ttl"),
        ({"ip_address": "999.1.1.1"}, "ip_address"),
        ({"ip_address": 7}, "ip_address"),
        ({"user_agent": "x" * 1025}, "user_agent"),
        ({"user_agent": "nul\x00"}, "user_agent"),
    ],
)
def test_create_refuses_bad_arguments_before_any_sql(
    data: Database, change: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {
        "user_id": uuid.uuid4(),
        "token_hash": fresh_hash(),
        "ttl": HOUR,
        "ip_address": None,
        "user_agent": None,
    }
    arguments.update(change)
    with data.queries.count() as counted, pytest.raises(InvalidInput) as err:
        data.repos.sessions.create(**arguments)
    assert err.value.field == field
    assert counted.total == 0


def test_revoke_is_per_user_and_takes_the_refresh_tokens_along(data: Database) -> None:
    user, intruder = add_user(data, 1), add_user(data, 2)
    token_hash = fresh_hash()
    data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    refresh = fresh_hash()
    data.repos.refresh_tokens.issue(user.id, token_hash, refresh, ttl=HOUR)
    assert not data.repos.sessions.revoke(intruder.id, token_hash)  # not theirs
    with data.queries.count() as counted:
        assert data.repos.sessions.revoke(user.id, token_hash)
    assert counted.total == 1
    assert not data.repos.sessions.revoke(user.id, token_hash)  # already revoked
    assert data.repos.refresh_tokens.count({"is_revoked": True}) == 1
    with pytest.raises(NotFound):
        data.repos.refresh_tokens.rotate(refresh, fresh_hash(), ttl=HOUR)


def test_revoke_all_keeps_the_one_asked_for(data: Database) -> None:
    user, other = add_user(data, 1), add_user(data, 2)
    hashes = [fresh_hash() for _ in range(3)]
    for token_hash in hashes:
        data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    data.repos.sessions.create(other.id, fresh_hash(), ttl=HOUR)
    with data.queries.count() as counted:
        assert data.repos.sessions.revoke_all(user.id, keep_token_hash=hashes[0]) == 2
    assert counted.total == 1
    assert [s.id for s in data.repos.sessions.list_active(user.id)] == [hashes[0]]
    assert data.repos.sessions.revoke_all(user.id) == 1
    assert data.repos.sessions.count({"is_active": True}) == 1  # the other user's


def test_rotate_replaces_the_session_atomically(data: Database) -> None:
    user, other = add_user(data, 1), add_user(data, 2)
    old, new = fresh_hash(), fresh_hash()
    data.repos.sessions.create(user.id, old, ttl=HOUR, ip_address="10.0.0.1", user_agent="A")
    refresh = fresh_hash()
    data.repos.refresh_tokens.issue(user.id, old, refresh, ttl=HOUR)
    with pytest.raises(NotFound):
        data.repos.sessions.rotate(other.id, old, new, ttl=HOUR)
    with data.queries.count() as counted:
        session = data.repos.sessions.rotate(user.id, old, new, ttl=2 * HOUR, user_agent="B")
    assert counted.total == 1
    assert (session.id, session.ip_address, session.user_agent) == (new, "10.0.0.1", "B")
    assert session.expires_at - session.created_at == 2 * HOUR
    assert data.repos.sessions.get_active_with_user(old) is None
    assert data.repos.refresh_tokens.count({"is_revoked": True}) == 1
    with pytest.raises(NotFound):
        data.repos.sessions.rotate(user.id, old, fresh_hash(), ttl=HOUR)
    with pytest.raises(Conflict):  # the new hash is taken: the old session stays as it was
        data.repos.sessions.rotate(user.id, new, new, ttl=HOUR)
    assert data.repos.sessions.get_active_with_user(new) is not None


def test_concurrent_rotations_of_one_session_have_exactly_one_winner(data: Database) -> None:
    user = add_user(data)
    old = fresh_hash()
    data.repos.sessions.create(user.id, old, ttl=HOUR)

    def rotate(_: int) -> str:
        with data.unit_of_work(actor=user.id) as uow:
            return uow.sessions.rotate(user.id, old, fresh_hash(), ttl=HOUR).id

    winners, errors = race(50, rotate)
    assert len(winners) == 1
    assert len(errors) == 49
    assert all(isinstance(error, NotFound) for error in errors)
    assert [s.id for s in data.repos.sessions.list_active(user.id)] == winners
    assert data.repos.sessions.count() == 2


def test_cleanup_deletes_expired_sessions_only(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    user = add_user(data)
    live, revoked, expired = fresh_hash(), fresh_hash(), fresh_hash()
    for token_hash in (live, revoked, expired):
        data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    data.repos.refresh_tokens.issue(user.id, expired, fresh_hash(), ttl=HOUR)
    data.repos.sessions.revoke(user.id, revoked)
    expire(conn, "sessions", "id", expired)
    with data.queries.count() as counted:
        assert data.repos.sessions.cleanup() == 1
    assert counted.total == 1
    assert sorted(s.id for s in data.repos.sessions.list().items) == sorted([live, revoked])
    assert data.repos.refresh_tokens.count() == 0  # went with its session
    assert data.repos.sessions.cleanup() == 0


def test_owner_lookups(data: Database) -> None:
    user = add_user(data)
    session, refresh, reset = fresh_hash(), fresh_hash(), fresh_hash()
    data.repos.sessions.create(user.id, session, ttl=HOUR)
    data.repos.refresh_tokens.issue(user.id, session, refresh, ttl=HOUR)
    data.repos.password_resets.create(user.id, reset)
    assert data.repos.sessions.owner_of(session) == user.id
    assert data.repos.refresh_tokens.owner_of(refresh) == user.id
    assert data.repos.password_resets.owner_of(reset) == user.id
    for repository in (data.repos.sessions, data.repos.refresh_tokens, data.repos.password_resets):
        assert repository.owner_of(fresh_hash()) is None
        with pytest.raises(InvalidInput, match="token_hash"):
            repository.owner_of("plain token")


# -- refresh tokens --------------------------------------------------------------------------


def test_refresh_tokens_are_issued_for_own_active_sessions_only(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    user, other = add_user(data, 1), add_user(data, 2)
    session = fresh_hash()
    data.repos.sessions.create(user.id, session, ttl=HOUR)
    with data.queries.count() as counted:
        token = data.repos.refresh_tokens.issue(user.id, session, fresh_hash(), ttl=HOUR)
    assert counted.total == 1
    assert token.session_id == session
    assert token.expires_at - token.created_at == HOUR
    with pytest.raises(NotFound):
        data.repos.refresh_tokens.issue(other.id, session, fresh_hash(), ttl=HOUR)
    expire(conn, "sessions", "id", session)
    with pytest.raises(NotFound):
        data.repos.refresh_tokens.issue(user.id, session, fresh_hash(), ttl=HOUR)
    with pytest.raises(InvalidInput, match="session_id"):
        data.repos.refresh_tokens.issue(user.id, "session-1", fresh_hash(), ttl=HOUR)


def test_a_refresh_token_is_single_use(data: Database, conn: psycopg.Connection[Any]) -> None:
    user = add_user(data)
    session, first, second = fresh_hash(), fresh_hash(), fresh_hash()
    data.repos.sessions.create(user.id, session, ttl=HOUR)
    data.repos.refresh_tokens.issue(user.id, session, first, ttl=HOUR)
    with data.queries.count() as counted:
        successor = data.repos.refresh_tokens.rotate(first, second, ttl=HOUR)
    assert counted.total == 1
    assert (successor.token_hash, successor.session_id) == (second, session)
    with pytest.raises(NotFound):  # reused
        data.repos.refresh_tokens.rotate(first, fresh_hash(), ttl=HOUR)
    expire(conn, "refresh_tokens", "token_hash", second)
    with pytest.raises(NotFound):  # expired
        data.repos.refresh_tokens.rotate(second, fresh_hash(), ttl=HOUR)
    assert data.repos.refresh_tokens.cleanup() == 1
    third = fresh_hash()
    data.repos.refresh_tokens.issue(user.id, session, third, ttl=HOUR)
    assert data.repos.refresh_tokens.revoke(third)
    assert not data.repos.refresh_tokens.revoke(third)
    with pytest.raises(NotFound):  # revoked
        data.repos.refresh_tokens.rotate(third, fresh_hash(), ttl=HOUR)


def test_concurrent_uses_of_one_refresh_token_have_exactly_one_winner(data: Database) -> None:
    user = add_user(data)
    session, token = fresh_hash(), fresh_hash()
    data.repos.sessions.create(user.id, session, ttl=HOUR)
    data.repos.refresh_tokens.issue(user.id, session, token, ttl=HOUR)

    def use(_: int) -> str:
        return data.repos.refresh_tokens.rotate(token, fresh_hash(), ttl=HOUR).token_hash

    winners, errors = race(50, use)
    assert len(winners) == 1
    assert len(errors) == 49
    assert all(isinstance(error, NotFound) for error in errors)
    assert data.repos.refresh_tokens.count({"is_revoked": False}) == 1
    assert data.repos.refresh_tokens.count() == 2


# -- password resets -------------------------------------------------------------------------


def test_a_new_reset_token_supersedes_the_unused_ones(data: Database) -> None:
    user, inactive = add_user(data, 1), add_user(data, 2, is_active=False)
    first, second = fresh_hash(), fresh_hash()
    data.repos.password_resets.create(user.id, first)
    with data.queries.count() as counted:
        reset = data.repos.password_resets.create(user.id, second, ttl=dt.timedelta(minutes=15))
    assert counted.total == 1
    assert reset.expires_at - reset.created_at == dt.timedelta(minutes=15)
    assert data.repos.password_resets.owner_of(first) is None
    for user_id in (inactive.id, uuid.uuid4()):
        with pytest.raises(NotFound):
            data.repos.password_resets.create(user_id, fresh_hash())
    with pytest.raises(InvalidInput, match="ttl"):
        data.repos.password_resets.create(user.id, fresh_hash(), ttl=dt.timedelta(days=8))
    with pytest.raises(Conflict):
        data.repos.password_resets.create(user.id, second)
    assert data.repos.password_resets.count() == 1


def test_consume_changes_the_password_and_signs_out_everywhere_once(data: Database) -> None:
    user, bystander = add_user(data, 1), add_user(data, 2)
    sessions = [fresh_hash() for _ in range(3)]
    for token_hash in sessions:
        data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
        data.repos.refresh_tokens.issue(user.id, token_hash, fresh_hash(), ttl=HOUR)
    data.repos.sessions.create(bystander.id, fresh_hash(), ttl=HOUR)
    reset = fresh_hash()
    data.repos.password_resets.create(user.id, reset)
    with data.queries.count() as counted:
        assert data.repos.password_resets.consume(reset, "argon2id$new") == user.id
    assert counted.total == 1
    login = data.repos.users.find_for_login("citizen1@example.ke")
    assert login is not None
    assert login.password_hash == "argon2id$new"
    assert data.repos.sessions.list_active(user.id) == []
    assert len(data.repos.sessions.list_active(bystander.id)) == 1
    assert data.repos.refresh_tokens.count({"is_revoked": False}) == 0
    with pytest.raises(NotFound):
        data.repos.password_resets.consume(reset, "argon2id$again")
    assert data.repos.users.find_for_login("citizen1@example.ke") == login
    assert data.repos.password_resets.cleanup() == 1


def test_expired_unknown_and_inactive_resets_are_refused(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    user, leaver = add_user(data, 1), add_user(data, 2)
    expired, orphaned = fresh_hash(), fresh_hash()
    data.repos.password_resets.create(user.id, expired)
    data.repos.password_resets.create(leaver.id, orphaned)
    data.repos.users.update(leaver.id, UserPatch(is_active=False))
    expire(conn, "password_resets", "token_hash", expired)
    for token_hash in (expired, orphaned, fresh_hash()):
        with pytest.raises(NotFound) as err:
            data.repos.password_resets.consume(token_hash, "new")
        assert token_hash not in str(err.value)
    assert data.repos.password_resets.count({"is_used": True}) == 0
    assert data.repos.users.find_for_login("citizen1@example.ke").password_hash == "hash-1"  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="password_hash"):
        data.repos.password_resets.consume(fresh_hash(), "")
    assert data.repos.password_resets.cleanup() == 1  # the expired one


def test_concurrent_consumes_of_one_token_have_exactly_one_winner(data: Database) -> None:
    user = add_user(data)
    reset = fresh_hash()
    data.repos.password_resets.create(user.id, reset)

    def consume(index: int) -> uuid.UUID:
        with data.unit_of_work(actor=user.id) as uow:
            return uow.password_resets.consume(reset, f"hash-from-thread-{index}")

    winners, errors = race(50, consume)
    assert winners == [user.id]
    assert len(errors) == 49
    assert all(isinstance(error, NotFound) for error in errors)
    login = data.repos.users.find_for_login("citizen1@example.ke")
    assert login is not None
    assert login.password_hash.startswith("hash-from-thread-")
    assert data.repos.password_resets.count({"is_used": True}) == 1


# -- what the query monitor logs -------------------------------------------------------------


def _log_everything(database_url: DatabaseUrl) -> Database:
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url, slow_query_ms=0.001)
    return Database(config)


def test_token_and_password_hashes_are_not_logged_as_parameters(
    database_url: DatabaseUrl, caplog: pytest.LogCaptureFixture
) -> None:
    with _log_everything(database_url) as db, caplog.at_level(logging.WARNING, "chanuka_db.sql"):
        user = add_user(db)
        session, reset = fresh_hash(), fresh_hash()
        db.repos.sessions.create(user.id, session, ttl=HOUR)
        db.repos.password_resets.create(user.id, reset)
        db.repos.password_resets.consume(reset, "argon2id$secret")
    parameters = [record.parameters for record in caplog.records if hasattr(record, "parameters")]
    assert len(parameters) >= 4
    logged = "\n".join(parameters)
    for secret in (session, reset, "argon2id$secret"):
        assert secret not in logged


def test_token_hashes_are_not_logged_in_plans(
    database_url: DatabaseUrl, caplog: pytest.LogCaptureFixture
) -> None:
    with _log_everything(database_url) as db, caplog.at_level(logging.WARNING, "chanuka_db.sql"):
        user = add_user(db)
        session = fresh_hash()
        db.repos.sessions.create(user.id, session, ttl=HOUR)
        db.repos.sessions.get_active_with_user(session)
    assert "Index Cond" in caplog.text or "Scan" in caplog.text  # a plan was logged
    assert session not in caplog.text
