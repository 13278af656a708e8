"""Rows of the infrastructure domain and the health metrics: notifications, sync, security."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import attrs

from chanuka_db.seed import kenya
from chanuka_db.seed.clock import DAY, HOUR, MINUTE
from chanuka_db.seed.fake import person_name, pick_weighted
from chanuka_db.seed.plan import Notes, Row, table

if TYPE_CHECKING:
    import random

    from chanuka_db.seed.world import World

__all__: list[str] = []

_DEPARTMENTS: Final = (
    "State Department for Devolution",
    "The National Treasury",
    "State Department for Economic Planning",
    "State Department for Medical Services",
    "State Department for Public Health and Professional Standards",
    "State Department for Basic Education",
    "State Department for Higher Education and Research",
    "State Department for Agriculture",
    "State Department for Livestock Development",
    "State Department for Lands and Physical Planning",
    "State Department for Housing and Urban Development",
    "State Department for Roads",
    "State Department for Transport",
    "State Department for Energy",
    "State Department for Petroleum",
    "State Department for Mining",
    "State Department for ICT and the Digital Economy",
    "State Department for Internal Security and National Administration",
    "State Department for Labour and Skills Development",
    "State Department for Social Protection and Senior Citizen Affairs",
    "State Department for Trade",
    "State Department for Cooperatives",
    "State Department for Environment and Climate Change",
    "State Department for Water and Sanitation",
    "State Department for Youth Affairs",
    "State Department for Gender and Affirmative Action",
    "State Department for Public Service",
    "State Department for Parliamentary Affairs",
    "Office of the Attorney General",
    "Office of the Controller of Budget",
)
_SOURCES: Final = (
    ("parliament-hansard", ("sittings", "bills", "votes")),
    ("kenya-gazette", ("notices", "legal-notices")),
    ("kenya-law", ("acts", "bills", "judgments")),
    ("controller-of-budget", ("county-reports", "national-reports")),
    ("county-assemblies", ("bills", "members")),
)
_JOB_STATUSES: Final = (("completed", 85), ("failed", 8), ("cancelled", 2), ("partial", 5))


def _reply_notifications(
    world: World, rng: random.Random, share: float
) -> Iterator[tuple[int, int, int, str]]:
    """(user, bill, time, kind) telling authors that someone answered them."""
    comments = world.comments
    replies = sum(1 for p in comments.parent if p)
    chance = min(1.0, share / max(1, replies))
    for c in range(comments.count):
        parent = comments.parent[c]
        if parent and rng.random() < chance and comments.user[parent - 1] != comments.user[c]:
            yield comments.user[parent - 1], comments.bill[c], comments.time[c] + 5, "comment_reply"


def _status_notifications(world: World, share: float) -> Iterator[tuple[int, int, int, str]]:
    """(user, bill, time, kind) telling a bill's engaged users that its stage changed."""
    bills, created = world.bills, world.people.created
    moved = [
        b
        for b in range(bills.count)
        if bills.statuses[b] != "introduced" and bills.last_action[b] >= world.platform_start
    ]
    per_bill = max(1, math.ceil(share / max(1, len(moved))))
    for b in moved:
        when = bills.last_action[b] + HOUR
        for u in world.engagement.subscribers[b][:per_bill]:
            if created[u] <= when:
                yield u, b, when, "bill_status_change"


@table(
    "notifications",
    "id user_id type title message related_bill_id is_read created_at",
    estimate=lambda w: w.scale.notifications,
)
def notifications(world: World, notes: Notes) -> Iterator[Row]:
    """Replies to a user's comment, stage changes of bills they engaged with, weekly digests."""
    ids, clock, now, bills = world.people.ids, world.clock, world.now, world.bills
    rng = world.rng("rows/notifications")
    target = world.scale.notifications
    unread: Counter[int] = Counter()
    next_id = 1
    for user, bill, when, kind in (
        *_reply_notifications(world, rng, 0.4 * target),
        *_status_notifications(world, 0.4 * target),
    ):
        read = when < now - 7 * DAY and rng.random() < 0.85
        unread[user] += not read
        title = (
            "New reply to your comment" if kind == "comment_reply" else "A bill you follow moved"
        )
        message = f"{bills.title(bill)}: {bills.statuses[bill].replace('_', ' ')}"
        yield (
            next_id,
            ids[user],
            kind,
            title,
            message,
            bill + 1,
            read,
            clock.ts(min(now - 1, when)),
        )
        next_id += 1
    for _ in range(int(0.2 * target)):
        user = rng.randrange(world.scale.active_users)
        when = now - rng.randrange(1, 120) * DAY
        read = rng.random() < 0.6
        unread[user] += not read
        yield (
            next_id,
            ids[user],
            "weekly_digest",
            "Your weekly civic digest",
            "New bills and debates in your areas of interest.",
            None,
            read,
            clock.ts(when),
        )
        next_id += 1
    user, count = unread.most_common(1)[0] if unread else (0, 0)
    notes.update(notified_user_id=ids[user], notified_user_unread=count)


@table(
    "departments",
    "id name description is_active created_at updated_at",
    estimate=lambda w: w.scale.departments,
)
def departments(world: World, notes: Notes) -> Iterator[Row]:
    """State departments, then county offices of them (names are unique)."""
    clock = world.clock
    for k in range(world.scale.departments):
        base = _DEPARTMENTS[k % len(_DEPARTMENTS)]
        rounds = k // len(_DEPARTMENTS)
        name = base if not rounds else f"{base}, {kenya.COUNTIES[(k + rounds) % 47]} office"
        when = clock.ts(world.platform_start + k * HOUR)
        yield (k + 1, name, f"{name} of the Government of Kenya.", k % 11 != 10, when, when)


@table(
    "evaluations",
    "id candidate_name department_id status created_at updated_at",
    estimate=lambda w: w.scale.departments * 4,
)
def evaluations(world: World, notes: Notes) -> Iterator[Row]:
    """Zero to eight candidate evaluations per department."""
    clock, now = world.clock, world.now
    rng = world.rng("rows/evaluations")
    next_id = 1
    for d in range(world.scale.departments):
        for _ in range(rng.randint(0, 8)):
            first, last = person_name(rng)
            when = now - rng.randrange(1, 700) * DAY
            yield (
                next_id,
                f"{first} {last}",
                d + 1,
                rng.choice(("pending", "shortlisted", "approved", "rejected")),
                clock.ts(when),
                clock.ts(when + rng.randrange(30) * DAY),
            )
            next_id += 1


@attrs.frozen
class _Job:
    id: str
    source: str
    endpoint: str
    status: str
    start: int
    end: int | None
    processed: int
    incremental: bool


def _jobs(world: World) -> Iterator[_Job]:
    """Every sync job, oldest first (one every six hours); the newest are running or queued."""
    rng = world.rng("sync_jobs")
    jobs = world.scale.sync_jobs
    for k in range(jobs):
        source, endpoints = _SOURCES[k % len(_SOURCES)]
        start = world.now - (jobs - k) * 6 * HOUR + rng.randrange(HOUR)
        if k == 0:
            status = "failed"  # the first run failed, as first runs do: its errors are logged
        elif k < jobs - 3:
            status = pick_weighted(rng, _JOB_STATUSES)
        else:
            status = ("running", "pending", "pending")[k - jobs + 3]
        end = start + rng.randrange(MINUTE, HOUR) if status not in ("running", "pending") else None
        processed = rng.randrange(0, 5_000) if status != "pending" else 0
        yield _Job(
            f"job_{source}_{k + 1:06d}",
            source,
            rng.choice(endpoints),
            status,
            start,
            end,
            processed,
            rng.random() < 0.9,
        )


@table(
    "sync_jobs",
    "id data_source_id endpoint_id status start_time end_time records_processed records_updated "
    "records_created records_skipped is_incremental last_sync_timestamp next_run_time created_at "
    "updated_at",
    estimate=lambda w: w.scale.sync_jobs,
)
def sync_jobs(world: World, notes: Notes) -> Iterator[Row]:
    """Runs of the ingestion jobs from Parliament, the Gazette, Kenya Law and the counties."""
    clock = world.clock
    for job in _jobs(world):
        updated, created = job.processed // 3, job.processed // 10
        yield (
            job.id,
            job.source,
            job.endpoint,
            job.status,
            None if job.status == "pending" else clock.ts(job.start),
            None if job.end is None else clock.ts(job.end),
            job.processed,
            updated,
            created,
            job.processed - updated - created,
            job.incremental,
            clock.ts(job.start - 6 * HOUR),
            clock.ts(job.start + 6 * HOUR),
            clock.ts(job.start - HOUR),
            clock.ts(job.end or job.start),
        )


@table(
    "sync_errors",
    "id job_id timestamp level message details record_id endpoint created_at",
    estimate=lambda w: w.scale.sync_jobs // 4,
)
def sync_errors(world: World, notes: Notes) -> Iterator[Row]:
    """Errors of failed and partial jobs, and an occasional warning of a completed one."""
    clock = world.clock
    rng = world.rng("rows/sync_errors")
    next_id = 1
    for job in _jobs(world):
        broken = job.status in ("failed", "partial")
        count = rng.randint(1, 4) if broken else int(rng.random() < 0.1)
        for _ in range(count):
            when = clock.ts(job.start + rng.randrange(MINUTE, HOUR))
            yield (
                next_id,
                job.id,
                when,
                "error" if broken else "warning",
                f"{job.endpoint}: upstream returned HTTP 503",
                "Retried three times.",
                str(rng.randrange(1, world.bills.count + 1)),
                job.endpoint,
                when,
            )
            next_id += 1
