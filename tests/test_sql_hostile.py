"""Hostile input into every entry point: a typed error, or plain data the server never runs.

The statement log is the server's own: the test session sets ``log_statement = 'all'`` and
``client_min_messages = log`` (superuser settings), so PostgreSQL reports every statement
it executes on that connection back to the client as a LOG notice, whatever protocol or
prepared statement carried it. A stacked or injected statement would appear there; the
tests require the log to hold exactly the statements this layer compiled, with no value
text in them, and the table set and row counts to be unchanged (or, for a write, to hold
exactly the row written, with the hostile text stored verbatim).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanuka_db.errors import InvalidInput
from chanuka_db.sql import (
    Executor,
    Filters,
    QueryMonitor,
    insert,
    keyset_page,
    ordering_of,
    search,
    select,
    update,
)
from chanuka_db.types import REGISTRY, Bill, BillPatch, NewBill, Param, tables
from chanuka_db.types.expr import column_of
from tests.strategies import text

bills = tables.bills
MARKER = "zq9xk"
HOSTILE = [
    "' OR 1=1--",
    "' OR '1'='1",
    "'; DROP TABLE bills; --",
    "1; DROP TABLE users",
    "'); DELETE FROM bills; --",
    "1 UNION SELECT password_hash FROM users--",
    "' UNION ALL SELECT NULL, version()--",
    "'; SELECT pg_sleep(5); --",
    "1) OR pg_sleep(5)--",
    "$$; DROP TABLE bills; $$",
    "/* comment */ SELECT 1",
    "-- comment",
    "\\'; DROP TABLE bills; --",
    "\\\\",
    '"; DROP TABLE "bills',
    "%s %(x)s %% {} {0}",
    "E'\\x27'",
    "title; DROP TABLE bills",
    "id desc; DROP TABLE bills",
    "\uff07 OR 1=1\uff0d\uff0d",  # fullwidth apostrophe and hyphens
    "\u02bc; DROP TABLE bills",  # modifier-letter apostrophe
    "\u037e DROP TABLE bills",  # Greek question mark, looks like ;
    "bills\u200b",  # zero-width space
    "a\x00b",
    "\ud800",
    "",
    " ",
]
hostile = (
    st.sampled_from(HOSTILE) | text(30) | st.builds(lambda t: MARKER + t, st.sampled_from(HOSTILE))
)
FILTERS = Filters(
    bills,
    {"title": {"eq", "in", "ilike"}, "view_count": {"gt", "between"}, "tags": {"contains"}},
)


class StatementLog:
    """What the server says it executed on one connection (LOG notices of log_statement)."""

    _PREFIX = re.compile(r"^(?:statement|execute [^:]+): ", re.DOTALL)

    def __init__(self) -> None:
        self.entries: list[str] = []

    def __call__(self, diagnostic: psycopg.errors.Diagnostic) -> None:
        message = diagnostic.message_primary or ""
        if diagnostic.severity_nonlocalized == "LOG" and self._PREFIX.match(message):
            self.entries.append(self._PREFIX.sub("", message))


@pytest.fixture
def logged(database_url: Any) -> Iterator[tuple[Executor, StatementLog]]:
    """An executor whose connection reports every statement the server runs."""
    log = StatementLog()
    with psycopg.connect(database_url.conninfo(), autocommit=True) as connection:
        connection.execute("SET log_statement = 'all'")
        connection.execute("SET client_min_messages = log")
        connection.add_notice_handler(log)
        yield Executor(connection, QueryMonitor()), log


def _server_text(sql: str) -> str:
    """Our %s text as the server logs it ($1, $2, ... and % for %%)."""
    numbers = iter(range(1, 10_000))
    return re.sub(r"%s", lambda _: f"${next(numbers)}", sql).replace("%%", "%")


def _state(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    tables_ = conn.execute(
        "SELECT array_agg(relname ORDER BY relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
    ).fetchone()
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM bills), (SELECT count(*) FROM users)"
    ).fetchone()
    return (tables_, counts)


def _attempt(run: Callable[[], Any]) -> bool:
    """Run an entry point: True if it ran, False if it refused with a typed error."""
    try:
        run()
    except InvalidInput:
        return False
    return True


def _check_log(executor: Executor, log: StatementLog, expected_statements: int | None) -> None:
    known = {_server_text(shape.sql) for shape in executor.monitor.stats()}
    assert log.entries, "the server log must show the statement that ran"
    for entry in log.entries:
        assert entry in known, f"the server ran a statement this layer did not compile: {entry!r}"
        assert MARKER not in entry
    if expected_statements is not None:
        assert len(log.entries) == expected_statements


def _seed(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "INSERT INTO bills (title, summary, tags) VALUES "
        "('Finance Bill', 'tax on fuel', '{tax}'), ('Health Bill', 'clinics', '{health}')"
    )


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(value=hostile)
def test_values_are_data(logged: tuple[Executor, StatementLog], conn: Any, value: str) -> None:
    executor, log = logged
    if not conn.execute("SELECT count(*) FROM bills").fetchone()[0]:
        _seed(conn)
    before = _state(conn)
    log.entries.clear()
    by_title = select(bills, Bill).where(bills.title == Param("title"))
    ran = _attempt(lambda: by_title.fetch_all(executor, title=value))
    ran = (
        _attempt(
            lambda: select(bills, Bill).where(bills.title.in_([value, "x"])).fetch_all(executor)
        )
        and ran
    )
    ran = (
        _attempt(lambda: select(bills, Bill).where(bills.summary.like(value)).fetch_all(executor))
        and ran
    )
    assert _state(conn) == before
    if ran:
        _check_log(executor, log, expected_statements=3)
    else:
        assert "\x00" in value or "\ud800" in value


@SETTINGS
@given(value=hostile)
def test_written_values_are_stored_verbatim(
    logged: tuple[Executor, StatementLog], conn: Any, value: str
) -> None:
    executor, log = logged
    tables_before, (bills_before, users_before) = _state(conn)
    log.entries.clear()
    written: list[Bill] = []
    ran = _attempt(
        lambda: written.append(insert(bills, Bill).values(NewBill(title=value)).fetch_one(executor))
    )
    if not ran:
        assert "\x00" in value or "\ud800" in value
        assert _state(conn) == (tables_before, (bills_before, users_before))
        return
    (bill,) = written
    update(bills).set(BillPatch(summary=value)).where(bills.id == bill.id).execute(executor)
    assert _state(conn) == (tables_before, (bills_before + 1, users_before))
    assert conn.execute("SELECT title, summary FROM bills WHERE id = %s", [bill.id]).fetchone() == (
        value,
        value,
    )
    _check_log(executor, log, expected_statements=2)


@SETTINGS
@given(name=hostile, direction=hostile)
def test_identifiers_and_sort_keys_are_checked(name: str, direction: str) -> None:
    columns = set(REGISTRY.table("bills").column_names)
    if name in columns:
        assert column_of(bills, name).name == name
    else:
        with pytest.raises(InvalidInput):
            column_of(bills, name)
        with pytest.raises(InvalidInput):
            ordering_of(bills, name, "asc")
    if name not in REGISTRY:
        with pytest.raises(InvalidInput):
            REGISTRY.table(name)
    if direction.strip().lower() not in ("asc", "desc"):
        with pytest.raises(InvalidInput):
            ordering_of(bills, "title", direction)


@SETTINGS
@given(field=hostile, op=hostile, value=hostile)
def test_filters_are_allow_listed(
    logged: tuple[Executor, StatementLog], conn: Any, field: str, op: str, value: Any
) -> None:
    executor, log = logged
    before = _state(conn)
    log.entries.clear()
    requests = [
        {field: value},
        {"title": {op: value}},
        {"title": {"ilike": value}},
        {"view_count": {"gt": value}},
        {"view_count": {"between": [value, value]}},
        {"tags": {"contains": [value]}},
        {"title": {"in": [value]}},
    ]
    listing = select(bills, Bill).order_by(bills.id.asc())

    def run(request: dict[str, Any]) -> Any:
        return listing.where(FILTERS.parse(request) or bills.id > 0).fetch_all(executor)

    ran = sum(_attempt(lambda r=request: run(r)) for request in requests)  # type: ignore[misc]
    assert _state(conn) == before
    if ran:
        _check_log(executor, log, expected_statements=ran)


@SETTINGS
@given(query=hostile)
def test_search_text_is_data(logged: tuple[Executor, StatementLog], conn: Any, query: str) -> None:
    executor, log = logged
    if not conn.execute("SELECT count(*) FROM bills").fetchone()[0]:
        _seed(conn)
    before = _state(conn)
    log.entries.clear()
    ran = _attempt(
        lambda: search(executor, bills, query, headline=bills.summary, facets=(bills.status,))
    )
    assert _state(conn) == before
    if ran:
        _check_log(executor, log, expected_statements=2)
    else:
        assert not query.strip() or "\x00" in query or "\ud800" in query


@SETTINGS
@given(cursor=hostile)
def test_cursors_are_checked(logged: tuple[Executor, StatementLog], conn: Any, cursor: str) -> None:
    executor, log = logged
    if not conn.execute("SELECT count(*) FROM bills").fetchone()[0]:
        _seed(conn)
    log.entries.clear()
    listing = select(bills, Bill).order_by(bills.created_at.desc())
    with pytest.raises(InvalidInput) as err:
        keyset_page(listing, executor, size=1, after=cursor)
    assert err.value.field == "cursor"
    assert log.entries == [], "a bad cursor is refused before any statement"


def test_the_statement_log_would_show_a_stacked_statement(
    logged: tuple[Executor, StatementLog],
) -> None:
    executor, log = logged
    select(bills, Bill).where(bills.id == 1).fetch_all(executor)
    executor.conn.execute("SELECT 1; SELECT 2")  # what an injection would look like
    assert log.entries[-1] == "SELECT 1; SELECT 2"
    with pytest.raises(AssertionError, match="did not compile"):
        _check_log(executor, log, expected_statements=None)
