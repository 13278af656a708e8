"""Statements against the migrated schema: typed rows back, values intact, errors typed."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal
from typing import Any

import attrs
import psycopg
import pytest

from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound, QueryError
from chanuka_db.sql import (
    NOW,
    Executor,
    JoinKind,
    QueryMonitor,
    assign,
    avg,
    count,
    count_distinct,
    delete,
    excluded,
    insert,
    max_,
    select,
    select_value,
    sum_,
    trusted,
    update,
    upsert,
)
from chanuka_db.sql.executor import map_error
from chanuka_db.types import (
    Bill,
    BillEngagement,
    BillPatch,
    NewBill,
    NewBillEngagement,
    NewSponsor,
    NewUser,
    Param,
    Sponsor,
    User,
    tables,
)

bills = tables.bills
sponsors = tables.sponsors
users = tables.users
BY_ID = select(bills, Bill).where(bills.id == Param("id"))


@attrs.frozen
class StatusStats:
    status: str
    n: int
    views: int | None
    top: Decimal | None
    mean: Decimal | None
    categories: int


def _user(executor: Executor, n: int = 1) -> User:
    new = NewUser(email=f"u{n}@example.org", name=f"User {n}", password_hash="$argon2$x")
    return insert(users, User).values(new).fetch_one(executor)


def _bills(executor: Executor, count_: int = 5) -> list[Bill]:
    news = [
        NewBill(
            title=f"Bill {i}",
            status="introduced" if i % 2 else "passed",
            category="finance" if i % 3 else None,
            tags=["tax"] if i % 2 else ["health"],
            view_count=i * 10,
            engagement_score=Decimal(i) / 4,
            introduced_date=dt.datetime(2026, 1, 1) + dt.timedelta(days=i),
            constitutional_concerns={"articles": [i], "note": 'it\'s "quoted"'},
        )
        for i in range(1, count_ + 1)
    ]
    return insert(bills, Bill).values(*news).fetch_all(executor)


def test_insert_returning_and_select_round_trip_python_types(executor: Executor) -> None:
    created = _bills(executor, 3)
    assert [b.title for b in created] == ["Bill 1", "Bill 2", "Bill 3"]
    first = BY_ID.fetch_one(executor, id=created[0].id)
    assert first == created[0]
    assert first.engagement_score == Decimal("0.25")
    assert first.constitutional_concerns == {"articles": [1], "note": 'it\'s "quoted"'}
    assert first.introduced_date == dt.datetime(2026, 1, 2)
    assert first.status == "introduced"
    assert first.search_vector is not None  # the trigger filled it
    user = _user(executor)
    assert isinstance(user.id, uuid.UUID)
    assert select(users, User).where(users.id == user.id).fetch_one(executor) == user


def test_fetch_one_optional_and_missing_rows(executor: Executor) -> None:
    with pytest.raises(NotFound, match="bills"):
        BY_ID.fetch_one(executor, id=1)
    assert BY_ID.fetch_optional(executor, id=1) is None
    _bills(executor, 2)
    with pytest.raises(QueryError, match="got 2"):
        select(bills, Bill).fetch_one(executor)
    with pytest.raises(QueryError, match="at most one"):
        select(bills, Bill).fetch_optional(executor)


def test_in_lists_of_any_length_and_null_tests(executor: Executor) -> None:
    created = _bills(executor, 6)
    ids = [b.id for b in created]
    by_ids = select(bills, Bill).where(bills.id.in_(Param("ids"))).order_by(bills.id.asc())
    assert by_ids.fetch_all(executor, ids=ids[:2]) == created[:2]
    assert by_ids.fetch_all(executor, ids=[]) == []
    assert len(by_ids.fetch_all(executor, ids=[*ids, 10**6])) == 6
    assert len(select(bills).where(bills.id.not_in(ids[:1])).fetch_all(executor)) == 5
    assert len(select(bills).where(bills.category == None).fetch_all(executor)) == 2  # noqa: E711
    assert len(select(bills).where(bills.tags.contains(["tax"])).fetch_all(executor)) == 3
    assert len(select(bills).where(bills.tags.overlaps(["tax", "health"])).fetch_all(executor)) == 6
    assert len(select(bills).where(bills.title.ilike("bill _")).fetch_all(executor)) == 6


def test_joins_left_and_inner_with_included_rows(executor: Executor) -> None:
    jane = insert(sponsors, Sponsor).values(NewSponsor(name="Jane", role="MP")).fetch_one(executor)
    insert(bills).values(
        NewBill(title="Sponsored", sponsor_id=jane.id), NewBill(title="Orphan")
    ).execute(executor)
    pairs = (
        select(bills, Bill)
        .join(sponsors, on=bills.sponsor_id == sponsors.id, kind=JoinKind.LEFT, include=Sponsor)
        .order_by(bills.id.asc())
        .fetch_all(executor)
    )
    assert [(b.title, s) for b, s in pairs] == [("Sponsored", jane), ("Orphan", None)]
    inner = (
        select(bills, Bill)
        .join(sponsors, on=bills.sponsor_id == sponsors.id, include=Sponsor)
        .fetch_all(executor)
    )
    assert [(b.title, s.name) for b, s in inner] == [("Sponsored", "Jane")]

    @attrs.frozen
    class Named:
        title: str
        sponsor: str

    named = (
        select(bills, Named, sponsor=sponsors.name)
        .join(sponsors, on=bills.sponsor_id == sponsors.id)
        .fetch_all(executor)
    )
    assert named == [Named("Sponsored", "Jane")]


def test_aggregates_with_typed_results(executor: Executor) -> None:
    _bills(executor, 5)
    stats = (
        select(
            bills,
            StatusStats,
            n=count(),
            views=sum_(bills.view_count),
            top=max_(bills.engagement_score),
            mean=avg(bills.view_count),
            categories=count_distinct(bills.category),
        )
        .group_by(bills.status)
        .order_by(bills.status.asc())
        .fetch_all(executor)
    )
    assert stats == [
        StatusStats("introduced", 3, 90, Decimal("1.25"), Decimal(30), 1),
        StatusStats("passed", 2, 60, Decimal("1.00"), Decimal(30), 1),
    ]
    assert select_value(bills, count()).fetch_one(executor) == 5
    assert select_value(bills, bills.title).order_by(bills.id.desc()).limit(1).fetch_one(
        executor
    ) == ("Bill 5")


def test_update_delete_and_counters(executor: Executor) -> None:
    created = _bills(executor, 3)
    target = created[0]
    changed = (
        update(bills)
        .set(
            BillPatch(status="passed", summary=None),
            assign(bills.view_count, bills.view_count + 1),
            assign(bills.updated_at, NOW),
        )
        .where(bills.id == target.id)
        .returning(Bill)
        .fetch_one(executor)
    )
    assert (changed.status, changed.view_count) == ("passed", target.view_count + 1)
    assert changed.updated_at >= target.updated_at
    assert update(bills).set(BillPatch(category="x")).where(bills.id > 10**6).execute(executor) == 0
    assert delete(bills).where(bills.id == target.id).execute(executor) == 1
    assert delete(bills).where_all().returning(Bill).fetch_all(executor) == created[1:]
    with pytest.raises(NotFound):
        update(bills).set(BillPatch(title="x")).where(bills.id == 1).returning(Bill).fetch_one(
            executor
        )


def test_upsert_merges_counters_in_one_statement(executor: Executor, monitor: QueryMonitor) -> None:
    bill = _bills(executor, 1)[0]
    user = _user(executor)
    engagement = tables.bill_engagement
    record_view = upsert(
        engagement,
        NewBillEngagement(bill_id=bill.id, user_id=user.id, view_count=1),
        on=(engagement.bill_id, engagement.user_id),
        update=[
            assign(engagement.view_count, engagement.view_count + excluded(engagement.view_count))
        ],
    )
    with monitor.count() as statements:
        for _ in range(3):
            row = record_view.fetch_one(executor)
    assert statements.total == 3
    assert isinstance(row, BillEngagement)
    assert row.view_count == 3
    skipped = (
        insert(engagement, BillEngagement)
        .values(NewBillEngagement(bill_id=bill.id, user_id=user.id))
        .on_conflict(engagement.bill_id, engagement.user_id)
        .do_nothing()
    )
    assert skipped.fetch_optional(executor) is None


def test_server_errors_become_typed_errors(
    executor: Executor, conn: psycopg.Connection[Any]
) -> None:
    insert(bills).values(NewBill(title="A", bill_number="B-1")).execute(executor)
    with pytest.raises(Conflict, match="bills_bill_number"):
        insert(bills).values(NewBill(title="B", bill_number="B-1")).execute(executor)
    with pytest.raises(InvalidReference, match="sponsor"):
        insert(bills).values(NewBill(title="C", sponsor_id=12345)).execute(executor)
    with pytest.raises(InvalidInput, match=r"comment_votes_vote_type_check|vote_type"):
        executor.execute(
            trusted(
                "INSERT INTO comment_votes (comment_id, user_id, vote_type) "
                "VALUES (1, %s, 'sideways')"
            ),
            [uuid.uuid4()],
        )
    with pytest.raises(QueryError) as err:
        executor.execute(trusted("SELECT * FROM no_such_table"))
    assert err.value.sqlstate == "42P01"
    assert conn.execute("SELECT count(*) FROM bills").fetchone() == (1,)


def test_connection_failures_pass_through_for_the_pool() -> None:
    failure = psycopg.OperationalError("server closed the connection unexpectedly")
    assert map_error(failure) is None
    serialization = psycopg.errors.SerializationFailure("could not serialize")
    assert map_error(serialization) is None


def test_trusted_sql_with_named_and_positional_parameters(executor: Executor) -> None:
    assert executor.fetch_trusted(trusted("SELECT %s::int + %s::int"), [1, 2]) == [(3,)]
    assert executor.fetch_trusted(trusted("SELECT %(a)s::text || '%%'"), {"a": "50"}) == [("50%",)]

    @attrs.frozen
    class Pair:
        a: int
        b: str

    assert executor.fetch_trusted(trusted("SELECT 1 AS a, 'x' AS b"), row_type=Pair) == [
        Pair(1, "x")
    ]
    with pytest.raises(TypeError, match="plain str"):
        executor.execute("DELETE FROM bills")
    with pytest.raises(TypeError, match=r"psycopg\.Connection"):
        Executor("postgresql://")  # type: ignore[arg-type]


def test_a_shared_statement_serves_many_threads(database_url: Any, monitor: QueryMonitor) -> None:
    with psycopg.connect(database_url.conninfo(), autocommit=True) as setup:
        created = _bills(Executor(setup, monitor), 4)
    errors: list[BaseException] = []

    def worker(bill: Bill) -> None:
        try:
            with psycopg.connect(database_url.conninfo(), autocommit=True) as own:
                mine = Executor(own, monitor)
                with monitor.count() as statements:
                    for _ in range(20):
                        assert BY_ID.fetch_one(mine, id=bill.id) == bill
                assert statements.total == 20
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(bill,)) for bill in created]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stats = monitor.shape(BY_ID.prepared().compiled.text)
    assert stats is not None
    assert stats.count == 80
