"""``migrate --backup``: a ``pg_dump`` of the database taken before anything is changed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg

from chanuka_db.errors import ChanukaDbError, MigrationError
from chanuka_db.pool.config import DatabaseUrl, redact
from chanuka_db.pool.embedded import bin_dir

__all__ = ["backup", "find_pg_dump"]


def _same_major(candidate: Path, major: int) -> bool:
    try:
        done = subprocess.run(  # noqa: S603 - a pg_dump we found, asked for its version
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        )
    except OSError:
        return False
    words = done.stdout.split()
    return bool(words) and words[-1].split(".")[0] == str(major)


def _matching_pg_dump(major: int) -> Path | None:
    """A ``pg_dump`` of the server's own major version, when this machine has one.

    A newer pg_dump can dump an older server, but its archive cannot be restored by the
    older server's pg_restore (and its plain SQL sets parameters the older server lacks),
    so a dump meant to be restored on that server is best taken with its own version.
    """
    for candidate in (Path(f"/usr/lib/postgresql/{major}/bin/pg_dump"), shutil.which("pg_dump")):
        if (
            candidate is not None
            and Path(candidate).is_file()
            and _same_major(Path(candidate), major)
        ):
            return Path(candidate)
    return None


def find_pg_dump(server_major: int | None = None) -> Path:
    """The ``pg_dump`` to use for a server of ``server_major``.

    The server's own major version when this machine has it (Debian's layout or PATH),
    else the embedded wheel's (PostgreSQL 18, which can dump older servers), else PATH's.
    """
    if server_major is not None and (matching := _matching_pg_dump(server_major)):
        return matching
    try:
        shipped = bin_dir() / "pg_dump"
    except (ChanukaDbError, ImportError, AttributeError):  # pragma: no cover - wheel is a dep
        shipped = None
    if shipped is not None and shipped.is_file():
        return shipped
    found = shutil.which("pg_dump")  # pragma: no cover - only without the embedded wheel
    if found is None:  # pragma: no cover
        raise MigrationError("--backup needs pg_dump: not in the embedded wheel nor on PATH")
    return Path(found)  # pragma: no cover


def _server_major(url: DatabaseUrl) -> int | None:
    try:
        with psycopg.connect(url.conninfo(), connect_timeout=10) as conn:
            return conn.info.server_version // 10000
    except psycopg.Error:
        return None  # pg_dump itself will report why it cannot connect


def backup(url: DatabaseUrl, path: Path) -> None:
    """Dump the database at ``url`` to ``path`` in pg_dump's custom format (for pg_restore).

    The password travels in ``PGPASSWORD``, never on the command line where ``ps`` shows it.
    Raises :class:`MigrationError` with pg_dump's message (redacted) when it fails.
    """
    password = url.mapping.get("password")
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    command = [
        str(find_pg_dump(_server_major(url))),
        "--format=custom",
        f"--file={path}",
        f"--dbname={url.with_params(password=None).conninfo()}",
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MigrationError(f"backup of {url.redacted()} to {path} failed: {exc}") from None
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        message = redact(done.stderr.strip()) or f"exit code {done.returncode}"
        raise MigrationError(f"backup of {url.redacted()} to {path} failed: {message}")
