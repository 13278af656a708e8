"""SQL text and parameters of every builder method, and the shape cache (no database)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import attrs
import pytest
from psycopg.types.json import Jsonb

from chanuka_db.errors import InvalidInput, QueryError
from chanuka_db.sql import (
    NOW,
    JoinKind,
    assign,
    avg,
    count,
    count_distinct,
    delete,
    excluded,
    excluded_differs,
    insert,
    max_,
    min_,
    select,
    select_value,
    sum_,
    trusted,
    update,
    upsert,
)
from chanuka_db.sql.compiler import CACHE
from chanuka_db.sql.trusted import require_trusted
from chanuka_db.types import (
    Bill,
    BillPatch,
    NewBill,
    NewBillEngagement,
    NewUser,
    Nulls,
    Param,
    Sponsor,
    UserPatch,
    tables,
)

bills = tables.bills
sponsors = tables.sponsors
BILL_COLUMNS = ",".join(f'"{name}"' for name in attrs.fields_dict(Bill))


@attrs.frozen
class BillTitle:
    id: int
    title: str


@attrs.frozen
class StatusCount:
    status: str
    n: int


def test_select_all_columns_of_the_row_class() -> None:
    text, params = select(bills, Bill).where(bills.id == 5).sql()
    assert text == f'SELECT {BILL_COLUMNS} FROM "bills" WHERE "id"=%s'
    assert params == [5]
    assert select(bills).sql()[0] == f'SELECT {BILL_COLUMNS} FROM "bills"'


def test_select_a_subset_into_a_hand_written_class() -> None:
    text, _ = select(bills, BillTitle).sql()
    assert text == 'SELECT "id","title" FROM "bills"'
    with pytest.raises(TypeError, match=r"BillTitle.nope is not a column of sponsors; map it"):
        select(sponsors, attrs.make_class("BillTitle", ["id", "nope"]))  # type: ignore[call-overload]


def test_where_operators_render_with_bound_values() -> None:
    cases: list[tuple[Any, str, list[Any]]] = [
        (bills.status != "passed", '"status"<>%s', ["passed"]),
        (bills.view_count < 1, '"view_count"<%s', [1]),
        (bills.view_count <= 1, '"view_count"<=%s', [1]),
        (bills.view_count > 1, '"view_count">%s', [1]),
        (bills.view_count >= 1, '"view_count">=%s', [1]),
        (bills.summary == None, '"summary" IS NULL', []),  # noqa: E711
        (bills.summary != None, '"summary" IS NOT NULL', []),  # noqa: E711
        (bills.id.in_([1, 2, 3]), '"id"=ANY(%s::integer[])', [[1, 2, 3]]),
        (bills.id.not_in([]), '"id"<>ALL(%s::integer[])', [[]]),
        (bills.id.between(1, 9), '"id" BETWEEN %s AND %s', [1, 9]),
        (bills.title.like("a%"), '"title" LIKE %s', ["a%"]),
        (bills.title.ilike("a%"), '"title" ILIKE %s', ["a%"]),
        (bills.tags.contains(["x"]), '"tags"@>%s::text[]', [["x"]]),
        (bills.tags.overlaps(["x", "y"]), '"tags"&&%s::text[]', [["x", "y"]]),
        (bills.view_count > bills.share_count, '"view_count">"share_count"', []),
        (~(bills.id == 1), 'NOT ("id"=%s)', [1]),
        ((bills.id == 1) | (bills.id == 2), '("id"=%s OR "id"=%s)', [1, 2]),
    ]
    for predicate, where, params in cases:
        text, bound = select(bills, BillTitle).where(predicate).sql()
        assert text == f'SELECT "id","title" FROM "bills" WHERE {where}', where
        assert bound == params


def test_repeated_where_calls_are_anded() -> None:
    text, params = select(bills, BillTitle).where(bills.id > 1).where(bills.id < 9).sql()
    assert text.endswith('WHERE ("id">%s AND "id"<%s)')
    assert params == [1, 9]


def test_values_keep_their_python_types() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5)
    user = uuid.UUID(int=7)
    _, params = (
        select(bills, BillTitle)
        .where(bills.created_at > when)
        .where(bills.engagement_score == Decimal("1.50"))
        .where(bills.constitutional_concerns == {"a": [1]})
        .sql()
    )
    assert params[:2] == [when, Decimal("1.50")]
    assert isinstance(params[2], Jsonb)
    _, params = select(tables.users).where(tables.users.id == user).sql()
    assert params == [user]


def test_order_limit_offset_group_and_lock() -> None:
    statement = (
        select(bills, BillTitle)
        .order_by(bills.created_at.desc(Nulls.LAST), bills.id.asc(), bills.title.asc(Nulls.FIRST))
        .limit(10)
        .offset(Param("skip"))
        .for_update(skip_locked=True)
    )
    text, params = statement.sql(skip=20)
    assert text == (
        'SELECT "id","title" FROM "bills" ORDER BY "created_at" DESC NULLS LAST,"id" ASC,'
        '"title" ASC NULLS FIRST LIMIT %s OFFSET %s FOR UPDATE SKIP LOCKED'
    )
    assert params == [10, 20]


def test_aggregates_and_group_by() -> None:
    text, _ = (
        select(bills, StatusCount, n=count())
        .group_by(bills.status)
        .order_by(count().desc(), bills.status.asc())
        .sql()
    )
    assert text == (
        'SELECT "status",count(*) "n" FROM "bills" GROUP BY "status" '
        'ORDER BY count(*) DESC,"status" ASC'
    )
    expressions = {
        count(bills.summary): 'count("summary")',
        count_distinct(bills.status): 'count(DISTINCT "status")',
        sum_(bills.view_count): 'sum("view_count")::bigint',
        sum_(bills.engagement_score): 'sum("engagement_score")',
        avg(bills.view_count): 'avg("view_count")',
        min_(bills.created_at): 'min("created_at")',
        max_(bills.created_at): 'max("created_at")',
    }
    for expression, sql in expressions.items():
        assert select_value(bills, expression).sql()[0] == f'SELECT {sql} "value" FROM "bills"'


def test_joins_qualify_columns_and_include_rows() -> None:
    text, params = (
        select(bills, BillTitle)
        .join(sponsors, on=bills.sponsor_id == sponsors.id, kind=JoinKind.LEFT)
        .where(sponsors.name == "Jane")
        .sql()
    )
    assert text == (
        'SELECT "bills"."id","bills"."title" FROM "bills" LEFT JOIN "sponsors" '
        'ON "bills"."sponsor_id"="sponsors"."id" WHERE "sponsors"."name"=%s'
    )
    assert params == ["Jane"]
    pairs = select(bills, BillTitle).join(
        sponsors, on=bills.sponsor_id == sponsors.id, include=Sponsor
    )
    assert ' JOIN "sponsors" ON ' in pairs.sql()[0]
    assert '"sponsors"."name"' in pairs.sql()[0]
    assert pairs.row_type is None


def test_insert_leaves_unset_columns_to_their_defaults() -> None:
    text, params = insert(bills).values(NewBill(title="A")).sql()
    assert (text, params) == ('INSERT INTO "bills" ("title") VALUES (%s)', ["A"])
    text, params = (
        insert(bills, BillTitle)
        .values(NewBill(title="A", tags=["x"]), NewBill(title="B", status="passed"))
        .sql()
    )
    assert text == (
        'INSERT INTO "bills" ("title","status","tags") VALUES (%s,DEFAULT,%s),(%s,%s,DEFAULT) '
        'RETURNING "id","title"'
    )
    assert params == ["A", ["x"], "B", "passed"]


def test_on_conflict_variants() -> None:
    new = NewBill(title="A", bill_number="B-1")
    nothing = insert(bills).values(new).on_conflict(bills.bill_number).do_nothing()
    assert nothing.sql()[0].endswith('ON CONFLICT ("bill_number") DO NOTHING')
    everything = insert(bills).values(new).on_conflict(bills.bill_number).do_update()
    assert everything.sql()[0].endswith('DO UPDATE SET "title"=EXCLUDED."title"')
    patched = (
        insert(bills)
        .values(new)
        .on_conflict(bills.bill_number)
        .do_update(
            BillPatch(status="x"),
            assign(bills.view_count, bills.view_count + excluded(bills.view_count) + 1),
            assign(bills.updated_at, NOW),
            where=bills.status != "withdrawn",
        )
    )
    text, params = patched.sql()
    assert text.endswith(
        'DO UPDATE SET "status"=%s,"view_count"=(("bills"."view_count"+EXCLUDED."view_count")+%s),'
        '"updated_at"=now() WHERE "bills"."status"<>%s'
    )
    assert params == ["A", "B-1", "x", 1, "withdrawn"]


def test_upsert_returns_the_row() -> None:
    engagement = tables.bill_engagement
    new = NewBillEngagement(bill_id=1, user_id=uuid.UUID(int=1), view_count=1)
    text, _ = upsert(engagement, new, on=(engagement.bill_id, engagement.user_id)).sql()
    assert (
        'ON CONFLICT ("bill_id", "user_id") DO UPDATE SET "view_count"=EXCLUDED."view_count"'
        in text
    )
    assert text.endswith('"updated_at"')
    assert " RETURNING " in text


def test_update_and_delete() -> None:
    text, params = (
        update(bills)
        .set(BillPatch(title="T", summary=None), assign(bills.view_count, bills.view_count + 1))
        .where(bills.id == Param("id"))
        .sql(id=3)
    )
    assert (
        text
        == 'UPDATE "bills" SET "title"=%s,"summary"=%s,"view_count"=("view_count"+%s) WHERE "id"=%s'
    )
    assert params == ["T", None, 1, 3]
    text, params = delete(bills).where(bills.id.in_([1, 2])).returning(BillTitle).sql()
    assert text == 'DELETE FROM "bills" WHERE "id"=ANY(%s::integer[]) RETURNING "id","title"'
    assert delete(bills).where_all().sql() == ('DELETE FROM "bills"', [])
    assert (
        update(bills).set(BillPatch(title="T")).where_all().sql()[0]
        == 'UPDATE "bills" SET "title"=%s'
    )


def test_unfiltered_writes_and_empty_patches_are_refused() -> None:
    with pytest.raises(QueryError, match="where_all"):
        delete(bills).sql()
    with pytest.raises(QueryError, match="where_all"):
        update(bills).set(BillPatch(title="x")).sql()
    with pytest.raises(InvalidInput, match="changes nothing"):
        update(bills).set(BillPatch())
    with pytest.raises(InvalidInput, match="at least one change"):
        update(bills).where(bills.id == 1).sql()
    with pytest.raises(InvalidInput, match="at least one row"):
        insert(bills).values()
    with pytest.raises(TypeError, match=r"expected NewBill for bills, got NewUser"):
        insert(bills).values(NewUser(email="a@b.c", name="A", password_hash="h"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected UserPatch"):
        update(tables.users).set(BillPatch(title="x"))


def test_sql_text_is_refused_wherever_sql_is_expected() -> None:
    with pytest.raises(TypeError, match="predicate"):
        select(bills).where("id = 1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="predicate"):
        select(bills).where(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="orderings"):
        select(bills).order_by("id desc")
    with pytest.raises(TypeError, match="columns"):
        select(bills).group_by("status")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="plain str"):
        require_trusted("SELECT 1")
    with pytest.raises(TypeError, match="trusted SQL"):
        require_trusted(b"SELECT 1")
    assert require_trusted(trusted("SELECT 1")).text == "SELECT 1"
    with pytest.raises(TypeError, match="JoinKind"):
        select(bills).join(sponsors, on=bills.sponsor_id == sponsors.id, kind="left")  # type: ignore[call-overload]


def test_values_are_checked_against_their_column_before_any_sql() -> None:
    with pytest.raises(InvalidInput, match="view_count: expected int, got str"):
        select(bills).where(bills.view_count == "1").sql()  # type: ignore[comparison-overlap]
    with pytest.raises(InvalidInput, match=r"id: .* out of range"):
        select(bills).where(bills.id == 2**40).sql()
    with pytest.raises(InvalidInput, match="compared with None"):
        select(bills).where(bills.id == Param("id")).sql(id=None)
    with pytest.raises(InvalidInput, match="NUL"):
        select(bills).where(bills.title == "a\x00b").sql()
    with pytest.raises(InvalidInput, match="naive datetime"):
        select(bills).where(bills.created_at > dt.datetime.now(dt.UTC)).sql()
    with pytest.raises(InvalidInput, match="expected a list"):
        select(bills).where(bills.id.in_(Param("ids"))).sql(ids="1,2")
    with pytest.raises(InvalidInput, match="limit: expected int"):
        select(bills).limit(Param("n")).sql(n="10; DROP TABLE bills")
    with pytest.raises(InvalidInput, match="offset: -1 is not between"):
        select(bills).offset(-1).sql()
    with pytest.raises(InvalidInput, match="parameter is missing"):
        select(bills).where(bills.id == Param("id")).sql()
    with pytest.raises(InvalidInput, match="no such parameter"):
        select(bills).where(bills.id == Param("id")).sql(id=1, idd=2)
    with pytest.raises(TypeError, match="contains"):
        select(bills).where(bills.tags.in_([["a"]])).sql()  # type: ignore[list-item]
    with pytest.raises(TypeError, match="array column"):
        select(bills).where(bills.title.contains(["a"])).sql()


def test_password_columns_are_marked_sensitive() -> None:
    users = tables.users
    statement = update(users).set(UserPatch(password_hash="x" * 60)).where(users.id == Param("id"))
    compiled = statement.prepared().compiled
    assert compiled.labels == ("password_hash", "id")
    assert compiled.sensitive == (True, False)


def test_same_shape_renders_once_and_shapes_never_share_sql() -> None:
    CACHE.clear()
    texts = set()
    for value in range(50):
        text, params = select(bills, BillTitle).where(bills.id.in_(range(value))).sql()
        texts.add(text)
        assert params == [list(range(value))]
    assert len(texts) == 1
    assert CACHE.renders == 1
    shapes = [
        select(bills, BillTitle).where(bills.id == 1),
        select(bills, BillTitle).where(bills.id != 1),
        select(bills, BillTitle).where(bills.view_count == 1),
        select(bills, BillTitle).where(bills.id == bills.view_count),
        select(bills, BillTitle).where(bills.id == None),  # noqa: E711
        select(bills, BillTitle).where((bills.id == 1) & (bills.id == 2)),
        select(bills, BillTitle).where((bills.id == 1) | (bills.id == 2)),
        select(bills, BillTitle).where(~(bills.id == 1)),
        select(bills, Bill).where(bills.id == 1),
        select(bills, BillTitle).where(bills.id == 1).limit(1),
        select(bills, BillTitle).where(bills.id == 1).order_by(bills.id.asc()),
        select(bills, BillTitle).where(bills.id == 1).order_by(bills.id.desc()),
        select(tables.sponsors, Sponsor).where(tables.sponsors.id == 1),
    ]
    rendered = [statement.sql()[0] for statement in shapes]
    assert len(set(rendered)) == len(rendered)
    assert CACHE.renders == 1 + len(shapes)
    assert len(CACHE) == CACHE.renders


def test_a_module_level_statement_compiles_once() -> None:
    by_id = select(bills, Bill).where(bills.id == Param("id"))
    first = by_id.prepared()
    assert by_id.prepared() is first
    assert by_id.sql(id=1)[1] == [1]
    assert by_id.sql(id=2)[1] == [2]
    with pytest.raises(AttributeError, match="immutable"):
        by_id._where = None  # type: ignore[misc]


def test_trusted_text_must_be_literal_sql() -> None:
    from chanuka_db.sql.trusted import Trusted

    assert repr(trusted("SELECT 1")) == "trusted('SELECT 1')"
    for bad in ("", "   ", 5):
        with pytest.raises(TypeError, match="non-empty SQL"):
            Trusted(bad)  # type: ignore[arg-type]


def test_excluded_differs_skips_rows_that_would_not_change() -> None:
    new = NewBill(title="A", bill_number="B-1")
    statement = (
        insert(bills)
        .values(new)
        .on_conflict(bills.bill_number)
        .do_update(excluded(bills.title), where=excluded_differs(bills.title, bills.summary))
    )
    assert statement.sql()[0].endswith(
        'WHERE ROW("bills"."title","bills"."summary") IS DISTINCT FROM '
        'ROW(EXCLUDED."title",EXCLUDED."summary")'
    )
    with pytest.raises(TypeError, match="at least one column"):
        excluded_differs()
    with pytest.raises(TypeError, match="takes columns"):
        excluded_differs("title")  # type: ignore[arg-type]
