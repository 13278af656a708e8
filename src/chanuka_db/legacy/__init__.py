"""Adapters for code written against the old Chanuka access patterns (deprecated on arrival)."""
