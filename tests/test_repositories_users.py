"""Accounts, profiles, interests, progress and social logins against the migrated schema."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs
import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound
from chanuka_db.repositories import users
from chanuka_db.repositories.users import (
    FullProfile,
    OAuthTokens,
    PublicSocialProfile,
    PublicUser,
    normalize_email,
)
from chanuka_db.types import (
    NewUser,
    NewUserProfile,
    NewUserProgress,
    NewUserSocialProfile,
    User,
    UserPatch,
    UserProfilePatch,
    UserSocialProfile,
)
from tests.users_support import add_user, explain, fresh_hash, race

HOUR = dt.timedelta(hours=1)


def _fields(cls: type) -> list[str]:
    return [field.name for field in attrs.fields(cls)]


def test_public_rows_are_the_table_rows_minus_the_secrets() -> None:
    assert _fields(PublicUser) == [n for n in _fields(User) if n != "password_hash"]
    secrets = {"access_token", "refresh_token"}
    assert _fields(PublicSocialProfile) == [
        n for n in _fields(UserSocialProfile) if n not in secrets
    ]
    assert "secret" not in repr(OAuthTokens("secret", "secret"))


# -- accounts --------------------------------------------------------------------------------


def test_emails_are_stored_normalised_and_found_in_any_case(data: Database) -> None:
    user = add_user(data, email="  Wanjiku.Kamau@Example.KE ")
    assert user.email == "wanjiku.kamau@example.ke"
    with data.queries.count() as counted:
        found = data.repos.users.get_by_email("WANJIKU.KAMAU@example.ke")
    assert counted.total == 1
    assert found == user
    assert isinstance(found, PublicUser)
    with pytest.raises(Conflict):  # the same address in another case is taken
        add_user(data, 2, email="wanjiku.kamau@EXAMPLE.ke")
    patched = data.repos.users.update(user.id, UserPatch(email="W.Kamau@Example.KE"))
    assert patched.email == "w.kamau@example.ke"
    [other] = data.repos.users.add_many(
        [NewUser(email="Otieno@Example.KE", password_hash="h", name="Otieno")]
    )
    assert other.email == "otieno@example.ke"


def test_inactive_accounts_are_found_only_when_asked(data: Database) -> None:
    user = add_user(data, is_active=False)
    assert data.repos.users.find_by_email(user.email) is None
    assert data.repos.users.find_by_email(user.email, active_only=False) == user
    assert data.repos.users.find_for_login(user.email) is None
    with pytest.raises(NotFound) as err:
        data.repos.users.get_by_email(user.email)
    assert user.email not in str(err.value)


@pytest.mark.parametrize("email", ["no-at-sign", "two@@example.ke", "a b@example.ke", "x@y", 5])
def test_malformed_emails_are_refused_before_any_sql(data: Database, email: Any) -> None:
    with data.queries.count() as counted, pytest.raises(InvalidInput, match="email"):
        data.repos.users.find_by_email(email)
    assert counted.total == 0
    with pytest.raises(InvalidInput, match="email"):
        normalize_email("x" * 250 + "@example.ke")


def test_the_email_lookup_uses_an_index(data: Database, conn: psycopg.Connection[Any]) -> None:
    for statement in (users._USER_BY_EMAIL, users._ACTIVE_USER_BY_EMAIL, users._LOGIN_BY_EMAIL):
        plan = explain(conn, *statement.sql(email="a@example.ke"))
        assert "Index" in plan
        assert "users_email_unique" in plan or "idx_users_email_active" in plan


def test_only_the_login_lookup_returns_the_password_hash(data: Database) -> None:
    user = add_user(data)
    assert not hasattr(data.repos.users.get(user.id), "password_hash")
    assert all(not hasattr(u, "password_hash") for u in data.repos.users.list().items)
    assert data.repos.users.get_many([user.id]).rows == [user]
    login = data.repos.users.find_for_login("CITIZEN1@example.ke")
    assert isinstance(login, User)
    assert login.password_hash == "hash-1"


def test_touch_last_login(data: Database) -> None:
    user = add_user(data)
    assert user.last_login_at is None
    with data.queries.count() as counted:
        data.repos.users.touch_last_login(user.id)
    assert counted.total == 1
    assert data.repos.users.get(user.id).last_login_at is not None
    with pytest.raises(NotFound):
        data.repos.users.touch_last_login(uuid.uuid4())
    with pytest.raises(InvalidInput, match="user_id"):
        data.repos.users.touch_last_login(str(user.id))  # type: ignore[arg-type]


def test_change_password_signs_out_the_other_sessions(data: Database) -> None:
    user = add_user(data)
    current, other = fresh_hash(), fresh_hash()
    for token_hash in (current, other):
        data.repos.sessions.create(user.id, token_hash, ttl=HOUR)
    with data.queries.count() as counted:
        data.repos.users.change_password(user.id, "argon2id$new", keep_token_hash=current)
    assert counted.total == 1
    assert data.repos.users.find_for_login(user.email).password_hash == "argon2id$new"  # type: ignore[union-attr]
    assert [s.id for s in data.repos.sessions.list_active(user.id)] == [current]
    data.repos.users.change_password(user.id, "argon2id$newer")
    assert data.repos.sessions.list_active(user.id) == []
    with pytest.raises(NotFound):
        data.repos.users.change_password(uuid.uuid4(), "x")
    with pytest.raises(InvalidInput, match="change_password"):
        data.repos.users.update(user.id, UserPatch(password_hash="sneaky"))
    with pytest.raises(InvalidInput, match="keep_token_hash"):
        data.repos.users.change_password(user.id, "x", keep_token_hash="current")
    with pytest.raises(InvalidInput, match="password_hash"):
        data.repos.users.change_password(user.id, "x" * 1025)


# -- profiles, interests, progress, social logins --------------------------------------------


def test_profile_upsert_creates_then_changes_only_what_is_given(data: Database) -> None:
    user = add_user(data)
    with data.queries.count() as counted:
        created = data.repos.user_profiles.upsert(
            NewUserProfile(user_id=user.id, bio="Economist", location="Kisumu")
        )
    assert counted.total == 1
    updated = data.repos.user_profiles.upsert(
        NewUserProfile(user_id=user.id, location="Nairobi", expertise=["tax"])
    )
    assert (updated.id, updated.bio, updated.location, updated.expertise) == (
        created.id,
        "Economist",
        "Nairobi",
        ["tax"],
    )
    assert updated.created_at == created.created_at
    assert updated.updated_at >= created.updated_at
    assert data.repos.user_profiles.count() == 1
    with pytest.raises(InvalidReference):
        data.repos.user_profiles.upsert(NewUserProfile(user_id=uuid.uuid4()))
    with pytest.raises(InvalidInput, match="id"):
        data.repos.user_profiles.upsert(NewUserProfile(user_id=user.id, id=created.id))
    with pytest.raises(InvalidInput, match="profile"):
        data.repos.user_profiles.upsert(UserProfilePatch(bio="x"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):  # CHECK (reputation_score >= 0)
        data.repos.user_profiles.upsert(NewUserProfile(user_id=user.id, reputation_score=-1))


def test_interests_are_replaced_as_a_whole(data: Database) -> None:
    user = add_user(data)
    assert data.repos.user_interests.replace(user.id, ["health", " finance ", "health"]) == [
        "health",
        "finance",
    ]
    kept = {i.interest: i for i in data.repos.user_interests.list({"user_id": str(user.id)}).items}
    with data.queries.count() as counted:
        data.repos.user_interests.replace(user.id, ["finance", "education"])
    assert counted.total == 2
    assert data.repos.user_interests.for_user(user.id) == ["education", "finance"]
    again = data.repos.user_interests.list({"interest": "finance"}).items[0]
    assert again.created_at == kept["finance"].created_at
    assert data.repos.user_interests.replace(user.id, []) == []
    assert data.repos.user_interests.for_user(user.id) == []
    with pytest.raises(NotFound):
        data.repos.user_interests.replace(uuid.uuid4(), ["finance"])


@pytest.mark.parametrize(
    ("interests", "field"),
    [
        ("finance", "interests"),
        (42, "interests"),
        (["ok", "  "], "interests[1]"),
        (["x" * 101], "interests[0]"),
        ([7], "interests[0]"),
        ([f"topic {n}" for n in range(101)], "interests"),
    ],
)
def test_bad_interests_are_refused_and_change_nothing(
    data: Database, interests: Any, field: str
) -> None:
    user = add_user(data)
    data.repos.user_interests.replace(user.id, ["finance"])
    with data.queries.count() as counted, pytest.raises(InvalidInput) as err:
        data.repos.user_interests.replace(user.id, interests)
    assert err.value.field == field
    assert counted.total == 0
    assert data.repos.user_interests.for_user(user.id) == ["finance"]


def test_concurrent_replaces_never_mix_two_sets(data: Database) -> None:
    user = add_user(data)
    sets = [[f"topic {n}-{k}" for k in range(3)] for n in range(20)]

    def replace(index: int) -> list[str]:
        with data.unit_of_work(actor=user.id) as uow:
            return uow.user_interests.replace(user.id, sets[index])

    done, errors = race(20, replace)
    assert errors == []
    assert len(done) == 20
    assert sorted(data.repos.user_interests.for_user(user.id)) in [sorted(s) for s in sets]


def test_progress_is_recorded_and_incremented_atomically(data: Database) -> None:
    user = add_user(data)
    badge = data.repos.user_progress.record(
        NewUserProgress(user_id=user.id, achievement_type="commenter", badge="bronze")
    )
    assert (badge.achievement_value, badge.badge) == (0, "bronze")
    silver = data.repos.user_progress.record(
        NewUserProgress(user_id=user.id, achievement_type="commenter", badge="silver", level=2)
    )
    assert (silver.id, silver.badge, silver.level) == (badge.id, "silver", 2)

    def bump(_: int) -> int:
        return data.repos.user_progress.increment(user.id, "reader", by=2).achievement_value

    values, errors = race(50, bump)
    assert errors == []
    assert sorted(values) == list(range(2, 101, 2))
    [commenter, reader] = data.repos.user_progress.for_user(user.id)
    assert (commenter.achievement_type, reader.achievement_value) == ("commenter", 100)
    with pytest.raises(InvalidInput, match="by"):
        data.repos.user_progress.increment(user.id, "reader", by=0)


def test_social_logins_never_show_their_tokens(data: Database) -> None:
    user, other = add_user(data, 1), add_user(data, 2)
    linked = data.repos.user_social_profiles.link(
        NewUserSocialProfile(
            user_id=user.id, provider="google", provider_id="g-1", access_token="ya29.secret"
        )
    )
    assert isinstance(linked, PublicSocialProfile)
    relinked = data.repos.user_social_profiles.link(
        NewUserSocialProfile(
            user_id=user.id, provider="google", provider_id="g-1", display_name="W. Kamau"
        )
    )
    assert (relinked.id, relinked.display_name) == (linked.id, "W. Kamau")
    assert data.repos.user_social_profiles.tokens(user.id, "google") == OAuthTokens(
        "ya29.secret", None
    )
    assert data.repos.user_social_profiles.tokens(user.id, "github") is None
    assert data.repos.user_social_profiles.for_user(user.id) == [relinked]
    assert data.repos.user_social_profiles.get(linked.id) == relinked
    assert data.repos.user_social_profiles.find_by_provider("google", "g-1") == relinked
    assert data.repos.user_social_profiles.find_by_provider("google", "g-2") is None
    data.repos.user_social_profiles.link(
        NewUserSocialProfile(user_id=other.id, provider="google", provider_id="g-1")
    )
    with pytest.raises(Conflict):
        data.repos.user_social_profiles.find_by_provider("google", "g-1")
    assert data.repos.user_social_profiles.unlink(user.id, "google")
    assert not data.repos.user_social_profiles.unlink(user.id, "google")
    with pytest.raises(InvalidInput, match="provider"):
        data.repos.user_social_profiles.unlink(user.id, "")


def test_the_full_profile_is_three_statements(data: Database) -> None:
    user = add_user(data)
    profile = data.repos.user_profiles.upsert(NewUserProfile(user_id=user.id, bio="Teacher"))
    data.repos.user_interests.replace(user.id, ["health", "education"])
    social = data.repos.user_social_profiles.link(
        NewUserSocialProfile(user_id=user.id, provider="x", provider_id="1", refresh_token="r")
    )
    progress = data.repos.user_progress.increment(user.id, "voter")
    with data.queries.count() as counted:
        full = data.repos.users.get_full_profile(user.id)
    assert counted.total == 3
    assert full == FullProfile(user, profile, ["education", "health"], [social], [progress])
    assert isinstance(full.user, PublicUser)


def test_the_full_profile_of_a_bare_account(data: Database) -> None:
    user = add_user(data)
    assert data.repos.users.get_full_profile(user.id) == FullProfile(user, None, [], [], [])
    with pytest.raises(NotFound):
        data.repos.users.get_full_profile(uuid.uuid4())
