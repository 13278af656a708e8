"""Prometheus metrics for chanuka-db: pool, queries, circuit breaker, health, schema version.

Needs the ``metrics`` extra (``pip install 'chanuka-db[metrics]'``, which brings
``prometheus-client``)::

    from chanuka_db import Database
    from chanuka_db.metrics import register_metrics

    db = Database.from_env()
    register_metrics(db)                    # into prometheus_client's global registry
    register_metrics(db, registry=mine)     # or into your own

Everything is read from the monitors at scrape time (a custom collector): the hot path
does no extra work. ``chanuka-db metrics --port 9187`` serves them from a process of its
own (see :func:`serve_metrics`). Names, labels and their OpenTelemetry equivalents are
listed in ``docs/ops/metrics.md``.
"""

from __future__ import annotations

try:
    import prometheus_client  # noqa: F401 - checked here to explain a missing extra once
except ImportError as exc:  # pragma: no cover - the dev extra installs it
    raise ImportError(
        "chanuka_db.metrics needs prometheus-client: pip install 'chanuka-db[metrics]'"
    ) from exc

from chanuka_db.metrics.collector import DatabaseCollector, exporter_registry, register_metrics
from chanuka_db.metrics.queries import QueryCollector
from chanuka_db.metrics.schema import SchemaWatcher
from chanuka_db.metrics.server import MetricsServer, serve_metrics

__all__ = [
    "DatabaseCollector",
    "MetricsServer",
    "QueryCollector",
    "SchemaWatcher",
    "exporter_registry",
    "register_metrics",
    "serve_metrics",
]
