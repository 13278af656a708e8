"""Bills: search, listing, a bill's page, stats, tags, ingestion and status changes."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import psycopg
import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound
from chanuka_db.repositories.legislative import (
    BillStatus,
    BillSummary,
    EngagementKind,
)
from chanuka_db.sql import QueryMonitor
from chanuka_db.types import (
    BillPatch,
    BillTagPatch,
    NewBill,
    NewBillComment,
    NewBillSponsorship,
    NewBillTag,
)
from tests.legislative_support import (
    add_bill,
    add_sponsor,
    add_user,
    data,
    statements,
    tag_sets,
)
from tests.users_support import explain

__all__ = ["data"]

FINANCE = [
    ("Finance Bill 2026", "Taxes on fuel and mobile money", "passed", "finance", ["tax", "budget"]),
    ("Health Amendment", "Finance for county health facilities", "committee", "health", ["health"]),
    ("Roads Bill", "Toll roads and a finance levy", "introduced", "transport", ["tax", "roads"]),
    ("Education Bill", "School capitation", "introduced", "education", ["education"]),
]


def _library(data: Database) -> list[Any]:
    sponsor = add_sponsor(data)
    rows = []
    for index, (title, summary, status, category, tags) in enumerate(FINANCE):
        rows.append(
            data.repos.bills.add(
                NewBill(
                    title=title,
                    summary=summary,
                    content="The long text of the bill. " * 20,
                    status=status,
                    category=category,
                    tags=tags,
                    sponsor_id=sponsor.id if index % 2 == 0 else None,
                    introduced_date=dt.datetime(2026, 1, 1 + index),
                )
            )
        )
    return rows


# -- search ------------------------------------------------------------------------------------


def test_search_ranks_title_matches_first_with_facets_and_snippets(data: Database) -> None:
    _library(data)
    result = data.repos.bills.search("finance")
    titles = [hit.row.title for hit in result.hits]
    assert titles[0] == "Finance Bill 2026"  # title is weight A, summary B
    assert set(titles) == {"Finance Bill 2026", "Health Amendment", "Roads Bill"}
    assert result.total == 3
    assert result.facets["status"] == {"passed": 1, "committee": 1, "introduced": 1}
    assert result.facets["category"] == {"finance": 1, "health": 1, "transport": 1}
    assert isinstance(result.hits[0].row, BillSummary)
    assert not hasattr(result.hits[0].row, "content")
    assert "<b>" in (result.hits[1].headline or "")
    assert result.hits[0].rank >= result.hits[1].rank >= result.hits[2].rank


def test_search_filters_status_category_sponsor_dates_and_tags(data: Database) -> None:
    bills = _library(data)
    search = data.repos.bills.search
    assert [h.row.title for h in search("finance", {"status": "committee"}).hits] == [
        "Health Amendment"
    ]
    assert search("finance", {"category": {"in": ["health", "transport"]}}).total == 2
    sponsored = search("finance", {"sponsor_id": bills[0].sponsor_id})
    assert {h.row.title for h in sponsored.hits} == {"Finance Bill 2026", "Roads Bill"}
    window = {"introduced_date": {"ge": "2026-01-02T00:00:00", "lt": "2026-01-03T00:00:00"}}
    assert [h.row.title for h in search("finance", window).hits] == ["Health Amendment"]
    tagged = search("finance", {"tags": ["tax", "roads"]})
    assert [h.row.title for h in tagged.hits] == ["Roads Bill"]
    assert tagged.facets["status"] == {"introduced": 1}  # facets under the same filters


def test_search_sort_and_a_total_consistent_with_the_pages(data: Database) -> None:
    data.repos.bills.add_many(
        [
            NewBill(title=f"Finance Bill No. {i}", introduced_date=dt.datetime(2026, 1, i + 1))
            for i in range(7)
        ]
    )
    seen = []
    for page in (1, 2, 3):
        result = data.repos.bills.search("finance", sort="-introduced_date", page=page, page_size=3)
        assert result.total == 7
        seen += [hit.row.title for hit in result.hits]
    assert seen == [f"Finance Bill No. {i}" for i in reversed(range(7))]
    assert not result.has_next


def test_search_min_rank_cuts_before_the_page(data: Database) -> None:
    _library(data)
    strong = data.repos.bills.search("finance")
    cut = strong.hits[0].rank
    result = data.repos.bills.search("finance", min_rank=cut, page_size=1)
    assert (result.total, [h.row.title for h in result.hits]) == (1, ["Finance Bill 2026"])


@pytest.mark.parametrize(
    ("text", "filters", "sort", "field"),
    [
        ("", None, None, "text"),
        ("finance", {"status": "enacted"}, None, "status"),
        ("finance", {"status": {"in": ["passed", "nope"]}}, None, "status"),
        ("finance", {"content": "x"}, None, "content"),
        ("finance", {"tags": [""]}, None, "tags"),
        ("finance", None, "content", "content"),
        ("finance", None, "-search_vector", "search_vector"),
    ],
)
def test_search_refuses_bad_requests(
    data: Database, text: str, filters: Any, sort: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        data.repos.bills.search(text, filters, sort)
    assert field in err.value.field


def test_search_and_list_run_two_statements_whatever_the_page_size(data: Database) -> None:
    data.repos.bills.add_many([NewBill(title=f"Finance {i}") for i in range(30)])
    for size in (1, 30):
        assert statements(data, lambda s=size: data.repos.bills.search("finance", page_size=s)) == 2
        assert statements(data, lambda s=size: data.repos.bills.list(page_size=s)) == 2


# -- list --------------------------------------------------------------------------------------


def test_list_returns_summaries_filtered_and_sorted(data: Database) -> None:
    _library(data)
    page = data.repos.bills.list({"status": "introduced"}, "title")
    assert [b.title for b in page.items] == ["Education Bill", "Roads Bill"]
    assert all(isinstance(b, BillSummary) for b in page.items)
    assert page.total == 2
    newest = data.repos.bills.list()
    assert newest.items[0].title == "Education Bill"  # default: newest first
    assert data.repos.bills.count({"tags": ["tax"]}) == 2
    with pytest.raises(InvalidInput, match="status"):
        data.repos.bills.count({"status": "enacted"})
    with pytest.raises(InvalidInput, match="not a filterable field"):
        data.repos.bills.list({"content": "x"})


# -- detail ------------------------------------------------------------------------------------


def test_the_newest_bills_pages_read_an_index_in_order_without_sorting(
    data: Database, conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """bills.list's default order, of all bills or one status, is an index (0020).

    Without it every page read and sorted all matching bills (92 ms a page at the large
    scale, 0.1 ms with it); the plan of the page statement the repository really sent
    needs no sort. Sorting is discouraged for the EXPLAIN: on a test-sized table sorting
    100 rows may be the cheaper plan, and the question here is whether an index serves.
    """
    conn.execute(
        "INSERT INTO bills (title, status, created_at)"
        " SELECT 'Bill ' || n, CASE WHEN n % 30 = 0 THEN 'passed' ELSE 'assented' END,"
        "        now() - n * interval '1 hour' FROM generate_series(1, 3000) AS n"
    )
    conn.execute("ANALYZE bills")
    sent: list[tuple[str, Any]] = []
    original = QueryMonitor.record

    def record(self: QueryMonitor, compiled: Any, values: Any, *rest: Any) -> None:
        original(self, compiled, values, *rest)
        sent.append((compiled.text, values))

    monkeypatch.setattr(QueryMonitor, "record", record)
    for filters, index in (
        ({}, "bills_listing_idx"),
        ({"status": "passed"}, "bills_status_listing_idx"),
    ):
        sent.clear()
        page = data.repos.bills.list(filters, page=3)
        times = [b.created_at for b in page.items]
        assert len(times) == 20 and times == sorted(times, reverse=True)
        sql, values = sent[0]  # the page; then its count
        plan = explain(conn, sql, values, disable="sort")  # whatever the table size
        assert index in plan, plan
        assert "Sort" not in plan, plan


def test_detail_is_the_whole_page_in_two_statements(data: Database) -> None:
    primary, other = add_sponsor(data, "Hon. Primary"), add_sponsor(data, "Hon. Co")
    bill = add_bill(data, "Finance Bill", content="full text", sponsor_id=primary.id)
    for sponsor, kind in ((primary, "primary"), (other, "co-sponsor")):
        data.repos.sponsorships.add(
            NewBillSponsorship(bill_id=bill.id, sponsor_id=sponsor.id, sponsorship_type=kind)
        )
    alice, bob = add_user(data, "Alice"), add_user(data, "Bob")
    first = data.repos.comments.add(
        NewBillComment(bill_id=bill.id, user_id=alice.id, content="one")
    )
    data.repos.comments.add(NewBillComment(bill_id=bill.id, user_id=bob.id, content="two"))
    data.repos.comments.add(
        NewBillComment(bill_id=bill.id, user_id=bob.id, content="reply", parent_comment_id=first.id)
    )
    data.repos.engagement.record(bill.id, alice.id, EngagementKind.VIEW)
    with data.queries.count() as counted:
        detail = data.repos.bills.detail(bill.id, comments=2)
    assert counted.total == 2
    assert (detail.bill.title, detail.bill.content) == ("Finance Bill", "full text")
    assert not hasattr(detail.bill, "search_vector")
    assert detail.sponsor is not None and detail.sponsor.name == "Hon. Primary"
    assert [(s.name, s.sponsorship_type) for s in detail.sponsorships] == [
        ("Hon. Primary", "primary"),
        ("Hon. Co", "co-sponsor"),
    ]
    assert isinstance(detail.sponsorships[0].sponsorship_date, dt.datetime)
    assert (detail.engagement.view_count, detail.engagement.comment_count) == (1, 3)
    assert detail.engagement.engagement_score == 16
    assert [(c.content, c.author_name) for c in detail.latest_comments] == [
        ("reply", "Bob"),
        ("two", "Bob"),
    ]


def test_detail_without_sponsor_or_comments_and_errors(data: Database) -> None:
    bill = add_bill(data)
    with data.queries.count() as counted:
        detail = data.repos.bills.detail(bill.id, comments=0)
    assert counted.total == 1
    assert (detail.sponsor, detail.sponsorships, detail.latest_comments) == (None, [], [])
    with pytest.raises(NotFound):
        data.repos.bills.detail(bill.id + 1)
    with pytest.raises(InvalidInput, match="bill_id"):
        data.repos.bills.detail("1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="comments"):
        data.repos.bills.detail(bill.id, comments=51)


# -- stats -------------------------------------------------------------------------------------


def test_stats_by_status_in_stage_order_by_category_and_recent(data: Database) -> None:
    _library(data)
    add_bill(data, "No category", status="assented")
    with data.queries.count() as counted:
        stats = data.repos.bills.stats(recent=2)
    assert counted.total == 2
    assert stats.total == 5
    assert list(stats.by_status.items()) == [
        ("introduced", 2),
        ("committee", 1),
        ("passed", 1),
        ("assented", 1),
    ]
    assert stats.by_category[None] == 1
    assert sum(stats.by_category.values()) == 5
    assert [b.title for b in stats.recently_updated] == ["No category", "Education Bill"]
    assert data.repos.bills.stats(recent=0).recently_updated == []
    with pytest.raises(InvalidInput, match="recent"):
        data.repos.bills.stats(recent=-1)


# -- tags --------------------------------------------------------------------------------------


def test_add_and_remove_tags_keep_both_places_in_step(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill = add_bill(data, tags=["tax"])
    assert tag_sets(conn, bill.id) == (["tax"], {"tax"})
    with data.queries.count() as counted:
        after = data.repos.bills.add_tags(bill.id, ["budget", "tax", "fuel"])
    assert counted.total == 1
    assert after == ["tax", "budget", "fuel"]
    assert tag_sets(conn, bill.id) == (["tax", "budget", "fuel"], {"tax", "budget", "fuel"})
    assert data.repos.bills.remove_tags(bill.id, ["tax", "never-there"]) == ["budget", "fuel"]
    assert tag_sets(conn, bill.id) == (["budget", "fuel"], {"budget", "fuel"})
    updated = data.repos.bills.update(bill.id, BillPatch(tags=["health"]))
    assert updated.tags == ["health"]
    assert tag_sets(conn, bill.id) == (["health"], {"health"})


def test_tag_errors(data: Database) -> None:
    bill = add_bill(data)
    for bad in ([], [""], [" padded"], ["a", "a"], "tax", ["x" * 65], [1]):
        with pytest.raises(InvalidInput, match="tags"):
            data.repos.bills.add_tags(bill.id, bad)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        data.repos.bills.add_tags(bill.id + 1, ["tax"])
    with pytest.raises(InvalidInput, match="tags"):
        data.repos.bills.add(NewBill(title="t", tags=["dup", "dup"]))


def test_bill_tag_rows_written_directly_update_the_bills(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill, other = add_bill(data), add_bill(data)
    row = data.repos.tags.add(NewBillTag(bill_id=bill.id, tag="water"))
    data.repos.tags.add_many(
        [NewBillTag(bill_id=bill.id, tag="land"), NewBillTag(bill_id=other.id, tag="x")]
    )
    assert tag_sets(conn, bill.id) == (["water", "land"], {"water", "land"})
    data.repos.tags.update(row.id, BillTagPatch(bill_id=other.id))
    assert tag_sets(conn, bill.id) == (["land"], {"land"})
    assert tag_sets(conn, other.id) == (["water", "x"], {"x", "water"})  # in the rows' order
    data.repos.tags.delete(row.id)
    assert tag_sets(conn, other.id) == (["x"], {"x"})
    with pytest.raises(NotFound):
        data.repos.tags.delete(row.id)
    with pytest.raises(Conflict):
        data.repos.tags.add(NewBillTag(bill_id=other.id, tag="x"))
    with pytest.raises(InvalidInput):
        data.repos.tags.add(NewBillTag(bill_id=other.id, tag=" "))
    assert tag_sets(conn, other.id) == (["x"], {"x"})


def test_concurrent_add_tags_lose_nothing(data: Database, conn: psycopg.Connection[Any]) -> None:
    bill = add_bill(data)
    barrier = threading.Barrier(12)

    def tag(n: int) -> None:
        barrier.wait()
        data.repos.bills.add_tags(bill.id, [f"t{n}", "shared"])

    threads = [threading.Thread(target=tag, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tags, rows = tag_sets(conn, bill.id)
    assert sorted(tags) == sorted([f"t{n}" for n in range(12)] + ["shared"])
    assert set(tags) == rows


def test_with_all_tags_uses_bill_tags(data: Database) -> None:
    _library(data)
    with data.queries.count() as counted:
        page = data.repos.bills.with_all_tags(["tax"], page_size=1)
    assert counted.total == 1
    assert (page.total, [b.title for b in page.items], page.has_next) == (2, ["Roads Bill"], True)
    assert [b.title for b in data.repos.bills.with_all_tags(["tax", "budget"]).items] == [
        "Finance Bill 2026"
    ]
    past = data.repos.bills.with_all_tags(["tax"], page=5, page_size=1)
    assert (past.items, past.total) == ([], 2)
    assert data.repos.bills.with_all_tags(["nope"]).total == 0


# -- writes ------------------------------------------------------------------------------------


def test_writes_refuse_counters_and_unknown_statuses(data: Database) -> None:
    bill = add_bill(data)
    with pytest.raises(InvalidInput, match="view_count"):
        data.repos.bills.add(NewBill(title="t", view_count=5))
    with pytest.raises(InvalidInput, match="status"):
        data.repos.bills.add_many([NewBill(title="t"), NewBill(title="t", status="enacted")])
    with pytest.raises(InvalidInput, match="engagement_score"):
        data.repos.bills.update(bill.id, BillPatch(engagement_score=1))
    with pytest.raises(InvalidInput, match="expected BillPatch"):
        data.repos.bills.update(bill.id, NewBill(title="x"))  # type: ignore[arg-type]
    assert data.repos.bills.count() == 1


def test_add_many_mirrors_tags(data: Database, conn: psycopg.Connection[Any]) -> None:
    rows = data.repos.bills.add_many([NewBill(title="a", tags=["x", "y"]), NewBill(title="b")])
    assert tag_sets(conn, rows[0].id) == (["x", "y"], {"x", "y"})
    assert tag_sets(conn, rows[1].id) == ([], set())


# -- ingestion ---------------------------------------------------------------------------------


def test_upsert_by_bill_number_inserts_updates_and_leaves_identical_rows_alone(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    first = data.repos.bills.upsert_by_bill_number(
        [
            NewBill(title="Finance Bill", bill_number="NA-1", summary="old", tags=["tax"]),
            NewBill(title="Roads Bill", bill_number="NA-2", summary="roads"),
        ]
    )
    assert [b.bill_number for b in first.rows] == ["NA-1", "NA-2"]
    assert first.unchanged == []
    stamp = first.rows[1].updated_at
    with data.queries.count() as counted:
        second = data.repos.bills.upsert_by_bill_number(
            [
                NewBill(
                    title="Finance Bill", bill_number="NA-1", summary="new", tags=["tax", "fuel"]
                ),
                NewBill(title="Roads Bill", bill_number="NA-2", summary="roads"),
                NewBill(title="Health Bill", bill_number="NA-3"),
            ]
        )
    assert counted.total == 4  # three sets of columns in the batch, then the tags
    assert [b.bill_number for b in second.rows] == ["NA-1", "NA-3"]
    assert second.unchanged == ["NA-2"]
    assert second.rows[0].summary == "new"
    assert data.repos.bills.get(second.rows[0].id).id == first.rows[0].id
    assert data.repos.bills.get(first.rows[1].id).updated_at == stamp
    assert tag_sets(conn, first.rows[0].id) == (["tax", "fuel"], {"tax", "fuel"})
    # UNSET leaves a stored column alone; None clears it
    data.repos.bills.upsert_by_bill_number([NewBill(title="Roads Bill", bill_number="NA-2")])
    assert data.repos.bills.get(first.rows[1].id).summary == "roads"
    data.repos.bills.upsert_by_bill_number(
        [NewBill(title="Roads Bill", bill_number="NA-2", summary=None)]
    )
    assert data.repos.bills.get(first.rows[1].id).summary is None


def test_upsert_is_one_statement_per_batch(data: Database) -> None:
    news = [NewBill(title=f"Bill {i}", bill_number=f"B-{i:03}") for i in range(25)]
    with data.queries.count() as counted:
        result = data.repos.bills.upsert_by_bill_number(news, batch_size=10)
    assert counted.total == 3
    assert len(result.rows) == 25


@pytest.mark.parametrize(
    ("news", "field"),
    [
        ([NewBill(title="t")], "bill_number"),
        ([NewBill(title="t", bill_number=None)], "bill_number"),
        ([NewBill(title="t", bill_number="  ")], "bill_number"),
        (
            [NewBill(title="t", bill_number="1"), NewBill(title="u", bill_number="1")],
            "news[1].bill_number",
        ),
        ([NewBill(title="t", bill_number="1", comment_count=3)], "comment_count"),
        ([NewBill(title="t", bill_number="1", status="enacted")], "status"),
        ([BillPatch(title="t")], "news[0]"),
    ],
)
def test_upsert_refuses_bad_rows_before_writing(
    data: Database, news: list[Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        data.repos.bills.upsert_by_bill_number(news)
    assert field in err.value.field
    assert data.repos.bills.count() == 0
    with pytest.raises(InvalidInput, match="batch_size"):
        data.repos.bills.upsert_by_bill_number([NewBill(title="t", bill_number="1")], batch_size=0)


def test_upsert_writes_nothing_when_a_batch_fails(data: Database) -> None:
    news = [
        NewBill(title="ok", bill_number="A"),
        NewBill(title="bad", bill_number="B", sponsor_id=999),
    ]
    with pytest.raises(InvalidReference):
        data.repos.bills.upsert_by_bill_number(news, batch_size=1)
    assert data.repos.bills.count() == 0


# -- status ------------------------------------------------------------------------------------


def test_update_status_tells_followers_in_the_same_transaction(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    bill = add_bill(data, "Finance Bill")
    clerk, alice, bob, gone = (add_user(data) for _ in range(4))
    for user in (clerk, alice, bob, gone):
        data.repos.engagement.record(bill.id, user.id, "view")
    conn.execute("UPDATE users SET is_active = false WHERE id = %s", [gone.id])
    with data.unit_of_work(actor=clerk.id) as uow, data.queries.count() as counted:
        change = uow.bills.update_status(bill.id, BillStatus.SECOND_READING)
    assert counted.total == 2
    assert (change.previous, change.bill.status, change.changed) == (
        "introduced",
        "second_reading",
        True,
    )
    assert change.notified == 2
    assert change.bill.last_action_date is not None
    rows = conn.execute(
        "SELECT user_id, type, message, related_bill_id FROM notifications ORDER BY user_id"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted([alice.id, bob.id])
    assert {(r[1], r[2], r[3]) for r in rows} == {
        ("bill_status_change", "Finance Bill: second reading", bill.id)
    }


def test_update_status_to_the_same_status_changes_nothing(data: Database) -> None:
    bill = add_bill(data, status="committee")
    data.repos.engagement.record(bill.id, add_user(data).id, "view")
    change = data.repos.bills.update_status(bill.id, "committee")
    assert (change.changed, change.notified) == (False, 0)
    assert change.bill.updated_at == bill.updated_at
    assert data.repos.notifications.count() == 0


def test_update_status_errors_and_rollback(data: Database) -> None:
    bill = add_bill(data)
    with pytest.raises(NotFound):
        data.repos.bills.update_status(bill.id + 1, "passed")
    with pytest.raises(InvalidInput, match="status"):
        data.repos.bills.update_status(bill.id, "enacted")
    with pytest.raises(RuntimeError):
        _change_then_fail(data, bill.id)
    assert data.repos.bills.get(bill.id).status == "introduced"


def _change_then_fail(data: Database, bill_id: int) -> None:
    with data.unit_of_work() as uow:
        uow.bills.update_status(bill_id, "passed")
        raise RuntimeError("the service failed after the change")


def test_status_change_is_audited_by_the_trigger_when_present(
    data: Database, conn: psycopg.Connection[Any]
) -> None:
    exists = conn.execute("SELECT to_regclass('audit_log') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        pytest.skip("the audit trigger (security migrations) is not in this schema yet")
    bill, clerk = add_bill(data), add_user(data)
    with data.unit_of_work(actor=clerk.id) as uow:
        uow.bills.update_status(bill.id, "passed")
    audited = conn.execute(
        "SELECT actor_id FROM audit_log WHERE table_name = 'bills' AND record_id = %s"
        " AND operation = 'UPDATE' AND 'status' = ANY(changed_columns)",
        [str(bill.id)],
    ).fetchall()
    assert audited == [(clerk.id,)]


def test_update_status_accepts_members_and_values(data: Database) -> None:
    bill = add_bill(data)
    assert data.repos.bills.update_status(bill.id, "first_reading").bill.status == "first_reading"
    assert data.repos.bills.update_status(bill.id, BillStatus.COMMITTEE).previous == "first_reading"
    assert BillStatus.SECOND_READING.label == "second reading"
