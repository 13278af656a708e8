"""Request filters through an allow-list, and full-text search with facets and a true total."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import psycopg
import pytest

from chanuka_db.errors import InvalidInput
from chanuka_db.sql import (
    Executor,
    FilterOp,
    Filters,
    QueryMode,
    escape_like,
    insert,
    ordering_of,
    search,
    select,
)
from chanuka_db.sql.search import _facet_counts
from chanuka_db.types import Bill, Direction, NewBill, tables

bills = tables.bills

BILL_FILTERS = Filters(
    bills,
    {
        "status": {"eq", "ne", "in"},
        "view_count": {"lt", "le", "gt", "ge", "between"},
        "created_at": {"ge", "lt", "between"},
        "tags": {FilterOp.CONTAINS},
        "title": {"ilike"},
        "engagement_score": {"eq"},
        "category": {"eq"},
    },
)


@attrs.frozen
class Title:
    id: int
    title: str


TITLES = [
    "50% off: the Finance Bill",
    "Finance_Bill amendments",
    "Back\\slash finance",
    "Health Bill",
    "It's a 'quoted' finance bill",
]


def _titles(executor: Executor) -> None:
    news = [
        NewBill(
            title=title,
            status=["introduced", "passed"][i % 2],
            tags=["tax", "budget"] if i % 2 else ["health"],
            view_count=i * 10,
            created_at=dt.datetime(2026, 1, 1 + i),
        )
        for i, title in enumerate(TITLES)
    ]
    insert(bills).values(*news).execute(executor)


def _titles_for(executor: Executor, request: dict[str, Any]) -> list[str]:
    statement = select(bills, Title).order_by(bills.id.asc())
    predicate = BILL_FILTERS.parse(request)
    if predicate is not None:
        statement = statement.where(predicate)
    return [row.title for row in statement.fetch_all(executor)]


def test_filters_from_a_request(executor: Executor) -> None:
    _titles(executor)
    assert _titles_for(executor, {}) == TITLES
    assert _titles_for(executor, {"status": "passed"}) == [TITLES[1], TITLES[3]]
    assert _titles_for(executor, {"status": {"in": ["passed", "x"]}}) == [TITLES[1], TITLES[3]]
    assert _titles_for(executor, {"view_count": {"ge": "20", "lt": 40}}) == TITLES[2:4]
    assert _titles_for(executor, {"view_count": {"between": ["10", "20"]}}) == TITLES[1:3]
    assert _titles_for(executor, {"created_at": {"ge": "2026-01-04T00:00:00"}}) == TITLES[3:]
    assert _titles_for(executor, {"tags": {"contains": "budget"}}) == [TITLES[1], TITLES[3]]
    assert _titles_for(executor, {"engagement_score": "0"}) == TITLES
    assert _titles_for(executor, {"status": {"ne": "passed"}, "title": {"ilike": "FINANCE"}}) == [
        TITLES[0],
        TITLES[2],
        TITLES[4],
    ]


def test_ilike_takes_wildcards_literally(executor: Executor) -> None:
    _titles(executor)
    assert escape_like("50%_\\") == "50\\%\\_\\\\"
    assert _titles_for(executor, {"title": {"ilike": "50%"}}) == [TITLES[0]]
    assert _titles_for(executor, {"title": {"ilike": "%"}}) == [TITLES[0]]
    assert _titles_for(executor, {"title": {"ilike": "_"}}) == [TITLES[1]]
    assert _titles_for(executor, {"title": {"ilike": "\\"}}) == [TITLES[2]]
    assert _titles_for(executor, {"title": {"ilike": "'quoted'"}}) == [TITLES[4]]
    assert _titles_for(executor, {"title": {"ilike": "' OR 1=1--"}}) == []


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"password_hash": "x"}, "password_hash"),
        ({"status; DROP TABLE bills": "x"}, "status; DROP TABLE bills"),
        ({"title": "x"}, "title.eq"),
        ({"status": {"like": "x"}}, "status.like"),
        ({"status": {"eq": None}}, "status"),
        ({"view_count": {"gt": "1; DROP TABLE bills"}}, "view_count"),
        ({"view_count": {"gt": "1e3"}}, "view_count"),
        ({"view_count": {"between": [1]}}, "view_count"),
        ({"view_count": {"between": "1,2"}}, "view_count"),
        ({"created_at": {"ge": "yesterday"}}, "created_at"),
        ({"created_at": {"ge": "2026-01-01T00:00:00+03:00"}}, "created_at"),
        ({"engagement_score": "NaN"}, "engagement_score"),
        ({"status": {"in": list(range(1001))}}, "status"),
        ({"status": {"in": [1]}}, "status"),
        ({"title": {"ilike": 5}}, "title"),
        ({"tags": {"contains": [1]}}, "tags[0]"),
        ({5: "x"}, "5"),
    ],
)
def test_anything_outside_the_allow_list_is_a_typed_error(
    executor: Executor, request_: dict[Any, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        _titles_for(executor, request_)
    assert err.value.field == field


def test_filter_definitions_are_checked() -> None:
    with pytest.raises(InvalidInput, match="nope"):
        Filters(bills, {"nope": {"eq"}})
    with pytest.raises(TypeError, match="contains needs an array column"):
        Filters(bills, {"title": {"contains"}})
    with pytest.raises(TypeError, match="ilike needs a text column"):
        Filters(bills, {"view_count": {"ilike"}})
    with pytest.raises(TypeError, match="ordered column"):
        Filters(bills, {"tags": {"lt"}})
    with pytest.raises(ValueError, match="'regex'"):
        Filters(bills, {"title": {"regex"}})
    with pytest.raises(InvalidInput, match="mapping"):
        BILL_FILTERS.parse([("status", "x")])  # type: ignore[arg-type]
    ordered = (
        "id",
        "view_count",
        "share_count",
        "comment_count",
        "complexity_score",
        "engagement_score",
        "created_at",
        "updated_at",
        "introduced_date",
    )
    wide = Filters(bills, {name: {"lt", "le", "gt", "ge"} for name in ordered})
    request = {name: dict.fromkeys(("lt", "le", "gt", "ge"), "1") for name in ordered[:6]}
    request |= {name: dict.fromkeys(("lt", "le", "gt", "ge"), "2026-01-01") for name in ordered[6:]}
    with pytest.raises(InvalidInput, match="at most 32"):
        wide.parse(request)
    many = Filters(tables.users, {name: {"eq"} for name in ("email", "name", "role")})
    assert many.parse({"email": "a@b.c"}) is not None


def test_sort_keys_from_a_request() -> None:
    ordering = ordering_of(bills, "created_at", "DESC", allowed={"created_at", "title"})
    assert (ordering.column.name, ordering.direction) == ("created_at", Direction.DESC)
    for field, direction in [
        ("password_hash", "asc"),
        ("created_at; DROP TABLE bills", "asc"),
        ("created_at", "desc; DROP TABLE bills"),
        ("created_at", None),
        (5, "asc"),
    ]:
        with pytest.raises(InvalidInput):
            ordering_of(
                bills, field, direction, allowed={"created_at", "password_hash"} - {"password_hash"}
            )
    assert ordering_of(bills, "view_count").direction is Direction.ASC


# -- full-text search ------------------------------------------------------------------------

CORPUS = [
    ("Finance Bill 2026", "Taxes on mobile money and fuel", "introduced", "finance"),
    ("Finance Amendment Bill", "Changes to the finance act", "passed", "finance"),
    ("Health Services Bill", "County health funding and finance", "introduced", "health"),
    ("Fuel Levy Bill", "A levy on fuel imports", "introduced", None),
    ("Education Bill", "School fees and teachers", "passed", "education"),
]


def _corpus(executor: Executor, copies: int = 1) -> None:
    news = [
        NewBill(title=title, summary=summary, status=status, category=category)
        for _ in range(copies)
        for title, summary, status, category in CORPUS
    ]
    insert(bills).values(*news).execute(executor)


def test_search_ranks_pages_and_counts(executor: Executor) -> None:
    _corpus(executor, copies=3)
    result = search(executor, bills, "finance", page_size=4, facets=(bills.status, bills.category))
    assert result.total == 9
    assert len(result.hits) == 4
    assert result.has_next
    ranks = [hit.rank for hit in result.hits]
    assert ranks == sorted(ranks, reverse=True)
    assert result.hits[0].row.title.startswith("Finance")
    assert isinstance(result.hits[0].row, Bill)
    assert result.facets == {
        "status": {"introduced": 6, "passed": 3},
        "category": {"finance": 6, "health": 3},
    }
    pages = [search(executor, bills, "finance", page=p, page_size=4) for p in (1, 2, 3)]
    ids = [hit.row.id for page in pages for hit in page.hits]
    assert len(ids) == len(set(ids)) == 9
    assert not pages[-1].has_next


def test_search_filters_headlines_and_modes(executor: Executor) -> None:
    _corpus(executor)
    result = search(
        executor,
        bills,
        "fuel -levy",
        row_type=Title,
        where=bills.status == "introduced",
        headline=bills.summary,
        facets=(bills.category,),
    )
    assert [hit.row.title for hit in result.hits] == ["Finance Bill 2026"]
    assert result.hits[0].headline == "Taxes on mobile money and <b>fuel</b>"
    assert result.total == 1
    assert result.facets == {"category": {"finance": 1}}
    phrase = search(executor, bills, '"finance act"', row_type=Title)
    assert [hit.row.title for hit in phrase.hits] == ["Finance Amendment Bill"]
    plain = search(executor, bills, "county funding", row_type=Title, mode=QueryMode.PLAIN)
    assert [hit.row.title for hit in plain.hits] == ["Health Services Bill"]
    assert search(executor, bills, "the", row_type=Title).total == 0  # stop words only
    nulls = search(executor, bills, "levy", facets=(bills.category,))
    assert nulls.facets == {"category": {None: 1}}


def test_relevance_cut_off_applies_before_the_page(executor: Executor) -> None:
    _corpus(executor, copies=2)
    everything = search(executor, bills, "finance or fuel", page_size=100)
    cut = everything.hits[3].rank
    strong = search(executor, bills, "finance or fuel", min_rank=cut, page_size=2)
    expected = [h for h in everything.hits if h.rank >= cut]
    assert strong.total == len(expected)
    assert len(strong.hits) == 2
    assert all(hit.rank >= cut for hit in strong.hits)


def test_order_sorts_before_relevance(executor: Executor) -> None:
    _corpus(executor, copies=2)
    ordered = search(executor, bills, "finance", order=(bills.status.desc(),), page_size=100)
    statuses = [hit.row.status for hit in ordered.hits]
    assert statuses == sorted(statuses, reverse=True)
    for status in set(statuses):  # within one status, best matches first
        ranks = [hit.rank for hit in ordered.hits if hit.row.status == status]
        assert ranks == sorted(ranks, reverse=True)
    with pytest.raises(TypeError, match="orderings of bills"):
        search(executor, bills, "finance", order=(tables.users.name.asc(),))
    with pytest.raises(TypeError, match="orderings of bills"):
        search(executor, bills, "finance", order=("title",))  # type: ignore[arg-type]


def test_search_text_is_data(executor: Executor, conn: psycopg.Connection[Any]) -> None:
    _corpus(executor)
    for text in ["'; DROP TABLE bills; --", "finance' OR 1=1--", "finance)) | !(", "a:* & b"]:
        search(executor, bills, text)
    assert conn.execute("SELECT count(*) FROM bills").fetchone() == (5,)
    for bad in ["", "   ", "a\x00b", "x" * 1001, None, 5]:
        with pytest.raises(InvalidInput) as err:
            search(executor, bills, bad)  # type: ignore[arg-type]
        assert err.value.field == "text"  # the parameter's name
    for field, value in [("page", 0), ("page_size", 0), ("page_size", 101), ("page", "1")]:
        with pytest.raises(InvalidInput) as err:
            search(executor, bills, "finance", **{field: value})
        assert err.value.field == field
    with pytest.raises(InvalidInput, match="min_rank"):
        search(executor, bills, "finance", min_rank=float("nan"))
    with pytest.raises(TypeError, match="tsvector"):
        search(executor, bills, "finance", vector=bills.title)
    with pytest.raises(TypeError, match="single tsvector"):
        search(executor, tables.users, "finance")
    with pytest.raises(TypeError, match="QueryMode"):
        search(executor, bills, "finance", mode="websearch_to_tsquery")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="facet"):
        search(executor, bills, "finance", facets=(tables.users.role,))


def test_the_tsquery_is_a_from_item_so_generic_plans_stay_fast(executor: Executor) -> None:
    _corpus(executor)
    for _ in range(8):  # past psycopg's prepare threshold and PostgreSQL's custom-plan tries
        search(executor, bills, "finance")
    texts = [shape.sql for shape in executor.monitor.stats()]
    page_sql = next(t for t in texts if "ts_rank_cd" in t and "LIMIT" in t)
    assert "websearch_to_tsquery('english'::regconfig,%s) \"q\"" in page_sql
    assert '"bills"."search_vector" @@ "q"' in page_sql
    assert page_sql.index("@@") > page_sql.index("FROM")
    assert "finance" not in page_sql


def test_facet_rows_are_split_into_total_and_counts() -> None:
    status, category = bills.status, bills.category
    rows = [
        (3, None, None, 9),
        (1, "passed", None, 3),
        (1, "introduced", None, 6),
        (2, None, "x", 9),
    ]
    assert _facet_counts(rows, (status, category)) == (
        9,
        {"status": {"passed": 3, "introduced": 6}, "category": {"x": 9}},
    )
