"""The load plan: every table, the columns the generator fills, and its row generator.

Tables register themselves with :func:`table`; :data:`LOAD_ORDER` is the order they load in
(every foreign key points at a table loaded earlier). A generator may leave facts for
benchmarks in ``notes`` (the most popular bill, a user with a live session, ...); they are
kept in the seed ledger with the table, so a resumed load still knows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__ = ["LOAD_ORDER", "TABLES", "Notes", "Row", "TableSpec", "table"]

Row: TypeAlias = tuple[Any, ...]
Notes: TypeAlias = dict[str, Any]
Generator: TypeAlias = Callable[["World", Notes], Iterator[Row]]


@attrs.frozen
class TableSpec:
    """One table's load: the columns in row order, the generator, a size estimate.

    ``feeds`` marks a generator whose rows fill world state read by later tables (the
    analytics events feed the daily roll-ups): a resumed load runs it again, writing nothing.
    """

    table: str
    columns: tuple[str, ...]
    rows: Generator
    estimate: Callable[[World], int]
    feeds: bool = False


TABLES: Final[dict[str, TableSpec]] = {}


def table(
    name: str, columns: str, *, estimate: Callable[[World], int], feeds: bool = False
) -> Callable[[Generator], Generator]:
    """Register the decorated generator as the source of ``name``'s ``columns`` (by spaces)."""

    def register(rows: Generator) -> Generator:
        TABLES[name] = TableSpec(name, tuple(columns.split()), rows, estimate, feeds)
        return rows

    return register


LOAD_ORDER: Final[tuple[str, ...]] = (
    # users
    "users",
    "user_profiles",
    "user_interests",
    "user_progress",
    "user_social_profiles",
    "sessions",
    "refresh_tokens",
    "password_resets",
    # regulatory
    "sponsors",
    "sponsor_affiliations",
    "sponsor_transparency",
    "regulations",
    "regulatory_impact",
    "regulatory_changes",
    "stakeholders",
    # legislative
    "bills",
    "bill_tags",
    "bill_sponsorships",
    "bill_engagement",
    "bill_comments",
    "comment_votes",
    "social_shares",
    "citizen_verifications",
    "expert_verifications",
    "bill_section_conflicts",
    "analysis",
    # moderation
    "content_analysis",
    "content_flags",
    "moderation_flags",
    "moderation_queue",
    "moderation_actions",
    # analytics
    "analytics_events",
    "analytics_daily_summary",
    "user_activity_summary",
    "bill_analytics_summary",
    "system_health_metrics",
    # infrastructure
    "notifications",
    "departments",
    "evaluations",
    "sync_jobs",
    "sync_errors",
    "conflicts",
    "conflict_sources",
    "compliance_checks",
    "threat_intelligence",
    "security_audit_logs",
)
"""Every domain table, parents before children."""
