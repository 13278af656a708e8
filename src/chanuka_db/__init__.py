"""chanuka-db: the PostgreSQL data layer of the Chanuka platform (its public face)."""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from chanuka_db.errors import (
    ChanukaDbError,
    CommitUncertain,
    ConfigError,
    Conflict,
    DatabaseUnavailable,
    EmbeddedServerError,
    InvalidInput,
    InvalidReference,
    MigrationError,
    NotFound,
    PoolExhausted,
    QueryError,
)

if TYPE_CHECKING:
    from chanuka_db.pool import DatabaseConfig, HealthReport, IsolationLevel, PoolStats
    from chanuka_db.repositories import Database, UnitOfWork

__version__ = metadata.version("chanuka-db")

# Loaded on first use: importing the package for its errors must not pull in psycopg.
_LAZY: dict[str, str] = {
    "Database": "chanuka_db.repositories",
    "UnitOfWork": "chanuka_db.repositories",
    "DatabaseConfig": "chanuka_db.pool",
    "HealthReport": "chanuka_db.pool",
    "IsolationLevel": "chanuka_db.pool",
    "PoolStats": "chanuka_db.pool",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chanuka_db' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ChanukaDbError",
    "CommitUncertain",
    "ConfigError",
    "Conflict",
    "Database",
    "DatabaseConfig",
    "DatabaseUnavailable",
    "EmbeddedServerError",
    "HealthReport",
    "InvalidInput",
    "InvalidReference",
    "IsolationLevel",
    "MigrationError",
    "NotFound",
    "PoolExhausted",
    "PoolStats",
    "QueryError",
    "UnitOfWork",
    "__version__",
]
