"""Connections: configuration, the embedded server default, the pool, transactions, health."""

from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.pool.database import Connection, Database
from chanuka_db.pool.health import HealthReport
from chanuka_db.pool.monitoring import Alert, AlertKind, HistogramSnapshot, PoolStats, Severity
from chanuka_db.pool.resilience import BreakerState, RetryPolicy
from chanuka_db.pool.session import IsolationLevel

__all__ = [
    "Alert",
    "AlertKind",
    "BreakerState",
    "Connection",
    "Database",
    "DatabaseConfig",
    "DatabaseUrl",
    "Environment",
    "HealthReport",
    "HistogramSnapshot",
    "IsolationLevel",
    "PoolStats",
    "RetryPolicy",
    "Severity",
]
