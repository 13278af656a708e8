"""The demo's parts: percentiles, the recorder, passwords, stages, the cast, step order."""

from __future__ import annotations

import datetime as dt
import uuid

import attrs
import pytest

from chanuka_db import Database
from chanuka_db.demo import Cast, OperationStats, Recorder, percentile
from chanuka_db.demo.scenario import CivicScenario, hash_password, next_stage, verify_password
from chanuka_db.errors import InvalidInput, InvalidReference, NotFound
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.repositories import Repositories
from chanuka_db.repositories.users import hash_token, new_token
from chanuka_db.seed import KnownValues
from chanuka_db.types import NewBill, NewBillComment, NewUser


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_operation_stats_summarise_samples() -> None:
    stats = OperationStats.from_samples("bills.list", [0.003, 0.001, 0.002], [2, 1, 2], errors=1)
    assert (stats.calls, stats.errors, stats.statements) == (3, 1, "1-2")
    assert stats.p50_ms == pytest.approx(2.0)
    assert stats.max_ms == pytest.approx(3.0)
    assert stats.as_json()["total_s"] == pytest.approx(0.006)
    single = OperationStats.from_samples("x", [], [], errors=0)
    assert (single.calls, single.statements, single.p99_ms) == (0, "0", 0.0)


def test_the_recorder_counts_statements_and_failures(data: Database) -> None:
    recorder = Recorder(data)
    bill = recorder.write("bills.add", None, lambda u: u.bills.add(NewBill(title="A bill")))
    assert recorder.read("bills.get", lambda r: r.bills.get(bill.id)) == bill
    with pytest.raises(NotFound):
        recorder.read("bills.get", lambda r: r.bills.get(bill.id + 1))
    stranger = NewBillComment(bill_id=bill.id, user_id=uuid.uuid4(), content="Who am I?")
    with pytest.raises(InvalidReference):
        recorder.write("comments.add", None, lambda u: u.comments.add(stranger))
    by_name = {op.name: op for op in recorder.stats()}
    assert (by_name["bills.add"].calls, by_name["bills.add"].errors) == (1, 0)
    assert (by_name["comments.add"].calls, by_name["comments.add"].errors) == (0, 1)
    assert (by_name["bills.get"].calls, by_name["bills.get"].errors) == (1, 1)
    assert by_name["bills.get"].statements == "1"
    assert recorder.calls() == 2
    recorder.reset()
    assert recorder.stats() == []


def test_the_recorder_reads_personal_rows_as_their_owner_and_jobs_see_everyone(
    database_url: DatabaseUrl, app_url: DatabaseUrl, system_url: DatabaseUrl
) -> None:
    config = DatabaseConfig.for_environment(
        Environment.TEST, url=app_url, migration_url=database_url, system_url=system_url
    )
    with Database(config) as db, Database(config, system=True) as jobs:
        recorder = Recorder(db, jobs)
        new = NewUser(email="amina@example.ke", password_hash=hash_password("pw"), name="Amina")
        user = recorder.write("users.add", None, lambda u: u.users.add(new))
        token = hash_token(new_token())
        recorder.write(
            "login", user.id, lambda u: u.sessions.create(user.id, token, ttl=dt.timedelta(hours=1))
        )

        def sessions(r: Repositories) -> list[str]:
            return [s.id for s in r.sessions.list_active(user.id)]

        assert recorder.read("sessions.list_active", sessions) == []  # no actor: no rows
        assert recorder.read("sessions.list_active", sessions, actor=user.id) == [token]
        assert recorder.job("sessions.list_active", sessions) == [token]  # the system path
        found = recorder.authenticate(token)
        assert found is not None and found.user.id == user.id
        assert recorder.authenticate(hash_token(new_token())) is None
    by_name = {op.name: op for op in recorder.stats()}
    assert by_name["sessions.get_active_with_user"].statements == "1-2"  # unknown: 1
    assert by_name["sessions.list_active"].calls == 3


def test_passwords_verify_only_against_their_own_hash() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong horse", stored)
    assert not verify_password("correct horse", "$2b$12$bcrypt-shaped-but-not-ours")
    assert not verify_password("correct horse", "")


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("introduced", "first_reading"),
        ("third_reading", "passed"),
        ("passed", "assented"),
        ("assented", None),
        ("withdrawn", None),
        ("rejected", None),
    ],
)
def test_bills_move_along_the_road_to_assent(status: str, after: str | None) -> None:
    stage = next_stage(status)
    assert (None if stage is None else stage.value) == after


def test_a_cast_needs_something_of_everything() -> None:
    with pytest.raises(InvalidInput) as refused:
        Cast(
            bills=(1,), any_bills=(1,), citizens=(), sessions=("h",), comments=(1,),
            phrases=("tax",),
        )  # fmt: skip
    assert refused.value.field == "citizens"


def test_steps_taken_out_of_order_say_what_is_missing(data: Database) -> None:
    known = KnownValues(**{field.name: "" for field in attrs.fields(KnownValues)})
    scenario = CivicScenario(Recorder(data), known, dt.date(2026, 1, 1))
    with pytest.raises(NotFound, match="register first"):
        scenario.read()
    scenario.citizen = uuid.uuid4()
    with pytest.raises(NotFound, match="search first"):
        scenario.read()
    with pytest.raises(NotFound, match="seed the database first"):
        scenario.search()  # an empty database has no finance bill
