"""The ``chanuka-db`` command: one entry point for operators and developers.

Exit codes: 0 success, 1 the operation failed (database unreachable, unhealthy, migration
refused), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

import attrs

from chanuka_db import __version__
from chanuka_db.errors import ChanukaDbError, ConfigError, InvalidInput
from chanuka_db.pool import Database
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl
from chanuka_db.pool.embedded import ensure_running
from chanuka_db.pool.roles import APP_ROLE, SYSTEM_ROLE, inspect_url
from chanuka_db.sql.audit import DEFAULT_BATCH_SIZE, purge_audit
from chanuka_db.sql.migrate import DEFAULT_LOCK_TIMEOUT_S, MigrationRunner
from chanuka_db.sql.migrate_plan import MigrationStatus
from chanuka_db.sql.schema_docs import schema_docs_text

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

Command = Callable[[argparse.Namespace], int]


@attrs.frozen
class _Logins:
    """The application's, the migrations' and the jobs' URLs (``None``: not configured)."""

    url: DatabaseUrl
    migration_url: DatabaseUrl
    system_url: DatabaseUrl | None
    embedded: bool

    def shown(self) -> dict[str, str | None]:
        """Each URL redacted, by setting name."""
        urls = {"url": self.url, "migration_url": self.migration_url, "system_url": self.system_url}
        return {name: url.redacted() if url else None for name, url in urls.items()}


def _resolve_logins(config: DatabaseConfig) -> _Logins:
    """The configured logins; the embedded server (started when it is the target) has all three."""
    if config.url is not None:
        migrations = config.migration_url or config.url
        return _Logins(config.url, migrations, config.system_url, embedded=False)
    server = ensure_running(config.data_dir)
    return _Logins(
        server.url(user=APP_ROLE), server.url(), server.url(user=SYSTEM_ROLE), embedded=True
    )


def _migration_url(config: DatabaseConfig) -> DatabaseUrl:
    """Where migrations and maintenance run: the owner's (or superuser's) login."""
    url = config.migrations_url
    return url if url is not None else ensure_running(config.data_dir).url()


def _cmd_db_url(args: argparse.Namespace) -> int:
    logins = _resolve_logins(DatabaseConfig.from_env())
    shown = logins.shown()
    if args.json:
        print(json.dumps({**shown, "source": logins.url.source, "embedded": logins.embedded}))
    else:
        embedded = " (embedded PostgreSQL)" if logins.embedded else ""
        print(logins.url.redacted())
        print(f"source: {logins.url.source}{embedded}")
        print(f"migrations: {shown['migration_url']}")
        print(f"jobs: {shown['system_url'] or '(unset: DATABASE_SYSTEM_URL)'}")
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


# -- schema and migrations -----------------------------------------------------------------


def _usage_on_invalid_input(command: Command) -> Command:
    """A bad --to/--steps value is a usage error (exit 2), not a failed migration."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except InvalidInput as exc:
            print(f"chanuka-db: {exc}", file=sys.stderr)
            return EXIT_USAGE

    return run


def _runner(args: argparse.Namespace) -> MigrationRunner:
    url = _migration_url(DatabaseConfig.from_env())
    timeout = getattr(args, "lock_timeout", DEFAULT_LOCK_TIMEOUT_S)
    return MigrationRunner(url, lock_timeout_s=timeout, echo=functools.partial(print, flush=True))


@_usage_on_invalid_input
def _cmd_migrate(args: argparse.Namespace) -> int:
    _runner(args).migrate(
        to=args.to,
        dry_run=args.dry_run,
        backup=args.backup,
        allow_out_of_order=args.allow_out_of_order,
        accept_changed=args.accept_changed,
    )
    return EXIT_OK


@_usage_on_invalid_input
def _cmd_rollback(args: argparse.Namespace) -> int:
    _runner(args).rollback(
        steps=args.steps, to=args.to, dry_run=args.dry_run, accept_changed=args.accept_changed
    )
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    runner = _runner(args)
    status = runner.status()
    if args.json:
        print(json.dumps(_status_json(runner, status)))
        return EXIT_OK
    print(
        f"{runner.url.redacted()}: at {status.current_version:04d}, head {status.head_version:04d}"
    )
    for entry in status.entries:
        when = ""
        if entry.ledger is not None:
            how = "baseline" if entry.ledger.baseline else f"{entry.ledger.duration_ms} ms"
            applied = f"{entry.ledger.applied_at:%Y-%m-%d %H:%M:%S%z}"
            when = f"  {applied} by {entry.ledger.applied_by} ({how})"
        print(f"  {entry.state:<12} {entry.label}{when}")
    return EXIT_OK


def _status_json(runner: MigrationRunner, status: MigrationStatus) -> dict[str, object]:
    return {
        "url": runner.url.redacted(),
        "current_version": status.current_version,
        "head_version": status.head_version,
        "up_to_date": status.up_to_date,
        "migrations": [entry.as_json() for entry in status.entries],
    }


def _cmd_baseline(args: argparse.Namespace) -> int:
    _runner(args).baseline(dry_run=args.dry_run)
    return EXIT_OK


def _cmd_schema_docs(args: argparse.Namespace) -> int:
    text = schema_docs_text(_runner(args))
    path: Path = args.output
    if args.check:
        if path.exists() and path.read_text(encoding="utf-8") == text:
            print(f"{path} is up to date")
            return EXIT_OK
        print(f"{path} is stale: run 'chanuka-db schema-docs' and commit it", file=sys.stderr)
        return EXIT_FAILED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return EXIT_OK


def _cmd_gen_types(args: argparse.Namespace) -> int:
    from chanuka_db.sql.introspect import generate_types  # noqa: PLC0415 - imports the generator
    from chanuka_db.types.generator import write_modules  # noqa: PLC0415

    files = generate_types(_migration_url(DatabaseConfig.from_env()))
    directory: Path = args.output
    if args.check:
        stale = [n for n, t in sorted(files.items()) if not _same_text(directory / n, t)]
        if stale:
            print(
                f"stale in {directory}: {', '.join(stale)}; run 'chanuka-db gen-types'",
                file=sys.stderr,
            )
            return EXIT_FAILED
        print(f"{directory}: row types match the migrations")
        return EXIT_OK
    changed = write_modules(files, directory)
    print(f"wrote {len(changed)} of {len(files)} modules in {directory}")
    return EXIT_OK


def _same_text(path: Path, text: str) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == text


def _add_types_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import chanuka_db.types  # noqa: PLC0415

    gen = commands.add_parser(
        "gen-types", help="regenerate the row types from a scratch database migrated to head"
    )
    gen.add_argument(
        "--output",
        type=Path,
        default=Path(chanuka_db.types.__file__).parent,
        metavar="DIR",
        help="where the modules go (default: the installed chanuka_db/types)",
    )
    gen.add_argument("--check", action="store_true", help="only report whether they are stale")
    gen.set_defaults(handler=_cmd_gen_types)


def _add_migration_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser("migrate", help="apply pending schema migrations")
    migrate.add_argument("--to", type=int, metavar="N", help="stop after version N")
    migrate.add_argument("--dry-run", action="store_true", help="print the plan and SQL only")
    migrate.add_argument("--backup", type=Path, metavar="PATH", help="pg_dump here first")
    migrate.add_argument(
        "--allow-out-of-order",
        action="store_true",
        help="apply pending files numbered below the newest applied one",
    )
    _add_common_migration_options(migrate)
    migrate.set_defaults(handler=_cmd_migrate)

    rollback = commands.add_parser("rollback", help="undo applied migrations (default: the last)")
    which = rollback.add_mutually_exclusive_group()
    which.add_argument("--steps", type=int, metavar="N", help="undo the last N migrations")
    which.add_argument("--to", type=int, metavar="N", help="undo every migration above N")
    rollback.add_argument("--dry-run", action="store_true", help="print the plan and SQL only")
    _add_common_migration_options(rollback)
    rollback.set_defaults(handler=_cmd_rollback)

    status = commands.add_parser("status", help="list migrations: applied, pending, changed, ...")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_cmd_status)

    baseline = commands.add_parser(
        "baseline", help="adopt a database built by the old tooling (verify, then record)"
    )
    baseline.add_argument("--dry-run", action="store_true", help="verify only; record nothing")
    baseline.add_argument("--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT_S)
    baseline.set_defaults(handler=_cmd_baseline)

    docs = commands.add_parser("schema-docs", help="write docs/schema.md from the database")
    docs.add_argument("--output", type=Path, default=Path("docs/schema.md"), metavar="PATH")
    docs.add_argument("--check", action="store_true", help="exit 1 when PATH is stale")
    docs.set_defaults(handler=_cmd_schema_docs)


def _add_common_migration_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accept-changed",
        action="store_true",
        help="go on although applied files changed, recording their new checksums",
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=DEFAULT_LOCK_TIMEOUT_S,
        metavar="SECONDS",
        help="how long to wait for another runner (default %(default)s)",
    )


def _cmd_health(args: argparse.Namespace) -> int:
    """Check the database through a small pool; exit 1 when it is unhealthy."""
    config = DatabaseConfig.from_env()
    # One connection is enough to answer; do not open the service's whole minimum.
    with Database(attrs.evolve(config, pool_min=min(config.pool_min, 1))) as db:
        report = db.health()
    print(report.to_json() if args.json else report.render())
    return EXIT_OK if report.healthy else EXIT_FAILED


# -- security ---------------------------------------------------------------------------


def _cmd_check_roles(args: argparse.Namespace) -> int:
    """Report on the application's and the jobs' logins; exit 1 when one is unfit."""
    logins = _resolve_logins(DatabaseConfig.from_env())
    results = []
    for setting, url in (("url", logins.url), ("system_url", logins.system_url)):
        if url is None:
            continue
        report = inspect_url(url)
        problems = report.problems(system=setting == "system_url")
        results.append(
            {"setting": setting, "url": url.redacted(), "login": report.login, "problems": problems}
        )
    if args.json:
        print(json.dumps(results))
    else:
        for result in results:
            verdict = "; ".join(result["problems"]) or "ok"
            print(f"{result['setting']}: {result['url']} logs in as {result['login']}: {verdict}")
    return EXIT_FAILED if any(result["problems"] for result in results) else EXIT_OK


@_usage_on_invalid_input
def _cmd_audit_purge(args: argparse.Namespace) -> int:
    """Delete audit rows older than --older-than days, batch by batch."""
    older_than = dt.timedelta(days=args.older_than)
    with _runner(args).connect() as conn:
        purged = purge_audit(
            conn,
            older_than=older_than,
            batch_size=args.batch_size,
            echo=functools.partial(print, flush=True),
        )
    print(f"purged {purged} audit rows older than {args.older_than:g} days")
    return EXIT_OK


def _add_security_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check-roles",
        help="check that the application's and the jobs' logins cannot bypass row-level security",
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_cmd_check_roles)

    purge = commands.add_parser(
        "audit-purge", help="delete audit rows older than a retention period (as the owner)"
    )
    purge.add_argument(
        "--older-than", type=float, required=True, metavar="DAYS", help="retention, 1 or more"
    )
    purge.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help="rows per transaction (default %(default)s)",
    )
    purge.set_defaults(handler=_cmd_audit_purge)


# -- metrics -------------------------------------------------------------------------------


def _cmd_metrics(args: argparse.Namespace) -> int:
    """Serve the Prometheus metrics of a Database opened from the environment until stopped."""
    try:
        from chanuka_db.metrics import exporter_registry, serve_metrics  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - the dev extra installs prometheus-client
        print(f"chanuka-db: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from chanuka_db import Database  # noqa: PLC0415 - the services' Database (query monitor)

    config = DatabaseConfig.from_env()
    # The exporter's own pool only checks health and reads the ledger: one connection.
    with (
        _stop_requested() as stop,
        Database(attrs.evolve(config, pool_min=min(config.pool_min, 1))) as db,
    ):
        registry = exporter_registry(
            db, max_shapes=args.max_shapes, schema_interval_s=args.schema_interval
        )
        with serve_metrics(registry, port=args.port, host=args.host) as server:
            print(f"serving chanuka-db metrics on {server.url} (Ctrl-C stops)", flush=True)
            while not stop.wait(1.0):
                pass
    return EXIT_OK


@contextlib.contextmanager
def _stop_requested() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs; the old handlers come back."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


_STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


def _add_metrics_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    metrics = commands.add_parser(
        "metrics", help="serve Prometheus metrics (pool, queries, breaker, schema) over HTTP"
    )
    metrics.add_argument("--port", type=int, default=9187, help="default %(default)s")
    metrics.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    metrics.add_argument(
        "--max-shapes",
        type=int,
        default=200,
        metavar="N",
        help="statement shapes labelled one by one; the rest are summed as 'other'",
    )
    metrics.add_argument(
        "--schema-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how often the migration ledger is read (default %(default)s)",
    )
    metrics.set_defaults(handler=_cmd_metrics)


# -- seed data ----------------------------------------------------------------------------


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


@_usage_on_invalid_input
def _cmd_seed(args: argparse.Namespace) -> int:
    from chanuka_db.seed import DEFER_THRESHOLD, seed  # noqa: PLC0415 - generator loads lazily
    from chanuka_db.seed.progress import RichProgress, report_lines  # noqa: PLC0415
    from chanuka_db.seed.runner import check_arguments  # noqa: PLC0415

    check_arguments(args.scale, args.seed, args.as_of)
    url = _migration_url(DatabaseConfig.from_env())  # it drops and rebuilds indexes: the owner
    threshold = None if args.no_defer else DEFER_THRESHOLD
    if args.no_progress or args.json:
        summary = seed(url, args.scale, seed=args.seed, as_of=args.as_of, defer_threshold=threshold)
    else:
        with RichProgress() as progress:
            summary = seed(
                url, args.scale, seed=args.seed, as_of=args.as_of, defer_threshold=threshold,
                progress=progress,
            )  # fmt: skip
    if args.json:
        print(json.dumps({**summary.as_json(), "already_loaded": summary.already_loaded}))
    else:
        print("\n".join(report_lines(summary)))
    return EXIT_OK


def _add_seed_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from chanuka_db.seed.scales import SCALES  # noqa: PLC0415

    seed = commands.add_parser(
        "seed",
        help="fill a migrated, empty database with deterministic, realistic data (resumable)",
        description="Generate every table's rows for a scale and load them with COPY. The same "
        "scale, seed and --as-of always give the same rows; an interrupted load resumes.",
    )
    seed.add_argument("--scale", choices=list(SCALES), default="tiny", help="how much data")
    seed.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    seed.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the data's 'today' (default: today in UTC; a resumed load keeps its own)",
    )
    seed.add_argument(
        "--no-defer",
        action="store_true",
        help="keep every index and foreign key live during COPY (slower; same rows)",
    )
    seed.add_argument("--no-progress", action="store_true", help="no progress bars")
    seed.add_argument("--json", action="store_true", help="print the summary as JSON")
    seed.set_defaults(handler=_cmd_seed)


# -- the demo ---------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return value


def _cmd_demo(args: argparse.Namespace) -> int:
    from chanuka_db.demo import render, run_demo  # noqa: PLC0415 - loads the repositories
    from chanuka_db.seed.progress import RichProgress  # noqa: PLC0415

    config = DatabaseConfig.from_env()
    quiet = args.json or args.no_progress
    echo = (lambda _line: None) if args.json else functools.partial(print, flush=True)
    with contextlib.ExitStack() as stack:
        progress = None if quiet else stack.enter_context(RichProgress())
        report = run_demo(config, scale=args.scale, rounds=args.rounds, progress=progress,
                          echo=echo)  # fmt: skip
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        print("\n".join(render(report)))
    return EXIT_OK


def _add_demo_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from chanuka_db.demo import DEFAULT_ROUNDS  # noqa: PLC0415
    from chanuka_db.seed.scales import SCALES  # noqa: PLC0415

    demo = commands.add_parser(
        "demo",
        help="migrate, seed, run a civic scenario through the repositories, report its cost",
        description="Migrate the database, seed it once (a complete load is kept), tell a "
        "civic story through the repositories, run each hot operation a few dozen times, "
        "and report statements and latency per operation, pool statistics and slow queries.",
    )
    demo.add_argument(
        "--scale", choices=list(SCALES), default="small", help="data to seed (default small)"
    )
    demo.add_argument(
        "--rounds",
        type=_positive_int,
        default=DEFAULT_ROUNDS,
        metavar="N",
        help="times each hot operation runs after the story (default %(default)s)",
    )
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo.add_argument("--json", action="store_true", help="print only the report, as JSON")
    demo.set_defaults(handler=_cmd_demo)


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
    _add_migration_commands(commands)
    _add_types_command(commands)
    _add_security_commands(commands)
    _add_metrics_command(commands)
    _add_seed_command(commands)
    _add_demo_command(commands)
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
