"""SQL and nothing else: statements on PyPika with bound parameters, monitoring, migrations.

The query layer in one page (details in each module's docstring):

- :func:`select`, :func:`insert`, :func:`update`, :func:`delete`, :func:`upsert` build
  immutable statements from the typed tables in :mod:`chanuka_db.types`; values are
  always bound parameters, and a shape is rendered once (:mod:`.compiler`).
- :class:`Executor` runs them on a psycopg connection; :class:`QueryMonitor` times every
  statement and logs slow ones with a plan.
- :func:`paginate` / :func:`keyset_page` page through results, :class:`Filters` turns a
  request's filters into predicates, :func:`search` does ranked full-text search.
- :func:`trusted` is the one door for literal SQL that PyPika cannot express.
"""

from chanuka_db.sql.cursors import CursorCodec
from chanuka_db.sql.executor import Executor
from chanuka_db.sql.filters import FilterOp, Filters, escape_like, ordering_of
from chanuka_db.sql.monitor import QueryMonitor, ShapeStats, StatementCount
from chanuka_db.sql.paging import KeysetPage, Page, keyset_page, paginate
from chanuka_db.sql.search import QueryMode, SearchHit, SearchResult, search
from chanuka_db.sql.select import (
    Aggregate,
    JoinKind,
    Select,
    avg,
    count,
    count_distinct,
    max_,
    min_,
    select,
    select_value,
    sum_,
)
from chanuka_db.sql.trusted import Trusted, trusted
from chanuka_db.sql.write import (
    NOW,
    Delete,
    Insert,
    Update,
    assign,
    delete,
    excluded,
    excluded_differs,
    insert,
    update,
    upsert,
)

__all__ = [
    "NOW",
    "Aggregate",
    "CursorCodec",
    "Delete",
    "Executor",
    "FilterOp",
    "Filters",
    "Insert",
    "JoinKind",
    "KeysetPage",
    "Page",
    "QueryMode",
    "QueryMonitor",
    "SearchHit",
    "SearchResult",
    "Select",
    "ShapeStats",
    "StatementCount",
    "Trusted",
    "Update",
    "assign",
    "avg",
    "count",
    "count_distinct",
    "delete",
    "escape_like",
    "excluded",
    "excluded_differs",
    "insert",
    "keyset_page",
    "max_",
    "min_",
    "ordering_of",
    "paginate",
    "search",
    "select",
    "select_value",
    "sum_",
    "trusted",
    "update",
    "upsert",
]
