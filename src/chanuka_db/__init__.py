"""chanuka-db: the PostgreSQL data layer of the Chanuka platform (its public face).

Start here: one :class:`Database` per process, repositories for every table, a unit of
work for every request that writes::

    from chanuka_db import Database
    from chanuka_db.types import NewBillComment

    db = Database.from_env()            # DATABASE_URL, else an embedded PostgreSQL 18
    db.migrate()                        # bring the schema to the newest migration
    bill = db.repos.bills.get(7)        # one call, on a connection borrowed for it
    with db.unit_of_work(actor=user_id) as uow:     # one transaction, the actor bound
        uow.engagement.record(bill.id, user_id, "view")
        uow.comments.add(NewBillComment(bill_id=bill.id, user_id=user_id, content="..."))
    db.close()

``Database`` and ``UnitOfWork`` are loaded on first use (importing the package for its
errors does not load psycopg): ``help(chanuka_db.Database)``, or
``python -m pydoc chanuka_db.repositories.unit_of_work``.

Where things are:

- :mod:`chanuka_db.repositories`: ``Database``, ``UnitOfWork``, the generic
  ``TableRepository`` (``base``) and one module per domain (``legislative``, ``users``,
  ``moderation``, ``regulatory``, ``analytics``, ``infrastructure``);
- :mod:`chanuka_db.types`: the row types (``Bill``, ``NewBill``, ``BillPatch``), the typed
  ``tables`` and the ``REGISTRY`` of tables and columns, generated from the schema;
- :mod:`chanuka_db.sql`: the query layer (``select``, ``insert``, ``paginate``,
  ``search``, ``Filters``, ``Executor``, ``QueryMonitor``) and the migration runner;
- :mod:`chanuka_db.pool`: configuration from the environment, the pool, transactions,
  health, retries and the circuit breaker;
- :mod:`chanuka_db.errors`: the typed errors (also importable from here);
- :mod:`chanuka_db.legacy`: adapters for code written against the old TypeScript
  services (deprecated; each call warns and names its replacement);
- :mod:`chanuka_db.metrics`, :mod:`chanuka_db.logging`: Prometheus metrics, JSON logs;
- :mod:`chanuka_db.seed`: the deterministic data generator; :mod:`chanuka_db.cli`: the
  ``chanuka-db`` command (``chanuka-db --help``).

Guides, in the repository: ``README.md`` (overview, configuration, commands),
``docs/usage.md`` (the API by runnable example), ``docs/migrating.md`` (from the old
services), ``docs/migrations.md``, ``docs/performance.md``, ``docs/ops/runbook.md``.
"""

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
    NotAuthenticated,
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
    "NotAuthenticated",
    "NotFound",
    "PoolExhausted",
    "PoolStats",
    "QueryError",
    "UnitOfWork",
    "__version__",
]
