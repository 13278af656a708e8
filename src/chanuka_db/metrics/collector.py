"""The collector: every chanuka-db metric of one Database, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata
from importlib.resources.abc import Traversable
from typing import Final

from prometheus_client import GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, CollectorRegistry

from chanuka_db.errors import InvalidInput
from chanuka_db.metrics.families import (
    breaker_families,
    describe_health,
    health_families,
    pool_families,
)
from chanuka_db.metrics.queries import QueryCollector
from chanuka_db.metrics.schema import SchemaWatcher
from chanuka_db.pool import Database
from chanuka_db.sql.monitor import QueryMonitor

__all__ = ["DatabaseCollector", "exporter_registry", "register_metrics"]

# From the distribution, not ``chanuka_db.__version__``: importing the package's face
# would reach the repositories, a layer this one does not depend on.
_VERSION: Final = metadata.version("chanuka-db")


class DatabaseCollector:
    """A Prometheus collector for one :class:`~chanuka_db.pool.Database`.

    Reads, at each scrape: the pool's :meth:`~Database.stats` snapshot, its circuit
    breaker, its last health report, the query monitor's per-shape histograms (``queries``,
    by default ``db.queries`` of the services' ``chanuka_db.Database``) and the migration
    ledger (at most once per ``schema_interval_s``, in the background; ``None`` turns the
    schema metrics off). ``max_shapes`` bounds the statement shapes labelled one by one.
    """

    def __init__(
        self,
        db: Database,
        *,
        queries: QueryMonitor | None = None,
        max_shapes: int = 200,
        schema_interval_s: float | None = 60.0,
        migrations: Traversable | None = None,
    ) -> None:
        if queries is None:
            found = getattr(db, "queries", None)
            queries = found if isinstance(found, QueryMonitor) else None
        if schema_interval_s is not None and schema_interval_s <= 0:
            raise InvalidInput("schema_interval_s", f"{schema_interval_s}: must be above 0")
        self.db = db
        self.queries = QueryCollector(queries, max_shapes=max_shapes) if queries else None
        self.schema = (
            SchemaWatcher(db, interval_s=schema_interval_s, directory=migrations)
            if schema_interval_s is not None
            else None
        )

    def collect(self) -> Iterator[Metric]:
        """Every family, read now."""
        db = self.db
        yield _info(db)
        yield from pool_families(db.stats())
        yield from breaker_families(db.breaker.state, db.breaker.consecutive_failures)
        yield from health_families(db.last_health)
        if self.queries is not None:
            yield from self.queries.collect()
        if self.schema is not None:
            yield from self.schema.collect()

    def describe(self) -> Iterator[Metric]:
        """The families without reading the monitors or the ledger (for clash detection)."""
        yield _info(self.db)
        yield from pool_families(self.db.stats())
        yield from breaker_families(self.db.breaker.state, 0)
        yield from describe_health()
        if self.queries is not None:
            yield from self.queries.describe()
        if self.schema is not None:
            yield from self.schema.describe()


def _info(db: Database) -> Metric:
    info = GaugeMetricFamily(
        "chanuka_db_info",
        "chanuka-db version and the application_name its connections report (always 1).",
        labels=["version", "application"],
    )
    info.add_metric([_VERSION, db.config.application_name], 1.0)
    return info


def register_metrics(
    db: Database,
    registry: CollectorRegistry | None = None,
    *,
    queries: QueryMonitor | None = None,
    max_shapes: int = 200,
    schema_interval_s: float | None = 60.0,
    migrations: Traversable | None = None,
) -> DatabaseCollector:
    """Register a :class:`DatabaseCollector` for ``db`` (default: the global registry).

    The keyword options are those of :class:`DatabaseCollector`. Registering a second
    database into the same registry raises ``ValueError`` (their series would clash):
    give each its own registry.
    """
    collector = DatabaseCollector(
        db,
        queries=queries,
        max_shapes=max_shapes,
        schema_interval_s=schema_interval_s,
        migrations=migrations,
    )
    (registry if registry is not None else REGISTRY).register(collector)
    return collector


def exporter_registry(
    db: Database, *, max_shapes: int = 200, schema_interval_s: float | None = 60.0
) -> CollectorRegistry:
    """A registry of its own for a standalone exporter: ``db``'s metrics and the process's.

    The process, platform and garbage-collector collectors are prometheus-client's
    (``process_*``, ``python_*``), as in its global registry.
    """
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    register_metrics(db, registry, max_shapes=max_shapes, schema_interval_s=schema_interval_s)
    return registry
