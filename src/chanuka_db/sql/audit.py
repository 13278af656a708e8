"""Audit retention: deleting old ``audit_log`` rows in bounded batches (``chanuka-db audit-purge``).

The audit itself is written by the database (migration 0016's trigger); this module only calls
``audit_purge()``, which refuses to keep less than a day and records each purge as a
``PURGE`` row. Each batch is its own transaction, so a purge of millions of rows never holds
one long transaction or its locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import psycopg

from chanuka_db.errors import InvalidInput

__all__ = ["DEFAULT_BATCH_SIZE", "MIN_RETENTION", "purge_audit"]

MIN_RETENTION: Final = dt.timedelta(days=1)
DEFAULT_BATCH_SIZE: Final = 10_000


def purge_audit(
    conn: psycopg.Connection[Any],
    *,
    older_than: dt.timedelta,
    batch_size: int = DEFAULT_BATCH_SIZE,
    echo: Callable[[str], None] | None = None,
) -> int:
    """Delete audit rows older than ``older_than``; returns how many were deleted.

    ``conn`` is an autocommit connection of a login allowed to run ``audit_purge()`` (the
    schema owner, a superuser, or ``chanuka_system``). Raises :class:`InvalidInput` before
    any SQL for a retention under one day or a batch size under one.
    """
    if not isinstance(older_than, dt.timedelta) or older_than < MIN_RETENTION:
        raise InvalidInput("older_than", f"must be at least {MIN_RETENTION}, got {older_than!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInput("batch_size", f"must be a whole number of 1 or more, got {batch_size!r}")
    total = 0
    while True:
        row = conn.execute("SELECT audit_purge(%s, %s)", (older_than, batch_size)).fetchone()
        purged = int(row[0]) if row else 0
        total += purged
        if echo is not None and purged:
            echo(f"purged {purged} audit rows ({total} so far)")
        if purged < batch_size:
            return total
