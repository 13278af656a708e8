"""Bills of the world: titles, numbers, stages, sponsors, tags and who pays them attention."""

from __future__ import annotations

import datetime as dt
import random
from array import array
from typing import TYPE_CHECKING, Final

from chanuka_db.seed import vocab
from chanuka_db.seed.clock import DAY
from chanuka_db.seed.fake import pick_weighted
from chanuka_db.seed.world import Bills, allocate

if TYPE_CHECKING:
    from chanuka_db.seed.world import World

__all__ = ["build_bills"]

_FINAL_STATUSES: Final = (("assented", 60), ("lapsed", 20), ("rejected", 10), ("withdrawn", 10))
_FORMS: Final = (55, 45)  # a new Act, an (Amendment) of one
_INT_COLUMNS: Final = ("subjects", "forms", "repeats", "houses", "years", "numbers", "sponsors")
_TIME_COLUMNS: Final = ("introduced", "last_action", "created")


def _subject_weights() -> list[float]:
    weights = []
    for index, (_, category) in enumerate(vocab.SUBJECTS):
        weight = 6.0 if index == 0 else {"finance": 2.0, "health": 3.0}.get(category, 1.0)
        weights.append(weight)
    return weights


def _introduced(world: World, rng: random.Random, year: int) -> int:
    first = world.clock.at(dt.date(year, 1, 1))
    last = min(world.clock.at(dt.date(year, 12, 31)), world.now - 2 * DAY)
    return first + int(rng.random() * (last - first))


def _status(rng: random.Random, age_days: float) -> str:
    if age_days > 400:
        return pick_weighted(rng, _FINAL_STATUSES)
    stage = min(5, int(age_days / 40 * rng.random() * 2))
    if age_days > 150 and rng.random() < 0.3:
        return "assented"
    return vocab.BILL_STATUSES[stage]


def _last_action(rng: random.Random, introduced: int, now: int, status: str) -> int:
    if status == "introduced":
        return introduced
    horizon = min(now - DAY - introduced, 365 * DAY)
    return introduced + int(horizon * (0.3 + 0.7 * rng.random()))


def _tags(rng: random.Random, category: str) -> list[str]:
    pool = vocab.CATEGORY_TAGS[category]
    chosen = set(rng.sample(pool, min(len(pool), rng.randint(2, 3))))
    if rng.random() < 0.25:
        chosen.add(rng.choice(vocab.GENERIC_TAGS))
    return sorted(chosen)


def _raw_bills(world: World, rng: random.Random) -> list[tuple[int, int, int, int, int]]:
    """(introduced, subject, form, house, year) per bill; the first is the latest Finance Bill."""
    start = world.first_year
    years = list(range(start, world.as_of.year + 1))
    year_weights = [1.08 ** (y - start) for y in years]
    subject_weights = _subject_weights()
    subjects = range(len(vocab.SUBJECTS))
    finance_day = world.now - rng.randint(20, 120) * DAY
    raw = [(finance_day, 0, 0, 0, world.clock.year(finance_day))]
    for _ in range(world.scale.bills - 1):
        year = rng.choices(years, year_weights)[0]
        subject = rng.choices(subjects, subject_weights)[0]
        form = rng.choices(range(2), _FORMS)[0]
        house = 0 if rng.random() < 0.8 else 1
        raw.append((_introduced(world, rng, year), subject, form, house, year))
    return raw


def _popularity(world: World, rng: random.Random, bills: Bills) -> list[float]:
    """Zipf weights (1 / rank) with rank by recency, subject and luck; the Finance Bill leads."""
    scores = []
    for b in range(bills.count):
        age_years = (world.now - bills.introduced[b]) / (365 * DAY)
        subject = 3.0 if bills.subjects[b] == 0 else 1.0
        scores.append(subject * rng.lognormvariate(0, 1) / (1 + age_years) ** 1.5)
    scores[bills.most_popular] = float("inf")
    ranked = sorted(range(bills.count), key=lambda b: scores[b], reverse=True)
    weights = [0.0] * bills.count
    for rank, b in enumerate(ranked, start=1):
        weights[b] = 1.0 / rank
    return weights


def build_bills(world: World) -> Bills:
    """Every bill, sorted by introduction date (ids follow), with counts of its activity."""
    rng = world.rng("bills")
    raw = _raw_bills(world, rng)
    order = sorted(range(len(raw)), key=raw.__getitem__)
    numbering: dict[tuple[int, int], int] = {}
    # The n-th bill of a title in a year is "(No. n)"; the leading Finance Bill is the first.
    repeats: dict[tuple[int, int, int], int] = {raw[0][1:3] + raw[0][4:]: 1}
    ints: dict[str, array[int]] = {k: array("i") for k in _INT_COLUMNS}
    times: dict[str, array[int]] = {k: array("q") for k in _TIME_COLUMNS}
    statuses: list[str] = []
    tags: list[list[str]] = []
    sponsors = world.sponsors
    for position in order:
        introduced, subject, form, house, year = raw[position]
        numbering[house, year] = numbering.get((house, year), 0) + 1
        if position:
            repeats[subject, form, year] = repeats.get((subject, form, year), 0) + 1
        status = _status(rng, (world.now - introduced) / DAY)
        created = max(introduced, world.platform_start) + rng.randrange(2 * DAY)
        government = rng.random() < 0.6
        sponsor = rng.choice(sponsors.leaders) if government else rng.randrange(sponsors.count)
        repeat = repeats[subject, form, year] if position else 1
        values = (subject, form, repeat, house, year, numbering[house, year], sponsor + 1)
        for name, value in zip(_INT_COLUMNS, values, strict=True):
            ints[name].append(value)
        times["introduced"].append(introduced)
        times["last_action"].append(_last_action(rng, introduced, world.now, status))
        times["created"].append(min(created, world.now - DAY))
        statuses.append(status)
        tags.append(_tags(rng, vocab.SUBJECTS[subject][1]))
    most_popular = order.index(0)
    statuses[most_popular] = "second_reading"
    bills = Bills(
        **ints,
        **times,
        statuses=statuses,
        tags=tags,
        pairs=[],
        comments=[],
        shares=[],
        most_popular=most_popular,
    )
    weights = _popularity(world, rng, bills)
    scale = world.scale
    bills.pairs.extend(allocate(scale.engagement, weights, minimum=1, cap=scale.users - 1))
    bills.comments.extend(allocate(scale.comments, [w**1.1 for w in weights]))
    bills.shares.extend(allocate(scale.shares, weights))
    return bills
