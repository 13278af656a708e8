"""Connections: configuration from the environment, the embedded server default, the pool."""

from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment

__all__ = ["DatabaseConfig", "DatabaseUrl", "Environment"]
