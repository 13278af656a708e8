"""Time for the generator: integer seconds and fast text rendering for COPY.

Formatting a ``datetime`` per value would dominate generation time, so a time is an ``int``
(seconds since midnight UTC on 1 January of the earliest year any row needs) and its text
is two list lookups: the day and the time of day, both rendered once.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

__all__ = ["DAY", "HOUR", "MINUTE", "Clock"]

MINUTE: Final = 60
HOUR: Final = 3_600
DAY: Final = 86_400
_FUTURE_DAYS: Final = 1_200  # deadlines and expiries reach up to about three years past "now"


class Clock:
    """Renders generator times as PostgreSQL text; ``now`` is midnight UTC of ``as_of``."""

    __slots__ = ("_days", "_times", "base", "now", "start_year")

    def __init__(self, as_of: dt.date, start_year: int) -> None:
        self.start_year = start_year
        self.base = dt.date(start_year, 1, 1)
        span = (as_of - self.base).days + _FUTURE_DAYS
        self._days = [(self.base + dt.timedelta(days=d)).isoformat() for d in range(span)]
        self._times = [
            f" {h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        ]
        self.now = (as_of - self.base).days * DAY

    def at(self, day: dt.date) -> int:
        """Midnight UTC of ``day`` as a generator time."""
        return (day - self.base).days * DAY

    def _day(self, t: int) -> str:
        if t < 0:  # a negative index would silently wrap around to the future
            raise IndexError(f"generator time {t} is before {self.base}")
        return self._days[t // DAY]

    def ts(self, t: int) -> str:
        """``timestamp`` (without time zone) text, in UTC."""
        return self._day(t) + self._times[t % DAY]

    def tz(self, t: int) -> str:
        """``timestamptz`` text with an explicit UTC offset."""
        return self._day(t) + self._times[t % DAY] + "+00"

    def date(self, t: int) -> str:
        """``date`` text (the UTC day)."""
        return self._day(t)

    def year(self, t: int) -> int:
        """Calendar year of ``t``."""
        return int(self._day(t)[:4])

    def datetime(self, t: int) -> dt.datetime:
        """``t`` as a naive UTC datetime (for summaries, not for rows)."""
        return dt.datetime.combine(self.base, dt.time()) + dt.timedelta(seconds=t)
