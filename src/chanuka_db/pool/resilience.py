"""Resilience: which errors mean "the server is gone", retry delays, and the circuit breaker."""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import Final

import attrs
import psycopg

from chanuka_db.errors import DatabaseUnavailable

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "RetryPolicy",
    "is_connection_failure",
    "is_retryable_conflict",
]

_log = logging.getLogger("chanuka_db.pool")

# SQLSTATEs that mean the session or the server is gone (or refuses new sessions):
# admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections; class 08 is
# "connection exception" as a whole.
_CONNECTION_SQLSTATES: Final = frozenset({"57P01", "57P02", "57P03", "53300"})
# serialization_failure and deadlock_detected: the server rolled the transaction back and
# asks the client to run it again (only safe when the caller said it may be re-run).
_RETRYABLE_CONFLICTS: Final = frozenset({"40001", "40P01"})


def is_connection_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the connection or the server failed, not the statement.

    libpq errors without a SQLSTATE (socket closed, connect refused, timeouts while
    connecting) count, and so do SQLSTATE class 08 and the shutdown/overload codes.
    """
    if isinstance(exc, DatabaseUnavailable):
        return True
    if not isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    sqlstate = exc.sqlstate
    if sqlstate is None:
        return True
    return sqlstate.startswith("08") or sqlstate in _CONNECTION_SQLSTATES


def is_retryable_conflict(exc: BaseException) -> bool:
    """True for serialization failures and deadlocks (the server rolled back; re-run it)."""
    return isinstance(exc, psycopg.Error) and exc.sqlstate in _RETRYABLE_CONFLICTS


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt ``n`` sleeps ``U(0, base * 2**n)``.

    ``attempts`` counts the first try. Delays are capped at ``max_delay_s`` so a long
    outage is retried at a steady pace rather than ever more rarely.
    """

    attempts: int = 3
    base_delay_s: float = 0.05
    max_delay_s: float = 2.0

    def delays(self) -> Iterator[float]:
        """The sleep before each retry (``attempts - 1`` values)."""
        for attempt in range(self.attempts - 1):
            ceiling = min(self.max_delay_s, self.base_delay_s * 2**attempt)
            yield random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography


class BreakerState(enum.StrEnum):
    """Circuit breaker state: closed (normal), open (failing fast), half-open (one trial)."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``threshold`` consecutive connection failures and then fails fast.

    After ``cooldown_s`` one caller is let through as a trial (half-open); its success
    closes the breaker, its failure opens it again for another cool-down. Thread-safe.
    """

    def __init__(self, *, threshold: int, cooldown_s: float) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._changed_at = time.monotonic()
        self._last_error = ""

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker past its cool-down still reads ``open``)."""
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Connection failures since the last success."""
        return self._failures

    def admit(self) -> bool:
        """Let a caller through, or raise :class:`DatabaseUnavailable` when open.

        Returns True when the caller is the half-open trial: it should verify the server
        and report :meth:`record_success` or :meth:`record_failure`.
        """
        if self._state is BreakerState.CLOSED:
            return False
        with self._lock:
            if self._is_closed():  # closed by another thread meanwhile
                return False
            now = time.monotonic()
            # Half-open: the trial has ``cooldown_s`` to report back; if its thread died,
            # the next caller becomes the trial.
            waited = now - self._changed_at
            if waited < self.cooldown_s:
                raise self._unavailable(self.cooldown_s - waited)
            self._set(BreakerState.HALF_OPEN, now)
            return True

    def record_success(self) -> None:
        """A connection worked: reset the count, close the breaker if it was not closed."""
        self._failures = 0
        if self._state is not BreakerState.CLOSED:
            with self._lock:
                if not self._is_closed():
                    _log.warning(
                        "circuit breaker closed: the database answers again",
                        extra={"event": "chanuka_db.breaker.closed", "state": "closed"},
                    )
                    self._set(BreakerState.CLOSED, time.monotonic())

    def record_failure(self, error: BaseException | str) -> None:
        """A connection failed; opens the breaker at the threshold (or after a failed trial)."""
        with self._lock:
            self._failures += 1
            self._last_error = str(error).strip().splitlines()[0] if str(error).strip() else ""
            trial_failed = self._state is BreakerState.HALF_OPEN
            if trial_failed or (
                self._state is BreakerState.CLOSED and self._failures >= self.threshold
            ):
                _log.error(
                    "circuit breaker open after %d consecutive connection failures "
                    "(last: %s); failing fast for %.1f s",
                    self._failures,
                    self._last_error,
                    self.cooldown_s,
                    extra={
                        "event": "chanuka_db.breaker.opened",
                        "state": "open",
                        "consecutive_failures": self._failures,
                        "error": self._last_error,
                        "cooldown_s": self.cooldown_s,
                    },
                )
                self._set(BreakerState.OPEN, time.monotonic())

    def _is_closed(self) -> bool:
        return self._state is BreakerState.CLOSED

    def _set(self, state: BreakerState, now: float) -> None:
        self._state = state
        self._changed_at = now

    def _unavailable(self, retry_in: float) -> DatabaseUnavailable:
        return DatabaseUnavailable(
            f"circuit breaker open after {self._failures} consecutive connection failures "
            f"(last: {self._last_error or 'unknown'}); next trial in {max(retry_in, 0):.1f} s"
        )
