"""Every legacy call warns, once per calling line, naming its replacement; -W error stops it.

The in-process tests set up the filters as a plain ``python`` process has them (pytest's
own make every DeprecationWarning show every time); the subprocess tests run a real
interpreter, with its real default filters, on a script that calls the adapters.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from chanuka_db import Database
from chanuka_db import legacy as legacy_package
from chanuka_db.legacy import BillService, LegacyAPIWarning, show_legacy_warnings
from chanuka_db.pool.config import DatabaseUrl
from tests.conftest import repo_root
from tests.legislative_support import data

__all__ = ["data"]

MIGRATING = repo_root() / "docs" / "migrating.md"


def adapters() -> list[tuple[str, Any]]:
    """(Service.camelCaseName, function) for every deprecated method of the legacy services."""
    found = []
    for name in legacy_package.__all__:
        service = getattr(legacy_package, name)
        if not inspect.isclass(service) or issubclass(service, Warning):
            continue
        for attribute, function in vars(service).items():
            if getattr(function, "__deprecated__", None) and attribute != attribute.lower():
                found.append((f"{name}.{attribute}", function))
    return found


def test_every_adapter_names_its_replacement_and_has_both_spellings() -> None:
    found = adapters()
    assert len({id(function) for _, function in found}) >= 7
    migrating = MIGRATING.read_text(encoding="utf-8").lower()
    for name, function in found:
        message = function.__deprecated__
        camel = name.split(".")[1]
        assert re.fullmatch(
            r"\w+\.\w+\(\) is deprecated: use .+ \(see docs/migrating\.md#\w+\)", message
        ), message
        anchor = message.rsplit("#", 1)[1].rstrip(")")
        assert f"### {anchor}" in migrating.replace("`", ""), (name, anchor)
        owner = getattr(legacy_package, name.split(".")[0])
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()
        assert getattr(owner, snake) is getattr(owner, camel), name


@pytest.fixture
def plain_filters() -> Any:
    """The warning filters of a plain interpreter, plus what importing chanuka_db.legacy adds."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        # What Python shows by default outside __main__: no DeprecationWarning at all.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        assert show_legacy_warnings()
        yield caught


def test_each_call_site_warns_once_at_the_callers_line(data: Database, plain_filters: Any) -> None:
    service = BillService(data)
    lines = []
    for _ in range(3):
        service.getBillById(987_654)
        lines.append(inspect.currentframe().f_lineno - 1)  # type: ignore[union-attr]
    service.get_bill_by_id(987_654)
    lines.append(inspect.currentframe().f_lineno - 1)  # type: ignore[union-attr]
    legacy = [w for w in plain_filters if issubclass(w.category, LegacyAPIWarning)]
    assert [(w.filename, w.lineno) for w in legacy] == [(__file__, lines[0]), (__file__, lines[3])]
    assert issubclass(legacy[0].category, DeprecationWarning)
    assert str(legacy[0].message) == (
        "BillService.getBillById() is deprecated: use db.repos.bills.detail(bill_id)"
        " (see docs/migrating.md#getbillbyid)"
    )


def test_the_filter_is_left_to_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "warnoptions", ["error::DeprecationWarning"])
    with warnings.catch_warnings():
        before = list(warnings.filters)
        assert show_legacy_warnings() is False
        assert warnings.filters == before


_SCRIPT = """\
import chanuka_db.legacy
from chanuka_db import Database, DatabaseConfig

with Database(DatabaseConfig.from_env()) as db:
    bills = chanuka_db.legacy.BillService(db)
    for _ in range(3):
        bills.getBillById(987654)
    bills.getBillById(987654)
    print("done")
"""


def _run(script: Path, database_url: DatabaseUrl, *flags: str, **env: str) -> Any:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CHANUKA_", "PG", "PYTHONWARNINGS")) and key != "DATABASE_URL"
    }
    environ |= {"DATABASE_URL": database_url.conninfo(), "CHANUKA_ENV": "test", **env}
    return subprocess.run(
        [sys.executable, *flags, str(script)],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=120,
    )


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "old_caller.py"
    path.write_text(textwrap.dedent(_SCRIPT), encoding="utf-8")
    return path


def test_a_plain_interpreter_shows_each_call_site_once(
    script: Path, database_url: DatabaseUrl
) -> None:
    done = _run(script, database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    shown = re.findall(r"^(.*):(\d+): LegacyAPIWarning: (.*)$", done.stderr, re.MULTILINE)
    assert [(Path(f).name, int(n)) for f, n, _ in shown] == [
        ("old_caller.py", 7),
        ("old_caller.py", 8),
    ]
    assert "use db.repos.bills.detail(bill_id)" in shown[0][2]


@pytest.mark.parametrize("how", ["-W", "PYTHONWARNINGS"])
def test_error_on_deprecation_makes_a_legacy_call_fail(
    script: Path, database_url: DatabaseUrl, how: str
) -> None:
    if how == "-W":
        done = _run(script, database_url, "-W", "error::DeprecationWarning")
    else:
        done = _run(script, database_url, PYTHONWARNINGS="error::DeprecationWarning")
    assert done.returncode == 1
    assert done.stdout == ""
    assert 'old_caller.py", line 7' in done.stderr
    assert "LegacyAPIWarning: BillService.getBillById() is deprecated" in done.stderr
