"""The migration runner: applies, rolls back, reports and adopts numbered SQL migrations.

Flyway/dbmate in miniature. Files come from :mod:`chanuka_db.sql.migrate_files`, history
lives in the ``schema_migrations`` ledger, and every change happens under the advisory lock
of :mod:`chanuka_db.sql.migrate_lock`, so concurrent runners apply each file exactly once.
Each file runs in its own transaction (unless it starts with ``-- chanuka:no-transaction``)
together with its ledger row: a failing file leaves the database as it was before it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import psycopg

from chanuka_db.errors import BaselineMismatch, DatabaseUnavailable, MigrationError, MigrationFailed
from chanuka_db.pool.config import DatabaseUrl, redact
from chanuka_db.sql import migrate_backup, migrate_baseline
from chanuka_db.sql.migrate_files import Migration, MigrationScript, Statement, load_migrations
from chanuka_db.sql.migrate_ledger import (
    accept_checksum,
    ensure_ledger,
    forget,
    read_ledger,
    record,
)
from chanuka_db.sql.migrate_lock import migration_lock
from chanuka_db.sql.migrate_plan import (
    MigrationState,
    MigrationStatus,
    check_integrity,
    compute_status,
    pending_up_to,
    rollback_targets,
)

__all__ = ["MigrationRunner", "baseline", "migrate", "rollback", "status"]

APPLICATION_NAME: Final = "chanuka-db migrate"
DEFAULT_LOCK_TIMEOUT_S: Final = 120.0
_CONNECT_TIMEOUT_S: Final = "10"
_log = logging.getLogger(__name__)

Echo = Callable[[str], None]


class MigrationRunner:
    """Runs the migrations of ``directory`` (default: the shipped ones) against one database.

    ``url`` is the database to change; it takes a URL (not the environment) so that an
    owner role's URL can be handed in for migrations. ``echo`` receives progress lines
    (default: the ``chanuka_db.sql.migrate`` logger, as INFO records with a
    ``chanuka_db.migration.*`` event and fields, plus an ERROR record when a file fails).
    ``lock_timeout_s`` bounds the wait for another runner.
    """

    def __init__(
        self,
        url: DatabaseUrl,
        *,
        directory: Traversable | None = None,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        echo: Echo | None = None,
    ) -> None:
        self.url = url
        self.directory = directory
        self.lock_timeout_s = lock_timeout_s
        self._echo = echo

    @functools.cached_property
    def migrations(self) -> tuple[Migration, ...]:
        """The migration files, read once per runner."""
        return load_migrations(self.directory)

    def connect(self) -> psycopg.Connection[Any]:
        """An autocommit connection to the database, named so ``pg_stat_activity`` shows us."""
        params = {"connect_timeout": _CONNECT_TIMEOUT_S, **self.url.mapping}
        try:
            conn = psycopg.connect(
                DatabaseUrl.from_params(params, source=self.url.source).conninfo(),
                autocommit=True,
                application_name=APPLICATION_NAME,
            )
        except psycopg.OperationalError as exc:
            reason = redact(str(exc).strip().splitlines()[-1] if str(exc).strip() else "")
            raise DatabaseUnavailable(
                f"cannot connect to {self.url.redacted()}: {reason}"
            ) from None
        conn.add_notice_handler(
            lambda diag: self._say(
                f"  {diag.severity}: {diag.message_primary}",
                "notice",
                notice_severity=diag.severity,
            )
        )
        return conn

    def status(self) -> MigrationStatus:
        """Every version with its state: applied, pending, out-of-order, changed, missing."""
        with self.connect() as conn:
            return compute_status(self.migrations, read_ledger(conn))

    def migrate(
        self,
        *,
        to: int | None = None,
        dry_run: bool = False,
        backup: Path | None = None,
        allow_out_of_order: bool = False,
        accept_changed: bool = False,
    ) -> tuple[Migration, ...]:
        """Apply pending migrations in version order, up to and including ``to``.

        Returns what was applied (with ``dry_run``: what would be, after printing the plan
        and the SQL through ``echo``). Refuses (see :func:`check_integrity`) when the
        database's history disagrees with the files. ``backup`` is a path for a pg_dump
        taken under the lock before anything changes.
        """
        if dry_run:
            with self.connect() as conn:
                plan = self._plan_up(conn, to, allow_out_of_order, accept_changed)
            self._show_plan("apply", plan, up=True, backup=backup)
            return plan
        with self._locked() as conn:
            plan = self._plan_up(conn, to, allow_out_of_order, accept_changed)
            if backup is not None:
                self._say(
                    f"backing up {self.url.redacted()} to {backup}", "backup", path=str(backup)
                )
                migrate_backup.backup(self.url, backup)
            if accept_changed:
                self._accept_changed(conn)
            if not plan:
                version = self._version(conn)
                self._say(
                    f"nothing to apply: at version {version:04d}", "up_to_date", version=version
                )
            for migration in plan:
                self._run_file(conn, migration, migration.up, applying=True)
        return plan

    def rollback(
        self,
        *,
        steps: int | None = None,
        to: int | None = None,
        dry_run: bool = False,
        accept_changed: bool = False,
    ) -> tuple[Migration, ...]:
        """Undo applied migrations newest first: ``steps`` of them (default 1) or all above ``to``.

        Each down file runs in its own transaction together with the removal of its ledger
        row. Returns what was (or, with ``dry_run``, would be) rolled back.
        """
        if dry_run:
            with self.connect() as conn:
                plan = self._plan_down(conn, steps, to, accept_changed)
            self._show_plan("roll back", plan, up=False)
            return plan
        with self._locked() as conn:
            plan = self._plan_down(conn, steps, to, accept_changed)
            if not plan:
                self._say("nothing to roll back", "nothing_to_roll_back")
            for migration in plan:
                self._run_file(conn, migration, migration.down, applying=False)
        return plan

    def baseline(self, *, dry_run: bool = False) -> tuple[Migration, ...]:
        """Adopt a database built by the old tooling: record the baseline as applied.

        Verifies first that the live schema matches what the baseline migrations build
        (tables, columns, types, defaults, nullability, constraints, indexes, triggers,
        functions); every difference is listed in the :class:`BaselineMismatch` raised.
        Runs nothing, and leaves ``drizzle_migrations`` and all data untouched.
        """
        candidates = self._baseline_migrations()
        context = self.connect() if dry_run else self._locked()
        with context as conn:
            ledger = read_ledger(conn)
            if ledger:
                raise MigrationError(
                    f"{self.url.redacted()} already has {len(ledger)} applied migration(s)"
                    " in schema_migrations: baseline only adopts a database chanuka-db has"
                    " never migrated"
                )
            self._say(f"checking the live schema against {_labels(candidates)}", "baseline_check")
            differences = migrate_baseline.differences(conn, candidates, self._run_statements)
            if differences:
                raise BaselineMismatch(
                    f"{self.url.redacted()} differs from the baseline migrations in"
                    f" {len(differences)} place(s); nothing was recorded:\n  - "
                    + "\n  - ".join(differences),
                    tuple(differences),
                )
            if dry_run:
                self._say(
                    f"schema matches; would record {_labels(candidates)} as applied",
                    "baseline_dry_run",
                )
                return candidates
            with conn.transaction():
                ensure_ledger(conn)
                for migration in candidates:
                    record(conn, migration, 0, baseline=True)
            self._say(
                f"recorded {_labels(candidates)} as applied (baseline; nothing was run)",
                "baseline_recorded",
                version=candidates[-1].version,
            )
        return candidates

    # -- planning ---------------------------------------------------------------------------

    def _plan_up(
        self,
        conn: psycopg.Connection[Any],
        to: int | None,
        allow_out_of_order: bool,
        accept_changed: bool,
    ) -> tuple[Migration, ...]:
        state = compute_status(self.migrations, read_ledger(conn))
        check_integrity(state, accept_changed=accept_changed, allow_out_of_order=allow_out_of_order)
        plan = pending_up_to(self.migrations, state, to)
        if plan and plan[0].baseline and state.current_version == 0:
            self._refuse_old_tooling_database(conn)
        return plan

    def _plan_down(
        self,
        conn: psycopg.Connection[Any],
        steps: int | None,
        to: int | None,
        accept_changed: bool,
    ) -> tuple[Migration, ...]:
        state = compute_status(self.migrations, read_ledger(conn))
        check_integrity(state, accept_changed=accept_changed, allow_out_of_order=True)
        return rollback_targets(self.migrations, state, steps=steps, target=to)

    def _refuse_old_tooling_database(self, conn: psycopg.Connection[Any]) -> None:
        found = conn.execute("SELECT to_regclass('drizzle_migrations')").fetchone()
        if found is not None and found[0] is not None:
            raise MigrationError(
                f"{self.url.redacted()} was built by the old tooling (it has drizzle_migrations)"
                " and chanuka-db has never migrated it: run 'chanuka-db baseline' to adopt it,"
                " then migrate"
            )

    def _baseline_migrations(self) -> tuple[Migration, ...]:
        candidates = tuple(m for m in self.migrations if m.baseline)
        if not candidates or candidates != self.migrations[: len(candidates)]:
            raise MigrationError(
                "the baseline must be the first migrations, each marked '-- chanuka:baseline'"
            )
        streaming = [m.label for m in candidates if not m.up.transactional]
        if streaming:
            raise MigrationError(f"baseline migrations must be transactional: {streaming}")
        return candidates

    def _accept_changed(self, conn: psycopg.Connection[Any]) -> None:
        state = compute_status(self.migrations, read_ledger(conn))
        by_version = {migration.version: migration for migration in self.migrations}
        for entry in state.having(MigrationState.CHANGED):
            accept_checksum(conn, by_version[entry.version])
            self._say(
                f"recorded the new checksum of {entry.label} (--accept-changed)",
                "checksum_accepted",
                version=entry.version,
                migration=entry.label,
            )

    # -- running ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[psycopg.Connection[Any]]:
        """The lock held on its own connection, and a working connection with the ledger."""
        with (
            migration_lock(
                self.connect, timeout_s=self.lock_timeout_s, describe=self.url.redacted()
            ),
            self.connect() as conn,
        ):
            ensure_ledger(conn)
            yield conn

    def _run_file(
        self,
        conn: psycopg.Connection[Any],
        migration: Migration,
        script: MigrationScript,
        *,
        applying: bool,
    ) -> None:
        verb = "applying" if applying else "rolling back"
        mode = "" if script.transactional else " (no transaction)"
        fields = {
            "version": migration.version,
            "migration": migration.label,
            "direction": "up" if applying else "down",
            "file": script.filename,
        }
        self._say(f"{verb} {migration.label}{mode}", "started", **fields)
        started = time.perf_counter()
        transaction = conn.transaction() if script.transactional else contextlib.nullcontext()
        try:
            with transaction:
                self._run_statements(conn, script)
                elapsed_ms = round((time.perf_counter() - started) * 1000)
                if applying:
                    record(conn, migration, elapsed_ms, baseline=False)
                else:
                    forget(conn, migration.version)
        except MigrationFailed as exc:
            self._log_failure(exc, (time.perf_counter() - started) * 1000, fields)
            raise
        done = "applied" if applying else "rolled back"
        self._say(
            f"{done} {migration.label} in {elapsed_ms} ms",
            "applied" if applying else "rolled_back",
            duration_ms=elapsed_ms,
            **fields,
        )

    def _say(self, message: str, event: str, **fields: Any) -> None:
        """A progress line: to ``echo``, or as a structured INFO record when there is none."""
        if self._echo is not None:
            self._echo(message)
        else:
            _log.info(message, extra={"event": f"chanuka_db.migration.{event}", **fields})

    def _log_failure(
        self, exc: MigrationFailed, duration_ms: float, fields: dict[str, Any]
    ) -> None:
        """The ERROR record of a failed file (when progress goes to the logger)."""
        if self._echo is not None:
            return  # the caller reports the raised error itself (the CLI prints it)
        _log.error(
            "%s",
            exc,
            extra={
                "event": "chanuka_db.migration.failed",
                **fields,
                "line": exc.line,
                "sqlstate": exc.sqlstate,
                "duration_ms": duration_ms,
            },
        )

    def _run_statements(self, conn: psycopg.Connection[Any], script: MigrationScript) -> None:
        for statement in script.statements:
            try:
                conn.execute(statement.text.encode("utf-8"), prepare=False)
            except psycopg.Error as exc:
                raise self._failure(script, statement, exc) from exc

    def _failure(
        self, script: MigrationScript, statement: Statement, exc: psycopg.Error
    ) -> MigrationFailed:
        diag = exc.diag
        line = statement.line
        if diag.statement_position:
            line += statement.text.count("\n", 0, int(diag.statement_position) - 1)
        primary = diag.message_primary or (str(exc).strip() or type(exc).__name__)
        code = f" [SQLSTATE {diag.sqlstate}]" if diag.sqlstate else ""
        lines = [f"{script.filename}, line {line}: {primary}{code}"]
        for label, value in (
            ("detail", diag.message_detail),
            ("hint", diag.message_hint),
            ("context", diag.context),
        ):
            if value:
                lines.append(f"  {label}: {value.strip()}")
        lines.append(f"  statement: {statement.text.splitlines()[0]}")
        lines.append(f"  {self._outcome(script, statement)}")
        return MigrationFailed(
            "\n".join(lines), file=script.filename, line=line, sqlstate=diag.sqlstate
        )

    def _outcome(self, script: MigrationScript, statement: Statement) -> str:
        if script.transactional:
            return (
                f"{script.filename} was rolled back: {self.url.redacted()} is as it was before it"
            )
        return (
            f"{script.filename} runs without a transaction: its statements before line"
            f" {statement.line} took effect; it is written to be run again once the cause is fixed"
        )

    def _version(self, conn: psycopg.Connection[Any]) -> int:
        return compute_status(self.migrations, read_ledger(conn)).current_version

    def _show_plan(
        self, verb: str, plan: Sequence[Migration], *, up: bool, backup: Path | None = None
    ) -> None:
        if backup is not None:
            self._say(f"would back up {self.url.redacted()} to {backup}", "plan")
        if not plan:
            self._say(f"nothing to {verb}", "plan")
        for migration in plan:
            script = migration.up if up else migration.down
            mode = "" if script.transactional else ", no transaction"
            label = f"-- would {verb} {migration.label} ({script.filename}{mode})"
            self._say(label, "plan", version=migration.version, file=script.filename)
            self._say(script.text.rstrip("\n"), "plan", version=migration.version)


def _labels(migrations: Sequence[Migration]) -> str:
    if len(migrations) > 2:
        return f"{migrations[0].label} .. {migrations[-1].label}"
    return ", ".join(migration.label for migration in migrations)


def migrate(url: DatabaseUrl, **options: Any) -> tuple[Migration, ...]:
    """Apply pending migrations (see :meth:`MigrationRunner.migrate`) with the shipped files."""
    return MigrationRunner(url).migrate(**options)


def rollback(url: DatabaseUrl, **options: Any) -> tuple[Migration, ...]:
    """Undo applied migrations (see :meth:`MigrationRunner.rollback`)."""
    return MigrationRunner(url).rollback(**options)


def status(url: DatabaseUrl) -> MigrationStatus:
    """Where ``url`` stands against the shipped migrations."""
    return MigrationRunner(url).status()


def baseline(url: DatabaseUrl, **options: Any) -> tuple[Migration, ...]:
    """Adopt a database built by the old tooling (see :meth:`MigrationRunner.baseline`)."""
    return MigrationRunner(url).baseline(**options)
