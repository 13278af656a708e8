"""Bulk loading with COPY, one table per transaction, and the seed ledger that makes it resumable.

A table is loaded in a single transaction: optionally drop its secondary indexes and its
foreign keys, COPY every row, build the indexes again, add the foreign keys back (the server
validates every row against them), record the table in the ledger, commit. Either all of it
is there afterwards, with the exact index and constraint definitions the catalog had, or
none of it: an interrupted load leaves the table empty and its schema untouched. Triggers
fire (``bills.search_vector`` is filled by its trigger), except the audit trigger: generated
rows are not changes anyone made, so the load is recorded once per table in the ledger
rather than row by row in ``audit_log`` (which would double the rows written). The trigger
is disabled inside the table's transaction, by the owner, so it is on again when the
transaction ends, committed or not; nothing else ever runs without it.

The ledger lives in its own schema, ``chanuka_seed``, outside the domain schema (so the
catalog, ``schema-docs`` and the row types never see it): which scale, seed and date were
loaded, and per table the rows, seconds and notes of its load.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import psycopg
from psycopg import sql

from chanuka_db.errors import InvalidInput, SeedRefused
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.types import REGISTRY
from chanuka_db.types.base import SqlKind

__all__ = ["LEDGER_SCHEMA", "BulkSession", "LedgerRecord", "LoadedTable"]

LEDGER_SCHEMA: Final = "chanuka_seed"
_LOCK_KEY: Final = 0x5EED_C4A7  # pg_try_advisory_lock key of a running seed load
_BATCH_ROWS: Final = 5_000  # progress is reported every this many rows

_CREATE_LEDGER: Final = b"""
CREATE SCHEMA IF NOT EXISTS chanuka_seed;
COMMENT ON SCHEMA chanuka_seed IS 'Ledger of chanuka-db seed loads (not part of the domain schema)';
CREATE TABLE IF NOT EXISTS chanuka_seed.load (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    scale             text NOT NULL,
    seed              bigint NOT NULL,
    as_of             date NOT NULL,
    generator_version integer NOT NULL,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    summary           jsonb
);
CREATE TABLE IF NOT EXISTS chanuka_seed.loaded_table (
    table_name text PRIMARY KEY,
    rows       bigint NOT NULL,
    seconds    double precision NOT NULL,
    notes      jsonb NOT NULL DEFAULT '{}',
    loaded_at  timestamptz NOT NULL DEFAULT now()
);
"""
_SECONDARY_INDEXES: Final = b"""
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
  FROM pg_index i
 WHERE i.indrelid = %s::regclass
   AND NOT i.indisprimary
   AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
 ORDER BY 1
"""
_FOREIGN_KEYS: Final = b"""
SELECT conname, pg_get_constraintdef(oid)
  FROM pg_constraint
 WHERE conrelid = %s::regclass AND contype = 'f'
 ORDER BY 1
"""
_AUDIT_TRIGGER: Final = b"""
SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'audit_changes'
"""


@attrs.frozen
class LedgerRecord:
    """The load a database holds (or is in the middle of)."""

    scale: str
    seed: int
    as_of: Any
    generator_version: int
    finished: bool
    summary: dict[str, Any] | None


@attrs.frozen
class LoadedTable:
    """One table's finished load, as the ledger recorded it."""

    table: str
    rows: int
    seconds: float
    notes: dict[str, Any]


def _check_columns(table: str, columns: Sequence[str]) -> None:
    info = REGISTRY.table(table)
    for column in columns:
        info.column(column)
    if len(set(columns)) != len(columns):
        raise InvalidInput("columns", f"{table}: a column is listed twice in {columns}")


class BulkSession:
    """One connection for a whole load: the lock, the ledger, a COPY per table, the finish."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self._conn = psycopg.connect(url.conninfo(), autocommit=True)

    def __enter__(self) -> BulkSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the lock (with the session) and the connection."""
        self._conn.close()

    # -- lock and ledger -------------------------------------------------------------------

    def lock(self) -> None:
        """Take the load lock for this session, or refuse when another load holds it."""
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()
        if not row or not row[0]:
            raise SeedRefused(
                f"{self.url.redacted()}: another seed load is running on this database; "
                "wait for it to finish (a load resumes where it stopped)"
            )

    def ledger(self) -> LedgerRecord | None:
        """The recorded load, or None when this database was never seeded."""
        found = self._conn.execute("SELECT to_regclass('chanuka_seed.load')").fetchone()
        if not found or found[0] is None:
            return None
        row = self._conn.execute(
            "SELECT scale, seed, as_of, generator_version, finished_at IS NOT NULL, summary"
            "  FROM chanuka_seed.load"
        ).fetchone()
        return None if row is None else LedgerRecord(*row)

    def start(self, *, scale: str, seed: int, as_of: Any, generator_version: int) -> None:
        """Create the ledger (when missing) and record the load that begins."""
        with self._conn.transaction():
            self._conn.execute(_CREATE_LEDGER)
            self._conn.execute(
                "INSERT INTO chanuka_seed.load (scale, seed, as_of, generator_version)"
                " VALUES (%s, %s, %s, %s)",
                (scale, seed, as_of, generator_version),
            )

    def loaded_tables(self) -> dict[str, LoadedTable]:
        """Tables whose load committed, by name."""
        rows = self._conn.execute(
            "SELECT table_name, rows, seconds, notes FROM chanuka_seed.loaded_table"
        ).fetchall()
        return {
            name: LoadedTable(name, count, seconds, notes) for name, count, seconds, notes in rows
        }

    def finish(self, summary: Mapping[str, Any]) -> None:
        """Mark the load complete and keep its summary."""
        self._conn.execute(
            "UPDATE chanuka_seed.load SET finished_at = now(), summary = %s::jsonb",
            (json.dumps(summary),),
        )

    def non_empty(self, tables: Iterable[str]) -> list[str]:
        """Those of ``tables`` that hold at least one row."""
        found = []
        for table in tables:
            REGISTRY.table(table)
            query = sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table))
            try:
                row = self._conn.execute(query).fetchone()
            except psycopg.errors.UndefinedTable:
                raise SeedRefused(
                    f"{self.url.redacted()}: table {table} does not exist; "
                    "run 'chanuka-db migrate' first"
                ) from None
            if row and row[0]:
                found.append(table)
        return found

    # -- loading ---------------------------------------------------------------------------

    def copy_table(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        defer: bool,
        notes: Mapping[str, Any],
        progress: Callable[[int], None] | None = None,
    ) -> LoadedTable:
        """Load ``rows`` into ``table`` and record it, all in one transaction.

        With ``defer`` the table's secondary indexes and foreign keys are dropped first and
        re-created from their catalog definitions after the COPY (validating every row).
        ``notes`` is read after the rows are consumed (a generator may fill it as it goes).
        """
        _check_columns(table, columns)
        started = time.perf_counter()
        copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self._conn.transaction():
            self._conn.execute("SET LOCAL synchronous_commit = off")
            self._conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            rebuild = self._drop_secondary(table) if defer else []
            audited = self._audit_trigger(table, enabled=False)
            count = self._copy(copy, rows, progress)
            for statement in rebuild:
                self._conn.execute(statement)
            if audited:
                self._audit_trigger(table, enabled=True)
            seconds = time.perf_counter() - started
            self._conn.execute(
                "INSERT INTO chanuka_seed.loaded_table (table_name, rows, seconds, notes)"
                " VALUES (%s, %s, %s, %s::jsonb)",
                (table, count, seconds, json.dumps(dict(notes))),
            )
        return LoadedTable(table, count, seconds, dict(notes))

    def _copy(
        self,
        copy: sql.Composed,
        rows: Iterable[Sequence[Any]],
        progress: Callable[[int], None] | None,
    ) -> int:
        count = 0
        with self._conn.cursor() as cursor, cursor.copy(copy) as writer:
            write = writer.write_row
            for count, row in enumerate(rows, start=1):
                write(row)
                if progress is not None and not count % _BATCH_ROWS:
                    progress(_BATCH_ROWS)
        if progress is not None:
            progress(count % _BATCH_ROWS)
        return count

    def _audit_trigger(self, table: str, *, enabled: bool) -> bool:
        """Enable or disable ``table``'s audit trigger in this transaction; False: it has none."""
        found = self._conn.execute(_AUDIT_TRIGGER, (table,)).fetchone()
        if found is None:
            return False
        action = sql.SQL("ENABLE" if enabled else "DISABLE")
        self._conn.execute(
            sql.SQL("ALTER TABLE {} {} TRIGGER audit_changes").format(sql.Identifier(table), action)
        )
        return True

    def _drop_secondary(self, table: str) -> list[bytes]:
        """Drop ``table``'s secondary indexes and foreign keys; return the DDL restoring them."""
        indexes = self._conn.execute(_SECONDARY_INDEXES, (table,)).fetchall()
        keys = self._conn.execute(_FOREIGN_KEYS, (table,)).fetchall()
        target = sql.Identifier(table)
        for name, _ in keys:
            self._conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(target, sql.Identifier(name))
            )
        for name, _ in indexes:
            self._conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        restore = [definition.encode() for _, definition in indexes]
        restore += [
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ")
            .format(target, sql.Identifier(name))
            .as_bytes(self._conn)
            + definition.encode()
            for name, definition in keys
        ]
        return restore

    # -- after the load --------------------------------------------------------------------

    def analyze(self, tables: Iterable[str]) -> None:
        """Refresh the planner's statistics of ``tables``."""
        for table in tables:
            REGISTRY.table(table)
            self._conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))

    def reset_sequences(self, tables: Iterable[str]) -> None:
        """Move each serial ``id`` sequence past the largest id (the load gave ids explicitly)."""
        for table in tables:
            column = REGISTRY.table(table).column("id")
            if column.kind is not SqlKind.INTEGER or not column.has_default:
                continue  # a uuid or text id: no sequence
            self._conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({table}, 'id'),"
                    " coalesce(max(id), 0) + 1, false) FROM {ident}"
                ).format(table=sql.Literal(table), ident=sql.Identifier(table))
            )
