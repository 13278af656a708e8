"""Session hygiene: nothing one borrower does to its session is seen by the next one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from chanuka_db.errors import ChanukaDbError
from chanuka_db.pool import Database

# What a borrower may do to its session, each a statement list run on the lent connection.
ACTIONS: dict[str, list[str]] = {
    "set": ["SET work_mem = '7MB'", "SET search_path = pg_catalog"],
    "set_config": ["SELECT set_config('app.user_id', 'someone', false)"],
    "set_local": ["SELECT set_config('app.user_id', 'tx-only', true)"],
    "timeout": ["SET statement_timeout = 1"],
    "advisory_lock": ["SELECT pg_advisory_lock(42)", "SELECT pg_advisory_lock_shared(43)"],
    "advisory_xact_lock": ["SELECT pg_advisory_xact_lock(44)"],
    "listen": ["LISTEN bill_events"],
    "temp_table": ["CREATE TEMP TABLE IF NOT EXISTS scratch (i int)"],
    "sequence": ["SELECT nextval('hygiene_seq')"],
    "cursor": ["DECLARE held CURSOR WITH HOLD FOR SELECT 1"],
    "error": ["SELECT 1/0"],
    "open_transaction": ["BEGIN", "SELECT 1"],
}
BASELINE_SQL = """
SELECT current_setting('work_mem'), current_setting('search_path'),
       current_setting('statement_timeout'),
       nullif(current_setting('app.user_id', true), ''),
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
       (SELECT count(*) FROM pg_listening_channels()),
       (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()),
       (SELECT count(*) FROM pg_cursors WHERE name <> '')
"""


def session_state(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    row = conn.execute(BASELINE_SQL).fetchone()
    assert row is not None
    return (*row, conn.info.transaction_status)


def sequence_state_is_fresh(conn: psycopg.Connection[Any]) -> bool:
    try:
        conn.execute("SELECT currval('hygiene_seq')")
    except pg_errors.ObjectNotInPrerequisiteState:
        return True
    return False


def run_actions(conn: psycopg.Connection[Any], actions: list[str]) -> None:
    for action in actions:
        for statement in ACTIONS[action]:
            try:
                conn.execute(statement)
            except psycopg.Error:
                return  # the session is now in error (or the statement was refused)


@pytest.fixture
def single(make_db: Callable[..., Database], conn: psycopg.Connection[Any]) -> Database:
    conn.execute("CREATE SEQUENCE hygiene_seq")
    # One connection: the next borrower is guaranteed to get the same session.
    return make_db(pool_min=1, pool_max=1)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    actions=st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=6),
    in_transaction=st.booleans(),
    fails=st.booleans(),
)
def test_no_session_state_survives_a_borrow(
    single: Database, actions: list[str], in_transaction: bool, fails: bool
) -> None:
    with single.connection() as c:
        pid = c.info.backend_pid
        baseline = session_state(c)
    assert baseline[3] is None and baseline[4:8] == (0, 0, 0, 0)
    assert baseline[8] == TransactionStatus.IDLE

    borrow = single.transaction if in_transaction else single.connection
    try:
        with borrow() as c:
            run_actions(c, actions)
            if fails:
                raise RuntimeError("the borrower fails")
    except (RuntimeError, psycopg.Error, ChanukaDbError):
        pass

    with single.connection() as c:
        assert c.info.backend_pid == pid, "the same session must be reused for this test"
        assert session_state(c) == baseline
        assert sequence_state_is_fresh(c)
    assert single.stats().returns_bad == 0


def test_a_reset_does_not_leak_into_the_same_borrow(single: Database) -> None:
    # The reset runs on the way back, never while the borrower still holds the session.
    with single.connection() as c:
        c.execute("SET work_mem = '9MB'")
        with single.transaction() as tx:
            tx.execute("SELECT 1")
        assert c.execute("SHOW work_mem").fetchone() == ("9MB",)
    with single.connection() as c:
        assert c.execute("SHOW work_mem").fetchone() != ("9MB",)
