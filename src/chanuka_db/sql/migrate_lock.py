"""The migration lock: a PostgreSQL advisory lock polled on a dedicated connection.

A runner waiting in a blocking ``pg_advisory_lock`` deadlocks against another session's
``CREATE INDEX CONCURRENTLY`` (which waits for every open transaction, including the waiting
lock call). Polling ``pg_try_advisory_lock`` from autocommit leaves no transaction open
between attempts, so concurrent index builds can finish.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

import psycopg

from chanuka_db.errors import LockTimeout

__all__ = ["LOCK_KEY", "migration_lock"]

# Bytes of "chanuka" as a bigint: one key per database, shared by every runner version.
LOCK_KEY: Final = int.from_bytes(b"chanuka", "big")
_FIRST_POLL_S: Final = 0.05
_MAX_POLL_S: Final = 1.0

_HOLDER: Final = """
SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
       a.client_addr::text, date_trunc('second', now() - a.backend_start)::text
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid::bigint = %(high)s AND l.objid::bigint = %(low)s AND l.objsubid = 1
"""


@contextlib.contextmanager
def migration_lock(
    connect: Callable[[], psycopg.Connection[Any]],
    *,
    timeout_s: float,
    describe: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the migration lock of the database ``connect`` reaches, for the ``with`` body.

    Polls with a growing interval (50 ms up to 1 s) until ``timeout_s`` has passed, then
    raises :class:`LockTimeout` naming the session that holds the lock. ``describe`` names
    the database (redacted) in that message.
    """
    with connect() as conn:
        deadline = time.monotonic() + timeout_s
        interval = _FIRST_POLL_S
        while not _try_lock(conn):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeout(
                    f"another migration runner has held the migration lock on {describe} for"
                    f" over {timeout_s:g} s ({_holder(conn)}); try again when it has finished"
                )
            sleep(min(interval, remaining))
            interval = min(interval * 2, _MAX_POLL_S)
        try:
            yield
        finally:
            with contextlib.suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def _try_lock(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
    return bool(row and row[0])


def _holder(conn: psycopg.Connection[Any]) -> str:
    """Who holds the lock, for the timeout message (it may have been released meanwhile)."""
    params = {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF}
    row = conn.execute(_HOLDER, params).fetchone()
    if row is None:
        return "holder already gone"
    pid, application, user, address, running = row
    where = f" from {address}" if address else ""
    return f"pid {pid}, application '{application}', role '{user}'{where}, connected for {running}"
