"""Offset and keyset paging agree; cursors cannot be forged or moved to another query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from chanuka_db.errors import InvalidInput
from chanuka_db.pool.config import DatabaseConfig
from chanuka_db.sql import (
    CursorCodec,
    Executor,
    count,
    insert,
    keyset_page,
    paginate,
    select,
)
from chanuka_db.sql.cursors import _untag, default_codec
from chanuka_db.types import NewBill, Nulls, Param, tables

bills = tables.bills
BASE = dt.datetime(2026, 3, 1)


@attrs.frozen
class Row:
    id: int
    title: str
    category: str | None
    view_count: int
    introduced_date: dt.datetime | None
    created_at: dt.datetime


@attrs.frozen
class Summary:
    id: int
    title: str


def _seed(executor: Executor, n: int = 37) -> None:
    news = [
        NewBill(
            title=f"Bill {i:02d}",
            category=[None, "finance", "health"][i % 3],
            view_count=i % 5,
            introduced_date=None if i % 4 == 0 else BASE + dt.timedelta(days=i % 7),
            created_at=BASE + dt.timedelta(hours=i // 3),  # ties in threes
        )
        for i in range(n)
    ]
    insert(bills).values(*news).execute(executor)


ORDERINGS: list[tuple[Any, ...]] = [
    (bills.created_at.desc(),),
    (bills.introduced_date.asc(),),
    (bills.introduced_date.desc(Nulls.LAST), bills.title.asc()),
    (bills.category.asc(Nulls.FIRST), bills.view_count.desc()),
    (bills.view_count.asc(), bills.created_at.asc(), bills.id.desc()),
]


def _all_keyset(statement: Any, executor: Executor, size: int, **params: Any) -> list[int]:
    ids: list[int] = []
    page = keyset_page(statement, executor, size=size, **params)
    while True:
        ids += [row.id for row in page.items]
        if not page.has_next:
            return ids
        page = keyset_page(statement, executor, size=size, after=page.next_cursor, **params)


@pytest.mark.parametrize("orderings", ORDERINGS)
def test_keyset_and_offset_pages_agree(executor: Executor, orderings: tuple[Any, ...]) -> None:
    _seed(executor)
    listing = select(bills, Row).where(bills.title != "Bill 05")
    # Keyset paging breaks ties by the primary key, in the direction of the last key.
    tie_break = bills.id.desc() if orderings[-1].direction.value == "desc" else bills.id.asc()
    ordered = listing.order_by(*orderings, tie_break)
    everything = [row.id for row in ordered.fetch_all(executor)]
    assert len(everything) == 36
    offset_ids: list[int] = []
    page = paginate(ordered, executor, page=1, page_size=5)
    while True:
        assert page.total == 36
        assert page.pages == 8
        offset_ids += [row.id for row in page.items]
        if not page.has_next:
            break
        page = paginate(ordered, executor, page=page.page + 1, page_size=5)
    keyset_ids = _all_keyset(listing.order_by(*orderings), executor, size=5)
    assert offset_ids == everything
    assert keyset_ids == everything


def test_offset_page_beyond_the_end_and_bad_arguments(executor: Executor) -> None:
    _seed(executor, 7)
    ordered = select(bills, Summary).order_by(bills.id.asc())
    last = paginate(ordered, executor, page=2, page_size=5)
    assert (len(last.items), last.total, last.has_next) == (2, 7, False)
    beyond = paginate(ordered, executor, page=9, page_size=5)
    assert (beyond.items, beyond.total, beyond.has_next) == ([], 7, False)
    for bad in ({"page": 0}, {"page": "2"}, {"page_size": 0}, {"page_size": 101}, {"page": True}):
        with pytest.raises(InvalidInput):
            paginate(ordered, executor, **bad)
    with pytest.raises(TypeError, match="order_by"):
        paginate(select(bills, Summary), executor)
    with pytest.raises(TypeError, match="order_by"):
        keyset_page(select(bills, Summary), executor)


def test_keyset_parameters_and_filters(executor: Executor) -> None:
    _seed(executor)
    listing = (
        select(bills, Row)
        .where(bills.category == Param("category"))
        .order_by(bills.created_at.desc())
    )
    ids = _all_keyset(listing, executor, size=4, category="finance")
    assert len(ids) == 12
    first = keyset_page(listing, executor, size=4, category="finance")
    with pytest.raises(InvalidInput, match="cursor"):  # same shape, other filter value
        keyset_page(listing, executor, size=4, after=first.next_cursor, category="health")


def test_cursors_cannot_be_forged_or_replayed_elsewhere(executor: Executor) -> None:
    _seed(executor)
    by_date = select(bills, Row).order_by(bills.created_at.desc())
    cursor = keyset_page(by_date, executor, size=3).next_cursor
    assert cursor is not None
    others = [
        select(bills, Row).order_by(bills.created_at.asc()),
        select(bills, Row).order_by(bills.view_count.desc()),
        select(bills, Row).where(bills.view_count > 0).order_by(bills.created_at.desc()),
        select(bills, Row).order_by(bills.created_at.desc(), bills.title.asc()),
    ]
    for other in others:
        with pytest.raises(InvalidInput, match="not valid for this query"):
            keyset_page(other, executor, size=3, after=cursor)
    body, _, mac = cursor.partition(".")
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    hostile = [
        f"{flipped}.{mac}",
        f"{body}.{mac[:-2]}",
        f"{body}",
        "",
        "x" * 5000,
        "' OR 1=1--",
        "eyJpZCI6MX0.AAAA",
        "!!!.???",
        12,
    ]
    for forged in hostile:
        with pytest.raises(InvalidInput) as err:
            keyset_page(by_date, executor, size=3, after=forged)  # type: ignore[arg-type]
        assert err.value.field == "cursor"
    assert keyset_page(by_date, executor, size=3, after=cursor).items


def test_cursor_keys_per_process_or_configured() -> None:
    scope = b"SELECT 1"
    values = [dt.datetime(2026, 1, 1, 12), 5, None, "x"]
    random_a, random_b = CursorCodec(), CursorCodec()
    with pytest.raises(InvalidInput):
        random_b.decode(scope, random_a.encode(scope, values))
    secret = "a-shared-secret-of-at-least-32-characters"
    one = CursorCodec.from_config(DatabaseConfig(cursor_secret=secret))
    two = CursorCodec(secret.encode())
    assert two.decode(scope, one.encode(scope, values)) == values
    assert one.ephemeral is False
    assert random_a.ephemeral is True
    assert "configured key" in repr(one)
    assert default_codec() is default_codec()
    assert CursorCodec.from_config(DatabaseConfig()).ephemeral
    with pytest.raises(InvalidInput, match="another query"):
        one.decode(b"SELECT 2", one.encode(scope, values))


def test_keyset_needs_the_sort_columns_in_the_row(executor: Executor) -> None:
    _seed(executor, 5)
    with pytest.raises(TypeError, match="sort columns"):
        keyset_page(select(bills, Summary).order_by(bills.created_at.desc()), executor, size=2)
    with pytest.raises(TypeError, match="columns only"):
        keyset_page(select(bills, Summary).order_by(count().desc()), executor, size=2)


def test_cursor_values_keep_their_types() -> None:
    import uuid
    from decimal import Decimal

    codec = CursorCodec("k" * 32)
    values = [
        dt.datetime(2026, 1, 1, 12, 30),
        dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC),
        dt.date(2026, 2, 3),
        Decimal("10.50"),
        uuid.UUID(int=9),
        1.5,
        True,
        None,
        "it's",
    ]
    decoded = codec.decode(b"scope", codec.encode(b"scope", values))
    assert decoded == values
    assert [type(v) for v in decoded] == [type(v) for v in values]
    with pytest.raises(TypeError, match="cannot put a bytes"):
        codec.encode(b"scope", [b"raw"])
    with pytest.raises(ValueError, match="unknown value"):
        _untag({"x": "1"})
