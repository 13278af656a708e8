"""Where a database stands against the migration files, and what may be done about it.

Pure functions over the files and the ledger; nothing here talks to the server.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from chanuka_db.errors import ChecksumMismatch, InvalidInput, MissingMigration, OutOfOrder
from chanuka_db.sql.migrate_files import Migration
from chanuka_db.sql.migrate_ledger import LedgerEntry

__all__ = [
    "MigrationState",
    "MigrationStatus",
    "StatusEntry",
    "check_integrity",
    "compute_status",
    "pending_up_to",
    "rollback_targets",
]


class MigrationState(enum.StrEnum):
    """The state of one migration version."""

    APPLIED = "applied"
    PENDING = "pending"
    OUT_OF_ORDER = "out-of-order"
    CHANGED = "changed"
    MISSING = "missing"


@attrs.frozen
class StatusEntry:
    """One version: its state, and what the ledger says about it when it was applied."""

    version: int
    name: str
    state: MigrationState
    ledger: LedgerEntry | None = None

    @property
    def label(self) -> str:
        """``NNNN_name``."""
        return f"{self.version:04d}_{self.name}"

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``chanuka-db status --json``)."""
        data: dict[str, Any] = {"version": self.version, "name": self.name, "state": self.state}
        if self.ledger is not None:
            applied_at: dt.datetime = self.ledger.applied_at
            data |= {
                "applied_at": applied_at.isoformat(),
                "duration_ms": self.ledger.duration_ms,
                "applied_by": self.ledger.applied_by,
                "baseline": self.ledger.baseline,
            }
        return data


@attrs.frozen
class MigrationStatus:
    """Every version known to the files or the ledger, in version order."""

    entries: tuple[StatusEntry, ...]

    def having(self, *states: MigrationState) -> tuple[StatusEntry, ...]:
        """The entries in any of ``states``."""
        return tuple(entry for entry in self.entries if entry.state in states)

    @property
    def current_version(self) -> int:
        """Highest applied version (0 when none is)."""
        applied = [entry.version for entry in self.entries if entry.ledger is not None]
        return max(applied, default=0)

    @property
    def head_version(self) -> int:
        """Highest version on disk (0 when there are no files)."""
        on_disk = [entry.version for entry in self.entries if entry.state != "missing"]
        return max(on_disk, default=0)

    @property
    def up_to_date(self) -> bool:
        """Every file applied, unchanged, and nothing applied that is not on disk."""
        return all(entry.state == MigrationState.APPLIED for entry in self.entries)


def compute_status(
    migrations: Sequence[Migration], ledger: Mapping[int, LedgerEntry]
) -> MigrationStatus:
    """Classify every version found on disk or in the ledger."""
    on_disk = {migration.version: migration for migration in migrations}
    newest_applied = max(ledger, default=0)
    entries = []
    for version in sorted(on_disk.keys() | ledger.keys()):
        migration, applied = on_disk.get(version), ledger.get(version)
        if migration is None:
            assert applied is not None  # noqa: S101 - the version came from one of the two
            entries.append(StatusEntry(version, applied.name, MigrationState.MISSING, applied))
        elif applied is None:
            late = version < newest_applied
            state = MigrationState.OUT_OF_ORDER if late else MigrationState.PENDING
            entries.append(StatusEntry(version, migration.name, state))
        else:
            same = applied.checksum == migration.up.checksum
            state = MigrationState.APPLIED if same else MigrationState.CHANGED
            entries.append(StatusEntry(version, migration.name, state, applied))
    return MigrationStatus(tuple(entries))


def check_integrity(
    status: MigrationStatus, *, accept_changed: bool, allow_out_of_order: bool
) -> None:
    """Refuse to touch a database whose history disagrees with the files.

    A missing file is always refused: the code on disk is older than the database, or a
    file was deleted. An edited file and an out-of-order file are refused unless the caller
    explicitly accepts them.
    """
    missing = status.having(MigrationState.MISSING)
    if missing:
        raise MissingMigration(
            f"applied migration(s) {_labels(missing)} are not on disk: the database was migrated"
            " by a newer chanuka-db, or files were deleted; refusing to continue"
        )
    changed = status.having(MigrationState.CHANGED)
    if changed and not accept_changed:
        raise ChecksumMismatch(
            f"migration file(s) {_labels(changed)} changed after they were applied (sha256 differs"
            " from the ledger); restore the original files, or pass --accept-changed to record"
            " the new checksums"
        )
    late = status.having(MigrationState.OUT_OF_ORDER)
    if late and not allow_out_of_order:
        raise OutOfOrder(
            f"pending migration(s) {_labels(late)} are numbered below the newest applied one"
            f" ({status.current_version:04d}); renumber them after it, or pass"
            " --allow-out-of-order to apply them anyway"
        )


def pending_up_to(
    migrations: Sequence[Migration], status: MigrationStatus, target: int | None
) -> tuple[Migration, ...]:
    """The files to apply, in version order, up to and including ``target`` (default: all)."""
    _check_target(status, target, allow_zero=False)
    if target is not None and target < status.current_version:
        raise InvalidInput(
            "to",
            f"{target:04d} is below the current version {status.current_version:04d};"
            " use rollback to go down",
        )
    waiting = {
        e.version for e in status.having(MigrationState.PENDING, MigrationState.OUT_OF_ORDER)
    }
    return tuple(
        m for m in migrations if m.version in waiting and (target is None or m.version <= target)
    )


def rollback_targets(
    migrations: Sequence[Migration],
    status: MigrationStatus,
    *,
    steps: int | None,
    target: int | None,
) -> tuple[Migration, ...]:
    """The applied migrations to undo, newest first: ``steps`` of them, or all above ``target``."""
    if steps is not None and target is not None:
        raise InvalidInput("steps", "give either steps or to, not both")
    if steps is not None and steps < 1:
        raise InvalidInput("steps", f"{steps}: must be at least 1")
    _check_target(status, target, allow_zero=True)
    by_version = {migration.version: migration for migration in migrations}
    applied = sorted((e.version for e in status.entries if e.ledger is not None), reverse=True)
    if target is not None:
        chosen = [version for version in applied if version > target]
    else:
        chosen = applied[: steps if steps is not None else 1]
    return tuple(by_version[version] for version in chosen)


def _check_target(status: MigrationStatus, target: int | None, *, allow_zero: bool) -> None:
    if target is None or (allow_zero and target == 0):
        return
    if target not in {entry.version for entry in status.entries}:
        hint = " (or 0 for none)" if allow_zero else ""
        raise InvalidInput("to", f"{target}: no migration has that version{hint}")


def _labels(entries: Sequence[StatusEntry]) -> str:
    return ", ".join(entry.label for entry in entries)
