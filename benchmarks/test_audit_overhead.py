"""What the audit trigger costs per write: bills and bill_engagement, with and without it.

Two clones of the migrated template, one with every ``audit_changes`` trigger disabled, one
as the migrations leave it; the same statements run against both in alternating blocks
(many rounds, medians), so drift on the shared machine hits both alike. Single-row writes
are one autocommit statement each (a round trip and a commit included, as in the service);
the bulk rows are one ``INSERT ... SELECT`` of 1,000 rows, reported per row.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from tests.conftest import PgServer, unique_name

from chanuka_db.pool import DatabaseUrl

Op = Callable[[psycopg.Connection[Any]], int]
BULK = 1_000


def _users_and_bills(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "INSERT INTO users (email, password_hash, name)"
        " SELECT 'u' || g || '@example.org', 'h', 'user ' || g FROM generate_series(1, 500) g"
    )
    conn.execute(
        "INSERT INTO bills (title, summary, content) SELECT 'Bill ' || g,"
        " 'What bill ' || g || ' changes', repeat('clause ', 150) FROM generate_series(1, 200) g"
    )


@pytest.fixture
def databases(
    pg_server: PgServer, template_database: str, database_url: DatabaseUrl, pinned: bool
) -> Iterator[dict[str, psycopg.Connection[Any]]]:
    name = unique_name("noaudit")
    plain_url = pg_server.create_database(name, template=template_database)
    audited = psycopg.connect(database_url.conninfo(), autocommit=True)
    plain = psycopg.connect(plain_url.conninfo(), autocommit=True)
    try:
        plain.execute(
            "DO $$ DECLARE t regclass; BEGIN FOR t IN SELECT tgrelid::regclass FROM pg_trigger"
            " WHERE tgname = 'audit_changes' LOOP"
            " EXECUTE format('ALTER TABLE %s DISABLE TRIGGER audit_changes', t); END LOOP; END $$"
        )
        for conn in (audited, plain):
            _users_and_bills(conn)
        yield {"audited": audited, "no audit": plain}
    finally:
        audited.close()
        plain.close()
        pg_server.drop_database(name)


_counter = itertools.count()


def _bill_insert(conn: psycopg.Connection[Any]) -> int:
    conn.execute(
        "INSERT INTO bills (title, summary, content) VALUES (%s, %s, %s)",
        (f"Finance Bill {next(_counter)}", "Amends the tax code", "clause " * 150),
    )
    return 1


def _bill_update(conn: psycopg.Connection[Any]) -> int:
    conn.execute(
        "UPDATE bills SET view_count = view_count + 1 WHERE id = (SELECT min(id) FROM bills) + %s",
        (next(_counter) % 200,),
    )
    return 1


def _record_view(conn: psycopg.Connection[Any]) -> int:
    n = next(_counter)
    conn.execute(
        "INSERT INTO bill_engagement (bill_id, user_id, view_count)"
        " SELECT (SELECT min(id) FROM bills) + %s, (SELECT id FROM users ORDER BY id OFFSET %s"
        " LIMIT 1), 1 ON CONFLICT (bill_id, user_id) DO UPDATE"
        " SET view_count = bill_engagement.view_count + 1, last_engaged = now()",
        (n % 20, n % 300),
    )
    return 1


def _bulk_bills(conn: psycopg.Connection[Any]) -> int:
    conn.execute(
        "INSERT INTO bills (title, summary, content) SELECT 'Bulk ' || g, 'summary',"
        " repeat('clause ', 150) FROM generate_series(1, %s) g",
        (BULK,),
    )
    return BULK


def _bulk_engagement(conn: psycopg.Connection[Any]) -> int:
    bill = conn.execute("INSERT INTO bills (title) VALUES ('bulk') RETURNING id").fetchone()
    conn.execute(
        "INSERT INTO bill_engagement (bill_id, user_id, view_count)"
        " SELECT %s, id, 1 FROM users LIMIT %s",
        (bill[0] if bill else None, BULK),
    )
    return min(BULK, 500)


OPERATIONS: dict[str, Op] = {
    "bills: INSERT one row": _bill_insert,
    "bills: UPDATE one row": _bill_update,
    "bill_engagement: upsert (record a view)": _record_view,
    "bills: INSERT ... SELECT, per row": _bulk_bills,
    "bill_engagement: INSERT ... SELECT, per row": _bulk_engagement,
}


def _per_row_us(op: Op, conn: psycopg.Connection[Any], repeat: int) -> float:
    started, rows = time.perf_counter(), 0
    for _ in range(repeat):
        rows += op(conn)
    return (time.perf_counter() - started) / rows * 1e6


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("mode", ["audited", "no audit"])
def test_write(
    benchmark: Any, databases: dict[str, psycopg.Connection[Any]], operation: str, mode: str
) -> None:
    benchmark.group = f"audit overhead: {operation}"
    conn, op = databases[mode], OPERATIONS[operation]
    benchmark(lambda: op(conn))


def test_interleaved_audit_overhead(
    benchmark: Any, databases: dict[str, psycopg.Connection[Any]], pinned: bool
) -> None:
    rounds, single, bulk = (2, 10, 1) if not benchmark.enabled else (15, 200, 2)
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for name, op in OPERATIONS.items():
            repeat = bulk if "SELECT, per row" in name else single
            for mode, conn in databases.items():
                samples.setdefault((name, mode), []).append(_per_row_us(op, conn, repeat))
    lines = [
        f"interleaved, {rounds} rounds, pinned to one CPU: {pinned}",
        f"{'write':<44}{'no audit µs':>12}{'audited µs':>12}{'overhead':>10}",
    ]
    for name in OPERATIONS:
        plain = statistics.median(samples[(name, "no audit")])
        audited = statistics.median(samples[(name, "audited")])
        lines.append(f"{name:<44}{plain:>12.1f}{audited:>12.1f}{audited / plain - 1:>+10.0%}")
    print("\n" + "\n".join(lines))
    audit_rows = databases["audited"].execute("SELECT count(*) FROM audit_log").fetchone()
    plain_rows = databases["no audit"].execute("SELECT count(*) FROM audit_log").fetchone()
    assert plain_rows == (0,) and audit_rows is not None and audit_rows[0] > 0
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
