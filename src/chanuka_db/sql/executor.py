"""The executor: runs compiled statements on one psycopg connection, timed by the monitor.

``Executor(conn, monitor)`` wraps any ``psycopg.Connection`` (autocommit or not, pooled or
not): the unit of work hands each repository an executor bound to its transaction's
connection. Statements run through it and nothing else, so every one is timed, counted
and, when slow, explained (see :mod:`chanuka_db.sql.monitor`).

Errors the server raises for the caller's data are mapped to the typed errors of
:mod:`chanuka_db.errors` (unique violation -> :class:`Conflict`, foreign key ->
:class:`InvalidReference`, not-null/check/bad value -> :class:`InvalidInput`, anything else
-> :class:`QueryError` with its SQLSTATE). Connection failures, serialization failures and
deadlocks pass through unchanged, because the pool (``Database``) turns the first into
``DatabaseUnavailable`` and retries the others when the caller allows it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import BaseRowFactory, tuple_row

from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, QueryError
from chanuka_db.sql.binding import is_sensitive
from chanuka_db.sql.compiler import Compiled
from chanuka_db.sql.monitor import QueryMonitor
from chanuka_db.sql.rows import attrs_row
from chanuka_db.sql.trusted import require_trusted

__all__ = ["Executor", "map_error"]

R = TypeVar("R")

# SQLSTATEs that the pool handles (retry or DatabaseUnavailable): never wrapped here.
_PASS_THROUGH_CLASSES: Final = ("08", "40", "53", "57P")
_perf = time.perf_counter


def map_error(exc: psycopg.Error) -> Exception | None:
    """The typed error for a server error, or ``None`` when it must pass through unchanged."""
    sqlstate = exc.sqlstate or ""
    if not sqlstate and isinstance(exc, psycopg.DataError):
        # psycopg refused to send a value (a NUL in text): the caller's input, not the server.
        return InvalidInput("value", str(exc).strip().splitlines()[0])
    if not sqlstate or sqlstate.startswith(_PASS_THROUGH_CLASSES):
        return None
    diag = exc.diag
    message = diag.message_primary or str(exc).strip().splitlines()[0]
    if isinstance(exc, pg_errors.UniqueViolation | pg_errors.ExclusionViolation):
        return Conflict(f"{message} ({diag.constraint_name})")
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return InvalidReference(f"{message} ({diag.constraint_name}): {diag.message_detail}")
    if isinstance(exc, pg_errors.IntegrityError | pg_errors.DataError):
        field = diag.column_name or diag.constraint_name or diag.table_name or "value"
        return InvalidInput(field, message)
    return QueryError(message, sqlstate)


class Executor:
    """Runs statements on ``conn``; every one is recorded by ``monitor``.

    ``cursors`` signs keyset-paging cursors (see :mod:`chanuka_db.sql.paging`); by default
    a per-process key is used. Not thread-safe (neither is a connection): one per unit of
    work.
    """

    __slots__ = ("_cursors", "conn", "cursors", "monitor")

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        monitor: QueryMonitor | None = None,
        *,
        cursors: Any = None,
    ) -> None:
        if not isinstance(conn, psycopg.Connection):
            raise TypeError(f"Executor needs a psycopg.Connection, got {type(conn).__name__}")
        self.conn = conn
        self.monitor = monitor if monitor is not None else _default_monitor()
        self.cursors = cursors
        # One cursor per row factory, reused: psycopg then keeps its loaders between calls
        # (a new cursor per statement costs more than all of this layer's own work).
        self._cursors: dict[Any, psycopg.Cursor[Any]] = {}

    def _cursor(self, row_factory: BaseRowFactory[Any] | None) -> psycopg.Cursor[Any]:
        cursor = self._cursors.get(row_factory)
        if cursor is None:
            if row_factory is None:
                cursor = self.conn.cursor()
            else:
                cursor = self.conn.cursor(row_factory=row_factory)
            if len(self._cursors) >= 256:
                self._cursors.clear()
            self._cursors[row_factory] = cursor
        return cursor

    def fetch(
        self, compiled: Compiled, values: list[Any], row_factory: BaseRowFactory[R]
    ) -> list[R]:
        """Run a compiled statement and return all its rows, built by ``row_factory``."""
        if compiled.order is not None:
            values = compiled.arrange(values)
        cursor = self._cursors.get(row_factory) or self._cursor(row_factory)
        start = _perf()
        try:
            cursor.execute(compiled.text, values)
            rows = cursor.fetchall()
        except psycopg.Error as exc:
            self._failed(compiled, values, start, exc)
        self.monitor.record(compiled, values, _perf() - start, len(rows), self.conn)
        return rows

    def run(self, compiled: Compiled, values: list[Any]) -> int:
        """Run a compiled statement that returns no rows; the number of rows it touched."""
        values = compiled.arrange(values)
        cursor = self._cursor(None)
        start = _perf()
        try:
            cursor.execute(compiled.text, values)
        except psycopg.Error as exc:
            self._failed(compiled, values, start, exc)
        count = max(cursor.rowcount, 0)
        self.monitor.record(compiled, values, _perf() - start, count, self.conn)
        return count

    def _failed(
        self, compiled: Compiled, values: list[Any], start: float, exc: psycopg.Error
    ) -> Any:
        self.monitor.failed(compiled, values, _perf() - start, exc, self.conn)
        mapped = map_error(exc)
        if mapped is None:
            raise exc
        raise mapped from exc

    # -- trusted SQL -----------------------------------------------------------------------

    def execute(self, sql: object, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """Run :func:`~chanuka_db.sql.trusted.trusted` SQL that returns no rows.

        ``params`` fill its ``%s`` (a sequence) or ``%(name)s`` (a mapping) placeholders.
        A plain ``str`` is refused with :class:`TypeError`.
        """
        compiled, values = _trusted(sql, params)
        return self.run(compiled, values)

    def fetch_trusted(
        self,
        sql: object,
        params: Sequence[Any] | Mapping[str, Any] = (),
        row_type: type[R] | None = None,
    ) -> list[Any]:
        """Rows of trusted SQL: tuples, or ``row_type`` instances built positionally."""
        compiled, values = _trusted(sql, params)
        factory: BaseRowFactory[Any] = (
            tuple_row if row_type is None else attrs_row(row_type)  # type: ignore[arg-type]
        )
        return self.fetch(compiled, values, factory)


_TRUSTED_CACHE: dict[tuple[str, tuple[str, ...] | None], Compiled] = {}


def _trusted(sql: object, params: Sequence[Any] | Mapping[str, Any]) -> tuple[Compiled, Any]:
    text = require_trusted(sql).text
    names = tuple(params) if isinstance(params, Mapping) else None
    compiled = _TRUSTED_CACHE.get((text, names))
    if compiled is None:
        # Named parameters are redacted by name; positional ones carry no name, so all
        # of them are redacted in logs.
        if names is None:
            labels = tuple(f"${i + 1}" for i in range(len(params)))
            sensitive = (True,) * len(params)
        else:
            labels = names
            sensitive = tuple(is_sensitive(name) for name in names)
        compiled = Compiled(text, None, labels, sensitive)
        if len(_TRUSTED_CACHE) < 1024:
            _TRUSTED_CACHE[(text, names)] = compiled
    return compiled, (dict(params) if isinstance(params, Mapping) else list(params))


_DEFAULT: list[QueryMonitor] = []


def _default_monitor() -> QueryMonitor:
    """One process-wide monitor for executors made without one (default threshold)."""
    if not _DEFAULT:
        _DEFAULT.append(QueryMonitor())
    return _DEFAULT[0]
