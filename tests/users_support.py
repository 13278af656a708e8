"""Helpers shared by the users-domain and infrastructure repository tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, TypeVar

import psycopg

from chanuka_db import Database
from chanuka_db.repositories.users import PublicUser, hash_token, new_token
from chanuka_db.types import NewUser

T = TypeVar("T")


def add_user(data: Database, n: int = 1, **fields: Any) -> PublicUser:
    """A registered account ``citizen<n>@example.ke``."""
    values: dict[str, Any] = {
        "email": f"citizen{n}@example.ke",
        "password_hash": f"hash-{n}",
        "name": f"Citizen {n}",
    }
    values.update(fields)
    return data.repos.users.add(NewUser(**values))


def fresh_hash() -> str:
    """The hash of a new random token."""
    return hash_token(new_token())


def expire(conn: psycopg.Connection[Any], table: str, column: str, value: Any) -> None:
    """Move the expiry of the rows of ``table`` where ``column = value`` into the past."""
    conn.execute(
        psycopg.sql.SQL(
            "UPDATE {} SET expires_at = now() - interval '1 minute' WHERE {} = %s"
        ).format(psycopg.sql.Identifier(table), psycopg.sql.Identifier(column)),
        [value],
    )


_DISCOURAGE: Final = {
    "seqscan": "SET LOCAL enable_seqscan = off",
    "sort": "SET LOCAL enable_sort = off",
}


def explain(
    conn: psycopg.Connection[Any],
    sql: str,
    params: Sequence[Any] | dict[str, Any],
    *,
    disable: Literal["seqscan", "sort"] = "seqscan",
) -> str:
    """The plan of ``sql`` with ``disable`` discouraged (tiny test tables would prefer it).

    ``seqscan``: is there an index for the predicate; ``sort``: one for the order.
    """
    with conn.transaction():
        conn.execute(_DISCOURAGE[disable])
        rows = conn.execute("EXPLAIN " + sql, params).fetchall()  # type: ignore[call-overload]
    return "\n".join(row[0] for row in rows)


def race(workers: int, task: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    """Run ``task(i)`` in ``workers`` threads released together; results and errors."""
    barrier = threading.Barrier(workers)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            result = task(index)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
