"""The query-plan gate: no repository statement plans a big scan an index should serve.

Every statement shape a repository issued during this test session (collected by
``tests/plan_gate_support.py`` from the query monitor, with the values it was first run
with and the repository method that ran it) is explained with ``EXPLAIN (FORMAT JSON)``
(never ANALYZE: nothing runs) on the session's ``small`` load (5,000 users, 1,000
bills, 25,000 comments, 50,000 engagement rows, 100,000 events; analyzed by the seed).
The gate fails, naming each repository method and its SQL, when a plan

- reads a table of more than ``SEQ_SCAN_ROWS`` rows with a sequential scan to keep less
  than ``SELECTIVE`` of its rows: a selective predicate that no index serves;
- reads such a table whole and sorts it under a LIMIT: a page in an order no index gives;
- costs more than ``COST_CEILING`` planner units (the dearest plans here are the nightly
  roll-ups at about 4,100, a day of events read through a BRIN index; every OLTP plan
  costs under 1,300).

A sequential scan that keeps most of a table (a count of every row, the fan-out of a bill
followed by nearly every user) reads what the statement asks for; no index makes it
cheaper, and the cost ceiling bounds it.

It runs last (marker ``last``), so it sees what the whole session ran; run alone, it still
covers the hot operations, because it first runs the demo's story and traffic itself.

Why recorded values and not ``EXPLAIN (GENERIC_PLAN)`` (PostgreSQL 16+): the values a
repository really sent make a plan exist on PostgreSQL 15 too, with the same verdict on
both servers CI runs; and they give the plan the server starts with (a custom plan for
these values). A prepared statement may later switch to a generic plan, but PostgreSQL
does so only when the generic plan's estimated cost is no worse than the custom plans'
average, so a generic plan reading a big table whole would have to cost about as much as
the custom plans this gate already bounds. A generic plan also cannot estimate
``LIMIT $1`` or a search term's selectivity, which would make the ceiling meaningless.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import attrs
import psycopg
import pytest

from chanuka_db.demo import run_demo
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from tests.plan_gate_support import Issued, StatementLog

pytestmark = pytest.mark.last

SEQ_SCAN_ROWS: Final = 5_000
SELECTIVE: Final = 0.1
COST_CEILING: Final = 5_000.0
_SHOWN_SQL: Final = 240


@attrs.frozen
class Finding:
    """Why one statement fails the gate."""

    operation: str
    problem: str
    sql: str

    def __str__(self) -> str:
        sql = self.sql if len(self.sql) <= _SHOWN_SQL else self.sql[:_SHOWN_SQL] + "..."
        return f"{self.operation}: {self.problem}\n    {sql}"


def _nodes(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _big_seq_scans(
    plan: Mapping[str, Any], table_rows: Mapping[str, float]
) -> Iterator[tuple[Mapping[str, Any], str, float]]:
    for node in _nodes(plan):
        table = node.get("Relation Name") or ""
        rows = table_rows.get(table, 0.0)
        if node.get("Node Type") == "Seq Scan" and rows > SEQ_SCAN_ROWS:
            yield node, table, rows


def _page_of_whole_table(plan: Mapping[str, Any], table_rows: Mapping[str, float]) -> str | None:
    """The big table a LIMIT reads whole and sorts to return a page (no index for the order)."""
    for node in _nodes(plan):
        if node.get("Node Type") != "Limit":
            continue
        for sort in _nodes(node):
            if sort.get("Node Type") in ("Sort", "Incremental Sort"):
                for _, table, _ in _big_seq_scans(sort, table_rows):
                    return table
    return None


def judge(
    plan: Mapping[str, Any], issued: Issued, table_rows: Mapping[str, float]
) -> list[Finding]:
    """The gate's findings for one statement's plan (none when it passes)."""
    problems = []
    for node, table, rows in _big_seq_scans(plan, table_rows):
        kept = float(node.get("Plan Rows", 0.0))
        if kept < SELECTIVE * rows:
            problems.append(
                f"sequential scan of {table} ({rows:,.0f} rows) to keep about {kept:,.0f}: "
                "a predicate no index serves"
            )
    paged = _page_of_whole_table(plan, table_rows)
    if paged is not None:
        problems.append(f"sorts all of {paged} to return a page: no index gives this order")
    cost = float(plan.get("Total Cost", 0.0))
    if cost > COST_CEILING:
        problems.append(f"plan cost {cost:,.0f} > {COST_CEILING:,.0f}")
    return [Finding(issued.operation, problem, issued.sql) for problem in problems]


def table_rows(conn: psycopg.Connection[Any]) -> dict[str, float]:
    """Rows per table of the public schema, as the planner knows them."""
    rows = conn.execute(
        "SELECT relname, greatest(reltuples, 0) FROM pg_class"
        " WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace"
    ).fetchall()
    return {name: float(count) for name, count in rows}


def explain(
    conn: psycopg.Connection[Any], sql: str, values: Sequence[Any] | Mapping[str, Any]
) -> Mapping[str, Any]:
    """The root plan node of ``EXPLAIN (FORMAT JSON)``."""
    row = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}".encode(), values, prepare=False).fetchone()
    assert row is not None
    plan: Mapping[str, Any] = row[0][0]["Plan"]
    return plan


def gate(conn: psycopg.Connection[Any], issued: list[Issued]) -> list[Finding]:
    """Every finding for ``issued``; a statement that cannot be explained is one too."""
    sizes = table_rows(conn)
    findings: list[Finding] = []
    for statement in issued:
        try:
            plan = explain(conn, statement.sql, statement.values)
        except psycopg.Error as exc:
            findings.append(Finding(statement.operation, f"not explainable: {exc}", statement.sql))
            continue
        findings += judge(plan, statement, sizes)
    return findings


@pytest.fixture(scope="module")
def small(seeded_small_url: DatabaseUrl) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the session's ``small`` load."""
    with psycopg.connect(seeded_small_url.conninfo(), autocommit=True) as conn:
        yield conn


def test_the_gate_finds_an_unindexed_filter_an_unindexed_order_and_a_dear_plan(
    small: psycopg.Connection[Any],
) -> None:
    unindexed = Issued("SELECT id FROM bill_comments WHERE content = %s", ["Hello"], "Probe.filter")
    unordered = Issued("SELECT id FROM bill_comments ORDER BY content LIMIT %s", [20], "Probe.page")
    dear = Issued(
        "SELECT count(*) FROM analytics_events a JOIN bill_engagement e ON e.user_id = a.user_id",
        [],
        "Probe.join",
    )
    fine = Issued("SELECT id FROM bill_comments WHERE id = %s", [7], "Probe.fine")
    broken = Issued("SELECT nothing FROM bill_comments", [], "Probe.broken")
    found = {
        f.operation: f.problem for f in gate(small, [unindexed, unordered, dear, fine, broken])
    }
    assert found["Probe.filter"].startswith("sequential scan of bill_comments")
    assert (
        found["Probe.page"]
        == "sorts all of bill_comments to return a page: no index gives this order"
    )
    assert found["Probe.join"].startswith("plan cost ")
    assert found["Probe.broken"].startswith('not explainable: column "nothing" does not exist')
    assert "Probe.fine" not in found


def test_reading_most_of_a_table_is_what_the_statement_asks_for(
    small: psycopg.Connection[Any],
) -> None:
    everything = Issued("SELECT count(*) FROM bill_comments", [], "Probe.count")
    assert gate(small, [everything]) == []


def test_no_repository_statement_plans_a_scan_an_index_should_serve(
    seeded_small_url: DatabaseUrl, small: psycopg.Connection[Any],
    record_repository_statements: StatementLog,
) -> None:  # fmt: skip
    config = DatabaseConfig.for_environment(Environment.TEST, url=seeded_small_url)
    run_demo(config, scale="small", rounds=3, echo=lambda _line: None)
    # The session's demo runs wrote to the load after the seed analyzed it, and plans follow
    # statistics: analyzed again, the verdicts never depend on whether autovacuum got there.
    small.execute("ANALYZE")
    issued = record_repository_statements.issued()
    findings = gate(small, issued)
    assert len({s.operation for s in issued}) > 10  # the demo alone issues more
    assert not findings, "\n".join(str(f) for f in sorted(findings, key=lambda f: f.operation))
