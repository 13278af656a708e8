"""The audit trail (``uow.audit``): who changed which row, when, from what to what; read-only.

Rows of ``audit_log`` are written by the database itself (migration 0016's trigger, in the
writing transaction) and never through the layer: the write methods refuse. What a caller
sees follows row-level security (docs/security.md): through the application's login, the
actor's own trail; on the system path, everything.
"""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar, Final, NoReturn

from chanuka_db.errors import InvalidInput
from chanuka_db.repositories.base import TableRepository
from chanuka_db.sql import Page
from chanuka_db.types import REGISTRY, AuditLog, AuditLogPatch, NewAuditLog, tables

__all__ = ["AuditRepository"]

_MAX_RECORD_ID: Final = 200


class AuditRepository(TableRepository[AuditLog, NewAuditLog, AuditLogPatch]):
    """Rows of ``audit_log``, oldest first; :meth:`for_record` and :meth:`for_actor`."""

    table = tables.audit_log
    filterable: ClassVar = {
        "table_name": ("eq", "in"),
        "record_id": ("eq",),
        "operation": ("eq", "in"),
        "actor_id": ("eq",),
        "transaction_id": ("eq",),
        "occurred_at": ("ge", "lt", "between"),
    }
    sortable: ClassVar = frozenset({"id", "occurred_at"})

    def for_record(
        self, table: str, record_id: object, *, page: int = 1, page_size: int = 50
    ) -> Page[AuditLog]:
        """The history of one row: every write to ``table`` row ``record_id``, oldest first.

        ``table`` must be a registered table and ``record_id`` its primary key (any type;
        compared as text, as the audit stores it): :class:`InvalidInput` otherwise.
        """
        if not isinstance(table, str) or table == "audit_log" or table not in REGISTRY:
            raise InvalidInput("table", f"not an audited table: {table!r}")
        key = _record_key(record_id)
        return self.list(
            {"table_name": table, "record_id": key}, "id", page=page, page_size=page_size
        )

    def for_actor(
        self,
        actor: uuid.UUID,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[AuditLog]:
        """What ``actor`` wrote from ``since`` (inclusive) to ``until`` (exclusive), by time.

        The bounds are timezone-aware datetimes; either may be ``None`` (open).
        """
        if not isinstance(actor, uuid.UUID):
            raise InvalidInput("actor", f"expected a uuid.UUID, got {type(actor).__name__}")
        window = {op: _moment(name, value) for op, name, value in _bounds(since, until)}
        if "ge" in window and "lt" in window and window["ge"] >= window["lt"]:
            raise InvalidInput("until", "must be later than since")
        filters: dict[str, Any] = {"actor_id": actor}
        if window:
            filters["occurred_at"] = window
        return self.list(filters, "occurred_at", page=page, page_size=page_size)

    # The audit is written by the database's trigger only.
    def add(self, new: NewAuditLog) -> NoReturn:
        """Refused: audit rows are written by the database, never through the layer."""
        _read_only()

    def add_many(self, news: Iterable[NewAuditLog], *, batch_size: int = 0) -> NoReturn:
        """Refused: audit rows are written by the database, never through the layer."""
        _read_only()

    def update(self, key: Any, patch: AuditLogPatch) -> NoReturn:
        """Refused: audit rows never change."""
        _read_only()

    def delete(self, key: Any) -> NoReturn:
        """Refused: audit rows go only by retention (``chanuka-db audit-purge``)."""
        _read_only()


def _read_only() -> NoReturn:
    raise InvalidInput(
        "audit_log",
        "written by the database's audit trigger only; it cannot be added to, changed or"
        " deleted through the layer (retention: chanuka-db audit-purge)",
    )


def _record_key(record_id: object) -> str:
    if isinstance(record_id, bool) or not isinstance(record_id, (str, int, uuid.UUID)):
        raise InvalidInput("record_id", f"expected a str, int or uuid, got {record_id!r}")
    key = str(record_id)
    if not key or len(key) > _MAX_RECORD_ID or "\x00" in key:
        raise InvalidInput("record_id", f"must be 1 to {_MAX_RECORD_ID} characters, no NUL")
    return key


def _bounds(
    since: dt.datetime | None, until: dt.datetime | None
) -> builtins.list[tuple[str, str, dt.datetime]]:
    found = [("ge", "since", since), ("lt", "until", until)]
    return [(op, name, value) for op, name, value in found if value is not None]


def _moment(name: str, value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidInput(name, f"expected a timezone-aware datetime, got {value!r}")
    return value
