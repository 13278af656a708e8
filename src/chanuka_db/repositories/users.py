"""Repositories of the users domain: accounts, profiles, sessions and tokens."""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    NewPasswordReset,
    NewRefreshToken,
    NewSession,
    NewUser,
    NewUserInterest,
    NewUserProfile,
    NewUserProgress,
    NewUserSocialProfile,
    PasswordReset,
    PasswordResetPatch,
    RefreshToken,
    RefreshTokenPatch,
    Session,
    SessionPatch,
    User,
    UserInterest,
    UserInterestPatch,
    UserPatch,
    UserProfile,
    UserProfilePatch,
    UserProgress,
    UserProgressPatch,
    UserSocialProfile,
    UserSocialProfilePatch,
    tables,
)

__all__ = [
    "PasswordResetRepository",
    "RefreshTokenRepository",
    "SessionRepository",
    "UserInterestRepository",
    "UserProfileRepository",
    "UserProgressRepository",
    "UserRepository",
    "UserSocialProfileRepository",
]


class PasswordResetRepository(TableRepository[PasswordReset, NewPasswordReset, PasswordResetPatch]):
    """Rows of ``password_resets``."""

    table = tables.password_resets


class RefreshTokenRepository(TableRepository[RefreshToken, NewRefreshToken, RefreshTokenPatch]):
    """Rows of ``refresh_tokens``."""

    table = tables.refresh_tokens


class SessionRepository(TableRepository[Session, NewSession, SessionPatch]):
    """Rows of ``sessions``."""

    table = tables.sessions


class UserInterestRepository(TableRepository[UserInterest, NewUserInterest, UserInterestPatch]):
    """Rows of ``user_interests``."""

    table = tables.user_interests


class UserProfileRepository(TableRepository[UserProfile, NewUserProfile, UserProfilePatch]):
    """Rows of ``user_profiles``."""

    table = tables.user_profiles


class UserProgressRepository(TableRepository[UserProgress, NewUserProgress, UserProgressPatch]):
    """Rows of ``user_progress``."""

    table = tables.user_progress


class UserSocialProfileRepository(
    TableRepository[UserSocialProfile, NewUserSocialProfile, UserSocialProfilePatch]
):
    """Rows of ``user_social_profiles``."""

    table = tables.user_social_profiles


class UserRepository(TableRepository[User, NewUser, UserPatch]):
    """Rows of ``users``."""

    table = tables.users
