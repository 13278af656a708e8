"""Helpers for the security tests: users, one personal row per table, and connections by login."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from typing import Any, Final

import psycopg

from chanuka_db.pool.config import DatabaseUrl

# What the audit redacts and leaves out, per table (0016; computed there from column names).
SECRET_COLUMNS: Final = {
    "users": ("password_hash",),
    "sessions": ("token",),
    "password_resets": ("token_hash",),
    "refresh_tokens": ("token_hash",),
    "user_social_profiles": ("access_token", "refresh_token"),
}
IGNORED_COLUMNS: Final = {"bills": ("search_vector",)}
REDACTED: Final = "[redacted]"

USER_A: Final = uuid.UUID(int=0xA)
USER_B: Final = uuid.UUID(int=0xB)
_tags = itertools.count(1)

# How to insert a row owned by %(user)s into each personal table (as the superuser, or as the
# application with that actor bound), in an order that puts sessions before refresh tokens.
# %(tag)s is unique per row; %(bill)s is a bill.
PERSONAL_ROWS: Final = {
    "sessions": "INSERT INTO sessions (id, user_id, expires_at)"
    " VALUES ('s' || %(tag)s, %(user)s, now() + interval '1 day')",
    "refresh_tokens": "INSERT INTO refresh_tokens (session_id, token_hash, expires_at)"
    " VALUES ((SELECT min(id) FROM sessions WHERE user_id = %(user)s), 'rt' || %(tag)s,"
    " now() + interval '1 day')",
    "password_resets": "INSERT INTO password_resets (user_id, token_hash, expires_at)"
    " VALUES (%(user)s, 'pr' || %(tag)s, now() + interval '1 hour')",
    "notifications": "INSERT INTO notifications (user_id, type, title, message)"
    " VALUES (%(user)s, 'reply', 'n' || %(tag)s, 'hello')",
    "user_progress": "INSERT INTO user_progress (user_id, achievement_type)"
    " VALUES (%(user)s, 'a' || %(tag)s)",
    "user_interests": "INSERT INTO user_interests (user_id, interest)"
    " VALUES (%(user)s, 'i' || %(tag)s)",
    "user_social_profiles": "INSERT INTO user_social_profiles (user_id, provider, provider_id)"
    " VALUES (%(user)s, 'p' || %(tag)s, 'x')",
    "user_profiles": "INSERT INTO user_profiles (user_id, is_public) VALUES (%(user)s, false)",
    "user_activity_summary": "INSERT INTO user_activity_summary (user_id, date)"
    " VALUES (%(user)s, current_date - %(tag)s::int)",
    "bill_engagement": "INSERT INTO bill_engagement (bill_id, user_id) VALUES (%(bill)s, %(user)s)",
}
# The column (and the value for another user) that says who owns a row of each table.
OWNER_CHANGE: Final = {
    "refresh_tokens": ("session_id", "(SELECT min(id) FROM sessions WHERE user_id = %(other)s)"),
}


def owner_change(table: str) -> str:
    """``SET ...`` making a row of ``table`` belong to %(other)s."""
    column, value = OWNER_CHANGE.get(table, ("user_id", "%(other)s"))
    return f"{column} = {value}"


def connect(url: DatabaseUrl) -> psycopg.Connection[Any]:
    """An autocommit connection to ``url``."""
    return psycopg.connect(url.conninfo(), autocommit=True)


def add_users(conn: psycopg.Connection[Any], *users: uuid.UUID) -> None:
    """Accounts for ``users`` (as the superuser), and a bill to engage with."""
    for user in users:
        conn.execute(
            "INSERT INTO users (id, email, password_hash, name) VALUES (%s, %s, %s, %s)",
            (user, f"{user}@example.org", f"hash-of-{user}", f"user {user.int}"),
        )
    if conn.execute("SELECT count(*) FROM bills").fetchone() == (0,):
        conn.execute("INSERT INTO bills (title) VALUES ('Finance Bill')")


def add_personal_row(conn: psycopg.Connection[Any], table: str, user: uuid.UUID) -> Any:
    """Insert one row of ``table`` owned by ``user``; returns its id."""
    bill = conn.execute("SELECT min(id) FROM bills").fetchone()
    params = {"tag": next(_tags), "user": user, "bill": bill[0] if bill else None}
    row = conn.execute(PERSONAL_ROWS[table] + " RETURNING id", params).fetchone()
    assert row is not None
    return row[0]


@contextlib.contextmanager
def acting_as(conn: psycopg.Connection[Any], actor: object) -> Iterator[psycopg.Connection[Any]]:
    """A transaction with ``actor`` bound the way the unit of work binds it."""
    with conn.transaction():
        conn.execute("SELECT set_config('app.user_id', %s, true)", (str(actor),))
        yield conn


def ids(conn: psycopg.Connection[Any], table: str) -> set[Any]:
    """The ids of ``table`` that ``conn`` can see."""
    return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
