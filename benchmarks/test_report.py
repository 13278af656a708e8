"""benchmarks/report.py: results JSON to markdown, a chart, and the README block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import report


def _op(name: str, p50: float, statements: tuple[int, int] = (1, 1)) -> dict[str, Any]:
    return {
        "name": name,
        "calls": 300,
        "errors": 0,
        "statements_min": statements[0],
        "statements_max": statements[1],
        "p50_ms": p50,
        "p95_ms": p50 * 2,
        "p99_ms": p50 * 3,
        "max_ms": p50 * 4,
        "total_s": p50 * 0.3,
    }


RESULTS: dict[str, Any] = {
    "meta": {
        "date": "2026-11-26",
        "cpu": "Test CPU",
        "cpus": 2,
        "memory_gb": 23.5,
        "os": "Linux 6.18",
        "python": "3.11.7",
        "postgresql": "PostgreSQL 18.6 (embedded, fsync off)",
        "scale": "small",
    },
    "hot_operations": {
        "scale": "small",
        "rows": 338_646,
        "rounds": 300,
        "operations": [
            _op("bills.search", 3.456, (2, 2)),
            _op("comments.list_threaded", 12.5, (1, 2)),
        ],
    },
    "side_by_side": {
        "rounds": 15,
        "block": 200,
        "pinned": True,
        "bills": 5000,
        "bulk_rows": 100,
        "clients": ["repository", "layer", "raw", "sqlalchemy", "raw-copy"],
        "operations": ["point", "adhoc", "bulk"],
        "wall_us": {
            "repository point": 50.0,
            "layer point": 45.0,
            "raw point": 40.0,
            "sqlalchemy point": 110.0,
            "layer adhoc": 70.0,
            "raw adhoc": 40.0,
            "sqlalchemy adhoc": 200.0,
            "repository bulk": 6000.0,
            "layer bulk": 5900.0,
            "raw bulk": 5000.0,
            "sqlalchemy bulk": 7000.0,
            "raw-copy bulk": 1500.0,
        },
        "cpu_us": {},
    },
    "concurrency": {
        "threads": 100,
        "pool_max": 20,
        "duration_s": 10.02,
        "calls": 12345,
        "throughput_per_s": 1232.1,
        "errors": 0,
        "timeouts": 0,
        "acquire_ms": {"p50": 10.0, "p95": 20.0, "p99": 31.25, "max": 40.0},
        "rss_before_mb": 90.2,
        "rss_peak_mb": 95.7,
        "operations": [_op("bills.search", 40.0)],
    },
}
RESULTS["side_by_side"]["cpu_us"] = {
    k: v / 2 for k, v in RESULTS["side_by_side"]["wall_us"].items()
}


def test_markdown_has_the_facts_and_a_table_per_section() -> None:
    text = report.render_markdown(RESULTS, chart="latency-small.png")
    assert "#### Scale `small`, 338,646 rows" in text
    assert (
        "Measured 2026-11-26 on Test CPU (2 vCPUs, 23.5 GB), Linux 6.18, Python 3.11.7, "
        "PostgreSQL 18.6 (embedded, fsync off)." in text
    )
    assert "| `bills.search` | 2 | 3.46 | 6.91 | 10.4 |" in text
    assert "| `comments.list_threaded` | 1-2 | 12.5 | 25.0 | 37.5 |" in text
    assert "![latency per operation](latency-small.png)" in text
    header = "| operation | repository | query layer | raw psycopg | SQLAlchemy Core | raw COPY |"
    assert header + " ours / raw |" in text
    assert (
        "| point lookup: `bills.get` | 50 (25) | 45 (22) | 40 (20) | 110 (55) |  | 1.25x |" in text
    )
    assert (
        "| the same, statement built per call |  | 70 (35) | 40 (20) | 200 (100) |  | 1.75x |"
        in text
    )
    assert "1,500 (750) | 1.20x |" in text
    assert "12,345 calls, 1,232 calls/s" in text and "p99 31.25 ms; 0 acquisition timeouts" in text
    assert "| `bills.search` | 300 | 40.0 | 80.0 | 120.0 |" in text


def test_sections_that_were_not_measured_are_left_out() -> None:
    only_hot = {"meta": RESULTS["meta"], "hot_operations": RESULTS["hot_operations"]}
    text = report.render_markdown(only_hot)
    assert "Side by side" not in text and "threads, at most" not in text
    assert "![latency" not in text


def test_the_readme_block_is_replaced_and_only_it() -> None:
    readme = f"intro\n{report.BEGIN}\nold numbers\n{report.END}\noutro\n"
    assert (
        report.replace_block(readme, "new\n")
        == f"intro\n{report.BEGIN}\nnew\n{report.END}\noutro\n"
    )
    with pytest.raises(ValueError, match="perf:begin"):
        report.replace_block("no markers here", "new\n")


def test_render_all_writes_the_page_the_charts_and_the_readme(tmp_path: Path) -> None:
    perf = tmp_path / "docs" / "perf"
    perf.mkdir(parents=True)
    (perf / "results-small.json").write_text(json.dumps(RESULTS))
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{report.BEGIN}\n{report.END}\n")
    written = report.render_all(perf, readme)
    assert {p.name for p in written} == {"latency-small.png", "README.md"}
    assert (perf / "latency-small.png").read_bytes().startswith(b"\x89PNG")
    assert "![latency per operation](docs/perf/latency-small.png)" in readme.read_text()
    assert "![latency per operation](latency-small.png)" in (perf / "README.md").read_text()
    (perf / "results-small.json").unlink()
    with pytest.raises(FileNotFoundError):
        report.render_all(perf, readme)
