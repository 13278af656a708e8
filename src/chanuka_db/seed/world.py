"""The generated world: who exists, which bills, who engaged with what, before any row is written.

A :class:`World` is a pure function of (scale, seed, as_of). Each part is computed on first
use from its own named random stream, so the part that feeds one table is the same whether
or not earlier tables are written in this run (a resumed load regenerates, never re-reads).
Parts hold compact arrays, not row objects: at ``large`` they describe 1 M users, 100 k
bills, 10 M engagement pairs and 5 M comments.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import uuid
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import attrs

from chanuka_db.seed import kenya, vocab
from chanuka_db.seed.clock import DAY, Clock
from chanuka_db.seed.scales import Scale

if TYPE_CHECKING:
    from chanuka_db.seed.activity import Comments, Engagement
    from chanuka_db.seed.analytics import Rollups
    from chanuka_db.seed.moderation import Moderation

__all__ = ["Bills", "People", "Sponsors", "World", "allocate", "uuid_text"]

PLATFORM_YEARS: Final = 3
"""The platform has had users for this long before ``as_of``."""
PAST_YEARS: Final = 20
"""No row is dated further back than this (affiliations, disclosures, regulations)."""


def uuid_text(rng: random.Random) -> str:
    """A random version-4 UUID as text, from ``rng`` (so it is reproducible)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def allocate(total: int, weights: Sequence[float], *, minimum: int = 0, cap: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum to ``total`` exactly.

    Each share is at least ``minimum`` and, when ``cap`` is positive, at most ``cap`` (the
    excess is spread over the others); largest remainders settle the rounding.
    """
    n = len(weights)
    shares = [minimum] * n
    remaining = total - minimum * n
    open_ = [i for i in range(n) if not cap or shares[i] < cap]
    while remaining > 0 and open_:
        weight = sum(weights[i] for i in open_) or 1.0
        exact = {i: remaining * weights[i] / weight for i in open_}
        given = 0
        for i in open_:
            add = int(exact[i])
            if cap:
                add = min(add, cap - shares[i])
            shares[i] += add
            given += add
        leftovers = sorted(open_, key=lambda i: exact[i] - int(exact[i]), reverse=True)
        for i in leftovers[: remaining - given]:
            if not cap or shares[i] < cap:
                shares[i] += 1
                given += 1
        remaining -= given
        open_ = [i for i in open_ if not cap or shares[i] < cap]
        if given == 0:
            break
    return shares


@attrs.frozen
class People:
    """Users by index: index order is registration order; the first ones are staff."""

    ids: list[str]
    created: array[int]
    admins: int
    moderators: int
    experts: int
    profile_ids: array[int]

    @property
    def count(self) -> int:
        """How many users."""
        return len(self.ids)

    def role(self, i: int) -> str:
        """The role of user ``i``."""
        if i < self.admins:
            return "admin"
        if i < self.admins + self.moderators:
            return "moderator"
        if i < self.admins + self.moderators + self.experts:
            return "expert"
        return "citizen"

    @property
    def staff(self) -> range:
        """Admins and moderators: who reviews flags and decides moderation."""
        return range(self.admins + self.moderators)

    @property
    def expert_range(self) -> range:
        """The experts."""
        start = self.admins + self.moderators
        return range(start, start + self.experts)


@attrs.frozen
class Sponsors:
    """Legislators by index (id = index + 1): their seat and party."""

    roles: list[str]
    constituencies: list[str | None]
    counties: list[str | None]
    parties: list[str]
    active: list[bool]
    leaders: list[int]

    @property
    def count(self) -> int:
        """How many sponsors."""
        return len(self.roles)

    def constituency_or_county(self, s: int) -> str | None:
        """Where sponsor ``s`` was elected: a constituency, a county, or None (nominated)."""
        county = self.counties[s]
        return self.constituencies[s] or (None if county is None else f"{county} County")


@attrs.frozen
class Bills:
    """Bills by index (id = index + 1), in order of introduction, with their popularity."""

    subjects: array[int]
    forms: array[int]
    repeats: array[int]
    houses: array[int]
    years: array[int]
    numbers: array[int]
    introduced: array[int]
    last_action: array[int]
    created: array[int]
    statuses: list[str]
    sponsors: array[int]
    tags: list[list[str]]
    pairs: list[int]
    comments: list[int]
    shares: list[int]
    most_popular: int

    @property
    def count(self) -> int:
        """How many bills."""
        return len(self.subjects)

    def category(self, b: int) -> str:
        """Category of bill ``b``."""
        return vocab.SUBJECTS[self.subjects[b]][1]

    def title(self, b: int) -> str:
        """Title as Parliament writes it, e.g. 'The Health Laws (Amendment) Bill, 2024'."""
        subject = vocab.SUBJECTS[self.subjects[b]][0]
        form = " (Amendment)" if self.forms[b] else ""
        repeat = f" (No. {self.repeats[b]})" if self.repeats[b] > 1 else ""
        return f"The {subject}{form}{repeat} Bill, {self.years[b]}"

    def number(self, b: int) -> str:
        """Unique bill number, e.g. 'National Assembly Bill No. 12 of 2024'."""
        house = "National Assembly Bill" if self.houses[b] == 0 else "Senate Bill"
        return f"{house} No. {self.numbers[b]} of {self.years[b]}"


class World:
    """Everything the tables are generated from, built lazily part by part."""

    def __init__(self, scale: Scale, seed: int, as_of: dt.date) -> None:
        self.scale = scale
        self.seed = seed
        self.as_of = as_of
        self.first_year = as_of.year - scale.history_years + 1
        """The year of the oldest bill."""
        self.clock = Clock(as_of, min(self.first_year, as_of.year - PAST_YEARS) - 1)
        self.now = self.clock.now
        self.platform_start = self.now - PLATFORM_YEARS * 365 * DAY

    def rng(self, name: str) -> random.Random:
        """The random stream called ``name``: the same for the same seed, whatever ran before."""
        return random.Random(f"{self.seed}/{name}")

    @functools.cached_property
    def people(self) -> People:
        """Users: ids, registration times, staff roles, which ones have a profile."""
        scale, rng = self.scale, self.rng("people")
        n = scale.users
        ids = [uuid_text(rng) for _ in range(n)]
        span = self.now - DAY - self.platform_start
        created = array("q", (self.platform_start + int(span * (i / n) ** 0.75) for i in range(n)))
        admins = max(2, n // 50_000)
        moderators = max(3, n // 2_000)
        experts = max(5, n // 200)
        staff = admins + moderators + experts
        profile_ids = array("i", [0]) * n
        next_id = 1
        for i in range(n):
            if i < staff or rng.random() < 0.7:
                profile_ids[i] = next_id
                next_id += 1
        return People(ids, created, admins, moderators, experts, profile_ids)

    @functools.cached_property
    def sponsors(self) -> Sponsors:
        """Legislators: National Assembly seats, senators, woman representatives, former MPs."""
        rng = self.rng("sponsors")
        seats: list[tuple[str, str | None, str | None]] = [
            ("mp", name, county) for name, county in kenya.CONSTITUENCIES
        ]
        seats += [("senator", None, county) for county in kenya.COUNTIES]
        seats += [("woman_representative", None, county) for county in kenya.COUNTIES]
        seats += [("nominated_mp", None, None)] * 12
        rng.shuffle(seats)
        roles, constituencies, counties, active = [], [], [], []
        for i in range(self.scale.sponsors):
            if i < len(seats):
                role, constituency, county = seats[i]
            else:
                constituency, county = rng.choice(kenya.CONSTITUENCIES)
                role = "former_mp"
            roles.append(role)
            constituencies.append(constituency)
            counties.append(county)
            active.append(role != "former_mp")
        names = [p for p, _ in kenya.PARTIES]
        weights = [w for _, w in kenya.PARTIES]
        parties = rng.choices(names, weights, k=self.scale.sponsors)
        leaders = list(range(min(5, self.scale.sponsors)))
        return Sponsors(roles, constituencies, counties, parties, active, leaders)

    @functools.cached_property
    def bills(self) -> Bills:
        """Bills in order of introduction with status, sponsor, tags and Zipf popularity."""
        from chanuka_db.seed.bills_world import build_bills  # noqa: PLC0415 - one idea per file

        return build_bills(self)

    @functools.cached_property
    def engagement(self) -> Engagement:
        """Per-bill engagement totals and the comment and share slots of every pair."""
        from chanuka_db.seed.activity import build_engagement  # noqa: PLC0415

        return build_engagement(self)

    @functools.cached_property
    def comments(self) -> Comments:
        """Every comment in time order, threaded, with its vote tallies."""
        from chanuka_db.seed.activity import build_comments  # noqa: PLC0415

        return build_comments(self)

    @functools.cached_property
    def moderation(self) -> Moderation:
        """Reported content and what the moderators decided."""
        from chanuka_db.seed.moderation import build_moderation  # noqa: PLC0415

        return build_moderation(self)

    @functools.cached_property
    def rollups(self) -> Rollups:
        """Daily roll-ups, filled while the analytics events are generated."""
        from chanuka_db.seed.analytics import Rollups  # noqa: PLC0415

        return Rollups()

    def user_sample(self, rng: random.Random, k: int, *, exclude: int = -1) -> list[int]:
        """``k`` distinct users, 60% from the engaged fifth (skewed activity), never ``exclude``."""
        n, active = self.scale.users, self.scale.active_users
        k = min(k, n - 1)
        k_active = min(active, round(k * 0.6))
        k_rest = min(n - active, k - k_active)
        k_active = k - k_rest
        chosen = rng.sample(range(active), k_active)
        chosen += [active + u for u in rng.sample(range(n - active), k_rest)]
        if exclude >= 0 and exclude in chosen:
            chosen.remove(exclude)
            spare = next(u for u in range(n) if u != exclude and u not in chosen)
            chosen.append(spare)
        return chosen
