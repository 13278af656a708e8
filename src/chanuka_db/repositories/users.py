"""Repositories of the users domain: accounts, profiles, interests, progress, social logins.

Sessions, refresh tokens and password resets live in :mod:`.auth` and are re-exported
here, so ``users`` names every repository of the domain. Reads of accounts and social
logins return :class:`PublicUser` / :class:`PublicSocialProfile` (see :mod:`.user_rows`):
the password hash and OAuth tokens leave only through :meth:`UserRepository.
find_for_login` and :meth:`UserSocialProfileRepository.tokens`.

Email addresses are stored trimmed and lower-cased and looked up the same way, so
:meth:`UserRepository.get_by_email` is case-insensitive and served by the unique index on
``users.email`` (``idx_users_email_active`` covers the active-only lookup too).

Methods on personal rows take ``user_id`` and filter by it, as well as row-level security.
"""

from __future__ import annotations

import builtins
import re
import uuid
from collections.abc import Iterable
from typing import Any, Final, TypeVar

import attrs

from chanuka_db.errors import Conflict, InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    check_collection,
    check_instance,
    check_int,
    check_text,
    check_token_hash,
    check_uuid,
)
from chanuka_db.repositories.auth import (
    REVOKE_SESSIONS_OF_CHANGED,
    PasswordResetRepository,
    RefreshTokenRepository,
    SessionRepository,
    hash_token,
    new_token,
    password_hash_arg,
)
from chanuka_db.repositories.base import ADD_MANY_BATCH, Runner, TableRepository
from chanuka_db.repositories.user_rows import (
    FullProfile,
    OAuthTokens,
    PublicSocialProfile,
    PublicUser,
    SessionWithUser,
)
from chanuka_db.sql import (
    NOW,
    Aggregate,
    JoinKind,
    Select,
    assign,
    delete,
    excluded,
    insert,
    select,
    select_value,
    trusted,
    update,
)
from chanuka_db.types import (
    UNSET,
    NewUser,
    NewUserInterest,
    NewUserProfile,
    NewUserProgress,
    NewUserSocialProfile,
    Param,
    User,
    UserInterest,
    UserInterestPatch,
    UserPatch,
    UserProfile,
    UserProfilePatch,
    UserProgress,
    UserProgressPatch,
    UserSocialProfilePatch,
    tables,
)
from chanuka_db.types.expr import ColumnRef, column_of
from chanuka_db.types.models import Insert as NewRow

__all__ = [
    "FullProfile",
    "OAuthTokens",
    "PasswordResetRepository",
    "PublicSocialProfile",
    "PublicUser",
    "RefreshTokenRepository",
    "SessionRepository",
    "SessionWithUser",
    "UserInterestRepository",
    "UserProfileRepository",
    "UserProgressRepository",
    "UserRepository",
    "UserSocialProfileRepository",
    "hash_token",
    "new_token",
    "normalize_email",
]

T = TypeVar("T")

MAX_EMAIL_LENGTH: Final = 254
MAX_INTEREST_LENGTH: Final = 100
MAX_INTERESTS: Final = 100
MAX_NAME_LENGTH: Final = 100
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalize_email(email: object) -> str:
    """``email`` trimmed and lower-cased, as it is stored; :class:`InvalidInput` if malformed."""
    text = check_text("email", email, max_length=MAX_EMAIL_LENGTH, strip=True).lower()
    if _EMAIL.fullmatch(text) is None:
        raise InvalidInput("email", "is not an email address (name@domain.tld)")
    return text


def _with_normalized_email(value: Any) -> Any:
    """``value`` (a NewUser or UserPatch) with its email normalised; anything else untouched."""
    if type(value) in (NewUser, UserPatch) and value.email is not UNSET:
        return attrs.evolve(value, email=normalize_email(value.email))
    return value


def _upsert(
    runner: Runner,
    argument: str,
    new: object,
    new_type: type[NewRow],
    row_type: type[T],
    *,
    on: tuple[ColumnRef[Any], ...],
) -> T:
    """INSERT ``new`` ON CONFLICT (``on``) DO UPDATE the columns it sets and ``updated_at``."""
    row = check_instance(argument, new, new_type)
    changes = row.changes()
    if changes.get("id", UNSET) is not UNSET:
        raise InvalidInput(f"{argument}.id", "an upsert finds its row by its key; leave id unset")
    table = on[0].table
    fixed = {column.name for column in on} | {"created_at", "updated_at"}
    updates: list[Any] = [excluded(column_of(table, name)) for name in changes if name not in fixed]
    updates.append(assign(column_of(table, "updated_at"), NOW))
    statement = insert(table, row_type).values(row).on_conflict(*on).do_update(*updates)
    with runner.reading() as ex:
        return statement.fetch_one(ex)


@attrs.frozen
class _UserWithInterests(PublicUser):
    """The first row of :meth:`UserRepository.get_full_profile`: the account and its interests."""

    interests: list[str]


_u, _p, _i = tables.users, tables.user_profiles, tables.user_interests
_pg, _sp = tables.user_progress, tables.user_social_profiles

_USER_BY_EMAIL = select(_u, PublicUser).where(_u.email == Param("email"))
_ACTIVE_USER_BY_EMAIL = _USER_BY_EMAIL.where(_u.is_active.eq(True))
_LOGIN_BY_EMAIL = select(_u, User).where((_u.email == Param("email")) & _u.is_active.eq(True))
_TOUCH_LOGIN = update(_u).set(assign(_u.last_login_at, NOW)).where(_u.id == Param("user_id"))
_CHANGE_PASSWORD = trusted(
    """WITH changed AS (
        UPDATE users SET password_hash = %(password_hash)s, updated_at = now()
         WHERE id = %(user_id)s
     RETURNING id),"""
    + REVOKE_SESSIONS_OF_CHANGED
    + " SELECT count(*) FROM changed"
)
# The left join to interests cannot multiply the one profile row: it is unique per account.
_PROFILE_HEAD = (
    select(
        _u,
        _UserWithInterests,
        interests=Aggregate(
            "coalesce(array_agg({c} ORDER BY {c}) FILTER (WHERE {c} IS NOT NULL), '{{}}')",
            _i.interest,
        ),
    )
    .join(_p, on=_p.user_id == _u.id, kind=JoinKind.LEFT, include=UserProfile)
    .join(_i, on=_i.user_id == _u.id, kind=JoinKind.LEFT)
    .where(_u.id == Param("user_id"))
    .group_by(_u.id, _p.id)
)
_SOCIAL_OF_USER = (
    select(_sp, PublicSocialProfile)
    .where(_sp.user_id == Param("user_id"))
    .order_by(_sp.provider.asc())
)
_PROGRESS_OF_USER = (
    select(_pg, UserProgress)
    .where(_pg.user_id == Param("user_id"))
    .order_by(_pg.achievement_type.asc())
)
_INTERESTS_OF_USER = (
    select_value(_i, _i.interest).where(_i.user_id == Param("user_id")).order_by(_i.interest.asc())
)
_LOCK_USER = trusted("SELECT id FROM users WHERE id = %(user_id)s FOR NO KEY UPDATE")
_REPLACE_INTERESTS = trusted(
    """WITH wanted AS (SELECT DISTINCT unnest(%(interests)s::text[]) AS interest),
    dropped AS (
        DELETE FROM user_interests
         WHERE user_id = %(user_id)s AND interest NOT IN (SELECT interest FROM wanted))
    INSERT INTO user_interests (user_id, interest)
    SELECT %(user_id)s::uuid, interest FROM wanted
    ON CONFLICT (user_id, interest) DO NOTHING"""
)
_SOCIAL_BY_PROVIDER = (
    select(_sp, PublicSocialProfile)
    .where((_sp.provider == Param("provider")) & (_sp.provider_id == Param("provider_id")))
    .order_by(_sp.id.asc())
    .limit(2)
)
# Before anyone is signed in, row-level security hides every login: the database's
# SECURITY DEFINER lookup (migration 0018) answers "whose?" and nothing else.
_SOCIAL_OWNERS = trusted("SELECT auth_social_login_owners(%(provider)s, %(provider_id)s)")
_SOCIAL_TOKENS = select(_sp, OAuthTokens).where(
    (_sp.user_id == Param("user_id")) & (_sp.provider == Param("provider"))
)
_DELETE_SOCIAL = delete(_sp).where(
    (_sp.user_id == Param("user_id")) & (_sp.provider == Param("provider"))
)


class UserRepository(TableRepository[PublicUser, NewUser, UserPatch]):
    """Accounts. Reads return :class:`PublicUser` (no password hash); emails are normalised."""

    table = tables.users

    @classmethod
    def row_type(cls) -> type[PublicUser]:
        """:class:`PublicUser`: the password hash never leaves through the generic reads."""
        return PublicUser

    def add(self, new: NewUser) -> PublicUser:
        """Register an account (email trimmed and lower-cased; taken: :class:`Conflict`)."""
        return super().add(_with_normalized_email(new))

    def add_many(
        self, news: Iterable[NewUser], *, batch_size: int = ADD_MANY_BATCH
    ) -> builtins.list[PublicUser]:
        """Register many accounts in one transaction (emails normalised)."""
        normalized = [_with_normalized_email(new) for new in check_collection("news", news)]
        return super().add_many(normalized, batch_size=batch_size)

    def update(self, key: Any, patch: UserPatch) -> PublicUser:
        """Change an account (a new email is normalised).

        A new password goes through :meth:`change_password`, which also signs the other
        sessions out; a patch that sets ``password_hash`` is refused.
        """
        if type(patch) is UserPatch and patch.password_hash is not UNSET:
            raise InvalidInput("patch.password_hash", "use change_password()")
        return super().update(key, _with_normalized_email(patch))

    def find_by_email(self, email: str, *, active_only: bool = True) -> PublicUser | None:
        """The account with ``email`` (any case), or ``None``; one indexed statement."""
        if not isinstance(active_only, bool):
            raise InvalidInput("active_only", f"expected True or False, got {active_only!r}")
        statement = _ACTIVE_USER_BY_EMAIL if active_only else _USER_BY_EMAIL
        with self._runner.reading() as ex:
            return statement.fetch_optional(ex, email=normalize_email(email))

    def get_by_email(self, email: str, *, active_only: bool = True) -> PublicUser:
        """Like :meth:`find_by_email`, but :class:`NotFound` when there is none."""
        user = self.find_by_email(email, active_only=active_only)
        if user is None:
            raise NotFound("users", "the email given")
        return user

    def find_for_login(self, email: str) -> User | None:
        """The active account with ``email``, *with* its password hash, to check a login."""
        with self._runner.reading() as ex:
            return _LOGIN_BY_EMAIL.fetch_optional(ex, email=normalize_email(email))

    def touch_last_login(self, user_id: uuid.UUID) -> None:
        """Set ``last_login_at`` to now (one statement); :class:`NotFound` for no such user."""
        check_uuid("user_id", user_id)
        with self._runner.reading() as ex:
            if not _TOUCH_LOGIN.execute(ex, user_id=user_id):
                raise NotFound("users", user_id)

    def change_password(
        self, user_id: uuid.UUID, password_hash: str, *, keep_token_hash: str | None = None
    ) -> None:
        """Store a new password hash and revoke every session but ``keep_token_hash``.

        One statement (the sessions' refresh tokens are revoked too); :class:`NotFound`
        when the account does not exist.
        """
        params = {
            "user_id": check_uuid("user_id", user_id),
            "password_hash": password_hash_arg(password_hash),
            "keep_token_hash": None
            if keep_token_hash is None
            else check_token_hash("keep_token_hash", keep_token_hash),
        }
        with self._runner.reading() as ex:
            ((changed,),) = ex.fetch_trusted(_CHANGE_PASSWORD, params)
        if not changed:
            raise NotFound("users", user_id)

    def get_full_profile(self, user_id: uuid.UUID) -> FullProfile:
        """Account, profile, interests, social logins and progress in three statements.

        :class:`NotFound` when the account does not exist. Under row-level security the
        personal parts (interests, social logins, progress) are visible to their owner.
        """
        check_uuid("user_id", user_id)
        with self._runner.reading() as ex:
            head = _PROFILE_HEAD.fetch_optional(ex, user_id=user_id)
            if head is None:
                raise NotFound("users", user_id)
            social = _SOCIAL_OF_USER.fetch_all(ex, user_id=user_id)
            progress = _PROGRESS_OF_USER.fetch_all(ex, user_id=user_id)
        account, profile = head
        user = PublicUser(*attrs.astuple(account, recurse=False)[:-1])
        return FullProfile(user, profile, account.interests, social, progress)


class UserProfileRepository(TableRepository[UserProfile, NewUserProfile, UserProfilePatch]):
    """Public profiles, one per account."""

    table = tables.user_profiles

    def upsert(self, profile: NewUserProfile) -> UserProfile:
        """Create the account's profile, or update the fields ``profile`` sets; one statement."""
        return _upsert(
            self._runner, "profile", profile, NewUserProfile, UserProfile, on=(_p.user_id,)
        )


def _rows_of_user(runner: Runner, statement: Select[T], user_id: object) -> list[T]:
    """The rows ``statement`` (filtered by a ``user_id`` Param) finds for one account."""
    check_uuid("user_id", user_id)
    with runner.reading() as ex:
        return statement.fetch_all(ex, user_id=user_id)


def _interests_arg(interests: object) -> list[str]:
    """Trimmed, non-blank interests, duplicates once, in the order given."""
    if isinstance(interests, str) or not isinstance(interests, Iterable):
        raise InvalidInput("interests", "expected an iterable of str")
    wanted = (
        check_text(f"interests[{index}]", item, max_length=MAX_INTEREST_LENGTH, strip=True)
        for index, item in enumerate(interests)
    )
    unique = list(dict.fromkeys(wanted))
    if len(unique) > MAX_INTERESTS:
        raise InvalidInput("interests", f"{len(unique)} interests; {MAX_INTERESTS} at most")
    return unique


class UserInterestRepository(TableRepository[UserInterest, NewUserInterest, UserInterestPatch]):
    """Topics an account follows."""

    table = tables.user_interests

    def for_user(self, user_id: uuid.UUID) -> builtins.list[str]:
        """The account's interests, alphabetically."""
        return _rows_of_user(self._runner, _INTERESTS_OF_USER, user_id)

    def replace(self, user_id: uuid.UUID, interests: Iterable[str]) -> builtins.list[str]:
        """Make ``interests`` (trimmed, duplicates once) the account's whole set; returns it.

        One transaction of two statements: the account row is locked, so concurrent
        replaces apply one after the other and never mix; then one statement deletes what
        is gone and inserts what is new (kept interests keep their ``created_at``).
        """
        check_uuid("user_id", user_id)
        wanted = _interests_arg(interests)
        with self._runner.atomic() as ex:
            if not ex.fetch_trusted(_LOCK_USER, {"user_id": user_id}):
                raise NotFound("users", user_id)
            ex.execute(_REPLACE_INTERESTS, {"user_id": user_id, "interests": wanted})
        return wanted


class UserProgressRepository(TableRepository[UserProgress, NewUserProgress, UserProgressPatch]):
    """Achievements, one row per (account, achievement type)."""

    table = tables.user_progress

    def for_user(self, user_id: uuid.UUID) -> builtins.list[UserProgress]:
        """The account's achievements, by type."""
        return _rows_of_user(self._runner, _PROGRESS_OF_USER, user_id)

    def record(self, progress: NewUserProgress) -> UserProgress:
        """Create or update the (account, achievement type) row with the fields set."""
        key = (_pg.user_id, _pg.achievement_type)
        return _upsert(self._runner, "progress", progress, NewUserProgress, UserProgress, on=key)

    def increment(self, user_id: uuid.UUID, achievement_type: str, by: int = 1) -> UserProgress:
        """Add ``by`` to an achievement's value (a new one starts at ``by``); one upsert."""
        new = NewUserProgress(
            user_id=check_uuid("user_id", user_id),
            achievement_type=check_text("achievement_type", achievement_type, max_length=100),
            achievement_value=check_int("by", by, low=1, high=1_000_000),
        )
        value = _pg.achievement_value
        statement = (
            insert(_pg, UserProgress)
            .values(new)
            .on_conflict(_pg.user_id, _pg.achievement_type)
            .do_update(assign(value, value + excluded(value)), assign(_pg.updated_at, NOW))
        )
        with self._runner.reading() as ex:
            return statement.fetch_one(ex)


class UserSocialProfileRepository(
    TableRepository[PublicSocialProfile, NewUserSocialProfile, UserSocialProfilePatch]
):
    """Linked external logins. Reads return :class:`PublicSocialProfile` (no OAuth tokens)."""

    table = tables.user_social_profiles

    @classmethod
    def row_type(cls) -> type[PublicSocialProfile]:
        """:class:`PublicSocialProfile`: provider tokens never leave through generic reads."""
        return PublicSocialProfile

    def for_user(self, user_id: uuid.UUID) -> builtins.list[PublicSocialProfile]:
        """The account's linked logins, by provider."""
        return _rows_of_user(self._runner, _SOCIAL_OF_USER, user_id)

    def link(self, profile: NewUserSocialProfile) -> PublicSocialProfile:
        """Link (or refresh) the account's login at ``profile.provider``; one statement."""
        key = (_sp.user_id, _sp.provider)
        return _upsert(
            self._runner, "profile", profile, NewUserSocialProfile, PublicSocialProfile, on=key
        )

    def unlink(self, user_id: uuid.UUID, provider: str) -> bool:
        """Remove the account's login at ``provider``; whether there was one."""
        params = _user_provider(user_id, provider)
        with self._runner.reading() as ex:
            return bool(_DELETE_SOCIAL.execute(ex, **params))

    def owner_of(self, provider: str, provider_id: str) -> uuid.UUID | None:
        """The account that signs in with ``provider_id`` at ``provider``: bind it, then act.

        For sign-in, before any actor is bound (row-level security hides every login until
        then). :class:`Conflict` when two accounts are linked to that provider account.
        """
        params = {
            "provider": check_text("provider", provider, max_length=MAX_NAME_LENGTH),
            "provider_id": check_text("provider_id", provider_id, max_length=255),
        }
        with self._runner.reading() as ex:
            ((owners,),) = ex.fetch_trusted(_SOCIAL_OWNERS, params)
        if owners and len(owners) > 1:
            raise Conflict(f"one {provider} account is linked to more than one user")
        found: uuid.UUID | None = owners[0] if owners else None
        return found

    def find_by_provider(self, provider: str, provider_id: str) -> PublicSocialProfile | None:
        """The login whose account at ``provider`` is ``provider_id`` (to sign in with it).

        Nothing in the schema makes (provider, provider_id) unique; when two accounts are
        linked to one provider account this raises :class:`Conflict` instead of guessing.
        """
        params = {
            "provider": check_text("provider", provider, max_length=MAX_NAME_LENGTH),
            "provider_id": check_text("provider_id", provider_id, max_length=255),
        }
        with self._runner.reading() as ex:
            found = _SOCIAL_BY_PROVIDER.fetch_all(ex, **params)
        if len(found) > 1:
            raise Conflict(f"one {provider} account is linked to more than one user")
        return found[0] if found else None

    def tokens(self, user_id: uuid.UUID, provider: str) -> OAuthTokens | None:
        """The provider tokens of the account's login at ``provider`` (credentials)."""
        params = _user_provider(user_id, provider)
        with self._runner.reading() as ex:
            return _SOCIAL_TOKENS.fetch_optional(ex, **params)


def _user_provider(user_id: object, provider: object) -> dict[str, Any]:
    return {
        "user_id": check_uuid("user_id", user_id),
        "provider": check_text("provider", provider, max_length=MAX_NAME_LENGTH),
    }
