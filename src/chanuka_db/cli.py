"""The ``chanuka-db`` command: one entry point for operators and developers.

Exit codes: 0 success, 1 the operation failed (database unreachable, unhealthy, migration
refused), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Final

import attrs

from chanuka_db import __version__
from chanuka_db.errors import ChanukaDbError, ConfigError
from chanuka_db.pool import Database
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl
from chanuka_db.pool.embedded import ensure_running

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

Command = Callable[[argparse.Namespace], int]


def _resolve_url(config: DatabaseConfig) -> tuple[DatabaseUrl, bool]:
    """The URL in use and whether it is the embedded server (started here when needed)."""
    if config.url is not None:
        return config.url, False
    return ensure_running(config.data_dir).url(), True


def _cmd_db_url(args: argparse.Namespace) -> int:
    config = DatabaseConfig.from_env()
    url, embedded = _resolve_url(config)
    if args.json:
        print(json.dumps({"url": url.redacted(), "source": url.source, "embedded": embedded}))
    else:
        print(url.redacted())
        print(f"source: {url.source}" + (" (embedded PostgreSQL)" if embedded else ""))
    return EXIT_OK


def _cmd_server(args: argparse.Namespace) -> int:
    config = DatabaseConfig.from_env()
    if config.url is not None:
        print("DATABASE_URL is set: nothing to start (the embedded server is the default only)")
        return EXIT_USAGE
    server = ensure_running(config.data_dir)
    print(server.url().redacted(), flush=True)
    print(f"embedded PostgreSQL running (pid {server.pid}); Ctrl-C stops it", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(EXIT_OK))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return EXIT_OK


def _cmd_health(args: argparse.Namespace) -> int:
    """Check the database through a small pool; exit 1 when it is unhealthy."""
    config = DatabaseConfig.from_env()
    # One connection is enough to answer; do not open the service's whole minimum.
    with Database(attrs.evolve(config, pool_min=min(config.pool_min, 1))) as db:
        report = db.health()
    print(report.to_json() if args.json else report.render())
    return EXIT_OK if report.healthy else EXIT_FAILED


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chanuka-db",
        description="The Chanuka platform's PostgreSQL data layer. "
        "Uses DATABASE_URL, or an embedded PostgreSQL when it is unset.",
        epilog="Exit codes: 0 success, 1 operation failed, 2 bad usage or configuration.",
    )
    parser.add_argument("--version", action="version", version=f"chanuka-db {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db_url = commands.add_parser("db-url", help="print the (redacted) database URL in use")
    db_url.add_argument("--json", action="store_true", help="machine-readable output")
    db_url.set_defaults(handler=_cmd_db_url)

    server = commands.add_parser(
        "server", help="run the embedded PostgreSQL in the foreground (for psql and friends)"
    )
    server.set_defaults(handler=_cmd_server)

    health = commands.add_parser(
        "health", help="check the server and the pool; exit 1 when unhealthy"
    )
    health.add_argument("--json", action="store_true", help="machine-readable output")
    health.set_defaults(handler=_cmd_health)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"chanuka-db: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ChanukaDbError as exc:
        print(f"chanuka-db: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
