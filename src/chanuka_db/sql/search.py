"""Full-text search on a tsvector column: ranked pages, snippets, facets, an exact total.

::

    result = search(ex, bills, "finance bill -tax", where=bills.status == "introduced",
                    headline=bills.summary, facets=(bills.status, bills.category),
                    page=1, page_size=20)
    for hit in result.hits:
        hit.row, hit.rank, hit.headline
    result.total, result.facets["status"]       # {"introduced": 12, "passed": 3}

    newest_first = search(ex, bills, "finance", order=(bills.introduced_date.desc(),))

``order`` puts sort keys before the relevance (which then only breaks ties, before the
primary key); without it the best matches come first.

The search text is a bound parameter parsed by ``websearch_to_tsquery`` (quotes, ``or``,
``-word``; never a syntax error) or ``plainto_tsquery`` (all words), configuration
``english``. The tsquery is a FROM item::

    SELECT ..., ts_rank_cd(bills.search_vector, q) AS rank
    FROM bills, websearch_to_tsquery('english', %s) q
    WHERE bills.search_vector @@ q AND <filters> [AND ts_rank_cd(...) >= %s]
    ORDER BY rank DESC, bills.id LIMIT %s OFFSET %s

so that it is computed once per statement even when PostgreSQL switches the prepared
statement to a generic plan (as a WHERE argument it is re-evaluated per row, 2x slower).
A relevance cut-off is part of WHERE, before LIMIT. The total and the facets come from
one more statement under exactly the same FROM and WHERE (``GROUP BY GROUPING SETS``), so
they always agree with the pages.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs
from psycopg.rows import RowMaker

from chanuka_db.errors import InvalidInput
from chanuka_db.sql.binding import number_binder, text_binder
from chanuka_db.sql.compiler import Ctx, SqlNode, Template
from chanuka_db.sql.paging import MAX_PAGE_SIZE
from chanuka_db.sql.rows import field_names
from chanuka_db.sql.select import RowSpec, Select, SortKey, count, row_spec, select
from chanuka_db.types.base import SqlKind
from chanuka_db.types.expr import (
    ColumnRef,
    Direction,
    Ordering,
    Param,
    Predicate,
    TableRef,
    info_of,
    name_of,
)

if TYPE_CHECKING:
    from chanuka_db.sql.executor import Executor

__all__ = ["QueryMode", "SearchHit", "SearchResult", "search"]

R = TypeVar("R")
MAX_QUERY_CHARS: Final = 1000
# A constant of ours, written into the SQL text (no quotes, no placeholders in it).
HEADLINE_OPTIONS: Final = "MaxFragments=2, MaxWords=25, MinWords=8, StartSel=<b>, StopSel=</b>"


class QueryMode(enum.Enum):
    """How the search text becomes a tsquery."""

    WEB = "websearch_to_tsquery"
    PLAIN = "plainto_tsquery"


@attrs.frozen
class SearchHit(Generic[R]):
    """One match: the row, its ``ts_rank_cd`` relevance, and the snippet if asked for."""

    row: R
    rank: float
    headline: str | None


@attrs.frozen
class SearchResult(Generic[R]):
    """A page of hits, best first, with the total and the facet counts of all matches."""

    hits: list[SearchHit[R]]
    total: int
    facets: dict[str, dict[Any, int]]
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        """Whether another page follows."""
        return self.page * self.page_size < self.total


class _TsQuery(SqlNode):
    """The FROM item ``websearch_to_tsquery('english', %s) "q"``."""

    __slots__ = ("mode", "text")

    def __init__(self, mode: QueryMode, text: Param) -> None:
        self.mode = mode
        self.text = text

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append(self.mode)
        term = ctx.slot(self.text, text_binder("text"), "query")
        if not ctx.render:
            return None
        return Template(self.mode.value + "('english'::regconfig,{t})", t=term).as_("q")


class _Rank(SqlNode):
    """``ts_rank_cd(vector, q)``."""

    __slots__ = ("vector",)

    def __init__(self, vector: ColumnRef[Any]) -> None:
        self.vector = vector

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("rank")
        term = ctx.column(self.vector)
        return Template('ts_rank_cd({v},"q")', v=term) if ctx.render else None


class _Matches(SqlNode):
    """``vector @@ q`` [``AND ts_rank_cd(vector, q) >= %s``]."""

    __slots__ = ("min_rank", "vector")

    def __init__(self, vector: ColumnRef[Any], min_rank: Param | None) -> None:
        self.vector = vector
        self.min_rank = min_rank

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("@@")
        term = ctx.column(self.vector)
        if self.min_rank is None:
            return Template('{v} @@ "q"', v=term) if ctx.render else None
        ctx.key.append("min_rank")
        rank = _Rank(self.vector).compile(ctx)
        minimum = ctx.slot(self.min_rank, number_binder("min_rank"), "min_rank")
        if not ctx.render:
            return None
        # ts_rank_cd is real: compared as double, a cut-off equal to a rank the caller saw
        # (1.4 read back as 1.4) would exclude that very row (1.39999997 < 1.4).
        return Template('({v} @@ "q" AND {r}>={m}::real)', v=term, r=rank, m=minimum)


class _Headline(SqlNode):
    """``ts_headline('english', column, q, options)``."""

    __slots__ = ("column",)

    def __init__(self, column: ColumnRef[Any]) -> None:
        self.column = column

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("headline")
        term = ctx.column(self.column)
        if not ctx.render:
            return None
        options = f"'{HEADLINE_OPTIONS}'"
        return Template("ts_headline('english'::regconfig,{c},\"q\"," + options + ")", c=term)


class _Grouping(SqlNode):
    """``GROUPING SETS ((), (a), (b))``, and ``GROUPING(a, b)`` to tell the rows apart."""

    __slots__ = ("columns", "sets")

    def __init__(self, columns: Sequence[ColumnRef[Any]], *, sets: bool) -> None:
        self.columns = tuple(columns)
        self.sets = sets

    def compile(self, ctx: Ctx) -> Any:
        ctx.key.append("grouping sets" if self.sets else "grouping")
        terms = [ctx.column(column) for column in self.columns]
        if not ctx.render:
            return None
        names = {f"c{i}": term for i, term in enumerate(terms)}
        if self.sets:
            sets = ",".join(f"({{c{i}}})" for i in range(len(terms)))
            return Template(f"GROUPING SETS ((),{sets})", **names)
        return Template("GROUPING(" + ",".join(f"{{{n}}}" for n in names) + ")", **names)


def hit_factory(width: int, row_type: type, with_headline: bool) -> Any:
    def factory(_cursor: Any) -> RowMaker[Any]:
        def make(values: Sequence[Any]) -> SearchHit[Any]:
            headline = values[width + 1] if with_headline else None
            return SearchHit(row_type(*values[:width]), float(values[width]), headline)

        return make

    return factory


def _vector_of(table: TableRef, vector: ColumnRef[Any] | None) -> ColumnRef[Any]:
    if vector is not None:
        if vector.info.kind is not SqlKind.TSVECTOR:
            raise TypeError(f"{vector!r} is not a tsvector column")
        return vector
    candidates = [c.name for c in info_of(table).columns if c.kind is SqlKind.TSVECTOR]
    if len(candidates) != 1:
        raise TypeError(f"{name_of(table)} has no single tsvector column; pass vector=")
    return getattr(table, candidates[0])  # type: ignore[no-any-return]


def _check_query(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text", "search text must be a non-empty string")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput("text", f"search text is longer than {MAX_QUERY_CHARS} characters")
    return text


def _facet_counts(
    rows: list[tuple[Any, ...]], facets: Sequence[ColumnRef[Any]]
) -> tuple[int, dict[str, dict[Any, int]]]:
    """Split GROUPING SETS rows into the total and one count per facet value."""
    everything = (1 << len(facets)) - 1
    total = 0
    counts: dict[str, dict[Any, int]] = {column.name: {} for column in facets}
    for mask, *values, n in rows:
        if mask == everything:
            total = n
            continue
        for index, column in enumerate(facets):
            if not mask & (1 << (len(facets) - 1 - index)):
                counts[column.name][values[index]] = n
    return total, counts


def search(
    executor: Executor,
    table: TableRef,
    text: str,
    *,
    row_type: type[R] | None = None,
    vector: ColumnRef[Any] | None = None,
    mode: QueryMode = QueryMode.WEB,
    where: Predicate | None = None,
    headline: ColumnRef[Any] | None = None,
    facets: Sequence[ColumnRef[Any]] = (),
    min_rank: float | None = None,
    order: Sequence[Ordering] = (),
    page: int = 1,
    page_size: int = 20,
) -> SearchResult[R]:
    """Ranked matches of ``text`` in ``table`` (see the module docs for the SQL).

    ``order`` sorts by columns of ``table`` first; the rank and the primary key break ties.
    """
    _check_query(text)
    if not isinstance(mode, QueryMode):
        raise TypeError(f"mode must be a QueryMode, got {mode!r}")
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 2**31 - 1:
        raise InvalidInput("page", f"must be an integer from 1 to 2147483647, got {page!r}")
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise InvalidInput("page_size", f"must be an integer, got {page_size!r}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput("page_size", f"must be from 1 to {MAX_PAGE_SIZE}, got {page_size}")
    vector = _vector_of(table, vector)
    plan = _plan(
        table,
        row_class=row_type or info_of(table).row_type,
        vector=vector,
        mode=mode,
        headline=headline,
        facets=tuple(facets),
        cut_off=min_rank is not None,
        order=_check_order(table, order),
    )
    hits, totals = plan.hits, plan.totals
    if where is not None:
        hits, totals = hits.where(where), totals.where(where)
    params: dict[str, Any] = {"query": text}
    if min_rank is not None:
        params["min_rank"] = min_rank
    found = hits.fetch_all(executor, limit=page_size, offset=(page - 1) * page_size, **params)
    if not facets:
        return SearchResult(found, totals.fetch_one(executor, **params), {}, page, page_size)
    total, counts = _facet_counts(totals.fetch_all(executor, **params), facets)
    return SearchResult(found, total, counts, page, page_size)


@attrs.frozen(eq=False)
class _Plan:
    """The two statements of one kind of search, with the search text etc. as Params."""

    hits: Select[Any]
    totals: Select[Any]


_PLANS: dict[tuple[Any, ...], _Plan] = {}


def _check_order(table: TableRef, order: Sequence[Ordering]) -> tuple[Ordering, ...]:
    keys = tuple(order)
    for key in keys:
        if not isinstance(key, Ordering) or key.column.table is not table:
            raise TypeError(f"order takes orderings of {name_of(table)} columns, got {key!r}")
    return keys


def _plan(
    table: TableRef,
    *,
    row_class: type,
    vector: ColumnRef[Any],
    mode: QueryMode,
    headline: ColumnRef[Any] | None,
    facets: tuple[ColumnRef[Any], ...],
    cut_off: bool,
    order: tuple[Ordering, ...],
) -> _Plan:
    """Build (once per kind of search) the page and the totals statements."""
    key = (
        name_of(table),
        row_class,
        vector.name,
        mode,
        headline.name if headline is not None else None,
        tuple(column.name for column in facets),
        cut_off,
        tuple((key.column.name, key.direction, key.nulls) for key in order),
    )
    plan = _PLANS.get(key)
    if plan is None:
        matches = _Matches(vector, Param("min_rank") if cut_off else None)
        base = select(table).also_from(_TsQuery(mode, Param("query"))).where(matches)
        hits = (
            _hits(base, table, vector, row_class, headline)
            .order_by(
                *order,
                SortKey(_Rank(vector), Direction.DESC, None),
                *(getattr(table, key).asc() for key in info_of(table).primary_key),
            )
            .limit(Param("limit"))
            .offset(Param("offset"))
        )
        plan = _PLANS[key] = _Plan(hits, _totals(base, facets))
    return plan


def _hits(
    base: Select[Any],
    table: TableRef,
    vector: ColumnRef[Any],
    row_class: type,
    headline: ColumnRef[Any] | None,
) -> Select[Any]:
    columns = row_spec(table, row_class, {}).items
    items: list[tuple[str, Any]] = [*columns, ("rank", _Rank(vector))]
    if headline is not None:
        items.append(("headline", _Headline(headline)))
    factory = hit_factory(len(field_names(row_class)), row_class, headline is not None)
    return base.select_as(RowSpec(tuple(items), factory, SearchHit))


def _totals(base: Select[Any], facets: tuple[ColumnRef[Any], ...]) -> Select[Any]:
    """``count(*)``, or the facet counts and the total in one GROUPING SETS statement."""
    if not facets:
        return base.count_rows()
    for column in facets:
        if column.table is not base.table:
            raise TypeError(f"facet {column!r} is not a column of {name_of(base.table)}")
    items: list[tuple[str, Any]] = [("grouping", _Grouping(facets, sets=False))]
    items += [(column.name, column) for column in facets]
    items.append(("count", count()))
    grouped = base.select_as(RowSpec(tuple(items), _tuple_rows, None))
    return grouped.group_by(_Grouping(facets, sets=True))


def _tuple_rows(_cursor: Any) -> RowMaker[Any]:
    return tuple
