"""An HTTP endpoint for a registry: prometheus-client's threaded server, and a way to stop it."""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import start_http_server
from prometheus_client.registry import REGISTRY, CollectorRegistry

from chanuka_db.errors import ConfigError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MetricsServer", "serve_metrics"]

DEFAULT_PORT = 9187
DEFAULT_HOST = "127.0.0.1"


class MetricsServer:
    """A running metrics endpoint (a daemon thread); :meth:`close` stops it."""

    def __init__(self, httpd: Any, thread: threading.Thread) -> None:
        self._httpd = httpd
        self._thread = thread

    @property
    def port(self) -> int:
        """The port it listens on (the one picked by the system when 0 was asked)."""
        return int(self._httpd.server_port)

    @property
    def url(self) -> str:
        """Where to scrape."""
        host = self._httpd.server_address[0]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve_metrics(
    registry: CollectorRegistry | None = None,
    *,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
) -> MetricsServer:
    """Serve ``registry`` (default: the global one) in the Prometheus text format.

    Any path answers with the metrics (``/metrics`` by convention). Binding to
    ``127.0.0.1`` by default keeps the endpoint private; pass ``host="0.0.0.0"`` to
    expose it. A port that cannot be bound is a :class:`ConfigError`.
    """
    if not 0 <= port <= 65535:
        raise ConfigError("port", port, "must be between 0 and 65535")
    try:
        httpd, thread = start_http_server(
            port, addr=host, registry=registry if registry is not None else REGISTRY
        )
    except OSError as exc:
        raise ConfigError("port", f"{host}:{port}", f"cannot listen there: {exc}") from None
    return MetricsServer(httpd, thread)
