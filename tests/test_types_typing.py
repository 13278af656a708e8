"""mypy rejects misuse of the generated types: wrong types, misspelt columns, missing fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

MISUSE = Path(__file__).parent / "mypy_cases" / "misuse.py"
_EXPECT = re.compile(r"#\s*E:\s*([a-z-]+)")
_REPORTED = re.compile(r"^[^:]+:(\d+): error: .*\[([a-z-]+)\]$")


@pytest.mark.slow
def test_mypy_rejects_each_marked_misuse_and_nothing_else(tmp_path: Path) -> None:
    expected = {
        number: match[1]
        for number, line in enumerate(MISUSE.read_text().splitlines(), start=1)
        if (match := _EXPECT.search(line))
    }
    stdout, _, _ = mypy_api.run(
        [
            "--strict",
            "--no-error-summary",
            "--hide-error-context",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(MISUSE),
        ]
    )
    reported: dict[int, set[str]] = {}
    for line in stdout.splitlines():
        if match := _REPORTED.match(line):
            reported.setdefault(int(match[1]), set()).add(match[2])
    assert set(reported) == set(expected), stdout
    for number, code in expected.items():
        assert code in reported[number], f"line {number}: expected [{code}], got {reported[number]}"
