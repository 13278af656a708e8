"""The guides are true: their Python runs, their links resolve, every alert has a runbook entry.

Every fenced block of an executed guide is accounted for: a ``python`` block runs (all of
a guide's blocks in order, in one namespace, against this test's freshly migrated
database, with ``DATABASE_URL`` pointing at it); any other block must carry a language
from :data:`NOT_PYTHON`. A block with no language, or ``py``/``Python``/``python3``, fails
the test instead of being skipped, and the number of blocks run is checked against a plain
count of the opening fences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from chanuka_db.pool.config import DatabaseUrl
from tests.conftest import repo_root

ROOT = repo_root()
DOCS = ROOT / "docs"
EXECUTED = ("usage.md", "migrating.md", "performance.md")
# Languages of blocks that are not Python: shown, never run.
NOT_PYTHON = frozenset({"ts", "sh", "sql", "text", "yaml", "json", "promql"})
FENCE = re.compile(r"^(\s*)```(.*)$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@attrs.frozen
class Block:
    """One fenced block: its language, its first line's number (1-based) and its text."""

    language: str
    line: int
    text: str


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file; an unclosed fence is an error."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    opened: tuple[str, int, int] | None = None  # (language, first line, indent)
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        fence = FENCE.match(line)
        if opened is None:
            if fence:
                opened, body = (fence.group(2).strip(), number + 1, len(fence.group(1))), []
            continue
        if fence and not fence.group(2).strip():
            found.append(Block(opened[0], opened[1], "\n".join(row[opened[2] :] for row in body)))
            opened = None
        else:
            body.append(line)
    assert opened is None, f"{path.name}: the fence opened before line {opened[1]} never closes"
    return found


def run_python(path: Path, namespace: dict[str, Any]) -> int:
    """Run every python block of ``path`` in ``namespace``; tracebacks name the doc's lines."""
    ran = 0
    for block in blocks(path):
        if block.language == "python":
            # Line numbers in a failure point into the guide itself.
            code = compile("\n" * (block.line - 1) + block.text, str(path), "exec")
            exec(code, namespace)  # noqa: S102 - our own documentation, run on purpose
            ran += 1
        else:
            assert block.language in NOT_PYTHON, (
                f"{path.name}:{block.line}: a block in {block.language!r} is neither run nor"
                f" allowed; write ```python (it will run) or one of {sorted(NOT_PYTHON)}"
            )
    return ran


@pytest.fixture
def guide_env(
    monkeypatch: pytest.MonkeyPatch, clean_env: None, database_url: DatabaseUrl
) -> Iterator[dict[str, Any]]:
    """The environment a reader has: DATABASE_URL set, nothing else; a namespace to run in."""
    monkeypatch.setenv("DATABASE_URL", database_url.conninfo())
    monkeypatch.setenv("CHANUKA_ENV", "test")
    namespace: dict[str, Any] = {"__name__": "guide"}
    yield namespace
    db = namespace.get("db")
    if db is not None:
        db.close()  # the guide closes it itself; closing twice is harmless


@pytest.mark.parametrize("guide", EXECUTED)
def test_every_python_block_of_the_guide_runs(guide: str, guide_env: dict[str, Any]) -> None:
    path = DOCS / guide
    ran = run_python(path, guide_env)
    opening = sum(
        1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip() == "```python"
    )
    assert ran == opening >= 1


def test_a_block_in_another_language_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "bad.md"
    doc.write_text("Intro\n\n```py\nraise SystemExit\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="'py' is neither run nor allowed"):
        run_python(doc, {})
    doc.write_text("```python\nx = 1\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="never closes"):
        blocks(doc)


def test_a_failing_block_points_at_its_line_in_the_guide(tmp_path: Path) -> None:
    doc = tmp_path / "guide.md"
    doc.write_text("# Guide\n\n```python\nx = 1\nassert x == 2\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError) as caught:
        run_python(doc, {})
    assert caught.traceback[-1].lineno + 1 == 5
    assert str(caught.traceback[-1].path) == str(doc)


# -- links and anchors -------------------------------------------------------------------------


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    found = set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_of_every_guide_has_a_language(path: Path) -> None:
    allowed = NOT_PYTHON | {"python"}
    for block in blocks(path):
        assert block.language in allowed, f"{path.name}:{block.line}: {block.language!r}"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_relative_to(ROOT):
            continue  # outside the repository (the design notes next to a checkout)
        assert linked.exists(), f"{path.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{path.name}: {target}: no heading #{anchor}"


def test_every_alert_links_to_its_runbook_entry() -> None:
    document = yaml.safe_load((DOCS / "ops" / "alerts.yml").read_text(encoding="utf-8"))
    runbook = DOCS / "ops" / "runbook.md"
    headings = anchors(runbook)
    for group in document["groups"]:
        for rule in group["rules"]:
            url = rule["annotations"].get("runbook_url", "")
            assert url.startswith("docs/ops/runbook.md#"), rule["alert"]
            anchor = url.partition("#")[2]
            assert anchor == rule["alert"].lower(), rule["alert"]
            assert anchor in headings, f"runbook.md has no section for {rule['alert']}"
