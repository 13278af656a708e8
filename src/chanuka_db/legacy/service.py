"""What every legacy service stands on: the Database, a snapshot to read in, two lookups.

An adapter that reads several statements runs them in one read-only REPEATABLE READ unit
of work, so they all see one snapshot (a bill cannot vanish between its page and its
details). The two lookups below are reads the old shapes need and no repository method
offers (per-bill counts of engaged users; the profiles of a page's authors): each is one
statement through the query layer, built once.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from typing import Final

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.pool import IsolationLevel
from chanuka_db.repositories import Database, UnitOfWork
from chanuka_db.sql import count, select
from chanuka_db.types import Param, UserProfile, tables

__all__ = ["LegacyService", "engaged_users", "profiles_of"]


@attrs.frozen
class _Engaged:
    """How many users have an engagement row for a bill."""

    bill_id: int
    users: int


_e = tables.bill_engagement
_ENGAGED: Final = (
    select(_e, _Engaged, users=count()).where(_e.bill_id.in_(Param("ids"))).group_by(_e.bill_id)
)
_PROFILES: Final = select(tables.user_profiles, UserProfile).where(
    tables.user_profiles.user_id.in_(Param("ids"))
)


class LegacyService:
    """Base of the old services' adapters: holds the services' :class:`Database`."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        if not isinstance(db, Database):
            raise InvalidInput("db", f"expected a chanuka_db.Database, got {type(db).__name__}")
        self._db = db

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[UnitOfWork]:
        """A read-only unit of work whose statements all see one snapshot."""
        with self._db.unit_of_work(isolation=IsolationLevel.REPEATABLE_READ, read_only=True) as uow:
            yield uow


def engaged_users(uow: UnitOfWork, bill_ids: Sequence[int]) -> dict[int, int]:
    """Users with an engagement row, per bill (bills without any are absent): 1 statement.

    ``bill_engagement`` is personal data: under row-level security only the system path
    counts every user; a user's unit of work counts that user's own row.
    """
    if not bill_ids:
        return {}
    rows = _ENGAGED.fetch_all(uow.executor, ids=list(bill_ids))
    return {row.bill_id: row.users for row in rows}


def profiles_of(uow: UnitOfWork, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, UserProfile]:
    """The profiles of ``user_ids`` that exist (and are visible), by user: 1 statement."""
    if not user_ids:
        return {}
    return {row.user_id: row for row in _PROFILES.fetch_all(uow.executor, ids=list(user_ids))}
