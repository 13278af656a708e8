"""The unit of work and the operations every repository has, against the migrated schema."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chanuka_db import Database
from chanuka_db.errors import Conflict, InvalidInput, InvalidReference, NotFound, QueryError
from chanuka_db.pool import Environment
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl
from chanuka_db.repositories import Repositories, TableRepository, UnitOfWork
from chanuka_db.types import (
    REGISTRY,
    BillPatch,
    NewBill,
    NewBillComment,
    NewModerationQueueItem,
    NewUser,
    UserPatch,
)


@pytest.fixture
def data(database_url: DatabaseUrl) -> Iterator[Database]:
    """The services' Database (repositories and units of work) on this test's database."""
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url)
    with Database(config) as database:
        yield database


def new_user(n: int = 1) -> NewUser:
    return NewUser(email=f"citizen{n}@example.ke", password_hash="x", name=f"Citizen {n}")


def test_every_table_has_a_repository_by_its_own_name() -> None:
    for name, table in REGISTRY.items():
        descriptor = getattr(Repositories, name)
        repository_class = descriptor.cls
        assert issubclass(repository_class, TableRepository)
        assert repository_class.info() is table
    assert Repositories.comments is Repositories.bill_comments


def test_unit_of_work_commits_on_exit(data: Database) -> None:
    with data.unit_of_work() as uow:
        bill = uow.bills.add(NewBill(title="Finance Bill 2026"))
    assert data.repos.bills.get(bill.id).title == "Finance Bill 2026"


def _add_then_fail(data: Database, title: str) -> None:
    with data.unit_of_work() as uow:
        uow.bills.add(NewBill(title=title))
        raise RuntimeError("boom")


def test_unit_of_work_rolls_back_on_exception(data: Database) -> None:
    with pytest.raises(RuntimeError):
        _add_then_fail(data, "never kept")
    assert data.repos.bills.count() == 0


def test_nested_unit_of_work_is_a_savepoint(data: Database) -> None:
    with data.unit_of_work() as outer:
        outer.bills.add(NewBill(title="kept"))
        with pytest.raises(RuntimeError):
            _add_then_fail(data, "undone")
    titles = [b.title for b in data.repos.bills.list().items]
    assert titles == ["kept"]


def test_actor_is_bound_for_the_transaction_only(data: Database) -> None:
    actor = uuid.uuid4()
    with data.unit_of_work(actor=actor) as uow:
        (value,) = uow.executor.conn.execute(
            "SELECT current_setting('app.user_id', true)"
        ).fetchone()
        assert value == str(actor)
        assert uow.actor == actor
    with data.connection() as conn:
        row = conn.execute("SELECT current_setting('app.user_id', true)").fetchone()
    assert row in ((None,), ("",))
    with data.unit_of_work() as uow:
        assert uow.actor is None


def test_actor_must_be_a_uuid_and_cannot_change_when_nested(data: Database) -> None:
    with pytest.raises(InvalidInput, match="actor"), data.unit_of_work(actor="alice"):  # type: ignore[arg-type]
        pass
    with (
        data.unit_of_work(actor=uuid.uuid4()),
        pytest.raises(InvalidInput, match="actor"),
        data.unit_of_work(actor=uuid.uuid4()),
    ):
        pass


def test_repositories_are_built_once_per_unit_of_work(data: Database) -> None:
    with data.unit_of_work() as uow:
        assert uow.bills is uow.bills
        assert isinstance(uow, UnitOfWork)


def test_get_find_and_not_found(data: Database) -> None:
    bill = data.repos.bills.add(NewBill(title="t"))
    assert data.repos.bills.get(bill.id) == bill
    assert data.repos.bills.find(bill.id + 1000) is None
    with pytest.raises(NotFound) as err:
        data.repos.bills.get(bill.id + 1000)
    assert err.value.table == "bills"


def test_get_many_is_one_statement_in_input_order_with_missing_reported(
    data: Database,
) -> None:
    a, _, c = data.repos.bills.add_many([NewBill(title=t) for t in "abc"])
    with data.queries.count() as counted:
        found = data.repos.bills.get_many([c.id, 999_999, a.id, c.id])
    assert counted.total == 1
    assert [r.title for r in found.rows] == ["c", "a"]
    assert found.missing == [999_999]
    assert data.repos.bills.get_many([]).rows == []


def test_add_fills_defaults_and_checks_the_input_type(data: Database) -> None:
    bill = data.repos.bills.add(NewBill(title="defaults"))
    assert bill.status == "introduced"
    assert bill.view_count == 0
    assert isinstance(bill.created_at, dt.datetime)
    with pytest.raises(InvalidInput, match="expected NewBill, got NewUser"):
        data.repos.bills.add(new_user())  # type: ignore[arg-type]


def test_add_many_batches_in_one_transaction(data: Database) -> None:
    rows = data.repos.bills.add_many([NewBill(title=f"b{i}") for i in range(7)], batch_size=3)
    assert [r.title for r in rows] == [f"b{i}" for i in range(7)]
    users = [new_user(i) for i in range(5)] + [new_user(0)]  # the last one collides
    with pytest.raises(Conflict):
        data.repos.users.add_many(users, batch_size=2)
    assert data.repos.users.count() == 0  # nothing half-written
    with pytest.raises(InvalidInput, match="batch_size"):
        data.repos.bills.add_many([], batch_size=0)
    with pytest.raises(InvalidInput, match=r"news\[1\]"):
        data.repos.bills.add_many([NewBill(title="ok"), BillPatch()])  # type: ignore[list-item]


def test_update_returns_the_row_and_touches_updated_at(data: Database) -> None:
    bill = data.repos.bills.add(NewBill(title="t", summary="s"))
    updated = data.repos.bills.update(bill.id, BillPatch(summary=None, status="passed"))
    assert (updated.summary, updated.status, updated.title) == (None, "passed", "t")
    assert updated.updated_at >= bill.updated_at
    with pytest.raises(NotFound):
        data.repos.bills.update(bill.id + 1, BillPatch(status="passed"))
    with pytest.raises(InvalidInput, match="nothing to update"):
        data.repos.bills.update(bill.id, BillPatch())
    with pytest.raises(InvalidInput, match="expected BillPatch"):
        data.repos.bills.update(bill.id, UserPatch(name="x"))  # type: ignore[arg-type]


def test_delete_and_delete_of_a_missing_row(data: Database) -> None:
    bill = data.repos.bills.add(NewBill(title="t"))
    data.repos.bills.delete(bill.id)
    assert data.repos.bills.find(bill.id) is None
    with pytest.raises(NotFound):
        data.repos.bills.delete(bill.id)


def test_list_filters_sorts_and_pages(data: Database) -> None:
    data.repos.bills.add_many(
        [NewBill(title=f"bill {i}", status="passed" if i % 2 else "introduced") for i in range(9)]
    )
    page = data.repos.bills.list({"status": "passed"}, "-title", page=1, page_size=3)
    assert [b.title for b in page.items] == ["bill 7", "bill 5", "bill 3"]
    assert (page.total, page.has_next) == (4, True)
    last = data.repos.bills.list({"status": "passed"}, ["-title"], page=2, page_size=3)
    assert [b.title for b in last.items] == ["bill 1"]
    assert not last.has_next
    assert data.repos.bills.count({"status": {"in": ["passed", "introduced"]}}) == 9
    assert data.repos.bills.count({"title": {"ilike": "BILL 1"}}) == 1
    assert data.repos.bills.count({"title": {"ilike": "%"}}) == 0  # a literal %, not a wildcard
    assert data.repos.bills.list(sort=[("id", "desc")]).items[0].title == "bill 8"


@pytest.mark.parametrize(
    ("filters", "sort", "field"),
    [
        ({"nope": 1}, None, "nope"),
        ({"status": {"regex": ".*"}}, None, "status.regex"),
        (None, "password_hash", "password_hash"),
        (None, "-status; DROP TABLE bills", "status; DROP TABLE bills"),
        (None, [("title", "sideways")], "direction"),
    ],
)
def test_list_refuses_what_is_not_allowed(
    data: Database, filters: Any, sort: Any, field: str
) -> None:
    repository = data.repos.users if sort == "password_hash" else data.repos.bills
    with pytest.raises(InvalidInput) as err:
        repository.list(filters, sort)
    assert field in err.value.field


def test_secret_columns_are_not_filterable(data: Database) -> None:
    with pytest.raises(InvalidInput, match="not a filterable field"):
        data.repos.users.list({"password_hash": "x"})
    with pytest.raises(InvalidInput, match="sort"):
        data.repos.bills.list(sort=42)
    with pytest.raises(InvalidInput, match="pair"):
        data.repos.bills.list(sort=[3])
    with pytest.raises(InvalidInput, match="at most 8"):
        data.repos.bills.list(sort=["id"] * 9)


def test_server_errors_are_typed(data: Database) -> None:
    data.repos.users.add(new_user())
    with pytest.raises(Conflict):
        data.repos.users.add(new_user())
    with pytest.raises(InvalidReference):
        data.repos.comments.add(
            NewBillComment(bill_id=424242, user_id=uuid.uuid4(), content="orphan")
        )
    with pytest.raises(InvalidInput):  # CHECK (priority between 1 and 5)
        data.repos.moderation_queue.add(
            NewModerationQueueItem(content_type="bill", content_id=1, priority=9)
        )


def _swallow_a_conflict(data: Database) -> None:
    with data.unit_of_work() as uow:
        uow.bills.add(NewBill(title="before"))
        uow.users.add(new_user())
        with contextlib.suppress(Conflict):  # handled, but the transaction is already aborted
            uow.users.add(new_user())


def test_a_handled_error_inside_a_unit_of_work_does_not_commit_half(data: Database) -> None:
    with pytest.raises(QueryError):
        _swallow_a_conflict(data)
    assert data.repos.bills.count() == 0


def test_pooled_repositories_join_a_transaction_in_progress(data: Database) -> None:
    with data.transaction():
        data.repos.bills.add(NewBill(title="inside"))
        assert data.repos.bills.count() == 1
    assert data.repos.bills.count() == 1


def test_generic_statements_are_one_round_trip_each(data: Database) -> None:
    with data.unit_of_work() as uow:
        bill = uow.bills.add(NewBill(title="t"))
        counts: dict[str, int] = {}
        operations: dict[str, Callable[[], object]] = {
            "get": lambda: uow.bills.get(bill.id),
            "update": lambda: uow.bills.update(bill.id, BillPatch(status="passed")),
            "count": lambda: uow.bills.count({"status": "passed"}),
            "list": lambda: uow.bills.list(page_size=5),
            "delete": lambda: uow.bills.delete(bill.id),
        }
        for name, operation in operations.items():
            with data.queries.count() as counted:
                operation()
            counts[name] = counted.total
    assert counts == {"get": 1, "update": 1, "count": 1, "list": 2, "delete": 1}
