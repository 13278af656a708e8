"""The named data sizes: tiny (tests), small (CI benchmarks), medium, large (production-plus)."""

from __future__ import annotations

from typing import Final

import attrs

from chanuka_db.errors import InvalidInput

__all__ = ["SCALES", "Scale", "scale_named"]


@attrs.frozen
class Scale:
    """How much of everything one load makes; every other table's size follows from these.

    ``engagement``, ``comments``, ``shares`` and ``bills`` are exact; counts derived from
    them by chance (votes, notifications, sessions, ...) come out close to their ratios.
    """

    name: str
    users: int
    sponsors: int
    bills: int
    engagement: int
    comments: int
    shares: int
    events: int
    event_days: int
    regulations: int
    notifications: int
    stakeholders: int
    departments: int
    sync_jobs: int
    health_interval_minutes: int
    history_years: int

    @property
    def active_users(self) -> int:
        """Users in the engaged fifth: they draw most of the activity."""
        return max(1, self.users // 5)


SCALES: Final[dict[str, Scale]] = {
    "tiny": Scale(
        name="tiny",
        users=200,
        sponsors=40,
        bills=60,
        engagement=1_200,
        comments=600,
        shares=60,
        events=2_000,
        event_days=30,
        regulations=10,
        notifications=300,
        stakeholders=20,
        departments=8,
        sync_jobs=10,
        health_interval_minutes=720,
        history_years=6,
    ),
    "small": Scale(
        name="small",
        users=5_000,
        sponsors=420,
        bills=1_000,
        engagement=50_000,
        comments=25_000,
        shares=2_500,
        events=100_000,
        event_days=90,
        regulations=100,
        notifications=10_000,
        stakeholders=200,
        departments=30,
        sync_jobs=100,
        health_interval_minutes=60,
        history_years=12,
    ),
    "medium": Scale(
        name="medium",
        users=100_000,
        sponsors=600,
        bills=10_000,
        engagement=1_000_000,
        comments=500_000,
        shares=50_000,
        events=2_000_000,
        event_days=180,
        regulations=1_000,
        notifications=200_000,
        stakeholders=2_000,
        departments=50,
        sync_jobs=1_000,
        health_interval_minutes=15,
        history_years=20,
    ),
    "large": Scale(
        name="large",
        users=1_000_000,
        sponsors=1_200,
        bills=100_000,
        engagement=10_000_000,
        comments=5_000_000,
        shares=500_000,
        events=20_000_000,
        event_days=365,
        regulations=5_000,
        notifications=2_000_000,
        stakeholders=10_000,
        departments=60,
        sync_jobs=5_000,
        health_interval_minutes=5,
        history_years=30,
    ),
}
"""Every scale by name, smallest first."""


def scale_named(name: str) -> Scale:
    """The scale called ``name``; :class:`InvalidInput` lists the valid names otherwise."""
    try:
        return SCALES[name]
    except (KeyError, TypeError):
        raise InvalidInput(
            "scale", f"{name!r} is not a scale; choose one of {', '.join(SCALES)}"
        ) from None
