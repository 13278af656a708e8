"""The Database: the one owner of connections, and the one transaction API of the project."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from types import FrameType, TracebackType
from typing import Any, Final, Self, TypeAlias, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout, TooManyRequests

from chanuka_db.errors import (
    CommitUncertain,
    ConfigError,
    DatabaseUnavailable,
    InvalidInput,
    PoolExhausted,
    QueryError,
)
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, redact
from chanuka_db.pool.embedded import EmbeddedServer, ensure_running
from chanuka_db.pool.health import HealthReport, build_report
from chanuka_db.pool.monitoring import Borrow, Monitor, PoolStats, Ticker
from chanuka_db.pool.resilience import (
    CircuitBreaker,
    RetryPolicy,
    is_connection_failure,
    is_retryable_conflict,
)
from chanuka_db.pool.roles import APP_ROLE, SYSTEM_ROLE, check_login
from chanuka_db.pool.session import (
    COMMIT,
    COMMIT_AND_RESET,
    ROLLBACK,
    ROLLBACK_AND_RESET,
    IsolationLevel,
    PooledConnection,
    begin_sql,
    connect_kwargs,
    mark_fresh,
    release_state,
    run_control,
)

__all__ = ["Connection", "Database"]

Connection: TypeAlias = psycopg.Connection[Any]
"""What the pool lends: a psycopg connection (for annotations in higher layers)."""

_log = logging.getLogger("chanuka_db.pool")
T = TypeVar("T")
# The monitor's own cadence for leak and sustained-utilization checks.
_TICK_S: Final = 1.0
_CLOSE_TIMEOUT_S: Final = 2.0


class _Active:
    """The connection this context (thread or task) is using, and its transaction depth."""

    __slots__ = ("borrow", "conn", "depth", "isolation", "owner", "read_only")

    def __init__(self, borrow: Borrow, conn: PooledConnection) -> None:
        self.borrow = borrow
        self.conn = conn
        self.depth = 0  # 0: no transaction; 1: BEGIN issued; 2+: savepoints
        self.isolation: IsolationLevel | None = None
        self.read_only = False
        self.owner = threading.get_ident()


class Database:
    """The pool owner: lends connections, runs transactions, watches its own health.

    Open it with ``with Database(config) as db`` (or :meth:`open`; the first use opens it
    too). With ``config.url`` unset it starts, or joins, the embedded PostgreSQL, connects
    as ``chanuka_app``, and releases the server on :meth:`close`. ``system=True`` opens the
    background jobs' pool instead: ``config.system_url`` (embedded: ``chanuka_system``).
    The first borrow checks the login (:func:`chanuka_db.pool.roles.check_login`): in
    production a superuser, BYPASSRLS or table-owning login is refused with
    :class:`ConfigError`. Thread-safe: share one instance per process.

    - :meth:`connection` lends a connection (autocommit) and always takes it back.
    - :meth:`transaction` runs a transaction; nested ones are savepoints.
    - :meth:`run` runs a callback in a transaction, re-running it after transient
      failures only when the caller declared it idempotent.
    - :meth:`stats` and :meth:`health` report on the pool and the server.
    """

    def __init__(self, config: DatabaseConfig, *, system: bool = False) -> None:
        if system and config.url is not None and config.system_url is None:
            raise ConfigError(
                "DATABASE_SYSTEM_URL",
                "",
                "unset: the system path needs a login that is a member of chanuka_system"
                " (docs/security.md)",
            )
        self.config = config
        self.system = system
        self._login_checked = False
        self.monitor = Monitor(config)
        self.breaker = CircuitBreaker(
            threshold=config.breaker_threshold, cooldown_s=config.breaker_cooldown_s
        )
        self.retry_policy = RetryPolicy(
            attempts=config.retry_attempts, base_delay_s=config.retry_base_delay_ms / 1000
        )
        self._lock = threading.RLock()
        self._pool: ConnectionPool[PooledConnection] | None = None
        self._closed = False
        self._url = config.system_url if system else config.url
        self._server: EmbeddedServer | None = None
        self._ticker: Ticker | None = None
        self._seen_connect_errors = 0
        self._next_health = 0.0
        self.last_health: HealthReport | None = None
        self._active: ContextVar[_Active | None] = ContextVar(
            f"chanuka_db_active_{id(self):x}", default=None
        )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, system: bool = False
    ) -> Database:
        """A Database configured from the environment (see :meth:`DatabaseConfig.from_env`)."""
        return cls(DatabaseConfig.from_env(environ), system=system)

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> DatabaseUrl:
        """Where the connections go (starts the embedded server when that is the target)."""
        if self._url is None:
            self.open()
        if self._url is None:  # pragma: no cover - open() sets it or raises
            raise DatabaseUnavailable("this Database is closed")
        return self._url

    @property
    def migration_url(self) -> DatabaseUrl:
        """Where migrations run: ``config.migrations_url``, else the embedded superuser.

        Never the application's login: it may not change the schema (docs/security.md).
        """
        url = self.config.migrations_url
        if url is not None:
            return url
        self.open()
        server = self._server
        if server is None:  # pragma: no cover - open() starts it when no URL is configured
            raise DatabaseUnavailable("this Database is closed")
        return server.url()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def open(self) -> Self:
        """Start the pool (idempotent); starts or joins the embedded server when needed.

        Connections are opened in the background; the first borrowers wait for them up
        to the acquire timeout.
        """
        with self._lock:
            if self._closed:
                raise DatabaseUnavailable("this Database is closed")
            if self._pool is not None:
                return self
            if self._url is None:
                self._server = ensure_running(self.config.data_dir)
                self._url = self._server.url(user=SYSTEM_ROLE if self.system else APP_ROLE)
            self._pool = self._new_pool(self._url)
            self._ticker = Ticker(
                min(_TICK_S, self.config.health_interval_s),
                self._tick,
                f"chanuka-db-monitor-{self.config.application_name}",
            )
            self._next_health = time.monotonic() + self.config.health_interval_s
            self._ticker.start()
        _log.info(
            "database pool open on %s",
            self._url.redacted(),
            extra={
                "event": "chanuka_db.pool.opened",
                "url": self._url.redacted(),
                "min_size": self.config.pool_min,
                "max_size": self.config.pool_max,
            },
        )
        return self

    def close(self) -> None:
        """Close the pool and release the embedded server; idempotent, bounded in time.

        Connections still lent out are closed when they come back.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, None
            ticker, self._ticker = self._ticker, None
            server, self._server = self._server, None
        if ticker is not None:
            ticker.stop(timeout=_CLOSE_TIMEOUT_S)
        if pool is not None:
            pool.close(timeout=_CLOSE_TIMEOUT_S)
        if server is not None:
            server.close()

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _new_pool(self, url: DatabaseUrl) -> ConnectionPool[PooledConnection]:
        config = self.config
        pool: ConnectionPool[PooledConnection] = ConnectionPool(
            url.conninfo(),
            connection_class=PooledConnection,
            kwargs=connect_kwargs(config, url),
            min_size=config.pool_min,
            max_size=config.pool_max,
            open=False,
            configure=self._on_connect,
            name=config.application_name,
            timeout=config.acquire_timeout_s,
            max_waiting=config.max_waiting,
            max_lifetime=config.max_lifetime_s,
            max_idle=config.idle_timeout_s,
        )
        pool.open(wait=False)
        self._seen_connect_errors = 0
        return pool

    def _on_connect(self, conn: PooledConnection) -> None:
        """psycopg_pool ``configure`` callback: a new connection was made."""
        mark_fresh(conn)
        self.breaker.record_success()

    def _ensure_pool(self) -> ConnectionPool[PooledConnection]:
        pool = self._pool
        if pool is None:
            self.open()
            pool = self._pool
            if pool is None:  # closed by another thread meanwhile
                raise DatabaseUnavailable("this Database is closed")
        return pool

    # -- borrowing ----------------------------------------------------------------------

    def _current(self) -> _Active | None:
        active = self._active.get()
        # A context copied into another thread (or a task run elsewhere) does not share it.
        if active is not None and active.owner != threading.get_ident():
            return None
        return active

    @contextmanager
    def direct_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A short-lived connection of its own, outside the pool and any transaction in use.

        For diagnostics only (the query monitor's EXPLAIN of a statement whose own
        transaction failed); services use :meth:`connection` and :meth:`transaction`.
        """
        conninfo = self.url.conninfo()
        timeout = max(1, round(self.config.connect_timeout_s))
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=timeout) as conn:
            yield conn

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Lend a connection (autocommit) and always take it back, whatever happens.

        Inside a :meth:`transaction` (or another ``connection()``) of the same thread
        or task, the connection already in use is lent again. Connection failures in
        the block surface as :class:`DatabaseUnavailable`.
        """
        active = self._current()
        if active is not None:
            yield active.conn
            return
        borrow = self._checkout(sys._getframe(2))
        token = self._active.set(_Active(borrow, borrow.conn))
        try:
            yield borrow.conn
        except Exception as exc:
            if self._maps(exc):
                raise self._unavailable(exc) from exc
            raise
        finally:
            self._active.reset(token)
            self._checkin(borrow)

    def _checkout(self, frame: FrameType | None) -> Borrow:
        """Take a working connection from the pool (breaker first), timed and registered."""
        pool = self._ensure_pool()
        if self.breaker.admit():
            pool = self._trial()
        started = time.monotonic()
        deadline = started + self.config.acquire_timeout_s
        conn = self._getconn(pool, deadline)
        # A connection idle for a while may have lost its server: check it with an empty
        # query and replace it at once if dead (psycopg_pool's own check= would sleep a
        # second between attempts, stalling every borrower after a restart).
        while not self._usable(conn):
            conn.close()
            pool.putconn(conn)
            conn = self._getconn(pool, deadline)
        if not self._login_checked:
            self._check_login(conn, pool)
        conn.is_reset = False
        borrow = Borrow(conn, pool, time.monotonic(), frame)
        self.monitor.borrowed(borrow, borrow.started - started)
        return borrow

    def _check_login(self, conn: PooledConnection, pool: ConnectionPool[PooledConnection]) -> None:
        """Once per Database: refuse (production) or report an over-privileged login."""
        try:
            check_login(conn, environment=self.config.environment, url=self.url, system=self.system)
        except BaseException:
            pool.putconn(conn)
            raise
        self._login_checked = True

    def _getconn(self, pool: ConnectionPool[PooledConnection], deadline: float) -> PooledConnection:
        try:
            return pool.getconn(max(deadline - time.monotonic(), 0.001))
        except TooManyRequests:
            self.monitor.count("shed")
            raise PoolExhausted(
                f"load shed: {self.config.max_waiting} callers already wait for a "
                f"connection (max_waiting={self.config.max_waiting})"
            ) from None
        except PoolTimeout:
            raise self._timeout_error(pool) from None
        except PoolClosed:
            raise DatabaseUnavailable("this Database is closed") from None

    def _usable(self, conn: PooledConnection) -> bool:
        if conn.closed or conn.broken:
            return False
        if time.monotonic() - conn.returned_at < self.config.check_idle_s:
            return True
        try:
            run_control(conn, b"")
        except psycopg.Error:
            return False
        return True

    def _checkin(self, borrow: Borrow) -> None:
        """Reset the session and give the connection back; a broken one is replaced."""
        conn = borrow.conn
        try:
            release_state(conn)
        except BaseException as exc:
            conn.close()  # the pool sees a closed connection and opens a replacement
            if isinstance(exc, Exception) and not is_connection_failure(exc):
                _log.warning(
                    "discarded a connection that could not be reset: %s",
                    exc,
                    extra={"event": "chanuka_db.pool.reset_failed", "error": _first_line(exc)},
                )
            if not isinstance(exc, Exception):
                raise
        finally:
            borrow.pool.putconn(conn)
            self.monitor.returned(borrow, time.monotonic())

    def _timeout_error(self, pool: ConnectionPool[PooledConnection]) -> Exception:
        timeout = self.config.acquire_timeout_s
        if self.monitor.in_use >= pool.max_size:
            self.monitor.count("acquisition_timeouts")
            return PoolExhausted(
                f"all {pool.max_size} connections in use and none was returned "
                f"within {timeout:g} s (acquire timeout)"
            )
        self.monitor.count("acquisition_errors")
        errors = pool.get_stats().get("connections_errors", 0)
        message = (
            f"no connection to the server within {timeout:g} s "
            f"({errors} failed connection attempts; see the psycopg.pool log)"
        )
        self.breaker.record_failure(message)
        return DatabaseUnavailable(message)

    def _trial(self) -> ConnectionPool[PooledConnection]:
        """The half-open breaker's trial: probe the server directly, then renew the pool.

        After an outage long enough to open the breaker, psycopg_pool may be waiting out
        long reconnection back-offs; a fresh pool reconnects at once.
        """
        url = self.url
        try:
            with psycopg.connect(url.conninfo(), **connect_kwargs(self.config, url)) as probe:
                probe.execute("SELECT 1")
        except psycopg.Error as exc:
            self.breaker.record_failure(exc)
            raise DatabaseUnavailable(f"the database is still unreachable: {exc}") from exc
        with self._lock:
            if self._closed:
                raise DatabaseUnavailable("this Database is closed")
            old, self._pool = self._pool, self._new_pool(url)
        if old is not None:
            threading.Thread(target=old.close, name="chanuka-db-old-pool", daemon=True).start()
        self.breaker.record_success()
        return self._ensure_pool()

    @staticmethod
    def _maps(exc: BaseException) -> bool:
        return is_connection_failure(exc) and not isinstance(exc, DatabaseUnavailable)

    @staticmethod
    def _unavailable(exc: BaseException) -> DatabaseUnavailable:
        """The :class:`DatabaseUnavailable` to raise for a connection failure ``exc``.

        Not counted by the circuit breaker: a session that dies (terminated backend,
        restart) says nothing about whether new connections can be made; failed
        connection attempts do.
        """
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return DatabaseUnavailable(f"lost the connection to the database: {first_line}")

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(
        self,
        *,
        isolation: IsolationLevel | None = None,
        read_only: bool = False,
        deferrable: bool = False,
    ) -> Iterator[psycopg.Connection[Any]]:
        """Run the block in a transaction: COMMIT on normal exit, ROLLBACK on exception.

        Nested in another ``transaction()`` of the same thread or task it is a SAVEPOINT:
        an exception rolls back only the inner block (the outer one goes on if the caller
        handles it). ``isolation``, ``read_only`` and ``deferrable`` belong to the
        outermost transaction; a nested one may only repeat them.

        Acquiring the connection and BEGIN are retried after transient connection
        failures (nothing has run yet); the block itself is never re-run here (see
        :meth:`run`). A connection lost during COMMIT raises :class:`CommitUncertain`.
        """
        active = self._current()
        if active is not None and (active.depth or _in_transaction(active.conn)):
            _check_nested(active, isolation, read_only, deferrable)
            yield from self._savepoint(active)
            return
        begin = begin_sql(isolation, read_only, deferrable)
        if active is not None:  # inside connection(): its exit resets the session
            run_control(active.conn, begin)
            yield from self._outermost(active, isolation, read_only, piggyback_reset=False)
            return
        borrow = self._checkout_and_begin(sys._getframe(2), begin)
        active = _Active(borrow, borrow.conn)
        token = self._active.set(active)
        try:
            yield from self._outermost(active, isolation, read_only, piggyback_reset=True)
        finally:
            self._active.reset(token)
            self._checkin(borrow)

    def _checkout_and_begin(self, frame: FrameType | None, begin: bytes) -> Borrow:
        """Borrow and BEGIN, retrying with backoff while the connection fails (nothing ran)."""
        delays = self.retry_policy.delays()
        while True:
            borrow = self._checkout(frame)
            try:
                run_control(borrow.conn, begin)
            except Exception as exc:
                self._checkin(borrow)
                if not is_connection_failure(exc):
                    raise
                delay = next(delays, None)
                if delay is None:
                    raise self._unavailable(exc) from exc
                _log.info(
                    "connection failed before BEGIN (%s); retrying in %.3f s",
                    exc,
                    delay,
                    extra={
                        "event": "chanuka_db.pool.retry",
                        "error": _first_line(exc),
                        "delay_ms": delay * 1000,
                    },
                )
                time.sleep(delay)
            else:
                return borrow

    def _outermost(
        self,
        active: _Active,
        isolation: IsolationLevel | None,
        read_only: bool,
        *,
        piggyback_reset: bool,
    ) -> Iterator[psycopg.Connection[Any]]:
        conn = active.conn
        active.depth, active.isolation, active.read_only = 1, isolation, read_only
        try:
            yield conn
        except BaseException as exc:
            self._end(conn, ROLLBACK_AND_RESET if piggyback_reset else ROLLBACK)
            if self._maps(exc):
                raise self._unavailable(exc) from exc
            raise
        else:
            self._commit(conn, piggyback_reset)
        finally:
            active.depth, active.isolation, active.read_only = 0, None, False

    def _commit(self, conn: PooledConnection, piggyback_reset: bool) -> None:
        if conn.pgconn.transaction_status == TransactionStatus.INERROR:
            self._end(conn, ROLLBACK_AND_RESET if piggyback_reset else ROLLBACK)
            raise QueryError(
                "the transaction was aborted by an earlier error that was caught without "
                "a savepoint; it was rolled back (use a nested transaction() to recover)",
                sqlstate="25P02",
            )
        try:
            # One round trip: COMMIT, then the session reset (skipped by the server if
            # COMMIT fails, in which case the transaction was rolled back).
            run_control(conn, COMMIT_AND_RESET if piggyback_reset else COMMIT)
        except psycopg.Error as exc:
            if is_connection_failure(exc):
                raise CommitUncertain(
                    f"the connection failed during COMMIT ({exc}); the transaction may "
                    "or may not have committed"
                ) from exc
            raise
        conn.is_reset = piggyback_reset

    def _end(self, conn: PooledConnection, statement: bytes) -> None:
        """Roll back; a connection that cannot even do that is closed (and replaced)."""
        if conn.closed or conn.pgconn.transaction_status == TransactionStatus.UNKNOWN:
            return
        try:
            run_control(conn, statement)
        except BaseException:
            conn.close()
            raise
        conn.is_reset = statement == ROLLBACK_AND_RESET

    def _savepoint(self, active: _Active) -> Iterator[psycopg.Connection[Any]]:
        conn = active.conn
        active.depth += 1
        name = b"chanuka_sp_%d" % active.depth  # from a counter only: nothing from outside
        undo = b"ROLLBACK TO SAVEPOINT " + name + b"; RELEASE " + name
        try:
            run_control(conn, b"SAVEPOINT " + name)
            try:
                yield conn
            except BaseException:
                # If even this fails the connection is gone: the original error says more.
                with suppress(psycopg.Error):
                    run_control(conn, undo)
                raise
            if conn.pgconn.transaction_status == TransactionStatus.INERROR:
                run_control(conn, undo)
                raise QueryError(
                    "the nested transaction was aborted by an error that was caught inside "
                    "it; it was rolled back to its savepoint",
                    sqlstate="25P02",
                )
            run_control(conn, b"RELEASE SAVEPOINT " + name)
        finally:
            active.depth -= 1

    # -- retries ------------------------------------------------------------------------

    def run(
        self,
        fn: Callable[[psycopg.Connection[Any]], T],
        *,
        idempotent: bool = False,
        isolation: IsolationLevel | None = None,
        read_only: bool = False,
        deferrable: bool = False,
    ) -> T:
        """Call ``fn(conn)`` in a transaction and return its result.

        Transient failures before anything ran (acquire, BEGIN) are always retried.
        ``fn`` itself is re-run after a connection failure, a serialization failure or
        a deadlock only when ``idempotent=True`` is declared: the caller promises that
        running it again has no side effect outside this transaction. A transaction
        whose COMMIT may have gone through (:class:`CommitUncertain`) is never re-run;
        neither is one nested in an active transaction.
        """
        nested = self._current() is not None
        delays = self.retry_policy.delays()
        while True:
            try:
                with self.transaction(
                    isolation=isolation, read_only=read_only, deferrable=deferrable
                ) as conn:
                    return fn(conn)
            except Exception as exc:
                if nested or not idempotent or not _rerunnable(exc):
                    raise
                delay = next(delays, None)
                if delay is None:
                    raise
                _log.info(
                    "re-running idempotent unit of work in %.3f s after: %s",
                    delay,
                    exc,
                    extra={
                        "event": "chanuka_db.pool.rerun",
                        "error": _first_line(exc),
                        "sqlstate": getattr(exc, "sqlstate", None),
                        "delay_ms": delay * 1000,
                    },
                )
                time.sleep(delay)

    # -- monitoring ---------------------------------------------------------------------

    def stats(self) -> PoolStats:
        """A read-only snapshot of the pool's sizes, counters and timing histograms."""
        pool = self._pool
        return self.monitor.snapshot(pool.get_stats() if pool is not None else {})

    def health(self) -> HealthReport:
        """Check the server through the pool (``SELECT 1``) and report on everything."""
        started = time.monotonic()
        error: str | None = None
        version: str | None = None
        latency: float | None = None
        try:
            with self.connection() as conn:
                query_started = time.monotonic()
                conn.execute("SELECT 1")
                latency = time.monotonic() - query_started
                version = conn.info.parameter_status("server_version")
        except (DatabaseUnavailable, PoolExhausted, psycopg.Error) as exc:
            error = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        report = build_report(
            url=self._url,
            version=version,
            latency_s=latency,
            error=error,
            breaker=self.breaker,
            stats=self.stats(),
            alerts=self.monitor.alerts(),
            elapsed_s=time.monotonic() - started,
        )
        self.last_health = report
        return report

    def _tick(self) -> None:
        """Background: alerts, connection errors for the breaker, periodic health check."""
        now = time.monotonic()
        self.monitor.check(now)
        self._poll_connect_errors()
        if now >= self._next_health:
            self._next_health = now + self.config.health_interval_s
            report = self.health()
            if not report.reachable:
                _log.error(
                    "health check failed: %s",
                    report.error,
                    extra={"event": "chanuka_db.pool.health_failed", "error": report.error},
                )

    def _poll_connect_errors(self) -> None:
        """Count failed background connection attempts toward the circuit breaker."""
        pool = self._pool
        if pool is None:
            return
        errors = pool.get_stats().get("connections_errors", 0)
        for _ in range(errors - self._seen_connect_errors):
            self.breaker.record_failure("a new connection to the server failed")
        self._seen_connect_errors = max(errors, self._seen_connect_errors)


def _check_nested(
    active: _Active, isolation: IsolationLevel | None, read_only: bool, deferrable: bool
) -> None:
    if isolation is not None and isolation is not active.isolation:
        raise InvalidInput(
            "isolation", "only the outermost transaction chooses it (this one is a savepoint)"
        )
    if read_only and not active.read_only:
        raise InvalidInput(
            "read_only", "only the outermost transaction chooses it (this one is a savepoint)"
        )
    if deferrable:
        raise InvalidInput(
            "deferrable", "only the outermost transaction chooses it (this one is a savepoint)"
        )


def _first_line(exc: BaseException) -> str:
    """The first line of an error's text for a log field (no connection string in it)."""
    text = str(exc).strip()
    return redact(text.splitlines()[0]) if text else type(exc).__name__


def _in_transaction(conn: PooledConnection) -> bool:
    return conn.pgconn.transaction_status != TransactionStatus.IDLE


def _rerunnable(exc: Exception) -> bool:
    if isinstance(exc, CommitUncertain):
        return False
    return isinstance(exc, DatabaseUnavailable) or is_retryable_conflict(exc)
