"""The generator without a database: plan, pools, arithmetic, time, determinism of the world."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from chanuka_db.errors import InvalidInput
from chanuka_db.repositories import moderation as repo
from chanuka_db.seed import (
    LOAD_ORDER,
    SCALES,
    KnownValues,
    SeedSummary,
    TableStats,
    kenya,
    scale_named,
    vocab,
)
from chanuka_db.seed import moderation as seeded
from chanuka_db.seed.clock import Clock
from chanuka_db.seed.plan import TABLES
from chanuka_db.seed.progress import RichProgress, report_lines
from chanuka_db.seed.world import World, allocate
from chanuka_db.types import REGISTRY

AS_OF = dt.date(2025, 6, 30)
_CLOCK = Clock(dt.date(2030, 1, 1), 1995)


def test_plan_covers_every_table_parents_first() -> None:
    # audit_log is written by the database's trigger as the rows load, never generated
    assert sorted(LOAD_ORDER) == sorted(set(REGISTRY) - {"audit_log"}) and len(LOAD_ORDER) == 46
    seen: set[str] = set()
    for name in LOAD_ORDER:
        for column in REGISTRY.table(name).columns:
            if column.references is not None:
                assert column.references[0] in seen | {name}, (name, column.name)
        seen.add(name)


def test_every_writable_column_is_generated() -> None:
    # No column is left to a server default such as now(): that would break determinism.
    for name in LOAD_ORDER:
        writable = [c.name for c in REGISTRY.table(name).columns if c.writable]
        assert sorted(TABLES[name].columns) == sorted(writable), name


def test_word_pools_need_no_escaping() -> None:
    pools = [
        vocab.COMMENT_OPENERS, vocab.COMMENT_BODIES, vocab.COMMENT_CLOSERS, vocab.SECTION_CLAUSES,
        vocab.SUMMARY_PHRASES, vocab.SEARCH_PHRASES, vocab.USER_AGENTS, vocab.INTERESTS,
        [s for s, _ in vocab.SUBJECTS], kenya.MALE_NAMES, kenya.FEMALE_NAMES, kenya.SURNAMES,
    ]  # fmt: skip
    for pool in pools:
        for text in pool:
            assert text.isascii() and not set(text) & {"\t", "\n", "\\", '"'}, text
    assert {category for _, category in vocab.SUBJECTS} == set(vocab.CATEGORY_TAGS)


def test_kenya_has_its_47_counties_and_290_constituencies() -> None:
    assert len(set(kenya.COUNTIES)) == 47
    assert len({name for name, _ in kenya.CONSTITUENCIES}) == 290
    assert {county for _, county in kenya.CONSTITUENCIES} == set(kenya.COUNTIES)


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(0, 5_000),
    weights=st.lists(st.floats(0.001, 1_000), min_size=1, max_size=40),
    minimum=st.integers(0, 3),
    cap=st.integers(0, 400),
)
def test_allocate_splits_exactly(total: int, weights: list[float], minimum: int, cap: int) -> None:
    n = len(weights)
    if minimum * n > total or (cap and (cap < minimum or cap * n < total)):
        return
    shares = allocate(total, weights, minimum=minimum, cap=cap)
    assert sum(shares) == total
    assert all(s >= minimum for s in shares)
    assert not cap or all(s <= cap for s in shares)


def test_allocate_follows_the_weights() -> None:
    assert allocate(100, [3, 1]) == [75, 25]
    assert allocate(10, [1, 1, 1]) in ([4, 3, 3], [3, 4, 3], [3, 3, 4])
    assert allocate(10, [100, 1], cap=6) == [6, 4]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 35 * 365 * 86_400))
def test_clock_renders_like_datetime(t: int) -> None:
    clock = _CLOCK
    moment = dt.datetime(1995, 1, 1) + dt.timedelta(seconds=t)
    assert clock.ts(t) == moment.isoformat(" ")
    assert clock.tz(t) == moment.isoformat(" ") + "+00"
    assert clock.date(t) == moment.date().isoformat()
    assert clock.year(t) == moment.year
    assert clock.datetime(t) == moment
    assert clock.at(moment.date()) == t - t % 86_400


def test_world_is_a_function_of_its_seed() -> None:
    tiny = scale_named("tiny")
    one, same, other = (World(tiny, s, AS_OF) for s in (1, 1, 2))
    assert one.people.ids == same.people.ids != other.people.ids
    assert [one.bills.title(b) for b in range(60)] == [same.bills.title(b) for b in range(60)]
    assert list(one.comments.time) == list(same.comments.time)
    assert uuid.UUID(one.people.ids[0]).version == 4
    bills = one.bills
    assert sum(bills.pairs) == tiny.engagement and sum(bills.comments) == tiny.comments
    assert bills.title(bills.most_popular).startswith("The Finance Bill, ")
    assert bills.pairs[bills.most_popular] == max(bills.pairs)
    assert list(one.comments.time) == sorted(one.comments.time)
    assert len({bills.number(b) for b in range(bills.count)}) == bills.count
    assert len({bills.title(b) for b in range(bills.count)}) == bills.count


def test_scales_grow_and_unknown_ones_are_refused() -> None:
    sizes = [SCALES[name].users for name in ("tiny", "small", "medium", "large")]
    assert sizes == sorted(sizes)
    large = SCALES["large"]
    assert (large.users, large.bills, large.comments) == (1_000_000, 100_000, 5_000_000)
    assert (large.engagement, large.events) == (10_000_000, 20_000_000)
    with pytest.raises(InvalidInput, match="'huge' is not a scale; choose one of tiny, small"):
        scale_named("huge")


def _summary() -> SeedSummary:
    known = KnownValues.from_notes(dict.fromkeys((f.name for f in attrs.fields(KnownValues)), 1))
    tables = (TableStats("users", 200, 0.5), TableStats("bills", 60, 0.0, earlier_run=True))
    return SeedSummary("tiny", 1, AS_OF, tables, known, world_seconds=0.5)


def test_summary_reports_rates() -> None:
    summary = _summary()
    assert summary.rows == 260 and summary.row_counts == {"users": 200, "bills": 60}
    assert summary.load_seconds == 1.0 and summary.rows_per_second == 200
    assert summary.tables[1].rows_per_second == 0.0
    lines = report_lines(summary)
    assert lines[0] == "loaded: scale tiny, seed 1, as of 2025-06-30"
    assert any(line.startswith("users") and line.endswith("400") for line in lines)
    assert any("(earlier run)" in line for line in lines)
    assert summary.as_json()["tables"][0] == {
        "table": "users", "rows": 200, "seconds": 0.5, "rows_per_second": 400, "earlier_run": False,
    }  # fmt: skip


def test_progress_bars_draw_each_table() -> None:
    out = io.StringIO()
    with RichProgress(Console(file=out, force_terminal=True, width=120)) as progress:
        progress.phase("generating")
        progress.table_started("users", 200)
        progress.advance(100)
        progress.advance(100)
        progress.table_finished(TableStats("users", 200, 0.5))
        progress.table_finished(TableStats("bills", 60, 0.1, earlier_run=True))
    text = out.getvalue()
    assert "generating" in text and "users" in text and "400 rows/s" in text
    assert "60/60" in text and "earlier run" in text


def test_clock_refuses_times_outside_its_range() -> None:
    clock = _CLOCK
    with pytest.raises(IndexError, match="before 1995-01-01"):
        clock.ts(-1)
    with pytest.raises(IndexError):
        clock.ts(clock.now + 2_000 * 86_400)


def test_moderation_speaks_the_repository_s_vocabulary() -> None:
    # the seed may not import a repository (sibling layers): the two lists must stay equal
    assert [reason for reason, _ in seeded.REASONS] == [r.value for r in repo.FlagReason]
    assert {r.value: s.value for r, s in repo.DEFAULT_SEVERITY.items()} == seeded.DEFAULT_SEVERITY
    assert {kind.value for kind in repo._REMOVABLE} == seeded.REMOVABLE
    decisions = {action: (item, flag) for item, flag, action in seeded.OUTCOMES.values() if action}
    assert decisions == {d.value: (i.value, f.value) for d, (i, f) in repo._OUTCOME.items()}


def test_moderation_cases_are_histories_the_repository_could_have_written() -> None:
    cases = World(scale_named("small"), 3, AS_OF).moderation.cases
    reports = [report for case in cases for report in case.reports]
    assert [report.flag_id for report in reports] == list(range(1, len(reports) + 1))
    for case in cases:
        times = [report.time for report in case.reports]
        assert times == sorted(times) and times[0] == case.reported
        assert case.reviewed is None or times[-1] <= case.reviewed
        assert len({report.reporter for report in case.reports}) == len(case.reports)
        assert case.reports[0].reason == case.category
        assert case.decision != "removed" or case.content_type in seeded.REMOVABLE
        assert 1 <= case.priority <= 5
        for report in case.reports:
            assert report.details in (report.reason, seeded._REPORTER_WORDS[report.reason])
            assert report.severity in ("critical", seeded.DEFAULT_SEVERITY[report.reason])
    assert {len(case.reports) for case in cases} >= {1, 2, 3, 5, 6}
    assert {report.severity for report in reports} == {"low", "medium", "high", "critical"}
    assert any(report.auto for report in reports) and not all(r.auto for r in reports)
    assert {case.decision for case in cases} == set(seeded.OUTCOMES)
