"""Sessions, refresh tokens and password resets: the repositories authentication uses.

A token is a random string only the client holds (:func:`new_token`); the database stores
its SHA-256 (:func:`hash_token`), so a leaked table, backup or log lets nobody in. A
session's id *is* its token hash: the primary key serves the lookup every request makes,
and an id seen in an audit or analytics row cannot be replayed, because the server hashes
whatever a client presents. The legacy nullable ``sessions.token`` column is never written.
Hashes are bound as parameters named ``*token_hash``, which the query monitor never logs,
and error messages never carry them.

Every expiry is computed by the server (``now() + ttl``), on the clock of the ``DEFAULT
now()`` columns it is compared with: callers pass lifetimes, never timestamps.

Row-level security: methods acting for a signed-in user take ``user_id`` and filter by it
too. The token entry points (:meth:`SessionRepository.get_active_with_user`,
:meth:`RefreshTokenRepository.rotate`, :meth:`PasswordResetRepository.consume` and the
``owner_of`` lookups) find their row by the hash alone, the hash being the capability;
under RLS they run with the token's owner bound as the actor.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any, ClassVar, Final, TypeVar

from chanuka_db.errors import NotFound
from chanuka_db.repositories.arguments import (
    check_duration,
    check_ip,
    check_optional_text,
    check_text,
    check_token_hash,
    check_uuid,
)
from chanuka_db.repositories.base import Runner, TableRepository
from chanuka_db.repositories.user_rows import PublicUser, SessionWithUser
from chanuka_db.sql import NOW, Trusted, assign, select, trusted, update
from chanuka_db.types import (
    NewPasswordReset,
    NewRefreshToken,
    NewSession,
    Param,
    PasswordReset,
    PasswordResetPatch,
    RefreshToken,
    RefreshTokenPatch,
    Session,
    SessionPatch,
    tables,
)
from chanuka_db.types.expr import ColumnRef, Comparison, Op, Predicate

__all__ = [
    "REVOKE_SESSIONS_OF_CHANGED",
    "PasswordResetRepository",
    "RefreshTokenRepository",
    "SessionRepository",
    "hash_token",
    "later_than_now",
    "new_token",
    "password_hash_arg",
]

T = TypeVar("T")

MAX_PASSWORD_HASH_LENGTH: Final = 1024
MAX_USER_AGENT_LENGTH: Final = 1024
MAX_SESSION_TTL: Final = dt.timedelta(days=366)
MAX_RESET_TTL: Final = dt.timedelta(days=7)


def new_token() -> str:
    """A fresh random token for a client to hold (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored for ``token``: what every ``token_hash`` argument takes.

    A plain digest suffices: tokens are 256 random bits, so there is nothing to guess.
    """
    text = check_text("token", token, min_length=16, max_length=1024)
    return hashlib.sha256(text.encode()).hexdigest()


def password_hash_arg(value: object) -> str:
    """A password hash as the auth service made it (never the password: we cannot tell)."""
    return check_text("password_hash", value, max_length=MAX_PASSWORD_HASH_LENGTH)


def later_than_now(column: ColumnRef[dt.datetime]) -> Predicate:
    """``column > now()`` (column stubs type Python values; the compiler takes SQL nodes)."""
    return Comparison(column, Op.GT, NOW)


def _optional_hash(name: str, value: object) -> str | None:
    return None if value is None else check_token_hash(name, value)


def _session_details(ip_address: object, user_agent: object) -> dict[str, str | None]:
    return {
        "ip_address": None if ip_address is None else check_ip("ip_address", ip_address),
        "user_agent": check_optional_text(
            "user_agent", user_agent, max_length=MAX_USER_AGENT_LENGTH
        ),
    }


_u, _s = tables.users, tables.sessions
_r, _pr = tables.refresh_tokens, tables.password_resets

_SESSION_COLUMNS: Final = (
    "id, user_id, expires_at, is_active, ip_address, user_agent, created_at, updated_at, token"
)
_REFRESH_COLUMNS: Final = "id, session_id, token_hash, expires_at, is_revoked, created_at"
_RESET_COLUMNS: Final = "id, user_id, token_hash, expires_at, is_used, created_at"

# A session's refresh tokens die with it: follows a CTE "revoked" of revoked session ids.
_REVOKE_THEIR_REFRESH_TOKENS: Final = """
    revoked_tokens AS (
        UPDATE refresh_tokens SET is_revoked = true
         WHERE session_id IN (SELECT id FROM revoked) AND NOT is_revoked)"""

# CTEs revoking every session (and its refresh tokens) of the accounts in a CTE "changed",
# except %(keep_token_hash)s: after a password change only the session that made it may
# stay. The statement follows it with its final SELECT.
REVOKE_SESSIONS_OF_CHANGED: Final = (
    """
    revoked AS (
        UPDATE sessions SET is_active = false, updated_at = now()
         WHERE user_id IN (SELECT id FROM changed) AND is_active
           AND id IS DISTINCT FROM %(keep_token_hash)s::text
     RETURNING id),"""
    + _REVOKE_THEIR_REFRESH_TOKENS
)

_ACTIVE_SESSION = (
    select(_s, Session)
    .join(_u, on=_u.id == _s.user_id, include=PublicUser)
    .where(
        (_s.id == Param("token_hash"))
        & _s.is_active.eq(True)
        & later_than_now(_s.expires_at)
        & _u.is_active.eq(True)
    )
)
_SESSIONS_OF_USER = (
    select(_s, Session)
    .where((_s.user_id == Param("user_id")) & _s.is_active.eq(True) & later_than_now(_s.expires_at))
    .order_by(_s.created_at.desc(), _s.id.asc())
)
# Owner lookups run before an actor is bound, so row-level security would hide the row:
# the database's SECURITY DEFINER functions (migration 0018) answer "whose?" and nothing else.
_SESSION_OWNER = trusted("SELECT auth_session_owner(%(token_hash)s)")
_CREATE_SESSION = trusted(
    """INSERT INTO sessions (id, user_id, expires_at, ip_address, user_agent)
       SELECT %(token_hash)s::text, id, now() + %(ttl)s::interval, %(ip_address)s::text,
              %(user_agent)s::text
         FROM users WHERE id = %(user_id)s AND is_active
    RETURNING """
    + _SESSION_COLUMNS
)
_REVOKE_SESSION = trusted(
    """WITH revoked AS (
        UPDATE sessions SET is_active = false, updated_at = now()
         WHERE id = %(token_hash)s AND user_id = %(user_id)s AND is_active
     RETURNING id),"""
    + _REVOKE_THEIR_REFRESH_TOKENS
    + " SELECT count(*) FROM revoked"
)
_REVOKE_ALL_SESSIONS = trusted(
    "WITH changed AS (SELECT %(user_id)s::uuid AS id),"
    + REVOKE_SESSIONS_OF_CHANGED
    + " SELECT count(*) FROM revoked"
)
# The old session is revoked and its successor inserted by one statement, and only while the
# old one is still valid: of concurrent rotations of one session, the first takes its row lock
# and the others then find it inactive and insert nothing.
_ROTATE_SESSION = trusted(
    """WITH revoked AS (
        UPDATE sessions SET is_active = false, updated_at = now()
         WHERE id = %(token_hash)s AND user_id = %(user_id)s AND is_active
           AND expires_at > now()
     RETURNING id, user_id, ip_address, user_agent),"""
    + _REVOKE_THEIR_REFRESH_TOKENS
    + """
    INSERT INTO sessions (id, user_id, expires_at, ip_address, user_agent)
    SELECT %(new_token_hash)s::text, user_id, now() + %(ttl)s::interval,
           coalesce(%(ip_address)s::text, ip_address), coalesce(%(user_agent)s::text, user_agent)
      FROM revoked
    RETURNING """
    + _SESSION_COLUMNS
)
_CLEAN_SESSIONS = trusted("DELETE FROM sessions WHERE expires_at <= now()")

_ISSUE_REFRESH = trusted(
    """INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
       SELECT id, %(token_hash)s::text, now() + %(ttl)s::interval
         FROM sessions
        WHERE id = %(session_id)s AND user_id = %(user_id)s AND is_active AND expires_at > now()
    RETURNING """
    + _REFRESH_COLUMNS
)
# Single use, the same way: the old token is revoked by the statement that issues its
# successor, only while it and its session are valid.
_ROTATE_REFRESH = trusted(
    """WITH used AS (
        UPDATE refresh_tokens AS r SET is_revoked = true
          FROM sessions AS s
         WHERE r.token_hash = %(token_hash)s AND NOT r.is_revoked AND r.expires_at > now()
           AND s.id = r.session_id AND s.is_active AND s.expires_at > now()
     RETURNING r.session_id)
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
    SELECT session_id, %(new_token_hash)s::text, now() + %(ttl)s::interval FROM used
    RETURNING """
    + _REFRESH_COLUMNS
)
_REVOKE_REFRESH = (
    update(_r)
    .set(assign(_r.is_revoked, True))
    .where((_r.token_hash == Param("token_hash")) & _r.is_revoked.eq(False))
)
_REFRESH_OWNER = trusted("SELECT auth_refresh_token_owner(%(token_hash)s)")
_CLEAN_REFRESH = trusted("DELETE FROM refresh_tokens WHERE expires_at <= now()")

# A new request supersedes the account's earlier unused tokens; inactive accounts get none.
_CREATE_RESET = trusted(
    """WITH target AS (SELECT id FROM users WHERE id = %(user_id)s AND is_active),
    superseded AS (
        DELETE FROM password_resets
         WHERE user_id IN (SELECT id FROM target) AND NOT is_used)
    INSERT INTO password_resets (user_id, token_hash, expires_at)
    SELECT id, %(token_hash)s::text, now() + %(ttl)s::interval FROM target
    RETURNING """
    + _RESET_COLUMNS
)
# One statement, so one transaction: the token is marked used (only if unused, unexpired and
# its account active), the password changes, the account's other reset tokens go, and every
# session and refresh token of the account is revoked. A concurrent second consume waits for
# the first's row lock, then sees is_used and changes nothing.
_CONSUME_RESET = trusted(
    """WITH reset AS (
        UPDATE password_resets AS pr SET is_used = true
          FROM users AS u
         WHERE pr.token_hash = %(token_hash)s AND NOT pr.is_used AND pr.expires_at > now()
           AND u.id = pr.user_id AND u.is_active
     RETURNING pr.user_id),
    changed AS (
        UPDATE users SET password_hash = %(password_hash)s, updated_at = now()
         WHERE id IN (SELECT user_id FROM reset)
     RETURNING id),
    superseded AS (
        DELETE FROM password_resets
         WHERE user_id IN (SELECT id FROM changed) AND NOT is_used
           AND token_hash <> %(token_hash)s),"""
    + REVOKE_SESSIONS_OF_CHANGED
    + " SELECT id FROM changed"
)
_RESET_OWNER = trusted("SELECT auth_password_reset_owner(%(token_hash)s)")
_CLEAN_RESETS = trusted("DELETE FROM password_resets WHERE expires_at <= now() OR is_used")


class _TokenRows:
    """What the three token tables share.

    The owner lookup, the sweep of rows that can never be used again, and inserts that
    come back empty when their precondition (an active account or session) fails.
    """

    __slots__ = ()
    _runner: Runner
    _owner: ClassVar[Trusted]
    _sweep: ClassVar[Trusted]

    def owner_of(self, token_hash: str) -> uuid.UUID | None:
        """The account the token belongs to (to bind as the actor before anything else)."""
        check_token_hash("token_hash", token_hash)
        with self._runner.reading() as ex:
            ((owner,),) = ex.fetch_trusted(self._owner, {"token_hash": token_hash})
        found: uuid.UUID | None = owner
        return found

    def cleanup(self) -> int:
        """Delete the rows that can never be used again (see the class); how many went."""
        with self._runner.reading() as ex:
            return ex.execute(self._sweep)

    def _returned(
        self, sql: Trusted, params: dict[str, Any], row_type: type[T], missing: NotFound
    ) -> T:
        """The one row ``sql`` returns; ``missing`` is raised when it returns none."""
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(sql, params, row_type)
        if not rows:
            raise missing
        row: T = rows[0]
        return row


class SessionRepository(_TokenRows, TableRepository[Session, NewSession, SessionPatch]):
    """Login sessions, identified by the hash of the token the client holds.

    :meth:`cleanup` deletes expired sessions only (their refresh tokens go by cascade): a
    revoked session stays, as a record, until it expires.
    """

    table = tables.sessions
    _owner = _SESSION_OWNER
    _sweep = _CLEAN_SESSIONS

    def create(
        self,
        user_id: uuid.UUID,
        token_hash: str,
        *,
        ttl: dt.timedelta,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> Session:
        """Start a session of ``ttl`` for an active account; one statement.

        :class:`NotFound` when the account does not exist or is inactive,
        :class:`~chanuka_db.errors.Conflict` when the hash is already a session's.
        """
        params = {
            "user_id": check_uuid("user_id", user_id),
            "token_hash": check_token_hash("token_hash", token_hash),
            "ttl": check_duration("ttl", ttl, high=MAX_SESSION_TTL),
            **_session_details(ip_address, user_agent),
        }
        return self._returned(_CREATE_SESSION, params, Session, NotFound("users", user_id))

    def get_active_with_user(self, token_hash: str) -> SessionWithUser | None:
        """The session with ``token_hash`` and its account, if both are active and unexpired.

        One statement: the session's primary key joined to the account's. Expired and
        revoked sessions, and sessions of deactivated accounts, give ``None``.
        """
        check_token_hash("token_hash", token_hash)
        with self._runner.reading() as ex:
            found = _ACTIVE_SESSION.fetch_optional(ex, token_hash=token_hash)
        return None if found is None else SessionWithUser(*found)

    def list_active(self, user_id: uuid.UUID) -> builtins.list[Session]:
        """The account's active, unexpired sessions, newest first (a "your devices" page)."""
        check_uuid("user_id", user_id)
        with self._runner.reading() as ex:
            return _SESSIONS_OF_USER.fetch_all(ex, user_id=user_id)

    def revoke(self, user_id: uuid.UUID, token_hash: str) -> bool:
        """End the account's session ``token_hash`` and its refresh tokens; whether it was on."""
        params = {
            "user_id": check_uuid("user_id", user_id),
            "token_hash": check_token_hash("token_hash", token_hash),
        }
        with self._runner.reading() as ex:
            ((revoked,),) = ex.fetch_trusted(_REVOKE_SESSION, params)
        return bool(revoked)

    def revoke_all(self, user_id: uuid.UUID, *, keep_token_hash: str | None = None) -> int:
        """End every active session of the account but ``keep_token_hash``; how many ended."""
        params = {
            "user_id": check_uuid("user_id", user_id),
            "keep_token_hash": _optional_hash("keep_token_hash", keep_token_hash),
        }
        with self._runner.reading() as ex:
            ((revoked,),) = ex.fetch_trusted(_REVOKE_ALL_SESSIONS, params)
        return int(revoked)

    def rotate(
        self,
        user_id: uuid.UUID,
        token_hash: str,
        new_token_hash: str,
        *,
        ttl: dt.timedelta,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> Session:
        """Replace the active session ``token_hash`` by a new one, atomically (one statement).

        The old session and its refresh tokens are revoked and the new one starts with
        ``ttl``, keeping the old IP address and user agent unless new ones are given.
        :class:`NotFound` when the old session is not an active one of this account (also
        for the losers of concurrent rotations of one session: exactly one wins).
        """
        params = {
            "user_id": check_uuid("user_id", user_id),
            "token_hash": check_token_hash("token_hash", token_hash),
            "new_token_hash": check_token_hash("new_token_hash", new_token_hash),
            "ttl": check_duration("ttl", ttl, high=MAX_SESSION_TTL),
            **_session_details(ip_address, user_agent),
        }
        return self._returned(
            _ROTATE_SESSION, params, Session, NotFound("sessions", "an active session of this user")
        )


class RefreshTokenRepository(
    _TokenRows, TableRepository[RefreshToken, NewRefreshToken, RefreshTokenPatch]
):
    """Refresh tokens of sessions, single use: each use issues a successor.

    :meth:`cleanup` deletes expired tokens; :meth:`owner_of` gives their session's account.
    """

    table = tables.refresh_tokens
    _owner = _REFRESH_OWNER
    _sweep = _CLEAN_REFRESH

    def issue(
        self, user_id: uuid.UUID, session_id: str, token_hash: str, *, ttl: dt.timedelta
    ) -> RefreshToken:
        """A refresh token of ``ttl`` for the account's active session ``session_id``.

        :class:`NotFound` when the session is not an active, unexpired one of this account.
        """
        params = {
            "user_id": check_uuid("user_id", user_id),
            "session_id": check_token_hash("session_id", session_id),
            "token_hash": check_token_hash("token_hash", token_hash),
            "ttl": check_duration("ttl", ttl, high=MAX_SESSION_TTL),
        }
        return self._returned(
            _ISSUE_REFRESH,
            params,
            RefreshToken,
            NotFound("sessions", "an active session of this user"),
        )

    def rotate(self, token_hash: str, new_token_hash: str, *, ttl: dt.timedelta) -> RefreshToken:
        """Use the refresh token ``token_hash``: revoke it and issue ``new_token_hash``.

        One statement. :class:`NotFound` when the token is unknown, revoked or expired, or
        its session is no longer active; of concurrent uses of one token exactly one wins.
        """
        params = {
            "token_hash": check_token_hash("token_hash", token_hash),
            "new_token_hash": check_token_hash("new_token_hash", new_token_hash),
            "ttl": check_duration("ttl", ttl, high=MAX_SESSION_TTL),
        }
        return self._returned(
            _ROTATE_REFRESH,
            params,
            RefreshToken,
            NotFound("refresh_tokens", "a valid refresh token"),
        )

    def revoke(self, token_hash: str) -> bool:
        """Revoke one refresh token; whether it was still valid."""
        check_token_hash("token_hash", token_hash)
        with self._runner.reading() as ex:
            return bool(_REVOKE_REFRESH.execute(ex, token_hash=token_hash))


class PasswordResetRepository(
    _TokenRows, TableRepository[PasswordReset, NewPasswordReset, PasswordResetPatch]
):
    """Single-use password-reset tokens; :meth:`cleanup` deletes used and expired ones."""

    table = tables.password_resets
    _owner = _RESET_OWNER
    _sweep = _CLEAN_RESETS

    def create(
        self, user_id: uuid.UUID, token_hash: str, *, ttl: dt.timedelta = dt.timedelta(hours=1)
    ) -> PasswordReset:
        """A reset token of ``ttl`` for an active account; its earlier unused ones are dropped.

        One statement. :class:`NotFound` when the account does not exist or is inactive.
        """
        params = {
            "user_id": check_uuid("user_id", user_id),
            "token_hash": check_token_hash("token_hash", token_hash),
            "ttl": check_duration("ttl", ttl, high=MAX_RESET_TTL),
        }
        return self._returned(_CREATE_RESET, params, PasswordReset, NotFound("users", user_id))

    def consume(self, token_hash: str, password_hash: str) -> uuid.UUID:
        """Use a reset token: store the new password hash and sign the account out everywhere.

        One statement, so one transaction: the token is marked used, the password changes,
        the account's other reset tokens are dropped and all its sessions and refresh
        tokens are revoked. Returns the account's id. :class:`NotFound` when the token is
        unknown, already used or expired, or the account inactive; of concurrent consumes
        of one token exactly one succeeds.
        """
        params = {
            "token_hash": check_token_hash("token_hash", token_hash),
            "password_hash": password_hash_arg(password_hash),
            "keep_token_hash": None,
        }
        with self._runner.reading() as ex:
            changed = ex.fetch_trusted(_CONSUME_RESET, params)
        if not changed:
            raise NotFound("password_resets", "an unused, unexpired reset token")
        user_id: uuid.UUID = changed[0][0]
        return user_id
