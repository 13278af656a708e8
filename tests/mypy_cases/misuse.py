"""Deliberate misuses of the generated types: mypy must reject each line with an error marker.

This file is never imported; tests/test_types_typing.py runs mypy on it.
"""

from __future__ import annotations

import uuid

from chanuka_db.types import BillPatch, NewBill, NewUser, tables

NewBill(title=42)  # E: arg-type
NewBill(summary="no title")  # E: call-arg
NewBill(title="t", view_count="many")  # E: arg-type
NewBill(title="t", titel="typo")  # E: call-arg
NewUser(email="a@b", password_hash="h")  # E: call-arg
BillPatch(status=None)  # E: arg-type
tables.bills.sttaus  # E: attr-defined
tables.bill.status  # E: attr-defined
tables.bills.view_count.eq("ten")  # E: arg-type
tables.users.id.in_([1, 2])  # E: list-item
tables.bills.view_count > uuid.uuid4()  # E: operator

# Correct uses, for contrast: these lines must type-check.
NewBill(title="Finance Bill", view_count=3, summary=None)
BillPatch(summary=None)
tables.bills.summary == None
tables.users.id.in_([uuid.uuid4()])
