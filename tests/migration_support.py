"""Helpers for the migration tests: the spec, a database built the old way, seed data, checksums."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import uuid
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from chanuka_db.sql.catalog import Catalog, Table, read_catalog

ROOT = Path(__file__).resolve().parent.parent
LEDGER = "schema_migrations"


@cache
def spec() -> list[dict[str, Any]]:
    """schema.json of the shared spec (beside the checkout, as CI lays it out)."""
    for base in (ROOT.parent, ROOT.parent.parent, Path("/work")):
        path = base / "shared" / "spec" / "schema.json"
        if path.is_file():
            return list(json.loads(path.read_text(encoding="utf-8")))
    raise FileNotFoundError("shared/spec/schema.json not found beside the checkout")


def spec_tables() -> list[dict[str, Any]]:
    """The 46 domain tables of the spec (without the old tool's ledger)."""
    return [t for t in spec() if t["name"] != "drizzle_migrations"]


# -- a database built the old way (drizzle-kit DDL + hand-written SQL + drizzle_migrations) ---


def build_old_style_database(conn: psycopg.Connection[Any]) -> None:
    """Create the spec's 47 tables the way the old tooling did, with a filled drizzle ledger.

    Written independently of our migration files (drizzle's quoting, FKs added afterwards,
    numeric defaults as strings, the original function layout), so that baseline has to
    recognise the same schema in a different spelling.
    """
    with conn.transaction():
        for table in spec():
            conn.execute(_old_create_table(table).encode())
            for index in table["indexes"]:
                conn.execute(_old_create_index(table["name"], index).encode())
        for table in spec():
            for fk in table["foreign_keys"]:
                statement = (
                    f'ALTER TABLE "{table["name"]}" ADD CONSTRAINT "{fk["name"]}" FOREIGN KEY'
                    f' ("{fk["columns"][0]}") REFERENCES "public"."{fk["ref_table"]}"'
                    f'("{fk["ref_columns"][0]}") ON DELETE {fk["on_delete"]} ON UPDATE no action'
                )
                conn.execute(statement.encode())
        conn.execute(_OLD_TRIGGERS)
        for n in range(1, 4):
            conn.execute(
                "INSERT INTO drizzle_migrations (hash, filename, checksum, execution_time_ms)"
                " VALUES (%s, %s, %s, %s)",
                (f"hash{n}", f"00{n}_old.sql", f"sum{n}", n * 10),
            )


def _old_create_table(table: dict[str, Any]) -> str:
    lines = []
    for column in table["columns"]:
        kind = column["type"]
        line = f'"{column["name"]}" {kind}'
        if column["primary_key"]:
            line += " PRIMARY KEY"
        if not column["nullable"]:
            line += " NOT NULL"
        default = column["default"]
        if default is not None:
            if kind.startswith("numeric") and re.fullmatch(r"-?\d+(\.\d+)?", default):
                default = f"'{default}'"  # how drizzle-kit writes numeric defaults
            line += f" DEFAULT {default}"
        lines.append(line)
    for unique in table["unique"]:
        cols = ", ".join(f'"{c}"' for c in unique["columns"])
        lines.append(f'CONSTRAINT "{unique["name"]}" UNIQUE({cols})')
    for check in table["checks"]:
        lines.append(f'CONSTRAINT "{check["name"]}" CHECK ({check["expr"]})')
    return f'CREATE TABLE IF NOT EXISTS "{table["name"]}" (\n\t' + ",\n\t".join(lines) + "\n)"


def _old_create_index(table: str, index: dict[str, Any]) -> str:
    keys = []
    for key in index["columns"]:
        text = f'"{key["expr"]}"'
        if index["method"] != "gin":
            text += " DESC NULLS FIRST" if key["order"] == "desc" else " ASC NULLS LAST"
        keys.append(text)
    unique = "UNIQUE " if index["unique"] else ""
    where = f" WHERE {index['where']}" if index["where"] else ""
    return (
        f'CREATE {unique}INDEX IF NOT EXISTS "{index["name"]}" ON "{table}"'
        f" USING {index['method']} ({', '.join(keys)}){where}"
    )


_OLD_TRIGGERS = b"""
CREATE OR REPLACE FUNCTION update_bills_search_vector() RETURNS trigger AS $$
BEGIN
  -- keep the search vector current
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(NEW.content, '')), 'D');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER bills_search_vector_update BEFORE INSERT OR UPDATE ON bills
  FOR EACH ROW EXECUTE FUNCTION update_bills_search_vector();
CREATE OR REPLACE FUNCTION update_moderation_queue_updated_at() RETURNS TRIGGER AS $$
BEGIN NEW.updated_at = NOW(); RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_queue_updated_at BEFORE UPDATE ON moderation_queue
  FOR EACH ROW EXECUTE FUNCTION update_moderation_queue_updated_at();
CREATE OR REPLACE FUNCTION update_user_activity_summary_updated_at() RETURNS TRIGGER AS $$
BEGIN NEW.updated_at = NOW(); RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER user_activity_summary_updated_at BEFORE UPDATE ON user_activity_summary
  FOR EACH ROW EXECUTE FUNCTION update_user_activity_summary_updated_at();
CREATE OR REPLACE FUNCTION update_bill_analytics_summary_updated_at() RETURNS TRIGGER AS $$
BEGIN NEW.updated_at = NOW(); RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER bill_analytics_summary_updated_at BEFORE UPDATE ON bill_analytics_summary
  FOR EACH ROW EXECUTE FUNCTION update_bill_analytics_summary_updated_at();
"""

# -- seed data: a few valid rows in every table, whatever the schema version ---------------

# Columns whose CHECK constraints (or meaning) need particular values.
_FIXED: dict[tuple[str, str], Any] = {
    ("moderation_queue", "content_type"): "bill",
    ("moderation_queue", "status"): "pending",
    ("moderation_queue", "priority"): 3,
    ("content_flags", "content_type"): "bill_comment",
    ("content_flags", "flag_category"): "spam",
    ("content_flags", "status"): "pending",
    ("user_profiles", "reputation_score"): 7,
    ("audit_log", "operation"): "INSERT",
}
_FK = re.compile(r"FOREIGN KEY \((\w+)\) REFERENCES (\w+)\((\w+)\)")
_BASE_TIME = dt.datetime(2024, 3, 1, 12, 0, 0)


def seed(conn: psycopg.Connection[Any], rows: int = 3, tables: set[str] | None = None) -> None:
    """Insert ``rows`` valid rows into every (or each named) table, parents before children."""
    catalog = read_catalog(conn)
    for table in dependency_order(catalog):
        if table.name in (LEDGER, "drizzle_migrations") or (tables and table.name not in tables):
            continue
        references = _references(table)
        for n in range(rows):
            values = {
                column.name: _value(
                    conn,
                    table=table.name,
                    column=column.name,
                    kind=column.type,
                    n=n,
                    references=references,
                )
                for column in table.columns
                if not _generated(column.name, column.default)
            }
            query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table.name),
                sql.SQL(", ").join(map(sql.Identifier, values)),
                sql.SQL(", ").join(sql.Placeholder() * len(values)),
            )
            conn.execute(query, list(values.values()))


def dependency_order(catalog: Catalog) -> list[Table]:
    """Tables with every referenced table before the tables referencing it."""
    done: dict[str, Table] = {}

    def visit(table: Table) -> None:
        if table.name in done:
            return
        for ref_table, _ in _references(table).values():
            if ref_table != table.name and ref_table in catalog.tables:
                visit(catalog.tables[ref_table])
        done[table.name] = table

    for table in catalog.tables.values():
        visit(table)
    return list(done.values())


def _references(table: Table) -> dict[str, tuple[str, str]]:
    found = {}
    for definition in table.constraints.values():
        match = _FK.match(definition)
        if match:
            found[match[1]] = (match[2], match[3])
    return found


def _generated(name: str, default: str | None) -> bool:
    return name == "search_vector" or (
        default is not None and default.startswith(("nextval(", "gen_random_uuid("))
    )


def _value(
    conn: psycopg.Connection[Any],
    *,
    table: str,
    column: str,
    kind: str,
    n: int,
    references: dict[str, tuple[str, str]],
) -> Any:
    if (table, column) in _FIXED:
        return _FIXED[(table, column)]
    if table == "comment_votes" and column == "vote_type":
        return ("up", "down")[n % 2]
    if column in references:
        ref_table, ref_column = references[column]
        if ref_table == table:
            return None
        row = conn.execute(
            sql.SQL("SELECT {} FROM {} ORDER BY 1 OFFSET %s LIMIT 1").format(
                sql.Identifier(ref_column), sql.Identifier(ref_table)
            ),
            (n,),
        ).fetchone()
        return row[0] if row else None
    return _typed(kind, f"{table}.{column}", n)


def _typed(kind: str, label: str, n: int) -> Any:  # noqa: PLR0911 - one branch per type
    if kind in ("integer", "bigint"):
        return n + 1
    if kind.startswith("numeric"):
        return Decimal("0.25") * (n + 1)
    if kind == "boolean":
        return n % 2 == 0
    if kind == "uuid":
        return uuid.UUID(int=n + 1)
    if kind == "jsonb":
        return Jsonb({"n": n, "label": label})
    if kind.startswith("timestamp"):
        moment = _BASE_TIME + dt.timedelta(days=n)
        return moment.replace(tzinfo=dt.UTC) if "with time zone" in kind else moment
    if kind == "date":
        return _BASE_TIME.date() + dt.timedelta(days=n)
    if kind == "text[]":
        return ["a", f"b{n}"]
    if kind == "inet":
        return ipaddress.ip_address(f"10.0.0.{n + 1}")
    return f"{label} {n}"[:50]


def table_checksums(conn: psycopg.Connection[Any]) -> dict[str, tuple[int, str]]:
    """Row count and an md5 over every row's text, per table (the ledgers left out)."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> %s ORDER BY 1",
            (LEDGER,),
        )
    ]
    sums = {}
    for name in names:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                " FROM {} AS t"
            ).format(sql.Identifier(name))
        ).fetchone()
        assert row is not None
        sums[name] = (row[0], row[1])
    return sums
