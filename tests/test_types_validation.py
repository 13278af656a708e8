"""Edge validation of New*/Patch inputs: typed InvalidInput naming the field, before any SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from ipaddress import ip_address, ip_interface

import pytest

from chanuka_db.errors import InvalidInput
from chanuka_db.types import (
    REGISTRY,
    UNSET,
    BillPatch,
    ColumnInfo,
    NewAnalyticsEvent,
    NewBill,
    NewModerationQueueItem,
    NewSession,
    NewUser,
    SqlKind,
    Unset,
    UserPatch,
)


def rejects(field: str, reason: str, build: object) -> None:
    assert callable(build)
    with pytest.raises(InvalidInput) as err:
        build()
    assert err.value.field == field
    assert reason in str(err.value)


def test_unset_is_falsy_distinct_from_none_and_has_a_readable_repr() -> None:
    assert UNSET is Unset.UNSET
    assert not UNSET
    assert UNSET is not None
    assert repr(UNSET) == "UNSET"


def test_required_columns_are_required_and_defaulted_ones_optional() -> None:
    bill = NewBill(title="Finance Bill 2026")
    assert bill.status is UNSET
    assert bill.view_count is UNSET
    assert bill.changes() == {"title": "Finance Bill 2026"}
    with pytest.raises(TypeError):
        NewBill()  # type: ignore[call-arg]


def test_explicit_unset_for_a_required_column_is_refused() -> None:
    rejects("title", "required to insert into bills", lambda: NewBill(title=UNSET))  # type: ignore[arg-type]


def test_none_is_refused_for_not_null_columns() -> None:
    rejects("title", "must not be None", lambda: NewBill(title=None))  # type: ignore[arg-type]
    rejects("status", "must not be None", lambda: NewBill(title="t", status=None))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("title", 42, "expected str, got int"),
        ("title", "bad\x00text", "NUL character"),
        ("title", "lone \ud800 surrogate", "not valid UTF-8"),
        ("view_count", "12", "expected int, got str"),
        ("view_count", True, "expected int, got bool"),
        ("view_count", 2**31, "out of range for integer"),
        ("view_count", -(2**31) - 1, "out of range for integer"),
        ("engagement_score", 1.5, "expected Decimal or int, got float"),
        ("engagement_score", Decimal("123456789"), "8 integer digits at most"),
        ("engagement_score", Decimal("NaN"), "not a finite number"),
        ("introduced_date", dt.date(2026, 1, 1), "expected datetime, got date"),
        ("introduced_date", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "naive datetime"),
        ("tags", "finance", "expected list[str], got str"),
        ("tags[1]", ["ok", 3], "expected str, got int"),
        ("tags[0]", ["a\x00"], "NUL character"),
        ("stakeholder_analysis.x", {"x": float("nan")}, "NaN or Infinity"),
        ("stakeholder_analysis.x", {"x": "\x00"}, "NUL character"),
        ("stakeholder_analysis", {1: "x"}, "keys must be str"),
        ("constitutional_concerns[0]", [object()], "is not a JSON value"),
        ("sponsor_id", 1.0, "expected int, got float"),
    ],
)
def test_bill_inputs_are_checked_at_the_edge(field: str, value: object, reason: str) -> None:
    name = field.split("[", maxsplit=1)[0].split(".", maxsplit=1)[0]
    rejects(field, reason, lambda: NewBill(**{"title": "t", name: value}))


def test_varchar_length_is_enforced() -> None:
    column = REGISTRY.table("citizen_verifications").column("verification_type")
    assert column.max_length == 50
    column.check("x" * 50)
    with pytest.raises(InvalidInput, match="51 characters long; 50 at most"):
        column.check("x" * 51)


def test_timestamptz_needs_an_aware_datetime() -> None:
    column = REGISTRY.table("moderation_queue").column("created_at")
    assert column.kind is SqlKind.TIMESTAMPTZ
    column.check(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidInput, match="aware datetime"):
        column.check(dt.datetime(2026, 1, 1))


def test_dates_are_not_datetimes() -> None:
    column = ColumnInfo("d", "date", SqlKind.DATE, nullable=False, has_default=False)
    column.check(dt.date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="expected date, got datetime"):
        column.check(dt.datetime(2026, 1, 1))


def test_other_kinds_are_checked() -> None:
    user_id = uuid.uuid4()
    with pytest.raises(InvalidInput, match=r"expected uuid\.UUID, got str"):
        NewSession(id="s1", user_id=str(user_id), expires_at=dt.datetime(2030, 1, 1))  # type: ignore[arg-type]
    event = NewAnalyticsEvent(
        event_type="view", event_category="bill", ip_address=ip_address("10.0.0.1")
    )
    assert event.ip_address == ip_address("10.0.0.1")
    NewAnalyticsEvent(
        event_type="view", event_category="bill", ip_address=ip_interface("10.0.0.0/8")
    )
    with pytest.raises(InvalidInput, match="ipaddress"):
        NewAnalyticsEvent(event_type="view", event_category="bill", ip_address="10.0.0.1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="expected bool, got int"):
        NewUser(email="a@b", password_hash="h", name="n", is_active=1)  # type: ignore[arg-type]
    small = ColumnInfo("s", "smallint", SqlKind.SMALLINT, nullable=False, has_default=False)
    with pytest.raises(InvalidInput, match="out of range for smallint"):
        small.check(40_000)
    big = ColumnInfo("b", "bigint", SqlKind.BIGINT, nullable=False, has_default=False)
    big.check(2**62)


def test_int_is_accepted_for_numeric_and_unconstrained_numeric_takes_any_size() -> None:
    NewBill(title="t", engagement_score=12)
    free = ColumnInfo("v", "numeric", SqlKind.NUMERIC, nullable=False, has_default=False)
    free.check(Decimal("1e40"))
    assert REGISTRY.table("system_health_metrics").column("metric_value").precision is None


def test_queue_priority_is_an_int_column() -> None:
    with pytest.raises(InvalidInput, match="expected int"):
        NewModerationQueueItem(content_type="bill", content_id=1, priority="high")  # type: ignore[arg-type]


def test_patch_distinguishes_unset_from_none() -> None:
    patch = BillPatch(summary=None, status="passed")
    assert patch.changes() == {"summary": None, "status": "passed"}
    assert BillPatch().changes() == {}
    with pytest.raises(InvalidInput, match="must not be None"):
        BillPatch(status=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="NUL"):
        UserPatch(name="x\x00")


def test_patch_has_no_primary_key_and_inputs_no_derived_columns() -> None:
    patch_fields = {f.name for f in BillPatch.__attrs_attrs__}
    new_fields = {f.name for f in NewBill.__attrs_attrs__}
    assert "id" not in patch_fields
    assert "search_vector" not in patch_fields
    assert "search_vector" not in new_fields
    assert "id" in new_fields
