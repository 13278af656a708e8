"""chanuka-db: the PostgreSQL data layer of the Chanuka platform (its public face)."""

from __future__ import annotations

from importlib import metadata

from chanuka_db.errors import (
    ChanukaDbError,
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

__version__ = metadata.version("chanuka-db")

__all__ = [
    "ChanukaDbError",
    "ConfigError",
    "Conflict",
    "DatabaseUnavailable",
    "EmbeddedServerError",
    "InvalidInput",
    "InvalidReference",
    "MigrationError",
    "NotFound",
    "PoolExhausted",
    "QueryError",
    "__version__",
]
