"""Data synchronisation: sync jobs and their errors, conflicts and their competing sources.

A job runs ``start`` -> (``add_counts``)* -> ``finish``: each step is one statement, the
counters grow in SQL (``records_created = records_created + n``), and a job cannot be started
twice at once. Errors and conflicts arrive in batches and are stored with one statement per
table whatever the batch size (``INSERT ... SELECT ... FROM unnest(arrays)``).
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from chanuka_db.errors import Conflict, InvalidInput, NotFound
from chanuka_db.repositories.arguments import (
    INT4_MAX,
    RankedEnum,
    check_bool,
    check_choice,
    check_duration,
    check_fields,
    check_instance,
    check_int,
    check_items,
    check_text,
)
from chanuka_db.repositories.base import TableRepository, column_arrays
from chanuka_db.repositories.tallies import read_tally, tally
from chanuka_db.sql import (
    NOW,
    JoinKind,
    Page,
    assign,
    paginate,
    select,
    trusted,
    update,
)
from chanuka_db.types import (
    UNSET,
    ConflictSource,
    ConflictSourcePatch,
    NewConflictSource,
    NewSyncConflict,
    NewSyncError,
    NewSyncJob,
    Param,
    SyncConflict,
    SyncConflictPatch,
    SyncError,
    SyncErrorPatch,
    SyncJob,
    SyncJobPatch,
    tables,
)
from chanuka_db.types.expr import Comparison, Op

__all__ = [
    "ConflictResolution",
    "ConflictSourceRepository",
    "ConflictWithSources",
    "SyncConflictRepository",
    "SyncCounts",
    "SyncErrorLevel",
    "SyncErrorRepository",
    "SyncJobRepository",
    "SyncStatus",
]

MAX_BATCH: Final = 10_000
MAX_ID_LENGTH: Final = 255
MAX_VALUE_LENGTH: Final = 100_000
MAX_SCHEDULE: Final = dt.timedelta(days=366)


class SyncStatus(enum.StrEnum):
    """Where a sync job is."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


_FINISHED: Final = (SyncStatus.COMPLETED, SyncStatus.FAILED, SyncStatus.CANCELLED)


class SyncErrorLevel(RankedEnum):
    """How bad a sync error is, least to most."""

    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class ConflictResolution(enum.StrEnum):
    """How a conflict was settled (``pending`` until it is)."""

    PENDING = "pending"
    AUTOMATIC = "automatic"
    MANUAL = "manual"


@attrs.frozen
class SyncCounts:
    """Records a sync run handled, added to the job's counters."""

    processed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0

    def params(self) -> dict[str, int]:
        """The counts as statement parameters, each checked as a non-negative ``integer``."""
        return {
            name: check_int(f"counts.{name}", getattr(self, name), low=0, high=INT4_MAX)
            for name in ("processed", "created", "updated", "skipped")
        }


@attrs.frozen
class ConflictWithSources:
    """A sync conflict and the competing values its sources reported."""

    conflict: SyncConflict
    sources: list[ConflictSource]


_j, _e = tables.sync_jobs, tables.sync_errors
_c, _cs = tables.conflicts, tables.conflict_sources

_JOB_COLUMNS: Final = (
    "id, data_source_id, endpoint_id, status, start_time, end_time, records_processed,"
    " records_updated, records_created, records_skipped, is_incremental, last_sync_timestamp,"
    " next_run_time, created_at, updated_at"
)
# A job id is the caller's: a finished (or never run) job starts again with fresh counters,
# a running one is left alone and the caller gets no row back (Conflict).
_START_JOB = trusted(
    """INSERT INTO sync_jobs (id, data_source_id, endpoint_id, status, start_time, is_incremental)
    VALUES (%(job_id)s, %(data_source_id)s, %(endpoint_id)s, 'running', now(), %(is_incremental)s)
    ON CONFLICT (id) DO UPDATE
       SET status = 'running', start_time = now(), end_time = NULL,
           records_processed = 0, records_updated = 0, records_created = 0,
           records_skipped = 0, is_incremental = EXCLUDED.is_incremental, updated_at = now()
     WHERE sync_jobs.status <> 'running'
    RETURNING """
    + _JOB_COLUMNS
)
_ADD_COUNTS = (
    update(_j)
    .set(
        assign(_j.records_processed, _j.records_processed + Param("processed")),
        assign(_j.records_created, _j.records_created + Param("created")),
        assign(_j.records_updated, _j.records_updated + Param("updated")),
        assign(_j.records_skipped, _j.records_skipped + Param("skipped")),
        assign(_j.updated_at, NOW),
    )
    .where((_j.id == Param("job_id")) & (_j.status == SyncStatus.RUNNING.value))
    .returning(SyncJob)
)
# A completed run moves the incremental watermark to the moment it started; next_run_time is
# NULL (not scheduled) when no interval is given.
_FINISH_JOB = trusted(
    """UPDATE sync_jobs
       SET status = %(status)s, end_time = now(), updated_at = now(),
           records_processed = records_processed + %(processed)s,
           records_created = records_created + %(created)s,
           records_updated = records_updated + %(updated)s,
           records_skipped = records_skipped + %(skipped)s,
           last_sync_timestamp = CASE WHEN %(status)s::text = 'completed'
                                      THEN start_time ELSE last_sync_timestamp END,
           next_run_time = now() + %(next_run_in)s::interval
     WHERE id = %(job_id)s AND status = 'running'
    RETURNING """
    + _JOB_COLUMNS
)
_DUE_JOBS = (
    select(_j, SyncJob)
    .where(Comparison(_j.next_run_time, Op.LE, NOW) & (_j.status != SyncStatus.RUNNING.value))
    .order_by(_j.next_run_time.asc(), _j.id.asc())
    .limit(Param("limit"))
)

_ERROR_COLUMNS: Final = (
    "job_id",
    "timestamp",
    "level",
    "message",
    "details",
    "record_id",
    "endpoint",
)
_RECORD_ERRORS = trusted(
    """INSERT INTO sync_errors (job_id, "timestamp", level, message, details, record_id, endpoint)
    SELECT e.job_id, coalesce(e.at, now()), e.level, e.message, e.details, e.record_id, e.endpoint
      FROM unnest(%(job_id)s::text[], %(timestamp)s::timestamp[], %(level)s::text[],
                  %(message)s::text[], %(details)s::text[], %(record_id)s::text[],
                  %(endpoint)s::text[])
           AS e(job_id, at, level, message, details, record_id, endpoint)"""
)
_JOB_ERRORS = (
    select(_e, SyncError)
    .where(_e.job_id == Param("job_id"))
    .order_by(_e.timestamp.desc(), _e.id.desc())
)
_JOB_ERRORS_AT_LEAST = _JOB_ERRORS.where(_e.level.in_(Param("levels")))

_ERROR_LEVELS = tally(_e.level, within=_e.job_id)

_CONFLICT_COLUMNS: Final = (
    "id, data_type, record_id, resolution, resolved_value, resolved_by, resolved_at,"
    " confidence, created_at, updated_at"
)
_SOURCE_COLUMNS: Final = (
    'id, conflict_id, source_id, source_name, value, "timestamp", priority, confidence, created_at'
)
_NEW_CONFLICT_COLUMNS: Final = ("id", "data_type", "record_id", "confidence")
_NEW_CONFLICT_FIELDS: Final = (*_NEW_CONFLICT_COLUMNS, "resolution")
_NEW_SOURCE_COLUMNS: Final = (
    "conflict_id",
    "source_id",
    "source_name",
    "value",
    "timestamp",
    "priority",
    "confidence",
)
_RECORD_CONFLICTS = trusted(
    """INSERT INTO conflicts (id, data_type, record_id, confidence)
    SELECT c.id, c.data_type, c.record_id, coalesce(c.confidence, 0)
      FROM unnest(%(id)s::text[], %(data_type)s::text[], %(record_id)s::text[],
                  %(confidence)s::numeric[]) AS c(id, data_type, record_id, confidence)
    RETURNING """
    + _CONFLICT_COLUMNS
)
_RECORD_SOURCES = trusted(
    """INSERT INTO conflict_sources
           (conflict_id, source_id, source_name, value, "timestamp", priority, confidence)
    SELECT * FROM unnest(%(conflict_id)s::text[], %(source_id)s::text[],
                         %(source_name)s::text[], %(value)s::text[], %(timestamp)s::timestamp[],
                         %(priority)s::numeric[], %(confidence)s::numeric[])
    RETURNING """
    + _SOURCE_COLUMNS
)
_SOURCES_BY_RANK = (_cs.priority.desc(), _cs.confidence.desc(), _cs.id.asc())
_CONFLICT_WITH_SOURCES = (
    select(_c, SyncConflict)
    .join(_cs, on=_cs.conflict_id == _c.id, kind=JoinKind.LEFT, include=ConflictSource)
    .where(_c.id == Param("conflict_id"))
    .order_by(*_SOURCES_BY_RANK)
)
_SOURCES_OF_CONFLICT = (
    select(_cs, ConflictSource)
    .where(_cs.conflict_id == Param("conflict_id"))
    .order_by(*_SOURCES_BY_RANK)
)
_PENDING = _c.resolution == ConflictResolution.PENDING.value
_PENDING_CONFLICTS = (
    select(_c, SyncConflict).where(_PENDING).order_by(_c.created_at.asc(), _c.id.asc())
)


def _id_arg(name: str, value: object) -> str:
    return check_text(name, value, max_length=MAX_ID_LENGTH)


class SyncJobRepository(TableRepository[SyncJob, NewSyncJob, SyncJobPatch]):
    """Runs of external data-sync jobs (ids chosen by the caller)."""

    table = tables.sync_jobs

    def start(
        self, job_id: str, *, data_source_id: str, endpoint_id: str, is_incremental: bool = True
    ) -> SyncJob:
        """Mark the job running from now with zeroed counters (created if new); one statement.

        :class:`Conflict` when the job is already running. A job run again keeps the
        source and endpoint it was created with.
        """
        params = {
            "job_id": _id_arg("job_id", job_id),
            "data_source_id": _id_arg("data_source_id", data_source_id),
            "endpoint_id": _id_arg("endpoint_id", endpoint_id),
            "is_incremental": check_bool("is_incremental", is_incremental),
        }
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_START_JOB, params, SyncJob)
        if not rows:
            raise Conflict(f"sync job {job_id!r} is already running")
        job: SyncJob = rows[0]
        return job

    def add_counts(self, job_id: str, counts: SyncCounts) -> SyncJob:
        """Add ``counts`` to a running job's counters, atomically in SQL; one statement."""
        check_instance("counts", counts, SyncCounts)
        params = counts.params()
        with self._runner.reading() as ex:
            job = _ADD_COUNTS.fetch_optional(ex, job_id=_id_arg("job_id", job_id), **params)
        if job is None:
            raise NotFound("sync_jobs", f"running job {job_id!r}")
        return job

    def finish(
        self,
        job_id: str,
        status: SyncStatus | str = SyncStatus.COMPLETED,
        counts: SyncCounts | None = None,
        *,
        next_run_in: dt.timedelta | None = None,
    ) -> SyncJob:
        """End a running job as completed, failed or cancelled, adding its last ``counts``.

        One statement. A completed run moves ``last_sync_timestamp`` (the incremental
        watermark) to its start; ``next_run_in`` schedules the next run (``None``: none).
        :class:`NotFound` when the job is not running.
        """
        final = check_choice("status", status, SyncStatus)
        if final not in _FINISHED:
            raise InvalidInput("status", f"a run ends as one of {[s.value for s in _FINISHED]}")
        params: dict[str, Any] = {
            "job_id": _id_arg("job_id", job_id),
            "status": final.value,
            "next_run_in": None
            if next_run_in is None
            else check_duration("next_run_in", next_run_in, high=MAX_SCHEDULE),
            **check_instance("counts", counts or SyncCounts(), SyncCounts).params(),
        }
        with self._runner.reading() as ex:
            rows = ex.fetch_trusted(_FINISH_JOB, params, SyncJob)
        if not rows:
            raise NotFound("sync_jobs", f"running job {job_id!r}")
        job: SyncJob = rows[0]
        return job

    def due(self, limit: int = 50) -> builtins.list[SyncJob]:
        """Jobs whose next run time has come and that are not running, soonest first."""
        with self._runner.reading() as ex:
            return _DUE_JOBS.fetch_all(ex, limit=check_int("limit", limit, low=1, high=1000))


class SyncErrorRepository(TableRepository[SyncError, NewSyncError, SyncErrorPatch]):
    """Errors logged by sync jobs. ``level`` is ranked, so it is not a sort key by name."""

    table = tables.sync_errors
    sortable = frozenset(
        {"id", "job_id", "timestamp", "message", "record_id", "endpoint", "created_at"}
    )

    def record(self, errors: Iterable[NewSyncError]) -> int:
        """Store a batch of errors in one statement, whatever its size; how many were stored.

        Levels are checked (:class:`SyncErrorLevel`); an unknown job is
        :class:`~chanuka_db.errors.InvalidReference` and stores none of the batch.
        """
        rows = check_items("errors", errors, NewSyncError, max_items=MAX_BATCH)
        for index, row in enumerate(rows):
            check_fields(f"errors[{index}]", row, _ERROR_COLUMNS)
            check_choice(f"errors[{index}].level", row.level, SyncErrorLevel)
        if not rows:
            return 0
        with self._runner.reading() as ex:
            return ex.execute(_RECORD_ERRORS, column_arrays(_e, rows, _ERROR_COLUMNS))

    def for_job(
        self,
        job_id: str,
        *,
        min_level: SyncErrorLevel | str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[SyncError]:
        """A job's errors, newest first, optionally only those at ``min_level`` or worse."""
        params: dict[str, Any] = {"job_id": _id_arg("job_id", job_id)}
        statement = _JOB_ERRORS
        if min_level is not None:
            statement = _JOB_ERRORS_AT_LEAST
            params["levels"] = check_choice("min_level", min_level, SyncErrorLevel).and_above()
        with self._runner.reading() as ex:
            return paginate(statement, ex, page=page, page_size=page_size, **params)

    def level_counts(self, job_id: str) -> dict[str, int]:
        """How many errors the job logged at each level; one statement."""
        return read_tally(self._runner, _ERROR_LEVELS, _id_arg("job_id", job_id))


def _conflict_arg(where: str, item: object) -> tuple[NewSyncConflict, list[NewConflictSource]]:
    """One (conflict, sources) pair, checked: a pending conflict and sources naming it."""
    if not isinstance(item, tuple) or len(item) != 2:
        raise InvalidInput(where, "expected a (NewSyncConflict, sources) pair")
    conflict = check_instance(f"{where}.conflict", item[0], NewSyncConflict)
    check_fields(f"{where}.conflict", conflict, _NEW_CONFLICT_FIELDS)
    if conflict.resolution not in (UNSET, ConflictResolution.PENDING.value):
        raise InvalidInput(f"{where}.conflict.resolution", "a new conflict is pending")
    sources = check_items(f"{where}.sources", item[1], NewConflictSource, max_items=MAX_BATCH)
    if not sources:
        raise InvalidInput(f"{where}.sources", "a conflict needs at least one source")
    for number, source in enumerate(sources):
        check_fields(f"{where}.sources[{number}]", source, _NEW_SOURCE_COLUMNS)
        if source.conflict_id != conflict.id:
            raise InvalidInput(f"{where}.sources[{number}].conflict_id", f"must be {conflict.id!r}")
    return conflict, sources


def _conflict_batch(
    items: Iterable[tuple[NewSyncConflict, Sequence[NewConflictSource]]],
) -> tuple[list[NewSyncConflict], list[NewConflictSource]]:
    """Checked conflicts and all their sources, flattened."""
    conflicts: list[NewSyncConflict] = []
    sources: list[NewConflictSource] = []
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise InvalidInput("items", "expected an iterable of (conflict, sources) pairs")
    for index, item in enumerate(items):
        conflict, own = _conflict_arg(f"items[{index}]", item)
        conflicts.append(conflict)
        sources.extend(own)
    if len(sources) > MAX_BATCH:
        raise InvalidInput("items", f"{len(sources)} sources; {MAX_BATCH} at most")
    return conflicts, sources


class SyncConflictRepository(TableRepository[SyncConflict, NewSyncConflict, SyncConflictPatch]):
    """Conflicts between sync sources over one record (ids chosen by the caller)."""

    table = tables.conflicts

    def record(
        self, conflict: NewSyncConflict, sources: Sequence[NewConflictSource]
    ) -> ConflictWithSources:
        """Store a conflict and its sources together (see :meth:`record_many`)."""
        return self.record_many([(conflict, sources)])[0]

    def record_many(
        self, items: Iterable[tuple[NewSyncConflict, Sequence[NewConflictSource]]]
    ) -> builtins.list[ConflictWithSources]:
        """Store conflicts with their sources in one transaction of two statements.

        Each source must name its conflict (``conflict_id``); a conflict already recorded
        for the same (data_type, record_id) is a :class:`Conflict` and nothing is stored.
        Sources come back by priority, then confidence, highest first.
        """
        conflicts, sources = _conflict_batch(items)
        if not conflicts:
            return []
        with self._runner.atomic() as ex:
            stored = ex.fetch_trusted(
                _RECORD_CONFLICTS,
                column_arrays(_c, conflicts, _NEW_CONFLICT_COLUMNS),
                SyncConflict,
            )
            stored_sources = ex.fetch_trusted(
                _RECORD_SOURCES, column_arrays(_cs, sources, _NEW_SOURCE_COLUMNS), ConflictSource
            )
        by_conflict: dict[str, list[ConflictSource]] = {row.id: [] for row in stored}
        for source in sorted(stored_sources, key=_source_rank):
            by_conflict[source.conflict_id].append(source)
        by_id = {row.id: row for row in stored}
        return [ConflictWithSources(by_id[c.id], by_conflict[c.id]) for c in conflicts]

    def with_sources(self, conflict_id: str) -> ConflictWithSources:
        """A conflict and its sources (best first) in one statement; :class:`NotFound`."""
        with self._runner.reading() as ex:
            rows = _CONFLICT_WITH_SOURCES.fetch_all(
                ex, conflict_id=_id_arg("conflict_id", conflict_id)
            )
        if not rows:
            raise NotFound("conflicts", conflict_id)
        return ConflictWithSources(rows[0][0], [source for _, source in rows if source])

    def pending(self, *, page: int = 1, page_size: int = 50) -> Page[SyncConflict]:
        """Unresolved conflicts, oldest first."""
        with self._runner.reading() as ex:
            return paginate(_PENDING_CONFLICTS, ex, page=page, page_size=page_size)

    def resolve(
        self,
        conflict_id: str,
        resolution: ConflictResolution | str,
        *,
        value: str,
        resolved_by: str,
        confidence: Decimal | None = None,
    ) -> SyncConflict:
        """Settle a pending conflict with ``value``; one statement.

        :class:`NotFound` when there is no pending conflict ``conflict_id`` (also when it
        was settled meanwhile: a conflict is resolved once).
        """
        how = check_choice("resolution", resolution, ConflictResolution)
        if how is ConflictResolution.PENDING:
            raise InvalidInput("resolution", "resolving means automatic or manual")
        if confidence is not None and not (
            isinstance(confidence, Decimal) and Decimal(0) <= confidence <= Decimal(1)
        ):
            raise InvalidInput("confidence", "expected a Decimal from 0 to 1")
        patch = SyncConflictPatch(
            resolution=how.value,
            resolved_value=check_text("value", value, min_length=0, max_length=MAX_VALUE_LENGTH),
            resolved_by=check_text("resolved_by", resolved_by, max_length=MAX_ID_LENGTH),
            confidence=UNSET if confidence is None else confidence,
        )
        statement = (
            update(_c)
            .set(patch, assign(_c.resolved_at, NOW), assign(_c.updated_at, NOW))
            .where((_c.id == Param("conflict_id")) & _PENDING)
            .returning(SyncConflict)
        )
        with self._runner.reading() as ex:
            row = statement.fetch_optional(ex, conflict_id=_id_arg("conflict_id", conflict_id))
        if row is None:
            raise NotFound("conflicts", f"pending conflict {conflict_id!r}")
        return row


def _source_rank(source: ConflictSource) -> tuple[Decimal, Decimal, int]:
    return (-source.priority, -source.confidence, source.id)


class ConflictSourceRepository(
    TableRepository[ConflictSource, NewConflictSource, ConflictSourcePatch]
):
    """The competing values of sync conflicts, recorded with them by ``conflicts.record``."""

    table = tables.conflict_sources

    def for_conflict(self, conflict_id: str) -> builtins.list[ConflictSource]:
        """A conflict's sources, by priority then confidence, highest first."""
        with self._runner.reading() as ex:
            return _SOURCES_OF_CONFLICT.fetch_all(
                ex, conflict_id=_id_arg("conflict_id", conflict_id)
            )
