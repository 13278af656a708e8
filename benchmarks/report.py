"""Benchmark results as markdown and a chart: ``python -m benchmarks.report [--run]``.

The benchmarks write what they measured with ``pytest benchmarks ... --perf-json PATH``
(hot operations, side by side, concurrency; see their docstrings). This module renders
every ``docs/perf/results-<scale>.json`` into ``docs/perf/README.md``, a PNG chart of
latency per operation per scale (``docs/perf/latency-<scale>.png``) and the block of the
top-level README between ``<!-- perf:begin -->`` and ``<!-- perf:end -->``::

    .venv/bin/python -m benchmarks.report --run                 # small: measure, render
    .venv/bin/python -m benchmarks.report --run --scale large   # a large load must exist
    .venv/bin/python -m benchmarks.report                       # render what is there

``--run`` runs the three benchmark modules in one pytest session (about two minutes at
``small``), then renders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import psutil

ROOT: Final = Path(__file__).resolve().parent.parent
PERF_DIR: Final = ROOT / "docs" / "perf"
BEGIN: Final = "<!-- perf:begin -->"
END: Final = "<!-- perf:end -->"
SCALES: Final = ("tiny", "small", "medium", "large")
CLIENT_NAMES: Final = {
    "repository": "repository",
    "layer": "query layer",
    "raw": "raw psycopg",
    "raw-tuples": "raw, tuples",
    "sqlalchemy": "SQLAlchemy Core",
    "raw-copy": "raw COPY",
}
OPERATION_NAMES: Final = {
    "point": "point lookup: `bills.get`",
    "adhoc": "the same, statement built per call",
    "page": "page of 20 + total: `bills.list`",
    "fts": "search, facets, total: `bills.search`",
    "insert": "insert RETURNING: `bills.add`",
    "bulk": "bulk load, 100 rows: `bills.add_many`",
}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, Any]:
    """Where and when the results were measured (the server's facts are added by conftest)."""
    return {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


# -- markdown ---------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _where(meta: Mapping[str, Any]) -> str:
    server = meta.get("postgresql", "PostgreSQL ?")
    return (
        f"Measured {meta.get('date', '?')} on {meta.get('cpu', '?')} ({meta.get('cpus', '?')} "
        f"vCPUs, {meta.get('memory_gb', '?')} GB), {meta.get('os', '?')}, Python "
        f"{meta.get('python', '?')}, {server}."
    )


def _hot(section: Mapping[str, Any], chart: str | None) -> list[str]:
    lines = [
        f"**Hot operations, one thread** ({section['rounds']} interleaved rounds; milliseconds "
        "of wall time from the service's side: borrow, transaction for writes, statements, "
        "result objects):",
        "",
    ]
    rows = [
        [
            f"`{op['name']}`",
            _statements(op),
            _ms(op["p50_ms"]),
            _ms(op["p95_ms"]),
            _ms(op["p99_ms"]),
        ]
        for op in section["operations"]
    ]
    lines += _table(["operation", "statements", "p50 ms", "p95 ms", "p99 ms"], rows)
    if chart:
        lines += ["", f"![latency per operation]({chart})"]
    return lines


def _statements(op: Mapping[str, Any]) -> str:
    low, high = op["statements_min"], op["statements_max"]
    return str(low) if low == high else f"{low}-{high}"


def _side_by_side(section: Mapping[str, Any]) -> list[str]:
    wall, cpu = section["wall_us"], section["cpu_us"]
    clients = [c for c in section["clients"] if any(k.startswith(c + " ") for k in wall)]
    lines = [
        f"**Side by side, same SQL** ({section['bills']:,} bills; one connection per client; "
        f"interleaved, {section['rounds']} rounds; medians of wall µs per operation, client "
        f"CPU µs in parentheses; pinned to one CPU: {section['pinned']}):",
        "",
    ]
    rows = []
    for operation in section["operations"]:
        cells = []
        for client in clients:
            key = f"{client} {operation}"
            cells.append(f"{wall[key]:,.0f} ({cpu[key]:,.0f})" if key in wall else "")
        mine = f"repository {operation}" if f"repository {operation}" in wall else None
        mine = mine or f"layer {operation}"
        ratio = wall[mine] / wall[f"raw {operation}"]
        rows.append([OPERATION_NAMES.get(operation, operation), *cells, f"{ratio:.2f}x"])
    header = ["operation", *(CLIENT_NAMES.get(c, c) for c in clients), "ours / raw"]
    return lines + _table(header, rows)


def _concurrency(section: Mapping[str, Any]) -> list[str]:
    acquire = section["acquire_ms"]
    lines = [
        f"**{section['threads']} threads, at most {section['pool_max']} connections, "
        f"{section['duration_s']:.0f} s of mixed traffic**: {section['calls']:,} calls, "
        f"{section['throughput_per_s']:,.0f} calls/s; connection acquisition p50 "
        f"{acquire['p50']:.2f} ms, p99 {acquire['p99']:.2f} ms; {section['timeouts']} "
        f"acquisition timeouts, {section['errors']} errors; resident memory "
        f"{section['rss_before_mb']:.0f} MB before, {section['rss_peak_mb']:.0f} MB at peak "
        "(milliseconds per call include waiting for a connection):",
        "",
    ]
    rows = [
        [
            f"`{op['name']}`",
            f"{op['calls']:,}",
            _ms(op["p50_ms"]),
            _ms(op["p95_ms"]),
            _ms(op["p99_ms"]),
        ]
        for op in section["operations"]
    ]
    return lines + _table(["operation", "calls", "p50 ms", "p95 ms", "p99 ms"], rows)


def render_markdown(results: Mapping[str, Any], chart: str | None = None) -> str:
    """One scale's results as markdown; ``chart`` is the PNG's path relative to the page."""
    meta = results.get("meta", {})
    hot = results.get("hot_operations")
    scale = meta.get("scale") or (hot or {}).get("scale", "?")
    rows = f", {hot['rows']:,} rows" if hot else ""
    lines = [f"#### Scale `{scale}`{rows}", "", _where(meta)]
    for section, render in (("hot_operations", None), ("side_by_side", _side_by_side),
                            ("concurrency", _concurrency)):  # fmt: skip
        if section in results:
            body = _hot(results[section], chart) if render is None else render(results[section])
            lines += ["", *body]
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the perf markers replaced by ``block``."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no {BEGIN} ... {END} block to replace")
    return pattern.sub(lambda _m: f"{BEGIN}\n{block}{END}", text, count=1)


# -- the chart ----------------------------------------------------------------------------------


def render_chart(results: Mapping[str, Any], path: Path) -> None:
    """A PNG of p50/p95/p99 per operation: one thread, and under 100 threads when measured."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    panels = [
        (title, results[key]["operations"])
        for key, title in (("hot_operations", "one thread"), ("concurrency", "100 threads"))
        if key in results
    ]
    figure, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 5), squeeze=False)
    for axis, (title, operations) in zip(axes[0], panels, strict=True):
        names = [op["name"] for op in operations][::-1]
        for offset, (quantile, colour) in enumerate(
            (("p50", "#4c72b0"), ("p95", "#dd8452"), ("p99", "#c44e52"))
        ):
            values = [op[f"{quantile}_ms"] for op in operations][::-1]
            positions = [n + (offset - 1) * 0.27 for n in range(len(names))]
            axis.barh(positions, values, height=0.27, color=colour, label=quantile)
        axis.set_yticks(range(len(names)), names, fontsize=8)
        axis.set_xscale("log")
        axis.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_xlabel("milliseconds (log scale)")
        axis.set_title(f"{title}, scale {results.get('meta', {}).get('scale', '?')}")
        axis.grid(axis="x", alpha=0.3)
        axis.legend(loc="best", fontsize=8, framealpha=0.9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


# -- putting it together --------------------------------------------------------------------------


def render_all(perf_dir: Path = PERF_DIR, readme: Path | None = ROOT / "README.md") -> list[Path]:
    """Render every ``results-<scale>.json`` in ``perf_dir``; the files written."""
    found = [(s, perf_dir / f"results-{s}.json") for s in SCALES]
    found = [(s, p) for s, p in found if p.exists()]
    if not found:
        raise FileNotFoundError(f"no results-<scale>.json in {perf_dir}: run with --run first")
    page, block, written = ["# Benchmark results", ""], [], []
    for scale, path in found:
        results = json.loads(path.read_text())
        chart = perf_dir / f"latency-{scale}.png"
        render_chart(results, chart)
        written.append(chart)
        page.append(render_markdown(results, chart=chart.name))
        block.append(render_markdown(results, chart=_relative(chart, readme)))
    (perf_dir / "README.md").write_text("\n".join(page))
    written.append(perf_dir / "README.md")
    if readme is not None:
        readme.write_text(replace_block(readme.read_text(), "\n".join(block)))
        written.append(readme)
    return written


def _relative(path: Path, readme: Path | None) -> str:
    base = readme.parent if readme is not None else path.parent
    return os.path.relpath(path, base)


def run(scale: str, duration: float | None, perf_dir: Path = PERF_DIR) -> int:
    """Run the three measuring benchmark modules in one session; pytest's exit code."""
    command = [
        sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
        "benchmarks/test_hot_operations.py::test_percentiles",
        "benchmarks/test_query_layer.py::test_interleaved",
        "benchmarks/test_concurrency.py",
        f"--scale={scale}", f"--perf-json={perf_dir / f'results-{scale}.json'}",
        "--timeout=3600",  # a large load's runs outlast the suite's 300 s per test
    ]  # fmt: skip
    if duration is not None:
        command.append(f"--duration={duration}")
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.report``: optionally measure, then render."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument("--run", action="store_true", help="run the benchmarks first")
    parser.add_argument("--scale", choices=SCALES, default="small", help="data for --run")
    parser.add_argument("--duration", type=float, help="seconds of the concurrency run")
    args = parser.parse_args(argv)
    if args.run and (code := run(args.scale, args.duration)) != 0:
        return code
    for path in render_all():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
