"""``migrate --backup``: a ``pg_dump`` of the database taken before anything is changed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from chanuka_db.errors import ChanukaDbError, MigrationError
from chanuka_db.pool.config import DatabaseUrl, redact
from chanuka_db.pool.embedded import bin_dir

__all__ = ["backup", "find_pg_dump"]


def find_pg_dump() -> Path:
    """The ``pg_dump`` to use: the embedded wheel's (PostgreSQL 18 dumps 15 too), else PATH's."""
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
        str(find_pg_dump()),
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
