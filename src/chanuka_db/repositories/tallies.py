"""Counts per value of a column within one group, for summaries such as "errors by level"."""

from __future__ import annotations

from typing import Any

import attrs

from chanuka_db.repositories.base import Runner
from chanuka_db.sql import Select, count, select
from chanuka_db.types import Param
from chanuka_db.types.expr import ColumnRef

__all__ = ["Tally", "read_tally", "tally"]


@attrs.frozen
class Tally:
    """One value of the counted column and how many rows hold it."""

    value: str
    n: int


def tally(column: ColumnRef[str], *, within: ColumnRef[Any]) -> Select[Tally]:
    """``SELECT column, count(*) ... WHERE within = :key GROUP BY column``, by value."""
    return (
        select(column.table, Tally, value=column, n=count())
        .where(within == Param("key"))
        .group_by(column)
        .order_by(column.asc())
    )


def read_tally(runner: Runner, statement: Select[Tally], key: object) -> dict[str, int]:
    """Run a :func:`tally` statement for the group ``key``: ``{value: count}``, one statement."""
    with runner.reading() as ex:
        return {row.value: row.n for row in statement.fetch_all(ex, key=key)}
