"""Row classes of the users domain that leave secrets out, and its composite results.

``users.password_hash`` and the OAuth tokens of linked social logins are credentials: the
repositories return :class:`PublicUser` and :class:`PublicSocialProfile` from every read
except the one or two methods that exist to hand the secret over.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs

from chanuka_db.types import JsonValue, Session, UserProfile, UserProgress

__all__ = [
    "FullProfile",
    "OAuthTokens",
    "PublicSocialProfile",
    "PublicUser",
    "SessionWithUser",
]


@attrs.frozen
class PublicUser:
    """A ``users`` row without ``password_hash``: what every read of an account returns."""

    id: uuid.UUID
    email: str
    first_name: str | None
    last_name: str | None
    name: str
    role: str
    verification_status: str
    preferences: JsonValue | None
    is_active: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class PublicSocialProfile:
    """A ``user_social_profiles`` row without the provider's access and refresh tokens."""

    id: int
    user_id: uuid.UUID
    provider: str
    provider_id: str
    username: str | None
    display_name: str | None
    avatar_url: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class OAuthTokens:
    """The provider tokens of one linked social login (credentials: kept out of ``repr``)."""

    access_token: str | None = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(repr=False)


@attrs.frozen
class SessionWithUser:
    """An active session and its active account."""

    session: Session
    user: PublicUser


@attrs.frozen
class FullProfile:
    """Everything a profile page shows about one account."""

    user: PublicUser
    profile: UserProfile | None
    interests: list[str]
    social_profiles: list[PublicSocialProfile]
    progress: list[UserProgress]
