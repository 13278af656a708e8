"""Reads the migrated catalog into table descriptions: the input of the row-type generator."""

from __future__ import annotations

import re
from typing import Any, Final

import psycopg

from chanuka_db.types.base import ColumnInfo, SqlKind
from chanuka_db.types.generator import TableSpec

__all__ = ["IGNORED_TABLES", "read_tables", "sql_kind"]

# Ledgers, not domain tables: ours and the old tool's.
IGNORED_TABLES: Final = frozenset({"schema_migrations", "drizzle_migrations"})
_DOMAIN_COMMENT = re.compile(r"^\s*domain:\s*([a-z_]+)\s*\.?\s*(.*)$", re.DOTALL)
_PARAMETERS = re.compile(r"^(?P<base>[a-z ]+)\((?P<args>[\d,]+)\)$")
_KINDS: Final = {
    "smallint": SqlKind.SMALLINT,
    "integer": SqlKind.INTEGER,
    "bigint": SqlKind.BIGINT,
    "text": SqlKind.TEXT,
    "character varying": SqlKind.VARCHAR,
    "uuid": SqlKind.UUID,
    "timestamp without time zone": SqlKind.TIMESTAMP,
    "timestamp with time zone": SqlKind.TIMESTAMPTZ,
    "date": SqlKind.DATE,
    "numeric": SqlKind.NUMERIC,
    "boolean": SqlKind.BOOLEAN,
    "jsonb": SqlKind.JSONB,
    "text[]": SqlKind.TEXT_ARRAY,
    "inet": SqlKind.INET,
    "tsvector": SqlKind.TSVECTOR,
}

_COLUMNS_SQL: Final = """
SELECT c.relname,
       coalesce(obj_description(c.oid, 'pg_class'), ''),
       a.attname,
       format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
       coalesce(pk.is_pk, false),
       ref.table_name,
       ref.column_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN LATERAL (
    SELECT true AS is_pk FROM pg_constraint k
    WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)
) pk ON true
LEFT JOIN LATERAL (
    SELECT rc.relname AS table_name, ra.attname AS column_name
    FROM pg_constraint f
    JOIN pg_class rc ON rc.oid = f.confrelid
    JOIN pg_attribute ra ON ra.attrelid = f.confrelid AND ra.attnum = f.confkey[1]
    WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.conkey = ARRAY[a.attnum]
    ORDER BY f.conname
    LIMIT 1
) ref ON true
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""


def sql_kind(sql_type: str) -> tuple[SqlKind, int | None, int | None, int | None]:
    """Kind, max length, precision and scale of a ``format_type`` string.

    Raises ValueError for a type the generator does not know, so a new type in a migration
    is noticed when types are regenerated, not in production.
    """
    match = _PARAMETERS.match(sql_type)
    base = match["base"] if match else sql_type
    args = [int(a) for a in match["args"].split(",")] if match else []
    kind = _KINDS.get(base)
    if kind is None:
        raise ValueError(f"column type {sql_type!r} has no Python mapping in chanuka_db.types")
    if kind is SqlKind.VARCHAR:
        return kind, (args[0] if args else None), None, None
    if kind is SqlKind.NUMERIC and args:
        return kind, None, args[0], (args[1] if len(args) > 1 else 0)
    return kind, None, None, None


def _column(row: tuple[Any, ...]) -> ColumnInfo:
    _, _, name, sql_type, nullable, has_default, primary_key, ref_table, ref_column = row
    kind, max_length, precision, scale = sql_kind(sql_type)
    return ColumnInfo(
        name,
        sql_type,
        kind,
        nullable=nullable,
        has_default=has_default,
        primary_key=primary_key,
        # The database maintains tsvector columns itself (the bills search trigger).
        writable=kind is not SqlKind.TSVECTOR,
        max_length=max_length,
        precision=precision,
        scale=scale,
        references=(ref_table, ref_column) if ref_table else None,
    )


def _domain(table: str, comment: str) -> tuple[str, str]:
    match = _DOMAIN_COMMENT.match(comment)
    if match is None:
        raise ValueError(
            f"table {table} has no 'domain: <name>. <description>' comment "
            "(every domain table declares its domain in its migration)"
        )
    return match[1], match[2].strip()


def read_tables(conn: psycopg.Connection[Any]) -> list[TableSpec]:
    """Every domain table of the ``public`` schema, in name order, with its columns in order."""
    rows = conn.execute(_COLUMNS_SQL).fetchall()
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        if row[0] not in IGNORED_TABLES:
            grouped.setdefault(row[0], []).append(row)
    specs = []
    for table, table_rows in grouped.items():
        domain, description = _domain(table, table_rows[0][1])
        columns = tuple(_column(r) for r in table_rows)
        key = tuple(c.name for c in columns if c.primary_key)
        specs.append(TableSpec(table, domain, columns, key, description))
    return specs
