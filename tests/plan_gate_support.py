"""Collects every statement shape the repositories issue during the test session.

``record_repository_statements`` (a session fixture, autouse in ``conftest.py``) wraps
``QueryMonitor.record`` for the whole session: the first time a shape (its SQL text) runs
from inside ``chanuka_db/repositories/``, its text, the values it was bound to and the
repository method that issued it are kept. A new repository method is covered as soon as
a test calls it; nothing lists SQL by hand. A test marked ``unjudged`` (the injection
corpus, which sends hostile values through every filter of every table) is not collected.
``tests/test_plan_gate.py`` runs last and explains what was collected (see its docstring).

Cost: a dict lookup per statement; the caller's stack is walked only for a shape not seen
before.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePath
from types import FrameType
from typing import Any

import attrs
import pytest

from chanuka_db.sql import QueryMonitor

__all__ = [
    "STATEMENTS",
    "Issued",
    "StatementLog",
    "record_repository_statements",
    "unjudged_statements",
]

_REPOSITORIES = str(PurePath("chanuka_db", "repositories")) + "/"


@attrs.frozen
class Issued:
    """A statement shape as a repository first ran it."""

    sql: str
    values: Sequence[Any] | Mapping[str, Any]
    operation: str  # the outermost repository method on the stack: "BillRepository.search"


def _operation(frame: FrameType | None) -> str | None:
    """The outermost public repository method in the call stack of ``frame``."""
    found = None
    while frame is not None:
        code = frame.f_code
        if _REPOSITORIES in code.co_filename and not code.co_name.startswith(("_", "<")):
            found = code.co_qualname
        frame = frame.f_back
    return found


class StatementLog:
    """Shapes issued by repositories (thread-safe: concurrency tests issue them too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: dict[str, Issued] = {}
        self._paused = False

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Collect nothing inside the block (a test marked ``unjudged``)."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def note(self, sql: str, values: Sequence[Any] | Mapping[str, Any]) -> None:
        """Keep ``sql`` with ``values`` when a repository issued it (first time only)."""
        if self._paused or sql in self._issued:
            return
        operation = _operation(sys._getframe(2))
        if operation is None:
            return
        with self._lock:
            self._issued.setdefault(sql, Issued(sql, values, operation))

    def issued(self) -> list[Issued]:
        """Every shape collected so far, in the order first seen."""
        with self._lock:
            return list(self._issued.values())


STATEMENTS = StatementLog()


@pytest.fixture(scope="session", autouse=True)
def record_repository_statements() -> Iterator[StatementLog]:
    """Wrap ``QueryMonitor.record`` for the session so repository statements are logged."""
    original = QueryMonitor.record

    @functools.wraps(original)  # keeps its docstring: the API docs test reads it
    def record(self: QueryMonitor, compiled: Any, values: Any, *rest: Any) -> None:
        original(self, compiled, values, *rest)
        STATEMENTS.note(compiled.text, values)

    QueryMonitor.record = record  # type: ignore[method-assign]
    try:
        yield STATEMENTS
    finally:
        QueryMonitor.record = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def unjudged_statements(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``unjudged`` sends shapes no service would: the gate does not see them."""
    if request.node.get_closest_marker("unjudged") is None:
        yield
        return
    with STATEMENTS.paused():
        yield
