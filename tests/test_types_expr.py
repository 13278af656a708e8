"""Typed column references build pure predicates and orderings; identifiers are checked."""

from __future__ import annotations

import pytest

from chanuka_db.errors import InvalidInput
from chanuka_db.types import REGISTRY, Direction, Nulls, Param, tables
from chanuka_db.types.expr import And, Comparison, Not, Op, Or, column_of, columns_of, info_of


def test_comparisons_keep_python_values_and_none_means_is_null() -> None:
    status = tables.bills.status
    assert (status == "passed").op is Op.EQ
    assert (status == "passed").operand == "passed"
    assert (tables.bills.summary == None).op is Op.IS_NULL  # noqa: E711
    assert (tables.bills.summary != None).op is Op.IS_NOT_NULL  # noqa: E711
    assert tables.bills.summary.eq(None).op is Op.IS_NULL
    assert tables.bills.summary.ne("x").op is Op.NE
    ops = [
        tables.bills.view_count < 1,
        tables.bills.view_count <= 1,
        tables.bills.view_count > 1,
        tables.bills.view_count >= 1,
    ]
    assert [c.op for c in ops] == [Op.LT, Op.LE, Op.GT, Op.GE]


def test_membership_and_ranges_hold_one_operand() -> None:
    ids = tables.bills.id.in_(range(3))
    assert ids.op is Op.IN
    assert ids.operand == [0, 1, 2]
    assert tables.bills.id.not_in(Param("ids")).operand == Param("ids")
    assert tables.bills.id.between(1, 9).operand == (1, 9)
    assert tables.bills.tags.contains(["a"]).op is Op.CONTAINS
    assert tables.bills.tags.overlaps(["a"]).op is Op.OVERLAPS
    assert tables.bills.title.like("a%").op is Op.LIKE
    assert tables.bills.title.ilike("a%").op is Op.ILIKE
    assert tables.bills.summary.is_null().op is Op.IS_NULL
    assert tables.bills.summary.is_not_null().op is Op.IS_NOT_NULL


def test_predicates_combine_and_flatten() -> None:
    a = tables.bills.status == "a"
    b = tables.bills.status == "b"
    c = tables.bills.category == "c"
    both = a & b & c
    assert isinstance(both, And)
    assert len(both.parts) == 3
    either = a | b | c
    assert isinstance(either, Or)
    assert len(either.parts) == 3
    assert isinstance(~a, Not)
    with pytest.raises(TypeError, match="cannot combine"):
        a & "status = 'x'"  # type: ignore[operator]


def test_orderings_are_enums_never_text() -> None:
    key = tables.bills.created_at.desc(Nulls.LAST)
    assert (key.direction, key.nulls) == (Direction.DESC, Nulls.LAST)
    assert tables.bills.id.asc().direction is Direction.ASC
    assert Direction.parse("DESC") is Direction.DESC
    assert Direction.parse(Direction.ASC) is Direction.ASC
    for hostile in ("desc; drop table bills", "", None, 1):
        with pytest.raises(InvalidInput, match="direction"):
            Direction.parse(hostile)


def test_columns_are_identified_by_table_and_name() -> None:
    assert tables.bills.id.same_as(tables.bills.id)
    assert not tables.bills.id.same_as(tables.users.id)
    assert hash(tables.bills.id) == hash(tables.bills.id)
    assert repr(tables.bills.id) == "bills.id"
    assert tables.bills.id.info.primary_key
    assert repr(tables.bills) == "<table bills>"


def test_request_supplied_names_are_checked_against_the_registry() -> None:
    assert column_of(tables.bills, "status").same_as(tables.bills.status)
    for hostile in ("stauts", "status; drop table bills", "__class__", "_info", ""):
        with pytest.raises(InvalidInput) as err:
            column_of(tables.bills, hostile)
        assert err.value.field == hostile
    with pytest.raises(InvalidInput, match="no such table"):
        REGISTRY.table("bills; drop table users")
    with pytest.raises(InvalidInput):
        REGISTRY.table(None)  # type: ignore[arg-type]


def test_registry_covers_every_table_and_column_order() -> None:
    assert len(REGISTRY) == 47  # the 46 tables of the spec and the audit log
    bills = REGISTRY.table("bills")
    assert info_of(tables.bills) is bills
    assert [c.name for c in columns_of(tables.bills)] == list(bills.column_names)
    assert bills.domain == "legislative"
    assert bills.primary_key == ("id",)
    assert REGISTRY.for_type(bills.row_type) is bills
    assert REGISTRY.for_type(bills.patch_type) is bills
    with pytest.raises(InvalidInput, match="not a registered row type"):
        REGISTRY.for_type(int)
    assert {t.domain for t in REGISTRY.values()} == {
        "users",
        "regulatory",
        "legislative",
        "moderation",
        "analytics",
        "infrastructure",
    }
    assert len(REGISTRY.in_domain("legislative")) == 11
    assert bills.has_column("title")
    assert not bills.has_column("nope")
    assert isinstance(tables.bills.status == "x", Comparison)
