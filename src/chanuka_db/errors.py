"""Typed errors shared by every layer of chanuka-db: the one vocabulary callers catch."""

from __future__ import annotations

__all__ = [
    "BaselineMismatch",
    "ChanukaDbError",
    "ChecksumMismatch",
    "CommitUncertain",
    "ConfigError",
    "Conflict",
    "DatabaseUnavailable",
    "EmbeddedServerError",
    "InvalidInput",
    "InvalidReference",
    "LockTimeout",
    "MigrationError",
    "MigrationFailed",
    "MissingMigration",
    "NotAuthenticated",
    "NotFound",
    "OutOfOrder",
    "PoolExhausted",
    "QueryError",
    "SeedRefused",
]


class ChanukaDbError(Exception):
    """Base class of every error chanuka-db raises on purpose."""


class ConfigError(ChanukaDbError):
    """A configuration value is missing or invalid.

    The message names the environment variable (or setting) and its value, with any
    password redacted.
    """

    def __init__(self, variable: str, value: object, reason: str) -> None:
        self.variable = variable
        self.value = value
        self.reason = reason
        super().__init__(f"{variable}={value!r}: {reason}")


class EmbeddedServerError(ChanukaDbError):
    """The embedded PostgreSQL server could not be started or reached."""


class InvalidInput(ChanukaDbError):
    """A value, identifier or argument was rejected before (or by) the database.

    ``field`` names the argument, column or identifier that was refused.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class NotFound(ChanukaDbError):
    """The row asked for does not exist (or is not visible to the actor)."""

    def __init__(self, table: str, key: object) -> None:
        self.table = table
        self.key = key
        super().__init__(f"{table}: no row with key {key!r}")


class NotAuthenticated(ChanukaDbError):
    """The token presented is not an active, unexpired session of an active account.

    The message never carries the token or its hash: the caller answers "sign in again".
    """

    def __init__(self) -> None:
        super().__init__("not an active session of an active account")


class Conflict(ChanukaDbError):
    """A write collided with a unique constraint or a concurrent change."""


class InvalidReference(ChanukaDbError):
    """A write referenced a row that does not exist (foreign key violation)."""


class PoolExhausted(ChanukaDbError):
    """No connection became free within the acquire timeout, or the wait queue is full."""


class DatabaseUnavailable(ChanukaDbError):
    """The server cannot be reached (connection failures, or the circuit breaker is open)."""


class CommitUncertain(DatabaseUnavailable):
    """The connection failed while COMMIT was in flight: the transaction may have committed.

    Never retried automatically; the caller decides (check for the write, or surface it).
    """


class QueryError(ChanukaDbError):
    """The server rejected a statement for a reason no more specific error covers.

    ``sqlstate`` carries PostgreSQL's five-character error code when there is one.
    """

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        self.sqlstate = sqlstate
        super().__init__(message)


class MigrationError(ChanukaDbError):
    """A migration could not be planned, applied or rolled back."""


class MigrationFailed(MigrationError):
    """A statement of a migration file failed.

    ``file`` and ``line`` locate the statement, ``sqlstate`` is the server's error code. A
    transactional file was rolled back whole, so the database is as it was before the file.
    """

    def __init__(self, message: str, *, file: str, line: int, sqlstate: str | None) -> None:
        self.file = file
        self.line = line
        self.sqlstate = sqlstate
        super().__init__(message)


class ChecksumMismatch(MigrationError):
    """An applied migration file was edited after it was applied (its sha256 changed)."""


class OutOfOrder(MigrationError):
    """A pending migration is numbered below the newest applied one."""


class MissingMigration(MigrationError):
    """The database records a migration whose file is not on disk."""


class LockTimeout(MigrationError):
    """Another migration runner held the migration lock for longer than the timeout."""


class BaselineMismatch(MigrationError):
    """The live schema differs from the baseline migrations; ``differences`` lists each one."""

    def __init__(self, message: str, differences: tuple[str, ...]) -> None:
        self.differences = differences
        super().__init__(message)


class SeedRefused(ChanukaDbError):
    """A seed load was refused before writing anything.

    The database already holds data the load did not write, or a load with another scale,
    seed, date or generator version, or another load is running on it. The message says
    which, and what to do.
    """
