"""The row-type generator: names, type mapping, and refusal of what it cannot map."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chanuka_db.types as types_package
from chanuka_db.cli import EXIT_FAILED, EXIT_OK, main
from chanuka_db.sql.introspect import sql_kind
from chanuka_db.types import ColumnInfo, SqlKind
from chanuka_db.types.generator import (
    GENERATED_HEADER,
    TableSpec,
    class_names,
    format_source,
    render_modules,
)
from tests.conftest import PgServer

PACKAGE_DIR = Path(types_package.__file__).parent


@pytest.mark.parametrize(
    ("table", "row", "table_class"),
    [
        ("bills", "Bill", "BillsTable"),
        ("bill_comments", "BillComment", "BillCommentsTable"),
        ("analysis", "Analysis", "AnalysisTable"),
        ("user_progress", "UserProgress", "UserProgressTable"),
        ("system_health_metrics", "SystemHealthMetric", "SystemHealthMetricsTable"),
        ("conflicts", "SyncConflict", "ConflictsTable"),
        ("moderation_queue", "ModerationQueueItem", "ModerationQueueTable"),
    ],
)
def test_class_names(table: str, row: str, table_class: str) -> None:
    names = class_names(table)
    assert (names.row, names.new, names.patch) == (row, f"New{row}", f"{row}Patch")
    assert names.table == table_class
    assert names.constant == table.upper()


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [
        ("integer", (SqlKind.INTEGER, None, None, None)),
        ("character varying(255)", (SqlKind.VARCHAR, 255, None, None)),
        ("character varying", (SqlKind.VARCHAR, None, None, None)),
        ("numeric(5,4)", (SqlKind.NUMERIC, None, 5, 4)),
        ("numeric(7)", (SqlKind.NUMERIC, None, 7, 0)),
        ("numeric", (SqlKind.NUMERIC, None, None, None)),
        ("timestamp with time zone", (SqlKind.TIMESTAMPTZ, None, None, None)),
        ("text[]", (SqlKind.TEXT_ARRAY, None, None, None)),
    ],
)
def test_catalog_types_map_to_kinds(sql_type: str, expected: tuple[object, ...]) -> None:
    assert sql_kind(sql_type) == expected


def test_an_unknown_column_type_is_refused_loudly() -> None:
    with pytest.raises(ValueError, match="'money' has no Python mapping"):
        sql_kind("money")


def _spec(domain: str = "legislative", column: str = "title") -> TableSpec:
    columns = (
        ColumnInfo(
            "id", "integer", SqlKind.INTEGER, nullable=False, has_default=True, primary_key=True
        ),
        ColumnInfo(column, "text", SqlKind.TEXT, nullable=False, has_default=False),
        ColumnInfo("note", "jsonb", SqlKind.JSONB, nullable=True, has_default=True),
    )
    return TableSpec("widgets", domain, columns, ("id",), "A test widget.")


def test_rendered_modules_are_valid_python_with_the_header() -> None:
    files = render_modules([_spec()])
    assert set(files) == {"legislative.py", "registry.py", "__init__.py"}
    for source in files.values():
        ast.parse(source)
        assert GENERATED_HEADER in source
    module = files["legislative.py"]
    assert "class Widget:" in module
    assert "class NewWidget(Insert):" in module
    assert "note: JsonValue | Unset | None = UNSET" in module
    assert "A row of ``widgets``.\n\n    A test widget.\n" in module


def test_unknown_domain_and_unusable_column_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown domain 'billing'"):
        render_modules([_spec(domain="billing")])
    with pytest.raises(ValueError, match="not usable as a Python attribute"):
        render_modules([_spec(column="class")])


def test_formatting_without_ruff_leaves_valid_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from chanuka_db.types import generator

    monkeypatch.setattr(generator.shutil, "which", lambda _name: None)
    monkeypatch.setattr(generator, "_ruff_from_package", lambda: None)
    assert format_source("x  =  1\n") == "x  =  1\n"


def test_gen_types_command_writes_and_checks(
    tmp_path: Path, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_server.admin_url.conninfo())
    before = _scratch_databases(pg_server)
    out = tmp_path / "types"
    out.mkdir()
    assert main(["gen-types", "--output", str(out), "--check"]) == EXIT_FAILED
    assert main(["gen-types", "--output", str(out)]) == EXIT_OK
    assert (out / "legislative.py").read_text() == (PACKAGE_DIR / "legislative.py").read_text()
    assert main(["gen-types", "--output", str(out), "--check"]) == EXIT_OK
    assert _scratch_databases(pg_server) <= before  # each run drops its scratch database


def _scratch_databases(pg_server: PgServer) -> set[str]:
    with pg_server.admin() as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'chanuka_scratch_%'"
        ).fetchall()
    return {r[0] for r in rows}
