"""The argument checks every repository runs before any SQL: one convention, one behaviour."""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import ipaddress
import uuid
from collections.abc import Callable

import pytest

from chanuka_db.errors import InvalidInput
from chanuka_db.repositories import arguments
from chanuka_db.repositories.arguments import (
    INT4_MAX,
    RankedEnum,
    check_aware,
    check_bool,
    check_choice,
    check_choices,
    check_date,
    check_duration,
    check_fields,
    check_id,
    check_ids,
    check_instance,
    check_int,
    check_ip,
    check_items,
    check_keys,
    check_optional_text,
    check_page,
    check_tags,
    check_text,
    check_token_hash,
    check_uuid,
    check_window,
)
from chanuka_db.types import NewBill, NewUser


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


class Level(RankedEnum):
    LOW = "low"
    HIGH = "high"
    CRITICAL = "critical"


def refused(call: Callable[[], object]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value


def test_every_check_takes_the_name_first_then_the_value() -> None:
    # check_page and check_window check two arguments whose names are fixed
    fixed = {"check_page": ("page", "page_size"), "check_window": ("since", "until")}
    for name in arguments.__all__:
        if name.startswith("check_"):
            first, second = list(inspect.signature(getattr(arguments, name)).parameters)[:2]
            if name in fixed:
                assert (first, second) == fixed[name]
            else:
                assert first == "name", name
                assert second in {"value", "values", "request", "row"}, name


def test_numbers_and_ids() -> None:
    assert check_int("n", 5, low=0, high=5) == 5
    assert refused(lambda: check_int("n", 6, low=0, high=5)).field == "n"
    assert refused(lambda: check_int("n", True, low=0, high=5)).reason == "expected int, got bool"
    assert check_id("bill_id", INT4_MAX) == INT4_MAX
    for bad in (0, INT4_MAX + 1, "1", 1.0, None):
        assert refused(lambda bad=bad: check_id("bill_id", bad)).field == "bill_id"
    assert check_page(2, 50) == (2, 50)
    assert refused(lambda: check_page(1, 101)).field == "page_size"
    assert refused(lambda: check_page(0, 10)).field == "page"
    assert check_page(1, 500, max_size=500) == (1, 500)


def test_ids_keep_the_order_once_each_and_name_the_bad_one() -> None:
    assert check_ids("ids", [3, 1, 3, 2]) == [3, 1, 2]
    assert check_ids("ids", (i for i in [7])) == [7]
    assert refused(lambda: check_ids("ids", [1, 0])).field == "ids[1]"
    assert refused(lambda: check_ids("ids", "12")).field == "ids"
    assert refused(lambda: check_ids("ids", list(range(1, 1002)))).field == "ids"
    # a write of nothing is a mistake; a batch read of nothing is an empty answer
    assert refused(lambda: check_ids("ids", [])).reason == "expected at least one id"
    assert check_ids("ids", [], allow_empty=True) == []


def test_uuids_and_bools_are_never_coerced() -> None:
    user = uuid.uuid4()
    assert check_uuid("user_id", user) is user
    assert refused(lambda: check_uuid("user_id", str(user))).field == "user_id"
    assert check_bool("active_only", False) is False
    assert refused(lambda: check_bool("active_only", 0)).field == "active_only"


def test_choices_take_members_or_values() -> None:
    assert check_choice("colour", "red", Colour) is Colour.RED
    assert check_choice("colour", Colour.GREEN, Colour) is Colour.GREEN
    error = refused(lambda: check_choice("colour", "blue", Colour))
    assert (error.field, error.reason) == ("colour", "'blue' is not one of: red, green")
    assert check_choices("colours", "red", Colour) == (Colour.RED,)
    assert check_choices("colours", ["green", Colour.GREEN, "red"], Colour) == (
        Colour.GREEN,
        Colour.RED,
    )
    assert refused(lambda: check_choices("colours", [], Colour)).field == "colours"
    assert refused(lambda: check_choices("colours", ["red", "blue"], Colour)).field == "colours"


def test_ranked_enums_rank_by_declaration_not_by_name() -> None:
    assert Level.CRITICAL.rank > Level.HIGH.rank > Level.LOW.rank
    assert Level.HIGH.and_above() == ["high", "critical"]


def test_text_is_kept_as_written_unless_it_is_a_key() -> None:
    assert check_text("content", "  indented\n", max_length=20) == "  indented\n"
    assert check_text("email", "  A@b.ke ", max_length=20, strip=True) == "A@b.ke"
    for blank in ("", "   ", "\n\t"):
        assert refused(lambda blank=blank: check_text("reason", blank, max_length=9)).reason == (
            "must not be blank"
        )
    assert check_text("value", "", max_length=9, min_length=0) == ""
    assert check_text("value", "  ", max_length=9, min_length=0) == "  "
    assert refused(lambda: check_text("token", "short", max_length=99, min_length=16)).field == (
        "token"
    )
    # the length is the stored text's: stripped text is measured after stripping
    assert refused(lambda: check_text("name", "x" * 10, max_length=9)).field == "name"
    assert check_text("name", " " + "x" * 9 + " ", max_length=9, strip=True) == "x" * 9
    for bad in ("a\x00b", "\ud800", 5, None):
        assert refused(lambda bad=bad: check_text("details", bad, max_length=9)).field == (
            "details"
        )
    assert check_optional_text("notes", None, max_length=5) is None
    assert check_optional_text("notes", " n ", max_length=5, strip=True) == "n"
    assert refused(lambda: check_optional_text("notes", "", max_length=5)).field == "notes"


def test_tags() -> None:
    assert check_tags("tags", ["tax", "health"]) == ["tax", "health"]
    assert check_tags("tags", (), allow_empty=True) == []
    for bad in ("tax", [], ["tax", "tax"], [" tax"], [""], ["x" * 65], [3], ["a"] * 51):
        assert refused(lambda bad=bad: check_tags("tags", bad)).field == "tags"


def test_credentials_and_addresses() -> None:
    digest = "a" * 64
    assert check_token_hash("token_hash", digest) == digest
    error = refused(lambda: check_token_hash("token_hash", "raw-token-value"))
    assert "raw-token-value" not in str(error)
    assert check_ip("ip", " 10.0.0.1 ") == "10.0.0.1"
    assert check_ip("ip", ipaddress.ip_address("::1")) == "::1"
    assert refused(lambda: check_ip("ip", "10.0.0")).field == "ip"
    assert refused(lambda: check_ip("ip", 10)).field == "ip"


def test_time() -> None:
    now = dt.datetime.now(dt.UTC)
    assert check_aware("since", now) == now
    assert refused(lambda: check_aware("since", now.replace(tzinfo=None))).field == "since"
    assert refused(lambda: check_aware("since", now.date())).field == "since"
    assert check_window(now, now + dt.timedelta(1)) == (now, now + dt.timedelta(1))
    assert refused(lambda: check_window(now, now)).field == "until"
    assert check_date("day", now.date()) == now.date()
    assert refused(lambda: check_date("day", now)).field == "day"
    hour = dt.timedelta(hours=1)
    assert check_duration("ttl", hour, high=hour) == hour
    assert refused(lambda: check_duration("ttl", 2 * hour, high=hour)).field == "ttl"
    assert refused(lambda: check_duration("ttl", 3600, high=hour)).field == "ttl"


def test_shapes() -> None:
    bill = NewBill(title="t")
    assert check_instance("new", bill, NewBill) is bill
    error = refused(
        lambda: check_instance("new", NewUser(email="e", password_hash="x", name="n"), NewBill)
    )
    assert str(error) == "new: expected NewBill, got NewUser"
    assert check_items("news", [bill], NewBill, max_items=1) == [bill]
    assert refused(lambda: check_items("news", [bill, 1], NewBill, max_items=5)).field == (
        "news[1]"
    )
    assert refused(lambda: check_items("news", [bill] * 2, NewBill, max_items=1)).field == "news"
    assert refused(lambda: check_items("news", "bill", NewBill, max_items=1)).field == "news"
    check_fields("new", NewBill(title="t", status="draft"), ["title", "status"])
    assert refused(lambda: check_fields("new", bill, ["status"])).field == "new.title"
    check_keys("filters", None, ["status"])
    check_keys("filters", {"status": "open"}, ["status"])
    assert refused(lambda: check_keys("filters", {"state": 1}, ["status"])).field == "filters"
    error = refused(lambda: check_keys("filters", [("status", 1)], ["status"]))  # type: ignore[arg-type]
    assert error.reason == "expected a mapping, got list"
