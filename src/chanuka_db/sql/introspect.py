"""Turns a catalog snapshot into table descriptions for the row-type generator, and runs it.

``chanuka-db gen-types`` migrates a scratch database to head, reads its catalog
(:mod:`chanuka_db.sql.catalog`), and hands :class:`TableSpec` values to the pure generator
in :mod:`chanuka_db.types.generator`.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from typing import Final

import psycopg
from psycopg import sql

from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.sql.catalog import Catalog, Column, Table, read_catalog
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.types.base import ColumnInfo, SqlKind
from chanuka_db.types.generator import TableSpec, render_modules

__all__ = ["generate_types", "scratch_database", "sql_kind", "table_specs"]

_PARAMETERS = re.compile(r"^(?P<base>[a-z ]+)\((?P<args>[\d,]+)\)$")
_PRIMARY_KEY = re.compile(r"^PRIMARY KEY \((?P<columns>[^)]+)\)")
_FOREIGN_KEY = re.compile(
    r"^FOREIGN KEY \((?P<column>\w+)\) REFERENCES (?P<table>\w+)\((?P<ref>\w+)\)"
)
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


def _keys(table: Table) -> tuple[tuple[str, ...], dict[str, tuple[str, str]]]:
    primary: tuple[str, ...] = ()
    references: dict[str, tuple[str, str]] = {}
    for definition in table.constraints.values():
        if match := _PRIMARY_KEY.match(definition):
            primary = tuple(c.strip() for c in match["columns"].split(","))
        elif match := _FOREIGN_KEY.match(definition):
            references[match["column"]] = (match["table"], match["ref"])
    return primary, references


def _column(column: Column, primary: tuple[str, ...], ref: tuple[str, str] | None) -> ColumnInfo:
    kind, max_length, precision, scale = sql_kind(column.type)
    return ColumnInfo(
        column.name,
        column.type,
        kind,
        nullable=not column.not_null,
        has_default=column.default is not None,
        primary_key=column.name in primary,
        # The database maintains tsvector columns itself (the bills search triggers).
        writable=kind is not SqlKind.TSVECTOR,
        max_length=max_length,
        precision=precision,
        scale=scale,
        references=ref,
    )


def table_specs(catalog: Catalog) -> list[TableSpec]:
    """Every table that declares a domain (ledgers do not), in name order."""
    specs = []
    for table in catalog.tables.values():
        if table.domain is None:
            continue
        primary, references = _keys(table)
        columns = tuple(_column(c, primary, references.get(c.name)) for c in table.columns)
        specs.append(TableSpec(table.name, table.domain, columns, primary, table.description))
    return specs


@contextlib.contextmanager
def scratch_database(url: DatabaseUrl) -> Iterator[DatabaseUrl]:
    """A throwaway database on the server of ``url`` (needs CREATEDB); dropped afterwards."""
    name = f"chanuka_scratch_{secrets.token_hex(6)}"
    with psycopg.connect(url.conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.with_database(name)
    finally:
        with psycopg.connect(url.conninfo(), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def generate_types(url: DatabaseUrl) -> dict[str, str]:
    """Migrate a scratch database on ``url``'s server to head and render the type modules."""
    with scratch_database(url) as scratch:
        runner = MigrationRunner(scratch, echo=lambda _line: None)
        runner.migrate()
        with runner.connect() as conn:
            return render_modules(table_specs(read_catalog(conn)))
