"""Per-operation latency and statement counts: what the demo and the benchmarks report.

An *operation* is one call a service makes (``bills.search``, ``votes.toggle``): a read
through ``db.repos`` (or, for personal rows, as the user), a write in a unit of work acting
as the user, or a background job on the system path. :class:`Recorder`
times each call from the service's side (borrowing the connection, the transaction,
the repository, building the result) and counts the statements the repository ran with
the query monitor's per-thread counter, so the count never includes the unit of work's
own ``set_config`` of the actor, nor another thread's statements. Percentiles are exact
(nearest rank over every sample), not bucketed.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from chanuka_db.errors import NotAuthenticated

if TYPE_CHECKING:
    from chanuka_db.repositories import Database, Repositories
    from chanuka_db.repositories.user_rows import SessionWithUser

__all__ = ["OperationStats", "Recorder", "percentile"]

T = TypeVar("T")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ascending ``sorted_values`` (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@attrs.frozen(kw_only=True)
class OperationStats:
    """One operation's calls: latency percentiles (ms) and statements per call.

    ``statements_min``/``statements_max`` differ only for operations whose count depends
    on the data (a page of threads without comments skips the replies statement).
    """

    name: str
    calls: int
    errors: int
    statements_min: int
    statements_max: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    total_s: float

    @property
    def statements(self) -> str:
        """Statements per call as text: ``"2"``, or ``"1-2"`` when it varied."""
        if self.statements_min == self.statements_max:
            return str(self.statements_min)
        return f"{self.statements_min}-{self.statements_max}"

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (milliseconds rounded to microseconds)."""
        values = attrs.asdict(self)
        for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
            values[key] = round(values[key], 3)
        values["total_s"] = round(values["total_s"], 4)
        return values

    @classmethod
    def from_samples(
        cls, name: str, seconds: Iterable[float], statements: Iterable[int], errors: int
    ) -> OperationStats:
        """Summarise raw samples (seconds per call, statements per call)."""
        ordered = sorted(seconds)
        counts = list(statements) or [0]
        return cls(
            name=name,
            calls=len(ordered),
            errors=errors,
            statements_min=min(counts),
            statements_max=max(counts),
            p50_ms=percentile(ordered, 0.50) * 1000,
            p95_ms=percentile(ordered, 0.95) * 1000,
            p99_ms=percentile(ordered, 0.99) * 1000,
            max_ms=(ordered[-1] if ordered else 0.0) * 1000,
            total_s=sum(ordered),
        )


class _Samples:
    __slots__ = ("errors", "seconds", "statements")

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.statements: list[int] = []
        self.errors = 0


class Recorder:
    """Runs operations against a :class:`~chanuka_db.repositories.Database` and times them.

    Thread-safe: many threads may record into one recorder (the concurrency benchmark
    does). ``read`` runs a call on ``db.repos`` (public data, a connection borrowed per
    statement or call) or, given an ``actor``, in a read-only unit of work acting as that
    user (personal rows are theirs alone under row-level security); ``write`` runs it in
    a unit of work acting as ``actor``; ``job`` in a unit of work of ``jobs``, the
    background jobs' Database on the system path (default: ``db`` itself, for a login
    that may take it, such as the test suite's). Timings include ``BEGIN``, binding the
    actor and ``COMMIT``.
    """

    def __init__(self, db: Database, jobs: Database | None = None) -> None:
        self.db = db
        self.jobs = db if jobs is None else jobs
        self._lock = threading.Lock()
        self._samples: dict[str, _Samples] = {}

    def read(
        self, name: str, call: Callable[[Repositories], T], *, actor: uuid.UUID | None = None
    ) -> T:
        """Run ``call`` on ``db.repos`` (or as ``actor``, read-only) as the operation ``name``."""
        if actor is None:
            return self._timed(name, lambda: self._counted(lambda: call(self.db.repos)))
        return self._timed(name, lambda: self._in_unit(self.db, actor, call, read_only=True))

    def write(self, name: str, actor: uuid.UUID | None, call: Callable[[Repositories], T]) -> T:
        """Run ``call(uow)`` in a unit of work acting as ``actor``, as the operation ``name``."""
        return self._timed(name, lambda: self._in_unit(self.db, actor, call))

    def job(self, name: str, call: Callable[[Repositories], T]) -> T:
        """Run ``call(uow)`` in a unit of work of the jobs' Database (no actor)."""
        return self._timed(name, lambda: self._in_unit(self.jobs, None, call))

    def authenticate(self, token_hash: str) -> SessionWithUser | None:
        """A request's first step: the session and account of a token, read as their owner.

        Recorded as ``sessions.get_active_with_user``: one borrow of :meth:`Database.
        authenticated`, whose statements are the owner lookup that binds the actor (the
        database's ``auth_session_owner``) and the session and its account read under
        row-level security. ``None`` when the token is not an active session.
        """

        def signed_in() -> SessionWithUser | None:
            try:
                with self.db.authenticated(token_hash, read_only=True) as uow:
                    return uow.session
            except NotAuthenticated:
                return None

        return self._timed("sessions.get_active_with_user", lambda: self._counted(signed_in))

    def _counted(self, call: Callable[[], T]) -> tuple[T, int]:
        with self.db.queries.count() as counted:
            result = call()
        return result, counted.total

    @staticmethod
    def _in_unit(
        db: Database,
        actor: uuid.UUID | None,
        call: Callable[[Repositories], T],
        *,
        read_only: bool = False,
    ) -> tuple[T, int]:
        # counted inside the unit of work: its own set_config statements are not the call's
        with db.unit_of_work(actor=actor, read_only=read_only) as uow, db.queries.count() as n:
            result = call(uow)
        return result, n.total

    def _timed(self, name: str, run: Callable[[], tuple[T, int]]) -> T:
        start = time.perf_counter()
        try:
            result, statements = run()
        except BaseException:
            self._add(name, time.perf_counter() - start, None)
            raise
        self._add(name, time.perf_counter() - start, statements)
        return result

    def _add(self, name: str, seconds: float, statements: int | None) -> None:
        with self._lock:
            samples = self._samples.get(name)
            if samples is None:
                samples = self._samples[name] = _Samples()
            if statements is None:
                samples.errors += 1
                return
            samples.seconds.append(seconds)
            samples.statements.append(statements)

    def stats(self) -> list[OperationStats]:
        """Every operation recorded, in the order each was first run."""
        with self._lock:
            copies = [
                (name, list(s.seconds), list(s.statements), s.errors)
                for name, s in self._samples.items()
            ]
        return [OperationStats.from_samples(*copy) for copy in copies]

    def calls(self) -> int:
        """Successful calls recorded, all operations together."""
        with self._lock:
            return sum(len(s.seconds) for s in self._samples.values())

    def reset(self) -> None:
        """Forget every sample (after a warm-up)."""
        with self._lock:
            self._samples.clear()
